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
//!
//! [`search`] is that Dijkstra, and [`cross`] the traversal rules of one edge. Where labels live
//! and how the frontier is kept is `scratch`'s business; the orders of the answer are `order`'s.
//! What the answer looks like in a report is `crate::report::blast`'s.

mod order;
mod scratch;

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::model::graph::Out;
use crate::model::{Attacker, BlockedBy, Requirement, Timestamp, TrustGraph};
use crate::sys::{par, prefetch};
use order::{by_rank_from, sort_blocked, sort_reached, sorted_set};
use scratch::{Frontier, Labels, Link, Seen, State, States};

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
    /// The last step of the explaining chain in [`BlastResult::hops`]; read the chain with
    /// [`BlastResult::path`] and [`BlastResult::path_edges`].
    pub hop: u32,
}

/// One step of an explaining chain. The chains of a blast share their prefixes — they are the
/// search's predecessor tree — so an admin-sized radius costs one arena, not two vectors per
/// reached node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub node: NodeIndex,
    /// The edge into `node`, `NO_HOP` for a source.
    edge: u32,
    /// The previous step, `NO_HOP` for a source.
    parent: u32,
}

const NO_HOP: u32 = u32::MAX;

impl Hop {
    /// The edge taken into this step's node; `None` at a source.
    pub fn edge(&self) -> Option<EdgeIndex> {
        (self.edge != NO_HOP).then(|| EdgeIndex::new(self.edge as usize))
    }
}

/// The steps of one chain, from its last node back to its source.
fn walk(hops: &[Hop], last: u32) -> impl Iterator<Item = &Hop> + '_ {
    let mut at = last;
    std::iter::from_fn(move || {
        let hop = hops.get(at as usize)?;
        at = hop.parent;
        Some(hop)
    })
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
    /// The explaining chains of `reached`, shared (see [`Hop`]).
    pub hops: std::sync::Arc<[Hop]>,
}

impl BlastResult {
    /// The explaining chain of `r`, from a source to `r.node`.
    pub fn path(&self, r: &Reached) -> Vec<NodeIndex> {
        let mut path: Vec<NodeIndex> = walk(&self.hops, r.hop).map(|h| h.node).collect();
        path.reverse();
        path
    }

    /// The edges along [`BlastResult::path`] (one fewer than its nodes).
    pub fn path_edges(&self, r: &Reached) -> Vec<EdgeIndex> {
        let mut edges: Vec<EdgeIndex> = walk(&self.hops, r.hop).filter_map(Hop::edge).collect();
        edges.reverse();
        edges
    }
}

impl BlastResult {
    /// Calls `f` with the ids of `r`'s explaining chain, source first; the ids are looked up as
    /// one batch. For writers that read the result directly instead of building report rows.
    pub fn for_each_path_id(&self, g: &TrustGraph, r: &Reached, f: impl FnMut(&str)) {
        with_chain(&self.hops, r.hop, |chain| g.for_each_id(chain, f))
    }

    /// The credential whose end is `r`'s window: the first on its chain, from the source, that
    /// expires exactly at `r.until`. Answers ask it whether that end is an assumption
    /// ([`TrustGraph::expiry_basis`]); `None` for persistent or unbounded windows.
    pub fn window_credential(&self, g: &TrustGraph, r: &Reached) -> Option<NodeIndex> {
        let until = r.until.filter(|_| !r.persistent)?.as_millis();
        walk(&self.hops, r.hop)
            .map(|h| h.node)
            .filter(|&n| g.facts(n).kind.is_credential() && g.facts(n).expires_at == until)
            .last()
    }

    /// Whether `r`'s window is an assumed end (derived from policy or a platform default), and
    /// on what basis. `None` when the end was observed or there is no end.
    pub fn until_basis(
        &self,
        g: &TrustGraph,
        r: &Reached,
    ) -> Option<crate::model::liveness::ExpiryBasis> {
        self.window_credential(g, r)
            .and_then(|n| g.expiry_basis(n))
            .filter(|b| *b != crate::model::liveness::ExpiryBasis::Observed)
    }

