//! Okta (management API): users, groups, admin roles, apps and their assignments and sign-on
//! policies, OAuth consent grants and refresh tokens, API tokens, and OAuth service apps with their
//! scope grants, admin roles and client secrets (metadata only).
//!
//! Cartography style: [`fetch`] returns the raw pages of each endpoint ([`OktaRaw`]) without
//! reshaping them; [`transform`] is a pure function from those pages to nodes and edges, tested
//! offline on recorded responses; [`Collection::into_document`] loads. What is read, the scopes it
//! needs and what becomes which node and edge are in `docs/collectors/okta.md`.
//!
//! Id conventions (`platform:kind:native-id`, see [`crate::model::naming`]):
//! - `okta:idp:<org>`: the org; `<org>` is the host without `.okta.com` / `.oktapreview.com` /
//!   `.okta-emea.com` / `.okta-gov.com` (`acme.okta.com` → `acme`), or the whole host for a custom
//!   domain;
//! - `okta:user:00u…`, `okta:group:00g…`, `okta:app:0oa…`, `okta:service_account:0oa…` (OAuth
//!   service apps), `okta:workload:<client_id>` (the back end of an OAuth client that stores the
//!   refresh tokens users granted it), `okta:oauth_grant:oag…`, `okta:token:oar…` (refresh
//!   tokens), `okta:token:00T…` (API tokens), `okta:token:<secret id>` (client secrets);
//! - the account an app assignment yields lives on the app's platform:
//!   `<app platform>:user:<externalId | credentials.userName | Okta user id>`, where the platform
//!   comes from the catalog name of well-known apps (`office365` → `entra`, `google` → `google`, …)
//!   or else from the app label (`Expense Tool` → `expense-tool`): [`app_platform`].

use std::collections::{BTreeMap, BTreeSet, HashSet};

use clap::Args as _;
use serde_json::Value;

use super::http::{Auth, Client, FetchError, Paging, Policy};

/// One paginated request per key, concurrently: the shared [`super::http::fan_out`] in Okta's
/// paging style.
async fn fan_out(
    client: &Client,
    progress: &Progress,
    problems: &mut Vec<String>,
    what: &str,
    jobs: Vec<(String, String)>,
) -> Result<BTreeMap<String, Vec<Value>>, FetchError> {
    super::http::fan_out(
        client,
        Paging::LinkHeader,
        progress,
        problems,
        what,
        jobs,
        "",
    )
    .await
}
use super::collector::{env_token, fetch_error, parse, Collector, Context};
use super::json::{copy, edge_with as edge, node_on, props, s, strings, ts};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::naming::{join, node_id, platform, platform::OKTA, FEDERATION_TARGET};
use crate::model::{Edge, EdgeKind, Node, NodeKind, Props, Requirement, Revocation, TokenType};

/// The source name written to the document.
pub const SOURCE: &str = "okta";

/// Skip reasons shared by several record types.
const MISSING_ID: &str = "missing id";
const MISSING_CLIENT: &str = "missing clientId";
const INACTIVE: &str = "inactive";

/// The environment variable the API token comes from (named in errors, never its value).
pub const CREDENTIAL_ENV: &str = "OKTA_API_TOKEN";

/// The raw pages of every endpoint the collector reads, as the API returned them (items of all
/// pages concatenated). Keys of the maps are the id in the request path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OktaRaw {
    /// The org host, e.g. `acme.okta.com`.
    pub org: String,
    /// `GET /api/v1/users` (every status but DEPROVISIONED) followed by
    /// `GET /api/v1/users?filter=status eq "DEPROVISIONED"`.
    pub users: Vec<Value>,
    /// `GET /api/v1/groups`.
    pub groups: Vec<Value>,
    /// group id → `GET /api/v1/groups/{groupId}/users`.
    pub group_members: BTreeMap<String, Vec<Value>>,
    /// user id → `GET /api/v1/users/{userId}/roles`, for every user listed by
    /// `GET /api/v1/iam/assignees/users`.
    pub user_roles: BTreeMap<String, Vec<Value>>,
    /// `GET /api/v1/apps`.
    pub apps: Vec<Value>,
    /// app id → `GET /api/v1/apps/{appId}/users` (active apps that have accounts: not bookmarks,
    /// not service apps).
    pub app_users: BTreeMap<String, Vec<Value>>,
    /// policy id → `GET /api/v1/policies/{policyId}/rules`, for the authentication (access)
    /// policy each app links to in `_links.accessPolicy` (Identity Engine orgs only).
    pub policy_rules: BTreeMap<String, Vec<Value>>,
    /// app id → `GET /api/v1/apps/{appId}/tokens`: the refresh tokens issued to that OAuth
    /// client, every user's.
    pub app_tokens: BTreeMap<String, Vec<Value>>,
    /// user id → `GET /api/v1/users/{userId}/grants?expand=scope`.
    pub user_grants: BTreeMap<String, Vec<Value>>,
    /// `GET /api/v1/api-tokens`.
    pub api_tokens: Vec<Value>,
    /// service app client id → `GET /oauth2/v1/clients/{clientId}/roles`.
    pub client_roles: BTreeMap<String, Vec<Value>>,
    /// service app id → `GET /api/v1/apps/{appId}/grants?expand=scope` (admin-consented scopes).
    pub app_grants: BTreeMap<String, Vec<Value>>,
    /// service app id → `GET /api/v1/apps/{appId}/credentials/secrets`, with the masked
    /// `client_secret` and `secret_hash` removed as soon as they arrive.
    pub app_secrets: BTreeMap<String, Vec<Value>>,
}

impl OktaRaw {
    /// How many API objects were read: every item of every list (the record count of the
    /// accounting).
    pub fn records(&self) -> usize {
        let maps = [
            &self.group_members,
            &self.user_roles,
            &self.app_users,
            &self.policy_rules,
            &self.app_tokens,
            &self.user_grants,
            &self.client_roles,
            &self.app_grants,
            &self.app_secrets,
        ];
        self.users.len()
            + self.groups.len()
            + self.apps.len()
            + self.api_tokens.len()
            + maps
                .iter()
                .flat_map(|m| m.values())
                .map(Vec::len)
                .sum::<usize>()
    }
}

