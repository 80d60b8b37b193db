//! `orphaned-nhi` (NHI1): Service account with no owner, or whose every owner has left.

use petgraph::graph::NodeIndex;

use crate::analysis::sprawl::fixes::fix_orphaned;
use crate::analysis::sprawl::review::{label, list, plural};
use crate::analysis::sprawl::Review;
use crate::model::{EdgeKind, NodeKind};

impl Review<'_> {
    /// NHI1: service accounts nobody (enabled, still employed) owns; workloads whose recorded
    /// owners are all gone. Workloads without `owns` are not reported: the model's `owns` edge
    /// targets service accounts, apps and resources, so collectors do not record workload owners.
    pub(super) fn orphaned_nhi(&mut self) {
        for i in self.g.graph.node_indices() {
            let f = self.g.facts(i);
            if !f.kind.is_nhi() || !f.enabled || self.vendor_nhi(i) {
                continue;
            }
            let owners = self.sources_of(i, EdgeKind::Owns);
            if owners.is_empty() && f.kind == NodeKind::Workload {
                continue;
            }
            let gone = |o: NodeIndex| {
                !self.g.facts(o).enabled
                    || self
                        .node(o)
                        .person
                        .as_deref()
                        .is_some_and(|p| self.departed.contains(p))
            };
            if !owners.iter().all(|&o| gone(o)) {
                continue;
            }
            let creds = self.credentials_of(i);
            let live: Vec<String> = creds
                .iter()
                .filter(|&&c| self.alive(c))
                .map(|&c| self.id(c).to_string())
                .collect();
            let who = if owners.is_empty() {
                "has no owner (no `owns` edge).".to_string()
            } else {
                let names: Vec<String> = owners
                    .iter()
                    .map(|&o| {
                        let n = self.node(o);
                        let why = if !n.enabled() {
                            "disabled"
                        } else {
                            "person offboarded"
                        };
                        format!("{} ({why})", n.person.as_deref().unwrap_or(&n.id))
                    })
                    .collect();
                format!("has no owner left: {}.", names.join(", "))
            };
            let creds_text = if live.is_empty() {
                if creds.is_empty() {
                    " It has no credential in the graph.".to_string()
                } else {
                    format!(
                        " Its {} credential{} {} dead.",
                        creds.len(),
                        plural(creds.len()),
                        if creds.len() == 1 { "is" } else { "are" }
                    )
                }
            } else {
                format!(" Live credentials: {}.", list(&live, 4))
            };
            let detail = format!(
                "{} {who}{creds_text} {}",
                label(self.node(i)),
                self.nhi_reach_note(i)
            )
            .trim_end()
            .to_string();
            let sev = self.impact(i);
            let fix = fix_orphaned(self.node(i));
            self.push("orphaned-nhi", sev, i, detail, fix);
        }
    }
}
