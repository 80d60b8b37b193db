//! `heir collect aws`: the transform's golden document on the recorded CLI outputs
//! (`tests/fixtures/aws/`, regenerate with `UPDATE_GOLDEN=1`), exact record accounting, the
//! evaluated permissions and trusts, the JSON form of the credential report, and one clear error
//! per bad input.

#[path = "support/nhi.rs"]
mod nhi;

use std::path::Path;

use base64::Engine;
use heir::collect::aws::{self, parse_pages, parse_report};
use heir::model::{Document, EdgeKind, NodeKind, TokenType};
use nhi::{collected_at, fails, fixture, golden, heir, ok, stderr, Scratch};

const ACCT: &str = "123456789012";

fn inputs() -> (Vec<serde_json::Value>, Vec<aws::ReportRow>) {
    let pages = aws::read_pages(&fixture("aws/authorization-details.json")).unwrap();
    let rows = aws::read_report(&fixture("aws/credential-report.csv")).unwrap();
    (pages, rows)
}

fn document() -> Document {
    let (pages, rows) = inputs();
    aws::transform(&pages, &rows).into_document(collected_at())
}

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:{kind}/{name}")
}

fn has_edge(doc: &Document, from: &str, kind: EdgeKind, to: &str) -> bool {
    doc.edges
        .iter()
        .any(|e| e.from == from && e.to == to && e.kind == kind)
}

#[test]
fn aws_transform_matches_golden() {
    let doc = document();
    heir::model::load::check("aws.golden.json", doc.clone()).expect("a valid document");
    golden("aws/aws.golden.json", &doc);
}

/// 3 managed policies + 3 groups + 5 users (one in the partner account 111122223333) + 7 roles
/// + 5 credential-report rows, all used.
#[test]
fn accounting_on_the_fixtures_is_exact() {
    let doc = document();
    let r = doc.sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (23, 23));
    assert!(r.skipped.is_empty());
    let reason = doc.sources[0].reason.clone().unwrap();
    assert!(doc.sources[0].complete);
    for limit in [
        "conditions",
        "service control policies",
        "permission boundaries",
        "resource-based",
    ] {
        assert!(reason.contains(limit), "{reason}");
    }
    assert!(reason.contains("AmazonDynamoDBFullAccess"), "{reason}");
    assert!(
        reason.contains("1 trust-policy service principal"),
        "{reason}"
    );
}

#[test]
fn administrators_denies_and_escalation() {
    let doc = document();
    let app = format!("aws:app:{ACCT}");
    let alice = format!("aws:user:{}", arn("user", "Alice"));
    let bob = format!("aws:user:{}", arn("user", "Bob"));
    let charlie = format!("aws:service_account:{}", arn("user", "Charlie"));
    let ci_bot = format!("aws:service_account:{}", arn("user", "ci-bot"));
    // Admins group → AdministratorAccess.
    assert!(has_edge(&doc, &alice, EdgeKind::AdminOf, &app));
    // Bob is in Admins but denies himself iam:*: not an administrator, still broad access.
    assert!(!has_edge(&doc, &bob, EdgeKind::AdminOf, &app));
    assert!(has_edge(&doc, &bob, EdgeKind::CanAccess, &app));
    // PowerUserAccess (NotAction iam:*) is no administrator.
    assert!(!has_edge(&doc, &charlie, EdgeKind::AdminOf, &app));
    // iam:CreateAccessKey on Charlie: control of Charlie.
    assert!(has_edge(&doc, &ci_bot, EdgeKind::AdminOf, &charlie));
    // iam:PassRole on EC2role + lambda:CreateFunction: acts as EC2role.
    let deploy = format!("aws:role:{}", arn("role", "gha-deploy"));
    let ec2 = format!("aws:role:{}", arn("role", "EC2role"));
    assert!(has_edge(&doc, &deploy, EdgeKind::AdminOf, &ec2));
    // iam:UpdateAssumeRolePolicy on one role: control of that role.
    let cross = format!("aws:role:{}", arn("role", "ci-cross"));
    let okta_dev = format!("aws:role:{}", arn("role", "OktaDeveloper"));
    assert!(has_edge(&doc, &cross, EdgeKind::AdminOf, &okta_dev));
    // The account trusting itself: whoever its own policies allow sts:AssumeRole.
    for who in [&alice, &bob, &charlie, &ci_bot, &okta_dev] {
        assert!(has_edge(&doc, who, EdgeKind::CanAssume, &cross), "{who}");
    }
    let s3_reader = format!("aws:role:{}", arn("role", "s3-reader"));
    assert!(!has_edge(&doc, &s3_reader, EdgeKind::CanAssume, &cross));
}

