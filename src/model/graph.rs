//! The in-memory trust graph: a petgraph `DiGraph` whose node and edge weights are the few facts
//! the traversal reads (packed, so a million nodes stay cache-friendly), an [`IdIndex`] from id
//! to node position, and the full records behind them for everything a report wants to show,
//! parsed lazily (see [`crate::store::records`]).
//!
//! Node `i` of the graph is document node `i`, edge `j` is document edge `j`: no second id space.

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use super::document::{Document, Edge, Node, Source};
use super::kinds::{EdgeKind, NodeKind, Requirement};
use super::time::Timestamp;
use crate::store::ids::IdIndex;
use crate::store::records::Records;

/// What the traversal needs to know about a node, in 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeFacts {
    pub kind: NodeKind,
    pub criticality: u8,
    pub enabled: bool,
    pub device_bound: bool,
    /// `None` when the document does not say.
    pub mfa: Option<bool>,
    /// Position in [`TrustGraph::platforms`]: the node's platform, given or from its id.
    pub platform: u32,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeFacts {
    pub kind: EdgeKind,
    /// One bit per [`Requirement`].
    pub requires: u8,
    /// Position of the edge in `doc.edges`.
    pub doc_index: u32,
}

impl EdgeFacts {
    pub fn requirements(&self) -> impl Iterator<Item = Requirement> {
        requirements_in(self.requires)
    }
}

/// The requirements whose bits are set in `bits`, in the vocabulary's order.
pub(crate) fn requirements_in(bits: u8) -> impl Iterator<Item = Requirement> {
    Requirement::ALL
        .iter()
        .copied()
        .filter(move |r| bits & r.bit() != 0)
}

/// A loaded, indexed document.
pub struct TrustGraph {
    /// Crate-private: analyses go through the methods below, so how the graph is stored (and
    /// how it was loaded) can change without any answer changing.
    pub(crate) graph: DiGraph<NodeFacts, EdgeFacts, u32>,
    ids: IdIndex,
    platforms: Vec<String>,
    sources: Vec<Source>,
    records: Records,
    /// Each node's position in id order, for sorting large answers by id with integer compares.
    id_rank: std::sync::OnceLock<Vec<u32>>,
    /// Out-edges packed per node, for searches that walk much of the graph.
    out: std::sync::OnceLock<Adjacency>,
    /// Credential ends that are assumptions (derived by [`super::liveness::derive_windows`], or
    /// marked by the collector with `props.expiry_basis`), by node position: answers print them
    /// as assumed. Empty until that pass runs.
    assumed: std::collections::HashMap<u32, super::liveness::Assumed>,
}

/// One out-edge as a traversal reads it: where it goes and what it is, in 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Out {
    pub target: NodeIndex,
    pub edge: EdgeIndex,
    pub kind: EdgeKind,
    /// One bit per [`Requirement`], as in [`EdgeFacts::requires`].
    pub requires: u8,
}

impl Out {
    pub fn requirements(&self) -> impl Iterator<Item = Requirement> {
        requirements_in(self.requires)
    }
}

/// The out-edges of one node, packed or from petgraph (see [`TrustGraph::out_edges`]).
pub enum OutEdges<'g> {
    Packed(std::slice::Iter<'g, Out>),
    Linked(petgraph::graph::Edges<'g, EdgeFacts, petgraph::Directed, u32>),
}

impl Iterator for OutEdges<'_> {
    type Item = Out;

    #[inline]
    fn next(&mut self) -> Option<Out> {
        match self {
            OutEdges::Packed(it) => it.next().copied(),
            OutEdges::Linked(it) => it.next().map(|e| {
                use petgraph::visit::EdgeRef;
                Out {
                    target: e.target(),
                    edge: e.id(),
                    kind: e.weight().kind,
                    requires: e.weight().requires,
                }
            }),
        }
    }
}

