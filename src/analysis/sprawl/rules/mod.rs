//! The rules of the review, one file per rule (`long_lived_and_non_revocable` holds the two NHI7
//! rules, which share one pass: a credential already reported as long-lived is not reported again
//! as non-revocable). Each rule adds its findings to the [`Review`]; the driver sorts them.

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde_json::Value;

use super::review::strings;
use super::Review;
use crate::model::{EdgeKind, Node, NodeKind, TokenType};

mod departed_owner_credential;
mod human_use_of_nhi;
mod long_lived_and_non_revocable;
mod mixed_environment_nhi;
mod orphaned_nhi;
mod overprivileged_nhi;
mod password_on_service_account;
mod reused_credential;
mod risky_federation_trust;
mod secret_in_shared_place;
mod stale_credential;
mod static_cloud_credential;
mod third_party_broad_grant;
mod weak_auth_owner;

impl Review<'_> {
    /// Every rule, in the order of [`RULES`](super::RULES). The order findings are added in does
    /// not change the report (the driver sorts them and no two rules share a finding), but reading
    /// the rules in this order is reading the catalogue.
    pub(super) fn run_rules(&mut self) {
        self.orphaned_nhi();
        self.departed_owner_credential();
        self.stale_credential();
        self.secret_in_shared_place();
        self.third_party_broad_grant();
        self.weak_auth_owner();
        self.password_on_service_account();
        self.overprivileged_nhi();
        self.static_cloud_credential();
        self.risky_federation_trust();
        self.long_lived_and_non_revocable();
        self.mixed_environment_nhi();
        self.reused_credential();
        self.human_use_of_nhi();
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
}

fn is_session(n: &Node) -> bool {
    n.kind == NodeKind::Session || n.token_type == Some(TokenType::Cookie)
}
