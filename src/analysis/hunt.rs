//! The hunt for reuse (spec §3 "Hunt"): from the log-derived part of the graph, every use of the
//! stolen artefacts and of everything minted from them since the compromise — by address,
//! country/network when the log says, user agent and app — with the addresses the account never
//! used before flagged, and the *other* accounts seen from those addresses (lateral reuse).
//!
//! What counts as one use ("observation") is what the log importers keep:
//! - an `issued` edge with an `at`: its parent credential was used at that time, from the edge's
//!   `ip` / `country` / `asn` / `user_agent`, to mint the child (an app sign-on, a token);
//! - a credential node that nothing issued but that carries `props.ip` and `issued_at`: its own
//!   sign-in (an Okta `user.session.start`, an Entra session's first sign-in, a service
//!   principal's token).
//!
//! The account behind an observation is what its credential `authenticates_as`, directly or
//! through the chain of `issued` parents. The pre-compromise history of the stolen artefacts'
//! accounts is every observation of those accounts before `since`. Without `since` there is no
//! "before": nothing is flagged new, and the caller says so.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use petgraph::graph::NodeIndex;
use serde::Serialize;

use crate::model::{EdgeKind, NodeKind, Props, Timestamp, TrustGraph};

/// One group of uses of one credential: same app, address, country and user agent.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, PartialEq, Eq)]
pub struct Use {
    /// The credential used (the stolen artefact or one of its descendants).
    pub credential: String,
    /// What it was used for: the app or API the minted credential reaches (an id), else the
    /// app's name in the log.
    pub app: Option<String>,
    pub ip: Option<String>,
    pub country: Option<String>,
    pub user_agent: Option<String>,
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: u64,
    /// The account never used this address before the compromise time.
    pub new_address: bool,
    /// Extension: the network (`AS64500 example isp`) when the log carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<String>,
    /// Extension: the account never signed in from this country before the compromise time.
    pub new_country: bool,
}

/// Another account seen from one of the addresses of `uses` since the compromise.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, PartialEq, Eq)]
pub struct OtherAccount {
    pub account: String,
    pub ip: String,
    pub first: Timestamp,
    pub count: u64,
    /// Extension: the credentials that account used from there.
    pub credentials: Vec<String>,
}

/// The JSON contract of `heir hunt`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HuntReport {
    pub from: Vec<String>,
    pub since: Option<Timestamp>,
    pub at: Timestamp,
    pub uses: Vec<Use>,
    pub other_accounts: Vec<OtherAccount>,
    /// Extension: the accounts the stolen artefacts act as (whose history decides `new_address`).
    pub accounts: Vec<String>,
    /// Extension: the addresses those accounts used before the compromise time.
    pub known_addresses: Vec<String>,
    /// Extension: how many log observations the graph holds at all (0: no logs were collected,
    /// so an empty answer means "no data", not "no reuse").
    pub observations: usize,
}

/// One use of a credential, from the log.
struct Obs {
    credential: NodeIndex,
    app: Option<String>,
    ip: Option<String>,
    country: Option<String>,
    asn: Option<String>,
    user_agent: Option<String>,
    at: Timestamp,
}

