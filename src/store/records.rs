//! The full node and edge records behind the compact graph, parsed only when someone looks.
//!
//! The traversal reads [`crate::model::graph::NodeFacts`]; reports read a few dozen full records. So a
//! large JSON document is kept as byte spans of its records (into the text in memory, or into the
//! file itself when the graph came from a snapshot), and a record is parsed the first time it is
//! asked for and cached. Documents built in memory (collectors, `TrustGraph::new`) keep their
//! parsed records as they are.

use std::fs::File;
use std::ptr::{null_mut, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::model::document::{Edge, Node};
use crate::model::kinds::{EdgeKind, NodeKind};

/// Where a record's JSON text is: `len` bytes from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub len: u32,
}

/// Where each record sits in the document, by position.
pub enum Spans {
    /// Built while parsing.
    Table(Vec<Span>),
    /// Read in place from the rows of the snapshot the graph was loaded from: copying them out
    /// would write fresh memory in proportion to the whole document, for the few dozen records a
    /// report reads.
    Rows(SnapshotRows),
}

/// Spans inside the packed rows of a mapped snapshot: row `i`'s span (start `u64`, length
/// `u32`, little-endian) is `at + i * stride` bytes into the mapping.
pub struct SnapshotRows {
    map: std::sync::Arc<super::mapped::Mapped>,
    at: usize,
    stride: usize,
    len: usize,
}

impl SnapshotRows {
    /// `None` unless all `len` rows lie inside the mapping.
    pub(crate) fn new(
        map: std::sync::Arc<super::mapped::Mapped>,
        at: usize,
        stride: usize,
        len: usize,
    ) -> Option<Self> {
        let end = len.checked_mul(stride)?.checked_add(at)?;
        (stride >= 12 && end <= map.bytes().len()).then_some(SnapshotRows {
            map,
            at,
            stride,
            len,
        })
    }
}

impl From<Vec<Span>> for Spans {
    fn from(v: Vec<Span>) -> Self {
        Spans::Table(v)
    }
}

