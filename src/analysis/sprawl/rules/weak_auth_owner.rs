//! `weak-auth-owner` (NHI4): Account without MFA that owns or administers NHIs.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde_json::Value;

use super::is_session;
use crate::analysis::sprawl::fixes::fix_mfa;
use crate::analysis::sprawl::review::{label, list};
use crate::analysis::sprawl::{Review, Severity};
use crate::model::{EdgeKind, NodeKind, Requirement};

impl Review<'_> {
    /// NHI4: owners and administrators of NHIs without MFA evidence.
    pub(super) fn weak_auth_owner(&mut self) {
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
