//! The BloodHound OpenGraph export: every bundled example exports to a payload that passes the
//! documented OpenGraph schema, loses no node or edge, resolves every edge, keeps properties flat,
//! namespaces every kind, and ships an extension schema whose traversability is heir's own.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use heir::export::opengraph::{edge_kind, extension_schema, node_kind, opengraph};
use heir::model::load::load_path;
use heir::model::{Document, Edge, EdgeKind, Node, NodeKind, TrustGraph};
use serde_json::{json, Value};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    assert!(v.len() >= 4, "expected the bundled examples, found {v:?}");
    v
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/opengraph.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the OpenGraph schema itself is valid")
}

fn assert_valid(validator: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn is_primitive(v: &Value) -> bool {
    v.is_string() || v.is_number() || v.is_boolean()
}

/// A primitive, or a non-empty array of one primitive type.
fn is_flat(v: &Value) -> bool {
    match v {
        Value::Array(items) => {
            let Some(first) = items.first() else {
                return false;
            };
            items.iter().all(|x| {
                is_primitive(x)
                    && x.is_string() == first.is_string()
                    && x.is_number() == first.is_number()
                    && x.is_boolean() == first.is_boolean()
            })
        }
        v => is_primitive(v),
    }
}

fn namespaced(kind: &str) -> bool {
    kind.strip_prefix("Heir_").is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[test]
fn every_example_exports_a_valid_complete_payload() {
    let validator = validator();
    for f in examples() {
        let path = f.to_str().unwrap();
        let (doc, _) = load_path(path).unwrap_or_else(|e| panic!("{e}"));
        let (n_nodes, n_edges) = (doc.nodes.len(), doc.edges.len());
        let kinds_by_id: Vec<(String, NodeKind)> =
            doc.nodes.iter().map(|n| (n.id.clone(), n.kind)).collect();
        let g = TrustGraph::new(doc);
        let out = opengraph(&g);
        assert_valid(&validator, &out, path);

        assert_eq!(out["metadata"]["source_kind"], "Heir", "{path}");
        let nodes = out["graph"]["nodes"].as_array().unwrap();
        let edges = out["graph"]["edges"].as_array().unwrap();
        assert_eq!(nodes.len(), n_nodes, "{path}: node count");
        assert_eq!(edges.len(), n_edges, "{path}: edge count");

        let ids: HashSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), n_nodes, "{path}: node ids are unique");
        for (node, (id, kind)) in nodes.iter().zip(&kinds_by_id) {
            assert_eq!(node["id"], id.as_str());
            let kinds: Vec<&str> = node["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect();
            assert_eq!(
                kinds,
                [node_kind(*kind).as_str(), "Heir_Base"],
                "{path}: {id}"
            );
            assert!(kinds.iter().all(|k| namespaced(k)), "{path}: {kinds:?}");
            let props = node["properties"].as_object().unwrap();
            assert!(!props.contains_key("objectid"), "objectid is reserved");
            assert!(props["name"].is_string(), "{path}: {id} has a name");
            for (k, v) in props {
                assert!(is_flat(v), "{path}: {id}.{k} = {v} is not flat");
                assert_eq!(
                    k,
                    &k.to_ascii_lowercase(),
                    "{path}: property names are lowercase"
                );
            }
        }
        for (edge, doc_edge) in edges.iter().zip(g.edges()) {
            for end in ["start", "end"] {
                assert_eq!(edge[end]["match_by"], "id");
                let v = edge[end]["value"].as_str().unwrap();
                assert!(
                    ids.contains(v),
                    "{path}: edge {end} {v} is not an exported node"
                );
            }
            assert_eq!(edge["start"]["value"], doc_edge.from.as_str());
            assert_eq!(edge["end"]["value"], doc_edge.to.as_str());
            let kind = edge["kind"].as_str().unwrap();
            assert_eq!(kind, edge_kind(doc_edge.kind));
            assert!(namespaced(kind), "{path}: {kind}");
            let props = edge["properties"].as_object().unwrap();
            assert_eq!(props["traversable"], doc_edge.kind.rule().traversable);
            for (k, v) in props {
                assert!(is_flat(v), "{path}: edge property {k} = {v} is not flat");
            }
        }
    }
}

#[test]
fn nested_props_and_nulls_export_as_flat_primitives() {
    let mut doc = Document::new();
    let mut n = Node::new("okta:user:00u1", NodeKind::User);
    n.name = Some("Alice".into());
    n.props = json!({
        "profile": {"Department": "Finance", "manager": null, "address": {"city": "Oslo"}},
        "groups": ["a", null, "b"],
        "mixed": [1, "two", true],
        "factors": [{"type": "push"}, {"type": "totp"}],
        "matrix": [[1, 2], [3]],
        "gone": null,
        "nothing": [],
        "empty": {},
        "Weird Key!": 3.5,
    })
    .as_object()
    .unwrap()
    .clone();
    doc.nodes.push(n);
    doc.nodes.push(Node::new("okta:app:0oa1", NodeKind::App));
    let mut e = Edge::new("okta:user:00u1", "okta:app:0oa1", EdgeKind::CanAccess);
    e.props = json!({"assignment": {"scope": "USER", "priority": null}, "ids": [1, 2]})
        .as_object()
        .unwrap()
        .clone();
    doc.edges.push(e);
    // An edge to nowhere cannot come out of the loader, but must not produce a dangling edge.
    doc.edges.push(Edge::new(
        "okta:user:00u1",
        "okta:app:missing",
        EdgeKind::CanAccess,
    ));

    let out = opengraph(&TrustGraph::new(doc));
    assert_valid(&validator(), &out, "hand-built document");

    let props = out["graph"]["nodes"][0]["properties"].as_object().unwrap();
    for (k, v) in props {
        assert!(is_flat(v), "{k} = {v} is not flat");
    }
    assert_eq!(props["props_profile_department"], "Finance");
    assert_eq!(props["props_profile_address_city"], "Oslo");
    assert!(
        !props.contains_key("props_profile_manager"),
        "nulls are dropped"
    );
    assert!(!props.contains_key("props_gone"));
    assert!(
        !props.contains_key("props_nothing"),
        "empty arrays have no type"
    );
    assert!(!props.keys().any(|k| k.starts_with("props_empty")));
    assert_eq!(props["props_groups"], json!(["a", "b"]));
    assert_eq!(props["props_mixed"], "[1,\"two\",true]");
    assert_eq!(
        props["props_factors"],
        r#"[{"type":"push"},{"type":"totp"}]"#
    );
    assert_eq!(props["props_matrix"], "[[1,2],[3]]");
    assert_eq!(props["props_weird_key_"], 3.5);
    assert_eq!(props["name"], "Alice");
    assert_eq!(props["enabled"], true);
    assert_eq!(props["criticality"], 0);

    let edges = out["graph"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "the dangling edge is left out");
    let ep = edges[0]["properties"].as_object().unwrap();
    assert_eq!(ep["props_assignment_scope"], "USER");
    assert!(!ep.contains_key("props_assignment_priority"));
    assert_eq!(ep["props_ids"], json!([1, 2]));
    assert_eq!(ep["traversable"], true);
}

#[test]
fn times_are_rfc3339_and_epoch_seconds() {
    let text = r#"{"version": 1, "nodes": [
        {"id": "m365:session:s1", "kind": "session", "expires_at": "2026-11-20T10:00:00.5Z"},
        {"id": "m365:user:u1", "kind": "user"}],
      "edges": [{"from": "m365:session:s1", "to": "m365:user:u1", "kind": "authenticates_as",
                 "requires": ["mfa"], "at": "2026-11-20T08:00:00Z"}]}"#;
    let (doc, _) =
        heir::model::load::load_str("t.json", text, heir::model::load::Syntax::Json).unwrap();
    let out = opengraph(&TrustGraph::new(doc));
    let p = &out["graph"]["nodes"][0]["properties"];
    assert_eq!(p["expires_at"], "2026-11-20T10:00:00.500Z");
    assert_eq!(p["expires_at_epoch"], 1_795_168_800);
    let e = &out["graph"]["edges"][0];
    assert_eq!(e["kind"], "Heir_AuthenticatesAs");
    assert_eq!(e["properties"]["requires"], json!(["mfa"]));
    assert_eq!(e["properties"]["at_epoch"], 1_795_161_600);
}

