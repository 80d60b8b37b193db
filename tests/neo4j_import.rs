//! `heir export neo4j-import`: the files are read back with a CSV parser that applies
//! `neo4j-admin database import full`'s header rules (`:ID`, `:LABEL`, `:START_ID`, `:END_ID`,
//! `:TYPE`, `name:type`, arrays split on the array delimiter, an empty field is no property), and
//! must hold exactly the graph the live push writes. neo4j-admin itself cannot be installed on the
//! build machines, so this parser is the check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use heir::export::neo4j_import::{ARRAY_DELIMITER, COMMAND_FILE};
use serde_json::{json, Value};

fn heir(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heir"))
        .args(args)
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heir-n4i-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const NASTY: &str = "x:user:\"quoted\", with commas; semicolons\nnewline\r\n and 'single' é";

fn document() -> Value {
    json!({
        "version": 1,
        "sources": [{"name": "okta", "collected_at": "2026-11-20T09:00:00Z", "complete": true}],
        "nodes": [
            {"id": NASTY, "kind": "user", "platform": "okta", "name": "a \"b\", c\nd;e", "criticality": 7,
             "tags": ["tier0", "has,comma", "has\"quote", "has;semicolon", "multi\nline"],
             "props": {"dept": {"name": "R&D, \"core\""}, "n": 3, "ratio": 0.5, "flags": [true, false]}},
            {"id": "okta:user:b", "kind": "user", "platform": "okta", "enabled": false, "props": {"n": 4.5}},
            {"id": "okta:group:g", "kind": "group", "platform": "okta"},
            {"id": "aws:role:r", "kind": "role", "platform": "aws", "criticality": 9},
            {"id": "okta:session:s", "kind": "session", "platform": "okta", "mfa": true,
             "issued_at": "2026-11-20T08:00:00Z", "expires_at": "2026-11-20T20:00:00Z", "revocation": "central"}
        ],
        "edges": [
            {"from": NASTY, "to": "aws:role:r", "kind": "can_assume", "requires": ["mfa"], "props": {"why": "x,\"y\"\nz"}},
            {"from": NASTY, "to": "aws:role:r", "kind": "can_assume", "requires": ["managed_device"]},
            {"from": NASTY, "to": "okta:group:g", "kind": "member_of"},
            {"from": "okta:user:b", "to": "okta:group:g", "kind": "member_of"},
            {"from": "okta:session:s", "to": NASTY, "kind": "authenticates_as", "at": "2026-11-20T08:00:00Z"}
        ]
    })
}

/// One entity read back: its id or ends, labels or type, and typed properties.
#[derive(Debug, Default)]
struct Entity {
    id: String,
    labels: Vec<String>,
    start: String,
    end: String,
    rel_type: String,
    props: BTreeMap<String, Value>,
}

/// Reads a header file and its data file by the importer's rules.
fn read(dir: &Path, header: &str, data: &str) -> Vec<Entity> {
    let mut h = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(dir.join(header))
        .unwrap();
    let columns: Vec<String> = h
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(dir.join(data))
        .unwrap();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), columns.len(), "{data}: a field per column");
        let mut e = Entity::default();
        for (col, field) in columns.iter().zip(rec.iter()) {
            let (name, ty) = col.split_once(':').unwrap_or((col, "string"));
            match ty {
                "ID" => {
                    e.id = field.to_string();
                    if !name.is_empty() {
                        e.props.insert(name.to_string(), json!(field));
                    }
                }
                "LABEL" => e.labels = field.split(ARRAY_DELIMITER).map(str::to_string).collect(),
                "START_ID" => e.start = field.to_string(),
                "END_ID" => e.end = field.to_string(),
                "TYPE" => e.rel_type = field.to_string(),
                _ if field.is_empty() => {}
                _ => {
                    let scalar = |t: &str, s: &str| -> Value {
                        match t {
                            "int" | "long" => json!(s.parse::<i64>().unwrap()),
                            "double" | "float" => json!(s.parse::<f64>().unwrap()),
                            "boolean" => json!(s.parse::<bool>().unwrap()),
                            "string" => json!(s),
                            other => panic!("unexpected type {other} in {col}"),
                        }
                    };
                    let v = match ty.strip_suffix("[]") {
                        Some(t) => Value::Array(
                            field.split(ARRAY_DELIMITER).map(|s| scalar(t, s)).collect(),
                        ),
                        None => scalar(ty, field),
                    };
                    e.props.insert(name.to_string(), v);
                }
            }
        }
        out.push(e);
    }
    out
}

