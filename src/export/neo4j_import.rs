//! The bulk path to Neo4j: CSV files for `neo4j-admin database import full`, which writes a new
//! database's store directly, without transactions, at a rate no Bolt push can match (a push has
//! to look every row up in an index; the importer sorts ids once).
//!
//! The files hold exactly what the live push writes (`super::cypher`: the same rows, so the same
//! labels, relationship types, folded parallel edges, flattened properties and run/source
//! stamps), laid out by the importer's header rules:
//!
//! - one node file per kind, `nodes-<Label>.csv`, with its header in `nodes-<Label>.header.csv`:
//!   `id:ID` (one global id space: heir ids are unique across kinds, and the value is also stored
//!   as the property `id`), `:LABEL` (`HeirNode` and the kind's label), then one column per
//!   property;
//! - one relationship file per edge kind, `relationships-<TYPE>.csv` and its header:
//!   `:START_ID`, `:END_ID`, `:TYPE`, then the properties;
//! - a property column is typed from every value of that column in the file: `int` for the
//!   criticality (0–10), `long` for other integers, `double` when a column mixes integers and
//!   fractions, `boolean`, `string`, and the array types `string[]`, `long[]`, `double[]`,
//!   `boolean[]`. A column whose values mix kinds (a scalar here, a list there) is written as
//!   text, each value as its JSON. A node or relationship without a value leaves the field empty,
//!   which the importer reads as "no property";
//! - arrays, and the `:LABEL` column, are joined with U+001F (the ASCII unit separator,
//!   `--array-delimiter=U+001F`), a character no id, tag or scope is expected to hold; a value
//!   that does hold it cannot be written as an array element, and the export stops with an error
//!   naming it rather than split it;
//! - fields are quoted by the `csv` crate when they need it (quotes doubled), and may hold line
//!   breaks, hence `--multiline-fields=true`.
//!
//! Headers live in their own files so that each data file can be written in one pass once its
//! columns are known (a first pass over the rows finds them). The whole directory is written
//! under a temporary name next to the destination and renamed at the end: an interrupted export
//! leaves nothing that looks finished.

use std::collections::BTreeMap;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::cypher::{self, Plan};
use crate::model::{EdgeKind, NodeKind, TrustGraph};

/// The delimiter between array elements (and labels): U+001F, the ASCII unit separator.
pub const ARRAY_DELIMITER: char = '\u{1f}';
/// How the delimiter is given to `neo4j-admin` (`--array-delimiter`).
pub const ARRAY_DELIMITER_ARG: &str = "U+001F";
/// The file in the output directory that holds the import command.
pub const COMMAND_FILE: &str = "import.sh";
/// The file in the output directory that holds the constraints to create after the import.
pub const CONSTRAINTS_FILE: &str = "constraints.cypher";

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} exists and is not an earlier `heir export neo4j-import` output (no {COMMAND_FILE} in it)\n  fix: remove it, or choose another directory")]
    NotOurs { path: String },
    #[error("{what} holds U+001F, the array delimiter of the import files, in {value:?}\n  fix: remove the character from the document")]
    Delimiter { what: String, value: String },
}

/// What an import export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFiles {
    pub nodes: usize,
    pub relationships: usize,
    /// `(label or type, data file, header file)`, nodes first.
    pub node_files: Vec<(String, String, String)>,
    pub relationship_files: Vec<(String, String, String)>,
    /// The `neo4j-admin` command line, to be run from the output directory.
    pub command: String,
}

/// The type of a property column, widened as values are seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Int,
    Long,
    Double,
    Boolean,
    Str,
    LongArr,
    DoubleArr,
    BooleanArr,
    StrArr,
    /// Values of different shapes: written as text, JSON for non-strings.
    Json,
}

