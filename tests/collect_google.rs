//! The Google Workspace collector against a scripted Admin SDK, Reports API, Gmail API and OAuth
//! token endpoint (`tests/fixtures/google/`, shaped after Google's documented responses; see
//! SOURCES.md): three pages of users, a 429, a legacy `403 userRateLimitExceeded`, a 5xx, a
//! malformed page, a 401, an access token and a service-account key with domain-wide delegation
//! (the JWT heir signs is verified), goldens with exact accounting, and the command line with a
//! planted token and key that must appear nowhere.

mod common;
use common::golden::{document, edge_kind};

use std::process::Command;

use common::httpmock::{MockServer, Reply};
use heir::collect::google::{self, Credential, GoogleRaw, Options, ServiceAccountKey};
use heir::collect::http::{FetchError, Policy};
use heir::collect::Progress;
use heir::model::{Document, EdgeKind, Timestamp};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/google");
/// Not a real token; the tests check it never shows up anywhere.
const TOKEN: &str = "ya29.FAKE-google-planted-token-never-valid";
const MINTED: &str = "ya29.FAKE-minted-access-token-never-valid";
const ANA: &str = "103456789012345678901";
const BEN: &str = "103456789012345678902";
const CAI: &str = "103456789012345678903";
const DEE: &str = "103456789012345678904";

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/api/{name}")).unwrap()
}

const USERS_1: &str =
    "/admin/directory/v1/users?customer=my_customer&maxResults=500&projection=full";
const GROUPS: &str = "/admin/directory/v1/groups?customer=my_customer&maxResults=200";
const ROLES: &str = "/admin/directory/v1/customer/my_customer/roles?maxResults=100";
const SINCE: &str = "2025-03-10T00:00:00Z";

fn users_2() -> String {
    format!("{USERS_1}&pageToken=Q0FFU0ZBb1NNVEF6TkRVMk56ZzVNREV5TXpRMU5qYzRPVEF5")
}

fn tenant(overrides: &[(&str, Vec<Reply>)]) -> MockServer {
    let server = MockServer::start();
    let d = "/admin/directory/v1";
    let mut routes: Vec<(String, &str)> = vec![
        (USERS_1.into(), "users.1.json"),
        (users_2(), "users.2.json"),
        (format!("{USERS_1}&pageToken=Q0FFU0ZBb1NNVEF6TkRVMk56ZzVNREV5TXpRMU5qYzRPVEF6"), "users.3.json"),
        (GROUPS.into(), "groups.json"),
        (format!("{d}/groups/03fake0eng/members?maxResults=200"), "groups.03fake0eng.members.json"),
        (format!("{d}/groups/03fake0all/members?maxResults=200"), "groups.03fake0all.members.json"),
        (ROLES.into(), "roles.json"),
        (format!("{d}/customer/my_customer/roleassignments?maxResults=200"), "roleassignments.json"),
        (format!("{d}/users/{ANA}/tokens"), "tokens.ana.json"),
        (format!("{d}/users/{BEN}/tokens"), "tokens.ben.json"),
        (format!("{d}/users/{CAI}/tokens"), "tokens.cai.json"),
        (format!("{d}/users/{DEE}/tokens"), "tokens.dee.json"),
        (format!("{d}/users/{ANA}/asps"), "asps.empty.json"),
        (format!("{d}/users/{BEN}/asps"), "asps.empty.json"),
        (format!("{d}/users/{CAI}/asps"), "asps.cai.json"),
        (format!("{d}/users/{DEE}/asps"), "asps.empty.json"),
        (
            "/admin/reports/v1/activity/users/all/applications/token?startTime=2025-03-10T00%3A00%3A00Z&maxResults=1000".into(),
            "reports.token.json",
        ),
        (
            "/admin/reports/v1/activity/users/all/applications/login?startTime=2025-03-10T00%3A00%3A00Z&maxResults=1000".into(),
            "reports.login.json",
        ),
        ("/token".into(), "token.json"),
    ];
    for user in ["ana", "ben", "cai"] {
        let who = if user == "ana" { "ana" } else { "empty" };
        for what in ["forwardingAddresses", "autoForwarding", "filters"] {
            routes.push((
                format!("/gmail/v1/users/{user}%40acme.test/settings/{what}"),
                Box::leak(format!("gmail.{who}.{what}.json").into_boxed_str()),
            ));
        }
    }
    for (target, file) in routes {
        server.route(&target, vec![Reply::json(read(file))]);
    }
    for (target, replies) in overrides {
        server.route(target, replies.clone());
    }
    server
}

fn policy() -> Policy {
    common::httpmock::fast_policy()
}

