//! `heir verify`: whether each platform really honoured the plan's revocations — the seed's
//! deciding question, "does the application truly honour revocation at runtime".
//!
//! Each call in the plan carries its check (`analysis::mechanism::call::Check`): one `GET` and
//! what its answer must show. Verify reads every check whether the call was made by
//! `heir revoke` or by hand, because what matters is the target's state, not who acted. The
//! journal supplies only the times the calls were sent, for checks that compare a platform's
//! clock (Entra's `signInSessionsValidFromDateTime` must be at or after the `revokeSignInSessions`
//! request; without a journal line, after the plan's `at`: any revocation made for this plan
//! was made after it was computed).
//!
//! A check that cannot be read (refused, unreachable) is not honoured: a gate must not pass on
//! what nobody saw. `ttl_only` credentials are not checked — nothing revokes them — and are
//! listed with the time they die.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::endpoints::Endpoints;
use super::journal::{Entry, Outcome};
use super::plan::{PlanFile, StepIn};
use super::revoke::{acting_steps, disposition, Disposition};
use crate::analysis::mechanism::{Api, Call, Check, Expect};
use crate::collect::http::{one_line, redact, Client};
use crate::model::Timestamp;

/// The JSON contract of `heir verify --format json`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct VerifyReport {
    /// When the checks were read.
    pub at: Timestamp,
    pub checks: Vec<CheckRow>,
    /// Extension: credentials nothing revokes, with the time they die.
    pub ttl_only: Vec<TtlRow>,
    /// Extension: steps (or calls) with nothing to read back, and why.
    pub unchecked: Vec<Unchecked>,
}

/// One target checked on its platform.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CheckRow {
    pub step: usize,
    pub target: String,
    pub expected: String,
    pub observed: String,
    pub honoured: bool,
    /// Extension: the request that was read.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TtlRow {
    pub step: usize,
    pub target: String,
    /// When it dies by itself (absent when the plan does not know).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Whether that time has passed.
    pub dead: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Unchecked {
    pub step: usize,
    pub target: String,
    pub reason: String,
}

impl VerifyReport {
    /// The targets a platform did not (visibly) honour.
    pub fn not_honoured(&self) -> Vec<&CheckRow> {
        self.checks.iter().filter(|c| !c.honoured).collect()
    }
}

/// What a check expects, in words.
pub fn expected(k: &Check, reference: Option<Timestamp>) -> String {
    match &k.expect {
        Expect::Gone => "404 (gone)".into(),
        Expect::Empty { at } => format!("an empty list{}", at_text(at)),
        Expect::Field { pointer, equals } => format!("{pointer} = {equals}"),
        Expect::NoItem { at, field, equals } => {
            format!("no item with {field} = {equals}{}", at_text(at))
        }
        Expect::NotBefore { pointer } => match reference {
            Some(t) => format!("{pointer} ≥ {t}"),
            None => format!("{pointer} ≥ the revocation"),
        },
    }
}

fn at_text(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!(" at {at}")
    }
}

