//! Liveness is one rule: whether a credential works at a time, and until when.
//!
//! Every analysis — the blast radius, lineage (`inherited`), the plan and the sprawl review —
//! asks [`NodeFacts::alive_at`] (enabled, issued, not yet expired) of the same facts, so they
//! cannot disagree about a credential. What this module adds is the *end* of a credential whose
//! document gives none. A missing `expires_at` used to mean "never", which made a forgotten Okta
//! session immortal in one answer while another treated it as gone. Platforms do end most
//! sessions and tokens: after an idle timeout counted from the last use, or a maximum lifetime
//! counted from issue. [`derive_windows`] writes that end into the facts once, before any
//! analysis runs, and remembers that it is an assumption ([`ExpiryBasis`]) so that answers print
//! it as one (`~2026-10-02T14:00:00Z (platform default)`).
//!
//! Static secrets (access keys, client secrets, private keys, passwords, PATs, API keys) and
//! grants have no platform end: they stay "no expiry", because they live until rotated or revoked.
//! A credential with neither `issued_at` nor `last_used_at` has nothing to count from and stays
//! unknown as well: guessing a start would invent a death the platform never scheduled.
//!
//! The defaults and where each comes from are listed in `docs/model.md` ("Credentials with no
//! known end"); [`LivenessPolicy`] carries the tenant's real settings when the user states them
//! (`--okta-session-idle 8h`, `--entra-refresh-inactivity 30d`, …).

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Serialize;

use super::document::Node;
use super::graph::TrustGraph;
use super::kinds::{NodeKind, Revocation, TokenType};
use super::time::Timestamp;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Where a credential's end comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExpiryBasis {
    /// The platform reported it (`expires_at` as collected).
    Observed,
    /// Derived from the tenant's policy: collected, or stated with a flag.
    Policy,
    /// Derived from the platform's documented default: an assumption.
    PlatformDefault,
}

impl ExpiryBasis {
    pub const fn as_str(self) -> &'static str {
        match self {
            ExpiryBasis::Observed => "observed",
            ExpiryBasis::Policy => "policy",
            ExpiryBasis::PlatformDefault => "platform-default",
        }
    }

    /// How an answer says it: "platform default", "policy".
    pub const fn label(self) -> &'static str {
        match self {
            ExpiryBasis::Observed => "observed",
            ExpiryBasis::Policy => "policy",
            ExpiryBasis::PlatformDefault => "platform default",
        }
    }

    /// Reads `props.expiry_basis` as a collector writes it.
    pub fn parse(s: &str) -> Option<ExpiryBasis> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "observed" => Some(ExpiryBasis::Observed),
            "policy" => Some(ExpiryBasis::Policy),
            "platform-default" | "default" => Some(ExpiryBasis::PlatformDefault),
            _ => None,
        }
    }
}

/// The tenant's real settings, when the user states them; `None` keeps the platform default.
/// Durations in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LivenessPolicy {
    /// Okta global session policy: idle time before a session ends.
    pub okta_session_idle: Option<i64>,
    /// Okta global session policy: maximum session lifetime from sign-in.
    pub okta_session_lifetime: Option<i64>,
    /// Entra ID: inactivity after which a refresh token (or the session it keeps) is dead.
    pub entra_refresh_inactivity: Option<i64>,
    /// Every platform: the lifetime of a bearer access or ID token.
    pub access_token_lifetime: Option<i64>,
}

/// A derived end: when, and on what basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assumed {
    pub until: Timestamp,
    pub basis: ExpiryBasis,
}

/// The platform families whose defaults are known. Matched on the node's platform, as the
/// collectors and people spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Okta,
    Entra,
    Google,
    GitHub,
    Aws,
    Kubernetes,
}

