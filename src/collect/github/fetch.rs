//! Live GitHub REST and GraphQL calls: the raw pages of every endpoint ([`GithubRaw`]),
//! unreshaped, and the endpoints a plan or scope leaves unavailable.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::*;
use crate::collect::http::{self, Auth, Client, Dialect, FetchError, Paging, Policy};
use crate::collect::json::s;
use crate::collect::Progress;

/// An endpoint that refused or does not exist for this org or token: what it would have given is
/// skipped with the reason, the collection is not incomplete (issue #21: a plan or a scope the
/// token lacks is not an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// `GET /orgs/acme/credential-authorizations`.
    pub endpoint: String,
    /// `not available (needs GitHub Enterprise Cloud with SAML SSO)`.
    pub reason: String,
}

/// The raw pages of every endpoint the collector reads, items of all pages concatenated. Map keys
/// are the request's subject: a repository's `owner/name`, a team's slug, a PAT grant's id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GithubRaw {
    /// The organization login, as given to `--org`.
    pub org: String,
    /// `GET /orgs/{org}` (`default_repository_permission`, `two_factor_requirement_enabled`).
    pub org_info: Option<Value>,
    /// `GET /orgs/{org}/members?role=admin`: a lookup for the members' role, not counted.
    pub admins: Vec<Value>,
    /// `GET /orgs/{org}/members`.
    pub members: Vec<Value>,
    /// `GET /orgs/{org}/outside_collaborators`.
    pub outside: Vec<Value>,
    /// `GET /orgs/{org}/teams`.
    pub teams: Vec<Value>,
    /// team slug → `GET /orgs/{org}/teams/{slug}/members`.
    pub team_members: BTreeMap<String, Vec<Value>>,
    /// `GET /orgs/{org}/repos`.
    pub repos: Vec<Value>,
    /// repo → `GET /repos/{owner}/{repo}/collaborators?affiliation=direct`.
    pub collaborators: BTreeMap<String, Vec<Value>>,
    /// repo → `GET /repos/{owner}/{repo}/teams`.
    pub repo_teams: BTreeMap<String, Vec<Value>>,
    /// repo → `GET /repos/{owner}/{repo}/keys` (deploy keys; the public key text is dropped).
    pub deploy_keys: BTreeMap<String, Vec<Value>>,
    /// repo → `GET /repos/{owner}/{repo}/actions/secrets` (names and dates, never values).
    pub secrets: BTreeMap<String, Vec<Value>>,
    /// repo → `GET /repos/{owner}/{repo}/actions/variables` (the values are dropped).
    pub variables: BTreeMap<String, Vec<Value>>,
    /// `GET /orgs/{org}/actions/secrets` (names, dates and `visibility`: all, private, selected).
    pub org_secrets: Vec<Value>,
    /// secret name → `GET /orgs/{org}/actions/secrets/{secret_name}/repositories`, for secrets
    /// with `visibility: selected`.
    pub org_secret_repos: BTreeMap<String, Vec<Value>>,
    /// `GET /orgs/{org}/actions/variables` (the values are dropped).
    pub org_variables: Vec<Value>,
    /// variable name → `GET /orgs/{org}/actions/variables/{name}/repositories` (`selected`).
    pub org_variable_repos: BTreeMap<String, Vec<Value>>,
    /// repo → `GET /repos/{owner}/{repo}/environments`.
    pub environments: BTreeMap<String, Vec<Value>>,
    /// `owner/repo:environment` → `GET /repos/{owner}/{repo}/environments/{env}/secrets`.
    pub env_secrets: BTreeMap<String, Vec<Value>>,
    /// `owner/repo:environment` → `GET …/environments/{env}/variables` (values dropped).
    pub env_variables: BTreeMap<String, Vec<Value>>,
    /// repo → `GET /repos/{owner}/{repo}/hooks`.
    pub hooks: BTreeMap<String, Vec<Value>>,
    /// `GET /orgs/{org}/hooks`.
    pub org_hooks: Vec<Value>,
    /// `GET /orgs/{org}/installations` (`installations`).
    pub installations: Vec<Value>,
    /// installation id → `GET /user/installations/{installation_id}/repositories`, for
    /// installations with `repository_selection: selected` (a user access token that can see the
    /// installation; what the user has no explicit access to is not listed).
    pub installation_repos: BTreeMap<String, Vec<Value>>,
    /// `GET /orgs/{org}/personal-access-tokens` (needs a GitHub App token).
    pub pats: Vec<Value>,
    /// PAT grant id → `GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories`, for grants
    /// with `repository_selection: subset`.
    pub pat_repos: BTreeMap<String, Vec<Value>>,
    /// `GET /orgs/{org}/credential-authorizations` (Enterprise Cloud with SAML SSO).
    pub credential_authorizations: Vec<Value>,
    /// GraphQL `organization.samlIdentityProvider.externalIdentities`: which SAML `nameId`
    /// (what the IdP sends, and names the account by) is linked to which GitHub user. REST has no
    /// such list.
    pub external_identities: Vec<Value>,
    /// Endpoints that answered 403 or 404: skipped, with why.
    pub unavailable: Vec<Unavailable>,
}

