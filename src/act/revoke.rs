//! `heir revoke`: the plan's contain and revoke steps, as requests — printed (the default), or
//! performed in plan order and journaled.
//!
//! The rules, each for a reason:
//! - **Only the plan's calls.** A step is performed exactly as its `calls` say; the plan is the
//!   reviewed artefact, and nothing is derived at run time.
//! - **Manual is explicit.** A contain/revoke step without calls, a `ttl_only` credential (no
//!   call ends it: its compensating control is the step) or a call with a `{placeholder}` is
//!   listed as manual with the reason and the compensating control, and journaled once.
//! - **Never a step whose parent failed.** A step waits for the steps in its `after` (the
//!   revocations of what minted its target). If one failed or was skipped, the step is skipped:
//!   a credential revoked while its parent lives is re-minted at the next refresh, and a journal
//!   saying "done" would mislead. A manual parent does not hold its children back: the plan's
//!   order tells the responder to do it first, and the children's revocation still shortens the
//!   window.
//! - **Within a step, in order, stop at the first failure**: later calls of a step assume the
//!   earlier ones (deactivate, then delete).
//! - **Resumable and idempotent.** A request the journal records as done (same target, method
//!   and URL) is not sent again; a second run of a finished plan sends and writes nothing.
//! - **A rejected credential stops the run** (nothing else would work either); other failures
//!   are journaled and the run goes on with what does not depend on them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use super::endpoints::{credential, Endpoints};
use super::journal::{Entry, Journal, Outcome};
use super::plan::{PlanFile, StepIn};
use crate::analysis::mechanism::{Api, Call, Expect, Method};
use crate::collect::http::{redact, Answer, Client, FetchError};
use crate::error::HeirError;
use crate::model::Timestamp;

/// What a run does with one contain/revoke step.
pub enum Disposition<'a> {
    /// Its requests, in order.
    Calls(Vec<&'a Call>),
    /// Done by hand: why.
    Manual(String),
}

/// Whether heir performs a step, and if not, why.
pub fn disposition(s: &StepIn) -> Disposition<'_> {
    if let Some(c) = &s.compensating {
        return Disposition::Manual(format!(
            "it cannot be revoked (ttl_only); compensating control: {c}; how: {}",
            s.how
        ));
    }
    if s.calls.is_empty() {
        return Disposition::Manual(format!(
            "heir has no API call for this step; how: {}",
            s.how
        ));
    }
    if let Some((c, p)) = s.calls.iter().find_map(|c| c.placeholder().map(|p| (c, p))) {
        return Disposition::Manual(format!(
            "{} needs {p}, which the graph does not give; how: {}",
            c.line(),
            s.how
        ));
    }
    Disposition::Calls(s.calls.iter().collect())
}

/// The steps `heir revoke` considers, in plan order.
pub fn acting_steps(plan: &PlanFile) -> Vec<&StepIn> {
    let mut v: Vec<&StepIn> = plan.steps.iter().filter(|s| s.acts()).collect();
    v.sort_by_key(|s| s.order);
    v
}

/// The platforms a run sends requests to.
pub fn apis(plan: &PlanFile) -> Vec<Api> {
    let set: BTreeSet<Api> = acting_steps(plan)
        .into_iter()
        .filter_map(|s| match disposition(s) {
            Disposition::Calls(c) => Some(c.into_iter().map(|c| c.api).collect::<Vec<_>>()),
            Disposition::Manual(_) => None,
        })
        .flatten()
        .collect();
    set.into_iter().collect()
}

/// The journal's record of what already succeeded: (target, method, url) → when.
pub fn done_in(entries: &[Entry]) -> HashMap<(String, String, String), Timestamp> {
    entries
        .iter()
        .filter(|e| e.outcome == Outcome::Done)
        .filter_map(|e| Some(((e.target.clone(), e.method.clone()?, e.url.clone()?), e.at)))
        .collect()
}

fn key(s: &StepIn, c: &Call, endpoints: &Endpoints) -> (String, String, String) {
    (
        s.target.clone(),
        c.method.as_str().to_string(),
        endpoints.url(c.api, &c.path),
    )
}

/// Counts of a dry run or an execution.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Requests sent and answered with success in this run.
    pub done: usize,
    /// Requests the journal already had as done (not sent again).
    pub already: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Steps done by hand.
    pub manual: usize,
    /// Requests a dry run would send.
    pub would_send: usize,
}

