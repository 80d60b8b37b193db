//! Combining documents by id (`heir merge`): the same node from two collectors keeps the union of
//! its fields; where both say something different, the first value stays and the conflict is
//! reported — never silently overwritten, because a wrong `enabled` or `expires_at` changes a
//! blast radius.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::document::{Document, Edge, Node};
use super::naming::FEDERATION_TARGET;

/// Two sources disagree about one field of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// `node okta:user:00u1` or `edge a -sso-> b`.
    pub object: String,
    pub field: String,
    pub kept: String,
    pub dropped: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} field `{}`: kept {}, dropped {}",
            self.object, self.field, self.kept, self.dropped
        )
    }
}

/// Merges two JSON objects field by field. Lists of strings are unioned; objects recurse;
/// anything else set on both sides must agree.
fn merge_map(
    object: &str,
    prefix: &str,
    into: &mut Map<String, Value>,
    from: &Map<String, Value>,
    out: &mut Vec<Conflict>,
) {
    for (k, v) in from {
        let field = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match into.get_mut(k) {
            None | Some(Value::Null) => {
                into.insert(k.clone(), v.clone());
            }
            Some(existing) => match (existing, v) {
                (Value::Object(a), Value::Object(b)) => merge_map(object, &field, a, b, out),
                (Value::Array(a), Value::Array(b))
                    if a.iter().chain(b.iter()).all(Value::is_string) =>
                {
                    for x in b {
                        if !a.contains(x) {
                            a.push(x.clone());
                        }
                    }
                }
                (a, b) if *a == *b || b.is_null() => {}
                (a, b) => out.push(Conflict {
                    object: object.to_string(),
                    field,
                    kept: a.to_string(),
                    dropped: b.to_string(),
                }),
            },
        }
    }
}

