//! Opening a graph document for analysis: snapshot when one matches, the fast JSON path, the
//! typed path for YAML and for documents with problems (which it reports in full).

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use super::graph::TrustGraph;
use super::jsonload;
use super::load::{load_str, LoadError, Syntax, Warnings};
use super::records::{Records, Text};
use super::snapshot::{self, Key};

/// How a graph was obtained, for `validate` and progress messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read from `<document>.heirsnap`.
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
/// below that, parsing takes a few milliseconds and a snapshot would save nothing noticeable).
pub struct SnapshotPolicy {
    pub enabled: bool,
    pub min_bytes: u64,
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
        SnapshotPolicy { enabled, min_bytes }
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn io_error(path: &str, e: std::io::Error) -> LoadError {
    let fix = match e.kind() {
        std::io::ErrorKind::NotFound => "check the path; `-` reads standard input",
        std::io::ErrorKind::InvalidData => "the document must be UTF-8 JSON or YAML",
        _ => "check the file's permissions",
    };
    LoadError {
        file: path.to_string(),
        diagnostics: vec![super::load::Diagnostic {
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
        if let Some((parsed, node_spans, edge_spans)) = jsonload::parse(&text, threads()) {
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
    let snap_path = snapshot::path_for(Path::new(path));
    if policy.enabled {
        if let Ok(mapped) = super::mapped::Mapped::open(&snap_path) {
            let reader = file.try_clone().map_err(|e| io_error(path, e))?;
            if let Some((graph, warnings)) = snapshot::decode(mapped.bytes(), key, reader, path) {
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
    let mut text = String::with_capacity(meta.len() as usize + 1);
    file.read_to_string(&mut text)
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
    if policy.enabled && meta.len() >= policy.min_bytes && unchanged {
        if let Some(bytes) = snapshot::encode(&graph, key, &warnings) {
            match crate::fsutil::write_atomic(&snap_path, &bytes) {
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