/// The dry run: every request the run would make, in order, with the credential as the
/// variable that holds it. Byte-stable for a given plan, endpoints and journal (no times, no
/// environment).
pub fn dry_run(
    plan: &PlanFile,
    endpoints: &Endpoints,
    journal: &[Entry],
    out: &mut dyn Write,
) -> std::io::Result<Tally> {
    let done = done_in(journal);
    let steps = acting_steps(plan);
    let mut t = Tally::default();
    let mut body = Vec::new();
    for s in &steps {
        writeln!(
            body,
            "step {} · {} · {} · {}",
            s.order, s.phase, s.target, s.action
        )?;
        if !s.after.is_empty() {
            writeln!(
                body,
                "  after step {} (skipped if it fails)",
                list(&s.after)
            )?;
        }
        match disposition(s) {
            Disposition::Manual(why) => {
                t.manual += 1;
                writeln!(body, "  manual: {why}")?;
            }
            Disposition::Calls(calls) => {
                for c in calls {
                    let url = endpoints.url(c.api, &c.path);
                    if let Some(at) = done.get(&key(s, c, endpoints)) {
                        t.already += 1;
                        writeln!(
                            body,
                            "  {} {url}\n    already done at {at} (journal): not sent again",
                            c.method.as_str()
                        )?;
                        continue;
                    }
                    t.would_send += 1;
                    writeln!(body, "  {} {url}", c.method.as_str())?;
                    writeln!(body, "    authorization: {}", credential(c.api))?;
                    if let Some(b) = &c.body {
                        writeln!(body, "    body: {b}")?;
                    }
                }
                if let Some(rest) = &s.by_hand {
                    writeln!(body, "  then by hand: {rest}")?;
                }
            }
        }
    }
    writeln!(
        out,
        "Dry run of {}: {} step(s) to contain and revoke, {} request(s) to send{}, {} step(s) by hand. Nothing was sent; --execute --yes performs the requests.",
        plan.path,
        steps.len(),
        t.would_send,
        if t.already > 0 {
            format!(" ({} already done)", t.already)
        } else {
            String::new()
        },
        t.manual
    )?;
    writeln!(out)?;
    out.write_all(&body)?;
    Ok(t)
}

fn list(v: &[usize]) -> String {
    v.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a step ended in this run, for the steps that wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Done,
    Failed,
    Skipped,
    Manual,
}

/// Whether an answer means the call took, and if not, why (redacted).
pub fn judge(c: &Call, a: &Answer) -> Result<Option<String>, String> {
    if c.api == Api::Slack && (200..300).contains(&a.status) {
        return match a.body.get("ok").and_then(|v| v.as_bool()) {
            Some(true) => Ok(None),
            _ => Err(format!(
                "Slack answered ok: false ({})",
                redact(
                    a.body
                        .get("error")
                        .and_then(|v| v.as_str())
                        .unwrap_or("no error")
                )
            )),
        };
    }
    if (200..300).contains(&a.status) {
        return Ok(None);
    }
    // Deleting what is already gone reaches the goal: the object the check reads is absent.
    let gone_already = c.method == Method::Delete
        && a.status == 404
        && c.check
            .as_ref()
            .is_some_and(|k| k.expect == Expect::Gone && k.path == c.path);
    if gone_already {
        return Ok(Some("already gone (404)".into()));
    }
    Err(format!("HTTP {}{}", a.status, a.detail()))
}