/// Compressed sparse rows of the out-edges. petgraph keeps a node's edges as a linked list
/// through the edge array, so a large search jumps around memory once per edge; here a node's
/// edges are one contiguous run. Each run lists the edges in exactly petgraph's order (newest
/// first), so a search over either visits edges alike and gives the same answer.
struct Adjacency {
    start: Vec<u32>,
    outs: Vec<Out>,
}

impl Adjacency {
    fn build(graph: &DiGraph<NodeFacts, EdgeFacts, u32>) -> Adjacency {
        let n = graph.node_count();
        let mut start = vec![0u32; n + 1];
        for e in graph.raw_edges() {
            start[e.source().index() + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut cursor: Vec<u32> = start[..n].to_vec();
        let placeholder = Out {
            target: NodeIndex::new(0),
            edge: EdgeIndex::new(0),
            kind: EdgeKind::Sso,
            requires: 0,
        };
        let mut outs = vec![placeholder; graph.edge_count()];
        // petgraph prepends each added edge to its source's list: newest first.
        for (j, e) in graph.raw_edges().iter().enumerate().rev() {
            let slot = &mut cursor[e.source().index()];
            outs[*slot as usize] = Out {
                target: e.target(),
                edge: EdgeIndex::new(j),
                kind: e.weight.kind,
                requires: e.weight.requires,
            };
            *slot += 1;
        }
        Adjacency { start, outs }
    }
}

/// Interns platform names: a handful of distinct values over millions of nodes.
#[derive(Default)]
pub(crate) struct Platforms {
    pub names: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}

impl Platforms {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }
}

/// The platform of a node by the id convention `platform:kind:native`.
pub(crate) use crate::model::naming::platform_of_id;

impl TrustGraph {
    /// Indexes a document that has passed [`super::load::check`] (ids unique, edges resolvable).
    /// Edges that do not resolve (and repeated ids) are skipped rather than panicking, so a
    /// hand-built document cannot crash the engine.
    pub fn new(doc: Document) -> Self {
        let mut graph = DiGraph::with_capacity(doc.nodes.len(), doc.edges.len());
        let bytes = doc.nodes.iter().map(|n| n.id.len()).sum();
        let mut ids = IdIndex::with_capacity(doc.nodes.len(), bytes);
        let mut platforms = Platforms::default();
        let mut nodes = Vec::with_capacity(doc.nodes.len());
        for n in doc.nodes {
            if ids.push(&n.id).is_err() {
                continue;
            }
            graph.add_node(NodeFacts {
                kind: n.kind,
                criticality: n.criticality().min(10),
                enabled: n.enabled(),
                device_bound: n.device_bound.unwrap_or(false),
                mfa: n.mfa,
                platform: platforms.intern(n.platform()),
                issued_at: n.issued_at.map_or(i64::MIN, Timestamp::as_millis),
                expires_at: n.expires_at.map_or(i64::MAX, Timestamp::as_millis),
            });
            nodes.push(n);
        }
        let mut edges = Vec::with_capacity(doc.edges.len());
        for e in doc.edges {
            let (Some(a), Some(b)) = (ids.get(&e.from), ids.get(&e.to)) else {
                continue;
            };
            let requires = e.requires.iter().fold(0u8, |acc, r| acc | r.bit());
            graph.add_edge(
                NodeIndex::new(a),
                NodeIndex::new(b),
                EdgeFacts {
                    kind: e.kind,
                    requires,
                    doc_index: edges.len() as u32,
                },
            );
            edges.push(e);
        }
        TrustGraph {
            graph,
            ids,
            platforms: platforms.names,
            sources: doc.sources,
            records: Records::Parsed { nodes, edges },
            id_rank: std::sync::OnceLock::new(),
            out: std::sync::OnceLock::new(),
            assumed: std::collections::HashMap::new(),
        }
    }

    /// Assembles a graph from parts built by the fast loader or a snapshot. Edge `j` of `graph`
    /// must be record `j`.
    pub(crate) fn from_parts(
        graph: DiGraph<NodeFacts, EdgeFacts, u32>,
        ids: IdIndex,
        platforms: Vec<String>,
        sources: Vec<Source>,
        records: Records,
    ) -> Self {
        TrustGraph {
            graph,
            ids,
            platforms,
            sources,
            records,
            id_rank: std::sync::OnceLock::new(),
            out: std::sync::OnceLock::new(),
            assumed: std::collections::HashMap::new(),
        }
    }

