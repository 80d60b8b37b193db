//! Google Workspace (Admin SDK Directory and Reports, Gmail settings): users and their admin
//! standing, groups and members, admin role assignments, the OAuth tokens each user granted
//! (`tokens.list`) and their application-specific passwords (`asps.list`); with `--mail-settings`
//! each mailbox's forwarding addresses, auto-forwarding and forwarding filters; with `--since T`
//! the Reports API's `token` and `login` activities since T.
//!
//! Fetch returns raw pages ([`GoogleRaw`]); [`transform`] is pure and tested offline. What is
//! read, the scopes it needs and what becomes which node and edge are in
//! `docs/collectors/google.md`.
//!
//! Credentials: `GOOGLE_ACCESS_TOKEN`, or a service-account key file in
//! `GOOGLE_APPLICATION_CREDENTIALS` used with domain-wide delegation (`--subject ADMIN`): heir
//! signs the RS256 JWT assertion itself with `ring` (already in the tree for the HTML reports'
//! hashes), so no JWT crate is added. Reading a user's Gmail settings needs a token *as that user*,
//! which only delegation can mint: `--mail-settings` needs the key file.
//!
//! Id conventions (what `analysis/mechanism/google.rs` reads back):
//! - `google:idp:<customer id>`: the Workspace tenant (super admins are `admin_of` it);
//! - `google:user:<numeric user id>` (a valid `userKey`; the primary email is the name);
//! - `google:group:<group id>`, `google:role:<role id>`;
//! - `google:app:<OAuth client id>`; `google:oauth_grant:<user id>/<client id>` (props `clientId`,
//!   `userKey`); `google:token:asp/<user id>/<codeId>` (props `codeId`, `userKey`);
//! - `google:resource:drive` (the tenant's Drive), `google:resource:mailbox/<primary email>`;
//! - `google:session:login-<uniqueQualifier>` (a `login_success` of the Reports API).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use base64::Engine as _;
use clap::Args as _;
use serde_json::Value;

use super::collector::{fetch_error, parse, Collector, Context};
use super::http::{self, Auth, Client, Dialect, FetchError, Paging, Policy};
use super::json::{add_alias, edge_with as edge, node_on, props, s, strings, ts};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::naming::{native, node_id, platform::GOOGLE};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, Timestamp, TokenType};

/// The source name written to the document.
pub const SOURCE: &str = "google";

/// An OAuth access token for the Admin SDK (never printed).
pub const TOKEN_ENV: &str = "GOOGLE_ACCESS_TOKEN";
/// A service-account key file for domain-wide delegation (the file's key is never printed).
pub const KEY_ENV: &str = "GOOGLE_APPLICATION_CREDENTIALS";

/// Where the Admin SDK lives; Gmail has its own host.
pub const DEFAULT_API: &str = "https://admin.googleapis.com";
pub const DEFAULT_GMAIL_API: &str = "https://gmail.googleapis.com";

const DIRECTORY: &str = "/admin/directory/v1";
const MISSING_ID: &str = "missing id";

