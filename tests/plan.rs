//! The revocation plan: invariants on random graphs, the first wave against brute force, and
//! exact expectations on the infostealer scenario.

mod common;

use std::collections::{BTreeSet, HashSet, VecDeque};

use common::{build_with_revocation, spec_strategy, AT};
use heir::analysis::blast::{blast, BlastQuery};
use heir::analysis::cut::{min_vertex_cut, CutProblem, INFINITE};
use heir::analysis::plan::{plan, revocation_of, Phase, Plan, PlanOptions};
use heir::model::liveness::{derive_windows, LivenessPolicy};
use heir::model::{Attacker, Document, EdgeKind, Revocation, Timestamp, TokenType, TrustGraph};
use proptest::prelude::*;

fn plan_for(g: &TrustGraph, from: &[usize], first_wave: Option<u8>) -> Plan {
    let q = BlastQuery {
        from: from
            .iter()
            .map(|&i| g.index(&format!("n{i}")).unwrap())
            .collect(),
        at: Timestamp::from_millis(AT),
        attacker: Attacker::OffDevice,
    };
    let r = blast(g, &q);
    plan(
        g,
        &r,
        &PlanOptions {
            since: None,
            first_wave,
        },
    )
}

/// Like `build_with_revocation`, but the way collectors write graphs: a few platforms (so
/// same-platform lineage is common), token types, and `revocation` often left out so the plan
/// must infer it (an access token is ttl_only, an Entra refresh token central, an AKIA key none).
fn build_uneven(spec: &common::Spec, seed: u64) -> TrustGraph {
    let mut doc = common::build(spec).to_document();
    let mut x = seed | 1;
    let mut next = |n: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    const PLATFORMS: [&str; 4] = ["entra", "okta", "aws", "github"];
    const TYPES: [Option<TokenType>; 6] = [
        None,
        Some(TokenType::Access),
        Some(TokenType::Refresh),
        Some(TokenType::Id),
        Some(TokenType::AccessKey),
        Some(TokenType::Cookie),
    ];
    for n in doc.nodes.iter_mut() {
        n.platform = Some(PLATFORMS[next(4) as usize].to_string());
        if n.kind.is_credential() {
            n.token_type = TYPES[next(6) as usize];
            n.revocation = match next(6) {
                0 => Some(Revocation::TtlOnly),
                1 => Some(Revocation::Central),
                2 => Some(Revocation::PerApp),
                3 => Some(Revocation::None),
                _ => None,
            };
            n.issued_at = Some(Timestamp::from_millis(AT - next(4) as i64 * common::HOUR));
            if next(2) == 0 {
                n.last_used_at = Some(Timestamp::from_millis(
                    AT - next(5) as i64 * common::HOUR / 2,
                ));
            }
        }
    }
    TrustGraph::new(doc)
}

fn without(g: &TrustGraph, remove: &HashSet<String>) -> TrustGraph {
    let mut doc: Document = g.to_document();
    doc.nodes.retain(|n| !remove.contains(&n.id));
    doc.edges
        .retain(|e| !remove.contains(&e.from) && !remove.contains(&e.to));
    TrustGraph::new(doc)
}