    /// The out-edges of `n`, in petgraph's order: from the packed rows once
    /// [`TrustGraph::pack_out_edges`] has run, from petgraph's lists before. Both give the same
    /// edges in the same order, so a search may switch mid-way.
    #[inline]
    pub fn out_edges(&self, n: NodeIndex) -> OutEdges<'_> {
        match self.out.get() {
            Some(adj) => {
                let i = n.index();
                OutEdges::Packed(adj.outs[adj.start[i] as usize..adj.start[i + 1] as usize].iter())
            }
            None => OutEdges::Linked(self.graph.edges_directed(n, petgraph::Direction::Outgoing)),
        }
    }

    /// Packs the out-edges (a linear pass over the graph, once). Worth it for a search that walks
    /// a large part of the graph; a typical blast touches a handful of nodes and never asks.
    pub(crate) fn pack_out_edges(&self) {
        self.out.get_or_init(|| Adjacency::build(&self.graph));
    }

    /// Each node's rank in byte order of ids: comparing ranks is comparing ids. Computed on first
    /// use (a sort of every id, so only large answers ask) or taken from a snapshot.
    pub(crate) fn id_rank(&self) -> &[u32] {
        self.id_rank.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.ids.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| self.ids.id(a as usize).cmp(self.ids.id(b as usize)));
            let mut rank = vec![0u32; order.len()];
            for (r, &i) in order.iter().enumerate() {
                rank[i as usize] = r as u32;
            }
            rank
        })
    }

    /// Whether [`TrustGraph::id_rank`] is at hand without a sort (read from a snapshot, or
    /// computed for an earlier answer).
    pub(crate) fn id_rank_ready(&self) -> bool {
        self.id_rank.get().is_some()
    }

    /// Installs a rank table read from a snapshot; refused unless it is a permutation.
    pub(crate) fn set_id_rank(&self, rank: Vec<u32>) -> bool {
        if rank.len() != self.ids.len() {
            return false;
        }
        let mut seen = vec![false; rank.len()];
        for &r in &rank {
            match seen.get_mut(r as usize) {
                Some(s) if !*s => *s = true,
                _ => return false,
            }
        }
        self.id_rank.set(rank).is_ok()
    }

    pub fn index(&self, id: &str) -> Option<NodeIndex> {
        self.ids.get(id).map(NodeIndex::new)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.get(id).is_some()
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Every node, in document order.
    pub fn node_indices(&self) -> impl ExactSizeIterator<Item = NodeIndex> + '_ {
        self.graph.node_indices()
    }

    /// Every edge, in document order.
    pub fn edge_indices(&self) -> impl ExactSizeIterator<Item = EdgeIndex> + '_ {
        self.graph.edge_indices()
    }

    /// Where an edge starts and ends.
    pub fn endpoints(&self, e: EdgeIndex) -> (NodeIndex, NodeIndex) {
        self.graph
            .edge_endpoints(e)
            .expect("an edge index of this graph")
    }

    /// What the traversal knows of an edge.
    pub fn edge_facts(&self, e: EdgeIndex) -> &EdgeFacts {
        &self.graph[e]
    }

    /// The edges into `n`: (source, edge).
    pub fn in_edges(&self, n: NodeIndex) -> impl Iterator<Item = (NodeIndex, EdgeIndex)> + '_ {
        use petgraph::visit::EdgeRef;
        self.graph
            .edges_directed(n, petgraph::Direction::Incoming)
            .map(|e| (e.source(), e.id()))
    }

    /// The full record of a node (parsed on first use when the graph came from a large file).
    pub fn node(&self, i: NodeIndex) -> &Node {
        self.records.node(i.index(), self.id(i), self.graph[i].kind)
    }

    pub fn id(&self, i: NodeIndex) -> &str {
        self.ids.id(i.index())
    }

    /// Calls `f` with the ids of `nodes` in order, looking them up as one batch (see
    /// [`IdIndex::for_each_id`]): for writing paths of large answers.
    pub fn for_each_id(&self, nodes: &[usize], f: impl FnMut(&str)) {
        self.ids.for_each_id(nodes, f)
    }

    pub fn facts(&self, i: NodeIndex) -> &NodeFacts {
        &self.graph[i]
    }

    /// When credential `i` ends as every analysis sees it: the document's `expires_at`, else the
    /// end derived by [`super::liveness::derive_windows`]; `None`: no known end.
    pub fn expires_at(&self, i: NodeIndex) -> Option<Timestamp> {
        let ms = self.graph[i].expires_at;
        (ms != i64::MAX).then(|| Timestamp::from_millis(ms))
    }

    /// Whether the end of credential `i` is an assumption, and on what basis: derived by
    /// [`super::liveness::derive_windows`], or written by a collector that marked it with
    /// `props.expiry_basis` (read from the record when asked, so only for what an answer shows).
    pub fn expiry_basis(&self, i: NodeIndex) -> Option<super::liveness::ExpiryBasis> {
        if let Some(a) = self.assumed.get(&(i.index() as u32)) {
            return Some(a.basis);
        }
        let f = &self.graph[i];
        if !f.kind.is_credential() || f.expires_at == i64::MAX {
            return None;
        }
        super::liveness::recorded(self.node(i)).map(|a| a.basis)
    }

    pub(crate) fn set_assumed(
        &mut self,
        assumed: std::collections::HashMap<u32, super::liveness::Assumed>,
    ) {
        self.assumed.extend(assumed);
    }

    /// Starts loading the facts of `i` and where its id lies: a large answer reads both for
    /// nodes scattered over the graph, and asking a few rows ahead overlaps the misses.
    #[inline]
    pub(crate) fn prefetch_node(&self, i: NodeIndex) {
        self.prefetch_facts(i);
        self.ids.prefetch_span(i.index());
    }

    /// Starts loading the endpoints of edge `e`.
    #[inline]
    pub(crate) fn prefetch_edge(&self, e: EdgeIndex) {
        crate::sys::prefetch(self.graph.raw_edges().as_ptr().wrapping_add(e.index()));
    }

    /// Starts loading the facts of `i`: a large search asks ahead for the nodes it is about to
    /// read, so their cache misses overlap.
    #[inline]
    pub(crate) fn prefetch_facts(&self, i: NodeIndex) {
        crate::sys::prefetch(self.graph.raw_nodes().as_ptr().wrapping_add(i.index()));
    }

    /// The node's platform: `platform` when given, else the `platform:` prefix of its id.
    pub fn platform(&self, i: NodeIndex) -> &str {
        &self.platforms[self.graph[i].platform as usize]
    }

    /// The document edge behind a graph edge.
    pub fn edge(&self, e: EdgeIndex) -> &Edge {
        self.records
            .edge(self.graph[e].doc_index as usize, self.ends(e))
    }

    /// An edge's ends and kind, as its record must show them.
    fn ends(&self, e: EdgeIndex) -> (&str, &str, EdgeKind) {
        let (a, b) = self.graph.edge_endpoints(e).expect("edge of this graph");
        (self.id(a), self.id(b), self.graph[e].kind)
    }

    /// A node's record without adding it to the record cache: a pass over every record (a Neo4j
    /// push, a Cypher script) would otherwise hold the whole document parsed. A record that
    /// cannot be read back comes from [`TrustGraph::node`], which substitutes and warns once.
    pub fn node_uncached(&self, i: NodeIndex) -> std::borrow::Cow<'_, Node> {
        self.records
            .node_uncached(i.index(), self.id(i), self.graph[i].kind)
            .unwrap_or_else(|| std::borrow::Cow::Borrowed(self.node(i)))
    }

    /// An edge's record without caching it, as [`TrustGraph::node_uncached`].
    pub fn edge_uncached(&self, e: EdgeIndex) -> std::borrow::Cow<'_, Edge> {
        self.records
            .edge_uncached(self.graph[e].doc_index as usize, self.ends(e))
            .unwrap_or_else(|| std::borrow::Cow::Borrowed(self.edge(e)))
    }

    /// Every node record in document order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + '_ {
        self.records.preload();
        self.graph.node_indices().map(|i| self.node(i))
    }

    /// Every edge record in document order.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = &Edge> + '_ {
        self.records.preload();
        self.graph.edge_indices().map(|e| self.edge(e))
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// All ids, in node order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.ids.iter()
    }

    /// The document back, records in order (for tests, merges and rewrites).
    pub fn to_document(&self) -> Document {
        Document {
            version: 1,
            sources: self.sources.clone(),
            nodes: self.nodes().cloned().collect(),
            edges: self.edges().cloned().collect(),
        }
    }

    /// Whether no id needs escaping in JSON, as far as is known (recorded in a snapshot).
    pub(crate) fn ids_known_plain(&self) -> bool {
        self.ids.known_plain()
    }

    /// Whether the id index is read in place from a mapped snapshot (see `store::words`).
    #[cfg(test)]
    pub(crate) fn ids_read_in_place(&self) -> bool {
        self.ids.reads_in_place()
    }

    pub(crate) fn id_index(&self) -> &IdIndex {
        &self.ids
    }

    pub(crate) fn platform_names(&self) -> &[String] {
        &self.platforms
    }

    pub(crate) fn records(&self) -> &Records {
        &self.records
    }

    /// Names of the sources marked incomplete.
    pub fn incomplete_sources(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| !s.complete)
            .map(|s| s.name.clone())
            .collect()
    }

    /// False when a source covering this node's platform (by name or `platforms`) is incomplete.
    /// A platform no source mentions counts as complete: there is nothing to say otherwise.
    pub fn complete(&self, i: NodeIndex) -> bool {
        let platform = self.platform(i);
        !self
            .sources
            .iter()
            .filter(|s| !s.complete)
            .any(|s| s.name == platform || s.platforms.iter().any(|p| p == platform))
    }

    /// Up to `n` existing ids closest to `wanted`, for "unknown id" errors.
    pub fn closest_ids(&self, wanted: &str, n: usize) -> Vec<String> {
        let ids: Vec<&str> = self.ids.iter().collect();
        super::load::suggest(wanted, &ids, n)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::visit::EdgeRef;

    /// The packed out-edges list exactly petgraph's edges, in petgraph's order: searches over
    /// either must give the same answers, paths included.
    #[test]
    fn packed_out_edges_follow_petgraph_order() {
        let mut doc = Document::default();
        let n = 200;
        for i in 0..n {
            doc.nodes
                .push(Node::new(format!("x:role:{i}"), NodeKind::Role));
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for k in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (a, b) = (x % n, (x >> 20) % n);
            let kind = EdgeKind::ALL[k % EdgeKind::ALL.len()];
            doc.edges.push(Edge::new(
                format!("x:role:{a}"),
                format!("x:role:{b}"),
                kind,
            ));
        }
        let g = TrustGraph::new(doc);
        let linked: Vec<Vec<Out>> = g
            .graph
            .node_indices()
            .map(|n| g.out_edges(n).collect())
            .collect();
        g.pack_out_edges();
        for node in g.graph.node_indices() {
            let packed: Vec<Out> = g.out_edges(node).collect();
            assert!(matches!(g.out_edges(node), OutEdges::Packed(_)));
            assert_eq!(packed, linked[node.index()]);
            let expected: Vec<Out> = g
                .graph
                .edges_directed(node, petgraph::Direction::Outgoing)
                .map(|e| Out {
                    target: e.target(),
                    edge: e.id(),
                    kind: e.weight().kind,
                    requires: e.weight().requires,
                })
                .collect();
            assert_eq!(packed, expected);
        }
    }
}