fn options(server: &MockServer, mail: bool) -> Options {
    Options {
        customer: "my_customer".into(),
        api_url: server.base.clone(),
        gmail_api_url: server.base.clone(),
        mail_settings: mail,
        since: Some(Timestamp::parse(SINCE).unwrap()),
    }
}

fn key_file(server: &MockServer) -> String {
    std::fs::read_to_string(format!("{DIR}/service-account.fake.json"))
        .unwrap()
        .replace("{{BASE}}", &server.base)
}

async fn fetch_with(
    server: &MockServer,
    cred: Credential,
    mail: bool,
) -> Result<(GoogleRaw, Vec<String>), FetchError> {
    let o = options(server, mail);
    let client = google::client(&cred, &o, &policy()).await?;
    google::fetch(
        &client,
        &cred,
        &o,
        &policy(),
        &Progress::new("google", true),
    )
    .await
}

/// Compares with a golden document of this platform's fixtures.
fn golden(name: &str, doc: &Document) {
    common::golden::golden_document(DIR, name, doc)
}

#[tokio::test]
async fn an_access_token_pages_throttles_and_matches_the_golden() {
    let server = tenant(&[
        (
            &users_2(),
            vec![
                Reply::status(429, read("rate-limited.json")).header("retry-after", "0"),
                Reply::json(read("users.2.json")),
            ],
        ),
        (
            GROUPS,
            vec![
                Reply::status(403, read("rate-limited.json")),
                Reply::json(read("groups.json")),
            ],
        ),
        (
            ROLES,
            vec![
                Reply::status(
                    500,
                    "{\"error\":{\"code\":500,\"message\":\"Backend Error\"}}",
                ),
                Reply::json(read("roles.json")),
            ],
        ),
    ]);
    let (raw, problems) = fetch_with(&server, Credential::Token(TOKEN.into()), true)
        .await
        .expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(server.hits(&users_2()), 2);
    assert_eq!(server.hits(GROUPS), 2, "a 403 rateLimitExceeded is retried");
    assert_eq!(server.hits(ROLES), 2);
    assert_eq!(raw.users.len(), 5, "three pages");
    assert!(server
        .seen()
        .iter()
        .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    assert_eq!(server.hits("/token"), 0);

    let doc = document(google::transform(&raw));
    assert!(doc.sources[0].complete, "{:?}", doc.sources[0].reason);
    heir::model::load::check("google.golden.json", doc.clone()).expect("a valid document");
    assert!(!serde_json::to_string(&doc).unwrap().contains(TOKEN));
    golden("google.golden.json", &doc);
    let r = doc.sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (25, 19), "{r:?}");
    for (reason, n) in [
        ("missing id", 1),
        ("missing clientId", 1),
        ("external member", 1),
        ("event not modelled", 1),
        ("not a successful sign-in", 1),
    ] {
        assert_eq!(r.skipped[reason], n, "{reason}: {r:?}");
    }
    let mail = r
        .skipped
        .keys()
        .find(|k| k.contains("domain-wide delegation"))
        .expect("mail settings skipped");
    assert_eq!(r.examples[mail], vec!["Gmail settings (--mail-settings)"]);

    let user = |id: &str| format!("google:user:{id}");
    let idp = "google:idp:C01fake23";
    assert_eq!(edge_kind(&doc, &user(ANA), idp), EdgeKind::AdminOf);
    assert_eq!(
        edge_kind(&doc, &user(BEN), "google:role:91447453409034242"),
        EdgeKind::MemberOf
    );
    assert_eq!(
        edge_kind(&doc, "google:group:03fake0eng", "google:group:03fake0all"),
        EdgeKind::MemberOf
    );
    let node = |id: &str| {
        doc.nodes
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    assert_eq!(node(&user(DEE)).enabled, Some(false));
    assert_eq!(
        node(&user(ANA)).aliases,
        vec!["google:user:ana@acme.test", "google:user:ana.ng@acme.test"]
    );
    assert_eq!(node(&user(CAI)).tags, vec!["no-2sv"]);
    let grant =
        format!("google:oauth_grant:{ANA}/123456789012-expensefake.apps.googleusercontent.com");
    assert_eq!(
        edge_kind(&doc, &grant, "google:resource:drive"),
        EdgeKind::CanAccess
    );
    assert_eq!(
        edge_kind(
            &doc,
            "google:app:123456789012-expensefake.apps.googleusercontent.com",
            &grant
        ),
        EdgeKind::Holds
    );
    assert_eq!(
        node(&grant).props["authorized_at"],
        "2025-03-10T08:13:01.512Z"
    );
    let mail_grant =
        format!("google:oauth_grant:{CAI}/987654321098-mailclientfake.apps.googleusercontent.com");
    assert_eq!(
        edge_kind(&doc, &mail_grant, "google:resource:mailbox/cai@acme.test"),
        EdgeKind::CanAccess
    );
    assert_eq!(
        node("google:app:987654321098-mailclientfake.apps.googleusercontent.com").props
            ["nativeApp"],
        true
    );
    let revoked = node(&format!(
        "google:oauth_grant:{CAI}/555555555555-oldfake.apps.googleusercontent.com"
    ));
    assert_eq!(revoked.enabled, Some(false));
    assert_eq!(
        edge_kind(&doc, &format!("google:token:asp/{CAI}/1842"), &user(CAI)),
        EdgeKind::AuthenticatesAs
    );
    assert_eq!(
        edge_kind(
            &doc,
            "google:session:login--1111111111111111111",
            &user(ANA)
        ),
        EdgeKind::AuthenticatesAs
    );
}

#[tokio::test]
async fn domain_wide_delegation_mints_tokens_and_reads_mail_settings() {
    let server = tenant(&[]);
    let key = ServiceAccountKey::parse(&key_file(&server)).expect("the fake key parses");
    let cred = Credential::ServiceAccount {
        key,
        subject: "ana@acme.test".into(),
    };
    let (raw, problems) = fetch_with(&server, cred, true)
        .await
        .expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    // One token for the admin, one per active mailbox (dee is suspended).
    assert_eq!(server.hits("/token"), 4);
    assert!(server
        .seen()
        .iter()
        .filter(|s| s.target.starts_with("/admin/"))
        .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {MINTED}"))));
    assert_eq!(raw.mail.len(), 3);
    let doc = document(google::transform(&raw));
    assert!(doc.sources[0].complete, "{:?}", doc.sources[0].reason);
    heir::model::load::check("google-dwd.golden.json", doc.clone()).expect("a valid document");
    golden("google-dwd.golden.json", &doc);
    let r = doc.sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (30, 24), "{r:?}");
    let mb = doc
        .nodes
        .iter()
        .find(|n| n.id == "google:resource:mailbox/ana@acme.test")
        .unwrap();
    assert_eq!(
        mb.props["external_forwarding"],
        serde_json::json!(["ana.personal@mail.example"])
    );
    assert_eq!(mb.props["filters"][0]["hides_mail"], true);
    assert_eq!(
        mb.props["filters"].as_array().unwrap().len(),
        1,
        "a plain label filter is not kept"
    );
}

#[tokio::test]
async fn a_malformed_page_is_a_problem_and_a_401_names_the_variable() {
    let server = tenant(&[(GROUPS, vec![Reply::json("{\"groups\": [")])]);
    let (raw, problems) = fetch_with(&server, Credential::Token(TOKEN.into()), false)
        .await
        .expect("no fatal error");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("/admin/directory/v1/groups") && problems[0].contains("not the JSON")
    );
    assert_eq!(raw.users.len(), 5, "the rest is kept");

    let server = tenant(&[(
        USERS_1,
        vec![Reply::status(401, read("unauthenticated.json"))],
    )]);
    let err = fetch_with(&server, Credential::Token(TOKEN.into()), false)
        .await
        .expect_err("401 is fatal");
    let text = err.to_string();
    assert!(
        text.contains("GOOGLE_ACCESS_TOKEN") && !text.contains(TOKEN),
        "{text}"
    );

    // A key the token endpoint refuses names the key file's variable.
    let server = tenant(&[(
        "/token",
        vec![Reply::status(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
        )],
    )]);
    let key = ServiceAccountKey::parse(&key_file(&server)).unwrap();
    let cred = Credential::ServiceAccount {
        key,
        subject: "ana@acme.test".into(),
    };
    let err = fetch_with(&server, cred, false)
        .await
        .expect_err("a refused assertion is fatal");
    assert!(
        err.to_string().contains("GOOGLE_APPLICATION_CREDENTIALS"),
        "{err}"
    );
}

