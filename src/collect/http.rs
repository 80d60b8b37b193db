//! The HTTP layer every live collector shares: authentication, timeouts, retries (429 with the
//! platform's wait hint, 5xx with exponential backoff and jitter, bounded attempts), bounded
//! concurrency, and pagination in the platforms' own styles.
//!
//! Fetching is dumb on purpose: it returns raw JSON pages. Reshaping happens in each source's
//! pure `transform`, which is tested offline on recorded responses.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, LINK, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::Semaphore;

mod request;
mod retry;
pub use request::Answer;
use retry::{retrying, Verdict};

/// How the collector proves who it is. The secret lives only in this value (never in errors,
/// logs or documents); `Debug` hides it.
#[derive(Clone)]
pub enum Auth {
    /// Okta API token: `Authorization: SSWS <token>`.
    Ssws(String),
    /// OAuth bearer token (Microsoft Graph, Google, GitHub, Slack).
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Ssws(_) => f.write_str("Ssws(<redacted>)"),
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// Retry and concurrency policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub timeout: Duration,
    pub concurrency: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
            concurrency: 4,
        }
    }
}

/// Why a request failed for good.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: HTTP {status}: the API credential was rejected\n  fix: check {credential} (it must be a valid, unexpired credential for this tenant)")]
    Unauthorized {
        url: String,
        status: u16,
        credential: String,
    },
    #[error("{url}: HTTP 403: the credential lacks permission{detail}\n  fix: grant the scope listed for this endpoint in docs/collectors.md")]
    Forbidden { url: String, detail: String },
    #[error("{url}: HTTP 403: the credential lacks permission{detail}\n  fix: give the credential in {credential} {scope} (see docs/collectors.md)")]
    Refused {
        url: String,
        detail: String,
        credential: String,
        scope: String,
    },
    #[error("{url}: HTTP {status}{detail}")]
    Status {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("{url}: the response is not the JSON the API documents: {detail}")]
    Malformed { url: String, detail: String },
    #[error("{url}: {detail}")]
    Transport { url: String, detail: String },
    #[error("{url}: still failing after {attempts} attempts: {last}")]
    Exhausted {
        url: String,
        attempts: u32,
        last: String,
    },
}

impl FetchError {
    /// A refusal of the request a collection cannot do without (the org's members, the tenant's
    /// users): nothing worth writing would come of going on, so it stops the run like a rejected
    /// credential, and the message names the variable and the scope to grant.
    pub fn essential(self, credential: &str, scope: &str) -> FetchError {
        match self {
            FetchError::Forbidden { url, detail } => FetchError::Refused {
                url,
                detail,
                credential: credential.to_string(),
                scope: scope.to_string(),
            },
            other => other,
        }
    }

    /// A rejected credential stops the whole collection: nothing else will work either.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            FetchError::Unauthorized { .. } | FetchError::Refused { .. }
        )
    }
}

/// One response: the parsed body and the next page, if any.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Value,
    pub next: Option<String>,
}

/// Where the next page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `Link: <…>; rel="next"` header(s) (Okta: one header per link; GitHub: comma-joined).
    LinkHeader,
    /// `@odata.nextLink` in the body (Microsoft Graph).
    ODataNextLink,
    /// No pagination.
    None,
    /// `nextPageToken` in the body, sent back as the `pageToken` query parameter (Google APIs).
    PageToken,
    /// `response_metadata.next_cursor` in the body, sent back as the `cursor` query parameter
    /// (Slack Web API); an empty cursor ends the walk.
    SlackCursor,
}

/// Platform habits the shared client has to know about beyond HTTP status codes. Okta and Graph
/// need none (`Plain`); the others only change how an answer is read, never what is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    Plain,
    /// GitHub: a `403` (or `429`) is a rate limit, not a refusal, when `x-ratelimit-remaining` is
    /// `0` (primary limit, wait for `x-ratelimit-reset`) or the message names the secondary rate
    /// limit (wait `retry-after`, else the reset, else a minute).
    GitHub,
    /// Google: a `403` whose reason is `rateLimitExceeded`, `userRateLimitExceeded` or
    /// `quotaExceeded` is the legacy form of a `429` and is retried with backoff.
    Google,
    /// Slack: errors come back as HTTP 200 with `{"ok": false, "error": …}`; `ratelimited` is
    /// retried, `invalid_auth`-style errors are a rejected credential, `missing_scope`-style errors
    /// a refusal naming the scope Slack says is needed.
    Slack,
}

