//! Opening a graph document for analysis: snapshot when one matches, the fast JSON path, the
//! typed path for YAML and for documents with problems (which it reports in full).

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use super::jsonload;
use super::records::{Records, Text};
use super::snapshot::{self, Key};
use crate::model::graph::TrustGraph;
use crate::model::load::{load_str, LoadError, Syntax, Warnings};

/// How a graph was obtained, for `validate` and progress messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read from a snapshot in the user's cache directory (`snapshot::path_for`).
    Snapshot(String),
    /// Parsed from the document text.
    Parsed,
}

/// A graph ready for analysis.
pub struct Opened {
    pub graph: TrustGraph,
    pub warnings: Warnings,
    pub origin: Origin,
    /// A snapshot written on this run, and its size in bytes.
    pub wrote_snapshot: Option<(String, u64)>,
}

/// Snapshot settings: `HEIR_SNAPSHOT=off` disables reading and writing them;
/// `HEIR_SNAPSHOT_MIN_BYTES` sets the document size from which one is written (default 1 MiB:
/// below that, parsing takes a few milliseconds and a snapshot would save nothing noticeable);
/// they live in the user's cache directory ([`snapshot::cache_dir`]), never beside the document.
pub struct SnapshotPolicy {
    pub enabled: bool,
    pub min_bytes: u64,
    /// Where snapshots are read and written; `None`: nowhere (no snapshot).
    pub dir: Option<std::path::PathBuf>,
}

impl SnapshotPolicy {
    pub fn from_env() -> Self {
        let enabled = !matches!(
            std::env::var("HEIR_SNAPSHOT").as_deref(),
            Ok("off" | "0" | "false" | "no")
        );
        let min_bytes = std::env::var("HEIR_SNAPSHOT_MIN_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1 << 20);
        SnapshotPolicy {
            enabled,
            min_bytes,
            dir: snapshot::cache_dir(),
        }
    }
}

fn io_error(path: &str, e: std::io::Error) -> LoadError {
    let fix = match e.kind() {
        std::io::ErrorKind::NotFound => "check the path; `-` reads standard input",
        std::io::ErrorKind::InvalidData => "the document must be UTF-8 JSON or YAML",
        _ => "check the file's permissions",
    };
    LoadError {
        file: path.to_string(),
        diagnostics: vec![crate::model::load::Diagnostic {
            place: if path == "<stdin>" {
                "standard input".into()
            } else {
                "file".into()
            },
            problem: format!("cannot read: {e}"),
            fix: fix.into(),
        }],
    }
}

/// Parses document text: the fast path for JSON, the typed path otherwise or on any problem.
fn from_text(
    shown: &str,
    text: String,
    syntax: Syntax,
    file: Option<(std::fs::File, &str)>,
) -> Result<(TrustGraph, Warnings), LoadError> {
    if syntax == Syntax::Json {
        if let Some((parsed, node_spans, edge_spans)) =
            jsonload::parse(&text, crate::sys::par::threads())
        {
            let text = match file {
                // Records are read back from the open file: the text need not stay in memory.
                Some((file, path)) => Text::File {
                    file,
                    path: path.to_string(),
                    all: OnceLock::new(),
                },
                None => Text::Memory(text.into_boxed_str()),
            };
            return Ok(parsed.into_graph(Records::json(text, node_spans, edge_spans)));
        }
    }
    let (doc, warnings) = load_str(shown, &text, syntax)?;
    Ok((TrustGraph::new(doc), warnings))
}

/// The whole file as text. A large one is read on every core: each thread `pread`s its own part
/// of the buffer, so the kernel's copy and the first touch of fresh memory — most of reading a
/// large document on a virtual machine — are shared out. Any surprise (a short read, a file that
/// grew) falls back to one plain read from the start.
fn read_text(file: &mut std::fs::File, len: u64, threads: usize) -> std::io::Result<String> {
    #[cfg(unix)]
    if len >= PARALLEL_READ && threads > 1 {
        if let Some(bytes) = read_parallel(file, len as usize, threads) {
            return String::from_utf8(bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e));
        }
    }
    let mut text = String::with_capacity(len as usize + 1);
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// `len` bytes of `file` read in parts on up to `threads` threads; `None` unless the file had
/// exactly `len` bytes throughout.
#[cfg(unix)]
fn read_parallel(file: &std::fs::File, len: usize, threads: usize) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    // A large zeroed block comes from the kernel already zero, so the reads below are the first
    // to touch its pages, each part's on its own thread.
    let mut buf = vec![0u8; len];
    let part = len.div_ceil(threads.min(8)).next_multiple_of(2 << 20);
    let whole = std::thread::scope(|s| {
        let parts: Vec<_> = buf
            .chunks_mut(part)
            .enumerate()
            .map(|(k, chunk)| s.spawn(move || file.read_exact_at(chunk, (k * part) as u64).is_ok()))
            .collect();
        parts.into_iter().all(|p| p.join().unwrap_or(false))
    });
    // A byte past `len` means the file grew since its size was taken.
    if !whole || file.read_at(&mut [0u8], len as u64).ok()? != 0 {
        return None;
    }
    Some(buf)
}

