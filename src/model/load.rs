//! Reading graph documents: strict, and helpful when strict says no.
//!
//! Two passes. The fast pass deserialises straight into the typed [`Document`] — that is what
//! large documents need. Only when it fails does the diagnostic pass walk the parsed JSON value
//! field by field, so that *every* problem in the file is reported in one run, each naming the
//! place and the fix. Semantic checks (duplicate ids, dangling edges, ranges) run on every load.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::document::Document;
use super::kinds::{EdgeKind, NodeKind, Requirement, Revocation, TokenType};
use super::time::Timestamp;

/// One problem in a document: where it is, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `line 12, column 5`, `nodes[3] (okta:user:bob) field "kind"`, …
    pub place: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.problem)?;
        if !self.fix.is_empty() {
            write!(f, "\n    fix: {}", self.fix)?;
        }
        Ok(())
    }
}

/// A document that cannot be used, with everything that is wrong in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        write!(
            f,
            "{}: {} problem{} in the graph document",
            self.file,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.diagnostics {
            write!(f, "\n  {}: {d}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Non-fatal remarks (an edge between unusual kinds, say): printed, never blocking.
pub type Warnings = Vec<Diagnostic>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

impl Syntax {
    /// By extension; standard input and unknown extensions are sniffed (`{` means JSON).
    pub fn detect(path: &str, text: &str) -> Syntax {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Syntax::Yaml
        } else if lower.ends_with(".json") || text.trim_start().starts_with('{') {
            Syntax::Json
        } else {
            Syntax::Yaml
        }
    }
}

/// Reads a document from a path (`-` = standard input).
pub fn load_path(path: &str) -> Result<(Document, Warnings), LoadError> {
    let text = if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| single(path, "standard input", format!("cannot read: {e}"), ""))?;
        s
    } else {
        std::fs::read_to_string(Path::new(path)).map_err(|e| {
            let fix = match e.kind() {
                std::io::ErrorKind::NotFound => "check the path; `-` reads standard input",
                std::io::ErrorKind::InvalidData => "the document must be UTF-8 JSON or YAML",
                _ => "check the file's permissions",
            };
            single(path, "file", format!("cannot read: {e}"), fix)
        })?
    };
    let display = if path == "-" { "<stdin>" } else { path };
    load_str(display, &text, Syntax::detect(path, &text))
}

fn single(file: &str, place: &str, problem: String, fix: &str) -> LoadError {
    LoadError {
        file: file.to_string(),
        diagnostics: vec![Diagnostic {
            place: place.to_string(),
            problem,
            fix: fix.to_string(),
        }],
    }
}

/// Parses and checks a document given as text. `file` is only used in messages.
pub fn load_str(file: &str, text: &str, syntax: Syntax) -> Result<(Document, Warnings), LoadError> {
    let typed: Result<Document, String> = match syntax {
        Syntax::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
        Syntax::Yaml => serde_saphyr::from_str(text).map_err(|e| e.to_string()),
    };
    let doc = match typed {
        Ok(doc) => doc,
        Err(first) => return Err(diagnose(file, text, syntax, first)),
    };
    check(file, doc)
}

/// The slow path: find every problem, not just the first one serde stopped at.
fn diagnose(file: &str, text: &str, syntax: Syntax, first: String) -> LoadError {
    let value: Value = match syntax {
        Syntax::Json => match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return single(
                    file,
                    &format!("line {}, column {}", e.line(), e.column()),
                    format!("invalid JSON: {}", strip_location(&e.to_string())),
                    "fix the JSON syntax at that place (a missing comma, quote or bracket is the usual cause)",
                );
            }
        },
        Syntax::Yaml => match serde_saphyr::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let msg = e.to_string();
                let (place, problem) = yaml_location(&msg);
                return single(
                    file,
                    &place,
                    format!("invalid YAML: {problem}"),
                    "fix the YAML syntax at the line shown (indentation and unquoted `:` are the usual causes)",
                );
            }
        },
    };
    let mut diags = Vec::new();
    check_value(&value, &mut diags);
    let list = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], |v| v)
    };
    let str_of = |v: &'_ Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let nodes: Vec<(usize, String, Option<u64>)> = list("nodes")
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let crit = n.get("criticality").and_then(Value::as_u64);
            str_of(n, "id").map(|id| (i, id, crit))
        })
        .collect();
    let edges: Vec<(usize, String, String, String)> = list("edges")
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let kind = str_of(e, "kind").unwrap_or_else(|| "?".into());
            Some((i, str_of(e, "from")?, str_of(e, "to")?, kind))
        })
        .collect();
    check_identity(
        nodes.iter().map(|(i, id, c)| (*i, id.as_str(), *c)),
        edges
            .iter()
            .map(|(i, f, t, k)| (*i, f.as_str(), t.as_str(), k.as_str())),
        &mut diags,
    );
    if diags.is_empty() {
        // The field-by-field walk and serde disagree; serde's own message is still the truth.
        diags.push(Diagnostic {
            place: "document".into(),
            problem: first,
            fix: "compare with schema/graph.schema.json".into(),
        });
    }
    LoadError {
        file: file.to_string(),
        diagnostics: diags,
    }
}

