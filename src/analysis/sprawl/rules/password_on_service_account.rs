//! `password-on-service-account` (NHI4): Service account signing in with a password.

use crate::analysis::sprawl::fixes::fix_password;
use crate::analysis::sprawl::review::{date, label};
use crate::analysis::sprawl::{Review, Severity};
use crate::model::{EdgeKind, NodeKind, TokenType};

impl Review<'_> {
    /// NHI4: password tokens on service accounts.
    pub(super) fn password_on_service_account(&mut self) {
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
}
