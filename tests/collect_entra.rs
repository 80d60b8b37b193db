//! The Entra ID collector and the Entra sign-in importer: transform golden documents on recorded
//! responses (`tests/fixtures/entra/`; regenerate with `UPDATE_GOLDEN=1`), live collection against
//! a scripted Graph (`@odata.nextLink` paging over absolute URLs, 429 with `Retry-After`, 5xx, a
//! malformed page, 401, the client-credentials token endpoint), FOCI blast radius and sign-in
//! lineage on the merged documents.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::entra_tenant::{page, read, recorded, serve_tenant, DIR};
use common::httpmock::{MockServer, Reply};
use heir::analysis::blast::{blast, BlastQuery};
use heir::analysis::lineage::inherited;
use heir::collect::entra::{self, paths, EntraAuth, EntraRaw};
use heir::collect::http::{FetchError, Policy};
use heir::collect::logshape::Shape;
use heir::collect::{signins, Collection, Progress};
use heir::model::merge::merge_documents;
use heir::model::{Attacker, Document, EdgeKind, NodeKind, Timestamp, TrustGraph};
use serde_json::{json, Value};

/// Not a real token or secret; the tests check they never show up in an error or a document.
const TOKEN: &str = "fake-graph-token-for-tests-only";
const SECRET: &str = "fake-client-secret-for-tests-only";
const ISSUED: &str = "fake-token-issued-by-the-mock-endpoint";

const ANA: &str = "a1a1a1a1-0000-4000-8000-0000000000a1";
const BEN: &str = "a1a1a1a1-0000-4000-8000-0000000000a2";
const SESSION_ANA: &str = "3e3e3e3e-0000-4000-8000-000000000e01";
const SESSION_BEN: &str = "3e3e3e3e-0000-4000-8000-000000000e02";
const TEAMS: &str = "1fec8e78-bce4-4aaf-ab1b-5451cc387264";
const OFFICE: &str = "d3590ed6-52b3-4102-aeff-aad2292ab01c";
const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

fn collected_at() -> Timestamp {
    Timestamp::parse("2025-03-11T00:00:00Z").unwrap()
}

fn policy() -> Policy {
    common::httpmock::fast_policy()
}

fn quiet() -> Progress {
    Progress::new("entra", true)
}

/// What `fetch` returns for the recorded tenant: one (possibly empty) entry per object it asked
/// about.
fn normalised(mut raw: EntraRaw) -> EntraRaw {
    let ids = |v: &[Value]| -> Vec<String> {
        v.iter()
            .filter_map(|x| x["id"].as_str())
            .map(str::to_string)
            .collect()
    };
    let fill = |m: &mut BTreeMap<String, Vec<Value>>, keys: Vec<String>| {
        for k in keys {
            m.entry(k).or_default();
        }
    };
    fill(&mut raw.group_members, ids(&raw.groups));
    fill(&mut raw.app_owners, ids(&raw.applications));
    fill(&mut raw.federated_credentials, ids(&raw.applications));
    fill(&mut raw.sp_owners, ids(&raw.service_principals));
    fill(&mut raw.app_role_assignments, ids(&raw.service_principals));
    raw
}

fn sign_in_records() -> Vec<Value> {
    let page: Value = serde_json::from_str(&read("signins.page.json")).unwrap();
    page["value"].as_array().unwrap().clone()
}

fn pretty(doc: &Document) -> String {
    serde_json::to_string_pretty(doc).unwrap() + "\n"
}

/// Compares with `tests/fixtures/entra/<name>`, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, doc: &Document) {
    let path = format!("{DIR}/{name}");
    let got = pretty(doc);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with UPDATE_GOLDEN=1 to create it)"));
    assert!(
        got == want,
        "{name} differs from the transform output (run with UPDATE_GOLDEN=1 after checking)\n{}",
        first_difference(&want, &got)
    );
}

fn first_difference(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  want {a}\n  got  {b}", i + 1);
        }
    }
    format!(
        "lengths differ: want {} lines, got {}",
        want.lines().count(),
        got.lines().count()
    )
}

fn entra_doc() -> Document {
    entra::transform(&recorded()).into_document(collected_at())
}

fn signins_doc() -> Document {
    signins::transform(&sign_in_records()).into_document(collected_at())
}

