//! Live push to Neo4j over Bolt (neo4rs): constraints, batched `UNWIND … MERGE` per kind, then
//! cleanup of what re-collected sources no longer report.
//!
//! Idempotent by construction — every write into a database that holds heir nodes is a MERGE on
//! a unique id, so pushing the same document twice changes no counts — and therefore resumable: a
//! batch that failed on a transient error is simply sent again. Into a database that holds no heir
//! node, rows are created without being looked for (nothing can be found), and a retried batch
//! goes as its MERGE; a push stopped half-way leaves heir nodes, so the next one merges.

use std::cell::{Cell, RefCell};
use std::ops::Range;
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
    /// Connections writing batches at the same time (at least 1), as [`Schedule`] decides.
    pub connections: usize,
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

/// One connection's writer: runs batches and counts its retries.
struct Writer<'a> {
    graph: &'a Graph,
    opts: &'a PushOptions,
    retries: usize,
    nodelay: &'a RefCell<super::nodelay::Nodelay>,
}

impl Writer<'_> {
    /// Runs statements in one explicit transaction — all or nothing, since some servers do not
    /// make an auto-commit batch atomic — retrying the whole transaction on transient failures
    /// with exponential backoff. Concurrent writers on ArcadeDB meet page conflicts
    /// (`DeadlockDetected`, transient) and retry here.
    async fn run(&mut self, texts: &[&str], params: &[(&str, BoltType)]) -> Result<(), PushError> {
        self.run_then(texts, texts, || {
            params.iter().map(|(k, v)| (*k, v.clone())).collect()
        })
        .await
    }

    /// [`Writer::run`], with `first` on the first attempt and `retry` (idempotent) on the
    /// others: a transaction whose commit was lost on the way back may have committed, so only
    /// statements that find what exists may run it again (a `CREATE` batch is retried as its
    /// `MERGE`). `params` gives the parameters of each attempt: a batch's rows are handed over
    /// once and built again for a retry, not copied for one (a copy of 5,000 rows took 4–8 ms
    /// of the one thread every connection shares, before each batch).
    async fn run_then<'p>(
        &mut self,
        first: &[&str],
        retry: &[&str],
        mut params: impl FnMut() -> Vec<(&'p str, BoltType)>,
    ) -> Result<(), PushError> {
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            let texts = if attempt == 1 { first } else { retry };
            let mut values = params();
            let queries = texts.iter().enumerate().map(|(i, text)| {
                let mut q = query(text);
                for (k, v) in values.iter_mut() {
                    // The last statement takes the values, the others a copy.
                    let v = if i + 1 == texts.len() {
                        std::mem::replace(v, BoltType::Null(neo4rs::BoltNull))
                    } else {
                        v.clone()
                    };
                    q = q.param(k, v);
                }
                q
            });
            let queries: Vec<_> = queries.collect();
            let outcome = async {
                let mut txn = self.graph.start_txn().await?;
                // The transaction holds its connection now, opened just before perhaps.
                self.nodelay.borrow_mut().apply();
                txn.run_queries(queries).await?;
                txn.commit().await
            }
            .await;
            match outcome {
                Ok(()) => return Ok(()),
                Err(e) if attempt < self.opts.attempts && is_transient(&e) => {
                    self.retries += 1;
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

impl Writer<'_> {
    /// A read returning one integer column `c`, retried like a write.
    async fn count(&mut self, text: &str, params: &[(&str, BoltType)]) -> Result<i64, PushError> {
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            let mut q = query(text);
            for (k, v) in params {
                q = q.param(k, v.clone());
            }
            let outcome = async {
                let mut rows = self.graph.execute(q).await?;
                // Unknown until read, and unknown counts as "something to delete": a count the
                // client cannot read must not skip the cleanup.
                let mut c = 1;
                while let Some(row) = rows.next().await? {
                    c = row.get::<i64>("c").unwrap_or(1);
                }
                Ok::<i64, neo4rs::Error>(c)
            }
            .await;
            match outcome {
                Ok(c) => return Ok(c),
                Err(e) if attempt < self.opts.attempts && is_transient(&e) => {
                    self.retries += 1;
                    attempt += 1;
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    return Err(PushError::Statement {
                        statement: text.to_string(),
                        detail: e.to_string(),
                    })
                }
            }
        }
    }
}

/// A batch ready to send: its statements and its rows already as one Bolt list.
struct Ready {
    statements: Vec<String>,
    create: Vec<String>,
    rows: BoltType,
    nodes: usize,
    relationships: usize,
}

/// Rows built between two looks at the network while a batch is built (see [`build`]).
const BUILD_STEP: usize = 250;

/// What a push reads to build its batches.
#[derive(Clone, Copy)]
struct Source<'a> {
    plan: &'a cypher::Plan,
    g: &'a TrustGraph,
    run: &'a str,
}

