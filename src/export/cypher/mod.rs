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
    /// The kinds of the start and end nodes of every relationship of the group.
    ends: (NodeKind, NodeKind),
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

/// A unit of the push's schedule: see [`Plan::units`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// What its transactions write (node kind and relationship type bits): no two batches whose
    /// resources meet run at the same time.
    pub resources: u64,
    /// What its transactions write when every node and relationship exists already (a re-push):
    /// relationship batches then rewrite their own relationships only, not their ends.
    pub updates: u64,
    /// Node kinds whose every node must be committed before its first batch.
    pub needs: u64,
    /// Rows it writes.
    pub rows: usize,
    /// The kind of the nodes it writes, if it writes nodes.
    pub kind: Option<NodeKind>,
    group: UnitGroup,
}

impl Unit {
    /// The node kind complete once every batch of this unit is committed (its bit, or 0).
    pub fn provides(&self) -> u64 {
        self.kind.map_or(0, kind_bit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitGroup {
    Nodes(usize),
    Rels(usize),
}

/// One batch: the statements to run in one transaction, all with `$rows` bound to `rows`.
pub struct Batch {
    pub statements: Vec<String>,
    /// The same rows written without looking for what exists (`CREATE` instead of `MERGE`):
    /// equal to `statements` in a database that holds none of them, cheaper for the server
    /// (see [`create_nodes`], [`create_edges`]).
    pub create: Vec<String>,
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
        // Grouped by the kinds of both ends too: a push schedules each group's batches by the
        // node kinds they modify (see [`Plan::units`]).
        let kind_of = |i: u32| g.facts(NodeIndex::new(i as usize)).kind;
        let mut rels: BTreeMap<(EdgeKind, NodeKind, NodeKind, Anchor), RelGroups> = BTreeMap::new();
        for (k, t) in all.iter().enumerate() {
            let anchor = if out_deg[t.1 as usize] > in_deg[t.2 as usize] {
                Anchor::End
            } else {
                Anchor::Start
            };
            let ends = (kind_of(t.1), kind_of(t.2));
            let r = rels
                .entry((t.0, ends.0, ends.1, anchor))
                .or_insert_with(|| RelGroups {
                    kind: t.0,
                    ends,
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
        let (nodes, rels) = self.node_and_relationship_batches(g, run, batch_size);
        nodes.chain(rels)
    }

    /// The node batches and the relationship batches, apart: a push must commit every node
    /// before it sends the first relationship, whose rows match both of its ends.
    pub fn node_and_relationship_batches<'a>(
        &'a self,
        g: &'a TrustGraph,
        run: &'a str,
        batch_size: usize,
    ) -> (
        impl Iterator<Item = Batch> + 'a,
        impl Iterator<Item = Batch> + 'a,
    ) {
        let nodes = (0..self.nodes.len())
            .flat_map(move |k| self.group_batches(UnitGroup::Nodes(k), g, run, batch_size));
        let rels = (0..self.rels.len())
            .flat_map(move |k| self.group_batches(UnitGroup::Rels(k), g, run, batch_size));
        (nodes, rels)
    }

    /// The push's units of work, each with what it writes and what it waits for, so that a
    /// push over several connections never runs at once two transactions that write the same
    /// pages. ArcadeDB (`docs/arcadedb-notes.md`, "Concurrent writers") checks versions per
    /// page at commit: transactions adding nodes of one kind, or relationships of one type,
    /// collide on that bucket's pages, and adding a relationship rewrites both end nodes'
    /// records, so it collides with anything writing nodes of either end's kind. A collision
    /// costs the whole batch again (a retry), and two connections sharing kinds were slower
    /// than one. Transactions on disjoint kinds and types never collided.
    ///
    /// So a unit is the nodes of one kind (resources: that kind), or the relationships of one
    /// type between two node kinds, written from one end (resources: the type and both kinds;
    /// needs: both kinds' nodes committed, since its rows match them). Bits: node kinds from 0,
    /// relationship types from 32.
    ///
    /// Into a database that holds the graph already, a relationship batch creates nothing: it
    /// finds each relationship and rewrites its properties, so it writes the pages of its type
    /// and nothing of its ends ([`Unit::updates`]). Half the relationships of the benchmark
    /// graph touch `User` nodes; under `resources` they queue behind each other, under
    /// `updates` they run side by side.
    pub fn units(&self) -> Vec<Unit> {
        let nodes = self.nodes.iter().enumerate().map(|(k, (kind, idx))| Unit {
            resources: kind_bit(*kind),
            updates: kind_bit(*kind),
            needs: 0,
            rows: idx.len(),
            kind: Some(*kind),
            group: UnitGroup::Nodes(k),
        });
        let rels = self.rels.iter().enumerate().map(|(k, r)| {
            let ends = kind_bit(r.ends.0) | kind_bit(r.ends.1);
            Unit {
                resources: type_bit(r.kind) | ends,
                updates: type_bit(r.kind),
                needs: ends,
                rows: r.len(),
                kind: None,
                group: UnitGroup::Rels(k),
            }
        });
        nodes.chain(rels).collect()
    }

    /// The batches of one unit of [`Plan::units`], each built when it is asked for.
    pub fn unit_batches<'a>(
        &'a self,
        unit: &Unit,
        g: &'a TrustGraph,
        run: &'a str,
        batch_size: usize,
    ) -> impl Iterator<Item = Batch> + 'a {
        self.group_batches(unit.group, g, run, batch_size)
    }

    /// The rows `rows` (a range within [`Unit::rows`]) of one unit as one batch. Any range is a
    /// batch, built from the plan alone: a push builds a batch in steps, and builds a batch
    /// again rather than keep a copy of its rows for a retry that rarely comes.
    pub fn unit_batch(
        &self,
        unit: &Unit,
        g: &TrustGraph,
        run: &str,
        rows: std::ops::Range<usize>,
    ) -> Batch {
        self.group_batch(unit.group, g, run, rows)
    }

    /// The rows `rows` of a group of nodes or relationships as one batch.
    fn group_batch(
        &self,
        group: UnitGroup,
        g: &TrustGraph,
        run: &str,
        rows: std::ops::Range<usize>,
    ) -> Batch {
        match group {
            UnitGroup::Nodes(k) => {
                let (kind, idx) = &self.nodes[k];
                self.node_batch(*kind, &idx[rows], g, run)
            }
            UnitGroup::Rels(k) => self.rel_batch(&self.rels[k], rows, g, run),
        }
    }

    /// The batches of a group of nodes or relationships, `batch_size` rows each.
    fn group_batches<'a>(
        &'a self,
        group: UnitGroup,
        g: &'a TrustGraph,
        run: &'a str,
        batch_size: usize,
    ) -> impl Iterator<Item = Batch> + 'a {
        let rows = match group {
            UnitGroup::Nodes(k) => self.nodes[k].1.len(),
            UnitGroup::Rels(k) => self.rels[k].len(),
        };
        let batch_size = batch_size.max(1);
        (0..rows).step_by(batch_size).map(move |first| {
            self.group_batch(group, g, run, first..(first + batch_size).min(rows))
        })
    }