/// Splits serde-saphyr's `error: line 5 column 4: message\n --> snippet` into a place and the
/// one-line message.
fn yaml_location(msg: &str) -> (String, String) {
    let first = msg.lines().next().unwrap_or(msg);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let mut words = first.split_whitespace();
    if let (Some("line"), Some(l), Some("column"), Some(c)) =
        (words.next(), words.next(), words.next(), words.next())
    {
        let c = c.trim_end_matches(':');
        if l.parse::<u64>().is_ok() && c.parse::<u64>().is_ok() {
            let rest = first.splitn(5, ' ').nth(4).unwrap_or("").trim();
            return (format!("line {l}, column {c}"), rest.to_string());
        }
    }
    ("YAML".to_string(), first.to_string())
}

fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

const TOP_FIELDS: &[&str] = &["version", "sources", "nodes", "edges"];
const SOURCE_FIELDS: &[&str] = &[
    "name",
    "collected_at",
    "complete",
    "reason",
    "platforms",
    "records",
];
/// The fields a node may have (the diagnostic walk and the tests read this list).
pub const NODE_FIELDS: &[&str] = &[
    "id",
    "kind",
    "platform",
    "name",
    "person",
    "criticality",
    "enabled",
    "tags",
    "issued_at",
    "expires_at",
    "last_used_at",
    "revocation",
    "device_bound",
    "mfa",
    "token_type",
    "scopes",
    "aliases",
    "props",
];
pub const EDGE_FIELDS: &[&str] = &["from", "to", "kind", "requires", "at", "props"];

fn type_check<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(v.clone())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What a field must hold and how to say so.
fn field_problem(field: &str, v: &Value) -> Option<(String, String)> {
    let res: Result<(), String> = match field {
        "id" | "from" | "to" | "name" | "platform" | "person" | "reason" => type_check::<String>(v),
        "version" => type_check::<u32>(v),
        "complete" | "enabled" | "device_bound" | "mfa" => type_check::<bool>(v),
        "tags" | "scopes" | "aliases" | "platforms" => type_check::<Vec<String>>(v),
        "props" => type_check::<serde_json::Map<String, Value>>(v),
        "criticality" => type_check::<u8>(v),
        "collected_at" | "issued_at" | "expires_at" | "last_used_at" | "at" => {
            type_check::<Timestamp>(v)
        }
        "revocation" => type_check::<Revocation>(v),
        "token_type" => type_check::<TokenType>(v),
        "requires" => type_check::<Vec<Requirement>>(v),
        _ => Ok(()),
    };
    let problem = res.err()?;
    let fix = match field {
        "id" | "from" | "to" | "name" | "platform" | "person" | "reason" => {
            "use a string".to_string()
        }
        "version" => "use 1".to_string(),
        "complete" | "enabled" | "device_bound" | "mfa" => "use true or false".to_string(),
        "tags" | "scopes" | "aliases" | "platforms" => "use a list of strings".to_string(),
        "props" => "use an object".to_string(),
        "criticality" => "use a whole number from 0 to 10".to_string(),
        "revocation" => format!("use one of: {}", Revocation::expected()),
        "token_type" => format!("use one of: {}", TokenType::expected()),
        "requires" => format!("use a list of: {}", Requirement::expected()),
        _ => "write an RFC 3339 time such as 2026-11-20T08:00:00Z".to_string(),
    };
    Some((problem, fix))
}

fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn unknown_field(place: &str, key: &str, known: &[&str], props: bool) -> Diagnostic {
    let mut fix = match closest(key, known) {
        Some(c) => format!("did you mean `{c}`? "),
        None => String::new(),
    };
    if props {
        fix.push_str("move source-specific data under `props`, or remove it");
    } else {
        fix.push_str(&format!("known fields: {}", known.join(", ")));
    }
    Diagnostic {
        place: place.to_string(),
        problem: format!("unknown field `{key}`"),
        fix,
    }
}

