//! What the live-collector tests (GitHub, Google, Slack) share: the document at the fixtures'
//! collection time, golden comparison, and edge lookup.

use heir::collect::Collection;
use heir::model::{Document, EdgeKind, Timestamp};

/// The collection as a document, stamped with the fixtures' collection time.
pub fn document(c: Collection) -> Document {
    c.into_document(Timestamp::parse("2025-03-11T00:00:00Z").unwrap())
}

/// Compares `doc` with the golden file `dir/name`, or rewrites it under `UPDATE_GOLDEN=1`.
pub fn golden_document(dir: &str, name: &str, doc: &Document) {
    let path = format!("{dir}/{name}");
    let actual = serde_json::to_string_pretty(doc).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with UPDATE_GOLDEN=1 to create it)"));
    assert!(
        expected == actual,
        "{name} differs from the golden file (run with UPDATE_GOLDEN=1 if intended)"
    );
}

/// The kind of the edge `from -> to`; panics naming it when there is none.
pub fn edge_kind(doc: &Document, from: &str, to: &str) -> EdgeKind {
    doc.edges
        .iter()
        .find(|e| e.from == from && e.to == to)
        .unwrap_or_else(|| panic!("no edge {from} -> {to}"))
        .kind
}