    /// One batch of nodes of `kind`, the graph's nodes `idx`.
    fn node_batch(&self, kind: NodeKind, idx: &[u32], g: &TrustGraph, run: &str) -> Batch {
        Batch {
            statements: merge_nodes(kind).into(),
            create: vec![create_nodes(kind)],
            rows: idx
                .iter()
                .map(|&i| {
                    let i = i as usize;
                    let mut props = node_props(g, i, run, &self.sources);
                    // The id is the row's own: set when the node is created, never rewritten
                    // (it is the indexed key; a re-push would update the index for nothing).
                    props.remove("id");
                    json!({"id": g.id(NodeIndex::new(i)), "props": props})
                })
                .collect(),
            nodes: idx.len(),
            relationships: 0,
        }
    }

    /// One batch of the relationships `rows` of a group.
    fn rel_batch(
        &self,
        r: &RelGroups,
        rows: std::ops::Range<usize>,
        g: &TrustGraph,
        run: &str,
    ) -> Batch {
        Batch {
            statements: vec![merge_edges_from(r.kind, r.anchor)],
            create: vec![create_edges(r.kind, r.ends)],
            relationships: rows.len(),
            rows: rows
                .map(|k| edge_row(g, r.group(k), run, &self.sources))
                .collect(),
            nodes: 0,
        }
    }

