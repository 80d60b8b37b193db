//! Sprawl review: findings over the whole graph, each mapped to the OWASP
//! Non-Human Identities Top 10 (2025), and a risk ranking of every credential by the value of its
//! blast radius if stolen.
//!
//! The rules, their thresholds and severities are documented for users in
//! `docs/sprawl-review.md`; this module is the reference. Every rule reads the same graph the blast
//! radius reads and says *which facts* triggered it (`detail`) and *what to do* on the platform the
//! target lives on (`fix`).
//!
//! ## Impact decides severity
//! Several rules escalate to `high` when the target "reaches a crown jewel": its blast radius —
//! computed exactly as `heir blast --from TARGET --attacker off-device --at AT` — contains a node of
//! criticality ≥ [`SprawlOptions::crown_criticality`] or tagged `tier0`. Those blast radii are the
//! ones the ranking needs anyway, so they are computed once, for every credential and every NHI,
//! on all cores.
//!
//! ## The ranking
//! `score = Σ criticality(n) × window(n)` over the nodes `n` the credential's blast radius reaches,
//! with `window(n) = 1` when the access is persistent or never expires and
//! `min(1, hours left / 24)` otherwise: a credential that dies within the hour is worth a fraction
//! of one that lasts a day or more. Every term is ≥ 0, so reaching more never lowers the score.
//! `reach` is the number of reached nodes, exactly `heir blast`'s `reached` count.
//!
//! ## Layout
//! Here: the options, the report types and the driver. `catalog` holds the rule catalogue,
//! `rules` one file per rule, `fixes` the `fix` texts, `ranking` the blast summaries and the
//! ranking, `breadth` the scope table, `review` the helpers every rule shares.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::model::{EdgeKind, NodeKind, Timestamp, TrustGraph};

mod breadth;
mod catalog;
mod fixes;
mod ranking;
mod review;
mod rules;

pub use catalog::{rule, Rule, OWASP_INDEX, RULES};
use ranking::{summarize_all, Summary};
use review::same_platform;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

// ------------------------------------------------------------------------------------------------
// Options and report

/// Thresholds of the review. `Default` gives the documented defaults, evaluated now.
#[derive(Debug, Clone)]
pub struct SprawlOptions {
    /// What is alive, stale and long-lived is judged at this time.
    pub at: Timestamp,
    /// `stale-credential`: unused for more than this many days.
    pub stale_days: u32,
    /// `long-lived-credential`: a lifetime (`expires_at - issued_at`) over this many days.
    pub max_lifetime_days: u32,
    /// `long-lived-credential`: issued more than this many days ago (never rotated since).
    pub rotation_days: u32,
    /// `secret-in-shared-place`: at least this many people (accounts grouped by `person`) reach
    /// the place holding the secret.
    pub exposure_accounts: usize,
    /// `third-party-broad-grant`: a third-party app holding at least this many grants.
    pub third_party_grants: usize,
    /// `non-revocable-credential`: a `ttl_only` credential with more than this many days left.
    pub long_window_days: u32,
    /// Length of the ranking (`usize::MAX`: every credential).
    pub top: usize,
    /// A reached node with at least this criticality (or tagged `tier0`) is a crown jewel.
    pub crown_criticality: u8,
}

impl Default for SprawlOptions {
    fn default() -> Self {
        SprawlOptions {
            at: Timestamp::now(),
            stale_days: 90,
            max_lifetime_days: 90,
            rotation_days: 90,
            exposure_accounts: 10,
            third_party_grants: 25,
            long_window_days: 1,
            top: usize::MAX,
            crown_criticality: 8,
        }
    }
}

/// How bad a finding is. Ordered: `Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: &'static [Severity] = &[Severity::High, Severity::Medium, Severity::Low];

    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Parses `low`, `medium` or `high` (for `--fail-on`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: the contract of `heir sprawl` (`docs/contracts.md`) plus optional extensions.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Finding {
    /// Rule id (kebab-case), see [`RULES`].
    pub rule: String,
    /// OWASP Non-Human Identities Top 10 entry, `NHIn:2025`.
    pub owasp: String,
    pub severity: Severity,
    /// The node id the finding is about.
    pub target: String,
    /// The facts that triggered it.
    pub detail: String,
    /// What to do, platform-specific where the platform is known.
    pub fix: String,
    /// Extension: the target's kind.
    pub kind: NodeKind,
    /// Extension: the target's platform.
    pub platform: String,
    /// Extension: the target's name, when the graph gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One credential of the risk ranking.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RankEntry {
    /// Credential id.
    pub id: String,
    /// Σ criticality × window over the reached nodes (see the module documentation).
    pub score: f64,
    /// Nodes reached if it is stolen: `heir blast`'s `reached` count.
    pub reach: usize,
    /// Extension: session, token or oauth_grant.
    pub kind: NodeKind,
    /// Extension.
    pub platform: String,
    /// Extension: false when it is expired or inactive at `at` (it then reaches nothing).
    pub alive: bool,
    /// Extension: some of its reach is persistent (an `owns`/`admin_of` was crossed).
    pub persistent: bool,
    /// Extension: its own expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// Extension: how many reached nodes are crown jewels.
    pub crown_jewels: usize,
    /// Extension: the most critical node reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<String>,
}

/// The answer of `heir sprawl`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SprawlReport {
    pub at: Timestamp,
    /// Highest severity first, then by OWASP entry, rule and target.
    pub findings: Vec<Finding>,
    /// Highest score first, ties by id.
    pub ranking: Vec<RankEntry>,
    /// Extension: sources collected incompletely (findings and reach may be understated).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete_sources: Vec<String>,
    /// Extension: credentials scored (the ranking may be cut to `top`).
    pub credentials: usize,
}

