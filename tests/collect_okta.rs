//! The Okta collector and the Okta System Log importer: transform golden documents on recorded
//! responses (`tests/fixtures/okta/`; regenerate with `UPDATE_GOLDEN=1`), live collection against
//! a scripted server (pagination, 429 with `X-Rate-Limit-Reset`, 5xx, a malformed page, 401), and
//! an end-to-end lineage check on the merged documents.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::httpmock::{MockServer, Reply};
use common::okta_org::{body, org, read, DIR};
use heir::analysis::lineage::inherited;
use heir::collect::http::{Auth, Client, FetchError, Policy};
use heir::collect::logshape::Shape;
use heir::collect::okta::{self, OktaRaw};
use heir::collect::{oktalog, Collection, Progress};
use heir::model::merge::merge_documents;
use heir::model::{Document, Timestamp, TrustGraph};
use serde_json::Value;

/// Not a real token; the tests check it never shows up in an error or a document.
const TOKEN: &str = "00FAKE-okta-test-token-never-valid";
const SESSION: &str = "okta:session:102FakeSessionAbCdEf12";

fn collected_at() -> Timestamp {
    Timestamp::parse("2025-03-11T00:00:00Z").unwrap()
}

fn policy() -> Policy {
    common::httpmock::fast_policy()
}

fn quiet() -> Progress {
    Progress::new("okta", true)
}

fn items(name: &str) -> Vec<Value> {
    match serde_json::from_str(&body(name, "https://acme.okta.com")).unwrap() {
        Value::Array(a) => a,
        other => panic!("{name} is not an array: {other}"),
    }
}

const ANA: &str = "00u1anaFAKE0001";
const BEN: &str = "00u1benFAKE0002";
const CAI: &str = "00u1caiFAKE0003";
const DEE: &str = "00u1deeFAKE0004";
const EVE: &str = "00u1eveFAKE0005";
const FIN: &str = "00u1finFAKE0006";

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<Value>> {
    pairs
        .iter()
        .map(|(k, f)| (k.to_string(), items(f)))
        .collect()
}

/// What `fetch` should return for the recorded org, assembled straight from the fixture files.
fn offline_raw() -> OktaRaw {
    OktaRaw {
        org: "acme.okta.com".into(),
        users: [
            items("users.1.json"),
            items("users.2.json"),
            items("users.3.json"),
            items("users.deprovisioned.json"),
        ]
        .concat(),
        groups: items("groups.json"),
        group_members: map(&[
            ("00g1engFAKE0001", "groups.00g1engFAKE0001.users.json"),
            ("00g1itFAKE00002", "groups.00g1itFAKE00002.users.json"),
        ]),
        user_roles: map(&[
            (BEN, "roles.00u1benFAKE0002.json"),
            (EVE, "roles.00u1eveFAKE0005.json"),
            (FIN, "roles.00u1finFAKE0006.json"),
        ]),
        apps: items("apps.json"),
        app_users: map(&[
            ("0oa1slackFAKE01", "apps.0oa1slackFAKE01.users.json"),
            ("0oa1sfdcFAKE001", "apps.0oa1sfdcFAKE001.users.json"),
            ("0oa1expenseFAKE", "apps.0oa1expenseFAKE.users.json"),
        ]),
        policy_rules: map(&[
            ("rst1mfaFAKE0001", "policies.rst1mfaFAKE0001.rules.json"),
            ("rst1deviceFAKE1", "policies.rst1deviceFAKE1.rules.json"),
        ]),
        app_tokens: map(&[("0oa1expenseFAKE", "apps.0oa1expenseFAKE.tokens.json")]),
        user_grants: map(&[
            (ANA, "grants.00u1anaFAKE0001.json"),
            (BEN, "empty.json"),
            (CAI, "empty.json"),
            (DEE, "empty.json"),
            (EVE, "empty.json"),
            (FIN, "grants.00u1finFAKE0006.json"),
        ]),
        api_tokens: items("api-tokens.json"),
        client_roles: map(&[("0oa1syncbotFAKE", "clients.0oa1syncbotFAKE.roles.json")]),
        app_grants: map(&[("0oa1syncbotFAKE", "apps.0oa1syncbotFAKE.grants.json")]),
        app_secrets: map(&[("0oa1syncbotFAKE", "apps.0oa1syncbotFAKE.secrets.json")]),
    }
}