#[test]
fn the_jwt_is_rs256_signed_with_the_key_and_says_who_and_what() {
    use base64::Engine as _;
    let text = std::fs::read_to_string(format!("{DIR}/service-account.fake.json")).unwrap();
    let key = ServiceAccountKey::parse(&text).unwrap();
    assert!(
        !format!("{key:?}").contains("PRIVATE"),
        "Debug hides the key"
    );
    let now = Timestamp::parse("2025-03-11T00:00:00Z").unwrap();
    let jwt = key.assertion("ana@acme.test", &["a", "b"], now).unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let dec = |p: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .unwrap()
    };
    let header: serde_json::Value = serde_json::from_slice(&dec(parts[0])).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&dec(parts[1])).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], "0000fake0000keyid");
    assert_eq!(
        claims["iss"],
        "heir-collector@heir-fake-test.iam.gserviceaccount.com"
    );
    assert_eq!(claims["sub"], "ana@acme.test");
    assert_eq!(claims["scope"], "a b");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    // The signature verifies with the key's public half.
    let pem = serde_json::from_str::<serde_json::Value>(&text).unwrap()["private_key"]
        .as_str()
        .unwrap()
        .to_string();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        ring::signature::KeyPair::public_key(&pair)
            .as_ref()
            .to_vec(),
    );
    public
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &dec(parts[2]),
        )
        .expect("a valid RS256 signature");
    // Broken key files say what is wrong without echoing the key.
    for (input, expected) in [
        ("not json", "not a JSON"),
        ("{\"type\":\"service_account\"}", "client_email"),
        ("{\"client_email\":\"x\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nQUJD\\n-----END PRIVATE KEY-----\"}", "PKCS#8"),
    ] {
        let e = ServiceAccountKey::parse(input).unwrap_err();
        assert!(e.contains(expected), "{input}: {e}");
    }
}

