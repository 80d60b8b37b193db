//! The in-memory trust graph: a petgraph `DiGraph` whose node and edge weights are the few facts
//! the traversal reads (packed, so a million nodes stay cache-friendly), an `IndexMap` from id to
//! node index, and the document itself for everything a report wants to show.
//!
//! Node `i` of the graph is `doc.nodes[i]`, edge `j` is `doc.edges[j]`: no second id space.

use indexmap::IndexMap;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use super::document::Document;
use super::kinds::{EdgeKind, NodeKind, Requirement};
use super::time::Timestamp;

/// What the traversal needs to know about a node, in 24 bytes.
#[derive(Debug, Clone, Copy)]
pub struct NodeFacts {
    pub kind: NodeKind,
    pub criticality: u8,
    pub enabled: bool,
    pub device_bound: bool,
    /// `None` when the document does not say.
    pub mfa: Option<bool>,
    /// Milliseconds; `i64::MIN` when not known (treated as "issued long ago").
    pub issued_at: i64,
    /// Milliseconds; `i64::MAX` when it never expires.
    pub expires_at: i64,
}

impl NodeFacts {
    /// A credential that works at `at` (enabled, issued, unexpired); any non-credential.
    #[inline]
    pub fn alive_at(&self, at: i64) -> bool {
        !self.kind.is_credential() || (self.enabled && self.issued_at <= at && self.expires_at > at)
    }
}

/// What the traversal needs to know about an edge.
#[derive(Debug, Clone, Copy)]
pub struct EdgeFacts {
    pub kind: EdgeKind,
    /// One bit per [`Requirement`].
    pub requires: u8,
    /// Position of the edge in `doc.edges`.
    pub doc_index: u32,
}

impl EdgeFacts {
    pub fn requirements(&self) -> impl Iterator<Item = Requirement> + '_ {
        Requirement::ALL
            .iter()
            .copied()
            .filter(move |r| self.requires & r.bit() != 0)
    }
}

/// A loaded, indexed document.
pub struct TrustGraph {
    pub doc: Document,
    pub graph: DiGraph<NodeFacts, EdgeFacts, u32>,
    pub ids: IndexMap<String, NodeIndex>,
}

impl TrustGraph {
    /// Indexes a document that has passed [`super::load::check`] (ids unique, edges resolvable).
    /// Edges that do not resolve are skipped rather than panicking, so a hand-built document
    /// cannot crash the engine.
    pub fn new(doc: Document) -> Self {
        let mut graph = DiGraph::with_capacity(doc.nodes.len(), doc.edges.len());
        let mut ids = IndexMap::with_capacity(doc.nodes.len());
        for n in &doc.nodes {
            let idx = graph.add_node(NodeFacts {
                kind: n.kind,
                criticality: n.criticality().min(10),
                enabled: n.enabled(),
                device_bound: n.device_bound.unwrap_or(false),
                mfa: n.mfa,
                issued_at: n.issued_at.map_or(i64::MIN, Timestamp::as_millis),
                expires_at: n.expires_at.map_or(i64::MAX, Timestamp::as_millis),
            });
            ids.insert(n.id.clone(), idx);
        }
        for (j, e) in doc.edges.iter().enumerate() {
            let (Some(&a), Some(&b)) = (ids.get(&e.from), ids.get(&e.to)) else {
                continue;
            };
            let requires = e.requires.iter().fold(0u8, |acc, r| acc | r.bit());
            graph.add_edge(
                a,
                b,
                EdgeFacts {
                    kind: e.kind,
                    requires,
                    doc_index: j as u32,
                },
            );
        }
        TrustGraph { doc, graph, ids }
    }

    pub fn index(&self, id: &str) -> Option<NodeIndex> {
        self.ids.get(id).copied()
    }

    pub fn node(&self, i: NodeIndex) -> &super::document::Node {
        &self.doc.nodes[i.index()]
    }

    pub fn id(&self, i: NodeIndex) -> &str {
        &self.doc.nodes[i.index()].id
    }

    pub fn facts(&self, i: NodeIndex) -> &NodeFacts {
        &self.graph[i]
    }

    /// The document edge behind a graph edge.
    pub fn edge(&self, e: EdgeIndex) -> &super::document::Edge {
        &self.doc.edges[self.graph[e].doc_index as usize]
    }

    /// Names of the sources marked incomplete.
    pub fn incomplete_sources(&self) -> Vec<String> {
        self.doc
            .sources
            .iter()
            .filter(|s| !s.complete)
            .map(|s| s.name.clone())
            .collect()
    }

    /// False when a source covering this node's platform (by name or `platforms`) is incomplete.
    /// A platform no source mentions counts as complete: there is nothing to say otherwise.
    pub fn complete(&self, i: NodeIndex) -> bool {
        let platform = self.node(i).platform();
        !self
            .doc
            .sources
            .iter()
            .filter(|s| !s.complete)
            .any(|s| s.name == platform || s.platforms.iter().any(|p| p == platform))
    }

    /// Up to `n` existing ids closest to `wanted`, for "unknown id" errors.
    pub fn closest_ids(&self, wanted: &str, n: usize) -> Vec<String> {
        let ids: Vec<&str> = self.ids.keys().map(String::as_str).collect();
        super::load::suggest(wanted, &ids, n)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}
