//! One small graph per traversal rule of docs/model.md, each asserting the exact answer:
//! reached set, blocked set, windows and persistence.

use heir::analysis::blast::{blast, BlastQuery};
use heir::analysis::lineage::{inherited, LineageReport};
use heir::model::load::{load_str, Syntax};
use heir::model::{Attacker, Timestamp, TrustGraph};
use heir::report::blast::BlastReport;
use serde_json::{json, Value};

const AT: &str = "2026-11-20T10:00:00Z";

fn graph(doc: Value) -> TrustGraph {
    let text = doc.to_string();
    let (doc, _) = load_str("test.json", &text, Syntax::Json).unwrap_or_else(|e| panic!("{e}"));
    TrustGraph::new(doc)
}

fn run<'g>(g: &'g TrustGraph, from: &[&str], at: &str, attacker: Attacker) -> BlastReport<'g> {
    let q = BlastQuery {
        from: from
            .iter()
            .map(|f| g.index(f).expect("source exists"))
            .collect(),
        at: Timestamp::parse(at).unwrap(),
        attacker,
    };
    blast(g, &q).report(g)
}

fn off<'g>(g: &'g TrustGraph, from: &str) -> BlastReport<'g> {
    run(g, &[from], AT, Attacker::OffDevice)
}

/// `(id, until, persistent)` of every reached node, sorted by id.
fn reached(r: &BlastReport) -> Vec<(String, Option<String>, bool)> {
    let mut v: Vec<_> = r
        .reached
        .iter()
        .map(|x| {
            (
                x.id.to_string(),
                x.until.map(|t| t.to_string()),
                x.persistent,
            )
        })
        .collect();
    v.sort();
    v
}

fn ids<'g>(r: &BlastReport<'g>) -> Vec<&'g str> {
    let mut v: Vec<&str> = r.reached.iter().map(|x| x.id).collect();
    v.sort();
    v
}

/// `(id, by)` of every blocked node, sorted by id.
fn blocked(r: &BlastReport) -> Vec<(String, Vec<String>)> {
    let mut v: Vec<_> = r
        .blocked
        .iter()
        .map(|b| {
            (
                b.id.to_string(),
                b.by.iter().map(|x| x.as_str().to_string()).collect(),
            )
        })
        .collect();
    v.sort();
    v
}

fn t(s: &str) -> Option<String> {
    Some(s.to_string())
}

fn r(id: &str, until: Option<String>, persistent: bool) -> (String, Option<String>, bool) {
    (id.to_string(), until, persistent)
}

fn doc(nodes: Value, edges: Value) -> Value {
    json!({"version": 1, "sources": [], "nodes": nodes, "edges": edges})
}

#[test]
fn session_window_caps_everything_behind_it() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "expires_at": "2026-11-20T20:00:00Z"},
            {"id": "u", "kind": "user"},
            {"id": "app", "kind": "app", "criticality": 6}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "app", "kind": "can_access"}
        ]),
    ));
    let rep = off(&g, "s");
    assert_eq!(
        reached(&rep),
        vec![
            r("app", t("2026-11-20T20:00:00Z"), false),
            r("u", t("2026-11-20T20:00:00Z"), false)
        ]
    );
    let app = rep.reached.iter().find(|x| x.id == "app").unwrap();
    assert_eq!(app.path.ids(), vec!["s", "u", "app"]);
    assert_eq!(app.criticality, 6);
    assert!(blocked(&rep).is_empty());
}

#[test]
fn mfa_requirement_is_met_by_the_inherited_claim_only() {
    let nodes = |mfa: bool| {
        json!([
            {"id": "s", "kind": "session", "mfa": mfa},
            {"id": "u", "kind": "user"},
            {"id": "slack", "kind": "user"}
        ])
    };
    let edges = json!([
        {"from": "s", "to": "u", "kind": "authenticates_as"},
        {"from": "u", "to": "slack", "kind": "sso", "requires": ["mfa"]}
    ]);
    let with = graph(doc(nodes(true), edges.clone()));
    assert_eq!(ids(&off(&with, "s")), vec!["slack", "u"]);
    let without = graph(doc(nodes(false), edges));
    let rep = off(&without, "s");
    assert_eq!(ids(&rep), vec!["u"]);
    assert_eq!(blocked(&rep), vec![("slack".into(), vec!["mfa".into()])]);
    assert_eq!(rep.blocked[0].edge.from, "u");
    // Being on the device does not conjure an MFA claim.
    let rep = run(&without, &["s"], AT, Attacker::OnDevice);
    assert_eq!(blocked(&rep), vec![("slack".into(), vec!["mfa".into()])]);
}

