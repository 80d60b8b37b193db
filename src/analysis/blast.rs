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
use serde::Serialize;

use crate::model::graph::Out;
use crate::model::{Attacker, BlockedBy, Requirement, Timestamp, TrustGraph};
use crate::sys::par;
use crate::sys::{prefetch, read_ahead};

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

const NEVER: i64 = i64::MAX;
/// Settled states after which a search packs the graph's out-edges (see
/// [`TrustGraph::pack_out_edges`]): past this, the search is large enough to repay the pass.
const PACK_AFTER: usize = 4096;
/// Graphs from this many nodes are packed by a large search: a smaller graph's linked lists sit
/// in cache already, and packing would only add a thread and a few hundred KB of fresh pages.
const PACK_NODES: usize = 1 << 16;
/// Touched nodes after which a search has the rest of its state table faulted in at once: by
/// then it has taken a fault on a few thousand pages of it, and a large one would go on to take
/// one on nearly every page (an admin-like session touches 390k of a million nodes).
const PREFAULT_AFTER: usize = 4096;
/// From this many touched nodes, the blocked list and the crossed edges are built on another core
/// while the paths are traced and sorted: below it, starting a thread costs more than it saves.
const PARALLEL_AFTER: usize = 4096;
const UNSET: u32 = 0;
const SOURCE: u32 = 1;
/// A state whose step in the result's hop arena is in `via` (see [`trace`]). Above every
/// predecessor state + 2, as `pred` already needs states (node index × 4 + 0..4) to fit a u32:
/// a graph of 2³⁰ nodes would take hundreds of gigabytes.
const TRACED: u32 = u32::MAX;

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

/// Per-search scratch. Kept per thread between searches and cleaned by resetting only what a
/// search labelled: fresh tables per search would be zeroed by the allocator (64 MB on a
/// million-node graph) and cost far more than a typical search. A node's four states share one
/// cache line (a row), since the search reads them together.
///
/// Rows are handed out in the order nodes are first labelled, and `row_of` finds a node's row:
/// a search writes only as many rows as it touches nodes, packed together, instead of one
/// 64-byte line per touched node spread over a table of every node — an admin-like search
/// touches 38 % of the nodes, but a line in each of nearly all the table's pages (at 10k nodes:
/// ~160 page faults of the whole command's ~830, for ~60 pages of rows and ~10 of `row_of`).
#[derive(Default)]
struct Labels {
    /// Declared first so that it is dropped first: waits for the prefault before the tables go.
    prefault: Option<crate::sys::alloc::Prefault>,
    /// Node → its row in `rows`; meaningful once the node's bit in `seen` is set.
    row_of: Vec<u32>,
    /// The labelled nodes' states, `used` rows in the order the nodes were first labelled; the
    /// rest unlabelled (zeroed, and never written).
    rows: Vec<NodeStates>,
    used: usize,
    /// One bit per node: whether any of its states is labelled. Asked before the states, so a
    /// node met for the first time is written without being read: reading a page of the lazily
    /// zeroed table first maps the kernel's zero page, and the write that follows faults again
    /// to replace it — two faults per page instead of one (on a virtual machine a fault costs
    /// microseconds, and an admin-like search writes most pages of the table).
    seen: Vec<u64>,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    until: i64,
    /// `UNSET`, `SOURCE`, or predecessor state + 2.
    pred: u32,
    via: u32,
}

#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct NodeStates([Slot; 4]);

/// State `s` (of a labelled node); `s` indexes states, not rows.
impl std::ops::Index<usize> for Labels {
    type Output = Slot;
    #[inline]
    fn index(&self, s: usize) -> &Slot {
        let (row, k) = row_and_slot(&self.row_of, s);
        &self.rows[row].0[k]
    }
}

impl std::ops::IndexMut<usize> for Labels {
    #[inline]
    fn index_mut(&mut self, s: usize) -> &mut Slot {
        let (row, k) = row_and_slot(&self.row_of, s);
        &mut self.rows[row].0[k]
    }
}

/// Where state `s` of a labelled node is: its node's row, and the state's place in the row.
#[inline]
fn row_and_slot(row_of: &[u32], s: usize) -> (usize, usize) {
    (row_of[s / 4] as usize, s % 4)
}

/// A finished search's states, read through each labelled node's row (see [`Labels`]).
struct States<'a> {
    row_of: &'a [u32],
    rows: &'a mut [NodeStates],
}

