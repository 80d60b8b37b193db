//! `heir collect csv --file F`: a hand-kept inventory of the legacy integrations no API lists
//! (an SFTP key on a vendor's server, a shared service password, a webhook token in a wiki), in
//! the documented template (docs/collectors/csv.md).
//!
//! Every row is validated before anything is written: all problems are reported at once, each
//! with its line, column and fix, because a spreadsheet is fixed in one pass. The template records
//! where a credential lives and what it opens, never its value: a column that would hold one is
//! refused by name, without echoing any cell.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::collect::collector::{input_error, parse, read_input, Collector, Context};
use crate::collect::csvtext;
use crate::collect::json::edge_with;
use crate::collect::Collection;
use crate::error::HeirError;
use crate::model::naming::{platform_of_id, FEDERATION_TARGET};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, Timestamp, TokenType};

/// The source name (`heir collect csv`, `sources[].name`).
pub const SOURCE: &str = "csv";

/// The template's columns, in the documented order; `id` and `kind` are required.
pub const COLUMNS: [&str; 15] = [
    "id",
    "kind",
    "platform",
    "name",
    "owner",
    "issued_at",
    "expires_at",
    "last_used_at",
    "revocation",
    "token_type",
    "held_by",
    "grants_access_to",
    "criticality",
    "tags",
    "notes",
];

/// Column names that would hold a secret value: refused.
const SECRET_COLUMNS: [&str; 8] = [
    "password",
    "secret",
    "client_secret",
    "private_key",
    "token_value",
    "api_key",
    "credential",
    "value",
];

pub struct Csv;

#[derive(clap::Args, Debug)]
pub struct CsvOpts {
    /// The inventory, in the template of docs/collectors/csv.md (UTF-8 CSV with a header row).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
}

impl Collector for Csv {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "A CSV inventory of legacy integrations and credentials no API lists (template in docs/collectors/csv.md)"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <CsvOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, _ctx: &Context) -> Result<Collection, HeirError> {
        let o: CsvOpts = parse(args)?;
        let text = read_input(&o.file)?;
        transform(&o.file, &text)
    }
}

/// One problem of one cell.
struct Problem {
    line: usize,
    column: String,
    problem: String,
    fix: String,
}

/// A date: RFC 3339, or a bare `YYYY-MM-DD` (midnight UTC), which is what spreadsheets keep.
fn date(v: &str) -> Option<Timestamp> {
    Timestamp::parse(v)
        .ok()
        .or_else(|| Timestamp::parse(&format!("{v}T00:00:00Z")).ok())
}

/// The kind an id names (`platform:kind:native`).
fn kind_of_id(id: &str) -> Option<NodeKind> {
    let mut it = id.splitn(3, ':');
    let (_, k, native) = (it.next()?, it.next()?, it.next()?);
    (!native.is_empty()).then_some(())?;
    NodeKind::parse(k)
}