/// Compares with a golden document, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, doc: &Document) {
    let path = format!("{DIR}/{name}");
    let actual = serde_json::to_string_pretty(doc).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with UPDATE_GOLDEN=1 to create it)"));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {}\n  actual: {}\n\
             (run with UPDATE_GOLDEN=1 if the change is intended)",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>")
        );
    }
}

/// No secret (the API token, masked client secrets, secret hashes) in a text.
fn assert_no_secret(what: &str, text: &str) {
    for needle in [TOKEN, "FAKE****", "fakehash"] {
        assert!(!text.contains(needle), "{what} leaks `{needle}`: {text}");
    }
}

// ------------------------------------------------------------------------------------------------
// The scripted Okta org

async fn fetch_from(server: &MockServer) -> (OktaRaw, Vec<String>) {
    let client = Client::new(
        &server.base,
        Auth::Ssws(TOKEN.into()),
        okta::CREDENTIAL_ENV,
        policy(),
    )
    .unwrap();
    okta::fetch(&client, &quiet())
        .await
        .expect("no fatal error")
}

fn document(c: Collection) -> Document {
    c.into_document(collected_at())
}

// ------------------------------------------------------------------------------------------------
// Offline transforms

#[test]
fn okta_transform_matches_golden() {
    let c = okta::transform(&offline_raw());
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    let doc = document(c);
    assert!(
        doc.sources[0].complete,
        "every edge resolves: {:?}",
        doc.sources[0].reason
    );
    let text = serde_json::to_string(&doc).unwrap();
    assert_no_secret("the okta document", &text);
    // The document is valid by the loader's own rules.
    heir::model::load::check("okta.golden.json", doc.clone()).expect("a valid document");
    golden("okta.golden.json", &doc);

    // A few facts the golden file must keep saying.
    let node = |id: &str| {
        doc.nodes
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("no node {id}"))
    };
    let edge = |from: &str, to: &str| {
        doc.edges
            .iter()
            .find(|e| e.from == from && e.to == to)
            .unwrap_or_else(|| panic!("no edge {from} -> {to}"))
    };
    assert_eq!(node("okta:user:00u1caiFAKE0003").enabled, Some(false));
    assert_eq!(node("okta:user:00u1deeFAKE0004").enabled, Some(false));
    assert_eq!(node("okta:user:00u1finFAKE0006").enabled, None);
    assert_eq!(
        node("okta:user:00u1anaFAKE0001").person.as_deref(),
        Some("ana@acme.test")
    );
    assert_eq!(
        node("okta:service_account:0oa1syncbotFAKE").kind,
        heir::model::NodeKind::ServiceAccount
    );
    let sso = edge(
        "okta:user:00u1anaFAKE0001",
        "salesforce:user:0055gFAKEana01",
    );
    assert_eq!(
        sso.requires,
        vec![
            heir::model::Requirement::Mfa,
            heir::model::Requirement::ManagedDevice
        ]
    );
    assert_eq!(
        edge("okta:user:00u1anaFAKE0001", "slack:user:U0FAKEANA01").requires,
        vec![heir::model::Requirement::Mfa]
    );
    assert_eq!(
        edge("okta:user:00u1benFAKE0002", "okta:idp:acme").kind,
        heir::model::EdgeKind::AdminOf
    );
    assert_eq!(
        edge("okta:user:00u1eveFAKE0005", "okta:idp:acme").kind,
        heir::model::EdgeKind::CanAccess
    );
    assert_eq!(
        edge(
            "okta:oauth_grant:oag1grantFAKE01",
            "okta:token:oar1rtFAKE0001"
        )
        .kind,
        heir::model::EdgeKind::Issued
    );
    assert_eq!(
        edge("okta:token:00T1apiFAKE0001", "okta:user:00u1benFAKE0002").requires,
        vec![heir::model::Requirement::TrustedNetwork]
    );
    let secret = node("okta:token:ocs1secretFAKE1");
    assert_eq!(secret.revocation, Some(heir::model::Revocation::None));
}

