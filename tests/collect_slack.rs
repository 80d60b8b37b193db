//! The Slack collector against a scripted workspace and a scripted Enterprise Grid org
//! (`tests/fixtures/slack/`, shaped after Slack's documented method responses; see SOURCES.md):
//! three cursor pages of members, Slack's 429 and its HTTP-200 `ratelimited`, a 5xx, a malformed
//! page, `invalid_auth`, a missing admin scope, goldens of both transforms with exact accounting,
//! and the command line with a planted token that must appear nowhere.

mod common;
use common::golden::{document, edge_kind};

use std::process::Command;

use common::httpmock::{MockServer, Reply};
use heir::collect::http::{FetchError, Policy};
use heir::collect::slack::{self, SlackRaw};
use heir::collect::Progress;
use heir::model::{Document, EdgeKind, NodeKind};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/slack");
/// Not a real token; the tests check it never shows up anywhere.
const TOKEN: &str = "xoxp-0000FAKE-slack-test-token-never-valid";

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/api/{name}")).unwrap()
}

const USERS_1: &str = "/api/users.list?limit=200";
const USERS_2: &str = "/api/users.list?limit=200&cursor=dXNlcjpVMEZBS0VDQUkwMw%3D%3D";
const USERS_3: &str = "/api/users.list?limit=200&cursor=dXNlcjpVMEZBS0VHVVMwNQ%3D%3D";
const APPROVED_1: &str = "/api/admin.apps.approved.list?limit=100&enterprise_id=E0FAKEORG1";
const APPROVED_2: &str =
    "/api/admin.apps.approved.list?limit=100&enterprise_id=E0FAKEORG1&cursor=dGVhbTpDMDFGQUtF";
const RESTRICTED: &str = "/api/admin.apps.restricted.list?limit=100&enterprise_id=E0FAKEORG1";
const LOGS_1: &str = "/api/team.integrationLogs?count=100&page=1";
const LOGS_2: &str = "/api/team.integrationLogs?count=100&page=2";

/// A workspace (`grid: false`, integration logs) or an Enterprise Grid org (`admin.apps.*`).
fn workspace(grid: bool, overrides: &[(&str, Vec<Reply>)]) -> MockServer {
    let server = MockServer::start();
    let auth = if grid {
        "auth.test.grid.json"
    } else {
        "auth.test.json"
    };
    let routes = [
        ("/api/auth.test", auth),
        (USERS_1, "users.list.1.json"),
        (USERS_2, "users.list.2.json"),
        (USERS_3, "users.list.3.json"),
        (APPROVED_1, "admin.apps.approved.list.1.json"),
        (APPROVED_2, "admin.apps.approved.list.2.json"),
        (RESTRICTED, "admin.apps.restricted.list.json"),
        (LOGS_1, "team.integrationLogs.1.json"),
        (LOGS_2, "team.integrationLogs.2.json"),
    ];
    for (target, file) in routes {
        server.route(target, vec![Reply::json(read(file))]);
    }
    for (target, replies) in overrides {
        server.route(target, replies.clone());
    }
    server
}

fn policy() -> Policy {
    common::httpmock::fast_policy()
}

async fn fetch_from(server: &MockServer) -> Result<(SlackRaw, Vec<String>), FetchError> {
    let client = slack::client(&server.base, TOKEN.into(), policy()).unwrap();
    slack::fetch(&client, &Progress::new("slack", true)).await
}

/// Compares with a golden document of this platform's fixtures.
fn golden(name: &str, doc: &Document) {
    common::golden::golden_document(DIR, name, doc)
}