impl States<'_> {
    /// State `s` of a labelled node.
    #[inline]
    fn slot(&self, s: usize) -> &Slot {
        let (row, k) = row_and_slot(self.row_of, s);
        &self.rows[row].0[k]
    }

    #[inline]
    fn slot_mut(&mut self, s: usize) -> &mut Slot {
        let (row, k) = row_and_slot(self.row_of, s);
        &mut self.rows[row].0[k]
    }
}

/// Whether any state of `node` is labelled (its bit in [`Labels::seen`]).
#[inline]
fn labelled(seen: &[u64], node: usize) -> bool {
    let (word, bit) = seen_bit(node);
    seen[word] & bit != 0
}

/// Where `node`'s bit is in [`Labels::seen`]: the word, and the bit in it.
#[inline]
fn seen_bit(node: usize) -> (usize, u64) {
    (node / 64, 1 << (node % 64))
}

/// `n` unlabelled node states from zeroed memory. All-zero bytes are `NodeStates::default()`
/// (`UNSET` is 0), and a zeroed block costs only the pages a search writes (`crate::sys::alloc`),
/// where `vec![default; n]` would write all of them: 64 MB per command on a million nodes, for a
/// search that typically labels a few dozen.
fn zeroed_states(n: usize) -> Vec<NodeStates> {
    // SAFETY: NodeStates holds integers only, for which zero bytes are valid values.
    unsafe { crate::sys::alloc::zeroed_vec(n) }
}

impl Labels {
    fn new(nodes: usize) -> Self {
        Labels {
            // SAFETY: zero bytes are a valid u32 (a stale row, read only once the node is seen).
            row_of: unsafe { crate::sys::alloc::zeroed_vec(nodes) },
            rows: zeroed_states(nodes),
            used: 0,
            seen: vec![0; nodes.div_ceil(64)],
            prefault: None,
        }
    }

    /// The search has grown large and is likely to write most of the table: have its pages
    /// faulted in on the other core meanwhile (once), rather than take a fault per page here (see
    /// [`crate::sys::alloc::prefault`]). Nothing waits for it but dropping the table.
    fn expect_dense(&mut self) {
        if self.prefault.is_none() {
            use crate::sys::alloc::{prefault, Block};
            self.prefault = Some(prefault(&[Block::of(&self.row_of), Block::of(&self.rows)]));
        }
    }

    /// Starts loading where `node`'s row is (its states follow from it).
    #[inline]
    fn prefetch(&self, node: usize) {
        prefetch(self.row_of.as_ptr().wrapping_add(node));
    }

    /// Whether any state of `node` is labelled.
    #[inline]
    fn labelled(&self, node: usize) -> bool {
        labelled(&self.seen, node)
    }

    /// Notes that a state of `node` is being labelled, giving the node the next row the first
    /// time.
    #[inline]
    fn mark(&mut self, node: usize) {
        if !self.labelled(node) {
            let (word, bit) = seen_bit(node);
            self.seen[word] |= bit;
            self.row_of[node] = self.used as u32;
            self.used += 1;
        }
    }

    /// This thread's scratch, sized for `nodes`.
    fn take(nodes: usize) -> Self {
        let labels = SCRATCH.with(|s| s.take());
        if labels.row_of.len() == nodes {
            labels
        } else {
            drop(labels);
            Labels::new(nodes)
        }
    }