fn to_map<T: serde::Serialize>(x: &T) -> Map<String, Value> {
    match serde_json::to_value(x).expect("document types serialise") {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Whether a node is only a federation target some collector pointed at (see
/// [`FEDERATION_TARGET`]), not the object as its own platform's collector sees it.
pub fn is_federation_target(n: &Node) -> bool {
    n.props.contains_key(FEDERATION_TARGET)
}

fn merge_fields(into: &mut Node, from: &Node) -> Vec<Conflict> {
    let mut out = Vec::new();
    let mut a = to_map(into);
    merge_map(
        &format!("node {}", into.id),
        "",
        &mut a,
        &to_map(from),
        &mut out,
    );
    *into =
        serde_json::from_value(Value::Object(a)).expect("merging valid nodes gives a valid node");
    out
}

/// Fills `into` with what `from` knows; returns the disagreements.
///
/// A federation target (a placeholder another platform's collector wrote) meeting the real
/// object loses: the real node's fields win, the placeholder only fills gaps, disagreements with it
/// are not conflicts (it only knew the id), and the mark goes, because the target is resolved.
pub fn merge_node(into: &mut Node, from: &Node) -> Vec<Conflict> {
    match (is_federation_target(into), is_federation_target(from)) {
        (true, true) => merge_fields(into, from),
        (false, false) => merge_fields(into, from),
        (true, false) => {
            let mut placeholder = std::mem::replace(into, from.clone());
            placeholder.props.remove(FEDERATION_TARGET);
            let _ = merge_fields(into, &placeholder);
            Vec::new()
        }
        (false, true) => {
            let mut placeholder = from.clone();
            placeholder.props.remove(FEDERATION_TARGET);
            let _ = merge_fields(into, &placeholder);
            Vec::new()
        }
    }
}

fn merge_edge(into: &mut Edge, from: &Edge) -> Vec<Conflict> {
    let mut out = Vec::new();
    let mut a = to_map(into);
    let object = format!("edge {} -{}-> {}", into.from, into.kind, into.to);
    merge_map(&object, "", &mut a, &to_map(from), &mut out);
    *into =
        serde_json::from_value(Value::Object(a)).expect("merging valid edges gives a valid edge");
    into.requires.sort();
    into.requires.dedup();
    out
}

/// Federation targets of one platform that no collected node answers after a merge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unresolved {
    pub count: usize,
    /// The first few ids, to go and look.
    pub examples: Vec<String>,
    /// The collectors that pointed at them.
    pub referenced_by: Vec<String>,
}

/// What `heir merge` did besides combining: the conflicts, the joins made through `aliases`, and
/// the federation targets still unresolved (per platform), so the user knows which collector to
/// run next.
#[derive(Debug, Clone, Default)]
pub struct MergeReport {
    pub conflicts: Vec<Conflict>,
    /// Edge ends rewritten from an alias to the canonical id of the node that lists it.
    pub rewritten: usize,
    /// Placeholder nodes whose id was an alias of a collected node, folded into it.
    pub resolved_by_alias: usize,
    /// By platform.
    pub unresolved: BTreeMap<String, Unresolved>,
}

impl MergeReport {
    pub fn unresolved_total(&self) -> usize {
        self.unresolved.values().map(|u| u.count).sum()
    }
}

/// Combines documents: nodes by id, edges by (from, to, kind, at), sources concatenated.
pub fn merge_documents(docs: Vec<Document>) -> (Document, Vec<Conflict>) {
    let (doc, report) = merge(docs);
    (doc, report.conflicts)
}

/// [`merge_documents`], then the joins: an edge naming an alias (an IdP's login for an account,
/// an ARN for a user) is rewritten to the canonical id of the node listing that alias, a
/// placeholder node under an alias is folded into that node, and what stays a placeholder is
/// reported as an unresolved federation target.
pub fn merge(docs: Vec<Document>) -> (Document, MergeReport) {
    let mut out = Document::new();
    let mut report = MergeReport::default();
    let mut node_at: HashMap<String, usize> = HashMap::new();
    let mut edges: Vec<Edge> = Vec::new();
    for doc in docs {
        out.sources.extend(doc.sources);
        for n in doc.nodes {
            match node_at.get(&n.id) {
                Some(&i) => report.conflicts.extend(merge_node(&mut out.nodes[i], &n)),
                None => {
                    node_at.insert(n.id.clone(), out.nodes.len());
                    out.nodes.push(n);
                }
            }
        }
        edges.extend(doc.edges);
    }

    // Aliases of collected nodes; a placeholder's own aliases decide nothing. An id that is a
    // collected node's own id is never taken as another node's alias.
    let collected = |id: &str| {
        node_at
            .get(id)
            .is_some_and(|&i| !is_federation_target(&out.nodes[i]))
    };
    let mut alias_of: HashMap<String, String> = HashMap::new();
    for n in out.nodes.iter().filter(|n| !is_federation_target(n)) {
        for a in &n.aliases {
            if *a == n.id || collected(a) {
                continue;
            }
            match alias_of.get(a) {
                Some(owner) if owner != &n.id => report.conflicts.push(Conflict {
                    object: format!("alias {a}"),
                    field: "aliases".into(),
                    kept: owner.clone(),
                    dropped: n.id.clone(),
                }),
                Some(_) => {}
                None => {
                    alias_of.insert(a.clone(), n.id.clone());
                }
            }
        }
    }

    // Placeholders under an alias fold into the node owning it.
    let mut folded: Vec<Node> = Vec::new();
    out.nodes.retain(|n| {
        let fold = is_federation_target(n) && alias_of.contains_key(&n.id);
        if fold {
            folded.push(n.clone());
        }
        !fold
    });
    let node_at: HashMap<String, usize> = out
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.clone(), i))
        .collect();
    for mut p in folded {
        let owner = &alias_of[&p.id];
        if let Some(&i) = node_at.get(owner) {
            p.id = owner.clone();
            p.aliases.clear();
            let _ = merge_node(&mut out.nodes[i], &p);
            report.resolved_by_alias += 1;
        }
    }

    let mut edge_at: BTreeMap<(String, String, String, Option<i64>), usize> = BTreeMap::new();
    for mut e in edges {
        for end in [&mut e.from, &mut e.to] {
            if node_at.contains_key(end.as_str()) {
                continue;
            }
            if let Some(owner) = alias_of.get(end.as_str()) {
                *end = owner.clone();
                report.rewritten += 1;
            }
        }
        let key = (
            e.from.clone(),
            e.to.clone(),
            e.kind.as_str().to_string(),
            e.at.map(|t| t.as_millis()),
        );
        match edge_at.get(&key) {
            Some(&i) => report.conflicts.extend(merge_edge(&mut out.edges[i], &e)),
            None => {
                edge_at.insert(key, out.edges.len());
                out.edges.push(e);
            }
        }
    }

    for n in out.nodes.iter().filter(|n| is_federation_target(n)) {
        let u = report
            .unresolved
            .entry(n.platform().to_string())
            .or_default();
        u.count += 1;
        if u.examples.len() < 3 {
            u.examples.push(n.id.clone());
        }
        if let Some(by) = n.props.get(FEDERATION_TARGET).and_then(Value::as_str) {
            if !u.referenced_by.iter().any(|x| x == by) {
                u.referenced_by.push(by.to_string());
            }
        }
    }
    (out, report)
}

