//! The GitHub collector against a scripted organization (`tests/fixtures/github/`, shaped after
//! GitHub's documented responses; see its SOURCES.md): three pages of members, GitHub's secondary
//! and primary rate limits, a 5xx, a malformed page, a 401, endpoints the token may not use, the
//! transform's golden document (regenerate with `UPDATE_GOLDEN=1`) and its exact accounting, and
//! the command line with a planted token that must appear nowhere.

mod common;
use common::golden::document;

use std::process::Command;

use common::github_org::{org, DIR, ORG};
use common::httpmock::{MockServer, Reply};
use heir::collect::github::{self, GithubRaw};
use heir::collect::http::{FetchError, Policy};
use heir::collect::Progress;
use heir::model::{Document, EdgeKind, NodeKind, TokenType};

/// Not a real token; the tests check it never shows up anywhere.
const TOKEN: &str = "ghp_FAKEgithubTESTtoken000000000000never";

fn policy() -> Policy {
    common::httpmock::fast_policy()
}

async fn fetch_from(server: &MockServer) -> Result<(GithubRaw, Vec<String>), FetchError> {
    let client = github::client(&server.base, TOKEN.into(), policy()).unwrap();
    github::fetch(&client, ORG, &Progress::new("github", true)).await
}

/// Compares with a golden document of this platform's fixtures.
fn golden(name: &str, doc: &Document) {
    common::golden::golden_document(DIR, name, doc)
}

/// No secret, partial secret or value heir must not keep.
fn assert_nothing_secret(what: &str, text: &str) {
    for needle in [
        TOKEN,
        "71c3fc11",             // token_last_eight of a classic PAT
        "FAKEQUERYTOKEN",       // a token in a webhook URL's query
        "AAAAC3NzaC1lZDI1NTE5", // a deploy key's public key text
        "eu-west-1",            // an Actions variable's value
        "FAKE-org-variable-value",
        "FAKE-env-variable-value",
        "********", // a webhook secret, even masked
    ] {
        assert!(!text.contains(needle), "{what} contains `{needle}`");
    }
}

