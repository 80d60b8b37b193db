//! "What inherited this session": the forward closure over `issued` edges from a stolen artefact.
//!
//! With a compromise time (`--since`), only edges minted at or after it count — those children
//! were minted while the attacker held the parent. An edge with no `at` cannot be placed in time,
//! so it is left out of a `--since` answer and counted in `undated_skipped`, which the CLI warns
//! about: a responder must know the answer may be short.

use std::collections::VecDeque;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

use crate::model::liveness::ExpiryBasis;
use crate::model::{EdgeKind, NodeKind, Timestamp, TrustGraph};

/// One inherited credential.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Inherited {
    pub id: String,
    pub kind: NodeKind,
    /// When it was minted (the `issued` edge's `at`).
    pub at: Option<Timestamp>,
    /// The lineage chain from the stolen artefact.
    pub via: Vec<String>,
    /// Whether it still works at the analysis time.
    pub live: bool,
    /// Extension: where it was minted from, when the logs say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Extension: the platform it lives on, and its own expiry (derived when the graph gives
    /// none: see `expires_basis`).
    pub platform: String,
    pub expires_at: Option<Timestamp>,
    /// Extension: present when `expires_at` is an assumption — `policy` (the tenant's, stated or
    /// collected) or `platform-default` (the platform's documented default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_basis: Option<ExpiryBasis>,
}

/// The JSON contract of `heir inherited`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LineageReport {
    pub from: String,
    pub since: Option<Timestamp>,
    /// Extension: the time `live` was evaluated at.
    pub at: Timestamp,
    pub inherited: Vec<Inherited>,
    /// Extension: `issued` edges left out because they carry no `at` and `since` was given.
    pub undated_skipped: usize,
}

fn prop(props: &crate::model::Props, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| props.get(*k).and_then(|v| v.as_str()).map(str::to_string))
}

/// Breadth-first over `issued` edges, so `via` is a shortest lineage chain; listed by mint time.
pub fn inherited(
    g: &TrustGraph,
    from: NodeIndex,
    since: Option<Timestamp>,
    at: Timestamp,
) -> LineageReport {
    let mut seen = vec![false; g.graph.node_count()];
    let mut parent: Vec<Option<(NodeIndex, petgraph::graph::EdgeIndex)>> =
        vec![None; g.graph.node_count()];
    let mut queue = VecDeque::from([from]);
    seen[from.index()] = true;
    let mut order = Vec::new();
    let mut undated: Vec<NodeIndex> = Vec::new();
    while let Some(n) = queue.pop_front() {
        for e in g.graph.edges_directed(n, Direction::Outgoing) {
            if e.weight().kind != EdgeKind::Issued {
                continue;
            }
            let edge = g.edge(e.id());
            if let Some(since) = since {
                match edge.at {
                    Some(t) if t >= since => {}
                    Some(_) => continue,
                    None => {
                        undated.push(e.target());
                        continue;
                    }
                }
            }
            let t = e.target();
            if seen[t.index()] {
                continue;
            }
            seen[t.index()] = true;
            parent[t.index()] = Some((n, e.id()));
            order.push(t);
            queue.push_back(t);
        }
    }
    // Undated children that no dated chain reached either: the answer may be missing them.
    undated.sort();
    undated.dedup();
    let undated_skipped = undated.iter().filter(|t| !seen[t.index()]).count();
    let mut out: Vec<Inherited> = order
        .into_iter()
        .map(|t| {
            let (_, e) = parent[t.index()].expect("every listed node has a parent");
            let edge = g.edge(e);
            let mut via = vec![t];
            let mut cur = t;
            while let Some((p, _)) = parent[cur.index()] {
                via.push(p);
                cur = p;
            }
            via.reverse();
            let node = g.node(t);
            Inherited {
                id: node.id.clone(),
                kind: node.kind,
                at: edge.at,
                via: via.iter().map(|&i| g.id(i).to_string()).collect(),
                live: g.facts(t).alive_at(at.as_millis()),
                ip: prop(&edge.props, &["ip", "client_ip", "ip_address"])
                    .or_else(|| prop(&node.props, &["ip", "client_ip", "ip_address"])),
                user_agent: prop(&edge.props, &["user_agent", "userAgent"])
                    .or_else(|| prop(&node.props, &["user_agent", "userAgent"])),
                platform: node.platform().to_string(),
                expires_at: g.expires_at(t),
                expires_basis: g.expiry_basis(t),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.at.map_or(i64::MAX, Timestamp::as_millis)
            .cmp(&b.at.map_or(i64::MAX, Timestamp::as_millis))
            .then_with(|| a.id.cmp(&b.id))
    });
    LineageReport {
        from: g.id(from).to_string(),
        since,
        at,
        inherited: out,
        undated_skipped,
    }
}
