//! Combining documents by id (`heir merge`): the same node from two collectors keeps the union of
//! its fields; where both say something different, the first value stays and the conflict is
//! reported — never silently overwritten, because a wrong `enabled` or `expires_at` changes a
//! blast radius.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::document::{Document, Edge, Node};

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

/// Fills `into` with what `from` knows; returns the disagreements.
pub fn merge_node(into: &mut Node, from: &Node) -> Vec<Conflict> {
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

/// Combines documents: nodes by id, edges by (from, to, kind, at), sources concatenated.
pub fn merge_documents(docs: Vec<Document>) -> (Document, Vec<Conflict>) {
    let mut out = Document::new();
    let mut conflicts = Vec::new();
    let mut node_at: HashMap<String, usize> = HashMap::new();
    let mut edge_at: BTreeMap<(String, String, String, Option<i64>), usize> = BTreeMap::new();
    for doc in docs {
        out.sources.extend(doc.sources);
        for n in doc.nodes {
            match node_at.get(&n.id) {
                Some(&i) => conflicts.extend(merge_node(&mut out.nodes[i], &n)),
                None => {
                    node_at.insert(n.id.clone(), out.nodes.len());
                    out.nodes.push(n);
                }
            }
        }
        for e in doc.edges {
            let key = (
                e.from.clone(),
                e.to.clone(),
                e.kind.as_str().to_string(),
                e.at.map(|t| t.as_millis()),
            );
            match edge_at.get(&key) {
                Some(&i) => conflicts.extend(merge_edge(&mut out.edges[i], &e)),
                None => {
                    edge_at.insert(key, out.edges.len());
                    out.edges.push(e);
                }
            }
        }
    }
    (out, conflicts)
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
}
