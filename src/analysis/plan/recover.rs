//! Phase 5, recover: persistence the attacker had, secret stores they could read, and the recovery
//! paths of the people whose accounts were contained.

use std::cmp::Reverse;

use petgraph::graph::NodeIndex;

use super::{subject, Ctx, Phase, Step};
use crate::analysis::mechanism;
use crate::model::{NodeKind, TrustGraph};

/// Persistence first (every `owns`/`admin_of` target crossed), then readable secret stores, then
/// the accounts among the contain steps of `earlier`, in their order.
pub(super) fn steps(cx: &Ctx, earlier: &[Step]) -> Vec<Step> {
    let (g, r, since) = (cx.g, cx.r, cx.since);
    let mut steps = Vec::new();
    let mut persistence: Vec<NodeIndex> = r
        .crossed
        .iter()
        .filter(|&&e| g.graph[e].kind.rule().grants_persistence)
        .filter_map(|&e| g.graph.edge_endpoints(e).map(|(_, b)| b))
        .collect();
    persistence.sort_by_key(|&p| (Reverse(g.facts(p).criticality), g.id(p).to_string()));
    persistence.dedup();
    for p in persistence {
        let mut st = cx.step(
            Phase::Recover,
            p,
            mechanism::remove_persistence(&subject(g, p), since),
        );
        st.reason = "the attacker controlled it (owner or admin) and could have created credentials, owners or grants that the graph cannot show yet".into();
        steps.push(st);
    }
    // Secret stores the attacker could read: everything in them is copied, modelled or not.
    let mut stores: Vec<NodeIndex> = r
        .reached
        .iter()
        .map(|x| x.node)
        .filter(|&n| is_secret_store(g, n))
        .collect();
    stores.sort_by_key(|&n| (Reverse(g.facts(n).criticality), g.id(n).to_string()));
    for n in stores {
        let node = g.node(n);
        let mut st = cx.step(
            Phase::Recover,
            n,
            mechanism::Mechanism {
                action: "rotate every secret readable in this store".into(),
                how: format!(
                    "list the secrets in {} ({}) and rotate each at its issuer, newest access first; then review the store's access log{}",
                    node.display_name(),
                    node.id,
                    since.map(|t| format!(" since {t}")).unwrap_or_default()
                ),
                compensating: None,
                ..Default::default()
            },
        );
        st.reason = "the attacker could read it: credentials kept there that the graph does not model are exposed too".into();
        steps.push(st);
    }
    // The people contained in phase 1: their recovery paths before they get the account back.
    for contained in earlier
        .iter()
        .filter(|s| s.phase == Phase::Contain && s.kind == NodeKind::User)
    {
        let c = g.index(&contained.target).expect("step targets exist");
        let mut st = cx.step(
            Phase::Recover,
            c,
            mechanism::recover_account(&subject(g, c)),
        );
        st.reason =
            "before giving the account back, make sure the attacker left no way back in".into();
        steps.push(st);
    }
    steps
}

/// A resource that holds secrets: tagged or flagged so by the collector, or named like one.
fn is_secret_store(g: &TrustGraph, n: NodeIndex) -> bool {
    let node = g.node(n);
    if node.kind != NodeKind::Resource {
        return false;
    }
    if node
        .tags
        .iter()
        .any(|t| t == "secrets" || t == "secret_store")
        || node.props.get("secret_store").and_then(|v| v.as_bool()) == Some(true)
    {
        return true;
    }
    let id = node.id.to_ascii_lowercase();
    [
        "secret",
        "vault:",
        "keyvault",
        "kv/",
        "credentials",
        "password",
    ]
    .iter()
    .any(|w| id.contains(w))
}