#[test]
fn import_files_follow_the_header_rules_and_hold_the_graph() {
    let dir = scratch("ok");
    let graph = dir.join("g.json");
    std::fs::write(&graph, document().to_string()).unwrap();
    let out_dir = dir.join("import");
    let out = heir(&[
        "export",
        "neo4j-import",
        graph.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--run",
        "bulk-1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("neo4j-admin database import full"),
        "{stdout}"
    );
    assert!(stdout.contains("--array-delimiter=U+001F"), "{stdout}");
    assert!(stdout.contains("--multiline-fields=true"), "{stdout}");
    let script = std::fs::read_to_string(out_dir.join(COMMAND_FILE)).unwrap();
    assert!(script.contains("--nodes=nodes-User.header.csv,nodes-User.csv"));
    assert!(script.contains(
        "--relationships=relationships-CAN_ASSUME.header.csv,relationships-CAN_ASSUME.csv"
    ));
    assert!(std::fs::read_to_string(out_dir.join("constraints.cypher"))
        .unwrap()
        .contains("REQUIRE n.id IS UNIQUE"));

    // Every file named in the command, read by the header rules.
    let mut nodes = BTreeMap::new();
    let mut rels = Vec::new();
    for line in script.lines() {
        let line = line.trim().trim_end_matches('\\').trim();
        if let Some(files) = line.strip_prefix("--nodes=") {
            let (h, d) = files.split_once(',').unwrap();
            for n in read(&out_dir, h, d) {
                assert!(nodes.insert(n.id.clone(), n).is_none(), "ids are unique");
            }
        } else if let Some(files) = line.strip_prefix("--relationships=") {
            let (h, d) = files.split_once(',').unwrap();
            rels.extend(read(&out_dir, h, d));
        }
    }
    // Exact counts: 5 nodes; parallel can_assume folded into one relationship.
    assert_eq!(nodes.len(), 5);
    let by_label = |l: &str| {
        nodes
            .values()
            .filter(|n| n.labels.iter().any(|x| x == l))
            .count()
    };
    assert_eq!(by_label("HeirNode"), 5);
    assert_eq!(by_label("User"), 2);
    assert_eq!(
        (by_label("Group"), by_label("Role"), by_label("Session")),
        (1, 1, 1)
    );
    let types: BTreeMap<&str, usize> = rels.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.rel_type.as_str()).or_default() += 1;
        m
    });
    assert_eq!(
        types,
        BTreeMap::from([("AUTHENTICATES_AS", 1), ("CAN_ASSUME", 1), ("MEMBER_OF", 2)])
    );
    // Every relationship's ends are ids of the node files.
    for r in &rels {
        assert!(nodes.contains_key(&r.start) && nodes.contains_key(&r.end));
    }

    // Hostile strings come back byte for byte, properties typed.
    let a = &nodes[NASTY];
    assert_eq!(a.labels, ["HeirNode", "User"]);
    assert_eq!(a.props["id"], json!(NASTY));
    assert_eq!(a.props["name"], json!("a \"b\", c\nd;e"));
    assert_eq!(a.props["criticality"], json!(7));
    assert_eq!(
        a.props["tags"],
        json!([
            "tier0",
            "has,comma",
            "has\"quote",
            "has;semicolon",
            "multi\nline"
        ])
    );
    assert_eq!(a.props["props_dept_name"], json!("R&D, \"core\""));
    assert_eq!(a.props["props_flags"], json!([true, false]));
    assert_eq!(a.props["heir_run"], json!("bulk-1"));
    assert_eq!(a.props["heir_source"], json!("okta"));
    assert_eq!(a.props["enabled"], json!(true));
    // A column of integers and a fraction is a double column.
    assert_eq!(a.props["props_n"], json!(3.0));
    assert_eq!(nodes["okta:user:b"].props["props_n"], json!(4.5));
    assert_eq!(nodes["okta:user:b"].props["enabled"], json!(false));
    assert!(!nodes["okta:user:b"].props.contains_key("tags"));
    let s = &nodes["okta:session:s"];
    assert_eq!(s.props["mfa"], json!(true));
    assert_eq!(s.props["expires_at"], json!("2026-11-20T20:00:00Z"));
    assert_eq!(nodes["aws:role:r"].props["heir_source"], json!("unsourced"));
    let assume = rels.iter().find(|r| r.rel_type == "CAN_ASSUME").unwrap();
    assert_eq!(
        (assume.start.as_str(), assume.end.as_str()),
        (NASTY, "aws:role:r")
    );
    assert_eq!(assume.props["requires"], json!(["managed_device", "mfa"]));
    assert_eq!(assume.props["props_why"], json!("x,\"y\"\nz"));
    assert_eq!(assume.props["traversable"], json!(true));
    let auth = rels
        .iter()
        .find(|r| r.rel_type == "AUTHENTICATES_AS")
        .unwrap();
    assert_eq!(auth.props["at"], json!("2026-11-20T08:00:00Z"));

    // The header types, as the importer reads them.
    let header = std::fs::read_to_string(out_dir.join("nodes-User.header.csv")).unwrap();
    for col in [
        "id:ID",
        ":LABEL",
        "criticality:int",
        "tags:string[]",
        "enabled:boolean",
    ] {
        assert!(
            header.split(',').any(|c| c.trim() == col),
            "{col} in {header}"
        );
    }

    // A second export to the same directory replaces it; nothing temporary is left behind.
    let out = heir(&[
        "export",
        "neo4j-import",
        graph.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let left: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, BTreeSet::from(["g.json".into(), "import".into()]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_and_foreign_directories_are_refused_without_a_trace() {
    let dir = scratch("bad");
    // A directory that is not an earlier output is not replaced.
    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("keep.txt"), "mine").unwrap();
    let graph = dir.join("g.json");
    std::fs::write(&graph, document().to_string()).unwrap();
    let out = heir(&[
        "export",
        "neo4j-import",
        graph.to_str().unwrap(),
        "-o",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an earlier"));
    assert_eq!(
        std::fs::read_to_string(foreign.join("keep.txt")).unwrap(),
        "mine"
    );
    // A value holding the array delimiter cannot be an array element: an error, no directory.
    let mut doc = document();
    doc["nodes"][2]["tags"] = json!(["a\u{1f}b"]);
    std::fs::write(&graph, doc.to_string()).unwrap();
    let target = dir.join("out");
    let out = heir(&[
        "export",
        "neo4j-import",
        graph.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("U+001F") && err.contains("okta:group:g"),
        "{err}"
    );
    let left: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, BTreeSet::from(["g.json".into(), "foreign".into()]));
    std::fs::remove_dir_all(&dir).unwrap();
}