fn node<'a>(doc: &'a Document, id: &str) -> &'a heir::model::Node {
    doc.nodes
        .iter()
        .find(|n| n.id == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

fn has_edge(doc: &Document, from: &str, to: &str, kind: EdgeKind) -> bool {
    doc.edges
        .iter()
        .any(|e| e.from == from && e.to == to && e.kind == kind)
}

// ------------------------------------------------------------------------------------------------
// Transform (offline)

#[test]
fn entra_transform_golden() {
    let doc = entra_doc();
    golden("entra.golden.json", &doc);
    assert!(doc.sources[0].complete, "{:?}", doc.sources[0].reason);
}

#[test]
fn signins_transform_golden() {
    let doc = signins_doc();
    golden("signins.golden.json", &doc);
    assert_eq!(doc.sources[0].name, "signins");
    assert_eq!(doc.sources[0].platforms, vec!["entra".to_string()]);
    assert!(doc.sources[0].complete, "{:?}", doc.sources[0].reason);
}

/// The documents load without errors, and without warnings other than the federation edge
/// (`workload -can_assume-> service principal`, which the endpoint table does not list yet).
#[test]
fn documents_pass_the_model_checks() {
    for (name, doc) in [("entra", entra_doc()), ("signins", signins_doc())] {
        let (_, warnings) = heir::model::load::check(name, doc).expect("valid document");
        for w in &warnings {
            let text = format!("{w:?}");
            assert!(
                text.contains("can_assume") && text.contains("workload"),
                "{name}: unexpected warning {text}"
            );
        }
    }
}

#[test]
fn entra_mapping() {
    let doc = entra_doc();
    let idp = "entra:idp:7e7e7e7e-0000-4000-8000-000000000001";
    let ana = format!("entra:user:{ANA}");
    let ben = format!("entra:user:{BEN}");
    let nightly_app = "entra:app:77777777-0000-4000-8000-000000000077";
    let nightly_sp = "entra:service_account:c1c1c1c1-0000-4000-8000-0000000000c1";
    let graph = "entra:resource:00000003-0000-0000-c000-000000000000";

    // Users: enabled from accountEnabled, person from mail (lower case) or UPN.
    assert_eq!(
        node(&doc, &ben).person.as_deref(),
        Some("ben.ortiz@acme.test")
    );
    let dev = node(&doc, "entra:user:a1a1a1a1-0000-4000-8000-0000000000a4");
    assert_eq!(dev.enabled, Some(false));
    assert_eq!(dev.person.as_deref(), Some("dev-test@acme.test"));

    // Directory roles: Global Administrator is a tier-0 role that administers the tenant.
    let ga = "entra:role:62e90394-69f5-4237-9190-012177145e10";
    assert!(has_edge(&doc, &ana, ga, EdgeKind::MemberOf));
    assert!(has_edge(&doc, ga, idp, EdgeKind::AdminOf));
    assert_eq!(node(&doc, ga).criticality, Some(10));
    // A role without directory write power has no edge to the tenant.
    let readers = "entra:role:88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
    assert!(has_edge(&doc, nightly_sp, readers, EdgeKind::MemberOf));
    assert!(!doc.edges.iter().any(|e| e.from == readers));
    // An app-scoped Application Administrator owns that app.
    let frank = "entra:user:a1a1a1a1-0000-4000-8000-0000000000a7";
    assert!(has_edge(&doc, frank, nightly_app, EdgeKind::Owns));
    assert_eq!(
        node(&doc, idp).props["scoped_role_assignments_not_modelled"],
        json!(1)
    );

    // App registration: owner owns app and service principal; the app holds its credentials,
    // which authenticate as the service principal; never a secret value.
    assert!(has_edge(&doc, &ben, nightly_app, EdgeKind::Owns));
    assert!(has_edge(&doc, &ben, nightly_sp, EdgeKind::Owns));
    let secret = "entra:token:5e5e5e5e-0000-4000-8000-000000000005";
    assert!(has_edge(&doc, nightly_app, secret, EdgeKind::Holds));
    assert!(has_edge(
        &doc,
        secret,
        nightly_sp,
        EdgeKind::AuthenticatesAs
    ));
    let s = node(&doc, secret);
    assert_eq!(s.token_type, Some(heir::model::TokenType::ClientSecret));
    assert_eq!(
        s.expires_at,
        Some(Timestamp::parse("2026-01-01T00:00:00Z").unwrap())
    );
    assert!(!s.props.contains_key("secretText"));
    let cert = node(&doc, "entra:token:6f6f6f6f-0000-4000-8000-000000000006");
    assert_eq!(cert.token_type, Some(heir::model::TokenType::PrivateKey));
    // SAML signing material on the Expense Portal service principal is not a client credential.
    for k in [
        "6f6f6f6f-0000-4000-8000-000000000009",
        "6f6f6f6f-0000-4000-8000-00000000000a",
        "5e5e5e5e-0000-4000-8000-00000000000b",
    ] {
        assert!(!doc.nodes.iter().any(|n| n.id == format!("entra:token:{k}")));
    }

    // Federation: the GitHub workflow can assume the service principal.
    let gh = "github:workload:repo:acme/infra:ref:refs/heads/main";
    assert_eq!(node(&doc, gh).platform.as_deref(), Some("github"));
    assert!(has_edge(&doc, gh, nightly_sp, EdgeKind::CanAssume));

    // Application permissions: can_access the API with the role value; a takeover permission is
    // admin of the tenant.
    let e = doc
        .edges
        .iter()
        .find(|e| e.from == nightly_sp && e.to == graph && e.kind == EdgeKind::CanAccess)
        .expect("app role assignment edge");
    assert_eq!(
        e.props["roles"],
        json!(["User.Read.All", "RoleManagement.ReadWrite.Directory"])
    );
    assert_eq!(
        e.props["role"],
        "User.Read.All, RoleManagement.ReadWrite.Directory"
    );
    assert!(has_edge(&doc, nightly_sp, idp, EdgeKind::AdminOf));
    // A third-party app's credentials are its publisher's: compromising the app reaches its
    // app-only access too.
    let salesly_app = "entra:app:88888888-0000-4000-8000-000000000088";
    let publisher = "entra:token:publisher:88888888-0000-4000-8000-000000000088";
    let salesly_sp = "entra:service_account:c2c2c2c2-0000-4000-8000-0000000000c2";
    assert!(has_edge(&doc, salesly_app, publisher, EdgeKind::Holds));
    assert!(has_edge(
        &doc,
        publisher,
        salesly_sp,
        EdgeKind::AuthenticatesAs
    ));
    assert!(has_edge(&doc, salesly_sp, graph, EdgeKind::CanAccess));
    // Microsoft first-party apps get no such node.
    assert!(!doc
        .nodes
        .iter()
        .any(|n| n.id == format!("entra:token:publisher:{AZURE_CLI}")));
    // Deleted assignments are gone.
    assert!(!has_edge(
        &doc,
        "entra:service_account:c9c9c9c9-0000-4000-8000-0000000000c9",
        graph,
        EdgeKind::CanAccess
    ));

    // Delegated consent: per-user grant consented by the user and held by the client app.
    let g = "entra:oauth_grant:R3JhbnRTYWxlc2x5Q2FyYQ";
    let grant = node(&doc, g);
    assert_eq!(
        grant.scopes,
        vec![
            "openid",
            "profile",
            "offline_access",
            "Mail.Read",
            "Calendars.Read"
        ]
    );
    assert!(has_edge(
        &doc,
        "entra:user:a1a1a1a1-0000-4000-8000-0000000000a3",
        g,
        EdgeKind::Consented
    ));
    assert!(has_edge(
        &doc,
        "entra:app:88888888-0000-4000-8000-000000000088",
        g,
        EdgeKind::Holds
    ));
    assert!(has_edge(&doc, g, graph, EdgeKind::CanAccess));
    // Tenant-wide grant: nobody consented in the graph; noted in props.
    let all = "entra:oauth_grant:R3JhbnRBenVyZUNsaUFsbA";
    assert_eq!(node(&doc, all).props["tenant_wide"], json!(true));
    assert!(!doc
        .edges
        .iter()
        .any(|e| e.to == all && e.kind == EdgeKind::Consented));
}

#[test]
fn missing_principals_make_the_collection_incomplete() {
    let mut raw = recorded();
    raw.role_assignments.push(json!({
        "id": "RaGhost", "principalId": "ffffffff-0000-4000-8000-00000000ffff",
        "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "directoryScopeId": "/"
    }));
    let doc = entra::transform(&raw).into_document(collected_at());
    assert!(!doc.sources[0].complete);
    assert!(doc.sources[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("1 directory role assignment(s)"));
}

// ------------------------------------------------------------------------------------------------
// Sign-ins: lineage and FOCI

#[test]
fn session_lineage_lists_exactly_its_app_sign_ins() {
    let g = TrustGraph::new(signins_doc());
    let at = Timestamp::parse("2025-03-10T12:00:00Z").unwrap();
    let ids = |from: &str| -> Vec<String> {
        let i = g.index(from).unwrap_or_else(|| panic!("no {from}"));
        inherited(&g, i, None, at)
            .inherited
            .into_iter()
            .map(|x| x.id)
            .collect()
    };
    // Ben's browser session: the two app sign-ins, in time order.
    assert_eq!(
        ids(&format!("entra:session:{SESSION_BEN}")),
        vec![
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d05",
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d06",
        ]
    );
    // Ana's session: its family refresh token and its three successful sign-ins (the one
    // Conditional Access blocked minted nothing).
    assert_eq!(
        ids(&format!("entra:session:{SESSION_ANA}")),
        vec![
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d01".to_string(),
            format!("entra:token:foci:{SESSION_ANA}"),
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d02".into(),
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d03".into(),
        ]
    );
    // Where and when, from the sign-in.
    let r = inherited(
        &g,
        g.index(&format!("entra:session:{SESSION_BEN}")).unwrap(),
        None,
        at,
    );
    assert_eq!(r.inherited[0].ip.as_deref(), Some("203.0.113.50"));
    assert!(r.inherited[0]
        .user_agent
        .as_deref()
        .unwrap()
        .contains("Firefox"));
    assert_eq!(
        r.inherited[0].at,
        Some(Timestamp::parse("2025-03-10T10:00:00Z").unwrap())
    );
    // With a compromise time, only what was minted afterwards.
    let since = Timestamp::parse("2025-03-10T10:01:00Z").unwrap();
    let later = inherited(
        &g,
        g.index(&format!("entra:session:{SESSION_BEN}")).unwrap(),
        Some(since),
        at,
    );
    assert_eq!(later.inherited.len(), 1);

    let doc = signins_doc();
    let session = node(&doc, &format!("entra:session:{SESSION_ANA}"));
    assert_eq!(session.mfa, Some(true));
    assert_eq!(
        session.issued_at,
        Some(Timestamp::parse("2025-03-10T09:00:03Z").unwrap())
    );
    assert_eq!(
        node(&doc, &format!("entra:session:{SESSION_BEN}")).mfa,
        Some(false)
    );
    assert!(has_edge(
        &doc,
        &format!("entra:session:{SESSION_ANA}"),
        &format!("entra:user:{ANA}"),
        EdgeKind::AuthenticatesAs
    ));
    // A v1.0-style record without sessionId is a grouped session that says how it was grouped.
    let fallback = node(
        &doc,
        "entra:session:grouped-7d7d7d7d-0000-4000-8000-000000000d07",
    );
    assert!(fallback.props["session_key"]
        .as_str()
        .unwrap()
        .starts_with("grouped"));
    assert_eq!(fallback.props["grouped_by"], json!(["single sign-in"]));
    // Failed sign-ins are not lineage.
    assert!(!doc
        .nodes
        .iter()
        .any(|n| n.id.ends_with("7d7d7d7d-0000-4000-8000-000000000d04")));
}

/// A family refresh token stolen from Ana's session reaches every FOCI client present in the
/// tenant (Teams and the Azure CLI, which she never used in that session), the Azure CLI's
/// tenant-wide consent and Microsoft Graph through it — but not another user's per-user consent
/// to a family client.
#[test]
fn foci_refresh_token_blast_reaches_the_family() {
    let (doc, conflicts) = merge_documents(vec![entra_doc(), signins_doc()]);
    assert!(conflicts.is_empty(), "{conflicts:?}");
    let g = TrustGraph::new(doc);
    let from = format!("entra:token:foci:{SESSION_ANA}");
    let q = BlastQuery {
        from: vec![g.index(&from).unwrap()],
        at: Timestamp::parse("2025-03-10T12:00:00Z").unwrap(),
        attacker: Attacker::OffDevice,
    };
    let r = blast(&g, &q);
    let reached: Vec<&str> = r.reached.iter().map(|x| g.id(x.node)).collect();
    for want in [
        entra::FOCI_FAMILY_ID.to_string(),
        format!("entra:app:{TEAMS}"),
        format!("entra:app:{AZURE_CLI}"),
        format!("entra:app:{OFFICE}"),
        "entra:oauth_grant:R3JhbnRBenVyZUNsaUFsbA".into(),
        "entra:resource:00000003-0000-0000-c000-000000000000".into(),
    ] {
        assert!(
            reached.contains(&want.as_str()),
            "{want} not in {reached:?}"
        );
    }
    // Dev's own consent to the Azure CLI is not Ana's to use.
    assert!(!reached.contains(&"entra:oauth_grant:R3JhbnRBenVyZUNsaURldg"));
    // The path explains it: token -> family -> Azure CLI.
    let cli = r
        .reached
        .iter()
        .find(|x| g.id(x.node) == format!("entra:app:{AZURE_CLI}"))
        .unwrap();
    let path: Vec<&str> = r.path(cli).iter().map(|&i| g.id(i)).collect();
    assert_eq!(
        path,
        vec![
            from.as_str(),
            entra::FOCI_FAMILY_ID,
            &format!("entra:app:{AZURE_CLI}")
        ]
    );
    // The family refresh token itself came from Ana's session, and mints the family sign-ins.
    assert_eq!(
        g.node(g.index(&from).unwrap()).token_type,
        Some(heir::model::TokenType::Refresh)
    );
    let minted = inherited(&g, g.index(&from).unwrap(), None, q.at);
    let ids: Vec<&str> = minted.inherited.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d01",
            "entra:token:7d7d7d7d-0000-4000-8000-000000000d02"
        ]
    );
}

