//! The revocation plan: contain → revoke → inspect → hunt → recover, in the order a responder
//! performs it.
//!
//! Revocation order is the point of the exercise:
//! 1. a credential that mints others comes before what it minted (`issued` edges): revoking a
//!    child while its parent lives is undone by the next refresh;
//! 2. among independent credentials, the one that cuts off the most value first — value is the
//!    criticality of everything *only* reachable through it, read off the dominator tree of the
//!    reach graph (all sources hang off one virtual root);
//! 3. then the longest remaining window, then the id (deterministic).
//!
//! A `central` revocation takes its same-platform children with it: they are listed in `covers`
//! and get no step of their own. Children on other platforms (a Slack session minted through Okta
//! SSO) live on in their app and keep their own step.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use petgraph::algo::dominators::simple_fast;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

use super::blast::{BlastQuery, BlastResult};
use super::cut::{min_vertex_cut, CutProblem, INFINITE};
use super::lineage::inherited;
use super::mechanism::{self, Subject};
use crate::model::{Attacker, EdgeKind, NodeKind, Revocation, Timestamp, TrustGraph};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Contain,
    Revoke,
    Inspect,
    Hunt,
    Recover,
}

impl Phase {
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Contain => "contain",
            Phase::Revoke => "revoke",
            Phase::Inspect => "inspect",
            Phase::Hunt => "hunt",
            Phase::Recover => "recover",
        }
    }
}

/// Revoke order among steps that are ready: value, then window, then id (ascending).
type OrderKey = (u64, i64, Reverse<String>);

/// One thing to do.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Step {
    pub order: usize,
    pub phase: Phase,
    pub target: String,
    pub platform: String,
    pub action: String,
    /// The exact API call, CLI or console step.
    pub how: String,
    /// What the attacker no longer reaches once this is done.
    pub cuts: Vec<String>,
    /// Why this step is here and in this place.
    pub reason: String,
    /// Extension: the target's kind.
    pub kind: NodeKind,
    /// Extension: children a central revocation takes with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<String>,
    /// Extension: for credentials that cannot be revoked, the control that stands in, and when
    /// the credential dies by itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensating: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Extension: the value this step cuts off (sum of criticality), for revoke steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<u64>,
}

/// One revocation in the first wave.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CutMember {
    pub id: String,
    pub cost: u64,
}

/// The cheapest set of revocations separating the attacker from every node of criticality at
/// least `threshold`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FirstWave {
    pub threshold: u8,
    pub cost: u64,
    pub revoke: Vec<CutMember>,
    /// The critical nodes this protects.
    pub protects: Vec<String>,
    /// Critical nodes no set of revocations separates (reached without crossing a revocable
    /// credential): contain steps must handle them.
    pub not_separable: Vec<String>,
}

/// The JSON contract of `heir plan`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Plan {
    pub from: Vec<String>,
    pub at: Timestamp,
    /// Extension: the attacker profile and the compromise time the plan used.
    pub attacker: Attacker,
    pub since: Option<Timestamp>,
    pub incomplete_sources: Vec<String>,
    pub steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_wave: Option<FirstWave>,
    /// Extension: reached nodes and windows, for the runbook's summary.
    pub reached: usize,
    pub reach_by_platform: BTreeMap<String, usize>,
}

/// Options beyond the blast query.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Compromise time, for inspect/hunt windows and lineage.
    pub since: Option<Timestamp>,
    /// Compute the first wave for this criticality threshold.
    pub first_wave: Option<u8>,
}

/// The reach graph: sources and reached nodes, crossed edges, dominators from a virtual root.
struct Reach {
    /// Graph node -> position in `nodes`.
    pos: HashMap<NodeIndex, usize>,
    nodes: Vec<NodeIndex>,
    edges: Vec<(usize, usize)>,
    /// For every position, the positions it dominates (its dominator subtree, itself excluded).
    dominated: Vec<Vec<usize>>,
    /// Positions `0..live_sources` are the live sources.
    live_sources: usize,
}

impl Reach {
    fn new(g: &TrustGraph, r: &BlastResult) -> Self {
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
        }
    }
}

