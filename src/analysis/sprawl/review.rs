//! Helpers over the graph that every rule and fix reads: the review's own view of nodes and
//! edges, the environment and tier of a node, and the wording shared by details and fixes.

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde_json::Value;

use super::catalog::rule_of;
use super::{Finding, Review, Severity};
use crate::analysis::mechanism::{Platform, Subject};
use crate::model::naming::after_second_colon;
use crate::model::{EdgeKind, Node, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Env {
    Prod,
    NonProd,
}

pub(super) fn env_of(n: &Node) -> Option<Env> {
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

pub(super) fn env_tag(n: &Node) -> Option<&str> {
    n.tags
        .iter()
        .map(String::as_str)
        .find(|t| t.starts_with("env:"))
}

pub(super) fn tier0(n: &Node) -> bool {
    n.tags.iter().any(|t| t == "tier0")
}

impl<'a> Review<'a> {
    pub(super) fn node(&self, i: NodeIndex) -> &'a Node {
        self.g.node(i)
    }

    pub(super) fn id(&self, i: NodeIndex) -> &'a str {
        self.g.id(i)
    }

    pub(super) fn alive(&self, i: NodeIndex) -> bool {
        self.g.facts(i).alive_at(self.at)
    }

    pub(super) fn sources_of(&self, i: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
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

    pub(super) fn targets_of(&self, i: NodeIndex, kind: EdgeKind) -> Vec<NodeIndex> {
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

    pub(super) fn crown(&self, i: NodeIndex) -> bool {
        self.summaries.get(&i).is_some_and(|s| s.crown > 0)
    }

    /// "If stolen it reaches N nodes (M crown jewels…); most critical: X." or "".
    pub(super) fn reach_note(&self, i: NodeIndex) -> String {
        self.reach_text(i, "If stolen it", true)
    }

    /// The same for an NHI: what whoever controls it reaches.
    pub(super) fn nhi_reach_note(&self, i: NodeIndex) -> String {
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

    pub(super) fn push(
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

    pub(super) fn impact(&self, i: NodeIndex) -> Severity {
        if self.crown(i) {
            Severity::High
        } else {
            Severity::Medium
        }
    }

    /// The person behind a credential: its own `person`, else its account's. Read without
    /// keeping the records: this is asked of every live credential.
    pub(super) fn person_of(&self, c: NodeIndex) -> Option<String> {
        let person = |i: NodeIndex| self.g.node_uncached(i).into_owned().person;
        person(c).or_else(|| {
            self.targets_of(c, EdgeKind::AuthenticatesAs)
                .into_iter()
                .find_map(person)
        })
    }

    pub(super) fn third_party_app(&self, a: NodeIndex) -> bool {
        self.third_party.contains(&a)
    }

    /// Every holder of the credential is a third-party app (the vendor's NHI, reported under NHI3).
    pub(super) fn third_party_held(&self, c: NodeIndex) -> bool {
        let holders = self.sources_of(c, EdgeKind::Holds);
        !holders.is_empty() && holders.iter().all(|&h| self.third_party_app(h))
    }

    /// Credentials authenticating as an NHI.
    pub(super) fn credentials_of(&self, nhi: NodeIndex) -> Vec<NodeIndex> {
        self.sources_of(nhi, EdgeKind::AuthenticatesAs)
            .into_iter()
            .filter(|&c| self.g.facts(c).kind.is_credential())
            .collect()
    }

    /// A service account whose credentials all live with a third-party vendor.
    pub(super) fn vendor_nhi(&self, nhi: NodeIndex) -> bool {
        let creds = self.credentials_of(nhi);
        !creds.is_empty() && creds.iter().all(|&c| self.third_party_held(c))
    }

    pub(super) fn subject(&self, i: NodeIndex) -> Subject<'a> {
        let n = self.node(i);
        Subject {
            platform: n.platform(),
            kind: n.kind,
            token_type: n.token_type,
            revocation: n.revocation,
            native_id: after_second_colon(&n.id),
            name: n.name.as_deref(),
            account: None,
            client: None,
            role: None,
            props: &n.props,
            expires_at: self.g.expires_at(i).filter(|_| n.kind.is_credential()),
            expiry_basis: self.g.expiry_basis(i),
        }
    }

    pub(super) fn path_text(&self, path: &[NodeIndex]) -> String {
        path.iter()
            .map(|&p| self.id(p))
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

/// "Delete it" -> "delete it", to follow a colon; commands (in backticks) stay as they are.
pub(super) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_ascii_uppercase() => f.to_ascii_lowercase().to_string() + c.as_str(),
        Some(f) => f.to_string() + c.as_str(),
        None => String::new(),
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub(super) fn same_platform(a: &str, b: &str) -> bool {
    match (Platform::of(a), Platform::of(b)) {
        (Platform::Other, _) | (_, Platform::Other) => a.eq_ignore_ascii_case(b),
        (x, y) => x == y,
    }
}

pub(super) fn date(ms: i64) -> String {
    let s = Timestamp::from_millis(ms).to_string();
    s.get(..10).unwrap_or(&s).to_string()
}

pub(super) fn label(n: &Node) -> String {
    match &n.name {
        Some(name) => format!("{name} ({})", n.id),
        None => n.id.clone(),
    }
}

pub(super) fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..max].join(", "), items.len() - max)
    }
}

/// Strings in a prop that is a string or an array of strings.
pub(super) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}