#[test]
fn fresh_mfa_is_never_satisfied() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "mfa": true},
            {"id": "u", "kind": "user"},
            {"id": "admin", "kind": "app", "criticality": 9}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "admin", "kind": "admin_of", "requires": ["fresh_mfa", "managed_device"]}
        ]),
    ));
    let rep = off(&g, "s");
    assert_eq!(ids(&rep), vec!["u"]);
    assert_eq!(
        blocked(&rep),
        vec![(
            "admin".into(),
            vec!["fresh_mfa".into(), "managed_device".into()]
        )]
    );
    let rep = run(&g, &["s"], AT, Attacker::OnDevice);
    assert_eq!(
        blocked(&rep),
        vec![("admin".into(), vec!["fresh_mfa".into()])]
    );
}

#[test]
fn device_and_network_conditions_hold_only_off_device() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "mfa": true},
            {"id": "u", "kind": "user"},
            {"id": "mail", "kind": "user"},
            {"id": "vpn", "kind": "app"}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "mail", "kind": "sso", "requires": ["managed_device"]},
            {"from": "u", "to": "vpn", "kind": "can_access", "requires": ["trusted_network"]}
        ]),
    ));
    let rep = off(&g, "s");
    assert_eq!(ids(&rep), vec!["u"]);
    assert_eq!(
        blocked(&rep),
        vec![
            ("mail".into(), vec!["managed_device".into()]),
            ("vpn".into(), vec!["trusted_network".into()])
        ]
    );
    let rep = run(&g, &["s"], AT, Attacker::OnDevice);
    assert_eq!(ids(&rep), vec!["mail", "u", "vpn"]);
    assert!(rep.blocked.is_empty());
}

#[test]
fn device_bound_credentials_are_unusable_off_the_device() {
    let g = graph(doc(
        json!([
            {"id": "laptop", "kind": "device"},
            {"id": "prt", "kind": "token", "token_type": "refresh", "device_bound": true},
            {"id": "s", "kind": "session", "device_bound": true},
            {"id": "u", "kind": "user"},
            {"id": "u2", "kind": "user"}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "laptop", "to": "prt", "kind": "holds"},
            {"from": "prt", "to": "u2", "kind": "authenticates_as"}
        ]),
    ));
    // A stolen device-bound session: nothing behind it works off the device.
    let rep = off(&g, "s");
    assert!(rep.reached.is_empty());
    assert_eq!(
        blocked(&rep),
        vec![("u".into(), vec!["device_bound".into()])]
    );
    // The material can be copied off a device, but not used.
    let rep = off(&g, "laptop");
    assert_eq!(ids(&rep), vec!["prt"]);
    assert_eq!(
        blocked(&rep),
        vec![("u2".into(), vec!["device_bound".into()])]
    );
    // On the device it works.
    let rep = run(&g, &["laptop"], AT, Attacker::OnDevice);
    assert_eq!(ids(&rep), vec!["prt", "u2"]);
    assert!(rep.blocked.is_empty());
}