fn prop(p: &Props, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        p.get(*k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

/// The app or API a credential is for, by id: what it `can_access` directly (an app or a
/// resource), else what the account it `authenticates_as` can access (an app session signs in to
/// an account of that app).
fn reached_app(g: &TrustGraph, n: NodeIndex) -> Option<String> {
    let direct = |n: NodeIndex| {
        g.out_edges(n)
            .filter(|o| o.kind == EdgeKind::CanAccess)
            .map(|o| o.target)
            .find(|t| matches!(g.facts(*t).kind, NodeKind::App | NodeKind::Resource))
    };
    direct(n)
        .or_else(|| {
            g.out_edges(n)
                .filter(|o| o.kind == EdgeKind::AuthenticatesAs)
                .find_map(|o| {
                    g.out_edges(o.target)
                        .filter(|x| x.kind == EdgeKind::CanAccess)
                        .map(|x| x.target)
                        .find(|t| g.facts(*t).kind == NodeKind::App)
                })
        })
        .map(|t| g.id(t).to_string())
}

/// Where an observation comes from, in the order the graph lists them (every `issued` edge, then
/// every self-observed credential): uses are folded in this order, so the answer does not depend
/// on which records were read first.
type Order = (u8, usize);

/// The observation an `issued` edge is, if it has a time.
fn edge_obs(g: &TrustGraph, e: petgraph::graph::EdgeIndex) -> Option<(Order, Obs)> {
    if g.edge_facts(e).kind != EdgeKind::Issued {
        return None;
    }
    let edge = g.edge_uncached(e);
    let at = edge.at?;
    let (from, to) = g.endpoints(e);
    let p = &edge.props;
    Some((
        (0, e.index()),
        Obs {
            credential: from,
            app: reached_app(g, to).or_else(|| prop(p, &["app", "client", "app_id"])),
            ip: prop(p, &["ip"]),
            country: prop(p, &["country"]),
            asn: prop(p, &["asn"]),
            user_agent: prop(p, &["user_agent"]),
            at,
        },
    ))
}

/// Whether a node can be its own observation by its facts alone (a credential with an issue
/// time that nothing issued): the cheap test before its record is read.
fn may_self_observe(g: &TrustGraph, n: NodeIndex) -> bool {
    let facts = g.facts(n);
    facts.kind.is_credential()
        && facts.issued_at != i64::MIN
        && !g
            .in_edges(n)
            .any(|(_, e)| g.edge_facts(e).kind == EdgeKind::Issued)
}

/// A credential's own sign-in, if it is one (see the module doc).
fn node_obs(g: &TrustGraph, n: NodeIndex) -> Option<(Order, Obs)> {
    if !may_self_observe(g, n) {
        return None;
    }
    let node = g.node_uncached(n);
    let ip = prop(&node.props, &["ip", "created_ip"])?;
    Some((
        (1, n.index()),
        Obs {
            credential: n,
            app: reached_app(g, n)
                .or_else(|| prop(&node.props, &["first_app", "app"]))
                .or_else(|| Some(format!("{} sign-in", g.platform(n)))),
            ip: Some(ip),
            country: prop(&node.props, &["country"]),
            asn: prop(&node.props, &["asn"]),
            user_agent: prop(&node.props, &["user_agent"]),
            at: Timestamp::from_millis(g.facts(n).issued_at),
        },
    ))
}

/// The observations of some credentials: each one's `issued` edges with a time (it was used to
/// mint the child) and its own sign-in. Reads only their records.
fn observations_of(g: &TrustGraph, nodes: impl IntoIterator<Item = NodeIndex>) -> Vec<Obs> {
    let mut out: Vec<(Order, Obs)> = Vec::new();
    for n in nodes {
        for o in g.out_edges(n) {
            if o.kind == EdgeKind::Issued {
                out.extend(edge_obs(g, o.edge));
            }
        }
        out.extend(node_obs(g, n));
    }
    out.sort_by_key(|(order, _)| *order);
    out.into_iter().map(|(_, o)| o).collect()
}

/// The account a credential acts as: what it `authenticates_as`, else its `issued` parent's.
fn account_of(
    g: &TrustGraph,
    n: NodeIndex,
    memo: &mut HashMap<NodeIndex, Option<NodeIndex>>,
) -> Option<NodeIndex> {
    let mut chain = Vec::new();
    let mut cur = n;
    let found = loop {
        if let Some(known) = memo.get(&cur) {
            break *known;
        }
        if chain.contains(&cur) || chain.len() > 64 {
            break None;
        }
        chain.push(cur);
        if let Some(o) = g
            .out_edges(cur)
            .find(|o| o.kind == EdgeKind::AuthenticatesAs)
        {
            break Some(o.target);
        }
        match g
            .in_edges(cur)
            .find(|(_, e)| g.edge_facts(*e).kind == EdgeKind::Issued)
        {
            Some((parent, _)) => cur = parent,
            None => break None,
        }
    };
    for c in chain {
        memo.insert(c, found);
    }
    found
}

/// The stolen artefacts and everything minted from them (forward over `issued`).
fn closure(g: &TrustGraph, from: &[NodeIndex]) -> BTreeSet<NodeIndex> {
    let mut seen: BTreeSet<NodeIndex> = from.iter().copied().collect();
    let mut queue: VecDeque<NodeIndex> = from.iter().copied().collect();
    while let Some(n) = queue.pop_front() {
        for o in g.out_edges(n) {
            if o.kind == EdgeKind::Issued && seen.insert(o.target) {
                queue.push_back(o.target);
            }
        }
    }
    seen
}

/// Whether the logs in the graph saw the stolen artefacts or anything minted from them used
/// from an address: reads only their records, so a plan can ask before paying for the hunt's
/// scan of every observation in the graph (which finds nothing new when this is false: the other
/// accounts it lists are those seen from the addresses of these uses).
pub fn has_observed_uses(g: &TrustGraph, from: &[NodeIndex]) -> bool {
    closure(g, from).into_iter().any(|n| {
        prop(&g.node(n).props, &["ip", "created_ip"]).is_some()
            || g.out_edges(n).any(|o| {
                o.kind == EdgeKind::Issued && {
                    let e = g.edge(o.edge);
                    e.at.is_some() && prop(&e.props, &["ip"]).is_some()
                }
            })
    })
}

/// The hunt: uses of `from` and its descendants in `[since, at]`, flagged against the accounts'
/// history before `since`, and other accounts seen from the same addresses in that window.
pub fn hunt(
    g: &TrustGraph,
    from: &[NodeIndex],
    since: Option<Timestamp>,
    at: Timestamp,
) -> HuntReport {
    let (found, observations) = search(g, from, since, at, true);
    HuntReport {
        from: from.iter().map(|n| g.id(*n).to_string()).collect(),
        since,
        at,
        uses: found.uses,
        other_accounts: found.other_accounts,
        accounts: found.accounts,
        known_addresses: found.known_addresses,
        observations,
    }
}

/// What [`hunt`] finds, without the count of every observation in the graph (which reads the
/// record of every `issued` edge and self-observed credential).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub uses: Vec<Use>,
    pub other_accounts: Vec<OtherAccount>,
    pub accounts: Vec<String>,
    pub known_addresses: Vec<String>,
}

/// [`hunt`]'s findings, reading only what they depend on: the records of the stolen artefacts'
/// lineage, those of the credentials of their accounts (the history before `since`), and — only
/// when the uses have addresses to look for — the `issued` edges and self-observed credentials
/// in the window, each record read once, without caching, and kept only when its address is one
/// of those. `heir plan` asks this: at 1M nodes the whole-graph scan was most of its time.
pub fn find(g: &TrustGraph, from: &[NodeIndex], since: Option<Timestamp>, at: Timestamp) -> Found {
    search(g, from, since, at, false).0
}

/// The hunt; with `count`, also the number of observations in the whole graph.
fn search(
    g: &TrustGraph,
    from: &[NodeIndex],
    since: Option<Timestamp>,
    at: Timestamp,
    count: bool,
) -> (Found, usize) {
    let mine = closure(g, from);
    let mut memo = HashMap::new();
    let accounts: BTreeSet<NodeIndex> = from
        .iter()
        .filter_map(|n| account_of(g, *n, &mut memo))
        .collect();
    let in_window = |t: Timestamp| since.is_none_or(|s| t >= s) && t <= at;

    // The accounts' history before the compromise: the observations of the lineage and of every
    // credential that acts as one of the accounts. Those are what `authenticates_as` an account
    // and what was minted from them (`account_of` follows `issued` parents up to one), checked
    // one by one below.
    let mut known_ips: BTreeSet<String> = BTreeSet::new();
    let mut known_countries: BTreeSet<String> = BTreeSet::new();
    if let Some(s) = since {
        let signers: Vec<NodeIndex> = accounts
            .iter()
            .flat_map(|a| {
                g.in_edges(*a)
                    .filter(|(_, e)| g.edge_facts(*e).kind == EdgeKind::AuthenticatesAs)
                    .map(|(n, _)| n)
            })
            .collect();
        let candidates: BTreeSet<NodeIndex> =
            mine.iter().copied().chain(closure(g, &signers)).collect();
        for o in observations_of(g, candidates).iter().filter(|o| o.at < s) {
            let acct = account_of(g, o.credential, &mut memo);
            if mine.contains(&o.credential) || acct.is_some_and(|a| accounts.contains(&a)) {
                known_ips.extend(o.ip.clone());
                known_countries.extend(o.country.clone());
            }
        }
    }

    type Key = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut uses: BTreeMap<Key, Use> = BTreeMap::new();
    for o in observations_of(g, mine.iter().copied())
        .iter()
        .filter(|o| in_window(o.at))
    {
        let key = (
            g.id(o.credential).to_string(),
            o.app.clone(),
            o.ip.clone(),
            o.country.clone(),
            o.user_agent.clone(),
        );
        let u = uses.entry(key).or_insert_with(|| Use {
            credential: g.id(o.credential).to_string(),
            app: o.app.clone(),
            ip: o.ip.clone(),
            country: o.country.clone(),
            user_agent: o.user_agent.clone(),
            first: o.at,
            last: o.at,
            count: 0,
            new_address: since.is_some() && o.ip.as_ref().is_some_and(|ip| !known_ips.contains(ip)),
            asn: o.asn.clone(),
            new_country: since.is_some()
                && o.country
                    .as_ref()
                    .is_some_and(|c| !known_countries.contains(c)),
        });
        u.first = u.first.min(o.at);
        u.last = u.last.max(o.at);
        u.count += 1;
        if u.asn.is_none() {
            u.asn = o.asn.clone();
        }
    }
    let mut uses: Vec<Use> = uses.into_values().collect();
    uses.sort_by(|a, b| (a.first, &a.credential).cmp(&(b.first, &b.credential)));

    // Other accounts from the attacker's addresses: the addresses of the uses, less the ones the
    // account itself used before (a shared office address is not the attacker's).
    let hot: BTreeSet<&str> = uses
        .iter()
        .filter(|u| u.new_address || since.is_none())
        .filter_map(|u| u.ip.as_deref())
        .collect();
    let mut others: BTreeMap<(String, String), OtherAccount> = BTreeMap::new();
    let (seen, observations) = from_addresses(g, &hot, in_window, count);
    for o in &seen {
        let Some(ip) = o.ip.as_deref().filter(|ip| hot.contains(ip)) else {
            continue;
        };
        if mine.contains(&o.credential) {
            continue;
        }
        let Some(acct) = account_of(g, o.credential, &mut memo) else {
            continue;
        };
        if accounts.contains(&acct) {
            continue;
        }
        let entry = others
            .entry((g.id(acct).to_string(), ip.to_string()))
            .or_insert_with(|| OtherAccount {
                account: g.id(acct).to_string(),
                ip: ip.to_string(),
                first: o.at,
                count: 0,
                credentials: Vec::new(),
            });
        entry.first = entry.first.min(o.at);
        entry.count += 1;
        let cred = g.id(o.credential).to_string();
        if !entry.credentials.contains(&cred) {
            entry.credentials.push(cred);
        }
    }
    let mut other_accounts: Vec<OtherAccount> = others.into_values().collect();
    other_accounts.sort_by(|a, b| (a.first, &a.account).cmp(&(b.first, &b.account)));

    (
        Found {
            uses,
            other_accounts,
            accounts: accounts.iter().map(|a| g.id(*a).to_string()).collect(),
            known_addresses: known_ips.into_iter().collect(),
        },
        observations,
    )
}

/// The observations in the window from one of the `hot` addresses, in graph order, and (with
/// `count`) how many observations the graph holds at all. Reads nothing when there is no address
/// and no count to make; otherwise each `issued` edge's record once (uncached), and the record of
/// a credential only when its facts say it may be its own observation.
fn from_addresses(
    g: &TrustGraph,
    hot: &BTreeSet<&str>,
    in_window: impl Fn(Timestamp) -> bool,
    count: bool,
) -> (Vec<Obs>, usize) {
    let mut out = Vec::new();
    let mut total = 0usize;
    if hot.is_empty() && !count {
        return (out, total);
    }
    let hot_ip = |p: &Props, keys: &[&str]| {
        keys.iter()
            .find_map(|k| p.get(*k).and_then(|v| v.as_str()).filter(|s| !s.is_empty()))
            .is_some_and(|ip| hot.contains(ip))
    };
    for e in g.edge_indices() {
        if g.edge_facts(e).kind != EdgeKind::Issued {
            continue;
        }
        let edge = g.edge_uncached(e);
        let Some(t) = edge.at else { continue };
        total += 1;
        if in_window(t) && hot_ip(&edge.props, &["ip"]) {
            out.extend(edge_obs(g, e).map(|(_, o)| o));
        }
    }
    for n in g.node_indices() {
        if !may_self_observe(g, n) {
            continue;
        }
        let t = Timestamp::from_millis(g.facts(n).issued_at);
        if !count && !in_window(t) {
            continue;
        }
        let node = g.node_uncached(n);
        if prop(&node.props, &["ip", "created_ip"]).is_none() {
            continue;
        }
        total += 1;
        if in_window(t) && hot_ip(&node.props, &["ip", "created_ip"]) {
            out.extend(node_obs(g, n).map(|(_, o)| o));
        }
    }
    (out, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Edge, Node};

    fn doc() -> TrustGraph {
        let mut d = Document::new();
        let t = |s: &str| Timestamp::parse(s).unwrap();
        let mut node = |id: &str, kind: NodeKind, issued: Option<&str>, ip: Option<&str>| {
            let mut n = Node::new(id, kind);
            n.issued_at = issued.map(t);
            if let Some(ip) = ip {
                n.props.insert("ip".into(), ip.into());
            }
            d.nodes.push(n);
        };
        node("idp:user:ana", NodeKind::User, None, None);
        node("idp:user:bob", NodeKind::User, None, None);
        node(
            "idp:session:s1",
            NodeKind::Session,
            Some("2026-01-01T08:00:00Z"),
            Some("10.0.0.1"),
        );
        node(
            "app:session:a1",
            NodeKind::Session,
            Some("2026-01-01T08:30:00Z"),
            None,
        );
        node(
            "app:session:a2",
            NodeKind::Session,
            Some("2026-01-01T09:30:00Z"),
            None,
        );
        node(
            "idp:session:s2",
            NodeKind::Session,
            Some("2026-01-01T09:40:00Z"),
            Some("203.0.113.9"),
        );
        node("app:app:crm", NodeKind::App, None, None);
        let mut edge = |f: &str, to: &str, k: EdgeKind, at: Option<&str>, ip: Option<&str>| {
            let mut e = Edge::new(f, to, k);
            e.at = at.map(t);
            if let Some(ip) = ip {
                e.props.insert("ip".into(), ip.into());
                e.props.insert("country".into(), "NL".into());
            }
            d.edges.push(e);
        };
        edge(
            "idp:session:s1",
            "idp:user:ana",
            EdgeKind::AuthenticatesAs,
            None,
            None,
        );
        edge(
            "idp:session:s2",
            "idp:user:bob",
            EdgeKind::AuthenticatesAs,
            None,
            None,
        );
        edge(
            "idp:session:s1",
            "app:session:a1",
            EdgeKind::Issued,
            Some("2026-01-01T08:30:00Z"),
            Some("10.0.0.1"),
        );
        edge(
            "idp:session:s1",
            "app:session:a2",
            EdgeKind::Issued,
            Some("2026-01-01T09:30:00Z"),
            Some("203.0.113.9"),
        );
        edge(
            "idp:session:s1",
            "app:session:a2",
            EdgeKind::Issued,
            Some("2026-01-01T09:35:00Z"),
            Some("203.0.113.9"),
        );
        edge(
            "app:session:a2",
            "app:app:crm",
            EdgeKind::CanAccess,
            None,
            None,
        );
        TrustGraph::new(d)
    }

    #[test]
    fn new_addresses_and_other_accounts() {
        let g = doc();
        let from = [g.index("idp:session:s1").unwrap()];
        let since = Timestamp::parse("2026-01-01T09:00:00Z").ok();
        let at = Timestamp::parse("2026-01-01T10:00:00Z").unwrap();
        let r = hunt(&g, &from, since, at);
        assert_eq!(r.accounts, vec!["idp:user:ana"]);
        assert_eq!(r.known_addresses, vec!["10.0.0.1"]);
        assert_eq!(r.uses.len(), 1, "{:#?}", r.uses);
        let u = &r.uses[0];
        assert_eq!(u.credential, "idp:session:s1");
        assert_eq!(u.app.as_deref(), Some("app:app:crm"));
        // NL was seen before (the 08:30 sign-on), so only the address is new.
        assert_eq!((u.count, u.new_address, u.new_country), (2, true, false));
        assert_eq!(u.first.to_string(), "2026-01-01T09:30:00Z");
        assert_eq!(u.last.to_string(), "2026-01-01T09:35:00Z");
        assert_eq!(r.other_accounts.len(), 1);
        assert_eq!(r.other_accounts[0].account, "idp:user:bob");
        assert_eq!(r.other_accounts[0].credentials, vec!["idp:session:s2"]);
        // Without a compromise time there is no history: all uses, nothing flagged new.
        let r = hunt(&g, &from, None, at);
        assert_eq!(r.uses.len(), 3);
        assert!(r.uses.iter().all(|u| !u.new_address));
        // Before the attacker arrived nothing was reused.
        let early = hunt(
            &g,
            &from,
            since,
            Timestamp::parse("2026-01-01T09:10:00Z").unwrap(),
        );
        assert!(early.uses.is_empty() && early.other_accounts.is_empty());
    }
}