    /// Clears the rows used and the bits of `nodes` (every node labelled), and hands the tables
    /// back for the next search.
    fn give_back(mut self, nodes: impl Iterator<Item = NodeIndex>) {
        for node in nodes {
            let (word, bit) = seen_bit(node.index());
            self.seen[word] &= !bit;
        }
        self.rows[..self.used].fill(NodeStates::default());
        self.used = 0;
        SCRATCH.with(|s| *s.borrow_mut() = self);
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Labels> = std::cell::RefCell::new(Labels::default());
}

/// Computes the blast radius. Sources must be indices of `g`.
pub fn blast(g: &TrustGraph, q: &BlastQuery) -> BlastResult {
    search(g, q, PARALLEL_AFTER, PACK_NODES)
}

/// [`blast`], describing the result on two cores from `parallel_after` touched nodes, and
/// packing the out-edges mid-search on graphs from `pack_nodes` nodes.
fn search(g: &TrustGraph, q: &BlastQuery, parallel_after: usize, pack_nodes: usize) -> BlastResult {
    let at = q.at.as_millis();
    let n = g.graph.node_count();
    let mut labels = Labels::take(n);
    let mut heap = BinaryHeap::new();
    let mut dead_sources = Vec::new();

    for &s in &q.from {
        let Some((mfa, until)) = start_state(g, s, at) else {
            dead_sources.push(s);
            continue;
        };
        let st = state(s, mfa, false);
        if !labels.labelled(s.index()) || labels[st].pred == UNSET || labels[st].until < until {
            labels.mark(s.index());
            labels[st].until = until;
            labels[st].pred = SOURCE;
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
    // Every refusal in settle order (best windows first); the first per node is kept below, so
    // the answer is deterministic. Compact: the reasons are spelled out only for the kept ones.
    let mut refused: Vec<(u32, u32, Refusal)> = Vec::new();

    let mut settled = 0usize;
    std::thread::scope(|scope| {
        while let Some(Entry {
            persistent,
            until,
            state: st,
        }) = heap.pop()
        {
            if labels[st].until != until {
                continue; // stale entry: the state was improved after this was pushed
            }
            let (node, mfa, _) = unpack(st);
            settled += 1;
            if settled == PACK_AFTER && n >= pack_nodes {
                // A large search: contiguous out-edges from when they are ready. Packed on the
                // other core meanwhile; both kinds of list give the same edges in the same
                // order, so the search switches mid-way.
                if par::threads() > 1 {
                    scope.spawn(|| g.pack_out_edges());
                } else {
                    g.pack_out_edges();
                }
            }
            // Each target costs two cache misses (its facts, its states) in a large search; asked
            // for together up front, they overlap instead of queueing edge after edge.
            for e in g.out_edges(node) {
                g.prefetch_facts(e.target);
                labels.prefetch(e.target.index());
            }
            for e in g.out_edges(node) {
                let (t, t_mfa, t_persistent, t_until) =
                    match cross(g, at, q.attacker, (node, mfa, persistent, until), &e) {
                        Crossing::Skip => continue,
                        Crossing::Refused(why) => {
                            refused.push((e.target.index() as u32, e.edge.index() as u32, why));
                            continue;
                        }
                        Crossing::To(t, m, p, u) => (t, m, p, u),
                    };
                crossed.push(e.edge);
                let ts = state(t, t_mfa, t_persistent);
                let first = !labels.labelled(t.index());
                if first || labels[ts].pred == UNSET || labels[ts].until < t_until {
                    if first {
                        labels.mark(t.index());
                        touched.push(t);
                        if touched.len() == PREFAULT_AFTER {
                            labels.expect_dense();
                        }
                    }
                    labels[ts].until = t_until;
                    labels[ts].pred = st as u32 + 2;
                    labels[ts].via = e.edge.index() as u32;
                    heap.push(Entry {
                        persistent: t_persistent,
                        until: t_until,
                        state: ts,
                    });
                }
            }
        }
    });

    // What was found, described: each reached node's best state and path, sorted; the first
    // refusal of each node not reached; the crossed edges. The first reads the states and marks
    // the traced ones, the other two read neither, so on a large search they run on the other
    // core meanwhile (a third of the post-search time on an admin-sized reach).
    let Labels {
        row_of, rows, seen, ..
    } = &mut labels;
    let (seen, row_of): (&[u64], &[u32]) = (seen, row_of);
    let mut states = States { row_of, rows };
    let ((reached, hops), (blocked, crossed)) = par::join(
        touched.len() >= parallel_after,
        || reached_with_paths(g, &q.from, &mut states, &touched),
        || {
            (
                blocked_of(g, &q.from, seen, refused),
                sorted_set(crossed, g.graph.edge_count()),
            )
        },
    );

    labels.give_back(touched.iter().chain(&q.from).copied());

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
        if let Some(ahead) = touched.get(k + 8) {
            // Discovery order is scattered over the nodes (the rows themselves are in that
            // order, so they stream).
            prefetch(states.row_of.as_ptr().wrapping_add(ahead.index()));
        }
        let i = node.index();
        if sources.contains(&node) {
            continue;
        }
        let best = (0..4)
            .map(|k| i * 4 + k)
            .filter(|&s| states.slot(s).pred != UNSET)
            .max_by(|&a, &b| {
                let ka = (a & 1 != 0, states.slot(a).until);
                let kb = (b & 1 != 0, states.slot(b).until);
                ka.cmp(&kb).then(b.cmp(&a))
            });
        let Some(best) = best else { continue };
        let persistent = best & 1 != 0;
        let u = states.slot(best).until;
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
    seen: &[u64],
    mut refused: Vec<(u32, u32, Refusal)>,
) -> Vec<Blocked> {
    // A stable sort keeps each node's first refusal first.
    refused.retain(|&(t, _, _)| {
        let t = t as usize;
        !labelled(seen, t) && !sources.contains(&NodeIndex::new(t))
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

/// `edges` sorted without duplicates. A large reach crosses most of the graph's edges, many
/// several times; marking them in a bit set and reading it back in order is linear then.
fn sorted_set(mut edges: Vec<EdgeIndex>, edge_count: usize) -> Vec<EdgeIndex> {
    if edges.len() < edge_count / 64 {
        edges.sort_unstable();
        edges.dedup();
        return edges;
    }
    let mut bits = vec![0u64; edge_count.div_ceil(64)];
    for e in &edges {
        bits[e.index() / 64] |= 1 << (e.index() % 64);
    }
    edges.clear();
    for (w, &word) in bits.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            edges.push(EdgeIndex::new(w * 64 + word.trailing_zeros() as usize));
            word &= word - 1;
        }
    }
    edges
}

/// Criticality first, then id; by id rank from `by_rank_from` entries on (integer compares).
fn sort_blocked(g: &TrustGraph, blocked: &mut [Blocked], by_rank_from: usize) {
    // Ids are unique: each order is total, so an unstable sort gives the one answer.
    if blocked.len() < by_rank_from {
        blocked.sort_unstable_by(|a, b| {
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
/// A state given a step is marked in place: `pred` becomes [`TRACED`] and `via` its step. Its
/// predecessor and edge are in the step by then, and its `until` is left as it was, which is all
/// that choosing the best state of its node (when that node's turn comes) reads. No separate
/// table of steps per state is needed, nor its pages (16 bytes a node).
fn trace(states: &mut States<'_>, hops: &mut Vec<Hop>, climb: &mut Vec<usize>, s: usize) -> u32 {
    climb.clear();
    let mut at = s;
    let mut parent = loop {
        let here = states.slot(at);
        if here.pred == TRACED {
            break here.via;
        }
        climb.push(at);
        match here.pred {
            SOURCE | UNSET => break NO_HOP,
            p => at = (p - 2) as usize,
        }
        if climb.len() > states.rows.len() * 4 {
            break NO_HOP;
        }
    };
    for &st in climb.iter().rev() {
        let here = states.slot_mut(st);
        let edge = match here.pred {
            SOURCE | UNSET => NO_HOP,
            _ => here.via,
        };
        hops.push(Hop {
            node: unpack(st).0,
            edge,
            parent,
        });
        parent = (hops.len() - 1) as u32;
        here.pred = TRACED;
        here.via = parent;
    }
    parent
}

/// Criticality first (what matters most), then the longest window (what lasts longest), then id.
///
/// Sorts compact keys and gathers once: on an admin-sized radius (hundreds of thousands of
/// nodes) comparing through the graph and moving whole entries was most of the search's time.
fn sort_reached(g: &TrustGraph, reached: &mut Vec<Reached>) {
    let window = |r: &Reached| (!r.persistent, -r.until.map_or(NEVER, Timestamp::as_millis));
    let crit = |r: &Reached| u8::MAX - g.facts(r.node).criticality;
    // Ids are unique, so each order is total and an unstable sort gives the one answer.
    let order: Vec<u32> = if reached.len() < by_rank_from(g) {
        let mut keys: Vec<_> = reached
            .iter()
            .enumerate()
            .map(|(k, r)| (crit(r), window(r), g.id(r.node), k as u32))
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.3).collect()
    } else {
        by_rank(g, reached)
    };
    *reached = order.iter().map(|&k| reached[k as usize].clone()).collect();
}

/// From how many rows answers are sorted by id rank rather than by id. Ranks compare as ids do,
/// and integers compare faster than strings; but computing the ranks is a sort of every id, worth
/// it only for a large answer, unless they are at hand (read from a snapshot).
fn by_rank_from(g: &TrustGraph) -> usize {
    if g.id_rank_ready() {
        256
    } else {
        20_000
    }
}

/// The order of [`sort_reached`] for large answers, comparing integers only: bucketed by
/// criticality, then within a bucket one `u128` per entry — the window folded into 64 bits
/// (persistent first, then the latest `until`), the id's rank, and the entry's position.
fn by_rank(g: &TrustGraph, reached: &[Reached]) -> Vec<u32> {
    const AHEAD: usize = 8;
    let rank = g.id_rank();
    // Entries are in discovery order, scattered over the node table: read each criticality
    // once, asking for it a few entries ahead so the misses overlap.
    let mut count = [0usize; 256];
    let crit: Vec<u8> = read_ahead(reached, AHEAD, |r| g.prefetch_facts(r.node))
        .map(|r| {
            let c = g.facts(r.node).criticality;
            count[c as usize] += 1;
            c
        })
        .collect();
    // Bucket starts, highest criticality first.
    let mut start = [0usize; 256];
    let mut at = 0;
    for c in (0..256).rev() {
        start[c] = at;
        at += count[c];
    }
    let bounds = start;
    let mut keys = vec![0u128; reached.len()];
    let ask_rank = |r: &Reached| prefetch(rank.as_ptr().wrapping_add(r.node.index()));
    for (k, r) in read_ahead(reached, AHEAD, ask_rank).enumerate() {
        // Later windows first: the bit-flipped order-preserving image of `until`, plus one to
        // make room for the persistent ones. `NEVER` (no expiry on the path) lands just after
        // them; a reached window ends after `at`, so it is never `i64::MIN`, the one value the
        // saturation would merge with its neighbour.
        let window: u64 = match (r.persistent, r.until) {
            (true, _) => 0,
            (false, until) => {
                let u = until.map_or(NEVER, Timestamp::as_millis);
                (!((u as u64) ^ (1 << 63))).saturating_add(1)
            }
        };
        let c = crit[k] as usize;
        keys[start[c]] = (window as u128) << 64 | (rank[r.node.index()] as u128) << 32 | k as u128;
        start[c] += 1;
    }
    for c in 0..256 {
        keys[bounds[c]..bounds[c] + count[c]].sort_unstable();
    }
    keys.into_iter().map(|key| key as u32).collect()
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
    #[schemars(with = "Vec<String>")]
    pub path: PathIds<'a>,
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

/// A reached node's explaining chain as ids, from a source to the node. Read from the shared
/// hop arena when it is serialised or asked for, so an admin-sized report does not hold a vector
/// per row.
#[derive(Clone)]
pub struct PathIds<'a> {
    graph: &'a TrustGraph,
    hops: std::sync::Arc<[Hop]>,
    last: u32,
}

impl<'a> PathIds<'a> {
    /// The ids, from the source to the reached node.
    pub fn ids(&self) -> Vec<&'a str> {
        let mut ids: Vec<&'a str> = walk(&self.hops, self.last)
            .map(|h| self.graph.id(h.node))
            .collect();
        ids.reverse();
        ids
    }

    /// Calls `f` with each id of the chain, source first; the ids are looked up as one batch.
    pub fn for_each_id(&self, f: impl FnMut(&str)) {
        self.with_chain(|chain| self.graph.for_each_id(chain, f))
    }

    /// Calls `f` with each node of the chain, source first.
    fn for_each_node<E>(&self, mut f: impl FnMut(NodeIndex) -> Result<(), E>) -> Result<(), E> {
        self.with_chain(|chain| chain.iter().try_for_each(|&i| f(NodeIndex::new(i))))
    }

    fn with_chain<R>(&self, f: impl FnOnce(&[usize]) -> R) -> R {
        with_chain(&self.hops, self.last, f)
    }
}

/// Hands `f` the node positions of the chain ending at step `last`, source first, without
/// allocating for the usual short chain (the hops link from the reached node back to the source).
fn with_chain<R>(hops: &[Hop], last: u32, f: impl FnOnce(&[usize]) -> R) -> R {
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

impl BlastResult {
    /// Calls `f` with the ids of `r`'s explaining chain, source first; the ids are looked up as
    /// one batch. For writers that read the result directly instead of a [`BlastReport`].
    pub fn for_each_path_id(&self, g: &TrustGraph, r: &Reached, f: impl FnMut(&str)) {
        with_chain(&self.hops, r.hop, |chain| g.for_each_id(chain, f))
    }

    /// Starts loading the last step of `r`'s chain (for a writer a few rows ahead).
    #[inline]
    pub fn prefetch_path(&self, r: &Reached) {
        prefetch(self.hops.as_ptr().wrapping_add(r.hop as usize));
    }
}

impl Serialize for PathIds<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        self.for_each_node(|node| seq.serialize_element(self.graph.id(node)))?;
        seq.end()
    }
}

impl std::fmt::Debug for PathIds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

/// An edge named by its ends and kind.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EdgeRef3<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub kind: crate::model::EdgeKind,
}

impl BlastResult {
    /// The serialisable report, ids instead of indices. It borrows the ids from the graph and
    /// shares the hop arena: an admin-sized answer has millions of path entries, and copying each
    /// was most of its cost.
    pub fn report<'g>(&self, g: &'g TrustGraph) -> BlastReport<'g> {
        // Rows are in answer order, scattered over the graph: each row's node is asked for a
        // few rows ahead, so the cache misses overlap. Large answers are built on every core.
        const AHEAD: usize = 8;
        const PARALLEL_ROWS: usize = 16_384;
        BlastReport {
            from: self.query.from.iter().map(|&i| g.id(i)).collect(),
            at: self.query.at,
            attacker: self.query.attacker,
            incomplete_sources: self.incomplete_sources.clone(),
            reached: par::map_chunks(&self.reached, PARALLEL_ROWS, |run, rows| {
                rows.extend(
                    read_ahead(run, AHEAD, |r| g.prefetch_node(r.node)).map(|r| ReachedEntry {
                        id: g.id(r.node),
                        kind: g.facts(r.node).kind,
                        criticality: g.facts(r.node).criticality,
                        path: PathIds {
                            graph: g,
                            hops: self.hops.clone(),
                            last: r.hop,
                        },
                        until: r.until,
                        persistent: r.persistent,
                        platform: g.platform(r.node),
                        complete: g.complete(r.node),
                    }),
                )
            }),
            blocked: read_ahead(&self.blocked, AHEAD, |b| {
                g.prefetch_node(b.node);
                g.prefetch_edge(b.edge);
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Node, NodeKind};

    /// Zeroed memory reads as unlabelled states, and a fresh table has no node marked.
    #[test]
    fn zeroed_states_are_the_default_ones() {
        assert_eq!(UNSET, 0);
        let d = Slot::default();
        for n in [0, 1, 7, 40_000] {
            let states = zeroed_states(n);
            assert_eq!(states.len(), n);
            for s in states.iter().flat_map(|s| s.0.iter()) {
                assert_eq!((s.until, s.pred, s.via), (d.until, d.pred, d.via));
            }
        }
        let labels = Labels::new(100);
        assert!((0..100).all(|i| !labels.labelled(i)));
    }

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
        let json = |r: &BlastResult| json_of(&g, r);
        let serial = search(&g, &q, usize::MAX, 0);
        let parallel = search(&g, &q, 0, 0);
        let unpacked = blast(&linked, &q);
        assert_eq!(json(&serial), json_of(&linked, &unpacked));
        let report = serial.report(&g);
        let got_reached: std::collections::BTreeSet<String> =
            report.reached.iter().map(|r| r.id.to_string()).collect();
        let got_blocked: std::collections::BTreeSet<String> =
            report.blocked.iter().map(|b| b.id.to_string()).collect();
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
        assert_eq!(json(&serial), json(&parallel));
        // The default threshold takes the two-core path here, and gives the same answer.
        assert_eq!(json(&serial), json(&blast(&g, &q)));
    }

    /// The JSON answer `heir blast --format json` writes for `r`.
    fn json_of(g: &TrustGraph, r: &BlastResult) -> String {
        let mut out = Vec::new();
        crate::report::blast_json::write_blast(&mut out, g, r).unwrap();
        String::from_utf8(out).unwrap()
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
        let json = |r: &BlastResult| json_of(&g, r);
        // Every role is reached from the first (each has its tree parent), the dead session never.
        let from_root = blast(&g, &query(&[0]));
        assert_eq!(from_root.reached.len(), n - 1);
        assert!(blast(&g, &query(&[n])).reached.is_empty());
        for from in [&[9][..], &[0], &[150, 7], &[n, 3], &[4]] {
            let fresh = std::thread::scope(|s| s.spawn(|| json(&blast(&g, &query(from)))).join());
            // Searches from other sources first, on this thread.
            for other in [&[2][..], &[n], &[1, 40]] {
                blast(&g, &query(other));
            }
            assert_eq!(
                json(&blast(&g, &query(from))),
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
        let fresh = std::thread::scope(|s| s.spawn(|| json_of(&g, &blast(&g, &query(5)))).join());
        let owner = blast(&g, &query(n));
        assert_eq!(owner.reached.len(), n);
        assert!(owner.reached.iter().all(|r| r.persistent));
        let after = blast(&g, &query(5));
        assert!(!after.reached.is_empty() && after.reached.iter().all(|r| !r.persistent));
        assert_eq!(json_of(&g, &after), fresh.unwrap());
    }

    /// Paths longer than the walk's inline buffer (32 hops) and longer than one id batch (16)
    /// come out whole and source first, the same through the batched writer and through serde.
    #[test]
    fn long_paths_are_whole_and_in_order() {
        let n = 45;
        let g = TrustGraph::new(roles(n, (1..n).map(|i| (i - 1, i))));
        let q = BlastQuery {
            from: vec![NodeIndex::new(0)],
            at: Timestamp::from_millis(1_700_000_000_000),
            attacker: Attacker::OffDevice,
        };
        let r = blast(&g, &q);
        let report = r.report(&g);
        assert_eq!(report.reached.len(), n - 1);
        for entry in &report.reached {
            let depth: usize = entry.id["aws:role:r".len()..].parse().unwrap();
            let expected: Vec<String> = (0..=depth).map(|i| format!("aws:role:r{i}")).collect();
            let mut batched = Vec::new();
            entry.path.for_each_id(|id| batched.push(id.to_string()));
            assert_eq!(batched, expected);
            let serialized: Vec<String> =
                serde_json::from_value(serde_json::to_value(&entry.path).unwrap()).unwrap();
            assert_eq!(serialized, expected);
        }
    }

    /// The integer-key orders used for large answers give exactly the id-text orders used for
    /// small ones, on ids whose byte order differs from their position and on windows with ties,
    /// `NEVER` and persistence.
    #[test]
    fn large_answer_orders_match_the_small_ones() {
        let n = 30_000;
        let mut doc = Document::default();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..n {
            let mut node = Node::new(
                format!("p{}:role:{}", next() % 7, (i * 7919) % n),
                NodeKind::Role,
            );
            node.criticality = Some((next() % 11) as u8);
            doc.nodes.push(node);
        }
        let g = TrustGraph::new(doc);
        let reached: Vec<Reached> = (0..n)
            .map(|i| {
                let persistent = next() % 10 == 0;
                let until = match next() % 4 {
                    _ if persistent => None,
                    0 => None,
                    _ => Some(Timestamp::from_millis(
                        1_700_000_000_000 + (next() % 50) as i64 * 1000,
                    )),
                };
                Reached {
                    node: NodeIndex::new(i),
                    until,
                    persistent,
                    hop: i as u32,
                }
            })
            .collect();
        let window = |r: &Reached| (!r.persistent, -r.until.map_or(NEVER, Timestamp::as_millis));
        let mut expected: Vec<(u8, (bool, i64), &str, u32)> = reached
            .iter()
            .enumerate()
            .map(|(k, r)| {
                (
                    u8::MAX - g.facts(r.node).criticality,
                    window(r),
                    g.id(r.node),
                    k as u32,
                )
            })
            .collect();
        expected.sort_unstable();
        let expected: Vec<u32> = expected.into_iter().map(|k| k.3).collect();
        assert_eq!(by_rank(&g, &reached), expected);

        // Blocked entries: criticality, then id.
        let blocked = |nodes: &[usize]| -> Vec<Blocked> {
            nodes
                .iter()
                .map(|&i| Blocked {
                    node: NodeIndex::new(i),
                    by: vec![BlockedBy::Mfa],
                    edge: EdgeIndex::new(0),
                })
                .collect()
        };
        let nodes: Vec<usize> = (0..n).rev().collect();
        let mut small = blocked(&nodes);
        sort_blocked(&g, &mut small, usize::MAX);
        let mut large = blocked(&nodes);
        sort_blocked(&g, &mut large, 0);
        assert_eq!(small, large);
    }
}