impl Col {
    fn of(v: &Value) -> Option<Col> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(_) => Col::Boolean,
            Value::Number(n) if n.is_i64() => Col::Long,
            Value::Number(_) => Col::Double,
            Value::String(_) => Col::Str,
            Value::Array(a) => {
                let mut t: Option<Col> = None;
                for x in a {
                    let e = match x {
                        Value::Bool(_) => Col::BooleanArr,
                        Value::Number(n) if n.is_i64() => Col::LongArr,
                        Value::Number(_) => Col::DoubleArr,
                        Value::String(_) => Col::StrArr,
                        _ => return Some(Col::Json),
                    };
                    t = Some(match t {
                        None => e,
                        Some(prev) => prev.widen(e),
                    });
                }
                // An empty list fits any array column: string[] until a value says otherwise.
                t.unwrap_or(Col::StrArr)
            }
            Value::Object(_) => Col::Json,
        })
    }

    fn widen(self, other: Col) -> Col {
        use Col::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Int | Long, Int | Long) => Long,
            (Int | Long | Double, Int | Long | Double) => Double,
            (LongArr | DoubleArr, LongArr | DoubleArr) => DoubleArr,
            _ => Json,
        }
    }

    fn is_array(self) -> bool {
        matches!(
            self,
            Col::LongArr | Col::DoubleArr | Col::BooleanArr | Col::StrArr
        )
    }

    fn header(self) -> &'static str {
        match self {
            Col::Int => "int",
            Col::Long => "long",
            Col::Double => "double",
            Col::Boolean => "boolean",
            Col::Str | Col::Json => "string",
            Col::LongArr => "long[]",
            Col::DoubleArr => "double[]",
            Col::BooleanArr => "boolean[]",
            Col::StrArr => "string[]",
        }
    }
}

/// Columns of one file, in order of first appearance.
#[derive(Default)]
struct Columns {
    names: Vec<String>,
    types: Vec<Col>,
    index: BTreeMap<String, usize>,
}

impl Columns {
    #[cfg(test)]
    fn see(&mut self, props: &Map<String, Value>, skip: &[&str]) {
        for (k, v) in props {
            if !skip.contains(&k.as_str()) {
                self.see_one(k, v);
            }
        }
    }

    /// Learns one value of column `k`; its column, or `None` for a null (no column, an empty
    /// field).
    fn see_one(&mut self, k: &str, v: &Value) -> Option<usize> {
        let mut t = Col::of(v)?;
        // The criticality is 0–10 by the document's schema: an `int` while it fits.
        if k == "criticality" && v.as_i64().is_some_and(|x| i32::try_from(x).is_ok()) {
            t = Col::Int;
        }
        Some(match self.index.get(k) {
            Some(&i) => {
                self.types[i] = self.types[i].widen(t);
                i
            }
            None => {
                self.index.insert(k.to_string(), self.names.len());
                self.names.push(k.to_string());
                self.types.push(t);
                self.names.len() - 1
            }
        })
    }

    fn header(&self) -> impl Iterator<Item = String> + '_ {
        self.names
            .iter()
            .zip(&self.types)
            .map(|(n, t)| format!("{n}:{}", t.header()))
    }
}

fn check_delimiter(s: &str, what: &str) -> Result<(), ImportError> {
    if s.contains(ARRAY_DELIMITER) {
        return Err(ImportError::Delimiter {
            what: what.to_string(),
            value: s.to_string(),
        });
    }
    Ok(())
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> ImportError + '_ {
    move |e| ImportError::Io {
        path: path.display().to_string(),
        source: io::Error::other(e),
    }
}

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<std::fs::File>>, ImportError> {
    let f = std::fs::File::create(path).map_err(io_err(path))?;
    Ok(csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(BufWriter::with_capacity(1 << 20, f)))
}

fn write_header(path: &Path, fields: &[String]) -> Result<(), ImportError> {
    let mut w = writer(path)?;
    w.write_record(fields).map_err(csv_err(path))?;
    w.flush().map_err(io_err(path))
}

/// Writes the import files of `g` into `dir` (created, or replaced when it holds an earlier
/// output of this command), stamping everything with `run`.
pub fn write_import(g: &TrustGraph, dir: &Path, run: &str) -> Result<ImportFiles, ImportError> {
    if dir.exists() && !dir.join(COMMAND_FILE).is_file() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(ImportError::NotOurs {
                path: dir.display().to_string(),
            });
        }
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "neo4j-import".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    let result = write_into(g, &tmp, run);
    let files = match result {
        Ok(files) => files,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    // Swap: the old output (if any) aside, the new one in, the old one removed.
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(io_err(dir))?;
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        if old.exists() {
            let _ = std::fs::rename(&old, dir);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io_err(dir)(e));
    }
    if old.exists() {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(files)
}

