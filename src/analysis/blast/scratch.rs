//! The blast search's machinery: the table of labels ([`Labels`]) and the frontier of states
//! waiting to be settled ([`Frontier`]). The search itself (in the parent module) reads as
//! Dijkstra over [`State`]s; how labels are laid out in memory, when out-edges are packed and
//! which cache lines are asked for early is decided here, and changes no answer.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::thread::Scope;

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::model::TrustGraph;
use crate::sys::{par, prefetch};

/// The search states of one node: the MFA claim carried (2) × persistence (2).
pub(super) const STATES_PER_NODE: usize = 4;

/// A search state: a node, the MFA claim of the credential in use, and whether the attacker has
/// persistence. Numbered `node × STATES_PER_NODE + mfa × 2 + persistent`, so a node's states are
/// adjacent and a lower number means a lower node first (the tie-break that makes paths
/// deterministic). The number fits a `u32` for graphs of up to 2³⁰ nodes, far beyond what fits
/// in memory (32 bytes of facts a node alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct State(u32);

impl State {
    #[inline]
    pub(super) fn new(node: NodeIndex, mfa: bool, persistent: bool) -> State {
        let s = node.index() * STATES_PER_NODE + (mfa as usize) * 2 + persistent as usize;
        debug_assert!(s < u32::MAX as usize - 2, "state {s} does not fit a label");
        State(s as u32)
    }

    #[inline]
    pub(super) fn node(self) -> NodeIndex {
        NodeIndex::new(self.0 as usize / STATES_PER_NODE)
    }

    #[inline]
    pub(super) fn mfa(self) -> bool {
        self.0 & 2 != 0
    }

    #[inline]
    pub(super) fn persistent(self) -> bool {
        self.0 & 1 != 0
    }

    /// The state's place in its node's row.
    #[inline]
    fn place(self) -> usize {
        self.0 as usize % STATES_PER_NODE
    }
}

/// How a state got its label: the search's predecessor, and after tracing, the result's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Link {
    /// A stolen artefact the search started from.
    Source,
    /// Reached from `state` over `edge`.
    From { state: State, edge: EdgeIndex },
    /// Already given a step in the result's hop arena (see `trace` in the parent module): the
    /// predecessor and edge are in that step.
    Traced(u32),
}

/// The label of one state: the best window found, and how. 16 bytes, so a node's
/// [`STATES_PER_NODE`] labels share one cache line.
#[derive(Clone, Copy, Default)]
pub(super) struct Slot {
    until: i64,
    /// [`Slot::UNLABELLED`], [`Slot::SOURCE`], [`Slot::TRACED`], or the predecessor state + 2.
    link: u32,
    /// The edge taken (a predecessor's), or the step (traced).
    via: u32,
}

impl Slot {
    /// All-zero, so a fresh row is unlabelled.
    const UNLABELLED: u32 = 0;
    const SOURCE: u32 = 1;
    /// Above every predecessor state + 2 (see [`State`] for why states fit).
    const TRACED: u32 = u32::MAX;

    #[inline]
    pub(super) fn labelled(&self) -> bool {
        self.link != Slot::UNLABELLED
    }

    /// The window of a labelled state.
    #[inline]
    pub(super) fn until(&self) -> i64 {
        debug_assert!(self.labelled(), "the window of an unlabelled state");
        self.until
    }

    /// How a labelled state was labelled. An unlabelled one (never met on a chain of a sound
    /// table) reads as a source, which ends the chain.
    #[inline]
    pub(super) fn link(&self) -> Link {
        debug_assert!(self.labelled(), "the link of an unlabelled state");
        match self.link {
            Slot::UNLABELLED | Slot::SOURCE => Link::Source,
            Slot::TRACED => Link::Traced(self.via),
            p => Link::From {
                state: State(p - 2),
                edge: EdgeIndex::new(self.via as usize),
            },
        }
    }

