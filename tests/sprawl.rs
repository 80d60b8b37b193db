//! `heir sprawl`: every rule on a graph built for it (and silent on a clean one), the ranking
//! against `heir blast` on random graphs, SARIF structure, and the demo organisation's report as a
//! golden file (`docs/acme-sprawl-review.md`; `UPDATE_DOCS=1` rewrites it).

use heir::analysis::blast::{blast, BlastQuery};
use heir::analysis::sprawl::{sprawl, worst, Severity, SprawlOptions, SprawlReport, RULES};
use heir::model::{
    load, Attacker, Document, Edge, EdgeKind, Node, NodeKind, Timestamp, TrustGraph,
};
use serde_json::{json, Value};

const AT: &str = "2026-11-20T10:00:00Z";

fn at() -> Timestamp {
    Timestamp::parse(AT).unwrap()
}

/// A checked graph from a JSON document (the loader validates it like `heir sprawl` would).
fn graph(nodes: Value, edges: Value) -> TrustGraph {
    let doc = json!({"version": 1, "nodes": nodes, "edges": edges});
    let (doc, _) = load::load_str("test.json", &doc.to_string(), load::Syntax::Json)
        .unwrap_or_else(|e| panic!("{e:?}"));
    TrustGraph::new(doc)
}

fn opts() -> SprawlOptions {
    SprawlOptions {
        at: at(),
        ..SprawlOptions::default()
    }
}

fn run(g: &TrustGraph) -> SprawlReport {
    sprawl(g, &opts())
}

/// (target, owasp, severity) of the findings of one rule, by target.
fn hits(r: &SprawlReport, rule: &str) -> Vec<(String, String, Severity)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.target.clone(), f.owasp.clone(), f.severity))
        .collect();
    v.sort();
    v
}

fn targets(r: &SprawlReport, rule: &str) -> Vec<String> {
    hits(r, rule).into_iter().map(|h| h.0).collect()
}

fn days_ago(d: i64) -> String {
    Timestamp::from_millis(at().as_millis() - d * 86_400_000).to_string()
}

fn in_hours(h: i64) -> String {
    Timestamp::from_millis(at().as_millis() + h * 3_600_000).to_string()
}

fn load_example(name: &str) -> TrustGraph {
    let (doc, _) = load::load_path(&format!("examples/{name}.json")).unwrap();
    TrustGraph::new(doc)
}

// ------------------------------------------------------------------------------------------------
// A clean graph: every rule stays silent.

#[test]
fn clean_graph_has_no_findings() {
    let g = graph(
        json!([
            {"id": "acme:user:alice", "kind": "user", "person": "alice"},
            {"id": "acme:session:a1", "kind": "session", "mfa": true,
             "issued_at": days_ago(0), "expires_at": in_hours(8), "revocation": "central",
             "last_used_at": days_ago(0)},
            {"id": "acme:service_account:etl", "kind": "service_account", "tags": ["env:prod"]},
            {"id": "acme:token:etl-1", "kind": "token", "token_type": "access",
             "issued_at": days_ago(0), "expires_at": in_hours(1), "revocation": "central",
             "last_used_at": days_ago(0)},
            {"id": "acme:workload:etl-pod", "kind": "workload", "tags": ["env:prod"]},
            {"id": "acme:resource:warehouse", "kind": "resource", "criticality": 9,
             "tags": ["env:prod"]}
        ]),
        json!([
            {"from": "acme:session:a1", "to": "acme:user:alice", "kind": "authenticates_as"},
            {"from": "acme:user:alice", "to": "acme:service_account:etl", "kind": "owns"},
            {"from": "acme:token:etl-1", "to": "acme:service_account:etl", "kind": "authenticates_as"},
            {"from": "acme:workload:etl-pod", "to": "acme:token:etl-1", "kind": "holds"},
            {"from": "acme:service_account:etl", "to": "acme:resource:warehouse", "kind": "can_access",
             "props": {"level": "read", "scopes": ["warehouse.read"]}}
        ]),
    );
    let r = run(&g);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(worst(&r), None);
    // Both credentials are ranked; the workload token reaches the warehouse for an hour.
    assert_eq!(r.ranking.len(), 2);
    assert_eq!(r.credentials, 2);
}

// ------------------------------------------------------------------------------------------------
// NHI1

