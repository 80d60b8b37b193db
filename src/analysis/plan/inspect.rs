//! Phase 3, inspect: the audit trail of every reached app and identity provider, where the
//! attacker could have changed things the graph does not show.

use std::cmp::Reverse;

use petgraph::graph::NodeIndex;

use super::{native_id, Ctx, Phase, Step};
use crate::analysis::mechanism;
use crate::model::NodeKind;

/// Every reached (or stolen) app and IdP, most critical first.
pub(super) fn steps(cx: &Ctx) -> Vec<Step> {
    let (g, q, r) = (cx.g, cx.q, cx.r);
    let (since, window_of) = (cx.since, &cx.window_of);
    let mut steps = Vec::new();
    let mut apps: Vec<NodeIndex> = r
        .reached
        .iter()
        .map(|x| x.node)
        .chain(q.from.iter().copied())
        .filter(|&n| matches!(g.node(n).kind, NodeKind::App | NodeKind::Idp))
        .collect();
    apps.sort_by_key(|&a| (Reverse(g.facts(a).criticality), g.id(a).to_string()));
    apps.dedup();
    for a in apps {
        let n = g.node(a);
        let m = mechanism::inspect(
            n.platform(),
            n.kind,
            native_id(g, a),
            n.name.as_deref(),
            since,
        );
        let mut st = cx.step(Phase::Inspect, a, m);
        st.reason = format!(
            "reached{}; review what the attacker could change there{}",
            match window_of.get(&a) {
                Some((true, _)) => " with persistent control".to_string(),
                Some((false, Some(t))) => format!(" until {t}"),
                _ => String::new(),
            },
            since.map(|t| format!(" since {t}")).unwrap_or_default()
        );
        steps.push(st);
    }
    steps
}
