//! The three ways a document becomes a graph must agree exactly: the typed path (`serde_json` into
//! `Document`, then `TrustGraph::new`), the fast JSON path (split, lite records, lazy full
//! records), and a snapshot written by the fast path. Agreement means the same documents are
//! accepted, and for accepted ones the same ids, facts, edges, records, sources and warnings.

use std::process::Command;

use heir::model::load::{load_str, Syntax, EDGE_FIELDS, NODE_FIELDS};
use heir::model::TrustGraph;
use heir::store::jsonload;
use heir::store::open::{open, Origin, SnapshotPolicy};
use heir::store::records::Records;
use proptest::prelude::*;
use serde_json::{json, Value};

fn typed(text: &str) -> Option<(TrustGraph, Vec<String>)> {
    let (doc, w) = load_str("t.json", text, Syntax::Json).ok()?;
    Some((
        TrustGraph::new(doc),
        w.iter().map(|d| d.to_string()).collect(),
    ))
}

fn fast(text: &str) -> Option<(TrustGraph, Vec<String>)> {
    let (parsed, nodes, edges) = jsonload::parse(text, 2)?;
    let text = heir::store::records::Text::Memory(text.into());
    let (g, w) = parsed.into_graph(Records::json(text, nodes, edges));
    Some((g, w.iter().map(|d| d.to_string()).collect()))
}

fn assert_same(a: &TrustGraph, b: &TrustGraph) {
    assert_eq!(a.node_count(), b.node_count());
    assert_eq!(a.edge_count(), b.edge_count());
    assert_eq!(a.sources(), b.sources());
    for i in a.node_indices() {
        assert_eq!(a.id(i), b.id(i));
        assert_eq!(a.facts(i), b.facts(i), "facts of {}", a.id(i));
        assert_eq!(a.platform(i), b.platform(i));
        assert_eq!(a.node(i), b.node(i));
        assert_eq!(a.index(a.id(i)), Some(i));
        assert_eq!(b.index(a.id(i)), Some(i));
        assert_eq!(a.complete(i), b.complete(i));
    }
    for (ea, eb) in a.edge_indices().zip(b.edge_indices()) {
        assert_eq!(
            (a.endpoints(ea), a.edge_facts(ea)),
            (b.endpoints(eb), b.edge_facts(eb))
        );
        assert_eq!(a.edge(ea), b.edge(eb));
    }
}

/// Same verdict, and the same graph when accepted.
fn agree(text: &str) -> bool {
    match (typed(text), fast(text)) {
        (Some((a, wa)), Some((b, wb))) => {
            assert_same(&a, &b);
            assert_eq!(wa, wb);
            true
        }
        (None, None) => false,
        (t, f) => panic!(
            "paths disagree (typed accepts: {}, fast accepts: {}) on {text}",
            t.is_some(),
            f.is_some()
        ),
    }
}

fn documents() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in [
        "examples",
        "tests/fixtures",
        "tests/fixtures/okta",
        "tests/fixtures/entra",
        "tests/fixtures/uneven",
        "tests/fixtures/liveness",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for p in files {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    out
}

#[test]
fn every_bundled_document_loads_identically_on_both_paths() {
    let mut accepted = 0;
    for (name, text) in documents() {
        let ok = agree(&text);
        accepted += ok as usize;
        // Pretty-printed and compact forms are the same document.
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            assert_eq!(agree(&serde_json::to_string(&v).unwrap()), ok, "{name}");
            assert_eq!(
                agree(&serde_json::to_string_pretty(&v).unwrap()),
                ok,
                "{name}"
            );
        }
    }
    assert!(accepted >= 8, "only {accepted} bundled documents loaded");
}

#[test]
fn synthetic_enterprises_load_identically() {
    for seed in [1, 7] {
        let at = heir::model::Timestamp::parse("2026-11-20T10:00:00Z").unwrap();
        let doc = heir::synth::synth(40, seed, at);
        let text = serde_json::to_string(&doc).unwrap();
        assert!(agree(&text));
    }
}

