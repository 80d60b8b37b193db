//! Tests of the plan, its batches and units, and the script's literals.
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
fn reference_edge_rows(g: &TrustGraph, run: &str) -> BTreeMap<(EdgeKind, String, String), Value> {
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
        edges.push(
            json!({"from": "aws:role:hub", "to": format!("aws:user:{i}"), "kind": "can_assume"}),
        );
    }
    edges.push(json!({"from": "okta:user:a", "to": "aws:role:hub", "kind": "can_assume"}));
    let doc = json!({
        "version": 1,
        "sources": [{"name": "okta", "collected_at": "2026-11-20T09:00:00Z", "complete": true}],
        "nodes": nodes,
        "edges": edges,
    });
    let (doc, _) =
        crate::model::load::load_str("t.json", &doc.to_string(), crate::model::load::Syntax::Json)
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
            assert_eq!(b.statements.len(), 1);
            assert!(b.statements[0].contains("FOREACH"));
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
                let mut props = node_props(&g, i, "run-1", &Plan::new(&g).sources);
                props.remove("id");
                json!({"id": n.id, "props": props})
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

#[test]
fn units_cover_every_batch_and_name_what_they_write() {
    let g = doc();
    let plan = Plan::new(&g);
    let mut all: Vec<String> = plan
        .batches(&g, "r", 2)
        .map(|b| serde_json::to_string(&b.rows).unwrap())
        .collect();
    all.sort();
    let mut seen = Vec::new();
    let units = plan.units();
    for u in &units {
        let batches: Vec<Batch> = plan.unit_batches(u, &g, "r", 2).collect();
        assert_eq!(
            batches
                .iter()
                .map(|b| b.nodes + b.relationships)
                .sum::<usize>(),
            u.rows
        );
        for b in &batches {
            // One statement per unit: one node kind, or one type from one end.
            assert_eq!(b.statements, batches[0].statements);
            if b.nodes > 0 {
                // A node unit writes its kind and waits for nothing.
                assert_eq!(
                    (u.needs, u.resources, u.provides()),
                    (0, u.provides(), u.provides())
                );
                assert_eq!(u.provides().count_ones(), 1);
                assert_eq!(u.updates, u.resources);
                // Its kind is the kind of every node it writes.
                for row in &b.rows {
                    assert_eq!(row["props"]["kind"].as_str(), u.kind.map(|k| k.as_str()));
                }
                continue;
            }
            // A relationship unit writes its type and both end kinds, and needs both.
            let ends: Vec<u64> = b
                .rows
                .iter()
                .flat_map(|row| {
                    ["from", "to"].map(|end| {
                        let i = g.index(row[end].as_str().unwrap()).unwrap();
                        kind_bit(g.facts(i).kind)
                    })
                })
                .collect();
            assert!(ends.iter().all(|k| u.needs & k != 0));
            assert_eq!(u.provides(), 0);
            assert_eq!(u.resources & !u.needs, u.resources & (u64::MAX << 32));
            assert_eq!((u.resources >> 32).count_ones(), 1);
            // Updating existing relationships writes the type's pages, not its ends'.
            assert_eq!(u.updates, u.resources & (u64::MAX << 32));
            assert_eq!(u.kind, None);
        }
        // Any range of a unit is the batch of those rows, whatever the batch size.
        if u.rows >= 2 {
            let whole = plan.unit_batch(u, &g, "r", 0..u.rows);
            let tail = plan.unit_batch(u, &g, "r", 1..u.rows);
            assert_eq!(whole.rows[1..], tail.rows[..]);
            assert_eq!(whole.statements, tail.statements);
        }
        seen.extend(
            batches
                .iter()
                .map(|b| serde_json::to_string(&b.rows).unwrap()),
        );
    }
    seen.sort();
    assert_eq!(seen, all);
    // `can_assume`: users to roles from either end, and the hub role to users.
    let t = type_bit(EdgeKind::CanAssume);
    assert_eq!(units.iter().filter(|u| u.resources & t != 0).count(), 3);
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
