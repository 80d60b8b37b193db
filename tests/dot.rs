//! DOT export: structure of the picture, escaping of hostile strings, and real rendering with
//! Graphviz `dot` (installed by .ci/run) through graphviz-rust's `exec`.

use std::process::Command;

use heir::analysis::blast::{blast, BlastQuery};
use heir::export::dot::{blast_dot, graph_dot, graph_picture, render, RenderFormat};
use heir::model::load::{load_path, load_str, Syntax};
use heir::model::{Attacker, Timestamp, TrustGraph};

fn nasty() -> TrustGraph {
    let doc = serde_json::json!({
        "version": 1,
        "nodes": [
            {"id": "okta:session:\"quoted\"\\back", "kind": "session", "platform": "okta", "name": "line1\nline2 \"q\" \\ <b>{x}|y</b>"},
            {"id": "okta:user:ünïcødé-用户", "kind": "user", "platform": "okta", "name": "Zoë <script>alert(1)</script>", "criticality": 8},
            {"id": "slack:user:a;b]c[d=e", "kind": "user", "platform": "sl\"ack}", "name": "tab\there\r\nend"},
            {"id": "m365:user:x", "kind": "user", "platform": "m365"},
            // Right-to-left marks and an override (the "gnp.exe" trick), an HTML-like label, and
            // strings ending in a backslash, which must not escape their closing quote.
            {"id": "okta:app:\u{200f}rtl\u{202e}gnp.exe", "kind": "app", "platform": "okta", "name": "<<table><tr><td>html</td></tr></table>>"},
            {"id": "okta:token:ends-with\\", "kind": "token", "platform": "okta", "name": "trailing \\"}
        ],
        "edges": [
            {"from": "okta:session:\"quoted\"\\back", "to": "okta:user:ünïcødé-用户", "kind": "authenticates_as"},
            {"from": "okta:user:ünïcødé-用户", "to": "slack:user:a;b]c[d=e", "kind": "sso", "requires": ["mfa"]},
            {"from": "okta:user:ünïcødé-用户", "to": "m365:user:x", "kind": "sso", "requires": ["managed_device"]},
            {"from": "okta:token:ends-with\\", "to": "okta:app:\u{200f}rtl\u{202e}gnp.exe", "kind": "can_access"}
        ]
    });
    let (doc, _) = load_str("nasty.json", &doc.to_string(), Syntax::Json).unwrap();
    TrustGraph::new(doc)
}

fn dot_available() -> bool {
    Command::new("dot").arg("-V").output().is_ok()
}

/// Whether every double-quoted string on `line` is closed, reading backslash escapes as DOT does.
fn strings_closed(line: &str) -> bool {
    let mut in_string = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                chars.next();
            }
            _ => {}
        }
    }
    !in_string
}

