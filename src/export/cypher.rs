//! The graph as Cypher: the statements the live Neo4j push runs, and the same statements as a
//! script for `cypher-shell -f`.
//!
//! Every value travels as a parameter (`$rows`), never spliced into the statement text; labels and
//! relationship types come from heir's closed vocabularies, not from the data. The script binds
//! its parameters with cypher-shell's `:param` command, whose values are written as Cypher
//! literals by [`literal`] (JSON string escapes are valid Cypher escapes; map keys are
//! backtick-quoted), so an id or name cannot break out of its string.
//!
//! Layout in the database: every node has the label `HeirNode` plus one label per kind (`User`,
//! `ServiceAccount`, …) and a unique `id`; every edge kind is one relationship type
//! (`AUTHENTICATES_AS`, …). Each node and relationship is stamped with `heir_source` (the
//! collector it came from) and `heir_run` (the push that last wrote it), so a re-collected source
//! can be cleaned of what it no longer reports without touching other sources (Cartography's
//! pattern).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::model::{EdgeKind, NodeKind, TrustGraph};

/// The label every heir node carries, for lookups that do not know the kind.
pub const BASE_LABEL: &str = "HeirNode";

/// Source stamp of nodes whose platform no source in the document covers.
pub const UNSOURCED: &str = "unsourced";

/// The collector a node's data came from: the source named after its platform, or listing it.
pub fn source_of(g: &TrustGraph, platform: &str) -> String {
    g.sources()
        .iter()
        .find(|s| s.name == platform || s.platforms.iter().any(|p| p == platform))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| UNSOURCED.to_string())
}

/// Node properties: scalars or lists of scalars only; `props` flattened under `props_`.
fn node_props(g: &TrustGraph, i: usize, run: &str) -> Map<String, Value> {
    let n = g.node(petgraph::graph::NodeIndex::new(i));
    let mut p = Map::new();
    p.insert("id".into(), json!(n.id));
    p.insert("kind".into(), json!(n.kind.as_str()));
    p.insert("platform".into(), json!(n.platform()));
    p.insert("criticality".into(), json!(n.criticality()));
    p.insert("enabled".into(), json!(n.enabled()));
    let opt = |p: &mut Map<String, Value>, k: &str, v: Option<Value>| {
        if let Some(v) = v {
            p.insert(k.into(), v);
        }
    };
    opt(&mut p, "name", n.name.as_ref().map(|v| json!(v)));
    opt(&mut p, "person", n.person.as_ref().map(|v| json!(v)));
    opt(
        &mut p,
        "issued_at",
        n.issued_at.map(|t| json!(t.to_string())),
    );
    opt(
        &mut p,
        "expires_at",
        n.expires_at.map(|t| json!(t.to_string())),
    );
    opt(
        &mut p,
        "last_used_at",
        n.last_used_at.map(|t| json!(t.to_string())),
    );
    opt(
        &mut p,
        "revocation",
        n.revocation.map(|v| json!(v.as_str())),
    );
    opt(&mut p, "device_bound", n.device_bound.map(|v| json!(v)));
    opt(&mut p, "mfa", n.mfa.map(|v| json!(v)));
    opt(
        &mut p,
        "token_type",
        n.token_type.map(|v| json!(v.as_str())),
    );
    if !n.tags.is_empty() {
        p.insert("tags".into(), json!(n.tags));
    }
    if !n.scopes.is_empty() {
        p.insert("scopes".into(), json!(n.scopes));
    }
    for (k, v) in &n.props {
        super::opengraph::flatten(&mut p, &format!("props_{k}"), v);
    }
    p.insert("heir_source".into(), json!(source_of(g, n.platform())));
    p.insert("heir_run".into(), json!(run));
    p
}

/// One row per node, grouped by kind: `{id, props}`.
pub fn node_rows(g: &TrustGraph, run: &str) -> BTreeMap<NodeKind, Vec<Value>> {
    let mut out: BTreeMap<NodeKind, Vec<Value>> = BTreeMap::new();
    for (i, n) in g.nodes().enumerate() {
        out.entry(n.kind)
            .or_default()
            .push(json!({"id": n.id, "props": node_props(g, i, run)}));
    }
    out
}

/// One row per edge, grouped by kind: `{from, to, props}`. Several document edges with the same
/// ends and kind become one relationship (MERGE), their conditions unioned.
pub fn edge_rows(g: &TrustGraph, run: &str) -> BTreeMap<EdgeKind, Vec<Value>> {
    let mut merged: BTreeMap<(EdgeKind, &str, &str), Map<String, Value>> = BTreeMap::new();
    for e in g.edges() {
        let Some(from) = g.index(&e.from) else {
            continue;
        };
        let p = merged.entry((e.kind, &e.from, &e.to)).or_default();
        let mut requires: Vec<String> = p
            .get("requires")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        requires.extend(e.requires.iter().map(|r| r.as_str().to_string()));
        requires.sort();
        requires.dedup();
        // Always present (possibly empty) so queries can test it without coalesce.
        p.insert("requires".into(), json!(requires));
        p.insert("traversable".into(), json!(e.kind.rule().traversable));
        if let Some(at) = e.at {
            p.insert("at".into(), json!(at.to_string()));
        }
        for (k, v) in &e.props {
            super::opengraph::flatten(p, &format!("props_{k}"), v);
        }
        p.insert(
            "heir_source".into(),
            json!(source_of(g, g.node(from).platform())),
        );
        p.insert("heir_run".into(), json!(run));
    }
    let mut out: BTreeMap<EdgeKind, Vec<Value>> = BTreeMap::new();
    for ((kind, from, to), props) in merged {
        out.entry(kind)
            .or_default()
            .push(json!({"from": from, "to": to, "props": props}));
    }
    out
}

