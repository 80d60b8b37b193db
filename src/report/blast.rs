//! The report of a blast: the rows of `heir blast`'s JSON contract (contracts.md), with ids
//! instead of node indices. Table and Markdown read these rows; JSON is written straight from the
//! search's result (`blast_json`), byte for byte as serde would write these rows.

use petgraph::graph::NodeIndex;
use serde::Serialize;

use crate::analysis::blast::{with_chain, BlastResult, Hop};
use crate::model::{Attacker, BlockedBy, Timestamp, TrustGraph};
use crate::sys::{par, read_ahead};

/// The JSON contract of `heir blast` (contracts.md), plus optional extensions.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BlastReport<'a> {
    pub from: Vec<&'a str>,
    pub at: Timestamp,
    pub attacker: Attacker,
    pub incomplete_sources: Vec<String>,
    pub reached: Vec<ReachedEntry<'a>>,
    pub blocked: Vec<BlockedEntry<'a>>,
    /// Sources already expired or inactive at `at` (extension).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dead_sources: Vec<&'a str>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReachedEntry<'a> {
    pub id: &'a str,
    pub kind: crate::model::NodeKind,
    pub criticality: u8,
    #[schemars(with = "Vec<String>")]
    pub path: PathIds<'a>,
    pub until: Option<Timestamp>,
    /// Extension: present when `until` is an assumed end — derived from the tenant's stated
    /// policy (`policy`) or the platform's documented default (`platform-default`) because the
    /// credential that bounds the window carries no observed expiry (docs/model.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_basis: Option<crate::model::liveness::ExpiryBasis>,
    pub persistent: bool,
    /// Extension: the node's platform.
    pub platform: &'a str,
    /// Extension: false when the node's source was collected incompletely.
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BlockedEntry<'a> {
    pub id: &'a str,
    pub by: Vec<BlockedBy>,
    pub edge: EdgeRef3<'a>,
}

/// A reached node's explaining chain as ids, from a source to the node. Read from the shared
/// hop arena when it is serialised or asked for, so an admin-sized report does not hold a vector
/// per row.
#[derive(Clone)]
pub struct PathIds<'a> {
    graph: &'a TrustGraph,
    hops: std::sync::Arc<[Hop]>,
    last: u32,
}

impl<'a> PathIds<'a> {
    /// The ids, from the source to the reached node.
    pub fn ids(&self) -> Vec<&'a str> {
        let graph = self.graph;
        self.with_chain(|chain| chain.iter().map(|&i| graph.id(NodeIndex::new(i))).collect())
    }

    /// Calls `f` with each id of the chain, source first; the ids are looked up as one batch.
    pub fn for_each_id(&self, f: impl FnMut(&str)) {
        self.with_chain(|chain| self.graph.for_each_id(chain, f))
    }

    /// Calls `f` with each node of the chain, source first.
    fn for_each_node<E>(&self, mut f: impl FnMut(NodeIndex) -> Result<(), E>) -> Result<(), E> {
        self.with_chain(|chain| chain.iter().try_for_each(|&i| f(NodeIndex::new(i))))
    }

    fn with_chain<R>(&self, f: impl FnOnce(&[usize]) -> R) -> R {
        with_chain(&self.hops, self.last, f)
    }
}

impl Serialize for PathIds<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        self.for_each_node(|node| seq.serialize_element(self.graph.id(node)))?;
        seq.end()
    }
}

impl std::fmt::Debug for PathIds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

/// An edge named by its ends and kind.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EdgeRef3<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub kind: crate::model::EdgeKind,
}

impl BlastResult {
    /// The serialisable report, ids instead of indices. It borrows the ids from the graph and
    /// shares the hop arena: an admin-sized answer has millions of path entries, and copying each
    /// was most of its cost.
    pub fn report<'g>(&self, g: &'g TrustGraph) -> BlastReport<'g> {
        // Rows are in answer order, scattered over the graph: each row's node is asked for a
        // few rows ahead, so the cache misses overlap. Large answers are built on every core.
        const AHEAD: usize = 8;
        const PARALLEL_ROWS: usize = 16_384;
        BlastReport {
            from: self.query.from.iter().map(|&i| g.id(i)).collect(),
            at: self.query.at,
            attacker: self.query.attacker,
            incomplete_sources: self.incomplete_sources.clone(),
            reached: par::map_chunks(&self.reached, PARALLEL_ROWS, |run, rows| {
                rows.extend(
                    read_ahead(run, AHEAD, |r| g.prefetch_node(r.node)).map(|r| ReachedEntry {
                        id: g.id(r.node),
                        kind: g.facts(r.node).kind,
                        criticality: g.facts(r.node).criticality,
                        path: PathIds {
                            graph: g,
                            hops: self.hops.clone(),
                            last: r.hop,
                        },
                        until: r.until,
                        until_basis: self.until_basis(g, r),
                        persistent: r.persistent,
                        platform: g.platform(r.node),
                        complete: g.complete(r.node),
                    }),
                )
            }),
            blocked: read_ahead(&self.blocked, AHEAD, |b| {
                g.prefetch_node(b.node);
                g.prefetch_edge(b.edge);
            })
            .map(|b| {
                let (from, to) = g.endpoints(b.edge);
                BlockedEntry {
                    id: g.id(b.node),
                    by: b.by.clone(),
                    edge: EdgeRef3 {
                        from: g.id(from),
                        to: g.id(to),
                        kind: g.edge_facts(b.edge).kind,
                    },
                }
            })
            .collect(),
            dead_sources: self.dead_sources.iter().map(|&i| g.id(i)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::blast::{blast, BlastQuery};
    use crate::model::{Attacker, Document, Node, NodeKind, Timestamp, TrustGraph};
    use petgraph::graph::NodeIndex;

    /// Roles `aws:role:r0` … `r{n-1}`, and a `can_assume` edge for each `(from, to)` pair.
    fn roles(n: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Document {
        let mut doc = Document::default();
        for i in 0..n {
            doc.nodes
                .push(Node::new(format!("aws:role:r{i}"), NodeKind::Role));
        }
        for (a, b) in edges {
            doc.edges.push(crate::model::Edge::new(
                format!("aws:role:r{a}"),
                format!("aws:role:r{b}"),
                crate::model::EdgeKind::CanAssume,
            ));
        }
        doc
    }

    /// Paths longer than the walk's inline buffer (32 hops) and longer than one id batch (16)
    /// come out whole and source first, the same through the batched writer and through serde.
    #[test]
    fn long_paths_are_whole_and_in_order() {
        let n = 45;
        let g = TrustGraph::new(roles(n, (1..n).map(|i| (i - 1, i))));
        let q = BlastQuery {
            from: vec![NodeIndex::new(0)],
            at: Timestamp::from_millis(1_700_000_000_000),
            attacker: Attacker::OffDevice,
        };
        let r = blast(&g, &q);
        let report = r.report(&g);
        assert_eq!(report.reached.len(), n - 1);
        for entry in &report.reached {
            let depth: usize = entry.id["aws:role:r".len()..].parse().unwrap();
            let expected: Vec<String> = (0..=depth).map(|i| format!("aws:role:r{i}")).collect();
            let mut batched = Vec::new();
            entry.path.for_each_id(|id| batched.push(id.to_string()));
            assert_eq!(batched, expected);
            let serialized: Vec<String> =
                serde_json::from_value(serde_json::to_value(&entry.path).unwrap()).unwrap();
            assert_eq!(serialized, expected);
        }
    }
}