/// Scopes asked for with domain-wide delegation: read-only where Google has one.
/// `admin.directory.user.security` is the only scope that lists tokens and ASPs (it can also
/// delete them: Google has no read-only variant).
pub const ADMIN_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly",
    "https://www.googleapis.com/auth/admin.directory.user.security",
];
/// Added with `--since`.
pub const REPORTS_SCOPE: &str = "https://www.googleapis.com/auth/admin.reports.audit.readonly";
/// Gmail settings, as each user: `gmail.settings.basic` reads filters and forwarding without
/// reading mail (`gmail.readonly` would read every message).
pub const GMAIL_SCOPE: &str = "https://www.googleapis.com/auth/gmail.settings.basic";

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
    /// PKCS#8 DER of the RSA private key.
    der: Vec<u8>,
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
        let b64: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .flat_map(|l| l.trim().chars())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| "its `private_key` is not PEM".to_string())?;
        ring::signature::RsaKeyPair::from_pkcs8(&der)
            .map_err(|_| "its `private_key` is not a PKCS#8 RSA key".to_string())?;
        Ok(ServiceAccountKey {
            client_email: email.to_string(),
            key_id: s(&v, "/private_key_id").map(str::to_string),
            token_uri: s(&v, "/token_uri")
                .unwrap_or("https://oauth2.googleapis.com/token")
                .to_string(),
            der,
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
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.key_id {
            header["kid"] = Value::from(kid.as_str());
        }
        let iat = now.as_millis() / 1000;
        let claims = serde_json::json!({
            "iss": self.client_email, "sub": subject, "scope": scopes.join(" "),
            "aud": self.token_uri, "iat": iat, "exp": iat + 3600,
        });
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let pair = ring::signature::RsaKeyPair::from_pkcs8(&self.der)
            .map_err(|_| "the service-account key is not a PKCS#8 RSA key".to_string())?;
        let mut sig = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            signing_input.as_bytes(),
            &mut sig,
        )
        .map_err(|_| "signing the JWT assertion failed".to_string())?;
        Ok(format!("{signing_input}.{}", b64(&sig)))
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

/// [`client`] + [`fetch`] + [`transform`].
pub async fn collect(
    cred: Credential,
    o: Options,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let client = client(&cred, &o, &policy).await?;
    let (raw, problems) = fetch(&client, &cred, &o, &policy, progress).await?;
    let mut c = transform(&raw);
    c.problems.extend(problems);
    progress.finish();
    Ok(c)
}

/// `heir collect google`.
pub struct Google;

#[derive(clap::Args, Debug)]
pub struct GoogleOpts {
    /// The Workspace customer id (default: the admin's own, my_customer).
    #[arg(long, value_name = "ID", default_value = "my_customer")]
    pub customer: String,
    /// With GOOGLE_APPLICATION_CREDENTIALS: the admin to act as (domain-wide delegation).
    #[arg(long, value_name = "ADMIN_EMAIL")]
    pub subject: Option<String>,
    /// Also read each mailbox's forwarding addresses, auto-forwarding and forwarding filters
    /// (needs domain-wide delegation).
    #[arg(long)]
    pub mail_settings: bool,
    /// Also read the Reports API's token and login activities since this time (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub since: Option<String>,
    /// The Admin SDK's scheme and host (paths such as /admin/directory/v1/users are kept).
    #[arg(long, value_name = "URL", default_value = DEFAULT_API)]
    pub api_url: String,
    /// The Gmail API's scheme and host, for --mail-settings.
    #[arg(long, value_name = "URL", default_value = DEFAULT_GMAIL_API)]
    pub gmail_api_url: String,
}

impl Collector for Google {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Google Workspace: users, groups, admin roles, OAuth grants, app passwords, mail forwarding"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        GoogleOpts::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: GoogleOpts = parse(args)?;
        let since = match &o.since {
            Some(t) => Some(Timestamp::parse(t).map_err(|e| {
                HeirError::Usage(format!(
                    "--since {t}: {e} (an RFC 3339 time, e.g. 2025-03-10T08:00:00Z)"
                ))
            })?),
            None => None,
        };
        let cred = credential_from_env(o.subject.as_deref())?;
        let opts = Options {
            customer: o.customer,
            api_url: o.api_url,
            gmail_api_url: o.gmail_api_url,
            mail_settings: o.mail_settings,
            since,
        };
        ctx.block_on(collect(cred, opts, ctx.policy.clone(), ctx.progress))
            .map_err(fetch_error)
    }
}

// ------------------------------------------------------------------------------------------------
// Transform

/// What a scope lets a grant reach: the tenant's Drive, the user's mailbox, the directory.
fn scope_targets(scope: &str) -> Option<&'static str> {
    let s = scope.trim_start_matches("https://www.googleapis.com/auth/");
    if s == "https://mail.google.com/" || s.starts_with("gmail.") {
        Some("mailbox")
    } else if s == "drive" || s.starts_with("drive.") || s.starts_with("docs") {
        Some("drive")
    } else if s.starts_with("admin.") || s.starts_with("apps.") {
        Some("directory")
    } else {
        None
    }
}

/// Reports API parameters by name: `value`, `boolValue`, `multiValue`.
fn param<'a>(event: &'a Value, name: &str) -> Option<&'a Value> {
    event
        .get("parameters")?
        .as_array()?
        .iter()
        .find(|p| s(p, "/name") == Some(name))
        .and_then(|p| {
            p.get("value")
                .or(p.get("boolValue"))
                .or(p.get("multiValue"))
        })
}