#[test]
fn foci_client_list() {
    let clients = entra::foci_clients();
    assert_eq!(clients.len(), 37);
    assert!(clients.contains(&(TEAMS, "Microsoft Teams")));
    assert!(entra::is_foci(AZURE_CLI));
}

// ------------------------------------------------------------------------------------------------
// Sign-in exports

/// PascalCase, recursively (Log Analytics columns, Graph PowerShell properties).
fn pascal(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let first = c.next().map(|f| f.to_ascii_uppercase()).unwrap_or_default();
                    let k = match k.as_str() {
                        "ipAddress" => "IPAddress".to_string(),
                        _ => format!("{first}{}", c.as_str()),
                    };
                    (k, pascal(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(pascal).collect()),
        other => other.clone(),
    }
}

/// A record as a Log Analytics `SigninLogs` row: PascalCase top-level columns, `dynamic` columns
/// as JSON text (as in a CSV export), `TimeGenerated`, `LocationDetails`, `ResultType`, `Type`.
fn log_analytics(r: &Value) -> Value {
    let mut row = serde_json::Map::new();
    for (k, v) in r.as_object().unwrap() {
        let mut c = k.chars();
        let col = match k.as_str() {
            "ipAddress" => "IPAddress".to_string(),
            "location" => "LocationDetails".to_string(),
            "status" => "Status".to_string(),
            _ => format!("{}{}", c.next().unwrap().to_ascii_uppercase(), c.as_str()),
        };
        let cell = match v {
            Value::Object(_) | Value::Array(_) => Value::String(v.to_string()),
            other => other.clone(),
        };
        row.insert(col, cell);
    }
    row.insert("TimeGenerated".into(), r["createdDateTime"].clone());
    row.remove("CreatedDateTime");
    row.insert(
        "ResultType".into(),
        Value::from(r["status"]["errorCode"].to_string()),
    );
    row.insert("Type".into(), Value::from("SigninLogs"));
    Value::Object(row)
}

