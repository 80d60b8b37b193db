//! The first wave: the cheapest set of revocations that separates the attacker from every reached
//! node of at least a criticality, as a minimum vertex cut of the reach graph weighted by what
//! each revocation disrupts.

use petgraph::graph::NodeIndex;

use super::reach::Reach;
use super::{out_neighbours, CutMember, FirstWave};
use crate::analysis::cut::{min_vertex_cut, Cut, CutProblem, INFINITE};
use crate::model::{EdgeKind, NodeKind, Revocation, TrustGraph};

/// The disruption cost of revoking a credential, for the first wave: `props.disruption` when the
/// collector or the operator set it, else by what breaks — a user's session is cheap, a
/// production service account's key is not. `None`: cannot be revoked (ttl_only — read as the
/// step's mechanism reads it, inferred when the graph does not say — or non-credential).
pub fn revocation_cost(g: &TrustGraph, i: NodeIndex) -> Option<u64> {
    let n = g.node(i);
    if !n.kind.is_credential() || super::revocation_of(g, i) == Revocation::TtlOnly {
        return None;
    }
    if let Some(d) = n.props.get("disruption").and_then(|v| v.as_u64()) {
        return Some(d.max(1));
    }
    use crate::model::TokenType::*;
    let base = match (n.kind, n.token_type) {
        (NodeKind::Session, _) => 1,
        (NodeKind::OauthGrant, _) => 3,
        (_, Some(Access | Id | Cookie)) => 1,
        (_, Some(Refresh)) => 2,
        (_, Some(Pat | ApiKey | Password | Other)) => 3,
        (_, Some(AccessKey | ClientSecret | PrivateKey)) => 5,
        (_, None) => 2,
    };
    let serves_machine = out_neighbours(g, i, EdgeKind::AuthenticatesAs)
        .into_iter()
        .any(|a| g.node(a).kind == NodeKind::ServiceAccount);
    let prod = n.tags.iter().any(|t| t == "env:prod");
    Some(base * if serves_machine || prod { 3 } else { 1 })
}

pub(super) fn first_wave(g: &TrustGraph, reach: &Reach, threshold: u8) -> FirstWave {
    let n = reach.nodes.len();
    let costs: Vec<u64> = reach
        .nodes
        .iter()
        .map(|&v| revocation_cost(g, v).unwrap_or(INFINITE))
        .collect();
    // The attacker keeps a live ttl_only credential whatever is revoked (see `Reach::cut_set`):
    // it is a source of the cut problem like the stolen artefacts, and what it reaches cannot be
    // separated by revoking what minted it.
    let live_sources: Vec<usize> = (0..reach.live_sources)
        .chain(reach.held.iter().copied())
        .collect();
    let critical = |p: usize| g.facts(reach.nodes[p]).criticality >= threshold;
    let targets: Vec<usize> = (0..n)
        .filter(|&p| !live_sources.contains(&p) && critical(p))
        .collect();
    // Separate what can be separated: a target with an uncuttable path is set aside, and so is
    // a critical credential the attacker holds.
    let mut separable = Vec::new();
    let mut not_separable: Vec<String> = reach
        .held
        .iter()
        .filter(|&&p| p >= reach.live_sources && critical(p))
        .map(|&p| g.id(reach.nodes[p]).to_string())
        .collect();
    for &t in &targets {
        let alone = CutProblem {
            costs: costs.clone(),
            edges: reach.edges.clone(),
            sources: live_sources.clone(),
            targets: vec![t],
        };
        if min_vertex_cut(&alone).is_some() {
            separable.push(t);
        } else {
            not_separable.push(g.id(reach.nodes[t]).to_string());
        }
    }
    let cut = min_vertex_cut(&CutProblem {
        costs: costs.clone(),
        edges: reach.edges.clone(),
        sources: live_sources,
        targets: separable.clone(),
    })
    .unwrap_or(Cut {
        nodes: Vec::new(),
        cost: 0,
    });
    let mut revoke: Vec<CutMember> = cut
        .nodes
        .iter()
        .map(|&p| CutMember {
            id: g.id(reach.nodes[p]).to_string(),
            cost: costs[p],
        })
        .collect();
    revoke.sort_by(|a, b| a.id.cmp(&b.id));
    let mut protects: Vec<String> = separable
        .iter()
        .map(|&p| g.id(reach.nodes[p]).to_string())
        .collect();
    protects.sort();
    not_separable.sort();
    FirstWave {
        threshold,
        cost: cut.cost,
        revoke,
        protects,
        not_separable,
    }
}