#[test]
fn oktalog_transform_matches_golden_from_json_and_ndjson() {
    let text = read("system-log.json");
    let c = oktalog::collect_file(&text, Shape::Auto).expect("a valid export");
    assert_eq!(c.source, "oktalog");
    assert_eq!(c.platforms, vec!["okta".to_string()]);
    let doc = document(c);
    assert!(doc.sources[0].complete, "{:?}", doc.sources[0].reason);
    heir::model::load::check("oktalog.golden.json", doc.clone()).expect("a valid document");
    golden("oktalog.golden.json", &doc);

    // The same events one per line, in reverse order, give the same document.
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    let ndjson: String = events
        .iter()
        .rev()
        .map(|e| serde_json::to_string(e).unwrap() + "\n")
        .collect();
    let again = document(oktalog::collect_file(&ndjson, Shape::Auto).expect("valid NDJSON"));
    assert_eq!(again, doc);

    let session = doc.nodes.iter().find(|n| n.id == SESSION).unwrap();
    assert_eq!(session.mfa, Some(true));
    // Ended at 10:00: dead from then on, alive before.
    assert_eq!(session.enabled, None);
    assert_eq!(
        session.expires_at.map(|t| t.to_string()).as_deref(),
        Some("2025-03-10T10:00:00Z")
    );
    assert_eq!(
        session.props.get("ended_at").and_then(Value::as_str),
        Some("2025-03-10T10:00:00Z")
    );
    let ben = doc
        .nodes
        .iter()
        .find(|n| n.id == "okta:session:102FakeBenSession0002")
        .unwrap();
    assert_eq!(ben.mfa, Some(false));
    assert_eq!(
        ben.enabled, None,
        "clearing Ana's sessions leaves Ben's alone"
    );
}

#[test]
fn system_log_file_errors_say_what_is_wrong() {
    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        ("[{\"eventType\": \"x\"", "no event could be read: line 1"),
        (
            "[{\"id\": 1}, {\"id\": 2}]",
            "not an Okta System Log export",
        ),
    ];
    for (input, expected) in cases {
        let err = oktalog::collect_file(input, Shape::Auto).expect_err(input);
        assert!(err.contains(expected), "{input:?}: {err}");
        assert!(err.contains("fix:") || input.is_empty(), "{input:?}: {err}");
    }
    // An empty array is a valid (empty) export.
    let c = oktalog::collect_file("[]", Shape::Auto).unwrap();
    assert!(c.nodes.is_empty() && c.problems.is_empty());
    // A record that is not an object is skipped and counted, not the whole file refused.
    let c = oktalog::collect_file("[{\"eventType\":\"a\"}, 3]", Shape::Auto).unwrap();
    assert_eq!(
        accounting(&c),
        (
            2,
            0,
            reasons(&[("event type not modelled", 1), ("not a JSON object", 1)])
        )
    );
}

/// The recorded log in every shape a responder holds gives the same document as the API array.
#[test]
fn oktalog_reads_every_shape_of_the_same_log() {
    let text = read("system-log.json");
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    let want = document(oktalog::collect_file(&text, Shape::Auto).unwrap());
    let line = |e: &Value| serde_json::to_string(e).unwrap();
    let (first, second) = events.split_at(6);
    let shapes: Vec<(&str, String)> = vec![
        (
            "two API pages appended",
            format!(
                "{}\n{}",
                serde_json::to_string_pretty(first).unwrap(),
                serde_json::to_string_pretty(second).unwrap()
            ),
        ),
        (
            "concatenated pretty objects",
            events
                .iter()
                .map(|e| serde_json::to_string_pretty(e).unwrap() + "\n")
                .collect(),
        ),
        (
            "event hook payloads",
            [first, second]
                .iter()
                .map(|page| {
                    serde_json::json!({"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0",
                        "cloudEventsVersion": "0.1", "source": "https://acme.okta.com/api/v1/eventHooks/whkFAKE",
                        "eventId": "hook-1", "data": {"events": page}})
                    .to_string()
                        + "\n"
                })
                .collect(),
        ),
        (
            "Elastic _source.event.original",
            serde_json::json!({"hits": {"hits": events.iter().map(|e| serde_json::json!(
                {"_index": ".ds-logs-okta.system-default", "_id": "x",
                 "_source": {"@timestamp": e["published"], "event": {"original": line(e)}}})).collect::<Vec<_>>()}})
            .to_string(),
        ),
        (
            "Elastic NDJSON with message",
            events
                .iter()
                .map(|e| serde_json::json!({"@timestamp": e["published"], "message": line(e)}).to_string() + "\n")
                .collect(),
        ),
        (
            "Splunk JSON export",
            events
                .iter()
                .map(|e| {
                    serde_json::json!({"preview": false, "result": {"_raw": line(e), "sourcetype": "OktaIM2:log"}})
                        .to_string()
                        + "\n"
                })
                .collect(),
        ),
    ];
    for (shape, input) in shapes {
        let c =
            oktalog::collect_file(&input, Shape::Auto).unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert_eq!(
            accounting(&c),
            (13, 12, reasons(&[("unsuccessful outcome", 1)])),
            "{shape}"
        );
        assert_eq!(document(c), want, "{shape}");
    }

    // The Admin Console CSV (dotted column names): the same sessions, tokens and lineage.
    let csv = oktalog::collect_file(&read("shapes/admin-console.csv"), Shape::Auto).unwrap();
    assert_eq!(
        accounting(&csv),
        (13, 12, reasons(&[("unsuccessful outcome", 1)]))
    );
    let csv = document(csv);
    let ids = |d: &Document| {
        let mut v: Vec<String> = d.nodes.iter().map(|n| n.id.clone()).collect();
        v.extend(
            d.edges
                .iter()
                .map(|e| format!("{} {} {}", e.from, e.kind.as_str(), e.to)),
        );
        v.sort();
        v
    };
    assert_eq!(ids(&csv), ids(&want));

    // Overlapping exports: every event twice is the same log, the repeats counted.
    let twice = format!("{text}\n{text}");
    let c = oktalog::collect_file(&twice, Shape::Auto).unwrap();
    assert_eq!(
        accounting(&c),
        (
            26,
            12,
            reasons(&[
                ("duplicate event (same uuid)", 13),
                ("unsuccessful outcome", 1)
            ])
        )
    );
    assert_eq!(document(c).nodes, want.nodes);
}

