//! Microsoft Entra ID (Microsoft Graph): the tenant, users, groups and their members, directory
//! role assignments, service principals, app registrations with their credentials (metadata
//! only), federated identity credentials, owners, delegated consents (`oauth2PermissionGrants`)
//! and app role assignments (application permissions and app access). FOCI ("family of client
//! IDs") is modelled so a family refresh token reaches every family client ([`foci_clients`]).
//!
//! Cartography style: [`fetch`] returns the raw pages of each endpoint ([`EntraRaw`]) without
//! reshaping them; [`transform`] is a pure function from those pages to nodes and edges, tested
//! offline on recorded responses; [`Collection::into_document`] loads. What is read, the Graph
//! permissions it needs and what becomes which node and edge are in `docs/collectors/entra.md`.
//!
//! Id conventions (`platform:kind:native-id`, see [`crate::model::naming`]):
//! - `entra:idp:<tenant id>`: the tenant;
//! - `entra:user:<object id>`, `entra:group:<object id>`, `entra:role:<role definition id>`
//!   (built-in roles: the template id);
//! - `entra:service_account:<service principal object id>`;
//! - `entra:app:<appId>`: an app registration (or, for apps registered elsewhere, the client the
//!   tenant's service principal stands for); `entra:app:foci`: the FOCI family as a whole;
//! - `entra:resource:<appId>`: an API (resource service principal) as the target of delegated
//!   and application permissions;
//! - `entra:token:<keyId>`: a client secret or certificate of an app or service principal;
//!   `entra:token:publisher:<appId>`: a third-party app's credentials, held by its publisher;
//!   (the sign-ins importer adds `entra:session:<sessionId>`, `entra:token:<sign-in id>` and
//!   `entra:token:foci:<sessionId>`);
//! - `entra:oauth_grant:<grant id>`: a delegated consent;
//! - `<platform>:workload:<subject>`: the external workload a federated identity credential trusts
//!   (`github:workload:repo:acme/app:ref:refs/heads/main`), see [`federated_workload`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::http::{self, Auth, Client, FetchError, Paging, Policy};

/// One paginated request per object, concurrently: the shared [`http::fan_out`] in Graph's paging
/// style, naming the permission a failure most likely lacks.
async fn fan_out(
    client: &Client,
    progress: &Progress,
    problems: &mut Vec<String>,
    what: &str,
    jobs: Vec<(String, String)>,
    permission: &str,
) -> Result<BTreeMap<String, Vec<Value>>, FetchError> {
    let hint = format!(" [needs {permission}]");
    http::fan_out(
        client,
        Paging::ODataNextLink,
        progress,
        problems,
        what,
        jobs,
        &hint,
    )
    .await
}
use super::collector::{fetch_error, parse, Collector, Context};
use super::json::{edge_with as edge, node_on, opt, pick, props, s, ts};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::naming::{join, native, node_id, platform, platform::ENTRA, FEDERATION_TARGET};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, TokenType};

/// The source name written to the document; every node it writes is on the `entra` platform
/// ([`ENTRA`]) besides external workloads.
pub const SOURCE: &str = "entra";
/// Microsoft Graph v1.0, the default base URL of [`collect`].
pub const GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
/// Microsoft Graph beta: sign-ins carry `sessionId` there only.
pub const GRAPH_BETA_URL: &str = "https://graph.microsoft.com/beta";
/// The Microsoft identity platform, where client credentials are exchanged for a token.
pub const LOGIN_URL: &str = "https://login.microsoftonline.com";
/// The scope of an app-only Graph token.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// Names the variable of a pre-acquired token in errors (never its value).
pub const TOKEN_ENV: &str = "ENTRA_ACCESS_TOKEN";
/// Names the client-credential variables in errors (never their values).
pub const CLIENT_CREDENTIALS_ENV: &str = "ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET";

/// The id of the node standing for the whole FOCI family:
/// `entra:app:` + [`native::FOCI_FAMILY`] (a test holds the two together).
pub const FOCI_FAMILY_ID: &str = "entra:app:foci";

/// Microsoft Graph's appId (the same in every tenant).
pub const MICROSOFT_GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The request paths [`fetch`] reads, relative to the Graph base URL.
pub mod paths {
    pub const ORGANIZATION: &str = "/organization?$select=id,displayName,verifiedDomains";
    pub const USERS: &str = "/users?$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,createdDateTime,signInSessionsValidFromDateTime,lastPasswordChangeDateTime,onPremisesSyncEnabled&$top=999";
    pub const GROUPS: &str = "/groups?$select=id,displayName,securityEnabled,mailEnabled,groupTypes,isAssignableToRole&$top=999";
    pub const ROLE_DEFINITIONS: &str = "/roleManagement/directory/roleDefinitions";
    pub const ROLE_ASSIGNMENTS: &str = "/roleManagement/directory/roleAssignments";
    pub const SERVICE_PRINCIPALS: &str = "/servicePrincipals?$top=999";
    pub const APPLICATIONS: &str = "/applications?$top=999";
    pub const OAUTH2_PERMISSION_GRANTS: &str = "/oauth2PermissionGrants";

    pub fn group_members(group_id: &str) -> String {
        format!("/groups/{group_id}/members?$top=999")
    }
    pub fn application_owners(app_object_id: &str) -> String {
        format!("/applications/{app_object_id}/owners")
    }
    pub fn federated_identity_credentials(app_object_id: &str) -> String {
        format!("/applications/{app_object_id}/federatedIdentityCredentials")
    }
    pub fn service_principal_owners(sp_id: &str) -> String {
        format!("/servicePrincipals/{sp_id}/owners")
    }
    pub fn app_role_assigned_to(sp_id: &str) -> String {
        format!("/servicePrincipals/{sp_id}/appRoleAssignedTo?$top=999")
    }
}

// ------------------------------------------------------------------------------------------------
// Authentication

/// How the collector gets a Microsoft Graph token. `Debug` hides the token and the secret.
#[derive(Clone)]
pub enum EntraAuth {
    /// A Graph access token acquired elsewhere (`ENTRA_ACCESS_TOKEN`).
    Token(String),
    /// An app registration's client secret, exchanged at
    /// `POST {login_url}/{tenant}/oauth2/v2.0/token` (client-credentials grant).
    ClientCredentials {
        tenant: String,
        client_id: String,
        secret: String,
        /// Default [`LOGIN_URL`]; tests point it at a mock.
        login_url: String,
    },
}

impl std::fmt::Debug for EntraAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntraAuth::Token(_) => f.write_str("Token(<redacted>)"),
            EntraAuth::ClientCredentials {
                tenant,
                client_id,
                login_url,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("tenant", tenant)
                .field("client_id", client_id)
                .field("secret", &"<redacted>")
                .field("login_url", login_url)
                .finish(),
        }
    }
}

impl EntraAuth {
    /// The variable(s) the credential came from, for error messages.
    pub fn credential_names(&self) -> &'static str {
        match self {
            EntraAuth::Token(_) => TOKEN_ENV,
            EntraAuth::ClientCredentials { .. } => CLIENT_CREDENTIALS_ENV,
        }
    }
}

/// Reads the credential from the environment: `ENTRA_ACCESS_TOKEN`, or the trio
/// `ENTRA_TENANT_ID` / `ENTRA_CLIENT_ID` / `ENTRA_CLIENT_SECRET` (plus `ENTRA_LOGIN_URL` to
/// override the login endpoint). The error names the variables, never a value.
pub fn auth_from_env() -> Result<EntraAuth, String> {
    auth_from_vars(|k| std::env::var(k).ok())
}

