//! A compact binary snapshot of a loaded graph, written beside a large document and reused while
//! the document is unchanged.
//!
//! A responder runs one command per question; on a million-node document most of that command
//! used to be parsing the same JSON again. The snapshot holds exactly what loading produces — the
//! node and edge facts, the ids, the platforms, the sources, the warnings, and where each full
//! record sits in the document — so opening it is a few sequential reads. Full records are still
//! read from the document itself (which is why it must be unchanged), only when a report needs
//! them.
//!
//! "Unchanged" is the file's length, modification and status-change times, inode and device, as
//! `fstat` reports them on the handle the records are later read through. The status-change time
//! cannot be set by tools like `touch -d`, and every write or rename updates it. A snapshot also
//! carries a fingerprint of heir's version and kind tables, so a different heir never trusts it.
//! Anything unexpected in a snapshot (truncated, another version, indices out of range) means it
//! is ignored and the document is parsed; it is rewritten on that run.
//!
//! Layout (little-endian): magic, fingerprint, key, counts, flags (bit 0: no id needs escaping
//! in JSON), then length-prefixed JSON for sources/warnings/platforms, the id arena, zero bytes up
//! to a multiple of 8, its end offsets and hash table (8-byte words at 8-byte offsets, so they are
//! read in place: `Words`), packed node rows, packed edge rows, each node's rank in id order, an
//! end marker and a checksum.

use std::fs::{File, Metadata};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use petgraph::graph::{DiGraph, NodeIndex};

use super::ids::{hash, json_plain, IdIndex};
use super::mapped::Mapped;
use super::records::{Records, SnapshotRows, Spans, Text};
use super::words::Words;
use crate::model::document::Source;
use crate::model::graph::{EdgeFacts, NodeFacts, TrustGraph};
use crate::model::kinds::{EdgeKind, NodeKind, Requirement};
use crate::model::load::{Diagnostic, Warnings};
use crate::sys::par;

const MAGIC: &[u8; 8] = b"HEIRSNAP";
const END: &[u8; 8] = b"HEIREND!";
const FORMAT: u32 = 4;

/// Where snapshots are kept: `$HEIR_CACHE_DIR`, else `$XDG_CACHE_HOME/heir`, else
/// `~/.cache/heir`. Never beside the document: documents are evidence, and a responder's export
/// folder must not gain files because heir read it. `None` when no cache directory can be named
/// (no home directory): then no snapshot is read or written.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("HEIR_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("heir")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("heir")))
}

/// The snapshot path for a document: in `cache_dir`, named after the document's file
/// name and a hash of its absolute path, so two documents of the same name in different folders
/// get different snapshots. Which snapshot is valid for which state of the document is the
/// [`Key`]'s job, not the name's.
pub fn path_for(doc: &Path, cache_dir: &Path) -> Option<PathBuf> {
    let absolute = std::fs::canonicalize(doc).ok()?;
    let name = absolute.file_name()?.to_string_lossy().into_owned();
    // FNV-1a: stable across runs and builds, unlike std's hasher.
    let hash = absolute
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    Some(cache_dir.join(format!("{name}-{hash:016x}.heirsnap")))
}

/// heir's version and every kind name, in order: a snapshot from any other heir is not read.
fn fingerprint() -> u64 {
    let mut s = format!("{FORMAT}/{}", env!("CARGO_PKG_VERSION"));
    for k in NodeKind::ALL {
        s.push('/');
        s.push_str(k.as_str());
    }
    for k in EdgeKind::ALL {
        s.push('/');
        s.push_str(k.as_str());
    }
    for r in Requirement::ALL {
        s.push('/');
        s.push_str(r.as_str());
    }
    hash(s.as_bytes())
}

/// What identifies a document file's contents without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key([i64; 7]);

impl Key {
    pub fn of(m: &Metadata) -> Key {
        use std::os::unix::fs::MetadataExt;
        Key([
            m.len() as i64,
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
            m.ino() as i64,
            m.dev() as i64,
        ])
    }
}

