//! `departed-owner-credential` (NHI1): Live credential of a person who has been offboarded.

use crate::analysis::sprawl::fixes::fix_retire;
use crate::analysis::sprawl::review::{date, label, list, lower_first};
use crate::analysis::sprawl::Review;
use crate::model::EdgeKind;

impl Review<'_> {
    /// NHI1: live credentials of offboarded people.
    pub(super) fn departed_owner_credential(&mut self) {
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
}
