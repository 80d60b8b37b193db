//! The checked-in JSON Schema is generated from the Rust types and must not go stale; every
//! bundled example must pass both heir's loader and the schema.

use std::path::Path;

use heir::model::load::load_path;
use heir::model::Document;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn checked_in_schema_is_current() {
    let generated = serde_json::to_string_pretty(&Document::json_schema()).unwrap() + "\n";
    let path = root().join("schema/graph.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "schema/graph.schema.json is stale: run `cargo run -q -- schema > schema/graph.schema.json` \
         (or UPDATE_SCHEMA=1 cargo test --test schema)"
    );
}

fn examples() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_example_loads_and_matches_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/graph.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let files = examples();
    assert!(
        files.len() >= 4,
        "expected the bundled examples, found {files:?}"
    );
    for f in files {
        load_path(f.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&f).unwrap();
        let value: serde_json::Value = if f.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).unwrap()
        } else {
            serde_saphyr::from_str(&text).unwrap()
        };
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema = Document::json_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let bad =
        serde_json::json!({"version": 1, "nodes": [{"id": "a", "kind": "sesion"}], "edges": []});
    assert!(!validator.is_valid(&bad));
    let typo = serde_json::json!({"version": 1, "nodes": [{"id": "a", "kind": "user", "crit": 1}]});
    assert!(!validator.is_valid(&typo));
    let range = serde_json::json!({"version": 1, "nodes": [{"id": "a", "kind": "user", "criticality": 11}]});
    assert!(!validator.is_valid(&range));
    let ok = serde_json::json!({"version": 1, "nodes": [{"id": "a", "kind": "user", "props": {"x": 1}}]});
    assert!(validator.is_valid(&ok));
}
