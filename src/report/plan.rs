//! Rendering a revocation plan: a terminal table, an incident runbook in Markdown, and OpenID
//! CAEP `session-revoked` Security Event Token payloads for Shared Signals receivers.

use std::io::{self, Write};

use serde_json::json;

use super::text::{capitalise, cell};
use super::{fit, Output, Sink};
use crate::analysis::plan::{Phase, Plan};
use crate::model::{liveness, NodeKind, Timestamp, TrustGraph};

const WIDTH: usize = 80;

fn wrap(text: &str, indent: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty()
            && indent.len() + line.chars().count() + 1 + word.chars().count() > width
        {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        // A word longer than the line (an API path) is kept whole: it must stay copy-pastable.
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines
}

pub fn table(out: &mut dyn Write, p: &Plan) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        fit(&format!("Revocation plan for {}", p.from.join(", ")), WIDTH)
    )?;
    writeln!(
        out,
        "at {} · {} attacker · {} reached · {} steps",
        p.at,
        p.attacker.as_str(),
        p.reached,
        p.steps.len()
    )?;
    if !p.incomplete_sources.is_empty() {
        writeln!(
            out,
            "{}",
            fit(
                &format!(
                    "WARNING: incomplete data from {} — the plan may miss steps",
                    p.incomplete_sources.join(", ")
                ),
                WIDTH
            )
        )?;
    }
    let mut phase: Option<Phase> = None;
    for s in &p.steps {
        if phase != Some(s.phase) {
            phase = Some(s.phase);
            writeln!(out, "\n== {} ==", s.phase.as_str().to_uppercase())?;
        }
        let head = format!("{:>3}. ", s.order);
        let mut first = wrap(&s.action, "     ", WIDTH);
        if let Some(l) = first.first_mut() {
            *l = format!("{head}{}", l.trim_start());
        }
        for l in first {
            writeln!(out, "{l}")?;
        }
        writeln!(
            out,
            "{}",
            fit(&format!("     on {} ({})", s.target, s.platform), WIDTH)
        )?;
        for l in wrap(&format!("how: {}", s.how), "     ", WIDTH) {
            writeln!(out, "{l}")?;
        }
        if !s.covers.is_empty() {
            for l in wrap(
                &format!("also kills: {}", s.covers.join(", ")),
                "     ",
                WIDTH,
            ) {
                writeln!(out, "{l}")?;
            }
        }
        if let Some(c) = &s.compensating {
            for l in wrap(&format!("compensate: {c}"), "     ", WIDTH) {
                writeln!(out, "{l}")?;
            }
        }
        if !s.cuts.is_empty() {
            writeln!(out, "     cuts {} node(s)", s.cuts.len())?;
        }
        for l in wrap(&format!("why: {}", s.reason), "     ", WIDTH) {
            writeln!(out, "{l}")?;
        }
    }
    if let Some(w) = &p.first_wave {
        writeln!(out, "\n== FIRST WAVE (criticality >= {}) ==", w.threshold)?;
        writeln!(
            out,
            "revoke {} credential(s), disruption cost {}, protecting {} node(s):",
            w.revoke.len(),
            w.cost,
            w.protects.len()
        )?;
        for m in &w.revoke {
            writeln!(
                out,
                "{}",
                fit(&format!("  - {} (cost {})", m.id, m.cost), WIDTH)
            )?;
        }
        if !w.not_separable.is_empty() {
            writeln!(out, "not separable by revocation alone (contain instead):")?;
            for id in &w.not_separable {
                writeln!(out, "{}", fit(&format!("  - {id}"), WIDTH))?;
            }
        }
    }
    Ok(())
}