#[test]
fn orphaned_nhi() {
    let g = graph(
        json!([
            {"id": "okta:user:bob", "kind": "user", "person": "bob", "enabled": false},
            {"id": "aws:user:bob", "kind": "user", "person": "bob"},
            {"id": "aws:user:carol", "kind": "user", "person": "carol"},
            {"id": "okta:user:carol", "kind": "user", "person": "carol"},
            {"id": "aws:service_account:orphan", "kind": "service_account"},
            {"id": "aws:service_account:left", "kind": "service_account"},
            {"id": "aws:service_account:bob-owned", "kind": "service_account"},
            {"id": "aws:service_account:owned", "kind": "service_account"},
            {"id": "aws:service_account:retired", "kind": "service_account", "enabled": false},
            {"id": "ci:workload:runner", "kind": "workload"},
            {"id": "okta:user:dave", "kind": "user", "enabled": false},
            {"id": "aws:resource:bucket", "kind": "resource", "criticality": 9}
        ]),
        json!([
            {"from": "okta:user:bob", "to": "aws:user:bob", "kind": "sso"},
            {"from": "okta:user:carol", "to": "aws:user:carol", "kind": "sso"},
            {"from": "okta:user:dave", "to": "aws:service_account:left", "kind": "owns"},
            {"from": "aws:user:bob", "to": "aws:service_account:bob-owned", "kind": "owns"},
            {"from": "aws:user:carol", "to": "aws:service_account:owned", "kind": "owns"},
            {"from": "aws:service_account:orphan", "to": "aws:resource:bucket", "kind": "can_access"}
        ]),
    );
    let r = run(&g);
    // bob's AWS account is enabled, but his IdP account (the one that federates) is disabled.
    assert_eq!(
        hits(&r, "orphaned-nhi"),
        vec![
            (
                "aws:service_account:bob-owned".into(),
                "NHI1:2025".into(),
                Severity::Medium
            ),
            (
                "aws:service_account:left".into(),
                "NHI1:2025".into(),
                Severity::Medium
            ),
            (
                "aws:service_account:orphan".into(),
                "NHI1:2025".into(),
                Severity::High
            ),
        ]
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "orphaned-nhi" && f.target == "aws:service_account:orphan")
        .unwrap();
    assert!(f.detail.contains("no `owns` edge"), "{}", f.detail);
    assert!(
        f.fix.contains("aws iam delete-user --user-name orphan"),
        "{}",
        f.fix
    );
}

#[test]
fn departed_owner_credential() {
    let g = graph(
        json!([
            {"id": "okta:user:leon", "kind": "user", "person": "leon", "enabled": false},
            {"id": "github:user:leon", "kind": "user", "person": "leon"},
            {"id": "github:token:pat-1", "kind": "token", "token_type": "pat", "person": "leon",
             "issued_at": days_ago(10), "expires_at": in_hours(24 * 20)},
            {"id": "github:token:pat-2", "kind": "token", "token_type": "pat",
             "issued_at": days_ago(100), "expires_at": days_ago(1)},
            {"id": "github:token:pat-3", "kind": "token", "token_type": "pat", "person": "mia",
             "issued_at": days_ago(10), "expires_at": in_hours(24 * 20)},
            {"id": "okta:user:mia", "kind": "user", "person": "mia"},
            {"id": "github:user:mia", "kind": "user", "person": "mia"}
        ]),
        json!([
            {"from": "okta:user:leon", "to": "github:user:leon", "kind": "sso"},
            {"from": "okta:user:mia", "to": "github:user:mia", "kind": "sso"},
            {"from": "github:token:pat-2", "to": "github:user:leon", "kind": "authenticates_as"}
        ]),
    );
    let r = run(&g);
    // pat-2 belongs to leon through the account it authenticates as, but it expired.
    assert_eq!(
        targets(&r, "departed-owner-credential"),
        vec!["github:token:pat-1"]
    );
    assert_eq!(hits(&r, "departed-owner-credential")[0].1, "NHI1:2025");
}

#[test]
fn stale_credential() {
    let g = graph(
        json!([
            {"id": "aws:token:AKIAOLD", "kind": "token", "token_type": "access_key",
             "issued_at": days_ago(400), "last_used_at": days_ago(200)},
            {"id": "aws:token:AKIARECENT", "kind": "token", "token_type": "access_key",
             "issued_at": days_ago(400), "last_used_at": days_ago(10)},
            {"id": "aws:token:AKIAUNKNOWN", "kind": "token", "token_type": "access_key",
             "issued_at": days_ago(400)},
            {"id": "aws:token:AKIANEVER", "kind": "token", "token_type": "access_key",
             "issued_at": days_ago(400), "props": {"never_used": true}},
            {"id": "aws:token:AKIADEAD", "kind": "token", "token_type": "access_key",
             "enabled": false, "issued_at": days_ago(400), "last_used_at": days_ago(300)}
        ]),
        json!([]),
    );
    let r = run(&g);
    assert_eq!(
        targets(&r, "stale-credential"),
        vec!["aws:token:AKIANEVER", "aws:token:AKIAOLD"]
    );
    assert!(hits(&r, "stale-credential")
        .iter()
        .all(|h| h.1 == "NHI1:2025"));
}

// ------------------------------------------------------------------------------------------------
// NHI2, NHI3