fn family(platform: &str) -> Option<Family> {
    // Compared without allocating: the pass asks this of every credential of the graph.
    const NAMES: &[(&str, Family)] = &[
        ("okta", Family::Okta),
        ("entra", Family::Entra),
        ("entraid", Family::Entra),
        ("azuread", Family::Entra),
        ("aad", Family::Entra),
        ("m365", Family::Entra),
        ("o365", Family::Entra),
        ("azure", Family::Entra),
        ("microsoft", Family::Entra),
        ("google", Family::Google),
        ("gcp", Family::Google),
        ("gws", Family::Google),
        ("workspace", Family::Google),
        ("github", Family::GitHub),
        ("aws", Family::Aws),
        ("k8s", Family::Kubernetes),
        ("kubernetes", Family::Kubernetes),
    ];
    let p = platform.trim();
    NAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(p))
        .map(|&(_, f)| f)
}

/// What a rule counts from.
enum From {
    /// Issue time: a maximum lifetime.
    Issued,
    /// Last use, else issue time: an idle timeout.
    LastActivity,
}

/// The end a platform enforces on `n`, when its document gives none: `None` when the platform
/// enforces none (static secrets, grants) or heir does not know it.
pub fn derive(n: &Node, policy: &LivenessPolicy) -> Option<Assumed> {
    if !n.kind.is_credential() || n.expires_at.is_some() {
        return None;
    }
    if n.kind == NodeKind::OauthGrant
        || n.revocation == Some(Revocation::None)
        || matches!(
            n.token_type,
            Some(
                TokenType::AccessKey
                    | TokenType::ClientSecret
                    | TokenType::PrivateKey
                    | TokenType::Password
                    | TokenType::ApiKey
                    | TokenType::Pat
            )
        )
    {
        return None;
    }
    let fam = family(n.platform())?;
    let id = n.id.as_str();
    let session = n.kind == NodeKind::Session || n.token_type == Some(TokenType::Cookie);
    let bearer = matches!(n.token_type, Some(TokenType::Access | TokenType::Id));
    let cae = n.props.get("cae").and_then(|v| v.as_bool()) == Some(true);
    let stated = |v: Option<i64>, default: i64| match v {
        Some(ms) => (ms, ExpiryBasis::Policy),
        None => (default, ExpiryBasis::PlatformDefault),
    };
    // (counted from, length, basis), plus an optional lifetime cap from issue.
    let (from, (len, basis), cap) = match fam {
        Family::Okta if session => (
            From::LastActivity,
            stated(policy.okta_session_idle, 2 * HOUR),
            policy.okta_session_lifetime,
        ),
        Family::Okta if bearer => (
            From::Issued,
            stated(policy.access_token_lifetime, HOUR),
            None,
        ),
        Family::Okta if n.token_type == Some(TokenType::Refresh) => (
            From::LastActivity,
            (90 * DAY, ExpiryBasis::PlatformDefault),
            None,
        ),
        Family::Entra if bearer => (
            From::Issued,
            stated(
                policy.access_token_lifetime,
                if cae { 28 * HOUR } else { 90 * MINUTE },
            ),
            None,
        ),
        Family::Entra if session || n.token_type == Some(TokenType::Refresh) => (
            From::LastActivity,
            stated(policy.entra_refresh_inactivity, 90 * DAY),
            None,
        ),
        Family::Google if bearer => (
            From::Issued,
            stated(policy.access_token_lifetime, HOUR),
            None,
        ),
        Family::Google if n.token_type == Some(TokenType::Refresh) => (
            From::LastActivity,
            (183 * DAY, ExpiryBasis::PlatformDefault),
            None,
        ),
        Family::GitHub if bearer && (id.contains("ghs") || id.contains("installation")) => (
            From::Issued,
            stated(policy.access_token_lifetime, HOUR),
            None,
        ),
        Family::GitHub if bearer && id.contains("ghu") => (
            From::Issued,
            stated(policy.access_token_lifetime, 8 * HOUR),
            None,
        ),
        Family::GitHub if n.token_type == Some(TokenType::Refresh) => (
            From::Issued,
            (183 * DAY, ExpiryBasis::PlatformDefault),
            None,
        ),
        Family::Aws if n.kind == NodeKind::Token && id.contains("ASIA") => (
            From::Issued,
            stated(policy.access_token_lifetime, 12 * HOUR),
            None,
        ),
        Family::Kubernetes if bearer => (
            From::Issued,
            stated(policy.access_token_lifetime, HOUR),
            None,
        ),
        _ => return None,
    };
    let issued = n.issued_at.map(Timestamp::as_millis);
    let start = match from {
        From::Issued => issued?,
        From::LastActivity => n
            .last_used_at
            .map(Timestamp::as_millis)
            .into_iter()
            .chain(issued)
            .max()?,
    };
    let mut until = start.saturating_add(len);
    let mut basis = basis;
    if let (Some(cap), Some(issued)) = (cap, issued) {
        let capped = issued.saturating_add(cap);
        if capped < until {
            until = capped;
            basis = ExpiryBasis::Policy;
        }
    }
    Some(Assumed {
        until: Timestamp::from_millis(until),
        basis,
    })
}