pub fn markdown(out: &mut dyn Write, g: &TrustGraph, p: &Plan) -> io::Result<()> {
    let from: Vec<String> = p
        .from
        .iter()
        .map(|f| {
            let i = g.index(f).expect("plan sources exist");
            let n = g.node(i);
            format!(
                "`{}` ({}{})",
                cell(f),
                n.kind,
                n.name
                    .as_deref()
                    .map(|x| format!(", {}", cell(x)))
                    .unwrap_or_default()
            )
        })
        .collect();
    writeln!(out, "# Incident runbook: stolen {}\n", from.join(", "))?;
    writeln!(out, "## Summary\n")?;
    writeln!(out, "- **Stolen:** {}", from.join(", "))?;
    writeln!(
        out,
        "- **Compromise since:** {}",
        p.since
            .map(|t| t.to_string())
            .unwrap_or_else(|| "unknown".into())
    )?;
    writeln!(
        out,
        "- **Evaluated at:** {} ({} attacker)",
        p.at,
        p.attacker.as_str()
    )?;
    let by: Vec<String> = p
        .reach_by_platform
        .iter()
        .map(|(k, v)| format!("{} {v}", cell(k)))
        .collect();
    writeln!(
        out,
        "- **Reach:** {} node(s) — {}",
        p.reached,
        by.join(", ")
    )?;
    if !p.incomplete_sources.is_empty() {
        writeln!(
            out,
            "- **Warning:** incomplete data from {}; the plan may miss steps",
            p.incomplete_sources.join(", ")
        )?;
    }
    let mut windows: Vec<(&str, Timestamp, String)> = p
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Revoke)
        .filter_map(|s| {
            s.expires_at
                .map(|t| (s.target.as_str(), t, liveness::show(t, s.expires_basis)))
        })
        .collect();
    windows.sort_by_key(|w| std::cmp::Reverse(w.1));
    if !windows.is_empty() {
        writeln!(out, "- **Longest-lived credentials to revoke:**")?;
        for (id, _, t) in windows.iter().take(5) {
            writeln!(out, "  - `{}` expires {t}", cell(id))?;
        }
    }
    let mut phase: Option<Phase> = None;
    for s in &p.steps {
        if phase != Some(s.phase) {
            phase = Some(s.phase);
            writeln!(out, "\n## {}\n", capitalise(s.phase.as_str()))?;
        }
        writeln!(
            out,
            "- [ ] **{}. {}** `{}` ({})",
            s.order,
            cell(&s.action),
            cell(&s.target),
            cell(&s.platform)
        )?;
        writeln!(out, "  - How: `{}`", s.how.replace('`', "'"))?;
        if !s.covers.is_empty() {
            let c: Vec<String> = s.covers.iter().map(|c| format!("`{}`", cell(c))).collect();
            writeln!(out, "  - Also kills: {}", c.join(", "))?;
        }
        if let Some(c) = &s.compensating {
            writeln!(
                out,
                "  - Compensating control: {}{}",
                cell(c),
                s.expires_at
                    .map(|t| format!(
                        " (until it expires at {})",
                        liveness::show(t, s.expires_basis)
                    ))
                    .unwrap_or_default()
            )?;
        }
        if !s.cuts.is_empty() {
            writeln!(out, "  - Cuts off {} node(s)", s.cuts.len())?;
        }
        writeln!(out, "  - Why: {}", cell(&s.reason))?;
    }
    if let Some(w) = &p.first_wave {
        writeln!(out, "\n## First wave (criticality ≥ {})\n", w.threshold)?;
        writeln!(
            out,
            "The cheapest set of revocations (disruption cost {}) that separates the attacker from {} critical node(s):\n",
            w.cost,
            w.protects.len()
        )?;
        for m in &w.revoke {
            writeln!(out, "- [ ] `{}` (cost {})", cell(&m.id), m.cost)?;
        }
        if !w.not_separable.is_empty() {
            writeln!(
                out,
                "\nNot separable by revocation alone (contain instead):\n"
            )?;
            for id in &w.not_separable {
                writeln!(out, "- `{}`", cell(id))?;
            }
        }
    }
    Ok(())
}

/// The CAEP event type for a revoked session.
pub const SESSION_REVOKED: &str =
    "https://schemas.openid.net/secevent/caep/event-type/session-revoked";

/// One unsigned SET payload per revoked session or token. `sub_id` uses the `complex` subject
/// format with the session (opaque id) and the user (email when the account's name is one,
/// otherwise opaque id). `jti` is derived from the plan so re-running gives the same ids.
pub fn caep(out: &mut dyn Write, g: &TrustGraph, p: &Plan, issuer: &str) -> io::Result<()> {
    let iat = p.at.as_millis().div_euclid(1000);
    let mut events = Vec::new();
    for s in p.steps.iter().filter(|s| s.phase == Phase::Revoke) {
        if !matches!(s.kind, NodeKind::Session | NodeKind::Token) {
            continue;
        }
        let Some(i) = g.index(&s.target) else {
            continue;
        };
        let mut sub = serde_json::Map::new();
        sub.insert("format".into(), json!("complex"));
        sub.insert(
            "session".into(),
            json!({"format": "opaque", "id": s.target}),
        );
        let account = g
            .graph
            .edges_directed(i, petgraph::Direction::Outgoing)
            .find(|e| e.weight().kind == crate::model::EdgeKind::AuthenticatesAs)
            .map(|e| petgraph::visit::EdgeRef::target(&e));
        if let Some(a) = account {
            let n = g.node(a);
            let user = match n.name.as_deref() {
                Some(email) if email.contains('@') && !email.contains(' ') => {
                    json!({"format": "email", "email": email})
                }
                _ => json!({"format": "opaque", "id": n.id}),
            };
            sub.insert("user".into(), user);
        }
        events.push(json!({
            "iss": issuer,
            "jti": format!("heir-{:016x}", fnv(&format!("{}|{}|{}", s.target, p.at, s.order))),
            "iat": iat,
            "sub_id": sub,
            "events": {
                SESSION_REVOKED: {
                    "event_timestamp": iat,
                    "initiating_entity": "admin",
                    "reason_admin": {"en": format!("heir plan step {}: {}", s.order, s.action)}
                }
            }
        }));
    }
    serde_json::to_writer_pretty(&mut *out, &events)?;
    writeln!(out)
}

/// FNV-1a: a stable, dependency-free hash for deterministic ids (not for security).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// The `caep` format as a sink.
pub struct Caep {
    pub issuer: String,
}

impl Sink for Caep {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()> {
        match report {
            Output::Plan(g, p) => caep(out, g, p, &self.issuer),
            _ => Err(io::Error::other("the caep format is only for `heir plan`")),
        }
    }
}