    /// Starts loading the last step of `r`'s chain (for a writer a few rows ahead).
    #[inline]
    pub fn prefetch_path(&self, r: &Reached) {
        prefetch(self.hops.as_ptr().wrapping_add(r.hop as usize));
    }
}

/// Hands `f` the node positions of the chain ending at step `last`, source first, without
/// allocating for the usual short chain (the hops link from the reached node back to the source).
pub(crate) fn with_chain<R>(hops: &[Hop], last: u32, f: impl FnOnce(&[usize]) -> R) -> R {
    let mut short = [0usize; 32];
    let mut n = 0;
    let mut long = Vec::new();
    for h in walk(hops, last) {
        if n < short.len() {
            short[n] = h.node.index();
        } else {
            long.push(h.node.index());
        }
        n += 1;
    }
    if long.is_empty() {
        let chain = &mut short[..n];
        chain.reverse();
        f(chain)
    } else {
        long.reverse();
        long.extend(short.iter().rev());
        f(&long)
    }
}

/// A window with no end: no expiry on the path, or persistence.
const NEVER: i64 = i64::MAX;
/// Graphs from this many nodes are packed by a large search: a smaller graph's linked lists sit
/// in cache already, and packing would only add a thread and fresh pages.
const PACK_NODES: usize = 1 << 16;
/// From this many touched nodes, the blocked list and the crossed edges are built on another core
/// while the paths are traced and sorted: below it, starting a thread costs more than it saves.
const PARALLEL_AFTER: usize = 4096;

/// Computes the blast radius. Sources must be indices of `g`.
pub fn blast(g: &TrustGraph, q: &BlastQuery) -> BlastResult {
    search(g, q, PARALLEL_AFTER, PACK_NODES)
}

/// [`blast`], describing the result on two cores from `parallel_after` touched nodes, and
/// packing the out-edges mid-search on graphs from `pack_nodes` nodes.
fn search(g: &TrustGraph, q: &BlastQuery, parallel_after: usize, pack_nodes: usize) -> BlastResult {
    let at = q.at.as_millis();
    let mut labels = Labels::take(g.node_count());
    let mut dead_sources = Vec::new();
    let mut crossed: Vec<EdgeIndex> = Vec::new();
    // Every refusal in settle order (best windows first); the first per node is kept below, so
    // the answer is deterministic. Compact: the reasons are spelled out only for the kept ones.
    let mut refused: Vec<(u32, u32, Refusal)> = Vec::new();

    std::thread::scope(|scope| {
        let mut frontier = Frontier::new(scope, g, g.node_count() >= pack_nodes);
        for &s in &q.from {
            let Some((mfa, until)) = start_state(g, s, at) else {
                dead_sources.push(s);
                continue;
            };
            let st = State::new(s, mfa, false);
            if labels.improves(st, until) {
                labels.label(st, until, Link::Source);
                frontier.push(st, until);
            }
        }
        while let Some((st, until)) = frontier.pop(&labels) {
            let node = st.node();
            labels.prefetch_targets(g, node);
            for e in g.out_edges(node) {
                let here = (node, st.mfa(), st.persistent(), until);
                match cross(g, at, q.attacker, here, &e) {
                    Crossing::Skip => {}
                    Crossing::Refused(why) => {
                        refused.push((e.target.index() as u32, e.edge.index() as u32, why));
                    }
                    Crossing::To(t, t_mfa, t_persistent, t_until) => {
                        crossed.push(e.edge);
                        let ts = State::new(t, t_mfa, t_persistent);
                        if labels.improves(ts, t_until) {
                            let link = Link::From {
                                state: st,
                                edge: e.edge,
                            };
                            labels.label(ts, t_until, link);
                            frontier.push(ts, t_until);
                        }
                    }
                }
            }
        }
    });

    // What was found, described: each reached node's best state and path, sorted; the first
    // refusal of each node not reached; the crossed edges. The first reads the labels and marks
    // the traced ones, the other two read neither, so on a large search they run on the other
    // core meanwhile.
    let parallel = labels.touched() >= parallel_after;
    let (mut states, touched, seen) = labels.parts();
    let ((reached, hops), (blocked, crossed)) = par::join(
        parallel,
        || reached_with_paths(g, &q.from, &mut states, touched),
        || {
            (
                blocked_of(g, &q.from, seen, refused),
                sorted_set(crossed, g.edge_count()),
            )
        },
    );
    labels.give_back();

    BlastResult {
        query: q.clone(),
        crossed,
        reached,
        blocked,
        dead_sources,
        incomplete_sources: g.incomplete_sources(),
        hops: hops.into(),
    }
}