fn csv_of(rows: &[Value]) -> String {
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        for k in r.as_object().unwrap().keys() {
            if !cols.contains(k) {
                cols.push(k.clone());
            }
        }
    }
    let cell = |v: Option<&Value>| -> String {
        let s = match v {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let mut out = cols
        .iter()
        .map(|c| {
            if c == "TimeGenerated" {
                "TimeGenerated [UTC]".to_string()
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
        + "\r\n";
    for r in rows {
        out += &cols
            .iter()
            .map(|c| cell(r.get(c)))
            .collect::<Vec<_>>()
            .join(",");
        out += "\r\n";
    }
    out
}

/// Graph PowerShell 5.1 `ConvertTo-Json`: PascalCase everywhere and `/Date(ms)/` times.
fn powershell(r: &Value) -> Value {
    let mut v = pascal(r);
    let t = Timestamp::parse(r["createdDateTime"].as_str().unwrap()).unwrap();
    v["CreatedDateTime"] = Value::from(format!("/Date({})/", t.as_millis()));
    v["AdditionalProperties"] = json!({});
    v
}

#[test]
fn sign_in_exports_in_every_shape_give_the_same_document() {
    let records = sign_in_records();
    let want = pretty(&signins_doc());
    let array = serde_json::to_string(&records).unwrap();
    let page = read("signins.page.json");
    let ndjson: String = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    let (a, b) = records.split_at(3);
    let shapes: Vec<(&str, String)> = vec![
        ("array", array),
        ("page", page),
        ("ndjson", ndjson),
        (
            "two Graph pages appended",
            format!("{}\n{}", json!({"value": a}), json!({"value": b})),
        ),
        (
            "concatenated pretty objects",
            records.iter().map(|r| serde_json::to_string_pretty(r).unwrap() + "\n").collect(),
        ),
        (
            "diagnostic settings / storage archive",
            json!({"records": records.iter().map(|r| json!({"time": r["createdDateTime"],
                "resourceId": "/tenants/t/providers/Microsoft.aadiam", "operationName": "Sign-in activity",
                "category": if r.get("signInEventTypes").is_some_and(|t| t.to_string().contains("nonInteractive")) { "NonInteractiveUserSignInLogs" } else { "SignInLogs" },
                "callerIpAddress": r["ipAddress"], "properties": r})).collect::<Vec<_>>()})
            .to_string(),
        ),
        (
            "Event Hub records one per line",
            records
                .iter()
                .map(|r| json!({"time": r["createdDateTime"], "category": "SignInLogs", "properties": r}).to_string() + "\n")
                .collect(),
        ),
        (
            "Log Analytics JSON",
            serde_json::to_string_pretty(&records.iter().map(log_analytics).collect::<Vec<_>>()).unwrap(),
        ),
        ("Log Analytics CSV", csv_of(&records.iter().map(log_analytics).collect::<Vec<_>>())),
        (
            "Graph PowerShell",
            serde_json::to_string_pretty(&records.iter().map(powershell).collect::<Vec<_>>()).unwrap(),
        ),
    ];
    for (shape, text) in shapes {
        let c =
            signins::collect_file(&text, Shape::Auto).unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert_eq!(
            accounting(&c),
            (7, 6, reasons(&[("failed sign-in", 1)])),
            "{shape}"
        );
        assert!(c.problems.is_empty(), "{shape}: {:?}", c.problems);
        let got = pretty(&c.into_document(collected_at()));
        // The Log Analytics shapes categorise every record by its table.
        let got: String = got
            .lines()
            .filter(|l| {
                !l.contains("\"category\": \"SignInLogs\"")
                    && !l.contains("\"category\": \"SigninLogs\"")
                    && !l.contains("\"category\": \"NonInteractiveUserSignInLogs\"")
            })
            .map(|l| l.to_string() + "\n")
            .collect();
        assert!(got == want, "{shape}\n{}", first_difference(&want, &got));
    }
    let e = signins::collect_file("[{\"Foo\":\"2025-03-10T09:00:00Z\"}]", Shape::Auto).unwrap_err();
    assert!(e.contains("sign-in time") && e.contains("fix:"), "{e}");
}

#[test]
fn a_partial_page_a_bad_line_and_zone_less_times_are_said() {
    let records = sign_in_records();
    let page = json!({"@odata.context": "x", "value": records,
        "@odata.nextLink": "https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=abc"});
    let c = signins::collect_file(&page.to_string(), Shape::Auto).unwrap();
    assert_eq!(c.problems.len(), 1);
    assert!(
        c.problems[0].contains("@odata.nextLink"),
        "{:?}",
        c.problems
    );
    let doc = c.into_document(collected_at());
    assert!(!doc.sources[0].complete);

    let mut ndjson: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    ndjson.insert(2, "{\"id\": \"cut".to_string());
    let c = signins::collect_file(&ndjson.join("\n"), Shape::Auto).unwrap();
    assert_eq!(
        accounting(&c),
        (
            8,
            6,
            reasons(&[("failed sign-in", 1), ("not valid JSON or CSV", 1)])
        )
    );
    assert_eq!(
        c.records.records().examples["not valid JSON or CSV"],
        vec!["line 3"]
    );

    let zoneless: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let t = r["createdDateTime"]
                .as_str()
                .unwrap()
                .trim_end_matches('Z')
                .to_string();
            r["createdDateTime"] = Value::from(t);
            r
        })
        .collect();
    let c = signins::collect_file(&serde_json::to_string(&zoneless).unwrap(), Shape::Auto).unwrap();
    assert_eq!(accounting(&c), (7, 6, reasons(&[("failed sign-in", 1)])));
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("6 sign-in time(s) carry no zone")),
        "{:?}",
        c.notes
    );
    let doc = c.into_document(collected_at());
    let t = node(&doc, "entra:token:7d7d7d7d-0000-4000-8000-000000000d01");
    assert_eq!(t.issued_at.unwrap().to_string(), "2025-03-10T09:00:03Z");
    assert!(t.props.contains_key("time_zone"));
}