/// [`auth_from_env`] over any variable lookup (tests pass a map instead of mutating the
/// process environment).
pub fn auth_from_vars(var: impl Fn(&str) -> Option<String>) -> Result<EntraAuth, String> {
    let get = |k: &str| {
        var(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(token) = get(TOKEN_ENV) {
        return Ok(EntraAuth::Token(token));
    }
    const TRIO: [&str; 3] = ["ENTRA_TENANT_ID", "ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET"];
    let values: Vec<Option<String>> = TRIO.iter().map(|k| get(k)).collect();
    if let [Some(tenant), Some(client_id), Some(secret)] = values.as_slice() {
        let login_url = get("ENTRA_LOGIN_URL").unwrap_or_else(|| LOGIN_URL.to_string());
        return Ok(EntraAuth::ClientCredentials {
            tenant: tenant.clone(),
            client_id: client_id.clone(),
            secret: secret.clone(),
            login_url: login_url.trim_end_matches('/').to_string(),
        });
    }
    let missing: Vec<&str> = TRIO
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if missing.len() == TRIO.len() {
        Err(format!(
            "no Microsoft Entra credential in the environment\n  fix: set {TOKEN_ENV} to a \
             Microsoft Graph access token, or set ENTRA_TENANT_ID, ENTRA_CLIENT_ID and \
             ENTRA_CLIENT_SECRET for an app registration with the read permissions listed in \
             docs/collectors/entra.md"
        ))
    } else {
        Err(format!(
            "incomplete Microsoft Entra client credentials: {} not set\n  fix: set all of \
             ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET, or set {TOKEN_ENV} instead",
            missing.join(", ")
        ))
    }
}

/// The `.default` scope of the Graph instance at `graph_url` (national clouds have their own
/// host); [`GRAPH_SCOPE`] unless the base is another `https://` host.
fn scope_for(graph_url: &str) -> String {
    match graph_url.strip_prefix("https://") {
        Some(rest) => {
            let host = rest.split('/').next().unwrap_or("graph.microsoft.com");
            format!("https://{host}/.default")
        }
        None => GRAPH_SCOPE.to_string(),
    }
}

/// A Graph access token: the given one, or one from the client-credentials grant. The token is
/// returned to the caller only to be put in the client's `Authorization` header.
pub async fn access_token(
    auth: &EntraAuth,
    graph_url: &str,
    policy: &Policy,
) -> Result<String, FetchError> {
    match auth {
        EntraAuth::Token(t) => Ok(t.clone()),
        EntraAuth::ClientCredentials {
            tenant,
            client_id,
            secret,
            login_url,
        } => {
            let url = format!(
                "{}/{}/oauth2/v2.0/token",
                login_url.trim_end_matches('/'),
                http::urlencode(tenant)
            );
            let scope = scope_for(graph_url);
            let body = http::post_form(
                policy,
                &url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("scope", &scope),
                ],
                CLIENT_CREDENTIALS_ENV,
            )
            .await?;
            body.get("access_token")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .ok_or_else(|| FetchError::Malformed {
                    url,
                    detail: "the token response has no `access_token`".into(),
                })
        }
    }
}

/// A Graph client for `graph_url` (e.g. [`GRAPH_URL`]) authenticated as `auth`.
pub async fn connect(
    graph_url: &str,
    auth: &EntraAuth,
    policy: Policy,
) -> Result<Client, FetchError> {
    let token = access_token(auth, graph_url, &policy).await?;
    Client::new(
        graph_url,
        Auth::Bearer(token),
        auth.credential_names(),
        policy,
    )
    .map_err(|detail| FetchError::Transport {
        url: graph_url.to_string(),
        detail,
    })
}

// ------------------------------------------------------------------------------------------------
// Fetch

/// The raw items of every endpoint the collector reads, as Graph returned them (all pages
/// concatenated). Keys of the maps are the object id in the request path.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EntraRaw {
    /// `GET /organization`: the tenant.
    pub organization: Vec<Value>,
    /// `GET /users`.
    pub users: Vec<Value>,
    /// `GET /groups`.
    pub groups: Vec<Value>,
    /// group id → `GET /groups/{id}/members` (direct members: users, groups, service principals).
    pub group_members: BTreeMap<String, Vec<Value>>,
    /// `GET /roleManagement/directory/roleDefinitions`.
    pub role_definitions: Vec<Value>,
    /// `GET /roleManagement/directory/roleAssignments` (active assignments; PIM-eligible ones are
    /// not read).
    pub role_assignments: Vec<Value>,
    /// `GET /servicePrincipals`.
    pub service_principals: Vec<Value>,
    /// `GET /applications`.
    pub applications: Vec<Value>,
    /// application object id → `GET /applications/{id}/owners`.
    pub app_owners: BTreeMap<String, Vec<Value>>,
    /// application object id → `GET /applications/{id}/federatedIdentityCredentials`.
    pub federated_credentials: BTreeMap<String, Vec<Value>>,
    /// service principal id → `GET /servicePrincipals/{id}/owners`.
    pub sp_owners: BTreeMap<String, Vec<Value>>,
    /// `GET /oauth2PermissionGrants`.
    pub oauth2_permission_grants: Vec<Value>,
    /// resource service principal id → `GET /servicePrincipals/{id}/appRoleAssignedTo`.
    pub app_role_assignments: BTreeMap<String, Vec<Value>>,
}

impl EntraRaw {
    /// How many Graph objects were read: every item of every list (the record count of the
    /// accounting). Lookup lists (role definitions) count as used: every entry is consulted.
    pub fn records(&self) -> usize {
        let lists = [
            &self.organization,
            &self.users,
            &self.groups,
            &self.role_definitions,
            &self.role_assignments,
            &self.service_principals,
            &self.applications,
            &self.oauth2_permission_grants,
        ];
        let maps = [
            &self.group_members,
            &self.app_owners,
            &self.federated_credentials,
            &self.sp_owners,
            &self.app_role_assignments,
        ];
        lists.iter().map(|l| l.len()).sum::<usize>()
            + maps
                .iter()
                .flat_map(|m| m.values())
                .map(Vec::len)
                .sum::<usize>()
    }
}

/// A one-line error for a problem list (the `fix:` line joined with a dash).
fn one_line(e: &FetchError) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" — ")
}

/// One collection endpoint, all pages. A failure for good becomes a problem (`None`); a rejected
/// credential is returned.
async fn list(
    client: &Client,
    progress: &Progress,
    problems: &mut Vec<String>,
    what: &str,
    path: &str,
    permission: &str,
) -> Result<Option<Vec<Value>>, FetchError> {
    progress.step(what);
    match client
        .get_all(path, Paging::ODataNextLink, |n| progress.add(n))
        .await
    {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            problems.push(format!(
                "{what} (GET {}): {} [needs {permission}]",
                path.split('?').next().unwrap_or(path),
                one_line(&e)
            ));
            Ok(None)
        }
    }
}

fn ids_of(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|v| s(v, "/id"))
        .map(str::to_string)
        .collect()
}

/// Reads everything [`transform`] needs. Each endpoint that fails for good (after the client's
/// retries) is recorded in the returned problems and the rest is still collected; a rejected
/// credential (401) returns `Err` at once.
pub async fn fetch(
    client: &Client,
    progress: &Progress,
) -> Result<(EntraRaw, Vec<String>), FetchError> {
    let mut raw = EntraRaw::default();
    let mut problems = Vec::new();
    let p = &mut problems;
    const DIR: &str = "Directory.Read.All";
    const APP: &str = "Application.Read.All";

    if let Some(v) = list(client, progress, p, "tenant", paths::ORGANIZATION, DIR).await? {
        raw.organization = v;
    }
    if let Some(v) = list(client, progress, p, "users", paths::USERS, "User.Read.All").await? {
        raw.users = v;
    }
    let group_perm = "GroupMember.Read.All";
    if let Some(v) = list(client, progress, p, "groups", paths::GROUPS, group_perm).await? {
        raw.groups = v;
    }
    let role_perm = "RoleManagement.Read.Directory";
    let what = "directory role definitions";
    if let Some(v) = list(
        client,
        progress,
        p,
        what,
        paths::ROLE_DEFINITIONS,
        role_perm,
    )
    .await?
    {
        raw.role_definitions = v;
    }
    let what = "directory role assignments";
    if let Some(v) = list(
        client,
        progress,
        p,
        what,
        paths::ROLE_ASSIGNMENTS,
        role_perm,
    )
    .await?
    {
        raw.role_assignments = v;
    }
    let what = "service principals";
    if let Some(v) = list(client, progress, p, what, paths::SERVICE_PRINCIPALS, APP).await? {
        raw.service_principals = v;
    }
    if let Some(v) = list(
        client,
        progress,
        p,
        "applications",
        paths::APPLICATIONS,
        APP,
    )
    .await?
    {
        raw.applications = v;
    }
    let what = "delegated consents";
    let path = paths::OAUTH2_PERMISSION_GRANTS;
    if let Some(v) = list(client, progress, p, what, path, DIR).await? {
        raw.oauth2_permission_grants = v;
    }

    let groups = ids_of(&raw.groups);
    let apps = ids_of(&raw.applications);
    let sps = ids_of(&raw.service_principals);
    let jobs = |ids: &[String], f: fn(&str) -> String| -> Vec<(String, String)> {
        ids.iter().map(|i| (i.clone(), f(i))).collect()
    };
    raw.group_members = fan_out(
        client,
        progress,
        p,
        "group members (GET /groups/{id}/members)",
        jobs(&groups, paths::group_members),
        group_perm,
    )
    .await?;
    raw.app_owners = fan_out(
        client,
        progress,
        p,
        "application owners (GET /applications/{id}/owners)",
        jobs(&apps, paths::application_owners),
        APP,
    )
    .await?;
    raw.federated_credentials = fan_out(
        client,
        progress,
        p,
        "federated identity credentials (GET /applications/{id}/federatedIdentityCredentials)",
        jobs(&apps, paths::federated_identity_credentials),
        APP,
    )
    .await?;
    raw.sp_owners = fan_out(
        client,
        progress,
        p,
        "service principal owners (GET /servicePrincipals/{id}/owners)",
        jobs(&sps, paths::service_principal_owners),
        APP,
    )
    .await?;
    raw.app_role_assignments = fan_out(
        client,
        progress,
        p,
        "app role assignments (GET /servicePrincipals/{id}/appRoleAssignedTo)",
        jobs(&sps, paths::app_role_assigned_to),
        APP,
    )
    .await?;
    Ok((raw, problems))
}