/// Each touched node but the sources with its best state — persistent first, then the longest
/// window, then the lowest state — and that state's path, in the order of [`sort_reached`].
/// `touched[k]` owns row `k` of `states`.
fn reached_with_paths(
    g: &TrustGraph,
    sources: &[NodeIndex],
    states: &mut States<'_>,
    touched: &[NodeIndex],
) -> (Vec<Reached>, Vec<Hop>) {
    let mut reached = Vec::with_capacity(touched.len());
    let mut hops = Vec::with_capacity(touched.len() + sources.len());
    let mut climb = Vec::new();
    for (k, &node) in touched.iter().enumerate() {
        if sources.contains(&node) {
            continue;
        }
        let Some(best) = states.best(k, node) else {
            continue;
        };
        let persistent = best.persistent();
        let u = states.slot(best).until();
        let last = trace(states, &mut hops, &mut climb, best);
        reached.push(Reached {
            node,
            until: if persistent || u == NEVER {
                None
            } else {
                Some(Timestamp::from_millis(u))
            },
            persistent,
            hop: last,
        });
    }
    sort_reached(g, &mut reached);
    (reached, hops)
}

/// The first refusal (in settle order) of each node that was not reached some other way,
/// sorted like the reached nodes: criticality first, then id.
fn blocked_of(
    g: &TrustGraph,
    sources: &[NodeIndex],
    seen: &Seen,
    mut refused: Vec<(u32, u32, Refusal)>,
) -> Vec<Blocked> {
    // A stable sort keeps each node's first refusal first.
    refused.retain(|&(t, _, _)| {
        let t = NodeIndex::new(t as usize);
        !seen.contains(t) && !sources.contains(&t)
    });
    refused.sort_by_key(|r| r.0);
    refused.dedup_by_key(|r| r.0);
    let mut blocked: Vec<Blocked> = refused
        .into_iter()
        .map(|(t, edge, why)| Blocked {
            node: NodeIndex::new(t as usize),
            by: why.reasons(),
            edge: EdgeIndex::new(edge as usize),
        })
        .collect();
    sort_blocked(g, &mut blocked, by_rank_from(g));
    blocked
}

/// Why an edge was refused, in two bytes: the unmet conditions' bits, and device binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    unmet: u8,
    device_bound: bool,
}

impl Refusal {
    /// Device binding first (it fails every edge out of the credential), then the conditions in
    /// the vocabulary's order.
    fn reasons(self) -> Vec<BlockedBy> {
        let mut by = Vec::with_capacity(1 + self.unmet.count_ones() as usize);
        if self.device_bound {
            by.push(BlockedBy::DeviceBound);
        }
        by.extend(crate::model::graph::requirements_in(self.unmet).map(BlockedBy::from));
        by
    }
}