fn check_object(
    place: &str,
    v: &Value,
    known: &[&str],
    required: &[&str],
    props_allowed: bool,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(obj) = v.as_object() else {
        diags.push(Diagnostic {
            place: place.to_string(),
            problem: format!("expected an object, found {}", type_name(v)),
            fix: "write it as {\"field\": value, …}".into(),
        });
        return;
    };
    for key in required {
        if !obj.contains_key(*key) {
            diags.push(Diagnostic {
                place: place.to_string(),
                problem: format!("missing required field `{key}`"),
                fix: format!("add `{key}`"),
            });
        }
    }
    for (key, val) in obj {
        if !known.contains(&key.as_str()) {
            diags.push(unknown_field(place, key, known, props_allowed));
            continue;
        }
        if val.is_null() {
            continue;
        }
        if key == "kind" {
            continue; // node and edge kinds are checked by the caller, which knows which set
        }
        if let Some((problem, fix)) = field_problem(key, val) {
            diags.push(Diagnostic {
                place: format!("{place} field `{key}`"),
                problem,
                fix,
            });
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn check_kind<F: Fn(&str) -> bool>(
    place: &str,
    v: &Value,
    valid: F,
    expected: String,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(kind) = v.get("kind") else { return };
    match kind.as_str() {
        Some(k) if valid(k) => {}
        Some(k) => diags.push(Diagnostic {
            place: format!("{place} field `kind`"),
            problem: format!("unknown kind `{k}`"),
            fix: format!("use one of: {expected}"),
        }),
        None => diags.push(Diagnostic {
            place: format!("{place} field `kind`"),
            problem: format!("expected a string, found {}", type_name(kind)),
            fix: format!("use one of: {expected}"),
        }),
    }
}

fn node_place(i: usize, v: &Value) -> String {
    match v.get("id").and_then(Value::as_str) {
        Some(id) => format!("nodes[{i}] ({id})"),
        None => format!("nodes[{i}]"),
    }
}

fn edge_place(i: usize, v: &Value) -> String {
    let from = v.get("from").and_then(Value::as_str).unwrap_or("?");
    let to = v.get("to").and_then(Value::as_str).unwrap_or("?");
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("?");
    format!("edges[{i}] ({from} -{kind}-> {to})")
}

fn check_list<'a>(
    top: &'a serde_json::Map<String, Value>,
    key: &str,
    diags: &mut Vec<Diagnostic>,
) -> &'a [Value] {
    match top.get(key) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(other) => {
            diags.push(Diagnostic {
                place: format!("`{key}`"),
                problem: format!("expected a list, found {}", type_name(other)),
                fix: format!("write `{key}` as a list: [ … ]"),
            });
            &[]
        }
    }
}

/// Walks a parsed document and lists every structural problem.
fn check_value(value: &Value, diags: &mut Vec<Diagnostic>) {
    let Some(top) = value.as_object() else {
        diags.push(Diagnostic {
            place: "document".into(),
            problem: format!("expected an object at the top, found {}", type_name(value)),
            fix: "a graph document is {\"version\": 1, \"sources\": [], \"nodes\": [], \"edges\": []}"
                .into(),
        });
        return;
    };
    check_object("document", value, TOP_FIELDS, &["version"], false, diags);
    for (i, s) in check_list(top, "sources", diags).iter().enumerate() {
        check_object(
            &format!("sources[{i}]"),
            s,
            SOURCE_FIELDS,
            &["name"],
            false,
            diags,
        );
    }
    for (i, n) in check_list(top, "nodes", diags).iter().enumerate() {
        let place = node_place(i, n);
        check_object(&place, n, NODE_FIELDS, &["id", "kind"], true, diags);
        check_kind(
            &place,
            n,
            |k| NodeKind::parse(k).is_some(),
            NodeKind::expected(),
            diags,
        );
    }
    for (i, e) in check_list(top, "edges", diags).iter().enumerate() {
        let place = edge_place(i, e);
        check_object(&place, e, EDGE_FIELDS, &["from", "to", "kind"], true, diags);
        check_kind(
            &place,
            e,
            |k| EdgeKind::parse(k).is_some(),
            EdgeKind::expected(),
            diags,
        );
    }
}