impl Source<'_> {
    /// The rows `range` of `unit` as Bolt values, at once (a retry).
    fn rows(&self, unit: &cypher::Unit, range: Range<usize>) -> BoltType {
        let b = self.plan.unit_batch(unit, self.g, self.run, range);
        to_bolt(Value::Array(b.rows))
    }

    /// The rows `range` of `unit` as a batch, built [`BUILD_STEP`] rows at a time with a yield
    /// in between. Building 5,000 rows takes tens of milliseconds of the one thread every
    /// connection shares; built at once, it held up the other transaction's next message (a
    /// `BEGIN` answered, a `RUN` not yet sent) for as long, and the server waited.
    async fn build(&self, unit: &cypher::Unit, range: Range<usize>) -> Ready {
        let mut rows = Vec::with_capacity(range.len());
        let mut ready = Ready {
            statements: Vec::new(),
            create: Vec::new(),
            rows: BoltType::Null(neo4rs::BoltNull),
            nodes: 0,
            relationships: 0,
        };
        let mut start = range.start;
        while start < range.end {
            let end = (start + BUILD_STEP).min(range.end);
            let b = self.plan.unit_batch(unit, self.g, self.run, start..end);
            rows.extend(b.rows.into_iter().map(to_bolt));
            ready.statements = b.statements;
            ready.create = b.create;
            ready.nodes += b.nodes;
            ready.relationships += b.relationships;
            start = end;
            if start < range.end {
                tokio::task::yield_now().await;
            }
        }
        ready.rows = BoltType::List(neo4rs::BoltList { value: rows });
        ready
    }
}

/// A unit of [`cypher::Plan::units`] being pushed.
struct UnitState {
    unit: cypher::Unit,
    /// Rows handed to connections so far: the next batch starts here.
    handed: usize,
    /// Its next batch, built while the one before was on the server.
    next: Option<Ready>,
    /// Batches on the server now.
    running: usize,
}

impl UnitState {
    fn exhausted(&self) -> bool {
        self.handed == self.unit.rows
    }

    fn left(&self) -> usize {
        self.unit.rows - self.handed
    }
}

/// Which batch runs where: a free connection takes a batch of a unit whose resources no running
/// batch holds and whose needs are met (see [`cypher::Plan::units`]), so connections never write
/// the same pages at once, and a relationship type starts as soon as its two node kinds are in,
/// while other node kinds are still being written.
struct Schedule {
    units: Vec<UnitState>,
    batch_size: usize,
    /// Resources of the batches running now.
    busy: u64,
    /// Node kinds whose every batch is committed.
    complete: u64,
    /// Set when a connection failed: the others stop at their next batch.
    failed: bool,
    /// Whether batches hold every page they may write ([`cypher::Unit::resources`]) or only what
    /// they write when everything exists ([`cypher::Unit::updates`]). A push into a database that
    /// holds no heir node creates everything, and holds it all; a push into one that holds some
    /// starts on updates and holds it all from its first collision on (a retry): the
    /// document has changed enough to create relationships.
    strict: bool,
}

enum Pick {
    /// Run rows `range` of unit `k`, built already or not, holding `held`.
    Run(usize, Range<usize>, Option<Ready>, u64),
    Wait,
    Finished,
}

impl Schedule {
    /// What a batch of `u` holds while it runs.
    fn holds(&self, u: &cypher::Unit) -> u64 {
        if self.strict {
            u.resources
        } else {
            u.updates
        }
    }