fn reqwest_method(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// Sends one call.
pub async fn send(client: &Client, c: &Call) -> Result<Answer, FetchError> {
    client
        .request(reqwest_method(c.method), &c.path, c.body.as_ref())
        .await
}

/// Performs the plan's requests (see the module documentation for the rules), journaling each.
/// Returns the tally; a rejected credential ends the run with an error after journaling it.
pub async fn execute(
    plan: &PlanFile,
    endpoints: &Endpoints,
    clients: &BTreeMap<Api, Client>,
    journal: &mut Journal,
    previous: &[Entry],
    out: &mut dyn Write,
) -> Result<Tally, HeirError> {
    let done = done_in(previous);
    let manual_noted: BTreeSet<(usize, String)> = previous
        .iter()
        .filter(|e| e.outcome == Outcome::Manual && e.plan_sha256 == plan.sha256)
        .map(|e| (e.step, e.target.clone()))
        .collect();
    let mut t = Tally::default();
    let mut state: HashMap<usize, State> = HashMap::new();
    let io = |e: std::io::Error| HeirError::io("writing to standard output", e);
    let entry = |s: &StepIn, c: Option<&Call>, status: Option<u16>, outcome, detail| Entry {
        at: Timestamp::now(),
        sent: None,
        step: s.order,
        target: s.target.clone(),
        method: c.map(|c| c.method.as_str().to_string()),
        url: c.map(|c| endpoints.url(c.api, &c.path)),
        status,
        outcome,
        detail,
        plan_sha256: plan.sha256.clone(),
    };
    for s in acting_steps(plan) {
        writeln!(
            out,
            "step {} · {} · {} · {}",
            s.order, s.phase, s.target, s.action
        )
        .map_err(io)?;
        let calls = match disposition(s) {
            Disposition::Manual(why) => {
                t.manual += 1;
                state.insert(s.order, State::Manual);
                if !manual_noted.contains(&(s.order, s.target.clone())) {
                    journal.append(&entry(s, None, None, Outcome::Manual, Some(why.clone())))?;
                }
                writeln!(out, "  manual: {why}").map_err(io)?;
                continue;
            }
            Disposition::Calls(calls) => calls,
        };
        let blocked = s
            .after
            .iter()
            .find(|p| matches!(state.get(p), Some(State::Failed | State::Skipped)));
        if let Some(p) = blocked {
            let why = format!(
                "step {p}, which this step waits for, did not succeed: revoking this while what minted it lives would be undone"
            );
            for c in &calls {
                if done.contains_key(&key(s, c, endpoints)) {
                    continue;
                }
                t.skipped += 1;
                journal.append(&entry(
                    s,
                    Some(c),
                    None,
                    Outcome::Skipped,
                    Some(why.clone()),
                ))?;
                writeln!(
                    out,
                    "  skipped {} {}",
                    c.method.as_str(),
                    endpoints.url(c.api, &c.path)
                )
                .map_err(io)?;
            }
            writeln!(out, "  because {why}").map_err(io)?;
            state.insert(s.order, State::Skipped);
            continue;
        }
        let mut st = State::Done;
        for c in calls {
            let url = endpoints.url(c.api, &c.path);
            if st != State::Done {
                t.skipped += 1;
                journal.append(&entry(
                    s,
                    Some(c),
                    None,
                    Outcome::Skipped,
                    Some("an earlier call of this step failed".into()),
                ))?;
                writeln!(out, "  skipped {} {url}", c.method.as_str()).map_err(io)?;
                continue;
            }
            if let Some(at) = done.get(&key(s, c, endpoints)) {
                t.already += 1;
                writeln!(
                    out,
                    "  {} {url}: already done at {at} (journal)",
                    c.method.as_str()
                )
                .map_err(io)?;
                continue;
            }
            let client = clients
                .get(&c.api)
                .expect("a client for every platform the plan calls");
            let sent = Timestamp::now();
            match send(client, c).await {
                Ok(a) => match judge(c, &a) {
                    Ok(note) => {
                        t.done += 1;
                        journal.append(&Entry {
                            sent: Some(sent),
                            ..entry(s, Some(c), Some(a.status), Outcome::Done, note)
                        })?;
                        writeln!(out, "  {} {url}: {} done", c.method.as_str(), a.status)
                            .map_err(io)?;
                    }
                    Err(why) => {
                        t.failed += 1;
                        st = State::Failed;
                        journal.append(&entry(
                            s,
                            Some(c),
                            Some(a.status),
                            Outcome::Failed,
                            Some(why.clone()),
                        ))?;
                        writeln!(out, "  {} {url}: FAILED: {why}", c.method.as_str())
                            .map_err(io)?;
                    }
                },
                Err(e) => {
                    t.failed += 1;
                    st = State::Failed;
                    let why = crate::collect::http::one_line(&e);
                    let status = match &e {
                        FetchError::Unauthorized { status, .. } => Some(*status),
                        _ => None,
                    };
                    journal.append(&entry(
                        s,
                        Some(c),
                        status,
                        Outcome::Failed,
                        Some(why.clone()),
                    ))?;
                    writeln!(out, "  {} {url}: FAILED: {why}", c.method.as_str()).map_err(io)?;
                    if e.is_fatal() {
                        return Err(HeirError::Environment(format!(
                            "{e}\n  the run stopped at step {}; {} journaled what was done, and a re-run resumes from it",
                            s.order,
                            journal.path.display()
                        )));
                    }
                }
            }
        }
        if let (State::Done, Some(rest)) = (st, &s.by_hand) {
            writeln!(out, "  then by hand: {rest}").map_err(io)?;
        }
        state.insert(s.order, st);
    }
    Ok(t)
}
