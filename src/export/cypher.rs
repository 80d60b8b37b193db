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
//!
//! Rows are never all in memory: a [`Plan`] holds node indices per kind and document edge indices
//! grouped per relationship, and [`Plan::batches`] builds the rows of one batch when it is asked
//! for, reading records without caching them. A push or a script of a 1M-node document needs the
//! graph plus one batch.

use std::collections::BTreeMap;
use std::io::{self, Write};

use petgraph::graph::{EdgeIndex, NodeIndex};
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
fn node_props(g: &TrustGraph, i: usize, run: &str, sources: &[String]) -> Map<String, Value> {
    let n = g.node_uncached(NodeIndex::new(i));
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
    p.insert(
        "heir_source".into(),
        json!(sources[g.facts(NodeIndex::new(i)).platform as usize]),
    );
    p.insert("heir_run".into(), json!(run));
    p
}

/// Which end a relationship `MERGE` is written from. The pattern is the same relationship either
/// way (`(a)-[r:KIND]->(b)` and `(b)<-[r:KIND]-(a)` both match and create `a → b`), so the
/// choice changes nothing on Neo4j, whose planner picks the cheaper end of an expand-into by
/// itself. ArcadeDB does not: it checks for an existing relationship by scanning the written
/// start node's relationships, so `MERGE (a)-[r]->(b)` from a node with 400k relationships scans
/// them once per row (`docs/arcadedb-notes.md`). heir writes each row from its lower-degree end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Anchor {
    /// `MERGE (a)-[r:KIND]->(b)`: the start node has no more relationships than the end node.
    Start,
    /// `MERGE (b)<-[r:KIND]-(a)`: the start node has more relationships than the end node.
    End,
}

/// The document's relationships of one kind written from one end: document edge indices
/// grouped so that `edges[starts[k]..starts[k + 1]]` are the parallel edges (same kind, same
/// ends, in document order) that become relationship `k`.
struct RelGroups {
    kind: EdgeKind,
    anchor: Anchor,
    edges: Vec<u32>,
    starts: Vec<u32>,
}

impl RelGroups {
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn group(&self, k: usize) -> &[u32] {
        &self.edges[self.starts[k] as usize..self.starts[k + 1] as usize]
    }
}

/// What a push or a script writes, planned without building a row: node indices per kind and,
/// per relationship kind and anchor, the document edges folded into each relationship (8 bytes
/// or less per edge). Rows are built one batch at a time by [`Plan::batches`], so memory does
/// not grow with the document beyond the graph itself.
pub struct Plan {
    nodes: Vec<(NodeKind, Vec<u32>)>,
    rels: Vec<RelGroups>,
    /// `heir_source` per interned platform of the graph.
    sources: Vec<String>,
}

/// One batch: the statements to run in one transaction, all with `$rows` bound to `rows`.
pub struct Batch {
    pub statements: Vec<String>,
    pub rows: Vec<Value>,
    pub nodes: usize,
    pub relationships: usize,
}

impl Plan {
    pub fn new(g: &TrustGraph) -> Plan {
        let mut by_kind: BTreeMap<NodeKind, Vec<u32>> = BTreeMap::new();
        for i in g.graph.node_indices() {
            by_kind
                .entry(g.facts(i).kind)
                .or_default()
                .push(i.index() as u32);
        }
        // Every edge as (kind, from, to, edge): sorted, parallel edges are adjacent and in
        // document order (edge j of the graph is document edge j).
        let mut all: Vec<(EdgeKind, u32, u32, u32)> = g
            .graph
            .edge_indices()
            .map(|e| {
                let (a, b) = g.graph.edge_endpoints(e).expect("edge of this graph");
                (
                    g.graph[e].kind,
                    a.index() as u32,
                    b.index() as u32,
                    e.index() as u32,
                )
            })
            .collect();
        all.sort_unstable();
        let same = |x: &(EdgeKind, u32, u32, u32), y: &(EdgeKind, u32, u32, u32)| {
            (x.0, x.1, x.2) == (y.0, y.1, y.2)
        };
        // Relationships per node, all kinds, as the server will hold them.
        let mut out_deg = vec![0u32; g.node_count()];
        let mut in_deg = vec![0u32; g.node_count()];
        for (k, t) in all.iter().enumerate() {
            if k == 0 || !same(&all[k - 1], t) {
                out_deg[t.1 as usize] += 1;
                in_deg[t.2 as usize] += 1;
            }
        }
        let mut rels: BTreeMap<(EdgeKind, Anchor), RelGroups> = BTreeMap::new();
        for (k, t) in all.iter().enumerate() {
            let anchor = if out_deg[t.1 as usize] > in_deg[t.2 as usize] {
                Anchor::End
            } else {
                Anchor::Start
            };
            let r = rels.entry((t.0, anchor)).or_insert_with(|| RelGroups {
                kind: t.0,
                anchor,
                edges: Vec::new(),
                starts: Vec::new(),
            });
            if k == 0 || !same(&all[k - 1], t) {
                r.starts.push(r.edges.len() as u32);
            }
            r.edges.push(t.3);
        }
        let rels = rels
            .into_values()
            .map(|mut r| {
                r.starts.push(r.edges.len() as u32);
                r.edges.shrink_to_fit();
                r.starts.shrink_to_fit();
                r
            })
            .collect();
        let sources = g.platform_names().iter().map(|p| source_of(g, p)).collect();
        Plan {
            nodes: by_kind.into_iter().collect(),
            rels,
            sources,
        }
    }