impl GithubRaw {
    /// API objects read (the admin lookup and `org_info` are not records).
    pub fn records(&self) -> usize {
        let lists = [
            &self.members,
            &self.outside,
            &self.teams,
            &self.repos,
            &self.org_hooks,
            &self.installations,
            &self.pats,
            &self.credential_authorizations,
            &self.external_identities,
            &self.org_secrets,
            &self.org_variables,
        ];
        let maps = [
            &self.team_members,
            &self.collaborators,
            &self.repo_teams,
            &self.deploy_keys,
            &self.secrets,
            &self.variables,
            &self.hooks,
            &self.pat_repos,
            &self.org_secret_repos,
            &self.org_variable_repos,
            &self.environments,
            &self.env_secrets,
            &self.env_variables,
            &self.installation_repos,
        ];
        lists.iter().map(|l| l.len()).sum::<usize>()
            + maps
                .iter()
                .flat_map(|m| m.values())
                .map(Vec::len)
                .sum::<usize>()
    }
}

// ------------------------------------------------------------------------------------------------
// Fetch

/// Why an optional endpoint may refuse, by its path: the reason written to the accounting.
fn unavailable_reason(path: &str) -> &'static str {
    if path.contains("/credential-authorizations") {
        "not available (needs GitHub Enterprise Cloud with SAML SSO and an owner's token with read:org)"
    } else if path.contains("/personal-access-tokens") {
        "not available (needs a GitHub App token with the organization permission \"Personal access tokens: read\")"
    } else if path.starts_with("/user/installations/") {
        "not available (GitHub answers it to a user access token that can see the installation, \
         listing the repositories that user can access: an org owner's user access token of the \
         GitHub App gives them all)"
    } else if path.contains("/installations") {
        "not available (needs an owner's token with read:org)"
    } else if path.contains("/hooks") {
        "not available (needs admin:org_hook / admin:repo_hook, or repository admin)"
    } else if path.starts_with("/orgs/") && path.contains("/actions/") {
        "not available (needs admin:org, or the organization Secrets / Variables read permission)"
    } else if path.contains("/actions/") || path.contains("/environments/") {
        "not available (needs repository admin, or the Secrets / Variables read permission)"
    } else if path.contains("/environments") {
        "not available (needs repo, or the repository Environments read permission)"
    } else if path.contains("/keys") {
        "not available (needs repository admin, or the Administration read permission)"
    } else {
        "not available (the token lacks a scope for it)"
    }
}

/// A refusal (403) or an endpoint the org does not have (404, 410): skipped, not a failure.
fn is_unavailable(e: &FetchError) -> bool {
    match e {
        FetchError::Forbidden { .. } => true,
        FetchError::Status { status, .. } => matches!(status, 404 | 410),
        _ => false,
    }
}

/// One paginated list. `optional` lists that refuse are [`Unavailable`]; other failures are
/// problems (the collection is incomplete); a rejected credential stops everything.
async fn list(
    client: &Client,
    progress: &Progress,
    raw: &mut GithubRaw,
    problems: &mut Vec<String>,
    path: &str,
    items_at: Option<&str>,
    optional: bool,
) -> Result<Vec<Value>, FetchError> {
    let what = format!("GET {}", path.split('?').next().unwrap_or(path));
    progress.step(&what);
    let r = match items_at {
        Some(k) => http::get_all_at(client, path, Paging::LinkHeader, k, |n| progress.add(n)).await,
        None => {
            client
                .get_all(path, Paging::LinkHeader, |n| progress.add(n))
                .await
        }
    };
    match r {
        Ok(v) => Ok(v),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) if optional && is_unavailable(&e) => {
            raw.unavailable.push(Unavailable {
                endpoint: what,
                reason: unavailable_reason(path).to_string(),
            });
            Ok(Vec::new())
        }
        Err(e) => {
            problems.push(format!("{what}: {}", http::one_line(&e)));
            Ok(Vec::new())
        }
    }
}