/// Collects a tenant: token, fetch, transform. Endpoint failures are in the collection's
/// `problems` (the document's source is then incomplete); a rejected credential is `Err`.
pub async fn collect(
    graph_url: &str,
    auth: EntraAuth,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    progress.step("token");
    let client = connect(graph_url, &auth, policy).await?;
    let (raw, problems) = fetch(&client, progress).await?;
    progress.step("transform");
    let mut c = transform(&raw);
    let later = std::mem::take(&mut c.problems);
    c.problems = problems;
    c.problems.extend(later);
    progress.finish();
    Ok(c)
}

/// `heir collect entra`.
pub struct Entra;

#[derive(clap::Args, Debug)]
pub struct EntraOpts {
    /// Microsoft Graph base URL.
    #[arg(long, value_name = "URL", default_value = GRAPH_URL)]
    pub graph_url: String,
}

impl Collector for Entra {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Microsoft Entra ID through Microsoft Graph"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <EntraOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: EntraOpts = parse(args)?;
        let auth = auth_from_env().map_err(HeirError::Environment)?;
        ctx.block_on(collect(
            &o.graph_url,
            auth,
            ctx.policy.clone(),
            ctx.progress,
        ))
        .map_err(fetch_error)
    }
}

// ------------------------------------------------------------------------------------------------
// Reference data

/// The FOCI family ("family of client IDs"): Microsoft first-party public clients whose refresh
/// tokens any other member can redeem. Research-derived (Secureworks
/// `family-of-client-ids-research/known-foci-clients.csv`), not documented by Microsoft, and may
/// change. `(client id, application name)`.
pub fn foci_clients() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "00b41c95-dab0-4487-9791-b9d2c32c80f2",
            "Office 365 Management",
        ),
        (
            "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "Microsoft Azure CLI",
        ),
        (
            "1950a258-227b-4e31-a9cf-717495945fc2",
            "Microsoft Azure PowerShell",
        ),
        ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
        ("26a7ee05-5602-4d76-a7ba-eae8b7b67941", "Windows Search"),
        ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
        (
            "4813382a-8fa7-425e-ab75-3b753aab3abb",
            "Microsoft Authenticator App",
        ),
        (
            "ab9b8c07-8f02-4f72-87fa-80105867a763",
            "OneDrive SyncEngine",
        ),
        ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
        ("872cd9fa-d31f-45e0-9eab-6e460a02d1f1", "Visual Studio"),
        ("af124e86-4e96-495a-b70a-90f90ab96707", "OneDrive iOS App"),
        (
            "2d7f3606-b07d-41d1-b9d2-0d0c9296a6e8",
            "Microsoft Bing Search for Microsoft Edge",
        ),
        (
            "844cca35-0656-46ce-b636-13f48b0eecbd",
            "Microsoft Stream Mobile Native",
        ),
        (
            "87749df4-7ccf-48f8-aa87-704bad0e0e16",
            "Microsoft Teams - Device Admin Agent",
        ),
        (
            "cf36b471-5b44-428c-9ce7-313bf84528de",
            "Microsoft Bing Search",
        ),
        ("0ec893e0-5785-4de6-99da-4ed124e5296c", "Office UWP PWA"),
        (
            "22098786-6e16-43cc-a27d-191a01a1e3b5",
            "Microsoft To-Do client",
        ),
        ("4e291c71-d680-4d0e-9640-0a3358e31177", "PowerApps"),
        (
            "57336123-6e14-4acc-8dcf-287b6088aa28",
            "Microsoft Whiteboard Client",
        ),
        ("57fcbcfa-7cee-4eb1-8b25-12d2030b4ee0", "Microsoft Flow"),
        ("66375f6b-983f-4c2c-9701-d680650f588f", "Microsoft Planner"),
        (
            "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223",
            "Microsoft Intune Company Portal",
        ),
        (
            "a40d7d7d-59aa-447e-a655-679a4107e548",
            "Accounts Control UI",
        ),
        ("a569458c-7f2b-45cb-bab9-b7dee514d112", "Yammer iPhone"),
        ("b26aadf8-566f-4478-926f-589f601d9c74", "OneDrive"),
        ("c0d2a505-13b8-4ae0-aa9e-cddd5eab0b12", "Microsoft Power BI"),
        ("d326c1ce-6cc6-4de2-bebc-4591e5e13ef0", "SharePoint"),
        ("e9c51622-460d-4d3d-952d-966a5b1da34c", "Microsoft Edge"),
        ("eb539595-3fe1-474e-9c1d-feb3625d1be5", "Microsoft Tunnel"),
        ("ecd6b820-32c2-49b6-98a6-444530e5a77a", "Microsoft Edge"),
        ("f05ff7c9-f75a-4acd-a3b5-f4b6a870245d", "SharePoint Android"),
        ("f44b1140-bc5e-48c6-8dc0-5cf5a53c0e34", "Microsoft Edge"),
        (
            "be1918be-3fe3-4be9-b32b-b542fc27f02e",
            "M365 Compliance Drive Client",
        ),
        (
            "cab96880-db5b-4e15-90a7-f3f1d62ffe39",
            "Microsoft Defender Platform",
        ),
        (
            "d7b530a4-7680-4c23-a8bf-c52c121d2e87",
            "Microsoft Edge Enterprise New Tab Page",
        ),
        (
            "dd47d17a-3194-4d86-bfd5-c6ae6f5651e3",
            "Microsoft Defender for Mobile",
        ),
        ("e9b154d0-7658-433b-bb25-6b8e0a8a7c59", "Outlook Lite"),
    ]
}

/// Whether a client id is a FOCI family member.
pub fn is_foci(app_id: &str) -> bool {
    foci_clients()
        .iter()
        .any(|(c, _)| c.eq_ignore_ascii_case(app_id))
}

/// The node standing for the FOCI family as a whole: a family refresh token `can_access` it, and
/// it `can_access` each family client present in the tenant. Built the same way by this
/// collector and by the sign-ins importer, so the two documents merge without conflicts.
pub fn foci_family_node() -> Node {
    let mut n = node(NodeKind::App, native::FOCI_FAMILY);
    n.name = Some("Microsoft FOCI family (any family client)".to_string());
    n.props.insert("foci".into(), Value::Bool(true));
    n.props.insert(
        "note".into(),
        Value::from(
            "a refresh token issued to one family client is redeemable by every other family \
             client for that client's pre-consented scopes (research-derived list, not \
             documented by Microsoft)",
        ),
    );
    n
}

/// Directory roles that can create accounts, credentials or grants in the directory (or forge
/// sign-ins): `admin_of` the tenant. `(template id, criticality)`; everything else is a `role`
/// node without an edge to the tenant.
const ADMIN_ROLES: &[(&str, u8)] = &[
    ("62e90394-69f5-4237-9190-012177145e10", 10), // Global Administrator
    ("e8611ab8-c189-46e8-94e1-60213ab1f814", 10), // Privileged Role Administrator
    ("7be44c8a-adaf-4e2a-84d6-ab2649e08a13", 10), // Privileged Authentication Administrator
    ("e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", 10), // Partner Tier2 Support
    ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", 9),  // Application Administrator
    ("158c047a-c907-4556-b7ef-446551a6b5f7", 9),  // Cloud Application Administrator
    ("8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", 9),  // Hybrid Identity Administrator
    ("8329153b-31d0-4727-b945-745eb3bc5f31", 9),  // Domain Name Administrator
    ("d29b2b05-8046-44ba-8758-1e26182fcf32", 9),  // Directory Synchronization Accounts
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", 8),  // User Administrator
    ("c4e39bd9-1100-46d3-8c65-fb160da0071f", 8),  // Authentication Administrator
    ("4ba39ca4-527c-499a-b93d-d9b492c50246", 8),  // Partner Tier1 Support
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", 7),  // Helpdesk Administrator
    ("966707d0-3269-4727-9be2-8c3a10f19b9d", 7),  // Password Administrator
];