/// A resource that holds secrets: tagged or flagged so by the collector, or named like one.
fn is_secret_store(g: &TrustGraph, n: NodeIndex) -> bool {
    let node = g.node(n);
    if node.kind != NodeKind::Resource {
        return false;
    }
    if node
        .tags
        .iter()
        .any(|t| t == "secrets" || t == "secret_store")
        || node.props.get("secret_store").and_then(|v| v.as_bool()) == Some(true)
    {
        return true;
    }
    let id = node.id.to_ascii_lowercase();
    [
        "secret",
        "vault:",
        "keyvault",
        "kv/",
        "credentials",
        "password",
    ]
    .iter()
    .any(|w| id.contains(w))
}

impl Reach {
    /// Which positions the live sources still reach when `removed` ones are gone.
    fn reachable_without(&self, removed: &[bool]) -> Vec<bool> {
        let n = self.nodes.len();
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, b) in &self.edges {
            adj[a].push(b);
        }
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = (0..self.live_sources).filter(|&s| !removed[s]).collect();
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
}

fn native_id(g: &TrustGraph, i: NodeIndex) -> &str {
    let id = g.id(i);
    let n = g.node(i);
    let prefix_len = n.platform().len() + 1 + n.kind.as_str().len() + 1;
    if id.len() > prefix_len
        && id.starts_with(n.platform())
        && id[n.platform().len() + 1..].starts_with(n.kind.as_str())
    {
        &id[prefix_len..]
    } else {
        id.rsplit(':').next().unwrap_or(id)
    }
}

fn out_neighbours(g: &TrustGraph, i: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
    let mut v: Vec<NodeIndex> = g
        .graph
        .edges_directed(i, Direction::Outgoing)
        .filter(|e| e.weight().kind == kind)
        .map(|e| e.target())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn in_neighbours(g: &TrustGraph, i: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
    let mut v: Vec<NodeIndex> = g
        .graph
        .edges_directed(i, Direction::Incoming)
        .filter(|e| e.weight().kind == kind)
        .map(|e| e.source())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Everything `mechanism` needs to name the exact call for a node.
fn subject<'a>(g: &'a TrustGraph, i: NodeIndex) -> Subject<'a> {
    let n = g.node(i);
    let account = out_neighbours(g, i, EdgeKind::AuthenticatesAs)
        .into_iter()
        .next()
        .or_else(|| {
            in_neighbours(g, i, EdgeKind::Owns)
                .into_iter()
                .find(|&o| g.node(o).kind.is_account())
        })
        .map(|a| (g.node(a).kind, native_id(g, a), g.node(a).name.as_deref()));
    let prop = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| n.props.get(*k).and_then(|v| v.as_str()))
    };
    let client = prop(&["client_id", "clientId", "app_id", "appId"]).or_else(|| {
        in_neighbours(g, i, EdgeKind::Holds)
            .into_iter()
            .find(|&h| g.node(h).kind == NodeKind::App)
            .map(|h| native_id(g, h))
    });
    let role = prop(&["role_arn", "role", "role_name"]).or_else(|| {
        out_neighbours(g, i, EdgeKind::AuthenticatesAs)
            .into_iter()
            .chain(out_neighbours(g, i, EdgeKind::CanAccess))
            .find(|&r| g.node(r).kind == NodeKind::Role)
            .map(|r| native_id(g, r))
    });
    Subject {
        platform: n.platform(),
        kind: n.kind,
        token_type: n.token_type,
        revocation: n.revocation,
        native_id: native_id(g, i),
        name: n.name.as_deref(),
        account,
        client,
        role,
        props: &n.props,
        expires_at: n.expires_at,
    }
}