    #[inline]
    fn set(&mut self, until: i64, link: Link) {
        self.until = until;
        (self.link, self.via) = match link {
            Link::Source => (Slot::SOURCE, 0),
            Link::From { state, edge } => (state.0 + 2, edge.index() as u32),
            Link::Traced(step) => (Slot::TRACED, step),
        };
    }

    /// Records that the state's chain is in the result from `step` on. Its `until` stays, which
    /// is all that choosing its node's best state reads afterwards.
    #[inline]
    pub(super) fn traced(&mut self, step: u32) {
        debug_assert!(self.labelled(), "tracing an unlabelled state");
        let until = self.until;
        self.set(until, Link::Traced(step));
    }
}

/// One node's labels, on one cache line: the search reads them together.
#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct Row([Slot; STATES_PER_NODE]);

/// One bit per node: whether any of its states is labelled.
pub(super) struct Seen(Vec<u64>);

impl Seen {
    #[inline]
    pub(super) fn contains(&self, node: NodeIndex) -> bool {
        let i = node.index();
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    #[inline]
    fn insert(&mut self, node: NodeIndex) {
        let i = node.index();
        self.0[i / 64] |= 1 << (i % 64);
    }

    #[inline]
    fn remove(&mut self, node: NodeIndex) {
        let i = node.index();
        self.0[i / 64] &= !(1 << (i % 64));
    }
}

/// The search's labels. Kept per thread between searches and cleaned by resetting only what a
/// search labelled: a typical search labels a few dozen nodes of a million, and a table of every
/// node's labels, fresh or cleared each time, would cost far more than the search.
///
/// Rows are handed out in the order nodes are first labelled, and `row_of` finds a node's row:
/// a search writes as many rows as it touches nodes, packed together, instead of a cache line in
/// a table of every node (an admin-like search touches over a third of the nodes, but would
/// write a line in nearly every page of such a table).
pub(super) struct Labels {
    /// Node → its row in `rows`; meaningful only once the node is in `seen` (zeroed memory that
    /// the kernel hands out lazily, so its pages cost only once written).
    row_of: Vec<u32>,
    /// The rows of the labelled nodes, in the order they were first labelled.
    rows: Vec<Row>,
    /// The labelled nodes, in the same order: `touched[k]` owns `rows[k]`. Asked before a row,
    /// so a node met for the first time is given one without reading `row_of`.
    touched: Vec<NodeIndex>,
    seen: Seen,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Option<Labels>> = const { std::cell::RefCell::new(None) };
}

impl Labels {
    fn new(nodes: usize) -> Labels {
        Labels {
            row_of: vec![0; nodes],
            rows: Vec::new(),
            touched: Vec::new(),
            seen: Seen(vec![0; nodes.div_ceil(64)]),
        }
    }

    /// This thread's labels, sized for `nodes` and all unlabelled.
    pub(super) fn take(nodes: usize) -> Labels {
        match SCRATCH.with(|s| s.take()) {
            Some(labels) if labels.row_of.len() == nodes => labels,
            _ => Labels::new(nodes),
        }
    }

    /// Unlabels what this search labelled, and keeps the tables for the thread's next search.
    pub(super) fn give_back(mut self) {
        for &node in &self.touched {
            self.seen.remove(node);
        }
        self.touched.clear();
        self.rows.clear();
        SCRATCH.with(|s| *s.borrow_mut() = Some(self));
    }

    /// The label of state `s`, when its node has any.
    #[inline]
    pub(super) fn get(&self, s: State) -> Option<&Slot> {
        let node = s.node();
        self.seen
            .contains(node)
            .then(|| &self.rows[self.row_of[node.index()] as usize].0[s.place()])
            .filter(|slot| slot.labelled())
    }

    /// Whether a window of `until` would be a better label for `s` than the one it has.
    #[inline]
    pub(super) fn improves(&self, s: State, until: i64) -> bool {
        self.get(s).is_none_or(|slot| slot.until() < until)
    }