#[test]
fn window_is_the_widest_bottleneck_path() {
    // Two ways to the bucket: via a token expiring at 11:00, or a role session expiring at 15:00
    // behind a key that never expires. The best path's weakest link is 15:00.
    let g = graph(doc(
        json!([
            {"id": "w", "kind": "workload"},
            {"id": "short", "kind": "token", "expires_at": "2026-11-20T11:00:00Z"},
            {"id": "key", "kind": "token", "token_type": "access_key"},
            {"id": "role-sess", "kind": "token", "expires_at": "2026-11-20T15:00:00Z", "revocation": "ttl_only"},
            {"id": "sa", "kind": "service_account"},
            {"id": "sa2", "kind": "service_account"},
            {"id": "bucket", "kind": "resource", "criticality": 9}
        ]),
        json!([
            {"from": "w", "to": "short", "kind": "holds"},
            {"from": "short", "to": "sa", "kind": "authenticates_as"},
            {"from": "sa", "to": "bucket", "kind": "can_access"},
            {"from": "w", "to": "key", "kind": "holds"},
            {"from": "key", "to": "sa2", "kind": "authenticates_as"},
            {"from": "w", "to": "role-sess", "kind": "holds"},
            {"from": "role-sess", "to": "sa2", "kind": "authenticates_as"},
            {"from": "sa2", "to": "bucket", "kind": "can_access"}
        ]),
    ));
    let rep = off(&g, "w");
    assert_eq!(
        reached(&rep),
        vec![
            r("bucket", None, false),
            r("key", None, false),
            r("role-sess", t("2026-11-20T15:00:00Z"), false),
            r("sa", t("2026-11-20T11:00:00Z"), false),
            r("sa2", None, false),
            r("short", t("2026-11-20T11:00:00Z"), false),
        ]
    );
    let bucket = rep.reached.iter().find(|x| x.id == "bucket").unwrap();
    assert_eq!(bucket.path.ids(), vec!["w", "key", "sa2", "bucket"]);

    // Without the static key the bucket lasts until the longer of the two bottlenecks.
    let g = graph(doc(
        json!([
            {"id": "w", "kind": "workload"},
            {"id": "short", "kind": "token", "expires_at": "2026-11-20T11:00:00Z"},
            {"id": "role-sess", "kind": "token", "expires_at": "2026-11-20T15:00:00Z"},
            {"id": "sa", "kind": "service_account"},
            {"id": "sa2", "kind": "service_account"},
            {"id": "bucket", "kind": "resource"}
        ]),
        json!([
            {"from": "w", "to": "short", "kind": "holds"},
            {"from": "short", "to": "sa", "kind": "authenticates_as"},
            {"from": "sa", "to": "bucket", "kind": "can_access"},
            {"from": "w", "to": "role-sess", "kind": "holds"},
            {"from": "role-sess", "to": "sa2", "kind": "authenticates_as"},
            {"from": "sa2", "to": "bucket", "kind": "can_access"}
        ]),
    ));
    let rep = off(&g, "w");
    let bucket = rep.reached.iter().find(|x| x.id == "bucket").unwrap();
    assert_eq!(bucket.until.unwrap().to_string(), "2026-11-20T15:00:00Z");
    assert_eq!(bucket.path.ids(), vec!["w", "role-sess", "sa2", "bucket"]);
}

#[test]
fn issued_children_live_as_long_as_their_parent() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "expires_at": "2026-11-20T20:00:00Z"},
            {"id": "at", "kind": "token", "token_type": "access", "expires_at": "2026-11-20T10:30:00Z"},
            {"id": "old", "kind": "token", "token_type": "access", "expires_at": "2026-11-20T09:00:00Z"},
            {"id": "revoked", "kind": "token", "token_type": "refresh", "enabled": false},
            {"id": "u", "kind": "service_account"},
            {"id": "v", "kind": "service_account"},
            {"id": "w", "kind": "service_account"}
        ]),
        json!([
            {"from": "s", "to": "revoked", "kind": "issued", "at": "2026-11-20T09:30:00Z"},
            {"from": "revoked", "to": "w", "kind": "authenticates_as"},
            {"from": "s", "to": "at", "kind": "issued", "at": "2026-11-20T09:30:00Z"},
            {"from": "s", "to": "old", "kind": "issued", "at": "2026-11-20T08:00:00Z"},
            {"from": "at", "to": "u", "kind": "authenticates_as"},
            {"from": "old", "to": "v", "kind": "authenticates_as"}
        ]),
    ));
    let rep = off(&g, "s");
    // The access token expires at 10:30, but the session mints fresh ones until 20:00; the
    // expired one is revived the same way. An inactive (revoked) child stays dead.
    assert_eq!(
        reached(&rep),
        vec![
            r("at", t("2026-11-20T20:00:00Z"), false),
            r("old", t("2026-11-20T20:00:00Z"), false),
            r("u", t("2026-11-20T20:00:00Z"), false),
            r("v", t("2026-11-20T20:00:00Z"), false),
        ]
    );
}