impl Spans {
    pub fn len(&self) -> usize {
        match self {
            Spans::Table(v) => v.len(),
            Spans::Rows(r) => r.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<Span> {
        match self {
            Spans::Table(v) => v.get(i).copied(),
            Spans::Rows(r) => {
                if i >= r.len {
                    return None;
                }
                let row = r.map.bytes().get(r.at + i * r.stride..)?;
                Some(Span {
                    start: u64::from_le_bytes(row.get(..8)?.try_into().ok()?),
                    len: u32::from_le_bytes(row.get(8..12)?.try_into().ok()?),
                })
            }
        }
    }
}

/// An edge as the graph holds it: from, to, kind.
pub type Ends<'a> = (&'a str, &'a str, EdgeKind);

/// Node record `i`, if its text reads back as the node the graph holds (same id and kind): a
/// document changed in place, or a damaged span, must not pass another record off as this one.
fn read_node(text: &Text, spans: &Spans, i: usize, id: &str, kind: NodeKind) -> Option<Node> {
    let b = read(text, spans.get(i)?)?;
    serde_json::from_slice::<Node>(&b)
        .ok()
        .filter(|n| n.id == id && n.kind == kind)
}

/// Edge record `j`, if its text reads back as the edge the graph holds, as [`read_node`].
fn read_edge(text: &Text, spans: &Spans, j: usize, (from, to, kind): Ends<'_>) -> Option<Edge> {
    let b = read(text, spans.get(j)?)?;
    serde_json::from_slice::<Edge>(&b)
        .ok()
        .filter(|e| e.from == from && e.to == to && e.kind == kind)
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
        node_spans: Spans,
        edge_spans: Spans,
        nodes: RecordCache<Node>,
        edges: RecordCache<Edge>,
        /// Set once a record could not be read back, so the warning is printed once.
        damaged: AtomicBool,
    },
}

/// Records parsed on first use, one pointer per record: null until set. A million-node
/// document has three million of these and a report reads a few dozen. All-zero bytes are an
/// empty table, so it comes from zeroed memory and costs nothing until a record is read — and
/// since the boxes made are also listed, dropping the table never walks it (a `OnceLock` per
/// record would be written at every load and read again at exit).
pub struct RecordCache<T> {
    cells: Vec<AtomicPtr<T>>,
    /// Every box stored in a cell, freed on drop.
    made: Mutex<Vec<NonNull<T>>>,
}

// SAFETY: the cache hands out `&T` to any thread and drops values on the thread that drops it:
// `OnceLock<T>`'s bounds.
unsafe impl<T: Send + Sync> Sync for RecordCache<T> {}
// SAFETY: the cache owns its values.
unsafe impl<T: Send> Send for RecordCache<T> {}

/// `n` null cells from zeroed memory: a large zeroed block comes from the kernel already zero, so
/// a cell's page costs something only once a record in it is read. Built with pushes, the table
/// would be written whole at every load (8 bytes a node and an edge) for the few records a report
/// reads.
fn null_cells<T>(n: usize) -> Vec<AtomicPtr<T>> {
    let Ok(layout) = std::alloc::Layout::array::<AtomicPtr<T>>(n) else {
        // More cells than memory can hold: there were never that many records.
        return (0..n).map(|_| AtomicPtr::new(null_mut())).collect();
    };
    if layout.size() == 0 {
        return Vec::new();
    }
    // SAFETY: `layout` has a non-zero size, as `alloc_zeroed` requires.
    let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<AtomicPtr<T>>();
    if p.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `p` was allocated by the global allocator with the layout of `n` cells (so the
    // capacity is `n` and the alignment is the cells'), and all its bytes are zero: a null
    // `AtomicPtr`, a valid value, in each of the `n` cells.
    unsafe { Vec::from_raw_parts(p, n, n) }
}

impl<T> RecordCache<T> {
    fn new(n: usize) -> Self {
        RecordCache {
            cells: null_cells(n),
            made: Mutex::new(Vec::new()),
        }
    }

    /// How many records are held.
    pub fn held(&self) -> usize {
        self.made.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn get(&self, i: usize) -> Option<&T> {
        // SAFETY: non-null only once set to a leaked box, freed only when the cache drops.
        unsafe { self.cells[i].load(Ordering::Acquire).as_ref() }
    }

    /// Record `i`, made by `make` if it is not held yet. Two threads may both make one; the
    /// first stored wins and the other is dropped (a record parses the same either way).
    fn get_or_init(&self, i: usize, make: impl FnOnce() -> T) -> &T {
        if let Some(v) = self.get(i) {
            return v;
        }
        let new = Box::into_raw(Box::new(make()));
        match self.cells[i].compare_exchange(null_mut(), new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                let made = NonNull::new(new).expect("a box is never null");
                self.made
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(made);
                // SAFETY: `new` is the box just stored; it lives until the cache drops.
                unsafe { &*new }
            }
            Err(stored) => {
                // SAFETY: `new` was never shared; `stored` is another thread's box, stored once
                // and never replaced.
                unsafe {
                    drop(Box::from_raw(new));
                    &*stored
                }
            }
        }
    }
}

impl<T> Drop for RecordCache<T> {
    fn drop(&mut self) {
        let made = self.made.get_mut().unwrap_or_else(|e| e.into_inner());
        for p in made.drain(..) {
            // SAFETY: each box was leaked by `get_or_init` once and is owned by the cache alone.
            drop(unsafe { Box::from_raw(p.as_ptr()) });
        }
    }
}

impl Records {
    pub fn json(text: Text, node_spans: impl Into<Spans>, edge_spans: impl Into<Spans>) -> Self {
        let (node_spans, edge_spans) = (node_spans.into(), edge_spans.into());
        Records::Json {
            nodes: RecordCache::new(node_spans.len()),
            edges: RecordCache::new(edge_spans.len()),
            text,
            node_spans,
            edge_spans,
            damaged: AtomicBool::new(false),
        }
    }

    /// The spans, when records are JSON text (for a snapshot).
    pub fn spans(&self) -> Option<(&Spans, &Spans)> {
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
    /// parsed. `None` when it cannot be read back as the node the graph holds (`id`, `kind`);
    /// [`Records::node`] then gives the fallback.
    pub fn node_uncached(
        &self,
        i: usize,
        id: &str,
        kind: NodeKind,
    ) -> Option<std::borrow::Cow<'_, Node>> {
        match self {
            Records::Parsed { nodes, .. } => Some(std::borrow::Cow::Borrowed(&nodes[i])),
            Records::Json {
                text,
                node_spans,
                nodes,
                ..
            } => match nodes.get(i) {
                Some(n) => Some(std::borrow::Cow::Borrowed(n)),
                None => read_node(text, node_spans, i, id, kind).map(std::borrow::Cow::Owned),
            },
        }
    }

    /// Edge `j`, as [`Records::node_uncached`].
    pub fn edge_uncached(&self, j: usize, ends: Ends<'_>) -> Option<std::borrow::Cow<'_, Edge>> {
        match self {
            Records::Parsed { edges, .. } => Some(std::borrow::Cow::Borrowed(&edges[j])),
            Records::Json {
                text,
                edge_spans,
                edges,
                ..
            } => match edges.get(j) {
                Some(e) => Some(std::borrow::Cow::Borrowed(e)),
                None => read_edge(text, edge_spans, j, ends).map(std::borrow::Cow::Owned),
            },
        }
    }

    /// Node `i`, whose id and kind the graph holds. A bare record with those is substituted if
    /// the text cannot be read back, or reads back as another record (the file was modified in
    /// place while heir ran): answers stay available and a warning says to re-run.
    pub fn node(&self, i: usize, id: &str, kind: NodeKind) -> &Node {
        match self {
            Records::Parsed { nodes, .. } => &nodes[i],
            Records::Json {
                text,
                node_spans,
                nodes,
                damaged,
                ..
            } => nodes.get_or_init(i, || {
                read_node(text, node_spans, i, id, kind).unwrap_or_else(|| {
                    warn_damaged(text, damaged);
                    Node::new(id, kind)
                })
            }),
        }
    }

    /// Edge `j`, whose ends and kind the graph holds, as [`Records::node`].
    pub fn edge(&self, j: usize, ends: Ends<'_>) -> &Edge {
        match self {
            Records::Parsed { edges, .. } => &edges[j],
            Records::Json {
                text,
                edge_spans,
                edges,
                damaged,
                ..
            } => edges.get_or_init(j, || {
                read_edge(text, edge_spans, j, ends).unwrap_or_else(|| {
                    warn_damaged(text, damaged);
                    Edge::new(ends.0, ends.1, ends.2)
                })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A span that reads back as another record (here: two spans swapped, as a document or
    /// snapshot changed in place would give) is not taken for the record asked for: the bare
    /// record from the graph's facts stands in, cached or not.
    #[test]
    fn a_record_is_only_the_one_the_graph_holds() {
        let text = r#"[{"id":"okta:user:a","kind":"user","name":"A"},{"id":"okta:user:b","kind":"user","name":"B"},{"from":"okta:user:a","to":"okta:user:b","kind":"can_assume"}]"#;
        let at = |needle: &str| {
            let start = text.find(needle).unwrap() - 1;
            let len = text[start..].find('}').unwrap() + 1;
            Span {
                start: start as u64,
                len: len as u32,
            }
        };
        let (a, b, e) = (
            at(r#""id":"okta:user:a""#),
            at(r#""id":"okta:user:b""#),
            at(r#""from""#),
        );
        let swapped = Records::json(Text::Memory(text.into()), vec![b, a], vec![a]);
        for i in 0..2 {
            let id = ["okta:user:a", "okta:user:b"][i];
            assert!(swapped.node_uncached(i, id, NodeKind::User).is_none());
            let n = swapped.node(i, id, NodeKind::User);
            assert_eq!((n.id.as_str(), n.name.as_deref()), (id, None));
        }
        let ends = ("okta:user:a", "okta:user:b", EdgeKind::CanAssume);
        assert!(swapped.edge_uncached(0, ends).is_none());
        assert_eq!(swapped.edge(0, ends).from, "okta:user:a");
        let right = Records::json(Text::Memory(text.into()), vec![a, b], vec![e]);
        assert_eq!(
            right.node(1, "okta:user:b", NodeKind::User).name.as_deref(),
            Some("B")
        );
        assert!(
            right
                .node_uncached(0, "okta:user:a", NodeKind::Role)
                .is_none(),
            "wrong kind"
        );
        assert_eq!(right.edge_uncached(0, ends).unwrap().to, "okta:user:b");
        let other = ("okta:user:b", "okta:user:a", EdgeKind::CanAssume);
        assert!(right.edge_uncached(0, other).is_none(), "wrong direction");
    }

    static DROPPED: AtomicUsize = AtomicUsize::new(0);

    struct Counted(usize);

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A record is made once, kept, handed out again without remaking, and freed with the cache
    /// — from a table that starts empty without being written.
    #[test]
    fn cache_makes_each_record_once_and_frees_them() {
        let cache = RecordCache::<Counted>::new(1 << 20);
        assert!((0..1 << 20).all(|i| cache.get(i).is_none()));
        let first: *const Counted = cache.get_or_init(7, || Counted(70));
        let again: *const Counted = cache.get_or_init(7, || panic!("made twice"));
        assert_eq!(first, again);
        assert_eq!(cache.get_or_init(9, || Counted(90)).0, 90);
        assert_eq!(cache.get(7).map(|c| c.0), Some(70));
        assert!(cache.get(8).is_none());
        assert_eq!(cache.held(), 2);
        let before = DROPPED.load(Ordering::SeqCst);
        drop(cache);
        assert_eq!(DROPPED.load(Ordering::SeqCst) - before, 2);
    }

    /// Threads racing for the same records all get the one that was stored.
    #[test]
    fn racing_threads_share_one_record() {
        let cache = RecordCache::<usize>::new(64);
        let seen: Vec<Vec<usize>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let cache = &cache;
                    s.spawn(move || {
                        (0..64)
                            .map(|i| cache.get_or_init(i, || i * 10 + t) as *const usize as usize)
                            .collect()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(seen.iter().all(|s| s == &seen[0]));
        assert_eq!(cache.held(), 64);
        assert!((0..64).all(|i| cache.get(i).is_some_and(|v| v / 10 == i)));
    }
}