/// The disruption cost of revoking a credential, for the first wave: `props.disruption` when the
/// collector or the operator set it, else by what breaks — a user's session is cheap, a
/// production service account's key is not. `None`: cannot be revoked (ttl_only, non-credential).
pub fn revocation_cost(g: &TrustGraph, i: NodeIndex) -> Option<u64> {
    let n = g.node(i);
    if !n.kind.is_credential() || n.revocation == Some(Revocation::TtlOnly) {
        return None;
    }
    if let Some(d) = n.props.get("disruption").and_then(|v| v.as_u64()) {
        return Some(d.max(1));
    }
    use crate::model::TokenType::*;
    let base = match (n.kind, n.token_type) {
        (NodeKind::Session, _) => 1,
        (NodeKind::OauthGrant, _) => 3,
        (_, Some(Access | Id | Cookie)) => 1,
        (_, Some(Refresh)) => 2,
        (_, Some(Pat | ApiKey | Password | Other)) => 3,
        (_, Some(AccessKey | ClientSecret | PrivateKey)) => 5,
        (_, None) => 2,
    };
    let serves_machine = out_neighbours(g, i, EdgeKind::AuthenticatesAs)
        .into_iter()
        .any(|a| g.node(a).kind == NodeKind::ServiceAccount);
    let prod = n.tags.iter().any(|t| t == "env:prod");
    Some(base * if serves_machine || prod { 3 } else { 1 })
}