// ------------------------------------------------------------------------------------------------
// Ids

/// The org host of a base URL: `https://acme.okta.com/` → `acme.okta.com`.
pub fn org_host(org_url: &str) -> String {
    let rest = org_url
        .split_once("://")
        .map_or(org_url, |(_, r)| r)
        .trim_end_matches('/');
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// `okta:idp:<org>`: the org's subdomain for Okta-hosted domains, else the whole host.
pub fn idp_id(org: &str) -> String {
    let host = org.to_ascii_lowercase();
    let short = [
        ".okta.com",
        ".oktapreview.com",
        ".okta-emea.com",
        ".okta-gov.com",
        ".okta.mil",
    ]
    .iter()
    .find_map(|suffix| host.strip_suffix(suffix))
    .unwrap_or(&host)
    .to_string();
    node_id(OKTA, NodeKind::Idp, &short)
}

/// Lowercase, letters and digits kept, every other run of characters one `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Okta catalog app names (`app.name`) of well-known apps → the platform name heir's own
/// collectors and examples use for accounts there.
const CATALOG: &[(&str, &str)] = &[
    ("office365", "entra"),
    ("google", "google"),
    ("slack", "slack"),
    ("salesforce", "salesforce"),
    ("github", "github"),
    ("githubcloud", "github"),
    ("githubenterprise", "github"),
    ("amazon_aws", "aws"),
    ("amazon_aws_sso", "aws"),
    ("aws_account_federation", "aws"),
    ("zoomus", "zoom"),
    ("box", "box"),
    ("dropbox_for_business", "dropbox"),
    ("atlassian", "atlassian"),
    ("servicenow_ud", "servicenow"),
    ("workday", "workday"),
    ("zendesk", "zendesk"),
];

/// Label slugs that name a well-known platform differently.
const LABEL_ALIASES: &[(&str, &str)] = &[
    ("office-365", "entra"),
    ("microsoft-office-365", "entra"),
    ("microsoft-365", "entra"),
    ("google-workspace", "google"),
    ("g-suite", "google"),
    ("github-enterprise-cloud", "github"),
    ("github-enterprise-cloud-organization", "github"),
    ("amazon-web-services", "aws"),
    ("aws-iam-identity-center", "aws"),
    ("aws-account-federation", "aws"),
    ("zoom", "zoom"),
];

/// The platform the accounts of an Okta app live on: the catalog name of a well-known app, else
/// the slug of the label (through a few aliases), else `okta-app`.
/// Whether `name` is a catalog name whose platform heir knows (`amazon_aws` → `aws`).
pub fn known_catalog(name: &str) -> bool {
    CATALOG.iter().any(|(c, _)| *c == name)
}

pub fn app_platform(name: Option<&str>, label: Option<&str>) -> String {
    if let Some(p) = name.and_then(|n| CATALOG.iter().find(|(c, _)| *c == n)) {
        return p.1.to_string();
    }
    let sl = label.map(slug).unwrap_or_default();
    if let Some(p) = LABEL_ALIASES.iter().find(|(a, _)| *a == sl) {
        return p.1.to_string();
    }
    if sl.is_empty() {
        "okta-app".to_string()
    } else {
        sl
    }
}

/// An OAuth service app (machine identity): `application_type: service`, or a client whose only
/// grant type is `client_credentials`.
pub fn is_service_app(app: &Value) -> bool {
    if s(app, "/settings/oauthClient/application_type") == Some("service") {
        return true;
    }
    let grants = strings(app, "/settings/oauthClient/grant_types");
    !grants.is_empty() && grants.iter().all(|g| g == "client_credentials")
}

fn is_oidc(app: &Value) -> bool {
    s(app, "/signOnMode") == Some("OPENID_CONNECT") || s(app, "/name") == Some("oidc_client")
}

fn is_active(v: &Value) -> bool {
    s(v, "/status").is_none_or(|st| st == "ACTIVE")
}

/// The authentication policy an app links to (`_links.accessPolicy.href`, last path segment).
fn access_policy_id(app: &Value) -> Option<String> {
    s(app, "/_links/accessPolicy/href")
        .map(|h| h.trim_end_matches('/'))
        .and_then(|h| h.rsplit('/').next())
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

fn client_id_of(app: &Value) -> Option<&str> {
    s(app, "/credentials/oauthClient/client_id").or_else(|| s(app, "/id"))
}

// ------------------------------------------------------------------------------------------------
// Fetch

/// One paginated list; a failure for good is recorded as a problem naming the endpoint and the
/// collection goes on (`Ok(None)`), except a rejected credential, which stops everything.
async fn list(
    client: &Client,
    progress: &Progress,
    problems: &mut Vec<String>,
    what: &str,
    path: &str,
) -> Result<Option<Vec<Value>>, FetchError> {
    progress.step(what);
    match client
        .get_all(path, Paging::LinkHeader, |n| progress.add(n))
        .await
    {
        Ok(items) => Ok(Some(items)),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            problems.push(format!("{what}: {e}"));
            Ok(None)
        }
    }
}

/// Items of a list that may be wrapped in `{"value": [...]}` and paged either by `Link` headers
/// or by `_links.next.href` in the body (`/api/v1/iam/assignees/users`).
async fn get_all_wrapped(client: &Client, path: &str) -> Result<Vec<Value>, FetchError> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(path.to_string());
    while let Some(p) = next.take() {
        let url = client.url(&p);
        if !seen.insert(url.clone()) || seen.len() > 100_000 {
            break;
        }
        let page = client.get(&p, Paging::LinkHeader).await?;
        let body_next = page
            .body
            .pointer("/_links/next/href")
            .and_then(Value::as_str)
            .map(str::to_string);
        let batch = match page.body {
            Value::Array(a) => a,
            Value::Object(mut o) => match o.remove("value") {
                Some(Value::Array(a)) => a,
                _ => {
                    return Err(FetchError::Malformed {
                        url,
                        detail: "expected a JSON array or an object with a `value` array".into(),
                    })
                }
            },
            _ => {
                return Err(FetchError::Malformed {
                    url,
                    detail: "expected a JSON array or an object with a `value` array".into(),
                })
            }
        };
        items.extend(batch);
        next = page.next.or(body_next);
    }
    Ok(items)
}