fn list(v: &str) -> Vec<String> {
    v.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads, validates and transforms the inventory: `Err` (nothing written) when any row is
/// invalid, listing every problem.
pub fn transform(path: &Path, text: &str) -> Result<Collection, HeirError> {
    let rows = csvtext::rows(text).map_err(|e| {
        input_error(
            path,
            format!(
                "line {}: {}\n  fix: close the quote (a quote inside a quoted cell is written twice: \"\")",
                e.line, e.problem
            ),
        )
    })?;
    let Some((header, body)) = rows.split_first() else {
        return Err(input_error(
            path,
            format!(
                "is empty\n  fix: start from the template: a header row `{}`",
                COLUMNS.join(",")
            ),
        ));
    };
    let cols: Vec<String> = header
        .fields
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    for c in &cols {
        if SECRET_COLUMNS
            .iter()
            .any(|s| c == s || c.ends_with(&format!("_{s}")))
        {
            return Err(input_error(
                path,
                format!(
                    "line 1: column `{c}` would hold secret values; the inventory records where a credential lives and what it opens, never the credential\n  fix: delete the column (and its values) from the file"
                ),
            ));
        }
        if !COLUMNS.contains(&c.as_str()) {
            let known = COLUMNS.join(", ");
            return Err(input_error(
                path,
                format!("line 1: unknown column `{c}`\n  fix: use the template's columns: {known}"),
            ));
        }
    }
    for req in ["id", "kind"] {
        if !cols.iter().any(|c| c == req) {
            return Err(input_error(
                path,
                format!(
                    "line 1: no `{req}` column\n  fix: the header must name at least id and kind: {}",
                    COLUMNS.join(",")
                ),
            ));
        }
    }

    let mut problems: Vec<Problem> = Vec::new();
    let mut c = Collection::new(SOURCE);
    c.records.read(body.len());
    let ids: BTreeSet<String> = body
        .iter()
        .filter_map(|r| {
            cols.iter()
                .position(|c| c == "id")
                .and_then(|i| r.fields.get(i))
                .map(|v| v.trim().to_string())
        })
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut nodes: Vec<(Node, BTreeMap<String, String>, usize)> = Vec::new();
    for r in body {
        let cell: BTreeMap<String, String> = cols
            .iter()
            .cloned()
            .zip(r.fields.iter().map(|v| v.trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let mut bad = |column: &str, problem: String, fix: &str| {
            problems.push(Problem {
                line: r.line,
                column: column.to_string(),
                problem,
                fix: fix.to_string(),
            })
        };
        if r.fields.len() > cols.len() {
            bad(
                "",
                format!("{} cells for {} columns", r.fields.len(), cols.len()),
                "quote a cell that contains a comma: \"a, b\"",
            );
            continue;
        }
        let Some(id) = cell.get("id").cloned() else {
            bad(
                "id",
                "no id".into(),
                "give every row an id such as legacy:token:sftp-vendor-key",
            );
            continue;
        };
        if let Some(prev) = seen.insert(id.clone(), r.line) {
            bad(
                "id",
                format!("`{id}` is also the id of line {prev}"),
                "ids must be unique",
            );
            continue;
        }
        let kind = match cell.get("kind").map(|k| (k, NodeKind::parse(k))) {
            Some((_, Some(k))) => k,
            Some((k, None)) => {
                bad(
                    "kind",
                    format!("unknown kind `{k}`"),
                    &format!("use one of: {}", NodeKind::expected()),
                );
                continue;
            }
            None => {
                bad(
                    "kind",
                    "no kind".into(),
                    &format!("use one of: {}", NodeKind::expected()),
                );
                continue;
            }
        };
        let mut n = Node::new(id.clone(), kind);
        n.platform = Some(
            cell.get("platform")
                .cloned()
                .unwrap_or_else(|| platform_of_id(&id).to_string()),
        );
        n.name = cell.get("name").cloned();
        for (col, slot) in [
            ("issued_at", &mut n.issued_at),
            ("expires_at", &mut n.expires_at),
            ("last_used_at", &mut n.last_used_at),
        ] {
            if let Some(v) = cell.get(col) {
                match date(v) {
                    Some(t) => *slot = Some(t),
                    None => bad(
                        col,
                        format!("`{v}` is not a date"),
                        "write 2024-03-01 or 2024-03-01T09:30:00Z",
                    ),
                }
            }
        }
        if !kind.is_credential() && (n.issued_at.is_some() || n.expires_at.is_some()) {
            // The document keeps these only on credentials: kept in props instead.
            for (k, v) in [
                ("issued_at", n.issued_at.take()),
                ("expires_at", n.expires_at.take()),
            ] {
                if let Some(t) = v {
                    n.props.insert(k.into(), Value::from(t.to_string()));
                }
            }
        }
        if let Some(v) = cell.get("revocation") {
            match Revocation::parse(v) {
                Some(x) => n.revocation = Some(x),
                None => bad(
                    "revocation",
                    format!("`{v}` is not a revocation"),
                    &format!("use one of: {}", Revocation::expected()),
                ),
            }
        }
        if let Some(v) = cell.get("token_type") {
            match TokenType::parse(v) {
                Some(x) => n.token_type = Some(x),
                None => bad(
                    "token_type",
                    format!("`{v}` is not a token type"),
                    &format!("use one of: {}", TokenType::expected()),
                ),
            }
        }
        if let Some(v) = cell.get("criticality") {
            match v.parse::<u8>() {
                Ok(x) if x <= 10 => n.criticality = Some(x),
                _ => bad(
                    "criticality",
                    format!("`{v}` is not a whole number from 0 to 10"),
                    "write 0 (none) to 10 (crown jewel)",
                ),
            }
        }
        n.tags = cell.get("tags").map(|t| list(t)).unwrap_or_default();
        if let Some(v) = cell.get("notes") {
            n.props.insert("notes".into(), Value::from(v.clone()));
        }
        n.props.insert("inventory_line".into(), Value::from(r.line));
        for col in ["owner", "held_by", "grants_access_to"] {
            for target in cell.get(col).map(|v| list(v)).unwrap_or_default() {
                if !ids.contains(&target) && kind_of_id(&target).is_none() {
                    bad(
                        col,
                        format!("`{target}` is neither an id of this file nor an id of the form platform:kind:native"),
                        "name a row of this file or a collected node, e.g. aws:role:arn:aws:iam::123456789012:role/deploy",
                    );
                }
            }
        }
        nodes.push((n, cell, r.line));
    }
    if !problems.is_empty() {
        let n = problems.len();
        let lines: Vec<String> = problems
            .iter()
            .take(20)
            .map(|p| {
                let col = if p.column.is_empty() {
                    String::new()
                } else {
                    format!(", column {}", p.column)
                };
                format!("  line {}{col}: {}\n    fix: {}", p.line, p.problem, p.fix)
            })
            .collect();
        let more = if n > 20 {
            format!("\n  … and {} more", n - 20)
        } else {
            String::new()
        };
        return Err(input_error(
            path,
            format!(
                "{n} problem(s); nothing was written\n{}{more}",
                lines.join("\n")
            ),
        ));
    }

    // Kinds of every id named, rows first.
    let mut kinds: BTreeMap<String, NodeKind> = nodes
        .iter()
        .map(|(n, _, _)| (n.id.clone(), n.kind))
        .collect();
    for (_, cell, _) in &nodes {
        for col in ["owner", "held_by", "grants_access_to"] {
            for t in cell.get(col).map(|v| list(v)).unwrap_or_default() {
                if let (std::collections::btree_map::Entry::Vacant(slot), Some(k)) =
                    (kinds.entry(t.clone()), kind_of_id(&t))
                {
                    // Another collector's node: merge resolves it.
                    let mut p = Node::new(t.clone(), k);
                    p.platform = Some(platform_of_id(&t).to_string());
                    p.props
                        .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
                    c.node(p);
                    slot.insert(k);
                }
            }
        }
    }
    for (n, cell, line) in nodes {
        let from_line = |what: &str| {
            let mut p = Props::new();
            p.insert(
                "inventory".into(),
                Value::from(format!("line {line}, {what}")),
            );
            p
        };
        if let Some(owner) = cell.get("owner") {
            for o in list(owner) {
                let ok = matches!(
                    kinds.get(&o),
                    Some(NodeKind::User | NodeKind::ServiceAccount | NodeKind::Group)
                ) && matches!(
                    n.kind,
                    NodeKind::ServiceAccount | NodeKind::App | NodeKind::Resource
                );
                if ok {
                    c.edge(edge_with(&o, &n.id, EdgeKind::Owns, from_line("owner")));
                }
            }
        }
        for h in cell.get("held_by").map(|v| list(v)).unwrap_or_default() {
            let kind = if n.kind.is_credential() {
                EdgeKind::Holds
            } else {
                EdgeKind::CanAssume
            };
            c.edge(edge_with(&h, &n.id, kind, from_line("held_by")));
        }
        for g in cell
            .get("grants_access_to")
            .map(|v| list(v))
            .unwrap_or_default()
        {
            // Every reference is a row or a validated id, so it has a kind.
            let Some(&tk) = kinds.get(&g) else {
                continue;
            };
            let kind = match (n.kind.is_credential(), tk) {
                (true, NodeKind::User | NodeKind::ServiceAccount) => EdgeKind::AuthenticatesAs,
                (false, NodeKind::User | NodeKind::ServiceAccount | NodeKind::Role) => {
                    EdgeKind::CanAssume
                }
                _ => EdgeKind::CanAccess,
            };
            c.edge(edge_with(&n.id, &g, kind, from_line("grants_access_to")));
        }
        if let Some(o) = cell.get("owner") {
            let mut n = n;
            n.props.insert("owner".into(), Value::from(o.clone()));
            c.node(n);
        } else {
            c.node(n);
        }
    }
    Ok(c)
}
