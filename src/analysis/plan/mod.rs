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
//! SSO) live on in their app and keep their own step. So does a `ttl_only` child (a bearer access
//! token, an STS session): the resource checks it by itself until it expires, whatever happened
//! to its parent, so it is never covered, the attacker keeps what it reaches (it is one more root
//! of the reach graph), and it gets its own step with its expiry and a compensating control.
//!
//! `plan` is a short driver: one function per phase (`contain`, `revoke`, `inspect`, `hunt`,
//! `recover`), each reading the shared `Ctx` — the graph, the blast radius, its reach graph
//! (`reach`), the compromise time and the attacker's windows — and returning its steps in order.
//! The first wave (`first_wave`) is a separate question over the same reach graph. What each phase
//! does and why is in `docs/plan.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

use super::blast::{BlastQuery, BlastResult};
use super::mechanism::{effective_revocation, Call, Mechanism, Subject};
use crate::model::liveness::{self, ExpiryBasis};
use crate::model::naming::native_id_any_separator;
use crate::model::{Attacker, EdgeKind, NodeKind, Revocation, Timestamp, TrustGraph};

mod contain;
mod first_wave;
mod hunt;
mod inspect;
mod reach;
mod recover;
mod revoke;

pub use first_wave::revocation_cost;
use reach::Reach;

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
    /// Extension: present when `expires_at` is an assumption (`policy` or `platform-default`),
    /// derived because the graph gives no end (docs/model.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_basis: Option<ExpiryBasis>,
    /// Extension: the value this step cuts off (sum of criticality), for revoke steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<u64>,
    /// Extension: the API requests `heir revoke` makes for this step, in order (contain and
    /// revoke phases; see docs/plan.md, "Executing the plan"). Absent when the step is done by hand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<Call>,
    /// Extension: what the calls leave to be done by hand, when they are only part of `how`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_hand: Option<String>,
    /// Extension: the steps (by `order`) this one waits for — the revocations of the credentials
    /// that minted its target. If one of them fails, `heir revoke` does not perform this step:
    /// a credential revoked while what mints it lives is re-minted at the next refresh.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<usize>,
    /// The targets of the steps in `after`, until the steps are numbered.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) after_targets: Vec<String>,
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
    /// Extension: SHA-256 (hex) of the graph document the plan was computed from, set by
    /// `heir plan`; `heir revoke --graph` compares it to refuse a plan of another graph.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graph_sha256: Option<String>,
}

/// Options beyond the blast query.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Compromise time, for inspect/hunt windows and lineage.
    pub since: Option<Timestamp>,
    /// Compute the first wave for this criticality threshold.
    pub first_wave: Option<u8>,
}

/// What every phase reads: the blast radius, its reach graph, the compromise time and the
/// attacker's window on every reached node.
struct Ctx<'a> {
    g: &'a TrustGraph,
    r: &'a BlastResult,
    q: &'a BlastQuery,
    opts: &'a PlanOptions,
    reach: Reach,
    /// `--since`, else the earliest `issued_at` of the stolen artefacts.
    since: Option<Timestamp>,
    /// Reached node -> (persistent, until).
    window_of: HashMap<NodeIndex, (bool, Option<Timestamp>)>,
    /// Reached node -> its position in `r.reached`, to find its explaining path.
    reached_at: HashMap<NodeIndex, usize>,
    /// Every credential of the radius -> the revocability the plan acts on
    /// ([`revocation_of`]): asked once, the same answer for coverage, cuts and step text.
    revocation: HashMap<NodeIndex, Revocation>,
}

impl<'a> Ctx<'a> {
    fn new(g: &'a TrustGraph, r: &'a BlastResult, opts: &'a PlanOptions) -> Self {
        let q = &r.query;
        let since = opts
            .since
            .or_else(|| q.from.iter().filter_map(|&s| g.node(s).issued_at).min());
        let window_of = r
            .reached
            .iter()
            .map(|x| (x.node, (x.persistent, x.until)))
            .collect();
        let reached_at: HashMap<NodeIndex, usize> = r
            .reached
            .iter()
            .enumerate()
            .map(|(k, x)| (x.node, k))
            .collect();
        let revocation: HashMap<NodeIndex, Revocation> = q
            .from
            .iter()
            .copied()
            .chain(r.reached.iter().map(|x| x.node))
            .filter(|&i| g.node(i).kind.is_credential())
            .map(|i| (i, revocation_of(g, i)))
            .collect();
        // What the attacker holds whatever is revoked: every reached ttl_only credential that
        // still works by itself. Revoking what minted it does not end it.
        let mut held: Vec<NodeIndex> = revocation
            .iter()
            .filter(|&(&i, &rev)| {
                rev == Revocation::TtlOnly && g.facts(i).alive_at(q.at.as_millis())
            })
            .map(|(&i, _)| i)
            .collect();
        held.sort();
        Ctx {
            g,
            r,
            q,
            opts,
            reach: Reach::new(g, r, &held),
            since,
            window_of,
            reached_at,
            revocation,
        }
    }

    /// The attacker's window on a reached node in words: `until T`, marked when assumed.
    /// Assumed when a derived expiry caps the window along the explaining path; the path is
    /// walked only for the steps that print a window.
    fn until_text(&self, n: NodeIndex, t: Timestamp) -> String {
        let basis = self.reached_at.get(&n).and_then(|&k| {
            self.r
                .path(&self.r.reached[k])
                .into_iter()
                .filter(|&p| self.g.expires_at(p) == Some(t))
                .find_map(|p| self.g.expiry_basis(p))
        });
        liveness::show(t, basis)
    }

