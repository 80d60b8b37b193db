//! The retry loop every request of the HTTP layer shares (collectors' reads, token exchanges,
//! `heir revoke` and `heir verify`): one place decides how long to wait and when to give up.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::{redact, FetchError, Policy};

/// What an answer means to [`retrying`].
pub(super) enum Verdict<T> {
    /// Stop with this result.
    Done(Result<T, FetchError>),
    /// Try again after `wait` (the platform's hint) or the backoff; `why` is reported if the
    /// attempts run out.
    Retry { wait: Option<Duration>, why: String },
}

/// The retry loop every request shares: `send` makes one attempt; transport errors and the
/// answers `read` calls [`Verdict::Retry`] are tried again with the platform's wait hint or
/// exponential backoff with jitter, up to the policy's attempts.
pub(super) async fn retrying<T, Fut>(
    policy: &Policy,
    url: &str,
    send: impl Fn() -> Fut,
    mut read: impl FnMut(StatusCode, &HeaderMap, &[u8]) -> Verdict<T>,
) -> Result<T, FetchError>
where
    Fut: std::future::Future<Output = Result<reqwest::Response, reqwest::Error>>,
{
    let mut backoff = policy.base_backoff;
    let mut last = String::new();
    for attempt in 1..=policy.attempts {
        let wait = match send().await {
            Err(e) => {
                last = if e.is_timeout() {
                    "timed out".to_string()
                } else {
                    format!("transport error: {}", redact(&e.to_string()))
                };
                None
            }
            Ok(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                let bytes = resp.bytes().await.unwrap_or_default();
                match read(status, &headers, &bytes) {
                    Verdict::Done(result) => return result,
                    Verdict::Retry { wait, why } => {
                        last = why;
                        wait
                    }
                }
            }
        };
        if attempt == policy.attempts {
            break;
        }
        let delay = wait.unwrap_or_else(|| jitter(backoff));
        tokio::time::sleep(delay.min(policy.max_backoff)).await;
        backoff = (backoff * 2).min(policy.max_backoff);
    }
    Err(FetchError::Exhausted {
        url: url.to_string(),
        attempts: policy.attempts,
        last,
    })
}

/// Full jitter: a random wait in [base, 2·base), from the clock's low bits (no RNG dependency;
/// jitter only has to desynchronise clients, not be unpredictable).
fn jitter(base: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base + Duration::from_nanos((nanos as u64) % (base.as_nanos() as u64).max(1))
}
