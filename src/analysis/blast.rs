//! Blast radius: everything an attacker holding the stolen artefacts can reach, for how long, and
//! what stopped them.
//!
//! ## The search
//! A widest-path (bottleneck) search: a node's window is the best path's weakest credential
//! expiry, so the search keeps, per state, the latest `until` seen and expands states from the
//! longest window down (Dijkstra with `max` instead of `+`, `min` instead of `max`).
//!
//! Two facts about the attacker change what an edge allows and are part of the search *state*,
//! not of the node: the MFA claim carried by the credential in use (an edge requiring `mfa` opens
//! for one path and not another into the same node), and persistence (after `owns`/`admin_of`
//! the window is unbounded). A state is `(node, mfa_claim, persistent)`. Persistence only ever
//! switches on, and every persistent state has the same (infinite) label, so each state is
//! settled once and the search stays `O(E log V)`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

use crate::model::{Attacker, BlockedBy, Requirement, Timestamp, TrustGraph};

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct BlastQuery {
    pub from: Vec<NodeIndex>,
    pub at: Timestamp,
    pub attacker: Attacker,
}

/// A node the attacker reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub node: NodeIndex,
    /// Latest time access lasts without revocation; `None`: no expiry on the path, or persistent.
    pub until: Option<Timestamp>,
    pub persistent: bool,
    /// The explaining chain, from a source to `node`.
    pub path: Vec<NodeIndex>,
    /// The edges along `path` (`path.len() - 1` of them).
    pub edges: Vec<EdgeIndex>,
}

/// A node the attacker would reach but for a condition or device binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub node: NodeIndex,
    pub by: Vec<BlockedBy>,
    /// The edge that was refused (from a reached node or a source).
    pub edge: EdgeIndex,
}

/// The answer to a [`BlastQuery`].
#[derive(Debug, Clone)]
pub struct BlastResult {
    pub query: BlastQuery,
    /// In report order: criticality, then window, then id.
    pub reached: Vec<Reached>,
    pub blocked: Vec<Blocked>,
    /// Sources that are expired or inactive at `at`: stolen, but already useless.
    pub dead_sources: Vec<NodeIndex>,
    pub incomplete_sources: Vec<String>,
    /// Every edge the attacker can cross (sorted): the reach graph the plan cuts.
    pub crossed: Vec<EdgeIndex>,
}

const NEVER: i64 = i64::MAX;
const UNSET: u32 = 0;
const SOURCE: u32 = 1;

#[inline]
fn state(node: NodeIndex, mfa: bool, persistent: bool) -> usize {
    node.index() * 4 + (mfa as usize) * 2 + persistent as usize
}

#[inline]
fn unpack(s: usize) -> (NodeIndex, bool, bool) {
    (NodeIndex::new(s / 4), s & 2 != 0, s & 1 != 0)
}

/// Heap entry: better windows first, persistent before everything.
#[derive(PartialEq, Eq)]
struct Entry {
    persistent: bool,
    until: i64,
    state: usize,
}

impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.persistent, self.until)
            .cmp(&(o.persistent, o.until))
            // Lower state index first among equals: deterministic paths.
            .then_with(|| o.state.cmp(&self.state))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Per-search scratch, dense, indexed by state. Kept per thread between searches and cleaned by
/// resetting only the states a search labelled: a fresh table per search would be zeroed by the
/// allocator (16 bytes per state — 64 MB on a million-node graph) and cost far more than a
/// typical search.
#[derive(Default)]
struct Labels {
    until: Vec<i64>,
    /// `UNSET`, `SOURCE`, or predecessor state + 2.
    pred: Vec<u32>,
    via: Vec<u32>,
}

impl Labels {
    fn new(states: usize) -> Self {
        Labels {
            until: vec![0; states],
            pred: vec![0; states],
            via: vec![0; states],
        }
    }

    /// This thread's scratch, sized for `states`.
    fn take(states: usize) -> Self {
        let labels = SCRATCH.with(|s| s.take());
        if labels.pred.len() == states {
            labels
        } else {
            drop(labels);
            Labels::new(states)
        }
    }