/// Reads everything [`transform`] needs. Each endpoint that fails for good (after the client's
/// retries) is recorded in the returned problems and the rest is still collected; a rejected
/// credential (401) returns `Err` at once.
pub async fn fetch(
    client: &Client,
    progress: &Progress,
) -> Result<(OktaRaw, Vec<String>), FetchError> {
    let mut raw = OktaRaw {
        org: org_host(&client.url("")),
        ..Default::default()
    };
    let mut problems = Vec::new();
    let p = &mut problems;

    if let Some(v) = list(
        client,
        progress,
        p,
        "users (GET /api/v1/users)",
        "/api/v1/users?limit=200",
    )
    .await?
    {
        raw.users.extend(v);
    }
    if let Some(v) = list(
        client,
        progress,
        p,
        "deprovisioned users (GET /api/v1/users?filter=status eq \"DEPROVISIONED\")",
        "/api/v1/users?filter=status%20eq%20%22DEPROVISIONED%22&limit=200",
    )
    .await?
    {
        raw.users.extend(v);
    }
    if let Some(v) = list(
        client,
        progress,
        p,
        "groups (GET /api/v1/groups)",
        "/api/v1/groups?limit=200",
    )
    .await?
    {
        raw.groups = v;
    }
    let jobs = raw
        .groups
        .iter()
        .filter_map(|g| s(g, "/id"))
        .map(|g| (g.to_string(), format!("/api/v1/groups/{g}/users?limit=200")))
        .collect();
    raw.group_members = fan_out(
        client,
        progress,
        p,
        "group members (GET /api/v1/groups/{groupId}/users)",
        jobs,
    )
    .await?;

    progress.step("admin role holders (GET /api/v1/iam/assignees/users)");
    let admins = match get_all_wrapped(client, "/api/v1/iam/assignees/users?limit=100").await {
        Ok(v) => v,
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) => {
            p.push(format!(
                "admin role holders (GET /api/v1/iam/assignees/users): {e}"
            ));
            Vec::new()
        }
    };
    let admin_ids: BTreeSet<&str> = admins.iter().filter_map(|a| s(a, "/id")).collect();
    let jobs = admin_ids
        .iter()
        .map(|u| (u.to_string(), format!("/api/v1/users/{u}/roles")))
        .collect();
    raw.user_roles = fan_out(
        client,
        progress,
        p,
        "admin roles (GET /api/v1/users/{userId}/roles)",
        jobs,
    )
    .await?;

    if let Some(v) = list(
        client,
        progress,
        p,
        "apps (GET /api/v1/apps)",
        "/api/v1/apps?limit=200",
    )
    .await?
    {
        raw.apps = v;
    }
    let mut user_jobs = Vec::new();
    let mut token_jobs = Vec::new();
    let mut policy_jobs = Vec::new();
    let mut role_jobs = Vec::new();
    let mut grant_jobs = Vec::new();
    let mut secret_jobs = Vec::new();
    let mut policies = BTreeSet::new();
    for app in &raw.apps {
        let Some(aid) = s(app, "/id") else { continue };
        if !is_active(app) {
            continue;
        }
        if is_service_app(app) {
            let cid = client_id_of(app).unwrap_or(aid);
            role_jobs.push((cid.to_string(), format!("/oauth2/v1/clients/{cid}/roles")));
            grant_jobs.push((
                aid.to_string(),
                format!("/api/v1/apps/{aid}/grants?expand=scope"),
            ));
            secret_jobs.push((
                aid.to_string(),
                format!("/api/v1/apps/{aid}/credentials/secrets"),
            ));
            continue;
        }
        if s(app, "/signOnMode") != Some("BOOKMARK") {
            user_jobs.push((
                aid.to_string(),
                format!("/api/v1/apps/{aid}/users?limit=200"),
            ));
            if let Some(pid) = access_policy_id(app) {
                if policies.insert(pid.clone()) {
                    policy_jobs.push((pid.clone(), format!("/api/v1/policies/{pid}/rules")));
                }
            }
        }
        if is_oidc(app) {
            token_jobs.push((
                aid.to_string(),
                format!("/api/v1/apps/{aid}/tokens?limit=200"),
            ));
        }
    }
    raw.app_users = fan_out(
        client,
        progress,
        p,
        "app assignments (GET /api/v1/apps/{appId}/users)",
        user_jobs,
    )
    .await?;
    raw.policy_rules = fan_out(
        client,
        progress,
        p,
        "app sign-on policy rules (GET /api/v1/policies/{policyId}/rules)",
        policy_jobs,
    )
    .await?;
    raw.app_tokens = fan_out(
        client,
        progress,
        p,
        "refresh tokens (GET /api/v1/apps/{appId}/tokens)",
        token_jobs,
    )
    .await?;
    raw.client_roles = fan_out(
        client,
        progress,
        p,
        "service app admin roles (GET /oauth2/v1/clients/{clientId}/roles)",
        role_jobs,
    )
    .await?;
    raw.app_grants = fan_out(
        client,
        progress,
        p,
        "service app scope grants (GET /api/v1/apps/{appId}/grants)",
        grant_jobs,
    )
    .await?;
    let mut secrets = fan_out(
        client,
        progress,
        p,
        "service app client secrets (GET /api/v1/apps/{appId}/credentials/secrets)",
        secret_jobs,
    )
    .await?;
    // The list shows a masked secret and its hash: neither is kept, not even in memory.
    for items in secrets.values_mut() {
        for it in items.iter_mut() {
            if let Some(o) = it.as_object_mut() {
                o.remove("client_secret");
                o.remove("secret_hash");
            }
        }
    }
    raw.app_secrets = secrets;

    let jobs = raw
        .users
        .iter()
        .filter(|u| s(u, "/status") != Some("DEPROVISIONED"))
        .filter_map(|u| s(u, "/id"))
        .map(|u| {
            (
                u.to_string(),
                format!("/api/v1/users/{u}/grants?expand=scope&limit=200"),
            )
        })
        .collect();
    raw.user_grants = fan_out(
        client,
        progress,
        p,
        "OAuth consent grants (GET /api/v1/users/{userId}/grants)",
        jobs,
    )
    .await?;

    if let Some(v) = list(
        client,
        progress,
        p,
        "API tokens (GET /api/v1/api-tokens)",
        "/api/v1/api-tokens",
    )
    .await?
    {
        raw.api_tokens = v;
    }
    Ok((raw, problems))
}

