//! End to end, as a responder runs it: collect Okta and Entra from (local) live APIs and the Okta
//! System Log from an export, merge, then ask `heir blast` and `heir inherited` about a stolen Okta
//! session. Also the two failures a user meets first: a rejected token and a broken endpoint.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::entra_tenant::{recorded, serve_tenant};
use common::httpmock::{MockServer, Reply};
use common::okta_org::org;

const SESSION: &str = "okta:session:102FakeSessionAbCdEf12";
const OKTA_TOKEN: &str = "00FAKE-okta-e2e-token-never-valid";
const GRAPH_TOKEN: &str = "fake-graph-e2e-token";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn heir(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heir"));
    cmd.args(args).current_dir(root());
    for v in [
        "OKTA_API_TOKEN",
        "ENTRA_ACCESS_TOKEN",
        "ENTRA_TENANT_ID",
        "ENTRA_CLIENT_ID",
        "ENTRA_CLIENT_SECRET",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = heir(args, env);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "heir {args:?} failed: {err}");
    assert!(
        !err.contains(OKTA_TOKEN) && !err.contains(GRAPH_TOKEN),
        "a token leaked: {err}"
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A test's own scratch directory, removed when the test ends (passing or not).
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("heir-e2e-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn collect_merge_blast_inherited() {
    let scratch = Scratch::new("collect_merge_blast_inherited");
    let okta = org(&[]);
    let graph_mock = MockServer::start();
    let graph = serve_tenant(&graph_mock, &recorded());
    let (o, l, e, all) = (
        scratch.file("okta.json"),
        scratch.file("log.json"),
        scratch.file("entra.json"),
        scratch.file("all.json"),
    );
    let p = |x: &PathBuf| x.to_str().unwrap().to_string();

    ok(
        &[
            "collect",
            "okta",
            "--org-url",
            &okta.base,
            "-o",
            &p(&o),
            "--quiet",
        ],
        &[("OKTA_API_TOKEN", OKTA_TOKEN)],
    );
    assert!(okta
        .seen()
        .iter()
        .all(|s| s.authorization.as_deref() == Some(&format!("SSWS {OKTA_TOKEN}"))));
    ok(
        &[
            "collect",
            "oktalog",
            "--file",
            "tests/fixtures/okta/system-log.json",
            "-o",
            &p(&l),
        ],
        &[],
    );
    ok(
        &[
            "collect",
            "entra",
            "--graph-url",
            &graph,
            "-o",
            &p(&e),
            "--quiet",
        ],
        &[("ENTRA_ACCESS_TOKEN", GRAPH_TOKEN)],
    );
    for f in [&o, &l, &e] {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains(OKTA_TOKEN) && !text.contains(GRAPH_TOKEN));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["sources"][0]["complete"], true, "{}", f.display());
    }
    ok(&["merge", &p(&o), &p(&l), &p(&e), "-o", &p(&all)], &[]);
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&all).unwrap()).unwrap();
    let sources: Vec<&str> = merged["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(sources, vec!["okta", "oktalog", "entra"]);

    // The stolen session, while it was alive.
    let at = "2025-03-10T09:30:00Z";
    let out = ok(
        &[
            "inherited",
            &p(&all),
            "--from",
            SESSION,
            "--at",
            at,
            "--format",
            "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut ids: Vec<&str> = v["inherited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            "okta:token:AT.fakeAccessTokenId01",
            "okta:token:oar1rtFAKE0001",
            "salesforce:session:okta-102FakeSessionAbCdEf12-0oa1sfdcFAKE001",
            "slack:session:okta-102FakeSessionAbCdEf12-0oa1slackFAKE01",
        ]
    );
    let out = ok(
        &[
            "blast",
            &p(&all),
            "--from",
            SESSION,
            "--at",
            at,
            "--format",
            "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let reached: Vec<&str> = v["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    // The session's user, the app sessions minted from it and what they sign in as, and the
    // refresh token the API listed and the log saw minted — one node, joined by id.
    for want in [
        "okta:user:00u1anaFAKE0001",
        "slack:session:okta-102FakeSessionAbCdEf12-0oa1slackFAKE01",
        "salesforce:session:okta-102FakeSessionAbCdEf12-0oa1sfdcFAKE001",
        "okta:token:oar1rtFAKE0001",
    ] {
        assert!(reached.contains(&want), "{want} not in {reached:?}");
    }
    for r in v["reached"].as_array().unwrap() {
        assert_eq!(r["path"][0], SESSION);
    }
    // After the session was ended at 10:00 it is dead.
    let out = ok(
        &[
            "blast",
            &p(&all),
            "--from",
            SESSION,
            "--at",
            "2025-03-10T10:30:00Z",
            "--format",
            "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["reached"].as_array().unwrap().len(), 0);
    assert_eq!(v["dead_sources"], serde_json::json!([SESSION]));
}

#[test]
fn a_rejected_token_names_the_variable_and_writes_nothing() {
    let scratch = Scratch::new("a_rejected_token_names_the_variable_and_writes_nothing");
    let okta = org(&[(
        "/api/v1/users?limit=200",
        vec![Reply::status(
            401,
            r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided"}"#,
        )],
    )]);
    let out_file = scratch.file("never.json");
    let out = heir(
        &[
            "collect",
            "okta",
            "--org-url",
            &okta.base,
            "-o",
            out_file.to_str().unwrap(),
            "--quiet",
        ],
        &[("OKTA_API_TOKEN", OKTA_TOKEN)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("OKTA_API_TOKEN"), "{err}");
    assert!(!err.contains(OKTA_TOKEN));
    assert!(!out_file.exists());
    // No token at all: the same variable is named before any request.
    let out = heir(
        &[
            "collect",
            "okta",
            "--org-url",
            &okta.base,
            "-o",
            out_file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OKTA_API_TOKEN is not set"));
}

#[test]
fn a_broken_endpoint_is_written_as_incomplete_and_exits_1() {
    let scratch = Scratch::new("a_broken_endpoint_is_written_as_incomplete_and_exits_1");
    let okta = org(&[(
        "/api/v1/groups?limit=200",
        vec![Reply::json("[{\"id\": \"00g1engFAKE0001\", ")],
    )]);
    let out_file = scratch.file("partial.json");
    let out = heir(
        &[
            "collect",
            "okta",
            "--org-url",
            &okta.base,
            "-o",
            out_file.to_str().unwrap(),
            "--quiet",
        ],
        &[("OKTA_API_TOKEN", OKTA_TOKEN)],
    );
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("incomplete") && err.contains("/api/v1/groups"),
        "{err}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(v["sources"][0]["complete"], false);
    assert!(v["sources"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("/api/v1/groups"));
    assert!(v["nodes"].as_array().unwrap().len() > 5, "the rest is kept");
    // A blast radius over it says the data is incomplete.
    let out = heir(
        &[
            "blast",
            out_file.to_str().unwrap(),
            "--from",
            "okta:user:00u1anaFAKE0001",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["incomplete_sources"], serde_json::json!(["okta"]));
}

#[test]
fn sign_in_export_becomes_entra_session_lineage() {
    let scratch = Scratch::new("sign_in_export_becomes_entra_session_lineage");
    let s = scratch.file("signins.json");
    ok(
        &[
            "collect",
            "signins",
            "--file",
            "tests/fixtures/entra/signins.page.json",
            "-o",
            s.to_str().unwrap(),
        ],
        &[],
    );
    let out = ok(
        &[
            "inherited",
            s.to_str().unwrap(),
            "--from",
            "entra:session:3e3e3e3e-0000-4000-8000-000000000e01",
            "--format",
            "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let inherited = v["inherited"].as_array().unwrap();
    let mut ids: Vec<&str> = inherited
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    ids.sort();
    // Ana's three successful app sign-ins, and the family refresh token the FOCI clients share.
    assert_eq!(
        ids,
        vec![
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d01",
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d02",
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d03",
            "entra:token:foci:3e3e3e3e-0000-4000-8000-000000000e01",
        ]
    );
    for x in inherited {
        assert_eq!(
            x["via"][0],
            "entra:session:3e3e3e3e-0000-4000-8000-000000000e01"
        );
        assert!(x["at"].is_string());
    }
    let bad = scratch.file("bad-signins.json");
    std::fs::write(&bad, "{\"value\": [{\"id\": 1,").unwrap();
    let out = heir(
        &[
            "collect",
            "signins",
            "--file",
            bad.to_str().unwrap(),
            "-o",
            scratch.file("x.json").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad-signins.json"));
}

/// Arguments after `collect`, environment, the expected last stderr line, the expected `records`.
type Case<'a> = (
    Vec<String>,
    Vec<(&'a str, &'a str)>,
    &'a str,
    serde_json::Value,
);

/// The record accounting of every source on its fixtures: exact figures, the last stderr line,
/// the same figures in the document, and `--strict` turning a skipped record into exit 3 after
/// writing.
#[test]
fn record_accounting_is_written_and_printed_last() {
    let scratch = Scratch::new("record_accounting_is_written_and_printed_last");
    let okta = org(&[]);
    let graph_mock = MockServer::start();
    let graph = serve_tenant(&graph_mock, &recorded());
    let cases: Vec<Case> = vec![
        (
            vec!["okta".into(), "--org-url".into(), okta.base.clone()],
            vec![("OKTA_API_TOKEN", OKTA_TOKEN)],
            "okta: read 49 · used 48 · skipped 1 (inactive: 1)",
            serde_json::json!({"read": 49, "used": 48, "skipped": {"inactive": 1},
                               "examples": {"inactive": ["rul1officeFAKE1"]}}),
        ),
        (
            vec![
                "oktalog".into(),
                "--file".into(),
                "tests/fixtures/okta/system-log.json".into(),
            ],
            vec![],
            "oktalog: read 13 · used 12 · skipped 1 (unsuccessful outcome: 1)",
            serde_json::json!({"read": 13, "used": 12, "skipped": {"unsuccessful outcome": 1},
                "examples": {"unsuccessful outcome":
                    ["6a1f0c6e-0000-4000-8000-000000000001 (user.session.start)"]}}),
        ),
        (
            vec!["entra".into(), "--graph-url".into(), graph.clone()],
            vec![("ENTRA_ACCESS_TOKEN", GRAPH_TOKEN)],
            "entra: read 53 · used 50 · skipped 3 (deleted: 1, object type not modelled: 1, \
             scoped role not modelled: 1)",
            serde_json::json!({"read": 53, "used": 50,
                "skipped": {"deleted": 1, "object type not modelled": 1, "scoped role not modelled": 1},
                "examples": {"deleted": ["QXJhT2xkUG9jRGVsZXRlZA"],
                    "object type not modelled": ["#microsoft.graph.device de0de0de-0000-4000-8000-000000000d01"],
                    "scoped role not modelled": ["RaEveGlobalReaderAU-0005"]}}),
        ),
        (
            vec![
                "signins".into(),
                "--file".into(),
                "tests/fixtures/entra/signins.page.json".into(),
            ],
            vec![],
            "signins: read 7 · used 6 · skipped 1 (failed sign-in: 1)",
            serde_json::json!({"read": 7, "used": 6, "skipped": {"failed sign-in": 1},
                "examples": {"failed sign-in": ["7d7d7d7d-0000-4000-8000-000000000d04"]}}),
        ),
    ];
    for (args, env, last, records) in cases {
        let source = args[0].clone();
        let out_file = scratch.file(&format!("{source}.json"));
        let mut argv: Vec<&str> = vec!["collect"];
        argv.extend(args.iter().map(String::as_str));
        argv.extend(["-o", out_file.to_str().unwrap(), "--quiet"]);
        let out = heir(&argv, &env);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{source}: {err}");
        assert_eq!(err.lines().last(), Some(last), "{source}: {err}");
        assert!(!err.contains("warning:"), "{source}: {err}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
        assert_eq!(doc["sources"][0]["records"], records, "{source}");

        // --strict: written all the same, exit 3, the accounting still printed before the error.
        std::fs::remove_file(&out_file).unwrap();
        argv.push("--strict");
        let out = heir(&argv, &env);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(3), "{source} --strict: {err}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines[lines.len() - 2], last, "{err}");
        assert!(
            lines[lines.len() - 1].starts_with(&format!("error: {source}: ")),
            "{err}"
        );
        assert!(out_file.exists(), "{source}: --strict writes the document");
        assert!(!err.contains(OKTA_TOKEN) && !err.contains(GRAPH_TOKEN));
    }
}

#[test]
fn a_log_with_nothing_usable_is_a_warning_and_strict_fails() {
    let scratch = Scratch::new("a_log_with_nothing_usable_is_a_warning_and_strict_fails");
    let log = scratch.file("other-events.ndjson");
    std::fs::write(
        &log,
        "{\"uuid\":\"e1\",\"eventType\":\"user.account.update_password\",\"published\":\"2025-03-10T08:00:00Z\"}\n\
         {\"uuid\":\"e2\",\"eventType\":\"user.session.start\",\"outcome\":{\"result\":\"FAILURE\"}}\n",
    )
    .unwrap();
    let out_file = scratch.file("out.json");
    let args = [
        "collect",
        "oktalog",
        "--file",
        log.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ];
    let out = heir(&args, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: oktalog: none of the 2 records read was used"),
        "{err}"
    );
    assert_eq!(
        err.lines().last(),
        Some("oktalog: read 2 · used 0 · skipped 2 (event type not modelled: 1, unsuccessful outcome: 1)")
    );
    let mut strict = args.to_vec();
    strict.push("--strict");
    assert_eq!(heir(&strict, &[]).status.code(), Some(3));
}

#[test]
fn an_incomplete_collection_is_exit_4_even_with_strict() {
    let scratch = Scratch::new("an_incomplete_collection_is_exit_4_even_with_strict");
    let okta = org(&[(
        "/api/v1/groups?limit=200",
        vec![Reply::json("[{\"id\": \"00g1engFAKE0001\", ")],
    )]);
    let out_file = scratch.file("partial.json");
    let out = heir(
        &[
            "collect",
            "okta",
            "--org-url",
            &okta.base,
            "-o",
            out_file.to_str().unwrap(),
            "--quiet",
            "--strict",
        ],
        &[("OKTA_API_TOKEN", OKTA_TOKEN)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    // The groups were not read, so neither were their members: fewer records, same reasons.
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[lines.len() - 2].starts_with("okta: read ")
            && lines[lines.len() - 1].contains("incomplete"),
        "{err}"
    );
}

/// Evidence is read-only (spec §7): the folder holding the exports and a document is exactly the
/// same — names, sizes, modification times — after `collect`, `validate` and `blast` read from it.
#[test]
fn nothing_is_written_beside_the_inputs() {
    let evidence = Scratch::new("evidence");
    let out = Scratch::new("evidence-out");
    for (from, to) in [
        ("tests/fixtures/okta/system-log.json", "okta-log.json"),
        (
            "tests/fixtures/okta/shapes/admin-console.csv",
            "okta-log.csv",
        ),
        ("tests/fixtures/entra/signins.page.json", "signins.json"),
        (
            "tests/fixtures/entra/shapes/elastic-managed-identity.ndjson",
            "mi.ndjson",
        ),
        ("examples/infostealer.json", "graph.json"),
    ] {
        std::fs::copy(root().join(from), evidence.file(to)).unwrap();
    }
    let listing = |dir: &Path| {
        let mut v: Vec<(String, u64, std::time::SystemTime)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let m = e.metadata().unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    m.len(),
                    m.modified().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = listing(&evidence.0);
    for (source, input) in [
        ("oktalog", "okta-log.json"),
        ("oktalog", "okta-log.csv"),
        ("signins", "signins.json"),
        ("signins", "mi.ndjson"),
    ] {
        let written = out.file(&format!("{input}.graph.json"));
        let input = evidence.file(input);
        ok(
            &[
                "collect",
                source,
                "--file",
                input.to_str().unwrap(),
                "-o",
                written.to_str().unwrap(),
            ],
            &[],
        );
    }
    let graph = evidence.file("graph.json");
    let graph = graph.to_str().unwrap();
    ok(&["validate", graph], &[]);
    ok(
        &[
            "blast",
            graph,
            "--from",
            "okta:session:102Dk9vQm3TZsW8yLpA4rXc",
            "--at",
            "2026-11-20T10:00:00Z",
        ],
        &[],
    );
    assert_eq!(
        listing(&evidence.0),
        before,
        "something was written beside the inputs"
    );
}

/// The accounting line (stderr, last) of each recorded export, as a responder sees it; a file of
/// failed sign-ins only is a warning, not a silent empty graph.
#[test]
fn accounting_lines_on_the_real_shaped_samples() {
    let out = Scratch::new("accounting-lines");
    let written = out.file("out.json");
    for (source, input, last, warns) in [
        (
            "oktalog",
            "tests/fixtures/okta/shapes/elastic-system-events.ndjson",
            "oktalog: read 6 · used 2 · skipped 4 (duplicate event (same uuid): 3, ends a session not in the log: 1)",
            false,
        ),
        (
            "oktalog",
            "tests/fixtures/okta/shapes/admin-console.csv",
            "oktalog: read 13 · used 12 · skipped 1 (unsuccessful outcome: 1)",
            false,
        ),
        (
            "signins",
            "tests/fixtures/entra/shapes/elastic-signinlogs-raw.ndjson",
            "signins: read 5 · used 0 · skipped 5 (failed sign-in: 5)",
            true,
        ),
        (
            "signins",
            "tests/fixtures/entra/shapes/elastic-managed-identity.ndjson",
            "signins: read 4 · used 4 · skipped 0",
            false,
        ),
        (
            "signins",
            "tests/fixtures/entra/shapes/elastic-non-interactive.ndjson",
            "signins: read 1 · used 1 · skipped 0",
            false,
        ),
    ] {
        let o = heir(
            &[
                "collect",
                source,
                "--file",
                input,
                "-o",
                written.to_str().unwrap(),
            ],
            &[],
        );
        assert!(o.status.success(), "{input}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().last(), Some(last), "{input}: {err}");
        assert_eq!(err.contains("warning: signins: none of the 5 records"), warns, "{err}");
    }
}