/// One request per repository (or team, or grant), concurrently; refusals are [`Unavailable`]
/// per request, other failures one problem for the endpoint.
async fn per_item(
    client: &Client,
    progress: &Progress,
    raw: &mut GithubRaw,
    problems: &mut Vec<String>,
    what: &str,
    jobs: Vec<(String, String)>,
    items_at: Option<&'static str>,
) -> Result<BTreeMap<String, Vec<Value>>, FetchError> {
    let total = jobs.len();
    let paths: HashMap<String, String> = jobs.iter().cloned().collect();
    let answers =
        http::fan_out_each(client, Paging::LinkHeader, items_at, progress, what, jobs).await?;
    let mut out = BTreeMap::new();
    let mut failed = Vec::new();
    for (key, r) in answers {
        match r {
            Ok(items) => {
                out.insert(key, items);
            }
            Err(e) if is_unavailable(&e) => {
                let path = paths.get(&key).cloned().unwrap_or_default();
                raw.unavailable.push(Unavailable {
                    endpoint: format!("GET {}", path.split('?').next().unwrap_or(&path)),
                    reason: unavailable_reason(&path).to_string(),
                });
            }
            Err(e) => failed.push(http::one_line(&e)),
        }
    }
    if !failed.is_empty() {
        failed.sort();
        problems.push(format!(
            "{what}: {} of {total} request(s) failed; first: {}",
            failed.len(),
            failed[0]
        ));
    }
    Ok(out)
}

