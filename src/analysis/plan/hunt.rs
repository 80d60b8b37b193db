//! Phase 4, hunt: what was minted from the stolen artefacts (their lineage) and where it was used
//! from, then reuse of the artefacts themselves elsewhere.

use std::collections::BTreeSet;

use super::{Ctx, Phase, Step};
use crate::analysis::hunt::{find, has_observed_uses, Found};
use crate::analysis::lineage::inherited;
use crate::analysis::mechanism;
use crate::model::naming::platform;
use crate::model::Timestamp;

/// For every stolen credential: one step per credential minted from it, then one for the artefact.
pub(super) fn steps(cx: &Ctx) -> Vec<Step> {
    let (g, q, opts) = (cx.g, cx.q, cx.opts);
    let mut steps = Vec::new();
    for &s in &q.from {
        if !g.node(s).kind.is_credential() {
            continue;
        }
        let lineage = inherited(g, s, opts.since, q.at);
        let mut ips: BTreeSet<String> = BTreeSet::new();
        for child in &lineage.inherited {
            let Some(ci) = g.index(&child.id) else {
                continue;
            };
            if let Some(ip) = &child.ip {
                ips.insert(ip.clone());
            }
            let where_ = match (&child.ip, &child.user_agent) {
                (Some(ip), Some(ua)) => format!(" from {ip} ({ua})"),
                (Some(ip), None) => format!(" from {ip}"),
                _ => String::new(),
            };
            let mut st = cx.step(
                Phase::Hunt,
                ci,
                mechanism::Mechanism {
                    action: "hunt for use of a credential minted from the stolen one".into(),
                    how: format!(
                        "search {} logs for activity by `{}`{} since {}",
                        g.node(ci).platform(),
                        child.id,
                        where_,
                        child
                            .at
                            .map(|t| t.to_string())
                            .unwrap_or_else(|| "its minting".into())
                    ),
                    compensating: None,
                    ..Default::default()
                },
            );
            st.reason = format!(
                "minted from `{}` at {}{}; {}",
                g.id(s),
                child
                    .at
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "an unknown time".into()),
                where_,
                if child.live {
                    "still live"
                } else {
                    "no longer live, but its use may not be over"
                }
            );
            steps.push(st);
        }
        let mut st = cx.step(
            Phase::Hunt,
            s,
            mechanism::Mechanism {
                action: "hunt for reuse of the stolen artefact and its origin addresses".into(),
                how: format!(
                    "search sign-in and audit logs of every platform for `{}`{} and for other accounts signing in from the same addresses",
                    g.id(s),
                    if ips.is_empty() {
                        String::new()
                    } else {
                        format!(" and the addresses {}", ips.into_iter().collect::<Vec<_>>().join(", "))
                    }
                ),
                compensating: None,
                ..Default::default()
            },
        );
        st.reason = "a replayed session is often replayed against more than one app".into();
        steps.push(st);
    }
    steps.extend(findings(cx));
    steps
}

/// What the logs in the graph already show (`heir hunt`): each use from an address the account
/// had not used before the compromise, and each other account seen from those addresses. Only
/// when the graph holds log-derived observations; otherwise the steps above say where to look.
fn findings(cx: &Ctx) -> Vec<Step> {
    let (g, q) = (cx.g, cx.q);
    if !has_observed_uses(g, &q.from) {
        return Vec::new();
    }
    // `find`, not `hunt`: the count of every observation in the graph is not needed (no
    // observation at all means no use and no other account, hence no step).
    let report: Found = find(g, &q.from, cx.since, q.at);
    let since = cx
        .since
        .map_or_else(|| "the compromise".to_string(), |t| t.to_string());
    let mut steps = Vec::new();
    // An address is only "new" against a history: with no sign-in of the account before the
    // compromise in the logs, every address would be, and the generic step above lists them.
    let new_uses: Vec<_> = report
        .uses
        .iter()
        .filter(|u| u.new_address && !report.known_addresses.is_empty())
        .collect();
    let mut by_ip: std::collections::BTreeMap<&str, Vec<&crate::analysis::hunt::Use>> =
        Default::default();
    for u in new_uses {
        if let Some(ip) = u.ip.as_deref() {
            by_ip.entry(ip).or_default().push(u);
        }
    }
    for (ip, uses) in by_ip {
        let Some(target) = g.index(&uses[0].credential) else {
            continue;
        };
        let place = uses[0]
            .country
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let apps: BTreeSet<&str> = uses.iter().filter_map(|u| u.app.as_deref()).collect();
        let credentials: BTreeSet<&str> = uses.iter().map(|u| u.credential.as_str()).collect();
        let first = uses.iter().map(|u| u.first).min().expect("a use");
        let last = uses.iter().map(|u| u.last).max().expect("a use");
        let mut st = cx.step(
            Phase::Hunt,
            target,
            mechanism::Mechanism {
                action: "investigate use from an address new to the account".into(),
                how: log_query(g.node(target).platform(), ip, cx.since),
                compensating: None,
                ..Default::default()
            },
        );
        st.reason = format!(
            "the logs show {} used from {ip}{place} in {} between {first} and {last}; before \
             {since} the account used only {}",
            quoted(&credentials),
            quoted(&apps),
            report.known_addresses.join(", ")
        );
        steps.push(st);
    }
    for o in &report.other_accounts {
        let Some(target) = g.index(&o.account) else {
            continue;
        };
        let mut st = cx.step(
            Phase::Hunt,
            target,
            mechanism::Mechanism {
                action: "investigate another account seen from the attacker's address".into(),
                how: log_query(g.node(target).platform(), &o.ip, cx.since),
                compensating: None,
                ..Default::default()
            },
        );
        st.reason = format!(
            "`{}` signed in from {} (an address the stolen artefact was used from) at {}, {} \
             time(s): lateral reuse until shown otherwise",
            o.account, o.ip, o.first, o.count
        );
        steps.push(st);
    }
    steps
}

/// `a`, `b` and `c`, each in backquotes.
fn quoted(items: &BTreeSet<&str>) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sign-in log query for one address on the account's platform.
fn log_query(on: &str, ip: &str, since: Option<Timestamp>) -> String {
    let from = since.map(|t| t.to_string());
    match on {
        platform::OKTA => format!(
            "GET /api/v1/logs?filter=client.ipAddress eq \"{ip}\"{}",
            from.map(|t| format!("&since={t}")).unwrap_or_default()
        ),
        platform::ENTRA => format!(
            "GET /auditLogs/signIns?$filter=ipAddress eq '{ip}'{}",
            from.map(|t| format!(" and createdDateTime ge {t}"))
                .unwrap_or_default()
        ),
        _ => format!(
            "search the {on} sign-in and audit logs for {ip}{}",
            from.map(|t| format!(" since {t}")).unwrap_or_default()
        ),
    }
}