/// The domain of an address, lowercase.
fn domain(addr: &str) -> Option<String> {
    addr.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
}

/// ASP times: int64 milliseconds as JSON strings; `0` means never.
fn asp_time(v: &Value, ptr: &str) -> Option<Timestamp> {
    let ms = match v.pointer(ptr)? {
        Value::String(x) => x.parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    (ms > 0).then(|| Timestamp::from_millis(ms))
}

/// Raw pages → nodes and edges, counting every record read and skipped.
pub fn transform(raw: &GoogleRaw) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.records.read(raw.records());
    let customer = raw
        .users
        .iter()
        .find_map(|u| s(u, "/customerId"))
        .unwrap_or(&raw.customer)
        .to_string();
    let idp = node_id(GOOGLE, NodeKind::Idp, &customer);
    let mut t = node_on(GOOGLE, NodeKind::Idp, &customer);
    t.name = Some(format!("Google Workspace {customer}"));
    t.criticality = Some(9);
    t.props = props([("customerId", Value::from(customer.as_str()))]);
    c.node(t);
    let drive = node_id(GOOGLE, NodeKind::Resource, "drive");
    let mut dn = node_on(GOOGLE, NodeKind::Resource, "drive");
    dn.name = Some("Google Drive".into());
    dn.criticality = Some(7);
    dn.props = props([("customerId", Value::from(customer.as_str()))]);
    c.node(dn);

    // Users: their standing, their mailbox, their Drive.
    let mut email_of: HashMap<String, String> = HashMap::new();
    let mut domains: BTreeSet<String> = BTreeSet::new();
    for (i, u) in raw.users.iter().enumerate() {
        let Some(uid) = s(u, "/id") else {
            c.records.skip(MISSING_ID, format!("user #{}", i + 1));
            continue;
        };
        let email = s(u, "/primaryEmail");
        let mut n = node_on(GOOGLE, NodeKind::User, uid);
        n.name = email.map(str::to_string);
        n.person = email.map(str::to_string);
        n.props = props([(
            "primaryEmail",
            email.map(Value::from).unwrap_or(Value::Null),
        )]);
        for k in [
            "isAdmin",
            "isDelegatedAdmin",
            "isEnrolledIn2Sv",
            "isEnforcedIn2Sv",
            "suspended",
            "archived",
            "orgUnitPath",
            "lastLoginTime",
            "aliases",
        ] {
            if let Some(v) = u.get(k).filter(|v| !v.is_null()) {
                n.props.insert(k.to_string(), v.clone());
            }
        }
        // What an IdP's Google app calls the account: its primary email or an alias.
        for e in email
            .into_iter()
            .map(str::to_string)
            .chain(strings(u, "/aliases"))
        {
            add_alias(&mut n, &e);
        }
        let suspended = u.get("suspended").and_then(Value::as_bool) == Some(true)
            || u.get("archived").and_then(Value::as_bool) == Some(true);
        if suspended {
            n.enabled = Some(false);
        }
        // No 2-Step Verification: nothing stands between a password and a new session.
        if u.get("isEnrolledIn2Sv").and_then(Value::as_bool) == Some(false) {
            n.tags.push("no-2sv".into());
        }
        let nid = n.id.clone();
        c.node(n);
        if let Some(e) = email {
            email_of.insert(uid.to_string(), e.to_string());
            if let Some(d) = domain(e) {
                domains.insert(d);
            }
            let mb = node_id(
                GOOGLE,
                NodeKind::Resource,
                &format!("{}{e}", native::MAILBOX),
            );
            let mut m = Node::new(mb.clone(), NodeKind::Resource);
            m.platform = Some(GOOGLE.into());
            m.name = Some(format!("mailbox of {e}"));
            m.criticality = Some(5);
            c.node(m);
            c.edge(edge(
                &nid,
                &mb,
                EdgeKind::CanAccess,
                props([("level", Value::from("owner"))]),
            ));
        }
        c.edge(edge(
            &nid,
            &drive,
            EdgeKind::CanAccess,
            props([("level", Value::from("own files and files shared with them"))]),
        ));
        if u.get("isAdmin").and_then(Value::as_bool) == Some(true) {
            c.edge(edge(
                &nid,
                &idp,
                EdgeKind::AdminOf,
                props([("role", Value::from("super admin"))]),
            ));
        }
    }
    for u in &raw.users {
        for a in strings(u, "/aliases") {
            if let Some(d) = domain(&a) {
                domains.insert(d);
            }
        }
    }

    // Groups and members.
    let group_ids: BTreeSet<&str> = raw.groups.iter().filter_map(|g| s(g, "/id")).collect();
    for (i, g) in raw.groups.iter().enumerate() {
        let Some(gid) = s(g, "/id") else {
            c.records.skip(MISSING_ID, format!("group #{}", i + 1));
            continue;
        };
        let mut n = node_on(GOOGLE, NodeKind::Group, gid);
        n.name = s(g, "/email").or(s(g, "/name")).map(str::to_string);
        n.props = props([(
            "email",
            s(g, "/email").map(Value::from).unwrap_or(Value::Null),
        )]);
        c.node(n);
    }
    for (gid, members) in &raw.members {
        for (i, m) in members.iter().enumerate() {
            if !group_ids.contains(gid.as_str()) {
                c.records.skip("group not listed", gid.clone());
                continue;
            }
            let Some(mid) = s(m, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("{gid} member #{}", i + 1));
                continue;
            };
            let kind = match s(m, "/type") {
                Some("USER") => NodeKind::User,
                Some("GROUP") => NodeKind::Group,
                Some("EXTERNAL") => {
                    c.records
                        .skip("external member", s(m, "/email").unwrap_or(mid).to_string());
                    continue;
                }
                _ => {
                    c.records.skip("member type not modelled", mid.to_string());
                    continue;
                }
            };
            let known = match kind {
                NodeKind::User => email_of.contains_key(mid),
                _ => group_ids.contains(mid),
            };
            if !known {
                c.records.skip("member not collected", mid.to_string());
                continue;
            }
            let to = node_id(GOOGLE, NodeKind::Group, gid);
            let p = props([(
                "role",
                s(m, "/role").map(Value::from).unwrap_or(Value::Null),
            )]);
            c.edge(edge(
                &node_id(GOOGLE, kind, mid),
                &to,
                EdgeKind::MemberOf,
                p,
            ));
        }
    }

    // Admin roles: a role per roleId, members by assignment.
    let mut role_name: HashMap<String, (String, bool)> = HashMap::new();
    for r in &raw.roles {
        // The role list is a lookup table: every entry counts as used.
        if let Some(id) = r
            .get("roleId")
            .map(|v| v.to_string().trim_matches('"').to_string())
        {
            let name = s(r, "/roleName").unwrap_or(&id).to_string();
            let sup = r.get("isSuperAdminRole").and_then(Value::as_bool) == Some(true);
            role_name.insert(id, (name, sup));
        }
    }
    for (i, a) in raw.role_assignments.iter().enumerate() {
        let rid = a
            .get("roleId")
            .map(|v| v.to_string().trim_matches('"').to_string());
        let (Some(rid), Some(who)) = (rid, s(a, "/assignedTo")) else {
            c.records
                .skip(MISSING_ID, format!("role assignment #{}", i + 1));
            continue;
        };
        let principal = match s(a, "/assigneeType").unwrap_or("user") {
            "user" if email_of.contains_key(who) => node_id(GOOGLE, NodeKind::User, who),
            "group" if group_ids.contains(who) => node_id(GOOGLE, NodeKind::Group, who),
            "user" | "group" => {
                c.records.skip("assignee not collected", who.to_string());
                continue;
            }
            _ => {
                c.records.skip("assignee type not modelled", rid.clone());
                continue;
            }
        };
        let (name, sup) = role_name.get(&rid).cloned().unwrap_or((rid.clone(), false));
        let mut n = node_on(GOOGLE, NodeKind::Role, &rid);
        n.name = Some(name);
        n.props = props([("roleId", Value::from(rid.as_str()))]);
        if sup {
            n.props.insert("isSuperAdminRole".into(), Value::Bool(true));
        }
        let role = n.id.clone();
        c.node(n);
        let scope = s(a, "/scopeType").unwrap_or("CUSTOMER");
        let p = props([
            ("scopeType", Value::from(scope)),
            (
                "orgUnitId",
                s(a, "/orgUnitId").map(Value::from).unwrap_or(Value::Null),
            ),
        ]);
        c.edge(edge(&principal, &role, EdgeKind::MemberOf, Props::new()));
        c.edge(edge(&role, &idp, EdgeKind::AdminOf, p));
    }

    // OAuth tokens users granted: a grant per (user, client), the client an app that holds it.
    let mut grant_ids: BTreeSet<String> = BTreeSet::new();
    for (uid, tokens) in &raw.tokens {
        for (i, t) in tokens.iter().enumerate() {
            let Some(client) = s(t, "/clientId") else {
                c.records
                    .skip("missing clientId", format!("{uid} token #{}", i + 1));
                continue;
            };
            if !email_of.contains_key(uid) {
                c.records.skip("user not listed", uid.clone());
                continue;
            }
            let gid = grant(
                &mut c,
                uid,
                client,
                s(t, "/displayText"),
                &strings(t, "/scopes"),
                &drive,
                email_of.get(uid),
                &idp,
            );
            if let Some(n) = c.nodes.iter_mut().rev().find(|n| n.id == gid) {
                for k in ["nativeApp", "anonymous"] {
                    if let Some(v) = t.get(k).filter(|v| v.is_boolean()) {
                        n.props.insert(k.to_string(), v.clone());
                    }
                }
            }
            if t.get("nativeApp").and_then(Value::as_bool) == Some(true) {
                let app = node_id(GOOGLE, NodeKind::App, client);
                if let Some(n) = c.nodes.iter_mut().rev().find(|n| n.id == app) {
                    n.props.insert("nativeApp".into(), Value::Bool(true));
                }
            }
            grant_ids.insert(gid);
        }
    }

    // Application-specific passwords: a password that signs in without 2SV.
    for (uid, asps) in &raw.asps {
        for (i, a) in asps.iter().enumerate() {
            let code = a
                .get("codeId")
                .map(|v| v.to_string().trim_matches('"').to_string());
            let Some(code) = code.filter(|x| !x.is_empty() && x != "null") else {
                c.records.skip(MISSING_ID, format!("{uid} ASP #{}", i + 1));
                continue;
            };
            if !email_of.contains_key(uid) {
                c.records.skip("user not listed", uid.clone());
                continue;
            }
            let mut n = node_on(GOOGLE, NodeKind::Token, &format!("asp/{uid}/{code}"));
            n.name = s(a, "/name").map(|x| format!("app password \"{x}\""));
            n.token_type = Some(TokenType::Password);
            n.revocation = Some(Revocation::PerApp);
            n.issued_at = asp_time(a, "/creationTime");
            n.last_used_at = asp_time(a, "/lastTimeUsed");
            n.props = props([
                ("codeId", Value::from(code.as_str())),
                ("userKey", Value::from(uid.as_str())),
            ]);
            let nid = n.id.clone();
            c.node(n);
            // The password is the user's credential: it signs in as them (mail, calendar).
            c.edge(edge(
                &nid,
                &node_id(GOOGLE, NodeKind::User, uid),
                EdgeKind::AuthenticatesAs,
                Props::new(),
            ));
        }
    }

    // Reports API: grants authorised or revoked since T, and sign-ins.
    for (i, a) in raw.token_activities.iter().enumerate() {
        let Some(uid) = s(a, "/actor/profileId") else {
            c.records
                .skip("no actor", format!("token activity #{}", i + 1));
            continue;
        };
        if !email_of.contains_key(uid) {
            c.records.skip("user not listed", uid.to_string());
            continue;
        }
        let at = ts(a, "/id/time");
        let mut used = false;
        for e in a
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = s(e, "/name").unwrap_or("");
            let Some(client) = param(e, "client_id").and_then(Value::as_str) else {
                continue;
            };
            let gid = node_id(GOOGLE, NodeKind::OauthGrant, &format!("{uid}/{client}"));
            match name {
                "authorize" => {
                    let scopes: Vec<String> = param(e, "scope")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    let app_name = param(e, "app_name").and_then(Value::as_str);
                    grant(
                        &mut c,
                        uid,
                        client,
                        app_name,
                        &scopes,
                        &drive,
                        email_of.get(uid),
                        &idp,
                    );
                    let mut n = Node::new(gid, NodeKind::OauthGrant);
                    n.issued_at = at;
                    put_time(&mut n.props, "authorized_at", at);
                    if let Some(ip) = s(a, "/ipAddress") {
                        n.props.insert("authorized_from".into(), Value::from(ip));
                    }
                    c.node(n);
                    used = true;
                }
                "revoke" => {
                    let mut n = node_on(GOOGLE, NodeKind::OauthGrant, &format!("{uid}/{client}"));
                    put_time(&mut n.props, "revoked_at", at);
                    n.props.insert("clientId".into(), Value::from(client));
                    n.props.insert("userKey".into(), Value::from(uid));
                    // Not listed by tokens.list any more: gone.
                    if !grant_ids.contains(&n.id) {
                        n.enabled = Some(false);
                    }
                    c.node(n);
                    used = true;
                }
                _ => {}
            }
        }
        if !used {
            c.records.skip(
                "event not modelled",
                s(a, "/id/uniqueQualifier").unwrap_or("").to_string(),
            );
        }
    }
    for (i, a) in raw.login_activities.iter().enumerate() {
        let Some(uid) = s(a, "/actor/profileId") else {
            c.records
                .skip("no actor", format!("login activity #{}", i + 1));
            continue;
        };
        if !email_of.contains_key(uid) {
            c.records.skip("user not listed", uid.to_string());
            continue;
        }
        let ok = a
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| s(e, "/name") == Some("login_success"));
        let (Some(e), Some(q)) = (ok, s(a, "/id/uniqueQualifier")) else {
            c.records.skip(
                "not a successful sign-in",
                s(a, "/id/uniqueQualifier").unwrap_or("").to_string(),
            );
            continue;
        };
        let mut n = node_on(GOOGLE, NodeKind::Session, &format!("login-{q}"));
        n.name = Some(format!(
            "Google sign-in of {}",
            email_of.get(uid).map(String::as_str).unwrap_or(uid)
        ));
        n.issued_at = ts(a, "/id/time");
        n.token_type = Some(TokenType::Cookie);
        n.revocation = Some(Revocation::Central);
        n.props = props([
            ("userKey", Value::from(uid)),
            (
                "ip",
                s(a, "/ipAddress").map(Value::from).unwrap_or(Value::Null),
            ),
            (
                "login_type",
                param(e, "login_type").cloned().unwrap_or(Value::Null),
            ),
        ]);
        if let Some(sus) = param(e, "is_suspicious").and_then(Value::as_bool) {
            n.props.insert("is_suspicious".into(), Value::Bool(sus));
        }
        let nid = n.id.clone();
        c.node(n);
        c.edge(edge(
            &nid,
            &node_id(GOOGLE, NodeKind::User, uid),
            EdgeKind::AuthenticatesAs,
            Props::new(),
        ));
    }

    // Gmail settings: where mail leaves the tenant.
    for (email, m) in &raw.mail {
        let mb = node_id(
            GOOGLE,
            NodeKind::Resource,
            &format!("{}{email}", native::MAILBOX),
        );
        let mut n = Node::new(mb, NodeKind::Resource);
        let external = |addr: &str| domain(addr).is_some_and(|d| !domains.contains(&d));
        let mut externals: BTreeSet<String> = BTreeSet::new();
        let mut fwd = Vec::new();
        for (i, f) in m.forwarding_addresses.iter().enumerate() {
            let Some(addr) = s(f, "/forwardingEmail") else {
                c.records.skip(
                    "no address",
                    format!("{email} forwarding address #{}", i + 1),
                );
                continue;
            };
            fwd.push(Value::Object(
                props([
                    ("forwardingEmail", Value::from(addr)),
                    (
                        "verificationStatus",
                        f.get("verificationStatus").cloned().unwrap_or(Value::Null),
                    ),
                ])
                .into_iter()
                .collect(),
            ));
        }
        if !fwd.is_empty() {
            n.props
                .insert("forwarding_addresses".into(), Value::Array(fwd));
        }
        if let Some(af) = &m.auto_forwarding {
            if af.get("enabled").and_then(Value::as_bool) == Some(true) {
                n.props.insert("auto_forwarding".into(), af.clone());
                if let Some(addr) = s(af, "/emailAddress").filter(|a| external(a)) {
                    externals.insert(addr.to_string());
                }
            }
        }
        let mut filters = Vec::new();
        for (i, f) in m.filters.iter().enumerate() {
            let Some(id) = s(f, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("{email} filter #{}", i + 1));
                continue;
            };
            let forward = s(f, "/action/forward");
            let trashes = strings(f, "/action/addLabelIds")
                .iter()
                .any(|l| l == "TRASH")
                || strings(f, "/action/removeLabelIds")
                    .iter()
                    .any(|l| l == "INBOX");
            // Only filters that send mail away or hide it are worth a look in an incident.
            if forward.is_none() && !trashes {
                c.records.skip(
                    "filter neither forwards nor hides mail",
                    format!("{email} {id}"),
                );
                continue;
            }
            if let Some(addr) = forward.filter(|a| external(a)) {
                externals.insert(addr.to_string());
            }
            filters.push(Value::Object(
                props([
                    ("id", Value::from(id)),
                    (
                        "criteria",
                        f.get("criteria").cloned().unwrap_or(Value::Null),
                    ),
                    ("forward", forward.map(Value::from).unwrap_or(Value::Null)),
                    ("hides_mail", Value::Bool(trashes)),
                ])
                .into_iter()
                .collect(),
            ));
        }
        if !filters.is_empty() {
            n.props.insert("filters".into(), Value::Array(filters));
        }
        if !externals.is_empty() {
            n.props.insert(
                "external_forwarding".into(),
                Value::from(externals.into_iter().collect::<Vec<_>>()),
            );
        }
        n.props
            .insert("mail_settings_read".into(), Value::Bool(true));
        c.node(n);
    }

    for u in &raw.unavailable {
        c.records.read(1);
        c.records.skip(&u.reason, u.endpoint.clone());
    }
    c
}

