//! Sprawl review (product.md §5): findings over the whole graph, each mapped to the OWASP
//! Non-Human Identities Top 10 (2025), and a risk ranking of every credential by the value of its
//! blast radius if stolen.
//!
//! The rules, their thresholds and severities are documented for users in
//! `docs/sprawl-review.md`; this file is the reference. Every rule reads the same graph the blast
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

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::analysis::blast::{blast, BlastQuery};
use crate::analysis::mechanism::{effective_revocation, Platform, Subject};
use crate::model::{
    Attacker, EdgeKind, Node, NodeKind, Requirement, Revocation, Timestamp, TokenType, TrustGraph,
};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
/// How many nodes the backwards search of `secret-in-shared-place` visits per holder at most, and
/// how many people it counts before it stops ("at least" in the detail).
const BACKWARD_LIMIT: usize = 50_000;
const PEOPLE_LIMIT: usize = 1_000;

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

/// One rule of the review: what it checks and which OWASP NHI Top 10 (2025) entry it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Kebab-case id, the `rule` of a finding.
    pub id: &'static str,
    /// `NHIn:2025`.
    pub owasp: &'static str,
    /// The OWASP entry's title.
    pub owasp_title: &'static str,
    /// The OWASP entry's page.
    pub owasp_uri: &'static str,
    /// PascalCase name (SARIF `name`).
    pub name: &'static str,
    /// One line.
    pub short: &'static str,
    /// What triggers it and why it matters.
    pub full: &'static str,
    /// How its severity is decided.
    pub severity: &'static str,
}

const OWASP: &str = "https://owasp.org/www-project-non-human-identities-top-10/2025/";

macro_rules! owasp_uri {
    ($slug:literal) => {
        concat!(
            "https://owasp.org/www-project-non-human-identities-top-10/2025/",
            $slug,
            "/"
        )
    };
}