/// An API client for an org, given as `https://acme.okta.com` or just `acme.okta.com`.
pub fn client(org_url: &str, token: String, policy: Policy) -> Result<Client, FetchError> {
    let base = if org_url.contains("://") {
        org_url.to_string()
    } else {
        format!("https://{org_url}")
    };
    Client::new(&base, Auth::Ssws(token), CREDENTIAL_ENV, policy).map_err(|e| {
        FetchError::Transport {
            url: base.clone(),
            detail: e,
        }
    })
}

/// [`client`] + [`fetch`] + [`transform`]; endpoint problems go into `collection.problems`.
pub async fn collect(
    org_url: &str,
    token: String,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let client = client(org_url, token, policy)?;
    let (raw, problems) = fetch(&client, progress).await?;
    let mut c = transform(&raw);
    c.problems.extend(problems);
    progress.finish();
    Ok(c)
}

/// `heir collect okta`.
pub struct Okta;

// The doc comments are the `--help` texts, kept as they were: rustdoc's link lint does not apply.
#[allow(rustdoc::bare_urls)]
#[derive(clap::Args, Debug)]
pub struct OktaOpts {
    /// e.g. https://acme.okta.com (token from OKTA_API_TOKEN).
    #[arg(long, value_name = "URL")]
    pub org_url: String,
}

impl Collector for Okta {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Okta: users, groups, admin roles, apps and assignments, grants, refresh and API tokens"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        OktaOpts::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: OktaOpts = parse(args)?;
        let token = env_token(CREDENTIAL_ENV)?;
        ctx.block_on(collect(&o.org_url, token, ctx.policy.clone(), ctx.progress))
            .map_err(fetch_error)
    }
}

// ------------------------------------------------------------------------------------------------
// Transform

/// App platforms whose accounts heir's own collectors read (`heir collect github|google|slack`).
const SAAS_COLLECTED: &[&str] = &[platform::GITHUB, platform::GOOGLE, platform::SLACK];

/// Role types that only read: their holders get `can_access` (level read), not `admin_of`.
const READ_ONLY_ROLES: &[&str] = &["READ_ONLY_ADMIN", "REPORT_ADMIN"];

/// User statuses that refuse a new sign-in.
const DISABLED_USER: &[&str] = &[
    "SUSPENDED",
    "DEPROVISIONED",
    "LOCKED_OUT",
    "STAGED",
    "PROVISIONED",
];

/// App-user statuses that mean the assignment no longer yields an account.
const DISABLED_APP_USER: &[&str] = &["INACTIVE", "DEPROVISIONED", "REVOKED"];

/// What the app's authentication policy demands of any sign-in, as `requires` conditions: the
/// conditions every active ALLOW rule imposes (the attacker takes the easiest rule that matches,
/// and rules scoped to people are assumed to match). `None`: no rule allows access.
pub fn policy_requirements(rules: &[Value]) -> Option<Vec<Requirement>> {
    let mut common: Option<BTreeSet<Requirement>> = None;
    for r in rules {
        if !is_active(r) || s(r, "/actions/appSignOn/access").is_some_and(|a| a != "ALLOW") {
            continue;
        }
        let mut req = BTreeSet::new();
        let vm = r.pointer("/actions/appSignOn/verificationMethod");
        if let Some(vm) = vm {
            let two = s(vm, "/factorMode") == Some("2FA")
                || (s(vm, "/type") == Some("ASSURANCE") && s(vm, "/factorMode").is_none());
            if two {
                if s(vm, "/reauthenticateIn") == Some("PT0S") {
                    req.insert(Requirement::FreshMfa);
                } else {
                    req.insert(Requirement::Mfa);
                }
            }
        }
        let dev = r.pointer("/conditions/device");
        if let Some(d) = dev {
            let managed = d.pointer("/managed").and_then(Value::as_bool) == Some(true);
            let registered = d.pointer("/registered").and_then(Value::as_bool) == Some(true);
            let assurance = !strings(d, "/assurance/include").is_empty();
            if managed || registered || assurance {
                req.insert(Requirement::ManagedDevice);
            }
        }
        if s(r, "/conditions/network/connection") == Some("ZONE") {
            let include = strings(r, "/conditions/network/include");
            if !include.is_empty() && !include.iter().any(|z| z == "ALL_ZONES") {
                req.insert(Requirement::TrustedNetwork);
            }
        }
        common = Some(match common {
            None => req,
            Some(c) => c.intersection(&req).copied().collect(),
        });
    }
    common.map(|c| c.into_iter().collect())
}

/// The OAuth target of scopes: the Okta org for `okta.*` management scopes, else the client app.
fn scope_target(scopes: &[String], idp: &str, client_node: &str) -> (String, Props) {
    let mut p = Props::new();
    p.insert("scopes".into(), Value::from(scopes.to_vec()));
    if scopes.iter().any(|x| x.starts_with("okta.")) {
        let level = if scopes
            .iter()
            .any(|x| x.starts_with("okta.") && x.ends_with(".manage"))
        {
            "write"
        } else {
            "read"
        };
        p.insert("level".into(), Value::from(level));
        (idp.to_string(), p)
    } else {
        (client_node.to_string(), p)
    }
}