fn heir(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heir"));
    cmd.args(args)
        .env_remove("GOOGLE_ACCESS_TOKEN")
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_command_writes_the_document_and_never_a_credential() {
    let server = tenant(&[]);
    let dir = std::env::temp_dir().join(format!("heir-google-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("google.json");
    let o = out_file.to_str().unwrap();
    let base = server.base.as_str();
    let out = heir(
        &[
            "collect",
            "google",
            "--api-url",
            base,
            "--gmail-api-url",
            base,
            "--since",
            SINCE,
            "-o",
            o,
        ],
        &[("GOOGLE_ACCESS_TOKEN", TOKEN)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("google: read 24 · used 19 · skipped 5"),
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

    // The key file with delegation: the key and the minted token appear nowhere.
    let key_path = dir.join("key.json");
    std::fs::write(&key_path, key_file(&server)).unwrap();
    let out = heir(
        &[
            "collect",
            "google",
            "--api-url",
            base,
            "--gmail-api-url",
            base,
            "--subject",
            "ana@acme.test",
            "--mail-settings",
            "-o",
            o,
        ],
        &[("GOOGLE_APPLICATION_CREDENTIALS", key_path.to_str().unwrap())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(&out_file).unwrap();
    for t in [
        &String::from_utf8_lossy(&out.stdout).to_string(),
        &stderr,
        &text,
    ] {
        assert!(
            !t.contains(MINTED) && !t.contains("PRIVATE KEY") && !t.contains("0000fake0000keyid")
        );
    }
    // A key file without --subject is a usage error; no credential at all names both variables.
    let out = heir(
        &["collect", "google", "--api-url", base, "-o", o],
        &[("GOOGLE_APPLICATION_CREDENTIALS", key_path.to_str().unwrap())],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--subject"));
    let out = heir(&["collect", "google", "--api-url", base, "-o", o], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("GOOGLE_ACCESS_TOKEN") && err.contains("GOOGLE_APPLICATION_CREDENTIALS"),
        "{err}"
    );

    // A 401: exit 1, nothing written.
    let bad = tenant(&[(
        USERS_1,
        vec![Reply::status(401, read("unauthenticated.json"))],
    )]);
    let never = dir.join("never.json");
    let out = heir(
        &[
            "collect",
            "google",
            "--api-url",
            &bad.base,
            "-o",
            never.to_str().unwrap(),
            "--quiet",
        ],
        &[("GOOGLE_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!never.exists());
    // A malformed page: written, incomplete, exit 4.
    let broken = tenant(&[(ROLES, vec![Reply::json("[not json")])]);
    let partial = dir.join("partial.json");
    let out = heir(
        &[
            "collect",
            "google",
            "--api-url",
            &broken.base,
            "-o",
            partial.to_str().unwrap(),
            "--quiet",
        ],
        &[("GOOGLE_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn users_refused_stops_naming_the_scope() {
    let server = tenant(&[(USERS_1, vec![Reply::status(403, read("forbidden.json"))])]);
    let err = fetch_with(&server, Credential::Token(TOKEN.into()), false)
        .await
        .expect_err("nothing to collect without users");
    let text = err.to_string();
    assert!(
        text.contains("GOOGLE_ACCESS_TOKEN") && text.contains("admin.directory.user.readonly"),
        "{text}"
    );
    assert_eq!(server.seen().len(), 1);
}