    fn pick(&mut self) -> Pick {
        if self.failed {
            return Pick::Finished;
        }
        let (busy, complete) = (self.busy, self.complete);
        // Rows left per resource: a node kind's bit carries its nodes and every relationship
        // with an end of that kind, which can only be written one batch at a time. The unit on
        // the most loaded resource goes first (the critical path: in the benchmark graph, half
        // the relationships touch `User` nodes, and they queue behind each other).
        let mut load = [0usize; 64];
        for u in &self.units {
            for (bit, l) in load.iter_mut().enumerate() {
                if self.holds(&u.unit) & (1 << bit) != 0 {
                    *l += u.left();
                }
            }
        }
        let critical = |u: &UnitState| {
            (0..64)
                .filter(|bit| self.holds(&u.unit) & (1 << bit) != 0)
                .map(|bit| load[bit])
                .max()
                .unwrap_or(0)
        };
        // A kind's nodes are as urgent as the most urgent relationships waiting for them (in
        // the benchmark graph, relationships with a `User` end wait for every kind's nodes).
        let urgency = |u: &UnitState| {
            let waiting = self
                .units
                .iter()
                .filter(|r| r.unit.needs & u.unit.provides() != 0 && !r.exhausted())
                .map(critical)
                .max()
                .unwrap_or(0);
            critical(u).max(waiting)
        };
        let best = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| {
                self.holds(&u.unit) & busy == 0 && u.unit.needs & !complete == 0 && !u.exhausted()
            })
            // Among the equally urgent, the work on the loaded resource itself before the
            // nodes that unlock more of it: one connection keeps the critical path moving
            // while the other writes the rest. Then a unit with its next batch built (its rows
            // are already in memory), then the most rows left.
            .max_by_key(|(k, u)| {
                (
                    urgency(u),
                    critical(u),
                    u.next.is_some(),
                    u.left(),
                    std::cmp::Reverse(*k),
                )
            })
            .map(|(k, _)| k);
        let Some(k) = best else {
            return if self.units.iter().all(|u| u.exhausted() && u.running == 0) {
                Pick::Finished
            } else {
                Pick::Wait
            };
        };
        let batch_size = self.batch_size;
        let held = self.holds(&self.units[k].unit);
        let u = &mut self.units[k];
        let range = u.handed..(u.handed + batch_size).min(u.unit.rows);
        u.handed = range.end;
        u.running += 1;
        self.busy |= held;
        Pick::Run(k, range, u.next.take(), held)
    }

    /// The rows of unit `k`'s next batch, if it has one and it is not built.
    fn next_range(&self, k: usize) -> Option<Range<usize>> {
        let u = &self.units[k];
        (!u.exhausted() && u.next.is_none())
            .then(|| u.handed..(u.handed + self.batch_size).min(u.unit.rows))
    }

    fn finish(&mut self, k: usize, held: u64) {
        let u = &mut self.units[k];
        u.running -= 1;
        self.busy &= !held;
        if u.running == 0 && u.exhausted() {
            self.complete |= u.unit.provides();
        }
    }
}