#[test]
fn expired_and_inactive_credentials_are_dead_elsewhere() {
    let g = graph(doc(
        json!([
            {"id": "ci", "kind": "workload"},
            {"id": "expired", "kind": "token", "expires_at": "2026-11-20T09:59:59Z"},
            {"id": "inactive", "kind": "token", "token_type": "access_key", "enabled": false},
            {"id": "future", "kind": "token", "issued_at": "2026-11-20T12:00:00Z"},
            {"id": "live", "kind": "token", "expires_at": "2026-11-20T10:00:01Z"},
            {"id": "a", "kind": "service_account"},
            {"id": "b", "kind": "service_account"},
            {"id": "c", "kind": "service_account"},
            {"id": "d", "kind": "service_account"}
        ]),
        json!([
            {"from": "ci", "to": "expired", "kind": "holds"},
            {"from": "ci", "to": "inactive", "kind": "holds"},
            {"from": "ci", "to": "future", "kind": "holds"},
            {"from": "ci", "to": "live", "kind": "holds"},
            {"from": "expired", "to": "a", "kind": "authenticates_as"},
            {"from": "inactive", "to": "b", "kind": "authenticates_as"},
            {"from": "future", "to": "c", "kind": "authenticates_as"},
            {"from": "live", "to": "d", "kind": "authenticates_as"}
        ]),
    ));
    let rep = off(&g, "ci");
    assert_eq!(
        reached(&rep),
        vec![
            r("d", t("2026-11-20T10:00:01Z"), false),
            r("live", t("2026-11-20T10:00:01Z"), false)
        ]
    );
    assert!(rep.blocked.is_empty(), "dead is not a control that held");
    // The same query an hour earlier sees the expired token alive.
    let rep = run(&g, &["ci"], "2026-11-20T09:00:00Z", Attacker::OffDevice);
    assert_eq!(ids(&rep), vec!["a", "d", "expired", "live"]);
}

#[test]
fn a_dead_source_reaches_nothing() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "expires_at": "2026-11-20T09:00:00Z"},
            {"id": "u", "kind": "user"}
        ]),
        json!([{"from": "s", "to": "u", "kind": "authenticates_as"}]),
    ));
    let rep = off(&g, "s");
    assert!(rep.reached.is_empty());
    assert_eq!(rep.dead_sources, vec!["s"]);
    let rep = run(&g, &["s"], "2026-11-20T08:00:00Z", Attacker::OffDevice);
    assert_eq!(
        reached(&rep),
        vec![r("u", t("2026-11-20T09:00:00Z"), false)]
    );
}

#[test]
fn owning_or_administering_is_persistence_downstream() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "expires_at": "2026-11-20T12:00:00Z"},
            {"id": "u", "kind": "user"},
            {"id": "sa", "kind": "service_account"},
            {"id": "box", "kind": "resource", "criticality": 9},
            {"id": "app", "kind": "app"},
            {"id": "secret", "kind": "token", "expires_at": "2026-11-20T11:00:00Z"},
            {"id": "other", "kind": "resource"}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "sa", "kind": "owns"},
            {"from": "sa", "to": "box", "kind": "can_access"},
            {"from": "u", "to": "app", "kind": "admin_of"},
            {"from": "app", "to": "secret", "kind": "holds"},
            {"from": "u", "to": "other", "kind": "can_access"}
        ]),
    ));
    let rep = off(&g, "s");
    assert_eq!(
        reached(&rep),
        vec![
            r("app", None, true),
            r("box", None, true),
            r("other", t("2026-11-20T12:00:00Z"), false),
            r("sa", None, true),
            r("secret", None, true),
            r("u", t("2026-11-20T12:00:00Z"), false),
        ]
    );
}

#[test]
fn disabled_accounts_refuse_new_sign_ins_but_issued_credentials_still_work() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "mfa": true},
            {"id": "u", "kind": "user"},
            {"id": "gone", "kind": "user", "enabled": false},
            {"id": "role", "kind": "service_account", "enabled": false},
            {"id": "w", "kind": "workload"},
            {"id": "tok", "kind": "token"},
            {"id": "left", "kind": "user", "enabled": false},
            {"id": "repo", "kind": "resource"}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "gone", "kind": "sso"},
            {"from": "u", "to": "role", "kind": "can_assume"},
            {"from": "u", "to": "w", "kind": "can_access"},
            {"from": "w", "to": "tok", "kind": "holds"},
            {"from": "tok", "to": "left", "kind": "authenticates_as"},
            {"from": "left", "to": "repo", "kind": "can_access"}
        ]),
    ));
    let rep = off(&g, "s");
    assert_eq!(ids(&rep), vec!["left", "repo", "tok", "u", "w"]);
    assert!(rep.blocked.is_empty());
}