fn base() -> Value {
    json!({
        "version": 1,
        "sources": [{"name": "okta", "complete": false, "reason": "429", "platforms": ["oktalog"]}],
        "nodes": [
            {"id": "okta:user:a", "kind": "user", "name": "A", "person": "a", "criticality": 3,
             "tags": ["tier0"], "props": {"x": [1, {"y": null}], "z": "w"}},
            {"id": "okta:session:s", "kind": "session", "issued_at": "2026-11-20T08:00:00Z",
             "expires_at": "2026-11-20T20:00:00+02:00", "mfa": true, "device_bound": false,
             "revocation": "central", "token_type": "refresh", "scopes": ["a", "b"],
             "last_used_at": "2026-11-20T09:00:00.5Z", "enabled": true},
            {"id": "gh:repo:r", "kind": "resource", "platform": "github", "criticality": 10},
            {"id": "okta:app:gh", "kind": "app"}
        ],
        "edges": [
            {"from": "okta:session:s", "to": "okta:user:a", "kind": "authenticates_as"},
            {"from": "okta:user:a", "to": "okta:app:gh", "kind": "sso", "requires": ["mfa", "managed_device"]},
            {"from": "okta:app:gh", "to": "gh:repo:r", "kind": "can_access", "at": "2026-01-01T00:00:00Z", "props": {"k": 1}},
            {"from": "gh:repo:r", "to": "okta:user:a", "kind": "issued"}
        ]
    })
}

