//! Phase 2, revoke: the live stolen credentials and every credential the attacker reached, in the
//! order that keeps revoked credentials revoked (see the module documentation of `plan`).
//!
//! Three questions, one function each: which credentials a central revocation takes with it
//! ([`Coverage`]), in which order the remaining ones are revoked ([`order`]), and what each step
//! says ([`step`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use petgraph::graph::NodeIndex;

use super::{out_neighbours, subject, Ctx, Phase, Step};
use crate::analysis::lineage::inherited;
use crate::analysis::mechanism;
use crate::model::{liveness, EdgeKind, Revocation, Timestamp, TrustGraph};

/// Revoke order among steps that are ready: value, then window, then id (ascending).
type OrderKey = (u64, i64, Reverse<String>);

/// One step per credential that no central revocation covers, parents before children.
pub(super) fn steps(cx: &Ctx) -> Vec<Step> {
    let candidates = candidates(cx);
    let coverage = Coverage::of(cx, &candidates);
    let independent = coverage.independent(&candidates, &cx.q.from);
    let minted_from = minted_from(cx.g, &independent);
    // The reverse of `minted_from`: each step's parents, whose revocation it waits for.
    let mut parents: HashMap<NodeIndex, Vec<String>> = HashMap::new();
    for (&p, kids) in &minted_from {
        for &k in kids {
            parents.entry(k).or_default().push(cx.g.id(p).to_string());
        }
    }
    order(cx, &independent, &coverage, &minted_from)
        .into_iter()
        .map(|c| {
            let mut st = step(cx, c, &coverage, &minted_from);
            st.after_targets = parents.remove(&c).unwrap_or_default();
            st
        })
        .collect()
}

/// The live stolen credentials, then every credential reached, then the live `ttl_only`
/// credentials minted from a stolen one that the search did not reach (a device-bound child the
/// attacker minted still sits in their hands).
///
/// A `ttl_only` credential that is dead by itself at `at` gets no step: the search reaches it
/// only because its live parent can mint a fresh one, and revoking the parent ends that; the
/// expired copy is only hunted.
fn candidates(cx: &Ctx) -> Vec<NodeIndex> {
    let (g, q, r) = (cx.g, cx.q, cx.r);
    let at = q.at.as_millis();
    let mut candidates: Vec<NodeIndex> = q
        .from
        .iter()
        .copied()
        .filter(|s| g.node(*s).kind.is_credential() && !r.dead_sources.contains(s))
        .collect();
    candidates.extend(r.reached.iter().map(|x| x.node).filter(|&n| {
        g.node(n).kind.is_credential()
            && (cx.revocation(n) != Revocation::TtlOnly || g.facts(n).alive_at(at))
    }));
    let mut seen: HashSet<NodeIndex> = candidates.iter().copied().collect();
    for &s in &candidates.clone() {
        if !q.from.contains(&s) {
            continue;
        }
        for child in inherited(g, s, cx.opts.since, q.at).inherited {
            let Some(ci) = g.index(&child.id) else {
                continue;
            };
            if child.live && cx.revocation(ci) == Revocation::TtlOnly && seen.insert(ci) {
                candidates.push(ci);
            }
        }
    }
    candidates
}

/// Which candidates a central revocation of another one takes with it: its same-platform
/// `issued` descendants that the platform revokes with it — those revocable on the platform's
/// side (`central` or `per_app`: a user-wide revocation such as Okta's
/// `DELETE /users/{id}/sessions?oauthTokens=true` or Entra's `revokeSignInSessions` ends the
/// sessions and refresh tokens a per-app call would). Never a `ttl_only` child: the resource
/// checks it by itself until it expires. Never a static secret (`none`): it lives until rotated.
struct Coverage {
    /// Child -> the first central candidate found to cover it.
    covered_by: HashMap<NodeIndex, NodeIndex>,
    /// Central candidate -> the children it covers.
    covers: HashMap<NodeIndex, Vec<NodeIndex>>,
}

impl Coverage {
    fn of(cx: &Ctx, candidates: &[NodeIndex]) -> Self {
        let g = cx.g;
        let cand_set: HashSet<NodeIndex> = candidates.iter().copied().collect();
        let mut covered_by: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut covers: HashMap<NodeIndex, Vec<NodeIndex>> = HashMap::new();
        for &c in candidates {
            if cx.revocation(c) != Revocation::Central {
                continue;
            }
            let platform = g.node(c).platform();
            let mut stack = vec![c];
            let mut seen = HashSet::from([c]);
            while let Some(x) = stack.pop() {
                for child in out_neighbours(g, x, EdgeKind::Issued) {
                    if cand_set.contains(&child)
                        && g.node(child).platform() == platform
                        && killed_with_parent(cx.revocation(child))
                        && seen.insert(child)
                    {
                        covered_by.entry(child).or_insert(c);
                        covers.entry(c).or_default().push(child);
                        stack.push(child);
                    }
                }
            }
        }
        Coverage { covered_by, covers }
    }

