//! `heir collect k8s`: golden transform of a kubectl List (`tests/fixtures/k8s/`), exact record
//! accounting, RBAC semantics, and secret values never reaching any output (planted values in a
//! token secret's `data`, in `stringData` and in the last-applied annotation are grepped for).

#[path = "support/nhi.rs"]
mod nhi;

use std::path::Path;

use heir::collect::k8s;
use heir::model::{Document, EdgeKind, Revocation};
use nhi::{collected_at, fails, fixture, golden, heir, stderr, stdout, Scratch};

const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
/// Planted in the fixture (base64 in `data`, plain in the last-applied annotation) and below.
const PLANTED: [&str; 5] = [
    "PLANTED-K8S-TOKEN-9f2a",
    "UExBTlRFRC1LOFMtVE9LRU4tOWYyYQ",
    "UExBTlRFRC1DQS1DUlQtN2MxZQ",
    "PLANTED-LAST-APPLIED-4b1d",
    "PLANTED-STRINGDATA-e3c0",
];

fn document() -> Document {
    let path = fixture("k8s/cluster.json");
    let items = k8s::parse_items(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    k8s::transform("prod-eks", Some(ISSUER), &items).into_document(collected_at())
}

fn has_edge(doc: &Document, from: &str, kind: EdgeKind, to: &str) -> bool {
    doc.edges
        .iter()
        .any(|e| e.from == from && e.to == to && e.kind == kind)
}

#[test]
fn k8s_transform_matches_golden() {
    let doc = document();
    heir::model::load::check("k8s.golden.json", doc.clone()).expect("a valid document");
    golden("k8s/k8s.golden.json", &doc);
}

/// 14 objects: the ConfigMap and the Opaque secret are skipped, everything else is used.
#[test]
fn accounting_on_the_fixture_is_exact() {
    let r = document().sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (14, 12));
    assert_eq!(r.skipped["kind not modelled"], 1);
    assert_eq!(
        r.skipped["secret not a service-account token (values never read)"],
        1
    );
    assert_eq!(r.examples["kind not modelled"], vec!["ConfigMap game-demo"]);
}

#[test]
fn rbac_tokens_and_cloud_identities() {
    let doc = document();
    let sa = |ns: &str, n: &str| format!("k8s:service_account:prod-eks/{ns}/{n}");
    let robot = sa("default", "build-robot");
    // The legacy token: static, revocation none, authenticates as its account.
    let tok = doc
        .nodes
        .iter()
        .find(|n| n.id == "k8s:token:prod-eks/default/build-robot-secret")
        .unwrap();
    assert_eq!(tok.revocation, Some(Revocation::None));
    assert_eq!(
        tok.last_used_at.unwrap().to_string(),
        "2026-11-19T00:00:00Z"
    );
    assert!(has_edge(&doc, &tok.id, EdgeKind::AuthenticatesAs, &robot));
    // cluster-admin → admin of the cluster, and of every service account.
    let admin = "k8s:role:prod-eks/cluster-admin";
    assert!(has_edge(&doc, &robot, EdgeKind::MemberOf, admin));
    assert!(has_edge(&doc, admin, EdgeKind::AdminOf, "k8s:app:prod-eks"));
    // Reading secrets cluster-wide yields only accounts with a token secret.
    let reader = "k8s:role:prod-eks/secret-reader";
    assert!(has_edge(&doc, reader, EdgeKind::CanAssume, &robot));
    assert!(!has_edge(
        &doc,
        reader,
        EdgeKind::CanAssume,
        &sa("default", "my-service-account")
    ));
    // A ClusterRole bound in a namespace grants only there.
    assert!(has_edge(
        &doc,
        "k8s:role:prod-eks/development/secret-reader",
        EdgeKind::CanAccess,
        "k8s:resource:prod-eks/development"
    ));
    // IRSA and GKE workload identity: placeholders for merge to resolve.
    let irsa = sa("default", "my-service-account");
    let role = "aws:role:arn:aws:iam::123456789012:role/s3-reader";
    assert!(has_edge(&doc, &irsa, EdgeKind::CanAssume, role));
    let gsa = "gcp:service_account:gsa-name@gsa-project.iam.gserviceaccount.com";
    assert!(has_edge(
        &doc,
        &sa("analytics", "ksa-name"),
        EdgeKind::CanAssume,
        gsa
    ));
    let n = doc.nodes.iter().find(|n| n.id == role).unwrap();
    assert_eq!(n.props["federation_target"], "k8s");
    // The EKS issuer alias the AWS trust policy names.
    let n = doc.nodes.iter().find(|n| n.id == irsa).unwrap();
    assert!(n.aliases.contains(&format!(
        "k8s:service_account:{ISSUER}/default/my-service-account"
    )));
    // The pod acts as its service account.
    assert!(has_edge(
        &doc,
        "k8s:workload:prod-eks/default/my-app-6d4d7c9f8b-x2x7k",
        EdgeKind::CanAssume,
        &irsa
    ));
}

/// Planted secret values appear in no output: the document, stderr, stdout, even under
/// `--strict` (skipped-record examples) — and stringData is dropped too.
#[test]
fn secret_values_never_reach_any_output() {
    let s = Scratch::new("k8s-secrets");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("k8s/cluster.json")).unwrap())
            .unwrap();
    v["items"][2]["stringData"] = serde_json::json!({"password": PLANTED[4]});
    v["items"][1]["stringData"] = serde_json::json!({"extra": PLANTED[4]});
    let input = s.write("cluster.json", &v.to_string());
    let out = s.path("k8s.json");
    for strict in [false, true] {
        let mut args = vec![
            "collect",
            "k8s",
            "--file",
            &input,
            "--cluster",
            "prod-eks",
            "-o",
            &out,
        ];
        if strict {
            args.push("--strict");
        }
        let o = heir(&args);
        assert_eq!(
            o.status.code(),
            Some(if strict { 3 } else { 0 }),
            "{}",
            stderr(&o)
        );
        let doc = std::fs::read_to_string(&out).unwrap();
        for p in PLANTED {
            assert!(!doc.contains(p), "document leaks {p}");
            assert!(!stderr(&o).contains(p), "stderr leaks {p}");
            assert!(!stdout(&o).contains(p), "stdout leaks {p}");
        }
    }
    // And the scrub happens before anything else sees the objects.
    let items = k8s::parse_items(Path::new("x"), &v.to_string()).unwrap();
    let text = serde_json::to_string(&items).unwrap();
    for p in PLANTED {
        assert!(!text.contains(p), "parsed items keep {p}");
    }
}

#[test]
fn bad_inputs_get_one_clear_error_each() {
    let s = Scratch::new("k8s-bad");
    let good = std::fs::read_to_string(fixture("k8s/cluster.json")).unwrap();
    let truncated = s.write("truncated.json", &good[..good.len() / 2]);
    let yaml = s.write("sa.yaml", "apiVersion: v1\nkind: List\nitems: []\n");
    let aws = fixture("aws/authorization-details.json")
        .display()
        .to_string();
    let out = s.path("out.json");
    for (file, needles) in [
        (
            truncated.as_str(),
            vec!["truncated.json", "line", "truncated", "fix:"],
        ),
        (yaml.as_str(), vec!["sa.yaml", "-o json", "fix:"]),
        (aws.as_str(), vec!["heir collect aws", "fix:"]),
    ] {
        let (code, err) = fails(&["collect", "k8s", "--file", file, "-o", &out]);
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
}