#[test]
fn the_same_documents_are_refused() {
    type Edit = Box<dyn Fn(&mut Value)>;
    let mut cases: Vec<(&str, Edit)> = vec![
        ("as is", Box::new(|_| {})),
        ("version 2", Box::new(|d| d["version"] = json!(2))),
        (
            "no version",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("version");
            }),
        ),
        ("nodes null", Box::new(|d| d["nodes"] = Value::Null)),
        ("edges object", Box::new(|d| d["edges"] = json!({}))),
        ("unknown top field", Box::new(|d| d["nodez"] = json!([]))),
        (
            "unknown node field",
            Box::new(|d| d["nodes"][0]["kindd"] = json!("user")),
        ),
        (
            "unknown edge field",
            Box::new(|d| d["edges"][0]["requiers"] = json!([])),
        ),
        (
            "bad kind",
            Box::new(|d| d["nodes"][0]["kind"] = json!("usr")),
        ),
        (
            "bad edge kind",
            Box::new(|d| d["edges"][0]["kind"] = json!("owns_")),
        ),
        (
            "criticality 11",
            Box::new(|d| d["nodes"][0]["criticality"] = json!(11)),
        ),
        (
            "criticality -1",
            Box::new(|d| d["nodes"][0]["criticality"] = json!(-1)),
        ),
        (
            "criticality string",
            Box::new(|d| d["nodes"][0]["criticality"] = json!("3")),
        ),
        (
            "criticality null",
            Box::new(|d| d["nodes"][0]["criticality"] = Value::Null),
        ),
        (
            "name number",
            Box::new(|d| d["nodes"][0]["name"] = json!(5)),
        ),
        (
            "name null",
            Box::new(|d| d["nodes"][0]["name"] = Value::Null),
        ),
        (
            "tags string",
            Box::new(|d| d["nodes"][0]["tags"] = json!("tier0")),
        ),
        (
            "tags null",
            Box::new(|d| d["nodes"][0]["tags"] = Value::Null),
        ),
        (
            "tags numbers",
            Box::new(|d| d["nodes"][0]["tags"] = json!([1])),
        ),
        (
            "props list",
            Box::new(|d| d["nodes"][0]["props"] = json!([1])),
        ),
        (
            "props null",
            Box::new(|d| d["nodes"][0]["props"] = Value::Null),
        ),
        (
            "edge props null",
            Box::new(|d| d["edges"][2]["props"] = Value::Null),
        ),
        (
            "bad time",
            Box::new(|d| d["nodes"][1]["expires_at"] = json!("2026-13-01T00:00:00Z")),
        ),
        (
            "Feb 30",
            Box::new(|d| d["nodes"][1]["expires_at"] = json!("2026-02-30T00:00:00Z")),
        ),
        (
            "time number",
            Box::new(|d| d["nodes"][1]["issued_at"] = json!(1)),
        ),
        (
            "time null",
            Box::new(|d| d["nodes"][1]["issued_at"] = Value::Null),
        ),
        (
            "edge time bad",
            Box::new(|d| d["edges"][2]["at"] = json!("yesterday")),
        ),
        (
            "bad revocation",
            Box::new(|d| d["nodes"][1]["revocation"] = json!("sometimes")),
        ),
        (
            "bad token type",
            Box::new(|d| d["nodes"][1]["token_type"] = json!("jwt")),
        ),
        (
            "mfa string",
            Box::new(|d| d["nodes"][1]["mfa"] = json!("yes")),
        ),
        (
            "bad requirement",
            Box::new(|d| d["edges"][1]["requires"] = json!(["mfaa"])),
        ),
        (
            "requires null",
            Box::new(|d| d["edges"][1]["requires"] = Value::Null),
        ),
        (
            "duplicate id",
            Box::new(|d| d["nodes"][2]["id"] = json!("okta:user:a")),
        ),
        ("empty id", Box::new(|d| d["nodes"][3]["id"] = json!(""))),
        ("id number", Box::new(|d| d["nodes"][3]["id"] = json!(3))),
        (
            "dangling from",
            Box::new(|d| d["edges"][0]["from"] = json!("okta:session:t")),
        ),
        (
            "dangling to",
            Box::new(|d| d["edges"][3]["to"] = json!("nobody")),
        ),
        (
            "node not an object",
            Box::new(|d| d["nodes"][0] = json!("okta:user:a")),
        ),
        (
            "source missing name",
            Box::new(|d| d["sources"][0] = json!({"complete": true})),
        ),
        (
            "escaped id",
            Box::new(|d| {
                d["nodes"][3]["id"] = json!("okta:app:g\"h\\é");
                d["edges"][1]["to"] = json!("okta:app:g\"h\\é");
                d["edges"][2]["from"] = json!("okta:app:g\"h\\é");
            }),
        ),
        (
            "unicode platform",
            Box::new(|d| d["nodes"][2]["platform"] = json!("gïthub\n")),
        ),
        (
            "unusual edge",
            Box::new(|d| d["edges"][0]["kind"] = json!("member_of")),
        ),
        (
            "credential fields on a user",
            Box::new(|d| d["nodes"][0]["mfa"] = json!(false)),
        ),
        (
            "expiry before issue",
            Box::new(|d| d["nodes"][1]["expires_at"] = json!("2026-11-19T00:00:00Z")),
        ),
    ];
    let mut refused = 0;
    for (name, mutate) in cases.iter_mut() {
        let mut d = base();
        mutate(&mut d);
        let compact = serde_json::to_string(&d).unwrap();
        let ok = agree(&compact);
        refused += !ok as usize;
        assert_eq!(
            agree(&serde_json::to_string_pretty(&d).unwrap()),
            ok,
            "{name}"
        );
    }
    assert!(refused >= 30, "only {refused} mutations refused");
    // Text the byte splitter must not misread: escaped keys, odd whitespace, trailing text.
    for text in [
        r#"{"version":1,"n\u006fdes":[{"id":"a","kind":"user"}]}"#,
        "{ \"version\" : 1 ,\n\t\"nodes\" : [ { \"id\" : \"a\" , \"kind\" : \"user\" } ] , \"edges\" : [ ] }",
        r#"{"version":1,"nodes":[{"id":"a]}","kind":"user"}],"edges":[]}"#,
        r#"{"version":1,"nodes":[{"id":"a","kind":"user"}]} x"#,
        r#"{"version":1,"nodes":[{"id":"a","kind":"user"}],}"#,
        r#"{"version":1,"nodes":[{"id":"a","kind":"user"},]}"#,
        r#"{"version":1,"nodes":[{"id":"a","kind":"user"}}]}"#,
        r#"{"version":1,"nodes":[{"id":"a","kind":"user"]}"#,
        r#"{"version":1,"version":1,"nodes":[]}"#,
        r#"{"version":1,"nodes":[],"nodes":[{"id":"a","kind":"user"}]}"#,
        r#"{"version":1e0}"#,
        r#"{"version":1,"nodes":[{"id":"a\\","kind":"user"}]}"#,
        "{\"version\":1,\"nodes\":[{\"id\":\"a\",\"kind\":\"user\",\"props\":{\"q\":\"\\\"]}\"}}]}",
        "",
        "[]",
        "{}",
    ] {
        agree(text);
    }
}