/// Microsoft Graph application permissions that let the holder grant itself any role, app role or
/// credential: tenant takeover, so the holder is also `admin_of` the tenant.
const TAKEOVER_GRAPH_APP_ROLES: &[&str] = &[
    "RoleManagement.ReadWrite.Directory",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
];

/// The app role id Graph uses for "default access" (assignment to the app without a role).
const DEFAULT_ACCESS: &str = "00000000-0000-0000-0000-000000000000";

/// Tenants that own Microsoft first-party apps (their credentials are Microsoft's, not a
/// third-party publisher's).
const MICROSOFT_TENANTS: &[&str] = &[
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    "72f988bf-86f1-41af-91ab-2d7cd011db47",
];

/// Criticality of well-known Microsoft APIs as permission targets.
const KNOWN_APIS: &[(&str, u8)] = &[
    (MICROSOFT_GRAPH_APP_ID, 9),
    ("797f4846-ba00-4fd7-ba43-dac1f8f63013", 9), // Windows Azure Service Management API
    ("00000002-0000-0ff1-ce00-000000000000", 8), // Office 365 Exchange Online
    ("00000003-0000-0ff1-ce00-000000000000", 8), // Office 365 SharePoint Online
    ("cfa8b339-82a2-471a-a3c9-0fc0be7a4093", 8), // Azure Key Vault
];

/// The node for an API as the target of delegated and application permissions:
/// `entra:resource:<appId>`. Shared with the sign-ins importer (a sign-in names its resource by
/// appId and display name), so both collectors write the same node.
pub fn resource_node(app_id: &str, display_name: Option<&str>) -> Node {
    let mut n = node(NodeKind::Resource, app_id);
    n.name = Some(format!("{} (API)", display_name.unwrap_or(app_id)));
    n.criticality = KNOWN_APIS
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(app_id))
        .map(|(_, c)| *c);
    n.props.insert("appId".into(), Value::from(app_id));
    n
}

/// The external workload a federated identity credential trusts: `(platform, native id)`.
/// GitHub Actions → `github` with the subject as id (`repo:acme/app:ref:refs/heads/main`),
/// GitLab → `gitlab`, Terraform Cloud → `terraform`, Google → `gcp`, an Entra issuer →
/// `entra`; any other issuer → `oidc` with `<issuer host/path>#<subject>`.
pub fn federated_workload(issuer: &str, subject: &str) -> (String, String) {
    let bare = issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let host = bare.split('/').next().unwrap_or(bare).to_ascii_lowercase();
    let platform = match host.as_str() {
        "token.actions.githubusercontent.com" => Some("github"),
        "gitlab.com" => Some("gitlab"),
        "app.terraform.io" => Some("terraform"),
        "accounts.google.com" => Some("gcp"),
        "login.microsoftonline.com" | "sts.windows.net" => Some("entra"),
        _ => None,
    };
    match platform {
        Some(p) => (p.to_string(), subject.to_string()),
        None => ("oidc".to_string(), format!("{bare}#{subject}")),
    }
}

fn node(kind: NodeKind, native: &str) -> Node {
    node_on(ENTRA, kind, native)
}

/// Skip reasons shared by several record types.
const MISSING_ID: &str = "missing id";
const MEMBER_TYPE: &str = "object type not modelled";

/// A directory object as an example of a skip: its type and id.
fn member_example(v: &Value) -> String {
    format!(
        "{} {}",
        s(v, "/@odata.type").unwrap_or("untyped object"),
        s(v, "/id").unwrap_or("without id")
    )
}

/// The node id of a directory object by its `@odata.type` (users, groups, service principals).
fn directory_object(v: &Value) -> Option<String> {
    let oid = s(v, "/id")?;
    let kind = match s(v, "/@odata.type")? {
        "#microsoft.graph.user" => NodeKind::User,
        "#microsoft.graph.group" => NodeKind::Group,
        "#microsoft.graph.servicePrincipal" => NodeKind::ServiceAccount,
        _ => return None,
    };
    Some(node_id(ENTRA, kind, oid))
}

// ------------------------------------------------------------------------------------------------
// Transform

struct Builder<'a> {
    raw: &'a EntraRaw,
    c: Collection,
    tenant: String,
    users: HashMap<&'a str, &'a Value>,
    groups: HashMap<&'a str, &'a Value>,
    sps: HashMap<&'a str, &'a Value>,
    sp_by_app: HashMap<String, &'a Value>,
    app_by_app: HashMap<String, &'a Value>,
    /// appIds with an `app` node already written.
    app_nodes: BTreeSet<String>,
    /// appIds with a `resource` node already written.
    resource_nodes: BTreeSet<String>,
    /// Role assignment counts for the tenant node: not modelled (scoped), principal unknown.
    scoped_roles_skipped: usize,
    unknown_principals: usize,
    /// Service principal ids that are the client of a delegated consent / hold an app role.
    grant_clients: BTreeSet<String>,
    app_role_holders: BTreeSet<String>,
}

impl<'a> Builder<'a> {
    fn new(raw: &'a EntraRaw) -> Self {
        let by_id = |items: &'a [Value]| -> HashMap<&'a str, &'a Value> {
            items
                .iter()
                .filter_map(|v| s(v, "/id").map(|i| (i, v)))
                .collect()
        };
        let by_app = |items: &'a [Value]| -> HashMap<String, &'a Value> {
            items
                .iter()
                .filter_map(|v| s(v, "/appId").map(|a| (a.to_ascii_lowercase(), v)))
                .collect()
        };
        let app_by_app = by_app(&raw.applications);
        let sp_by_app = by_app(&raw.service_principals);
        // The tenant: /organization, else the owner tenant of a service principal whose app is
        // registered here.
        let tenant = raw
            .organization
            .first()
            .and_then(|o| s(o, "/id"))
            .map(str::to_string)
            .or_else(|| {
                raw.service_principals
                    .iter()
                    .filter(|sp| {
                        s(sp, "/appId")
                            .is_some_and(|a| app_by_app.contains_key(&a.to_ascii_lowercase()))
                    })
                    .find_map(|sp| s(sp, "/appOwnerOrganizationId"))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "unknown-tenant".to_string());
        Builder {
            raw,
            c: Collection::new(SOURCE),
            tenant,
            users: by_id(&raw.users),
            groups: by_id(&raw.groups),
            sps: by_id(&raw.service_principals),
            sp_by_app,
            app_by_app,
            app_nodes: BTreeSet::new(),
            resource_nodes: BTreeSet::new(),
            scoped_roles_skipped: 0,
            unknown_principals: 0,
            grant_clients: BTreeSet::new(),
            app_role_holders: BTreeSet::new(),
        }
    }

    fn idp_id(&self) -> String {
        node_id(ENTRA, NodeKind::Idp, &self.tenant)
    }

    fn sp_id(sp: &Value) -> Option<String> {
        s(sp, "/id").map(|i| node_id(ENTRA, NodeKind::ServiceAccount, i))
    }

