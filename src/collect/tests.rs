//! The plug-in claim, proven: the toy collector of `docs/collectors.md` is one module plus one
//! registry line, and `heir collect`'s own plumbing (subcommand, common flags, document, record
//! accounting, `--strict`) works for it unchanged.

use std::path::PathBuf;

use super::hello::{self, Hello};
use super::{registry, Collector};
use crate::cli::collect::{run_with, with_collectors};
use crate::model::Document;

/// A scratch directory removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("heir-toy-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The registry plus the toy's one line.
fn with_hello() -> Vec<&'static dyn Collector> {
    let mut list = registry().to_vec();
    list.push(&Hello);
    list
}

const PEOPLE: &str = r#"{"people": [{"id": "1", "name": "Ana"}, {"name": "nobody"}, {"id": "2"}]}"#;

#[test]
fn a_toy_collector_runs_through_the_collect_plumbing() {
    let dir = Scratch::new("plumbing");
    let input = dir.0.join("people.json");
    let out = dir.0.join("hello.json");
    std::fs::write(&input, PEOPLE).unwrap();
    let (input_s, out_s) = (input.to_str().unwrap(), out.to_str().unwrap());

    let mut err = Vec::new();
    run_with(
        &with_hello(),
        &["collect", "hello", "--file", input_s, "-o", out_s],
        &mut err,
    )
    .expect("the toy collects");
    let err = String::from_utf8(err).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!("hello: 2 nodes, 0 edges written to {out_s}").as_str(),
            "hello: skipped (missing id), e.g. person #2",
            "hello: read 3 · used 2 · skipped 1 (missing id: 1)",
        ]
    );

    let doc: Document = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ids: Vec<&str> = doc.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, vec!["hello:user:1", "hello:user:2"]);
    let records = doc.sources[0].records.clone().expect("records are written");
    assert_eq!((records.read, records.used), (3, 2));
    assert_eq!(records.skipped.get("missing id"), Some(&1));
    assert_eq!(records.examples["missing id"], vec!["person #2"]);

    // --strict: the document is still written, and the skipped record is exit 3.
    std::fs::remove_file(&out).unwrap();
    let e = run_with(
        &with_hello(),
        &[
            "collect", "hello", "--file", input_s, "-o", out_s, "--strict",
        ],
        &mut Vec::new(),
    )
    .expect_err("a skipped record trips --strict");
    assert_eq!(e.exit_code(), 3, "{e}");
    assert!(e.to_string().contains("1 record(s) skipped"), "{e}");
    assert!(out.exists());

    // Nothing usable in a non-empty input is a warning, never a silent success.
    std::fs::write(&input, r#"{"people": [{"name": "x"}]}"#).unwrap();
    let mut err = Vec::new();
    run_with(
        &with_hello(),
        &["collect", "hello", "--file", input_s, "-o", out_s],
        &mut err,
    )
    .unwrap();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("warning: hello: none of the 1 records read was used"),
        "{err}"
    );
    assert_eq!(
        err.lines().last(),
        Some("hello: read 1 · used 0 · skipped 1 (missing id: 1)")
    );

    // A bad input names the file and writes nothing.
    std::fs::write(&input, "[]").unwrap();
    std::fs::remove_file(&out).unwrap();
    let e = run_with(
        &with_hello(),
        &["collect", "hello", "--file", input_s, "-o", out_s],
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(e.exit_code(), 1);
    assert!(e.to_string().contains("people.json") && e.to_string().contains("fix:"));
    assert!(!out.exists());
}

#[test]
fn without_its_registry_line_the_toy_is_unknown() {
    let e = run_with(
        registry(),
        &["collect", "hello", "--file", "x", "-o", "y"],
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
}

#[test]
fn the_help_comes_from_the_collector() {
    let mut cmd = with_collectors(clap::Command::new("collect"), &with_hello());
    cmd.build();
    let hello = cmd.find_subcommand_mut("hello").expect("a subcommand");
    let help = hello.render_help().to_string();
    for want in [
        "A toy: people from a JSON file",
        "--file <FILE>",
        "-o, --output <FILE>",
        "--quiet",
        "--strict",
    ] {
        assert!(help.contains(want), "{want} not in {help}");
    }
}

#[test]
fn the_registry_builds_a_valid_command_with_unique_names() {
    let cmd = with_collectors(clap::Command::new("collect"), registry());
    cmd.debug_assert();
    let mut names: Vec<&str> = registry().iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        vec![
            "okta", "oktalog", "entra", "signins", "aws", "k8s", "gcp", "csv", "github", "google",
            "slack"
        ]
    );
    names.dedup();
    assert_eq!(names.len(), registry().len());
}

#[test]
fn the_guide_shows_the_toy_as_it_is_compiled() {
    let guide = include_str!("../../docs/collectors.md");
    let code = include_str!("../../docs/collectors/hello.rs");
    // The guide shows the module from its `use` lines on (the file's doc comment is for readers
    // of the file).
    let body = &code[code.find("use serde_json").expect("the module's imports")..];
    assert!(
        guide.contains(body),
        "docs/collectors.md no longer shows docs/collectors/hello.rs verbatim"
    );
    assert!(guide.contains("&hello::Hello,"), "the registry line");
    assert_eq!(hello::transform(&[]).records.records().read, 0);
}
