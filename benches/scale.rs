//! In-process engine timings on a real document, for `scripts/bench_scale.sh`.
//!
//! ```sh
//! HEIR_BENCH_GRAPH=/tmp/g.json cargo bench --bench scale
//! ```
//!
//! Without `HEIR_BENCH_GRAPH` it prints a note and exits 0, so `cargo bench` and
//! `cargo test --all-targets` stay green without large files. Environment:
//!
//! - `HEIR_BENCH_GRAPH`: the graph document (e.g. `heir synth --users 3300 --seed 7 -o g.json`).
//! - `HEIR_BENCH_AT`: the analysis time (default 2026-11-20T10:00:00Z, `heir synth`'s default).
//! - `HEIR_BENCH_SESSIONS`: a file with one session id per line: the sessions to time. Without it,
//!   `HEIR_BENCH_COUNT` (default 100) sessions alive at `HEIR_BENCH_AT` are drawn with SplitMix64
//!   seeded by `HEIR_BENCH_SEED` (default 7) — the same draw as `scripts/bench/harness.py`.
//! - `HEIR_BENCH_ADMIN`: the large-blast session (default: the largest reach among the sessions).
//! - `HEIR_BENCH_TYPICAL`: the session for `inherited`, `plan` and DOT (default: the first one).
//! - `HEIR_BENCH_REPS`: runs per blast (default 5); a session's time is the median of its runs.
//! - `HEIR_BENCH_SPRAWL=0` skips the sprawl ranking (minutes at the 1M scale).
//! - `HEIR_BENCH_SCALE`: a label copied into every output line.
//!
//! Prints one JSON object per line: `metric`, `value`, `unit`, and `nodes`, `edges`, `scale`, plus
//! `stat`/`session`/`reached` where they apply. Only the public API is used: `cli::load_graph`,
//! `TrustGraph::{index, graph, facts}` and the analysis functions.

use std::hint::black_box;
use std::time::{Duration, Instant};

use heir::analysis::blast::{blast, BlastQuery, BlastResult};
use heir::analysis::lineage::inherited;
use heir::analysis::plan::{plan, PlanOptions};
use heir::analysis::sprawl::{sprawl, SprawlOptions};
use heir::export::dot::blast_dot;
use heir::model::{Attacker, NodeKind, Timestamp, TrustGraph};
use petgraph::graph::NodeIndex;
use serde_json::{json, Value};

// The binary's allocator and its setting for large inputs (`src/main.rs`), so that in-process
// figures are the ones a command pays.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_AT: &str = "2026-11-20T10:00:00Z";

/// SplitMix64, the same generator as `heir synth` and `scripts/bench/harness.py`.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `count` of `items` by a partial Fisher-Yates shuffle, in draw order.
fn draw<T: Copy>(items: &[T], count: usize, seed: u64) -> Vec<T> {
    let mut v = items.to_vec();
    let mut rng = SplitMix64(seed);
    let k = count.min(v.len());
    for i in 0..k {
        let j = i + (rng.next() % (v.len() - i) as u64) as usize;
        v.swap(i, j);
    }
    v.truncate(k);
    v
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.is_empty())
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    match env(name) {
        Some(s) => s
            .parse()
            .unwrap_or_else(|_| fail(&format!("{name}={s} is not a number"))),
        None => default,
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("scale bench: {msg}");
    std::process::exit(1)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Value at quantile `q` of sorted `v` (nearest rank).
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    quantile(v, 0.5)
}

struct Out {
    scale: Value,
    nodes: usize,
    edges: usize,
}

impl Out {
    fn emit(&self, metric: &str, value: f64, unit: &str, extra: Value) {
        let mut line = json!({
            "scale": self.scale,
            "nodes": self.nodes,
            "edges": self.edges,
            "metric": metric,
            "value": (value * 1000.0).round() / 1000.0,
            "unit": unit,
        });
        if let (Some(l), Value::Object(x)) = (line.as_object_mut(), extra) {
            l.extend(x);
        }
        println!("{line}");
    }
}

