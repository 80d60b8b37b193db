//! Credentials (an access token, or a JWT signed with a service-account key) and the live
//! Admin SDK, Reports and Gmail calls: the raw pages of every endpoint ([`GoogleRaw`]), unreshaped.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::*;
use crate::collect::http::{self, Auth, Client, Dialect, FetchError, Paging, Policy};
use crate::collect::json::s;
use crate::collect::Progress;
use crate::error::HeirError;
use crate::model::Timestamp;

/// An endpoint this tenant or credential does not have: skipped with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub endpoint: String,
    pub reason: String,
}

/// One mailbox's Gmail settings (`--mail-settings`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MailSettings {
    /// `GET /gmail/v1/users/{user}/settings/forwardingAddresses` (`forwardingAddresses`).
    pub forwarding_addresses: Vec<Value>,
    /// `GET /gmail/v1/users/{user}/settings/autoForwarding`.
    pub auto_forwarding: Option<Value>,
    /// `GET /gmail/v1/users/{user}/settings/filters` (`filter`).
    pub filters: Vec<Value>,
}

/// The raw pages of every endpoint read. Map keys are user ids (tokens, ASPs), group ids
/// (members) and primary emails (mail settings).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoogleRaw {
    /// `--customer` (`my_customer` by default); the tenant id is the users' `customerId`.
    pub customer: String,
    /// `GET /admin/directory/v1/users?customer=…&projection=full` (`users`).
    pub users: Vec<Value>,
    /// `GET /admin/directory/v1/groups?customer=…` (`groups`).
    pub groups: Vec<Value>,
    /// group id → `GET /admin/directory/v1/groups/{id}/members` (`members`).
    pub members: BTreeMap<String, Vec<Value>>,
    /// `GET /admin/directory/v1/customer/{c}/roles` (`items`): a lookup table, counted as used.
    pub roles: Vec<Value>,
    /// `GET /admin/directory/v1/customer/{c}/roleassignments` (`items`).
    pub role_assignments: Vec<Value>,
    /// user id → `GET /admin/directory/v1/users/{id}/tokens` (`items`).
    pub tokens: BTreeMap<String, Vec<Value>>,
    /// user id → `GET /admin/directory/v1/users/{id}/asps` (`items`).
    pub asps: BTreeMap<String, Vec<Value>>,
    /// primary email → Gmail settings (`--mail-settings`).
    pub mail: BTreeMap<String, MailSettings>,
    /// `GET /admin/reports/v1/activity/users/all/applications/token?startTime=…` (`items`).
    pub token_activities: Vec<Value>,
    /// `GET /admin/reports/v1/activity/users/all/applications/login?startTime=…` (`items`).
    pub login_activities: Vec<Value>,
    pub unavailable: Vec<Unavailable>,
}

impl GoogleRaw {
    pub fn records(&self) -> usize {
        let maps = [&self.members, &self.tokens, &self.asps];
        let mail: usize = self
            .mail
            .values()
            .map(|m| {
                m.forwarding_addresses.len()
                    + m.filters.len()
                    + usize::from(m.auto_forwarding.is_some())
            })
            .sum();
        self.users.len()
            + self.groups.len()
            + self.roles.len()
            + self.role_assignments.len()
            + self.token_activities.len()
            + self.login_activities.len()
            + mail
            + maps
                .iter()
                .flat_map(|m| m.values())
                .map(Vec::len)
                .sum::<usize>()
    }
}

// ------------------------------------------------------------------------------------------------
// Credentials: an access token, or a JWT signed with a service-account key

/// How heir authenticates to Google.
#[derive(Clone)]
pub enum Credential {
    Token(String),
    /// A service-account key for domain-wide delegation; `subject` is the admin to act as.
    ServiceAccount {
        key: ServiceAccountKey,
        subject: String,
    },
}