#[test]
fn several_sources_union_and_never_list_themselves() {
    let g = graph(doc(
        json!([
            {"id": "s1", "kind": "session", "expires_at": "2026-11-20T12:00:00Z"},
            {"id": "s2", "kind": "token", "expires_at": "2026-11-20T18:00:00Z"},
            {"id": "u", "kind": "user"},
            {"id": "v", "kind": "user"},
            {"id": "app", "kind": "app"}
        ]),
        json!([
            {"from": "s1", "to": "u", "kind": "authenticates_as"},
            {"from": "s2", "to": "v", "kind": "authenticates_as"},
            {"from": "u", "to": "app", "kind": "can_access"},
            {"from": "v", "to": "app", "kind": "can_access"},
            {"from": "u", "to": "s2", "kind": "consented"}
        ]),
    ));
    let rep = run(&g, &["s1", "s2"], AT, Attacker::OffDevice);
    assert_eq!(
        reached(&rep),
        vec![
            r("app", t("2026-11-20T18:00:00Z"), false),
            r("u", t("2026-11-20T12:00:00Z"), false),
            r("v", t("2026-11-20T18:00:00Z"), false),
        ]
    );
    let app = rep.reached.iter().find(|x| x.id == "app").unwrap();
    assert_eq!(app.path.ids(), vec!["s2", "v", "app"]);
}

#[test]
fn consented_is_reporting_only() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session"},
            {"id": "u", "kind": "user"},
            {"id": "grant", "kind": "oauth_grant"},
            {"id": "crm", "kind": "app"}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "grant", "kind": "consented"},
            {"from": "grant", "to": "crm", "kind": "can_access"}
        ]),
    ));
    assert_eq!(ids(&off(&g, "s")), vec!["u"]);
}

#[test]
fn minted_children_carry_the_parents_mfa_claim() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "mfa": true},
            {"id": "rt", "kind": "token", "token_type": "refresh"},
            {"id": "pinned", "kind": "token", "token_type": "refresh", "mfa": false},
            {"id": "u", "kind": "user"},
            {"id": "u2", "kind": "user"},
            {"id": "mail", "kind": "resource"},
            {"id": "files", "kind": "resource"}
        ]),
        json!([
            {"from": "s", "to": "rt", "kind": "issued", "at": "2026-11-20T09:00:00Z"},
            {"from": "s", "to": "pinned", "kind": "issued", "at": "2026-11-20T09:00:00Z"},
            {"from": "rt", "to": "u", "kind": "authenticates_as"},
            {"from": "pinned", "to": "u2", "kind": "authenticates_as"},
            {"from": "u", "to": "mail", "kind": "can_access", "requires": ["mfa"]},
            {"from": "u2", "to": "files", "kind": "can_access", "requires": ["mfa"]}
        ]),
    ));
    let rep = off(&g, "s");
    assert_eq!(ids(&rep), vec!["mail", "pinned", "rt", "u", "u2"]);
    assert_eq!(blocked(&rep), vec![("files".into(), vec!["mfa".into()])]);
}

#[test]
fn the_same_node_can_be_blocked_on_one_path_and_reached_on_another() {
    let g = graph(doc(
        json!([
            {"id": "s", "kind": "session", "mfa": true},
            {"id": "u", "kind": "user"},
            {"id": "grp", "kind": "group"},
            {"id": "mail", "kind": "app"}
        ]),
        json!([
            {"from": "s", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "mail", "kind": "can_access", "requires": ["managed_device"]},
            {"from": "u", "to": "grp", "kind": "member_of"},
            {"from": "grp", "to": "mail", "kind": "can_access"}
        ]),
    ));
    let rep = off(&g, "s");
    assert_eq!(ids(&rep), vec!["grp", "mail", "u"]);
    assert!(
        rep.blocked.is_empty(),
        "reached nodes are not reported blocked"
    );
}

#[test]
fn incomplete_sources_are_reported_per_node() {
    let g = graph(json!({
        "version": 1,
        "sources": [
            {"name": "okta", "complete": true},
            {"name": "github", "complete": false, "reason": "429 on /orgs/acme/members"}
        ],
        "nodes": [
            {"id": "okta:session:1", "kind": "session", "platform": "okta"},
            {"id": "okta:user:1", "kind": "user", "platform": "okta"},
            {"id": "github:user:1", "kind": "user", "platform": "github"}
        ],
        "edges": [
            {"from": "okta:session:1", "to": "okta:user:1", "kind": "authenticates_as"},
            {"from": "okta:user:1", "to": "github:user:1", "kind": "sso"}
        ]
    }));
    let rep = off(&g, "okta:session:1");
    assert_eq!(rep.incomplete_sources, vec!["github"]);
    let complete: Vec<(String, bool)> = rep
        .reached
        .iter()
        .map(|x| (x.id.to_string(), x.complete))
        .collect();
    assert_eq!(
        complete,
        vec![
            ("github:user:1".to_string(), false),
            ("okta:user:1".to_string(), true)
        ]
    );
}