/// Every rule, in report order (OWASP entry, then rule).
pub const RULES: &[Rule] = &[
    Rule {
        id: "orphaned-nhi",
        owasp: "NHI1:2025",
        owasp_title: "Improper Offboarding",
        owasp_uri: owasp_uri!("1-improper-offboarding"),
        name: "OrphanedNhi",
        short: "Service account with no owner, or whose every owner has left",
        full: "An enabled service account (or a workload with recorded owners) that no enabled \
               account owns: no `owns` edge into it, or every owner is disabled or belongs to a \
               person whose identity-provider account is disabled. Nobody answers for it, so \
               nobody rotates or retires it.",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "departed-owner-credential",
        owasp: "NHI1:2025",
        owasp_title: "Improper Offboarding",
        owasp_uri: owasp_uri!("1-improper-offboarding"),
        name: "DepartedOwnerCredential",
        short: "Live credential of a person who has been offboarded",
        full: "A credential that is still alive although the person it belongs to (its `person`, \
               or the person of the account it authenticates as) has left: their \
               identity-provider account is disabled. Disabling the IdP account does not revoke \
               tokens issued on other platforms (partial offboarding).",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "stale-credential",
        owasp: "NHI1:2025",
        owasp_title: "Improper Offboarding",
        owasp_uri: owasp_uri!("1-improper-offboarding"),
        name: "StaleCredential",
        short: "Live credential unused for a long time",
        full: "A live credential whose `last_used_at` is older than the stale threshold, or that \
               its collector marks as never used (`props.never_used: true`) and was issued before \
               it. Nothing needs it any more, but it still works: it was never offboarded.",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "secret-in-shared-place",
        owasp: "NHI2:2025",
        owasp_title: "Secret Leakage",
        owasp_uri: owasp_uri!("2-secret-leakage"),
        name: "SecretInSharedPlace",
        short: "Secrets held in a place many people can reach",
        full: "A resource, app or workload holds live credentials (`holds`) and at least N \
               distinct people (accounts grouped by `person`) have a traversable path to it. \
               Everyone who can reach the place can copy the secret.",
        severity: "high when the place is not a secret store (a ticket, a document, a repo: the \
                   secret has leaked) or a held credential reaches a crown jewel, else medium",
    },
    Rule {
        id: "third-party-broad-grant",
        owasp: "NHI3:2025",
        owasp_title: "Vulnerable Third-Party NHI",
        owasp_uri: owasp_uri!("3-vulnerable-third-party-nhi"),
        name: "ThirdPartyBroadGrant",
        short: "Third-party app holding broad or many grants",
        full: "An app on another platform than the grants it holds (or marked \
               `props.third_party`) holds grants or tokens with broad scopes (admin, write-all, \
               read-everything) or at least M grants. A breach of the vendor is a breach of every \
               tenant it holds tokens for.",
        severity: "high with a broad scope, medium when only the number of grants triggers it",
    },
    Rule {
        id: "weak-auth-owner",
        owasp: "NHI4:2025",
        owasp_title: "Insecure Authentication",
        owasp_uri: owasp_uri!("4-insecure-authentication"),
        name: "WeakAuthOwner",
        short: "Account without MFA that owns or administers NHIs",
        full: "A human account that owns a service account or app, or administers an app or \
               identity provider, with no evidence of MFA: no session with `mfa: true` \
               authenticating as it, no federated sign-in into it that requires MFA or comes from \
               an account with MFA evidence, or props saying MFA is not registered. Whoever \
               guesses or phishes its password can mint credentials for the NHIs.",
        severity: "high when MFA is known to be missing (props say so, or only sessions without \
                   MFA were seen), low when it merely cannot be confirmed",
    },
    Rule {
        id: "password-on-service-account",
        owasp: "NHI4:2025",
        owasp_title: "Insecure Authentication",
        owasp_uri: owasp_uri!("4-insecure-authentication"),
        name: "PasswordOnServiceAccount",
        short: "Service account signing in with a password",
        full: "A live token of type `password` authenticates as a service account: a static, \
               guessable, phishable secret on an identity no human watches.",
        severity: "high",
    },
    Rule {
        id: "overprivileged-nhi",
        owasp: "NHI5:2025",
        owasp_title: "Overprivileged NHI",
        owasp_uri: owasp_uri!("5-overprivileged-nhi"),
        name: "OverprivilegedNhi",
        short: "NHI or NHI credential with admin, wildcard or tenant-wide scopes",
        full: "A service account that is `admin_of` something (directly or through the roles and \
               groups it can assume or is a member of) or holds admin, wildcard or write-all \
               scopes (`*`, `repo`, `admin:*`, `Directory.ReadWrite.All`, `Mail.ReadWrite`, \
               `okta.*.manage`…), tenant-wide read scopes (`Mail.Read` as an application, \
               `.default`, domain-wide delegation); or such a grant or token held by a workload \
               or app.",
        severity: "high for admin, wildcard and write-all; medium for tenant-wide read",
    },
    Rule {
        id: "static-cloud-credential",
        owasp: "NHI6:2025",
        owasp_title: "Insecure Cloud Deployment Configurations",
        owasp_uri: owasp_uri!("6-insecure-cloud-deployment-configurations"),
        name: "StaticCloudCredential",
        short: "Workload or CI holding a static cloud key instead of a federated identity",
        full: "A workload or app (CI system, function, VM) holds a long-term cloud credential — \
               an AWS access key, a Google service-account key, an Entra client secret or \
               certificate — where the platform offers a federated or attached identity (OIDC, \
               execution role, attached service account, managed identity).",
        severity: "high when a held key reaches a crown jewel, else medium",
    },
    Rule {
        id: "long-lived-credential",
        owasp: "NHI7:2025",
        owasp_title: "Long-Lived Secrets",
        owasp_uri: owasp_uri!("7-long-lived-secrets"),
        name: "LongLivedCredential",
        short: "Credential that never expires, lives too long, or is never rotated",
        full: "A live session or token with no `expires_at`, a lifetime over the maximum, or \
               issued longer ago than the rotation period. A stolen copy works for as long. \
               (Grants are consents, not secrets: their tokens are checked instead.)",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "non-revocable-credential",
        owasp: "NHI7:2025",
        owasp_title: "Long-Lived Secrets",
        owasp_uri: owasp_uri!("7-long-lived-secrets"),
        name: "NonRevocableCredential",
        short: "Credential that cannot be revoked and stays valid for long",
        full: "A live credential that can only die at expiry (`ttl_only`) with more than the \
               allowed window left, or a static one (`none`) that is not already reported as \
               long-lived. Once stolen, nothing shortens the attacker's window.",
        severity: "medium when its blast radius reaches a crown jewel, else low",
    },
    Rule {
        id: "mixed-environment-nhi",
        owasp: "NHI8:2025",
        owasp_title: "Environment Isolation",
        owasp_uri: owasp_uri!("8-environment-isolation"),
        name: "MixedEnvironmentNhi",
        short: "One NHI spanning production and non-production",
        full: "A service account or workload whose own tags and blast radius cover both \
               `env:prod` and a non-production environment (`env:dev`, `env:test`, \
               `env:staging`…). A compromise of the weaker environment walks into production.",
        severity: "high when a non-production NHI reaches production, else medium",
    },
    Rule {
        id: "reused-credential",
        owasp: "NHI9:2025",
        owasp_title: "NHI Reuse",
        owasp_uri: owasp_uri!("9-nhi-reuse"),
        name: "ReusedCredential",
        short: "One credential held by several workloads or devices",
        full: "The same live credential is held by two or more workloads or devices. Each copy \
               is a place to steal it from, and rotating it breaks all of them at once.",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "human-use-of-nhi",
        owasp: "NHI10:2025",
        owasp_title: "Human Use of NHI",
        owasp_uri: owasp_uri!("10-human-use-of-nhi"),
        name: "HumanUseOfNhi",
        short: "Interactive session signed in as a service account",
        full: "A `session` (or a cookie token) authenticates as a service account: a person is \
               using a non-human identity interactively, without their own accountability, MFA \
               or offboarding.",
        severity: "high",
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The OWASP NHI Top 10 (2025) index page.
pub const OWASP_INDEX: &str = OWASP;

/// One finding: the contract of `heir sprawl` (contracts.md) plus optional extensions.
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
// Blast summaries

/// What the review keeps of one blast radius.
#[derive(Debug, Clone, Default)]
struct Summary {
    reach: usize,
    score: f64,
    persistent: bool,
    crown: usize,
    top: Option<NodeIndex>,
    /// Reached nodes tagged production / non-production, with the path to the most critical.
    prod: usize,
    prod_path: Vec<NodeIndex>,
    nonprod: usize,
    nonprod_path: Vec<NodeIndex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Env {
    Prod,
    NonProd,
}

fn env_of(n: &Node) -> Option<Env> {
    let mut found = None;
    for t in &n.tags {
        let Some(v) = t.strip_prefix("env:") else {
            continue;
        };
        match v.to_ascii_lowercase().as_str() {
            "prod" | "production" | "prd" | "live" => return Some(Env::Prod),
            "dev" | "development" | "test" | "testing" | "qa" | "staging" | "stage" | "stg"
            | "sandbox" | "nonprod" | "non-prod" | "preprod" | "uat" => found = Some(Env::NonProd),
            _ => {}
        }
    }
    found
}

fn env_tag(n: &Node) -> Option<&str> {
    n.tags
        .iter()
        .map(String::as_str)
        .find(|t| t.starts_with("env:"))
}

fn tier0(n: &Node) -> bool {
    n.tags.iter().any(|t| t == "tier0")
}

/// The window factor of the score: 1 for persistent or unbounded access, else the share of the
/// next 24 hours the access lasts.
fn window_factor(persistent: bool, until: i64, now: i64) -> f64 {
    if persistent || until == i64::MAX {
        1.0
    } else {
        ((until - now) as f64 / (24 * HOUR) as f64).clamp(0.0, 1.0)
    }
}

/// Per-node facts every summary reads, worked out once: a summary visits each node it reaches,
/// and re-reading tags from the full record for each of hundreds of thousands of credentials
/// was most of the ranking's time.
struct Traits {
    env: Vec<Option<Env>>,
    crown: Vec<bool>,
}

impl Traits {
    fn of(g: &TrustGraph, crown: u8) -> Self {
        // Every record is read once and not kept (see `departed_people`), on every core.
        let nodes: Vec<NodeIndex> = g.graph.node_indices().collect();
        let both = crate::sys::par::map_chunks(&nodes, 4096, |run, out| {
            out.extend(run.iter().map(|&i| {
                let n = g.node_uncached(i);
                (env_of(&n), g.facts(i).criticality >= crown || tier0(&n))
            }))
        });
        let (env, crown) = both.into_iter().unzip();
        Traits { env, crown }
    }
}

/// Summary of one source from its reached nodes `(node, persistent, until)`; `path` gives the
/// explaining chain when it is known (NHIs, for the environment rule).
fn summary_of(
    g: &TrustGraph,
    traits: &Traits,
    at: Timestamp,
    reached: &[(NodeIndex, bool, i64)],
    path: &dyn Fn(NodeIndex) -> Vec<NodeIndex>,
) -> Summary {
    let now = at.as_millis();
    let mut s = Summary {
        reach: reached.len(),
        ..Summary::default()
    };
    let mut score = 0.0;
    // `heir blast` lists the most critical, longest-lived node first; that is the `top`.
    let mut top: Option<(u8, bool, i64, std::cmp::Reverse<&str>, NodeIndex)> = None;
    // Summed in node order, so the score does not depend on how the reach was computed.
    let mut ordered = reached.to_vec();
    ordered.sort_unstable_by_key(|r| r.0);
    for &(x, persistent, until) in &ordered {
        let crit = g.facts(x).criticality;
        score += crit as f64 * window_factor(persistent, until, now);
        s.persistent |= persistent;
        let key = (crit, persistent, until, std::cmp::Reverse(g.id(x)), x);
        if top.as_ref().is_none_or(|t| key > *t) {
            top = Some(key);
        }
        if traits.crown[x.index()] {
            s.crown += 1;
        }
        match traits.env[x.index()] {
            Some(Env::Prod) => {
                s.prod += 1;
            }
            Some(Env::NonProd) => {
                s.nonprod += 1;
            }
            None => {}
        }
    }
    s.top = top.map(|t| t.4);
    // The example path to each environment: to its most critical node, as `heir blast` sorts.
    for (env, slot) in [
        (Env::Prod, &mut s.prod_path),
        (Env::NonProd, &mut s.nonprod_path),
    ] {
        let best = reached
            .iter()
            .filter(|(x, _, _)| traits.env[x.index()] == Some(env))
            .max_by_key(|&&(x, p, u)| (g.facts(x).criticality, p, u, std::cmp::Reverse(g.id(x))));
        if let Some(&(x, _, _)) = best {
            *slot = path(x);
        }
    }
    s.score = (score * 1000.0).round() / 1000.0;
    s
}

/// A full `heir blast` (with paths): for NHIs, whose findings quote a path.
fn summarize(g: &TrustGraph, traits: &Traits, at: Timestamp, source: NodeIndex) -> Summary {
    let r = blast(
        g,
        &BlastQuery {
            from: vec![source],
            at,
            attacker: Attacker::OffDevice,
        },
    );
    let reached: Vec<(NodeIndex, bool, i64)> = r
        .reached
        .iter()
        .map(|x| {
            (
                x.node,
                x.persistent,
                x.until.map_or(i64::MAX, Timestamp::as_millis),
            )
        })
        .collect();
    let paths: HashMap<NodeIndex, &crate::analysis::blast::Reached> =
        r.reached.iter().map(|x| (x.node, x)).collect();
    summary_of(g, traits, at, &reached, &|x| {
        paths.get(&x).map(|p| r.path(p)).unwrap_or_default()
    })
}

/// Blast summaries of `sources`, in order, on every available core. Credentials — the bulk of an
/// estate — go through the shared-work reach ([`crate::analysis::reach`]), whose windows equal
/// `heir blast`'s exactly; NHIs, whose findings quote paths, get a full blast.
fn summarize_all(g: &TrustGraph, at: Timestamp, crown: u8, sources: &[NodeIndex]) -> Vec<Summary> {
    use crate::analysis::reach::{reach, Memo};
    if sources.is_empty() {
        return Vec::new();
    }
    let threads = crate::sys::par::threads().min(sources.len());
    // Contiguous chunks, so the credentials of one account (adjacent in collected documents)
    // tend to share a thread and its memo.
    let chunk = sources.len().div_ceil(threads);
    let traits = &Traits::of(g, crown);
    let mut out = vec![Summary::default(); sources.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    // Labels are 16 bytes: at most 4 per node of the graph per thread keeps the
                    // ranking under heir's memory target while holding many admin-sized reaches.
                    let mut memo = Memo::new((4 * g.graph.node_count()).clamp(1 << 16, 32 << 20));
                    part.iter()
                        .enumerate()
                        .map(|(k, &src)| {
                            let s = if g.facts(src).kind.is_credential() {
                                let reached = reach(g, src, at, Attacker::OffDevice, &mut memo);
                                summary_of(g, traits, at, &reached, &|_| Vec::new())
                            } else {
                                summarize(g, traits, at, src)
                            };
                            (c * chunk + k, s)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (k, s) in h.join().expect("a ranking thread panicked") {
                out[k] = s;
            }
        }
    });
    out
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
    review.orphaned_nhi();
    review.departed_owner_credential();
    review.stale_credential();
    review.secret_in_shared_place();
    review.third_party_broad_grant();
    review.weak_auth_owner();
    review.password_on_service_account();
    review.overprivileged_nhi();
    review.static_cloud_credential();
    review.long_lived_and_non_revocable();
    review.mixed_environment_nhi();
    review.reused_credential();
    review.human_use_of_nhi();

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

    // Best score first, then id. Only the rows shown are built: a record is read for each, and
    // reading (and keeping) one per credential was most of the ranking's memory.
    let mut order: Vec<(f64, NodeIndex)> = credentials
        .iter()
        .map(|&c| (review.summaries[&c].score, c))
        .collect();
    let better = |a: &(f64, NodeIndex), b: &(f64, NodeIndex)| {
        b.0.total_cmp(&a.0).then_with(|| g.id(a.1).cmp(g.id(b.1)))
    };
    if opts.top < order.len() {
        if opts.top > 0 {
            order.select_nth_unstable_by(opts.top - 1, better);
        }
        order.truncate(opts.top);
    }
    order.sort_by(better);
    let ranking: Vec<RankEntry> = order
        .iter()
        .map(|&(_, c)| {
            let s = &review.summaries[&c];
            let n = g.node(c);
            RankEntry {
                id: n.id.clone(),
                score: s.score,
                reach: s.reach,
                kind: n.kind,
                platform: n.platform().to_string(),
                alive: g.facts(c).alive_at(review.at),
                persistent: s.persistent,
                expires_at: n.expires_at,
                crown_jewels: s.crown,
                top: s.top.map(|t| g.id(t).to_string()),
            }
        })
        .collect();

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

// ------------------------------------------------------------------------------------------------
// Helpers over the graph

impl<'a> Review<'a> {
    fn node(&self, i: NodeIndex) -> &'a Node {
        self.g.node(i)
    }

    fn id(&self, i: NodeIndex) -> &'a str {
        self.g.id(i)
    }

    fn alive(&self, i: NodeIndex) -> bool {
        self.g.facts(i).alive_at(self.at)
    }

    fn sources_of(&self, i: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
        let mut v: Vec<NodeIndex> = self
            .g
            .graph
            .edges_directed(i, Direction::Incoming)
            .filter(|e| e.weight().kind == kind)
            .map(|e| e.source())
            .collect();
        v.sort_by(|a, b| self.id(*a).cmp(self.id(*b)));
        v.dedup();
        v
    }

    fn targets_of(&self, i: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
        let mut v: Vec<NodeIndex> = self
            .g
            .graph
            .edges_directed(i, Direction::Outgoing)
            .filter(|e| e.weight().kind == kind)
            .map(|e| e.target())
            .collect();
        v.sort_by(|a, b| self.id(*a).cmp(self.id(*b)));
        v.dedup();
        v
    }

    fn crown(&self, i: NodeIndex) -> bool {
        self.summaries.get(&i).is_some_and(|s| s.crown > 0)
    }

    /// "If stolen it reaches N nodes (M crown jewels…); most critical: X." or "".
    fn reach_note(&self, i: NodeIndex) -> String {
        self.reach_text(i, "If stolen it", true)
    }

    /// The same for an NHI: what whoever controls it reaches.
    fn nhi_reach_note(&self, i: NodeIndex) -> String {
        self.reach_text(i, "Whoever controls it", false)
    }

    fn reach_text(&self, i: NodeIndex, lead: &str, say_persistence: bool) -> String {
        match self.summaries.get(&i) {
            Some(s) if s.reach > 0 => {
                let top = s
                    .top
                    .map(|t| {
                        format!(
                            "; most critical: {} (criticality {})",
                            self.id(t),
                            self.g.facts(t).criticality
                        )
                    })
                    .unwrap_or_default();
                let persistence = if say_persistence && s.persistent {
                    ", with persistence"
                } else {
                    ""
                };
                format!(
                    "{lead} reaches {} node{} ({} crown jewel{}{persistence}){top}.",
                    s.reach,
                    plural(s.reach),
                    s.crown,
                    plural(s.crown)
                )
            }
            _ => String::new(),
        }
    }

    fn push(
        &mut self,
        rule: &'static str,
        severity: Severity,
        target: NodeIndex,
        detail: String,
        fix: String,
    ) {
        let r = rule_of(rule);
        let n = self.g.node(target);
        self.findings.push(Finding {
            rule: r.id.to_string(),
            owasp: r.owasp.to_string(),
            severity,
            target: n.id.clone(),
            detail,
            fix,
            kind: n.kind,
            platform: n.platform().to_string(),
            name: n.name.clone(),
        });
    }

    fn impact(&self, i: NodeIndex) -> Severity {
        if self.crown(i) {
            Severity::High
        } else {
            Severity::Medium
        }
    }

    /// The person a credential belongs to: its own `person`, else that of the human account it
    /// authenticates as.
    /// The person behind a credential: its own `person`, else its account's. Read without
    /// keeping the records: this is asked of every live credential.
    fn person_of(&self, c: NodeIndex) -> Option<String> {
        let person = |i: NodeIndex| self.g.node_uncached(i).into_owned().person;
        person(c).or_else(|| {
            self.targets_of(c, EdgeKind::AuthenticatesAs)
                .into_iter()
                .find_map(person)
        })
    }

    fn third_party_app(&self, a: NodeIndex) -> bool {
        self.third_party.contains(&a)
    }

    /// Every holder of the credential is a third-party app (the vendor's NHI, reported under NHI3).
    fn third_party_held(&self, c: NodeIndex) -> bool {
        let holders = self.sources_of(c, EdgeKind::Holds);
        !holders.is_empty() && holders.iter().all(|&h| self.third_party_app(h))
    }

    /// Credentials authenticating as an NHI.
    fn credentials_of(&self, nhi: NodeIndex) -> Vec<NodeIndex> {
        self.sources_of(nhi, EdgeKind::AuthenticatesAs)
            .into_iter()
            .filter(|&c| self.g.facts(c).kind.is_credential())
            .collect()
    }

    /// A service account whose credentials all live with a third-party vendor.
    fn vendor_nhi(&self, nhi: NodeIndex) -> bool {
        let creds = self.credentials_of(nhi);
        !creds.is_empty() && creds.iter().all(|&c| self.third_party_held(c))
    }

    fn subject(&self, i: NodeIndex) -> Subject<'a> {
        let n = self.node(i);
        Subject {
            platform: n.platform(),
            kind: n.kind,
            token_type: n.token_type,
            revocation: n.revocation,
            native_id: native_id(&n.id),
            name: n.name.as_deref(),
            account: None,
            client: None,
            role: None,
            props: &n.props,
            expires_at: n.expires_at,
        }
    }

    fn path_text(&self, path: &[NodeIndex]) -> String {
        path.iter()
            .map(|&p| self.id(p))
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

fn rule_of(id: &str) -> &'static Rule {
    rule(id).expect("rule ids are constants of this module")
}

/// "Delete it" -> "delete it", to follow a colon; commands (in backticks) stay as they are.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_ascii_uppercase() => f.to_ascii_lowercase().to_string() + c.as_str(),
        Some(f) => f.to_string() + c.as_str(),
        None => String::new(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The native id: the node id after `platform:kind:`.
fn native_id(id: &str) -> &str {
    id.splitn(3, ':').nth(2).unwrap_or(id)
}

fn same_platform(a: &str, b: &str) -> bool {
    match (Platform::of(a), Platform::of(b)) {
        (Platform::Other, _) | (_, Platform::Other) => a.eq_ignore_ascii_case(b),
        (x, y) => x == y,
    }
}

fn date(ms: i64) -> String {
    let s = Timestamp::from_millis(ms).to_string();
    s.get(..10).unwrap_or(&s).to_string()
}

fn label(n: &Node) -> String {
    match &n.name {
        Some(name) => format!("{name} ({})", n.id),
        None => n.id.clone(),
    }
}

fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..max].join(", "), items.len() - max)
    }
}

