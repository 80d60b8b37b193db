//! `mixed-environment-nhi` (NHI8): One NHI spanning production and non-production.

use crate::analysis::sprawl::fixes::fix_environment;
use crate::analysis::sprawl::review::{env_of, env_tag, label, plural, Env};
use crate::analysis::sprawl::{Review, Severity};

impl Review<'_> {
    /// NHI8: NHIs spanning production and non-production.
    pub(super) fn mixed_environment_nhi(&mut self) {
        for i in self.g.graph.node_indices() {
            let f = self.g.facts(i);
            if !f.kind.is_nhi() || !f.enabled || self.vendor_nhi(i) {
                continue;
            }
            let Some(s) = self.summaries.get(&i) else {
                continue;
            };
            let own = env_of(self.node(i));
            let has_prod = own == Some(Env::Prod) || s.prod > 0;
            let has_nonprod = own == Some(Env::NonProd) || s.nonprod > 0;
            if !has_prod || !has_nonprod {
                continue;
            }
            let n = self.node(i);
            let own_text = match env_tag(n) {
                Some(t) if own.is_some() => format!("is tagged {t} and "),
                _ => String::new(),
            };
            let mut parts = Vec::new();
            if s.prod > 0 {
                parts.push(format!(
                    "{} production node{} (e.g. {})",
                    s.prod,
                    plural(s.prod),
                    self.path_text(&s.prod_path)
                ));
            }
            if s.nonprod > 0 {
                parts.push(format!(
                    "{} non-production node{} (e.g. {})",
                    s.nonprod,
                    plural(s.nonprod),
                    self.path_text(&s.nonprod_path)
                ));
            }
            let detail = format!("{} {own_text}reaches {}.", label(n), parts.join(" and "));
            let sev = if own == Some(Env::NonProd) && s.prod > 0 {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_environment(n, own);
            self.push("mixed-environment-nhi", sev, i, detail, fix);
        }
    }
}