#[test]
fn hostile_strings_render_and_survive_escaping() {
    let g = nasty();
    let text = graph_dot(&g).unwrap();
    assert!(
        text.contains(r#""okta:session:\"quoted\"\\back""#),
        "{text}"
    );
    assert!(text.contains(r#""okta:token:ends-with\\""#), "{text}");
    assert!(!text.contains('\r') && !text.contains('\t'));
    // Every line is one statement: no raw newline from the data broke out of a string.
    for line in text.lines() {
        assert!(strings_closed(line), "unclosed string in: {line}");
    }
    assert!(
        dot_available(),
        "Graphviz `dot` must be installed for the tests (apt-get install graphviz)"
    );
    // Graphviz reads back one node per heir node, named by its id, and the edges between the
    // right ones: nothing broke out of its string, and no two ids merged. (DOT unescapes only
    // `\"` in a name; a doubled backslash stays doubled there and becomes one in labels. Control
    // characters, which DOT cannot carry, are gone.)
    let json = graphviz_rust::exec_dot(
        text.clone(),
        vec![graphviz_rust::cmd::CommandArg::Custom("-Tjson".into())],
    )
    .unwrap();
    let laid: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let objects = laid["objects"].as_array().unwrap();
    let name_of = |gvid: &serde_json::Value| {
        objects
            .iter()
            .find(|o| o["_gvid"] == *gvid)
            .map(|o| o["name"].as_str().unwrap().to_string())
            .unwrap()
    };
    let mut names: Vec<String> = objects
        .iter()
        .filter(|o| o.get("nodes").is_none())
        .map(|o| name_of(&o["_gvid"]))
        .collect();
    names.sort_unstable();
    let dot_name = |id: &str| {
        let mut name = String::new();
        for c in id.chars() {
            match c {
                '\\' => name.push_str("\\\\"),
                '\n' => name.push_str("\\n"),
                c if c.is_control() => {}
                c => name.push(c),
            }
        }
        name
    };
    let mut ids: Vec<String> = g.node_indices().map(|i| dot_name(g.id(i))).collect();
    ids.sort_unstable();
    assert_eq!(names, ids);
    let mut laid_edges: Vec<(String, String)> = laid["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (name_of(&e["tail"]), name_of(&e["head"])))
        .collect();
    laid_edges.sort_unstable();
    let mut edges: Vec<(String, String)> = g
        .edge_indices()
        .map(|e| {
            let (from, to) = g.endpoints(e);
            (dot_name(g.id(from)), dot_name(g.id(to)))
        })
        .collect();
    edges.sort_unstable();
    assert_eq!(laid_edges, edges);
    let svg =
        String::from_utf8(render(graph_picture(&g).unwrap(), RenderFormat::Svg).unwrap()).unwrap();
    assert!(svg.contains("<svg"));
    // The text comes through as text (XML-escaped by dot), never as markup.
    assert!(
        svg.contains("Zoë &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{svg}"
    );
    assert!(
        svg.contains(
            "&lt;&lt;table&gt;&lt;tr&gt;&lt;td&gt;html&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&gt;"
        ),
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
    assert!(svg.contains("\u{200f}rtl\u{202e}gnp.exe"), "{svg}");
    let png = render(graph_picture(&g).unwrap(), RenderFormat::Png).unwrap();
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
        let text = graph_dot(&g).unwrap();
        assert_eq!(text.matches("\" -> \"").count(), g.edge_count());
        for shape in ["shape=\"box\"", "shape=\"note\"", "shape=\"tab\""] {
            assert!(text.contains(shape), "{name}: {shape}");
        }
        let svg = render(graph_picture(&g).unwrap(), RenderFormat::Svg).unwrap();
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
    // graphviz-rust runs the `dot` it finds on `PATH`: a `PATH` of one directory decides which.
    let tools = std::env::temp_dir().join(format!("heir-dot-tools-{}", std::process::id()));
    let render_with = |path: &std::path::Path, format: &str, out: &std::path::Path| {
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
            .env("PATH", path)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let empty = tools.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let missing = render_with(&empty, "png", &dir.join("never.png"));
    assert_eq!(missing.status.code(), Some(1));
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(
        said.contains("Graphviz `dot` is not installed")
            && said.contains("apt-get install graphviz"),
        "{said}"
    );
    assert!(!dir.join("never.png").exists(), "nothing half-written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A stand-in `dot` that fails with the given script body.
        let fake_dot = |name: &str, body: &str| {
            let bin = tools.join(name);
            std::fs::create_dir_all(&bin).unwrap();
            let dot = bin.join("dot");
            std::fs::write(&dot, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&dot, std::fs::Permissions::from_mode(0o755)).unwrap();
            bin
        };
        // A `dot` that fails without a word (and without reading its input) is still explained.
        let silent = render_with(&fake_dot("silent", "exit 1"), "svg", &dir.join("never.svg"));
        assert_eq!(silent.status.code(), Some(1));
        let said = String::from_utf8_lossy(&silent.stderr);
        assert!(
            said.contains("`dot` failed: it exited with an error and without a message"),
            "{said}"
        );
        assert!(!dir.join("never.svg").exists(), "nothing half-written");
        // What `dot` says is passed on.
        let says = fake_dot("says", "echo 'Error: out of memory' >&2; exit 2");
        let failed = render_with(&says, "svg", &dir.join("never.svg"));
        assert_eq!(failed.status.code(), Some(1));
        let said = String::from_utf8_lossy(&failed.stderr);
        assert!(
            said.contains("`dot` failed: Error: out of memory"),
            "{said}"
        );
        assert!(!dir.join("never.svg").exists(), "nothing half-written");
    }
    std::fs::remove_dir_all(&tools).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A whole graph past the limit is refused before anything is built or written, with the node
/// count and the ways that do scale; a blast radius of the same graph is still drawn.
#[test]
fn a_whole_graph_too_large_to_draw_is_refused_with_the_way_out() {
    use heir::export::dot::MAX_WHOLE_GRAPH_NODES;
    let dir = std::env::temp_dir().join(format!("heir-dot-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nodes = MAX_WHOLE_GRAPH_NODES + 1;
    let mut doc = String::from(r#"{"version":1,"nodes":["#);
    for k in 0..nodes {
        if k > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(r#"{{"id":"okta:user:{k}","kind":"user"}}"#));
    }
    doc.push_str(r#"],"edges":[{"from":"okta:user:0","to":"okta:user:1","kind":"sso"}]}"#);
    let file = dir.join("large.json");
    std::fs::write(&file, doc).unwrap();
    let out = dir.join("large.dot");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_heir"))
            .args(["export", "dot"])
            .arg(&file)
            .args(extra)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!("the graph has {nodes} nodes"))
            && said.contains("--blast-from")
            && said.contains("heir export opengraph"),
        "{said}"
    );
    assert!(!out.exists(), "nothing written");
    let drawn = run(&[
        "--blast-from",
        "okta:user:0",
        "--at",
        "2026-11-20T10:00:00Z",
    ]);
    assert!(
        drawn.status.success(),
        "{}",
        String::from_utf8_lossy(&drawn.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains(r#""okta:user:0" -> "okta:user:1""#), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