    /// Node kinds and how many nodes each has, in write order.
    pub fn node_kinds(&self) -> impl Iterator<Item = (NodeKind, usize)> + '_ {
        self.nodes.iter().map(|(k, v)| (*k, v.len()))
    }

    /// Relationship kinds and how many relationships each has (both anchors).
    pub fn relationship_kinds(&self) -> Vec<(EdgeKind, usize)> {
        let mut out: BTreeMap<EdgeKind, usize> = BTreeMap::new();
        for r in &self.rels {
            *out.entry(r.kind).or_default() += r.len();
        }
        out.into_iter().collect()
    }

    /// Every node row's properties (the `props` of a push row, `id` included), kind by kind
    /// (or of one kind), each built, handed to `f` and dropped: for file exports, which need no
    /// batches.
    pub fn for_each_node_row(
        &self,
        g: &TrustGraph,
        run: &str,
        only: Option<NodeKind>,
        mut f: impl FnMut(NodeKind, &Map<String, Value>),
    ) {
        for (kind, idx) in &self.nodes {
            if only.is_some_and(|k| k != *kind) {
                continue;
            }
            for &i in idx {
                f(*kind, &node_props(g, i as usize, run, &self.sources));
            }
        }
    }

    /// Every relationship row `(kind, from id, to id, props)`, parallel edges folded as for the
    /// push, kind by kind (or of one kind).
    pub fn for_each_relationship_row(
        &self,
        g: &TrustGraph,
        run: &str,
        only: Option<EdgeKind>,
        mut f: impl FnMut(EdgeKind, &str, &str, &Map<String, Value>),
    ) {
        for r in self
            .rels
            .iter()
            .filter(|r| only.is_none_or(|k| k == r.kind))
        {
            for k in 0..r.len() {
                let (from, to, props) = edge_parts(g, r.group(k), run, &self.sources);
                f(r.kind, g.id(from), g.id(to), &props);
            }
        }
    }
}

// Node kinds and relationship types each fit the 32 bits they have in a mask.
const _: () = assert!(NodeKind::ALL.len() <= 32 && EdgeKind::ALL.len() <= 32);

/// A node kind's bit in [`Unit`] masks.
pub fn kind_bit(k: NodeKind) -> u64 {
    1 << NodeKind::ALL.iter().position(|x| *x == k).unwrap_or(31)
}

/// A relationship type's bit in [`Unit`] masks.
pub fn type_bit(k: EdgeKind) -> u64 {
    1 << (32 + EdgeKind::ALL.iter().position(|x| *x == k).unwrap_or(31))
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
    let (from, to, p) = edge_parts(g, group, run, sources);
    json!({"from": g.id(from), "to": g.id(to), "props": p})
}

/// The ends and properties of [`edge_row`], without the row around them (file exports).
fn edge_parts(
    g: &TrustGraph,
    group: &[u32],
    run: &str,
    sources: &[String],
) -> (NodeIndex, NodeIndex, Map<String, Value>) {
    let first = EdgeIndex::new(group[0] as usize);
    let (from, to) = g.graph.edge_endpoints(first).expect("edge of this graph");
    let mut p = Map::new();
    for &e in group {
        fold_edge(&mut p, &g.edge_uncached(EdgeIndex::new(e as usize)));
    }
    p.insert(
        "heir_source".into(),
        json!(sources[g.facts(from).platform as usize]),
    );
    p.insert("heir_run".into(), json!(run));
    (from, to, p)
}

/// Uniqueness of `id` per label, so MERGE is a lookup and re-runs cannot duplicate: the common
/// label's first, then every kind's ([`kind_constraint`]).
pub fn constraints() -> Vec<String> {
    std::iter::once(base_constraint())
        .chain(NodeKind::ALL.iter().map(|k| kind_constraint(*k)))
        .collect()
}

/// The uniqueness constraint of the common label, which every node statement looks ids up
/// through.
pub fn base_constraint() -> String {
    constraint(BASE_LABEL)
}

/// The uniqueness constraint of one kind's label.
pub fn kind_constraint(kind: NodeKind) -> String {
    constraint(&kind.label())
}

fn constraint(label: &str) -> String {
    format!(
        "CREATE CONSTRAINT heir_{}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE",
        label.to_ascii_lowercase()
    )
}