    /// Labels `s`, giving its node the next row the first time.
    #[inline]
    pub(super) fn label(&mut self, s: State, until: i64, link: Link) {
        let node = s.node();
        let row = if self.seen.contains(node) {
            self.row_of[node.index()] as usize
        } else {
            self.seen.insert(node);
            self.row_of[node.index()] = self.rows.len() as u32;
            self.touched.push(node);
            self.rows.push(Row::default());
            self.rows.len() - 1
        };
        self.rows[row].0[s.place()].set(until, link);
    }

    /// Starts loading what labelling the targets of `node`'s out-edges reads: each costs two
    /// cache misses in a large search (its facts, its row), which overlap when asked for
    /// together instead of queueing edge after edge.
    #[inline]
    pub(super) fn prefetch_targets(&self, g: &TrustGraph, node: NodeIndex) {
        for e in g.out_edges(node) {
            g.prefetch_facts(e.target);
            prefetch(self.row_of.as_ptr().wrapping_add(e.target.index()));
        }
    }

    /// How many nodes have a label.
    pub(super) fn touched(&self) -> usize {
        self.touched.len()
    }

    /// The finished search: its labels to trace, the labelled nodes (in row order) and which
    /// nodes those are.
    pub(super) fn parts(&mut self) -> (States<'_>, &[NodeIndex], &Seen) {
        let states = States {
            row_of: &self.row_of,
            rows: &mut self.rows,
            seen: &self.seen,
        };
        (states, &self.touched, &self.seen)
    }
}

/// A finished search's labels, read and marked while its answer is traced.
pub(super) struct States<'a> {
    row_of: &'a [u32],
    rows: &'a mut [Row],
    seen: &'a Seen,
}

impl States<'_> {
    /// Where state `s` is: its node's row, and its place in the row.
    #[inline]
    fn find(&self, s: State) -> (usize, usize) {
        debug_assert!(
            self.seen.contains(s.node()),
            "the row of an unlabelled node"
        );
        (self.row_of[s.node().index()] as usize, s.place())
    }

    /// State `s` of a labelled node.
    #[inline]
    pub(super) fn slot(&self, s: State) -> &Slot {
        let (row, k) = self.find(s);
        &self.rows[row].0[k]
    }

    #[inline]
    pub(super) fn slot_mut(&mut self, s: State) -> &mut Slot {
        let (row, k) = self.find(s);
        &mut self.rows[row].0[k]
    }

    /// The best labelled state of the node owning row `k`: persistent first, then the longest
    /// window, then the lowest state.
    pub(super) fn best(&self, k: usize, node: NodeIndex) -> Option<State> {
        let mut best: Option<(State, &Slot)> = None;
        for (place, slot) in self.rows[k].0.iter().enumerate() {
            if !slot.labelled() {
                continue;
            }
            let s = State((node.index() * STATES_PER_NODE + place) as u32);
            let better = best.is_none_or(|(b, bs)| {
                (s.persistent(), slot.until()) > (b.persistent(), bs.until())
            });
            if better {
                best = Some((s, slot));
            }
        }
        best.map(|(s, _)| s)
    }

    /// How many labels there are at most: a bound on any chain's length.
    pub(super) fn capacity(&self) -> usize {
        self.rows.len() * STATES_PER_NODE
    }
}

/// Settled states after which a search packs the graph's out-edges (see
/// `TrustGraph::pack_out_edges`): past this, the search is large enough to repay the pass.
const PACK_AFTER: usize = 4096;

/// A frontier entry: better windows first, persistent before everything.
#[derive(PartialEq, Eq)]
struct Entry {
    until: i64,
    state: State,
}

impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.state.persistent(), self.until)
            .cmp(&(o.state.persistent(), o.until))
            // Lower state first among equals: deterministic paths.
            .then_with(|| o.state.cmp(&self.state))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The states labelled but not settled, best window first. Once a search has settled enough
/// states to be a large one, it has the graph's out-edges packed (on the other core where there
/// is one): both kinds of edge list give the same edges in the same order, so the search goes on
/// over whichever is ready.
pub(super) struct Frontier<'scope, 'env> {
    heap: BinaryHeap<Entry>,
    settled: usize,
    /// Where to pack the out-edges meanwhile, on graphs large enough for it to pay.
    pack: Option<(&'scope Scope<'scope, 'env>, &'env TrustGraph)>,
}

