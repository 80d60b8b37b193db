//! The cross-platform example `examples/nhi-chains.json`, built from the importers' fixtures and
//! an Okta collection (the Okta users fixture, an AWS federation app, the System Log fixture),
//! joined by `heir merge`: zero unresolved federation targets, the three delegation chains as
//! `blast` paths, drawn by `export dot --blast-from`, ordered by `plan`, and the stale keys
//! reported by `sprawl`. Regenerate the example with `UPDATE_GOLDEN=1 cargo test --test
//! nhi_chains`.

#[path = "support/nhi.rs"]
mod nhi;

use heir::collect::{aws, gcp, inventory, k8s, okta, oktalog, Collection};
use heir::model::merge::merge;
use heir::model::{Document, Timestamp};
use nhi::{fixture, heir, ok, root, stderr, Scratch};
use serde_json::Value;

const ISSUER: &str = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
pub const SESSION: &str = "okta:session:102FakeSessionAbCdEf12";
pub const REPO: &str = "github:workload:octo-org/octo-repo";
pub const POD: &str = "k8s:workload:prod-eks/default/my-app-6d4d7c9f8b-x2x7k";
const AT: &str = "2025-03-10T09:30:00Z";

fn at() -> Timestamp {
    Timestamp::parse("2025-03-10T12:00:00Z").unwrap()
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(rel)).unwrap()).unwrap()
}

fn list(rel: &str) -> Vec<Value> {
    match json(rel) {
        Value::Array(a) => a,
        other => panic!("{rel}: {other}"),
    }
}

/// The Okta org as `okta::fetch` would return it: Ana from the Okta fixture, assigned to the
/// AWS federation app.
fn okta_collection() -> Collection {
    let users = list("okta/api/users.1.json")
        .into_iter()
        .filter(|u| u["id"] == "00u1anaFAKE0001")
        .collect();
    okta::transform(&okta::OktaRaw {
        org: "acme.okta.com".into(),
        users,
        apps: list("nhi/okta-aws-app.json"),
        app_users: [(
            "0oa1awsFAKE0001".to_string(),
            list("nhi/okta-aws-app.users.json"),
        )]
        .into(),
        ..Default::default()
    })
}

/// Every collection of the example, as documents, in merge order.
fn documents() -> Vec<Document> {
    let log = std::fs::read_to_string(fixture("okta/system-log.json")).unwrap();
    let (events, _) = oktalog::read_export(&log, heir::collect::logshape::Shape::Auto).unwrap();
    let aws_pages = aws::read_pages(&fixture("aws/authorization-details.json")).unwrap();
    let report = aws::read_report(&fixture("aws/credential-report.csv")).unwrap();
    let k8s_path = fixture("k8s/cluster.json");
    let items = k8s::parse_items(&k8s_path, &std::fs::read_to_string(&k8s_path).unwrap()).unwrap();
    let issuer = ISSUER.trim_start_matches("https://");
    let gcp_inputs: Vec<gcp::Input> = [
        "gcp/service-accounts.json",
        "gcp/keys-ci-deployer.json",
        "gcp/project-policy.json",
        "gcp/asset-iam-policies.json",
    ]
    .iter()
    .map(|f| {
        let p = fixture(f);
        match gcp::parse_input(&p, &std::fs::read_to_string(&p).unwrap()).unwrap() {
            gcp::Input::ProjectPolicy(_, v) => {
                gcp::Input::ProjectPolicy(Some("my-project".into()), v)
            }
            other => other,
        }
    })
    .collect();
    let csv_path = fixture("csv/inventory.csv");
    let csv =
        inventory::transform(&csv_path, &std::fs::read_to_string(&csv_path).unwrap()).unwrap();
    [
        okta_collection(),
        oktalog::transform(&events),
        aws::transform(&aws_pages, &report),
        k8s::transform("prod-eks", Some(issuer), &items),
        gcp::transform(&gcp_inputs),
        csv,
    ]
    .into_iter()
    .map(|c| c.into_document(at()))
    .collect()
}