/// Waits until a platform says so: `Retry-After` (seconds or HTTP date not supported: seconds
/// only, as the platforms send) or Okta's `X-Rate-Limit-Reset` (epoch seconds).
fn wait_hint(headers: &HeaderMap) -> Option<Duration> {
    if let Some(s) = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        return Some(Duration::from_secs_f64(s.max(0.0)));
    }
    let reset = headers
        .get("x-rate-limit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())?;
    let now = crate::model::Timestamp::now().as_millis() / 1000;
    Some(Duration::from_secs((reset - now).clamp(0, 3600) as u64 + 1))
}

/// GitHub's rate-limit answers: `Some(wait)` when a `403`/`429` is a primary or secondary rate
/// limit rather than a refusal. The wait is `retry-after`, else until `x-ratelimit-reset` (epoch
/// seconds), else the minute GitHub's documentation asks for.
fn github_limit(headers: &HeaderMap, bytes: &[u8]) -> Option<Duration> {
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    let primary = header("x-ratelimit-remaining") == Some("0");
    let secondary = serde_json::from_slice::<Value>(bytes)
        .ok()
        .is_some_and(|v| {
            let msg = v.get("message").and_then(Value::as_str).unwrap_or("");
            let doc = v
                .get("documentation_url")
                .and_then(Value::as_str)
                .unwrap_or("");
            msg.to_ascii_lowercase().contains("secondary rate limit")
                || doc.contains("secondary-rate-limits")
        });
    if !primary && !secondary {
        return None;
    }
    if let Some(s) = header("retry-after").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(s.max(0.0)));
    }
    if let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok()) {
        let now = crate::model::Timestamp::now().as_millis() / 1000;
        return Some(Duration::from_secs((reset - now).clamp(0, 3600) as u64 + 1));
    }
    Some(Duration::from_secs(60))
}

/// Google's legacy rate-limit `403`: `error.errors[].reason` (or `error.status`) says so.
fn google_limit(bytes: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
        return false;
    };
    let limited = |r: &str| {
        matches!(
            r,
            "rateLimitExceeded" | "userRateLimitExceeded" | "quotaExceeded" | "RESOURCE_EXHAUSTED"
        )
    };
    v.pointer("/error/errors")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .filter_map(|e| e.get("reason").and_then(Value::as_str))
                .any(limited)
        })
        || v.pointer("/error/status")
            .and_then(Value::as_str)
            .is_some_and(limited)
}

/// Slack errors that mean the token itself is no good (stop, name the variable).
const SLACK_AUTH_ERRORS: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "no_permission_token",
];

/// Slack errors that mean the token lacks a scope, a role or a plan for this method.
const SLACK_REFUSALS: &[&str] = &[
    "missing_scope",
    "not_allowed_token_type",
    "not_an_admin",
    "not_an_enterprise",
    "team_not_on_enterprise",
    "feature_not_enabled",
    "paid_only",
    "paid_teams_only",
    "no_permission",
    "ekm_access_denied",
    "access_denied",
    "restricted_action",
];

/// What an HTTP-200 Slack body that says `"ok": false` means.
enum SlackVerdict {
    Ok,
    RateLimited,
    Unauthorized,
    Refused(String),
    Failed(String),
}