/// Reads everything [`transform`] needs, in dependency order (teams before their members, repos
/// before their collaborators).
pub async fn fetch(
    client: &Client,
    org: &str,
    progress: &Progress,
) -> Result<(GithubRaw, Vec<String>), FetchError> {
    let mut raw = GithubRaw {
        org: org.to_string(),
        ..Default::default()
    };
    let mut problems = Vec::new();
    let p = &mut problems;
    let o = http::urlencode(org);

    // The organization and its members are what everything else hangs on: a refusal there (or
    // an org GitHub will not show this token: a 404) stops the run, naming the variable and scope.
    progress.step("GET /orgs/{org}");
    match client.get(&format!("/orgs/{o}"), Paging::None).await {
        Ok(page) => raw.org_info = Some(page.body),
        Err(FetchError::Status {
            url, status: 404, ..
        }) => {
            return Err(FetchError::Refused {
                url,
                detail: format!(": Not Found (no organization {org}, or the token cannot see it)"),
                credential: CREDENTIAL_ENV.into(),
                scope: ESSENTIAL_SCOPE.into(),
            })
        }
        Err(e) => {
            let e = e.essential(CREDENTIAL_ENV, ESSENTIAL_SCOPE);
            if e.is_fatal() {
                return Err(e);
            }
            p.push(format!("GET /orgs/{org}: {}", http::one_line(&e)));
        }
    }
    progress.step("GET /orgs/{org}/members");
    let members_path = format!("/orgs/{o}/members?per_page=100");
    match client
        .get_all(&members_path, Paging::LinkHeader, |n| progress.add(n))
        .await
    {
        Ok(v) => raw.members = v,
        Err(e) => {
            let e = e.essential(CREDENTIAL_ENV, ESSENTIAL_SCOPE);
            if e.is_fatal() {
                return Err(e);
            }
            p.push(format!("GET /orgs/{org}/members: {}", http::one_line(&e)));
        }
    }
    let r = &mut raw;
    r.admins = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/members?role=admin&per_page=100"),
        None,
        false,
    )
    .await?;
    r.outside = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/outside_collaborators?per_page=100"),
        None,
        true,
    )
    .await?;
    r.teams = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/teams?per_page=100"),
        None,
        false,
    )
    .await?;
    let jobs = r
        .teams
        .iter()
        .filter_map(|t| s(t, "/slug"))
        .map(|slug| {
            (
                slug.to_string(),
                format!(
                    "/orgs/{o}/teams/{}/members?per_page=100",
                    http::urlencode(slug)
                ),
            )
        })
        .collect();
    r.team_members = per_item(
        client,
        progress,
        r,
        p,
        "team members (GET /orgs/{org}/teams/{team_slug}/members)",
        jobs,
        None,
    )
    .await?;
    r.repos = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/repos?type=all&per_page=100"),
        None,
        false,
    )
    .await?;
    let names: Vec<String> = r
        .repos
        .iter()
        .filter_map(|x| s(x, "/full_name"))
        .map(str::to_string)
        .collect();
    let jobs = |suffix: &str| -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.clone(), format!("/repos/{n}/{suffix}")))
            .collect()
    };
    r.collaborators = per_item(
        client,
        progress,
        r,
        p,
        "collaborators (GET /repos/{owner}/{repo}/collaborators)",
        jobs("collaborators?affiliation=direct&per_page=100"),
        None,
    )
    .await?;
    r.repo_teams = per_item(
        client,
        progress,
        r,
        p,
        "teams (GET /repos/{owner}/{repo}/teams)",
        jobs("teams?per_page=100"),
        None,
    )
    .await?;
    let mut keys = per_item(
        client,
        progress,
        r,
        p,
        "deploy keys (GET /repos/{owner}/{repo}/keys)",
        jobs("keys?per_page=100"),
        None,
    )
    .await?;
    // The public key text is not needed and not kept.
    for k in keys.values_mut().flatten() {
        if let Some(o) = k.as_object_mut() {
            o.remove("key");
        }
    }
    r.deploy_keys = keys;
    r.secrets = per_item(
        client,
        progress,
        r,
        p,
        "Actions secrets (GET /repos/{owner}/{repo}/actions/secrets)",
        jobs("actions/secrets?per_page=100"),
        Some("secrets"),
    )
    .await?;
    let mut vars = per_item(
        client,
        progress,
        r,
        p,
        "Actions variables (GET /repos/{owner}/{repo}/actions/variables)",
        jobs("actions/variables?per_page=30"),
        Some("variables"),
    )
    .await?;
    // Variables are not secrets, but their values are not heir's business either.
    for v in vars.values_mut().flatten() {
        if let Some(o) = v.as_object_mut() {
            o.remove("value");
        }
    }
    r.variables = vars;
    fetch_org_actions(client, progress, r, p, &o).await?;
    fetch_environments(client, progress, r, p, &names).await?;
    r.hooks = per_item(
        client,
        progress,
        r,
        p,
        "webhooks (GET /repos/{owner}/{repo}/hooks)",
        jobs("hooks?per_page=100"),
        None,
    )
    .await?;
    r.org_hooks = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/hooks?per_page=100"),
        None,
        true,
    )
    .await?;
    r.installations = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/installations?per_page=100"),
        Some("installations"),
        true,
    )
    .await?;
    // A `selected` installation lists its repositories only to a user access token that can
    // see it; a refusal leaves the installation's reach unknown, said in the source's limits.
    let jobs = r
        .installations
        .iter()
        .filter(|i| s(i, "/repository_selection") == Some("selected"))
        .filter_map(|i| i.get("id").and_then(Value::as_u64))
        .map(|id| {
            (
                id.to_string(),
                format!("/user/installations/{id}/repositories?per_page=100"),
            )
        })
        .collect();
    r.installation_repos = per_item(
        client,
        progress,
        r,
        p,
        "installation repositories (GET /user/installations/{installation_id}/repositories)",
        jobs,
        Some("repositories"),
    )
    .await?;
    r.pats = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/personal-access-tokens?per_page=100"),
        None,
        true,
    )
    .await?;
    let jobs = r
        .pats
        .iter()
        .filter(|g| s(g, "/repository_selection") == Some("subset"))
        .filter_map(|g| g.get("id").and_then(Value::as_u64))
        .map(|id| {
            (
                id.to_string(),
                format!("/orgs/{o}/personal-access-tokens/{id}/repositories?per_page=100"),
            )
        })
        .collect();
    r.pat_repos = per_item(
        client,
        progress,
        r,
        p,
        "PAT repositories (GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories)",
        jobs,
        None,
    )
    .await?;
    r.credential_authorizations = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/credential-authorizations?per_page=100"),
        None,
        true,
    )
    .await?;
    progress.step("SAML identities (POST /graphql)");
    match saml_identities(client, org).await {
        Ok(Ok(v)) => r.external_identities = v,
        Ok(Err(reason)) => r.unavailable.push(Unavailable {
            endpoint: "POST /graphql (organization.samlIdentityProvider.externalIdentities)".into(),
            reason,
        }),
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) if is_unavailable(&e) => r.unavailable.push(Unavailable {
            endpoint: "POST /graphql (organization.samlIdentityProvider.externalIdentities)".into(),
            reason: SAML_UNAVAILABLE.into(),
        }),
        Err(e) => p.push(format!(
            "SAML identities (POST /graphql): {}",
            http::one_line(&e)
        )),
    }
    // Webhook configs may carry a secret; only the receiving host is kept (see transform).
    for h in r.hooks.values_mut().flatten().chain(r.org_hooks.iter_mut()) {
        if let Some(c) = h.get_mut("config").and_then(Value::as_object_mut) {
            c.remove("secret");
        }
    }
    Ok((raw, problems))
}