/// What crossing one edge does to an attacker in a given state.
pub(crate) enum Crossing {
    /// Not traversable, a dead target, or a disabled account entered anew: nothing to report.
    Skip,
    /// A condition or device binding refused it.
    Refused(Refusal),
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
    e: &Out,
) -> Crossing {
    let rule = e.kind.rule();
    if !rule.traversable {
        return Crossing::Skip;
    }
    let t = e.target;
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
    let unmet = e
        .requirements()
        .filter(|r: &Requirement| !r.met(attacker, mfa))
        .fold(0, |bits, r| bits | r.bit());
    if unmet != 0 || bound_here {
        return Crossing::Refused(Refusal {
            unmet,
            device_bound: bound_here,
        });
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

/// Adds the chain of state `s` to the arena and returns its last step. Steps are shared: the
/// climb stops at the first state that already has one, so the whole answer costs one step per
/// state on some chain. Every predecessor was settled with a label at least as good within its
/// layer, so a chain ends at a source; the bound only guards against a corrupted label table.
///
/// A state given a step is marked in place ([`Link::Traced`]): its predecessor and edge are in
/// the step by then, and its window stays, which is all that choosing the best state of its node
/// (when that node's turn comes) reads. No separate table of steps per state is needed.
fn trace(states: &mut States<'_>, hops: &mut Vec<Hop>, climb: &mut Vec<State>, s: State) -> u32 {
    climb.clear();
    let mut at = s;
    let mut parent = loop {
        match states.slot(at).link() {
            Link::Traced(step) => break step,
            Link::Source => {
                climb.push(at);
                break NO_HOP;
            }
            Link::From { state, .. } => {
                climb.push(at);
                at = state;
            }
        }
        if climb.len() > states.capacity() {
            break NO_HOP;
        }
    };
    for &st in climb.iter().rev() {
        let here = states.slot_mut(st);
        let edge = match here.link() {
            Link::From { edge, .. } => edge.index() as u32,
            Link::Source | Link::Traced(_) => NO_HOP,
        };
        hops.push(Hop {
            node: st.node(),
            edge,
            parent,
        });
        parent = (hops.len() - 1) as u32;
        here.traced(parent);
    }
    parent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Node, NodeKind};

    /// A large search described on two cores (paths on one, refusals and crossed edges on the
    /// other) gives exactly the answer described on one: reached rows, paths, blocked rows with
    /// their reasons, crossed edges and dead sources.
    #[test]
    fn a_large_result_described_on_two_cores_is_the_serial_one() {
        use crate::model::{Edge, EdgeKind, Requirement};
        let mut doc = Document::default();
        let mut session = Node::new("okta:session:s", NodeKind::Session);
        session.expires_at = Some(Timestamp::from_millis(1_800_000_000_000));
        doc.nodes.push(session);
        let mut dead = Node::new("okta:session:dead", NodeKind::Session);
        dead.expires_at = Some(Timestamp::from_millis(1_600_000_000_000));
        doc.nodes.push(dead);
        // Roles with two parents each (a tree parent and one anywhere, so the graph has cycles):
        // every third edge needs MFA the session does not carry (refused unless the node is
        // reached another way), as do both edges into every eleventh role; every fifth role is
        // critical.
        let n = 3 * PARALLEL_AFTER;
        for i in 0..n {
            let mut role = Node::new(format!("aws:role:r{}", (i * 7919) % n), NodeKind::Role);
            role.criticality = Some((i % 5 == 0) as u8 * 9);
            doc.nodes.push(role);
        }
        let id = |i: usize| format!("aws:role:r{}", (i * 7919) % n);
        doc.edges.push(Edge::new(
            "okta:session:s",
            id(0),
            EdgeKind::AuthenticatesAs,
        ));
        // The roles' edges (parent, child, needs MFA), kept for the expected answer below.
        let mut role_edges = Vec::new();
        for i in 1..n {
            for parent in [(i - 1) / 2, (i * 13) % n] {
                let mfa = (i + parent) % 3 == 0 || i % 11 == 0;
                let mut e = Edge::new(id(parent), id(i), EdgeKind::CanAssume);
                if mfa {
                    e.requires = vec![Requirement::Mfa];
                }
                doc.edges.push(e);
                role_edges.push((parent, i, mfa));
            }
        }
        // Expected: the roles reachable from the first over edges without MFA; blocked, the
        // others that some reached role has an MFA edge into.
        let mut reached = vec![false; n];
        reached[0] = true;
        let mut grew = true;
        while grew {
            grew = false;
            for &(a, b, mfa) in &role_edges {
                if reached[a] && !mfa && !reached[b] {
                    reached[b] = true;
                    grew = true;
                }
            }
        }
        let want_reached: std::collections::BTreeSet<String> =
            (0..n).filter(|&i| reached[i]).map(id).collect();
        let want_blocked: std::collections::BTreeSet<String> = role_edges
            .iter()
            .filter(|&&(a, b, mfa)| mfa && reached[a] && !reached[b])
            .map(|&(_, b, _)| id(b))
            .collect();
        // `linked`, a copy, is searched over petgraph's linked lists throughout (it is below
        // `PACK_NODES`); `g` with its out-edges packed once the search is large (`serial`), then
        // packed from the start (`parallel`): the same answer every way.
        let linked = TrustGraph::new(doc.clone());
        let g = TrustGraph::new(doc);
        let q = BlastQuery {
            from: vec![NodeIndex::new(0), NodeIndex::new(1)],
            at: Timestamp::from_millis(1_700_000_000_000),
            attacker: Attacker::OffDevice,
        };
        let described_here = |r: &BlastResult| described(&g, r);
        let serial = search(&g, &q, usize::MAX, 0);
        let parallel = search(&g, &q, 0, 0);
        let unpacked = blast(&linked, &q);
        assert_eq!(described_here(&serial), described(&linked, &unpacked));
        let got_reached: std::collections::BTreeSet<String> = serial
            .reached
            .iter()
            .map(|r| g.id(r.node).to_string())
            .collect();
        let got_blocked: std::collections::BTreeSet<String> = serial
            .blocked
            .iter()
            .map(|b| g.id(b.node).to_string())
            .collect();
        assert_eq!(got_reached, want_reached);
        assert_eq!(got_blocked, want_blocked);
        assert!(
            want_reached.len() > PARALLEL_AFTER,
            "{}",
            want_reached.len()
        );
        assert!(!want_blocked.is_empty());
        assert_eq!(serial.dead_sources, vec![NodeIndex::new(1)]);
        assert_eq!(serial.crossed, parallel.crossed);
        assert_eq!(described_here(&serial), described_here(&parallel));
        // The default threshold takes the two-core path here, and gives the same answer.
        assert_eq!(described_here(&serial), described_here(&blast(&g, &q)));
    }

    /// Everything `r` says, by ids, in its order: reached rows with their windows and paths (nodes
    /// and edges), blocked rows with their reasons and edges, crossed edges, dead sources. Two
    /// results that describe alike are the same answer in every report format.
    fn described(g: &TrustGraph, r: &BlastResult) -> String {
        let edge = |e: EdgeIndex| {
            let (a, b) = g.endpoints(e);
            format!("{}->{}", g.id(a), g.id(b))
        };
        let mut out = String::new();
        for x in &r.reached {
            let path: Vec<&str> = r.path(x).into_iter().map(|n| g.id(n)).collect();
            let edges: Vec<String> = r.path_edges(x).into_iter().map(edge).collect();
            out += &format!(
                "reached {} {:?} {} {path:?} {edges:?}\n",
                g.id(x.node),
                x.until,
                x.persistent
            );
        }
        for b in &r.blocked {
            out += &format!("blocked {} {:?} {}\n", g.id(b.node), b.by, edge(b.edge));
        }
        let crossed: Vec<String> = r.crossed.iter().map(|&e| edge(e)).collect();
        let dead: Vec<&str> = r.dead_sources.iter().map(|&n| g.id(n)).collect();
        out += &format!("crossed {crossed:?}\ndead {dead:?}\n");
        out
    }

    /// Roles `aws:role:r0` … `r{n-1}`, and a `can_assume` edge for each `(from, to)` pair.
    fn roles(n: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Document {
        let mut doc = Document::default();
        for i in 0..n {
            doc.nodes
                .push(Node::new(format!("aws:role:r{i}"), NodeKind::Role));
        }
        for (a, b) in edges {
            doc.edges.push(crate::model::Edge::new(
                format!("aws:role:r{a}"),
                format!("aws:role:r{b}"),
                crate::model::EdgeKind::CanAssume,
            ));
        }
        doc
    }

    /// The per-thread scratch is clean between searches: a search after others from different
    /// sources (one of them dead) on the same thread answers as one on a fresh thread does.
    #[test]
    fn a_search_after_others_on_the_same_thread_is_a_fresh_one() {
        let n = 300;
        let edges = (1..n).flat_map(|i| [((i - 1) / 2, i), ((i * 7) % n, i)]);
        let mut doc = roles(n, edges);
        let mut dead = Node::new("okta:session:dead", NodeKind::Session);
        dead.expires_at = Some(Timestamp::from_millis(1_600_000_000_000));
        doc.nodes.push(dead);
        let g = TrustGraph::new(doc);
        let query = |from: &[usize]| BlastQuery {
            from: from.iter().map(|&i| NodeIndex::new(i)).collect(),
            at: Timestamp::from_millis(1_700_000_000_000),
            attacker: Attacker::OffDevice,
        };
        let described_here = |r: &BlastResult| described(&g, r);
        // Every role is reached from the first (each has its tree parent), the dead session never.
        let from_root = blast(&g, &query(&[0]));
        assert_eq!(from_root.reached.len(), n - 1);
        assert!(blast(&g, &query(&[n])).reached.is_empty());
        for from in [&[9][..], &[0], &[150, 7], &[n, 3], &[4]] {
            let fresh =
                std::thread::scope(|s| s.spawn(|| described_here(&blast(&g, &query(from)))).join());
            // Searches from other sources first, on this thread.
            for other in [&[2][..], &[n], &[1, 40]] {
                blast(&g, &query(other));
            }
            assert_eq!(
                described_here(&blast(&g, &query(from))),
                fresh.unwrap(),
                "from {from:?}"
            );
        }
    }

    /// Rows are cleared between searches: one that labels persistent states (after `admin_of`)
    /// leaves nothing in the rows a later search hands to its nodes, where it labels other
    /// states (an uncleared row would offer the old persistent state as the node's best).
    #[test]
    fn rows_are_clean_for_a_search_labelling_other_states() {
        use crate::model::{Edge, EdgeKind};
        let n = 200;
        let mut doc = roles(n, (1..n).map(|i| ((i - 1) / 2, i)));
        doc.nodes.push(Node::new("okta:user:owner", NodeKind::User));
        doc.edges.push(Edge::new(
            "okta:user:owner",
            "aws:role:r0",
            EdgeKind::AdminOf,
        ));
        let g = TrustGraph::new(doc);
        let query = |i: usize| BlastQuery {
            from: vec![NodeIndex::new(i)],
            at: Timestamp::from_millis(1_700_000_000_000),
            attacker: Attacker::OffDevice,
        };
        let fresh = std::thread::scope(|s| s.spawn(|| described(&g, &blast(&g, &query(5)))).join());
        let owner = blast(&g, &query(n));
        assert_eq!(owner.reached.len(), n);
        assert!(owner.reached.iter().all(|r| r.persistent));
        let after = blast(&g, &query(5));
        assert!(!after.reached.is_empty() && after.reached.iter().all(|r| !r.persistent));
        assert_eq!(described(&g, &after), fresh.unwrap());
    }
}