/// The joins on stderr after `heir merge`'s summary line: edges rewritten through aliases, and
/// one line per platform with unresolved federation targets naming the collector to run.
pub fn print_joins(r: &MergeReport) {
    for line in join_lines(r) {
        eprintln!("{line}");
    }
}

/// The lines [`print_joins`] writes.
pub fn join_lines(r: &MergeReport) -> Vec<String> {
    let mut lines = vec![format!(
        "joins: {} edge end(s) rewritten through aliases, {} placeholder(s) folded, {} unresolved federation target(s)",
        r.rewritten,
        r.resolved_by_alias,
        r.unresolved_total()
    )];
    for (platform, u) in &r.unresolved {
        lines.push(format!(
            "unresolved: {} {platform} target(s) named by {} and collected by nobody, e.g. {}\n  fix: run `heir collect {platform} …` and merge its document too, or add the id to a collected node's `aliases`",
            u.count,
            u.referenced_by.join(", "),
            u.examples.join(", ")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EdgeKind, NodeKind};

    #[test]
    fn union_of_fields_and_conflicts_reported() {
        let mut a = Document::new();
        let mut n = Node::new("okta:user:1", NodeKind::User);
        n.name = Some("ana@acme".into());
        n.tags = vec!["tier0".into()];
        n.props.insert("status".into(), Value::from("ACTIVE"));
        a.nodes.push(n);
        let mut b = Document::new();
        let mut m = Node::new("okta:user:1", NodeKind::User);
        m.person = Some("ana".into());
        m.tags = vec!["env:prod".into()];
        m.props.insert("status".into(), Value::from("SUSPENDED"));
        m.enabled = Some(false);
        b.nodes.push(m);
        b.edges
            .push(Edge::new("okta:user:1", "okta:user:1", EdgeKind::Sso));
        let (doc, conflicts) = merge_documents(vec![a, b]);
        assert_eq!(doc.nodes.len(), 1);
        let n = &doc.nodes[0];
        assert_eq!(n.name.as_deref(), Some("ana@acme"));
        assert_eq!(n.person.as_deref(), Some("ana"));
        assert_eq!(n.enabled, Some(false));
        assert_eq!(n.tags, vec!["tier0", "env:prod"]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].field, "props.status");
        assert_eq!(conflicts[0].kept, "\"ACTIVE\"");
    }

    fn placeholder(id: &str, kind: NodeKind, by: &str) -> Node {
        let mut n = Node::new(id, kind);
        n.props
            .insert(FEDERATION_TARGET.into(), Value::from(by.to_string()));
        n
    }

    /// An IdP collector points at the name it knows; the platform collector lists it as an
    /// alias: merge rewrites the edge and folds the placeholder; what nobody collected is reported
    /// by platform with the collector to run.
    #[test]
    fn aliases_join_and_unresolved_targets_are_reported() {
        let mut okta = Document::new();
        okta.nodes.push(Node::new("okta:user:1", NodeKind::User));
        okta.nodes
            .push(placeholder("aws:user:ana@acme.com", NodeKind::User, "okta"));
        okta.nodes.push(placeholder(
            "aws:idp:arn:aws:iam::1:saml-provider/Okta",
            NodeKind::Idp,
            "okta",
        ));
        okta.nodes.push(placeholder(
            "gcp:service_account:x@p",
            NodeKind::ServiceAccount,
            "okta",
        ));
        for to in [
            "aws:user:ana@acme.com",
            "aws:idp:arn:aws:iam::1:saml-provider/Okta",
            "gcp:service_account:x@p",
        ] {
            okta.edges.push(Edge::new("okta:user:1", to, EdgeKind::Sso));
        }
        let mut aws = Document::new();
        let mut user = Node::new("aws:user:arn:aws:iam::1:user/ana", NodeKind::User);
        user.name = Some("ana".into());
        user.aliases = vec!["aws:user:ana@acme.com".into()];
        aws.nodes.push(user);
        let mut idp = Node::new("aws:idp:arn:aws:iam::1:saml-provider/Okta", NodeKind::Idp);
        idp.name = Some("Okta".into());
        aws.nodes.push(idp);

        let (doc, r) = merge(vec![okta, aws]);
        assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
        assert_eq!((r.rewritten, r.resolved_by_alias), (1, 1));
        let ids: Vec<&str> = doc.nodes.iter().map(|n| n.id.as_str()).collect();
        assert!(!ids.contains(&"aws:user:ana@acme.com"), "{ids:?}");
        assert!(doc
            .edges
            .iter()
            .any(|e| e.to == "aws:user:arn:aws:iam::1:user/ana"));
        let idp = doc.nodes.iter().find(|n| n.kind == NodeKind::Idp).unwrap();
        assert_eq!(idp.name.as_deref(), Some("Okta"));
        assert!(!is_federation_target(idp), "resolved: the mark goes");
        assert_eq!(r.unresolved_total(), 1);
        let gcp = &r.unresolved["gcp"];
        assert_eq!(gcp.examples, vec!["gcp:service_account:x@p"]);
        assert_eq!(gcp.referenced_by, vec!["okta"]);
        let lines = join_lines(&r);
        assert!(lines[0].contains("1 edge end(s) rewritten"), "{lines:?}");
        assert!(lines[0].contains("1 unresolved"), "{lines:?}");
        assert!(lines[1].contains("heir collect gcp"), "{lines:?}");
    }

    /// Order does not matter: the collected node's fields win over a placeholder's, before or
    /// after it, and a placeholder's guesses are not conflicts.
    #[test]
    fn a_placeholder_never_wins_a_field() {
        let mut p = placeholder("aws:role:r", NodeKind::Role, "k8s");
        p.name = Some("guess".into());
        let mut real = Node::new("aws:role:r", NodeKind::Role);
        real.name = Some("deploy".into());
        real.criticality = Some(8);
        for order in [[p.clone(), real.clone()], [real.clone(), p.clone()]] {
            let docs = order
                .into_iter()
                .map(|n| {
                    let mut d = Document::new();
                    d.nodes.push(n);
                    d
                })
                .collect();
            let (doc, r) = merge(docs);
            assert!(r.conflicts.is_empty());
            assert_eq!(doc.nodes[0].name.as_deref(), Some("deploy"));
            assert_eq!(doc.nodes[0].criticality, Some(8));
            assert!(!is_federation_target(&doc.nodes[0]));
            assert_eq!(r.unresolved_total(), 0);
        }
    }
}