/// Organization Actions secrets and variables (names and visibility, never values), and the
/// repositories of those shared with `selected` repositories.
async fn fetch_org_actions(
    client: &Client,
    progress: &Progress,
    r: &mut GithubRaw,
    p: &mut Vec<String>,
    o: &str,
) -> Result<(), FetchError> {
    r.org_secrets = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/actions/secrets?per_page=100"),
        Some("secrets"),
        true,
    )
    .await?;
    let selected = |items: &[Value], what: &str| -> Vec<(String, String)> {
        items
            .iter()
            .filter(|x| s(x, "/visibility") == Some("selected"))
            .filter_map(|x| s(x, "/name"))
            .map(|n| {
                (
                    n.to_string(),
                    format!(
                        "/orgs/{o}/actions/{what}/{}/repositories?per_page=100",
                        http::urlencode(n)
                    ),
                )
            })
            .collect()
    };
    let jobs = selected(&r.org_secrets, "secrets");
    r.org_secret_repos = per_item(
        client,
        progress,
        r,
        p,
        "org secret repositories (GET /orgs/{org}/actions/secrets/{secret_name}/repositories)",
        jobs,
        Some("repositories"),
    )
    .await?;
    let mut vars = list(
        client,
        progress,
        r,
        p,
        &format!("/orgs/{o}/actions/variables?per_page=30"),
        Some("variables"),
        true,
    )
    .await?;
    for v in &mut vars {
        if let Some(m) = v.as_object_mut() {
            m.remove("value");
        }
    }
    r.org_variables = vars;
    let jobs = selected(&r.org_variables, "variables");
    r.org_variable_repos = per_item(
        client,
        progress,
        r,
        p,
        "org variable repositories (GET /orgs/{org}/actions/variables/{name}/repositories)",
        jobs,
        Some("repositories"),
    )
    .await?;
    Ok(())
}

/// Each repository's deployment environments, then each environment's secrets and variables
/// (names only), keyed `owner/repo:environment` (a repository name has no `:`).
async fn fetch_environments(
    client: &Client,
    progress: &Progress,
    r: &mut GithubRaw,
    p: &mut Vec<String>,
    repos: &[String],
) -> Result<(), FetchError> {
    let jobs = repos
        .iter()
        .map(|n| (n.clone(), format!("/repos/{n}/environments?per_page=100")))
        .collect();
    r.environments = per_item(
        client,
        progress,
        r,
        p,
        "environments (GET /repos/{owner}/{repo}/environments)",
        jobs,
        Some("environments"),
    )
    .await?;
    let envs: Vec<(String, String)> = r
        .environments
        .iter()
        .flat_map(|(repo, list)| {
            list.iter()
                .filter_map(|e| s(e, "/name"))
                .map(move |e| (repo.clone(), e.to_string()))
        })
        .collect();
    let jobs = |what: &str, per_page: u32| -> Vec<(String, String)> {
        envs.iter()
            .map(|(repo, env)| {
                (
                    format!("{repo}:{env}"),
                    format!(
                        "/repos/{repo}/environments/{}/{what}?per_page={per_page}",
                        http::urlencode(env)
                    ),
                )
            })
            .collect()
    };
    r.env_secrets = per_item(
        client,
        progress,
        r,
        p,
        "environment secrets (GET /repos/{owner}/{repo}/environments/{environment_name}/secrets)",
        jobs("secrets", 100),
        Some("secrets"),
    )
    .await?;
    let mut vars = per_item(
        client,
        progress,
        r,
        p,
        "environment variables (GET /repos/{owner}/{repo}/environments/{environment_name}/variables)",
        jobs("variables", 30),
        Some("variables"),
    )
    .await?;
    for v in vars.values_mut().flatten() {
        if let Some(m) = v.as_object_mut() {
            m.remove("value");
        }
    }
    r.env_variables = vars;
    Ok(())
}

