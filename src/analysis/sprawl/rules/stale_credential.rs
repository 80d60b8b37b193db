//! `stale-credential` (NHI1): Live credential unused for a long time.

use serde_json::Value;

use crate::analysis::sprawl::fixes::fix_retire;
use crate::analysis::sprawl::review::{date, label};
use crate::analysis::sprawl::{Review, DAY};

impl Review<'_> {
    /// NHI1: live credentials unused for `stale_days`.
    pub(super) fn stale_credential(&mut self) {
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
}