    /// The candidates that get a step of their own: those no other candidate's central revocation
    /// covers. A parent covered by another central parent hands its covered children up the chain.
    ///
    /// Lineage can loop (a refresh token re-minting the session it came from): two central
    /// credentials on one platform that issued each other each cover the other, and the chain
    /// up from either never ends. Such a loop is one revocation, not two and not none: its
    /// representative — a stolen artefact first, then the lowest graph position, so the answer
    /// does not depend on the order candidates were found in — takes the step, and the others
    /// are among what it covers (its walk down reaches every member of the loop).
    fn independent(&self, candidates: &[NodeIndex], stolen: &[NodeIndex]) -> Vec<NodeIndex> {
        let top = |c: NodeIndex| -> NodeIndex {
            let mut chain = vec![c];
            let mut x = c;
            while let Some(&p) = self.covered_by.get(&x) {
                if let Some(start) = chain.iter().position(|&y| y == p) {
                    // A loop: chain[start..] are its members.
                    return chain[start..]
                        .iter()
                        .copied()
                        .min_by_key(|y| (!stolen.contains(y), y.index()))
                        .unwrap_or(p);
                }
                chain.push(p);
                x = p;
            }
            x
        };
        candidates
            .iter()
            .copied()
            .filter(|c| !self.covered_by.contains_key(c) || top(*c) == *c)
            .collect()
    }

    /// The children a central revocation of `c` takes with it.
    fn kids_of(&self, c: NodeIndex) -> &[NodeIndex] {
        self.covers.get(&c).map_or(&[], Vec::as_slice)
    }
}

/// Whether a central revocation of a same-platform parent ends this child too.
fn killed_with_parent(rev: Revocation) -> bool {
    matches!(rev, Revocation::Central | Revocation::PerApp)
}

/// For every step, the steps issued from it: its `issued` descendants that are steps themselves,
/// through covered intermediates too.
fn minted_from(g: &TrustGraph, independent: &[NodeIndex]) -> HashMap<NodeIndex, Vec<NodeIndex>> {
    let indep_set: HashSet<NodeIndex> = independent.iter().copied().collect();
    let mut minted_from: HashMap<NodeIndex, Vec<NodeIndex>> = HashMap::new();
    for &c in independent {
        let mut stack = out_neighbours(g, c, EdgeKind::Issued);
        let mut seen = HashSet::new();
        while let Some(x) = stack.pop() {
            if !seen.insert(x) || x == c {
                continue;
            }
            if indep_set.contains(&x) {
                minted_from.entry(c).or_default().push(x);
            } else {
                stack.extend(out_neighbours(g, x, EdgeKind::Issued));
            }
        }
    }
    minted_from
}

/// Kahn over `issued` among the steps, best value first among what is ready.
fn order(
    cx: &Ctx,
    independent: &[NodeIndex],
    coverage: &Coverage,
    minted_from: &HashMap<NodeIndex, Vec<NodeIndex>>,
) -> Vec<NodeIndex> {
    let g = cx.g;
    let mut indegree: HashMap<NodeIndex, usize> = independent.iter().map(|&c| (c, 0)).collect();
    for children in minted_from.values() {
        for x in children {
            *indegree.get_mut(x).expect("independent") += 1;
        }
    }
    let key = |c: NodeIndex| -> OrderKey {
        let value = cx.value_of(c, &cx.cut_set(c, coverage.kids_of(c)));
        let (persistent, until) = cx
            .window_of
            .get(&c)
            .copied()
            .unwrap_or((false, g.node(c).expires_at));
        let window = if persistent {
            i64::MAX
        } else {
            until.map_or(i64::MAX - 1, Timestamp::as_millis)
        };
        (value, window, Reverse(g.id(c).to_string()))
    };
    let mut ready: BinaryHeap<(OrderKey, usize)> = BinaryHeap::new();
    let index_of: HashMap<NodeIndex, usize> = independent
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, i))
        .collect();
    for &c in independent {
        if indegree[&c] == 0 {
            ready.push((key(c), index_of[&c]));
        }
    }
    let mut revoke_order: Vec<NodeIndex> = Vec::new();
    let mut done = vec![false; independent.len()];
    loop {
        if ready.is_empty() {
            // Lineage can loop (a refresh token re-minting the session it came from): break the
            // cycle at its most valuable member, stolen artefacts first.
            let stuck = (0..independent.len())
                .filter(|&i| !done[i])
                .max_by_key(|&i| (cx.q.from.contains(&independent[i]), key(independent[i])));
            match stuck {
                Some(i) => ready.push((key(independent[i]), i)),
                None => break,
            }
        }
        let Some((_, i)) = ready.pop() else { break };
        if done[i] {
            continue;
        }
        done[i] = true;
        let c = independent[i];
        revoke_order.push(c);
        for &child in minted_from.get(&c).map(Vec::as_slice).unwrap_or(&[]) {
            let d = indegree.get_mut(&child).expect("independent");
            *d = d.saturating_sub(1);
            if *d == 0 && !done[index_of[&child]] {
                ready.push((key(child), index_of[&child]));
            }
        }
    }
    revoke_order
}

