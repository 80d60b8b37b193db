//! `human-use-of-nhi` (NHI10): Interactive session signed in as a service account.

use std::collections::BTreeMap;

use petgraph::graph::NodeIndex;
use serde_json::Value;

use super::is_session;
use crate::analysis::sprawl::fixes::fix_human_use;
use crate::analysis::sprawl::review::{label, list, plural};
use crate::analysis::sprawl::{Review, Severity};
use crate::model::{EdgeKind, NodeKind};

impl Review<'_> {
    /// NHI10: interactive sessions as service accounts.
    pub(super) fn human_use_of_nhi(&mut self) {
        let mut by_sa: BTreeMap<NodeIndex, Vec<NodeIndex>> = BTreeMap::new();
        for c in self.g.graph.node_indices() {
            if !is_session(self.node(c)) || !self.alive(c) {
                continue;
            }
            for sa in self.targets_of(c, EdgeKind::AuthenticatesAs) {
                if self.g.facts(sa).kind == NodeKind::ServiceAccount {
                    by_sa.entry(sa).or_default().push(c);
                }
            }
        }
        for (sa, sessions) in by_sa {
            let texts: Vec<String> = sessions
                .iter()
                .map(|&s| {
                    let n = self.node(s);
                    let mut t = n.id.clone();
                    let mut extra = Vec::new();
                    if let Some(p) = &n.person {
                        extra.push(format!("person {p}"));
                    }
                    if let Some(ip) = n.props.get("ip").and_then(Value::as_str) {
                        extra.push(format!("from {ip}"));
                    }
                    if let Some(ua) = n.props.get("user_agent").and_then(Value::as_str) {
                        extra.push(ua.chars().take(40).collect());
                    }
                    if !extra.is_empty() {
                        t.push_str(&format!(" ({})", extra.join(", ")));
                    }
                    t
                })
                .collect();
            let detail = format!(
                "{} has {} live interactive session{}: {}.",
                label(self.node(sa)),
                sessions.len(),
                plural(sessions.len()),
                list(&texts, 3)
            );
            let fix = fix_human_use(self.node(sa));
            self.push("human-use-of-nhi", Severity::High, sa, detail, fix);
        }
    }
}