/// Random JSON values put into random fields of the base document.
fn snippet() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..300).prop_map(Value::from),
        Just(json!(1.5)),
        "[a-z:\\\\\"é]{0,6}".prop_map(Value::from),
        Just(json!("2026-11-20T08:00:00Z")),
        Just(json!(["mfa"])),
        Just(json!(["x", 1])),
        Just(json!({})),
        Just(json!({"a": [null]})),
        Just(json!("session")),
        Just(json!("can_assume")),
        Just(json!("okta:user:a")),
    ]
}

/// Every node and edge field, and one no record has.
fn fields() -> Vec<&'static str> {
    let mut f: Vec<&str> = NODE_FIELDS.iter().chain(EDGE_FIELDS).copied().collect();
    f.push("bogus");
    f
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn random_edits_get_the_same_verdict(
        edits in prop::collection::vec((any::<bool>(), 0usize..4, 0usize..24, snippet()), 1..4),
        pretty in any::<bool>(),
    ) {
        let mut d = base();
        for (node, k, f, v) in edits {
            let list = if node { "nodes" } else { "edges" };
            let fields = fields();
            d[list][k][fields[f % fields.len()]] = v;
        }
        let text = if pretty { serde_json::to_string_pretty(&d) } else { serde_json::to_string(&d) };
        agree(&text.unwrap());
    }
}

/// A cache directory of this test process's own, so the tests neither read nor leave snapshots
/// in the user's cache.
fn cache() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("heir-cache-{}", std::process::id()))
}

fn policy() -> SnapshotPolicy {
    SnapshotPolicy {
        enabled: true,
        min_bytes: 0,
        dir: Some(cache()),
    }
}

fn quiet(_: &str) {}