/// Serialises a graph whose records are spans into its document.
pub fn encode(g: &TrustGraph, key: Key, warnings: &Warnings) -> Option<Vec<u8>> {
    let (node_spans, edge_spans) = g.records().spans()?;
    let (arena, ends, table) = g.id_index().parts();
    let n = g.node_count();
    let m = g.edge_count();
    let mut out = Vec::with_capacity(64 + arena.len() + n * 43 + m * 22);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&fingerprint().to_le_bytes());
    for v in key.0 {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&(m as u64).to_le_bytes());
    let flags = json_plain(arena.as_bytes()) as u64;
    out.extend_from_slice(&flags.to_le_bytes());
    let warnings: Vec<[&str; 3]> = warnings
        .iter()
        .map(|d| [d.place.as_str(), d.problem.as_str(), d.fix.as_str()])
        .collect();
    for json in [
        serde_json::to_vec(g.sources()).ok()?,
        serde_json::to_vec(&warnings).ok()?,
        serde_json::to_vec(g.platform_names()).ok()?,
    ] {
        put_bytes(&mut out, &json);
    }
    put_bytes(&mut out, arena.as_bytes());
    out.resize(out.len().next_multiple_of(8), 0);
    for &e in ends {
        out.extend_from_slice(&e.to_le_bytes());
    }
    out.extend_from_slice(&(table.len() as u64).to_le_bytes());
    for &t in table {
        out.extend_from_slice(&t.to_le_bytes());
    }
    for (k, f) in g.graph.node_weights().enumerate() {
        let s = node_spans.get(k)?;
        out.push(NodeKind::ALL.iter().position(|k| *k == f.kind)? as u8);
        out.push(f.criticality);
        let mfa = match f.mfa {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        out.push(f.enabled as u8 | (f.device_bound as u8) << 1 | mfa << 2);
        out.extend_from_slice(&f.platform.to_le_bytes());
        out.extend_from_slice(&f.issued_at.to_le_bytes());
        out.extend_from_slice(&f.expires_at.to_le_bytes());
        out.extend_from_slice(&s.start.to_le_bytes());
        out.extend_from_slice(&s.len.to_le_bytes());
    }
    for e in g.graph.raw_edges() {
        let s = edge_spans.get(e.weight.doc_index as usize)?;
        out.extend_from_slice(&(e.source().index() as u32).to_le_bytes());
        out.extend_from_slice(&(e.target().index() as u32).to_le_bytes());
        out.push(EdgeKind::ALL.iter().position(|k| *k == e.weight.kind)? as u8);
        out.push(e.weight.requires);
        out.extend_from_slice(&s.start.to_le_bytes());
        out.extend_from_slice(&s.len.to_le_bytes());
    }
    for &r in g.id_rank() {
        out.extend_from_slice(&r.to_le_bytes());
    }
    out.extend_from_slice(END);
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    Some(out)
}

/// A fast 64-bit checksum over 8-byte words (FxHash step, four lanes for throughput, MurmurHash3
/// finish): catches truncation and damage; not a defence against someone forging snapshots,
/// which would need write access beside the document anyway.
fn checksum(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut lanes = [1u64, 2, 3, 4];
    let mut words = b.chunks_exact(32);
    for w in &mut words {
        for (l, c) in lanes.iter_mut().zip(w.chunks_exact(8)) {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            *l = (l.rotate_left(5) ^ v).wrapping_mul(K);
        }
    }
    let mut h = b.len() as u64;
    for l in lanes {
        h = (h.rotate_left(5) ^ l).wrapping_mul(K);
    }
    h ^ hash(words.remainder())
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

/// A bounds-checked reader: every read is `None` past the end, never a panic.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.b.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn arr<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.arr::<1>()?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.arr()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.arr()?))
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
}

/// Decodes a snapshot for the document open as `file` (whose metadata gave `key`). `None` when it
/// is not a snapshot of this document by this heir.
pub(crate) fn decode(
    map: Arc<Mapped>,
    key: Key,
    file: File,
    path: &str,
) -> Option<(TrustGraph, Warnings)> {
    let bytes = map.bytes();
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    let mut c = Cursor { b: body, at: 0 };
    if c.take(8)? != MAGIC || c.u64()? != fingerprint() {
        return None;
    }
    for want in key.0 {
        if c.i64()? != want {
            return None;
        }
    }
    let n = usize::try_from(c.u64()?).ok()?;
    let m = usize::try_from(c.u64()?).ok()?;
    let flags = c.u64()?;
    if flags > 1 {
        return None;
    }
    // Counts larger than the file are corrupt, not huge: checked before anything is reserved.
    if n.checked_mul(NODE_ROW)? > body.len() || m.checked_mul(EDGE_ROW)? > body.len() {
        return None;
    }
    let sources: Vec<Source> = serde_json::from_slice(c.bytes()?).ok()?;
    let warnings: Vec<[String; 3]> = serde_json::from_slice(c.bytes()?).ok()?;
    let warnings: Warnings = warnings
        .into_iter()
        .map(|[place, problem, fix]| Diagnostic {
            place,
            problem,
            fix,
        })
        .collect();
    let platforms: Vec<String> = serde_json::from_slice(c.bytes()?).ok()?;
    let arena = c.bytes()?;
    if c.take(c.at.next_multiple_of(8) - c.at)?
        .iter()
        .any(|&b| b != 0)
    {
        return None;
    }
    let ends_at = c.at;
    c.take(n.checked_mul(8)?)?;
    let slots = usize::try_from(c.u64()?).ok()?;
    let table_at = c.at;
    c.take(slots.checked_mul(8)?)?;
    // The body starts the mapping, so these offsets are the mapping's, and 8-byte aligned.
    let ends = Words::from_map(&map, ends_at, n)?;
    let table = Words::from_map(&map, table_at, slots)?;
    let node_rows_at = c.at;
    let node_rows = c.take(n * NODE_ROW)?;
    let edge_rows_at = c.at;
    let edge_rows = c.take(m * EDGE_ROW)?;
    let rank = c.take(n.checked_mul(4)?)?;
    if c.take(8)? != END || c.at != body.len() {
        return None;
    }
    // Two independent halves, on two cores for a large snapshot: the graph from the packed rows,
    // and the checksum, the id index and the ranks. Every read is bounds-checked, so a damaged
    // snapshot decodes to nothing or to a graph that the failed checksum then throws away.
    let (index, built) = par::join(
        body.len() >= PARALLEL_DECODE,
        || {
            let whole = checksum(body).to_le_bytes() == sum;
            whole.then(|| decode_index(arena, ends, table, rank))
        },
        || decode_graph(node_rows, edge_rows, n, platforms.len()),
    );
    let (mut ids, rank) = index??; // `None` first of all when the checksum fails
    ids.set_plain(flags == 1);
    let graph = built?;
    // The spans stay in the mapped rows (each row ends with its span), read as reports need
    // them, and the id index's words are read in place; the rest of the mapping is done with,
    // and need not stay resident.
    map.release_resident_outside(ends_at..table_at + slots * 8);
    let node_spans = SnapshotRows::new(map.clone(), node_rows_at + NODE_ROW - 12, NODE_ROW, n)?;
    let edge_spans = SnapshotRows::new(map.clone(), edge_rows_at + EDGE_ROW - 12, EDGE_ROW, m)?;
    let text = Text::File {
        file,
        path: path.to_string(),
        all: OnceLock::new(),
    };
    let records = Records::json(text, Spans::Rows(node_spans), Spans::Rows(edge_spans));
    let g = TrustGraph::from_parts(graph, ids, platforms, sources, records);
    g.set_id_rank(rank).then_some((g, warnings))
}

