//! `overprivileged-nhi` (NHI5): NHI or NHI credential with admin, wildcard or tenant-wide scopes.

use std::collections::HashSet;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde_json::Value;

use crate::analysis::sprawl::breadth::{broad, Breadth};
use crate::analysis::sprawl::fixes::fix_least_privilege;
use crate::analysis::sprawl::review::{label, list, strings};
use crate::analysis::sprawl::{Review, Severity};
use crate::model::{EdgeKind, NodeKind};

impl Review<'_> {
    /// NHI5: service accounts with admin reach or broad scopes; broad grants/tokens held by
    /// workloads and apps.
    pub(super) fn overprivileged_nhi(&mut self) {
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
}