#[test]
fn persistence_wins_over_any_finite_window() {
    // Reached both through a long-lived key (no expiry, not persistent) and through ownership
    // (persistent): the report says persistent.
    let g = graph(doc(
        json!([
            {"id": "w", "kind": "workload"},
            {"id": "key", "kind": "token"},
            {"id": "u", "kind": "user"},
            {"id": "sa", "kind": "service_account"}
        ]),
        json!([
            {"from": "w", "to": "key", "kind": "holds"},
            {"from": "key", "to": "sa", "kind": "authenticates_as"},
            {"from": "key", "to": "u", "kind": "authenticates_as"},
            {"from": "u", "to": "sa", "kind": "owns"}
        ]),
    ));
    let rep = off(&g, "w");
    assert_eq!(
        reached(&rep),
        vec![
            r("key", None, false),
            r("sa", None, true),
            r("u", None, false)
        ]
    );
    let sa = rep.reached.iter().find(|x| x.id == "sa").unwrap();
    assert_eq!(sa.path.ids(), vec!["w", "key", "u", "sa"]);
}

fn lineage(g: &TrustGraph, from: &str, since: Option<&str>) -> LineageReport {
    inherited(
        g,
        g.index(from).unwrap(),
        since.map(|s| Timestamp::parse(s).unwrap()),
        Timestamp::parse(AT).unwrap(),
    )
}

#[test]
fn lineage_is_the_issued_closure_after_the_compromise_time() {
    let g = graph(doc(
        json!([
            {"id": "idp", "kind": "session", "expires_at": "2026-11-20T20:00:00Z"},
            {"id": "before", "kind": "session", "expires_at": "2026-11-20T20:00:00Z"},
            {"id": "slack", "kind": "session", "expires_at": "2026-11-20T20:00:00Z"},
            {"id": "rt", "kind": "token", "token_type": "refresh", "expires_at": "2026-12-20T00:00:00Z"},
            {"id": "at", "kind": "token", "token_type": "access", "expires_at": "2026-11-20T09:45:00Z"},
            {"id": "undated", "kind": "token"},
            {"id": "u", "kind": "user"}
        ]),
        json!([
            {"from": "idp", "to": "before", "kind": "issued", "at": "2026-11-20T07:00:00Z"},
            {"from": "idp", "to": "slack", "kind": "issued", "at": "2026-11-20T09:05:00Z",
             "props": {"ip": "203.0.113.7", "user_agent": "curl/8.4"}},
            {"from": "slack", "to": "rt", "kind": "issued", "at": "2026-11-20T09:06:00Z"},
            {"from": "rt", "to": "at", "kind": "issued", "at": "2026-11-20T09:07:00Z"},
            {"from": "idp", "to": "undated", "kind": "issued"},
            {"from": "idp", "to": "u", "kind": "authenticates_as"}
        ]),
    ));
    let all = lineage(&g, "idp", None);
    let got: Vec<&str> = all.inherited.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(got, vec!["before", "slack", "rt", "at", "undated"]);

    let since = lineage(&g, "idp", Some("2026-11-20T09:00:00Z"));
    let got: Vec<(&str, bool, Vec<&str>)> = since
        .inherited
        .iter()
        .map(|x| {
            (
                x.id.as_str(),
                x.live,
                x.via.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("slack", true, vec!["idp", "slack"]),
            ("rt", true, vec!["idp", "slack", "rt"]),
            ("at", false, vec!["idp", "slack", "rt", "at"]),
        ]
    );
    assert_eq!(since.undated_skipped, 1);
    assert_eq!(since.inherited[0].ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(since.inherited[0].user_agent.as_deref(), Some("curl/8.4"));
    assert_eq!(
        since.inherited[0].at.unwrap().to_string(),
        "2026-11-20T09:05:00Z"
    );
}
