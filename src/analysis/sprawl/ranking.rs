//! Blast summaries and the risk ranking. One blast radius per credential and NHI, computed once
//! on every core: the ranking scores it and the rules read its crown jewels and environments.

use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use super::review::{env_of, tier0, Env};
use super::{RankEntry, HOUR};
use crate::analysis::blast::{blast, BlastQuery};
use crate::model::{Attacker, Timestamp, TrustGraph};

/// What the review keeps of one blast radius.
#[derive(Debug, Clone, Default)]
pub(super) struct Summary {
    pub(super) reach: usize,
    pub(super) score: f64,
    pub(super) persistent: bool,
    pub(super) crown: usize,
    pub(super) top: Option<NodeIndex>,
    /// Reached nodes tagged production / non-production, with the path to the most critical.
    pub(super) prod: usize,
    pub(super) prod_path: Vec<NodeIndex>,
    pub(super) nonprod: usize,
    pub(super) nonprod_path: Vec<NodeIndex>,
}

/// The window factor of the score: 1 for persistent or unbounded access, else the share of the
/// next 24 hours the access lasts.
fn window_factor(persistent: bool, until: i64, now: i64) -> f64 {
    if persistent || until == i64::MAX {
        1.0
    } else {
        ((until - now) as f64 / (24 * HOUR) as f64).clamp(0.0, 1.0)
    }
}

/// Per-node facts every summary reads, worked out once: a summary visits each node it reaches,
/// and re-reading tags from the full record for each of hundreds of thousands of credentials
/// was most of the ranking's time.
struct Traits {
    env: Vec<Option<Env>>,
    crown: Vec<bool>,
}

impl Traits {
    fn of(g: &TrustGraph, crown: u8) -> Self {
        // Every record is read once and not kept (see `departed_people`), on every core.
        let nodes: Vec<NodeIndex> = g.graph.node_indices().collect();
        let both = crate::sys::par::map_chunks(&nodes, 4096, |run, out| {
            out.extend(run.iter().map(|&i| {
                let n = g.node_uncached(i);
                (env_of(&n), g.facts(i).criticality >= crown || tier0(&n))
            }))
        });
        let (env, crown) = both.into_iter().unzip();
        Traits { env, crown }
    }
}

/// Summary of one source from its reached nodes `(node, persistent, until)`; `path` gives the
/// explaining chain when it is known (NHIs, for the environment rule).
fn summary_of(
    g: &TrustGraph,
    traits: &Traits,
    at: Timestamp,
    reached: &[(NodeIndex, bool, i64)],
    path: &dyn Fn(NodeIndex) -> Vec<NodeIndex>,
) -> Summary {
    let now = at.as_millis();
    let mut s = Summary {
        reach: reached.len(),
        ..Summary::default()
    };
    let mut score = 0.0;
    // `heir blast` lists the most critical, longest-lived node first; that is the `top`.
    let mut top: Option<(u8, bool, i64, std::cmp::Reverse<&str>, NodeIndex)> = None;
    // Summed in node order, so the score does not depend on how the reach was computed.
    let mut ordered = reached.to_vec();
    ordered.sort_unstable_by_key(|r| r.0);
    for &(x, persistent, until) in &ordered {
        let crit = g.facts(x).criticality;
        score += crit as f64 * window_factor(persistent, until, now);
        s.persistent |= persistent;
        let key = (crit, persistent, until, std::cmp::Reverse(g.id(x)), x);
        if top.as_ref().is_none_or(|t| key > *t) {
            top = Some(key);
        }
        if traits.crown[x.index()] {
            s.crown += 1;
        }
        match traits.env[x.index()] {
            Some(Env::Prod) => {
                s.prod += 1;
            }
            Some(Env::NonProd) => {
                s.nonprod += 1;
            }
            None => {}
        }
    }
    s.top = top.map(|t| t.4);
    // The example path to each environment: to its most critical node, as `heir blast` sorts.
    for (env, slot) in [
        (Env::Prod, &mut s.prod_path),
        (Env::NonProd, &mut s.nonprod_path),
    ] {
        let best = reached
            .iter()
            .filter(|(x, _, _)| traits.env[x.index()] == Some(env))
            .max_by_key(|&&(x, p, u)| (g.facts(x).criticality, p, u, std::cmp::Reverse(g.id(x))));
        if let Some(&(x, _, _)) = best {
            *slot = path(x);
        }
    }
    s.score = (score * 1000.0).round() / 1000.0;
    s
}