#[test]
fn secret_in_shared_place() {
    let mut nodes = vec![
        json!({"id": "ci:app:big", "kind": "app"}),
        json!({"id": "ci:app:small", "kind": "app"}),
        json!({"id": "jira:resource:tickets", "kind": "resource", "name": "support tickets"}),
        json!({"id": "vault:resource:kv", "kind": "resource", "name": "Vault kv"}),
        json!({"id": "x:token:t1", "kind": "token", "token_type": "api_key", "expires_at": in_hours(5)}),
        json!({"id": "x:token:t2", "kind": "token", "token_type": "api_key", "expires_at": in_hours(5)}),
        json!({"id": "x:token:t3", "kind": "token", "token_type": "api_key", "expires_at": in_hours(5)}),
        json!({"id": "x:token:t4", "kind": "token", "token_type": "api_key", "expires_at": in_hours(5)}),
    ];
    let mut edges = vec![
        json!({"from": "ci:app:big", "to": "x:token:t1", "kind": "holds"}),
        json!({"from": "ci:app:small", "to": "x:token:t2", "kind": "holds"}),
        json!({"from": "jira:resource:tickets", "to": "x:token:t3", "kind": "holds"}),
        json!({"from": "vault:resource:kv", "to": "x:token:t4", "kind": "holds"}),
    ];
    // 12 people reach the big CI (two accounts each: IdP and CI), 3 the small one, 1 the
    // tickets, 3 the vault. A disabled account is not counted.
    for i in 0..12 {
        nodes.push(
            json!({"id": format!("okta:user:u{i}"), "kind": "user", "person": format!("u{i}")}),
        );
        nodes.push(
            json!({"id": format!("ci:user:u{i}"), "kind": "user", "person": format!("u{i}")}),
        );
        edges.push(json!({"from": format!("okta:user:u{i}"), "to": format!("ci:user:u{i}"), "kind": "sso"}));
        edges.push(
            json!({"from": format!("ci:user:u{i}"), "to": "ci:app:big", "kind": "can_access"}),
        );
        if i < 3 {
            edges.push(json!({"from": format!("ci:user:u{i}"), "to": "ci:app:small", "kind": "can_access"}));
            edges.push(json!({"from": format!("okta:user:u{i}"), "to": "vault:resource:kv", "kind": "can_access"}));
        }
    }
    nodes.push(json!({"id": "ci:user:gone", "kind": "user", "enabled": false}));
    edges.push(json!({"from": "ci:user:gone", "to": "ci:app:big", "kind": "can_access"}));
    nodes.push(json!({"id": "jira:user:z", "kind": "user"}));
    edges.push(json!({"from": "jira:user:z", "to": "jira:resource:tickets", "kind": "can_access"}));
    let g = graph(json!(nodes), json!(edges));
    let r = run(&g);
    assert_eq!(
        hits(&r, "secret-in-shared-place"),
        vec![
            ("ci:app:big".into(), "NHI2:2025".into(), Severity::Medium),
            (
                "jira:resource:tickets".into(),
                "NHI2:2025".into(),
                Severity::High
            ),
        ]
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "secret-in-shared-place" && f.target == "ci:app:big")
        .unwrap();
    assert!(f.detail.contains("12 people can reach it"), "{}", f.detail);

    // The threshold is an option.
    let r = sprawl(
        &g,
        &SprawlOptions {
            exposure_accounts: 3,
            ..opts()
        },
    );
    assert_eq!(
        targets(&r, "secret-in-shared-place"),
        vec![
            "ci:app:big",
            "ci:app:small",
            "jira:resource:tickets",
            "vault:resource:kv"
        ]
    );
}

#[test]
fn third_party_broad_grant() {
    let g = graph(
        json!([
            {"id": "vendor:app:chatty", "kind": "app"},
            {"id": "slack:oauth_grant:chatty", "kind": "oauth_grant",
             "scopes": ["channels:history", "chat:write"]},
            {"id": "slack:app:ws", "kind": "app"},
            {"id": "vendor:app:calendar", "kind": "app"},
            {"id": "google:oauth_grant:c1", "kind": "oauth_grant", "scopes": ["calendar.readonly"]},
            {"id": "google:oauth_grant:c2", "kind": "oauth_grant", "scopes": ["calendar.readonly"]},
            {"id": "google:app:cal", "kind": "app"},
            {"id": "slack:app:own", "kind": "app"},
            {"id": "slack:oauth_grant:own", "kind": "oauth_grant", "scopes": ["admin"]}
        ]),
        json!([
            {"from": "vendor:app:chatty", "to": "slack:oauth_grant:chatty", "kind": "holds"},
            {"from": "slack:oauth_grant:chatty", "to": "slack:app:ws", "kind": "can_access"},
            {"from": "vendor:app:calendar", "to": "google:oauth_grant:c1", "kind": "holds"},
            {"from": "vendor:app:calendar", "to": "google:oauth_grant:c2", "kind": "holds"},
            {"from": "google:oauth_grant:c1", "to": "google:app:cal", "kind": "can_access"},
            {"from": "slack:app:own", "to": "slack:oauth_grant:own", "kind": "holds"}
        ]),
    );
    let r = run(&g);
    // slack:app:own holds a grant on its own platform: first-party.
    assert_eq!(
        hits(&r, "third-party-broad-grant"),
        vec![(
            "vendor:app:chatty".into(),
            "NHI3:2025".into(),
            Severity::High
        )]
    );
    let r = sprawl(
        &g,
        &SprawlOptions {
            third_party_grants: 2,
            ..opts()
        },
    );
    assert_eq!(
        hits(&r, "third-party-broad-grant"),
        vec![
            (
                "vendor:app:calendar".into(),
                "NHI3:2025".into(),
                Severity::Medium
            ),
            (
                "vendor:app:chatty".into(),
                "NHI3:2025".into(),
                Severity::High
            ),
        ]
    );
}

// ------------------------------------------------------------------------------------------------
// NHI4