/// What the organization and its members need: named when GitHub refuses them.
const ESSENTIAL_SCOPE: &str =
    "read:org (a classic PAT of an organization owner, or a GitHub App with Members: read)";

const SAML_UNAVAILABLE: &str =
    "not available (needs GitHub Enterprise Cloud with SAML SSO and an owner's token with read:org)";

/// The GraphQL endpoint beside a REST base: `https://api.github.com/graphql`, or for GitHub
/// Enterprise Server `https://HOST/api/graphql` next to `https://HOST/api/v3`.
pub fn graphql_url(rest_base: &str) -> String {
    let base = rest_base.trim_end_matches('/');
    match base.strip_suffix("/v3") {
        Some(api) if api.ends_with("/api") => format!("{api}/graphql"),
        _ => format!("{base}/graphql"),
    }
}

/// Every SAML external identity of the org, 100 a page by GraphQL cursor. `Ok(Err(reason))`: the
/// org has no SAML identity provider, or GraphQL refused (its errors come with HTTP 200).
async fn saml_identities(
    client: &Client,
    org: &str,
) -> Result<Result<Vec<Value>, String>, FetchError> {
    const QUERY: &str = "query($org: String!, $cursor: String) { organization(login: $org) { \
        samlIdentityProvider { externalIdentities(first: 100, after: $cursor) { \
        pageInfo { hasNextPage endCursor } \
        nodes { guid samlIdentity { nameId } user { login databaseId } } } } } }";
    let url = graphql_url(&client.url(""));
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100_000 {
        let body = serde_json::json!({"query": QUERY, "variables": {"org": org, "cursor": cursor}});
        let page = client.post_json(&url, &body).await?.body;
        if let Some(errors) = page
            .get("errors")
            .and_then(Value::as_array)
            .filter(|e| !e.is_empty())
        {
            let kind = errors
                .iter()
                .filter_map(|e| s(e, "/type").or_else(|| s(e, "/message")))
                .next()
                .unwrap_or("error");
            return Ok(Err(format!(
                "not available (GraphQL refused: {}; needs GitHub Enterprise Cloud with SAML SSO \
                 and an owner's token with read:org)",
                http::redact(kind)
            )));
        }
        let Some(org_v) = page.pointer("/data/organization") else {
            return Err(FetchError::Malformed {
                url,
                detail: "no `data.organization` in the GraphQL answer".into(),
            });
        };
        let Some(ids) = org_v
            .get("samlIdentityProvider")
            .filter(|v| !v.is_null())
            .and_then(|p| p.get("externalIdentities"))
        else {
            return Ok(Err(
                "not available (the organization has no SAML SSO)".into()
            ));
        };
        let nodes =
            ids.get("nodes")
                .and_then(Value::as_array)
                .ok_or_else(|| FetchError::Malformed {
                    url: url.clone(),
                    detail: "`externalIdentities.nodes` is not an array".into(),
                })?;
        out.extend(nodes.iter().cloned());
        let next = ids
            .pointer("/pageInfo/hasNextPage")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let end = s(ids, "/pageInfo/endCursor").map(str::to_string);
        if !next || end.is_none() || end == cursor {
            break;
        }
        cursor = end;
    }
    Ok(Ok(out))
}

/// An API client: GitHub's media type and API version on every request, its rate-limit answers
/// understood ([`Dialect::GitHub`]).
pub fn client(api_url: &str, token: String, policy: Policy) -> Result<Client, FetchError> {
    Client::new(api_url, Auth::Bearer(token), CREDENTIAL_ENV, policy)
        .map(|c| {
            c.dialect(Dialect::GitHub)
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", "2022-11-28")
        })
        .map_err(|e| FetchError::Transport {
            url: api_url.to_string(),
            detail: e,
        })
}
