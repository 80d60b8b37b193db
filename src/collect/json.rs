//! The small JSON readers and graph builders every collector uses, written once.
//!
//! Platform APIs and log exports are loose: a field may be absent, `null`, an empty string or (in
//! the Okta System Log) the placeholder `"unknown"`. These helpers turn all of those into `None`
//! in one place, so the collectors agree on what "no value" means and a transform never guesses.

use serde_json::Value;

use crate::model::naming::node_id;
use crate::model::{Edge, EdgeKind, Node, NodeKind, Props, Timestamp};

/// A non-empty string at a JSON pointer.
pub fn s<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .filter(|x| !x.is_empty())
}

/// [`s`], also refusing the placeholders the Okta System Log writes for unknown values
/// (`"unknown"`, `"null"`): an actor or client id of `unknown` is no id at all.
pub fn known<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    s(v, ptr).filter(|x| *x != "unknown" && *x != "null")
}

/// A time at a JSON pointer (unparseable times are left out, not guessed).
pub fn ts(v: &Value, ptr: &str) -> Option<Timestamp> {
    s(v, ptr).and_then(|t| Timestamp::parse(t).ok())
}

/// The strings of an array at a JSON pointer (other items are left out).
pub fn strings(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a value is worth keeping in props: not null, not an empty string.
fn present(x: &Value) -> bool {
    !x.is_null() && x.as_str() != Some("")
}

/// Copies the value at `ptr` into `props[key]` when present and not null or empty.
pub fn copy(props: &mut Props, key: &str, v: &Value, ptr: &str) {
    if let Some(x) = v.pointer(ptr).filter(|x| present(x)) {
        props.insert(key.to_string(), x.clone());
    }
}

/// The listed top-level fields as props, when present and not null or empty.
pub fn pick(v: &Value, keys: &[&str]) -> Props {
    let mut p = Props::new();
    for k in keys {
        if let Some(x) = v.get(*k).filter(|x| present(x)) {
            p.insert((*k).to_string(), x.clone());
        }
    }
    p
}

/// Puts a string into props when there is one.
pub fn put(p: &mut Props, k: &str, v: Option<&str>) {
    if let Some(v) = v {
        p.insert(k.to_string(), Value::from(v));
    }
}

/// A string or JSON null (for [`props`], which leaves nulls out).
pub fn opt(v: Option<&str>) -> Value {
    v.map(Value::from).unwrap_or(Value::Null)
}

/// Props from literal pairs, nulls left out.
pub fn props<const N: usize>(pairs: [(&str, Value); N]) -> Props {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// A node on `platform` with the conventional id ([`crate::model::naming::node_id`]).
pub fn node_on(platform: &str, kind: NodeKind, native: &str) -> Node {
    let mut n = Node::new(node_id(platform, kind, native), kind);
    n.platform = Some(platform.to_string());
    n
}

/// Adds `platform:kind:name` to a node's aliases (once): another name the object is known by on
/// its platform (a login, an email, a SAML nameId), which an IdP's federation edge may use and
/// `heir merge` rewrites to the node's canonical id. Names are kept as given and, when they
/// differ, lowercased as well: logins and emails are case-insensitive, IdPs are not consistent.
pub fn add_alias(n: &mut Node, name: &str) {
    let kind = n.kind;
    let platform = n.platform.clone().unwrap_or_default();
    for v in [name.to_string(), name.to_ascii_lowercase()] {
        let a = node_id(&platform, kind, &v);
        if !v.is_empty() && a != n.id && !n.aliases.contains(&a) {
            n.aliases.push(a);
        }
    }
}

/// An edge carrying source data in `props`.
pub fn edge_with(from: &str, to: &str, kind: EdgeKind, props: Props) -> Edge {
    let mut e = Edge::new(from, to, kind);
    e.props = props;
    e
}

/// `props` rebuilt at its size. A map grows by doubling as props are inserted one by one, so a
/// node with 18 props holds room for 28 (112 bytes each); an importer making a node or edge per
/// log record fits each one as it is made, before the next is allocated, which took a 100 MB
/// sign-in export's graph down by about a fifth. Order and contents are unchanged.
pub fn fit(props: &mut Props) {
    *props = std::mem::take(props).into_iter().collect();
}

/// A node with its props [`fit`].
pub fn fit_node(mut n: Node) -> Node {
    fit(&mut n.props);
    n
}

/// An edge with its props [`fit`].
pub fn fit_edge(mut e: Edge) -> Edge {
    fit(&mut e.props);
    e
}

/// What a JSON value is, for messages about a record that has the wrong shape.
pub fn shape(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_null_empty_and_placeholders_are_no_value() {
        let v = json!({"a": "x", "e": "", "n": null, "u": "unknown", "t": "2025-03-10T09:00:00Z",
                       "bad": "yesterday", "l": ["a", 1, "b"]});
        assert_eq!(s(&v, "/a"), Some("x"));
        assert_eq!(s(&v, "/e"), None);
        assert_eq!(s(&v, "/n"), None);
        assert_eq!(s(&v, "/u"), Some("unknown"));
        assert_eq!(known(&v, "/u"), None);
        assert!(ts(&v, "/t").is_some());
        assert_eq!(ts(&v, "/bad"), None);
        assert_eq!(strings(&v, "/l"), vec!["a", "b"]);
        let p = pick(&v, &["a", "e", "n", "missing"]);
        assert_eq!(p.keys().collect::<Vec<_>>(), vec!["a"]);
        let mut q = Props::new();
        copy(&mut q, "k", &v, "/e");
        copy(&mut q, "k2", &v, "/a");
        put(&mut q, "k3", None);
        assert_eq!(q.keys().collect::<Vec<_>>(), vec!["k2"]);
        assert_eq!(props([("x", opt(None)), ("y", opt(Some("1")))]).len(), 1);
        assert_eq!(node_on("okta", NodeKind::User, "00u1").id, "okta:user:00u1");
        let mut n = node_on("github", NodeKind::User, "583231");
        add_alias(&mut n, "Ana-Fake");
        add_alias(&mut n, "ana-fake");
        add_alias(&mut n, "");
        add_alias(&mut n, "583231");
        assert_eq!(
            n.aliases,
            vec!["github:user:Ana-Fake", "github:user:ana-fake"]
        );
    }
}