    /// Clears the states of `nodes` and hands the table back for the next search.
    fn give_back(mut self, nodes: impl Iterator<Item = NodeIndex>) {
        for node in nodes {
            for s in node.index() * 4..node.index() * 4 + 4 {
                self.until[s] = 0;
                self.pred[s] = UNSET;
                self.via[s] = 0;
            }
        }
        SCRATCH.with(|s| *s.borrow_mut() = self);
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Labels> = std::cell::RefCell::new(Labels::default());
}

/// Computes the blast radius. Sources must be indices of `g`.
pub fn blast(g: &TrustGraph, q: &BlastQuery) -> BlastResult {
    let at = q.at.as_millis();
    let n = g.graph.node_count();
    let mut labels = Labels::take(n * 4);
    let mut heap = BinaryHeap::new();
    let mut dead_sources = Vec::new();
    let is_source = |i: NodeIndex| q.from.contains(&i);

    for &s in &q.from {
        let Some((mfa, until)) = start_state(g, s, at) else {
            dead_sources.push(s);
            continue;
        };
        let st = state(s, mfa, false);
        if labels.pred[st] == UNSET || labels.until[st] < until {
            labels.until[st] = until;
            labels.pred[st] = SOURCE;
            heap.push(Entry {
                persistent: false,
                until,
                state: st,
            });
        }
    }

    // Nodes with at least one labelled state, so the result costs what was reached, not |V|.
    let mut touched: Vec<NodeIndex> = Vec::new();
    let mut crossed: Vec<EdgeIndex> = Vec::new();
    // First refusal seen per node, in settle order (best windows first), so it is deterministic.
    // Every refusal in settle order; the first per node is kept below.
    let mut refused: Vec<(usize, EdgeIndex, Vec<BlockedBy>)> = Vec::new();

    while let Some(Entry {
        persistent,
        until,
        state: st,
    }) = heap.pop()
    {
        if labels.until[st] != until {
            continue; // stale entry: the state was improved after this was pushed
        }
        let (node, mfa, _) = unpack(st);
        for e in g.graph.edges_directed(node, Direction::Outgoing) {
            let (t, t_mfa, t_persistent, t_until) =
                match cross(g, at, q.attacker, (node, mfa, persistent, until), e) {
                    Crossing::Skip => continue,
                    Crossing::Refused(by) => {
                        refused.push((e.target().index(), e.id(), by));
                        continue;
                    }
                    Crossing::To(t, m, p, u) => (t, m, p, u),
                };
            crossed.push(e.id());
            let ts = state(t, t_mfa, t_persistent);
            if labels.pred[ts] == UNSET || labels.until[ts] < t_until {
                if (0..4).all(|k| labels.pred[t.index() * 4 + k] == UNSET) {
                    touched.push(t);
                }
                labels.until[ts] = t_until;
                labels.pred[ts] = st as u32 + 2;
                labels.via[ts] = e.id().index() as u32;
                heap.push(Entry {
                    persistent: t_persistent,
                    until: t_until,
                    state: ts,
                });
            }
        }
    }

    let mut reached = Vec::new();
    for &node in &touched {
        let i = node.index();
        if is_source(node) {
            continue;
        }
        let best = (0..4)
            .map(|k| i * 4 + k)
            .filter(|&s| labels.pred[s] != UNSET)
            .max_by(|&a, &b| {
                let ka = (a & 1 != 0, labels.until[a]);
                let kb = (b & 1 != 0, labels.until[b]);
                ka.cmp(&kb).then(b.cmp(&a))
            });
        let Some(best) = best else { continue };
        let persistent = best & 1 != 0;
        let u = labels.until[best];
        let (path, edges) = trace(&labels, best);
        reached.push(Reached {
            node,
            until: if persistent || u == NEVER {
                None
            } else {
                Some(Timestamp::from_millis(u))
            },
            persistent,
            path,
            edges,
        });
    }
    sort_reached(g, &mut reached);

    // A stable sort keeps each node's first refusal first.
    refused.sort_by_key(|r| r.0);
    refused.dedup_by_key(|r| r.0);
    let mut blocked: Vec<Blocked> = refused
        .into_iter()
        .filter(|(t, _, _)| {
            let labelled = (0..4).any(|k| labels.pred[t * 4 + k] != UNSET);
            !labelled && !is_source(NodeIndex::new(*t))
        })
        .map(|(t, edge, by)| Blocked {
            node: NodeIndex::new(t),
            by,
            edge,
        })
        .collect();
    if blocked.len() < 20_000 {
        blocked.sort_by(|a, b| {
            g.facts(b.node)
                .criticality
                .cmp(&g.facts(a.node).criticality)
                .then_with(|| g.id(a.node).cmp(g.id(b.node)))
        });
    } else {
        let rank = g.id_rank();
        blocked.sort_unstable_by_key(|b| {
            (u8::MAX - g.facts(b.node).criticality, rank[b.node.index()])
        });
    }

    labels.give_back(touched.iter().chain(&q.from).copied());

    crossed.sort_unstable();
    crossed.dedup();
    BlastResult {
        query: q.clone(),
        crossed,
        reached,
        blocked,
        dead_sources,
        incomplete_sources: g.incomplete_sources(),
    }
}

/// What crossing one edge does to an attacker in a given state.
pub(crate) enum Crossing {
    /// Not traversable, a dead target, or a disabled account entered anew: nothing to report.
    Skip,
    /// A condition or device binding refused it.
    Refused(Vec<BlockedBy>),
    /// Reached: the target and the attacker's new state (MFA claim, persistent, until).
    To(NodeIndex, bool, bool, i64),
}

/// The traversal rules of product.md §2 for one edge, in one place: used by [`blast`] and by the
/// shared-work reach of the sprawl ranking, so the two cannot drift apart.
pub(crate) fn cross(
    g: &TrustGraph,
    at: i64,
    attacker: Attacker,
    (node, mfa, persistent, until): (NodeIndex, bool, bool, i64),
    e: petgraph::graph::EdgeReference<'_, crate::model::graph::EdgeFacts, u32>,
) -> Crossing {
    let ef = e.weight();
    let rule = ef.kind.rule();
    if !rule.traversable {
        return Crossing::Skip;
    }
    let t = e.target();
    let tf = g.facts(t);
    if tf.kind.is_account() && !tf.enabled && rule.new_sign_in {
        return Crossing::Skip; // nobody signs in anew to a disabled account
    }
    if !tf.alive_at(at) && (!rule.mints || !tf.enabled) {
        // Dead: an inactive credential always; an expired (or not yet issued) one unless a live
        // parent mints a fresh equivalent across `issued`.
        return Crossing::Skip;
    }
    let nf = g.facts(node);
    // Using a device-bound credential away from its device fails for every edge out of it.
    let bound_here = nf.kind.is_credential() && nf.device_bound && attacker == Attacker::OffDevice;
    let mut by: Vec<BlockedBy> = ef
        .requirements()
        .filter(|r: &Requirement| !r.met(attacker, mfa))
        .map(BlockedBy::from)
        .collect();
    if bound_here {
        by.insert(0, BlockedBy::DeviceBound);
    }
    if !by.is_empty() {
        return Crossing::Refused(by);
    }
    let t_persistent = persistent || rule.grants_persistence;
    let t_until = if t_persistent {
        NEVER
    } else if tf.kind.is_credential() && !rule.mints {
        until.min(tf.expires_at)
    } else {
        until
    };
    let t_mfa = if tf.kind.is_credential() {
        match tf.mfa {
            Some(m) => m,
            None => rule.mints && mfa, // a minted child carries its parent's claim
        }
    } else {
        mfa
    };
    Crossing::To(t, t_mfa, t_persistent, t_until)
}

/// The start state of a stolen artefact: only a credential carries an MFA claim, and only a
/// credential's own expiry bounds the window. `None` when it is already dead.
pub(crate) fn start_state(g: &TrustGraph, s: NodeIndex, at: i64) -> Option<(bool, i64)> {
    let f = g.facts(s);
    if !f.alive_at(at) {
        return None;
    }
    let mfa = f.kind.is_credential() && f.mfa.unwrap_or(false);
    let until = if f.kind.is_credential() {
        f.expires_at
    } else {
        NEVER
    };
    Some((mfa, until))
}

fn trace(labels: &Labels, s: usize) -> (Vec<NodeIndex>, Vec<EdgeIndex>) {
    // Every predecessor was settled with a label at least as good within its layer, so the chain
    // ends at a source; the bound only guards against a corrupted label table. Measured first so
    // each answer row costs exactly two allocations (an admin-sized radius has 10⁵–10⁶ rows).
    let step = |s: usize| match labels.pred[s] {
        SOURCE | UNSET => None,
        p => Some((p - 2) as usize),
    };
    let mut len = 0;
    let mut at = s;
    while let Some(p) = step(at) {
        len += 1;
        at = p;
        if len >= labels.pred.len() {
            break;
        }
    }
    let mut path = vec![NodeIndex::new(0); len + 1];
    let mut edges = vec![EdgeIndex::new(0); len];
    let mut at = s;
    for k in (0..len).rev() {
        path[k + 1] = unpack(at).0;
        edges[k] = EdgeIndex::new(labels.via[at] as usize);
        at = step(at).unwrap_or(at);
    }
    path[0] = unpack(at).0;
    (path, edges)
}

/// Criticality first (what matters most), then the longest window (what lasts longest), then id.
///
/// Sorts compact keys holding the id text itself and permutes once: on an admin-sized radius
/// (hundreds of thousands of nodes) comparing through the graph and moving whole entries was
/// most of the search's time.
fn sort_reached(g: &TrustGraph, reached: &mut Vec<Reached>) {
    let window = |r: &Reached| (!r.persistent, -r.until.map_or(NEVER, Timestamp::as_millis));
    let crit = |r: &Reached| u8::MAX - g.facts(r.node).criticality;
    // Ids are unique, so each order is total and an unstable sort gives the one answer.
    let order: Vec<u32> = if reached.len() < 20_000 {
        let mut keys: Vec<_> = reached
            .iter()
            .enumerate()
            .map(|(k, r)| (crit(r), window(r), g.id(r.node), k as u32))
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.3).collect()
    } else {
        let rank = g.id_rank();
        let mut keys: Vec<_> = reached
            .iter()
            .enumerate()
            .map(|(k, r)| (crit(r), window(r), rank[r.node.index()], k as u32))
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.3).collect()
    };
    let mut slots: Vec<Option<Reached>> = std::mem::take(reached).into_iter().map(Some).collect();
    *reached = order
        .iter()
        .filter_map(|&k| slots[k as usize].take())
        .collect();
}

