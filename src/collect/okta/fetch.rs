//! Live Okta API calls: the raw pages of every endpoint ([`OktaRaw`]), unreshaped.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use super::*;
use crate::collect::http::{Auth, Client, FetchError, Paging, Policy};
use crate::collect::json::s;
use crate::collect::Progress;

/// One paginated request per key, concurrently: the shared [`super::super::http::fan_out`] in
/// Okta's paging style.
async fn fan_out(
    client: &Client,
    progress: &Progress,
    problems: &mut Vec<String>,
    what: &str,
    jobs: Vec<(String, String)>,
) -> Result<BTreeMap<String, Vec<Value>>, FetchError> {
    super::super::http::fan_out(
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