fn slack_verdict(body: &Value) -> SlackVerdict {
    if body.get("ok").and_then(Value::as_bool) != Some(false) {
        return SlackVerdict::Ok;
    }
    let error = body
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("unknown error");
    if error == "ratelimited" {
        return SlackVerdict::RateLimited;
    }
    if SLACK_AUTH_ERRORS.contains(&error) {
        return SlackVerdict::Unauthorized;
    }
    let needed = body
        .get("needed")
        .and_then(Value::as_str)
        .map(|n| format!(" (needed: {n})"))
        .unwrap_or_default();
    let detail = format!(": {}{needed}", redact(error));
    if SLACK_REFUSALS.contains(&error) {
        SlackVerdict::Refused(detail)
    } else {
        SlackVerdict::Failed(detail)
    }
}

/// `url` with the query parameter `key` set to `value` (replacing an earlier one).
pub fn with_query(url: &str, key: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
        .map(str::to_string)
        .collect();
    parts.push(format!("{key}={}", urlencode(value)));
    format!("{base}?{}", parts.join("&"))
}

/// The `rel="next"` target among one or more `Link` headers.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(LINK) {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let url = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next {
                return Some(
                    url.trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
            }
        }
    }
    None
}

/// A client for one platform tenant.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    /// The environment variable(s) the credential came from, for error messages.
    credential: String,
    policy: Policy,
    permits: Arc<Semaphore>,
    dialect: Dialect,
    /// Headers a platform asks every request to carry (GitHub's API version), never secrets.
    extra: Vec<(&'static str, &'static str)>,
}