    /// The revocability the plan acts on for a credential of the radius.
    fn revocation(&self, i: NodeIndex) -> Revocation {
        self.revocation
            .get(&i)
            .copied()
            .unwrap_or_else(|| revocation_of(self.g, i))
    }

    /// What revoking `target` (and the children `with` it) cuts off; see [`Reach::cut_set`].
    fn cut_set(&self, target: NodeIndex, with: &[NodeIndex]) -> BTreeSet<usize> {
        self.reach.cut_set(target, with)
    }

    /// The criticality of `target` and of everything in `set`.
    fn value_of(&self, target: NodeIndex, set: &BTreeSet<usize>) -> u64 {
        self.g.facts(target).criticality as u64
            + set
                .iter()
                .map(|&d| self.g.facts(self.reach.nodes[d]).criticality as u64)
                .sum::<u64>()
    }

    /// The ids of the reach-graph positions in `set`, sorted.
    fn ids_of(&self, set: &BTreeSet<usize>) -> Vec<String> {
        let mut v: Vec<String> = set
            .iter()
            .map(|&d| self.g.id(self.reach.nodes[d]).to_string())
            .collect();
        v.sort();
        v
    }

    /// A step of `phase` on `target` carried out by `m`; the phase fills in the rest.
    fn step(&self, phase: Phase, target: NodeIndex, m: Mechanism) -> Step {
        let g = self.g;
        Step {
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
            expires_basis: None,
            value: None,
            calls: m.calls,
            by_hand: m.rest,
            after: Vec::new(),
            after_targets: Vec::new(),
        }
    }
}

/// Builds the plan for a blast radius.
pub fn plan(g: &TrustGraph, r: &BlastResult, opts: &PlanOptions) -> Plan {
    let cx = Ctx::new(g, r, opts);
    let mut steps = contain::steps(&cx);
    steps.extend(revoke::steps(&cx));
    steps.extend(inspect::steps(&cx));
    steps.extend(hunt::steps(&cx));
    let recover = recover::steps(&cx, &steps);
    steps.extend(recover);
    for (i, s) in steps.iter_mut().enumerate() {
        s.order = i + 1;
    }
    // `after` names the revoke steps of what minted a step's target; each target has one revoke
    // step, so the first step on it is the one.
    let order_of: BTreeMap<(Phase, String), usize> = steps
        .iter()
        .rev()
        .map(|s| ((s.phase, s.target.clone()), s.order))
        .collect();
    for s in &mut steps {
        let mut after: Vec<usize> = std::mem::take(&mut s.after_targets)
            .into_iter()
            .filter_map(|t| order_of.get(&(Phase::Revoke, t)).copied())
            .filter(|&o| o < s.order)
            .collect();
        after.sort_unstable();
        after.dedup();
        s.after = after;
    }

    let first_wave = opts
        .first_wave
        .map(|t| first_wave::first_wave(g, &cx.reach, t));
    let mut reach_by_platform = BTreeMap::new();
    for x in &r.reached {
        *reach_by_platform
            .entry(g.node(x.node).platform().to_string())
            .or_insert(0) += 1;
    }
    let q = cx.q;
    Plan {
        from: q.from.iter().map(|&s| g.id(s).to_string()).collect(),
        at: q.at,
        attacker: q.attacker,
        since: cx.since,
        incomplete_sources: r.incomplete_sources.clone(),
        steps,
        first_wave,
        reached: r.reached.len(),
        reach_by_platform,
        graph_sha256: None,
    }
}

/// The revocability the plan acts on for credential `i`: the node's own `revocation`, else what
/// its platform and token type imply ([`effective_revocation`], the same answer the step's
/// mechanism is chosen by). Public so that tests hold the plan to the same reading.
pub fn revocation_of(g: &TrustGraph, i: NodeIndex) -> Revocation {
    effective_revocation(&subject(g, i))
}

/// A node's native id, for the API calls the steps name (see `native_id_any_separator`).
fn native_id(g: &TrustGraph, i: NodeIndex) -> &str {
    let n = g.node(i);
    native_id_any_separator(g.id(i), n.platform(), n.kind)
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

/// The account a credential was minted for when it says none itself: the nearest `issued`
/// ancestor on the same platform that authenticates as one. An access token redeemed from a
/// refresh token is the refresh token's user's, and the call that stops new ones (a Conditional
/// Access block, the user's refresh tokens) needs that user's id, not a placeholder.
fn minted_for(g: &TrustGraph, i: NodeIndex) -> Option<NodeIndex> {
    let platform = g.node(i).platform();
    let mut seen = std::collections::HashSet::from([i]);
    let mut queue = std::collections::VecDeque::from(in_neighbours(g, i, EdgeKind::Issued));
    while let Some(p) = queue.pop_front() {
        if !seen.insert(p) || g.node(p).platform() != platform {
            continue;
        }
        if let Some(a) = out_neighbours(g, p, EdgeKind::AuthenticatesAs)
            .into_iter()
            .find(|&a| g.node(a).kind.is_account())
        {
            return Some(a);
        }
        queue.extend(in_neighbours(g, p, EdgeKind::Issued));
    }
    None
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
        .or_else(|| minted_for(g, i))
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
        expires_at: g.expires_at(i).filter(|_| n.kind.is_credential()),
        expiry_basis: g.expiry_basis(i),
    }
}