fn put_time(p: &mut Props, k: &str, t: Option<Timestamp>) {
    if let Some(t) = t {
        p.insert(k.to_string(), Value::from(t.to_string()));
    }
}

/// The grant of `client` by user `uid`, its app, and what its scopes reach.
#[allow(clippy::too_many_arguments)]
fn grant(
    c: &mut Collection,
    uid: &str,
    client: &str,
    app_name: Option<&str>,
    scopes: &[String],
    drive: &str,
    email: Option<&String>,
    idp: &str,
) -> String {
    let user = node_id(GOOGLE, NodeKind::User, uid);
    let mut app = node_on(GOOGLE, NodeKind::App, client);
    app.name = app_name.map(str::to_string);
    app.props = props([("clientId", Value::from(client))]);
    let app_id = app.id.clone();
    c.node(app);
    let mut g = node_on(GOOGLE, NodeKind::OauthGrant, &format!("{uid}/{client}"));
    g.name = Some(format!(
        "{} for {}",
        app_name.unwrap_or(client),
        email.map(String::as_str).unwrap_or(uid)
    ));
    g.scopes = scopes.to_vec();
    // tokens.delete revokes every token the user issued to the client.
    g.revocation = Some(Revocation::PerApp);
    g.props = props([
        ("clientId", Value::from(client)),
        ("userKey", Value::from(uid)),
    ]);
    let gid = g.id.clone();
    c.node(g);
    c.edge(edge(&user, &gid, EdgeKind::Consented, Props::new()));
    c.edge(edge(&app_id, &gid, EdgeKind::Holds, Props::new()));
    let mut reached = BTreeSet::new();
    for sc in scopes {
        let Some(kind) = scope_targets(sc) else {
            continue;
        };
        let to = match kind {
            "mailbox" => match email {
                Some(e) => node_id(
                    GOOGLE,
                    NodeKind::Resource,
                    &format!("{}{e}", native::MAILBOX),
                ),
                None => continue,
            },
            "drive" => drive.to_string(),
            _ => idp.to_string(),
        };
        if reached.insert(to.clone()) {
            let mine: Vec<Value> = scopes
                .iter()
                .filter(|x| scope_targets(x) == Some(kind))
                .map(|x| Value::from(x.as_str()))
                .collect();
            c.edge(edge(
                &gid,
                &to,
                EdgeKind::CanAccess,
                props([("scopes", Value::Array(mine))]),
            ));
        }
    }
    gid
}