/// Bytes of a packed node row: kind, criticality, flags, platform, issued, expires, span.
const NODE_ROW: usize = 1 + 1 + 1 + 4 + 8 + 8 + 8 + 4;
/// Bytes of a packed edge row: from, to, kind, requirements, span.
const EDGE_ROW: usize = 4 + 4 + 1 + 1 + 8 + 4;
/// Snapshots from this size are decoded on two threads. Below, starting the second thread costs
/// about what it saves.
const PARALLEL_DECODE: usize = 4 << 20;

/// The id index (its words read in place, see `Words`) and each node's rank in id order.
fn decode_index(
    arena: &[u8],
    ends: Words,
    table: Words,
    rank: &[u8],
) -> Option<(IdIndex, Vec<u32>)> {
    let arena = std::str::from_utf8(arena).ok()?.to_string();
    let ids = IdIndex::from_parts_with_table(arena, ends, table)?;
    let rank = rank
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    Some((ids, rank))
}

/// The graph from the packed rows (their spans are read in place later, [`SnapshotRows`]).
fn decode_graph(
    node_rows: &[u8],
    edge_rows: &[u8],
    n: usize,
    platforms: usize,
) -> Option<DiGraph<NodeFacts, EdgeFacts>> {
    let m = edge_rows.len() / EDGE_ROW;
    let mut c = Cursor {
        b: node_rows,
        at: 0,
    };
    let mut graph = DiGraph::with_capacity(n, m);
    for _ in 0..n {
        let kind = *NodeKind::ALL.get(c.u8()? as usize)?;
        let criticality = c.u8()?;
        let flags = c.u8()?;
        let platform = c.u32()?;
        if criticality > 10 || flags >> 4 != 0 || platform as usize >= platforms {
            return None;
        }
        graph.add_node(NodeFacts {
            kind,
            criticality,
            enabled: flags & 1 != 0,
            device_bound: flags & 2 != 0,
            mfa: match flags >> 2 {
                0 => None,
                1 => Some(false),
                2 => Some(true),
                _ => return None,
            },
            platform,
            issued_at: c.i64()?,
            expires_at: c.i64()?,
        });
        c.take(12)?; // the span
    }
    let all_bits = Requirement::ALL.iter().fold(0u8, |a, r| a | r.bit());
    let mut c = Cursor {
        b: edge_rows,
        at: 0,
    };
    for j in 0..m {
        let (a, b) = (c.u32()? as usize, c.u32()? as usize);
        let kind = *EdgeKind::ALL.get(c.u8()? as usize)?;
        let requires = c.u8()?;
        if a >= n || b >= n || requires & !all_bits != 0 {
            return None;
        }
        graph.add_edge(
            NodeIndex::new(a),
            NodeIndex::new(b),
            EdgeFacts {
                kind,
                requires,
                doc_index: j as u32,
            },
        );
        c.take(12)?; // the span
    }
    Some(graph)
}