#[test]
fn federation_trusts_become_join_ids() {
    let doc = document();
    let saml = format!("aws:idp:arn:aws:iam::{ACCT}:saml-provider/Okta");
    assert!(has_edge(
        &doc,
        &saml,
        EdgeKind::CanAssume,
        &format!("aws:role:{}", arn("role", "OktaDeveloper"))
    ));
    let repo = "github:workload:octo-org/octo-repo";
    assert!(has_edge(
        &doc,
        repo,
        EdgeKind::CanAssume,
        &format!("aws:role:{}", arn("role", "gha-deploy"))
    ));
    let wild = doc
        .edges
        .iter()
        .find(|e| e.from == "github:workload:octo-org/*")
        .expect("the wildcard subject is kept");
    assert_eq!(wild.props["sub"], "repo:octo-org/*");
    assert_eq!(wild.props["wildcard"], true);
    let eks = "k8s:service_account:oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE/default/my-service-account";
    let sa = doc
        .nodes
        .iter()
        .find(|n| n.id == eks)
        .expect("the EKS subject");
    assert_eq!(
        sa.props["federation_target"], "aws",
        "resolved by the k8s collector"
    );
    let partner = doc
        .edges
        .iter()
        .find(|e| e.to.ends_with("role/partner-audit"))
        .unwrap();
    // The partner account is collected too: its root principal means its principals allowed
    // sts:AssumeRole on the role by their own policies.
    assert_eq!(
        partner.from,
        "aws:user:arn:aws:iam::111122223333:user/auditor"
    );
    assert_eq!(partner.props["cross_account"], true);
    assert_eq!(partner.props["external_id"], false);
    // Service principals are no edges.
    assert!(!doc
        .edges
        .iter()
        .any(|e| e.from.contains("amazonaws.com") && !e.from.contains("oidc")));
}

#[test]
fn keys_and_passwords_from_the_credential_report() {
    let doc = document();
    let key = |user: &str, slot: u8| {
        doc.nodes
            .iter()
            .find(|n| n.id == format!("aws:token:{}/access-key-{slot}", arn("user", user)))
            .unwrap_or_else(|| panic!("{user} key {slot}"))
    };
    let k = key("ci-bot", 1);
    assert_eq!(k.token_type, Some(TokenType::AccessKey));
    assert_eq!(k.enabled, Some(true));
    assert_eq!(k.issued_at.unwrap().to_string(), "2019-04-01T12:05:00Z");
    assert_eq!(k.props["last_used_service"], "s3");
    assert_eq!(key("ci-bot", 2).enabled, Some(false));
    assert!(key("Charlie", 1).last_used_at.is_none());
    // No key slot without a rotation time: Bob has none.
    assert!(!doc
        .nodes
        .iter()
        .any(|n| n.id.contains("user/Bob/access-key")));
    // Alice's password needs her MFA; Bob's does not.
    let pw = |u: &str| {
        doc.edges
            .iter()
            .find(|e| e.from == format!("aws:token:{}/console-password", arn("user", u)))
            .unwrap()
    };
    assert_eq!(pw("Alice").requires.len(), 1);
    assert!(pw("Bob").requires.is_empty());
    // Programmatic-only users are NHIs, still known by their user id.
    let ci = doc
        .nodes
        .iter()
        .find(|n| n.name.as_deref() == Some("ci-bot"))
        .unwrap();
    assert_eq!(ci.kind, NodeKind::ServiceAccount);
    assert!(ci
        .aliases
        .contains(&format!("aws:user:{}", arn("user", "ci-bot"))));
}

