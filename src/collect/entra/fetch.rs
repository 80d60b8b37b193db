//! Live Microsoft Graph calls: authentication, the token, and the raw pages of every endpoint
//! ([`EntraRaw`]), unreshaped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;
use crate::collect::http::{self, Auth, Client, FetchError, Paging, Policy};
use crate::collect::json::s;
use crate::collect::Progress;

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
pub(super) fn scope_for(graph_url: &str) -> String {
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
