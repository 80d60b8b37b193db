//! `heir collect gcp`: golden transform of gcloud outputs (`tests/fixtures/gcp/`), exact
//! accounting, the roles that mean acting as or controlling a service account, key material never
//! reaching any output, and one clear error per bad input.

#[path = "support/nhi.rs"]
mod nhi;

use std::path::Path;

use heir::collect::gcp::{self, Input};
use heir::model::{Document, EdgeKind, TokenType};
use nhi::{collected_at, fails, fixture, golden, heir, stderr, Scratch};

const FILES: [&str; 4] = [
    "gcp/service-accounts.json",
    "gcp/keys-ci-deployer.json",
    "gcp/project-policy.json",
    "gcp/asset-iam-policies.json",
];
/// Planted in the keys fixture's `privateKeyData` / `publicKeyData`.
const PLANTED: [&str; 2] = [
    "UExBTlRFRC1HQ1AtUFJJVkFURS1LRVktNWQ4Nw",
    "UExBTlRFRC1HQ1AtUFVCTElDLUtFWS0xYTJi",
];
const CI: &str = "gcp:service_account:ci-deployer@my-project.iam.gserviceaccount.com";

fn document() -> Document {
    let inputs: Vec<Input> = FILES
        .iter()
        .map(|f| {
            let p = fixture(f);
            match gcp::parse_input(&p, &std::fs::read_to_string(&p).unwrap()).unwrap() {
                Input::ProjectPolicy(_, v) => Input::ProjectPolicy(Some("my-project".into()), v),
                other => other,
            }
        })
        .collect();
    gcp::transform(&inputs).into_document(collected_at())
}

fn has_edge(doc: &Document, from: &str, kind: EdgeKind, to: &str) -> bool {
    doc.edges
        .iter()
        .any(|e| e.from == from && e.to == to && e.kind == kind)
}

#[test]
fn gcp_transform_matches_golden() {
    let doc = document();
    heir::model::load::check("gcp.golden.json", doc.clone()).expect("a valid document");
    golden("gcp/gcp.golden.json", &doc);
}

/// 3 accounts + 3 keys + 5 project bindings + 1 asset binding; the system-managed key skipped.
#[test]
fn accounting_on_the_fixtures_is_exact() {
    let r = document().sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (12, 11));
    assert_eq!(r.skipped["system-managed key"], 1);
}

#[test]
fn keys_and_roles() {
    let doc = document();
    let keys: Vec<_> = doc
        .nodes
        .iter()
        .filter(|n| n.token_type == Some(TokenType::PrivateKey))
        .collect();
    assert_eq!(keys.len(), 2, "user-managed keys only");
    let old = keys
        .iter()
        .find(|k| {
            k.id.ends_with("/keys/90c48f61c65cd56224a12ab18e6ee9ca9c3aee7c")
        })
        .unwrap();
    assert_eq!(old.expires_at, None, "9999-12-31 is no expiry");
    assert_eq!(old.enabled, Some(true));
    assert!(keys.iter().any(|k| k.enabled == Some(false)));
    assert!(has_edge(&doc, &old.id, EdgeKind::AuthenticatesAs, CI));
    // Owner/editor → admin of the project; token creator → acts as; key admin → controls.
    assert!(has_edge(
        &doc,
        "gcp:user:alex@example.com",
        EdgeKind::AdminOf,
        "gcp:app:my-project"
    ));
    assert!(has_edge(
        &doc,
        "gcp:group:platform@example.com",
        EdgeKind::CanAssume,
        CI
    ));
    let msa = "gcp:service_account:my-service-account@my-project.iam.gserviceaccount.com";
    assert!(has_edge(&doc, CI, EdgeKind::AdminOf, msa));
    // Conditions are kept, not evaluated.
    let eve = doc
        .edges
        .iter()
        .find(|e| e.from == "gcp:user:eve@example.com")
        .unwrap();
    assert_eq!(eve.props["condition"], "expirable access");
    // A service account's own policy (Cloud Asset): GKE workload identity.
    assert!(has_edge(
        &doc,
        "gcp:workload:gsa-project.svc.id.goog/analytics/ksa-name",
        EdgeKind::CanAssume,
        "gcp:service_account:gsa-name@gsa-project.iam.gserviceaccount.com"
    ));
}

#[test]
fn key_material_never_reaches_any_output() {
    let s = Scratch::new("gcp-keys");
    let out = s.path("gcp.json");
    let mut args = vec!["collect".to_string(), "gcp".into(), "--file".into()];
    args.extend(FILES.iter().map(|f| fixture(f).display().to_string()));
    args.extend(["-o".into(), out.clone(), "--strict".into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = heir(&argv);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let doc = std::fs::read_to_string(&out).unwrap();
    for p in PLANTED {
        assert!(!doc.contains(p) && !stderr(&o).contains(p), "{p} leaked");
    }
    let err = stderr(&o);
    assert!(
        err.lines()
            .any(|l| l == "gcp: read 12 · used 11 · skipped 1 (system-managed key: 1)"),
        "{err}"
    );
}

#[test]
fn bad_inputs_get_one_clear_error_each() {
    let s = Scratch::new("gcp-bad");
    let good = std::fs::read_to_string(fixture("gcp/service-accounts.json")).unwrap();
    let truncated = s.write("truncated.json", &good[..good.len() / 2]);
    let k8s = fixture("k8s/cluster.json").display().to_string();
    let policy = fixture("gcp/project-policy.json").display().to_string();
    let out = s.path("out.json");
    for (file, needles) in [
        (
            truncated.as_str(),
            vec!["truncated.json", "line", "truncated", "fix:"],
        ),
        (
            k8s.as_str(),
            vec!["cluster.json", "heir collect k8s", "fix:"],
        ),
        // A project policy alone: which project is it?
        (
            policy.as_str(),
            vec!["project-policy.json", "--project", "fix:"],
        ),
    ] {
        let (code, err) = fails(&["collect", "gcp", "--file", file, "-o", &out]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{file}: `{n}` not in {err}");
        }
        assert!(!Path::new(&out).exists());
    }
    let e = gcp::parse_input(Path::new("e.json"), "[]").unwrap_err();
    assert!(e.to_string().contains("empty list"), "{e}");
}