/// `aws iam get-credential-report` JSON (base64 `Content`) reads as the CSV does.
#[test]
fn the_report_as_cli_json_equals_the_csv() {
    let csv = std::fs::read_to_string(fixture("aws/credential-report.csv")).unwrap();
    let json = serde_json::json!({
        "Content": base64::engine::general_purpose::STANDARD.encode(&csv),
        "ReportFormat": "text/csv",
        "GeneratedTime": "2026-11-20T09:00:00+00:00"
    })
    .to_string();
    let a = parse_report(Path::new("r.csv"), &csv).unwrap();
    let b = parse_report(Path::new("r.json"), &json).unwrap();
    assert_eq!(a.len(), 5);
    assert_eq!(
        a.iter().map(|r| r.fields.clone()).collect::<Vec<_>>(),
        b.iter().map(|r| r.fields.clone()).collect::<Vec<_>>()
    );
    assert!(a[1].place.ends_with("r.csv:3"), "{}", a[1].place);
}

#[test]
fn the_command_writes_the_document_and_prints_accounting_last() {
    let s = Scratch::new("aws-cli");
    let out = s.path("aws.json");
    let o = heir(&[
        "collect",
        "aws",
        "--auth-details",
        fixture("aws/authorization-details.json").to_str().unwrap(),
        "--credential-report",
        fixture("aws/credential-report.csv").to_str().unwrap(),
        "-o",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.lines().last().unwrap(),
        "aws: read 23 · used 23 · skipped 0"
    );
    ok(&["validate", &out]);
}

/// Each bad input gets one error naming the file, the place and the fix; nothing is written.
#[test]
fn bad_inputs_get_one_clear_error_each() {
    let s = Scratch::new("aws-bad");
    let good = std::fs::read_to_string(fixture("aws/authorization-details.json")).unwrap();
    let truncated = s.write("truncated.json", &good[..good.len() / 3]);
    let report = fixture("aws/credential-report.csv").display().to_string();
    let kubectl = s.write("k.json", r#"{"apiVersion":"v1","kind":"List","items":[]}"#);
    let out = s.path("out.json");
    let details = fixture("aws/authorization-details.json")
        .display()
        .to_string();
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--auth-details", &truncated],
            &["truncated.json", "line", "truncated", "fix:"],
        ),
        (
            &["--auth-details", &report],
            &["credential-report.csv", "not valid JSON", "fix:"],
        ),
        (
            &["--auth-details", &kubectl],
            &["k.json", "heir collect k8s", "fix:"],
        ),
        (
            &["--auth-details", &details, "--credential-report", &details],
            &["authorization-details.json", "--auth-details", "fix:"],
        ),
        (
            &["--auth-details", &details, "--credential-report", &kubectl],
            &["k.json", "Content", "fix:"],
        ),
    ];
    for (args, needles) in cases {
        let mut argv = vec!["collect", "aws"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["-o", &out]);
        let (code, err) = fails(&argv);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{args:?}: `{n}` not in {err}");
        }
        assert!(!Path::new(&out).exists());
    }
    // A CSV that is not a credential report.
    let other = s.write("other.csv", "name,value\na,b\n");
    let e = parse_report(Path::new(&other), &std::fs::read_to_string(&other).unwrap()).unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
    // Pages: a page that is a JSON array.
    let e = parse_pages(Path::new("x.json"), "[1,2]").unwrap_err();
    assert!(e.to_string().contains("page 1 (an array)"), "{e}");
}

/// A file ending on a page marked IsTruncated is written as incomplete (exit 4).
#[test]
fn a_missing_last_page_is_incomplete() {
    let s = Scratch::new("aws-trunc");
    let good = std::fs::read_to_string(fixture("aws/authorization-details.json")).unwrap();
    let first_page_end = good.find("\n}\n").unwrap() + 3;
    let page = s.write("page1.json", &good[..first_page_end]);
    let out = s.path("out.json");
    let o = heir(&["collect", "aws", "--auth-details", &page, "-o", &out]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let doc: Document = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(!doc.sources[0].complete);
    assert!(doc.sources[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("IsTruncated"));
}