/// The Okta org's power an account gets from its role assignments: `admin_of` the org, or
/// `can_access` (level read) when every role only reads. Roles are listed in props.
fn role_edge(from: &str, idp: &str, roles: &[Value]) -> Option<Edge> {
    let active: Vec<&Value> = roles.iter().filter(|r| is_active(r)).collect();
    if active.is_empty() {
        return None;
    }
    let listed: Vec<Value> = active
        .iter()
        .map(|r| {
            let mut o = Props::new();
            for (k, ptr) in [
                ("type", "/type"),
                ("label", "/label"),
                ("id", "/id"),
                ("assignmentType", "/assignmentType"),
                ("role", "/role"),
                ("resource-set", "/resource-set"),
            ] {
                copy(&mut o, k, r, ptr);
            }
            Value::Object(o)
        })
        .collect();
    let read_only = active
        .iter()
        .all(|r| s(r, "/type").is_some_and(|t| READ_ONLY_ROLES.contains(&t)));
    let mut p = Props::new();
    p.insert("roles".into(), Value::from(listed));
    if read_only {
        p.insert("level".into(), Value::from("read"));
        Some(edge(from, idp, EdgeKind::CanAccess, p))
    } else {
        Some(edge(from, idp, EdgeKind::AdminOf, p))
    }
}

/// Scope names of a grant: the expanded scope's name, else the scope id.
fn grant_scope(g: &Value) -> Option<String> {
    s(g, "/_embedded/scope/name")
        .or_else(|| s(g, "/scopeId"))
        .map(str::to_string)
}

