//! Random trust graphs for property tests.
#![allow(dead_code)]

pub mod golden;

use heir::model::{
    Document, Edge, EdgeKind, Node, NodeKind, Requirement, Revocation, Timestamp, TrustGraph,
};
use proptest::prelude::*;

pub const AT: i64 = 1_795_168_800_000; // 2026-11-20T10:00:00Z
pub const HOUR: i64 = 3_600_000;

/// kind, expiry, mfa, device-bound, disabled, has criticality
pub type NodeSpec = (NodeKind, Option<i64>, Option<bool>, bool, bool, bool);

#[derive(Debug, Clone)]
pub struct Spec {
    pub nodes: Vec<NodeSpec>,
    pub edges: Vec<(usize, usize, EdgeKind, Vec<Requirement>)>,
}

pub fn node_strategy() -> impl Strategy<Value = NodeSpec> {
    (
        prop::sample::select(NodeKind::ALL.to_vec()),
        prop::option::of(-3i64..12),
        prop::option::of(any::<bool>()),
        prop::bool::weighted(0.15), // device_bound
        prop::bool::weighted(0.1),  // disabled
        prop::bool::weighted(0.5),  // has criticality
    )
        .prop_map(|(k, h, mfa, db, dis, crit)| (k, h.map(|h| AT + h * HOUR), mfa, db, dis, crit))
}

pub fn spec_strategy() -> impl Strategy<Value = Spec> {
    (2usize..14).prop_flat_map(|n| {
        let nodes = prop::collection::vec(node_strategy(), n);
        let edge = (
            0..n,
            0..n,
            prop::sample::select(EdgeKind::ALL.to_vec()),
            prop::collection::vec(prop::sample::select(Requirement::ALL.to_vec()), 0..2),
        );
        let edges = prop::collection::vec(edge, 0..(n * 3));
        (nodes, edges).prop_map(|(nodes, edges)| Spec { nodes, edges })
    })
}

pub fn build(spec: &Spec) -> TrustGraph {
    let mut doc = Document::new();
    for (i, (kind, exp, mfa, db, dis, crit)) in spec.nodes.iter().enumerate() {
        let mut n = Node::new(format!("n{i}"), *kind);
        n.expires_at = exp.map(Timestamp::from_millis);
        n.mfa = *mfa;
        n.device_bound = Some(*db);
        n.enabled = Some(!dis);
        n.criticality = Some(if *crit { (i % 11) as u8 } else { 0 });
        doc.nodes.push(n);
    }
    for (a, b, kind, req) in &spec.edges {
        let mut e = Edge::new(format!("n{a}"), format!("n{b}"), *kind);
        let mut req = req.clone();
        req.sort();
        req.dedup();
        e.requires = req;
        doc.edges.push(e);
    }
    TrustGraph::new(doc)
}

/// Like [`build`], with revocation kinds spread over the credentials (every fourth ttl_only).
pub fn build_with_revocation(spec: &Spec) -> TrustGraph {
    let g = build(spec);
    let mut doc = g.to_document();
    for (i, n) in doc.nodes.iter_mut().enumerate() {
        if n.kind.is_credential() {
            n.revocation = Some(match i % 4 {
                0 => Revocation::TtlOnly,
                1 => Revocation::Central,
                2 => Revocation::PerApp,
                _ => Revocation::None,
            });
        }
    }
    TrustGraph::new(doc)
}
pub mod entra_tenant;
pub mod github_org;
pub mod httpmock;
pub mod okta_org;