/// Strings in a prop that is a string or an array of strings.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

// ------------------------------------------------------------------------------------------------
// Scope breadth

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Breadth {
    /// Reads everything of a kind, tenant-wide.
    ReadAll,
    /// Admin, wildcard or write-everything.
    Admin,
}

/// How broad one scope, permission or role name is, across the platforms heir knows.
fn breadth(scope: &str) -> Option<Breadth> {
    let s = scope.trim().to_ascii_lowercase();
    let last = s.rsplit('/').find(|p| !p.is_empty()).unwrap_or(&s);
    let admin = s.contains('*')
        || matches!(
            s.as_str(),
            "full"
                | "full_access"
                | "full_access_as_app"
                | "all"
                | "admin"
                | "root"
                | "repo"
                | "delete_repo"
                | "https://mail.google.com/"
        )
        || s.starts_with("admin:")
        || s.starts_with("admin.")
        || (s.starts_with("okta.") && s.ends_with(".manage"))
        || s.ends_with("readwrite.all")
        || s.ends_with("readwrite.directory")
        || matches!(
            last,
            "mail.readwrite"
                | "mail.send"
                | "cloud-platform"
                | "drive"
                | "gmail.modify"
                | "admin.directory.user"
                | "admin.directory.group"
        );
    if admin {
        return Some(Breadth::Admin);
    }
    let read_all = last == ".default"
        || s.ends_with("read.all")
        || matches!(
            last,
            "mail.read"
                | "channels:history"
                | "groups:history"
                | "im:history"
                | "mpim:history"
                | "files:read"
                | "drive.readonly"
                | "gmail.readonly"
                | "api"
        );
    read_all.then_some(Breadth::ReadAll)
}

/// The broad scopes among `scopes`, with the widest breadth.
fn broad(scopes: &[String]) -> (Option<Breadth>, Vec<String>) {
    let mut best = None;
    let mut names = Vec::new();
    for s in scopes {
        if let Some(b) = breadth(s) {
            best = best.max(Some(b));
            if !names.contains(s) {
                names.push(s.clone());
            }
        }
    }
    (best, names)
}

// ------------------------------------------------------------------------------------------------
// The rules