fn reached_ids(g: &TrustGraph, from: &[String]) -> Vec<(String, Vec<String>)> {
    let q = BlastQuery {
        from: from.iter().filter_map(|f| g.index(f)).collect(),
        at: Timestamp::from_millis(AT),
        attacker: Attacker::OffDevice,
    };
    blast(g, &q)
        .report(g)
        .reached
        .into_iter()
        .filter(|x| x.criticality >= 1)
        .map(|x| {
            (
                x.id.to_string(),
                x.path.ids().iter().map(|p| p.to_string()).collect(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn performing_the_revoke_steps_cuts_everything_but_ttl_only(
        spec in spec_strategy(),
        pick in 0usize..100,
    ) {
        let g = build_with_revocation(&spec);
        // The stolen artefact: a credential (the plan's subject).
        let creds: Vec<usize> = (0..spec.nodes.len())
            .filter(|&i| g.facts(petgraph::graph::NodeIndex::new(i)).kind.is_credential())
            .collect();
        prop_assume!(!creds.is_empty());
        let source = creds[pick % creds.len()];
        let p = plan_for(&g, &[source], None);
        for s in &p.steps {
            prop_assert!(!s.how.trim().is_empty(), "step {} has no how", s.order);
            prop_assert!(!s.reason.trim().is_empty(), "step {} has no reason", s.order);
        }
        let orders: Vec<usize> = p.steps.iter().map(|s| s.order).collect();
        prop_assert_eq!(orders, (1..=p.steps.len()).collect::<Vec<_>>());
        let phases: Vec<Phase> = p.steps.iter().map(|s| s.phase).collect();
        let mut sorted = phases.clone();
        sorted.sort();
        prop_assert_eq!(phases, sorted, "phases out of order");

        let revoke: Vec<_> = p.steps.iter().filter(|s| s.phase == Phase::Revoke).collect();
        let revoked: HashSet<String> = revoke
            .iter()
            .flat_map(|s| std::iter::once(s.target.clone()).chain(s.covers.iter().cloned()))
            .collect();
        let ttl_only: HashSet<String> = revoked
            .iter()
            .filter(|id| {
                let n = g.node(g.index(id).unwrap());
                n.revocation == Some(Revocation::TtlOnly)
            })
            .cloned()
            .collect();
        for s in &revoke {
            if ttl_only.contains(&s.target) {
                prop_assert!(s.compensating.is_some(), "ttl_only {} without compensation", s.target);
                let n = g.node(g.index(&s.target).unwrap());
                prop_assert_eq!(s.expires_at, n.expires_at);
            }
        }
        // Remove what can be revoked; whatever critical is left must hang off a ttl_only one.
        let revocable: HashSet<String> = revoked.difference(&ttl_only).cloned().collect();
        let after = without(&g, &revocable);
        for (id, path) in reached_ids(&after, &p.from) {
            prop_assert!(
                path.iter().any(|hop| ttl_only.contains(hop)),
                "{} still reachable without a ttl_only credential: {:?}", id, path
            );
        }
        // A parent is revoked before anything it minted.
        let position = |id: &str| revoke.iter().position(|s| s.target == id);
        for e in g.edges().filter(|e| e.kind == EdgeKind::Issued) {
            if let (Some(a), Some(b)) = (position(&e.from), position(&e.to)) {
                if e.from != e.to {
                    prop_assert!(a < b || has_issued_path(&g, &e.to, &e.from),
                        "{} revoked after its child {}", e.from, e.to);
                }
            }
        }
    }

    #[test]
    fn no_step_claims_to_kill_a_ttl_only_credential_and_each_live_one_has_its_step(
        spec in spec_strategy(),
        seed in any::<u64>(),
        pick in 0usize..100,
    ) {
        let g = build_uneven(&spec, seed);
        let creds: Vec<usize> = (0..spec.nodes.len())
            .filter(|&i| g.facts(petgraph::graph::NodeIndex::new(i)).kind.is_credential())
            .collect();
        prop_assume!(!creds.is_empty());
        let source = creds[pick % creds.len()];
        let q = BlastQuery {
            from: vec![g.index(&format!("n{source}")).unwrap()],
            at: Timestamp::from_millis(AT),
            attacker: Attacker::OffDevice,
        };
        let r = blast(&g, &q);
        let p = plan(&g, &r, &PlanOptions::default());
        let ttl_only = |id: &str| revocation_of(&g, g.index(id).unwrap()) == Revocation::TtlOnly;
        for s in &p.steps {
            for k in &s.covers {
                prop_assert!(!ttl_only(k), "step {} ({}) claims to kill ttl_only {}", s.order, s.target, k);
            }
        }
        // Every ttl_only credential that still works by itself, stolen or reached, has its own
        // revoke step with its expiry and a compensating control.
        let live_ttl = r
            .reached
            .iter()
            .map(|x| x.node)
            .chain(q.from.iter().copied().filter(|s| !r.dead_sources.contains(s)))
            .filter(|&i| {
                g.facts(i).kind.is_credential()
                    && revocation_of(&g, i) == Revocation::TtlOnly
                    && g.facts(i).alive_at(AT)
            });
        for i in live_ttl {
            let id = g.id(i);
            let step = p.steps.iter().find(|s| s.phase == Phase::Revoke && s.target == id);
            prop_assert!(step.is_some(), "live ttl_only {} has no revoke step", id);
            let step = step.unwrap();
            prop_assert_eq!(step.expires_at, g.node(i).expires_at);
            prop_assert!(step.compensating.is_some(), "ttl_only {} without compensation", id);
        }
        // A ttl_only credential dead by itself gets no revoke step: it is only hunted.
        for s in p.steps.iter().filter(|s| s.phase == Phase::Revoke) {
            let i = g.index(&s.target).unwrap();
            if revocation_of(&g, i) == Revocation::TtlOnly {
                prop_assert!(g.facts(i).alive_at(AT), "dead ttl_only {} has a revoke step", s.target);
            }
        }
    }

    #[test]
    fn blast_inherited_and_plan_agree_on_every_credentials_liveness(
        spec in spec_strategy(),
        seed in any::<u64>(),
        idle_h in prop::option::of(1i64..4),
        access_min in prop::option::of(10i64..120),
    ) {
        let mut g = build_uneven(&spec, seed);
        let policy = LivenessPolicy {
            okta_session_idle: idle_h.map(|h| h * common::HOUR),
            access_token_lifetime: access_min.map(|m| m * 60_000),
            ..LivenessPolicy::default()
        };
        derive_windows(&mut g, &policy);
        let at = Timestamp::from_millis(AT);
        let creds: Vec<_> = g
            .node_indices()
            .filter(|&i| g.facts(i).kind.is_credential())
            .collect();
        for &c in &creds {
            let live = g.facts(c).alive_at(AT);
            // blast: a stolen credential is dead exactly when the rule says so.
            let q = BlastQuery { from: vec![c], at, attacker: Attacker::OnDevice };
            let r = blast(&g, &q);
            prop_assert_eq!(r.dead_sources.contains(&c), !live, "blast on {}", g.id(c));
            // inherited: every child's `live` and end are the rule's.
            for child in heir::analysis::lineage::inherited(&g, c, None, at).inherited {
                let ci = g.index(&child.id).unwrap();
                prop_assert_eq!(child.live, g.facts(ci).alive_at(AT), "inherited {}", child.id);
                prop_assert_eq!(child.expires_at, g.expires_at(ci));
                prop_assert_eq!(child.expires_basis, g.expiry_basis(ci));
            }
            // plan: a ttl_only credential has a revoke step only while alive, with the same end.
            let p = plan(&g, &r, &PlanOptions::default());
            for s in p.steps.iter().filter(|s| s.phase == Phase::Revoke) {
                let i = g.index(&s.target).unwrap();
                prop_assert_eq!(s.expires_at, g.expires_at(i));
                if revocation_of(&g, i) == Revocation::TtlOnly {
                    prop_assert!(g.facts(i).alive_at(AT), "plan steps a dead {}", s.target);
                }
            }
            // A credential reached other than by minting is alive by the same rule.
            for x in &r.reached {
                if g.facts(x.node).kind.is_credential() && !g.facts(x.node).alive_at(AT) {
                    let minted = g
                        .in_edges(x.node)
                        .any(|(_, e)| g.edge_facts(e).kind == EdgeKind::Issued);
                    prop_assert!(minted, "blast reached dead {} without minting", g.id(x.node));
                }
            }
        }
    }

    #[test]
    fn first_wave_is_the_brute_force_minimum(
        spec in spec_strategy(),
        pick in 0usize..100,
        threshold in 1u8..8,
    ) {
        let g = build_with_revocation(&spec);
        let source = pick % spec.nodes.len();
        let p = plan_for(&g, &[source], Some(threshold));
        let w = p.first_wave.clone().unwrap();
        // Brute force over subsets of revocable reached credentials.
        let q = BlastQuery {
            from: vec![g.index(&format!("n{source}")).unwrap()],
            at: Timestamp::from_millis(AT),
            attacker: Attacker::OffDevice,
        };
        let r = blast(&g, &q);
        let mut nodes: Vec<_> = r.query.from.clone();
        if !r.dead_sources.is_empty() {
            nodes.clear();
        }
        nodes.extend(r.reached.iter().map(|x| x.node));
        let cuttable: Vec<_> = nodes
            .iter()
            .copied()
            .filter(|&n| heir::analysis::plan::revocation_cost(&g, n).is_some())
            .collect();
        prop_assume!(cuttable.len() <= 12);
        let held: Vec<_> = r
            .reached
            .iter()
            .map(|x| x.node)
            .filter(|&n| {
                g.facts(n).kind.is_credential()
                    && revocation_of(&g, n) == Revocation::TtlOnly
                    && g.facts(n).alive_at(AT)
            })
            .collect();
        let protects: BTreeSet<String> = w.protects.iter().cloned().collect();
        let mut best: Option<u64> = None;
        for mask in 0u32..(1 << cuttable.len()) {
            let removed: HashSet<_> = (0..cuttable.len())
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| cuttable[b])
                .collect();
            let cost: u64 = removed
                .iter()
                .map(|&n| heir::analysis::plan::revocation_cost(&g, n).unwrap())
                .sum();
            if best.is_some_and(|b| cost >= b) {
                continue;
            }
            // BFS over crossed edges avoiding removed nodes, from the live source and every
            // live ttl_only credential reached (the attacker keeps those whatever is revoked).
            let mut seen: HashSet<_> = HashSet::new();
            let mut queue: VecDeque<_> = nodes
                .iter()
                .take(if r.dead_sources.is_empty() { 1 } else { 0 })
                .chain(held.iter())
                .copied()
                .filter(|n| !removed.contains(n))
                .collect();
            seen.extend(queue.iter().copied());
            while let Some(u) = queue.pop_front() {
                for &e in &r.crossed {
                    let (a, b) = g.endpoints(e);
                    if a == u && !removed.contains(&b) && seen.insert(b) {
                        queue.push_back(b);
                    }
                }
            }
            if seen.iter().all(|&n| !protects.contains(g.id(n))) {
                best = Some(cost);
            }
        }
        prop_assert_eq!(Some(w.cost), best);
        let cut_cost: u64 = w.revoke.iter().map(|m| m.cost).sum();
        prop_assert_eq!(cut_cost, w.cost);
    }
}

fn has_issued_path(g: &TrustGraph, from: &str, to: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if !seen.insert(x.clone()) {
            continue;
        }
        for e in g
            .edges()
            .filter(|e| e.kind == EdgeKind::Issued && e.from == x)
        {
            stack.push(e.to.clone());
        }
    }
    false
}

#[test]
fn min_cut_matches_brute_force_on_random_small_graphs() {
    // A deterministic sweep over many small random instances of the cut problem itself.
    let mut state = 7u64;
    let mut rnd = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    for _ in 0..300 {
        let n = 3 + rnd(7) as usize;
        let costs: Vec<u64> = (0..n)
            .map(|_| if rnd(4) == 0 { INFINITE } else { 1 + rnd(9) })
            .collect();
        let edges: Vec<(usize, usize)> = (0..n * 2)
            .map(|_| (rnd(n as u64) as usize, rnd(n as u64) as usize))
            .collect();
        let sources = vec![0];
        let targets: Vec<usize> = (1..n).filter(|_| rnd(3) == 0).collect();
        let p = CutProblem {
            costs: costs.clone(),
            edges: edges.clone(),
            sources: sources.clone(),
            targets: targets.clone(),
        };
        let got = min_vertex_cut(&p);
        let mut best: Option<u64> = None;
        for mask in 0u32..(1 << n) {
            if (0..n).any(|v| mask & (1 << v) != 0 && costs[v] >= INFINITE) {
                continue;
            }
            let cost: u64 = (0..n)
                .filter(|v| mask & (1 << v) != 0)
                .map(|v| costs[v])
                .sum();
            let mut seen = vec![false; n];
            let mut queue: VecDeque<usize> = sources
                .iter()
                .copied()
                .filter(|&s| mask & (1 << s) == 0)
                .collect();
            for &s in &queue {
                seen[s] = true;
            }
            while let Some(u) = queue.pop_front() {
                for &(a, b) in &edges {
                    if a == u && !seen[b] && mask & (1 << b) == 0 {
                        seen[b] = true;
                        queue.push_back(b);
                    }
                }
            }
            if targets.iter().all(|&t| !seen[t]) && best.is_none_or(|b| cost < b) {
                best = Some(cost);
            }
        }
        assert_eq!(
            got.as_ref().map(|c| c.cost),
            best,
            "costs {costs:?} edges {edges:?} targets {targets:?}"
        );
        if let Some(c) = got {
            let sum: u64 = c.nodes.iter().map(|&v| costs[v]).sum();
            assert_eq!(sum, c.cost);
        }
    }
}

#[test]
fn a_lineage_cycle_still_gets_every_credential_revoked() {
    // A session re-minted by the token it minted: no topological order exists; the plan breaks
    // the cycle at the stolen artefact instead of dropping both.
    let doc = serde_json::json!({
        "version": 1,
        "nodes": [
            {"id": "s", "kind": "session", "revocation": "per_app"},
            {"id": "t", "kind": "token", "revocation": "per_app"},
            {"id": "u", "kind": "user", "criticality": 5}
        ],
        "edges": [
            {"from": "s", "to": "t", "kind": "issued"},
            {"from": "t", "to": "s", "kind": "issued"},
            {"from": "t", "to": "u", "kind": "authenticates_as"}
        ]
    });
    let (doc, _) = heir::model::load::load_str(
        "cycle.json",
        &doc.to_string(),
        heir::model::load::Syntax::Json,
    )
    .unwrap();
    let g = TrustGraph::new(doc);
    let q = BlastQuery {
        from: vec![g.index("s").unwrap()],
        at: Timestamp::from_millis(AT),
        attacker: Attacker::OffDevice,
    };
    let p = plan(&g, &blast(&g, &q), &PlanOptions::default());
    let revoke: Vec<&str> = p
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Revoke)
        .map(|s| s.target.as_str())
        .collect();
    assert_eq!(revoke, vec!["s", "t"]);
}

/// Runs `f` on its own thread and fails the test if it does not finish within `secs`: a plan
/// that loops must fail the suite, not hang it. (A thread that never returns is left behind;
/// the test process still exits when the harness is done.)
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("did not finish within {secs} s"))
}