#[test]
fn weak_auth_owner() {
    let g = graph(
        json!([
            {"id": "entra:user:nomfa", "kind": "user", "props": {"mfa_registered": false}},
            {"id": "entra:user:pwonly", "kind": "user"},
            {"id": "entra:session:pw", "kind": "session", "mfa": false, "expires_at": in_hours(5)},
            {"id": "entra:user:unknown", "kind": "user"},
            {"id": "entra:user:good", "kind": "user"},
            {"id": "entra:session:good", "kind": "session", "mfa": true, "expires_at": in_hours(5)},
            {"id": "okta:user:fed", "kind": "user"},
            {"id": "okta:session:fed", "kind": "session", "mfa": true, "expires_at": in_hours(5)},
            {"id": "entra:user:federated", "kind": "user"},
            {"id": "entra:user:plain", "kind": "user", "props": {"mfa_registered": false}},
            {"id": "entra:group:owners", "kind": "group"},
            {"id": "entra:user:member", "kind": "user", "props": {"mfa": false}},
            {"id": "entra:role:admins", "kind": "role"},
            {"id": "entra:user:admin", "kind": "user", "props": {"mfa": false}},
            {"id": "entra:idp:tenant", "kind": "idp"},
            {"id": "entra:service_account:a", "kind": "service_account"},
            {"id": "entra:app:b", "kind": "app"}
        ]),
        json!([
            {"from": "entra:user:nomfa", "to": "entra:service_account:a", "kind": "owns"},
            {"from": "entra:session:pw", "to": "entra:user:pwonly", "kind": "authenticates_as"},
            {"from": "entra:user:pwonly", "to": "entra:app:b", "kind": "owns"},
            {"from": "entra:user:unknown", "to": "entra:app:b", "kind": "owns"},
            {"from": "entra:session:good", "to": "entra:user:good", "kind": "authenticates_as"},
            {"from": "entra:user:good", "to": "entra:app:b", "kind": "owns"},
            {"from": "okta:session:fed", "to": "okta:user:fed", "kind": "authenticates_as"},
            {"from": "okta:user:fed", "to": "entra:user:federated", "kind": "sso"},
            {"from": "entra:user:federated", "to": "entra:app:b", "kind": "owns"},
            {"from": "entra:user:member", "to": "entra:group:owners", "kind": "member_of"},
            {"from": "entra:group:owners", "to": "entra:app:b", "kind": "owns"},
            {"from": "entra:user:admin", "to": "entra:role:admins", "kind": "member_of"},
            {"from": "entra:role:admins", "to": "entra:idp:tenant", "kind": "admin_of"}
        ]),
    );
    let r = run(&g);
    // `plain` owns nothing; `good` has an MFA session; `federated` signs in through an IdP
    // account with an MFA session.
    assert_eq!(
        hits(&r, "weak-auth-owner"),
        vec![
            (
                "entra:user:admin".into(),
                "NHI4:2025".into(),
                Severity::High
            ),
            (
                "entra:user:member".into(),
                "NHI4:2025".into(),
                Severity::High
            ),
            (
                "entra:user:nomfa".into(),
                "NHI4:2025".into(),
                Severity::High
            ),
            (
                "entra:user:pwonly".into(),
                "NHI4:2025".into(),
                Severity::High
            ),
            (
                "entra:user:unknown".into(),
                "NHI4:2025".into(),
                Severity::Low
            ),
        ]
    );
}

#[test]
fn password_on_service_account() {
    let g = graph(
        json!([
            {"id": "entra:service_account:svc", "kind": "service_account"},
            {"id": "entra:token:pw", "kind": "token", "token_type": "password"},
            {"id": "entra:user:human", "kind": "user"},
            {"id": "entra:token:pw2", "kind": "token", "token_type": "password"}
        ]),
        json!([
            {"from": "entra:token:pw", "to": "entra:service_account:svc", "kind": "authenticates_as"},
            {"from": "entra:token:pw2", "to": "entra:user:human", "kind": "authenticates_as"}
        ]),
    );
    let r = run(&g);
    assert_eq!(
        hits(&r, "password-on-service-account"),
        vec![(
            "entra:service_account:svc".into(),
            "NHI4:2025".into(),
            Severity::High
        )]
    );
}

// ------------------------------------------------------------------------------------------------
// NHI5, NHI6