/// Builds the plan for a blast radius.
pub fn plan(g: &TrustGraph, r: &BlastResult, opts: &PlanOptions) -> Plan {
    let q: &BlastQuery = &r.query;
    let reach = Reach::new(g, r);
    let since = opts
        .since
        .or_else(|| q.from.iter().filter_map(|&s| g.node(s).issued_at).min());
    let mut steps: Vec<Step> = Vec::new();
    let window_of: HashMap<NodeIndex, (bool, Option<Timestamp>)> = r
        .reached
        .iter()
        .map(|x| (x.node, (x.persistent, x.until)))
        .collect();
    // What revoking `target` cuts off: its dominator subtree in the reach graph. When one call
    // also takes children with it, the removed set is several nodes, which no single dominator
    // captures (a user reached through both a refresh and an access token of the same grant), so
    // the reach graph is walked again without them.
    let cut_set = |target: NodeIndex, with: &[NodeIndex]| -> BTreeSet<usize> {
        let Some(&tp) = reach.pos.get(&target) else {
            return BTreeSet::new();
        };
        if with.is_empty() {
            return reach.dominated[tp].iter().copied().collect();
        }
        let mut removed = vec![false; reach.nodes.len()];
        removed[tp] = true;
        for w in with {
            if let Some(&p) = reach.pos.get(w) {
                removed[p] = true;
            }
        }
        let still = reach.reachable_without(&removed);
        (0..reach.nodes.len())
            .filter(|&p| p != tp && !still[p])
            .collect()
    };
    let value_of = |target: NodeIndex, set: &BTreeSet<usize>| -> u64 {
        g.facts(target).criticality as u64
            + set
                .iter()
                .map(|&d| g.facts(reach.nodes[d]).criticality as u64)
                .sum::<u64>()
    };
    let ids_of = |set: &BTreeSet<usize>| -> Vec<String> {
        let mut v: Vec<String> = set
            .iter()
            .map(|&d| g.id(reach.nodes[d]).to_string())
            .collect();
        v.sort();
        v
    };
    let step = |phase: Phase, target: NodeIndex, m: mechanism::Mechanism| Step {
        order: 0,
        phase,
        target: g.id(target).to_string(),
        platform: g.node(target).platform().to_string(),
        action: m.action,
        how: m.how,
        cuts: Vec::new(),
        reason: String::new(),
        kind: g.node(target).kind,
        covers: Vec::new(),
        compensating: m.compensating,
        expires_at: None,
        value: None,
    };

    // 1. Contain: who or what the stolen artefacts belong to or live on.
    let mut contained: Vec<(NodeIndex, String)> = Vec::new();
    for &s in &q.from {
        let sn = g.node(s);
        if sn.kind.is_credential() {
            for a in out_neighbours(g, s, EdgeKind::AuthenticatesAs) {
                contained.push((
                    a,
                    format!("the stolen {} `{}` authenticates as it", sn.kind, sn.id),
                ));
            }
            for h in in_neighbours(g, s, EdgeKind::Holds) {
                if matches!(g.node(h).kind, NodeKind::Device | NodeKind::Workload) {
                    contained.push((
                        h,
                        format!("the stolen {} `{}` was taken from it", sn.kind, sn.id),
                    ));
                }
            }
        } else {
            contained.push((s, format!("it is the compromised {} itself", sn.kind)));
        }
    }
    let mut seen_contain = HashSet::new();
    for (c, reason) in contained {
        if !seen_contain.insert(c) {
            continue;
        }
        let mut st = step(Phase::Contain, c, mechanism::contain(&subject(g, c)));
        st.cuts = ids_of(&cut_set(c, &[]));
        st.reason = format!(
            "{reason}; contain it first so nothing new is issued while credentials are revoked"
        );
        steps.push(st);
    }

    // 2. Revoke: the live stolen credentials and every credential reached.
    let mut candidates: Vec<NodeIndex> = q
        .from
        .iter()
        .copied()
        .filter(|s| g.node(*s).kind.is_credential() && !r.dead_sources.contains(s))
        .collect();
    candidates.extend(
        r.reached
            .iter()
            .map(|x| x.node)
            .filter(|&n| g.node(n).kind.is_credential()),
    );
    let cand_set: HashSet<NodeIndex> = candidates.iter().copied().collect();
    // Central revocation of a parent takes its same-platform issued descendants.
    let mut covered_by: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut covers: HashMap<NodeIndex, Vec<NodeIndex>> = HashMap::new();
    for &c in &candidates {
        if g.node(c).revocation != Some(Revocation::Central) {
            continue;
        }
        let platform = g.node(c).platform();
        let mut stack = vec![c];
        let mut seen = HashSet::from([c]);
        while let Some(x) = stack.pop() {
            for child in out_neighbours(g, x, EdgeKind::Issued) {
                if cand_set.contains(&child)
                    && g.node(child).platform() == platform
                    && seen.insert(child)
                {
                    covered_by.entry(child).or_insert(c);
                    covers.entry(c).or_default().push(child);
                    stack.push(child);
                }
            }
        }
    }
    // A parent covered by another central parent hands its covered children up the chain.
    let top = |mut c: NodeIndex| {
        while let Some(&p) = covered_by.get(&c) {
            if p == c {
                break;
            }
            c = p;
        }
        c
    };
    let independent: Vec<NodeIndex> = candidates
        .iter()
        .copied()
        .filter(|c| !covered_by.contains_key(c) || top(*c) == *c)
        .collect();
    let indep_set: HashSet<NodeIndex> = independent.iter().copied().collect();
    // Kahn over `issued` among the steps, best value first among what is ready.
    let mut indegree: HashMap<NodeIndex, usize> = independent.iter().map(|&c| (c, 0)).collect();
    let mut minted_from: HashMap<NodeIndex, Vec<NodeIndex>> = HashMap::new();
    for &c in &independent {
        // Issued descendants that are steps themselves, through covered intermediates too.
        let mut stack = out_neighbours(g, c, EdgeKind::Issued);
        let mut seen = HashSet::new();
        while let Some(x) = stack.pop() {
            if !seen.insert(x) || x == c {
                continue;
            }
            if indep_set.contains(&x) {
                minted_from.entry(c).or_default().push(x);
                *indegree.get_mut(&x).expect("independent") += 1;
            } else {
                stack.extend(out_neighbours(g, x, EdgeKind::Issued));
            }
        }
    }
    let no_kids: Vec<NodeIndex> = Vec::new();
    let kids_of = |c: NodeIndex| covers.get(&c).unwrap_or(&no_kids);
    let key = |c: NodeIndex| {
        let value = value_of(c, &cut_set(c, kids_of(c)));
        let (persistent, until) = window_of
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
    for &c in &independent {
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
                .max_by_key(|&i| (q.from.contains(&independent[i]), key(independent[i])));
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
    let now = q.at;
    for c in revoke_order {
        let mut st = step(Phase::Revoke, c, mechanism::revoke(&subject(g, c), now));
        let n = g.node(c);
        let set = cut_set(c, kids_of(c));
        let value = value_of(c, &set);
        st.value = Some(value);
        st.cuts = ids_of(&set);
        let mut kids: Vec<String> = covers
            .get(&c)
            .map(|v| v.iter().map(|&k| g.id(k).to_string()).collect())
            .unwrap_or_default();
        kids.sort();
        kids.dedup();
        st.covers = kids;
        st.expires_at = n.expires_at;
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
        match window_of.get(&c) {
            Some((true, _)) => why.push("the attacker's access through it is persistent".into()),
            Some((false, Some(t))) => why.push(format!("attacker window until {t}")),
            _ => {}
        }
        if n.revocation == Some(Revocation::TtlOnly) {
            why.push(format!(
                "cannot be revoked: compensate until it expires{}",
                n.expires_at.map(|t| format!(" at {t}")).unwrap_or_default()
            ));
        }
        if !q.from.contains(&c) {
            why.push("the attacker could have copied it while they held the path to it".into());
        }
        st.reason = why.join("; ");
        steps.push(st);
    }

    // 3. Inspect every reached app and IdP, most critical first.
    let mut apps: Vec<NodeIndex> = r
        .reached
        .iter()
        .map(|x| x.node)
        .chain(q.from.iter().copied())
        .filter(|&n| matches!(g.node(n).kind, NodeKind::App | NodeKind::Idp))
        .collect();
    apps.sort_by_key(|&a| (Reverse(g.facts(a).criticality), g.id(a).to_string()));
    apps.dedup();
    for a in apps {
        let n = g.node(a);
        let m = mechanism::inspect(
            n.platform(),
            n.kind,
            native_id(g, a),
            n.name.as_deref(),
            since,
        );
        let mut st = step(Phase::Inspect, a, m);
        st.reason = format!(
            "reached{}; review what the attacker could change there{}",
            match window_of.get(&a) {
                Some((true, _)) => " with persistent control".to_string(),
                Some((false, Some(t))) => format!(" until {t}"),
                _ => String::new(),
            },
            since.map(|t| format!(" since {t}")).unwrap_or_default()
        );
        steps.push(st);
    }

    // 4. Hunt: what was minted from the stolen artefacts, and where it was used from.
    for &s in &q.from {
        if !g.node(s).kind.is_credential() {
            continue;
        }
        let lineage = inherited(g, s, opts.since, q.at);
        let mut ips: BTreeSet<String> = BTreeSet::new();
        for child in &lineage.inherited {
            let Some(ci) = g.index(&child.id) else {
                continue;
            };
            if let Some(ip) = &child.ip {
                ips.insert(ip.clone());
            }
            let where_ = match (&child.ip, &child.user_agent) {
                (Some(ip), Some(ua)) => format!(" from {ip} ({ua})"),
                (Some(ip), None) => format!(" from {ip}"),
                _ => String::new(),
            };
            let mut st = step(
                Phase::Hunt,
                ci,
                mechanism::Mechanism {
                    action: "hunt for use of a credential minted from the stolen one".into(),
                    how: format!(
                        "search {} logs for activity by `{}`{} since {}",
                        g.node(ci).platform(),
                        child.id,
                        where_,
                        child
                            .at
                            .map(|t| t.to_string())
                            .unwrap_or_else(|| "its minting".into())
                    ),
                    compensating: None,
                },
            );
            st.reason = format!(
                "minted from `{}` at {}{}; {}",
                g.id(s),
                child
                    .at
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "an unknown time".into()),
                where_,
                if child.live {
                    "still live"
                } else {
                    "no longer live, but its use may not be over"
                }
            );
            steps.push(st);
        }
        let mut st = step(
            Phase::Hunt,
            s,
            mechanism::Mechanism {
                action: "hunt for reuse of the stolen artefact and its origin addresses".into(),
                how: format!(
                    "search sign-in and audit logs of every platform for `{}`{} and for other accounts signing in from the same addresses",
                    g.id(s),
                    if ips.is_empty() {
                        String::new()
                    } else {
                        format!(" and the addresses {}", ips.into_iter().collect::<Vec<_>>().join(", "))
                    }
                ),
                compensating: None,
            },
        );
        st.reason = "a replayed session is often replayed against more than one app".into();
        steps.push(st);
    }

    // 5. Recover: persistence, then the contained people's recovery paths.
    let mut persistence: Vec<NodeIndex> = r
        .crossed
        .iter()
        .filter(|&&e| g.graph[e].kind.rule().grants_persistence)
        .filter_map(|&e| g.graph.edge_endpoints(e).map(|(_, b)| b))
        .collect();
    persistence.sort_by_key(|&p| (Reverse(g.facts(p).criticality), g.id(p).to_string()));
    persistence.dedup();
    for p in persistence {
        let mut st = step(
            Phase::Recover,
            p,
            mechanism::remove_persistence(&subject(g, p), since),
        );
        st.reason = "the attacker controlled it (owner or admin) and could have created credentials, owners or grants that the graph cannot show yet".into();
        steps.push(st);
    }
    // Secret stores the attacker could read: everything in them is copied, modelled or not.
    let mut stores: Vec<NodeIndex> = r
        .reached
        .iter()
        .map(|x| x.node)
        .filter(|&n| is_secret_store(g, n))
        .collect();
    stores.sort_by_key(|&n| (Reverse(g.facts(n).criticality), g.id(n).to_string()));
    for n in stores {
        let node = g.node(n);
        let mut st = step(
            Phase::Recover,
            n,
            mechanism::Mechanism {
                action: "rotate every secret readable in this store".into(),
                how: format!(
                    "list the secrets in {} ({}) and rotate each at its issuer, newest access first; then review the store's access log{}",
                    node.display_name(),
                    node.id,
                    since.map(|t| format!(" since {t}")).unwrap_or_default()
                ),
                compensating: None,
            },
        );
        st.reason = "the attacker could read it: credentials kept there that the graph does not model are exposed too".into();
        steps.push(st);
    }
    for (c, _) in steps
        .iter()
        .filter(|s| s.phase == Phase::Contain && s.kind == NodeKind::User)
        .map(|s| (g.index(&s.target).expect("step targets exist"), ()))
        .collect::<Vec<_>>()
    {
        let mut st = step(
            Phase::Recover,
            c,
            mechanism::recover_account(&subject(g, c)),
        );
        st.reason =
            "before giving the account back, make sure the attacker left no way back in".into();
        steps.push(st);
    }

    for (i, s) in steps.iter_mut().enumerate() {
        s.order = i + 1;
    }

    let first_wave = opts.first_wave.map(|t| first_wave(g, &reach, t));
    let mut reach_by_platform = BTreeMap::new();
    for x in &r.reached {
        *reach_by_platform
            .entry(g.node(x.node).platform().to_string())
            .or_insert(0) += 1;
    }
    Plan {
        from: q.from.iter().map(|&s| g.id(s).to_string()).collect(),
        at: q.at,
        attacker: q.attacker,
        since,
        incomplete_sources: r.incomplete_sources.clone(),
        steps,
        first_wave,
        reached: r.reached.len(),
        reach_by_platform,
    }
}

fn first_wave(g: &TrustGraph, reach: &Reach, threshold: u8) -> FirstWave {
    let n = reach.nodes.len();
    let costs: Vec<u64> = reach
        .nodes
        .iter()
        .map(|&v| revocation_cost(g, v).unwrap_or(INFINITE))
        .collect();
    let live_sources: Vec<usize> = (0..reach.live_sources).collect();
    let targets: Vec<usize> = (0..n)
        .filter(|&p| !live_sources.contains(&p) && g.facts(reach.nodes[p]).criticality >= threshold)
        .collect();
    // Separate what can be separated: a target with an uncuttable path is set aside.
    let mut separable = Vec::new();
    let mut not_separable = Vec::new();
    for &t in &targets {
        let alone = CutProblem {
            costs: costs.clone(),
            edges: reach.edges.clone(),
            sources: live_sources.clone(),
            targets: vec![t],
        };
        if min_vertex_cut(&alone).is_some() {
            separable.push(t);
        } else {
            not_separable.push(g.id(reach.nodes[t]).to_string());
        }
    }
    let cut = min_vertex_cut(&CutProblem {
        costs: costs.clone(),
        edges: reach.edges.clone(),
        sources: live_sources,
        targets: separable.clone(),
    })
    .unwrap_or(super::cut::Cut {
        nodes: Vec::new(),
        cost: 0,
    });
    let mut revoke: Vec<CutMember> = cut
        .nodes
        .iter()
        .map(|&p| CutMember {
            id: g.id(reach.nodes[p]).to_string(),
            cost: costs[p],
        })
        .collect();
    revoke.sort_by(|a, b| a.id.cmp(&b.id));
    let mut protects: Vec<String> = separable
        .iter()
        .map(|&p| g.id(reach.nodes[p]).to_string())
        .collect();
    protects.sort();
    not_separable.sort();
    FirstWave {
        threshold,
        cost: cut.cost,
        revoke,
        protects,
        not_separable,
    }
}