#[tokio::test]
async fn live_fetch_pages_throttles_and_matches_the_golden_transform() {
    let secondary = Reply::status(
        403,
        r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"}"#,
    )
    .header("retry-after", "0");
    let primary = Reply::status(
        403,
        r#"{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}"#,
    )
    .header("x-ratelimit-remaining", "0")
    .header("x-ratelimit-reset", "1000");
    let server = org(&[]);
    let b = server.base.clone();
    let page2 = common::github_org::page(
        "members.2.json",
        &b,
        Some("/orgs/acme-fake/members?per_page=100&page=3"),
    );
    server.route(
        "/orgs/acme-fake/members?per_page=100&page=2",
        vec![secondary, page2],
    );
    server.route(
        "/orgs/acme-fake/teams?per_page=100",
        vec![
            primary,
            Reply::status(502, "<html>Bad gateway</html>"),
            common::github_org::page("teams.json", &b, None),
        ],
    );
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        server.hits("/orgs/acme-fake/members?per_page=100&page=2"),
        2
    );
    assert_eq!(
        server.hits("/orgs/acme-fake/members?per_page=100&page=3"),
        1
    );
    assert_eq!(server.hits("/orgs/acme-fake/teams?per_page=100"), 3);
    assert_eq!(raw.members.len(), 6, "three pages");
    // Every request carried the token as a bearer and GitHub's media type.
    assert!(server
        .seen()
        .iter()
        .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    // The web repository's secrets refused, and the repositories of an installation of another
    // GitHub App than the token's: skipped with a reason, not a failure.
    let refused: Vec<&str> = raw
        .unavailable
        .iter()
        .map(|u| u.endpoint.as_str())
        .collect();
    assert_eq!(
        refused,
        vec![
            "GET /repos/acme-fake/web/actions/secrets",
            "GET /user/installations/7002/repositories"
        ]
    );

    let doc = document(github::transform(&raw));
    assert!(doc.sources[0].complete, "{:?}", doc.sources[0].reason);
    heir::model::load::check("github.golden.json", doc.clone()).expect("a valid document");
    assert_nothing_secret("the github document", &serde_json::to_string(&doc).unwrap());
    golden("github.golden.json", &doc);

    // Exact accounting on the fixtures.
    let r = doc.sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (53, 47), "{r:?}");
    assert_eq!(
        r.examples["repository not listed"],
        vec!["acme-fake/retired-fake"]
    );
    assert_eq!(r.skipped["missing id"], 1);
    assert_eq!(r.skipped["credential of a login not collected"], 1);
    assert_eq!(
        r.skipped
            ["not available (needs repository admin, or the Secrets / Variables read permission)"],
        1
    );
    assert_eq!(
        r.examples["credential of a login not collected"],
        vec!["161197 (left-the-org-fake)"]
    );
    assert_eq!(
        r.examples["identity not linked to a collected account"],
        vec!["gone@acme.test"]
    );

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
    // Owners administer the org; members reach it.
    assert_eq!(
        edge("github:user:583231", "github:app:acme-fake").kind,
        EdgeKind::AdminOf
    );
    assert_eq!(
        edge("github:user:583232", "github:app:acme-fake").kind,
        EdgeKind::CanAccess
    );
    assert_eq!(node("github:user:583231").name.as_deref(), Some("ana-fake"));
    // Team nesting and access.
    assert_eq!(
        edge("github:group:42", "github:group:41").kind,
        EdgeKind::MemberOf
    );
    let e = edge("github:group:41", "github:resource:acme-fake/api");
    assert_eq!(
        (e.kind, e.props["level"].as_str()),
        (EdgeKind::CanAccess, Some("write"))
    );
    // Write access can run workflows: the OIDC join.
    assert_eq!(
        edge("github:user:790001", "github:workload:acme-fake/api").kind,
        EdgeKind::CanAssume
    );
    assert_eq!(
        edge("github:user:583231", "github:resource:acme-fake/api").kind,
        EdgeKind::AdminOf
    );
    // Deploy keys: read-only vs write.
    let key = node("github:token:acme-fake/api/keys/501");
    assert_eq!(key.token_type, Some(TokenType::PrivateKey));
    assert_eq!(
        edge(
            "github:token:acme-fake/api/keys/502",
            "github:resource:acme-fake/api"
        )
        .props["level"],
        "read"
    );
    // Secrets are held by the repo's workload, by name.
    assert_eq!(
        edge(
            "github:workload:acme-fake/api",
            "github:token:acme-fake/api/secrets/NPM_TOKEN"
        )
        .kind,
        EdgeKind::Holds
    );
    // Organization secrets by visibility: `all` → every repo's workload, `private` → the
    // private repo's only, `selected` → the listed repos (web; a repo not collected is skipped).
    let holders = |secret: &str| -> Vec<&str> {
        let mut v: Vec<&str> = doc
            .edges
            .iter()
            .filter(|e| e.to == secret && e.kind == EdgeKind::Holds)
            .map(|e| e.from.as_str())
            .collect();
        v.sort();
        v
    };
    let (api_ci, web_ci) = (
        "github:workload:acme-fake/api",
        "github:workload:acme-fake/web",
    );
    assert_eq!(
        holders("github:token:acme-fake/secrets/ORG_SLACK_WEBHOOK"),
        vec![api_ci, web_ci]
    );
    assert_eq!(
        holders("github:token:acme-fake/secrets/NPM_PUBLISH_TOKEN"),
        vec![api_ci]
    );
    assert_eq!(
        holders("github:token:acme-fake/secrets/PROD_DEPLOY_KEY"),
        vec![web_ci]
    );
    let org_secret = node("github:token:acme-fake/secrets/PROD_DEPLOY_KEY");
    assert_eq!(org_secret.props["visibility"], "selected");
    assert_eq!(org_secret.token_type, Some(TokenType::Other));
    // An environment secret: held by the repo's workload, the environment's gates kept.
    let env_secret =
        "github:token:acme-fake/api/environments/production/secrets/AWS_SECRET_ACCESS_KEY";
    assert_eq!(holders(env_secret), vec![api_ci]);
    assert_eq!(
        edge(api_ci, env_secret).props["environment_protection"],
        serde_json::json!(["wait_timer", "required_reviewers", "branch_policy"])
    );
    // Variables by name only, on the workloads that see them.
    let api = node(api_ci);
    assert_eq!(
        api.props["organization_variables"],
        serde_json::json!(["ORG_REGION", "RELEASE_CHANNEL"])
    );
    assert_eq!(
        node(web_ci).props["organization_variables"],
        serde_json::json!(["ORG_REGION"])
    );
    assert_eq!(
        api.props["environment_variables"],
        serde_json::json!({"production": ["DEPLOY_URL"]})
    );
    assert_eq!(
        api.props["environments"],
        serde_json::json!(["production", "staging"])
    );
    // A selected installation: its repositories when the token can list them (7003 reaches web
    // and, with `workflows: write`, runs as its CI), its reach said to be unknown when not (7002).
    assert_eq!(
        edge(
            "github:service_account:installation/7003",
            "github:resource:acme-fake/web"
        )
        .props["level"],
        "write"
    );
    assert_eq!(
        edge("github:service_account:installation/7003", web_ci).kind,
        EdgeKind::CanAssume
    );
    assert!(!doc
        .edges
        .iter()
        .any(|e| e.from == "github:service_account:installation/7003"
            && e.to == "github:resource:acme-fake/api"));
    let unknown = node("github:service_account:installation/7002").props["repositories_unknown"]
        .as_str()
        .unwrap();
    assert!(
        unknown.contains("GET /user/installations/7002/repositories"),
        "{unknown}"
    );
    let limits = doc.sources[0].reason.as_deref().unwrap_or_default();
    assert!(
        limits.contains("installation 7002 (old-triage-fake)")
            && limits.contains("absent from this graph"),
        "{limits}"
    );
    // Installations, PATs and SAML credential authorizations.
    let inst = node("github:service_account:installation/7001");
    assert_eq!(inst.kind, NodeKind::ServiceAccount);
    assert_eq!(
        node("github:service_account:installation/7002").enabled,
        Some(false)
    );
    assert_eq!(
        edge("github:token:pat/25381", "github:user:583231").kind,
        EdgeKind::AuthenticatesAs
    );
    assert_eq!(node("github:token:pat/25382").enabled, Some(false));
    assert_eq!(
        node("github:token:credential/161196").token_type,
        Some(TokenType::PrivateKey)
    );
    // The SAML nameId the IdP signs Ana in with (two GraphQL pages).
    assert_eq!(
        node("github:user:583231").props["saml_name_id"],
        "ana@acme.test"
    );
    assert_eq!(
        node("github:user:583233").props["saml_name_id"],
        "cai@acme.test"
    );
    // What an IdP may call her: the login and the SAML nameId, for `heir merge` to rewrite.
    assert_eq!(
        node("github:user:583231").aliases,
        vec!["github:user:ana-fake", "github:user:ana@acme.test"]
    );
    // Webhooks name the receiving host only.
    let hooks = &node("github:resource:acme-fake/api").props["webhooks"];
    assert_eq!(hooks[0]["host"], "ci.example.net");
}

