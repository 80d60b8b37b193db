//! The Neo4j export against a real Bolt server: ArcadeDB, started on a free loopback port by
//! `scripts/arcadedb.sh` (installed from PyPI by `scripts/test.sh`). One server, phases in order:
//! push, read back, query, push again (idempotence), push a changed document (cleanup), run the
//! Cypher script, run every saved query, and the errors a user meets.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use heir::analysis::lineage::inherited;
use heir::export::cypher;
use heir::export::neo4j::{push_blocking, PushError, PushOptions};
use heir::model::load::load_path;
use heir::model::{Document, EdgeKind, NodeKind, Timestamp, TrustGraph};
use neo4rs::{query, BoltType, ConfigBuilder, Graph};

const PASSWORD: &str = "heir-test-pw";
const AT: &str = "2026-11-20T10:00:00Z";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Server {
    dir: PathBuf,
    uri: String,
}

impl Server {
    fn start() -> Server {
        Server::start_named("main")
    }

    /// A server of its own for each test (tests of one binary run in parallel).
    fn start_named(name: &str) -> Server {
        let script = root().join("scripts/arcadedb.sh");
        let install = Command::new("bash")
            .arg(&script)
            .arg("install")
            .status()
            .unwrap();
        assert!(install.success(), "scripts/arcadedb.sh install failed");
        let dir = std::env::temp_dir().join(format!("heir-arcadedb-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(&dir)
            .env("HEIR_TEST_NEO4J_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ArcadeDB did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let uri = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert!(uri.starts_with("bolt://127.0.0.1:"), "{uri}");
        Server { dir, uri }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("scripts/arcadedb.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn load(name: &str) -> TrustGraph {
    let (doc, _) = load_path(root().join(name).to_str().unwrap()).unwrap();
    TrustGraph::new(doc)
}

fn options(server: &Server, run: &str) -> PushOptions {
    PushOptions {
        uri: server.uri.clone(),
        user: "root".into(),
        password: PASSWORD.into(),
        database: Some("heir".into()),
        batch_size: 100,
        run: run.into(),
        progress: false,
        attempts: 5,
        connections: 2,
    }
}

struct Db {
    rt: tokio::runtime::Runtime,
    graph: Graph,
}

impl Db {
    fn connect(server: &Server) -> Db {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = ConfigBuilder::default()
            .uri(server.uri.as_str())
            .user("root")
            .password(PASSWORD)
            .db("heir")
            .build()
            .unwrap();
        let graph = rt.block_on(Graph::connect(config)).unwrap();
        Db { rt, graph }
    }

    /// Runs a read query and returns the rows as JSON-ish maps of the named columns.
    fn rows(
        &self,
        text: &str,
        params: &[(&str, BoltType)],
        columns: &[&str],
    ) -> Vec<Vec<BoltType>> {
        self.rt.block_on(async {
            let mut q = query(text);
            for (k, v) in params {
                q = q.param(k, v.clone());
            }
            let mut stream = self
                .graph
                .execute(q)
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            let mut out = Vec::new();
            while let Some(row) = stream.next().await.unwrap() {
                out.push(
                    columns
                        .iter()
                        .map(|c| row.get::<BoltType>(c).unwrap())
                        .collect(),
                );
            }
            out
        })
    }

    fn count(&self, text: &str) -> i64 {
        match &self.rows(text, &[], &["c"])[0][0] {
            BoltType::Integer(i) => i.value,
            other => panic!("{other:?}"),
        }
    }

    fn ids(&self, text: &str, params: &[(&str, BoltType)]) -> BTreeSet<String> {
        self.rows(text, params, &["id"])
            .into_iter()
            .map(|r| match &r[0] {
                BoltType::String(s) => s.value.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn run(&self, text: &str, params: &HashMap<String, BoltType>) {
        self.rt.block_on(async {
            let mut q = query(text);
            for (k, v) in params {
                q = q.param(k, v.clone());
            }
            let mut txn = self.graph.start_txn().await.unwrap();
            txn.run(q).await.unwrap_or_else(|e| panic!("{text}: {e}"));
            txn.commit().await.unwrap();
        })
    }

    fn clear(&self) {
        self.run("MATCH (n) DETACH DELETE n", &HashMap::new());
    }
}

/// Counts the document should produce: nodes per label, relationships per type (MERGE folds
/// parallel edges of one kind).
fn expected_counts(g: &TrustGraph) -> (BTreeMap<String, i64>, BTreeMap<String, i64>) {
    let mut labels = BTreeMap::new();
    for n in g.nodes() {
        *labels.entry(n.kind.label()).or_insert(0) += 1;
    }
    labels.insert(cypher::BASE_LABEL.to_string(), g.node_count() as i64);
    let mut rels = BTreeMap::new();
    let unique: BTreeSet<(EdgeKind, &str, &str)> = g
        .edges()
        .map(|e| (e.kind, e.from.as_str(), e.to.as_str()))
        .collect();
    for (k, _, _) in unique {
        *rels.entry(k.rel_type()).or_insert(0) += 1;
    }
    (labels, rels)
}

fn actual_counts(db: &Db) -> (BTreeMap<String, i64>, BTreeMap<String, i64>) {
    let mut labels = BTreeMap::new();
    for l in std::iter::once(cypher::BASE_LABEL.to_string())
        .chain(NodeKind::ALL.iter().map(|k| k.label()))
    {
        let c = db.count(&format!("MATCH (n:{l}) RETURN count(n) AS c"));
        if c > 0 {
            labels.insert(l, c);
        }
    }
    let mut rels = BTreeMap::new();
    for k in EdgeKind::ALL {
        let t = k.rel_type();
        let c = db.count(&format!("MATCH ()-[r:{t}]->() RETURN count(r) AS c"));
        if c > 0 {
            rels.insert(t, c);
        }
    }
    (labels, rels)
}

/// The saved queries of docs/queries.cypher, by name.
fn saved_queries() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("docs/queries.cypher")).unwrap();
    let mut out = BTreeMap::new();
    let mut name: Option<String> = None;
    let mut body = String::new();
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("// name: ") {
            name = Some(n.trim().to_string());
            body.clear();
        } else if line.starts_with("//") || line.trim().is_empty() {
            continue;
        } else if let Some(n) = &name {
            body.push_str(line);
            body.push('\n');
            if line.trim_end().ends_with(';') {
                out.insert(n.clone(), body.trim().trim_end_matches(';').to_string());
                name = None;
            }
        }
    }
    out
}

/// The in-memory expectation of the `blast-radius` saved query: breadth-first over traversable
/// edges without conditions, through live nodes only.
fn filtered_reach(g: &TrustGraph, from: &str, at: Timestamp) -> BTreeSet<String> {
    let alive = |id: &str| {
        let n = g.node(g.index(id).unwrap());
        n.enabled() && n.expires_at.is_none_or(|t| t > at)
    };
    let mut seen = BTreeSet::new();
    if !alive(from) {
        return seen;
    }
    let mut stack = vec![from.to_string()];
    while let Some(x) = stack.pop() {
        for e in g.edges().filter(|e| e.from == x) {
            if e.kind.rule().traversable
                && e.requires.is_empty()
                && alive(&e.to)
                && seen.insert(e.to.clone())
            {
                stack.push(e.to.clone());
            }
        }
    }
    seen.remove(from);
    seen
}

/// The engine on a copy of the document with every condition, expiry and disabled flag removed:
/// what remains is the structure both must agree on.
fn engine_reach_without_conditions(g: &TrustGraph, from: &str) -> BTreeSet<String> {
    let mut doc: Document = g.to_document();
    for n in &mut doc.nodes {
        n.expires_at = None;
        n.issued_at = None;
        n.enabled = None;
        n.device_bound = None;
    }
    for e in &mut doc.edges {
        e.requires.clear();
    }
    let g2 = TrustGraph::new(doc);
    let q = heir::analysis::blast::BlastQuery {
        from: vec![g2.index(from).unwrap()],
        at: Timestamp::parse(AT).unwrap(),
        attacker: heir::model::Attacker::OffDevice,
    };
    heir::analysis::blast::blast(&g2, &q)
        .report(&g2)
        .reached
        .into_iter()
        .map(|r| r.id.to_string())
        .collect()
}

/// Runs a `heir export cypher` script the way cypher-shell does: `:param name => value` binds a
/// parameter (the value is evaluated by the server), every other statement runs with them.
fn run_script(db: &Db, script: &str) -> usize {
    let mut params: HashMap<String, BoltType> = HashMap::new();
    let mut statements = 0;
    for line in script.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let line = line
            .strip_suffix(';')
            .expect("one statement per line, ending in ;");
        if let Some(rest) = line.strip_prefix(":param ") {
            let (name, value) = rest.split_once(" => ").expect(":param name => value");
            let v = db
                .rows(&format!("RETURN {value} AS v"), &[], &["v"])
                .remove(0)
                .remove(0);
            params.insert(name.trim().to_string(), v);
        } else {
            db.run(line, &params);
            statements += 1;
        }
    }
    statements
}

/// One role with `can_assume` to `n` accounts and one group they are all members of; the role's
/// edge to account 7 is given twice (conditions and props to fold).
fn supernode_document(n: usize) -> TrustGraph {
    let mut nodes = vec![
        serde_json::json!({"id": "okta:role:hub", "kind": "role"}),
        serde_json::json!({"id": "okta:group:everyone", "kind": "group"}),
    ];
    let mut edges = Vec::new();
    for i in 0..n {
        let id = format!("okta:user:{i}");
        nodes.push(serde_json::json!({"id": id, "kind": "user"}));
        edges.push(serde_json::json!({"from": "okta:role:hub", "to": id, "kind": "can_assume", "requires": ["mfa"], "props": {"n": 1}}));
        edges.push(
            serde_json::json!({"from": id, "to": "okta:group:everyone", "kind": "member_of"}),
        );
    }
    edges.push(serde_json::json!({"from": "okta:role:hub", "to": "okta:user:7", "kind": "can_assume", "requires": ["fresh_mfa"], "props": {"n": 2}}));
    let doc = serde_json::json!({
        "version": 1,
        "sources": [{"name": "okta", "collected_at": "2026-11-20T09:00:00Z", "complete": true}],
        "nodes": nodes,
        "edges": edges,
    });
    let (doc, _) = heir::model::load::load_str(
        "hub.json",
        &doc.to_string(),
        heir::model::load::Syntax::Json,
    )
    .unwrap();
    TrustGraph::new(doc)
}

#[test]
fn neo4j_export_against_a_real_bolt_server() {
    let server = Server::start();
    let db = Db::connect(&server);
    let acme = load("examples/acme.json");
    let (want_labels, want_rels) = expected_counts(&acme);

    // 1. Push, read back counts per label and relationship type.
    let (stats, _) = push_blocking(&acme, &options(&server, "run-1"), |_, _| {}).unwrap();
    assert_eq!(stats.nodes, acme.node_count());
    assert_eq!(actual_counts(&db), (want_labels.clone(), want_rels.clone()));
    // Every label's uniqueness constraint, kinds with nodes (made during the push, after their
    // nodes) and kinds without (after the data) alike.
    let constraints: BTreeSet<String> = db
        .rows("SHOW CONSTRAINTS", &[], &["name"])
        .into_iter()
        .map(|r| match &r[0] {
            BoltType::String(s) => s.value.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let want: BTreeSet<String> = std::iter::once("heir_heirnode_id".to_string())
        .chain(
            NodeKind::ALL
                .iter()
                .map(|k| format!("heir_{}_id", k.label().to_ascii_lowercase())),
        )
        .collect();
    assert_eq!(constraints, want);
    let props = db.rows(
        "MATCH (n:HeirNode {id: $id}) RETURN n.kind AS kind, n.criticality AS c, n.heir_run AS run, n.heir_source AS source",
        &[("id", BoltType::from("okta:session:102dana-kim-laptop"))],
        &["kind", "c", "run", "source"],
    );
    assert_eq!(
        format!("{:?}", props[0][0]),
        format!("{:?}", BoltType::from("session"))
    );
    assert_eq!(
        format!("{:?}", props[0][2]),
        format!("{:?}", BoltType::from("run-1"))
    );
    assert_eq!(
        format!("{:?}", props[0][3]),
        format!("{:?}", BoltType::from("okta"))
    );

    // 2. The same document again changes no counts, and restamps everything.
    push_blocking(&acme, &options(&server, "run-2"), |_, _| {}).unwrap();
    assert_eq!(actual_counts(&db), (want_labels.clone(), want_rels.clone()));
    assert_eq!(
        db.count("MATCH (n:HeirNode) WHERE n.heir_run = 'run-2' RETURN count(n) AS c"),
        acme.node_count() as i64
    );

    // 3. Every saved query, checked against heir's own answers.
    let queries = saved_queries();
    assert_eq!(
        queries.keys().cloned().collect::<Vec<_>>(),
        vec![
            "blast-radius",
            "inherited",
            "never-expiring-credentials",
            "orphaned-nhis",
            "reachable"
        ]
    );
    let at = Timestamp::parse(AT).unwrap();
    for from in [
        "okta:session:102dana-kim-laptop",
        "okta:session:1023WiOFRVtzYjj8hck5iXMXG",
    ] {
        let p = [("from", BoltType::from(from)), ("at", BoltType::from(AT))];
        assert_eq!(
            db.ids(&queries["reachable"], &p),
            engine_reach_without_conditions(&acme, from),
            "{from}"
        );
        assert_eq!(
            db.ids(&queries["blast-radius"], &p),
            filtered_reach(&acme, from, at),
            "{from}"
        );
        for since in [None, Some("2026-11-20T09:00:00Z")] {
            let p = [
                ("from", BoltType::from(from)),
                (
                    "since",
                    since.map_or(BoltType::Null(neo4rs::BoltNull), BoltType::from),
                ),
            ];
            let lineage = inherited(
                &acme,
                acme.index(from).unwrap(),
                since.map(|s| Timestamp::parse(s).unwrap()),
                at,
            );
            let want: BTreeSet<String> = lineage.inherited.into_iter().map(|x| x.id).collect();
            assert_eq!(
                db.ids(&queries["inherited"], &p),
                want,
                "{from} since {since:?}"
            );
        }
    }
    let orphans: BTreeSet<String> = acme
        .nodes()
        .filter(|n| n.kind == NodeKind::ServiceAccount)
        .filter(|n| {
            let owners: Vec<_> = acme
                .edges()
                .filter(|e| e.kind == EdgeKind::Owns && e.to == n.id)
                .collect();
            owners.is_empty()
                || owners
                    .iter()
                    .all(|e| !acme.node(acme.index(&e.from).unwrap()).enabled())
        })
        .map(|n| n.id.clone())
        .collect();
    assert!(
        !orphans.is_empty(),
        "the demo organisation has orphaned NHIs"
    );
    assert_eq!(db.ids(&queries["orphaned-nhis"], &[]), orphans);
    let forever: BTreeSet<String> = acme
        .nodes()
        .filter(|n| n.kind.is_credential() && n.expires_at.is_none() && n.enabled())
        .map(|n| n.id.clone())
        .collect();
    assert!(!forever.is_empty());
    assert_eq!(db.ids(&queries["never-expiring-credentials"], &[]), forever);

    // 4. A re-collected source that no longer reports something: it goes, other sources stay.
    let mut changed = acme.to_document();
    let gone: BTreeSet<String> = changed
        .nodes
        .iter()
        .filter(|n| n.platform() == "slack")
        .map(|n| n.id.clone())
        .collect();
    assert!(gone.len() >= 3);
    changed.nodes.retain(|n| !gone.contains(&n.id));
    changed
        .edges
        .retain(|e| !gone.contains(&e.from) && !gone.contains(&e.to));
    let changed = TrustGraph::new(changed);
    push_blocking(&changed, &options(&server, "run-3"), |_, _| {}).unwrap();
    assert_eq!(actual_counts(&db), expected_counts(&changed));
    assert_eq!(
        db.count("MATCH (n:HeirNode) WHERE n.platform = 'slack' RETURN count(n) AS c"),
        0
    );
    // Only the okta source re-collected, one user fewer: nothing outside okta is touched.
    let mut okta_only = changed.to_document();
    okta_only.sources.retain(|s| s.name == "okta");
    let dropped = okta_only
        .nodes
        .iter()
        .find(|n| {
            n.platform() == "okta"
                && n.kind == NodeKind::User
                && n.id != "okta:user:00uRdWwUZlPOgGurL1es"
        })
        .unwrap()
        .id
        .clone();
    okta_only
        .nodes
        .retain(|n| n.platform() == "okta" && n.id != dropped);
    let kept: BTreeSet<String> = okta_only.nodes.iter().map(|n| n.id.clone()).collect();
    okta_only
        .edges
        .retain(|e| kept.contains(&e.from) && kept.contains(&e.to));
    push_blocking(
        &TrustGraph::new(okta_only),
        &options(&server, "run-4"),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(
        db.count("MATCH (n:HeirNode) RETURN count(n) AS c"),
        changed.node_count() as i64 - 1
    );
    assert_eq!(
        db.ids(
            "MATCH (n:HeirNode {id: $id}) RETURN n.id AS id",
            &[("id", BoltType::from(dropped.as_str()))]
        ),
        BTreeSet::new()
    );

    // 5. The cypher-shell script builds the same graph as the live push.
    db.clear();
    let script = cypher::script(&acme, "script-run", 100);
    assert!(run_script(&db, &script) > 20);
    assert_eq!(actual_counts(&db), (want_labels, want_rels));
    // Hostile strings travel through the script as data, byte for byte.
    db.clear();
    let nasty_id = "x:user:\"}) MATCH (n) DETACH DELETE n //`\\ é";
    let doc = serde_json::json!({
        "version": 1,
        "nodes": [
            {"id": nasty_id, "kind": "user", "name": "'; DROP \"all\" \n", "props": {"we`ird key": "v\u{0}"}},
            {"id": "x:app:a", "kind": "app"}
        ],
        "edges": [{"from": nasty_id, "to": "x:app:a", "kind": "can_access"}]
    });
    let (doc, _) = heir::model::load::load_str(
        "nasty.json",
        &doc.to_string(),
        heir::model::load::Syntax::Json,
    )
    .unwrap();
    let nasty = TrustGraph::new(doc);
    run_script(&db, &cypher::script(&nasty, "nasty", 10));
    let back = db.rows(
        "MATCH (n:User)-[:CAN_ACCESS]->(a:App) RETURN n.id AS id, n.name AS name",
        &[],
        &["id", "name"],
    );
    assert_eq!(back.len(), 1);
    assert_eq!(
        format!("{:?}", back[0][0]),
        format!("{:?}", BoltType::from(nasty_id))
    );
    assert_eq!(
        format!("{:?}", back[0][1]),
        format!("{:?}", BoltType::from("'; DROP \"all\" \n"))
    );

    // 6. A supernode: one role that can assume every account (written from the accounts' end
    //    on ArcadeDB, see cypher::Anchor), one group every account is a member of (written from
    //    the accounts), parallel edges to fold. Pushed twice: exact counts both times.
    db.clear();
    let hub = supernode_document(3000);
    let (want_labels, want_rels) = expected_counts(&hub);
    assert_eq!(want_rels["CAN_ASSUME"], 3000);
    assert_eq!(want_rels["MEMBER_OF"], 3000);
    for run in ["hub-1", "hub-2"] {
        let mut o = options(&server, run);
        o.batch_size = 500;
        let (stats, _) = push_blocking(&hub, &o, |_, _| {}).unwrap();
        assert_eq!(stats.nodes, hub.node_count());
        assert_eq!(stats.relationships, 6000);
        assert_eq!(
            actual_counts(&db),
            (want_labels.clone(), want_rels.clone()),
            "{run}"
        );
        assert_eq!(
            db.count("MATCH (:HeirNode {id: 'okta:role:hub'})-[r:CAN_ASSUME]->(:User) RETURN count(r) AS c"),
            3000
        );
        assert_eq!(
            db.count(&format!(
                "MATCH ()-[r]->() WHERE r.heir_run = '{run}' RETURN count(r) AS c"
            )),
            6000
        );
    }
    let folded = db.rows(
        "MATCH (:HeirNode {id: 'okta:role:hub'})-[r:CAN_ASSUME]->(:HeirNode {id: 'okta:user:7'}) RETURN r.requires AS req, r.props_n AS n, r.props_n_2 AS n2",
        &[],
        &["req", "n", "n2"],
    );
    assert_eq!(folded.len(), 1);
    assert_eq!(
        format!("{:?}", folded[0][0]),
        format!(
            "{:?}",
            BoltType::from(vec!["fresh_mfa".to_string(), "mfa".to_string()])
        )
    );
    // Props of parallel edges are all kept, a clashing name numbered (as in the OpenGraph export).
    assert_eq!(
        format!("{:?}", (&folded[0][1], &folded[0][2])),
        format!("{:?}", (BoltType::from(1i64), BoltType::from(2i64)))
    );

    // 7. What a user gets wrong: the password, the address. Both are said at once (a Bolt
    // HELLO before the push), not after neo4rs's minute of retries.
    let mut wrong = options(&server, "x");
    wrong.password = "not-the-password".into();
    let started = std::time::Instant::now();
    match push_blocking(&acme, &wrong, |_, _| {}) {
        Err(PushError::Auth { detail, .. }) => assert!(!detail.contains("not-the-password")),
        other => panic!("expected an authentication error, got {other:?}"),
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "a wrong password took {:?} to report",
        started.elapsed()
    );
    let mut closed = options(&server, "x");
    closed.uri = "bolt://127.0.0.1:1".into();
    let started = std::time::Instant::now();
    match push_blocking(&acme, &closed, |_, _| {}) {
        Err(PushError::Unreachable { .. }) => {}
        other => panic!("expected an unreachable error, got {other:?}"),
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    let out = Command::new(env!("CARGO_BIN_EXE_heir"))
        .args([
            "export",
            "neo4j",
            "examples/acme.json",
            "--uri",
            &server.uri,
            "--user",
            "root",
            "--database",
            "heir",
            "--password-env",
            "HEIR_TEST_NO_SUCH_VAR",
        ])
        .current_dir(root())
        .env_remove("HEIR_TEST_NO_SUCH_VAR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HEIR_TEST_NO_SUCH_VAR"));
    let out = Command::new(env!("CARGO_BIN_EXE_heir"))
        .args([
            "export",
            "neo4j",
            "examples/acme.json",
            "--uri",
            &server.uri,
            "--user",
            "root",
            "--database",
            "heir",
            "--password-env",
            "HEIR_TEST_PW",
            "--quiet",
        ])
        .current_dir(root())
        .env("HEIR_TEST_PW", "wrong-password")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refused the credentials") && !err.contains("wrong-password"),
        "{err}"
    );
}

/// A push killed halfway (SIGKILL, the process gone mid-transaction) leaves a state the next run
/// completes: every batch is one transaction, every statement idempotent, so the re-run writes
/// what is missing, restamps the rest, and the counts are exact.
#[test]
fn an_interrupted_push_is_completed_by_the_next_run() {
    use std::io::{BufRead, BufReader};
    let server = Server::start_named("interrupt");
    let db = Db::connect(&server);
    let dir = std::env::temp_dir().join(format!("heir-interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("g.json");
    let synth = Command::new(env!("CARGO_BIN_EXE_heir"))
        .args(["synth", "--users", "400", "--seed", "3", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(synth.status.success());
    let g = load(path.to_str().unwrap());
    let (want_labels, want_rels) = expected_counts(&g);
    let rows = g.node_count() + want_rels.values().sum::<i64>() as usize;
    assert!(rows > 20_000, "{rows} rows: big enough to interrupt");
    let push = |run: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_heir"));
        c.args(["export", "neo4j"])
            .arg(&path)
            .args(["--uri", &server.uri, "--user", "root", "--database", "heir"])
            .args([
                "--password-env",
                "HEIR_TEST_PW",
                "--batch-size",
                "500",
                "--run",
                run,
            ])
            .env("HEIR_TEST_PW", PASSWORD)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c
    };

    // 1. Killed once the progress shows some rows written, and before the end.
    let mut child = push("cut-1").spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = None;
    for line in stderr.lines() {
        let line = line.unwrap();
        // neo4j push: 1500/29013 rows (5%), 812 rows/s, eta 34 s
        if let Some(rest) = line.strip_prefix("neo4j push: ") {
            let done: usize = rest.split('/').next().unwrap().parse().unwrap();
            assert!(line.contains("rows/s") && line.contains("eta"), "{line}");
            if done > 0 && done < rows {
                child.kill().unwrap();
                seen = Some(done);
                break;
            }
        }
    }
    child.wait().unwrap();
    let done = seen.expect("a progress line before the end");
    let (labels, rels) = actual_counts(&db);
    let written = labels.get("HeirNode").copied().unwrap_or(0) + rels.values().sum::<i64>();
    assert!(
        written >= done as i64 && written < rows as i64,
        "killed halfway: {written} of {rows} rows written, {done} reported"
    );

    // 2. The next run completes it: exact counts, everything restamped.
    let out = push("cut-2").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(actual_counts(&db), (want_labels, want_rels));
    assert_eq!(
        db.count("MATCH (n:HeirNode) WHERE n.heir_run = 'cut-2' RETURN count(n) AS c"),
        g.node_count() as i64
    );
    assert_eq!(
        db.count("MATCH ()-[r]->() WHERE r.heir_run <> 'cut-2' RETURN count(r) AS c"),
        0
    );
    // Properties too: a node's fields as the document has them.
    let n = g.nodes().find(|n| n.name.is_some()).unwrap();
    let back = db.rows(
        "MATCH (n:HeirNode {id: $id}) RETURN n.name AS name, n.kind AS kind, n.criticality AS c",
        &[("id", BoltType::from(n.id.as_str()))],
        &["name", "kind", "c"],
    );
    assert_eq!(
        format!("{:?}", back[0]),
        format!(
            "{:?}",
            vec![
                BoltType::from(n.name.clone().unwrap().as_str()),
                BoltType::from(n.kind.as_str()),
                BoltType::from(i64::from(n.criticality())),
            ]
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every heir node and relationship as the server holds it, the run stamp left out (it is the
/// one thing a re-push changes): `(id, labels, properties)` and `(from, type, to, properties)`,
/// sorted, properties with their keys sorted.
type Dump = (
    Vec<(String, Vec<String>, BTreeMap<String, serde_json::Value>)>,
    Vec<(String, String, String, BTreeMap<String, serde_json::Value>)>,
);

fn dump(db: &Db) -> Dump {
    db.rt.block_on(async {
        let mut nodes = Vec::new();
        let mut rows = db
            .graph
            .execute(query(
                "MATCH (n:HeirNode) RETURN n.id AS id, labels(n) AS l, properties(n) AS p",
            ))
            .await
            .unwrap();
        while let Some(row) = rows.next().await.unwrap() {
            let mut labels: Vec<String> = row.get("l").unwrap();
            labels.sort();
            let mut p: BTreeMap<String, serde_json::Value> = row.get("p").unwrap();
            p.remove("heir_run");
            nodes.push((row.get::<String>("id").unwrap(), labels, p));
        }
        let mut rels = Vec::new();
        let mut rows = db
            .graph
            .execute(query(
                "MATCH (a:HeirNode)-[r]->(b:HeirNode) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p",
            ))
            .await
            .unwrap();
        while let Some(row) = rows.next().await.unwrap() {
            let mut p: BTreeMap<String, serde_json::Value> = row.get("p").unwrap();
            p.remove("heir_run");
            rels.push((
                row.get::<String>("a").unwrap(),
                row.get::<String>("t").unwrap(),
                row.get::<String>("b").unwrap(),
                p,
            ));
        }
        // Ids are unique, and so is (from, type, to): MERGE folds parallel edges.
        nodes.sort_by(|x, y| x.0.cmp(&y.0));
        rels.sort_by(|x, y| (&x.0, &x.1, &x.2).cmp(&(&y.0, &y.1, &y.2)));
        (nodes, rels)
    })
}

/// A first push into an empty database creates rows without looking for them (`CREATE`); into
/// a database that holds any heir node it merges them. Both, and a re-push over either, must
/// leave exactly the same nodes, labels, relationships and properties.
#[test]
fn a_fresh_push_and_a_merged_push_write_the_same_graph() {
    let server = Server::start_named("fresh");
    let db = Db::connect(&server);
    let dir = std::env::temp_dir().join(format!("heir-fresh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("g.json");
    let synth = Command::new(env!("CARGO_BIN_EXE_heir"))
        .args(["synth", "--users", "30", "--seed", "11", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(synth.status.success());
    let g = load(path.to_str().unwrap());
    let want = expected_counts(&g);

    // 1. Into an empty database: the CREATE path.
    push_blocking(&g, &options(&server, "fresh-1"), |_, _| {}).unwrap();
    assert_eq!(actual_counts(&db), want);
    let fresh = dump(&db);
    assert_eq!(fresh.0.len(), g.node_count());

    // 2. Re-push over it: the MERGE path, nothing changes but the run.
    push_blocking(&g, &options(&server, "fresh-2"), |_, _| {}).unwrap();
    assert_eq!(dump(&db), fresh);

    // 3. From scratch into a database holding one unrelated heir node (another source): the
    //    MERGE path creates everything, and writes what the CREATE path wrote.
    db.clear();
    let mut p = HashMap::new();
    p.insert("id".to_string(), BoltType::from("other:node"));
    db.run(
        "CREATE (n:HeirNode:User {id: $id, heir_source: 'other', heir_run: 'x'})",
        &p,
    );
    push_blocking(&g, &options(&server, "merged-1"), |_, _| {}).unwrap();
    db.run("MATCH (n:HeirNode {id: $id}) DETACH DELETE n", &p);
    assert_eq!(dump(&db), fresh);
    std::fs::remove_dir_all(&dir).unwrap();
}