#[test]
fn overprivileged_nhi() {
    let g = graph(
        json!([
            {"id": "aws:service_account:direct", "kind": "service_account"},
            {"id": "aws:service_account:via-role", "kind": "service_account"},
            {"id": "aws:role:admin", "kind": "role"},
            {"id": "aws:app:prod", "kind": "app", "criticality": 10},
            {"id": "m365:service_account:reader", "kind": "service_account"},
            {"id": "m365:resource:mail", "kind": "resource", "criticality": 9},
            {"id": "slack:service_account:bot", "kind": "service_account"},
            {"id": "slack:app:ws", "kind": "app"},
            {"id": "entra:app:legacy", "kind": "app"},
            {"id": "entra:oauth_grant:rw", "kind": "oauth_grant", "scopes": ["Directory.ReadWrite.All"]},
            {"id": "entra:idp:t", "kind": "idp"},
            {"id": "acme:workload:job", "kind": "workload"},
            {"id": "acme:token:narrow", "kind": "token", "scopes": ["contents:read"],
             "expires_at": in_hours(2)}
        ]),
        json!([
            {"from": "aws:service_account:direct", "to": "aws:app:prod", "kind": "admin_of"},
            {"from": "aws:service_account:via-role", "to": "aws:role:admin", "kind": "can_assume"},
            {"from": "aws:role:admin", "to": "aws:app:prod", "kind": "admin_of"},
            {"from": "m365:service_account:reader", "to": "m365:resource:mail", "kind": "can_access",
             "props": {"role": "Mail.Read"}},
            {"from": "slack:service_account:bot", "to": "slack:app:ws", "kind": "can_access",
             "props": {"scopes": ["chat:write"]}},
            {"from": "entra:app:legacy", "to": "entra:oauth_grant:rw", "kind": "holds"},
            {"from": "entra:oauth_grant:rw", "to": "entra:idp:t", "kind": "can_access"},
            {"from": "acme:workload:job", "to": "acme:token:narrow", "kind": "holds"}
        ]),
    );
    let r = run(&g);
    assert_eq!(
        hits(&r, "overprivileged-nhi"),
        vec![
            (
                "aws:service_account:direct".into(),
                "NHI5:2025".into(),
                Severity::High
            ),
            (
                "aws:service_account:via-role".into(),
                "NHI5:2025".into(),
                Severity::High
            ),
            (
                "entra:oauth_grant:rw".into(),
                "NHI5:2025".into(),
                Severity::High
            ),
            (
                "m365:service_account:reader".into(),
                "NHI5:2025".into(),
                Severity::Medium
            ),
        ]
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "overprivileged-nhi" && f.target == "aws:service_account:via-role")
        .unwrap();
    assert!(f.detail.contains("through aws:role:admin"), "{}", f.detail);
}

#[test]
fn static_cloud_credential() {
    let g = graph(
        json!([
            {"id": "aws:workload:lambda", "kind": "workload"},
            {"id": "aws:token:AKIASTATIC", "kind": "token", "token_type": "access_key"},
            {"id": "aws:workload:ok", "kind": "workload"},
            {"id": "aws:token:ASIATEMP", "kind": "token", "token_type": "access_key",
             "expires_at": in_hours(1)},
            {"id": "aws:service_account:u", "kind": "service_account"}
        ]),
        json!([
            {"from": "aws:workload:lambda", "to": "aws:token:AKIASTATIC", "kind": "holds"},
            {"from": "aws:workload:ok", "to": "aws:token:ASIATEMP", "kind": "holds"},
            {"from": "aws:token:AKIASTATIC", "to": "aws:service_account:u", "kind": "authenticates_as"}
        ]),
    );
    let r = run(&g);
    assert_eq!(
        hits(&r, "static-cloud-credential"),
        vec![(
            "aws:workload:lambda".into(),
            "NHI6:2025".into(),
            Severity::Medium
        )]
    );
}

// ------------------------------------------------------------------------------------------------
// NHI7

#[test]
fn long_lived_and_non_revocable() {
    let g = graph(
        json!([
            {"id": "x:token:forever", "kind": "token", "token_type": "api_key", "issued_at": days_ago(10)},
            {"id": "x:token:year", "kind": "token", "token_type": "pat",
             "issued_at": days_ago(10), "expires_at": in_hours(24 * 355), "revocation": "central"},
            {"id": "x:token:month", "kind": "token", "token_type": "pat",
             "issued_at": days_ago(5), "expires_at": in_hours(24 * 25), "revocation": "central"},
            {"id": "x:oauth_grant:consent", "kind": "oauth_grant", "issued_at": days_ago(500)},
            {"id": "x:token:jwt", "kind": "token", "token_type": "access", "revocation": "ttl_only",
             "issued_at": days_ago(1), "expires_at": in_hours(72)},
            {"id": "x:token:short-jwt", "kind": "token", "token_type": "access",
             "revocation": "ttl_only", "issued_at": days_ago(0), "expires_at": in_hours(2)},
            {"id": "x:token:static-short", "kind": "token", "token_type": "client_secret",
             "revocation": "none", "issued_at": days_ago(5), "expires_at": in_hours(24 * 20)},
            {"id": "x:token:expired", "kind": "token", "token_type": "api_key", "issued_at": days_ago(900),
             "expires_at": days_ago(1)}
        ]),
        json!([]),
    );
    let r = run(&g);
    assert_eq!(
        targets(&r, "long-lived-credential"),
        vec!["x:token:forever", "x:token:year"]
    );
    // A credential both long-lived and non-revocable is reported once, as long-lived.
    assert_eq!(
        hits(&r, "non-revocable-credential"),
        vec![
            ("x:token:jwt".into(), "NHI7:2025".into(), Severity::Low),
            (
                "x:token:static-short".into(),
                "NHI7:2025".into(),
                Severity::Low
            ),
        ]
    );
    assert!(hits(&r, "long-lived-credential")
        .iter()
        .all(|h| h.1 == "NHI7:2025"));
}

// ------------------------------------------------------------------------------------------------
// NHI8, NHI9, NHI10

