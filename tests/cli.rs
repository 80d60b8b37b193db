//! The binary, run as a user runs it, on the bundled examples, against golden outputs.
//! `UPDATE_GOLDEN=1 cargo test --test cli` rewrites the golden files; review the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const AT: &str = "2026-11-20T10:00:00Z";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn heir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heir"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("heir runs")
}

fn golden(name: &str, actual: &str) {
    let path: PathBuf = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}: run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n  expected: {a}\n  actual:   {b}", i + 1))
            .collect();
        panic!(
            "{name} differs from the golden output ({} vs {} lines)\n{}",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

fn ok(args: &[&str]) -> String {
    let out = heir(args);
    assert!(
        out.status.success(),
        "heir {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const SCENARIOS: &[(&str, &str)] = &[
    ("infostealer", "okta:session:102Dk9vQm3TZsW8yLpA4rXc"),
    ("oauth-supply-chain", "outreachly:app:outreachly"),
    (
        "legacy-oauth-app",
        "entra:session:3f9d2c71-8a4e-4b6f-b0d2-7e15c9a4f8e3",
    ),
    ("acme", "okta:session:102dana-kim-laptop"),
];

#[test]
fn blast_on_every_example_matches_golden() {
    for (name, from) in SCENARIOS {
        let file = format!("examples/{name}.json");
        for (format, ext) in [
            ("json", "json"),
            ("table", "txt"),
            ("markdown", "md"),
            ("dot", "dot"),
        ] {
            let out = ok(&[
                "blast", &file, "--from", from, "--at", AT, "--format", format,
            ]);
            golden(&format!("blast-{name}.{ext}"), &out);
        }
        let out = ok(&[
            "blast",
            &file,
            "--from",
            from,
            "--at",
            AT,
            "--attacker",
            "on-device",
            "--format",
            "json",
        ]);
        golden(&format!("blast-{name}-on-device.json"), &out);
    }
}

/// The whole-graph picture (graphviz-rust's printer) is pinned too: every node kind's style,
/// clusters per platform, conditions on edges, disabled accounts.
#[test]
fn whole_graph_dot_matches_golden() {
    for name in ["infostealer", "legacy-oauth-app"] {
        let out = ok(&["export", "dot", &format!("examples/{name}.json")]);
        golden(&format!("graph-{name}.dot"), &out);
    }
}

#[test]
fn blast_contract_fields_are_exact() {
    let out = ok(&[
        "blast",
        "examples/infostealer.json",
        "--from",
        "okta:session:102Dk9vQm3TZsW8yLpA4rXc",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["from"],
        serde_json::json!(["okta:session:102Dk9vQm3TZsW8yLpA4rXc"])
    );
    assert_eq!(v["at"], AT);
    assert_eq!(v["attacker"], "off-device");
    let blocked = v["blocked"].as_array().unwrap();
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0]["by"], serde_json::json!(["managed_device"]));
    assert_eq!(blocked[0]["edge"]["kind"], "sso");
    let reached = v["reached"].as_array().unwrap();
    let role = reached
        .iter()
        .find(|r| r["id"].as_str().unwrap().ends_with("role/prod-admin"))
        .expect("the prod admin role is reached");
    assert_eq!(role["until"], "2026-11-20T20:00:00Z");
    assert_eq!(role["persistent"], false);
    assert_eq!(role["path"][0], "okta:session:102Dk9vQm3TZsW8yLpA4rXc");
}

#[test]
fn inherited_matches_golden() {
    let from = "okta:session:102Dk9vQm3TZsW8yLpA4rXc";
    for (format, ext) in [("json", "json"), ("table", "txt"), ("markdown", "md")] {
        let out = ok(&[
            "inherited",
            "examples/infostealer.json",
            "--from",
            from,
            "--at",
            AT,
            "--format",
            format,
        ]);
        golden(&format!("inherited-infostealer.{ext}"), &out);
    }
    let out = ok(&[
        "inherited",
        "examples/infostealer.json",
        "--from",
        from,
        "--since",
        "2026-11-20T09:10:00Z",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    golden("inherited-infostealer-since.json", &out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["inherited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["slack:session:7144398812", "ci:session:s-7c41e0a9b2d34f18"]
    );
    let out = ok(&[
        "inherited",
        "examples/acme.json",
        "--from",
        "okta:session:102dana-kim-laptop",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    golden("inherited-acme.json", &out);
}

#[test]
fn validate_counts_every_example() {
    for (name, _) in SCENARIOS {
        let out = ok(&[
            "validate",
            &format!("examples/{name}.json"),
            "--format",
            "json",
        ]);
        let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let obj = v.as_object_mut().unwrap();
        assert!(obj.remove("load_ms").is_some());
        assert!(obj.remove("peak_rss_bytes").is_some());
        golden(
            &format!("validate-{name}.json"),
            &(serde_json::to_string_pretty(&v).unwrap() + "\n"),
        );
        let table = ok(&["validate", &format!("examples/{name}.json")]);
        golden(&format!("validate-{name}.txt"), &table);
    }
}

#[test]
fn every_table_line_fits_80_columns() {
    for (name, from) in SCENARIOS {
        let file = format!("examples/{name}.json");
        for out in [
            ok(&["blast", &file, "--from", from, "--at", AT]),
            ok(&["inherited", &file, "--from", from, "--at", AT]),
            ok(&["validate", &file]),
        ] {
            for line in out.lines() {
                assert!(line.chars().count() <= 80, "{name}: too wide: {line}");
            }
        }
    }
}

#[test]
fn several_sources_and_yaml_and_stdin() {
    let yaml = ok(&[
        "blast",
        "tests/fixtures/contract.yaml",
        "--from",
        "okta:session:s1",
        "--at",
        AT,
        "--attacker",
        "on-device",
        "--format",
        "json",
    ]);
    golden("blast-contract-yaml.json", &yaml);
    let mut child = Command::new(env!("CARGO_BIN_EXE_heir"))
        .args([
            "blast",
            "-",
            "--from",
            "okta:session:s1",
            "--at",
            AT,
            "--attacker",
            "on-device",
            "--format",
            "json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let text = std::fs::read(root().join("tests/fixtures/contract.yaml")).unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &text).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), yaml);

    let one = |from: &str| -> std::collections::BTreeSet<String> {
        let out = ok(&[
            "blast",
            "examples/acme.json",
            "--from",
            from,
            "--at",
            AT,
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["reached"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (a, b) = (
        "okta:session:102dana-kim-laptop",
        "okta:session:1023WiOFRVtzYjj8hck5iXMXG",
    );
    let out = ok(&[
        "blast",
        "examples/acme.json",
        "--from",
        a,
        "--from",
        b,
        "--from",
        a,
        "--at",
        AT,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["from"],
        serde_json::json!([a, b]),
        "a repeated --from counts once"
    );
    let both: std::collections::BTreeSet<String> = v["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    let union: std::collections::BTreeSet<String> = one(a)
        .union(&one(b))
        .filter(|id| id.as_str() != a && id.as_str() != b)
        .cloned()
        .collect();
    assert_eq!(both, union);
}

#[test]
fn unknown_from_suggests_the_closest_ids() {
    let out = heir(&[
        "blast",
        "examples/infostealer.json",
        "--from",
        "okta:session:102Dk9vQm3TZsW8",
        "--at",
        AT,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("examples/infostealer.json"), "{err}");
    assert!(
        err.contains("closest ids: okta:session:102Dk9vQm3TZsW8yLpA4rXc"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn broken_documents_list_every_problem_and_exit_1() {
    let out = heir(&["validate", "tests/fixtures/broken.json"]);
    assert_eq!(out.status.code(), Some(1));
    golden("error-broken.txt", &String::from_utf8(out.stderr).unwrap());
    let out = heir(&["blast", "tests/fixtures/syntax.json", "--from", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("tests/fixtures/syntax.json: line 5, column 5: invalid JSON"),
        "{err}"
    );
    let out = heir(&["validate", "tests/fixtures/nope.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("tests/fixtures/nope.json"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        heir(&["blast", "examples/acme.json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        heir(&["blast", "examples/acme.json", "--from", "x", "--at", "noon"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(heir(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(heir(&["--help"]).status.code(), Some(0));
}

#[test]
fn incomplete_sources_warn_on_stderr() {
    let out = heir(&[
        "blast",
        "examples/acme.json",
        "--from",
        "okta:session:102dana-kim-laptop",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("source `google` is incomplete"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["incomplete_sources"], serde_json::json!(["google"]));
}

#[test]
fn plan_on_every_example_matches_golden() {
    for (name, from) in SCENARIOS {
        let file = format!("examples/{name}.json");
        for (format, ext) in [
            ("json", "json"),
            ("table", "txt"),
            ("markdown", "md"),
            ("caep", "caep.json"),
        ] {
            let out = ok(&[
                "plan",
                &file,
                "--from",
                from,
                "--at",
                AT,
                "--first-wave",
                "--format",
                format,
            ]);
            golden(&format!("plan-{name}.{ext}"), &out);
        }
    }
}

fn plan_json(file: &str, from: &str) -> serde_json::Value {
    let out = ok(&[
        "plan",
        file,
        "--from",
        from,
        "--at",
        AT,
        "--first-wave",
        "--format",
        "json",
    ]);
    serde_json::from_str(&out).unwrap()
}

fn steps(v: &serde_json::Value, phase: &str) -> Vec<String> {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["phase"] == phase)
        .map(|s| s["target"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn infostealer_plan_revokes_the_okta_session_first_and_compensates_the_sts_session() {
    let from = "okta:session:102Dk9vQm3TZsW8yLpA4rXc";
    let v = plan_json("examples/infostealer.json", from);
    assert_eq!(
        steps(&v, "contain"),
        vec![
            "okta:user:00u1dk4m7PqR2sT9x0h8",
            "okta:device:guo9w1x3k5m7p2r4t6v8"
        ]
    );
    let revoke = steps(&v, "revoke");
    assert_eq!(revoke[0], from, "the stolen session goes first");
    let first = &v["steps"].as_array().unwrap()[2];
    assert_eq!(
        first["how"],
        "DELETE /api/v1/users/00u1dk4m7PqR2sT9x0h8/sessions?oauthTokens=true"
    );
    // The CI-held keys are rotated; the key comes before the STS session it minted.
    let key = revoke
        .iter()
        .position(|t| t == "aws:token:AKIA4XK7PLQ2ZB3MNC6D")
        .unwrap();
    let sts = revoke
        .iter()
        .position(|t| t == "aws:token:ASIA2R7TQW9XKD4HVN3E")
        .unwrap();
    assert!(key < sts);
    let sts_step = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["target"] == "aws:token:ASIA2R7TQW9XKD4HVN3E")
        .unwrap();
    assert!(sts_step["how"]
        .as_str()
        .unwrap()
        .contains("AWSRevokeOlderSessions"));
    assert!(sts_step["how"]
        .as_str()
        .unwrap()
        .contains("--role-name prod-admin"));
    assert_eq!(sts_step["expires_at"], "2026-11-20T11:00:00Z");
    assert!(sts_step["compensating"].as_str().is_some());
    for s in v["steps"].as_array().unwrap() {
        assert!(!s["how"].as_str().unwrap().is_empty());
        assert!(!s["reason"].as_str().unwrap().is_empty());
    }
    let phases: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["phase"].as_str().unwrap())
        .collect();
    let order = ["contain", "revoke", "inspect", "hunt", "recover"];
    let mut ranks: Vec<usize> = phases
        .iter()
        .map(|p| order.iter().position(|o| o == p).unwrap())
        .collect();
    let before = ranks.clone();
    ranks.sort();
    assert_eq!(ranks, before);
}

#[test]
fn supply_chain_plan_revokes_the_grants_before_rotating_the_keys() {
    let v = plan_json(
        "examples/oauth-supply-chain.json",
        "outreachly:app:outreachly",
    );
    assert_eq!(steps(&v, "contain"), vec!["outreachly:app:outreachly"]);
    let revoke = steps(&v, "revoke");
    let last_grant = revoke
        .iter()
        .rposition(|t| t.contains(":oauth_grant:"))
        .unwrap();
    let first_key = revoke
        .iter()
        .position(|t| t.starts_with("aws:token:AKIA"))
        .unwrap();
    assert!(last_grant < first_key, "{revoke:?}");
    assert_eq!(
        revoke
            .iter()
            .filter(|t| t.contains(":oauth_grant:"))
            .count(),
        4
    );
}

#[test]
fn legacy_app_plan_removes_the_secret_and_the_app_role_assignment() {
    let v = plan_json(
        "examples/legacy-oauth-app.json",
        "entra:session:3f9d2c71-8a4e-4b6f-b0d2-7e15c9a4f8e3",
    );
    let all: Vec<&serde_json::Value> = v["steps"].as_array().unwrap().iter().collect();
    let secret = all
        .iter()
        .find(|s| s["target"] == "entra:token:5b2e9f1c-8d4a-4e7b-a3c6-1f0d9e8b7a52")
        .unwrap();
    assert!(secret["how"].as_str().unwrap().contains("/removePassword"));
    assert!(all.iter().any(
        |s| s["phase"] == "revoke" && s["how"].as_str().unwrap().contains("appRoleAssignedTo")
    ));
    assert!(all.iter().any(|s| s["phase"] == "recover"
        && s["target"] == "entra:app:e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18"));
}

#[test]
fn caep_events_are_session_revoked_sets_with_complex_subjects() {
    let out = ok(&[
        "plan",
        "examples/infostealer.json",
        "--from",
        "okta:session:102Dk9vQm3TZsW8yLpA4rXc",
        "--at",
        AT,
        "--format",
        "caep",
        "--caep-issuer",
        "https://heir.acme.example",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let events = v.as_array().unwrap();
    assert!(!events.is_empty());
    let first = &events[0];
    assert_eq!(first["iss"], "https://heir.acme.example");
    assert_eq!(first["iat"], 1_795_168_800i64);
    assert_eq!(first["sub_id"]["format"], "complex");
    assert_eq!(first["sub_id"]["session"]["format"], "opaque");
    assert_eq!(
        first["sub_id"]["session"]["id"],
        "okta:session:102Dk9vQm3TZsW8yLpA4rXc"
    );
    assert_eq!(first["sub_id"]["user"]["format"], "email");
    let ev =
        &first["events"]["https://schemas.openid.net/secevent/caep/event-type/session-revoked"];
    assert_eq!(ev["event_timestamp"], 1_795_168_800i64);
    assert_eq!(ev["initiating_entity"], "admin");
    let jtis: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e["jti"].as_str().unwrap()).collect();
    assert_eq!(jtis.len(), events.len(), "jti values are unique");
}

#[test]
fn merge_joins_by_id_reports_conflicts_and_writes_atomically() {
    let dir = std::env::temp_dir().join(format!("heir-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.json");
    let b = dir.join("b.yaml");
    std::fs::write(
        &a,
        r#"{"version":1,"sources":[{"name":"okta","complete":true}],
            "nodes":[{"id":"okta:user:1","kind":"user","name":"ana@acme.example","tags":["tier0"]},
                     {"id":"slack:user:U1","kind":"user","platform":"slack"}],
            "edges":[{"from":"okta:user:1","to":"slack:user:U1","kind":"sso"}]}"#,
    )
    .unwrap();
    std::fs::write(
        &b,
        "version: 1\nsources: [{name: slack, complete: false, reason: 'HTTP 500 on users.list'}]\nnodes:\n  - {id: 'slack:user:U1', kind: user, name: ana, enabled: false, platform: slack}\n  - {id: 'okta:user:1', kind: user, name: 'ana@other.example', person: ana}\n",
    )
    .unwrap();
    let out = dir.join("merged.json");
    let run = heir(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let err = String::from_utf8(run.stderr).unwrap();
    assert!(err.contains("conflict: node okta:user:1 field `name`: kept \"ana@acme.example\", dropped \"ana@other.example\""), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["sources"].as_array().unwrap().len(), 2);
    assert_eq!(v["nodes"].as_array().unwrap().len(), 2);
    let okta = &v["nodes"][0];
    assert_eq!(okta["person"], "ana");
    assert_eq!(okta["tags"], serde_json::json!(["tier0"]));
    assert_eq!(v["nodes"][1]["enabled"], false);
    // A broken input: exit 1, nothing written.
    std::fs::write(
        dir.join("bad.json"),
        "{\"version\": 1, \"nodes\": [{\"id\": 1}]}",
    )
    .unwrap();
    let out2 = dir.join("never.json");
    let bad = heir(&[
        "merge",
        a.to_str().unwrap(),
        dir.join("bad.json").to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(!out2.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sprawl_cli_formats_and_gate() {
    let out = ok(&[
        "sprawl",
        "examples/acme.json",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    golden("sprawl-acme.json", &out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["at"], AT);
    for f in v["findings"].as_array().unwrap() {
        for k in ["rule", "owasp", "severity", "target", "detail", "fix"] {
            assert!(f[k].is_string(), "{k} missing in {f}");
        }
        let owasp = f["owasp"].as_str().unwrap();
        assert!(
            owasp.starts_with("NHI") && owasp.ends_with(":2025"),
            "{owasp}"
        );
    }
    let ranking = v["ranking"].as_array().unwrap();
    assert!(ranking
        .windows(2)
        .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));
    let sarif: serde_json::Value = serde_json::from_str(&ok(&[
        "sprawl",
        "examples/acme.json",
        "--at",
        AT,
        "--format",
        "sarif",
    ]))
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        v["findings"].as_array().unwrap().len()
    );
    let md = ok(&[
        "sprawl",
        "examples/acme.json",
        "--at",
        AT,
        "--format",
        "markdown",
    ]);
    assert_eq!(
        md,
        std::fs::read_to_string(root().join("docs/acme-sprawl-review.md")).unwrap()
    );
    // The CI gate: findings at or above the threshold fail the run, after printing the report.
    let gate = heir(&[
        "sprawl",
        "examples/acme.json",
        "--at",
        AT,
        "--fail-on",
        "high",
        "--format",
        "json",
    ]);
    assert_eq!(gate.status.code(), Some(3));
    assert!(!gate.stdout.is_empty());
    let clean = heir(&[
        "sprawl",
        "tests/fixtures/contract.yaml",
        "--at",
        AT,
        "--fail-on",
        "low",
    ]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
}

/// The issue's example and its siblings: a stolen parent (refresh token, session, access key,
/// App private key) with one live and one expired ttl_only child, per platform. The live child
/// gets its own revoke step with its expiry; the expired one is only hunted; no step claims to
/// kill either.
const UNEVEN: &[(&str, &str, &str, &str)] = &[
    (
        "entra",
        "entra:token:rt-teams",
        "entra:token:at-graph-2",
        "entra:token:at-graph-1",
    ),
    (
        "okta",
        "okta:session:102MayaSessionQx7",
        "okta:token:at-expenses-2",
        "okta:token:at-expenses-1",
    ),
    (
        "aws",
        "aws:token:AKIA4XK7PLQ2ZB3MNC6D",
        "aws:token:ASIA5J2MWQ8RTE6YHB4P",
        "aws:token:ASIA2R7TQW9XKD4HVN3E",
    ),
    (
        "github",
        "github:token:acme-deployer-private-key",
        "github:token:ghs-installation-48213377-b2",
        "github:token:ghs-installation-48213377-a1",
    ),
];

#[test]
fn uneven_revocation_plans_match_golden_per_platform() {
    for &(platform, from, live, expired) in UNEVEN {
        let file = format!("tests/fixtures/uneven/{platform}.json");
        let args = |format: &'static str| {
            [
                "plan",
                file.as_str(),
                "--from",
                from,
                "--at",
                "2026-10-02T12:30:00Z",
                "--format",
                format,
            ]
        };
        golden(&format!("plan-uneven-{platform}.txt"), &ok(&args("table")));
        let out = ok(&args("json"));
        golden(&format!("plan-uneven-{platform}.json"), &out);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let steps = v["steps"].as_array().unwrap();
        for s in steps {
            let covers = s["covers"].as_array().cloned().unwrap_or_default();
            assert!(
                !covers.iter().any(|c| c == live || c == expired),
                "{platform}: step {} claims to kill a ttl_only child",
                s["order"]
            );
        }
        let revoke_of = |id: &str| {
            steps
                .iter()
                .find(|s| s["phase"] == "revoke" && s["target"] == id)
                .cloned()
        };
        let own = revoke_of(live).unwrap_or_else(|| panic!("{platform}: no step for {live}"));
        assert!(own["expires_at"].is_string(), "{platform}: {own}");
        assert!(own["compensating"].is_string(), "{platform}: {own}");
        assert!(
            revoke_of(expired).is_none(),
            "{platform}: the expired {expired} has a revoke step"
        );
        assert!(
            steps
                .iter()
                .any(|s| s["phase"] == "hunt" && s["target"] == expired),
            "{platform}: the expired {expired} is not hunted"
        );
    }
}

/// A credential the graph gives no end for gets the platform's (here Okta's 2-hour session idle
/// time, counted from its last use at 11:00): every command sees the same derived window, prints
/// it as assumed, and a flag stating the tenant's real policy changes the answer everywhere.
#[test]
fn derived_windows_are_shared_shown_as_assumed_and_overridable() {
    let file = "tests/fixtures/liveness/okta-idle.json";
    let from = "okta:session:102MayaNoExpiry";
    let at = "2026-10-02T12:30:00Z";
    let blast = ok(&["blast", file, "--from", from, "--at", at]);
    golden("blast-liveness-okta-idle.txt", &blast);
    assert!(blast.contains("~2026-10-02T13:00:00Z"), "{blast}");
    let md = ok(&[
        "blast", file, "--from", from, "--at", at, "--format", "markdown",
    ]);
    assert!(
        md.contains("~2026-10-02T13:00:00Z (platform default)"),
        "{md}"
    );
    // JSON says which windows are assumptions, and only those.
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "blast", file, "--from", from, "--at", at, "--format", "json",
    ]))
    .unwrap();
    let rows = json["reached"].as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        if r["until"] == "2026-10-02T13:00:00Z" {
            assert_eq!(r["until_basis"], "platform-default", "{r}");
        } else {
            assert!(r.get("until_basis").is_none(), "{r}");
        }
    }
    assert!(rows.iter().any(|r| r["until"] == "2026-10-02T13:00:00Z"));
    let inherited: serde_json::Value = serde_json::from_str(&ok(&[
        "inherited",
        file,
        "--from",
        from,
        "--at",
        at,
        "--format",
        "json",
    ]))
    .unwrap();
    let child = &inherited["inherited"][0];
    assert_eq!(child["expires_at"], "2026-10-02T13:10:00Z");
    assert_eq!(child["expires_basis"], "platform-default");
    assert_eq!(child["live"], true);
    let plan = ok(&["plan", file, "--from", from, "--at", at, "--format", "json"]);
    golden("plan-liveness-okta-idle.json", &plan);
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    let step = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["target"] == "okta:token:at-reports-1" && s["phase"] == "revoke")
        .expect("the live access token has its step");
    assert_eq!(step["expires_basis"], "platform-default");

    // The tenant's policy is 1 hour idle: the session died at 12:00, for every command.
    let out = heir(&[
        "blast",
        file,
        "--from",
        from,
        "--at",
        at,
        "--okta-session-idle",
        "1h",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dead_sources"], serde_json::json!([from]));
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "inherited",
        "tests/fixtures/liveness/okta-idle.json",
        "--from",
        from,
        "--at",
        "2026-10-02T13:30:00Z",
        "--access-token-lifetime",
        "2h",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(v["inherited"][0]["expires_at"], "2026-10-02T14:10:00Z");
    assert_eq!(v["inherited"][0]["expires_basis"], "policy");
    assert_eq!(v["inherited"][0]["live"], true);
    let bad = heir(&[
        "blast",
        file,
        "--from",
        from,
        "--okta-session-idle",
        "2 hours",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("write it like 2h"));
}

/// The inspect phase names every platform the radius touches, with the query that shows what
/// the attacker did there: on-device, the infostealer's radius reaches AWS (through keys and an
/// STS session, no AWS app of its own needed), GitHub and Dana's M365 mailbox.
#[test]
fn inspect_names_every_reached_platform_with_its_query() {
    let out = ok(&[
        "plan",
        "examples/infostealer.json",
        "--from",
        "okta:session:102Dk9vQm3TZsW8yLpA4rXc",
        "--at",
        AT,
        "--attacker",
        "on-device",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let inspect: Vec<&serde_json::Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["phase"] == "inspect")
        .collect();
    let has = |platform: &str, needle: &str| {
        inspect
            .iter()
            .any(|s| s["platform"] == platform && s["how"].as_str().unwrap_or("").contains(needle))
    };
    assert!(
        has(
            "aws",
            "--lookup-attributes AttributeKey=AccessKeyId,AttributeValue=AKIA4XK7PLQ2ZB3MNC6D"
        ),
        "no CloudTrail lookup by the stolen key: {inspect:#?}"
    );
    assert!(
        has(
            "aws",
            "AttributeKey=AccessKeyId,AttributeValue=ASIA2R7TQW9XKD4HVN3E"
        ),
        "no CloudTrail lookup by the STS session"
    );
    assert!(
        has(
            "github",
            "/orgs/acme/audit-log?phrase=actor:dana-kim created:>="
        ),
        "no GitHub audit log by actor"
    );
    let mailbox = inspect
        .iter()
        .find(|s| s["target"] == "m365:resource:mailbox/dana.kim@acme.example")
        .expect("the reached mailbox has its step");
    let how = mailbox["how"].as_str().unwrap();
    assert!(how.contains("GET /users/dana.kim@acme.example/mailFolders/inbox/messageRules"));
    assert!(how.contains("ForwardingSmtpAddress"));
    // Every platform of the radius has at least one inspect step.
    let mut platforms: Vec<&str> = v["reach_by_platform"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    platforms.retain(|p| !inspect.iter().any(|s| s["platform"] == *p));
    assert!(
        platforms.is_empty(),
        "platforms without inspect: {platforms:?}"
    );
}

/// `heir hunt` on the bundled infostealer example: the stolen Okta session was replayed from
/// 203.0.113.77 — an address the account never used before 09:10 — into Slack and the CI, and
/// another account (raj.patel) signed in from the same address.
#[test]
fn hunt_matches_golden_and_flags_the_attackers_address() {
    let from = "okta:session:102Dk9vQm3TZsW8yLpA4rXc";
    for (format, ext) in [("json", "json"), ("table", "txt"), ("markdown", "md")] {
        let out = ok(&[
            "hunt",
            "examples/infostealer.json",
            "--from",
            from,
            "--since",
            "2026-11-20T09:10:00Z",
            "--at",
            AT,
            "--format",
            format,
        ]);
        golden(&format!("hunt-infostealer.{ext}"), &out);
    }
    let out = ok(&[
        "hunt",
        "examples/infostealer.json",
        "--from",
        from,
        "--since",
        "2026-11-20T09:10:00Z",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let uses = v["uses"].as_array().unwrap();
    assert!(!uses.is_empty());
    assert!(uses
        .iter()
        .all(|u| u["ip"] == "203.0.113.77" && u["new_address"] == true));
    let apps: Vec<&str> = uses.iter().map(|u| u["app"].as_str().unwrap()).collect();
    assert_eq!(apps, vec!["slack:app:T02ACME7Q", "ci:app:acme"]);
    assert_eq!(v["known_addresses"], serde_json::json!(["198.51.100.23"]));
    assert_eq!(
        v["other_accounts"],
        serde_json::json!([{"account": "okta:user:00u6pw3n9RsT5vX2y7k4", "ip": "203.0.113.77",
            "first": "2026-11-20T09:31:40Z", "count": 1,
            "credentials": ["okta:session:102Hq8Wm4nZcR7tY2bK9vLs"]}])
    );
}

/// The plan's hunt phase cites what the logs in the graph show (the `heir hunt` findings): the
/// attacker's new address with the apps it was used in, and the other account seen from it.
#[test]
fn plan_hunt_phase_cites_the_hunt_findings() {
    let out = ok(&[
        "plan",
        "examples/infostealer.json",
        "--from",
        "okta:session:102Dk9vQm3TZsW8yLpA4rXc",
        "--since",
        "2026-11-20T09:10:00Z",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let hunt: Vec<&serde_json::Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["phase"] == "hunt" && s["action"].as_str().unwrap().starts_with("investigate")
        })
        .collect();
    assert_eq!(hunt.len(), 2, "{hunt:#?}");
    assert_eq!(hunt[0]["target"], "okta:session:102Dk9vQm3TZsW8yLpA4rXc");
    assert_eq!(
        hunt[0]["how"],
        "GET /api/v1/logs?filter=client.ipAddress eq \"203.0.113.77\"&since=2026-11-20T09:10:00Z"
    );
    let why = hunt[0]["reason"].as_str().unwrap();
    assert!(
        why.contains("`ci:app:acme`, `slack:app:T02ACME7Q`")
            && why.contains("used only 198.51.100.23"),
        "{why}"
    );
    assert_eq!(hunt[1]["target"], "okta:user:00u6pw3n9RsT5vX2y7k4");
    assert_eq!(
        hunt[1]["action"],
        "investigate another account seen from the attacker's address"
    );
}