/// One file to write: the nodes of a kind, or the relationships of a kind.
#[derive(Clone, Copy)]
enum Task {
    Nodes(NodeKind),
    Rels(EdgeKind),
}

/// The rows of one file, read once: each row's fields are kept as their final text in one byte
/// buffer, by column index, while the columns and their types are found; the file is written
/// from the buffer once every row has been seen. Reading the rows twice (once for the columns,
/// once to write) parsed every record and built every property map twice.
///
/// The text of a field does not depend on its column's final type, except for a list: joined
/// with the array delimiter in an array column, or its JSON in a column of mixed shapes. A list
/// keeps both until the type is known.
///
/// Layout per row: the leading fields (node id, or start and end ids) as `u32` length and bytes,
/// a `u16` field count, then per field its `u16` column, a tag (0: text; 1: list, with its
/// joined text, its JSON and a flag set when an element holds the delimiter).
#[derive(Default)]
struct RowBuffer {
    bytes: Vec<u8>,
    rows: usize,
}

impl RowBuffer {
    fn put_str(&mut self, s: &str) {
        self.bytes
            .extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(s.as_bytes());
    }

    /// One row: its leading fields, then its properties in `cols` (which learns them).
    fn push(
        &mut self,
        lead: &[&str],
        props: &Map<String, Value>,
        skip: Option<&str>,
        cols: &mut Columns,
    ) {
        for s in lead {
            self.put_str(s);
        }
        let count_at = self.bytes.len();
        self.bytes.extend_from_slice(&0u16.to_le_bytes());
        let mut count = 0u16;
        for (k, v) in props {
            if skip == Some(k.as_str()) {
                continue;
            }
            let Some(col) = cols.see_one(k, v) else {
                continue; // null: an empty field, as when absent
            };
            count += 1;
            self.bytes.extend_from_slice(&(col as u16).to_le_bytes());
            match v {
                Value::String(s) => {
                    self.bytes.push(0);
                    self.put_str(s);
                }
                Value::Array(a) => {
                    self.bytes.push(1);
                    let mut joined = String::new();
                    let mut bad: Option<&str> = None;
                    for (k, x) in a.iter().enumerate() {
                        if k > 0 {
                            joined.push(ARRAY_DELIMITER);
                        }
                        match x {
                            Value::String(s) => {
                                if bad.is_none() && s.contains(ARRAY_DELIMITER) {
                                    bad = Some(s);
                                }
                                joined.push_str(s);
                            }
                            other => joined.push_str(&other.to_string()),
                        }
                    }
                    self.put_str(&joined);
                    self.put_str(&v.to_string());
                    self.bytes.push(bad.is_some() as u8);
                    if let Some(bad) = bad {
                        self.put_str(bad);
                    }
                }
                other => {
                    self.bytes.push(0);
                    self.put_str(&other.to_string());
                }
            }
        }
        self.bytes[count_at..count_at + 2].copy_from_slice(&count.to_le_bytes());
        self.rows += 1;
    }
}

/// Reads back what [`RowBuffer::push`] wrote.
struct RowReader<'a> {
    bytes: &'a [u8],
}

