//! Requests of any method for `heir revoke` and `heir verify`, read by status rather than as
//! pages: the same client, authentication, retries and redaction as the collectors' reads.

use reqwest::StatusCode;
use serde_json::Value;

use super::{
    error_detail, retrying, slack_verdict, wait_hint, Client, Dialect, FetchError, SlackVerdict,
    Verdict,
};

/// The answer to [`Client::request`]: its status and its JSON body (`null` when empty or not
/// JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The platform's own error summary, if the body has one (never a credential).
    pub fn detail(&self) -> String {
        error_detail(self.body.to_string().as_bytes())
    }
}

impl Client {
    /// One request of any method whose answer the caller reads by status: `heir revoke` and
    /// `heir verify` need a `204` with no body, a `404` that means "gone", a `403` recorded as a
    /// refused step — not an error type per status. Authentication, the wait on `429` and
    /// platform rate limits, the backoff on `5xx` and transport errors are those of
    /// [`Client::get`]; a rejected credential (`401`, Slack's `invalid_auth`) is still an error,
    /// because nothing else will work either. Slack's `{"ok": false}` answers come back as they
    /// are (HTTP 200): the caller reads `error`.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path_or_url: &str,
        body: Option<&Value>,
    ) -> Result<Answer, FetchError> {
        let url = self.url(path_or_url);
        let _permit = self.permits.acquire().await.expect("semaphore open");
        let send = || self.build(method.clone(), &url, body).send();
        retrying(&self.policy, &url, send, |status, headers, bytes| {
            let answer = |body| {
                Verdict::Done(Ok(Answer {
                    status: status.as_u16(),
                    body,
                }))
            };
            let parsed = || serde_json::from_slice::<Value>(bytes).unwrap_or(Value::Null);
            if let Some((wait, why)) = self.throttled(status, headers, bytes) {
                return Verdict::Retry { wait, why };
            }
            if status == StatusCode::UNAUTHORIZED {
                return Verdict::Done(Err(self.unauthorized(&url, status)));
            }
            if self.dialect != Dialect::Slack || !status.is_success() {
                return answer(parsed());
            }
            let body = parsed();
            match slack_verdict(&body) {
                SlackVerdict::RateLimited => Verdict::Retry {
                    wait: wait_hint(headers),
                    why: "rate limited (ok: false, error: ratelimited)".into(),
                },
                SlackVerdict::Unauthorized => Verdict::Done(Err(self.unauthorized(&url, status))),
                _ => answer(body),
            }
        })
        .await
    }
}
