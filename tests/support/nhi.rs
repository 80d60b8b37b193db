//! Helpers shared by the NHI importer tests (`collect_aws`, `collect_k8s`, `collect_gcp`,
//! `collect_csv`, `nhi_chains`): running the binary, scratch folders, golden documents.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heir::model::{Document, Timestamp};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

pub fn collected_at() -> Timestamp {
    Timestamp::parse("2026-11-20T10:00:00Z").unwrap()
}

/// Runs `heir` with `args`.
pub fn heir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heir"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("heir runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `heir args…`, which must succeed; its stdout.
pub fn ok(args: &[&str]) -> String {
    let o = heir(args);
    assert!(
        o.status.success(),
        "heir {args:?} failed ({:?}):\n{}",
        o.status.code(),
        stderr(&o)
    );
    stdout(&o)
}

/// A scratch folder removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("heir-nhi-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn path(&self, name: &str) -> String {
        self.file(name).display().to_string()
    }

    pub fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.file(name), text).unwrap();
        self.path(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Compares `doc` with the golden document `tests/fixtures/<rel>`, or rewrites it under
/// `UPDATE_GOLDEN=1`.
pub fn golden(rel: &str, doc: &Document) {
    let path = fixture(rel);
    let actual = serde_json::to_string_pretty(doc).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{rel} differs from the golden file at line {}:\n  golden: {}\n  actual: {}\n\
             (run with UPDATE_GOLDEN=1 if the change is intended)",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>")
        );
    }
}

/// The exit code and stderr of a run expected to fail.
pub fn fails(args: &[&str]) -> (i32, String) {
    let o = heir(args);
    assert!(!o.status.success(), "heir {args:?} should fail");
    (o.status.code().unwrap_or(-1), stderr(&o))
}