#[tokio::test]
async fn a_workspace_pages_throttles_and_matches_its_golden() {
    let server = workspace(
        false,
        &[
            (
                USERS_2,
                vec![
                    Reply::status(429, read("ratelimited.json")).header("retry-after", "0"),
                    Reply::json(read("ratelimited.json")).header("retry-after", "0"),
                    Reply::json(read("users.list.2.json")),
                ],
            ),
            (
                LOGS_2,
                vec![
                    Reply::status(503, "upstream unavailable"),
                    Reply::json(read("team.integrationLogs.2.json")),
                ],
            ),
        ],
    );
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        server.hits(USERS_2),
        3,
        "a 429, then ok:false ratelimited, then the page"
    );
    assert_eq!(server.hits(USERS_3), 1);
    assert_eq!(server.hits(LOGS_2), 2);
    assert_eq!(
        server.hits(APPROVED_1),
        0,
        "no admin.apps on a single workspace"
    );
    assert_eq!(raw.users.len(), 8);

    let doc = document(slack::transform(&raw));
    assert!(doc.sources[0].complete, "{:?}", doc.sources[0].reason);
    heir::model::load::check("slack.golden.json", doc.clone()).expect("a valid document");
    assert!(!serde_json::to_string(&doc).unwrap().contains(TOKEN));
    golden("slack.golden.json", &doc);
    let r = doc.sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (14, 11), "{r:?}");
    assert_eq!(r.skipped["built-in Slackbot"], 1);
    assert_eq!(r.skipped["missing id"], 1);
    assert_eq!(r.skipped["no app or service id"], 1);

    let ws = "slack:app:T0FAKEACME";
    assert_eq!(
        edge_kind(&doc, "slack:user:U0FAKEANA01", ws),
        EdgeKind::AdminOf
    );
    assert_eq!(
        edge_kind(&doc, "slack:user:U0FAKECAI03", ws),
        EdgeKind::CanAccess
    );
    let node = |id: &str| doc.nodes.iter().find(|n| n.id == id).unwrap();
    assert_eq!(node("slack:user:U0FAKEDEE04").enabled, Some(false));
    assert_eq!(
        node("slack:user:U0FAKEANA01").person.as_deref(),
        Some("ana@acme.test")
    );
    assert_eq!(
        node("slack:user:U0FAKEANA01").aliases,
        vec!["slack:user:ana@acme.test"]
    );
    let bot = node("slack:service_account:B0FAKEDEPLOY");
    assert_eq!(bot.kind, NodeKind::ServiceAccount);
    assert_eq!(bot.props["app_id"], "A0FAKEDEPLOY");
    // The integration log's latest word: Drive Sync expanded to files:write; Old Poll removed.
    let grant = node("slack:oauth_grant:A0FAKEDRIVE-T0FAKEACME");
    assert_eq!(
        grant.scopes,
        vec!["files:read", "files:write", "users:read"]
    );
    assert_eq!(node("slack:app:A0FAKEOLD").enabled, Some(false));
    assert_eq!(
        edge_kind(
            &doc,
            "slack:user:U0FAKECAI03",
            "slack:oauth_grant:A0FAKEDRIVE-T0FAKEACME"
        ),
        EdgeKind::Consented
    );
    assert_eq!(
        edge_kind(&doc, "slack:user:U0FAKEBEN02", "slack:app:A0FAKEDRIVE"),
        EdgeKind::AdminOf
    );
    assert_eq!(
        edge_kind(&doc, "slack:oauth_grant:A0FAKEDRIVE-T0FAKEACME", ws),
        EdgeKind::CanAccess
    );
}

#[tokio::test]
async fn an_enterprise_grid_org_lists_approved_and_restricted_apps() {
    let server = workspace(true, &[]);
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(server.hits(APPROVED_2), 1, "two cursor pages");
    assert_eq!(server.hits(LOGS_1), 0);
    let doc = document(slack::transform(&raw));
    heir::model::load::check("slack-grid.golden.json", doc.clone()).expect("a valid document");
    golden("slack-grid.golden.json", &doc);
    let r = doc.sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (12, 9), "{r:?}");
    let node = |id: &str| doc.nodes.iter().find(|n| n.id == id).unwrap();
    let old = node("slack:app:A0FAKEOLD");
    assert_eq!(
        (old.enabled, &old.props["restricted"]),
        (Some(false), &serde_json::json!(true))
    );
    assert_eq!(
        node("slack:oauth_grant:A0FAKEDEPLOY-T0FAKEACME").scopes,
        vec!["channels:read (bot)", "chat:write (bot)"]
    );

    // Without admin.apps:read: skipped with Slack's reason, the collection stays complete.
    let server = workspace(
        true,
        &[(APPROVED_1, vec![Reply::json(read("missing_scope.json"))])],
    );
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    let doc = document(slack::transform(&raw));
    assert!(doc.sources[0].complete);
    let r = doc.sources[0].records.clone().unwrap();
    let reason = r
        .skipped
        .keys()
        .find(|k| k.starts_with("not available"))
        .unwrap();
    assert!(reason.contains("needed: admin.apps:read"), "{reason}");
    assert_eq!(r.examples[reason], vec!["admin.apps.approved.list"]);
}

