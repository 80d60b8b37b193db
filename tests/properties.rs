//! Invariants of the blast radius on random graphs, and a cross-check of every window against a
//! deliberately naive reference (a fixpoint over all paths, with the rules written out by hand
//! from docs/model.md rather than read from the engine's tables).

use std::collections::{BTreeMap, BTreeSet};

use heir::analysis::blast::{blast, BlastQuery, BlastResult};
use heir::model::{Attacker, EdgeKind, Node, NodeKind, Requirement, Timestamp, TrustGraph};
use heir::report::blast::BlastReport;
use proptest::prelude::*;

mod common;
use common::{build, spec_strategy, AT};

fn run<'g>(g: &'g TrustGraph, from: &[usize], attacker: Attacker) -> BlastReport<'g> {
    search(g, from, attacker).report(g)
}

fn search(g: &TrustGraph, from: &[usize], attacker: Attacker) -> BlastResult {
    let q = BlastQuery {
        from: from
            .iter()
            .map(|i| g.index(&format!("n{i}")).unwrap())
            .collect(),
        at: Timestamp::from_millis(AT),
        attacker,
    };
    blast(g, &q)
}

fn reached_set(r: &BlastReport) -> BTreeSet<String> {
    r.reached.iter().map(|x| x.id.to_string()).collect()
}