/// Creates or updates the nodes of one kind from `$rows`: one statement, one index lookup per
/// row. It is `MERGE (n:HeirNode {id}) ON CREATE SET n:Kind SET n += props`, spelled so that a
/// new node is created with all its labels at once: ArcadeDB (the Bolt server the tests run) maps
/// a label set to a type and cannot add a label to a node created in the same transaction, and
/// `MERGE (n:Kind:HeirNode {id})` would not use the unique index there. The two `FOREACH` over a
/// zero- or one-element list are Cypher's conditional write, standard on Neo4j.
///
/// It replaces a pair of statements (create the missing nodes, then `MATCH … SET` them all),
/// which looked every row up twice and, on ArcadeDB, re-read in the second statement every node
/// the first had just created in the same transaction: 14.3 s against 3.1 s for 20,000 new
/// nodes in batches of 5,000 (`docs/arcadedb-notes.md`).
pub fn merge_nodes(kind: NodeKind) -> [String; 1] {
    [format!(
        "UNWIND $rows AS row OPTIONAL MATCH (e:{BASE_LABEL} {{id: row.id}}) \
         FOREACH (_ IN CASE WHEN e IS NULL THEN [1] ELSE [] END | CREATE (n:{BASE_LABEL}:{} {{id: row.id}}) SET n += row.props) \
         FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END | SET e += row.props)",
        kind.label()
    )]
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

/// Creates the nodes of one kind from `$rows` without looking for them: the first push into a
/// database that holds no heir node (see `neo4j::push`), where [`merge_nodes`] would find
/// nothing and create every row anyway. The unique constraint on `HeirNode` still stands behind
/// it: a node that exists after all is an error, never a duplicate.
pub fn create_nodes(kind: NodeKind) -> String {
    format!(
        "UNWIND $rows AS row CREATE (n:{BASE_LABEL}:{} {{id: row.id}}) SET n += row.props",
        kind.label()
    )
}

/// Creates the relationships of one kind from `$rows` between nodes of the kinds `ends`, both
/// ends found through their kind's id index, without looking for an existing relationship: the
/// first push into a database that held no heir node, where every node is this push's and
/// carries its kind's label, and each kind's constraint is in place before the first
/// relationship on it (`neo4j::push`). A kind's index is a fraction of the common label's, and
/// ArcadeDB searches the common label's index through one index per kind; a lookup through the
/// kind's costs the server about a third less. Rows are one per relationship (parallel document
/// edges already folded, as for [`merge_edges_from`]), so the result is the one `MERGE` gives.
pub fn create_edges(kind: EdgeKind, ends: (NodeKind, NodeKind)) -> String {
    let t = kind.rel_type();
    format!(
        "UNWIND $rows AS row MATCH (a:{} {{id: row.from}}) MATCH (b:{} {{id: row.to}}) CREATE (a)-[r:{t}]->(b) SET r += row.props",
        ends.0.label(),
        ends.1.label()
    )
}

/// Whether the database holds any heir node: a read that stops at the first node found.
pub const ANY_NODE: &str = "MATCH (n:HeirNode) WITH n LIMIT 1 RETURN count(n) AS c";

/// Removes what the re-collected sources (`$sources`) no longer report, that is what they
/// stamped with a run other than `$run`: relationships first. One statement for all sources, so
/// each is one scan however many sources the document names (a statement per source scanned
/// every relationship once per source).
pub fn cleanup() -> [&'static str; 2] {
    [
        "MATCH ()-[r]->() WHERE r.heir_source IN $sources AND r.heir_run <> $run DELETE r",
        "MATCH (n:HeirNode) WHERE n.heir_source IN $sources AND n.heir_run <> $run DETACH DELETE n",
    ]
}

/// Counts what [`cleanup`] would remove, by the same conditions: a read, so that a push with
/// nothing stale (every re-push of an unchanged document) opens no write transaction for it.
pub fn cleanup_counts() -> [&'static str; 2] {
    [
        "MATCH ()-[r]->() WHERE r.heir_source IN $sources AND r.heir_run <> $run RETURN count(r) AS c",
        "MATCH (n:HeirNode) WHERE n.heir_source IN $sources AND n.heir_run <> $run RETURN count(n) AS c",
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
    writeln!(
        out,
        ":param sources => {};",
        literal(&json!(cleanup_sources(g)))
    )?;
    for c in cleanup() {
        writeln!(out, "{c};")?;
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
mod tests;