/// The worst severity among the findings, for `--fail-on`.
pub fn worst(r: &SprawlReport) -> Option<Severity> {
    r.findings.iter().map(|f| f.severity).max()
}

// ------------------------------------------------------------------------------------------------
// The review

struct Review<'a> {
    g: &'a TrustGraph,
    opts: &'a SprawlOptions,
    at: i64,
    summaries: HashMap<NodeIndex, Summary>,
    departed: HashSet<String>,
    /// Apps that hold a grant on another platform family, or say they are third-party.
    third_party: HashSet<NodeIndex>,
    findings: Vec<Finding>,
}

/// Runs every rule and ranks every credential.
pub fn sprawl(g: &TrustGraph, opts: &SprawlOptions) -> SprawlReport {
    // Every credential's reach is searched: contiguous out-edges repay their one pass.
    g.pack_out_edges();
    let all: Vec<NodeIndex> = g.graph.node_indices().collect();
    let credentials: Vec<NodeIndex> = all
        .iter()
        .copied()
        .filter(|&i| g.facts(i).kind.is_credential())
        .collect();
    let nhis = all.iter().copied().filter(|&i| g.facts(i).kind.is_nhi());
    let sources: Vec<NodeIndex> = credentials.iter().copied().chain(nhis).collect();
    let summaries: HashMap<NodeIndex, Summary> = sources
        .iter()
        .copied()
        .zip(summarize_all(g, opts.at, opts.crown_criticality, &sources))
        .collect();

    let mut review = Review {
        g,
        opts,
        at: opts.at.as_millis(),
        summaries,
        departed: departed_people(g),
        third_party: third_party_apps(g),
        findings: Vec::new(),
    };
    review.run_rules();

    let mut findings = review.findings;
    let order = |f: &Finding| {
        RULES
            .iter()
            .position(|r| r.id == f.rule)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        Reverse(a.severity)
            .cmp(&Reverse(b.severity))
            .then(order(a).cmp(&order(b)))
            .then_with(|| a.target.cmp(&b.target))
    });
    findings.dedup_by(|a, b| a.rule == b.rule && a.target == b.target);

    let ranking = ranking::rank(g, &review.summaries, &credentials, opts.top, review.at);

    SprawlReport {
        at: opts.at,
        findings,
        ranking,
        incomplete_sources: g.incomplete_sources(),
        credentials: credentials.len(),
    }
}

/// Apps that hold a grant on another platform family than their own, or say they are
/// third-party (`props.third_party: true`).
fn third_party_apps(g: &TrustGraph) -> HashSet<NodeIndex> {
    g.graph
        .node_indices()
        .filter(|&a| g.facts(a).kind == NodeKind::App)
        .filter(|&a| {
            let n = g.node(a);
            n.props.get("third_party").and_then(Value::as_bool) == Some(true)
                || g.graph.edges_directed(a, Direction::Outgoing).any(|e| {
                    e.weight().kind == EdgeKind::Holds
                        && g.facts(e.target()).kind == NodeKind::OauthGrant
                        && !same_platform(g.node(e.target()).platform(), n.platform())
                })
        })
        .collect()
}

/// People whose identity-provider account is disabled: every account of theirs that federates
/// into others (`sso` source) is disabled; with no such account, every account is.
fn departed_people(g: &TrustGraph) -> HashSet<String> {
    // person -> (any primary, all primary disabled, all disabled)
    // Every account's record is read once and not kept (`node_uncached`): holding them all
    // would be hundreds of megabytes on a large estate, for one field.
    let mut people: BTreeMap<String, (bool, bool, bool)> = BTreeMap::new();
    for i in g.graph.node_indices() {
        let f = g.facts(i);
        if !f.kind.is_account() {
            continue;
        }
        let Some(person) = g.node_uncached(i).into_owned().person else {
            continue;
        };
        let primary = g
            .graph
            .edges_directed(i, Direction::Outgoing)
            .any(|e| e.weight().kind == EdgeKind::Sso);
        let e = people.entry(person).or_insert((false, true, true));
        if primary {
            e.0 = true;
            e.1 &= !f.enabled;
        }
        e.2 &= !f.enabled;
    }
    people
        .into_iter()
        .filter(
            |(_, (any_primary, primary_off, all_off))| {
                if *any_primary {
                    *primary_off
                } else {
                    *all_off
                }
            },
        )
        .map(|(p, _)| p)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::High > Severity::Medium && Severity::Medium > Severity::Low);
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("critical"), None);
    }
}
