//! `long-lived-credential` (NHI7): Credential that never expires, lives too long, or is never rotated.
//! `non-revocable-credential` (NHI7): Credential that cannot be revoked and stays valid for long.

use crate::analysis::mechanism::effective_revocation;
use crate::analysis::sprawl::fixes::{fix_long_lived, fix_non_revocable};
use crate::analysis::sprawl::review::{date, label, plural};
use crate::analysis::sprawl::{Review, Severity, DAY, HOUR};
use crate::model::{NodeKind, Revocation, Timestamp, TokenType};

impl Review<'_> {
    /// NHI7: long-lived credentials; non-revocable ones not already reported as long-lived.
    pub(super) fn long_lived_and_non_revocable(&mut self) {
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
}