#[test]
fn an_interrupted_download_costs_the_cut_record_and_says_so() {
    let text = read("system-log.json");
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut ndjson: String = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap() + "\n")
        .collect();
    ndjson.truncate(ndjson.len() - 40);
    let c = oktalog::collect_file(&ndjson, Shape::Auto).unwrap();
    assert_eq!(
        accounting(&c),
        (
            13,
            11,
            reasons(&[("not valid JSON or CSV", 1), ("unsuccessful outcome", 1)])
        )
    );
    assert_eq!(
        c.records.records().examples["not valid JSON or CSV"],
        vec!["line 13"]
    );
    let doc = document(c);
    assert!(!doc.sources[0].complete);
    let reason = doc.sources[0].reason.clone().unwrap();
    assert!(
        reason.contains("line 13") && reason.contains("fix:"),
        "{reason}"
    );
    // The same cut in a pretty array (the common download).
    let mut pretty = serde_json::to_string_pretty(&events).unwrap();
    pretty.truncate(pretty.len() - 200);
    let c = oktalog::collect_file(&pretty, Shape::Auto).unwrap();
    assert_eq!(c.records.records().read, 13);
    assert_eq!(c.records.records().skipped["not valid JSON or CSV"], 1);
    // --shape ndjson forces line reading.
    let c = oktalog::collect_file(&ndjson, Shape::Ndjson).unwrap();
    assert_eq!(c.records.records().read, 13);
}

/// Third-party test data (Elastic's Okta integration pipeline test, tests/fixtures/okta/shapes/
/// SOURCES.md): three events, each delivered twice, as NDJSON.
#[test]
fn elastic_okta_sample_dedups_by_uuid() {
    let c =
        oktalog::collect_file(&read("shapes/elastic-system-events.ndjson"), Shape::Auto).unwrap();
    assert_eq!(
        accounting(&c),
        (
            6,
            2,
            reasons(&[
                ("duplicate event (same uuid)", 3),
                ("ends a session not in the log", 1)
            ])
        )
    );
    let doc = document(c);
    let s = doc
        .nodes
        .iter()
        .find(|n| n.id == "okta:session:102bZDNFfWaQSyEZQuDgWt-uQ")
        .expect("the session started in the sample");
    assert_eq!(s.props["ip"], "175.16.199.1");
    assert_eq!(s.props["country"], "United States");
    assert_eq!(s.mfa, Some(false));
}

// ------------------------------------------------------------------------------------------------
// Live collection

#[tokio::test]
async fn live_fetch_follows_pages_and_matches_the_offline_transform() {
    let server = org(&[]);
    let (mut raw, problems) = fetch_from(&server).await;
    assert!(problems.is_empty(), "{problems:?}");
    for target in [
        "/api/v1/users?limit=200",
        "/api/v1/users?after=00u1benFAKE0002&limit=200",
        "/api/v1/users?after=00u1deeFAKE0004&limit=200",
        "/api/v1/iam/assignees/users?after=00u1eveFAKE0005&limit=100",
    ] {
        assert_eq!(server.hits(target), 1, "{target}");
    }
    assert_eq!(
        raw.users.len(),
        7,
        "three pages of two plus one deprovisioned"
    );
    assert_eq!(
        raw.user_roles.keys().collect::<Vec<_>>(),
        vec![BEN, EVE, FIN],
        "admins from both pages of the body-linked assignee list"
    );
    // Masked secrets and hashes are dropped on arrival.
    let secrets = serde_json::to_string(&raw.app_secrets).unwrap();
    assert!(!secrets.contains("client_secret") && !secrets.contains("secret_hash"));
    // Every request carried the token in Okta's scheme.
    assert!(server
        .seen()
        .iter()
        .all(|s| s.authorization.as_deref() == Some(&format!("SSWS {TOKEN}")[..])));
    assert!(raw.org.starts_with("127.0.0.1:"), "{}", raw.org);
    raw.org = "acme.okta.com".into();
    let doc = document(okta::transform(&raw));
    assert_eq!(doc, document(okta::transform(&offline_raw())));
}