/// The checks that need the whole document: versions, ranges, unique ids, edge endpoints.
pub fn check(file: &str, doc: Document) -> Result<(Document, Warnings), LoadError> {
    let mut diags = Vec::new();
    let mut warnings = Vec::new();
    if doc.version != 1 {
        diags.push(Diagnostic {
            place: "document field `version`".into(),
            problem: format!("unsupported version {}", doc.version),
            fix: "this heir reads version 1 documents; set \"version\": 1".into(),
        });
    }
    let index = check_identity(
        doc.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (i, n.id.as_str(), n.criticality.map(u64::from))),
        doc.edges
            .iter()
            .enumerate()
            .map(|(i, e)| (i, e.from.as_str(), e.to.as_str(), e.kind.as_str())),
        &mut diags,
    );
    for (i, n) in doc.nodes.iter().enumerate() {
        node_warnings(
            &mut warnings,
            i,
            &n.id,
            n.kind,
            (n.issued_at, n.expires_at),
            [
                n.revocation.is_some(),
                n.token_type.is_some(),
                n.mfa.is_some(),
                n.device_bound.is_some(),
            ],
        );
    }
    for (i, e) in doc.edges.iter().enumerate() {
        let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else {
            continue;
        };
        let kinds = (doc.nodes[a].kind, doc.nodes[b].kind);
        warnings.extend(edge_warning(i, &e.from, e.kind, &e.to, kinds));
    }
    if diags.is_empty() {
        Ok((doc, warnings))
    } else {
        Err(LoadError {
            file: file.to_string(),
            diagnostics: diags,
        })
    }
}

/// Remarks on one node (shared by the typed and the fast path, so both warn alike): an expiry
/// before issue, and credential-only fields on a non-credential. `set` says whether
/// revocation, token_type, mfa and device_bound are given.
pub(crate) fn node_warnings(
    out: &mut Warnings,
    i: usize,
    id: &str,
    kind: NodeKind,
    (issued, expires): (Option<Timestamp>, Option<Timestamp>),
    set: [bool; 4],
) {
    if let (Some(a), Some(b)) = (issued, expires) {
        if b < a {
            out.push(Diagnostic {
                place: format!("nodes[{i}] ({id})"),
                problem: format!("expires_at {b} is before issued_at {a}"),
                fix: "check the collector's time fields".into(),
            });
        }
    }
    if kind.is_credential() {
        return;
    }
    let fields = [
        "revocation",
        "token_type",
        "mfa",
        "device_bound",
        "expires_at",
        "issued_at",
    ];
    let given = [
        set[0],
        set[1],
        set[2],
        set[3],
        expires.is_some(),
        issued.is_some(),
    ];
    for (field, _) in fields.iter().zip(given).filter(|(_, g)| *g) {
        out.push(Diagnostic {
            place: format!("nodes[{i}] ({id})"),
            problem: format!("`{field}` is only meaningful on sessions, tokens and grants"),
            fix: "remove it or change the node's kind".into(),
        });
    }
}

/// The remark on an edge between kinds its kind does not usually join.
pub(crate) fn edge_warning(
    j: usize,
    from: &str,
    kind: EdgeKind,
    to: &str,
    (fk, tk): (NodeKind, NodeKind),
) -> Option<Diagnostic> {
    let (froms, tos) = kind.endpoints();
    if froms.contains(&fk) && tos.contains(&tk) {
        return None;
    }
    Some(Diagnostic {
        place: format!("edges[{j}] ({from} -{kind}-> {to})"),
        problem: format!("unusual `{kind}` edge from a {fk} to a {tk}"),
        fix: "check the edge kind and direction: A -> B means controlling A yields B".into(),
    })
}