/// The collector's own word on an `expires_at` it wrote: `props.expiry_basis`, when it says the
/// end is derived (policy or platform default) rather than observed.
pub fn recorded(n: &Node) -> Option<Assumed> {
    let until = n.expires_at?;
    let basis = n
        .props
        .get("expiry_basis")
        .and_then(|v| v.as_str())
        .and_then(ExpiryBasis::parse)?;
    (basis != ExpiryBasis::Observed).then_some(Assumed { until, basis })
}

/// Writes every derived end into the graph's facts, so that every analysis reads it, and keeps
/// which ends were derived for the answers. Only credentials without an end in their facts are
/// looked at: their full records are read (the fast loader parses records lazily, and reading
/// every credential's would cost a large graph a second), the others' facts stay as loaded.
/// A collector's `props.expiry_basis` on an end it wrote is read when an answer asks
/// ([`TrustGraph::expiry_basis`]). Meant to run once per loaded graph: a second call finds
/// every derivable end already in the facts and changes nothing (not even with another policy).
pub fn derive_windows(g: &mut TrustGraph, policy: &LivenessPolicy) {
    let mut assumed: HashMap<u32, Assumed> = HashMap::new();
    // What the facts and ids already rule out is not read at all: grants, platforms without
    // known defaults, AWS keys other than temporary ones.
    let indices: Vec<_> = g
        .node_indices()
        .filter(|&i| {
            let f = g.facts(i);
            f.kind.is_credential()
                && f.kind != NodeKind::OauthGrant
                && f.expires_at == i64::MAX
                && match family(g.platform(i)) {
                    None => false,
                    Some(Family::Aws) => g.id(i).contains("ASIA"),
                    Some(_) => true,
                }
        })
        .collect();
    for i in indices {
        if let Some(a) = derive(g.node(i), policy) {
            g.graph[i].expires_at = a.until.as_millis();
            assumed.insert(i.index() as u32, a);
        }
    }
    g.set_assumed(assumed);
}

/// A duration as people write it: `90m`, `2h`, `90d`, `1w`, `45s` (one number, one unit).
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || format!("`{s}` is not a duration; write it like 2h, 90m, 30d or 1w");
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| bad())?;
    let per = match unit {
        "s" => 1000,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "w" => 7 * DAY,
        _ => return Err(bad()),
    };
    n.checked_mul(per).filter(|&ms| ms > 0).ok_or_else(bad)
}

