//! Phase 4, hunt: what was minted from the stolen artefacts (their lineage) and where it was used
//! from, then reuse of the artefacts themselves elsewhere.

use std::collections::BTreeSet;

use super::{Ctx, Phase, Step};
use crate::analysis::lineage::inherited;
use crate::analysis::mechanism;

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
            },
        );
        st.reason = "a replayed session is often replayed against more than one app".into();
        steps.push(st);
    }
    steps
}
