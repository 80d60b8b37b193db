//! Requests of any method for `heir revoke` and `heir verify`, read by status rather than as
//! pages: the same client, authentication, retries and redaction as the collectors' reads.

use reqwest::header::AUTHORIZATION;
use reqwest::StatusCode;
use serde_json::Value;

use super::{
    error_detail, github_limit, google_limit, jitter, slack_verdict, wait_hint, Client, Dialect,
    FetchError, SlackVerdict,
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
        let mut backoff = self.policy.base_backoff;
        let mut last = String::new();
        for attempt in 1..=self.policy.attempts {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, self.authorization());
            if let Some(b) = body {
                req = req
                    .header("content-type", "application/json; charset=utf-8")
                    .body(b.to_string());
            } else if method == reqwest::Method::POST || method == reqwest::Method::PUT {
                // Some platforms refuse a body-less POST without a length (411).
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
            let wait = match req.send().await {
                Err(e) => {
                    last = if e.is_timeout() {
                        "timed out".to_string()
                    } else {
                        format!("transport error: {}", super::redact(&e.to_string()))
                    };
                    None
                }
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    let bytes = resp.bytes().await.unwrap_or_default();
                    let parsed = || serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
                    let limited = match (self.dialect, status) {
                        (
                            Dialect::GitHub,
                            StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS,
                        ) => github_limit(&headers, &bytes).map(Some),
                        (Dialect::Google, StatusCode::FORBIDDEN) if google_limit(&bytes) => {
                            Some(None)
                        }
                        (_, StatusCode::TOO_MANY_REQUESTS) => Some(wait_hint(&headers)),
                        (_, s) if s.is_server_error() => Some(wait_hint(&headers)),
                        _ => None,
                    };
                    if let Some(w) = limited {
                        last = format!("HTTP {}{}", status.as_u16(), error_detail(&bytes));
                        w
                    } else if status == StatusCode::UNAUTHORIZED {
                        return Err(FetchError::Unauthorized {
                            url,
                            status: status.as_u16(),
                            credential: self.credential.clone(),
                        });
                    } else if self.dialect == Dialect::Slack && status.is_success() {
                        let body = parsed();
                        match slack_verdict(&body) {
                            SlackVerdict::RateLimited => {
                                last = "rate limited (ok: false, error: ratelimited)".into();
                                wait_hint(&headers)
                            }
                            SlackVerdict::Unauthorized => {
                                return Err(FetchError::Unauthorized {
                                    url,
                                    status: status.as_u16(),
                                    credential: self.credential.clone(),
                                })
                            }
                            _ => {
                                return Ok(Answer {
                                    status: status.as_u16(),
                                    body,
                                })
                            }
                        }
                    } else {
                        return Ok(Answer {
                            status: status.as_u16(),
                            body: parsed(),
                        });
                    }
                }
            };
            if attempt == self.policy.attempts {
                break;
            }
            let delay = wait.unwrap_or_else(|| jitter(backoff));
            tokio::time::sleep(delay.min(self.policy.max_backoff)).await;
            backoff = (backoff * 2).min(self.policy.max_backoff);
        }
        Err(FetchError::Exhausted {
            url,
            attempts: self.policy.attempts,
            last,
        })
    }
}