/// The step revoking `c`, with what it cuts off, what it covers, and why it is where it is.
fn step(
    cx: &Ctx,
    c: NodeIndex,
    coverage: &Coverage,
    minted_from: &HashMap<NodeIndex, Vec<NodeIndex>>,
) -> Step {
    let (g, q) = (cx.g, cx.q);
    let mut st = cx.step(Phase::Revoke, c, mechanism::revoke(&subject(g, c), q.at));
    let n = g.node(c);
    let set = cx.cut_set(c, coverage.kids_of(c));
    let value = cx.value_of(c, &set);
    st.value = Some(value);
    st.cuts = cx.ids_of(&set);
    let mut kids: Vec<String> = coverage
        .covers
        .get(&c)
        .map(|v| v.iter().map(|&k| g.id(k).to_string()).collect())
        .unwrap_or_default();
    kids.sort();
    kids.dedup();
    st.covers = kids;
    st.expires_at = g.expires_at(c);
    st.expires_basis = g.expiry_basis(c);
    let mut why: Vec<String> = Vec::new();
    if q.from.contains(&c) {
        why.push("it is the stolen artefact".into());
    }
    if let Some(m) = minted_from.get(&c) {
        why.push(format!(
            "it mints {} credential(s) revoked after it, which would otherwise be re-minted",
            m.len()
        ));
    }
    if !st.covers.is_empty() {
        why.push(format!(
            "one central call also kills {} child credential(s) on {}",
            st.covers.len(),
            n.platform()
        ));
    }
    why.push(format!(
        "cuts off criticality {value} ({} node(s) reachable only through it{})",
        st.cuts.len(),
        if st.covers.is_empty() {
            ""
        } else {
            " and the children it takes"
        }
    ));
    let own_end = st
        .expires_at
        .filter(|_| cx.revocation(c) == Revocation::TtlOnly);
    match (cx.window_of.get(&c), own_end) {
        // The search's window of a ttl_only credential is what minted it when that lives
        // longer (it can mint a fresh one); once the plan has revoked that, its own expiry is
        // what is left, and saying the longer window would misstate both.
        (Some((persistent, until)), Some(e)) if *persistent || until.is_none_or(|u| u > e) => why
            .push(format!(
                "attacker window until {e} once what minted it is revoked"
            )),
        (Some((true, _)), _) => why.push("the attacker's access through it is persistent".into()),
        (Some((false, Some(t))), _) => {
            why.push(format!("attacker window until {}", cx.until_text(c, *t)))
        }
        _ => {}
    }
    if cx.revocation(c) == Revocation::Central {
        // Say what the call does not end, so nobody reads the step as "the attacker is out".
        let mut survivors: Vec<&str> = std::iter::once(c)
            .chain(coverage.kids_of(c).iter().copied())
            .flat_map(|p| out_neighbours(g, p, EdgeKind::Issued))
            .filter(|&k| {
                cx.revocation(k) == Revocation::TtlOnly && g.facts(k).alive_at(q.at.as_millis())
            })
            .map(|k| g.id(k))
            .collect();
        survivors.sort_unstable();
        survivors.dedup();
        if !survivors.is_empty() {
            why.push(format!(
                "it does not end the ttl_only credential(s) it minted ({}): they work until \
                 they expire and have their own step",
                survivors.join(", ")
            ));
        }
    }
    if cx.revocation(c) == Revocation::TtlOnly {
        why.push(format!(
            "cannot be revoked: compensate until it expires{}",
            st.expires_at
                .map(|t| format!(" at {}", liveness::show(t, st.expires_basis)))
                .unwrap_or_default()
        ));
    }
    if !q.from.contains(&c) {
        why.push("the attacker could have copied it while they held the path to it".into());
    }
    st.reason = why.join("; ");
    st
}