#[tokio::test]
async fn a_malformed_page_and_a_dead_endpoint_are_problems_the_rest_is_kept() {
    let server = org(&[
        (
            "/orgs/acme-fake/repos?type=all&per_page=100",
            vec![Reply::json("[{\"id\": 1296269, \"full_name\": ")],
        ),
        (
            "/orgs/acme-fake/outside_collaborators?per_page=100",
            vec![Reply::status(500, "{\"message\":\"Server Error\"}")],
        ),
    ]);
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems
        .iter()
        .any(|p| p.contains("/orgs/acme-fake/repos") && p.contains("not the JSON")));
    assert!(problems
        .iter()
        .any(|p| p.contains("outside_collaborators") && p.contains("3 attempts")));
    assert_eq!(
        server.hits("/orgs/acme-fake/outside_collaborators?per_page=100"),
        3
    );
    assert_eq!(raw.members.len(), 6);
    let mut c = github::transform(&raw);
    c.problems.extend(problems);
    let doc = document(c);
    assert!(!doc.sources[0].complete);
}

#[tokio::test]
async fn a_rejected_token_stops_at_once_and_names_the_variable() {
    let server = org(&[(
        "/orgs/acme-fake",
        vec![Reply::status(
            401,
            r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#,
        )],
    )]);
    let err = fetch_from(&server).await.expect_err("401 is fatal");
    let text = err.to_string();
    assert!(
        text.contains("GITHUB_TOKEN") && !text.contains(TOKEN),
        "{text}"
    );
    assert_eq!(server.seen().len(), 1, "nothing else was asked");
}

