//! `risky-federation-trust` (NHI6): a role that outsiders can assume because its trust policy
//! is too wide: a wildcard OIDC subject (`repo:org/*`: every repository, branch and pull request
//! of the organisation), no subject at all, or another account trusted without an external id
//! (the confused-deputy problem). The collectors put the facts on the `can_assume` edge
//! (`props.wildcard`, `props.cross_account`, `props.external_id`; `heir collect aws`).

use petgraph::visit::EdgeRef;

use crate::analysis::sprawl::review::label;
use crate::analysis::sprawl::{Review, Severity};
use crate::model::EdgeKind;

impl Review<'_> {
    /// NHI6: `can_assume` edges whose trust is a wildcard subject or an account without an
    /// external id; one finding per role, naming every such trust.
    pub(super) fn risky_federation_trust(&mut self) {
        for role in self.g.graph.node_indices() {
            let mut wild: Vec<String> = Vec::new();
            let mut foreign: Vec<String> = Vec::new();
            for e in self
                .g
                .graph
                .edges_directed(role, petgraph::Direction::Incoming)
            {
                if e.weight().kind != EdgeKind::CanAssume {
                    continue;
                }
                let p = &self.g.edge(e.id()).props;
                let flag = |k: &str| p.get(k).and_then(serde_json::Value::as_bool);
                let from = self.id(e.source());
                if flag("wildcard") == Some(true) {
                    let sub = p
                        .get("sub")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("*");
                    wild.push(format!("{from} (subject `{sub}`)"));
                } else if flag("cross_account") == Some(true) && flag("external_id") == Some(false)
                {
                    foreign.push(from.to_string());
                }
            }
            if wild.is_empty() && foreign.is_empty() {
                continue;
            }
            let n = self.node(role);
            let mut detail = format!("{} can be assumed", label(n));
            let mut parts = Vec::new();
            if !wild.is_empty() {
                parts.push(format!(
                    " through a wildcard federation subject: {}",
                    wild.join(", ")
                ));
            }
            if !foreign.is_empty() {
                parts.push(format!(
                    " by another account without an external id: {}",
                    foreign.join(", ")
                ));
            }
            detail.push_str(&parts.join(";"));
            detail.push_str(". Whoever controls any matching identity gets its sessions.");
            let fix = "Narrow the trust policy (aws iam update-assume-role-policy): pin the OIDC \
                       `sub` to one repository and branch or environment \
                       (`repo:org/repo:ref:refs/heads/main`), and require `sts:ExternalId` for \
                       third-party accounts; then review the role's CloudTrail AssumeRole* events \
                       for unexpected subjects."
                .to_string();
            let severity = if wild.is_empty() {
                Severity::Medium
            } else {
                Severity::High
            };
            self.push("risky-federation-trust", severity, role, detail, fix);
        }
    }
}