/// Sends every batch of the plan over `connections` connections at once, as [`Schedule`]
/// decides, and waits for all of them. While a batch is on the server, its connection builds
/// the next batch of the same unit (rows read from the graph, turned into Bolt values), in
/// steps that leave the network to the other connection: the client's work overlaps the
/// server's, on one thread.
#[allow(clippy::too_many_arguments)]
async fn send_all(
    graph: &Graph,
    opts: &PushOptions,
    source: Source<'_>,
    schedule: &RefCell<Schedule>,
    stats: &RefCell<PushStats>,
    progress: &RefCell<&mut dyn FnMut(usize, usize)>,
    total: usize,
    done: &Cell<usize>,
    fresh: bool,
    nodelay: &RefCell<super::nodelay::Nodelay>,
) -> Result<(), PushError> {
    let changed = tokio::sync::Notify::new();
    let connection = || async {
        let mut w = Writer {
            graph,
            opts,
            retries: 0,
            nodelay,
        };
        let result = async {
            loop {
                let notified = changed.notified();
                tokio::pin!(notified);
                // Registered before the schedule is read: a batch finishing in between
                // still wakes this connection.
                notified.as_mut().enable();
                let pick = schedule.borrow_mut().pick();
                let (k, range, built, held) = match pick {
                    Pick::Finished => return Ok(()),
                    Pick::Wait => {
                        notified.await;
                        continue;
                    }
                    Pick::Run(k, range, built, held) => (k, range, built, held),
                };
                let unit = schedule.borrow().units[k].unit;
                let b = match built {
                    Some(b) => b,
                    None => source.build(&unit, range.clone()).await,
                };
                let texts: Vec<&str> = b.statements.iter().map(String::as_str).collect();
                let create: Vec<&str> = b.create.iter().map(String::as_str).collect();
                let first = if fresh { &create } else { &texts };
                let mut rows = Some(b.rows);
                let params = || {
                    let rows = rows
                        .take()
                        .unwrap_or_else(|| source.rows(&unit, range.clone()));
                    vec![("rows", rows)]
                };
                let retries = w.retries;
                let send = w.run_then(first, &texts, params);
                // Built while the server runs this one.
                let build = async {
                    let next = schedule.borrow().next_range(k);
                    if let Some(next) = next {
                        let ready = source.build(&unit, next.clone()).await;
                        let mut s = schedule.borrow_mut();
                        if s.next_range(k) == Some(next) {
                            s.units[k].next = Some(ready);
                        }
                    }
                };
                let (mut sent, ()) = tokio::join!(send, build);
                // The last batch of a kind's nodes is followed by the kind's constraint, while
                // the unit still holds the kind: no batch writes those nodes as its index is
                // built, relationships on them wait for it, and other kinds go on meanwhile (at
                // the end of a push, one after the other, they were a quarter of a second of
                // an otherwise idle server).
                let kind = {
                    let s = schedule.borrow();
                    let u = &s.units[k];
                    u.unit.kind.filter(|_| u.exhausted() && u.running == 1)
                };
                if let (Some(kind), Ok(())) = (kind, &sent) {
                    sent = w.run(&[&cypher::kind_constraint(kind)], &[]).await;
                }
                let mut s = schedule.borrow_mut();
                s.finish(k, held);
                if w.retries > retries {
                    s.strict = true;
                }
                if sent.is_err() {
                    s.failed = true;
                }
                drop(s);
                changed.notify_waiters();
                sent?;
                {
                    let mut s = stats.borrow_mut();
                    s.nodes += b.nodes;
                    s.relationships += b.relationships;
                    s.batches += 1;
                }
                done.set(done.get() + b.nodes + b.relationships);
                (progress.borrow_mut())(done.get(), total);
            }
        }
        .await;
        stats.borrow_mut().retries += w.retries;
        result
    };
    let results =
        futures::future::join_all((0..opts.connections.max(1)).map(|_| connection())).await;
    results.into_iter().collect()
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
        .max_connections(opts.connections.max(1) + 1);
    if let Some(db) = &opts.database {
        config = config.db(db.as_str());
    }
    let config = config.build().map_err(|e| PushError::Unreachable {
        uri: opts.uri.clone(),
        detail: e.to_string(),
    })?;
    let nodelay = RefCell::new(super::nodelay::Nodelay::new(
        &super::bolt::server_address(&opts.uri).unwrap_or_default(),
    ));
    let graph = Graph::connect(config)
        .await
        .map_err(|e| classify(opts, e))?;
    // A first round trip, so a wrong password or a dead server is reported as such.
    graph
        .run(query("RETURN 1"))
        .await
        .map_err(|e| classify(opts, e))?;
    let mut w = Writer {
        graph: &graph,
        opts,
        retries: 0,
        nodelay: &nodelay,
    };
    // The common label's constraint first: every node statement looks ids up through it. Each
    // kind's after its nodes (in `send_all`), so that a first push does not maintain a second
    // unique index per node as it writes; kinds the document has no node of, after the data.
    w.run(&[&cypher::base_constraint()], &[]).await?;
    // Into a database that holds no heir node, rows are created without being looked for
    // (`cypher::create_nodes`, `create_edges`): nothing can be found, and the lookups were
    // most of what a first push cost the server. Any node at all, from any source or from a
    // push interrupted half-way, and every row is merged as usual, which is how an
    // interrupted first push is completed by the next run.
    let fresh = w.count(cypher::ANY_NODE, &[]).await? == 0;
    let stats = RefCell::new(PushStats {
        retries: w.retries,
        ..PushStats::default()
    });
    // Rows are built one batch at a time from a compact plan, sent, and dropped: memory stays
    // at the graph plus a few batches, whatever the size of the document. Nodes first, every
    // node batch committed before the first relationship batch, whose rows match both ends.
    let plan = cypher::Plan::new(g);
    let total = plan.node_count() + plan.relationship_count();
    let done = Cell::new(0);
    let on_batch: &mut dyn FnMut(usize, usize) = &mut on_batch;
    let progress = RefCell::new(on_batch);
    let units = plan.units();
    let schedule = RefCell::new(Schedule {
        // A kind with no nodes is complete from the start.
        complete: units
            .iter()
            .filter(|u| u.rows == 0)
            .fold(0, |c, u| c | u.provides()),
        units: units
            .into_iter()
            .map(|unit| UnitState {
                unit,
                handed: 0,
                next: None,
                running: 0,
            })
            .collect(),
        batch_size: opts.batch_size.max(1),
        busy: 0,
        failed: false,
        strict: fresh,
    });
    let source = Source {
        plan: &plan,
        g,
        run: &opts.run,
    };
    send_all(
        &graph, opts, source, &schedule, &stats, &progress, total, &done, fresh, &nodelay,
    )
    .await?;
    let mut w = Writer {
        graph: &graph,
        opts,
        retries: 0,
        nodelay: &nodelay,
    };
    let with_nodes: Vec<_> = plan.node_kinds().map(|(k, _)| k).collect();
    for kind in crate::model::NodeKind::ALL {
        if !with_nodes.contains(kind) {
            w.run(&[&cypher::kind_constraint(*kind)], &[]).await?;
        }
    }
    // After a push into a database that held no heir node, nothing can be stale: every heir
    // node and relationship there is this run's, and the cleanup's two scans would find none.
    if !fresh {
        let sources: Vec<String> = cypher::cleanup_sources(g);
        let params = [
            ("sources", BoltType::from(sources)),
            ("run", BoltType::from(opts.run.as_str())),
        ];
        for (count, delete) in cypher::cleanup_counts().into_iter().zip(cypher::cleanup()) {
            if w.count(count, &params).await? > 0 {
                w.run(&[delete], &params).await?;
            }
        }
    }
    let mut stats = stats.into_inner();
    stats.retries += w.retries;
    Ok(stats)
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

/// Progress of a long push as lines of text, for a log rather than a terminal: rows done, rate
/// since the start, and the time left at that rate. Quiet for pushes of at most `min_rows` rows
/// (they take a few seconds), and at most one line per `every`, plus the last one.
pub struct ProgressLines {
    min_rows: usize,
    every: Duration,
    start: Instant,
    last: Option<Instant>,
}

impl ProgressLines {
    pub fn new(min_rows: usize, every: Duration) -> ProgressLines {
        ProgressLines {
            min_rows,
            every,
            start: Instant::now(),
            last: None,
        }
    }

    /// The line to print now, if any.
    pub fn update(&mut self, done: usize, total: usize) -> Option<String> {
        let now = Instant::now();
        if total <= self.min_rows
            || (done < total && self.last.is_some_and(|t| now - t < self.every))
        {
            return None;
        }
        self.last = Some(now);
        Some(progress_line(done, total, now - self.start))
    }
}

/// `neo4j push: 45000/97199 rows (46%), 9812 rows/s, eta 5 s`.
pub fn progress_line(done: usize, total: usize, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let eta = if done >= total {
        "done".to_string()
    } else if rate > 0.0 {
        format!("eta {:.0} s", (total - done) as f64 / rate)
    } else {
        "eta unknown".to_string()
    };
    format!(
        "neo4j push: {done}/{total} rows ({}%), {rate:.0} rows/s, {eta}",
        (done * 100).checked_div(total).unwrap_or(100)
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_give_rate_and_eta() {
        assert_eq!(
            progress_line(45_000, 90_000, Duration::from_secs(5)),
            "neo4j push: 45000/90000 rows (50%), 9000 rows/s, eta 5 s"
        );
        assert_eq!(
            progress_line(10, 10, Duration::from_secs(1)),
            "neo4j push: 10/10 rows (100%), 10 rows/s, done"
        );
        assert_eq!(
            progress_line(0, 0, Duration::ZERO),
            "neo4j push: 0/0 rows (100%), 0 rows/s, done"
        );
        assert_eq!(
            progress_line(0, 5, Duration::ZERO),
            "neo4j push: 0/5 rows (0%), 0 rows/s, eta unknown"
        );
        // Small pushes say nothing; long ones at most once per period, and always at the end.
        let mut small = ProgressLines::new(10_000, Duration::ZERO);
        assert_eq!(small.update(5_000, 10_000), None);
        let mut big = ProgressLines::new(10_000, Duration::from_secs(3600));
        assert!(big.update(5_000, 20_000).is_some());
        assert_eq!(big.update(10_000, 20_000), None);
        assert!(big.update(20_000, 20_000).unwrap().ends_with("done"));
    }
}
