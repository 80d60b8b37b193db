//! Live push to Neo4j over Bolt (neo4rs): constraints, batched `UNWIND … MERGE` per kind, then
//! cleanup of what re-collected sources no longer report.
//!
//! Idempotent by construction — every write is a MERGE on a unique id, so pushing the same
//! document twice changes no counts — and therefore resumable: a batch that failed on a transient
//! error is simply sent again.

use std::time::{Duration, Instant};

use neo4rs::{query, BoltType, ConfigBuilder, Graph};
use serde_json::Value;

use super::cypher;
use crate::model::TrustGraph;

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    pub uri: String,
    pub user: String,
    /// Taken from an environment variable by the CLI; never printed.
    pub password: String,
    pub database: Option<String>,
    pub batch_size: usize,
    /// Stamped on everything this push writes.
    pub run: String,
    pub progress: bool,
    /// Attempts per batch for transient failures.
    pub attempts: u32,
}

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushStats {
    pub nodes: usize,
    pub relationships: usize,
    pub batches: usize,
    pub retries: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("cannot reach the Bolt server at {uri}: {detail}\n  fix: check the URI, that the server runs and listens for Bolt, and firewalls")]
    Unreachable { uri: String, detail: String },
    #[error("the server at {uri} refused the credentials of user `{user}`: {detail}\n  fix: check --user and the password in the environment variable given by --password-env")]
    Auth {
        uri: String,
        user: String,
        detail: String,
    },
    #[error("the server rejected a statement: {detail}\n  statement: {statement}")]
    Statement { statement: String, detail: String },
}

/// A JSON value as a Bolt value. Never fails: an integer above 2^63 - 1 (Bolt integers are
/// signed 64-bit) goes as a float, as the script writes it.
fn to_bolt(v: Value) -> BoltType {
    match v {
        Value::Number(n) if n.as_i64().is_none() && n.is_u64() => {
            BoltType::from(n.as_f64().unwrap_or(f64::MAX))
        }
        Value::Array(a) => BoltType::List(neo4rs::BoltList {
            value: a.into_iter().map(to_bolt).collect(),
        }),
        Value::Object(m) => BoltType::Map(neo4rs::BoltMap {
            value: m
                .into_iter()
                .map(|(k, v)| (neo4rs::BoltString::from(k), to_bolt(v)))
                .collect(),
        }),
        other => BoltType::try_from(other).unwrap_or(BoltType::Null(neo4rs::BoltNull)),
    }
}

fn is_transient(e: &neo4rs::Error) -> bool {
    match e {
        neo4rs::Error::IOError { .. } | neo4rs::Error::ConnectionError => true,
        neo4rs::Error::Neo4j(n) => n.code().contains("TransientError"),
        other => {
            let s = other.to_string();
            s.contains("TransientError") || s.contains("connection")
        }
    }
}

fn is_auth(e: &neo4rs::Error) -> bool {
    let s = e.to_string().to_ascii_lowercase();
    s.contains("unauthorized")
        || s.contains("authentication")
        || s.contains("credentials")
        || s.contains("security")
        || s.contains("password")
}

struct Session<'a> {
    graph: Graph,
    opts: &'a PushOptions,
    stats: PushStats,
}

impl Session<'_> {
    /// Runs statements in one explicit transaction — all or nothing, since some servers do not
    /// make an auto-commit batch atomic — retrying the whole transaction on transient failures
    /// with exponential backoff. Safe because every statement is idempotent.
    async fn run(&mut self, texts: &[&str], params: &[(&str, BoltType)]) -> Result<(), PushError> {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            let queries = texts.iter().map(|text| {
                let mut q = query(text);
                for (k, v) in params {
                    q = q.param(k, v.clone());
                }
                q
            });
            let outcome = async {
                let mut txn = self.graph.start_txn().await?;
                txn.run_queries(queries).await?;
                txn.commit().await
            }
            .await;
            match outcome {
                Ok(()) => return Ok(()),
                Err(e) if attempt < self.opts.attempts && is_transient(&e) => {
                    self.stats.retries += 1;
                    attempt += 1;
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    return Err(PushError::Statement {
                        statement: texts.join("; "),
                        detail: e.to_string(),
                    })
                }
            }
        }
    }
}

