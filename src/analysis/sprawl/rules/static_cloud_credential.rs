//! `static-cloud-credential` (NHI6): Workload or CI holding a static cloud key instead of a federated identity.

use std::collections::HashSet;

use petgraph::graph::NodeIndex;

use crate::analysis::mechanism::Platform;
use crate::analysis::sprawl::fixes::fix_static_cloud;
use crate::analysis::sprawl::review::{date, label, list, plural};
use crate::analysis::sprawl::{Review, Severity};
use crate::model::naming::{after_second_colon, native};
use crate::model::{EdgeKind, NodeKind, TokenType};

impl Review<'_> {
    /// NHI6: workloads and apps holding static cloud keys. A key is reported once, on the first
    /// place holding it: apps (the CI system storing it) before workloads (the agents it is
    /// injected into), then by id.
    pub(super) fn static_cloud_credential(&mut self) {
        let mut holders: Vec<NodeIndex> = self
            .g
            .graph
            .node_indices()
            .filter(|&h| {
                matches!(self.g.facts(h).kind, NodeKind::Workload | NodeKind::App)
                    && !self.third_party_app(h)
            })
            .collect();
        holders.sort_by_key(|&h| (self.g.facts(h).kind != NodeKind::App, self.id(h)));
        let mut reported: HashSet<NodeIndex> = HashSet::new();
        for h in holders {
            let keys: Vec<NodeIndex> = self
                .targets_of(h, EdgeKind::Holds)
                .into_iter()
                .filter(|&c| {
                    self.alive(c) && self.static_cloud_key(c).is_some() && !reported.contains(&c)
                })
                .collect();
            if keys.is_empty() {
                continue;
            }
            reported.extend(keys.iter().copied());
            let mut clouds: Vec<Platform> = keys
                .iter()
                .filter_map(|&c| self.static_cloud_key(c))
                .collect();
            clouds.sort_by_key(|p| format!("{p:?}"));
            clouds.dedup();
            let names: Vec<String> = keys
                .iter()
                .map(|&c| {
                    let n = self.node(c);
                    let since = n
                        .issued_at
                        .map(|t| format!(", issued {}", date(t.as_millis())))
                        .unwrap_or_default();
                    format!("{}{since}", n.id)
                })
                .collect();
            let detail = format!(
                "{} holds {} long-term cloud key{}: {}.",
                label(self.node(h)),
                keys.len(),
                plural(keys.len()),
                list(&names, 4)
            );
            let sev = if keys.iter().any(|&c| self.crown(c)) {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_static_cloud(self.node(h), &clouds);
            self.push("static-cloud-credential", sev, h, detail, fix);
        }
    }

    /// The cloud a static key belongs to: AWS long-term access keys, Google service-account keys,
    /// Microsoft client secrets and certificates of service principals.
    fn static_cloud_key(&self, c: NodeIndex) -> Option<Platform> {
        let n = self.node(c);
        let p = Platform::of(n.platform());
        let to_sa = || {
            self.targets_of(c, EdgeKind::AuthenticatesAs)
                .iter()
                .any(|&a| self.g.facts(a).kind == NodeKind::ServiceAccount)
        };
        match (p, n.token_type) {
            (Platform::Aws, Some(TokenType::AccessKey))
                if !after_second_colon(&n.id).starts_with(native::AWS_TEMPORARY_KEY) =>
            {
                Some(p)
            }
            (Platform::Aws, _)
                if after_second_colon(&n.id).starts_with(native::AWS_LONG_TERM_KEY) =>
            {
                Some(p)
            }
            (Platform::Google, Some(TokenType::PrivateKey)) if to_sa() => Some(p),
            (Platform::Microsoft, Some(TokenType::PrivateKey | TokenType::ClientSecret))
                if to_sa() =>
            {
                Some(p)
            }
            _ => None,
        }
    }
}