#[test]
fn a_snapshot_gives_the_same_graph_and_is_dropped_when_the_document_changes() {
    let dir = tempdir();
    let path = dir.join("acme.json");
    std::fs::copy("examples/acme.json", &path).unwrap();
    let p = path.to_str().unwrap();
    let first = open(p, &policy(), &quiet).unwrap();
    assert_eq!(first.origin, Origin::Parsed);
    let (snap, _) = first.wrote_snapshot.clone().expect("snapshot written");
    assert!(std::path::Path::new(&snap).exists());
    let second = open(p, &policy(), &quiet).unwrap();
    assert_eq!(second.origin, Origin::Snapshot(snap.clone()));
    assert_same(&first.graph, &second.graph);
    assert_eq!(first.warnings, second.warnings);
    let (reference, _) = typed(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_same(&reference, &second.graph);

    // Disabled: neither read nor written.
    let off = SnapshotPolicy {
        enabled: false,
        min_bytes: 0,
        dir: Some(cache()),
    };
    assert_eq!(open(p, &off, &quiet).unwrap().origin, Origin::Parsed);

    // A changed document (here: one node renamed, same length) is parsed again.
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replace(
        "okta:session:102dana-kim-laptop",
        "okta:session:102dana-kim-laptoq",
    );
    assert_eq!(changed.len(), text.len());
    std::fs::write(&path, &changed).unwrap();
    let third = open(p, &policy(), &quiet).unwrap();
    assert_eq!(third.origin, Origin::Parsed);
    assert!(third.graph.contains("okta:session:102dana-kim-laptoq"));
    assert!(!third.graph.contains("okta:session:102dana-kim-laptop"));
    let fourth = open(p, &policy(), &quiet).unwrap();
    assert_eq!(fourth.origin, Origin::Snapshot(snap.clone()));
    assert!(fourth.graph.contains("okta:session:102dana-kim-laptoq"));

    // A damaged or truncated snapshot is ignored (and rewritten), never trusted. The graphs
    // loaded so far read their records' spans from the snapshot they mapped, which is damaged in
    // place below (heir itself only ever replaces a snapshot by a rename): they are dropped first.
    let (reference, _) = typed(&changed).unwrap();
    assert_same(&reference, &fourth.graph);
    drop((first, second, third, fourth));
    let bytes = std::fs::read(&snap).unwrap();
    for damaged in [
        {
            let mut b = bytes.clone();
            let k = b.len() / 2;
            b[k] ^= 0x40;
            b
        },
        bytes[..bytes.len() - 9].to_vec(),
        Vec::new(),
        b"HEIRSNAP".to_vec(),
    ] {
        std::fs::write(&snap, &damaged).unwrap();
        let again = open(p, &policy(), &quiet).unwrap();
        assert_eq!(again.origin, Origin::Parsed);
        assert_same(&again.graph, &reference);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The JSON answer of a blast from every node of `g`, and serde_json's form of its report (the
/// contract's reference).
fn answers(g: &TrustGraph) -> Vec<(String, String)> {
    use heir::analysis::blast::{blast, BlastQuery};
    (0..g.node_count())
        .map(|i| {
            let q = BlastQuery {
                from: vec![petgraph::graph::NodeIndex::new(i)],
                at: heir::model::Timestamp::parse("2026-11-20T10:00:00Z").unwrap(),
                attacker: heir::model::Attacker::OffDevice,
            };
            let result = blast(g, &q);
            let mut direct = Vec::new();
            heir::report::blast_json::write_blast(&mut direct, g, &result).unwrap();
            let reference = serde_json::to_string_pretty(&result.report(g)).unwrap();
            (String::from_utf8(direct).unwrap(), reference)
        })
        .collect()
}

/// A snapshot records whether any id needs escaping in JSON, and the JSON writer copies ids as
/// they are only when none does (the record itself is checked in `store::open`'s unit tests):
/// answers over a snapshot of plain ids and of ids with quotes, backslashes and control
/// characters are serde_json's, byte for byte.
#[test]
fn a_snapshot_knows_whether_ids_need_escaping() {
    let dir = tempdir();
    for (name, hostile) in [("plain.json", false), ("hostile.json", true)] {
        let path = dir.join(name);
        let mut text = std::fs::read_to_string("examples/acme.json").unwrap();
        if hostile {
            // Every reference renamed: a quote and a control character (JSON escapes) in an id.
            text = text.replace(
                "okta:user:00uRdWwUZlPOgGurL1es",
                "okta:user:dana\\\"k\\u0001",
            );
        }
        std::fs::write(&path, &text).unwrap();
        let p = path.to_str().unwrap();
        let parsed = open(p, &policy(), &quiet).unwrap();
        let snapped = open(p, &policy(), &quiet).unwrap();
        assert!(matches!(snapped.origin, Origin::Snapshot(_)));
        assert_eq!(
            parsed.graph.contains("okta:user:dana\"k\u{1}"),
            hostile,
            "{name}"
        );
        let (a, b) = (answers(&parsed.graph), answers(&snapped.graph));
        assert_eq!(a, b);
        for (direct, reference) in &b {
            assert_eq!(direct, reference);
        }
        // The renamed account is reached in some answer, escaped as serde_json escapes it.
        assert_eq!(
            b.iter()
                .any(|(d, _)| d.contains(r#""okta:user:dana\"k\u0001""#)),
            hostile
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A snapshot of over a megabyte (a few thousand nodes; from 4 MiB the graph rows and the
/// checksum, id index and ranks are decoded on two threads, the same two steps) gives the same
/// graph (its id index read in place: `store::open`'s unit tests), and damage anywhere in it — the header, the id table,
/// the node rows, the edge rows, the ranks, the checksum — still means it is ignored.
#[test]
fn a_large_snapshot_decoded_in_parallel_is_the_same_graph_or_nothing() {
    let dir = tempdir();
    let path = dir.join("big.json");
    let at = heir::model::Timestamp::parse("2026-11-20T10:00:00Z").unwrap();
    let doc = heir::synth::synth(400, 3, at);
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let p = path.to_str().unwrap();
    let first = open(p, &policy(), &quiet).unwrap();
    let (snap, _) = first.wrote_snapshot.clone().expect("snapshot written");
    let bytes = std::fs::read(&snap).unwrap();
    assert!(
        bytes.len() > 1 << 20,
        "{} bytes: too small to span the sections",
        bytes.len()
    );
    let second = open(p, &policy(), &quiet).unwrap();
    assert_eq!(second.origin, Origin::Snapshot(snap.clone()));
    assert_same(&first.graph, &second.graph);
    assert_eq!(first.warnings, second.warnings);
    drop(second); // it reads spans from the snapshot damaged in place below
    for at in [
        20,
        bytes.len() / 5,
        bytes.len() / 2,
        bytes.len() * 4 / 5,
        bytes.len() - 20,
        bytes.len() - 3,
    ] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x11;
        std::fs::write(&snap, &damaged).unwrap();
        let again = open(p, &policy(), &quiet).unwrap();
        assert_eq!(
            again.origin,
            Origin::Parsed,
            "damage at byte {at} went unnoticed"
        );
        assert_same(&again.graph, &first.graph);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "heir-load-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn heir(args: &[&str], min_bytes: &str) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_heir"))
        .args(args)
        .env("HEIR_SNAPSHOT_MIN_BYTES", min_bytes)
        .env("HEIR_CACHE_DIR", cache())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn answers_from_a_snapshot_are_byte_identical() {
    let dir = tempdir();
    let path = dir.join("acme.json");
    std::fs::copy("examples/acme.json", &path).unwrap();
    let p = path.to_str().unwrap();
    let at = "2026-11-20T10:00:00Z";
    let from = "okta:session:102dana-kim-laptop";
    let commands: Vec<Vec<&str>> = vec![
        vec!["blast", p, "--from", from, "--at", at, "--format", "json"],
        vec!["blast", p, "--from", from, "--at", at],
        vec![
            "inherited",
            p,
            "--from",
            from,
            "--at",
            at,
            "--format",
            "json",
        ],
        vec!["plan", p, "--from", from, "--at", at, "--format", "json"],
        vec!["sprawl", p, "--at", at, "--format", "json"],
        vec!["export", "dot", p, "--blast-from", from, "--at", at],
        vec!["export", "opengraph", p],
    ];
    // Reference: no snapshot at all.
    let reference: Vec<String> = commands.iter().map(|c| heir(c, "999999999999").0).collect();
    let snapshots = || -> Vec<String> {
        std::fs::read_dir(cache())
            .map(|d| d.map(|e| e.unwrap().file_name().into_string().unwrap()))
            .into_iter()
            .flatten()
            .filter(|n| n.starts_with("acme.json-") && n.ends_with(".heirsnap"))
            .collect()
    };
    let before = snapshots();
    heir(&["validate", p], "0");
    let after = snapshots();
    assert_eq!(after.len(), before.len() + 1, "one snapshot in the cache");
    let (_, stderr) = heir(&["validate", p], "0");
    assert!(stderr.contains(".heirsnap"), "{stderr}");
    // The document's folder is evidence: nothing was written beside it.
    let beside: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, vec![std::ffi::OsString::from("acme.json")]);
    for (c, want) in commands.iter().zip(&reference) {
        assert_eq!(&heir(c, "0").0, want, "{c:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
