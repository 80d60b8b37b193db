//! The orders of a blast's answer: reached nodes by criticality, window and id; blocked nodes by
//! criticality and id; crossed edges by index. Small answers compare ids; large ones compare
//! integers (id ranks), which give the same order.

use petgraph::graph::EdgeIndex;

use super::{Blocked, Reached, NEVER};
use crate::model::{Timestamp, TrustGraph};
use crate::sys::{prefetch, read_ahead};

/// `edges` sorted without duplicates. A large reach crosses most of the graph's edges, many
/// several times; marking them in a bit set and reading it back in order is linear then.
pub(super) fn sorted_set(mut edges: Vec<EdgeIndex>, edge_count: usize) -> Vec<EdgeIndex> {
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
pub(super) fn sort_blocked(g: &TrustGraph, blocked: &mut [Blocked], by_rank_from: usize) {
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

/// Criticality first (what matters most), then the longest window (what lasts longest), then id.
///
/// Sorts compact keys and gathers once: on an admin-sized radius (hundreds of thousands of
/// nodes) comparing through the graph and moving whole entries was most of the search's time.
pub(super) fn sort_reached(g: &TrustGraph, reached: &mut Vec<Reached>) {
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
pub(super) fn by_rank_from(g: &TrustGraph) -> usize {
    if g.id_rank_ready() {
        256
    } else {
        20_000
    }
}

/// The order of [`sort_reached`] for large answers, comparing integers only: bucketed by
/// criticality, then within a bucket one `u128` per entry — the window folded into 64 bits
/// (persistent first, then the latest `until`), the id's rank, and the entry's position.
pub(super) fn by_rank(g: &TrustGraph, reached: &[Reached]) -> Vec<u32> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BlockedBy, Document, Node, NodeKind};
    use petgraph::graph::NodeIndex;

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
