//! Minimum-cost vertex cut: the cheapest set of revocations that separates the attacker from
//! every critical node. Max-flow (Dinic) on the node-split graph: each node `v` becomes
//! `v_in -> v_out` with capacity = the cost of revoking `v` (infinite when `v` cannot be revoked),
//! every reach edge `u -> v` becomes `u_out -> v_in` with infinite capacity. By max-flow/min-cut,
//! the saturated `v_in -> v_out` arcs on the source side of the residual graph are the cut.

use std::collections::VecDeque;

/// "Cannot be cut": large enough that no sum of real costs reaches it.
pub const INFINITE: u64 = u64::MAX / 4;

/// A directed graph of `n` nodes with a cost per node.
pub struct CutProblem {
    pub costs: Vec<u64>,
    pub edges: Vec<(usize, usize)>,
    pub sources: Vec<usize>,
    pub targets: Vec<usize>,
}

/// The answer: which nodes to cut and what it costs. `None` when the targets cannot be separated
/// by cuttable nodes at all (some target is reachable through uncuttable nodes only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub nodes: Vec<usize>,
    pub cost: u64,
}

struct Flow {
    head: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<u64>,
    next: Vec<usize>,
}

const NIL: usize = usize::MAX;

impl Flow {
    fn new(n: usize) -> Self {
        Flow {
            head: vec![NIL; n],
            to: Vec::new(),
            cap: Vec::new(),
            next: Vec::new(),
        }
    }

    fn arc(&mut self, a: usize, b: usize, c: u64) {
        for (x, y, cap) in [(a, b, c), (b, a, 0)] {
            self.to.push(y);
            self.cap.push(cap);
            self.next.push(self.head[x]);
            self.head[x] = self.to.len() - 1;
        }
    }

    fn levels(&self, s: usize, t: usize) -> Option<Vec<u32>> {
        let mut level = vec![u32::MAX; self.head.len()];
        level[s] = 0;
        let mut q = VecDeque::from([s]);
        while let Some(u) = q.pop_front() {
            let mut e = self.head[u];
            while e != NIL {
                let v = self.to[e];
                if self.cap[e] > 0 && level[v] == u32::MAX {
                    level[v] = level[u] + 1;
                    q.push_back(v);
                }
                e = self.next[e];
            }
        }
        (level[t] != u32::MAX).then_some(level)
    }

    /// Blocking flow by iterative DFS (no recursion: reach graphs can be deep).
    fn augment(&mut self, s: usize, t: usize, level: &[u32], it: &mut [usize]) -> u64 {
        let mut total = 0;
        loop {
            let mut path: Vec<usize> = Vec::new(); // arcs
            let mut u = s;
            loop {
                if u == t {
                    break;
                }
                let mut advanced = false;
                while it[u] != NIL {
                    let e = it[u];
                    let v = self.to[e];
                    if self.cap[e] > 0 && level[v] == level[u] + 1 {
                        path.push(e);
                        u = v;
                        advanced = true;
                        break;
                    }
                    it[u] = self.next[e];
                }
                if !advanced {
                    if u == s {
                        return total;
                    }
                    // Dead end: retreat and skip the arc that led here.
                    let e = path.pop().expect("not at the source");
                    u = self.to[e ^ 1];
                    it[u] = self.next[it[u]];
                }
            }
            let push = path.iter().map(|&e| self.cap[e]).min().unwrap_or(0);
            for &e in &path {
                self.cap[e] -= push;
                self.cap[e ^ 1] += push;
            }
            total += push;
            if push >= INFINITE {
                return total;
            }
        }
    }
}

/// Solves the problem. Sources and targets may overlap (a target that is a source cannot be
/// separated: the answer is `None`).
pub fn min_vertex_cut(p: &CutProblem) -> Option<Cut> {
    let n = p.costs.len();
    if p.targets.is_empty() {
        return Some(Cut {
            nodes: Vec::new(),
            cost: 0,
        });
    }
    let (s, t) = (2 * n, 2 * n + 1);
    let mut f = Flow::new(2 * n + 2);
    for (v, &c) in p.costs.iter().enumerate() {
        f.arc(2 * v, 2 * v + 1, c.min(INFINITE));
    }
    for &(a, b) in &p.edges {
        f.arc(2 * a + 1, 2 * b, INFINITE);
    }
    for &v in &p.sources {
        f.arc(s, 2 * v, INFINITE);
    }
    for &v in &p.targets {
        f.arc(2 * v + 1, t, INFINITE);
    }
    let mut flow: u64 = 0;
    while let Some(level) = f.levels(s, t) {
        let mut it = f.head.clone();
        flow = flow.saturating_add(f.augment(s, t, &level, &mut it));
        if flow >= INFINITE {
            return None;
        }
    }
    // Source side of the residual graph.
    let mut seen = vec![false; 2 * n + 2];
    seen[s] = true;
    let mut q = VecDeque::from([s]);
    while let Some(u) = q.pop_front() {
        let mut e = f.head[u];
        while e != NIL {
            let v = f.to[e];
            if f.cap[e] > 0 && !seen[v] {
                seen[v] = true;
                q.push_back(v);
            }
            e = f.next[e];
        }
    }
    let nodes: Vec<usize> = (0..n)
        .filter(|&v| seen[2 * v] && !seen[2 * v + 1])
        .collect();
    let cost = nodes.iter().map(|&v| p.costs[v]).sum();
    Some(Cut { nodes, cost })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_cheap_bottleneck() {
        // s(0) -> a(1), b(2) -> c(3) -> t(4); cutting c (cost 3) beats a+b (2+2).
        let p = CutProblem {
            costs: vec![INFINITE, 2, 2, 3, INFINITE],
            edges: vec![(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)],
            sources: vec![0],
            targets: vec![4],
        };
        assert_eq!(
            min_vertex_cut(&p),
            Some(Cut {
                nodes: vec![3],
                cost: 3
            })
        );
    }

    #[test]
    fn uncuttable_paths_have_no_answer() {
        let p = CutProblem {
            costs: vec![INFINITE, INFINITE],
            edges: vec![(0, 1)],
            sources: vec![0],
            targets: vec![1],
        };
        assert_eq!(min_vertex_cut(&p), None);
    }
}