/// One browser session of one user over four minutes, exported without `sessionId` (v1.0,
/// Log Analytics): one session, not one per request.
#[test]
fn a_session_without_session_id_is_one_session() {
    let base = Timestamp::parse("2025-03-10T09:00:00Z")
        .unwrap()
        .as_millis();
    let mut records: Vec<Value> = (0..14)
        .map(|i| {
            json!({"id": format!("r{i:02}"), "createdDateTime": Timestamp::from_millis(base + i * 17_000).to_string(),
                "userId": "u1", "userPrincipalName": "ana@example.com", "appId": "00000003-0000-0000-c000-000000000000",
                "appDisplayName": "Graph Explorer", "correlationId": format!("c{i:02}"), "ipAddress": "198.51.100.23",
                "userAgent": "Mozilla/5.0 Firefox/123.0", "status": {"errorCode": 0}})
        })
        .collect();
    // The attacker replaying a token from elsewhere is not folded into the user's session.
    records.push(json!({"id": "x1", "createdDateTime": "2025-03-10T09:03:00Z", "userId": "u1",
        "appId": "00000003-0000-0000-c000-000000000000", "correlationId": "cx", "ipAddress": "203.0.113.77",
        "userAgent": "python-requests/2.31", "incomingTokenType": "refreshToken",
        "authenticationProcessingDetails": [{"key": "Oauth Scope Info",
            "value": "[\"RoleManagement.ReadWrite.Directory\",\"User.Read\"]"}],
        "resourceId": "00000003-0000-0000-c000-000000000000", "resourceDisplayName": "Microsoft Graph"}));
    // A sign-in an hour later on the same device redeeming a refresh token continues the session.
    records.push(json!({"id": "r99", "createdDateTime": "2025-03-10T13:00:00Z", "userId": "u1",
        "correlationId": "c99", "ipAddress": "198.51.100.23", "userAgent": "Mozilla/5.0 Firefox/123.0",
        "incomingTokenType": "refreshToken"}));
    let doc = signins::transform(&records).into_document(collected_at());
    let sessions: Vec<&heir::model::Node> = doc
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Session)
        .collect();
    assert_eq!(
        sessions.len(),
        2,
        "{:#?}",
        sessions.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    let main = node(&doc, "entra:session:grouped-r00");
    assert_eq!(main.props["sign_ins"], 15);
    assert_eq!(
        main.props["grouped_by"],
        json!([
            "client address and user agent within 90 min",
            "refresh token redeemed on the same device within 24 h"
        ])
    );
    let other = node(&doc, "entra:session:grouped-x1");
    assert_eq!(other.props["grouped_by"], json!(["single sign-in"]));
    let token = node(&doc, "entra:token:x1");
    assert_eq!(
        token.scopes,
        vec!["RoleManagement.ReadWrite.Directory", "User.Read"]
    );
    assert!(doc.edges.iter().any(|e| e.from == "entra:token:x1"
        && e.kind == EdgeKind::CanAccess
        && e.props["scopes"] == json!(["RoleManagement.ReadWrite.Directory", "User.Read"])));
}