/// Reads an answer against a check: (observed, honoured).
pub fn observe(
    k: &Check,
    api: Api,
    status: u16,
    body: &Value,
    reference: Option<Timestamp>,
) -> (String, bool) {
    if let Expect::Gone = k.expect {
        return match status {
            404 | 410 => (status.to_string(), true),
            s if (200..300).contains(&s) => (format!("{s}: still there"), false),
            s => (format!("could not read: HTTP {s}"), false),
        };
    }
    if !(200..300).contains(&status) {
        return (format!("could not read: HTTP {status}"), false);
    }
    if api == Api::Slack && body.get("ok").and_then(Value::as_bool) != Some(true) {
        let e = body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no error");
        return (format!("could not read: ok: false ({})", redact(e)), false);
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match &k.expect {
        Expect::Gone => unreachable!("handled above"),
        Expect::Empty { at } => match body.pointer(at).and_then(Value::as_array) {
            Some(a) if a.is_empty() => ("empty".into(), true),
            Some(a) => (format!("{} still listed", a.len()), false),
            None => (format!("no list{}", at_text(at)), false),
        },
        Expect::Field { pointer, equals } => match body.pointer(pointer) {
            Some(v) => (format!("{pointer} = {v}"), v == equals),
            None => (format!("no {pointer}"), false),
        },
        Expect::NoItem { at, field, equals } => match body.pointer(at).and_then(Value::as_array) {
            Some(a) => {
                let listed = a
                    .iter()
                    .any(|i| i.get(field).map(text).as_deref() == Some(equals.as_str()));
                if listed {
                    ("still listed".into(), false)
                } else {
                    (format!("not listed ({} item(s))", a.len()), true)
                }
            }
            None => (format!("no list{}", at_text(at)), false),
        },
        Expect::NotBefore { pointer } => {
            let seen = body.pointer(pointer).and_then(Value::as_str);
            match (seen.map(Timestamp::parse), reference) {
                (Some(Ok(t)), Some(r)) => {
                    // Platforms keep such watermarks to the second: compare to the second
                    // the request was sent in.
                    let r = Timestamp::from_millis(r.as_millis().div_euclid(1000) * 1000);
                    (format!("{pointer} = {t}"), t >= r)
                }
                (Some(Ok(t)), None) => (format!("{pointer} = {t}"), false),
                (Some(Err(_)), _) | (None, _) => {
                    (format!("{pointer} = {}", seen.unwrap_or("absent")), false)
                }
            }
        }
    }
}

/// What verify reads: every check of the plan's contain/revoke steps, with the time it is
/// compared to.
pub struct Planned<'a> {
    pub step: &'a StepIn,
    pub call: &'a Call,
    pub check: &'a Check,
    pub reference: Option<Timestamp>,
}

/// The checks to read, and the rows that need no request (ttl_only, unchecked).
pub fn plan_checks<'a>(
    plan: &'a PlanFile,
    endpoints: &Endpoints,
    journal: &[Entry],
    now: Timestamp,
) -> (Vec<Planned<'a>>, Vec<TtlRow>, Vec<Unchecked>) {
    let sent: HashMap<(String, String, String), Timestamp> = journal
        .iter()
        .filter(|e| e.outcome == Outcome::Done)
        .filter_map(|e| {
            Some((
                (e.target.clone(), e.method.clone()?, e.url.clone()?),
                e.sent.unwrap_or(e.at),
            ))
        })
        .collect();
    let (mut checks, mut ttl, mut unchecked) = (Vec::new(), Vec::new(), Vec::new());
    for s in acting_steps(plan) {
        if s.compensating.is_some() {
            ttl.push(TtlRow {
                step: s.order,
                target: s.target.clone(),
                expires_at: s.expires_at,
                dead: s.expires_at.is_some_and(|t| t <= now),
            });
            continue;
        }
        match disposition(s) {
            Disposition::Manual(why) => unchecked.push(Unchecked {
                step: s.order,
                target: s.target.clone(),
                reason: format!("done by hand, so checked by hand: {why}"),
            }),
            Disposition::Calls(calls) => {
                for c in calls {
                    let Some(k) = &c.check else {
                        unchecked.push(Unchecked {
                            step: s.order,
                            target: s.target.clone(),
                            reason: format!(
                                "{}: the platform offers no read that shows it took",
                                c.line()
                            ),
                        });
                        continue;
                    };
                    let url = endpoints.url(c.api, &c.path);
                    let reference = sent
                        .get(&(s.target.clone(), c.method.as_str().to_string(), url))
                        .copied()
                        .or(Some(plan.at));
                    checks.push(Planned {
                        step: s,
                        call: c,
                        check: k,
                        reference,
                    });
                }
            }
        }
    }
    (checks, ttl, unchecked)
}