impl Client {
    pub fn new(base: &str, auth: Auth, credential: &str, policy: Policy) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .user_agent(concat!("heir/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            auth,
            credential: credential.to_string(),
            permits: Arc::new(Semaphore::new(policy.concurrency.max(1))),
            policy,
            dialect: Dialect::Plain,
            extra: Vec::new(),
        })
    }

    /// The same client reading answers in a platform's [`Dialect`].
    pub fn dialect(mut self, dialect: Dialect) -> Client {
        self.dialect = dialect;
        self
    }

    /// The same client sending one more fixed header on every request (the `accept` header
    /// replaces the default `application/json`).
    pub fn header(mut self, name: &'static str, value: &'static str) -> Client {
        self.extra.push((name, value));
        self
    }

    /// An absolute URL for a path (`/api/v1/users`) or an absolute next link as given.
    pub fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            path_or_url.to_string()
        } else {
            format!("{}{}", self.base, path_or_url)
        }
    }

    fn authorization(&self) -> HeaderValue {
        let v = match &self.auth {
            Auth::Ssws(t) => format!("SSWS {t}"),
            Auth::Bearer(t) => format!("Bearer {t}"),
        };
        let mut h = HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""));
        h.set_sensitive(true);
        h
    }

    /// GET one page, with retries.
    pub async fn get(&self, path_or_url: &str, paging: Paging) -> Result<Page, FetchError> {
        self.send(path_or_url, None, paging).await
    }

    /// POST a JSON body (GitHub's GraphQL API: the only read heir does by POST), with the same
    /// authentication, retries and answer reading as [`Client::get`].
    pub async fn post_json(&self, path_or_url: &str, body: &Value) -> Result<Page, FetchError> {
        self.send(path_or_url, Some(body), Paging::None).await
    }

    async fn send(
        &self,
        path_or_url: &str,
        body: Option<&Value>,
        paging: Paging,
    ) -> Result<Page, FetchError> {
        let url = self.url(path_or_url);
        let _permit = self.permits.acquire().await.expect("semaphore open");
        let method = match body {
            None => reqwest::Method::GET,
            Some(_) => reqwest::Method::POST,
        };
        let send = || self.build(method.clone(), &url, body).send();
        retrying(&self.policy, &url, send, |status, headers, bytes| {
            if !status.is_success() {
                if let Some((wait, why)) = self.throttled(status, headers, bytes) {
                    return Verdict::Retry { wait, why };
                }
                let detail = error_detail(bytes);
                return Verdict::Done(Err(match status {
                    StatusCode::UNAUTHORIZED => self.unauthorized(&url, status),
                    StatusCode::FORBIDDEN => FetchError::Forbidden {
                        url: url.clone(),
                        detail,
                    },
                    s => FetchError::Status {
                        url: url.clone(),
                        status: s.as_u16(),
                        detail,
                    },
                }));
            }
            let page = match self.page(&url, headers, bytes, paging) {
                Ok(page) => page,
                Err(e) => return Verdict::Done(Err(e)),
            };
            if self.dialect != Dialect::Slack {
                return Verdict::Done(Ok(page));
            }
            match slack_verdict(&page.body) {
                SlackVerdict::Ok => Verdict::Done(Ok(page)),
                SlackVerdict::RateLimited => Verdict::Retry {
                    wait: wait_hint(headers),
                    why: "rate limited (ok: false, error: ratelimited)".into(),
                },
                SlackVerdict::Unauthorized => Verdict::Done(Err(self.unauthorized(&url, status))),
                SlackVerdict::Refused(detail) => Verdict::Done(Err(FetchError::Forbidden {
                    url: url.clone(),
                    detail,
                })),
                SlackVerdict::Failed(detail) => Verdict::Done(Err(FetchError::Status {
                    url: url.clone(),
                    status: status.as_u16(),
                    detail,
                })),
            }
        })
        .await
    }

    /// One request with the client's authentication and headers. A body is JSON; a body-less
    /// POST or PUT says its length, which some platforms require (411 otherwise).
    fn build(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method.clone(), url)
            .header(AUTHORIZATION, self.authorization());
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        } else if method == reqwest::Method::POST || method == reqwest::Method::PUT {
            req = req.header("content-length", "0");
        }
        if !self
            .extra
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
        {
            req = req.header("accept", "application/json");
        }
        for (k, v) in &self.extra {
            req = req.header(*k, *v);
        }
        req
    }

    /// A throttled answer, in the platform's dialect: the wait it asks for (if it says) and
    /// what to report if the attempts run out. GitHub's primary and secondary limits come as
    /// 403 or 429, Google's as `403 rateLimitExceeded`; every platform's 429 and 5xx.
    fn throttled(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        bytes: &[u8],
    ) -> Option<(Option<Duration>, String)> {
        let code = status.as_u16();
        let detail = || error_detail(bytes);
        if self.dialect == Dialect::GitHub
            && matches!(
                status,
                StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
            )
        {
            if let Some(w) = github_limit(headers, bytes) {
                return Some((Some(w), format!("HTTP {code} (rate limited){}", detail())));
            }
        }
        if self.dialect == Dialect::Google && status == StatusCode::FORBIDDEN && google_limit(bytes)
        {
            return Some((None, format!("HTTP 403 (rate limited){}", detail())));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Some((
                wait_hint(headers),
                format!("HTTP 429 (rate limited){}", detail()),
            ));
        }
        if status.is_server_error() {
            return Some((wait_hint(headers), format!("HTTP {code}{}", detail())));
        }
        None
    }

    /// The credential was refused: the error names the variable it came from.
    fn unauthorized(&self, url: &str, status: StatusCode) -> FetchError {
        FetchError::Unauthorized {
            url: url.to_string(),
            status: status.as_u16(),
            credential: self.credential.clone(),
        }
    }

    fn page(
        &self,
        url: &str,
        headers: &HeaderMap,
        bytes: &[u8],
        paging: Paging,
    ) -> Result<Page, FetchError> {
        let body: Value = serde_json::from_slice(bytes).map_err(|e| FetchError::Malformed {
            url: url.to_string(),
            detail: e.to_string(),
        })?;
        let next = match paging {
            Paging::LinkHeader => next_link(headers),
            Paging::ODataNextLink => body
                .get("@odata.nextLink")
                .and_then(Value::as_str)
                .map(str::to_string),
            Paging::PageToken => body
                .get("nextPageToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(|t| with_query(url, "pageToken", t)),
            Paging::SlackCursor => body
                .pointer("/response_metadata/next_cursor")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(|c| with_query(url, "cursor", c)),
            Paging::None => None,
        };
        // A next page pointing back at this one would loop forever.
        let next = next.filter(|n| n != url);
        Ok(Page { body, next })
    }

    /// Every item of a paginated collection: Okta-style arrays (`Link` header) or Graph-style
    /// `{"value": [...]}` (`@odata.nextLink`). `on_page` is told how many items arrived.
    pub async fn get_all(
        &self,
        path: &str,
        paging: Paging,
        mut on_page: impl FnMut(usize),
    ) -> Result<Vec<Value>, FetchError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        let mut pages = 0usize;
        while let Some(p) = next.take() {
            let page = self.get(&p, paging).await?;
            pages += 1;
            let url = self.url(&p);
            let batch = match page.body {
                Value::Array(a) => a,
                Value::Object(mut o) => match o.remove("value") {
                    Some(Value::Array(a)) => a,
                    _ => {
                        return Err(FetchError::Malformed {
                            url,
                            detail: "expected a JSON array or an object with a `value` array"
                                .into(),
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
            on_page(batch.len());
            items.extend(batch);
            // Bounded: a server that keeps sending "next" cannot keep us forever.
            if pages >= 100_000 {
                break;
            }
            next = page.next;
        }
        Ok(items)
    }
}

/// Every item of a paginated collection whose items sit under `key` of each page's JSON object
/// (GitHub's `{"total_count": …, "installations": […]}`, Google's `{"users": […]}`, Slack's
/// `{"ok": true, "members": […]}`). A page without `key` is an empty page: Google leaves the list
/// out when it is empty. A body that is not an object is malformed.
pub async fn get_all_at(
    client: &Client,
    path: &str,
    paging: Paging,
    key: &str,
    mut on_page: impl FnMut(usize),
) -> Result<Vec<Value>, FetchError> {
    let mut items = Vec::new();
    let mut next = Some(path.to_string());
    let mut seen = std::collections::HashSet::new();
    while let Some(p) = next.take() {
        let url = client.url(&p);
        // A cursor that comes back again would loop; 100 000 pages is beyond any tenant.
        if !seen.insert(url.clone()) || seen.len() > 100_000 {
            break;
        }
        let page = client.get(&p, paging).await?;
        let batch = match page.body {
            Value::Object(mut o) => match o.remove(key) {
                Some(Value::Array(a)) => a,
                None | Some(Value::Null) => Vec::new(),
                Some(other) => {
                    return Err(FetchError::Malformed {
                        url,
                        detail: format!("`{key}` is {}, not an array", super::json::shape(&other)),
                    })
                }
            },
            other => {
                return Err(FetchError::Malformed {
                    url,
                    detail: format!(
                        "expected a JSON object with a `{key}` array, got {}",
                        super::json::shape(&other)
                    ),
                })
            }
        };
        on_page(batch.len());
        items.extend(batch);
        next = page.next;
    }
    Ok(items)
}

/// One paginated request per key, concurrently (the client bounds how many are in flight), each
/// answer kept apart so the caller decides what a failure means (a refusal may be a plan the
/// tenant lacks, not an error). Items are the page arrays, or what sits under `items_at`. A
/// rejected credential stops everything.
pub async fn fan_out_each(
    client: &Client,
    paging: Paging,
    items_at: Option<&'static str>,
    progress: &super::Progress,
    what: &str,
    jobs: Vec<(String, String)>,
) -> Result<std::collections::BTreeMap<String, Result<Vec<Value>, FetchError>>, FetchError> {
    progress.step(what);
    let mut set = tokio::task::JoinSet::new();
    for (key, path) in jobs {
        let c = client.clone();
        set.spawn(async move {
            let r = match items_at {
                Some(at) => get_all_at(&c, &path, paging, at, |_| {}).await,
                None => c.get_all(&path, paging, |_| {}).await,
            };
            (key, r)
        });
    }
    let mut out = std::collections::BTreeMap::new();
    while let Some(joined) = set.join_next().await {
        let (key, r) = joined.map_err(|e| FetchError::Transport {
            url: what.to_string(),
            detail: format!("a request task failed: {e}"),
        })?;
        match r {
            Err(e) if e.is_fatal() => {
                set.abort_all();
                return Err(e);
            }
            Ok(items) => {
                progress.add(items.len());
                out.insert(key, Ok(items));
            }
            Err(e) => {
                out.insert(key, Err(e));
            }
        }
    }
    Ok(out)
}

/// A failure as one line (the fix hint joined with ` — `), for a problem list.
pub fn one_line(e: &FetchError) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" — ")
}

/// One paginated request per key, concurrently (the client bounds how many are in flight).
/// Failures for good are summarised as one problem per endpoint (`hint` says what permission it
/// likely needs); a rejected credential stops everything.
pub async fn fan_out(
    client: &Client,
    paging: Paging,
    progress: &super::Progress,
    problems: &mut Vec<String>,
    what: &str,
    jobs: Vec<(String, String)>,
    hint: &str,
) -> Result<std::collections::BTreeMap<String, Vec<Value>>, FetchError> {
    progress.step(what);
    let total = jobs.len();
    let mut set = tokio::task::JoinSet::new();
    for (key, path) in jobs {
        let c = client.clone();
        set.spawn(async move {
            let r = c.get_all(&path, paging, |_| {}).await;
            (key, r)
        });
    }
    let mut out = std::collections::BTreeMap::new();
    let mut failed: Vec<String> = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (key, r) = joined.map_err(|e| FetchError::Transport {
            url: what.to_string(),
            detail: format!("a request task failed: {e}"),
        })?;
        match r {
            Ok(items) => {
                progress.add(items.len());
                out.insert(key, items);
            }
            Err(e) if e.is_fatal() => {
                set.abort_all();
                return Err(e);
            }
            Err(e) => failed.push(
                e.to_string()
                    .lines()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" — "),
            ),
        }
    }
    if !failed.is_empty() {
        failed.sort();
        problems.push(format!(
            "{what}: {} of {total} request(s) failed{hint}; first: {}",
            failed.len(),
            failed[0]
        ));
    }
    Ok(out)
}