/// The rules, written out by hand. Label: (persistent, until) with until = i64::MAX for none.
fn reference(g: &TrustGraph, from: &[usize], attacker: Attacker) -> BTreeMap<String, (bool, i64)> {
    let doc = &g.to_document();
    let credential = |k: NodeKind| {
        matches!(
            k,
            NodeKind::Session | NodeKind::Token | NodeKind::OauthGrant
        )
    };
    let alive = |n: &Node| {
        !credential(n.kind) || (n.enabled() && n.expires_at.is_none_or(|t| t.as_millis() > AT))
    };
    // state: (node, mfa, persistent) -> until
    let mut best: BTreeMap<(usize, bool, bool), i64> = BTreeMap::new();
    for &s in from {
        let n = &doc.nodes[s];
        if !alive(n) {
            continue;
        }
        let until = if credential(n.kind) {
            n.expires_at.map_or(i64::MAX, |t| t.as_millis())
        } else {
            i64::MAX
        };
        let key = (s, credential(n.kind) && n.mfa.unwrap_or(false), false);
        let e = best.entry(key).or_insert(i64::MIN);
        *e = (*e).max(until);
    }
    loop {
        let mut changed = false;
        let snapshot: Vec<_> = best.iter().map(|(k, v)| (*k, *v)).collect();
        for ((node, mfa, persistent), until) in snapshot {
            let src = &doc.nodes[node];
            for e in &doc.edges {
                if e.from != src.id || e.kind == EdgeKind::Consented {
                    continue;
                }
                let t: usize = e.to[1..].parse().unwrap();
                let tn = &doc.nodes[t];
                let new_sign_in = matches!(e.kind, EdgeKind::Sso | EdgeKind::CanAssume);
                if matches!(tn.kind, NodeKind::User | NodeKind::ServiceAccount)
                    && !tn.enabled()
                    && new_sign_in
                {
                    continue;
                }
                let mints = e.kind == EdgeKind::Issued;
                if !alive(tn) && (!mints || !tn.enabled()) {
                    continue;
                }
                if credential(src.kind)
                    && src.device_bound == Some(true)
                    && attacker == Attacker::OffDevice
                {
                    continue;
                }
                let ok = e.requires.iter().all(|r| match r {
                    Requirement::Mfa => mfa,
                    Requirement::FreshMfa => false,
                    Requirement::ManagedDevice | Requirement::TrustedNetwork => {
                        attacker == Attacker::OnDevice
                    }
                });
                if !ok {
                    continue;
                }
                let p = persistent || matches!(e.kind, EdgeKind::Owns | EdgeKind::AdminOf);
                let u = if p {
                    i64::MAX
                } else if credential(tn.kind) && !mints {
                    until.min(tn.expires_at.map_or(i64::MAX, |t| t.as_millis()))
                } else {
                    until
                };
                let m = if credential(tn.kind) {
                    tn.mfa.unwrap_or(mints && mfa)
                } else {
                    mfa
                };
                let slot = best.entry((t, m, p)).or_insert(i64::MIN);
                if u > *slot {
                    *slot = u;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut out: BTreeMap<String, (bool, i64)> = BTreeMap::new();
    for ((node, _, p), u) in best {
        if from.contains(&node) {
            continue;
        }
        let id = doc.nodes[node].id.clone();
        let e = out.entry(id).or_insert((false, i64::MIN));
        if (p, u) > *e {
            *e = (p, u);
        }
    }
    out
}

fn sources(n: usize, picks: &[usize]) -> Vec<usize> {
    let mut v: Vec<usize> = picks.iter().map(|p| p % n).collect();
    v.sort();
    v.dedup();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn paths_are_real_and_sources_are_never_reached(
        spec in spec_strategy(),
        picks in prop::collection::vec(0usize..100, 1..3),
        on in any::<bool>(),
    ) {
        let g = build(&spec);
        let from = sources(spec.nodes.len(), &picks);
        let attacker = if on { Attacker::OnDevice } else { Attacker::OffDevice };
        let result = search(&g, &from, attacker);
        let rep = result.report(&g);
        // The direct JSON writer is byte for byte serde_json's pretty form of the report.
        let mut direct = Vec::new();
        heir::report::blast_json::write_blast(&mut direct, &g, &result).unwrap();
        prop_assert_eq!(
            String::from_utf8(direct).unwrap(),
            serde_json::to_string_pretty(&rep).unwrap()
        );
        let from_ids: BTreeSet<String> = from.iter().map(|i| format!("n{i}")).collect();
        for x in &rep.reached {
            prop_assert!(!from_ids.contains(x.id), "source {} listed as reached", x.id);
            let path = x.path.ids();
            prop_assert!(from_ids.contains(path[0]), "path of {} starts at {}", x.id, path[0]);
            prop_assert_eq!(path.last().unwrap(), &x.id);
            for hop in path.windows(2) {
                let exists = g.edges().any(|e| {
                    e.from == hop[0] && e.to == hop[1] && e.kind.rule().traversable
                });
                prop_assert!(exists, "hop {} -> {} is not an edge", hop[0], hop[1]);
            }
            prop_assert!(x.until.is_none() || !x.persistent);
        }
        for b in &rep.blocked {
            prop_assert!(!reached_set(&rep).contains(b.id));
            prop_assert!(!from_ids.contains(b.id));
            prop_assert!(!b.by.is_empty());
        }
    }

    #[test]
    fn windows_match_the_reference(
        spec in spec_strategy(),
        picks in prop::collection::vec(0usize..100, 1..3),
        on in any::<bool>(),
    ) {
        let g = build(&spec);
        let from = sources(spec.nodes.len(), &picks);
        let attacker = if on { Attacker::OnDevice } else { Attacker::OffDevice };
        let rep = run(&g, &from, attacker);
        let got: BTreeMap<String, (bool, i64)> = rep
            .reached
            .iter()
            .map(|x| (x.id.to_string(), (x.persistent, x.until.map_or(i64::MAX, |t| t.as_millis()))))
            .collect();
        prop_assert_eq!(got, reference(&g, &from, attacker));
    }

    #[test]
    fn adding_an_edge_never_shrinks_the_radius(
        spec in spec_strategy(),
        picks in prop::collection::vec(0usize..100, 1..3),
        extra in (0usize..100, 0usize..100, prop::sample::select(EdgeKind::ALL.to_vec())),
    ) {
        let g = build(&spec);
        let from = sources(spec.nodes.len(), &picks);
        let before = run(&g, &from, Attacker::OffDevice);
        let mut more = spec.clone();
        let n = spec.nodes.len();
        more.edges.push((extra.0 % n, extra.1 % n, extra.2, vec![]));
        let more_g = build(&more);
        let after = run(&more_g, &from, Attacker::OffDevice);
        prop_assert!(reached_set(&before).is_subset(&reached_set(&after)));
        // …and never shortens a window.
        for x in &before.reached {
            let y = after.reached.iter().find(|y| y.id == x.id).unwrap();
            let kx = (x.persistent, x.until.map_or(i64::MAX, |t| t.as_millis()));
            let ky = (y.persistent, y.until.map_or(i64::MAX, |t| t.as_millis()));
            prop_assert!(ky >= kx, "{}: {:?} -> {:?}", x.id, kx, ky);
        }
    }

    #[test]
    fn an_on_device_attacker_reaches_a_superset(
        spec in spec_strategy(),
        picks in prop::collection::vec(0usize..100, 1..3),
    ) {
        let g = build(&spec);
        let from = sources(spec.nodes.len(), &picks);
        let off = run(&g, &from, Attacker::OffDevice);
        let on = run(&g, &from, Attacker::OnDevice);
        prop_assert!(reached_set(&off).is_subset(&reached_set(&on)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The sprawl ranking's shared-work reach gives exactly `heir blast`'s reached set and
    /// windows, for every source of the graph, with one memo shared across all of them.
    #[test]
    fn shared_work_reach_equals_per_source_blast(spec in spec_strategy(), on in any::<bool>()) {
        use heir::analysis::reach::{reach, Memo};
        let g = build(&spec);
        let attacker = if on { Attacker::OnDevice } else { Attacker::OffDevice };
        let mut memo = Memo::new(1 << 20);
        for i in 0..spec.nodes.len() {
            let rep = run(&g, &[i], attacker);
            let mut want: Vec<(String, bool, i64)> = rep
                .reached
                .iter()
                .map(|x| (x.id.to_string(), x.persistent, x.until.map_or(i64::MAX, |t| t.as_millis())))
                .collect();
            want.sort();
            let src = g.index(&format!("n{i}")).unwrap();
            let mut got: Vec<(String, bool, i64)> = reach(&g, src, Timestamp::from_millis(AT), attacker, &mut memo)
                .into_iter()
                .map(|(n, p, u)| (g.id(n).to_string(), p, if p { i64::MAX } else { u }))
                .collect();
            got.sort();
            prop_assert_eq!(got, want, "source n{}", i);
        }
    }
}