#[test]
fn extension_schema_declares_every_kind_with_heirs_traversability() {
    let ext = extension_schema();
    assert_eq!(ext["schema"]["namespace"], "Heir");
    for field in ["name", "display_name", "version", "namespace"] {
        assert!(ext["schema"][field].as_str().is_some_and(|s| !s.is_empty()));
    }

    let rels = ext["relationship_kinds"].as_array().unwrap();
    assert_eq!(rels.len(), EdgeKind::ALL.len());
    for r in rels {
        let name = r["name"].as_str().unwrap();
        assert!(namespaced(name), "{name}");
        let traversable = r["is_traversable"].as_bool().unwrap();
        assert_eq!(traversable, name != "Heir_Consented", "{name}");
    }
    let rel_names: HashSet<&str> = rels.iter().map(|r| r["name"].as_str().unwrap()).collect();
    for k in EdgeKind::ALL {
        assert!(
            rel_names.contains(edge_kind(*k).as_str()),
            "{k} is declared"
        );
    }

    let nodes = ext["node_kinds"].as_array().unwrap();
    let node_names: HashSet<&str> = nodes.iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(node_names.len(), nodes.len(), "node kind names are unique");
    for k in NodeKind::ALL {
        assert!(
            node_names.contains(node_kind(*k).as_str()),
            "{k} is declared"
        );
    }
    assert!(node_names.contains("Heir_Base"));
    for n in nodes {
        let name = n["name"].as_str().unwrap();
        assert!(namespaced(name), "{name}");
        assert!(n["display_name"].as_str().is_some_and(|s| !s.is_empty()));
        let display = n["is_display_kind"].as_bool().unwrap();
        assert_eq!(display, name != "Heir_Base", "{name}");
        if display {
            let color = n["color"].as_str().unwrap();
            let hex = color.strip_prefix('#').unwrap_or("");
            assert!(
                matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()),
                "{name}: colour {color} is #RGB or #RRGGBB"
            );
            assert!(!n["icon"].as_str().unwrap().starts_with("fa-"));
        }
    }

    // Every kind the payload uses is one the extension declares.
    let (doc, _) = load_path(root().join("examples/acme.json").to_str().unwrap()).unwrap();
    let out = opengraph(&TrustGraph::new(doc));
    for n in out["graph"]["nodes"].as_array().unwrap() {
        for k in n["kinds"].as_array().unwrap() {
            assert!(node_names.contains(k.as_str().unwrap()), "{k} is declared");
        }
    }
    for e in out["graph"]["edges"].as_array().unwrap() {
        assert!(rel_names.contains(e["kind"].as_str().unwrap()));
    }
}