#[test]
fn mixed_environment_nhi() {
    let g = graph(
        json!([
            {"id": "ci:workload:dev-runner", "kind": "workload", "tags": ["env:dev"]},
            {"id": "github:token:pat", "kind": "token", "token_type": "pat",
             "expires_at": in_hours(24 * 30), "issued_at": days_ago(1)},
            {"id": "github:resource:prod-repo", "kind": "resource", "criticality": 9,
             "tags": ["env:prod"]},
            {"id": "ci:workload:prod-runner", "kind": "workload", "tags": ["env:prod"]},
            {"id": "github:token:pat2", "kind": "token", "token_type": "pat",
             "expires_at": in_hours(24 * 30), "issued_at": days_ago(1)},
            {"id": "aws:service_account:both", "kind": "service_account"},
            {"id": "aws:resource:dev-bucket", "kind": "resource", "tags": ["env:staging"]}
        ]),
        json!([
            {"from": "ci:workload:dev-runner", "to": "github:token:pat", "kind": "holds"},
            {"from": "github:token:pat", "to": "github:resource:prod-repo", "kind": "can_access"},
            {"from": "ci:workload:prod-runner", "to": "github:token:pat2", "kind": "holds"},
            {"from": "github:token:pat2", "to": "github:resource:prod-repo", "kind": "can_access"},
            {"from": "aws:service_account:both", "to": "github:resource:prod-repo", "kind": "can_access"},
            {"from": "aws:service_account:both", "to": "aws:resource:dev-bucket", "kind": "can_access"}
        ]),
    );
    let r = run(&g);
    assert_eq!(
        hits(&r, "mixed-environment-nhi"),
        vec![
            (
                "aws:service_account:both".into(),
                "NHI8:2025".into(),
                Severity::Medium
            ),
            (
                "ci:workload:dev-runner".into(),
                "NHI8:2025".into(),
                Severity::High
            ),
        ]
    );
}

#[test]
fn reused_credential() {
    let g = graph(
        json!([
            {"id": "k8s:workload:a", "kind": "workload"},
            {"id": "k8s:workload:b", "kind": "workload"},
            {"id": "okta:device:laptop", "kind": "device"},
            {"id": "x:token:shared", "kind": "token", "expires_at": in_hours(5)},
            {"id": "ci:app:store", "kind": "app"},
            {"id": "x:token:injected", "kind": "token", "expires_at": in_hours(5)}
        ]),
        json!([
            {"from": "k8s:workload:a", "to": "x:token:shared", "kind": "holds"},
            {"from": "k8s:workload:b", "to": "x:token:shared", "kind": "holds"},
            {"from": "okta:device:laptop", "to": "x:token:shared", "kind": "holds"},
            {"from": "ci:app:store", "to": "x:token:injected", "kind": "holds"},
            {"from": "k8s:workload:a", "to": "x:token:injected", "kind": "holds"}
        ]),
    );
    let r = run(&g);
    assert_eq!(
        hits(&r, "reused-credential"),
        vec![(
            "x:token:shared".into(),
            "NHI9:2025".into(),
            Severity::Medium
        )]
    );
    let f = &r
        .findings
        .iter()
        .find(|f| f.rule == "reused-credential")
        .unwrap();
    assert!(f.detail.contains("3 workloads/devices"), "{}", f.detail);
}

#[test]
fn human_use_of_nhi() {
    let g = graph(
        json!([
            {"id": "google:service_account:etl", "kind": "service_account"},
            {"id": "google:session:s1", "kind": "session", "expires_at": in_hours(3),
             "person": "eve", "props": {"ip": "198.51.100.7"}},
            {"id": "google:token:cookie", "kind": "token", "token_type": "cookie",
             "expires_at": in_hours(3)},
            {"id": "google:service_account:quiet", "kind": "service_account"},
            {"id": "google:session:dead", "kind": "session", "expires_at": days_ago(1)},
            {"id": "google:user:eve", "kind": "user"},
            {"id": "google:session:s2", "kind": "session", "expires_at": in_hours(3)}
        ]),
        json!([
            {"from": "google:session:s1", "to": "google:service_account:etl", "kind": "authenticates_as"},
            {"from": "google:token:cookie", "to": "google:service_account:etl", "kind": "authenticates_as"},
            {"from": "google:session:dead", "to": "google:service_account:quiet", "kind": "authenticates_as"},
            {"from": "google:session:s2", "to": "google:user:eve", "kind": "authenticates_as"}
        ]),
    );
    let r = run(&g);
    assert_eq!(
        hits(&r, "human-use-of-nhi"),
        vec![(
            "google:service_account:etl".into(),
            "NHI10:2025".into(),
            Severity::High
        )]
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "human-use-of-nhi")
        .unwrap();
    assert!(
        f.detail.contains("2 live interactive sessions"),
        "{}",
        f.detail
    );
    assert!(f.detail.contains("198.51.100.7"), "{}", f.detail);
}

// ------------------------------------------------------------------------------------------------
// Report invariants

#[test]
fn findings_are_ordered_and_well_formed() {
    let r = run(&load_example("acme"));
    assert!(!r.findings.is_empty());
    for w in r.findings.windows(2) {
        assert!(w[0].severity >= w[1].severity, "severity order");
    }
    for f in &r.findings {
        let rule = RULES.iter().find(|x| x.id == f.rule).expect("known rule");
        assert_eq!(f.owasp, rule.owasp);
        assert!(!f.detail.is_empty() && !f.fix.is_empty());
        assert!(
            f.rule.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "kebab-case: {}",
            f.rule
        );
    }
    assert_eq!(worst(&r), Some(Severity::High));
    // The JSON contract: exactly these names.
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["at"], json!(AT));
    for key in ["rule", "owasp", "severity", "target", "detail", "fix"] {
        assert!(v["findings"][0].get(key).is_some(), "finding.{key}");
    }
    assert!(matches!(
        v["findings"][0]["severity"].as_str(),
        Some("high" | "medium" | "low")
    ));
    for key in ["id", "score", "reach"] {
        assert!(v["ranking"][0].get(key).is_some(), "ranking.{key}");
    }
    assert!(v["findings"][0]["owasp"]
        .as_str()
        .unwrap()
        .ends_with(":2025"));
    // The schema derives.
    let schema = serde_json::to_value(schemars::schema_for!(SprawlReport)).unwrap();
    assert!(schema["properties"]["findings"].is_object());
}