/// The fields of a service-account key file heir uses. `Debug` hides the key.
#[derive(Clone)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub key_id: Option<String>,
    pub token_uri: String,
    /// The RSA private key, ready to sign (jsonwebtoken reads the file's PKCS#8 PEM).
    key: jsonwebtoken::EncodingKey,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceAccountKey({}, <redacted>)", self.client_email)
    }
}

impl ServiceAccountKey {
    /// Reads a key file's JSON. Errors name the field, never a value of the key.
    pub fn parse(text: &str) -> Result<ServiceAccountKey, String> {
        let v: Value = serde_json::from_str(text)
            .map_err(|_| "it is not a JSON service-account key file".to_string())?;
        if s(&v, "/type").is_some_and(|t| t != "service_account") {
            return Err("its `type` is not `service_account`".into());
        }
        let email = s(&v, "/client_email").ok_or("it has no `client_email`")?;
        let pem = s(&v, "/private_key").ok_or("it has no `private_key`")?;
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|_| "its `private_key` is not a PKCS#8 RSA private key in PEM".to_string())?;
        Ok(ServiceAccountKey {
            client_email: email.to_string(),
            key_id: s(&v, "/private_key_id").map(str::to_string),
            token_uri: s(&v, "/token_uri")
                .unwrap_or("https://oauth2.googleapis.com/token")
                .to_string(),
            key,
        })
    }

    /// The signed JWT assertion of RFC 7523 that Google exchanges for an access token acting as
    /// `subject` (domain-wide delegation) with `scopes`, valid one hour from `now`.
    pub fn assertion(
        &self,
        subject: &str,
        scopes: &[&str],
        now: Timestamp,
    ) -> Result<String, String> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = self.key_id.clone();
        let iat = now.as_millis() / 1000;
        let claims = serde_json::json!({
            "iss": self.client_email, "sub": subject, "scope": scopes.join(" "),
            "aud": self.token_uri, "iat": iat, "exp": iat + 3600,
        });
        // Signing fails only for a key ring refuses (e.g. too short); the key was parsed already.
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|_| {
            "signing the JWT assertion with the service-account key failed".to_string()
        })
    }

    /// An access token acting as `subject`.
    pub async fn token(
        &self,
        subject: &str,
        scopes: &[&str],
        policy: &Policy,
    ) -> Result<String, FetchError> {
        let jwt = self
            .assertion(subject, scopes, Timestamp::now())
            .map_err(|detail| FetchError::Transport {
                url: self.token_uri.clone(),
                detail,
            })?;
        let credential = format!("{KEY_ENV} (and --subject, domain-wide delegation)");
        let body = http::post_form(
            policy,
            &self.token_uri,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &jwt),
            ],
            &credential,
        )
        .await?;
        body.get("access_token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or(FetchError::Malformed {
                url: self.token_uri.clone(),
                detail: "the token response has no `access_token`".into(),
            })
    }
}

/// The credential from the environment: `GOOGLE_ACCESS_TOKEN` first, else the key file with
/// `--subject`. Errors name the variables, never a value.
pub fn credential_from_env(subject: Option<&str>) -> Result<Credential, HeirError> {
    if let Ok(t) = std::env::var(TOKEN_ENV) {
        if !t.trim().is_empty() {
            return Ok(Credential::Token(t));
        }
    }
    let Some(path) = std::env::var_os(KEY_ENV).filter(|p| !p.is_empty()) else {
        return Err(HeirError::Environment(format!(
            "neither {TOKEN_ENV} nor {KEY_ENV} is set\n  fix: export {TOKEN_ENV}=… (an admin's \
             OAuth token), or {KEY_ENV}=key.json with --subject admin@your-domain (domain-wide \
             delegation; see docs/collectors/google.md)"
        )));
    };
    let Some(subject) = subject else {
        return Err(HeirError::Usage(format!(
            "{KEY_ENV} is set: domain-wide delegation needs --subject ADMIN_EMAIL (the admin heir \
             acts as)"
        )));
    };
    let path = PathBuf::from(path);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        HeirError::Environment(format!("{KEY_ENV}: cannot read {}: {e}", path.display()))
    })?;
    let key = ServiceAccountKey::parse(&text).map_err(|why| {
        HeirError::Environment(format!(
            "{KEY_ENV}: {} cannot be used: {why}\n  fix: download a JSON key of the service \
             account (IAM > Service accounts > Keys)",
            path.display()
        ))
    })?;
    Ok(Credential::ServiceAccount {
        key,
        subject: subject.to_string(),
    })
}