/// Pushes the graph. `on_batch(done, total)` reports progress in rows.
pub async fn push(
    g: &TrustGraph,
    opts: &PushOptions,
    mut on_batch: impl FnMut(usize, usize),
) -> Result<PushStats, PushError> {
    // neo4rs retries refused connections and credentials for up to a minute: check them first.
    if let Some(address) = super::bolt::plain_address(&opts.uri) {
        super::bolt::check(&address, &opts.user, &opts.password)
            .await
            .map_err(|refused| match refused {
                super::bolt::Refused::Unreachable(detail) => PushError::Unreachable {
                    uri: opts.uri.clone(),
                    detail,
                },
                super::bolt::Refused::Credentials(detail) => PushError::Auth {
                    uri: opts.uri.clone(),
                    user: opts.user.clone(),
                    detail,
                },
            })?;
    }
    let mut config = ConfigBuilder::default()
        .uri(opts.uri.as_str())
        .user(opts.user.as_str())
        .password(opts.password.as_str())
        .max_connections(2);
    if let Some(db) = &opts.database {
        config = config.db(db.as_str());
    }
    let config = config.build().map_err(|e| PushError::Unreachable {
        uri: opts.uri.clone(),
        detail: e.to_string(),
    })?;
    let graph = Graph::connect(config)
        .await
        .map_err(|e| classify(opts, e))?;
    // A first round trip, so a wrong password or a dead server is reported as such.
    graph
        .run(query("RETURN 1"))
        .await
        .map_err(|e| classify(opts, e))?;
    let mut s = Session {
        graph,
        opts,
        stats: PushStats::default(),
    };
    for c in cypher::constraints() {
        s.run(&[&c], &[]).await?;
    }
    // Rows are built one batch at a time from a compact plan, sent, and dropped: memory stays
    // at the graph plus one batch, whatever the size of the document.
    let plan = cypher::Plan::new(g);
    let total = plan.node_count() + plan.relationship_count();
    let mut done = 0;
    for batch in plan.batches(g, &opts.run, opts.batch_size) {
        let texts: Vec<&str> = batch.statements.iter().map(String::as_str).collect();
        let rows = to_bolt(Value::Array(batch.rows));
        s.run(&texts, &[("rows", rows)]).await?;
        s.stats.nodes += batch.nodes;
        s.stats.relationships += batch.relationships;
        s.stats.batches += 1;
        done += batch.nodes + batch.relationships;
        on_batch(done, total);
    }
    for source in cypher::cleanup_sources(g) {
        for c in cypher::cleanup() {
            s.run(
                &[c],
                &[
                    ("source", BoltType::from(source.as_str())),
                    ("run", BoltType::from(opts.run.as_str())),
                ],
            )
            .await?;
        }
    }
    Ok(s.stats)
}

fn classify(opts: &PushOptions, e: neo4rs::Error) -> PushError {
    if is_auth(&e) {
        PushError::Auth {
            uri: opts.uri.clone(),
            user: opts.user.clone(),
            detail: e.to_string(),
        }
    } else {
        PushError::Unreachable {
            uri: opts.uri.clone(),
            detail: e.to_string(),
        }
    }
}

/// A run id that sorts by time: `heir-<unix ms>`.
pub fn new_run_id() -> String {
    format!("heir-{}", crate::model::Timestamp::now().as_millis())
}

/// Blocking wrapper for the CLI: a current-thread runtime is all one Bolt connection needs.
pub fn push_blocking(
    g: &TrustGraph,
    opts: &PushOptions,
    on_batch: impl FnMut(usize, usize),
) -> Result<(PushStats, Duration), PushError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let start = Instant::now();
    let stats = rt.block_on(push(g, opts, on_batch))?;
    Ok((stats, start.elapsed()))
}