/// Nodes and edges from the raw pages. Pure: same input, same output, in the same order.
pub fn transform(raw: &OktaRaw) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.records.read(raw.records());
    let idp = idp_id(&raw.org);
    let mut n = Node::new(idp.clone(), NodeKind::Idp);
    n.platform = Some(OKTA.into());
    n.name = Some(format!("Okta org {}", raw.org));
    n.criticality = Some(10);
    n.tags = vec!["tier0".into()];
    n.props
        .insert("domain".into(), Value::from(raw.org.clone()));
    c.node(n);

    // Users.
    let mut users: BTreeMap<&str, &Value> = BTreeMap::new();
    for (i, u) in raw.users.iter().enumerate() {
        let Some(uid) = s(u, "/id") else {
            c.records.skip(MISSING_ID, format!("user #{}", i + 1));
            continue;
        };
        users.insert(uid, u);
        let mut n = node_on(OKTA, NodeKind::User, uid);
        let login = s(u, "/profile/login");
        n.name = login.map(str::to_string);
        n.person = s(u, "/profile/email").or(login).map(str::to_string);
        // Log events and other documents may name the account by login or email.
        for a in [login, s(u, "/profile/email")].into_iter().flatten() {
            let alias = node_id(OKTA, NodeKind::User, a);
            if !n.aliases.contains(&alias) {
                n.aliases.push(alias);
            }
        }
        if s(u, "/status").is_some_and(|st| DISABLED_USER.contains(&st)) {
            n.enabled = Some(false);
        }
        for (k, ptr) in [
            ("status", "/status"),
            ("login", "/profile/login"),
            ("email", "/profile/email"),
            ("created", "/created"),
            ("lastLogin", "/lastLogin"),
            ("statusChanged", "/statusChanged"),
            ("passwordChanged", "/passwordChanged"),
            ("credentialProvider", "/credentials/provider/type"),
        ] {
            copy(&mut n.props, k, u, ptr);
        }
        c.node(n);
    }

    // Groups and memberships.
    for (i, g) in raw.groups.iter().enumerate() {
        let Some(gid) = s(g, "/id") else {
            c.records.skip(MISSING_ID, format!("group #{}", i + 1));
            continue;
        };
        let mut n = node_on(OKTA, NodeKind::Group, gid);
        n.name = s(g, "/profile/name").map(str::to_string);
        for (k, ptr) in [("type", "/type"), ("description", "/profile/description")] {
            copy(&mut n.props, k, g, ptr);
        }
        c.node(n);
    }
    for (gid, members) in &raw.group_members {
        for m in members {
            let Some(uid) = s(m, "/id") else {
                c.records.skip(MISSING_ID, format!("member of group {gid}"));
                continue;
            };
            c.edge(Edge::new(
                node_id(OKTA, NodeKind::User, uid),
                node_id(OKTA, NodeKind::Group, gid),
                EdgeKind::MemberOf,
            ));
        }
    }

    for (pid, rules) in &raw.policy_rules {
        for r in rules.iter().filter(|r| !is_active(r)) {
            c.records.skip(INACTIVE, s(r, "/id").unwrap_or(pid));
        }
    }

    // Admin roles held by users.
    for (uid, roles) in &raw.user_roles {
        for r in roles.iter().filter(|r| !is_active(r)) {
            c.records.skip(INACTIVE, s(r, "/id").unwrap_or(uid));
        }
        if let Some(e) = role_edge(&node_id(OKTA, NodeKind::User, uid), &idp, roles) {
            c.edge(e);
        }
    }

    // Apps and service apps.
    let mut apps: BTreeMap<&str, &Value> = BTreeMap::new();
    let mut by_client: BTreeMap<&str, &Value> = BTreeMap::new();
    for (i, app) in raw.apps.iter().enumerate() {
        let Some(aid) = s(app, "/id") else {
            c.records.skip(MISSING_ID, format!("app #{}", i + 1));
            continue;
        };
        apps.insert(aid, app);
        if let Some(cid) = s(app, "/credentials/oauthClient/client_id") {
            by_client.insert(cid, app);
        }
        let service = is_service_app(app);
        let mut n = node_on(
            OKTA,
            if service {
                NodeKind::ServiceAccount
            } else {
                NodeKind::App
            },
            aid,
        );
        n.name = s(app, "/label").map(str::to_string);
        if !is_active(app) {
            n.enabled = Some(false);
        }
        for (k, ptr) in [
            ("name", "/name"),
            ("status", "/status"),
            ("signOnMode", "/signOnMode"),
            ("created", "/created"),
            ("client_id", "/credentials/oauthClient/client_id"),
            (
                "token_endpoint_auth_method",
                "/credentials/oauthClient/token_endpoint_auth_method",
            ),
            ("application_type", "/settings/oauthClient/application_type"),
            ("grant_types", "/settings/oauthClient/grant_types"),
            ("universalLogout", "/universalLogout/status"),
        ] {
            copy(&mut n.props, k, app, ptr);
        }
        if !service {
            n.props.insert(
                "platform".into(),
                Value::from(app_platform(s(app, "/name"), s(app, "/label"))),
            );
            if let Some(pid) = access_policy_id(app) {
                n.props.insert("accessPolicy".into(), Value::from(pid));
            }
        }
        c.node(n);
    }

    // App assignments: the account each one yields on the app's platform.
    for (aid, assigned) in &raw.app_users {
        let Some(app) = apps.get(aid.as_str()) else {
            for _ in assigned {
                c.records
                    .skip("assignment to an app not listed", aid.as_str());
            }
            continue;
        };
        let app_node = node_id(OKTA, NodeKind::App, aid);
        let platform = app_platform(s(app, "/name"), s(app, "/label"));
        let policy = access_policy_id(app);
        let requires = match policy.as_ref().and_then(|p| raw.policy_rules.get(p)) {
            Some(rules) => policy_requirements(rules),
            None => Some(Vec::new()),
        };
        for au in assigned {
            let Some(uid) = s(au, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("assignment to app {aid}"));
                continue;
            };
            let okta_user = users.get(uid);
            let native = s(au, "/externalId")
                .or_else(|| s(au, "/credentials/userName"))
                .unwrap_or(uid);
            let acct = node_id(&platform, NodeKind::User, native);
            let mut n = Node::new(acct.clone(), NodeKind::User);
            n.platform = Some(platform.clone());
            n.name = s(au, "/credentials/userName")
                .or_else(|| okta_user.and_then(|u| s(u, "/profile/login")))
                .map(str::to_string);
            n.person = okta_user
                .and_then(|u| s(u, "/profile/email").or_else(|| s(u, "/profile/login")))
                .map(str::to_string);
            if s(au, "/status").is_some_and(|st| DISABLED_APP_USER.contains(&st)) {
                n.enabled = Some(false);
            }
            n.props.insert("okta_app".into(), Value::from(aid.clone()));
            n.props.insert("okta_user".into(), Value::from(uid));
            // The account lives on a platform heir has a collector for, which names it by its
            // own id and lists what Okta calls it (login, SAML nameId, email) as aliases: this
            // node is only the federation target, folded into that account by `heir merge`, and
            // reported as unresolved until that collector's document is merged too.
            if SAAS_COLLECTED.contains(&platform.as_str()) {
                n.props
                    .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
            }
            for (k, ptr) in [
                ("externalId", "/externalId"),
                ("status", "/status"),
                ("scope", "/scope"),
                ("syncState", "/syncState"),
            ] {
                copy(&mut n.props, k, au, ptr);
            }
            c.node(n);
            if let Some(req) = &requires {
                let mut e = edge(
                    &node_id(OKTA, NodeKind::User, uid),
                    &acct,
                    EdgeKind::Sso,
                    props([
                        ("okta_app", Value::from(aid.clone())),
                        (
                            "signOnMode",
                            s(app, "/signOnMode").map_or(Value::Null, Value::from),
                        ),
                        (
                            "accessPolicy",
                            policy.clone().map_or(Value::Null, Value::from),
                        ),
                        ("scope", s(au, "/scope").map_or(Value::Null, Value::from)),
                    ]),
                );
                e.requires = req.clone();
                // An AWS federation app signs in through the account's IAM SAML provider
                // (the app's identityProviderArn setting): the AWS collector's `aws:idp:<ARN>`,
                // which can assume the roles trusting it.
                if let Some(arn) = s(app, "/settings/app/identityProviderArn") {
                    let idp_id = join::aws_idp(arn);
                    let mut p = Node::new(idp_id.clone(), NodeKind::Idp);
                    p.platform = Some(platform::AWS.to_string());
                    p.name = Some(arn.rsplit('/').next().unwrap_or(arn).to_string());
                    p.props
                        .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
                    c.node(p);
                    let mut f = e.clone();
                    f.to = idp_id;
                    c.edge(f);
                }
                c.edge(e);
            }
            c.edge(Edge::new(acct, app_node.clone(), EdgeKind::CanAccess));
        }
    }

    // Service apps: their Okta power (scope grants + roles) and their client secrets.
    for app in &raw.apps {
        let Some(aid) = s(app, "/id") else { continue };
        if !is_service_app(app) {
            continue;
        }
        let sa = node_id(OKTA, NodeKind::ServiceAccount, aid);
        let cid = client_id_of(app).unwrap_or(aid);
        let roles = raw.client_roles.get(cid).map(Vec::as_slice).unwrap_or(&[]);
        let all_grants = raw.app_grants.get(aid).map(Vec::as_slice).unwrap_or(&[]);
        for g in all_grants.iter().filter(|g| !is_active(g)) {
            c.records.skip(INACTIVE, s(g, "/id").unwrap_or(aid));
        }
        for r in roles.iter().filter(|r| !is_active(r)) {
            c.records.skip(INACTIVE, s(r, "/id").unwrap_or(cid));
        }
        let grants: Vec<&Value> = all_grants.iter().filter(|g| is_active(g)).collect();
        let scopes: Vec<String> = grants.iter().filter_map(|g| grant_scope(g)).collect();
        for g in grants.iter().filter(|g| grant_scope(g).is_none()) {
            c.records
                .skip("grant without a scope", s(g, "/id").unwrap_or(aid));
        }
        // The grants and roles only say something when the service app can call the Okta API:
        // then they become one edge to the org; otherwise they are read and left out.
        let to_org = !scopes.is_empty() && scope_target(&scopes, &idp, &sa).0 == idp;
        if !to_org {
            let unused = grants.iter().filter(|g| grant_scope(g).is_some()).count()
                + roles.iter().filter(|r| is_active(r)).count();
            for _ in 0..unused {
                c.records.skip("service app without an Okta API scope", aid);
            }
        }
        if !scopes.is_empty() {
            let (to, mut p) = scope_target(&scopes, &idp, &sa);
            if let Some(Edge { props: rp, .. }) = role_edge(&sa, &idp, roles) {
                if let Some(r) = rp.get("roles") {
                    p.insert("roles".into(), r.clone());
                }
            }
            let grant_ids: Vec<Value> = grants
                .iter()
                .filter_map(|g| s(g, "/id"))
                .map(Value::from)
                .collect();
            p.insert("grants".into(), Value::from(grant_ids));
            if to == idp {
                let kind = if p.get("level").and_then(Value::as_str) == Some("write") {
                    p.remove("level");
                    EdgeKind::AdminOf
                } else {
                    EdgeKind::CanAccess
                };
                c.edge(edge(&sa, &idp, kind, p));
            }
        }
        for sec in raw.app_secrets.get(aid).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(sid) = s(sec, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("client secret of app {aid}"));
                continue;
            };
            let mut n = node_on(OKTA, NodeKind::Token, sid);
            n.name = Some(format!(
                "client secret of {}",
                s(app, "/label").unwrap_or(aid)
            ));
            n.token_type = Some(TokenType::ClientSecret);
            n.revocation = Some(Revocation::None);
            n.issued_at = ts(sec, "/created");
            if !is_active(sec) {
                n.enabled = Some(false);
            }
            n.props.insert("secretId".into(), Value::from(sid));
            n.props.insert("client_id".into(), Value::from(cid));
            for (k, ptr) in [("status", "/status"), ("lastUpdated", "/lastUpdated")] {
                copy(&mut n.props, k, sec, ptr);
            }
            c.node(n);
            c.edge(Edge::new(
                node_id(OKTA, NodeKind::Token, sid),
                sa.clone(),
                EdgeKind::AuthenticatesAs,
            ));
        }
    }

    // OAuth clients users granted access to: the app node, or a placeholder for clients
    // `/api/v1/apps` does not list (Okta's own first-party clients, deleted apps); and the back
    // end of the client, which stores the refresh tokens.
    let mut placeholders: BTreeSet<String> = BTreeSet::new();
    let mut backends: BTreeSet<String> = BTreeSet::new();
    let mut client_node = |c: &mut Collection, cid: &str| -> (String, String) {
        let app = by_client.get(cid).or_else(|| apps.get(cid)).copied();
        let aid = app.and_then(|a| s(a, "/id")).unwrap_or(cid);
        let kind = if app.is_some_and(is_service_app) {
            NodeKind::ServiceAccount
        } else {
            NodeKind::App
        };
        let app_node = node_id(OKTA, kind, aid);
        if app.is_none() && placeholders.insert(cid.to_string()) {
            let mut n = node_on(OKTA, NodeKind::App, cid);
            n.name = Some(format!("OAuth client {cid}"));
            n.props.insert("client_id".into(), Value::from(cid));
            n.props.insert(
                "note".into(),
                Value::from(
                    "OAuth client not listed by /api/v1/apps (Okta first-party or deleted)",
                ),
            );
            c.node(n);
        }
        let backend = node_id(OKTA, NodeKind::Workload, cid);
        if backends.insert(cid.to_string()) {
            let mut n = node_on(OKTA, NodeKind::Workload, cid);
            n.name = Some(format!(
                "back end of OAuth client {}",
                app.and_then(|a| s(a, "/label")).unwrap_or(cid)
            ));
            n.props.insert("client_id".into(), Value::from(cid));
            n.props.insert(
                "note".into(),
                Value::from("where the client stores the refresh tokens and grants users gave it"),
            );
            c.node(n);
        }
        (app_node, backend)
    };

    // Users' consent grants.
    let mut grants_by: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for (uid, grants) in &raw.user_grants {
        let user = node_id(OKTA, NodeKind::User, uid);
        for g in grants {
            let Some(gid) = s(g, "/id") else {
                c.records.skip(MISSING_ID, format!("grant of user {uid}"));
                continue;
            };
            let Some(cid) = s(g, "/clientId") else {
                c.records.skip(MISSING_CLIENT, gid);
                continue;
            };
            let gnode = node_id(OKTA, NodeKind::OauthGrant, gid);
            let scopes: Vec<String> = grant_scope(g).into_iter().collect();
            let (app_node, backend) = client_node(&mut c, cid);
            let mut n = node_on(OKTA, NodeKind::OauthGrant, gid);
            n.name = Some(format!(
                "{} granted to {} by {}",
                scopes.first().map_or("a scope", String::as_str),
                by_client
                    .get(cid)
                    .and_then(|a| s(a, "/label"))
                    .unwrap_or(cid),
                users
                    .get(uid.as_str())
                    .and_then(|u| s(u, "/profile/login"))
                    .unwrap_or(uid)
            ));
            n.issued_at = ts(g, "/created");
            n.revocation = Some(Revocation::Central);
            n.scopes = scopes.clone();
            if !is_active(g) {
                n.enabled = Some(false);
            }
            n.props.insert("userId".into(), Value::from(uid.clone()));
            for (k, ptr) in [
                ("clientId", "/clientId"),
                ("issuer", "/issuer"),
                ("scopeId", "/scopeId"),
                ("source", "/source"),
                ("status", "/status"),
            ] {
                copy(&mut n.props, k, g, ptr);
            }
            c.node(n);
            c.edge(Edge::new(user.clone(), gnode.clone(), EdgeKind::Consented));
            c.edge(Edge::new(backend, gnode.clone(), EdgeKind::Holds));
            let (to, p) = scope_target(&scopes, &idp, &app_node);
            c.edge(edge(&gnode, &to, EdgeKind::CanAccess, p));
            grants_by
                .entry((
                    uid.clone(),
                    cid.to_string(),
                    s(g, "/issuer").unwrap_or_default().to_string(),
                ))
                .or_default()
                .push(gnode);
        }
    }

    // Refresh tokens issued to each OAuth client.
    for tokens in raw.app_tokens.values() {
        for (i, t) in tokens.iter().enumerate() {
            let Some(tid) = s(t, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("refresh token #{}", i + 1));
                continue;
            };
            let Some(cid) = s(t, "/clientId") else {
                c.records.skip(MISSING_CLIENT, tid);
                continue;
            };
            let tnode = node_id(OKTA, NodeKind::Token, tid);
            let scopes = strings(t, "/scopes");
            let (app_node, backend) = client_node(&mut c, cid);
            let mut n = node_on(OKTA, NodeKind::Token, tid);
            let user = s(t, "/userId");
            n.name = Some(format!(
                "refresh token of {} for {}",
                user.and_then(|u| users.get(u))
                    .and_then(|u| s(u, "/profile/login"))
                    .or(user)
                    .unwrap_or("?"),
                by_client
                    .get(cid)
                    .and_then(|a| s(a, "/label"))
                    .unwrap_or(cid)
            ));
            n.token_type = Some(TokenType::Refresh);
            n.revocation = Some(Revocation::Central);
            n.issued_at = ts(t, "/created");
            n.expires_at = ts(t, "/expiresAt");
            n.scopes = scopes.clone();
            if !is_active(t) {
                n.enabled = Some(false);
            }
            for (k, ptr) in [
                ("clientId", "/clientId"),
                ("userId", "/userId"),
                ("issuer", "/issuer"),
                ("status", "/status"),
            ] {
                copy(&mut n.props, k, t, ptr);
            }
            c.node(n);
            c.edge(Edge::new(backend, tnode.clone(), EdgeKind::Holds));
            let (to, p) = scope_target(&scopes, &idp, &app_node);
            c.edge(edge(&tnode, &to, EdgeKind::CanAccess, p));
            if let Some(uid) = user {
                let key = (
                    uid.to_string(),
                    cid.to_string(),
                    s(t, "/issuer").unwrap_or_default().to_string(),
                );
                for g in grants_by.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
                    let mut e = Edge::new(g.clone(), tnode.clone(), EdgeKind::Issued);
                    e.at = ts(t, "/created");
                    c.edge(e);
                }
            }
        }
    }

    // API tokens: the full power of the admin who created them.
    for (i, t) in raw.api_tokens.iter().enumerate() {
        let Some(tid) = s(t, "/id") else {
            c.records.skip(MISSING_ID, format!("API token #{}", i + 1));
            continue;
        };
        let tnode = node_id(OKTA, NodeKind::Token, tid);
        let mut n = node_on(OKTA, NodeKind::Token, tid);
        n.name = Some(format!("Okta API token '{}'", s(t, "/name").unwrap_or(tid)));
        n.token_type = Some(TokenType::ApiKey);
        n.revocation = Some(Revocation::Central);
        n.issued_at = ts(t, "/created");
        n.expires_at = ts(t, "/expiresAt");
        for (k, ptr) in [
            ("userId", "/userId"),
            ("clientName", "/clientName"),
            ("tokenWindow", "/tokenWindow"),
            ("network", "/network/connection"),
            ("lastUpdated", "/lastUpdated"),
        ] {
            copy(&mut n.props, k, t, ptr);
        }
        c.node(n);
        if let Some(uid) = s(t, "/userId") {
            let mut e = Edge::new(
                tnode,
                node_id(OKTA, NodeKind::User, uid),
                EdgeKind::AuthenticatesAs,
            );
            let zones = strings(t, "/network/include");
            if s(t, "/network/connection") == Some("ZONE")
                && !zones.is_empty()
                && !zones.iter().any(|z| z == "ALL_ZONES")
            {
                e.requires = vec![Requirement::TrustedNetwork];
            }
            c.edge(e);
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An AWS federation app points its users at the account's IAM SAML provider
    /// (`settings.app.identityProviderArn`), the id the AWS collector gives that provider.
    #[test]
    fn aws_apps_point_at_the_saml_provider() {
        let apps: Vec<Value> =
            serde_json::from_str(include_str!("../../tests/fixtures/nhi/okta-aws-app.json"))
                .unwrap();
        let assigned: Vec<Value> = serde_json::from_str(include_str!(
            "../../tests/fixtures/nhi/okta-aws-app.users.json"
        ))
        .unwrap();
        let raw = OktaRaw {
            org: "acme.okta.com".into(),
            users: vec![json!({"id": "00u1anaFAKE0001", "status": "ACTIVE",
                "profile": {"login": "ana@acme.test", "email": "ana@acme.test"}})],
            apps,
            app_users: [("0oa1awsFAKE0001".to_string(), assigned)].into(),
            ..Default::default()
        };
        let doc = transform(&raw).into_document(crate::model::Timestamp::now());
        let idp = "aws:idp:arn:aws:iam::123456789012:saml-provider/Okta";
        assert!(doc
            .edges
            .iter()
            .any(|e| e.from == "okta:user:00u1anaFAKE0001"
                && e.to == idp
                && e.kind == EdgeKind::Sso));
        let n = doc.nodes.iter().find(|n| n.id == idp).unwrap();
        assert_eq!(n.props[FEDERATION_TARGET], "okta");
        let ana = doc
            .nodes
            .iter()
            .find(|n| n.id == "okta:user:00u1anaFAKE0001")
            .unwrap();
        assert_eq!(ana.aliases, vec!["okta:user:ana@acme.test"]);
    }

    #[test]
    fn ids_and_platforms() {
        assert_eq!(org_host("https://acme.okta.com/"), "acme.okta.com");
        assert_eq!(idp_id("acme.okta.com"), "okta:idp:acme");
        assert_eq!(idp_id("login.acme.test"), "okta:idp:login.acme.test");
        assert_eq!(app_platform(Some("office365"), Some("Office")), "entra");
        assert_eq!(
            app_platform(Some("oidc_client"), Some("Expense Tool")),
            "expense-tool"
        );
        assert_eq!(app_platform(None, Some("Google Workspace")), "google");
        assert_eq!(app_platform(None, None), "okta-app");
    }

    #[test]
    fn policy_takes_the_easiest_allow_rule() {
        let managed_2fa = json!({"status":"ACTIVE","actions":{"appSignOn":{"access":"ALLOW",
            "verificationMethod":{"type":"ASSURANCE","factorMode":"2FA","reauthenticateIn":"PT12H"}}},
            "conditions":{"device":{"managed":true,"registered":true}}});
        let deny = json!({"status":"ACTIVE","actions":{"appSignOn":{"access":"DENY"}}});
        let one_fa = json!({"status":"ACTIVE","actions":{"appSignOn":{"access":"ALLOW",
            "verificationMethod":{"type":"ASSURANCE","factorMode":"1FA"}}}});
        assert_eq!(
            policy_requirements(&[managed_2fa.clone(), deny.clone()]),
            Some(vec![Requirement::Mfa, Requirement::ManagedDevice])
        );
        assert_eq!(policy_requirements(&[managed_2fa, one_fa]), Some(vec![]));
        assert_eq!(policy_requirements(&[deny]), None);
    }
}