    /// Node rows to write.
    pub fn node_count(&self) -> usize {
        self.nodes.iter().map(|(_, v)| v.len()).sum()
    }

    /// Relationships to write (parallel document edges of one kind count once).
    pub fn relationship_count(&self) -> usize {
        self.rels.iter().map(RelGroups::len).sum()
    }

    /// Relationships of `kind` written from `anchor`.
    pub fn relationships(&self, kind: EdgeKind, anchor: Anchor) -> usize {
        self.rels
            .iter()
            .filter(|r| r.kind == kind && r.anchor == anchor)
            .map(RelGroups::len)
            .sum()
    }

    /// The batches in order — nodes by kind, then relationships by kind and anchor — each built
    /// when it is asked for.
    pub fn batches<'a>(
        &'a self,
        g: &'a TrustGraph,
        run: &'a str,
        batch_size: usize,
    ) -> impl Iterator<Item = Batch> + 'a {
        let batch_size = batch_size.max(1);
        let nodes = self.nodes.iter().flat_map(move |(kind, idx)| {
            idx.chunks(batch_size).map(move |chunk| Batch {
                statements: merge_nodes(*kind).into(),
                rows: chunk
                    .iter()
                    .map(|&i| {
                        let i = i as usize;
                        let props = node_props(g, i, run, &self.sources);
                        json!({"id": g.id(NodeIndex::new(i)), "props": props})
                    })
                    .collect(),
                nodes: chunk.len(),
                relationships: 0,
            })
        });
        let rels = self.rels.iter().flat_map(move |r| {
            (0..r.len()).step_by(batch_size).map(move |first| {
                let last = (first + batch_size).min(r.len());
                Batch {
                    statements: vec![merge_edges_from(r.kind, r.anchor)],
                    rows: (first..last)
                        .map(|k| edge_row(g, r.group(k), run, &self.sources))
                        .collect(),
                    nodes: 0,
                    relationships: last - first,
                }
            })
        });
        nodes.chain(rels)
    }
}

/// Folds one document edge into a relationship's properties: conditions unioned (always present,
/// possibly empty, so queries can test it without coalesce), later `at` and props win.
fn fold_edge(p: &mut Map<String, Value>, e: &crate::model::Edge) {
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
    p.insert("requires".into(), json!(requires));
    p.insert("traversable".into(), json!(e.kind.rule().traversable));
    if let Some(at) = e.at {
        p.insert("at".into(), json!(at.to_string()));
    }
    for (k, v) in &e.props {
        super::opengraph::flatten(p, &format!("props_{k}"), v);
    }
}