#[test]
fn deterministic_across_runs() {
    let g = load_example("acme");
    assert_eq!(run(&g), run(&g));
}

#[test]
fn top_limits_the_ranking() {
    let g = load_example("acme");
    let r = sprawl(&g, &SprawlOptions { top: 5, ..opts() });
    assert_eq!(r.ranking.len(), 5);
    assert_eq!(r.ranking, run(&g).ranking[..5].to_vec());
}

// ------------------------------------------------------------------------------------------------
// The ranking is `heir blast`, per source.

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn random_graph(seed: u64) -> TrustGraph {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let n = 2 + rng.below(24) as usize;
    let mut doc = Document::new();
    let hour = 3_600_000;
    for i in 0..n {
        let kind = NodeKind::ALL[rng.below(NodeKind::ALL.len() as u64) as usize];
        let mut node = Node::new(format!("n{i}"), kind);
        node.criticality = Some(rng.below(11) as u8);
        if rng.chance(10) {
            node.enabled = Some(false);
        }
        if kind.is_credential() {
            if rng.chance(70) {
                let h = rng.below(72) as i64 - 6;
                node.expires_at = Some(Timestamp::from_millis(at().as_millis() + h * hour));
            }
            if rng.chance(50) {
                node.mfa = Some(rng.chance(50));
            }
            node.device_bound = Some(rng.chance(15));
        }
        if rng.chance(20) {
            node.tags.push(
                if rng.chance(50) {
                    "env:prod"
                } else {
                    "env:dev"
                }
                .into(),
            );
        }
        doc.nodes.push(node);
    }
    let m = rng.below(n as u64 * 3) as usize;
    for _ in 0..m {
        let a = rng.below(n as u64);
        let b = rng.below(n as u64);
        let kind = EdgeKind::ALL[rng.below(EdgeKind::ALL.len() as u64) as usize];
        let mut e = Edge::new(format!("n{a}"), format!("n{b}"), kind);
        if rng.chance(15) {
            e.requires = vec![
                heir::model::Requirement::ALL
                    [rng.below(heir::model::Requirement::ALL.len() as u64) as usize],
            ];
        }
        doc.edges.push(e);
    }
    TrustGraph::new(doc)
}

#[test]
fn ranking_equals_blast_per_source() {
    for seed in 0..300 {
        let g = random_graph(seed);
        let r = run(&g);
        let credentials = g
            .node_indices()
            .filter(|&i| g.facts(i).kind.is_credential())
            .count();
        assert_eq!(r.ranking.len(), credentials, "seed {seed}");
        assert_eq!(r.credentials, credentials);
        for e in &r.ranking {
            let i = g.index(&e.id).unwrap();
            let b = blast(
                &g,
                &BlastQuery {
                    from: vec![i],
                    at: at(),
                    attacker: Attacker::OffDevice,
                },
            );
            assert_eq!(e.reach, b.reached.len(), "seed {seed}, {}", e.id);
            // The documented score, recomputed.
            let score: f64 = b
                .reached
                .iter()
                .map(|x| {
                    let w = match (x.persistent, x.until) {
                        (false, Some(u)) => ((u.as_millis() - at().as_millis()) as f64
                            / 86_400_000.0)
                            .clamp(0.0, 1.0),
                        _ => 1.0,
                    };
                    g.facts(x.node).criticality as f64 * w
                })
                .sum();
            assert!(
                (e.score - score).abs() < 0.001,
                "seed {seed}: {} vs {score}",
                e.score
            );
            assert!(e.score >= 0.0);
            assert_eq!(e.alive, g.facts(i).alive_at(at().as_millis()));
            if !e.alive {
                assert_eq!((e.reach, e.score), (0, 0.0));
            }
        }
        for w in r.ranking.windows(2) {
            assert!(
                w[0].score > w[1].score || (w[0].score == w[1].score && w[0].id < w[1].id),
                "seed {seed}: ranking order"
            );
        }
    }
}

#[test]
fn ranking_on_the_demo_matches_blast() {
    let g = load_example("acme");
    let r = run(&g);
    assert_eq!(r.ranking.len(), r.credentials);
    for e in r.ranking.iter().take(40) {
        let b = blast(
            &g,
            &BlastQuery {
                from: vec![g.index(&e.id).unwrap()],
                at: at(),
                attacker: Attacker::OffDevice,
            },
        );
        assert_eq!(e.reach, b.reached.len(), "{}", e.id);
    }
}

// ------------------------------------------------------------------------------------------------
// Output formats