/// Third-party samples (Elastic's Azure integration pipeline tests; tests/fixtures/entra/shapes/
/// SOURCES.md): Event Hub records one per line.
#[test]
fn elastic_samples_failed_only_managed_identities_and_non_interactive() {
    let read_shape = |f: &str| std::fs::read_to_string(format!("{DIR}/shapes/{f}")).unwrap();
    // Five failed sign-ins, one per category: nothing used, every record accounted for.
    let c =
        signins::collect_file(&read_shape("elastic-signinlogs-raw.ndjson"), Shape::Auto).unwrap();
    assert_eq!(accounting(&c), (5, 0, reasons(&[("failed sign-in", 5)])));
    // Managed identities are non-human identities: service accounts with the tokens they got.
    let c =
        signins::collect_file(&read_shape("elastic-managed-identity.ndjson"), Shape::Auto).unwrap();
    assert_eq!(accounting(&c), (4, 4, reasons(&[])));
    let doc = c.into_document(collected_at());
    let mi = node(
        &doc,
        "entra:service_account:9d370547-cb61-4753-be23-68534909af90",
    );
    assert_eq!(mi.name.as_deref(), Some("testplatformlogslube"));
    assert_eq!(mi.props["principal"], "managed identity");
    let t = node(&doc, "entra:token:a08869a8-3b15-46e4-8de3-273849e60100");
    assert_eq!(t.issued_at.unwrap().to_string(), "2022-01-24T04:59:49.227Z");
    assert!(has_edge(&doc, &t.id, &mi.id, EdgeKind::AuthenticatesAs));
    assert!(has_edge(
        &doc,
        &t.id,
        "entra:resource:797f4846-ba00-4fd7-ba43-dac1f8f63013",
        EdgeKind::CanAccess
    ));
    assert_eq!(
        doc.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::ServiceAccount)
            .count(),
        2
    );
    // A non-interactive user sign-in without sessionId: one grouped session.
    let c =
        signins::collect_file(&read_shape("elastic-non-interactive.ndjson"), Shape::Auto).unwrap();
    assert_eq!(accounting(&c), (1, 1, reasons(&[])));
    let doc = c.into_document(collected_at());
    let s = node(
        &doc,
        "entra:session:grouped-22222222-fb7b-4f83-bf74-3876f9ef3900",
    );
    assert_eq!(s.props["country"], "DE");
    assert_eq!(s.props["grouped_by"], json!(["single sign-in"]));
}

// ------------------------------------------------------------------------------------------------
// Credentials from the environment

#[test]
fn auth_from_variables() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(matches!(
        entra::auth_from_vars(vars(&[("ENTRA_ACCESS_TOKEN", TOKEN)])),
        Ok(EntraAuth::Token(t)) if t == TOKEN
    ));
    match entra::auth_from_vars(vars(&[
        ("ENTRA_TENANT_ID", "tenant-x"),
        ("ENTRA_CLIENT_ID", "client-x"),
        ("ENTRA_CLIENT_SECRET", SECRET),
    ]))
    .unwrap()
    {
        EntraAuth::ClientCredentials {
            tenant, login_url, ..
        } => {
            assert_eq!(tenant, "tenant-x");
            assert_eq!(login_url, entra::LOGIN_URL);
        }
        other => panic!("{other:?}"),
    }
    let none = entra::auth_from_vars(vars(&[])).unwrap_err();
    for v in [
        "ENTRA_ACCESS_TOKEN",
        "ENTRA_TENANT_ID",
        "ENTRA_CLIENT_ID",
        "ENTRA_CLIENT_SECRET",
    ] {
        assert!(none.contains(v), "{none}");
    }
    let partial = entra::auth_from_vars(vars(&[
        ("ENTRA_TENANT_ID", "tenant-x"),
        ("ENTRA_CLIENT_SECRET", SECRET),
    ]))
    .unwrap_err();
    assert!(partial.contains("ENTRA_CLIENT_ID not set"), "{partial}");
    assert!(!partial.contains(SECRET));
}