/// The JSON contract of `heir blast` (contracts.md), plus optional extensions.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BlastReport<'a> {
    pub from: Vec<&'a str>,
    pub at: Timestamp,
    pub attacker: Attacker,
    pub incomplete_sources: Vec<String>,
    pub reached: Vec<ReachedEntry<'a>>,
    pub blocked: Vec<BlockedEntry<'a>>,
    /// Sources already expired or inactive at `at` (extension).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dead_sources: Vec<&'a str>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReachedEntry<'a> {
    pub id: &'a str,
    pub kind: crate::model::NodeKind,
    pub criticality: u8,
    pub path: Vec<&'a str>,
    pub until: Option<Timestamp>,
    pub persistent: bool,
    /// Extension: the node's platform.
    pub platform: &'a str,
    /// Extension: false when the node's source was collected incompletely.
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BlockedEntry<'a> {
    pub id: &'a str,
    pub by: Vec<BlockedBy>,
    pub edge: EdgeRef3<'a>,
}

/// An edge named by its ends and kind.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EdgeRef3<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub kind: crate::model::EdgeKind,
}

impl BlastResult {
    /// The serialisable report, ids instead of indices. It borrows the ids from the graph: an
    /// admin-sized answer has millions of path entries, and copying each was most of its cost.
    pub fn report<'g>(&self, g: &'g TrustGraph) -> BlastReport<'g> {
        BlastReport {
            from: self.query.from.iter().map(|&i| g.id(i)).collect(),
            at: self.query.at,
            attacker: self.query.attacker,
            incomplete_sources: self.incomplete_sources.clone(),
            reached: self
                .reached
                .iter()
                .map(|r| ReachedEntry {
                    id: g.id(r.node),
                    kind: g.facts(r.node).kind,
                    criticality: g.facts(r.node).criticality,
                    path: r.path.iter().map(|&p| g.id(p)).collect(),
                    until: r.until,
                    persistent: r.persistent,
                    platform: g.platform(r.node),
                    complete: g.complete(r.node),
                })
                .collect(),
            blocked: self
                .blocked
                .iter()
                .map(|b| {
                    let (from, to) = g.graph.edge_endpoints(b.edge).expect("edge of this graph");
                    BlockedEntry {
                        id: g.id(b.node),
                        by: b.by.clone(),
                        edge: EdgeRef3 {
                            from: g.id(from),
                            to: g.id(to),
                            kind: g.graph[b.edge].kind,
                        },
                    }
                })
                .collect(),
            dead_sources: self.dead_sources.iter().map(|&i| g.id(i)).collect(),
        }
    }
}