/// Reads every check, in plan order.
pub async fn verify(
    plan: &PlanFile,
    endpoints: &Endpoints,
    clients: &BTreeMap<Api, Client>,
    journal: &[Entry],
    now: Timestamp,
) -> Result<VerifyReport, crate::error::HeirError> {
    let (planned, ttl_only, unchecked) = plan_checks(plan, endpoints, journal, now);
    let mut checks = Vec::new();
    for p in planned {
        let client = clients
            .get(&p.call.api)
            .expect("a client for every platform the plan checks");
        let url = endpoints.url(p.call.api, &p.check.path);
        let read = match paged(p.call.api, &p.check.expect) {
            // "No longer listed" must read the whole list: the item may be on a later page.
            Some(paging) => client
                .get_all(&p.check.path, paging, |_| {})
                .await
                .map(|items| (200, Value::Array(items))),
            None => client
                .request(reqwest::Method::GET, &p.check.path, None)
                .await
                .map(|a| (a.status, a.body)),
        };
        let (observed, honoured) = match read {
            Ok((status, body)) => {
                let check = match (&p.check.expect, paged(p.call.api, &p.check.expect)) {
                    // The pages' items were gathered into one array at the top.
                    (Expect::NoItem { field, equals, .. }, Some(_)) => Check {
                        path: p.check.path.clone(),
                        expect: Expect::NoItem {
                            at: String::new(),
                            field: field.clone(),
                            equals: equals.clone(),
                        },
                    },
                    _ => p.check.clone(),
                };
                observe(&check, p.call.api, status, &body, p.reference)
            }
            Err(e) if e.is_fatal() => {
                return Err(crate::error::HeirError::Environment(e.to_string()))
            }
            Err(e) => (format!("could not read: {}", one_line(&e)), false),
        };
        checks.push(CheckRow {
            step: p.step.order,
            target: p.step.target.clone(),
            expected: expected(p.check, p.reference),
            observed,
            honoured,
            url,
        });
    }
    Ok(VerifyReport {
        at: now,
        checks,
        ttl_only,
        unchecked,
    })
}

/// How a "no longer listed" check pages through its list: Okta and GitHub by `Link` header,
/// Graph by `@odata.nextLink` (lists at the top or under `value`). Other checks read one answer.
fn paged(api: Api, e: &Expect) -> Option<crate::collect::http::Paging> {
    use crate::collect::http::Paging;
    let Expect::NoItem { at, .. } = e else {
        return None;
    };
    match (api, at.as_str()) {
        (Api::Okta | Api::Github, "") => Some(Paging::LinkHeader),
        (Api::Entra, "/value") => Some(Paging::ODataNextLink),
        _ => None,
    }
}

/// The APIs verify reads.
pub fn apis(plan: &PlanFile, endpoints: &Endpoints) -> Vec<Api> {
    let (planned, _, _) = plan_checks(plan, endpoints, &[], Timestamp::from_millis(0));
    let set: std::collections::BTreeSet<Api> = planned.iter().map(|p| p.call.api).collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(expect: Expect) -> Check {
        Check {
            path: "/x".into(),
            expect,
        }
    }

    #[test]
    fn answers_are_read_against_what_honoured_looks_like() {
        let gone = check(Expect::Gone);
        assert_eq!(
            observe(&gone, Api::Okta, 404, &Value::Null, None),
            ("404".into(), true)
        );
        assert!(!observe(&gone, Api::Okta, 200, &json!({}), None).1);
        assert!(!observe(&gone, Api::Okta, 403, &json!({}), None).1);

        let empty = check(Expect::Empty { at: String::new() });
        assert!(observe(&empty, Api::Okta, 200, &json!([]), None).1);
        assert!(!observe(&empty, Api::Okta, 200, &json!([{"id": "oar1"}]), None).1);

        let no_item = check(Expect::NoItem {
            at: String::new(),
            field: "credential_id".into(),
            equals: "42".into(),
        });
        assert!(
            !observe(
                &no_item,
                Api::Github,
                200,
                &json!([{"credential_id": 42}]),
                None
            )
            .1
        );
        assert!(
            observe(
                &no_item,
                Api::Github,
                200,
                &json!([{"credential_id": 7}]),
                None
            )
            .1
        );

        let watermark = check(Expect::NotBefore {
            pointer: "/signInSessionsValidFromDateTime".into(),
        });
        let sent = Timestamp::parse("2026-10-02T12:00:00.700Z").ok();
        let body = json!({"signInSessionsValidFromDateTime": "2026-10-02T12:00:00Z"});
        assert!(observe(&watermark, Api::Entra, 200, &body, sent).1);
        let before = json!({"signInSessionsValidFromDateTime": "2026-10-02T08:00:00Z"});
        assert!(!observe(&watermark, Api::Entra, 200, &before, sent).1);

        let slack = check(Expect::Empty {
            at: "/active_sessions".into(),
        });
        assert!(
            !observe(
                &slack,
                Api::Slack,
                200,
                &json!({"ok": false, "error": "not_an_admin"}),
                None
            )
            .1
        );
        assert!(
            observe(
                &slack,
                Api::Slack,
                200,
                &json!({"ok": true, "active_sessions": []}),
                None
            )
            .1
        );
    }
}