// ------------------------------------------------------------------------------------------------
// Live collection against a scripted Graph

fn no_secret_in(c: &Collection, secrets: &[&str]) {
    let doc = pretty(&c.clone().into_document(collected_at()));
    for s in secrets {
        assert!(!doc.contains(s), "a credential leaked into the document");
        for p in &c.problems {
            assert!(!p.contains(s), "a credential leaked into a problem: {p}");
        }
    }
}

#[tokio::test]
async fn live_fetch_pages_retries_and_matches_the_recording() {
    let mock = MockServer::start();
    let raw = recorded();
    let graph = serve_tenant(&mock, &raw);
    // The first users page is throttled once (Retry-After: 1), groups fail once with a 500.
    let users1 = format!("/v1.0{}", paths::USERS);
    let first_page = page(
        &raw.users[..3],
        Some(format!(
            "{}/v1.0/users?$select=id&$top=999&$skiptoken=page2",
            mock.base
        )),
    );
    mock.route(
        &users1,
        vec![
            Reply::status(
                429,
                r#"{"error":{"code":"TooManyRequests","message":"Too many requests"}}"#,
            )
            .header("retry-after", "1"),
            Reply::json(first_page),
        ],
    );
    let groups = format!("/v1.0{}", paths::GROUPS);
    mock.route(
        &groups,
        vec![
            Reply::status(
                500,
                r#"{"error":{"code":"InternalServerError","message":"oops"}}"#,
            ),
            Reply::json(page(&raw.groups, None)),
        ],
    );

    let started = Instant::now();
    let client = entra::connect(&graph, &EntraAuth::Token(TOKEN.into()), policy())
        .await
        .unwrap();
    let (fetched, problems) = entra::fetch(&client, &quiet()).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(mock.hits(&users1), 2);
    assert_eq!(mock.hits(&groups), 2);
    assert_eq!(
        mock.hits("/v1.0/users?$select=id&$top=999&$skiptoken=page3"),
        1
    );
    assert_eq!(fetched, normalised(raw));
    assert!(mock
        .seen()
        .iter()
        .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));

    // collect = fetch + transform: the golden document.
    let c = entra::collect(&graph, EntraAuth::Token(TOKEN.into()), policy(), &quiet())
        .await
        .unwrap();
    no_secret_in(&c, &[TOKEN]);
    assert_eq!(
        pretty(&c.into_document(collected_at())),
        pretty(&entra_doc())
    );
}