// ------------------------------------------------------------------------------------------------
// Fetch

/// What heir is asked to read besides the directory.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub customer: String,
    pub api_url: String,
    pub gmail_api_url: String,
    pub mail_settings: bool,
    pub since: Option<Timestamp>,
}

fn is_unavailable(e: &FetchError) -> bool {
    match e {
        FetchError::Forbidden { .. } => true,
        FetchError::Status { status, .. } => matches!(status, 400 | 404 | 412),
        _ => false,
    }
}

async fn list(
    client: &Client,
    progress: &Progress,
    raw: &mut GoogleRaw,
    problems: &mut Vec<String>,
    path: &str,
    key: &str,
    optional: Option<&str>,
) -> Result<Vec<Value>, FetchError> {
    let what = format!("GET {}", path.split('?').next().unwrap_or(path));
    progress.step(&what);
    match http::get_all_at(client, path, Paging::PageToken, key, |n| progress.add(n)).await {
        Ok(v) => Ok(v),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) if optional.is_some() && is_unavailable(&e) => {
            raw.unavailable.push(Unavailable {
                endpoint: what,
                reason: format!("not available ({})", optional.unwrap_or_default()),
            });
            Ok(Vec::new())
        }
        Err(e) => {
            problems.push(format!("{what}: {}", http::one_line(&e)));
            Ok(Vec::new())
        }
    }
}