/// An end as answers print it: exact when observed, `~T (platform default)` when assumed.
pub fn show(until: Timestamp, assumed: Option<ExpiryBasis>) -> String {
    match assumed {
        Some(b) if b != ExpiryBasis::Observed => format!("~{until} ({})", b.label()),
        _ => until.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn node(v: serde_json::Value) -> Node {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn an_okta_session_dies_two_hours_after_its_last_use_unless_the_tenant_says_otherwise() {
        let n = node(
            serde_json::json!({"id": "okta:session:1", "kind": "session",
            "issued_at": "2026-10-02T08:00:00Z", "last_used_at": "2026-10-02T12:00:00Z"}),
        );
        let a = derive(&n, &LivenessPolicy::default()).unwrap();
        assert_eq!(a.until, t("2026-10-02T14:00:00Z"));
        assert_eq!(a.basis, ExpiryBasis::PlatformDefault);
        assert_eq!(
            show(a.until, Some(a.basis)),
            "~2026-10-02T14:00:00Z (platform default)"
        );
        let p = LivenessPolicy {
            okta_session_idle: Some(parse_duration("8h").unwrap()),
            okta_session_lifetime: Some(parse_duration("9h").unwrap()),
            ..LivenessPolicy::default()
        };
        let a = derive(&n, &p).unwrap();
        assert_eq!(a.until, t("2026-10-02T17:00:00Z")); // the 9 h lifetime from 08:00
        assert_eq!(a.basis, ExpiryBasis::Policy);
    }

    #[test]
    fn static_secrets_grants_and_unknown_starts_keep_no_end() {
        let p = LivenessPolicy::default();
        for v in [
            serde_json::json!({"id": "aws:token:AKIA1", "kind": "token", "token_type": "access_key",
                "issued_at": "2024-01-01T00:00:00Z"}),
            serde_json::json!({"id": "entra:oauth_grant:g", "kind": "oauth_grant",
                "issued_at": "2024-01-01T00:00:00Z"}),
            serde_json::json!({"id": "okta:session:2", "kind": "session"}),
            serde_json::json!({"id": "vault:token:x", "kind": "token", "token_type": "access",
                "issued_at": "2024-01-01T00:00:00Z"}),
        ] {
            assert_eq!(derive(&node(v.clone()), &p), None, "{v}");
        }
    }

    #[test]
    fn a_collector_marked_end_is_assumed_and_an_observed_one_is_not() {
        let n = node(
            serde_json::json!({"id": "okta:session:3", "kind": "session",
            "expires_at": "2026-10-02T14:00:00Z", "props": {"expiry_basis": "policy"}}),
        );
        assert_eq!(recorded(&n).unwrap().basis, ExpiryBasis::Policy);
        let n = node(
            serde_json::json!({"id": "okta:session:4", "kind": "session",
            "expires_at": "2026-10-02T14:00:00Z", "props": {"expiry_basis": "observed"}}),
        );
        assert_eq!(recorded(&n), None);
    }

    #[test]
    fn durations_parse_or_say_how_to_write_them() {
        assert_eq!(parse_duration("2h"), Ok(2 * HOUR));
        assert_eq!(parse_duration("90d"), Ok(90 * DAY));
        assert_eq!(parse_duration("45m"), Ok(45 * MINUTE));
        for bad in ["", "h", "2", "2x", "-1h", "0h", "99999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_pass_writes_derived_ends_into_the_facts_once_and_reads_collector_marks() {
        let doc: crate::model::Document = serde_json::from_value(serde_json::json!({
            "version": 1,
            "nodes": [
                {"id": "okta:session:a", "kind": "session",
                 "issued_at": "2026-10-02T08:00:00Z", "last_used_at": "2026-10-02T11:00:00Z"},
                {"id": "okta:session:b", "kind": "session", "expires_at": "2026-10-02T20:00:00Z",
                 "props": {"expiry_basis": "platform-default"}},
                {"id": "okta:session:c", "kind": "session", "expires_at": "2026-10-02T20:00:00Z"}
            ],
            "edges": []
        }))
        .unwrap();
        let mut g = TrustGraph::new(doc);
        derive_windows(&mut g, &LivenessPolicy::default());
        derive_windows(&mut g, &LivenessPolicy::default());
        let [a, b, c] =
            ["okta:session:a", "okta:session:b", "okta:session:c"].map(|id| g.index(id).unwrap());
        assert_eq!(g.expires_at(a), Some(t("2026-10-02T13:00:00Z")));
        assert_eq!(g.expiry_basis(a), Some(ExpiryBasis::PlatformDefault));
        assert!(g.facts(a).alive_at(t("2026-10-02T12:59:00Z").as_millis()));
        assert!(!g.facts(a).alive_at(t("2026-10-02T13:00:00Z").as_millis()));
        assert_eq!(g.expiry_basis(b), Some(ExpiryBasis::PlatformDefault));
        assert_eq!(g.expiry_basis(c), None);
    }
}
