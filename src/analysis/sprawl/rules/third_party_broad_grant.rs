//! `third-party-broad-grant` (NHI3): Third-party app holding broad or many grants.

use std::collections::BTreeMap;

use petgraph::graph::NodeIndex;

use crate::analysis::sprawl::breadth::broad;
use crate::analysis::sprawl::fixes::fix_third_party;
use crate::analysis::sprawl::review::{label, list, plural};
use crate::analysis::sprawl::{Review, Severity};
use crate::model::{EdgeKind, NodeKind};

impl Review<'_> {
    /// NHI3: third-party apps with broad scopes, many grants, or tokens that never expire.
    pub(super) fn third_party_broad_grant(&mut self) {
        for a in self.g.graph.node_indices() {
            if !self.third_party_app(a) {
                continue;
            }
            let held: Vec<NodeIndex> = self
                .targets_of(a, EdgeKind::Holds)
                .into_iter()
                .filter(|&c| self.g.facts(c).kind.is_credential() && self.alive(c))
                .collect();
            let grants = held
                .iter()
                .filter(|&&c| self.g.facts(c).kind == NodeKind::OauthGrant)
                .count();
            // broad scope -> the credentials carrying it
            let mut broad_on: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            let mut widest = None;
            for &c in &held {
                let (b, names) = broad(&self.scopes_of(c));
                widest = widest.max(b);
                for name in names {
                    broad_on.entry(name).or_default().push(self.id(c));
                }
            }
            let forever: Vec<NodeIndex> = held
                .iter()
                .copied()
                .filter(|&c| {
                    self.g.facts(c).kind != NodeKind::OauthGrant
                        && self.node(c).expires_at.is_none()
                })
                .collect();
            let many = grants >= self.opts.third_party_grants;
            if widest.is_none() && !many && forever.is_empty() {
                continue;
            }
            let mut platforms: Vec<&str> = held.iter().map(|&c| self.node(c).platform()).collect();
            platforms.sort_unstable();
            platforms.dedup();
            let mut detail = format!(
                "{} holds {} live grant{} and {} other live credential{} on {}.",
                label(self.node(a)),
                grants,
                plural(grants),
                held.len() - grants,
                plural(held.len() - grants),
                platforms.join(", ")
            );
            if !broad_on.is_empty() {
                let parts: Vec<String> = broad_on
                    .iter()
                    .map(|(scope, on)| {
                        let more = if on.len() > 1 {
                            format!(" and {} more", on.len() - 1)
                        } else {
                            String::new()
                        };
                        format!("{scope} ({}{more})", on[0])
                    })
                    .collect();
                detail.push_str(&format!(" Broad scopes: {}.", list(&parts, 4)));
            }
            if many {
                detail.push_str(&format!(
                    " That is at least the {} grants allowed for one vendor.",
                    self.opts.third_party_grants
                ));
            }
            if !forever.is_empty() {
                detail.push_str(&format!(
                    " {} of its tokens never expire{}: a breach of the vendor keeps working \
                     until each is revoked.",
                    forever.len(),
                    match self.first_types(&forever) {
                        t if t.is_empty() => String::new(),
                        t => format!(" ({t})"),
                    }
                ));
            }
            let sev = if widest.is_some() {
                Severity::High
            } else {
                Severity::Medium
            };
            let fix = fix_third_party(&platforms);
            self.push("third-party-broad-grant", sev, a, detail, fix);
        }
    }

    /// "3 refresh, 1 private_key" for a set of tokens.
    fn first_types(&self, creds: &[NodeIndex]) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for &c in creds {
            let t = self
                .node(c)
                .token_type
                .map_or(self.node(c).kind.as_str(), |t| t.as_str());
            *counts.entry(t).or_default() += 1;
        }
        counts
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