#[tokio::test]
async fn a_token_without_app_or_enterprise_rights_skips_with_reasons() {
    let refused = Reply::status(
        403,
        r#"{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest/orgs/personal-access-tokens","status":"403"}"#,
    );
    let server = org(&[
        (
            "/orgs/acme-fake/personal-access-tokens?per_page=100",
            vec![refused],
        ),
        (
            "/orgs/acme-fake/credential-authorizations?per_page=100",
            vec![Reply::status(
                404,
                r#"{"message":"Not Found","status":"404"}"#,
            )],
        ),
        (
            "/graphql",
            vec![Reply::json(common::github_org::read(
                "graphql.no-saml.json",
            ))],
        ),
    ]);
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    let doc = document(github::transform(&raw));
    assert!(doc.sources[0].complete);
    let r = doc.sources[0].records.clone().unwrap();
    let pats = r
        .skipped
        .keys()
        .find(|k| k.contains("GitHub App token"))
        .expect("the PAT endpoint's reason");
    assert_eq!(
        r.examples[pats],
        vec!["GET /orgs/acme-fake/personal-access-tokens"]
    );
    assert!(r.skipped.keys().any(|k| k.contains("Enterprise Cloud")));
    assert!(r
        .skipped
        .contains_key("not available (the organization has no SAML SSO)"));
    assert_eq!(
        server.hits("/orgs/acme-fake/personal-access-tokens/25381/repositories?per_page=100"),
        0
    );
}

/// `heir collect github --org ORG --api-url BASE -o OUT [--quiet]`, with `GITHUB_TOKEN` set to
/// `token` or unset.
fn collect_github(
    base: &str,
    out: &std::path::Path,
    quiet: bool,
    token: Option<&str>,
) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heir"));
    cmd.args(["collect", "github", "--org", ORG, "--api-url", base, "-o"])
        .arg(out)
        .args(quiet.then_some("--quiet"))
        .env_remove("GITHUB_TOKEN");
    if let Some(t) = token {
        cmd.env("GITHUB_TOKEN", t);
    }
    cmd.output().unwrap()
}