/// One request per user (or group), concurrently; refusals are unavailable, other failures one
/// problem per endpoint.
#[allow(clippy::too_many_arguments)]
async fn per_item(
    client: &Client,
    progress: &Progress,
    raw: &mut GoogleRaw,
    problems: &mut Vec<String>,
    what: &str,
    jobs: Vec<(String, String)>,
    key: &'static str,
    reason: &str,
) -> Result<BTreeMap<String, Vec<Value>>, FetchError> {
    let total = jobs.len();
    let answers =
        http::fan_out_each(client, Paging::PageToken, Some(key), progress, what, jobs).await?;
    let mut out = BTreeMap::new();
    let mut failed = Vec::new();
    let mut refused = 0usize;
    for (k, r) in answers {
        match r {
            Ok(items) => {
                out.insert(k, items);
            }
            Err(e) if is_unavailable(&e) => refused += 1,
            Err(e) => failed.push(http::one_line(&e)),
        }
    }
    if refused > 0 {
        raw.unavailable.push(Unavailable {
            endpoint: format!("{what} ({refused} of {total})"),
            reason: format!("not available ({reason})"),
        });
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

/// The Gmail settings of one mailbox, read as its user.
async fn mail_of(client: &Client, user: &str) -> Result<MailSettings, FetchError> {
    let u = http::urlencode(user);
    let base = format!("/gmail/v1/users/{u}/settings");
    let fwd = http::get_all_at(
        client,
        &format!("{base}/forwardingAddresses"),
        Paging::None,
        "forwardingAddresses",
        |_| {},
    )
    .await?;
    let auto = client
        .get(&format!("{base}/autoForwarding"), Paging::None)
        .await?
        .body;
    let filters = http::get_all_at(
        client,
        &format!("{base}/filters"),
        Paging::None,
        "filter",
        |_| {},
    )
    .await?;
    Ok(MailSettings {
        forwarding_addresses: fwd,
        auto_forwarding: Some(auto),
        filters,
    })
}

/// Reads everything [`transform`] needs. `cred` is used as is for the Admin SDK (a key file has
/// already been exchanged for the admin's token in `client`); a key file also lets
/// `--mail-settings` act as each user.
pub async fn fetch(
    client: &Client,
    cred: &Credential,
    o: &Options,
    policy: &Policy,
    progress: &Progress,
) -> Result<(GoogleRaw, Vec<String>), FetchError> {
    let mut raw = GoogleRaw {
        customer: o.customer.clone(),
        ..Default::default()
    };
    let mut problems = Vec::new();
    let p = &mut problems;
    let r = &mut raw;
    let c = http::urlencode(&o.customer);
    let d = DIRECTORY;
    // The users are what everything else hangs on: a refusal stops the run, naming the scope.
    progress.step("GET /admin/directory/v1/users");
    let users = format!("{d}/users?customer={c}&maxResults=500&projection=full");
    match http::get_all_at(client, &users, Paging::PageToken, "users", |n| {
        progress.add(n)
    })
    .await
    {
        Ok(v) => r.users = v,
        Err(e) => {
            let e = e.essential(
                "GOOGLE_ACCESS_TOKEN or GOOGLE_APPLICATION_CREDENTIALS",
                "https://www.googleapis.com/auth/admin.directory.user.readonly and an admin role \
                 that reads users",
            );
            if e.is_fatal() {
                return Err(e);
            }
            p.push(format!(
                "GET /admin/directory/v1/users: {}",
                http::one_line(&e)
            ));
        }
    }
    r.groups = list(
        client,
        progress,
        r,
        p,
        &format!("{d}/groups?customer={c}&maxResults=200"),
        "groups",
        Some("needs admin.directory.group.readonly"),
    )
    .await?;
    let jobs = r
        .groups
        .iter()
        .filter_map(|g| s(g, "/id"))
        .map(|g| {
            (
                g.to_string(),
                format!("{d}/groups/{g}/members?maxResults=200"),
            )
        })
        .collect();
    r.members = per_item(
        client,
        progress,
        r,
        p,
        "group members (GET /admin/directory/v1/groups/{groupKey}/members)",
        jobs,
        "members",
        "needs admin.directory.group.readonly",
    )
    .await?;
    r.roles = list(
        client,
        progress,
        r,
        p,
        &format!("{d}/customer/{c}/roles?maxResults=100"),
        "items",
        Some("needs admin.directory.rolemanagement.readonly"),
    )
    .await?;
    r.role_assignments = list(
        client,
        progress,
        r,
        p,
        &format!("{d}/customer/{c}/roleassignments?maxResults=200"),
        "items",
        Some("needs admin.directory.rolemanagement.readonly"),
    )
    .await?;
    let ids: Vec<String> = r
        .users
        .iter()
        .filter_map(|u| s(u, "/id"))
        .map(str::to_string)
        .collect();
    let jobs = |suffix: &str| -> Vec<(String, String)> {
        ids.iter()
            .map(|u| (u.clone(), format!("{d}/users/{u}/{suffix}")))
            .collect()
    };
    r.tokens = per_item(
        client,
        progress,
        r,
        p,
        "OAuth tokens (GET /admin/directory/v1/users/{userKey}/tokens)",
        jobs("tokens"),
        "items",
        "needs admin.directory.user.security",
    )
    .await?;
    r.asps = per_item(
        client,
        progress,
        r,
        p,
        "app-specific passwords (GET /admin/directory/v1/users/{userKey}/asps)",
        jobs("asps"),
        "items",
        "needs admin.directory.user.security",
    )
    .await?;

    if let Some(since) = o.since {
        let t = http::urlencode(&since.to_string());
        for (app, into) in [("token", 0), ("login", 1)] {
            let path = format!("/admin/reports/v1/activity/users/all/applications/{app}?startTime={t}&maxResults=1000");
            let items = list(
                client,
                progress,
                r,
                p,
                &path,
                "items",
                Some("needs admin.reports.audit.readonly"),
            )
            .await?;
            if into == 0 {
                r.token_activities = items;
            } else {
                r.login_activities = items;
            }
        }
    }

    if o.mail_settings {
        match cred {
            Credential::Token(_) => r.unavailable.push(Unavailable {
                endpoint: "Gmail settings (--mail-settings)".into(),
                reason: format!(
                    "not available (reading another user's Gmail settings needs domain-wide \
                     delegation: a service-account key in {KEY_ENV})"
                ),
            }),
            Credential::ServiceAccount { key, .. } => {
                progress.step("Gmail settings (GET /gmail/v1/users/{user}/settings/…)");
                let emails: Vec<String> = r
                    .users
                    .iter()
                    .filter(|u| s(u, "/id").is_some())
                    .filter(|u| u.get("suspended").and_then(Value::as_bool) != Some(true))
                    .filter_map(|u| s(u, "/primaryEmail"))
                    .map(str::to_string)
                    .collect();
                let total = emails.len();
                let mut set = tokio::task::JoinSet::new();
                let permits =
                    std::sync::Arc::new(tokio::sync::Semaphore::new(policy.concurrency.max(1)));
                for email in emails {
                    let (key, policy, base, permits) = (
                        key.clone(),
                        policy.clone(),
                        o.gmail_api_url.clone(),
                        permits.clone(),
                    );
                    set.spawn(async move {
                        let _permit = permits.acquire_owned().await;
                        let r = async {
                            let token = key.token(&email, &[GMAIL_SCOPE], &policy).await?;
                            let gmail =
                                Client::new(&base, Auth::Bearer(token), KEY_ENV, policy.clone())
                                    .map(|c| c.dialect(Dialect::Google))
                                    .map_err(|detail| FetchError::Transport {
                                        url: base.clone(),
                                        detail,
                                    })?;
                            mail_of(&gmail, &email).await
                        }
                        .await;
                        (email, r)
                    });
                }
                let mut failed = Vec::new();
                let mut refused = 0usize;
                while let Some(joined) = set.join_next().await {
                    let Ok((email, res)) = joined else {
                        failed.push("a request task failed".to_string());
                        continue;
                    };
                    match res {
                        Ok(m) => {
                            r.mail.insert(email, m);
                        }
                        // A user without Gmail, or a delegation without the Gmail scope.
                        Err(e)
                            if is_unavailable(&e)
                                || matches!(e, FetchError::Unauthorized { .. }) =>
                        {
                            refused += 1
                        }
                        Err(e) => failed.push(http::one_line(&e)),
                    }
                }
                if refused > 0 {
                    r.unavailable.push(Unavailable {
                        endpoint: format!("Gmail settings ({refused} of {total} mailboxes)"),
                        reason: format!(
                            "not available (the mailbox has no Gmail, or the delegation lacks {GMAIL_SCOPE})"
                        ),
                    });
                }
                if !failed.is_empty() {
                    failed.sort();
                    p.push(format!(
                        "Gmail settings: {} of {total} mailbox(es) failed; first: {}",
                        failed.len(),
                        failed[0]
                    ));
                }
            }
        }
    }
    Ok((raw, problems))
}

/// The Admin SDK client: the access token as given, or the admin's token minted from the key.
pub async fn client(cred: &Credential, o: &Options, policy: &Policy) -> Result<Client, FetchError> {
    let (token, var) = match cred {
        Credential::Token(t) => (t.clone(), TOKEN_ENV.to_string()),
        Credential::ServiceAccount { key, subject } => {
            let mut scopes = ADMIN_SCOPES.to_vec();
            if o.since.is_some() {
                scopes.push(REPORTS_SCOPE);
            }
            (
                key.token(subject, &scopes, policy).await?,
                format!("{KEY_ENV} (and --subject, domain-wide delegation)"),
            )
        }
    };
    Client::new(&o.api_url, Auth::Bearer(token), &var, policy.clone())
        .map(|c| c.dialect(Dialect::Google))
        .map_err(|detail| FetchError::Transport {
            url: o.api_url.clone(),
            detail,
        })
}
