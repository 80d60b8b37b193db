//! `heir collect csv`: the inventory template (`docs/collectors/csv.md`) on its fixture, the
//! documented template itself, every row validated with its line, and no secret column.

#[path = "support/nhi.rs"]
mod nhi;

use std::path::Path;

use heir::collect::inventory;
use heir::model::{Document, EdgeKind, Revocation, TokenType};
use nhi::{collected_at, fails, fixture, golden, heir, ok, stderr, stdout, Scratch};

fn document() -> Document {
    let p = fixture("csv/inventory.csv");
    inventory::transform(&p, &std::fs::read_to_string(&p).unwrap())
        .unwrap()
        .into_document(collected_at())
}

#[test]
fn csv_transform_matches_golden() {
    let doc = document();
    heir::model::load::check("csv.golden.json", doc.clone()).expect("a valid document");
    golden("csv/csv.golden.json", &doc);
    let r = doc.sources[0].records.clone().unwrap();
    assert_eq!((r.read, r.used), (8, 8));
}

#[test]
fn rows_become_credentials_holders_and_targets() {
    let doc = document();
    let key = doc
        .nodes
        .iter()
        .find(|n| n.id == "legacy:token:payroll-sftp-key")
        .unwrap();
    assert_eq!(key.token_type, Some(TokenType::PrivateKey));
    assert_eq!(key.revocation, Some(Revocation::None));
    assert_eq!(key.issued_at.unwrap().to_string(), "2019-03-01T00:00:00Z");
    assert_eq!(key.props["owner"], "okta:user:00u1anaFAKE0001");
    let e = |from: &str, kind: EdgeKind, to: &str| {
        doc.edges
            .iter()
            .any(|e| e.from == from && e.kind == kind && e.to == to)
    };
    assert!(e("legacy:workload:export-host", EdgeKind::Holds, &key.id));
    assert!(e(&key.id, EdgeKind::CanAccess, "legacy:app:payroll-sftp"));
    let ci = "aws:service_account:arn:aws:iam::123456789012:user/ci-bot";
    assert!(e("legacy:token:ci-aws-key", EdgeKind::AuthenticatesAs, ci));
    // An id of another collector is a placeholder merge resolves.
    let p = doc.nodes.iter().find(|n| n.id == ci).unwrap();
    assert_eq!(p.props["federation_target"], "csv");
    // Quoted cells with commas and doubled quotes.
    let wiki = doc
        .nodes
        .iter()
        .find(|n| n.id == "legacy:token:wiki-webhook")
        .unwrap();
    assert_eq!(
        wiki.name.as_deref(),
        Some("Chat webhook URL pasted in the wiki, \"ops\" page")
    );
}

/// The template shipped in the docs is itself a valid inventory.
#[test]
fn the_documented_template_is_valid() {
    let p = heir_root().join("docs/collectors/inventory-template.csv");
    let c = inventory::transform(&p, &std::fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(c.records.records().read, 1);
    let doc_md = std::fs::read_to_string(heir_root().join("docs/collectors/csv.md")).unwrap();
    assert!(doc_md.contains(&inventory::COLUMNS.join(",")));
}

fn heir_root() -> &'static Path {
    nhi::root()
}

/// Every invalid row is reported with its line, column and fix, in one error; nothing written.
#[test]
fn every_row_is_validated_with_line_numbers() {
    let s = Scratch::new("csv-bad");
    let f = s.write(
        "inv.csv",
        "id,kind,issued_at,criticality,held_by\n\
         a:token:1,token,2024-13-01,3,\n\
         a:token:2,token,2024-01-01,11,\n\
         ,user,,,\n\
         a:token:1,token,,,\n\
         a:token:3,tokn,,,\n\
         a:token:4,token,,,not-an-id\n",
    );
    let out = s.path("out.json");
    let (code, err) = fails(&["collect", "csv", "--file", &f, "-o", &out]);
    assert_eq!(code, 1);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{err}"
    );
    for want in [
        "inv.csv: 6 problem(s)",
        "line 2, column issued_at: `2024-13-01` is not a date",
        "fix: write 2024-03-01",
        "line 3, column criticality",
        "line 4, column id: no id",
        "line 5, column id: `a:token:1` is also the id of line 2",
        "line 6, column kind: unknown kind `tokn`",
        "line 7, column held_by: `not-an-id`",
    ] {
        assert!(err.contains(want), "`{want}` not in {err}");
    }
    assert!(!Path::new(&out).exists());
}

/// A column that would hold a secret is refused by name; its planted value is echoed nowhere.
#[test]
fn secret_columns_are_refused_without_echoing_values() {
    let s = Scratch::new("csv-secret");
    let planted = "PLANTED-CSV-PASSWORD-77c1";
    for col in ["password", "client_secret", "private_key"] {
        let f = s.write(
            "inv.csv",
            &format!("id,kind,{col}\nlegacy:token:x,token,{planted}\n"),
        );
        let out = s.path("out.json");
        let o = heir(&["collect", "csv", "--file", &f, "-o", &out]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("column `{col}` would hold secret values")),
            "{err}"
        );
        assert!(!err.contains(planted) && !stdout(&o).contains(planted));
        assert!(!Path::new(&out).exists());
    }
    // An unknown column names the template's columns.
    let f = s.write("inv.csv", "id,kind,colour\nlegacy:app:x,app,red\n");
    let (_, err) = fails(&["collect", "csv", "--file", &f, "-o", &s.path("o.json")]);
    assert!(
        err.contains("unknown column `colour`") && err.contains("grants_access_to"),
        "{err}"
    );
    // A JSON file given to the CSV importer: no header it knows.
    let (_, err) = fails(&[
        "collect",
        "csv",
        "--file",
        fixture("gcp/service-accounts.json").to_str().unwrap(),
        "-o",
        &s.path("o.json"),
    ]);
    assert!(
        err.contains("unknown column") && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn the_command_writes_a_valid_document() {
    let s = Scratch::new("csv-cli");
    let out = s.path("csv.json");
    let o = heir(&[
        "collect",
        "csv",
        "--file",
        fixture("csv/inventory.csv").to_str().unwrap(),
        "-o",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).lines().last().unwrap(),
        "csv: read 8 · used 8 · skipped 0"
    );
    ok(&["validate", &out]);
}