    fn sp_of_app(&self, app_id: &str) -> Option<&'a Value> {
        self.sp_by_app.get(&app_id.to_ascii_lowercase()).copied()
    }

    /// A user, group or service principal by object id.
    fn principal(&self, oid: &str) -> Option<String> {
        let kind = if self.users.contains_key(oid) {
            NodeKind::User
        } else if self.groups.contains_key(oid) {
            NodeKind::Group
        } else if self.sps.contains_key(oid) {
            NodeKind::ServiceAccount
        } else {
            return None;
        };
        Some(node_id(ENTRA, kind, oid))
    }

    fn add(&mut self, n: Node) {
        self.c.node(n);
    }

    fn link(&mut self, from: &str, to: &str, kind: EdgeKind, p: Props) {
        self.c.edge(edge(from, to, kind, p));
    }

    fn tenant_node(&mut self) {
        let mut n = node(NodeKind::Idp, &self.tenant);
        let org = self.raw.organization.first();
        let display = org.and_then(|o| s(o, "/displayName"));
        n.name = Some(format!(
            "Entra ID tenant {}",
            display.unwrap_or(&self.tenant)
        ));
        n.criticality = Some(10);
        n.tags = vec!["tier0".into()];
        n.props
            .insert("tenant_id".into(), Value::from(self.tenant.as_str()));
        if let Some(domains) = org.and_then(|o| o.get("verifiedDomains")?.as_array()) {
            let names: Vec<Value> = domains
                .iter()
                .filter_map(|d| s(d, "/name"))
                .map(Value::from)
                .collect();
            if let Some(default) = domains
                .iter()
                .find(|d| d.get("isDefault").and_then(Value::as_bool) == Some(true))
                .and_then(|d| s(d, "/name"))
            {
                n.props
                    .insert("default_domain".into(), Value::from(default));
            }
            n.props
                .insert("verified_domains".into(), Value::Array(names));
        }
        self.add(n);
    }

    fn users(&mut self) {
        for (i, u) in self.raw.users.iter().enumerate() {
            let Some(uid) = s(u, "/id") else {
                self.c.records.skip(MISSING_ID, format!("user #{}", i + 1));
                continue;
            };
            let mut n = node(NodeKind::User, uid);
            let upn = s(u, "/userPrincipalName");
            n.name = upn.or(s(u, "/displayName")).map(str::to_string);
            n.person = s(u, "/mail").or(upn).map(str::to_ascii_lowercase);
            // Other documents (IdP assignments, logs) name the account by UPN or mail.
            for a in [upn, s(u, "/mail")].into_iter().flatten() {
                let alias = node_id(ENTRA, NodeKind::User, &a.to_ascii_lowercase());
                if !n.aliases.contains(&alias) {
                    n.aliases.push(alias);
                }
            }
            n.enabled = u.get("accountEnabled").and_then(Value::as_bool);
            n.props = pick(
                u,
                &[
                    "displayName",
                    "userType",
                    "createdDateTime",
                    "signInSessionsValidFromDateTime",
                    "lastPasswordChangeDateTime",
                    "onPremisesSyncEnabled",
                ],
            );
            for k in ["lastSignInDateTime", "lastSuccessfulSignInDateTime"] {
                if let Some(t) = s(u, &format!("/signInActivity/{k}")) {
                    n.props.insert(k.into(), Value::from(t));
                }
            }
            self.add(n);
        }
    }

    fn groups(&mut self) {
        for (i, g) in self.raw.groups.iter().enumerate() {
            let Some(gid) = s(g, "/id") else {
                self.c.records.skip(MISSING_ID, format!("group #{}", i + 1));
                continue;
            };
            let mut n = node(NodeKind::Group, gid);
            n.name = s(g, "/displayName").map(str::to_string);
            n.props = pick(
                g,
                &[
                    "securityEnabled",
                    "mailEnabled",
                    "groupTypes",
                    "isAssignableToRole",
                ],
            );
            let group = n.id.clone();
            let mut not_modelled = 0usize;
            let mut member_edges = Vec::new();
            for m in self.raw.group_members.get(gid).into_iter().flatten() {
                match directory_object(m) {
                    Some(mid) => member_edges.push(mid),
                    None => {
                        not_modelled += 1;
                        self.c.records.skip(MEMBER_TYPE, member_example(m));
                    }
                }
            }
            if not_modelled > 0 {
                n.props
                    .insert("members_not_modelled".into(), Value::from(not_modelled));
            }
            self.add(n);
            for mid in member_edges {
                self.link(&mid, &group, EdgeKind::MemberOf, Props::new());
            }
        }
    }

    /// A credential (`passwordCredentials` / `keyCredentials` entry) as a `token` node that
    /// authenticates as the service principal `sp` (when it exists), held by `holder`.
    #[allow(clippy::too_many_arguments)]
    fn credential(
        &mut self,
        cred: &Value,
        password: bool,
        owner_name: &str,
        owner_prop: (&str, &str),
        app_id: Option<&str>,
        sp: Option<&str>,
        holder: Option<&str>,
    ) {
        let Some(key_id) = s(cred, "/keyId") else {
            return;
        };
        let mut n = node(NodeKind::Token, key_id);
        let label = s(cred, "/displayName");
        let (what, token_type) = if password {
            ("client secret", TokenType::ClientSecret)
        } else if s(cred, "/type") == Some("Symmetric") {
            ("symmetric key", TokenType::ClientSecret)
        } else {
            ("certificate", TokenType::PrivateKey)
        };
        n.name = Some(match label {
            Some(l) => format!("{what} '{l}' of {owner_name}"),
            None => format!("{what} {key_id} of {owner_name}"),
        });
        n.token_type = Some(token_type);
        n.issued_at = ts(cred, "/startDateTime");
        n.expires_at = ts(cred, "/endDateTime");
        n.revocation = Some(Revocation::None);
        // Identifying metadata only: never `secretText` or `key`.
        let keep: &[&str] = if password {
            &["keyId", "displayName", "hint"]
        } else {
            &["keyId", "displayName", "type", "usage"]
        };
        n.props = pick(cred, keep);
        n.props
            .insert(owner_prop.0.into(), Value::from(owner_prop.1));
        if let Some(a) = app_id {
            n.props.insert("appId".into(), Value::from(a));
        }
        let tid = n.id.clone();
        self.add(n);
        if let Some(sp) = sp {
            self.link(&tid, sp, EdgeKind::AuthenticatesAs, Props::new());
        }
        if let Some(h) = holder {
            self.link(h, &tid, EdgeKind::Holds, Props::new());
        }
    }

    fn service_principals(&mut self) {
        for (i, sp) in self.raw.service_principals.iter().enumerate() {
            let Some(oid) = s(sp, "/id") else {
                self.c
                    .records
                    .skip(MISSING_ID, format!("service principal #{}", i + 1));
                continue;
            };
            let mut n = node(NodeKind::ServiceAccount, oid);
            let name = s(sp, "/displayName")
                .or(s(sp, "/appDisplayName"))
                .unwrap_or(oid)
                .to_string();
            n.name = Some(name.clone());
            n.enabled = sp.get("accountEnabled").and_then(Value::as_bool);
            n.props = pick(
                sp,
                &[
                    "appId",
                    "appDisplayName",
                    "servicePrincipalType",
                    "appOwnerOrganizationId",
                    "appRoleAssignmentRequired",
                    "publisherName",
                    "signInAudience",
                ],
            );
            let app_id = s(sp, "/appId");
            if let Some(a) = app_id {
                let here = self.app_by_app.contains_key(&a.to_ascii_lowercase());
                n.props
                    .insert("registered_in_tenant".into(), Value::Bool(here));
                if is_foci(a) {
                    n.props.insert("foci".into(), Value::Bool(true));
                }
            }
            let spid = n.id.clone();
            self.add(n);
            // Credentials added to the service principal itself. SAML token-signing keys (usage
            // Sign, and the Verify key and password sharing their customKeyIdentifier) are not
            // client credentials.
            let keys = sp
                .get("keyCredentials")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let signing: BTreeSet<&str> = keys
                .iter()
                .filter(|k| s(k, "/usage") == Some("Sign"))
                .filter_map(|k| s(k, "/customKeyIdentifier"))
                .collect();
            let signing: BTreeSet<String> = signing.into_iter().map(str::to_string).collect();
            let saml =
                |c: &Value| s(c, "/customKeyIdentifier").is_some_and(|c| signing.contains(c));
            for k in keys
                .iter()
                .filter(|k| s(k, "/usage") != Some("Sign") && !saml(k))
            {
                self.credential(
                    k,
                    false,
                    &name,
                    ("servicePrincipal_objectId", oid),
                    app_id,
                    Some(&spid),
                    None,
                );
            }
            for p in sp
                .get("passwordCredentials")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if saml(p) {
                    continue;
                }
                self.credential(
                    p,
                    true,
                    &name,
                    ("servicePrincipal_objectId", oid),
                    app_id,
                    Some(&spid),
                    None,
                );
            }
            // Owners of the service principal can add credentials to it.
            for o in self.raw.sp_owners.get(oid).into_iter().flatten() {
                match directory_object(o) {
                    Some(owner) => {
                        let p = props([("via", Value::from("service principal owner"))]);
                        self.link(&owner, &spid, EdgeKind::Owns, p);
                    }
                    None => self.c.records.skip(MEMBER_TYPE, member_example(o)),
                }
            }
        }
    }

    fn applications(&mut self) {
        for (i, app) in self.raw.applications.iter().enumerate() {
            let (Some(oid), Some(app_id)) = (s(app, "/id"), s(app, "/appId")) else {
                let name =
                    s(app, "/id").map_or_else(|| format!("application #{}", i + 1), str::to_string);
                self.c.records.skip("missing id or appId", name);
                continue;
            };
            let mut n = node(NodeKind::App, app_id);
            let name = s(app, "/displayName").unwrap_or(app_id).to_string();
            n.name = Some(name.clone());
            n.props = pick(
                app,
                &[
                    "appId",
                    "signInAudience",
                    "publisherDomain",
                    "createdDateTime",
                    "isFallbackPublicClient",
                    "requiredResourceAccess",
                ],
            );
            n.props.insert("objectId".into(), Value::from(oid));
            n.props
                .insert("registered_in_tenant".into(), Value::Bool(true));
            let sp = self.sp_of_app(app_id);
            let spid = sp.and_then(Self::sp_id);
            if let Some(sp_oid) = sp.and_then(|v| s(v, "/id")) {
                n.props
                    .insert("servicePrincipalId".into(), Value::from(sp_oid));
            }
            let aid = n.id.clone();
            self.app_nodes.insert(app_id.to_ascii_lowercase());
            self.add(n);
            for (list, password) in [("passwordCredentials", true), ("keyCredentials", false)] {
                for cred in app
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    self.credential(
                        cred,
                        password,
                        &name,
                        ("application_objectId", oid),
                        Some(app_id),
                        spid.as_deref(),
                        Some(&aid),
                    );
                }
            }
            // Owners can add credentials to the registration, which authenticate as its service
            // principal: they own both.
            for o in self.raw.app_owners.get(oid).into_iter().flatten() {
                let Some(owner) = directory_object(o) else {
                    self.c.records.skip(MEMBER_TYPE, member_example(o));
                    continue;
                };
                let p = props([("via", Value::from("application owner"))]);
                self.link(&owner, &aid, EdgeKind::Owns, p.clone());
                if let Some(spid) = &spid {
                    self.link(&owner, spid, EdgeKind::Owns, p);
                }
            }
            // Workload identity federation: whoever runs as the trusted subject gets tokens for
            // the service principal.
            let fics = self.raw.federated_credentials.get(oid);
            let Some(spid) = &spid else {
                for fic in fics.into_iter().flatten() {
                    let name = s(fic, "/id").unwrap_or(oid);
                    self.c.records.skip(
                        "federated credential of an app without a service principal",
                        name,
                    );
                }
                continue;
            };
            for fic in self
                .raw
                .federated_credentials
                .get(oid)
                .into_iter()
                .flatten()
            {
                let (Some(issuer), Some(subject)) = (s(fic, "/issuer"), s(fic, "/subject")) else {
                    let name = s(fic, "/id").unwrap_or(oid);
                    self.c
                        .records
                        .skip("federated credential without issuer or subject", name);
                    continue;
                };
                let (platform, native) = federated_workload(issuer, subject);
                let wid = node_id(&platform, NodeKind::Workload, &native);
                let mut w = Node::new(wid.clone(), NodeKind::Workload);
                w.platform = Some(platform);
                w.name = Some(format!("{subject} ({issuer})"));
                w.props = props([
                    ("issuer", Value::from(issuer)),
                    ("subject", Value::from(subject)),
                ]);
                self.add(w);
                let mut p = props([
                    ("via", Value::from("federated identity credential")),
                    ("ficId", opt(s(fic, "/id"))),
                    ("name", opt(s(fic, "/name"))),
                    ("application_objectId", Value::from(oid)),
                ]);
                if let Some(aud) = fic.get("audiences").filter(|a| a.is_array()) {
                    p.insert("audiences".into(), aud.clone());
                }
                self.link(&wid, spid, EdgeKind::CanAssume, p);
            }
        }
    }

    /// The `app` node of a service principal's client id, synthesised from the service principal
    /// when the app is not registered in this tenant (third-party and Microsoft first-party apps).
    fn ensure_app(&mut self, sp: &Value) -> Option<String> {
        let app_id = s(sp, "/appId")?;
        let aid = node_id(ENTRA, NodeKind::App, app_id);
        if self.app_nodes.insert(app_id.to_ascii_lowercase()) {
            let mut n = node(NodeKind::App, app_id);
            n.name = s(sp, "/displayName")
                .or(s(sp, "/appDisplayName"))
                .map(str::to_string);
            n.props = pick(sp, &["appId", "appOwnerOrganizationId", "publisherName"]);
            n.props
                .insert("registered_in_tenant".into(), Value::Bool(false));
            if let Some(oid) = s(sp, "/id") {
                n.props
                    .insert("servicePrincipalId".into(), Value::from(oid));
            }
            if is_foci(app_id) {
                n.props.insert("foci".into(), Value::Bool(true));
            }
            self.add(n);
        }
        Some(aid)
    }

    /// The `resource` node of an API's service principal.
    fn ensure_resource(&mut self, sp: &Value) -> Option<String> {
        let app_id = s(sp, "/appId")?;
        let mut n = resource_node(app_id, s(sp, "/displayName").or(s(sp, "/appDisplayName")));
        let rid = n.id.clone();
        if self.resource_nodes.insert(app_id.to_ascii_lowercase()) {
            if let Some(oid) = s(sp, "/id") {
                n.props
                    .insert("servicePrincipalId".into(), Value::from(oid));
            }
            self.add(n);
        }
        Some(rid)
    }

    fn roles(&mut self) {
        let defs: HashMap<&str, &Value> = self
            .raw
            .role_definitions
            .iter()
            .filter_map(|d| s(d, "/id").map(|i| (i, d)))
            .collect();
        let idp = self.idp_id();
        let mut written: BTreeSet<String> = BTreeSet::new();
        let apps_by_oid: HashMap<&str, &Value> = self
            .raw
            .applications
            .iter()
            .filter_map(|a| s(a, "/id").map(|i| (i, a)))
            .collect();
        for a in &self.raw.role_assignments {
            let (Some(def_id), Some(principal_oid)) =
                (s(a, "/roleDefinitionId"), s(a, "/principalId"))
            else {
                let name = s(a, "/id").unwrap_or("a role assignment without id");
                self.c
                    .records
                    .skip("missing roleDefinitionId or principalId", name);
                continue;
            };
            let def = defs.get(def_id).copied();
            let template = def
                .and_then(|d| s(d, "/templateId"))
                .unwrap_or(def_id)
                .to_ascii_lowercase();
            let role_name = def.and_then(|d| s(d, "/displayName")).unwrap_or(def_id);
            let admin = ADMIN_ROLES
                .iter()
                .find(|(t, _)| *t == template)
                .map(|(_, c)| *c);
            let Some(principal) = self.principal(principal_oid) else {
                self.unknown_principals += 1;
                self.c
                    .records
                    .skip("principal not collected", principal_oid);
                continue;
            };
            let scope = s(a, "/directoryScopeId").unwrap_or("/");
            let mut p = props([
                ("role", Value::from(role_name)),
                ("roleAssignmentId", opt(s(a, "/id"))),
            ]);
            if scope == "/" {
                let rid = node_id(ENTRA, NodeKind::Role, def_id);
                if written.insert(def_id.to_string()) {
                    let mut n = node(NodeKind::Role, def_id);
                    n.name = Some(role_name.to_string());
                    let privileged = def
                        .and_then(|d| d.get("isPrivileged"))
                        .and_then(Value::as_bool);
                    n.criticality = Some(match (admin, privileged) {
                        (Some(c), _) => c,
                        (None, Some(true)) => 5,
                        _ => 1,
                    });
                    if admin == Some(10) {
                        n.tags = vec!["tier0".into()];
                    }
                    if let Some(d) = def {
                        n.props = pick(d, &["templateId", "isBuiltIn", "isPrivileged"]);
                    }
                    self.add(n);
                    if admin.is_some() {
                        let p = props([("role", Value::from(role_name))]);
                        self.link(&rid, &idp, EdgeKind::AdminOf, p);
                    }
                }
                self.link(&principal, &rid, EdgeKind::MemberOf, p);
                continue;
            }
            // Scoped to one application or service principal: an admin role there can add
            // credentials to it, which is ownership.
            let target = scope.trim_start_matches('/');
            let owned = if let Some(app) = apps_by_oid.get(target) {
                s(app, "/appId").map(|a| node_id(ENTRA, NodeKind::App, a))
            } else if self.sps.contains_key(target) {
                Some(node_id(ENTRA, NodeKind::ServiceAccount, target))
            } else {
                None
            };
            match (owned, admin) {
                (Some(t), Some(_)) => {
                    p.insert("directoryScopeId".into(), Value::from(scope));
                    self.link(&principal, &t, EdgeKind::Owns, p);
                }
                _ => {
                    self.scoped_roles_skipped += 1;
                    let name = s(a, "/id").unwrap_or(scope);
                    self.c.records.skip("scoped role not modelled", name);
                }
            }
        }
    }

    fn grants(&mut self) {
        for (i, g) in self.raw.oauth2_permission_grants.iter().enumerate() {
            let Some(gid) = s(g, "/id") else {
                self.c
                    .records
                    .skip(MISSING_ID, format!("delegated consent #{}", i + 1));
                continue;
            };
            if let Some(c) = s(g, "/clientId") {
                self.grant_clients.insert(c.to_string());
            }
            let client = s(g, "/clientId").and_then(|c| self.sps.get(c).copied());
            let resource = s(g, "/resourceId").and_then(|r| self.sps.get(r).copied());
            let tenant_wide = s(g, "/consentType") == Some("AllPrincipals");
            let principal = s(g, "/principalId");
            let scopes: Vec<String> = s(g, "/scope")
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            let name_of = |sp: Option<&Value>, fallback: Option<&str>| -> String {
                sp.and_then(|v| s(v, "/displayName"))
                    .or(fallback)
                    .unwrap_or("?")
                    .to_string()
            };
            let who = if tenant_wide {
                "all users".to_string()
            } else {
                principal
                    .and_then(|p| self.users.get(p))
                    .and_then(|u| s(u, "/userPrincipalName"))
                    .or(principal)
                    .unwrap_or("?")
                    .to_string()
            };
            let mut n = node(NodeKind::OauthGrant, gid);
            n.name = Some(format!(
                "delegated consent: {} to {} for {who}",
                name_of(client, s(g, "/clientId")),
                name_of(resource, s(g, "/resourceId"))
            ));
            n.scopes = scopes.clone();
            n.revocation = Some(Revocation::Central);
            n.props = pick(g, &["consentType", "clientId", "principalId", "resourceId"]);
            if let Some(a) = client.and_then(|c| s(c, "/appId")) {
                n.props.insert("appId".into(), Value::from(a));
            }
            if let Some(a) = resource.and_then(|r| s(r, "/appId")) {
                n.props.insert("resource_appId".into(), Value::from(a));
            }
            n.props
                .insert("tenant_wide".into(), Value::Bool(tenant_wide));
            if tenant_wide {
                n.props.insert(
                    "consented_by".into(),
                    Value::from(
                        "an administrator, for every user (tenant-wide admin consent; who \
                         consented is only in the audit log)",
                    ),
                );
            }
            let grant = n.id.clone();
            self.add(n);
            if let Some(uid) = principal.filter(|_| !tenant_wide) {
                if self.users.contains_key(uid) {
                    let uid = node_id(ENTRA, NodeKind::User, uid);
                    self.link(&uid, &grant, EdgeKind::Consented, Props::new());
                }
            }
            if let Some(r) = resource {
                if let Some(rid) = self.ensure_resource(r) {
                    let p = props([("scopes", Value::from(scopes.clone()))]);
                    self.link(&grant, &rid, EdgeKind::CanAccess, p);
                }
            }
            // The client app holds the grant (it stores the refresh tokens minted under it),
            // except a FOCI family client's per-user consent: those tokens live on the user's
            // devices, not with Microsoft, and are reached through the user's family token.
            if let Some(c) = client {
                let family = s(c, "/appId").is_some_and(is_foci);
                if tenant_wide || !family {
                    if let Some(aid) = self.ensure_app(c) {
                        self.link(&aid, &grant, EdgeKind::Holds, Props::new());
                    }
                }
            }
        }
    }

    /// App role assignments on each resource service principal: one `can_access` edge per
    /// (principal, API) listing every role held (`role` joined, `roles`, `appRoleAssignments`).
    fn app_role_assignments(&mut self) {
        let raw = self.raw;
        let idp = self.idp_id();
        for (resource_oid, list) in &raw.app_role_assignments {
            let Some(resource) = self.sps.get(resource_oid.as_str()).copied() else {
                for _ in list {
                    self.c
                        .records
                        .skip("resource not collected", resource_oid.as_str());
                }
                continue;
            };
            let roles: HashMap<String, &str> = resource
                .get("appRoles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| Some((s(r, "/id")?.to_ascii_lowercase(), s(r, "/value")?)))
                .collect();
            let is_graph = s(resource, "/appId")
                .is_some_and(|a| a.eq_ignore_ascii_case(MICROSOFT_GRAPH_APP_ID));
            // principal id → (role values, assignment details), in first-seen order.
            let mut held: Vec<(String, Vec<String>, Vec<Value>)> = Vec::new();
            for a in list {
                let name = s(a, "/id").unwrap_or(resource_oid.as_str());
                if a.get("deletedDateTime").is_some_and(|d| !d.is_null()) {
                    self.c.records.skip("deleted", name);
                    continue;
                }
                let (Some(pid), Some(ptype)) = (s(a, "/principalId"), s(a, "/principalType"))
                else {
                    self.c
                        .records
                        .skip("missing principalId or principalType", name);
                    continue;
                };
                let kind = match ptype {
                    "User" => NodeKind::User,
                    "Group" => NodeKind::Group,
                    "ServicePrincipal" => NodeKind::ServiceAccount,
                    _ => {
                        self.c.records.skip(MEMBER_TYPE, name);
                        continue;
                    }
                };
                let role_id = s(a, "/appRoleId").unwrap_or(DEFAULT_ACCESS);
                let role = match roles.get(&role_id.to_ascii_lowercase()) {
                    Some(v) => (*v).to_string(),
                    None if role_id == DEFAULT_ACCESS => "default access".to_string(),
                    None => role_id.to_string(),
                };
                let principal = node_id(ENTRA, kind, pid);
                if kind == NodeKind::ServiceAccount {
                    self.app_role_holders.insert(pid.to_string());
                }
                // The AWS gallery apps carry `<role ARN>,<SAML provider ARN>` as app role
                // values: a user holding one signs in through that IAM SAML provider, the
                // AWS collector's `aws:idp:<ARN>`.
                if kind == NodeKind::User {
                    if let Some(arn) = role
                        .split(',')
                        .map(str::trim)
                        .find(|p| p.starts_with("arn:aws") && p.contains(":saml-provider/"))
                    {
                        let idp_id = join::aws_idp(arn);
                        let mut n = Node::new(idp_id.clone(), NodeKind::Idp);
                        n.platform = Some(platform::AWS.to_string());
                        n.name = Some(arn.rsplit('/').next().unwrap_or(arn).to_string());
                        n.props
                            .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
                        self.c.node(n);
                        let p = props([("role", Value::from(role.as_str()))]);
                        self.c.edge(edge(&principal, &idp_id, EdgeKind::Sso, p));
                    }
                }
                let detail = Value::Object(props([
                    ("id", opt(s(a, "/id"))),
                    ("appRoleId", Value::from(role_id)),
                    ("role", Value::from(role.as_str())),
                    ("createdDateTime", opt(s(a, "/createdDateTime"))),
                ]));
                if is_graph
                    && kind == NodeKind::ServiceAccount
                    && TAKEOVER_GRAPH_APP_ROLES.contains(&role.as_str())
                {
                    let p = props([
                        ("role", Value::from(role.as_str())),
                        (
                            "reason",
                            Value::from(
                                "this Microsoft Graph application permission lets the holder \
                                 grant itself any directory role, app role or credential",
                            ),
                        ),
                    ]);
                    self.link(&principal, &idp, EdgeKind::AdminOf, p);
                }
                match held.iter_mut().find(|(p, _, _)| *p == principal) {
                    Some((_, r, d)) => {
                        if !r.contains(&role) {
                            r.push(role);
                        }
                        d.push(detail);
                    }
                    None => held.push((principal, vec![role], vec![detail])),
                }
            }
            if held.is_empty() {
                continue;
            }
            let Some(rid) = self.ensure_resource(resource) else {
                let n: usize = held.iter().map(|(_, _, d)| d.len()).sum();
                for _ in 0..n {
                    self.c
                        .records
                        .skip("resource without an appId", resource_oid.as_str());
                }
                continue;
            };
            for (principal, r, details) in held {
                let p = props([
                    ("role", Value::from(r.join(", "))),
                    ("roles", Value::from(r)),
                    ("appRoleAssignments", Value::Array(details)),
                ]);
                self.link(&principal, &rid, EdgeKind::CanAccess, p);
            }
        }
    }

    /// Apps registered in another (non-Microsoft) tenant whose service principal here holds
    /// delegated consents or app roles: their credentials live with the publisher, invisible from
    /// this tenant. One `token` per such app stands for them (`entra:token:publisher:<appId>`),
    /// held by the app and authenticating as its service principal, so a compromised publisher
    /// reaches the app-only access too.
    fn publisher_credentials(&mut self) {
        let raw = self.raw;
        for sp in &raw.service_principals {
            let (Some(oid), Some(app_id)) = (s(sp, "/id"), s(sp, "/appId")) else {
                continue;
            };
            let owner = s(sp, "/appOwnerOrganizationId").unwrap_or("");
            let foreign = !self.app_by_app.contains_key(&app_id.to_ascii_lowercase())
                && !owner.is_empty()
                && !owner.eq_ignore_ascii_case(&self.tenant)
                && !MICROSOFT_TENANTS
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(owner))
                && s(sp, "/servicePrincipalType") == Some("Application");
            let used = self.grant_clients.contains(oid) || self.app_role_holders.contains(oid);
            if !foreign || !used {
                continue;
            }
            let Some(aid) = self.ensure_app(sp) else {
                continue;
            };
            let native = format!("{}{app_id}", native::PUBLISHER_CREDENTIALS);
            let mut t = node(NodeKind::Token, &native);
            let name = s(sp, "/displayName").unwrap_or(app_id);
            t.name = Some(format!("credentials of {name}, held by its publisher"));
            t.token_type = Some(TokenType::Other);
            t.revocation = Some(Revocation::None);
            t.props = props([
                ("appId", Value::from(app_id)),
                ("appOwnerOrganizationId", Value::from(owner)),
                ("servicePrincipal_objectId", Value::from(oid)),
                (
                    "note",
                    Value::from(
                        "secrets and certificates of the app registration in the publisher's \
                         tenant: not visible from this tenant; disabling the service principal \
                         cuts them here",
                    ),
                ),
            ]);
            let tid = t.id.clone();
            self.add(t);
            let spid = node_id(ENTRA, NodeKind::ServiceAccount, oid);
            self.link(&aid, &tid, EdgeKind::Holds, Props::new());
            self.link(&tid, &spid, EdgeKind::AuthenticatesAs, Props::new());
        }
    }

    /// The FOCI family: one node for the family, `can_access` each family client with a service
    /// principal in this tenant. The sign-ins importer links family refresh tokens to it.
    fn foci(&mut self) {
        let mut family: Vec<&Value> = self
            .raw
            .service_principals
            .iter()
            .filter(|sp| s(sp, "/appId").is_some_and(is_foci))
            .collect();
        if family.is_empty() {
            return;
        }
        family.sort_by_key(|sp| s(sp, "/appId").map(str::to_ascii_lowercase));
        let mut hub = foci_family_node();
        let members: Vec<Value> = family
            .iter()
            .filter_map(|sp| s(sp, "/appId"))
            .map(Value::from)
            .collect();
        hub.props.insert("members".into(), Value::Array(members));
        self.add(hub);
        for sp in family {
            if let Some(aid) = self.ensure_app(sp) {
                let p = props([("via", Value::from("FOCI family member"))]);
                self.link(FOCI_FAMILY_ID, &aid, EdgeKind::CanAccess, p);
            }
        }
    }

    fn finish(mut self) -> Collection {
        if self.scoped_roles_skipped > 0 {
            let idp = self.idp_id();
            if let Some(n) = self.c.nodes.iter_mut().find(|n| n.id == idp) {
                n.props.insert(
                    "scoped_role_assignments_not_modelled".into(),
                    Value::from(self.scoped_roles_skipped),
                );
            }
        }
        if self.unknown_principals > 0 {
            self.c.problems.push(format!(
                "{} directory role assignment(s) name principals the collection did not return",
                self.unknown_principals
            ));
        }
        self.c
    }
}

