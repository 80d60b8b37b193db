//! Collectors: one module per data source, each split Cartography-style into
//! - **fetch**: raw API pages through the shared [`http`] layer, no reshaping;
//! - **transform**: a pure function from raw records to nodes and edges, tested offline on
//!   recorded responses;
//! - **load**: [`Collection::into_document`], which dedupes by id and records in `sources` whether
//!   the collection was complete and, if not, why.
//!
//! Node ids are `platform:kind:native-id` built from the platform's own object id ([`id`]), so the
//! same object seen by two collectors gets the same id and `heir merge` joins them without a
//! mapping table.

pub mod entra;
pub mod http;
pub mod okta;
pub mod oktalog;
pub mod signins;

use std::collections::BTreeMap;

use crate::model::{Document, Edge, Node, NodeKind, Source, Timestamp};

/// The conventional node id ([`crate::model::naming`]).
pub use crate::model::naming::node_id as id;

/// A node on `platform` with the conventional id.
pub fn node_on(platform: &str, kind: NodeKind, native: &str) -> Node {
    let mut n = Node::new(id(platform, kind, native), kind);
    n.platform = Some(platform.to_string());
    n
}

/// An edge carrying source data in `props`.
pub fn edge_with(
    from: &str,
    to: &str,
    kind: crate::model::EdgeKind,
    props: crate::model::Props,
) -> Edge {
    let mut e = Edge::new(from, to, kind);
    e.props = props;
    e
}

/// Props from literal pairs, nulls left out.
pub fn props<const N: usize>(pairs: [(&str, serde_json::Value); N]) -> crate::model::Props {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// What one collector run produced.
#[derive(Debug, Clone, Default)]
pub struct Collection {
    pub source: String,
    /// Other platforms this source's nodes live on (e.g. `oktalog` writes `okta` nodes).
    pub platforms: Vec<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Endpoints that failed for good: the collection is incomplete.
    pub problems: Vec<String>,
}

impl Collection {
    pub fn new(source: &str) -> Self {
        Collection {
            source: source.to_string(),
            ..Default::default()
        }
    }

    /// Adds a node; a second node with the same id fills in fields the first lacks.
    pub fn node(&mut self, n: Node) {
        self.nodes.push(n);
    }

    pub fn edge(&mut self, e: Edge) {
        self.edges.push(e);
    }

    pub fn extend(&mut self, other: Collection) {
        self.nodes.extend(other.nodes);
        self.edges.extend(other.edges);
        self.problems.extend(other.problems);
    }

    /// The document: nodes deduped by id (later fields fill gaps, never overwrite), edges deduped
    /// by (from, to, kind, at), edges to unknown nodes dropped and counted as a problem, and a
    /// `sources` entry saying whether the collection was complete.
    pub fn into_document(mut self, collected_at: Timestamp) -> Document {
        let mut by_id: BTreeMap<String, Node> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for n in std::mem::take(&mut self.nodes) {
            match by_id.get_mut(&n.id) {
                Some(existing) => {
                    let _ = crate::model::merge::merge_node(existing, &n);
                }
                None => {
                    order.push(n.id.clone());
                    by_id.insert(n.id.clone(), n);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut edges = Vec::new();
        let mut dangling = 0usize;
        for e in std::mem::take(&mut self.edges) {
            if !by_id.contains_key(&e.from) || !by_id.contains_key(&e.to) {
                dangling += 1;
                continue;
            }
            let key = (
                e.from.clone(),
                e.to.clone(),
                e.kind,
                e.at.map(|t| t.as_millis()),
            );
            if seen.insert(key) {
                edges.push(e);
            }
        }
        if dangling > 0 {
            self.problems.push(format!(
                "{dangling} relationship(s) pointed at objects the collection did not return"
            ));
        }
        let complete = self.problems.is_empty();
        let mut doc = Document::new();
        doc.sources.push(Source {
            name: self.source.clone(),
            collected_at: Some(collected_at),
            complete,
            reason: (!complete).then(|| self.problems.join("; ")),
            platforms: self.platforms.clone(),
        });
        doc.nodes = order
            .into_iter()
            .map(|id| by_id.remove(&id).expect("ordered ids exist"))
            .collect();
        doc.edges = edges;
        doc
    }
}

/// A progress bar per source on stderr, only when stderr is a terminal and not `--quiet`.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn new(source: &str, quiet: bool) -> Self {
        if quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg} ({pos} records)")
                .expect("valid template"),
        );
        bar.set_prefix(source.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }

    pub fn step(&self, what: &str) {
        if let Some(b) = &self.0 {
            b.set_message(what.to_string());
        }
    }

    pub fn add(&self, n: usize) {
        if let Some(b) = &self.0 {
            b.inc(n as u64);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
