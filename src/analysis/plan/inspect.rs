//! Phase 3, inspect: where the attacker could have done or changed things the graph does not
//! show, on every platform the radius touches.
//!
//! Three kinds of step, each with the exact query or call:
//! - every reached (or stolen) app and identity provider: its audit trail, new credentials and
//!   grants;
//! - every reached mailbox: its rules and forwarding (the first thing a mailbox thief sets up),
//!   and every reached account on a platform whose consents are per user (Okta, Entra, Google):
//!   the OAuth consents it granted since the compromise;
//! - every reached platform: what the attacker did there, filtered by the accounts and
//!   credentials they held (CloudTrail by access key id, the GitHub org audit log by actor, …).
//!   A platform reached only through a role, a bucket or a repository has no app node, and used
//!   to get no inspect step at all.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet};

use petgraph::graph::NodeIndex;

use super::{native_id, Ctx, Phase, Step};
use crate::analysis::mechanism::{self, Activity, Platform};
use crate::model::naming::native;
use crate::model::NodeKind;

/// The inspect steps: places most critical first, then one activity step per platform.
pub(super) fn steps(cx: &Ctx) -> Vec<Step> {
    let (g, q, r) = (cx.g, cx.q, cx.r);
    let mut radius: Vec<NodeIndex> = r
        .reached
        .iter()
        .map(|x| x.node)
        .chain(q.from.iter().copied())
        .collect();
    radius.sort();
    radius.dedup();

    let mut places: Vec<NodeIndex> = radius
        .iter()
        .copied()
        .filter(|&n| is_place(cx, n))
        .collect();
    places.sort_by_key(|&a| (Reverse(g.facts(a).criticality), g.id(a).to_string()));
    let mut steps = Vec::new();
    // Platforms whose reached accounts already have a step filtered by them.
    let mut by_actor: HashSet<String> = HashSet::new();
    let mut inspected: HashSet<String> = HashSet::new();
    for a in places {
        let n = g.node(a);
        let m = mechanism::inspect(
            n.platform(),
            n.kind,
            native_id(g, a),
            n.name.as_deref(),
            cx.since,
        );
        let mut st = cx.step(Phase::Inspect, a, m);
        let what = if is_mailbox(cx, a) {
            "; review its rules and forwarding"
        } else if n.kind == NodeKind::User {
            by_actor.insert(family(n.platform()));
            "; review its sign-ins and the OAuth consents it granted"
        } else {
            "; review what the attacker could change there"
        };
        inspected.insert(family(n.platform()));
        st.reason = format!("reached{}{what}{}", window_text(cx, a), since_text(cx));
        steps.push(st);
    }

    // One activity step per platform, most critical platform first.
    let mut platforms: BTreeMap<String, Vec<NodeIndex>> = BTreeMap::new();
    for &n in &radius {
        platforms
            .entry(family(g.node(n).platform()))
            .or_default()
            .push(n);
    }
    let mut order: Vec<(String, Vec<NodeIndex>)> = platforms.into_iter().collect();
    order.sort_by_key(|(p, nodes)| {
        (
            Reverse(nodes.iter().map(|&n| g.facts(n).criticality).max()),
            p.clone(),
        )
    });
    for (key, nodes) in order {
        if by_actor.contains(&key) {
            continue;
        }
        let target = *nodes
            .iter()
            .min_by_key(|&&n| (Reverse(g.facts(n).criticality), g.id(n).to_string()))
            .expect("a platform has nodes");
        let platform = g.node(target).platform();
        let activity = Activity {
            platform,
            accounts: nodes
                .iter()
                .filter(|&&n| g.node(n).kind.is_account())
                .map(|&n| (g.node(n).kind, native_id(g, n), g.node(n).name.as_deref()))
                .collect(),
            credentials: nodes
                .iter()
                .filter(|&&n| g.node(n).kind.is_credential())
                .map(|&n| (native_id(g, n), &g.node(n).props))
                .collect(),
            org: nodes.iter().find_map(|&n| org_of(cx, n)),
        };
        let m = match mechanism::inspect_activity(&activity, cx.since) {
            Some(m) => m,
            // Nothing filtered by actor here; an app or IdP step already reviews the platform.
            None if inspected.contains(&key) => continue,
            None => {
                let n = g.node(target);
                mechanism::inspect(
                    platform,
                    n.kind,
                    native_id(g, target),
                    n.name.as_deref(),
                    cx.since,
                )
            }
        };
        let mut st = cx.step(Phase::Inspect, target, m);
        st.reason = format!(
            "the radius reaches {} node(s) on {platform}; find what the attacker did there \
             with what they held{}",
            nodes.len(),
            since_text(cx)
        );
        steps.push(st);
    }
    steps
}

/// Apps and IdPs, mailboxes, and accounts on platforms whose consents are per user.
fn is_place(cx: &Ctx, n: NodeIndex) -> bool {
    let node = cx.g.node(n);
    match node.kind {
        NodeKind::App | NodeKind::Idp => true,
        NodeKind::Resource => is_mailbox(cx, n),
        NodeKind::User => matches!(
            Platform::of(node.platform()),
            Platform::Okta | Platform::Microsoft | Platform::Google
        ),
        _ => false,
    }
}

fn is_mailbox(cx: &Ctx, n: NodeIndex) -> bool {
    cx.g.node(n).kind == NodeKind::Resource && native_id(cx.g, n).starts_with(native::MAILBOX)
}

/// The grouping of platforms: one family per known platform (Entra and Microsoft 365 are one
/// directory), the platform's own name otherwise.
fn family(platform: &str) -> String {
    match Platform::of(platform) {
        Platform::Other => platform.to_ascii_lowercase(),
        known => format!("{known:?}"),
    }
}

/// The organisation a GitHub node belongs to: `props.org`, or the owner of `owner/repo`.
fn org_of(cx: &Ctx, n: NodeIndex) -> Option<String> {
    let node = cx.g.node(n);
    if let Some(o) = ["org", "organization", "org_login"]
        .iter()
        .find_map(|k| node.props.get(*k).and_then(|v| v.as_str()))
    {
        return Some(o.to_string());
    }
    let id = native_id(cx.g, n);
    match node.kind {
        NodeKind::Resource => id.split_once('/').map(|(o, _)| o.to_string()),
        NodeKind::App | NodeKind::Idp if !id.contains('/') => Some(id.to_string()),
        _ => None,
    }
}

fn window_text(cx: &Ctx, a: NodeIndex) -> String {
    match cx.window_of.get(&a) {
        Some((true, _)) => " with persistent control".to_string(),
        Some((false, Some(t))) => format!(" until {}", cx.until_text(a, *t)),
        _ => String::new(),
    }
}

fn since_text(cx: &Ctx) -> String {
    cx.since.map(|t| format!(" since {t}")).unwrap_or_default()
}