/// POSTs a form without the client's authorization (for OAuth token endpoints, where the
/// credential is in the form), with the same retry policy; returns the JSON body.
pub async fn post_form(
    policy: &Policy,
    url: &str,
    form: &[(&str, &str)],
    credential: &str,
) -> Result<Value, FetchError> {
    let http = reqwest::Client::builder()
        .timeout(policy.timeout)
        .build()
        .map_err(|e| FetchError::Transport {
            url: url.to_string(),
            detail: e.to_string(),
        })?;
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let send = || {
        http.post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
    };
    retrying(policy, url, send, |status, headers, bytes| {
        if status.is_success() {
            Verdict::Done(
                serde_json::from_slice(bytes).map_err(|e| FetchError::Malformed {
                    url: url.to_string(),
                    detail: e.to_string(),
                }),
            )
        } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Verdict::Retry {
                wait: wait_hint(headers),
                why: format!("HTTP {}", status.as_u16()),
            }
        } else if status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED {
            Verdict::Done(Err(FetchError::Unauthorized {
                url: url.to_string(),
                status: status.as_u16(),
                credential: credential.to_string(),
            }))
        } else {
            Verdict::Done(Err(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
                detail: error_detail(bytes),
            }))
        }
    })
    .await
}

/// Percent-encoding for form values and query parameters (RFC 3986 unreserved kept).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The platform's own error summary, if the body has one (never echoes credentials).
fn error_detail(bytes: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
        return String::new();
    };
    let msg = v
        .get("errorSummary")
        .or_else(|| v.pointer("/error/message"))
        .or_else(|| v.get("message"))
        .or_else(|| v.get("error"))
        .and_then(Value::as_str);
    match msg {
        Some(m) => format!(": {}", redact(m)),
        None => String::new(),
    }
}