/// Uniqueness of `id` per label, so MERGE is a lookup and re-runs cannot duplicate.
pub fn constraints() -> Vec<String> {
    std::iter::once(BASE_LABEL.to_string())
        .chain(NodeKind::ALL.iter().map(|k| k.label()))
        .map(|label| {
            format!(
                "CREATE CONSTRAINT heir_{}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE",
                label.to_ascii_lowercase()
            )
        })
        .collect()
}

/// Creates or updates the nodes of one kind from `$rows`: two statements, run in one
/// transaction. Together they are `MERGE (n:HeirNode {id}) ON CREATE SET n:Kind SET n += props`,
/// spelled so that the node is created with all its labels at once: ArcadeDB (the Bolt server
/// the tests run) maps a label set to a type and cannot add a label to a node created in the same
/// transaction, and `MERGE (n:Kind:HeirNode {id})` would not use the unique index there.
pub fn merge_nodes(kind: NodeKind) -> [String; 2] {
    [
        format!(
            "UNWIND $rows AS row OPTIONAL MATCH (e:{BASE_LABEL} {{id: row.id}}) WITH row, e WHERE e IS NULL CREATE (:{BASE_LABEL}:{} {{id: row.id}})",
            kind.label()
        ),
        format!("UNWIND $rows AS row MATCH (n:{BASE_LABEL} {{id: row.id}}) SET n += row.props"),
    ]
}

/// Creates or updates the relationships of one kind from `$rows`.
pub fn merge_edges(kind: EdgeKind) -> String {
    format!(
        "UNWIND $rows AS row MATCH (a:{BASE_LABEL} {{id: row.from}}) MATCH (b:{BASE_LABEL} {{id: row.to}}) MERGE (a)-[r:{}]->(b) SET r += row.props",
        kind.rel_type()
    )
}

/// Removes what a re-collected source no longer reports (relationships first).
pub fn cleanup() -> [&'static str; 2] {
    [
        "MATCH ()-[r]->() WHERE r.heir_source = $source AND r.heir_run <> $run DELETE r",
        "MATCH (n:HeirNode) WHERE n.heir_source = $source AND n.heir_run <> $run DETACH DELETE n",
    ]
}

/// The sources whose stale data a push of this document may remove.
pub fn cleanup_sources(g: &TrustGraph) -> Vec<String> {
    let mut v: Vec<String> = g.sources().iter().map(|s| s.name.clone()).collect();
    if g.graph
        .node_indices()
        .any(|i| source_of(g, g.platform(i)) == UNSOURCED)
    {
        v.push(UNSOURCED.to_string());
    }
    v.sort();
    v.dedup();
    v
}

/// A Cypher literal for a JSON value: strings through JSON's escaping (a subset of Cypher's),
/// map keys backtick-quoted with backticks doubled.
pub fn literal(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).expect("strings serialise"),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("`{}`: {}", k.replace('`', "``"), literal(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// A script for `cypher-shell -f`: constraints, then batches bound with `:param`, then cleanup.
pub fn script(g: &TrustGraph, run: &str, batch_size: usize) -> String {
    let batch_size = batch_size.max(1);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// heir graph export, run {run}: {} nodes, {} edges.\n// Run with: cypher-shell -f this-file.cypher (parameters are bound with :param).",
        g.node_count(),
        g.edge_count()
    );
    for c in constraints() {
        let _ = writeln!(out, "{c};");
    }
    for (kind, rows) in node_rows(g, run) {
        for chunk in rows.chunks(batch_size) {
            let _ = writeln!(
                out,
                ":param rows => {};",
                literal(&Value::Array(chunk.to_vec()))
            );
            for statement in merge_nodes(kind) {
                let _ = writeln!(out, "{statement};");
            }
        }
    }
    for (kind, rows) in edge_rows(g, run) {
        for chunk in rows.chunks(batch_size) {
            let _ = writeln!(
                out,
                ":param rows => {};",
                literal(&Value::Array(chunk.to_vec()))
            );
            let _ = writeln!(out, "{};", merge_edges(kind));
        }
    }
    let _ = writeln!(out, ":param run => {};", literal(&json!(run)));
    for source in cleanup_sources(g) {
        let _ = writeln!(out, ":param source => {};", literal(&json!(source)));
        for c in cleanup() {
            let _ = writeln!(out, "{c};");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_cannot_break_out() {
        let v = json!({"a`b": "x\"}) MATCH (n) DETACH DELETE n //", "n": [1, "\\"]});
        assert_eq!(
            literal(&v),
            r#"{`a``b`: "x\"}) MATCH (n) DETACH DELETE n //", `n`: [1, "\\"]}"#
        );
    }
}
