//! Phase 1, contain: who or what the stolen artefacts belong to or live on, first, so nothing new
//! is issued while credentials are being revoked.

use std::collections::HashSet;

use petgraph::graph::NodeIndex;

use super::{in_neighbours, out_neighbours, subject, Ctx, Phase, Step};
use crate::analysis::mechanism;
use crate::model::{EdgeKind, NodeKind};

/// The account a stolen credential authenticates as, the device or workload it was taken from, or
/// the compromised node itself; each once, in the order the stolen artefacts name them.
pub(super) fn steps(cx: &Ctx) -> Vec<Step> {
    let (g, q) = (cx.g, cx.q);
    let mut steps = Vec::new();
    let mut contained: Vec<(NodeIndex, String)> = Vec::new();
    for &s in &q.from {
        let sn = g.node(s);
        if sn.kind.is_credential() {
            for a in out_neighbours(g, s, EdgeKind::AuthenticatesAs) {
                contained.push((
                    a,
                    format!("the stolen {} `{}` authenticates as it", sn.kind, sn.id),
                ));
            }
            for h in in_neighbours(g, s, EdgeKind::Holds) {
                if matches!(g.node(h).kind, NodeKind::Device | NodeKind::Workload) {
                    contained.push((
                        h,
                        format!("the stolen {} `{}` was taken from it", sn.kind, sn.id),
                    ));
                }
            }
        } else {
            contained.push((s, format!("it is the compromised {} itself", sn.kind)));
        }
    }
    let mut seen_contain = HashSet::new();
    for (c, reason) in contained {
        if !seen_contain.insert(c) {
            continue;
        }
        let mut st = cx.step(Phase::Contain, c, mechanism::contain(&subject(g, c)));
        st.cuts = cx.ids_of(&cx.cut_set(c, &[]));
        st.reason = format!(
            "{reason}; contain it first so nothing new is issued while credentials are revoked"
        );
        steps.push(st);
    }
    steps
}