/// Documents from this size are read on several threads.
const PARALLEL_READ: u64 = 4 << 20;

/// Documents from this size get progress messages: parsing them takes a noticeable while.
const PROGRESS_BYTES: u64 = 32 << 20;

/// Opens a document (`-` = standard input) for analysis. `progress` receives a line before and
/// after slow steps on large documents.
pub fn open(
    path: &str,
    policy: &SnapshotPolicy,
    progress: &dyn Fn(&str),
) -> Result<Opened, LoadError> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| io_error("<stdin>", e))?;
        let syntax = Syntax::detect(path, &text);
        let (graph, warnings) = from_text("<stdin>", text, syntax, None)?;
        return Ok(Opened {
            graph,
            warnings,
            origin: Origin::Parsed,
            wrote_snapshot: None,
        });
    }
    let mut file = std::fs::File::open(Path::new(path)).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    let key = Key::of(&meta);
    let snap_path = match (&policy.dir, policy.enabled) {
        (Some(dir), true) => snapshot::path_for(Path::new(path), dir),
        _ => None,
    };
    if let Some(snap_path) = &snap_path {
        if let Ok(mapped) = super::mapped::Mapped::open(snap_path) {
            let reader = file.try_clone().map_err(|e| io_error(path, e))?;
            let mapped = std::sync::Arc::new(mapped);
            if let Some((graph, warnings)) = snapshot::decode(mapped, key, reader, path) {
                return Ok(Opened {
                    graph,
                    warnings,
                    origin: Origin::Snapshot(snap_path.display().to_string()),
                    wrote_snapshot: None,
                });
            }
        }
    }
    let large = meta.len() >= PROGRESS_BYTES;
    let started = std::time::Instant::now();
    if large {
        progress(&format!("parsing {path} ({} MB)…", meta.len() >> 20));
    }
    let text = read_text(&mut file, meta.len(), crate::sys::par::threads())
        .map_err(|e| io_error(path, e))?;
    let syntax = Syntax::detect(path, &text);
    // Records are read back from the file, and a snapshot is keyed to it, only when it did not
    // change while it was read: the key must describe what was parsed.
    let unchanged = file.metadata().map(|m| Key::of(&m) == key).unwrap_or(false);
    let reader = match unchanged {
        true => Some((file.try_clone().map_err(|e| io_error(path, e))?, path)),
        false => None,
    };
    let (graph, warnings) = from_text(path, text, syntax, reader)?;
    if large {
        progress(&format!(
            "parsed {} nodes and {} edges in {:.1} s",
            graph.node_count(),
            graph.edge_count(),
            started.elapsed().as_secs_f64()
        ));
    }
    let mut wrote_snapshot = None;
    let wanted = snap_path.filter(|_| meta.len() >= policy.min_bytes && unchanged);
    if let Some(snap_path) = wanted {
        if let Some(bytes) = snapshot::encode(&graph, key, &warnings) {
            let written = snap_path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| crate::sys::fs::write_atomic(&snap_path, &bytes));
            match written {
                Ok(()) => {
                    if large {
                        progress(&format!(
                            "wrote {} ({} MB): later runs read it instead while {path} is unchanged",
                            snap_path.display(),
                            bytes.len() >> 20
                        ));
                    }
                    wrote_snapshot = Some((snap_path.display().to_string(), bytes.len() as u64))
                }
                Err(e) => eprintln!(
                    "note: could not write the snapshot {} ({e}); the document will be parsed again next time (HEIR_SNAPSHOT=off stops trying)",
                    snap_path.display()
                ),
            }
        }
    }
    Ok(Opened {
        graph,
        warnings,
        origin: Origin::Parsed,
        wrote_snapshot,
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Parts on several threads put every byte in its place; a file longer or shorter than the
    /// size given is refused (the caller then reads it plainly).
    #[test]
    fn parallel_read_is_the_file_or_nothing() {
        let dir = std::env::temp_dir().join(format!("heir-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("doc.json");
        let bytes: Vec<u8> = (0..5_000_003u32).map(|k| (k * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        for threads in [2, 3, 8] {
            assert!(read_parallel(&file, bytes.len(), threads) == Some(bytes.clone()));
        }
        assert!(
            read_parallel(&file, bytes.len() - 1, 2).is_none(),
            "a longer file"
        );
        assert!(
            read_parallel(&file, bytes.len() + 1, 2).is_none(),
            "a shorter file"
        );
        // Not UTF-8: refused as invalid data, like a plain read.
        let mut f = std::fs::File::open(&path).unwrap();
        let err = read_text(&mut f, bytes.len() as u64, 2).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        let text = "{\"version\": 1}\n".repeat(3 << 20);
        std::fs::write(&path, &text).unwrap();
        let mut f = std::fs::File::open(&path).unwrap();
        assert!(text.len() as u64 >= PARALLEL_READ);
        assert!(read_text(&mut f, text.len() as u64, 2).unwrap() == text);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// What a snapshot records beside the graph, seen through the graph's crate-private hooks:
    /// whether any id needs escaping in JSON (so the JSON writer may copy ids as they are), and
    /// an id index read in place from the mapping rather than decoded. A parsed graph claims
    /// neither. (`tests/load_paths.rs` checks that the answers are the same either way.)
    #[test]
    fn a_snapshot_knows_its_ids_and_reads_them_in_place() {
        let dir = std::env::temp_dir().join(format!("heir-hooks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let policy = SnapshotPolicy {
            enabled: true,
            min_bytes: 0,
            dir: Some(std::env::temp_dir().join(format!("heir-cache-{}", std::process::id()))),
        };
        let quiet = |_: &str| {};
        let acme = std::fs::read_to_string("examples/acme.json").unwrap();
        // Every reference renamed: a quote and a control character (JSON escapes) in an id.
        let hostile = acme.replace(
            "okta:user:00uRdWwUZlPOgGurL1es",
            "okta:user:dana\\\"k\\u0001",
        );
        assert_ne!(hostile, acme);
        let at = crate::model::Timestamp::parse("2026-11-20T10:00:00Z").unwrap();
        let large = serde_json::to_string(&crate::synth::synth(400, 3, at)).unwrap();
        for (name, text, plain) in [
            ("plain.json", &acme, true),
            ("hostile.json", &hostile, false),
            ("large.json", &large, true),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let p = path.to_str().unwrap();
            let parsed = open(p, &policy, &quiet).unwrap();
            let snapped = open(p, &policy, &quiet).unwrap();
            assert_eq!(parsed.origin, Origin::Parsed, "{name}");
            assert!(matches!(snapped.origin, Origin::Snapshot(_)), "{name}");
            assert!(!parsed.graph.ids_known_plain(), "{name}");
            assert_eq!(snapped.graph.ids_known_plain(), plain, "{name}");
            assert!(!parsed.graph.ids_read_in_place(), "{name}");
            assert_eq!(
                snapped.graph.ids_read_in_place(),
                cfg!(target_endian = "little"),
                "{name}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