impl Review<'_> {
    /// NHI1: service accounts nobody (enabled, still employed) owns; workloads whose recorded
    /// owners are all gone. Workloads without `owns` are not reported: the model's `owns` edge
    /// targets service accounts, apps and resources, so collectors do not record workload owners.
    fn orphaned_nhi(&mut self) {
        for i in self.g.graph.node_indices() {
            let f = self.g.facts(i);
            if !f.kind.is_nhi() || !f.enabled || self.vendor_nhi(i) {
                continue;
            }
            let owners = self.sources_of(i, EdgeKind::Owns);
            if owners.is_empty() && f.kind == NodeKind::Workload {
                continue;
            }
            let gone = |o: NodeIndex| {
                !self.g.facts(o).enabled
                    || self
                        .node(o)
                        .person
                        .as_deref()
                        .is_some_and(|p| self.departed.contains(p))
            };
            if !owners.iter().all(|&o| gone(o)) {
                continue;
            }
            let creds = self.credentials_of(i);
            let live: Vec<String> = creds
                .iter()
                .filter(|&&c| self.alive(c))
                .map(|&c| self.id(c).to_string())
                .collect();
            let who = if owners.is_empty() {
                "has no owner (no `owns` edge).".to_string()
            } else {
                let names: Vec<String> = owners
                    .iter()
                    .map(|&o| {
                        let n = self.node(o);
                        let why = if !n.enabled() {
                            "disabled"
                        } else {
                            "person offboarded"
                        };
                        format!("{} ({why})", n.person.as_deref().unwrap_or(&n.id))
                    })
                    .collect();
                format!("has no owner left: {}.", names.join(", "))
            };
            let creds_text = if live.is_empty() {
                if creds.is_empty() {
                    " It has no credential in the graph.".to_string()
                } else {
                    format!(
                        " Its {} credential{} {} dead.",
                        creds.len(),
                        plural(creds.len()),
                        if creds.len() == 1 { "is" } else { "are" }
                    )
                }
            } else {
                format!(" Live credentials: {}.", list(&live, 4))
            };
            let detail = format!(
                "{} {who}{creds_text} {}",
                label(self.node(i)),
                self.nhi_reach_note(i)
            )
            .trim_end()
            .to_string();
            let sev = self.impact(i);
            let fix = fix_orphaned(self.node(i));
            self.push("orphaned-nhi", sev, i, detail, fix);
        }
    }

    /// NHI1: live credentials of offboarded people.
    fn departed_owner_credential(&mut self) {
        for c in self.g.graph.node_indices() {
            if !self.g.facts(c).kind.is_credential() || !self.alive(c) {
                continue;
            }
            let Some(person) = self.person_of(c) else {
                continue;
            };
            if !self.departed.contains(&person) {
                continue;
            }
            let n = self.node(c);
            let holders: Vec<String> = self
                .sources_of(c, EdgeKind::Holds)
                .into_iter()
                .map(|h| self.id(h).to_string())
                .collect();
            let held = if holders.is_empty() {
                String::new()
            } else {
                format!(" Held by {}.", list(&holders, 3))
            };
            let expiry = match n.expires_at {
                Some(t) => format!("it expires {}", date(t.as_millis())),
                None => "it never expires".to_string(),
            };
            let detail = format!(
                "{} belongs to {person}, whose identity-provider account is disabled, yet is \
                 still live ({expiry}).{held} {}",
                label(n),
                self.reach_note(c)
            )
            .trim_end()
            .to_string();
            let sev = self.impact(c);
            let fix = format!(
                "Revoke it now and add it to the offboarding checklist: {}",
                lower_first(&fix_retire(self, c))
            );
            self.push("departed-owner-credential", sev, c, detail, fix);
        }
    }

    /// NHI1: live credentials unused for `stale_days`.
    fn stale_credential(&mut self) {
        let limit = self.at - self.opts.stale_days as i64 * DAY;
        for c in self.g.graph.node_indices() {
            if !self.g.facts(c).kind.is_credential() || !self.alive(c) {
                continue;
            }
            let n = self.node(c);
            let fact = match n.last_used_at {
                Some(t) if t.as_millis() < limit => format!(
                    "last used {} ({} days ago)",
                    date(t.as_millis()),
                    (self.at - t.as_millis()) / DAY
                ),
                Some(_) => continue,
                None => {
                    let never = n.props.get("never_used").and_then(Value::as_bool) == Some(true);
                    match n.issued_at {
                        Some(t) if never && t.as_millis() < limit => format!(
                            "never used since it was issued {} ({} days ago)",
                            date(t.as_millis()),
                            (self.at - t.as_millis()) / DAY
                        ),
                        _ => continue,
                    }
                }
            };
            let detail = format!(
                "{} is live but {fact}; the threshold is {} days. {}",
                label(n),
                self.opts.stale_days,
                self.reach_note(c)
            )
            .trim_end()
            .to_string();
            let sev = self.impact(c);
            let fix = format!("Nothing uses it: retire it. {}", fix_retire(self, c));
            self.push("stale-credential", sev, c, detail, fix);
        }
    }

    /// NHI2: holders of live credentials that many people can reach.
    fn secret_in_shared_place(&mut self) {
        for h in self.g.graph.node_indices() {
            let kind = self.g.facts(h).kind;
            if !matches!(
                kind,
                NodeKind::Resource | NodeKind::App | NodeKind::Workload
            ) {
                continue;
            }
            let held: Vec<NodeIndex> = self
                .targets_of(h, EdgeKind::Holds)
                .into_iter()
                .filter(|&c| self.g.facts(c).kind.is_credential() && self.alive(c))
                .collect();
            if held.is_empty() {
                continue;
            }
            let exposure = self.who_reaches(h);
            let store = is_secret_store(self.node(h));
            // A ticket, document, repo or bucket is no place for a secret, however few reach it.
            let leak = kind == NodeKind::Resource && !store;
            if !leak && exposure.people < self.opts.exposure_accounts {
                continue;
            }
            let sev = if leak || held.iter().any(|&c| self.crown(c)) {
                Severity::High
            } else {
                Severity::Medium
            };
            let creds: Vec<String> = held.iter().map(|&c| self.id(c).to_string()).collect();
            let at_least = if exposure.truncated { "at least " } else { "" };
            let who = match exposure.example.first() {
                Some(&a) => {
                    let person = self
                        .node(a)
                        .person
                        .as_deref()
                        .map(|p| format!("{p} through "))
                        .unwrap_or_default();
                    format!(
                        "{at_least}{} {} can reach it (e.g. {person}{})",
                        exposure.people,
                        if exposure.people == 1 {
                            "person"
                        } else {
                            "people"
                        },
                        self.path_text(&exposure.example)
                    )
                }
                None => "no account reaches it".to_string(),
            };
            let where_ = if leak {
                " It is not a secret store: the secret has leaked there."
            } else {
                ""
            };
            let detail = format!(
                "{} holds {} live credential{} ({}) and {who}.{where_}",
                label(self.node(h)),
                held.len(),
                plural(held.len()),
                list(&creds, 6),
            );
            let fix = fix_shared_place(self, h, store, &held, &exposure.example);
            self.push("secret-in-shared-place", sev, h, detail, fix);
        }
    }

    /// People (accounts grouped by `person`) with a traversable path to `target`: a bounded
    /// breadth-first search backwards over traversable edges, skipping dead credentials and not
    /// counting disabled accounts. Returns one example path from the nearest account.
    fn who_reaches(&self, target: NodeIndex) -> Exposure {
        let g = self.g;
        let mut seen: HashMap<NodeIndex, Option<NodeIndex>> = HashMap::new();
        let mut queue = VecDeque::new();
        seen.insert(target, None);
        queue.push_back(target);
        let mut people: BTreeSet<&str> = BTreeSet::new();
        let mut example: Option<NodeIndex> = None;
        let mut truncated = false;
        while let Some(n) = queue.pop_front() {
            let f = g.facts(n);
            if n != target && f.kind.is_account() && f.enabled {
                let node = g.node(n);
                people.insert(node.person.as_deref().unwrap_or(&node.id));
                example.get_or_insert(n);
            }
            if people.len() >= PEOPLE_LIMIT {
                truncated = true;
                break;
            }
            let mut preds: Vec<NodeIndex> = g
                .graph
                .edges_directed(n, Direction::Incoming)
                .filter(|e| e.weight().kind.rule().traversable)
                .map(|e| e.source())
                .filter(|&s| g.facts(s).alive_at(self.at))
                .collect();
            preds.sort_by(|a, b| g.id(*a).cmp(g.id(*b)));
            for p in preds {
                if seen.contains_key(&p) {
                    continue;
                }
                if seen.len() >= BACKWARD_LIMIT {
                    truncated = true;
                    break;
                }
                seen.insert(p, Some(n));
                queue.push_back(p);
            }
        }
        let mut path = Vec::new();
        let mut cur = example;
        while let Some(n) = cur {
            path.push(n);
            cur = seen.get(&n).copied().flatten();
        }
        Exposure {
            people: people.len(),
            truncated,
            example: path,
        }
    }

    /// NHI3: third-party apps with broad scopes, many grants, or tokens that never expire.
    fn third_party_broad_grant(&mut self) {
        for a in self.g.graph.node_indices() {
            if !self.third_party_app(a) {
                continue;
            }
            let held: Vec<NodeIndex> = self
                .targets_of(a, EdgeKind::Holds)
                .into_iter()
                .filter(|&c| self.g.facts(c).kind.is_credential() && self.alive(c))
                .collect();
            let grants = held
                .iter()
                .filter(|&&c| self.g.facts(c).kind == NodeKind::OauthGrant)
                .count();
            // broad scope -> the credentials carrying it
            let mut broad_on: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            let mut widest = None;
            for &c in &held {
                let (b, names) = broad(&self.scopes_of(c));
                widest = widest.max(b);
                for name in names {
                    broad_on.entry(name).or_default().push(self.id(c));
                }
            }
            let forever: Vec<NodeIndex> = held
                .iter()
                .copied()
                .filter(|&c| {
                    self.g.facts(c).kind != NodeKind::OauthGrant
                        && self.node(c).expires_at.is_none()
                })
                .collect();
            let many = grants >= self.opts.third_party_grants;
            if widest.is_none() && !many && forever.is_empty() {
                continue;
            }
            let mut platforms: Vec<&str> = held.iter().map(|&c| self.node(c).platform()).collect();
            platforms.sort_unstable();
            platforms.dedup();
            let mut detail = format!(
                "{} holds {} live grant{} and {} other live credential{} on {}.",
                label(self.node(a)),
                grants,
                plural(grants),
                held.len() - grants,
                plural(held.len() - grants),
                platforms.join(", ")
            );
            if !broad_on.is_empty() {
                let parts: Vec<String> = broad_on
                    .iter()
                    .map(|(scope, on)| {
                        let more = if on.len() > 1 {
                            format!(" and {} more", on.len() - 1)
                        } else {
                            String::new()
                        };
                        format!("{scope} ({}{more})", on[0])
                    })
                    .collect();
                detail.push_str(&format!(" Broad scopes: {}.", list(&parts, 4)));
            }
            if many {
                detail.push_str(&format!(
                    " That is at least the {} grants allowed for one vendor.",
                    self.opts.third_party_grants
                ));
            }
            if !forever.is_empty() {
                detail.push_str(&format!(
                    " {} of its tokens never expire{}: a breach of the vendor keeps working \
                     until each is revoked.",
                    forever.len(),
                    match self.first_types(&forever) {
                        t if t.is_empty() => String::new(),
                        t => format!(" ({t})"),
                    }
                ));
            }
            let sev = if widest.is_some() {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_third_party(&platforms);
            self.push("third-party-broad-grant", sev, a, detail, fix);
        }
    }

    /// "3 refresh, 1 private_key" for a set of tokens.
    fn first_types(&self, creds: &[NodeIndex]) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for &c in creds {
            let t = self
                .node(c)
                .token_type
                .map_or(self.node(c).kind.as_str(), |t| t.as_str());
            *counts.entry(t).or_default() += 1;
        }
        counts
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Scopes of a credential: its own and those on its `can_access` edges.
    fn scopes_of(&self, c: NodeIndex) -> Vec<String> {
        let mut out = self.node(c).scopes.clone();
        for e in self.g.graph.edges_directed(c, Direction::Outgoing) {
            if e.weight().kind == EdgeKind::CanAccess {
                let props = &self.g.edge(e.id()).props;
                out.extend(strings(props.get("scopes")));
                out.extend(strings(props.get("permissions")));
                if props.get("level").and_then(Value::as_str) == Some("admin") {
                    out.push("admin".into());
                }
            }
        }
        out
    }

    /// NHI4: owners and administrators of NHIs without MFA evidence.
    fn weak_auth_owner(&mut self) {
        let evidence = self.mfa_evidence();
        for u in self.g.graph.node_indices() {
            let f = self.g.facts(u);
            if f.kind != NodeKind::User || !f.enabled {
                continue;
            }
            let controls = self.controlled_nhis(u);
            if controls.is_empty() {
                continue;
            }
            let n = self.node(u);
            let status = evidence.get(&u).copied().unwrap_or(Mfa::Unknown);
            let (sev, why) = match status {
                Mfa::Yes => continue,
                Mfa::No(why) => (Severity::High, why),
                Mfa::Unknown => (
                    Severity::Low,
                    "no MFA evidence: no session with MFA authenticates as it and no federated \
                     sign-in into it requires or carries MFA",
                ),
            };
            let detail = format!("{} {}: {why}.", label(n), controls_text(self, &controls));
            let fix = fix_mfa(n);
            self.push("weak-auth-owner", sev, u, detail, fix);
        }
    }

    /// What a human account owns or administers: `owns` targets (directly or as a member of a
    /// group), and `admin_of` targets of type app or idp (directly or through member_of /
    /// can_assume into groups and roles).
    fn controlled_nhis(&self, u: NodeIndex) -> Vec<(EdgeKind, NodeIndex)> {
        let mut out = BTreeSet::new();
        let mut stack = vec![(u, 0usize)];
        let mut seen = HashSet::from([u]);
        while let Some((n, depth)) = stack.pop() {
            for e in self.g.graph.edges_directed(n, Direction::Outgoing) {
                let t = e.target();
                let tk = self.g.facts(t).kind;
                match e.weight().kind {
                    EdgeKind::Owns
                        if matches!(
                            tk,
                            NodeKind::ServiceAccount | NodeKind::App | NodeKind::Workload
                        ) =>
                    {
                        out.insert((EdgeKind::Owns, t));
                    }
                    EdgeKind::AdminOf if matches!(tk, NodeKind::App | NodeKind::Idp) => {
                        out.insert((EdgeKind::AdminOf, t));
                    }
                    EdgeKind::MemberOf | EdgeKind::CanAssume
                        if matches!(tk, NodeKind::Group | NodeKind::Role)
                            && depth < 4
                            && seen.insert(t) =>
                    {
                        stack.push((t, depth + 1));
                    }
                    _ => {}
                }
            }
        }
        let mut v: Vec<(EdgeKind, NodeIndex)> = out.into_iter().collect();
        v.sort_by(|a, b| (a.0 as u8, self.id(a.1)).cmp(&(b.0 as u8, self.id(b.1))));
        v
    }

    /// MFA status per human account (see [`Mfa`]).
    fn mfa_evidence(&self) -> HashMap<NodeIndex, Mfa> {
        let g = self.g;
        let mut status: HashMap<NodeIndex, Mfa> = HashMap::new();
        let mut queue = VecDeque::new();
        for u in g.graph.node_indices() {
            if !g.facts(u).kind.is_account() {
                continue;
            }
            let n = g.node(u);
            let said = ["mfa", "mfa_registered", "mfa_enrolled", "mfa_enabled"]
                .iter()
                .find_map(|k| n.props.get(*k).and_then(Value::as_bool))
                .or(n.mfa);
            let mut with = false;
            let mut without = false;
            for e in g.graph.edges_directed(u, Direction::Incoming) {
                let s = e.source();
                let sf = g.facts(s);
                if e.weight().kind == EdgeKind::AuthenticatesAs && sf.kind.is_credential() {
                    match sf.mfa {
                        Some(true) => with = true,
                        Some(false) if is_session(g.node(s)) => without = true,
                        _ => {}
                    }
                }
                if e.weight().kind == EdgeKind::Sso
                    && e.weight().requires & Requirement::Mfa.bit() != 0
                {
                    with = true;
                }
            }
            if said == Some(true) || with {
                status.insert(u, Mfa::Yes);
                queue.push_back(u);
            } else if said == Some(false) {
                status.insert(
                    u,
                    Mfa::No("its directory record says MFA is not registered"),
                );
            } else if without {
                status.insert(u, Mfa::No("only sessions without MFA authenticate as it"));
            }
        }
        // A federated sign-in from an account with MFA evidence carries it.
        while let Some(u) = queue.pop_front() {
            for e in g.graph.edges_directed(u, Direction::Outgoing) {
                let t = e.target();
                if e.weight().kind == EdgeKind::Sso && !matches!(status.get(&t), Some(Mfa::Yes)) {
                    status.insert(t, Mfa::Yes);
                    queue.push_back(t);
                }
            }
        }
        status
    }

    /// NHI4: password tokens on service accounts.
    fn password_on_service_account(&mut self) {
        for c in self.g.graph.node_indices() {
            let n = self.node(c);
            if n.token_type != Some(TokenType::Password) || !self.alive(c) {
                continue;
            }
            for sa in self.targets_of(c, EdgeKind::AuthenticatesAs) {
                if self.g.facts(sa).kind != NodeKind::ServiceAccount {
                    continue;
                }
                let changed = n
                    .issued_at
                    .map(|t| format!(", set {}", date(t.as_millis())))
                    .unwrap_or_default();
                let detail = format!(
                    "{} signs in with a password ({}{changed}).",
                    label(self.node(sa)),
                    self.id(c)
                );
                let fix = fix_password(self.node(sa));
                self.push(
                    "password-on-service-account",
                    Severity::High,
                    sa,
                    detail,
                    fix,
                );
            }
        }
    }

    /// NHI5: service accounts with admin reach or broad scopes; broad grants/tokens held by
    /// workloads and apps.
    fn overprivileged_nhi(&mut self) {
        for sa in self.g.graph.node_indices() {
            let f = self.g.facts(sa);
            if f.kind != NodeKind::ServiceAccount || !f.enabled || self.vendor_nhi(sa) {
                continue;
            }
            let mut reasons = Vec::new();
            let mut widest = None;
            for (via, target) in self.admin_reach(sa) {
                widest = Some(Breadth::Admin);
                let via = if via.is_empty() {
                    String::new()
                } else {
                    format!(" through {}", via.join(" → "))
                };
                reasons.push(format!("admin of {}{via}", self.id(target)));
            }
            let mut scopes = Vec::new();
            let n = self.node(sa);
            scopes.extend(n.scopes.iter().cloned());
            for k in ["scopes", "appRoles", "roles", "permissions"] {
                scopes.extend(strings(n.props.get(k)));
            }
            for e in self.g.graph.edges_directed(sa, Direction::Outgoing) {
                if e.weight().kind == EdgeKind::CanAccess {
                    let p = &self.g.edge(e.id()).props;
                    scopes.extend(strings(p.get("scopes")));
                    scopes.extend(strings(p.get("permissions")));
                    scopes.extend(strings(p.get("role")));
                    if p.get("level").and_then(Value::as_str) == Some("admin") {
                        widest = Some(Breadth::Admin);
                        reasons.push(format!("admin-level access to {}", self.id(e.target())));
                    }
                }
            }
            let dwd = strings(n.props.get("domain_wide_delegation_scopes"));
            // Scopes granted through domain-wide delegation are reported with it, once.
            scopes.retain(|s| !dwd.iter().any(|d| d.ends_with(s.as_str())));
            let (b, names) = broad(&scopes);
            if b.is_some() {
                widest = widest.max(b);
                reasons.push(format!("broad scopes or permissions {}", names.join(", ")));
            }
            if !dwd.is_empty() {
                let (b, _) = broad(&dwd);
                widest = widest.max(Some(b.unwrap_or(Breadth::ReadAll)));
                reasons.push(format!(
                    "domain-wide delegation (acts as any user) for {}",
                    dwd.join(", ")
                ));
            }
            let Some(widest) = widest else { continue };
            reasons.dedup();
            let detail = format!(
                "{} is overprivileged: {}. {}",
                label(n),
                reasons.join("; "),
                self.nhi_reach_note(sa)
            )
            .trim_end()
            .to_string();
            let sev = if widest == Breadth::Admin {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_least_privilege(n, widest);
            self.push("overprivileged-nhi", sev, sa, detail, fix);
        }
        // Grants and tokens held by workloads and apps (not on a device, not a vendor's), whose
        // privileges are not already those of a service account reported above.
        for c in self.g.graph.node_indices() {
            if !self.g.facts(c).kind.is_credential() || !self.alive(c) {
                continue;
            }
            let holders = self.sources_of(c, EdgeKind::Holds);
            let nhi_held = holders.iter().any(|&h| {
                matches!(
                    self.g.facts(h).kind,
                    NodeKind::Workload | NodeKind::App | NodeKind::Resource
                )
            });
            let as_sa = self
                .targets_of(c, EdgeKind::AuthenticatesAs)
                .iter()
                .any(|&a| self.g.facts(a).kind == NodeKind::ServiceAccount);
            if !nhi_held || as_sa || self.third_party_held(c) {
                continue;
            }
            let (b, names) = broad(&self.scopes_of(c));
            let Some(b) = b else { continue };
            let holders: Vec<String> = holders.iter().map(|&h| self.id(h).to_string()).collect();
            let detail = format!(
                "{} held by {} carries {}. {}",
                label(self.node(c)),
                list(&holders, 3),
                names.join(", "),
                self.reach_note(c)
            )
            .trim_end()
            .to_string();
            let sev = if b == Breadth::Admin {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_least_privilege(self.node(c), b);
            self.push("overprivileged-nhi", sev, c, detail, fix);
        }
    }

    /// `admin_of` targets reachable from a service account directly or through member_of /
    /// can_assume into groups and roles (up to 4 hops), with the roles passed through.
    fn admin_reach(&self, sa: NodeIndex) -> Vec<(Vec<String>, NodeIndex)> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([sa]);
        let mut stack: Vec<(NodeIndex, Vec<String>)> = vec![(sa, Vec::new())];
        while let Some((n, via)) = stack.pop() {
            let mut edges: Vec<_> = self
                .g
                .graph
                .edges_directed(n, Direction::Outgoing)
                .map(|e| (e.weight().kind, e.target()))
                .collect();
            edges.sort_by(|a, b| self.id(a.1).cmp(self.id(b.1)));
            for (kind, t) in edges {
                match kind {
                    EdgeKind::AdminOf => out.push((via.clone(), t)),
                    EdgeKind::MemberOf | EdgeKind::CanAssume
                        if matches!(self.g.facts(t).kind, NodeKind::Group | NodeKind::Role)
                            && via.len() < 4
                            && seen.insert(t) =>
                    {
                        let mut v = via.clone();
                        v.push(self.id(t).to_string());
                        stack.push((t, v));
                    }
                    _ => {}
                }
            }
        }
        out.sort_by(|a, b| self.id(a.1).cmp(self.id(b.1)).then(a.0.cmp(&b.0)));
        out.dedup_by(|a, b| a.1 == b.1);
        out
    }

    /// NHI6: workloads and apps holding static cloud keys. A key is reported once, on the first
    /// place holding it: apps (the CI system storing it) before workloads (the agents it is
    /// injected into), then by id.
    fn static_cloud_credential(&mut self) {
        let mut holders: Vec<NodeIndex> = self
            .g
            .graph
            .node_indices()
            .filter(|&h| {
                matches!(self.g.facts(h).kind, NodeKind::Workload | NodeKind::App)
                    && !self.third_party_app(h)
            })
            .collect();
        holders.sort_by_key(|&h| (self.g.facts(h).kind != NodeKind::App, self.id(h)));
        let mut reported: HashSet<NodeIndex> = HashSet::new();
        for h in holders {
            let keys: Vec<NodeIndex> = self
                .targets_of(h, EdgeKind::Holds)
                .into_iter()
                .filter(|&c| {
                    self.alive(c) && self.static_cloud_key(c).is_some() && !reported.contains(&c)
                })
                .collect();
            if keys.is_empty() {
                continue;
            }
            reported.extend(keys.iter().copied());
            let mut clouds: Vec<Platform> = keys
                .iter()
                .filter_map(|&c| self.static_cloud_key(c))
                .collect();
            clouds.sort_by_key(|p| format!("{p:?}"));
            clouds.dedup();
            let names: Vec<String> = keys
                .iter()
                .map(|&c| {
                    let n = self.node(c);
                    let since = n
                        .issued_at
                        .map(|t| format!(", issued {}", date(t.as_millis())))
                        .unwrap_or_default();
                    format!("{}{since}", n.id)
                })
                .collect();
            let detail = format!(
                "{} holds {} long-term cloud key{}: {}.",
                label(self.node(h)),
                keys.len(),
                plural(keys.len()),
                list(&names, 4)
            );
            let sev = if keys.iter().any(|&c| self.crown(c)) {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_static_cloud(self.node(h), &clouds);
            self.push("static-cloud-credential", sev, h, detail, fix);
        }
    }

    /// The cloud a static key belongs to: AWS long-term access keys, Google service-account keys,
    /// Microsoft client secrets and certificates of service principals.
    fn static_cloud_key(&self, c: NodeIndex) -> Option<Platform> {
        let n = self.node(c);
        let p = Platform::of(n.platform());
        let to_sa = || {
            self.targets_of(c, EdgeKind::AuthenticatesAs)
                .iter()
                .any(|&a| self.g.facts(a).kind == NodeKind::ServiceAccount)
        };
        match (p, n.token_type) {
            (Platform::Aws, Some(TokenType::AccessKey))
                if !native_id(&n.id).starts_with("ASIA") =>
            {
                Some(p)
            }
            (Platform::Aws, _) if native_id(&n.id).starts_with("AKIA") => Some(p),
            (Platform::Google, Some(TokenType::PrivateKey)) if to_sa() => Some(p),
            (Platform::Microsoft, Some(TokenType::PrivateKey | TokenType::ClientSecret))
                if to_sa() =>
            {
                Some(p)
            }
            _ => None,
        }
    }

    /// NHI7: long-lived credentials; non-revocable ones not already reported as long-lived.
    fn long_lived_and_non_revocable(&mut self) {
        let max_life = self.opts.max_lifetime_days as i64 * DAY;
        let rotation = self.opts.rotation_days as i64 * DAY;
        let window = self.opts.long_window_days as i64 * DAY;
        for c in self.g.graph.node_indices() {
            let kind = self.g.facts(c).kind;
            if !kind.is_credential() || !self.alive(c) {
                continue;
            }
            let n = self.node(c);
            let rev = effective_revocation(&self.subject(c));
            let rev_text = match rev {
                Revocation::None => "static: only rotation ends it",
                Revocation::TtlOnly => "cannot be revoked: it dies at expiry",
                Revocation::Central => "revocable centrally",
                Revocation::PerApp => "revocable per app",
            };
            let issued = n.issued_at.map(Timestamp::as_millis);
            let expires = n.expires_at.map(Timestamp::as_millis);
            // Grants are consents (their tokens are checked); human passwords follow NIST
            // 800-63B (no forced rotation; a service account's password is NHI4); a vendor's
            // tokens are summarised on the vendor (NHI3).
            let skip = kind == NodeKind::OauthGrant
                || n.token_type == Some(TokenType::Password)
                || self.third_party_held(c);
            if skip {
                continue;
            }
            let mut why = Vec::new();
            match (issued, expires) {
                (_, None) => {
                    let age = match issued {
                        Some(i) if self.at - i > rotation => format!(
                            " and has not been rotated since it was issued {} ({} days ago)",
                            date(i),
                            (self.at - i) / DAY
                        ),
                        _ => String::new(),
                    };
                    why.push(format!("it never expires{age}"));
                }
                (Some(i), Some(e)) if e - i > max_life => why.push(format!(
                    "its lifetime is {} days ({} to {}), over the {} allowed",
                    (e - i) / DAY,
                    date(i),
                    date(e),
                    self.opts.max_lifetime_days
                )),
                (None, Some(e)) if e - self.at > max_life => why.push(format!(
                    "it is valid for {} more days (until {}), over the {} allowed",
                    (e - self.at) / DAY,
                    date(e),
                    self.opts.max_lifetime_days
                )),
                (Some(i), Some(_)) if self.at - i > rotation => why.push(format!(
                    "it was issued {} ({} days ago) and never rotated",
                    date(i),
                    (self.at - i) / DAY
                )),
                _ => {}
            }
            if !why.is_empty() {
                let detail = format!(
                    "{}: {}; {rev_text}. {}",
                    label(n),
                    why.join("; "),
                    self.reach_note(c)
                )
                .trim_end()
                .to_string();
                let sev = self.impact(c);
                let fix = fix_long_lived(self, c);
                self.push("long-lived-credential", sev, c, detail, fix);
                continue;
            }
            let left = expires.map_or(i64::MAX, |e| e - self.at);
            let non_revocable = match rev {
                Revocation::TtlOnly => left > window,
                Revocation::None => true,
                _ => false,
            };
            if !non_revocable {
                continue;
            }
            let left_text = match expires {
                Some(e) => format!(
                    "valid until {} ({} hours left)",
                    Timestamp::from_millis(e),
                    left / HOUR
                ),
                None => "with no expiry".to_string(),
            };
            let detail = format!(
                "{} is {}, {left_text}; the allowed window is {} day{}. {}",
                label(n),
                match rev {
                    Revocation::TtlOnly => "ttl_only (cannot be revoked)",
                    _ => "static (revocation none: only rotation ends it)",
                },
                self.opts.long_window_days,
                plural(self.opts.long_window_days as usize),
                self.reach_note(c)
            )
            .trim_end()
            .to_string();
            let sev = if self.crown(c) {
                Severity::Medium
            } else {
                Severity::Low
            };
            let fix = fix_non_revocable(self, c);
            self.push("non-revocable-credential", sev, c, detail, fix);
        }
    }

    /// NHI8: NHIs spanning production and non-production.
    fn mixed_environment_nhi(&mut self) {
        for i in self.g.graph.node_indices() {
            let f = self.g.facts(i);
            if !f.kind.is_nhi() || !f.enabled || self.vendor_nhi(i) {
                continue;
            }
            let Some(s) = self.summaries.get(&i) else {
                continue;
            };
            let own = env_of(self.node(i));
            let has_prod = own == Some(Env::Prod) || s.prod > 0;
            let has_nonprod = own == Some(Env::NonProd) || s.nonprod > 0;
            if !has_prod || !has_nonprod {
                continue;
            }
            let n = self.node(i);
            let own_text = match env_tag(n) {
                Some(t) if own.is_some() => format!("is tagged {t} and "),
                _ => String::new(),
            };
            let mut parts = Vec::new();
            if s.prod > 0 {
                parts.push(format!(
                    "{} production node{} (e.g. {})",
                    s.prod,
                    plural(s.prod),
                    self.path_text(&s.prod_path)
                ));
            }
            if s.nonprod > 0 {
                parts.push(format!(
                    "{} non-production node{} (e.g. {})",
                    s.nonprod,
                    plural(s.nonprod),
                    self.path_text(&s.nonprod_path)
                ));
            }
            let detail = format!("{} {own_text}reaches {}.", label(n), parts.join(" and "));
            let sev = if own == Some(Env::NonProd) && s.prod > 0 {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_environment(n, own);
            self.push("mixed-environment-nhi", sev, i, detail, fix);
        }
    }

    /// NHI9: one credential held by several workloads or devices.
    fn reused_credential(&mut self) {
        for c in self.g.graph.node_indices() {
            if !self.g.facts(c).kind.is_credential() || !self.alive(c) {
                continue;
            }
            let holders: Vec<NodeIndex> = self
                .sources_of(c, EdgeKind::Holds)
                .into_iter()
                .filter(|&h| matches!(self.g.facts(h).kind, NodeKind::Workload | NodeKind::Device))
                .collect();
            if holders.len() < 2 {
                continue;
            }
            let names: Vec<String> = holders.iter().map(|&h| self.id(h).to_string()).collect();
            let detail = format!(
                "{} is held by {} workloads/devices: {}. {}",
                label(self.node(c)),
                holders.len(),
                list(&names, 5),
                self.reach_note(c)
            )
            .trim_end()
            .to_string();
            let sev = self.impact(c);
            let fix = format!(
                "Give each workload its own identity and credential, so each can be rotated and \
                 revoked alone and its use attributed; then retire this one. {}",
                fix_retire(self, c)
            );
            self.push("reused-credential", sev, c, detail, fix);
        }
    }

    /// NHI10: interactive sessions as service accounts.
    fn human_use_of_nhi(&mut self) {
        let mut by_sa: BTreeMap<NodeIndex, Vec<NodeIndex>> = BTreeMap::new();
        for c in self.g.graph.node_indices() {
            if !is_session(self.node(c)) || !self.alive(c) {
                continue;
            }
            for sa in self.targets_of(c, EdgeKind::AuthenticatesAs) {
                if self.g.facts(sa).kind == NodeKind::ServiceAccount {
                    by_sa.entry(sa).or_default().push(c);
                }
            }
        }
        for (sa, sessions) in by_sa {
            let texts: Vec<String> = sessions
                .iter()
                .map(|&s| {
                    let n = self.node(s);
                    let mut t = n.id.clone();
                    let mut extra = Vec::new();
                    if let Some(p) = &n.person {
                        extra.push(format!("person {p}"));
                    }
                    if let Some(ip) = n.props.get("ip").and_then(Value::as_str) {
                        extra.push(format!("from {ip}"));
                    }
                    if let Some(ua) = n.props.get("user_agent").and_then(Value::as_str) {
                        extra.push(ua.chars().take(40).collect());
                    }
                    if !extra.is_empty() {
                        t.push_str(&format!(" ({})", extra.join(", ")));
                    }
                    t
                })
                .collect();
            let detail = format!(
                "{} has {} live interactive session{}: {}.",
                label(self.node(sa)),
                sessions.len(),
                plural(sessions.len()),
                list(&texts, 3)
            );
            let fix = fix_human_use(self.node(sa));
            self.push("human-use-of-nhi", Severity::High, sa, detail, fix);
        }
    }
}

struct Exposure {
    people: usize,
    truncated: bool,
    /// From the nearest account to the holder.
    example: Vec<NodeIndex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mfa {
    /// A session with MFA, props saying so, or a federated sign-in requiring or carrying it.
    Yes,
    /// Known to be missing, and why.
    No(&'static str),
    /// No evidence either way.
    Unknown,
}

fn is_session(n: &Node) -> bool {
    n.kind == NodeKind::Session || n.token_type == Some(TokenType::Cookie)
}

fn is_secret_store(n: &Node) -> bool {
    let p = n.platform().to_ascii_lowercase();
    let name = n.name.as_deref().unwrap_or("").to_ascii_lowercase();
    n.props.get("secret_store").and_then(Value::as_bool) == Some(true)
        || p == "vault"
        || n.id.contains(":secretsmanager:")
        || [
            "vault",
            "secrets manager",
            "secret manager",
            "key vault",
            "keyvault",
        ]
        .iter()
        .any(|w| name.contains(w))
}

fn controls_text(r: &Review<'_>, controls: &[(EdgeKind, NodeIndex)]) -> String {
    let owns: Vec<String> = controls
        .iter()
        .filter(|(k, _)| *k == EdgeKind::Owns)
        .map(|(_, t)| r.id(*t).to_string())
        .collect();
    let admin: Vec<String> = controls
        .iter()
        .filter(|(k, _)| *k == EdgeKind::AdminOf)
        .map(|(_, t)| r.id(*t).to_string())
        .collect();
    let mut parts = Vec::new();
    if !owns.is_empty() {
        parts.push(format!("owns {}", list(&owns, 3)));
    }
    if !admin.is_empty() {
        parts.push(format!("administers {}", list(&admin, 3)));
    }
    parts.join(" and ")
}

// ------------------------------------------------------------------------------------------------
// Fixes: platform-specific where the platform is known, generic otherwise.

fn fix_orphaned(n: &Node) -> String {
    let id = native_id(&n.id);
    match Platform::of(n.platform()) {
        Platform::Aws => {
            let user = id.rsplit('/').next().unwrap_or(id);
            format!(
                "Name an owner (tag the IAM user `owner`) or retire it: `aws iam list-access-keys \
                 --user-name {user}`, deactivate and delete each key, detach its policies, then \
                 `aws iam delete-user --user-name {user}`."
            )
        }
        Platform::Google => format!(
            "Name an owner (grant them roles/iam.serviceAccountAdmin on it, label it) or retire \
             it: `gcloud iam service-accounts disable {id}`, then delete its user-managed keys \
             and, after a grace period, the account."
        ),
        Platform::Kubernetes => {
            let mut parts = id.rsplitn(3, '/');
            let name = parts.next().unwrap_or(id);
            let ns = parts.next().unwrap_or("default");
            format!(
                "Name an owner (an `owner` annotation on the ServiceAccount) or retire it: remove \
                 its RoleBindings and ClusterRoleBindings, then `kubectl -n {ns} delete \
                 serviceaccount {name}`."
            )
        }
        Platform::Microsoft => format!(
            "Add an owner (`POST /servicePrincipals/{id}/owners/$ref`) or retire it: `PATCH \
             /servicePrincipals/{id}` with accountEnabled=false, then remove its credentials."
        ),
        Platform::Okta => format!(
            "Assign an owner for the service app or retire it: `POST \
             /api/v1/apps/{id}/lifecycle/deactivate`, then delete its client credentials."
        ),
        Platform::GitHub => {
            "Name an owner for the GitHub App (a second org owner as app manager) or retire it: \
             suspend or uninstall the installation and delete its private keys."
                .to_string()
        }
        Platform::Slack => {
            "Add an app collaborator who answers for it, or retire it: uninstall the app \
             (admin.apps.uninstall) and revoke its tokens (auth.revoke)."
                .to_string()
        }
        Platform::Other => "Name an owner who answers for it (rotation, access reviews, \
             retirement), or disable it and revoke its credentials."
            .to_string(),
    }
}

/// How to retire (revoke or delete) one credential for good.
fn fix_retire(r: &Review<'_>, c: NodeIndex) -> String {
    let n = r.node(c);
    let id = native_id(&n.id);
    let owner = r
        .targets_of(c, EdgeKind::AuthenticatesAs)
        .first()
        .map(|&a| r.node(a));
    let prop = |k: &str| n.props.get(k).and_then(Value::as_str).map(str::to_string);
    match (Platform::of(n.platform()), n.token_type, n.kind) {
        (Platform::Aws, _, _)
            if id.starts_with("AKIA") || n.token_type == Some(TokenType::AccessKey) =>
        {
            let user = owner
                .map(|o| {
                    native_id(&o.id)
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .filter(|u| !u.is_empty())
                .or_else(|| prop("user_name"))
                .unwrap_or_else(|| "{userName}".into());
            format!(
                "`aws iam update-access-key --user-name {user} --access-key-id {id} --status \
                 Inactive`, watch for breakage, then `aws iam delete-access-key --user-name {user} \
                 --access-key-id {id}`."
            )
        }
        (Platform::Google, Some(TokenType::PrivateKey), _) => {
            let key = id.rsplit('/').next().unwrap_or(id);
            let sa = owner.map_or("{serviceAccount}", |o| native_id(&o.id));
            format!(
                "`gcloud iam service-accounts keys disable {key} --iam-account {sa}`, then `gcloud \
                 iam service-accounts keys delete {key} --iam-account {sa}`."
            )
        }
        (Platform::Google, _, _) => {
            let user = owner.map_or("{userKey}", |o| native_id(&o.id));
            format!(
                "`DELETE /admin/directory/v1/users/{user}/tokens/{{clientId}}` (the user's token \
                 for that client)."
            )
        }
        (Platform::GitHub, Some(TokenType::Pat), _) => {
            let pat = prop("pat_grant_id")
                .or_else(|| n.props.get("pat_grant_id").map(|v| v.to_string()))
                .unwrap_or_else(|| id.trim_start_matches("pat-").to_string());
            format!(
                "`POST /orgs/{{org}}/personal-access-tokens/{pat} {{\"action\":\"revoke\"}}` (org \
                 owner), or the owner deletes it in Settings > Developer settings."
            )
        }
        (Platform::GitHub, Some(TokenType::PrivateKey), _) => {
            "Delete the key in the GitHub App's settings (Private keys) after deploying a new one."
                .to_string()
        }
        (Platform::GitHub, _, _) => {
            "`DELETE /applications/{client_id}/token` (OAuth app), or the user removes the \
             authorization in Settings > Applications."
                .to_string()
        }
        (Platform::Okta, Some(TokenType::ApiKey), _) => {
            format!("`DELETE /api/v1/api-tokens/{id}` (Admin > Security > API > Tokens).")
        }
        (Platform::Okta, Some(TokenType::ClientSecret), _) => {
            let app = owner.map_or("{appId}", |o| native_id(&o.id));
            format!(
                "add a new secret (`POST /api/v1/apps/{app}/credentials/secrets`), deploy it, \
                 then deactivate and delete this one."
            )
        }
        (Platform::Microsoft, Some(TokenType::ClientSecret), _) => {
            "`POST /applications/{applicationObjectId}/removePassword` with its keyId.".to_string()
        }
        (Platform::Microsoft, Some(TokenType::PrivateKey), _) => {
            "`POST /applications/{applicationObjectId}/removeKey` with its keyId (and a proof \
             JWT)."
                .to_string()
        }
        (Platform::Kubernetes, _, _) => {
            let secret = prop("secret").unwrap_or_else(|| id.to_string());
            let (ns, name) = match secret.split_once('/') {
                Some((ns, name)) if !name.contains('/') => (ns.to_string(), name.to_string()),
                _ => (
                    "{namespace}".into(),
                    secret.rsplit('/').next().unwrap_or("").to_string(),
                ),
            };
            format!("`kubectl -n {ns} delete secret {name}`.")
        }
        (Platform::Slack, _, _) => {
            "`auth.revoke` with the token, or uninstall the app.".to_string()
        }
        _ => "Revoke or delete it at its issuer.".to_string(),
    }
}

fn fix_shared_place(
    r: &Review<'_>,
    h: NodeIndex,
    store: bool,
    held: &[NodeIndex],
    example: &[NodeIndex],
) -> String {
    let n = r.node(h);
    let place = if store {
        let via = match example {
            [.., p, _] => format!(", not everyone who reaches {}", r.id(*p)),
            _ => String::new(),
        };
        format!(
            "Narrow who can read {}: only the workloads that use these secrets{via}.",
            n.id
        )
    } else if n.kind == NodeKind::Resource {
        format!(
            "Delete the secret from {} (history, comments and attachments too) and keep it in a \
             secret manager that only its workload can read.",
            n.id
        )
    } else {
        format!(
            "Scope the secrets in {} to the pipelines or jobs that use them and restrict who can \
             edit those.",
            n.id
        )
    };
    let mut static_ones: Vec<String> = held
        .iter()
        .filter(|&&c| {
            matches!(
                effective_revocation(&r.subject(c)),
                Revocation::None | Revocation::TtlOnly
            )
        })
        .map(|&c| r.id(c).to_string())
        .collect();
    let more = static_ones.len().saturating_sub(4);
    static_ones.truncate(4);
    let rotate = if static_ones.is_empty() {
        "Then rotate what it holds: everyone who could reach it may have a copy.".to_string()
    } else {
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "Then rotate what it holds, first the static ones ({}{more}): everyone who could \
             reach it may have a copy.",
            static_ones.join(", ")
        )
    };
    format!("{place} {rotate}")
}

fn fix_third_party(platforms: &[&str]) -> String {
    let mut steps =
        vec!["Review the vendor's access and cut it to what the integration needs:".to_string()];
    let mut seen = HashSet::new();
    for p in platforms {
        let fam = Platform::of(p);
        if !seen.insert(format!(
            "{fam:?}{}",
            if fam == Platform::Other { *p } else { "" }
        )) {
            continue;
        }
        steps.push(match fam {
            Platform::Slack => "Slack: require app approval and reinstall it with fewer scopes \
                 (admin.apps.restrict / uninstall to cut it)"
                .to_string(),
            Platform::GitHub => "GitHub: limit the installation to the repositories it needs \
                 (installation settings > Repository access), or suspend it"
                .to_string(),
            Platform::Google => "Google: set the OAuth client to Limited or Blocked in Admin \
                 console > Security > API controls > App access control, and revoke unneeded \
                 user tokens (Directory API tokens.delete)"
                .to_string(),
            Platform::Microsoft => "Entra: review the service principal's delegated and \
                 application permissions and remove grants (`DELETE \
                 /oauth2PermissionGrants/{id}`, `DELETE /servicePrincipals/{id}/appRoleAssignedTo/{id}`)"
                .to_string(),
            Platform::Okta => "Okta: narrow the app's granted scopes and its assigned users".to_string(),
            Platform::Aws => "AWS: narrow the cross-account role the vendor assumes and require an \
                 external id"
                .to_string(),
            _ => format!("{p}: revoke grants the integration does not need"),
        });
    }
    let mut text = steps[0].clone();
    text.push(' ');
    text.push_str(&steps[1..].join("; "));
    text.push_str(". Ask the vendor how its tokens are stored and rotated.");
    text
}

fn fix_mfa(n: &Node) -> String {
    let who = native_id(&n.id);
    let how = match Platform::of(n.platform()) {
        Platform::Okta => format!(
            "enrol a phishing-resistant factor (Okta FastPass / FIDO2) and require it in the \
             authentication policy; check `GET /api/v1/users/{who}/factors`"
        ),
        Platform::Microsoft => format!(
            "register phishing-resistant MFA and require it with a Conditional Access policy \
             (no exclusion for this account); check `GET /users/{who}/authentication/methods`"
        ),
        Platform::Google => "enforce 2-Step Verification (security keys) for the account's \
             organisational unit"
            .to_string(),
        Platform::GitHub => "require two-factor authentication for the organisation (or enforce \
             SAML SSO with MFA at the IdP)"
            .to_string(),
        Platform::Slack => "sign in through SSO with MFA, or require two-factor authentication \
             for the workspace"
            .to_string(),
        Platform::Aws => "sign in through IAM Identity Center with MFA, or enable an MFA device \
             for the IAM user"
            .to_string(),
        _ => "enforce MFA for the account at its identity provider".to_string(),
    };
    format!(
        "Whoever holds this password controls the NHIs it owns: {how}; or move ownership to an \
         account that has it."
    )
}

fn fix_password(sa: &Node) -> String {
    match Platform::of(sa.platform()) {
        Platform::Microsoft => "Remove the password and sign the workload in with a certificate, \
             a federated credential or a managed identity; block password sign-in for workload \
             identities with Conditional Access."
            .to_string(),
        Platform::Aws => format!(
            "Delete its console password (`aws iam delete-login-profile --user-name {}`); \
             workloads use roles, not passwords.",
            native_id(&sa.id).rsplit('/').next().unwrap_or("{userName}")
        ),
        Platform::Google => "Service accounts have no password: replace this with an attached \
             service account or workload identity federation."
            .to_string(),
        _ => "Replace the password with a key-based or federated credential (certificate, \
             OIDC) and block password sign-in for the account."
            .to_string(),
    }
}

fn fix_least_privilege(n: &Node, b: Breadth) -> String {
    let what = if b == Breadth::Admin {
        "admin and write-all rights"
    } else {
        "tenant-wide read"
    };
    let how = match Platform::of(n.platform()) {
        Platform::Aws => {
            "replace AdministratorAccess-style policies with a policy generated \
             from its CloudTrail activity (IAM Access Analyzer), and narrow the roles it can assume"
                .to_string()
        }
        Platform::Google => "grant only the predefined roles it uses (IAM Recommender), and \
             remove domain-wide delegation or cut its scopes in Admin console > Security > API \
             controls"
            .to_string(),
        Platform::Kubernetes => "bind it to a namespaced Role with the verbs it uses instead of \
             cluster-admin; delete stale ClusterRoleBindings"
            .to_string(),
        Platform::Microsoft => "replace tenant-wide application permissions with scoped ones \
             (Exchange RBAC for Applications or an ApplicationAccessPolicy for mail; \
             Sites.Selected for SharePoint)"
            .to_string(),
        Platform::Okta => "grant the service app only the okta.* scopes it calls, and a custom \
             admin role limited to a resource set instead of org-wide management"
            .to_string(),
        Platform::GitHub => "use fine-grained permissions on the repositories it needs instead \
             of `repo`/admin scopes"
            .to_string(),
        Platform::Slack => "reinstall with the narrowest scopes (e.g. channels it is invited to \
             instead of workspace-wide history)"
            .to_string(),
        Platform::Other => "grant it only what its job uses, per resource".to_string(),
    };
    format!("Take away the {what} it does not use: {how}.")
}

fn fix_static_cloud(holder: &Node, clouds: &[Platform]) -> String {
    let ci = holder.kind == NodeKind::App
        || holder.platform().eq_ignore_ascii_case("ci")
        || holder.id.contains("ci:")
        || holder
            .name
            .as_deref()
            .is_some_and(|n| n.contains("CI") || n.contains("pipeline"));
    let mut steps = Vec::new();
    for c in clouds {
        steps.push(match (c, ci) {
            (Platform::Aws, true) => {
                "AWS: let the pipeline assume a role through OIDC \
                 federation (AssumeRoleWithWebIdentity, trust policy pinned to the repository and \
                 branch) instead of access keys"
            }
            (Platform::Aws, false) => {
                "AWS: use the compute's own role (Lambda execution role, \
                 EC2 instance profile, EKS IRSA / Pod Identity) or IAM Roles Anywhere instead of \
                 access keys"
            }
            (Platform::Google, true) => {
                "Google Cloud: use Workload Identity Federation from the \
                 CI's OIDC token instead of a service-account key"
            }
            (Platform::Google, false) => {
                "Google Cloud: attach the service account to the VM or \
                 workload (or use Workload Identity Federation) instead of a key file"
            }
            (Platform::Microsoft, _) => {
                "Entra: use a managed identity, or a federated identity \
                 credential for the workload, instead of a secret or certificate"
            }
            _ => "use the platform's federated workload identity instead of a static key",
        });
    }
    format!(
        "{}; then delete the keys. Until then, rotate them every 90 days at most.",
        steps.join("; ")
    )
}

fn fix_long_lived(r: &Review<'_>, c: NodeIndex) -> String {
    let n = r.node(c);
    let max = r.opts.max_lifetime_days;
    let rot = r.opts.rotation_days;
    let prevent = match (Platform::of(n.platform()), n.token_type, n.kind) {
        (Platform::Aws, _, _)
            if native_id(&n.id).starts_with("AKIA")
                || n.token_type == Some(TokenType::AccessKey) =>
        {
            format!(
            "Replace the access key with temporary credentials (an IAM role: OIDC federation, an \
             execution role, IAM Roles Anywhere); until then rotate it every {rot} days."
        )
        }
        (Platform::Google, Some(TokenType::PrivateKey), _) => format!(
            "Use an attached service account or Workload Identity Federation instead of a key; \
             enforce expiry with the iam.serviceAccountKeyExpiryHours organisation policy and \
             rotate every {rot} days."
        ),
        (Platform::Google, _, _) => "Google refresh tokens do not expire: restrict the OAuth \
             client in Admin console > Security > API controls > App access control and revoke \
             tokens nobody needs."
            .to_string(),
        (Platform::GitHub, Some(TokenType::Pat), _) => format!(
            "Set the organisation's fine-grained token policy to require an expiry of at most \
             {max} days, or use a GitHub App installation token (1 hour)."
        ),
        (Platform::GitHub, Some(TokenType::PrivateKey), _) => format!(
            "GitHub App private keys never expire: generate a new key every {rot} days, deploy \
             it, delete the old one; keep it in a secret manager or KMS."
        ),
        (Platform::GitHub, _, _) => "OAuth app tokens do not expire: prefer a GitHub App with \
             expiring user tokens, and revoke tokens nobody uses."
            .to_string(),
        (Platform::Slack, _, _) => "Turn on token rotation for the app (12-hour access tokens \
             with a refresh token)."
            .to_string(),
        (Platform::Okta, Some(TokenType::ApiKey), _) => "Replace the API token (it acts with its \
             creator's admin rights) with an OAuth 2.0 service app using client credentials \
             with private_key_jwt and only the okta.* scopes it needs."
            .to_string(),
        (Platform::Okta, Some(TokenType::ClientSecret), _) => format!(
            "Switch the service app to private_key_jwt client authentication; until then rotate \
             the secret every {rot} days."
        ),
        (Platform::Microsoft, Some(TokenType::ClientSecret | TokenType::PrivateKey), _) => format!(
            "Use a managed identity or a federated identity credential; otherwise cap credential \
             lifetime at {max} days with an app management policy and rotate."
        ),
        (Platform::Microsoft, _, _) => "Shorten the lifetime with Conditional Access sign-in \
             frequency and rely on Continuous Access Evaluation."
            .to_string(),
        (Platform::Kubernetes, _, _) => "Replace the legacy Secret-based token with a bound, \
             expiring token (TokenRequest / projected volume with expirationSeconds)."
            .to_string(),
        _ => format!(
            "Give it an expiry of at most {max} days and rotate it on a schedule; prefer \
             short-lived, federated credentials."
        ),
    };
    format!(
        "{prevent} To retire this one: {}",
        lower_first(&fix_retire(r, c))
    )
}

fn fix_non_revocable(r: &Review<'_>, c: NodeIndex) -> String {
    let n = r.node(c);
    match Platform::of(n.platform()) {
        Platform::Aws => "Lower the role's MaxSessionDuration; in an incident deny it with an \
             AWSRevokeOlderSessions policy on aws:TokenIssueTime."
            .to_string(),
        Platform::Microsoft => "Shorten token lifetime (Conditional Access sign-in frequency) \
             and make the resource honour Continuous Access Evaluation, so revocation reaches \
             issued tokens."
            .to_string(),
        Platform::Kubernetes => "Lower expirationSeconds of the projected token; in an incident \
             delete the pod or the service account to invalidate bound tokens."
            .to_string(),
        Platform::Google => "Use short-lived access tokens (1 hour) minted on demand; in an \
             incident disable the service account."
            .to_string(),
        _ => format!(
            "Prefer credentials the issuer can revoke, or cap their lifetime at {} day{}.",
            r.opts.long_window_days,
            plural(r.opts.long_window_days as usize)
        ),
    }
}

fn fix_environment(n: &Node, own: Option<Env>) -> String {
    let side = if own == Some(Env::NonProd) {
        "A non-production NHI must not hold production access: "
    } else {
        "Give production and non-production separate NHIs: "
    };
    let how = match Platform::of(n.platform()) {
        Platform::Aws => {
            "separate roles (and accounts) per environment, with trust policies that \
             only the same environment's principals can assume"
        }
        Platform::Kubernetes => {
            "one service account per cluster and namespace, no cross-cluster \
             IRSA or token sharing"
        }
        Platform::Google => "one service account per project/environment, keys never shared",
        Platform::GitHub => {
            "tokens scoped to the environment's repositories, deployment \
             environments with protection rules for production"
        }
        _ => {
            "move the production credentials it holds to a production-only runner or workload \
             and give this one non-production credentials"
        }
    };
    format!("{side}{how}.")
}

fn fix_human_use(sa: &Node) -> String {
    let how = match Platform::of(sa.platform()) {
        Platform::Microsoft => {
            "block interactive sign-in for the service principal \
             (Conditional Access for workload identities) and remove any password"
        }
        Platform::Google => {
            "remove roles/iam.serviceAccountTokenCreator and \
             roles/iam.serviceAccountUser from people; they use their own accounts"
        }
        Platform::Aws => {
            "delete its console password (`aws iam delete-login-profile`) and give \
             people IAM Identity Center access instead"
        }
        Platform::Okta => {
            "remove the service account from interactive apps and require the \
             sign-on policy's MFA for every human"
        }
        _ => "disable interactive sign-in for it and give each person their own account",
    };
    format!(
        "Find who used it (the session's IP and user agent) and give them their own account with \
         the access they need; {how}. Then rotate the service account's credentials."
    )
}

// ------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadth_table() {
        assert_eq!(breadth("repo"), Some(Breadth::Admin));
        assert_eq!(breadth("admin:org"), Some(Breadth::Admin));
        assert_eq!(breadth("Directory.ReadWrite.All"), Some(Breadth::Admin));
        assert_eq!(breadth("Mail.ReadWrite"), Some(Breadth::Admin));
        assert_eq!(breadth("okta.users.manage"), Some(Breadth::Admin));
        assert_eq!(breadth("*"), Some(Breadth::Admin));
        assert_eq!(
            breadth("https://graph.microsoft.com/.default"),
            Some(Breadth::ReadAll)
        );
        assert_eq!(breadth("Mail.Read"), Some(Breadth::ReadAll));
        assert_eq!(breadth("channels:history"), Some(Breadth::ReadAll));
        assert_eq!(breadth("contents:write"), None);
        assert_eq!(breadth("chat:write"), None);
        assert_eq!(
            breadth("https://www.googleapis.com/auth/calendar.readonly"),
            None
        );
        assert_eq!(breadth("workflow"), None);
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::High > Severity::Medium && Severity::Medium > Severity::Low);
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("critical"), None);
    }

    #[test]
    fn every_rule_is_documented_once() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            assert!(r.owasp.starts_with("NHI") && r.owasp.ends_with(":2025"));
            assert!(r.owasp_uri.starts_with(OWASP));
        }
    }
}