/// One relationship row `{from, to, props}` from its parallel document edges (same kind and
/// ends, document order): conditions unioned, later `at` and props win.
fn edge_row(g: &TrustGraph, group: &[u32], run: &str, sources: &[String]) -> Value {
    let first = EdgeIndex::new(group[0] as usize);
    let (from, to) = g.graph.edge_endpoints(first).expect("edge of this graph");
    let mut p = Map::new();
    for &e in group {
        fold_edge(&mut p, &g.edge_uncached(EdgeIndex::new(e as usize)));
        p.insert(
            "heir_source".into(),
            json!(sources[g.facts(from).platform as usize]),
        );
        p.insert("heir_run".into(), json!(run));
    }
    json!({"from": g.id(from), "to": g.id(to), "props": p})
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

/// Creates or updates the relationships of one kind from `$rows`, written from the start node.
pub fn merge_edges(kind: EdgeKind) -> String {
    merge_edges_from(kind, Anchor::Start)
}

/// Creates or updates the relationships of one kind from `$rows`, the `MERGE` pattern written
/// from `anchor` (see [`Anchor`]: the same relationship, `row.from → row.to`, either way).
pub fn merge_edges_from(kind: EdgeKind, anchor: Anchor) -> String {
    let t = kind.rel_type();
    let pattern = match anchor {
        Anchor::Start => format!("(a)-[r:{t}]->(b)"),
        Anchor::End => format!("(b)<-[r:{t}]-(a)"),
    };
    format!(
        "UNWIND $rows AS row MATCH (a:{BASE_LABEL} {{id: row.from}}) MATCH (b:{BASE_LABEL} {{id: row.to}}) MERGE {pattern} SET r += row.props"
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
    let mut out = String::new();
    push_literal(&mut out, v);
    out
}

fn push_literal(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // Cypher integers are 64-bit signed: a larger JSON integer goes as a float, as over Bolt.
        Value::Number(n) if n.is_u64() && n.as_i64().is_none() => {
            out.push_str(&format!("{:?}", n.as_f64().unwrap_or(f64::MAX)))
        }
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&serde_json::to_string(s).expect("strings serialise")),
        Value::Array(a) => {
            out.push('[');
            for (k, x) in a.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                push_literal(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (k, (key, x)) in m.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                out.push('`');
                out.push_str(&key.replace('`', "``"));
                out.push_str("`: ");
                push_literal(out, x);
            }
            out.push('}');
        }
    }
}

/// Writes a script for `cypher-shell -f`: constraints, then batches bound with `:param`, then
/// cleanup. Rows are built one batch at a time and written as they are built.
pub fn write_script<W: Write + ?Sized>(
    out: &mut W,
    g: &TrustGraph,
    run: &str,
    batch_size: usize,
) -> io::Result<()> {
    writeln!(
        out,
        "// heir graph export, run {run}: {} nodes, {} edges.\n// Run with: cypher-shell -f this-file.cypher (parameters are bound with :param).",
        g.node_count(),
        g.edge_count()
    )?;
    for c in constraints() {
        writeln!(out, "{c};")?;
    }
    let plan = Plan::new(g);
    for batch in plan.batches(g, run, batch_size) {
        writeln!(
            out,
            ":param rows => {};",
            literal(&Value::Array(batch.rows))
        )?;
        for statement in &batch.statements {
            writeln!(out, "{statement};")?;
        }
    }
    writeln!(out, ":param run => {};", literal(&json!(run)))?;
    for source in cleanup_sources(g) {
        writeln!(out, ":param source => {};", literal(&json!(source)))?;
        for c in cleanup() {
            writeln!(out, "{c};")?;
        }
    }
    Ok(())
}