/// Ids unique and non-empty, criticality in range, every edge end a node. Shared by the typed
/// check and the diagnostic walk, so a broken file also gets these reported in the same run.
fn check_identity<'a>(
    nodes: impl ExactSizeIterator<Item = (usize, &'a str, Option<u64>)>,
    edges: impl Iterator<Item = (usize, &'a str, &'a str, &'a str)>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<&'a str, usize> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    for (i, id, criticality) in nodes {
        if id.is_empty() {
            diags.push(Diagnostic {
                place: format!("nodes[{i}]"),
                problem: "empty id".into(),
                fix: "give every node an id such as okta:user:00u1abcd".into(),
            });
        }
        if let Some(prev) = index.insert(id, i) {
            diags.push(Diagnostic {
                place: format!("nodes[{i}] ({id})"),
                problem: format!("duplicate id: nodes[{prev}] has the same id"),
                fix: "ids must be unique; merge the two nodes or rename one (`heir merge` combines documents)".into(),
            });
        }
        if let Some(c) = criticality.filter(|c| *c > 10) {
            diags.push(Diagnostic {
                place: format!("nodes[{i}] ({id}) field `criticality`"),
                problem: format!("criticality {c} is out of range"),
                fix: "use a whole number from 0 to 10".into(),
            });
        }
    }
    let mut all_ids: Option<Vec<&str>> = None;
    for (i, from, to, kind) in edges {
        for (end, id) in [("from", from), ("to", to)] {
            if index.contains_key(id) {
                continue;
            }
            let ids = all_ids.get_or_insert_with(|| index.keys().copied().collect());
            let near = suggest(id, ids, 3);
            diags.push(Diagnostic {
                place: format!("edges[{i}] ({from} -{kind}-> {to})"),
                problem: format!("`{end}` names `{id}`, which is not a node in this document"),
                fix: if near.is_empty() {
                    "add that node, or fix the id".into()
                } else {
                    format!(
                        "add that node, or fix the id (closest: {})",
                        near.join(", ")
                    )
                },
            });
        }
    }
    index
}

/// Up to `n` ids closest to `wanted`: shared prefix first (ids are `platform:kind:native`), then
/// edit similarity — what a responder pasting a truncated or mistyped id needs.
pub fn suggest<'a>(wanted: &str, ids: &[&'a str], n: usize) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &'a str)> = ids
        .iter()
        .map(|id| {
            let prefix = wanted
                .chars()
                .zip(id.chars())
                .take_while(|(a, b)| a == b)
                .count() as f64;
            let contains = if id.contains(wanted) || wanted.contains(id) {
                1.0
            } else {
                0.0
            };
            let sim = strsim::jaro_winkler(wanted, id);
            (sim + contains + prefix / 100.0, *id)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(text: &str) -> Vec<String> {
        load_str("t.json", text, Syntax::Json)
            .unwrap_err()
            .diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn reports_every_problem_at_once() {
        let e = errs(
            r#"{"version":1,"nodes":[
              {"id":"a","kind":"sesion","expires_at":"tomorrow"},
              {"id":"b","kind":"user","crit":3},
              {"id":"b","kind":"user"}],
             "edges":[{"from":"a","to":"zz","kind":"ssso","requires":["mfaa"]}]}"#,
        );
        let all = e.join("\n");
        assert!(
            all.contains("nodes[0] (a) field `kind`: unknown kind `sesion`"),
            "{all}"
        );
        assert!(all.contains("nodes[0] (a) field `expires_at`"), "{all}");
        assert!(all.contains("nodes[1] (b): unknown field `crit`"), "{all}");
        assert!(all.contains("did you mean `criticality`?"), "{all}");
        assert!(all.contains("unknown kind `ssso`"), "{all}");
        assert!(all.contains("field `requires`"), "{all}");
        // …and, in the same run, what only the whole document shows.
        assert!(all.contains("nodes[2] (b): duplicate id"), "{all}");
        assert!(all.contains("`to` names `zz`"), "{all}");
        assert_eq!(e.len(), 7, "{all}");
    }

    #[test]
    fn semantic_problems_together() {
        let e = errs(
            r#"{"version":1,"nodes":[
              {"id":"a","kind":"user","criticality":11},
              {"id":"a","kind":"user"}],
             "edges":[{"from":"a","to":"b","kind":"sso"}]}"#,
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].contains("duplicate id") || e[1].contains("duplicate id"));
        assert!(e.iter().any(|m| m.contains("out of range")));
        assert!(e.iter().any(|m| m.contains("`to` names `b`")));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = errs("{\"version\":1,\n\"nodes\": [}\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("line 2, column 11"), "{e:?}");
    }

    #[test]
    fn yaml_reads_the_same_document() {
        let (doc, _) = load_str(
            "t.yaml",
            "version: 1\nnodes:\n  - id: a\n    kind: session\n    expires_at: 2026-11-20T20:00:00Z\n",
            Syntax::Yaml,
        )
        .unwrap();
        assert_eq!(
            doc.nodes[0].expires_at.unwrap().to_string(),
            "2026-11-20T20:00:00Z"
        );
        let err = load_str(
            "t.yaml",
            "version: 1\nnodes:\n  - id: a\n    kynd: user\n",
            Syntax::Yaml,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `kynd`"), "{err}");
        assert!(
            err.to_string().contains("missing required field `kind`"),
            "{err}"
        );
    }
}