#[tokio::test]
async fn collect_reports_a_complete_source() {
    let server = org(&[]);
    let c = okta::collect(&server.base, TOKEN.into(), policy(), &quiet())
        .await
        .expect("collects");
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    let doc = document(c);
    assert!(doc.sources[0].complete);
    assert_eq!(doc.sources[0].name, "okta");
    assert_no_secret("the document", &serde_json::to_string(&doc).unwrap());
}

#[tokio::test]
async fn waits_out_a_429_until_the_rate_limit_resets() {
    let reset = (Timestamp::now().as_millis() / 1000 + 1).to_string();
    let throttled = Reply::status(
        429,
        r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeFakeId123","errorCauses":[]}"#,
    )
    .header("x-rate-limit-limit", "600")
    .header("x-rate-limit-remaining", "0")
    .header("x-rate-limit-reset", &reset);
    let server = org(&[("/api/v1/groups?limit=200", vec![throttled])]);
    let started = Instant::now();
    let (raw, problems) = fetch_from(&server).await;
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(server.hits("/api/v1/groups?limit=200"), 2);
    assert_eq!(raw.groups.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the reset time was honoured, not the 10 ms backoff: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retries_a_server_error() {
    let server = org(&[(
        "/api/v1/apps?limit=200",
        vec![Reply::status(500, r#"{"errorSummary":"Internal error"}"#)],
    )]);
    let (mut raw, problems) = fetch_from(&server).await;
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(server.hits("/api/v1/apps?limit=200"), 2);
    raw.org = "acme.okta.com".into();
    assert_eq!(
        document(okta::transform(&raw)),
        document(okta::transform(&offline_raw()))
    );
}

#[tokio::test]
async fn a_malformed_page_marks_the_source_incomplete_and_keeps_the_rest() {
    let server = org(&[(
        "/api/v1/groups?limit=200",
        vec![Reply::json("[{\"id\": \"00g1engFAKE0001\", ")],
    )]);
    let c = okta::collect(&server.base, TOKEN.into(), policy(), &quiet())
        .await
        .expect("a malformed page is not fatal");
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    for p in &c.problems {
        assert_no_secret("a problem", p);
    }
    let doc = document(c);
    let source = &doc.sources[0];
    assert!(!source.complete);
    let reason = source.reason.as_deref().unwrap();
    assert!(reason.contains("groups (GET /api/v1/groups)"), "{reason}");
    assert!(
        reason.contains("not the JSON the API documents"),
        "{reason}"
    );
    // Everything else is still there.
    let has = |id: &str| doc.nodes.iter().any(|n| n.id == id);
    assert!(!has("okta:group:00g1engFAKE0001"));
    assert!(has("okta:user:00u1anaFAKE0001"));
    assert!(has("slack:user:U0FAKEANA01"));
    assert!(has("okta:token:oar1rtFAKE0001"));
    assert!(has("okta:token:00T1apiFAKE0001"));
    assert_eq!(
        server.hits("/api/v1/groups/00g1engFAKE0001/users?limit=200"),
        0
    );
}

#[tokio::test]
async fn a_failing_per_user_request_is_one_problem_naming_the_endpoint() {
    let server = org(&[(
        "/api/v1/users/00u1anaFAKE0001/grants?expand=scope&limit=200",
        vec![Reply::status(
            403,
            r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action"}"#,
        )],
    )]);
    let (raw, problems) = fetch_from(&server).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "OAuth consent grants (GET /api/v1/users/{userId}/grants): 1 of 6 request(s) failed"
        ),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("HTTP 403"), "{}", problems[0]);
    assert_no_secret("the problem", &problems[0]);
    assert!(!raw.user_grants.contains_key(ANA));
    assert_eq!(raw.user_grants.len(), 5, "the other users' grants are kept");
}

#[tokio::test]
async fn a_rejected_token_stops_the_collection_and_names_the_variable() {
    let server = org(&[(
        "/api/v1/users?limit=200",
        vec![Reply::status(
            401,
            r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oaeFake401","errorCauses":[]}"#,
        )],
    )]);
    let err = okta::collect(&server.base, TOKEN.into(), policy(), &quiet())
        .await
        .expect_err("401 is fatal");
    assert!(
        matches!(err, FetchError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("OKTA_API_TOKEN"), "{msg}");
    assert_no_secret("the error", &msg);
    assert_no_secret("the error's debug form", &format!("{err:?}"));
    assert_eq!(
        server.hits("/api/v1/apps?limit=200"),
        0,
        "nothing after the 401"
    );
}

#[tokio::test]
async fn a_rejected_token_stops_the_system_log_too() {
    let server = MockServer::start();
    server.route(
        "/api/v1/logs?sortOrder=ASCENDING&limit=1000",
        vec![Reply::status(401, r#"{"errorCode":"E0000011"}"#)],
    );
    let err = oktalog::collect_live(&server.base, TOKEN.into(), None, policy(), &quiet())
        .await
        .expect_err("401 is fatal");
    assert!(err.to_string().contains("OKTA_API_TOKEN"));
    assert_no_secret("the error", &err.to_string());
}

#[tokio::test]
async fn system_log_polling_stops_at_the_empty_page() {
    let events: Vec<Value> = serde_json::from_str(&read("system-log.json")).unwrap();
    let server = MockServer::start();
    let base = server.base.clone();
    let first = "/api/v1/logs?since=2025-03-10T00%3A00%3A00Z&sortOrder=ASCENDING&limit=1000";
    let second = "/api/v1/logs?after=1741597200000_1&limit=1000&sortOrder=ASCENDING";
    let third = "/api/v1/logs?after=1741604400000_1&limit=1000&sortOrder=ASCENDING";
    let fourth = "/api/v1/logs?after=1741604400000_2&limit=1000&sortOrder=ASCENDING";
    let reply = |evs: &[Value], this: &str, next: &str| {
        Reply::json(serde_json::to_string(evs).unwrap())
            .header("link", &format!("<{base}{this}>; rel=\"self\""))
            .header("link", &format!("<{base}{next}>; rel=\"next\""))
    };
    server.route(first, vec![reply(&events[..6], first, second)]);
    server.route(
        second,
        vec![Reply::status(503, "{}"), reply(&events[6..], second, third)],
    );
    server.route(third, vec![reply(&[], third, fourth)]);
    let since = Timestamp::parse("2025-03-10T00:00:00Z").unwrap();
    let c = oktalog::collect_live(&server.base, TOKEN.into(), Some(since), policy(), &quiet())
        .await
        .expect("collects");
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(server.hits(second), 2, "the 503 was retried");
    assert_eq!(server.hits(third), 1);
    assert_eq!(server.hits(fourth), 0, "an empty page ends a polling walk");
    assert_eq!(
        document(c),
        document(oktalog::collect_file(&read("system-log.json"), Shape::Auto).unwrap())
    );
}

// ------------------------------------------------------------------------------------------------
// Lineage, end to end

#[test]
fn lineage_of_the_okta_session_lists_exactly_what_it_minted() {
    let log = oktalog::collect_file(&read("system-log.json"), Shape::Auto).unwrap();
    let org = okta::transform(&offline_raw());
    let (merged, _conflicts) = merge_documents(vec![document(org), document(log)]);
    let merged = heir::model::load::check("merged", merged)
        .expect("the merged document is valid")
        .0;
    let g = TrustGraph::new(merged);
    let from = g.index(SESSION).expect("the session is in the graph");
    let at = Timestamp::parse("2025-03-10T12:00:00Z").unwrap();

    let report = inherited(&g, from, None, at);
    let mut ids: Vec<&str> = report.inherited.iter().map(|i| i.id.as_str()).collect();
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
    for i in &report.inherited {
        assert_eq!(i.via, vec![SESSION.to_string(), i.id.clone()]);
    }
    let sfdc = report
        .inherited
        .iter()
        .find(|i| i.id.starts_with("salesforce:"))
        .unwrap();
    assert_eq!(sfdc.ip.as_deref(), Some("198.51.100.23"));
    assert!(sfdc.user_agent.as_deref().unwrap().contains("Chrome/122"));
    assert_eq!(
        sfdc.at,
        Some(Timestamp::parse("2025-03-10T09:02:17Z").unwrap())
    );
    // The refresh token the log saw minted is the one the API lists: one node, joined by id.
    let rt = g.node(g.index("okta:token:oar1rtFAKE0001").unwrap());
    assert_eq!(
        rt.expires_at,
        Some(Timestamp::parse("2025-06-08T08:13:02Z").unwrap())
    );
    assert!(report.inherited.iter().any(|i| i.id == rt.id && i.live));

    // Since 09:00 only the sign-ons from the second host count: Salesforce, and Slack again.
    let since = Timestamp::parse("2025-03-10T09:00:00Z").unwrap();
    let report = inherited(&g, from, Some(since), at);
    let mut ids: Vec<&str> = report.inherited.iter().map(|i| i.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            "salesforce:session:okta-102FakeSessionAbCdEf12-0oa1sfdcFAKE001",
            "slack:session:okta-102FakeSessionAbCdEf12-0oa1slackFAKE01",
        ]
    );
    assert!(report
        .inherited
        .iter()
        .all(|i| i.ip.as_deref() == Some("198.51.100.23")));
}

/// `(read, used, skipped by reason)` of a collection.
fn accounting(c: &Collection) -> (u64, u64, BTreeMap<String, u64>) {
    let r = c.records.records();
    (r.read, r.used, r.skipped)
}

fn reasons(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn okta_accounting_on_the_recorded_org() {
    // 49 objects: 7 users, 2 groups, 6 memberships, 4 admin roles, 6 apps, 7 assignments,
    // 5 policy rules, 2 refresh tokens, 3 consent grants, 2 API tokens, 1 service-app role,
    // 2 scope grants, 2 client secrets; one policy rule is inactive.
    let c = okta::transform(&offline_raw());
    assert_eq!(accounting(&c), (49, 48, reasons(&[("inactive", 1)])));
    assert_eq!(
        c.records.records().examples["inactive"],
        vec!["rul1officeFAKE1"]
    );
    // A record without an id, an inactive role and an assignment to an unknown app are each
    // counted under their reason, not dropped silently.
    let mut raw = offline_raw();
    raw.users.push(serde_json::json!({"status": "ACTIVE"}));
    raw.user_roles
        .get_mut("00u1benFAKE0002")
        .unwrap()
        .push(serde_json::json!({"id": "ra-old", "status": "INACTIVE", "type": "SUPER_ADMIN"}));
    raw.app_users.insert(
        "0oa-gone".into(),
        vec![serde_json::json!({"id": "00u1anaFAKE0001"})],
    );
    let c = okta::transform(&raw);
    assert_eq!(
        accounting(&c),
        (
            52,
            48,
            reasons(&[
                ("assignment to an app not listed", 1),
                ("inactive", 2),
                ("missing id", 1)
            ])
        )
    );
    assert_eq!(c.records.records().examples["missing id"], vec!["user #8"]);
}

#[test]
fn oktalog_accounting_on_the_recorded_log() {
    let c = oktalog::collect_file(&read("system-log.json"), Shape::Auto).unwrap();
    // 13 events: the failed sign-in is skipped; the profile update is a use of a known session.
    assert_eq!(
        accounting(&c),
        (13, 12, reasons(&[("unsuccessful outcome", 1)]))
    );
    // Every way an event can go unused is named.
    let events: Vec<Value> = serde_json::from_str(
        r#"[
        {"uuid":"a","eventType":"user.session.start","published":"2025-03-10T08:00:00Z",
         "authenticationContext":{"externalSessionId":"s1"},"actor":{"type":"User","id":"u1"}},
        {"uuid":"b","eventType":"user.session.start","published":"2025-03-10T08:00:00Z"},
        {"uuid":"c","eventType":"user.authentication.sso","published":"2025-03-10T08:01:00Z",
         "authenticationContext":{"externalSessionId":"s1"},"outcome":{"result":"FAILURE"}},
        {"uuid":"d","eventType":"user.session.end","published":"2025-03-10T09:00:00Z",
         "authenticationContext":{"externalSessionId":"elsewhere"}},
        {"uuid":"e","eventType":"user.session.clear","published":"2025-03-10T09:00:00Z",
         "target":[{"type":"User","id":"someone-else"}]},
        {"uuid":"f","eventType":"policy.lifecycle.update","published":"2025-03-10T09:00:00Z"},
        {"uuid":"g","eventType":"user.account.update_profile","published":"2025-03-10T08:30:00Z",
         "authenticationContext":{"externalSessionId":"s1"}},
        {"uuid":"h"},
        42
    ]"#,
    )
    .unwrap();
    let c = oktalog::transform(&events);
    assert_eq!(
        accounting(&c),
        (
            9,
            2,
            reasons(&[
                ("clears no session in the log", 1),
                ("ends a session not in the log", 1),
                ("event type not modelled", 1),
                ("no eventType", 1),
                ("no session id", 1),
                ("not a JSON object", 1),
                ("unsuccessful outcome", 1),
            ])
        )
    );
    assert_eq!(
        c.records.records().examples["not a JSON object"],
        vec!["event #9 (a number)"]
    );
}

/// `user.authentication.verify` of a factor sets `mfa` (a password verify does not); the SSO
/// platform comes from the SAML audience before the label; grantedScopes become token scopes.
#[test]
fn oktalog_mfa_from_verify_audience_platform_and_scopes() {
    let log = r#"[
      {"uuid":"v1","eventType":"user.session.start","published":"2025-03-10T08:00:00Z",
       "authenticationContext":{"externalSessionId":"idxS1"},"actor":{"type":"User","id":"00u1","alternateId":"ana@example.com"},
       "client":{"ipAddress":"198.51.100.23"},"securityContext":{"asNumber":64500,"asOrg":"example isp"}},
      {"uuid":"v2","eventType":"user.authentication.verify","published":"2025-03-10T08:00:01Z",
       "authenticationContext":{"externalSessionId":"idxS1","credentialType":"PASSWORD"},"actor":{"type":"User","id":"00u1"}},
      {"uuid":"v3","eventType":"user.session.start","published":"2025-03-10T08:00:00Z",
       "authenticationContext":{"externalSessionId":"idxS2"},"actor":{"type":"User","id":"00u2"}},
      {"uuid":"v4","eventType":"user.authentication.verify","published":"2025-03-10T08:00:02Z",
       "authenticationContext":{"externalSessionId":"idxS2"},"actor":{"type":"User","id":"00u2"},
       "debugContext":{"debugData":{"factor":"OKTA_VERIFY_PUSH"}}},
      {"uuid":"v5","eventType":"user.authentication.sso","published":"2025-03-10T08:05:00Z",
       "authenticationContext":{"externalSessionId":"idxS1"},"actor":{"type":"User","id":"00u1"},
       "client":{"ipAddress":"203.0.113.77","geographicalContext":{"country":"Netherlands"}},
       "securityContext":{"asNumber":64501,"asOrg":"bulletproof hosting"},
       "target":[{"type":"AppInstance","id":"0oaAWS","displayName":"Prod console"}],
       "debugContext":{"debugData":{"audience":"https://signin.aws.amazon.com/saml"}}},
      {"uuid":"v6","eventType":"app.oauth2.as.token.grant.access_token","published":"2025-03-10T08:06:00Z",
       "authenticationContext":{"externalSessionId":"idxS1"},"actor":{"type":"PublicClientApp","id":"0oaCLI","displayName":"CLI"},
       "target":[{"type":"access_token","id":"AT.1"}],
       "debugContext":{"debugData":{"grantedScopes":"okta.users.manage openid","grantType":"authorization_code"}}}
    ]"#;
    let doc = document(oktalog::collect_file(log, Shape::Auto).unwrap());
    let n = |id: &str| {
        doc.nodes
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(n("okta:session:idxS1").mfa, Some(false));
    assert_eq!(n("okta:session:idxS2").mfa, Some(true));
    assert_eq!(n("okta:session:idxS1").props["asn"], "AS64500 example isp");
    // The label says nothing of AWS; the audience does.
    let app_session = n("aws:session:okta-idxS1-0oaAWS");
    assert_eq!(app_session.platform.as_deref(), Some("aws"));
    let sso = doc
        .edges
        .iter()
        .find(|e| e.to == app_session.id && e.kind.as_str() == "issued")
        .unwrap();
    assert_eq!(sso.props["country"], "Netherlands");
    assert_eq!(sso.props["asn"], "AS64501 bulletproof hosting");
    assert_eq!(
        n("okta:token:AT.1").scopes,
        vec!["okta.users.manage", "openid"]
    );
    assert_eq!(
        oktalog::audience_platform("urn:amazon:webservices"),
        Some("aws")
    );
    assert_eq!(
        oktalog::audience_platform("https://acme.my.salesforce.com"),
        Some("salesforce")
    );
    assert_eq!(
        oktalog::audience_platform("https://evil-salesforce.com.example"),
        None
    );
}
