//! Output formats, behind one trait: the analyses produce report values and never know how they
//! are shown (ripgrep's `Sink`, in spirit). A format that makes no sense for a report says so
//! instead of printing something half-right.

pub mod blast;
pub mod blast_json;
pub mod html;
pub mod hunt;
pub mod markdown;
pub mod plan;
pub mod schema;
pub mod sprawl;
pub mod table;
pub mod text;
pub mod verify;

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::blast::BlastResult;
use crate::analysis::lineage::LineageReport;
use crate::model::TrustGraph;

/// What `heir validate` found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ValidateReport {
    pub file: String,
    pub valid: bool,
    pub nodes: usize,
    pub edges: usize,
    /// Nodes per kind, in the vocabulary's order; kinds with none are left out.
    pub node_kinds: indexmap::IndexMap<String, usize>,
    pub edge_kinds: indexmap::IndexMap<String, usize>,
    pub sources: Vec<crate::model::Source>,
    pub warnings: Vec<String>,
    /// Wall time to read, check and index the document.
    pub load_ms: u64,
    /// Peak resident memory of the process, when the OS reports it.
    pub peak_rss_bytes: Option<u64>,
}

/// A report ready for output, with the graph for formats that show more than the report holds.
pub enum Output<'a> {
    Validate(&'a ValidateReport),
    /// Formats that show the report's rows build them (`BlastResult::report`); JSON and DOT
    /// read the result directly.
    Blast(&'a TrustGraph, &'a BlastResult),
    Lineage(&'a TrustGraph, &'a LineageReport),
    Plan(&'a TrustGraph, &'a crate::analysis::plan::Plan),
    Sprawl(&'a crate::analysis::sprawl::SprawlReport),
}

/// One output format.
pub trait Sink {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()>;
}

/// Machine-readable: the JSON contracts of docs/contracts.md.
pub struct Json;

impl Sink for Json {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()> {
        // The serializer makes a write per token; a concrete buffer here turns each into an
        // inlined copy instead of a call through `dyn Write`.
        let mut out = io::BufWriter::with_capacity(1 << 16, out);
        match report {
            Output::Validate(r) => serde_json::to_writer_pretty(&mut out, r)?,
            Output::Blast(g, r) => blast_json::write_blast(&mut out, g, r)?,
            Output::Lineage(_, r) => serde_json::to_writer_pretty(&mut out, r)?,
            Output::Plan(_, r) => serde_json::to_writer_pretty(&mut out, r)?,
            Output::Sprawl(r) => serde_json::to_writer_pretty(&mut out, r)?,
        }
        writeln!(out)?;
        out.flush()
    }
}

/// Graphviz DOT of a blast radius.
pub struct Dot;

impl Sink for Dot {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()> {
        match report {
            Output::Blast(g, r) => out.write_all(crate::export::dot::blast_dot(g, r).as_bytes()),
            _ => Err(io::Error::other("the dot format is only for `heir blast`")),
        }
    }
}

/// Shortens `s` to `width` characters, eliding the middle: ids differ at both ends.
pub fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width || width < 5 {
        return s.to_string();
    }
    let head = (width - 1) / 2;
    let tail = width - 1 - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// The basis of an assumed window: when the credential whose end caps `until` along the
/// explaining `path` has an end derived from policy or a platform default
/// (`model::liveness`), the answer must print it as assumed, not as a fact.
pub fn assumed_basis(
    g: &crate::model::TrustGraph,
    until: Option<crate::model::Timestamp>,
    path: &[&str],
) -> Option<crate::model::liveness::ExpiryBasis> {
    let until = until?;
    // Facts first (cheap); a record is read only for the credential whose end is the window.
    path.iter()
        .filter_map(|id| g.index(id))
        .filter(|&i| g.expires_at(i) == Some(until))
        .find_map(|i| g.expiry_basis(i))
}

/// The window of a reached node in words.
pub fn window(persistent: bool, until: Option<crate::model::Timestamp>) -> String {
    if persistent {
        "persistent".into()
    } else {
        match until {
            Some(t) => t.to_string(),
            None => "no expiry".into(),
        }
    }
}

/// SARIF 2.1.0, for code-scanning dashboards (sprawl review only).
pub struct Sarif;

impl Sink for Sarif {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()> {
        match report {
            Output::Sprawl(r) => sprawl::sarif(out, r),
            _ => Err(io::Error::other(
                "the sarif format is only for `heir sprawl`",
            )),
        }
    }
}
