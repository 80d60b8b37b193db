//! `secret-in-shared-place` (NHI2): Secrets held in a place many people can reach.

use std::collections::{BTreeSet, HashMap, VecDeque};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde_json::Value;

use crate::analysis::sprawl::fixes::fix_shared_place;
use crate::analysis::sprawl::review::{label, list, plural};
use crate::analysis::sprawl::{Review, Severity};
use crate::model::{EdgeKind, Node, NodeKind};

impl Review<'_> {
    /// NHI2: holders of live credentials that many people can reach.
    pub(super) fn secret_in_shared_place(&mut self) {
        for h in self.g.graph.node_indices() {
            let kind = self.g.facts(h).kind;
            if !matches!(
                kind,
                NodeKind::Resource | NodeKind::App | NodeKind::Workload
            ) {
                continue;
            }
            let held: Vec<NodeIndex> = self
                .targets_of(h, EdgeKind::Holds)
                .into_iter()
                .filter(|&c| self.g.facts(c).kind.is_credential() && self.alive(c))
                .collect();
            if held.is_empty() {
                continue;
            }
            let exposure = self.who_reaches(h);
            let store = is_secret_store(self.node(h));
            // A ticket, document, repo or bucket is no place for a secret, however few reach it.
            let leak = kind == NodeKind::Resource && !store;
            if !leak && exposure.people < self.opts.exposure_accounts {
                continue;
            }
            let sev = if leak || held.iter().any(|&c| self.crown(c)) {
                Severity::High
            } else {
                Severity::Medium
            };
            let creds: Vec<String> = held.iter().map(|&c| self.id(c).to_string()).collect();
            let at_least = if exposure.truncated { "at least " } else { "" };
            let who = match exposure.example.first() {
                Some(&a) => {
                    let person = self
                        .node(a)
                        .person
                        .as_deref()
                        .map(|p| format!("{p} through "))
                        .unwrap_or_default();
                    format!(
                        "{at_least}{} {} can reach it (e.g. {person}{})",
                        exposure.people,
                        if exposure.people == 1 {
                            "person"
                        } else {
                            "people"
                        },
                        self.path_text(&exposure.example)
                    )
                }
                None => "no account reaches it".to_string(),
            };
            let where_ = if leak {
                " It is not a secret store: the secret has leaked there."
            } else {
                ""
            };
            let detail = format!(
                "{} holds {} live credential{} ({}) and {who}.{where_}",
                label(self.node(h)),
                held.len(),
                plural(held.len()),
                list(&creds, 6),
            );
            let fix = fix_shared_place(self, h, store, &held, &exposure.example);
            self.push("secret-in-shared-place", sev, h, detail, fix);
        }
    }

    /// People (accounts grouped by `person`) with a traversable path to `target`: a bounded
    /// breadth-first search backwards over traversable edges, skipping dead credentials and not
    /// counting disabled accounts. Returns one example path from the nearest account.
    fn who_reaches(&self, target: NodeIndex) -> Exposure {
        let g = self.g;
        let mut seen: HashMap<NodeIndex, Option<NodeIndex>> = HashMap::new();
        let mut queue = VecDeque::new();
        seen.insert(target, None);
        queue.push_back(target);
        let mut people: BTreeSet<&str> = BTreeSet::new();
        let mut example: Option<NodeIndex> = None;
        let mut truncated = false;
        while let Some(n) = queue.pop_front() {
            let f = g.facts(n);
            if n != target && f.kind.is_account() && f.enabled {
                let node = g.node(n);
                people.insert(node.person.as_deref().unwrap_or(&node.id));
                example.get_or_insert(n);
            }
            if people.len() >= PEOPLE_LIMIT {
                truncated = true;
                break;
            }
            let mut preds: Vec<NodeIndex> = g
                .graph
                .edges_directed(n, Direction::Incoming)
                .filter(|e| e.weight().kind.rule().traversable)
                .map(|e| e.source())
                .filter(|&s| g.facts(s).alive_at(self.at))
                .collect();
            preds.sort_by(|a, b| g.id(*a).cmp(g.id(*b)));
            for p in preds {
                if seen.contains_key(&p) {
                    continue;
                }
                if seen.len() >= BACKWARD_LIMIT {
                    truncated = true;
                    break;
                }
                seen.insert(p, Some(n));
                queue.push_back(p);
            }
        }
        let mut path = Vec::new();
        let mut cur = example;
        while let Some(n) = cur {
            path.push(n);
            cur = seen.get(&n).copied().flatten();
        }
        Exposure {
            people: people.len(),
            truncated,
            example: path,
        }
    }
}

/// How many nodes the backwards search of `secret-in-shared-place` visits per holder at most, and
/// how many people it counts before it stops ("at least" in the detail).
const BACKWARD_LIMIT: usize = 50_000;
const PEOPLE_LIMIT: usize = 1_000;

struct Exposure {
    people: usize,
    truncated: bool,
    /// From the nearest account to the holder.
    example: Vec<NodeIndex>,
}

fn is_secret_store(n: &Node) -> bool {
    let p = n.platform().to_ascii_lowercase();
    let name = n.name.as_deref().unwrap_or("").to_ascii_lowercase();
    n.props.get("secret_store").and_then(Value::as_bool) == Some(true)
        || p == "vault"
        || n.id.contains(":secretsmanager:")
        || [
            "vault",
            "secrets manager",
            "secret manager",
            "key vault",
            "keyvault",
        ]
        .iter()
        .any(|w| name.contains(w))
}