impl<'scope, 'env> Frontier<'scope, 'env> {
    /// A frontier for a search of `g`, packing its out-edges in `scope` when `pack` is true.
    pub(super) fn new(scope: &'scope Scope<'scope, 'env>, g: &'env TrustGraph, pack: bool) -> Self {
        Frontier {
            heap: BinaryHeap::new(),
            settled: 0,
            pack: pack.then_some((scope, g)),
        }
    }

    #[inline]
    pub(super) fn push(&mut self, state: State, until: i64) {
        self.heap.push(Entry { until, state });
    }

    /// The next state to settle and its final window, skipping entries whose state has been
    /// improved since they were pushed.
    #[inline]
    pub(super) fn pop(&mut self, labels: &Labels) -> Option<(State, i64)> {
        loop {
            let Entry { until, state } = self.heap.pop()?;
            if labels.get(state).map(Slot::until) != Some(until) {
                continue;
            }
            self.settled += 1;
            if self.settled == PACK_AFTER {
                if let Some((scope, g)) = self.pack {
                    if par::threads() > 1 {
                        scope.spawn(|| g.pack_out_edges());
                    } else {
                        g.pack_out_edges();
                    }
                }
            }
            return Some((state, until));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state's number gives back its node and facts, and a fresh slot is unlabelled.
    #[test]
    fn states_and_slots_round_trip() {
        for node in [0, 1, 7, 1 << 20] {
            for (mfa, persistent) in [(false, false), (false, true), (true, false), (true, true)] {
                let s = State::new(NodeIndex::new(node), mfa, persistent);
                assert_eq!(
                    (s.node().index(), s.mfa(), s.persistent()),
                    (node, mfa, persistent)
                );
            }
        }
        assert!(!Slot::default().labelled());
        let from = State::new(NodeIndex::new(9), true, false);
        for link in [
            Link::Source,
            Link::From {
                state: from,
                edge: EdgeIndex::new(41),
            },
            Link::Traced(3),
        ] {
            let mut slot = Slot::default();
            slot.set(-5, link);
            assert!(slot.labelled());
            assert_eq!((slot.until(), slot.link()), (-5, link));
        }
    }

    /// Labels given to nodes in any order are found again, a node's row is shared by its states,
    /// and giving the labels back leaves the next search on this thread with none.
    #[test]
    fn labels_are_found_and_cleared() {
        let mut labels = Labels::take(300);
        let s = |n: usize, p: bool| State::new(NodeIndex::new(n), false, p);
        assert!(labels.improves(s(299, false), i64::MIN));
        labels.label(s(299, false), 10, Link::Source);
        labels.label(
            s(3, true),
            20,
            Link::From {
                state: s(299, false),
                edge: EdgeIndex::new(0),
            },
        );
        labels.label(s(299, true), 30, Link::Source);
        assert!(!labels.improves(s(299, false), 10));
        assert!(labels.improves(s(299, false), 11));
        assert_eq!(labels.get(s(3, true)).map(Slot::until), Some(20));
        assert!(labels.get(s(3, false)).is_none());
        assert_eq!(labels.touched(), 2);
        {
            let (states, touched, seen) = labels.parts();
            assert_eq!(touched, &[NodeIndex::new(299), NodeIndex::new(3)]);
            assert!(seen.contains(NodeIndex::new(3)) && !seen.contains(NodeIndex::new(4)));
            assert_eq!(states.best(0, NodeIndex::new(299)), Some(s(299, true)));
            assert_eq!(states.slot(s(299, false)).until(), 10);
        }
        labels.give_back();
        let labels = Labels::take(300);
        assert_eq!(labels.touched(), 0);
        assert!(
            (0..300).all(|n| labels.get(s(n, false)).is_none() && labels.get(s(n, true)).is_none())
        );
    }
}
