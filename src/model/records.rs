//! The full node and edge records behind the compact graph, parsed only when someone looks.
//!
//! The traversal reads [`super::graph::NodeFacts`]; reports read a few dozen full records. So a
//! large JSON document is kept as byte spans of its records (into the text in memory, or into the
//! file itself when the graph came from a snapshot), and a record is parsed the first time it is
//! asked for and cached. Documents built in memory (collectors, `TrustGraph::new`) keep their
//! parsed records as they are.

use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use super::document::{Edge, Node};
use super::kinds::{EdgeKind, NodeKind};

/// Where a record's JSON text is: `len` bytes from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub len: u32,
}

/// The bytes the spans point into.
pub enum Text {
    /// The whole document, already read (standard input, or a document just parsed).
    Memory(Box<str>),
    /// The document file, kept open: its contents were checked unchanged when the graph was
    /// loaded, and an open handle still reads them after a rename replaces the path. Records are
    /// read one by one; bulk readers load the whole file once.
    File {
        file: File,
        path: String,
        all: OnceLock<Option<Box<[u8]>>>,
    },
}

pub enum Records {
    Parsed {
        nodes: Vec<Node>,
        edges: Vec<Edge>,
    },
    Json {
        text: Text,
        node_spans: Vec<Span>,
        edge_spans: Vec<Span>,
        nodes: Vec<OnceLock<Box<Node>>>,
        edges: Vec<OnceLock<Box<Edge>>>,
        /// Set once a record could not be read back, so the warning is printed once.
        damaged: AtomicBool,
    },
}

impl Records {
    pub fn json(text: Text, node_spans: Vec<Span>, edge_spans: Vec<Span>) -> Self {
        Records::Json {
            nodes: (0..node_spans.len()).map(|_| OnceLock::new()).collect(),
            edges: (0..edge_spans.len()).map(|_| OnceLock::new()).collect(),
            text,
            node_spans,
            edge_spans,
            damaged: AtomicBool::new(false),
        }
    }

    /// The spans, when records are JSON text (for a snapshot).
    pub fn spans(&self) -> Option<(&[Span], &[Span])> {
        match self {
            Records::Json {
                node_spans,
                edge_spans,
                ..
            } => Some((node_spans, edge_spans)),
            Records::Parsed { .. } => None,
        }
    }

    /// Node `i` parsed afresh when it is not already held, without holding it: for passes that
    /// visit every record once (a Neo4j push), where caching would keep the whole document
    /// parsed. `None` when it cannot be read back; [`Records::node`] then gives the fallback.
    pub fn node_uncached(&self, i: usize) -> Option<std::borrow::Cow<'_, Node>> {
        match self {
            Records::Parsed { nodes, .. } => Some(std::borrow::Cow::Borrowed(&nodes[i])),
            Records::Json {
                text,
                node_spans,
                nodes,
                ..
            } => match nodes[i].get() {
                Some(n) => Some(std::borrow::Cow::Borrowed(&**n)),
                None => read(text, node_spans[i])
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .map(std::borrow::Cow::Owned),
            },
        }
    }

    /// Edge `j`, as [`Records::node_uncached`].
    pub fn edge_uncached(&self, j: usize) -> Option<std::borrow::Cow<'_, Edge>> {
        match self {
            Records::Parsed { edges, .. } => Some(std::borrow::Cow::Borrowed(&edges[j])),
            Records::Json {
                text,
                edge_spans,
                edges,
                ..
            } => match edges[j].get() {
                Some(e) => Some(std::borrow::Cow::Borrowed(&**e)),
                None => read(text, edge_spans[j])
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .map(std::borrow::Cow::Owned),
            },
        }
    }

    /// Node `i`. `fallback` builds a bare record from the graph's facts if the text cannot be
    /// read back (the file was modified in place while heir ran): answers stay available and a
    /// warning says to re-run.
    pub fn node(&self, i: usize, fallback: impl FnOnce() -> (String, NodeKind)) -> &Node {
        match self {
            Records::Parsed { nodes, .. } => &nodes[i],
            Records::Json {
                text,
                node_spans,
                nodes,
                damaged,
                ..
            } => nodes[i].get_or_init(|| {
                let parsed =
                    read(text, node_spans[i]).and_then(|b| serde_json::from_slice(&b).ok());
                Box::new(parsed.unwrap_or_else(|| {
                    warn_damaged(text, damaged);
                    let (id, kind) = fallback();
                    Node::new(id, kind)
                }))
            }),
        }
    }

    pub fn edge(&self, j: usize, fallback: impl FnOnce() -> (String, String, EdgeKind)) -> &Edge {
        match self {
            Records::Parsed { edges, .. } => &edges[j],
            Records::Json {
                text,
                edge_spans,
                edges,
                damaged,
                ..
            } => edges[j].get_or_init(|| {
                let parsed =
                    read(text, edge_spans[j]).and_then(|b| serde_json::from_slice(&b).ok());
                Box::new(parsed.unwrap_or_else(|| {
                    warn_damaged(text, damaged);
                    let (from, to, kind) = fallback();
                    Edge::new(from, to, kind)
                }))
            }),
        }
    }

    /// Reads the whole file once when records come from one: for callers about to visit most
    /// records, one read beats a system call per record.
    pub fn preload(&self) {
        if let Records::Json {
            text: Text::File { file, all, .. },
            ..
        } = self
        {
            all.get_or_init(|| {
                use std::io::Read;
                let mut buf = Vec::new();
                let mut f = file;
                std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(0)).ok()?;
                f.read_to_end(&mut buf).ok()?;
                Some(buf.into_boxed_slice())
            });
        }
    }
}

fn read(text: &Text, span: Span) -> Option<std::borrow::Cow<'_, [u8]>> {
    let start = usize::try_from(span.start).ok()?;
    let end = start.checked_add(span.len as usize)?;
    match text {
        Text::Memory(s) => s.as_bytes().get(start..end).map(Into::into),
        Text::File { file, all, .. } => {
            if let Some(Some(bytes)) = all.get() {
                return bytes.get(start..end).map(Into::into);
            }
            let mut buf = vec![0u8; span.len as usize];
            std::os::unix::fs::FileExt::read_exact_at(file, &mut buf, span.start).ok()?;
            Some(buf.into())
        }
    }
}

fn warn_damaged(text: &Text, damaged: &AtomicBool) {
    if !damaged.swap(true, Ordering::Relaxed) {
        let what = match text {
            Text::File { path, .. } => path.as_str(),
            Text::Memory(_) => "the document",
        };
        eprintln!(
            "warning: {what} changed while heir was reading it; some records show only their id and kind — re-run heir"
        );
    }
}