#[tokio::test]
async fn a_malformed_page_is_a_problem_and_invalid_auth_is_fatal() {
    let server = workspace(
        false,
        &[(USERS_3, vec![Reply::json("{\"ok\": true, \"members\": [")])],
    );
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("users.list") && problems[0].contains("not the JSON"));
    assert_eq!(raw.integration_logs.len(), 6, "the rest is kept");

    let server = workspace(
        false,
        &[(
            "/api/auth.test",
            vec![Reply::json(read("invalid_auth.json"))],
        )],
    );
    let err = fetch_from(&server)
        .await
        .expect_err("invalid_auth is fatal");
    let text = err.to_string();
    assert!(
        text.contains("SLACK_TOKEN") && !text.contains(TOKEN),
        "{text}"
    );
    assert_eq!(server.seen().len(), 1);

    // Slack answers a bad token with HTTP 200 and `invalid_auth`; a proxy or Slack's edge may
    // still answer HTTP 401: as fatal, naming the variable.
    let server = workspace(
        false,
        &[(
            "/api/auth.test",
            vec![Reply::status(401, r#"{"ok":false,"error":"not_authed"}"#)],
        )],
    );
    let err = fetch_from(&server).await.expect_err("a 401 is fatal");
    let text = err.to_string();
    assert!(
        text.contains("SLACK_TOKEN") && !text.contains(TOKEN),
        "{text}"
    );
    assert_eq!(server.seen().len(), 1, "nothing else was asked");
}

fn heir(args: &[&str], token: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heir"));
    cmd.args(args).env_remove("SLACK_TOKEN");
    if let Some(t) = token {
        cmd.env("SLACK_TOKEN", t);
    }
    cmd.output().unwrap()
}

#[test]
fn the_command_writes_the_document_and_never_the_token() {
    let server = workspace(false, &[]);
    let dir = std::env::temp_dir().join(format!("heir-slack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("slack.json");
    let out = heir(
        &[
            "collect",
            "slack",
            "--api-url",
            &server.base,
            "-o",
            out_file.to_str().unwrap(),
        ],
        Some(TOKEN),
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("slack: read 14 · used 11 · skipped 3"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    for t in [
        &String::from_utf8_lossy(&out.stdout).to_string(),
        &stderr,
        &text,
    ] {
        assert!(!t.contains(TOKEN));
    }
    // invalid_auth: exit 1, the variable named, nothing written.
    let bad = workspace(
        false,
        &[(
            "/api/auth.test",
            vec![Reply::json(read("invalid_auth.json"))],
        )],
    );
    let never = dir.join("never.json");
    let out = heir(
        &[
            "collect",
            "slack",
            "--api-url",
            &bad.base,
            "-o",
            never.to_str().unwrap(),
            "--quiet",
        ],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SLACK_TOKEN") && !err.contains(TOKEN), "{err}");
    assert!(!never.exists());
    // A method failing for good: written, incomplete, exit 4.
    let broken = workspace(
        false,
        &[(
            LOGS_1,
            vec![Reply::json(r#"{"ok":false,"error":"internal_error"}"#)],
        )],
    );
    let partial = dir.join("partial.json");
    let out = heir(
        &[
            "collect",
            "slack",
            "--api-url",
            &broken.base,
            "-o",
            partial.to_str().unwrap(),
            "--quiet",
        ],
        Some(TOKEN),
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&partial).unwrap()).unwrap();
    assert!(v["sources"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("team.integrationLogs"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn users_list_without_its_scope_stops_naming_it() {
    let server = workspace(
        false,
        &[(
            USERS_1,
            vec![Reply::json(
                r#"{"ok":false,"error":"missing_scope","needed":"users:read","provided":"chat:write"}"#,
            )],
        )],
    );
    let err = fetch_from(&server)
        .await
        .expect_err("nothing to collect without members");
    let text = err.to_string();
    assert!(
        text.contains("SLACK_TOKEN")
            && text.contains("needed: users:read")
            && !text.contains(TOKEN),
        "{text}"
    );
}