#[test]
fn the_command_writes_the_document_and_never_the_token() {
    let server = org(&[]);
    let dir = std::env::temp_dir().join(format!("heir-github-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("github.json");
    let out = collect_github(&server.base, &out_file, false, Some(TOKEN));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("github: read 53 · used 47 · skipped 6"),
        "{stderr}"
    );
    // What the complete collection does not cover is said on stderr too, not only in the file.
    assert!(
        stderr.contains("github: note: GitHub App installation 7002 (old-triage-fake)"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    for (what, t) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("document", &text),
    ] {
        assert_nothing_secret(what, t);
    }

    // A rejected token: exit 1, the variable named, nothing written.
    let bad = org(&[(
        "/orgs/acme-fake",
        vec![Reply::status(401, r#"{"message":"Bad credentials"}"#)],
    )]);
    let never = dir.join("never.json");
    let out = collect_github(&bad.base, &never, true, Some(TOKEN));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("GITHUB_TOKEN") && !err.contains(TOKEN),
        "{err}"
    );
    assert!(!never.exists());
    // A token without read:org: exit 1, the variable and the missing scope named.
    let refused = org(&[(
        "/orgs/acme-fake",
        vec![Reply::status(
            403,
            r#"{"message":"Must have admin rights to Organization.","status":"403"}"#,
        )],
    )]);
    let out = collect_github(&refused.base, &never, true, Some(TOKEN));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("GITHUB_TOKEN") && err.contains("read:org") && !err.contains(TOKEN),
        "{err}"
    );
    assert!(!never.exists());
    // No token at all.
    let out = collect_github(&bad.base, &never, false, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITHUB_TOKEN is not set"));

    // A malformed page: written, incomplete, exit 4.
    let broken = org(&[(
        "/orgs/acme-fake/teams?per_page=100",
        vec![Reply::json("{not json")],
    )]);
    let partial = dir.join("partial.json");
    let out = collect_github(&broken.base, &partial, true, Some(TOKEN));
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&partial).unwrap()).unwrap();
    assert_eq!(v["sources"][0]["complete"], false);
    assert!(v["sources"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("/orgs/acme-fake/teams"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn graphql_refusals_are_skipped_with_graphqls_reason() {
    assert_eq!(
        github::graphql_url("https://api.github.com"),
        "https://api.github.com/graphql"
    );
    assert_eq!(
        github::graphql_url("https://ghe.example.com/api/v3/"),
        "https://ghe.example.com/api/graphql"
    );
    let server = org(&[(
        "/graphql",
        vec![Reply::json(
            r#"{"data":{"organization":null},"errors":[{"type":"FORBIDDEN","path":["organization","samlIdentityProvider"],"message":"Resource not accessible by integration"}]}"#,
        )],
    )]);
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(raw.external_identities.is_empty());
    let u = raw
        .unavailable
        .iter()
        .find(|u| u.endpoint.starts_with("POST /graphql"))
        .unwrap();
    assert!(
        u.reason
            .starts_with("not available (GraphQL refused: FORBIDDEN;"),
        "{}",
        u.reason
    );
}

#[tokio::test]
async fn a_refused_organization_stops_naming_the_variable_and_scope() {
    for reply in [
        Reply::status(
            403,
            r#"{"message":"Must have admin rights to Organization.","status":"403"}"#,
        ),
        Reply::status(404, r#"{"message":"Not Found","status":"404"}"#),
    ] {
        let server = org(&[("/orgs/acme-fake", vec![reply])]);
        let err = fetch_from(&server)
            .await
            .expect_err("nothing to collect without the org");
        let text = err.to_string();
        assert!(
            text.contains("GITHUB_TOKEN") && text.contains("read:org"),
            "{text}"
        );
        assert!(!text.contains(TOKEN));
        assert_eq!(server.seen().len(), 1);
    }
    let server = org(&[(
        "/orgs/acme-fake/members?per_page=100",
        vec![Reply::status(
            403,
            r#"{"message":"Resource not accessible by integration"}"#,
        )],
    )]);
    let err = fetch_from(&server)
        .await
        .expect_err("nothing to collect without members");
    assert!(err.to_string().contains("read:org"), "{err}");
}

#[tokio::test]
async fn org_secrets_refused_or_of_unreadable_repositories_are_said_not_guessed() {
    // A token without admin:org: the org's secrets and variables are skipped with the reason.
    let refused = || {
        vec![Reply::status(
            403,
            r#"{"message":"Must have admin rights to Organization.","status":"403"}"#,
        )]
    };
    let server = org(&[
        ("/orgs/acme-fake/actions/secrets?per_page=100", refused()),
        ("/orgs/acme-fake/actions/variables?per_page=30", refused()),
    ]);
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(raw.org_secrets.is_empty() && raw.org_variables.is_empty());
    let doc = document(github::transform(&raw));
    assert!(doc.sources[0].complete);
    let r = doc.sources[0].records.clone().unwrap();
    let reason =
        "not available (needs admin:org, or the organization Secrets / Variables read permission)";
    assert_eq!(r.skipped[reason], 2, "{r:?}");
    assert_eq!(
        server.hits("/orgs/acme-fake/actions/secrets/PROD_DEPLOY_KEY/repositories?per_page=100"),
        0
    );

    // The secrets listed but a selected secret's repositories gone (404): no workload is said
    // to hold it, and the source's limits say why.
    let server = org(&[(
        "/orgs/acme-fake/actions/secrets/PROD_DEPLOY_KEY/repositories?per_page=100",
        vec![Reply::status(
            404,
            r#"{"message":"Not Found","status":"404"}"#,
        )],
    )]);
    let (raw, problems) = fetch_from(&server).await.expect("no fatal error");
    assert!(problems.is_empty(), "{problems:?}");
    let doc = document(github::transform(&raw));
    let id = "github:token:acme-fake/secrets/PROD_DEPLOY_KEY";
    assert!(!doc.edges.iter().any(|e| e.to == id));
    let n = doc.nodes.iter().find(|n| n.id == id).unwrap();
    assert!(n.props["repositories_unknown"]
        .as_str()
        .unwrap()
        .contains("could not be read"));
    assert!(doc.sources[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("organization secret PROD_DEPLOY_KEY"));
}