#[test]
fn the_example_is_the_merge_of_the_fixtures_with_nothing_unresolved() {
    let (doc, report) = merge(documents());
    assert!(report.conflicts.is_empty(), "{:?}", report.conflicts);
    assert_eq!(report.unresolved_total(), 0, "{:?}", report.unresolved);
    assert!(
        report.rewritten >= 1,
        "the IRSA subject joins through an alias"
    );
    let (doc, _) = heir::model::load::check("nhi-chains.json", doc).expect("valid");
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = root().join("examples/nhi-chains.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let kept = std::fs::read_to_string(&path).expect("examples/nhi-chains.json (UPDATE_GOLDEN=1)");
    assert!(
        kept == text,
        "examples/nhi-chains.json is stale: run UPDATE_GOLDEN=1 cargo test --test nhi_chains"
    );
    for planted in ["PLANTED", "UExBTlRFRC"] {
        assert!(!text.contains(planted), "the example leaks {planted}");
    }
}

/// The same join through the command line: collect each source, `heir merge`, and the report on
/// stderr says zero unresolved federation targets.
#[test]
fn collect_and_merge_from_the_command_line() {
    let s = Scratch::new("chains-cli");
    let f = |rel: &str| fixture(rel).display().to_string();
    let runs: Vec<(String, Vec<String>)> = vec![
        (
            "oktalog.json".into(),
            vec!["oktalog".into(), "--file".into(), f("okta/system-log.json")],
        ),
        (
            "aws.json".into(),
            vec![
                "aws".into(),
                "--auth-details".into(),
                f("aws/authorization-details.json"),
                "--credential-report".into(),
                f("aws/credential-report.csv"),
            ],
        ),
        (
            "k8s.json".into(),
            vec![
                "k8s".into(),
                "--file".into(),
                f("k8s/cluster.json"),
                "--cluster".into(),
                "prod-eks".into(),
                "--eks-oidc-issuer".into(),
                ISSUER.into(),
            ],
        ),
        (
            "gcp.json".into(),
            vec![
                "gcp".into(),
                "--file".into(),
                f("gcp/service-accounts.json"),
                f("gcp/keys-ci-deployer.json"),
                f("gcp/project-policy.json"),
                f("gcp/asset-iam-policies.json"),
            ],
        ),
        (
            "csv.json".into(),
            vec!["csv".into(), "--file".into(), f("csv/inventory.csv")],
        ),
    ];
    let okta_doc = okta_collection().into_document(at());
    let okta_path = s.path("okta.json");
    std::fs::write(&okta_path, serde_json::to_string(&okta_doc).unwrap()).unwrap();
    let mut files = vec![okta_path];
    for (out, args) in runs {
        let out = s.path(&out);
        let mut argv = vec!["collect".to_string()];
        argv.extend(args);
        argv.extend(["-o".into(), out.clone()]);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let o = heir(&argv);
        // The gcp fixture skips its system-managed key: still exit 0 without --strict.
        assert!(o.status.success(), "{argv:?}: {}", stderr(&o));
        files.push(out);
    }
    let merged = s.path("merged.json");
    let mut argv = vec!["merge"];
    argv.extend(files.iter().map(String::as_str));
    argv.extend(["-o", &merged]);
    let o = heir(&argv);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(", 0 unresolved federation target(s)"), "{err}");
    assert!(!err.contains("unresolved:"), "{err}");
    // Without the k8s collection, the IRSA subject and the IRSA role's placeholder are
    // unresolved, with counts and the collector to run.
    let mut argv = vec!["merge"];
    argv.extend(
        files
            .iter()
            .filter(|f| !f.ends_with("k8s.json"))
            .map(String::as_str),
    );
    let partial = s.path("partial.json");
    argv.extend(["-o", &partial]);
    let o = heir(&argv);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("unresolved: 1 k8s target(s) named by aws"),
        "{err}"
    );
    assert!(err.contains("heir collect k8s"), "{err}");
}