#[test]
fn sarif_is_structurally_valid() {
    let r = run(&load_example("acme"));
    let v = heir::report::sprawl::sarif_value(&r);
    let mut text = Vec::new();
    heir::report::sprawl::sarif(&mut text, &r).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&text).unwrap(), v);

    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"]
        .as_str()
        .unwrap()
        .contains("sarif-schema-2.1.0.json"));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "heir");
    assert!(driver["version"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (rule, def) in rules.iter().zip(RULES) {
        assert_eq!(rule["id"], def.id);
        assert!(rule["name"].is_string());
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(!rule[key]["text"].as_str().unwrap().is_empty(), "{key}");
        }
        assert_eq!(rule["helpUri"], def.owasp_uri);
        assert!(def
            .owasp_uri
            .starts_with("https://owasp.org/www-project-non-human-identities-top-10/2025/"));
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&def.owasp), "{tags:?}");
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), r.findings.len());
    for (res, f) in results.iter().zip(&r.findings) {
        assert_eq!(res["ruleId"], f.rule.as_str());
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], f.rule.as_str());
        let level = match f.severity {
            Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "note",
        };
        assert_eq!(res["level"], level);
        assert_eq!(res["message"]["text"], f.detail.as_str());
        let loc = &res["locations"][0]["logicalLocations"][0];
        assert_eq!(loc["name"], f.target.as_str());
        assert_eq!(loc["kind"], "resource");
    }
    // Every level appears somewhere across the examples' levels mapping.
    assert_eq!(heir::report::sprawl::level(Severity::Low), "note");
}

#[test]
fn sarif_of_a_clean_graph_lists_rules_and_no_results() {
    let g = graph(json!([{"id": "a:user:x", "kind": "user"}]), json!([]));
    let v = heir::report::sprawl::sarif_value(&run(&g));
    assert_eq!(v["runs"][0]["results"], json!([]));
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        RULES.len()
    );
}

#[test]
fn table_groups_by_severity_and_fits_80_columns() {
    let r = run(&load_example("acme"));
    let mut out = Vec::new();
    heir::report::sprawl::table(&mut out, &r).unwrap();
    let text = String::from_utf8(out).unwrap();
    let high = text.find("\nHIGH (").unwrap();
    let medium = text.find("\nMEDIUM (").unwrap();
    let ranking = text.find("\nRISK RANKING (top 20 of").unwrap();
    assert!(high < medium && medium < ranking);
    assert_eq!(text[ranking + 1..].lines().count(), 2 + 20);
    for line in text.lines() {
        if line.chars().count() > 80 {
            // Only an unbreakable word (a long id or command) may overflow.
            let room = line.chars().count() - 80;
            assert!(
                line.split_whitespace()
                    .any(|w| w.chars().count() > room + 20),
                "too wide: {line}"
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The demo organisation's review, as committed.

#[test]
fn acme_review_is_believable_and_committed() {
    let r = run(&load_example("acme"));
    let has = |rule: &str, target: &str| {
        r.findings
            .iter()
            .any(|f| f.rule == rule && f.target == target)
    };
    // What the demo organisation was built to show.
    assert!(has(
        "orphaned-nhi",
        "aws:service_account:arn:aws:iam::729104583612:user/legacy-reporting"
    ));
    assert!(has("departed-owner-credential", "github:token:pat-3660394"));
    assert!(has("stale-credential", "aws:token:AKIAXDJMMUG46Y4SXYVB"));
    assert!(has(
        "secret-in-shared-place",
        "salesforce:resource:00D5g000008AcMeEAK/Case"
    ));
    assert!(has("third-party-broad-grant", "statusbot:app:statusbot"));
    assert!(has(
        "overprivileged-nhi",
        "k8s:service_account:prod-eks/monitoring/old-prometheus"
    ));
    assert!(has("mixed-environment-nhi", "ci:workload:agent-dev-07"));
    assert!(has(
        "long-lived-credential",
        "aws:token:AKIA2WHOWBT6KO5PMXWO"
    ));
    // And what it must not say: people's own sessions and refresh tokens are not NHI findings,
    // disabled or expired credentials are not reported, owned service accounts are not orphans.
    for f in &r.findings {
        assert_ne!(f.kind, NodeKind::Session, "{f:?}");
        assert!(!f.target.starts_with("m365:token:rt-"), "{f:?}");
        assert!(
            ![
                "aws:token:AKIAMPSUVFL4KCMBIPIV",
                "k8s:token:prod-eks/monitoring/old-prometheus-token-9qz1m",
                "okta:token:00TtOLqKgvPG53zMeu7J",
                "github:token:pat-6374183",
                "aws:service_account:arn:aws:iam::381492650217:user/ci-deployer",
            ]
            .contains(&f.target.as_str())
                || f.rule == "mixed-environment-nhi",
            "{f:?}"
        );
    }
    assert_eq!(r.incomplete_sources, vec!["google".to_string()]);

    let mut out = Vec::new();
    heir::report::sprawl::markdown(&mut out, &r).unwrap();
    let fresh = String::from_utf8(out).unwrap();
    let path = "docs/acme-sprawl-review.md";
    if std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{path} is missing: run with UPDATE_DOCS=1"));
    assert!(
        committed == fresh,
        "{path} is out of date: run `UPDATE_DOCS=1 cargo test --test sprawl` and review the diff"
    );
}