/// Nodes and edges from the raw pages (pure; see `docs/collectors/entra.md` for the mapping).
pub fn transform(raw: &EntraRaw) -> Collection {
    let mut b = Builder::new(raw);
    b.c.records.read(raw.records());
    b.tenant_node();
    b.users();
    b.groups();
    b.service_principals();
    b.applications();
    b.roles();
    b.grants();
    b.app_role_assignments();
    b.publisher_credentials();
    b.foci();
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS gallery apps' app roles name `<role ARN>,<SAML provider ARN>`: a user holding
    /// one signs in through that provider, the AWS collector's `aws:idp:<ARN>`.
    #[test]
    fn aws_app_roles_point_at_the_saml_provider() {
        let raw: EntraRaw = serde_json::from_value(serde_json::json!({
            "organization": [{"id": "t1", "displayName": "Acme"}],
            "users": [{"id": "u1", "userPrincipalName": "Ana@acme.test", "mail": "ana@acme.test",
                       "accountEnabled": true}],
            "service_principals": [{"id": "sp1", "appId": "a1", "displayName": "AWS Single-Account Access",
                "appRoles": [{"id": "r1", "value": "arn:aws:iam::123456789012:role/OktaDeveloper,arn:aws:iam::123456789012:saml-provider/AzureAD"}]}],
            "app_role_assignments": {"sp1": [{"id": "x1", "principalId": "u1", "principalType": "User",
                "appRoleId": "r1", "resourceId": "sp1"}]}
        }))
        .unwrap();
        let doc = transform(&raw).into_document(crate::model::Timestamp::now());
        let idp = "aws:idp:arn:aws:iam::123456789012:saml-provider/AzureAD";
        assert!(
            doc.edges
                .iter()
                .any(|e| e.from == "entra:user:u1" && e.to == idp && e.kind == EdgeKind::Sso),
            "{:?}",
            doc.edges
        );
        let ana = doc.nodes.iter().find(|n| n.id == "entra:user:u1").unwrap();
        assert_eq!(ana.aliases, vec!["entra:user:ana@acme.test"]);
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let a = EntraAuth::ClientCredentials {
            tenant: "t".into(),
            client_id: "c".into(),
            secret: "s3cr3t-value".into(),
            login_url: LOGIN_URL.into(),
        };
        assert!(!format!("{a:?}").contains("s3cr3t-value"));
        assert_eq!(
            format!("{:?}", EntraAuth::Token("tok-value".into())),
            "Token(<redacted>)"
        );
    }

    #[test]
    fn workload_ids_by_issuer() {
        assert_eq!(
            federated_workload(
                "https://token.actions.githubusercontent.com",
                "repo:acme/app:ref:refs/heads/main"
            ),
            ("github".into(), "repo:acme/app:ref:refs/heads/main".into())
        );
        assert_eq!(
            federated_workload(
                "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/",
                "system:serviceaccount:prod:deployer"
            ),
            (
                "oidc".into(),
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC#system:serviceaccount:prod:deployer"
                    .into()
            )
        );
    }

    #[test]
    fn the_foci_family_id_follows_the_naming_convention() {
        assert_eq!(
            FOCI_FAMILY_ID,
            node_id(ENTRA, NodeKind::App, native::FOCI_FAMILY)
        );
        assert_eq!(foci_family_node().id, FOCI_FAMILY_ID);
    }

    #[test]
    fn foci_list() {
        assert_eq!(foci_clients().len(), 37);
        assert!(is_foci("D3590ED6-52B3-4102-AEFF-AAD2292AB01C"));
        assert!(!is_foci(MICROSOFT_GRAPH_APP_ID));
    }

    #[test]
    fn scope_follows_the_graph_host() {
        assert_eq!(scope_for(GRAPH_URL), GRAPH_SCOPE);
        assert_eq!(
            scope_for("https://graph.microsoft.us/v1.0"),
            "https://graph.microsoft.us/.default"
        );
        assert_eq!(scope_for("http://127.0.0.1:9/v1.0"), GRAPH_SCOPE);
    }
}
