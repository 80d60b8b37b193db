//! `heir synth`: deterministic, valid, and shaped like a real estate.

use std::collections::BTreeMap;

use heir::model::load::check;
use heir::model::{EdgeKind, NodeKind, Timestamp};
use heir::synth::synth;

fn at() -> Timestamp {
    Timestamp::parse("2026-11-20T10:00:00Z").unwrap()
}

#[test]
fn same_seed_same_bytes_other_seed_other_graph() {
    let a = serde_json::to_string(&synth(300, 7, at())).unwrap();
    let b = serde_json::to_string(&synth(300, 7, at())).unwrap();
    let c = serde_json::to_string(&synth(300, 8, at())).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn valid_without_warnings_and_realistic() {
    let doc = synth(500, 1, at());
    let (doc, warnings) = check("synth", doc).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        warnings.is_empty(),
        "{:?}",
        &warnings[..warnings.len().min(3)]
    );
    let n = doc.nodes.len();
    assert!(
        (500 * 20..500 * 45).contains(&n),
        "{n} nodes for 500 people"
    );
    let count = |k: EdgeKind| doc.edges.iter().filter(|e| e.kind == k).count();
    assert!(count(EdgeKind::Issued) > 500, "session lineage");
    assert!(
        doc.edges
            .iter()
            .any(|e| e.kind == EdgeKind::Sso && !e.requires.is_empty()),
        "conditional access"
    );
    assert!(
        doc.nodes.iter().any(|n| n.device_bound == Some(true)),
        "device-bound credentials"
    );
    assert!(
        doc.nodes.iter().any(|n| n.kind == NodeKind::OauthGrant),
        "third-party grants"
    );
    assert!(
        count(EdgeKind::Owns) > 0 && doc.nodes.iter().any(|n| n.enabled == Some(false)),
        "owners, some departed"
    );
    assert!(
        doc.edges
            .iter()
            .any(|e| e.from == "aws:role:dev-deployer" && e.to == "aws:role:prod-deployer"),
        "role chain"
    );
    // Power law: the most popular app has several times the accounts of the least popular.
    let mut per_platform: BTreeMap<String, usize> = BTreeMap::new();
    for e in doc.edges.iter().filter(|e| e.kind == EdgeKind::Sso) {
        *per_platform
            .entry(e.to.split(':').next().unwrap().to_string())
            .or_default() += 1;
    }
    let max = per_platform.values().max().unwrap();
    let min = per_platform.values().min().unwrap();
    assert!(*max >= 4 * *min, "{per_platform:?}");
    // Third-party apps: the first is granted by many more people than the last.
    let grants = |app: &str| {
        doc.nodes
            .iter()
            .filter(|n| n.id.starts_with(&format!("{app}:oauth_grant:")))
            .count()
    };
    assert!(grants("calendly") > 3 * grants("statusbot"));
}