fn blast_paths(from: &str) -> Vec<Vec<String>> {
    let ex = root()
        .join("examples/nhi-chains.json")
        .display()
        .to_string();
    let out = ok(&["blast", &ex, "--from", from, "--at", AT, "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// Some reached node's path starts with the chain (the widest path to a node may go on: a
/// role reached with persistence is reported by its persistent path).
fn has_path(paths: &[Vec<String>], want: &[&str]) -> bool {
    paths
        .iter()
        .any(|p| p.len() >= want.len() && p.iter().zip(want).all(|(a, b)| a == b))
}

#[test]
fn the_three_chains_are_blast_paths() {
    let acct = "arn:aws:iam::123456789012";
    // Okta session → Okta user → SAML provider → AWS role.
    let okta_role = format!("aws:role:{acct}:role/OktaDeveloper");
    let p = blast_paths(SESSION);
    assert!(
        has_path(
            &p,
            &[
                SESSION,
                "okta:user:00u1anaFAKE0001",
                &format!("aws:idp:{acct}:saml-provider/Okta"),
                &okta_role
            ]
        ),
        "{p:#?}"
    );
    // The repository's workflows → OIDC → deploy role → its bucket.
    let deploy = format!("aws:role:{acct}:role/gha-deploy");
    let p = blast_paths(REPO);
    assert!(
        has_path(
            &p,
            &[
                REPO,
                &deploy,
                "aws:resource:arn:aws:s3:::octo-deploy-artifacts"
            ]
        ),
        "{p:#?}"
    );
    // The pod → its service account → IRSA → role → S3 bucket.
    let sa = "k8s:service_account:prod-eks/default/my-service-account";
    let p = blast_paths(POD);
    assert!(
        has_path(
            &p,
            &[
                POD,
                sa,
                &format!("aws:role:{acct}:role/s3-reader"),
                "aws:resource:arn:aws:s3:::my-pod-secrets-bucket"
            ]
        ),
        "{p:#?}"
    );
}

#[test]
fn dot_draws_plan_orders_and_sprawl_reports_stale_keys() {
    let ex = root()
        .join("examples/nhi-chains.json")
        .display()
        .to_string();
    let dot = ok(&["export", "dot", &ex, "--blast-from", POD]);
    for id in ["my-service-account", "s3-reader", "my-pod-secrets-bucket"] {
        assert!(dot.contains(id), "{id} not drawn:\n{dot}");
    }
    let plan = ok(&[
        "plan", &ex, "--from", SESSION, "--from", REPO, "--from", POD, "--at", AT, "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&plan).unwrap();
    let text = v.to_string();
    for id in [SESSION, "s3-reader", "gha-deploy", "OktaDeveloper"] {
        assert!(text.contains(id), "{id} not in the plan: {text}");
    }
    let sprawl = ok(&["sprawl", &ex, "--at", AT, "--format", "json"]);
    let v: Value = serde_json::from_str(&sprawl).unwrap();
    let found = |rule: &str, target: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == rule && f["target"].as_str().unwrap().ends_with(target))
    };
    // Stale keys: Charlie's was never used; ci-bot's is six years old; both static.
    assert!(
        found("stale-credential", "user/Charlie/access-key-1"),
        "{sprawl}"
    );
    assert!(
        found("long-lived-credential", "user/ci-bot/access-key-1"),
        "{sprawl}"
    );
    // Wide trusts: a wildcard GitHub subject, another account without an external id.
    assert!(
        found("risky-federation-trust", "role/gha-any-branch"),
        "{sprawl}"
    );
    assert!(
        found("risky-federation-trust", "role/partner-audit"),
        "{sprawl}"
    );
    // Kubernetes: the legacy token secret and the cluster-admin service account; GCP: the key.
    assert!(
        found("long-lived-credential", "default/build-robot-secret"),
        "{sprawl}"
    );
    assert!(
        found("overprivileged-nhi", "default/build-robot"),
        "{sprawl}"
    );
    assert!(
        found(
            "long-lived-credential",
            "keys/90c48f61c65cd56224a12ab18e6ee9ca9c3aee7c"
        ),
        "{sprawl}"
    );
    for key in ["user/ci-bot/access-key-1", "user/Charlie/access-key-1"] {
        assert!(
            sprawl.contains(key),
            "stale AWS key {key} not reported: {sprawl}"
        );
    }
}