#[test]
fn schema_rejects_what_bloodhound_rejects() {
    let validator = validator();
    let node = |kinds: Value, properties: Value| json!({"graph": {"nodes": [{"id": "n", "kinds": kinds, "properties": properties}], "edges": []}});
    let edge = |kind: &str, start: Value| json!({"graph": {"nodes": [], "edges": [{"kind": kind, "start": start, "end": {"value": "b"}}]}});
    let ok = [
        node(
            json!(["A", "B", "C"]),
            json!({"s": "x", "n": 1.5, "b": true, "a": ["x", "y"]}),
        ),
        node(json!(["A"]), Value::Null),
        edge("Heir_Owns", json!({"match_by": "id", "value": "a"})),
        edge(
            "Heir_Owns",
            json!({"match_by": "name", "value": "a", "kind": "Heir_User"}),
        ),
        edge(
            "Heir_Owns",
            json!({"match_by": "property", "property_matchers": [{"key": "k", "operator": "equals", "value": 1}]}),
        ),
    ];
    for v in &ok {
        assert!(validator.is_valid(v), "should pass: {v}");
    }
    let bad = [
        json!({"graph": {"nodes": []}}),
        json!({"metadata": {"source_kind": "Heir", "extra": 1}, "graph": {"nodes": [], "edges": []}}),
        node(json!([]), json!({})),
        node(json!(["A", "B", "C", "D"]), json!({})),
        node(json!(["A"]), json!({"nested": {"a": 1}})),
        node(json!(["A"]), json!({"nul": null})),
        node(json!(["A"]), json!({"mixed": [1, "x"]})),
        node(json!(["A"]), json!({"objs": [{"a": 1}]})),
        node(json!(["A"]), json!({"objectid": "n"})),
        edge("Heir-Owns", json!({"match_by": "id", "value": "a"})),
        edge("Heir_Owns", json!({"match_by": "guid", "value": "a"})),
        edge("Heir_Owns", json!({"match_by": "id"})),
        edge("Heir_Owns", json!({"match_by": "property", "value": "a"})),
    ];
    for v in &bad {
        assert!(!validator.is_valid(v), "should fail: {v}");
    }
}