/// A full `heir blast` (with paths): for NHIs, whose findings quote a path.
fn summarize(g: &TrustGraph, traits: &Traits, at: Timestamp, source: NodeIndex) -> Summary {
    let r = blast(
        g,
        &BlastQuery {
            from: vec![source],
            at,
            attacker: Attacker::OffDevice,
        },
    );
    let reached: Vec<(NodeIndex, bool, i64)> = r
        .reached
        .iter()
        .map(|x| {
            (
                x.node,
                x.persistent,
                x.until.map_or(i64::MAX, Timestamp::as_millis),
            )
        })
        .collect();
    let paths: HashMap<NodeIndex, &crate::analysis::blast::Reached> =
        r.reached.iter().map(|x| (x.node, x)).collect();
    summary_of(g, traits, at, &reached, &|x| {
        paths.get(&x).map(|p| r.path(p)).unwrap_or_default()
    })
}

/// Blast summaries of `sources`, in order, on every available core. Credentials — the bulk of an
/// estate — go through the shared-work reach ([`crate::analysis::reach`]), whose windows equal
/// `heir blast`'s exactly; NHIs, whose findings quote paths, get a full blast.
pub(super) fn summarize_all(
    g: &TrustGraph,
    at: Timestamp,
    crown: u8,
    sources: &[NodeIndex],
) -> Vec<Summary> {
    use crate::analysis::reach::{reach, Memo};
    if sources.is_empty() {
        return Vec::new();
    }
    let threads = crate::sys::par::threads().min(sources.len());
    // Contiguous chunks, so the credentials of one account (adjacent in collected documents)
    // tend to share a thread and its memo.
    let chunk = sources.len().div_ceil(threads);
    let traits = &Traits::of(g, crown);
    let mut out = vec![Summary::default(); sources.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    // Labels are 16 bytes: at most 4 per node of the graph per thread keeps the
                    // ranking under heir's memory target while holding many admin-sized reaches.
                    let mut memo = Memo::new((4 * g.graph.node_count()).clamp(1 << 16, 32 << 20));
                    part.iter()
                        .enumerate()
                        .map(|(k, &src)| {
                            let s = if g.facts(src).kind.is_credential() {
                                let reached = reach(g, src, at, Attacker::OffDevice, &mut memo);
                                summary_of(g, traits, at, &reached, &|_| Vec::new())
                            } else {
                                summarize(g, traits, at, src)
                            };
                            (c * chunk + k, s)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (k, s) in h.join().expect("a ranking thread panicked") {
                out[k] = s;
            }
        }
    });
    out
}

/// The ranking: the `top` credentials by score, best first, then by id.
pub(super) fn rank(
    g: &TrustGraph,
    summaries: &HashMap<NodeIndex, Summary>,
    credentials: &[NodeIndex],
    top: usize,
    at: i64,
) -> Vec<RankEntry> {
    // Best score first, then id. Only the rows shown are built: a record is read for each, and
    // reading (and keeping) one per credential was most of the ranking's memory.
    let mut order: Vec<(f64, NodeIndex)> = credentials
        .iter()
        .map(|&c| (summaries[&c].score, c))
        .collect();
    let better = |a: &(f64, NodeIndex), b: &(f64, NodeIndex)| {
        b.0.total_cmp(&a.0).then_with(|| g.id(a.1).cmp(g.id(b.1)))
    };
    if top < order.len() {
        if top > 0 {
            order.select_nth_unstable_by(top - 1, better);
        }
        order.truncate(top);
    }
    order.sort_by(better);
    order
        .iter()
        .map(|&(_, c)| {
            let s = &summaries[&c];
            let n = g.node(c);
            RankEntry {
                id: n.id.clone(),
                score: s.score,
                reach: s.reach,
                kind: n.kind,
                platform: n.platform().to_string(),
                alive: g.facts(c).alive_at(at),
                persistent: s.persistent,
                expires_at: n.expires_at,
                crown_jewels: s.crown,
                top: s.top.map(|t| g.id(t).to_string()),
            }
        })
        .collect()
}
