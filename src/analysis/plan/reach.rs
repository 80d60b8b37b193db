//! The reach graph of a blast radius and its dominator tree: what revoking one credential (or one
//! credential and the children a central call takes with it) cuts the attacker off from.

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::dominators::simple_fast;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::analysis::blast::BlastResult;
use crate::model::TrustGraph;

/// The reach graph: sources and reached nodes, crossed edges, dominators from a virtual root.
pub(super) struct Reach {
    /// Graph node -> position in `nodes`.
    pub(super) pos: HashMap<NodeIndex, usize>,
    pub(super) nodes: Vec<NodeIndex>,
    pub(super) edges: Vec<(usize, usize)>,
    /// For every position, the positions it dominates (its dominator subtree, itself excluded).
    dominated: Vec<Vec<usize>>,
    /// Positions `0..live_sources` are the live sources.
    pub(super) live_sources: usize,
    /// Positions of reached credentials the attacker keeps whatever is revoked (live `ttl_only`
    /// ones): roots of the reach graph for what a revocation cuts, besides the live sources.
    pub(super) held: Vec<usize>,
}

impl Reach {
    /// `held`: reached credentials the attacker keeps until they expire, whatever is revoked
    /// (see [`Reach::cut_set`]).
    pub(super) fn new(g: &TrustGraph, r: &BlastResult, held: &[NodeIndex]) -> Self {
        let mut nodes: Vec<NodeIndex> = r
            .query
            .from
            .iter()
            .copied()
            .filter(|s| !r.dead_sources.contains(s))
            .collect();
        nodes.extend(r.reached.iter().map(|x| x.node));
        let pos: HashMap<NodeIndex, usize> =
            nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let edges: Vec<(usize, usize)> = r
            .crossed
            .iter()
            .filter_map(|&e| {
                let (a, b) = g.graph.edge_endpoints(e)?;
                Some((*pos.get(&a)?, *pos.get(&b)?))
            })
            .collect();
        // Dominators over a graph with a virtual root (index n) pointing at every live source.
        let n = nodes.len();
        let mut dg: DiGraph<(), ()> = DiGraph::with_capacity(n + 1, edges.len() + n);
        for _ in 0..=n {
            dg.add_node(());
        }
        for &(a, b) in &edges {
            dg.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
        let live_sources = r.query.from.len() - r.dead_sources.len();
        for s in 0..live_sources.min(n) {
            dg.add_edge(NodeIndex::new(n), NodeIndex::new(s), ());
        }
        let held: Vec<usize> = held.iter().filter_map(|h| pos.get(h).copied()).collect();
        for &h in &held {
            dg.add_edge(NodeIndex::new(n), NodeIndex::new(h), ());
        }
        let dom = simple_fast(&dg, NodeIndex::new(n));
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n + 1];
        for v in 0..n {
            if let Some(d) = dom.immediate_dominator(NodeIndex::new(v)) {
                children[d.index()].push(v);
            }
        }
        let mut dominated = vec![Vec::new(); n];
        for (v, slot) in dominated.iter_mut().enumerate() {
            let mut stack = children[v].clone();
            while let Some(x) = stack.pop() {
                slot.push(x);
                stack.extend(children[x].iter().copied());
            }
            slot.sort_unstable();
        }
        Reach {
            pos,
            nodes,
            edges,
            dominated,
            live_sources,
            held,
        }
    }

    /// Which positions the live sources still reach when `removed` ones are gone.
    fn reachable_without(&self, removed: &[bool]) -> Vec<bool> {
        let n = self.nodes.len();
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, b) in &self.edges {
            adj[a].push(b);
        }
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = (0..self.live_sources)
            .chain(self.held.iter().copied())
            .filter(|&s| !removed[s])
            .collect();
        for &s in &stack {
            seen[s] = true;
        }
        while let Some(u) = stack.pop() {
            for &v in &adj[u] {
                if !seen[v] && !removed[v] {
                    seen[v] = true;
                    stack.push(v);
                }
            }
        }
        seen
    }

    /// What revoking `target` cuts off: its dominator subtree in the reach graph, where the
    /// virtual root points at the live sources and at every held credential. A live `ttl_only`
    /// credential minted by `target` keeps working at its resource until it expires, so it and
    /// what it reaches are not cut by revoking its parent; revoking (compensating for) the
    /// ttl_only credential itself cuts what only it reaches. When one call
    /// also takes children with it, the removed set is several nodes, which no single dominator
    /// captures (a user reached through both a refresh and an access token of the same grant), so
    /// the reach graph is walked again without them.
    pub(super) fn cut_set(&self, target: NodeIndex, with: &[NodeIndex]) -> BTreeSet<usize> {
        let Some(&tp) = self.pos.get(&target) else {
            return BTreeSet::new();
        };
        if with.is_empty() {
            return self.dominated[tp].iter().copied().collect();
        }
        let mut removed = vec![false; self.nodes.len()];
        removed[tp] = true;
        for w in with {
            if let Some(&p) = self.pos.get(w) {
                removed[p] = true;
            }
        }
        let still = self.reachable_without(&removed);
        (0..self.nodes.len())
            .filter(|&p| p != tp && !still[p])
            .collect()
    }
}
