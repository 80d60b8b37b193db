//! DOT export: structure of the picture, escaping of hostile strings, and real rendering with
//! Graphviz `dot` (installed by .ci/run).

use std::process::Command;

use heir::analysis::blast::{blast, BlastQuery};
use heir::export::dot::{blast_dot, graph_dot, render_with_dot, RenderFormat};
use heir::model::load::{load_path, load_str, Syntax};
use heir::model::{Attacker, Timestamp, TrustGraph};

fn nasty() -> TrustGraph {
    let doc = serde_json::json!({
        "version": 1,
        "nodes": [
            {"id": "okta:session:\"quoted\"\\back", "kind": "session", "platform": "okta", "name": "line1\nline2 \"q\" \\ <b>{x}|y</b>"},
            {"id": "okta:user:ünïcødé-用户", "kind": "user", "platform": "okta", "name": "Zoë <script>alert(1)</script>", "criticality": 8},
            {"id": "slack:user:a;b]c[d=e", "kind": "user", "platform": "sl\"ack}", "name": "tab\there\r\nend"},
            {"id": "m365:user:x", "kind": "user", "platform": "m365"}
        ],
        "edges": [
            {"from": "okta:session:\"quoted\"\\back", "to": "okta:user:ünïcødé-用户", "kind": "authenticates_as"},
            {"from": "okta:user:ünïcødé-用户", "to": "slack:user:a;b]c[d=e", "kind": "sso", "requires": ["mfa"]},
            {"from": "okta:user:ünïcødé-用户", "to": "m365:user:x", "kind": "sso", "requires": ["managed_device"]}
        ]
    });
    let (doc, _) = load_str("nasty.json", &doc.to_string(), Syntax::Json).unwrap();
    TrustGraph::new(doc)
}

fn dot_available() -> bool {
    Command::new("dot").arg("-V").output().is_ok()
}

#[test]
fn hostile_strings_render_and_survive_escaping() {
    let g = nasty();
    let text = graph_dot(&g);
    assert!(
        text.contains(r#""okta:session:\"quoted\"\\back""#),
        "{text}"
    );
    assert!(!text.contains('\r'));
    // Every line is one statement: no raw newline from the data broke out of a string.
    for line in text.lines() {
        let quotes = line.matches('"').count() - line.matches("\\\"").count();
        assert_eq!(quotes % 2, 0, "unbalanced quotes in: {line}");
    }
    assert!(
        dot_available(),
        "Graphviz `dot` must be installed for the tests (apt-get install graphviz)"
    );
    let svg = String::from_utf8(
        render_with_dot(RenderFormat::Svg, |w| w.write_all(text.as_bytes())).unwrap(),
    )
    .unwrap();
    assert!(svg.contains("<svg"));
    // The text comes through as text (XML-escaped by dot), never as markup.
    assert!(
        svg.contains("Zoë &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{svg}"
    );
    assert!(
        svg.contains("ünïcødé&#45;用户") || svg.contains("ünïcødé-用户"),
        "{svg}"
    );
    assert!(
        svg.contains("okta:session:&quot;quoted&quot;\\back"),
        "{svg}"
    );
    let png = render_with_dot(RenderFormat::Png, |w| w.write_all(text.as_bytes())).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn blast_picture_marks_sources_blocked_edges_and_critical_paths() {
    let g = nasty();
    let q = BlastQuery {
        from: vec![g.index("okta:session:\"quoted\"\\back").unwrap()],
        at: Timestamp::parse("2026-11-20T10:00:00Z").unwrap(),
        attacker: Attacker::OffDevice,
    };
    let r = blast(&g, &q);
    let text = blast_dot(&g, &r);
    // The source is highlighted.
    let source_line = text
        .lines()
        .find(|l| l.trim_start().starts_with(r#""okta:session:\"quoted\""#))
        .unwrap();
    assert!(
        source_line.contains(r##"color="#d00000""##) && source_line.contains(r#"penwidth="3""#),
        "{source_line}"
    );
    // Both sso edges need conditions the stolen, MFA-less session does not meet: dashed, red, and say why.
    let blocked: Vec<&str> = text.lines().filter(|l| l.contains("BLOCKED by")).collect();
    assert_eq!(blocked.len(), 2, "{text}");
    assert!(blocked.iter().all(|l| l.contains(r#"style="dashed""#)));
    assert!(blocked
        .iter()
        .any(|l| l.contains("requires managed_device") && l.contains("BLOCKED by managed_device")));
    // The path to the criticality-8 user is bold.
    let to_user = text
        .lines()
        .find(|l| l.contains("->") && l.contains("authenticates_as"))
        .unwrap();
    assert!(to_user.contains(r#"penwidth="3""#), "{to_user}");
    // One cluster per platform.
    assert_eq!(text.matches("subgraph cluster_").count(), 3, "{text}");
}

#[test]
fn every_example_renders_with_shapes_per_kind() {
    for name in [
        "infostealer",
        "oauth-supply-chain",
        "legacy-oauth-app",
        "acme",
    ] {
        let (doc, _) = load_path(&format!(
            "{}/examples/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let g = TrustGraph::new(doc);
        let text = graph_dot(&g);
        assert_eq!(text.matches("\" -> \"").count(), g.edge_count());
        for shape in ["shape=\"box\"", "shape=\"note\"", "shape=\"tab\""] {
            assert!(text.contains(shape), "{name}: {shape}");
        }
        let svg = render_with_dot(RenderFormat::Svg, |w| w.write_all(text.as_bytes())).unwrap();
        assert!(svg.len() > 1000, "{name}");
    }
}

#[test]
fn cli_renders_to_a_file_atomically_and_explains_a_missing_dot() {
    let dir = std::env::temp_dir().join(format!("heir-dot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("blast.svg");
    let status = Command::new(env!("CARGO_BIN_EXE_heir"))
        .args([
            "export",
            "dot",
            "examples/infostealer.json",
            "--blast-from",
            "okta:session:102Dk9vQm3TZsW8yLpA4rXc",
            "--at",
            "2026-11-20T10:00:00Z",
            "--render",
            "svg",
            "-o",
        ])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(std::fs::read_to_string(&out).unwrap().contains("<svg"));
    // `heir export dot --render FORMAT -o OUT` with `HEIR_DOT` set to `dot`.
    let render_with = |dot: &str, format: &str, out: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_heir"))
            .args([
                "export",
                "dot",
                "examples/infostealer.json",
                "--render",
                format,
                "-o",
            ])
            .arg(out)
            .env("HEIR_DOT", dot)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let missing = render_with("/nonexistent/dot", "png", &dir.join("never.png"));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("apt-get install graphviz"));
    assert!(!dir.join("never.png").exists(), "nothing half-written");
    // A `dot` that fails without a word (and without reading its input) is still explained.
    let silent = render_with("false", "svg", &dir.join("never.svg"));
    assert_eq!(silent.status.code(), Some(1));
    let said = String::from_utf8_lossy(&silent.stderr);
    assert!(
        said.contains("`dot` failed: it ended (exit status: 1) without a message"),
        "{said}"
    );
    assert!(!dir.join("never.svg").exists(), "nothing half-written");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