#[tokio::test]
async fn a_malformed_page_is_recorded_and_the_rest_kept() {
    let mock = MockServer::start();
    let raw = recorded();
    let graph = serve_tenant(&mock, &raw);
    mock.route(
        &format!("/v1.0{}", paths::APPLICATIONS),
        vec![Reply::json(r#"{"value": "not a list"}"#)],
    );
    let c = entra::collect(&graph, EntraAuth::Token(TOKEN.into()), policy(), &quiet())
        .await
        .unwrap();
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    let doc = c.into_document(collected_at());
    let source = &doc.sources[0];
    assert!(!source.complete);
    let reason = source.reason.as_deref().unwrap();
    assert!(
        reason.contains("applications (GET /applications)"),
        "{reason}"
    );
    assert!(reason.contains("Application.Read.All"), "{reason}");
    // Everything else is still there.
    assert_eq!(
        doc.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::User)
            .count(),
        raw.users.len()
    );
    assert!(doc
        .nodes
        .iter()
        .any(|n| n.id == "entra:service_account:c1c1c1c1-0000-4000-8000-0000000000c1"));
    assert!(!doc
        .nodes
        .iter()
        .any(|n| n.id == "entra:app:99999999-0000-4000-8000-000000000099"));
}

#[tokio::test]
async fn a_rejected_token_stops_the_collection() {
    let mock = MockServer::start();
    let graph = serve_tenant(&mock, &recorded());
    mock.route(
        &format!("/v1.0{}", paths::ORGANIZATION),
        vec![Reply::status(
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}"#,
        )],
    );
    let err = entra::collect(&graph, EntraAuth::Token(TOKEN.into()), policy(), &quiet())
        .await
        .unwrap_err();
    assert!(err.is_fatal());
    match &err {
        FetchError::Unauthorized { credential, .. } => {
            assert_eq!(credential, "ENTRA_ACCESS_TOKEN")
        }
        other => panic!("{other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(text.contains("ENTRA_ACCESS_TOKEN"));
    assert!(!text.contains(TOKEN));
    // Nothing after the first request was attempted.
    assert_eq!(mock.seen().len(), 1);
}

#[tokio::test]
async fn client_credentials_token_is_acquired_and_used() {
    let mock = MockServer::start();
    let graph = serve_tenant(&mock, &recorded());
    let token_path = "/tenant-x/oauth2/v2.0/token";
    mock.route(
        token_path,
        vec![Reply::json(
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                   "access_token": ISSUED})
            .to_string(),
        )],
    );
    let auth = EntraAuth::ClientCredentials {
        tenant: "tenant-x".into(),
        client_id: "client-x".into(),
        secret: SECRET.into(),
        login_url: mock.base.clone(),
    };
    assert!(!format!("{auth:?}").contains(SECRET));
    let c = entra::collect(&graph, auth, policy(), &quiet())
        .await
        .unwrap();
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    no_secret_in(&c, &[SECRET, ISSUED]);
    let seen = mock.seen();
    assert_eq!(seen[0].target, token_path);
    assert_eq!(mock.hits(token_path), 1);
    assert!(seen.len() > 10);
    for s in &seen[1..] {
        assert_eq!(
            s.authorization.as_deref(),
            Some(format!("Bearer {ISSUED}").as_str()),
            "{}",
            s.target
        );
    }

    // A rejected secret: the error names the variables, never the secret.
    let mock = MockServer::start();
    mock.route(
        token_path,
        vec![Reply::status(
            401,
            json!({"error": "invalid_client",
                   "error_description": format!("AADSTS7000215: Invalid client secret provided ({SECRET}).")})
            .to_string(),
        )],
    );
    let auth = EntraAuth::ClientCredentials {
        tenant: "tenant-x".into(),
        client_id: "client-x".into(),
        secret: SECRET.into(),
        login_url: mock.base.clone(),
    };
    let err = entra::collect(&format!("{}/v1.0", mock.base), auth, policy(), &quiet())
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(err.is_fatal(), "{text}");
    assert!(text.contains("ENTRA_CLIENT_SECRET"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn live_sign_ins_page_and_merge_non_interactive() {
    let mock = MockServer::start();
    let records = sign_in_records();
    let since = Timestamp::parse("2025-03-09T00:00:00Z").unwrap();
    let interactive: Vec<Value> = records
        .iter()
        .filter(|r| r["isInteractive"] != json!(false))
        .cloned()
        .collect();
    let non_interactive: Vec<Value> = records
        .iter()
        .filter(|r| r["isInteractive"] == json!(false))
        .cloned()
        .collect();
    let first = "/beta/auditLogs/signIns?$filter=createdDateTime%20ge%202025-03-09T00:00:00Z";
    let second = "/beta/auditLogs/signIns?$skiptoken=fake2";
    mock.route(
        first,
        vec![Reply::json(page(
            &interactive[..2],
            Some(format!("{}{second}", mock.base)),
        ))],
    );
    mock.route(second, vec![Reply::json(page(&interactive[2..], None))]);
    mock.route(
        "/beta/auditLogs/signIns?$filter=signInEventTypes/any(t:%20t%20eq%20%27nonInteractiveUser%27)%20and%20createdDateTime%20ge%202025-03-09T00:00:00Z",
        vec![
            Reply::status(503, "{}").header("retry-after", "0"),
            Reply::json(page(&non_interactive, None)),
        ],
    );
    let c = signins::collect_live(
        &format!("{}/beta", mock.base),
        EntraAuth::Token(TOKEN.into()),
        Some(since),
        policy(),
        &quiet(),
    )
    .await
    .unwrap();
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    no_secret_in(&c, &[TOKEN]);
    assert_eq!(
        pretty(&c.into_document(collected_at())),
        pretty(&signins_doc())
    );
    assert_eq!(mock.hits(second), 1);

    // A 401 names the variable.
    let mock = MockServer::start();
    mock.route("/beta/auditLogs/signIns", vec![Reply::status(401, "{}")]);
    let err = signins::collect_live(
        &format!("{}/beta", mock.base),
        EntraAuth::Token(TOKEN.into()),
        None,
        policy(),
        &quiet(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("ENTRA_ACCESS_TOKEN"));
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
fn entra_accounting_on_the_recorded_tenant() {
    let raw = recorded();
    assert_eq!(raw.records(), 53);
    let c = entra::transform(&raw);
    // A deleted app role assignment, a device among a group's members, and a role scoped to an
    // administrative unit are read and named, not modelled.
    assert_eq!(
        accounting(&c),
        (
            53,
            50,
            reasons(&[
                ("deleted", 1),
                ("object type not modelled", 1),
                ("scoped role not modelled", 1)
            ])
        )
    );
    // An assignment naming a principal the collection did not return is counted too (and makes
    // the collection incomplete).
    let mut raw = recorded();
    raw.role_assignments.push(json!({"id": "ra-x", "roleDefinitionId":
        "62e90394-69f5-4237-9190-012177145e10", "principalId": "not-collected", "directoryScopeId": "/"}));
    let c = entra::transform(&raw);
    let (read, used, skipped) = accounting(&c);
    assert_eq!((read, used), (54, 50));
    assert_eq!(skipped["principal not collected"], 1);
    assert!(!c.problems.is_empty());
}

#[test]
fn signins_accounting_on_the_recorded_page() {
    let c = signins::transform(&sign_in_records());
    assert_eq!(accounting(&c), (7, 6, reasons(&[("failed sign-in", 1)])));
    let records = vec![
        json!({"id": "x1", "createdDateTime": "2025-03-10T09:00:00Z", "userId": "u"}),
        json!({"id": "x1", "createdDateTime": "2025-03-10T09:00:00Z", "userId": "u"}),
        json!({"id": "x2", "createdDateTime": "yesterday", "userId": "u"}),
        json!({"id": "x3", "createdDateTime": "2025-03-10T09:00:00Z"}),
        json!({"createdDateTime": "2025-03-10T09:00:00Z", "userId": "u"}),
        json!({"id": "x4", "status": {"errorCode": 50126}}),
    ];
    let c = signins::transform(&records);
    assert_eq!(
        accounting(&c),
        (
            6,
            1,
            reasons(&[
                ("duplicate id", 1),
                ("failed sign-in", 1),
                ("no id", 1),
                ("no userId or servicePrincipalId", 1),
                ("unparseable time", 1),
            ])
        )
    );
}