#[test]
fn two_central_credentials_that_issued_each_other_get_one_step_and_no_hang() {
    // Device d1 holds session a; a and b (both central, same platform) minted each other; nothing
    // above covers both. Each covers the other, so the chain up from either used to loop forever.
    let doc = serde_json::json!({
        "version": 1,
        "nodes": [
            {"id": "okta:device:d1", "kind": "device"},
            {"id": "okta:session:a", "kind": "session", "revocation": "central"},
            {"id": "okta:session:b", "kind": "session", "revocation": "central"},
            {"id": "okta:user:u", "kind": "user", "criticality": 5}
        ],
        "edges": [
            {"from": "okta:device:d1", "to": "okta:session:a", "kind": "holds"},
            {"from": "okta:session:a", "to": "okta:session:b", "kind": "issued"},
            {"from": "okta:session:b", "to": "okta:session:a", "kind": "issued"},
            {"from": "okta:session:a", "to": "okta:user:u", "kind": "authenticates_as"}
        ]
    });
    let p = within(20, move || {
        let (doc, _) = heir::model::load::load_str(
            "loop.json",
            &doc.to_string(),
            heir::model::load::Syntax::Json,
        )
        .unwrap();
        let g = TrustGraph::new(doc);
        let q = BlastQuery {
            from: vec![g.index("okta:device:d1").unwrap()],
            at: Timestamp::from_millis(AT),
            attacker: Attacker::OnDevice,
        };
        plan(&g, &blast(&g, &q), &PlanOptions::default())
    });
    let revoke: Vec<(&str, &[String])> = p
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Revoke)
        .map(|s| (s.target.as_str(), s.covers.as_slice()))
        .collect();
    // One call ends the loop: the lower-positioned member takes the step and covers the other.
    assert_eq!(
        revoke,
        vec![("okta:session:a", &["okta:session:b".to_string()][..])]
    );
}