fn resolve(g: &TrustGraph, id: &str) -> NodeIndex {
    g.index(id)
        .unwrap_or_else(|| fail(&format!("no node `{id}` in the graph")))
}

/// Median wall time of `reps` blasts from `from`, and the last result.
fn time_blast(g: &TrustGraph, from: NodeIndex, at: Timestamp, reps: usize) -> (f64, BlastResult) {
    let q = BlastQuery {
        from: vec![from],
        at,
        attacker: Attacker::OffDevice,
    };
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let r = blast(g, black_box(&q));
        times.push(ms(t.elapsed()));
        last = Some(r);
    }
    (median(&mut times), last.expect("at least one run"))
}

fn once<R>(f: impl FnOnce() -> R) -> (f64, R) {
    let t = Instant::now();
    let r = black_box(f());
    (ms(t.elapsed()), r)
}

fn main() {
    let large = env("HEIR_BENCH_GRAPH")
        .and_then(|p| std::fs::metadata(p).ok())
        .is_some_and(|m| m.len() >= 16 << 20);
    if large {
        // SAFETY: setting an option has no precondition (as in `src/main.rs`).
        unsafe { libmimalloc_sys::mi_option_set(libmimalloc_sys::mi_option_large_os_pages, 1) };
    }
    let Some(path) = env("HEIR_BENCH_GRAPH") else {
        eprintln!(
            "scale bench: HEIR_BENCH_GRAPH is not set; nothing to measure \
             (see scripts/bench_scale.sh and docs/performance-harness.md)"
        );
        return;
    };
    let at_s = env("HEIR_BENCH_AT").unwrap_or_else(|| DEFAULT_AT.to_string());
    let at = Timestamp::parse(&at_s).unwrap_or_else(|e| fail(&format!("HEIR_BENCH_AT: {e}")));
    let reps: usize = env_num("HEIR_BENCH_REPS", 5);
    let count: usize = env_num("HEIR_BENCH_COUNT", 100);
    let seed: u64 = env_num("HEIR_BENCH_SEED", 7);

    let t = Instant::now();
    let (g, _warnings) = heir::cli::load_graph(&path).unwrap_or_else(|e| fail(&e.to_string()));
    let load = t.elapsed();
    let out = Out {
        scale: env("HEIR_BENCH_SCALE").map_or(Value::Null, Value::String),
        nodes: g.node_count(),
        edges: g.edge_count(),
    };
    out.emit("engine_load", ms(load), "ms", json!({}));
    if let Some(rss) = heir::cli::peak_rss_bytes() {
        out.emit(
            "engine_peak_rss_after_load",
            rss as f64 / 1048576.0,
            "MiB",
            json!({}),
        );
    }

    // (label, node): the id when the harness names the sessions, `#index` for a draw of our own.
    let sessions: Vec<(String, NodeIndex)> = match env("HEIR_BENCH_SESSIONS") {
        Some(file) => std::fs::read_to_string(&file)
            .unwrap_or_else(|e| fail(&format!("reading {file}: {e}")))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|id| (id.to_string(), resolve(&g, id)))
            .collect(),
        None => {
            let at_ms = at.as_millis();
            let alive: Vec<NodeIndex> = g
                .node_indices()
                .filter(|&i| {
                    let f = g.facts(i);
                    f.kind == NodeKind::Session && f.alive_at(at_ms)
                })
                .collect();
            draw(&alive, count, seed)
                .into_iter()
                .map(|i| (format!("#{}", i.index()), i))
                .collect()
        }
    };
    if sessions.is_empty() {
        fail("no session to time (none alive at HEIR_BENCH_AT?)");
    }

    // Typical sessions: one blast per session is the median of `reps` runs.
    let mut per_session = Vec::with_capacity(sessions.len());
    let mut reach = Vec::with_capacity(sessions.len());
    let mut largest: Option<(usize, &(String, NodeIndex))> = None;
    for entry in &sessions {
        let (id, s) = entry;
        let (t, r) = time_blast(&g, *s, at, reps);
        out.emit(
            "engine_blast",
            t,
            "ms",
            json!({"stat": "session_median", "session": id, "reached": r.reached.len(), "reps": reps}),
        );
        if largest.is_none_or(|(n, _)| r.reached.len() > n) {
            largest = Some((r.reached.len(), entry));
        }
        per_session.push(t);
        reach.push(r.reached.len() as f64);
    }
    let mut sorted = per_session.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    for (stat, v) in [
        ("median", quantile(&sorted, 0.5)),
        ("p90", quantile(&sorted, 0.9)),
        ("max", sorted[n - 1]),
    ] {
        out.emit("engine_blast", v, "ms", json!({"stat": stat, "n": n}));
    }
    reach.sort_by(f64::total_cmp);
    for (stat, v) in [
        ("median", quantile(&reach, 0.5)),
        ("p90", quantile(&reach, 0.9)),
        ("max", reach[n - 1]),
    ] {
        out.emit(
            "engine_blast_reached",
            v,
            "nodes",
            json!({"stat": stat, "n": n}),
        );
    }

    // The large blast.
    let (admin_id, admin) = match env("HEIR_BENCH_ADMIN") {
        Some(id) => {
            let i = resolve(&g, &id);
            (id, i)
        }
        None => largest.expect("sessions is not empty").1.clone(),
    };
    let (t, admin_result) = time_blast(&g, admin, at, reps);
    let reached = admin_result.reached.len();
    out.emit(
        "engine_blast_admin",
        t,
        "ms",
        json!({
            "stat": "median", "session": admin_id, "reached": reached, "reps": reps,
            "reached_pct": (1000.0 * reached as f64 / out.nodes.max(1) as f64).round() / 10.0,
        }),
    );

    // The other analyses, for one typical session (and the large blast where it costs).
    let (tid, typical) = match env("HEIR_BENCH_TYPICAL") {
        Some(id) => {
            let i = resolve(&g, &id);
            (id, i)
        }
        None => sessions[0].clone(),
    };
    let (_, typical_result) = time_blast(&g, typical, at, 1);
    let (t, lineage) = once(|| inherited(&g, typical, None, at));
    out.emit(
        "engine_inherited",
        t,
        "ms",
        json!({"session": tid, "inherited": lineage.inherited.len()}),
    );
    let (t, p) = once(|| plan(&g, &typical_result, &PlanOptions::default()));
    out.emit(
        "engine_plan",
        t,
        "ms",
        json!({"session": tid, "steps": p.steps.len()}),
    );
    let first_wave = PlanOptions {
        since: None,
        first_wave: Some(7),
    };
    let (t, p) = once(|| plan(&g, &typical_result, &first_wave));
    out.emit(
        "engine_plan_first_wave",
        t,
        "ms",
        json!({"session": tid, "steps": p.steps.len()}),
    );
    let (t, p) = once(|| plan(&g, &admin_result, &PlanOptions::default()));
    out.emit(
        "engine_plan_admin",
        t,
        "ms",
        json!({"session": admin_id, "steps": p.steps.len()}),
    );
    let (t, dot) = once(|| blast_dot(&g, &typical_result));
    out.emit(
        "engine_blast_dot",
        t,
        "ms",
        json!({"session": tid, "bytes": dot.len()}),
    );
    let (t, dot) = once(|| blast_dot(&g, &admin_result));
    out.emit(
        "engine_blast_dot_admin",
        t,
        "ms",
        json!({"session": admin_id, "bytes": dot.len()}),
    );
    if env("HEIR_BENCH_SPRAWL").as_deref() != Some("0") {
        let opts = SprawlOptions {
            at,
            top: 10,
            ..SprawlOptions::default()
        };
        let (t, report) = once(|| sprawl(&g, &opts));
        out.emit(
            "engine_sprawl",
            t,
            "ms",
            json!({"top": 10, "findings": report.findings.len()}),
        );
    }
    if let Some(rss) = heir::cli::peak_rss_bytes() {
        out.emit("engine_peak_rss", rss as f64 / 1048576.0, "MiB", json!({}));
    }
}
