//! Blast-radius windows for many sources at once, sharing work between them — what the sprawl
//! ranking needs for every credential of an estate.
//!
//! The observation: after its first hop, a stolen credential's traversal is a search from the
//! node it lands on, in a state (MFA claim, persistent), whose labels are the landing window
//! `u` capped onto the labels of a search that started unbounded. For widest paths,
//! `max over paths of min(u, bottleneck(p)) = min(u, max over paths of bottleneck(p))`, and a
//! persistent state is unbounded whatever `u` is. So the search from `(node, claim, persistent)`
//! is done once and reused by every credential that lands there with that state — every session,
//! refresh token and access token of one account share one search.
//!
//! The result is exactly `heir blast`'s reached set and windows (a property test checks it on
//! random graphs); paths are not kept, which is what makes the memo cheap.

use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use petgraph::graph::NodeIndex;

use super::blast::{cross, start_state, Crossing};
use crate::model::{Attacker, Timestamp, TrustGraph};

const NEVER: i64 = i64::MAX;

/// One reached node: (node, persistent, until in ms; `i64::MAX` = no expiry).
pub type Label = (NodeIndex, bool, i64);

/// Searches already done, keyed by landing node and state. Bounded: past `budget` labels it is
/// cleared, so memory stays flat on huge estates.
pub struct Memo {
    map: HashMap<(NodeIndex, bool, bool), Arc<Vec<Label>>>,
    stored: usize,
    budget: usize,
    pub hits: usize,
    pub misses: usize,
}

impl Memo {
    pub fn new(budget: usize) -> Memo {
        Memo {
            map: HashMap::new(),
            stored: 0,
            budget,
            hits: 0,
            misses: 0,
        }
    }
}

/// Best label per node from one start state with an unbounded window (the start node included).
fn search(
    g: &TrustGraph,
    at: i64,
    attacker: Attacker,
    start: (NodeIndex, bool, bool),
) -> Vec<Label> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct E(bool, i64, std::cmp::Reverse<(usize, bool, bool)>);
    let mut best: HashMap<(usize, bool, bool), i64> = HashMap::new();
    let mut heap = BinaryHeap::new();
    let (s, m, p) = start;
    best.insert((s.index(), m, p), NEVER);
    heap.push(E(p, NEVER, std::cmp::Reverse((s.index(), m, p))));
    while let Some(E(persistent, until, std::cmp::Reverse((n, mfa, _)))) = heap.pop() {
        if best.get(&(n, mfa, persistent)) != Some(&until) {
            continue;
        }
        let node = NodeIndex::new(n);
        for e in g.out_edges(node) {
            if let Crossing::To(t, tm, tp, tu) =
                cross(g, at, attacker, (node, mfa, persistent, until), &e)
            {
                match best.entry((t.index(), tm, tp)) {
                    Entry::Occupied(mut o) if *o.get() < tu => {
                        o.insert(tu);
                        heap.push(E(tp, tu, std::cmp::Reverse((t.index(), tm, tp))));
                    }
                    Entry::Vacant(v) => {
                        v.insert(tu);
                        heap.push(E(tp, tu, std::cmp::Reverse((t.index(), tm, tp))));
                    }
                    _ => {}
                }
            }
        }
    }
    let mut per_node: HashMap<usize, (bool, i64)> = HashMap::new();
    for ((n, _, p), u) in best {
        let e = per_node.entry(n).or_insert((p, u));
        if (p, u) > *e {
            *e = (p, u);
        }
    }
    let mut out: Vec<Label> = per_node
        .into_iter()
        .map(|(n, (p, u))| (NodeIndex::new(n), p, u))
        .collect();
    out.sort_unstable_by_key(|l| l.0);
    out
}

/// The reached nodes and windows of `heir blast --from source` (same `at`, same attacker),
/// sharing searches through `memo`. Sorted by node index; the source itself is never listed.
pub fn reach(
    g: &TrustGraph,
    source: NodeIndex,
    at: Timestamp,
    attacker: Attacker,
    memo: &mut Memo,
) -> Vec<Label> {
    let at = at.as_millis();
    let Some((mfa, until)) = start_state(g, source, at) else {
        return Vec::new();
    };
    // Each first hop lands in a state whose search is shared; the answer is every such search
    // capped by its landing window. One landing (a session's account, the usual case) is a
    // single pass; several are merged by node — each list is sorted, so the stable sort below
    // only merges runs.
    let mut landings: Vec<(Arc<Vec<Label>>, bool, i64)> = Vec::new();
    for e in g.out_edges(source) {
        let Crossing::To(t, tm, tp, tu) = cross(g, at, attacker, (source, mfa, false, until), &e)
        else {
            continue;
        };
        let key = (t, tm, tp);
        let labels = match memo.map.get(&key) {
            Some(l) => {
                memo.hits += 1;
                l.clone()
            }
            None => {
                memo.misses += 1;
                let l = Arc::new(search(g, at, attacker, key));
                if memo.stored + l.len() > memo.budget {
                    memo.map.clear();
                    memo.stored = 0;
                }
                memo.stored += l.len();
                memo.map.insert(key, l.clone());
                l
            }
        };
        landings.push((labels, tp, tu));
    }
    let capped = |&(x, p, u): &Label, tu: i64| -> Label {
        if p {
            (x, true, NEVER)
        } else {
            (x, false, u.min(tu))
        }
    };
    let mut out: Vec<Label> = match landings.as_slice() {
        [] => Vec::new(),
        [(labels, _, tu)] => labels.iter().map(|l| capped(l, *tu)).collect(),
        several => {
            let mut all: Vec<Label> = several
                .iter()
                .flat_map(|(labels, _, tu)| labels.iter().map(move |l| capped(l, *tu)))
                .collect();
            all.sort_by_key(|l| l.0);
            // Per node, the best label: persistent first, then the latest window.
            all.dedup_by(|later, kept| {
                if later.0 != kept.0 {
                    return false;
                }
                if (later.1, later.2) > (kept.1, kept.2) {
                    (kept.1, kept.2) = (later.1, later.2);
                }
                true
            });
            all
        }
    };
    out.retain(|l| l.0 != source);
    out
}
