//! `reused-credential` (NHI9): One credential held by several workloads or devices.

use petgraph::graph::NodeIndex;

use crate::analysis::sprawl::fixes::fix_retire;
use crate::analysis::sprawl::review::{label, list};
use crate::analysis::sprawl::Review;
use crate::model::{EdgeKind, NodeKind};

impl Review<'_> {
    /// NHI9: one credential held by several workloads or devices.
    pub(super) fn reused_credential(&mut self) {
        for c in self.g.graph.node_indices() {
            if !self.g.facts(c).kind.is_credential() || !self.alive(c) {
                continue;
            }
            let holders: Vec<NodeIndex> = self
                .sources_of(c, EdgeKind::Holds)
                .into_iter()
                .filter(|&h| matches!(self.g.facts(h).kind, NodeKind::Workload | NodeKind::Device))
                .collect();
            if holders.len() < 2 {
                continue;
            }
            let names: Vec<String> = holders.iter().map(|&h| self.id(h).to_string()).collect();
            let detail = format!(
                "{} is held by {} workloads/devices: {}. {}",
                label(self.node(c)),
                holders.len(),
                list(&names, 5),
                self.reach_note(c)
            )
            .trim_end()
            .to_string();
            let sev = self.impact(c);
            let fix = format!(
                "Give each workload its own identity and credential, so each can be rotated and \
                 revoked alone and its use attributed; then retire this one. {}",
                fix_retire(self, c)
            );
            self.push("reused-credential", sev, c, detail, fix);
        }
    }
}
