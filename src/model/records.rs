//! The full node and edge records behind the compact graph, parsed only when someone looks.
//!
//! The traversal reads [`super::graph::NodeFacts`]; reports read a few dozen full records. So a
//! large JSON document is kept as byte spans of its records (into the text in memory, or into the
//! file itself when the graph came from a snapshot), and a record is parsed the first time it is
//! asked for and cached. Documents built in memory (collectors, `TrustGraph::new`) keep their
//! parsed records as they are.

use std::fs::File;
use std::ptr::{null_mut, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock};

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
/// record was 51 MB written at every load, and read again at exit).
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

impl<T> RecordCache<T> {
    fn new(n: usize) -> Self {
        RecordCache {
            // SAFETY: a null `AtomicPtr` is all-zero bytes.
            cells: unsafe { crate::alloc::zeroed_vec(n) },
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
    pub fn json(text: Text, node_spans: Vec<Span>, edge_spans: Vec<Span>) -> Self {
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
            } => match nodes.get(i) {
                Some(n) => Some(std::borrow::Cow::Borrowed(n)),
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
            } => match edges.get(j) {
                Some(e) => Some(std::borrow::Cow::Borrowed(e)),
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
            } => nodes.get_or_init(i, || {
                let parsed =
                    read(text, node_spans[i]).and_then(|b| serde_json::from_slice(&b).ok());
                parsed.unwrap_or_else(|| {
                    warn_damaged(text, damaged);
                    let (id, kind) = fallback();
                    Node::new(id, kind)
                })
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
            } => edges.get_or_init(j, || {
                let parsed =
                    read(text, edge_spans[j]).and_then(|b| serde_json::from_slice(&b).ok());
                parsed.unwrap_or_else(|| {
                    warn_damaged(text, damaged);
                    let (from, to, kind) = fallback();
                    Edge::new(from, to, kind)
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
