//! The journal: the incident record of `heir revoke`, one JSON line per request (and one per step
//! it did not send), appended and flushed as each happens, never rewritten.
//!
//! Append-only JSON lines survive a crash: every line written before the process died is whole
//! (it is written with one `write` and synced), and a half-written last line is skipped on
//! reading with a warning (and ended on the next open, so the entries after it stay whole). A re-run reads the journal and does not send again a request that
//! already succeeded — which is what makes `heir revoke` resumable after a crash or a storm of
//! `429`s, and idempotent: a second run of a finished plan sends nothing and writes nothing.
//!
//! No credential is ever in it: URLs carry ids only (the calls are built from the graph, which
//! holds no secret values), bodies are not recorded, and error details pass through
//! `collect::http::redact`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::HeirError;
use crate::model::Timestamp;

/// What happened to one request or step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The platform answered with success.
    Done,
    /// The platform refused or failed, or could not be reached.
    Failed,
    /// Not sent: a step it waits for (`after`) failed or was skipped, or an earlier call of the
    /// same step failed.
    Skipped,
    /// heir has no call for it (no API, `ttl_only`, an id the graph does not give): a person
    /// does it.
    Manual,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Manual => "manual",
        }
    }
}

/// One line of the journal (the JSON contract `heir schema journal` prints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    /// When the request was answered (or the step was passed over), RFC 3339.
    pub at: Timestamp,
    /// Extension: when the request was sent (what a platform's own clock records, such as
    /// Entra's `signInSessionsValidFromDateTime`, falls between `sent` and `at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<Timestamp>,
    /// The plan step (`order`).
    pub step: usize,
    /// The step's target node id.
    pub target: String,
    /// The request (absent for a manual step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The HTTP status of the last answer (absent when nothing answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub outcome: Outcome,
    /// Why: the platform's error, the step waited for, the compensating control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Extension: SHA-256 of the plan file the run carried out.
    pub plan_sha256: String,
}

/// The journal file, opened for appending.
pub struct Journal {
    pub path: PathBuf,
    file: std::fs::File,
}

/// Where journals live when `--journal` is not given: `$HEIR_DATA_DIR`, else
/// `$XDG_DATA_HOME/heir`, else `~/.local/share/heir` — the user's data directory, because a
/// journal is a record to keep (not a cache), and never beside the plan (inputs are evidence).
pub fn data_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("HEIR_DATA_DIR")
        .or_else(|| var("XDG_DATA_HOME").map(|d| d.join("heir")))
        .or_else(|| var("HOME").map(|d| d.join(".local").join("share").join("heir")))
}

/// The default journal of a plan: `journal/<plan file stem>-<first 12 hex of its SHA-256>.jsonl`
/// in [`data_dir`]. Named after the plan's content, so the same plan resumes its own journal
/// and a new plan starts a new one.
pub fn default_path(plan_path: &str, plan_sha256: &str) -> Result<PathBuf, HeirError> {
    let dir = data_dir().ok_or_else(|| {
        HeirError::Environment(
            "no data directory: HEIR_DATA_DIR, XDG_DATA_HOME and HOME are all unset\n  fix: pass --journal FILE"
                .into(),
        )
    })?;
    let stem: String = Path::new(plan_path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(dir.join("journal").join(format!(
        "{stem}-{}.jsonl",
        &plan_sha256[..12.min(plan_sha256.len())]
    )))
}

/// Reads a journal; a missing file is an empty journal. Lines that do not parse are skipped and
/// counted in the second value (a crash can leave a half-written last line).
pub fn read(path: &Path) -> Result<(Vec<Entry>, usize), HeirError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(HeirError::io(format!("reading {}", path.display()), e)),
    };
    let mut entries = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => entries.push(e),
            Err(_) => bad += 1,
        }
    }
    Ok((entries, bad))
}

/// Whether a non-empty file's last byte is not a newline.
fn torn(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

impl Journal {
    /// Opens (creating it and its folder) for appending. A journal that does not end with a
    /// newline was torn by a crash mid-write: the torn line is ended first, so that the next
    /// entry starts a line of its own instead of being glued to the fragment and lost (a lost
    /// "done" would send that request again on the run after).
    pub fn open(path: &Path) -> Result<Journal, HeirError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| HeirError::io(format!("creating {}", dir.display()), e))?;
        }
        let io = |e| HeirError::io(format!("opening the journal {}", path.display()), e);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io)?;
        if torn(&mut file).map_err(io)? {
            file.write_all(b"\n")
                .and_then(|_| file.sync_data())
                .map_err(io)?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one line and syncs it: the record must outlive a crash of the next request.
    pub fn append(&mut self, e: &Entry) -> Result<(), HeirError> {
        let mut line = serde_json::to_vec(e).expect("a journal entry serialises");
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|_| self.file.sync_data())
            .map_err(|err| {
                HeirError::io(format!("writing the journal {}", self.path.display()), err)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(step: usize, outcome: Outcome) -> Entry {
        Entry {
            at: Timestamp::parse("2026-10-02T12:00:00Z").unwrap(),
            sent: None,
            step,
            target: "okta:session:s1".into(),
            method: Some("DELETE".into()),
            url: Some("https://acme.okta.com/api/v1/sessions/s1".into()),
            status: Some(204),
            outcome,
            detail: None,
            plan_sha256: "ab".into(),
        }
    }

    #[test]
    fn a_half_written_last_line_is_skipped_and_counted() {
        let dir = std::env::temp_dir().join(format!("heir-journal-{}", std::process::id()));
        let path = dir.join("j.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut j = Journal::open(&path).unwrap();
        j.append(&entry(2, Outcome::Done)).unwrap();
        j.append(&entry(3, Outcome::Failed)).unwrap();
        drop(j);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"at":"2026-10-02T12:00:01Z","step":4,"tar"#)
            .unwrap();
        let (entries, bad) = read(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].outcome, Outcome::Failed);
        assert_eq!(bad, 1);
        // The next run's entries start on a line of their own, after the fragment.
        drop(f);
        let mut j = Journal::open(&path).unwrap();
        j.append(&entry(4, Outcome::Done)).unwrap();
        let (entries, bad) = read(&path).unwrap();
        assert_eq!((entries.len(), bad), (3, 1));
        assert_eq!(entries[2].step, 4);
        // A whole journal is not touched by opening it.
        let before = std::fs::read(&path).unwrap();
        drop(Journal::open(&path).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let line = serde_json::to_string(&entry(2, Outcome::Done)).unwrap();
        assert!(line.starts_with(r#"{"at":"2026-10-02T12:00:00Z","step":2,"target":"okta:session:s1","method":"DELETE""#), "{line}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
