//! Reading a `heir plan --format json` answer back, and deciding whether it may still be acted on.
//!
//! `act` reads only the fields it needs, with its own types: the plan's JSON is a public contract
//! (docs/contracts.md), and reading it through the contract rather than the analysis types keeps
//! a plan written by an older or newer heir readable as long as the contract holds.

use std::path::Path;

use serde::Deserialize;

use crate::analysis::mechanism::Call;
use crate::error::HeirError;
use crate::model::Timestamp;

/// The plan as `heir revoke` and `heir verify` read it.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanFile {
    pub at: Timestamp,
    #[serde(default)]
    pub since: Option<Timestamp>,
    pub steps: Vec<StepIn>,
    #[serde(default)]
    pub graph_sha256: Option<String>,
    /// SHA-256 (hex) of the plan file's bytes: names the default journal and ties a journal's
    /// lines to the plan they carried out.
    #[serde(skip)]
    pub sha256: String,
    /// The file as named on the command line, for messages.
    #[serde(skip)]
    pub path: String,
}

/// One step, as far as acting on it goes.
#[derive(Debug, Clone, Deserialize)]
pub struct StepIn {
    pub order: usize,
    pub phase: String,
    pub target: String,
    pub platform: String,
    pub action: String,
    pub how: String,
    #[serde(default)]
    pub compensating: Option<String>,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    #[serde(default)]
    pub calls: Vec<Call>,
    #[serde(default)]
    pub by_hand: Option<String>,
    #[serde(default)]
    pub after: Vec<usize>,
}

impl StepIn {
    /// Contain and revoke steps are the ones `heir revoke` acts on; inspect, hunt and recover
    /// need a person's judgement (and recover must wait until the attacker is out).
    pub fn acts(&self) -> bool {
        matches!(self.phase.as_str(), "contain" | "revoke")
    }
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, streamed (a graph document can be large).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The SHA-256 of a graph document, remembered in the user's cache directory beside the
/// document's snapshot (`<snapshot name>.sha256`, keyed like the snapshot by length, times and
/// inode): hashing reads the whole document — about 0.3 s of CPU for the 360 MB benchmark
/// document, where a plan from its snapshot takes 0.05 s — so it is paid once per state of the
/// document, not on every `heir plan --format json` (documents under 1 MiB are simply hashed).
/// The cache is best effort: when it cannot be
/// read or written the hash is computed.
pub fn graph_sha256(path: &Path) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    // Below a mebibyte hashing is cheaper than the cache's bookkeeping.
    if meta.len() < 1 << 20 {
        return file_sha256(path);
    }
    let key = format!("{:?}", crate::store::snapshot::Key::of(&meta));
    let remembered = crate::store::snapshot::cache_dir()
        .and_then(|dir| crate::store::snapshot::path_for(path, &dir))
        .map(|p| p.with_extension("sha256"));
    if let Some(r) = &remembered {
        if let Ok(text) = std::fs::read_to_string(r) {
            if let Some((k, h)) = text.trim_end().rsplit_once('\t') {
                if k == key && h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Ok(h.to_string());
                }
            }
        }
    }
    let h = file_sha256(path)?;
    if let Some(r) = remembered {
        if let Some(dir) = r.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = crate::sys::fs::write_atomic(&r, format!("{key}\t{h}\n").as_bytes());
    }
    Ok(h)
}

/// Reads a plan file; errors name the file, the place and the fix.
pub fn read(path: &Path) -> Result<PlanFile, HeirError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| HeirError::io(format!("reading {shown}"), e))?;
    let mut plan: PlanFile = serde_json::from_slice(&bytes).map_err(|e| {
        HeirError::Input(format!(
            "{shown}:{}:{}: not a plan heir can act on: {e}\n  fix: pass the output of `heir plan GRAPH --from ID --format json`",
            e.line(),
            e.column()
        ))
    })?;
    let mut seen = std::collections::HashSet::new();
    for s in &plan.steps {
        if !seen.insert(s.order) {
            return Err(HeirError::Input(format!(
                "{shown}: two steps have order {}\n  fix: pass the plan as `heir plan` wrote it",
                s.order
            )));
        }
    }
    plan.sha256 = sha256_hex(&bytes);
    plan.path = shown;
    Ok(plan)
}

/// What makes a plan too old to act on.
#[derive(Debug, Clone)]
pub struct Freshness {
    /// The longest a plan may have been computed before now (milliseconds).
    pub max_age_ms: i64,
    /// The graph the plan must come from, when given.
    pub graph: Option<std::path::PathBuf>,
    /// Act anyway.
    pub stale_ok: bool,
}

/// Why a plan is stale, if it is: computed longer ago than allowed, or from another graph. A plan
/// is a picture of the graph at `at`; acting on an old one revokes what was true then (a session
/// ended since, an account the owner has recovered).
pub fn staleness(
    plan: &PlanFile,
    f: &Freshness,
    now: Timestamp,
) -> Result<Option<String>, HeirError> {
    let mut why = Vec::new();
    let age = now.as_millis() - plan.at.as_millis();
    if age > f.max_age_ms {
        why.push(format!(
            "it was computed at {} ({} ago; --max-age is {})",
            plan.at,
            human(age),
            human(f.max_age_ms)
        ));
    }
    if let Some(g) = &f.graph {
        let actual =
            file_sha256(g).map_err(|e| HeirError::io(format!("reading {}", g.display()), e))?;
        match plan.graph_sha256.as_deref() {
            Some(h) if h == actual => {}
            Some(_) => why.push(format!(
                "it was computed from another graph than {} (graph_sha256 differs)",
                g.display()
            )),
            None => why.push(format!(
                "it does not say which graph it came from (no graph_sha256), so it cannot be matched to {}",
                g.display()
            )),
        }
    }
    Ok((!why.is_empty()).then(|| why.join("; ")))
}

/// `3h 20m`, `2d 4h`, `45s`: an age a person reads at a glance.
pub fn human(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_at_a_glance() {
        assert_eq!(human(45_000), "45s");
        assert_eq!(human(6 * 3_600_000), "6h");
        assert_eq!(human(3 * 3_600_000 + 20 * 60_000), "3h 20m");
        assert_eq!(human(2 * 86_400_000 + 4 * 3_600_000), "2d 4h");
    }

    #[test]
    fn a_plan_older_than_the_limit_is_stale() {
        let plan = PlanFile {
            at: Timestamp::parse("2026-10-02T12:00:00Z").unwrap(),
            since: None,
            steps: Vec::new(),
            graph_sha256: None,
            sha256: String::new(),
            path: "p.json".into(),
        };
        let f = Freshness {
            max_age_ms: 6 * 3_600_000,
            graph: None,
            stale_ok: false,
        };
        let fresh = Timestamp::parse("2026-10-02T17:59:00Z").unwrap();
        assert!(staleness(&plan, &f, fresh).unwrap().is_none());
        let old = Timestamp::parse("2026-10-02T18:01:00Z").unwrap();
        let why = staleness(&plan, &f, old).unwrap().unwrap();
        assert!(why.contains("6h 1m ago"), "{why}");
    }
}
