//! The checked-in JSON Schema is generated from the Rust types and must not go stale; every
//! bundled example must pass both heir's loader and the schema.

use std::path::Path;

use heir::model::load::load_path;
use heir::model::Document;
use heir::report::schema::{find, text, PUBLISHED};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn checked_in_schemas_are_current() {
    for p in PUBLISHED {
        let generated = text(p);
        let file = format!("schema/{}.schema.json", p.name);
        let path = root().join(&file);
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "{file} is stale: run `cargo run -q -- schema {} > {file}` \
             (or UPDATE_SCHEMA=1 cargo test --test schema)",
            p.name
        );
    }
    assert_eq!(
        text(find("graph").unwrap()),
        serde_json::to_string_pretty(&Document::json_schema()).unwrap() + "\n"
    );
}

/// Every JSON answer in the golden files (real outputs of the bundled examples) is valid under
/// its command's published schema, and the schemas are strict enough to refuse a broken answer.
#[test]
fn golden_answers_match_their_command_schemas() {
    let mut checked = 0;
    for p in PUBLISHED.iter().filter(|p| p.name != "graph") {
        let validator = jsonschema::validator_for(&(p.generate)()).expect("valid schema");
        let mut golden: Vec<_> = std::fs::read_dir(root().join("tests/golden"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|f| {
                let name = f.file_name().unwrap().to_str().unwrap();
                name.starts_with(&format!("{}-", p.name))
                    && name.ends_with(".json")
                    && !name.ends_with(".caep.json")
            })
            .collect();
        golden.sort();
        assert!(!golden.is_empty(), "no golden answer of `heir {}`", p.name);
        for f in golden {
            let mut value: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            if p.name == "validate" {
                // The goldens leave out what changes from run to run: the timings.
                value["load_ms"] = 1.into();
                value["peak_rss_bytes"] = serde_json::Value::Null;
            }
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
            let mut broken = value.clone();
            broken.as_object_mut().unwrap().remove("at");
            broken.as_object_mut().unwrap().remove("file");
            assert!(
                !validator.is_valid(&broken),
                "{}: the schema accepts an answer without its required fields",
                f.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} golden answers checked");
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