/// The script of [`write_script`] as a string (small graphs, tests).
pub fn script(g: &TrustGraph, run: &str, batch_size: usize) -> String {
    let mut out = Vec::new();
    write_script(&mut out, g, run, batch_size).expect("writing to memory");
    String::from_utf8(out).expect("the script is UTF-8")
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
        // Beyond Cypher's 64-bit integers: a float, not a literal the server refuses.
        assert_eq!(
            literal(&json!([u64::MAX, -3, 1.5])),
            "[1.8446744073709552e19, -3, 1.5]"
        );
    }

    /// The rows as the push built them before it streamed: every row of a kind at once, parallel
    /// edges folded (by the same [`fold_edge`]) in a map keyed by (kind, from, to) in document
    /// order. What it checks is the streamed grouping, order and stamping.
    fn reference_edge_rows(
        g: &TrustGraph,
        run: &str,
    ) -> BTreeMap<(EdgeKind, String, String), Value> {
        let mut merged: BTreeMap<(EdgeKind, String, String), Map<String, Value>> = BTreeMap::new();
        for e in g.edges() {
            let from = g.index(&e.from).unwrap();
            let p = merged
                .entry((e.kind, e.from.clone(), e.to.clone()))
                .or_default();
            fold_edge(p, e);
            p.insert(
                "heir_source".into(),
                json!(source_of(g, g.node(from).platform())),
            );
            p.insert("heir_run".into(), json!(run));
        }
        merged
            .into_iter()
            .map(|(k, p)| {
                let row = json!({"from": k.1, "to": k.2, "props": p});
                (k, row)
            })
            .collect()
    }

    fn doc() -> TrustGraph {
        let mut edges = vec![
            json!({"from": "okta:user:a", "to": "aws:role:r", "kind": "can_assume", "requires": ["mfa"], "props": {"x": 1}}),
            json!({"from": "okta:user:a", "to": "aws:role:r", "kind": "can_assume", "requires": ["managed_device", "mfa"], "at": "2026-11-20T09:00:00Z", "props": {"x": 2, "y": {"z": true}}}),
            json!({"from": "okta:user:a", "to": "aws:role:r", "kind": "sso"}),
            json!({"from": "okta:user:b", "to": "aws:role:r", "kind": "can_assume"}),
            json!({"from": "okta:user:a", "to": "okta:group:g", "kind": "member_of"}),
            json!({"from": "okta:user:b", "to": "okta:group:g", "kind": "member_of", "requires": ["trusted_network"]}),
        ];
        let mut nodes = vec![
            json!({"id": "okta:user:a", "kind": "user", "name": "a", "tags": ["tier0"], "props": {"dept": {"name": "x"}}}),
            json!({"id": "okta:user:b", "kind": "user", "enabled": false}),
            json!({"id": "okta:group:g", "kind": "group"}),
            json!({"id": "aws:role:r", "kind": "role", "platform": "aws", "criticality": 9}),
            json!({"id": "aws:role:hub", "kind": "role"}),
        ];
        // A hub with more relationships out than any of its targets has in.
        for i in 0..7 {
            nodes.push(json!({"id": format!("aws:user:{i}"), "kind": "user"}));
            edges.push(json!({"from": "aws:role:hub", "to": format!("aws:user:{i}"), "kind": "can_assume"}));
        }
        edges.push(json!({"from": "okta:user:a", "to": "aws:role:hub", "kind": "can_assume"}));
        let doc = json!({
            "version": 1,
            "sources": [{"name": "okta", "collected_at": "2026-11-20T09:00:00Z", "complete": true}],
            "nodes": nodes,
            "edges": edges,
        });
        let (doc, _) = crate::model::load::load_str(
            "t.json",
            &doc.to_string(),
            crate::model::load::Syntax::Json,
        )
        .unwrap();
        TrustGraph::new(doc)
    }

    /// Relationship rows by (kind, from, to), with the statement that carries each.
    type RelRows = BTreeMap<(EdgeKind, String, String), (Value, String)>;

    fn plan_rows(g: &TrustGraph, batch: usize) -> (Vec<Value>, RelRows) {
        let plan = Plan::new(g);
        let mut nodes = Vec::new();
        let mut rels = BTreeMap::new();
        for b in plan.batches(g, "run-1", batch) {
            assert!(b.rows.len() <= batch && !b.rows.is_empty());
            assert_eq!(b.rows.len(), b.nodes + b.relationships);
            if b.nodes > 0 {
                assert_eq!(b.statements.len(), 2);
                nodes.extend(b.rows);
                continue;
            }
            assert_eq!(b.statements.len(), 1);
            let text = &b.statements[0];
            let kind = EdgeKind::ALL
                .iter()
                .copied()
                .find(|k| text.contains(&format!("[r:{}]", k.rel_type())))
                .unwrap();
            for row in b.rows {
                let key = (
                    kind,
                    row["from"].as_str().unwrap().to_string(),
                    row["to"].as_str().unwrap().to_string(),
                );
                let old = rels.insert(key, (row, text.clone()));
                assert!(old.is_none(), "one row per relationship");
            }
        }
        assert_eq!(plan.node_count(), nodes.len());
        assert_eq!(plan.relationship_count(), rels.len());
        (nodes, rels)
    }

    #[test]
    fn streamed_rows_are_the_rows_built_at_once() {
        let g = doc();
        for batch in [1, 2, 3, 1000] {
            let (nodes, rels) = plan_rows(&g, batch);
            let want = reference_edge_rows(&g, "run-1");
            assert_eq!(
                rels.iter()
                    .map(|(k, v)| (k.clone(), v.0.clone()))
                    .collect::<BTreeMap<_, _>>(),
                want
            );
            let mut want_nodes: Vec<Value> = g
                .nodes()
                .enumerate()
                .map(|(i, n)| {
                    json!({"id": n.id, "props": node_props(&g, i, "run-1", &Plan::new(&g).sources)})
                })
                .collect();
            let mut nodes = nodes;
            let key = |v: &Value| v["id"].as_str().unwrap().to_string();
            nodes.sort_by_key(key);
            want_nodes.sort_by_key(key);
            assert_eq!(nodes, want_nodes);
        }
        // The folded relationship: conditions unioned, the `at` given, both props kept.
        let (_, rels) = plan_rows(&g, 1000);
        let (row, _) = &rels[&(
            EdgeKind::CanAssume,
            "okta:user:a".into(),
            "aws:role:r".into(),
        )];
        assert_eq!(row["props"]["requires"], json!(["managed_device", "mfa"]));
        assert_eq!(row["props"]["at"], json!("2026-11-20T09:00:00Z"));
        assert_eq!(row["props"]["props_x"], json!(1));
        assert_eq!(row["props"]["props_x_2"], json!(2));
        assert_eq!(row["props"]["heir_source"], json!("okta"));
        assert_eq!(
            rels[&(
                EdgeKind::CanAssume,
                "aws:role:hub".into(),
                "aws:user:0".into()
            )]
                .0["props"]["heir_source"],
            json!(UNSOURCED)
        );
    }

    #[test]
    fn relationships_are_merged_from_their_lower_degree_end() {
        let g = doc();
        let (_, rels) = plan_rows(&g, 1000);
        let text =
            |from: &str, to: &str, kind| rels[&(kind, from.to_string(), to.to_string())].1.clone();
        // The hub has 7 relationships out, each target 1 in: written from the target.
        for i in 0..7 {
            assert_eq!(
                text(
                    "aws:role:hub",
                    &format!("aws:user:{i}"),
                    EdgeKind::CanAssume
                ),
                merge_edges_from(EdgeKind::CanAssume, Anchor::End)
            );
        }
        // a has 4 relationships out, the hub 1 in: from the hub's side too.
        assert_eq!(
            text("okta:user:a", "aws:role:hub", EdgeKind::CanAssume),
            merge_edges_from(EdgeKind::CanAssume, Anchor::End)
        );
        // b has 2 out, the group 2 in: a tie stays with the start node.
        assert_eq!(
            text("okta:user:b", "okta:group:g", EdgeKind::MemberOf),
            merge_edges_from(EdgeKind::MemberOf, Anchor::Start)
        );
        // a has 4 out, the role r 3 in (a twice, b once); b has 2 out.
        assert_eq!(
            text("okta:user:a", "aws:role:r", EdgeKind::CanAssume),
            merge_edges_from(EdgeKind::CanAssume, Anchor::End)
        );
        assert_eq!(
            text("okta:user:b", "aws:role:r", EdgeKind::CanAssume),
            merge_edges_from(EdgeKind::CanAssume, Anchor::Start)
        );
        let plan = Plan::new(&g);
        assert_eq!(plan.relationships(EdgeKind::CanAssume, Anchor::End), 9);
        assert_eq!(plan.relationships(EdgeKind::CanAssume, Anchor::Start), 1);
        assert!(merge_edges_from(EdgeKind::Sso, Anchor::End)
            .contains("MERGE (b)<-[r:SSO]-(a) SET r += row.props"));
        assert_eq!(
            merge_edges(EdgeKind::Sso),
            merge_edges_from(EdgeKind::Sso, Anchor::Start)
        );
    }

    /// A push or script reads every record once and keeps none: the graph's record cache stays
    /// empty when the graph reads its records from the document file.
    #[test]
    fn rows_leave_the_record_cache_empty() {
        let dir = std::env::temp_dir().join(format!("heir-cypher-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g.json");
        std::fs::write(&path, serde_json::to_string(&doc().to_document()).unwrap()).unwrap();
        let policy = crate::store::open::SnapshotPolicy {
            enabled: false,
            min_bytes: u64::MAX,
            dir: None,
        };
        let g = crate::store::open::open(path.to_str().unwrap(), &policy, &|_| {})
            .unwrap()
            .graph;
        let crate::store::records::Records::Json { nodes, edges, .. } = g.records() else {
            panic!("a JSON file is read lazily");
        };
        let (node_rows, rels) = plan_rows(&g, 2);
        assert_eq!(node_rows.len(), g.node_count());
        assert_eq!(
            rels.into_iter()
                .map(|(k, v)| (k, v.0))
                .collect::<BTreeMap<_, _>>(),
            reference_edge_rows(&doc(), "run-1")
        );
        assert_eq!((nodes.held(), edges.held()), (0, 0));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