/// Drops anything that looks like a credential from a message: the word after an `SSWS` or
/// `Bearer` scheme, and any very long opaque word (a JWT, a token).
pub fn redact(s: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut hide_next = false;
    for w in s.split_whitespace() {
        let lower = w.to_ascii_lowercase();
        if hide_next || w.len() > 60 {
            out.push("<redacted>");
            hide_next = false;
        } else if lower == "ssws" || lower == "bearer" {
            out.push(w);
            hide_next = true;
        } else {
            out.push(w);
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_in_both_styles() {
        let mut h = HeaderMap::new();
        h.append(
            LINK,
            HeaderValue::from_static("<https://x/api/v1/users?limit=2>; rel=\"self\""),
        );
        h.append(
            LINK,
            HeaderValue::from_static("<https://x/api/v1/users?after=00u2&limit=2>; rel=\"next\""),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://x/api/v1/users?after=00u2&limit=2")
        );
        let mut g = HeaderMap::new();
        g.insert(LINK, HeaderValue::from_static("<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\""));
        assert_eq!(
            next_link(&g).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        let mut none = HeaderMap::new();
        none.insert(
            LINK,
            HeaderValue::from_static("<https://x/a>; rel=\"self\""),
        );
        assert_eq!(next_link(&none), None);
    }

    #[test]
    fn secrets_stay_out_of_debug_and_messages() {
        assert_eq!(
            format!("{:?}", Auth::Ssws("00abcSECRET".into())),
            "Ssws(<redacted>)"
        );
        assert_eq!(
            redact("bad header SSWS 00abc ok"),
            "bad header SSWS <redacted> ok"
        );
    }

    #[test]
    fn platform_rate_limits_are_told_from_refusals() {
        let mut h = HeaderMap::new();
        assert_eq!(
            github_limit(&h, br#"{"message":"Must have admin rights"}"#),
            None
        );
        let secondary = br#"{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"}"#;
        assert_eq!(github_limit(&h, secondary), Some(Duration::from_secs(60)));
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(github_limit(&h, secondary), Some(Duration::from_secs(2)));
        let mut primary = HeaderMap::new();
        primary.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        primary.insert("x-ratelimit-reset", HeaderValue::from_static("1"));
        // A reset in the past waits one second, not a negative time.
        assert_eq!(github_limit(&primary, b"{}"), Some(Duration::from_secs(1)));

        assert!(google_limit(
            br#"{"error":{"code":403,"errors":[{"reason":"userRateLimitExceeded"}]}}"#
        ));
        assert!(!google_limit(
            br#"{"error":{"code":403,"errors":[{"reason":"forbidden"}],"message":"Not Authorized to access this resource/api"}}"#
        ));

        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert!(matches!(
            slack_verdict(&v(r#"{"ok":true}"#)),
            SlackVerdict::Ok
        ));
        assert!(matches!(
            slack_verdict(&v(r#"{"ok":false,"error":"ratelimited"}"#)),
            SlackVerdict::RateLimited
        ));
        assert!(matches!(
            slack_verdict(&v(r#"{"ok":false,"error":"invalid_auth"}"#)),
            SlackVerdict::Unauthorized
        ));
        match slack_verdict(&v(
            r#"{"ok":false,"error":"missing_scope","needed":"admin.apps:read"}"#,
        )) {
            SlackVerdict::Refused(d) => assert_eq!(d, ": missing_scope (needed: admin.apps:read)"),
            _ => panic!("missing_scope is a refusal"),
        }
        assert!(matches!(
            slack_verdict(&v(r#"{"ok":false,"error":"internal_error"}"#)),
            SlackVerdict::Failed(_)
        ));
    }

    #[test]
    fn cursor_parameters_replace_earlier_ones() {
        assert_eq!(
            with_query("https://x/api/users.list?limit=200", "cursor", "dXNl=="),
            "https://x/api/users.list?limit=200&cursor=dXNl%3D%3D"
        );
        assert_eq!(
            with_query("https://x/u?pageToken=a&max=2", "pageToken", "b"),
            "https://x/u?max=2&pageToken=b"
        );
        assert_eq!(
            with_query("https://x/u", "pageToken", "b"),
            "https://x/u?pageToken=b"
        );
    }
}