impl<'a> RowReader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        head
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take(2).try_into().expect("two bytes"))
    }

    fn str(&mut self) -> &'a str {
        let n = u32::from_le_bytes(self.take(4).try_into().expect("four bytes")) as usize;
        std::str::from_utf8(self.take(n)).expect("written from a str")
    }

    /// The next row's properties into `out` (column order); `Err(element)` when a list goes to
    /// an array column and one of its elements holds the delimiter.
    fn fields(&mut self, cols: &Columns, out: &mut [&'a str]) -> Result<(), &'a str> {
        out.fill("");
        let mut bad = None;
        for _ in 0..self.u16() {
            let col = self.u16() as usize;
            let tag = self.take(1)[0];
            let text = self.str();
            out[col] = text;
            if tag == 1 {
                let json = self.str();
                let element = (self.take(1)[0] == 1).then(|| self.str());
                if cols.types[col].is_array() {
                    if bad.is_none() {
                        bad = element;
                    }
                } else {
                    out[col] = json;
                }
            }
        }
        bad.map_or(Ok(()), Err)
    }
}

/// Writes one file and its header from one pass over its rows; returns the rows written and
/// `(label or type, data file, header file)`.
fn write_file(
    plan: &Plan,
    g: &TrustGraph,
    dir: &Path,
    run: &str,
    task: Task,
) -> Result<(usize, (String, String, String)), ImportError> {
    let mut cols = Columns::default();
    let mut rows = RowBuffer::default();
    let (name, prefix, mut header) = match task {
        Task::Nodes(kind) => {
            plan.for_each_node_row(g, run, Some(kind), |_, props| {
                let id = props.get("id").and_then(Value::as_str).unwrap_or_default();
                rows.push(&[id], props, Some("id"), &mut cols);
            });
            (
                kind.label(),
                "nodes",
                vec!["id:ID".to_string(), ":LABEL".to_string()],
            )
        }
        Task::Rels(kind) => {
            plan.for_each_relationship_row(g, run, Some(kind), |_, from, to, props| {
                rows.push(&[from, to], props, None, &mut cols);
            });
            (
                kind.rel_type().to_string(),
                "relationships",
                vec![
                    ":START_ID".to_string(),
                    ":END_ID".to_string(),
                    ":TYPE".to_string(),
                ],
            )
        }
    };
    let data = format!("{prefix}-{name}.csv");
    let header_file = format!("{prefix}-{name}.header.csv");
    header.extend(cols.header());
    write_header(&dir.join(&header_file), &header)?;
    let path = dir.join(&data);
    let mut w = writer(&path)?;
    let mut r = RowReader { bytes: &rows.bytes };
    let lead = match task {
        Task::Nodes(kind) => format!("{}{ARRAY_DELIMITER}{}", cypher::BASE_LABEL, kind.label()),
        Task::Rels(kind) => kind.rel_type().to_string(),
    };
    let mut rec: Vec<&str> = vec![""; 3 + cols.names.len()];
    for _ in 0..rows.rows {
        let fixed = match task {
            Task::Nodes(_) => {
                let id = r.str();
                check_delimiter(id, &format!("node {id}"))?;
                rec[0] = id;
                rec[1] = &lead;
                2
            }
            Task::Rels(_) => {
                rec[0] = r.str();
                rec[1] = r.str();
                rec[2] = &lead;
                3
            }
        };
        let n = fixed + cols.names.len();
        if let Err(element) = r.fields(&cols, &mut rec[fixed..n]) {
            return Err(ImportError::Delimiter {
                what: match task {
                    Task::Nodes(_) => format!("node {}", rec[0]),
                    Task::Rels(kind) => {
                        format!("{} relationship {} -> {}", kind.rel_type(), rec[0], rec[1])
                    }
                },
                value: element.to_string(),
            });
        }
        w.write_record(&rec[..n]).map_err(csv_err(&path))?;
    }
    w.flush().map_err(io_err(&path))?;
    Ok((rows.rows, (name, data, header_file)))
}

fn write_into(g: &TrustGraph, dir: &Path, run: &str) -> Result<ImportFiles, ImportError> {
    // Every record is read: the document in one read, rather than a system call per record.
    g.records().preload();
    let plan = Plan::new(g);
    // One task per file, the largest first, taken by as many threads as there are cores: each
    // file is independent, and reading records and formatting fields is all CPU.
    let mut tasks: Vec<(usize, Task)> = plan
        .node_kinds()
        .map(|(k, n)| (n, Task::Nodes(k)))
        .chain(
            plan.relationship_kinds()
                .into_iter()
                .map(|(k, n)| (n, Task::Rels(k))),
        )
        .collect();
    tasks.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    let threads = crate::sys::par::threads().clamp(1, tasks.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(_, task)) = tasks.get(i) else {
                    break;
                };
                let r = write_file(&plan, g, dir, run, task);
                let stop = r.is_err();
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((i, task, r));
                if stop {
                    // The export fails anyway: let the other threads stop at their next file.
                    next.store(tasks.len(), std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _, _)| *i);
    let (mut nodes, mut relationships) = (0, 0);
    let (mut node_files, mut relationship_files) = (Vec::new(), Vec::new());
    for (_, task, r) in results {
        let (rows, files) = r?;
        match task {
            Task::Nodes(_) => {
                nodes += rows;
                node_files.push(files);
            }
            Task::Rels(_) => {
                relationships += rows;
                relationship_files.push(files);
            }
        }
    }
    // Files in a stable order: by label and type.
    node_files.sort();
    relationship_files.sort();

    let command = import_command(&node_files, &relationship_files);
    let script = format!(
        "#!/bin/sh\n# Written by heir (run {run}): {nodes} nodes, {relationships} relationships.\n# Run from this directory, with the database stopped; then create the constraints:\n#   cypher-shell -d neo4j -f {CONSTRAINTS_FILE}\nset -e\ncd \"$(dirname \"$0\")\"\n{command}\n"
    );
    let path = dir.join(COMMAND_FILE);
    std::fs::write(&path, script).map_err(io_err(&path))?;
    let constraints: String = cypher::constraints()
        .iter()
        .map(|c| format!("{c};\n"))
        .collect();
    let path = dir.join(CONSTRAINTS_FILE);
    std::fs::write(&path, constraints).map_err(io_err(&path))?;
    Ok(ImportFiles {
        nodes,
        relationships,
        node_files,
        relationship_files,
        command,
    })
}

/// The `neo4j-admin database import full` command for these files, run from their directory.
fn import_command(nodes: &[(String, String, String)], rels: &[(String, String, String)]) -> String {
    let mut cmd = format!(
        "neo4j-admin database import full neo4j --overwrite-destination=true --id-type=string --array-delimiter={ARRAY_DELIMITER_ARG} --multiline-fields=true"
    );
    for (_, data, header) in nodes {
        cmd.push_str(&format!(" \\\n  --nodes={header},{data}"));
    }
    for (_, data, header) in rels {
        cmd.push_str(&format!(" \\\n  --relationships={header},{data}"));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One row through the buffer: its fields in column order, or the element that holds the
    /// delimiter.
    fn fields(c: &mut Columns, props: Value) -> Result<Vec<String>, String> {
        let mut rows = RowBuffer::default();
        rows.push(&[], props.as_object().unwrap(), None, c);
        let mut out = vec![""; c.names.len()];
        let mut r = RowReader { bytes: &rows.bytes };
        r.fields(c, &mut out).map_err(str::to_string)?;
        Ok(out.into_iter().map(str::to_string).collect())
    }

    #[test]
    fn column_types_widen() {
        let mut c = Columns::default();
        c.see(
            json!({"criticality": 3, "n": 1, "f": 1, "tags": [], "mixed": "a", "b": true})
                .as_object()
                .unwrap(),
            &[],
        );
        c.see(
            json!({"criticality": 9, "n": 2, "f": 1.5, "tags": ["x"], "mixed": [1], "b": false, "late": [1, 2.5]})
                .as_object()
                .unwrap(),
            &[],
        );
        assert_eq!(
            c.header().collect::<Vec<_>>(),
            [
                "criticality:int",
                "n:long",
                "f:double",
                "tags:string[]",
                "mixed:string",
                "b:boolean",
                "late:double[]"
            ]
        );
        let row = fields(
            &mut c,
            json!({"mixed": [1, "a"], "tags": ["a,b", "c\"d"], "late": [1, 2.5]}),
        )
        .unwrap();
        assert_eq!(row[4], r#"[1,"a"]"#);
        assert_eq!(row[3], "a,b\u{1f}c\"d");
        assert_eq!(row[6], "1\u{1f}2.5");
        assert_eq!(row[0], "");
        assert_eq!(
            fields(&mut c, json!({"tags": ["x", "a\u{1f}b"]})),
            Err("a\u{1f}b".into())
        );
    }
}
