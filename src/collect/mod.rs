//! Collectors: one module per data source, each split Cartography-style into
//! - **fetch**: raw API pages through the shared [`http`] layer, no reshaping;
//! - **transform**: a pure function from raw records to nodes and edges, tested offline on
//!   recorded responses;
//! - **load**: [`Collection::into_document`], which dedupes by id and records in `sources` whether
//!   the collection was complete and, if not, why.
//!
//! Node ids are `platform:kind:native-id` built from the platform's own object id
//! ([`crate::model::naming::node_id`]), so the same object seen by two collectors gets the same id
//! and `heir merge` joins them without a mapping table.
//!
//! Each source is a [`Collector`] listed once in [`registry`]; record accounting ([`Tally`]) says
//! what each transform did with its input. JSON readers and node/edge builders shared by the
//! collectors are in [`json`].

pub mod aws;
pub mod collector;
pub mod csvtext;
pub mod entra;
pub mod gcp;
pub mod github;
pub mod google;
pub mod http;
pub mod inventory;
pub mod json;
pub mod k8s;
pub mod logshape;
pub mod okta;
pub mod oktalog;
pub mod records;
pub mod signins;
pub mod slack;

/// The toy collector of `docs/collectors.md` ("Writing a collector"), compiled from the guide's
/// own file so the tests can prove the guide's claim.
#[cfg(test)]
#[path = "../../docs/collectors/hello.rs"]
mod hello;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use collector::{Collector, Context};
pub use records::Tally;

use crate::model::{Document, Edge, Node, Source, Timestamp};

/// Every source `heir collect` knows, in the order `heir collect --help` lists them. Adding a
/// source is one module implementing [`Collector`] and one line here.
pub fn registry() -> &'static [&'static dyn Collector] {
    &[
        &okta::Okta,
        &oktalog::OktaLog,
        &entra::Entra,
        &signins::Signins,
        &aws::Aws,
        &k8s::K8s,
        &gcp::Gcp,
        &inventory::Csv,
        &github::Github,
        &google::Google,
        &slack::Slack,
    ]
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
    /// Records read, and those skipped by reason (filled in by the transform).
    pub records: Tally,
    /// What the responder should know about how the input was read (its shape, times read as
    /// UTC): printed on stderr, not an error.
    pub notes: Vec<String>,
    /// What a complete collection still does not evaluate (AWS: conditions, SCPs, boundaries):
    /// the document's `sources[].reason` when nothing is missing, so a reader of the graph sees
    /// the limits of an edge without reading the collector's documentation.
    pub limits: Vec<String>,
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
        self.records.absorb(other.records);
        self.notes.extend(other.notes);
        self.limits.extend(other.limits);
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
            reason: if complete {
                (!self.limits.is_empty()).then(|| self.limits.join("; "))
            } else {
                Some(self.problems.join("; "))
            },
            platforms: self.platforms.clone(),
            records: Some(self.records.records()),
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
