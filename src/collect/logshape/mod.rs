//! The shapes log exports come in, read from their content: shared by the log importers
//! (`oktalog`, `signins`).
//!
//! A responder holds whatever the incident left them: an API page saved with `curl`, two pages
//! appended to one file, NDJSON from a SIEM, an event-hook payload, an Admin Console CSV, an
//! Elastic or Splunk search export wrapping each event, an Azure storage archive. Each is a list of
//! the same records under different wrapping, so one reader peels the wrapping and hands every
//! record to the importer, which judges records; this module only judges *syntax*.
//!
//! Robustness rules (the evidence is what it is, and an interrupted download is common):
//! - a record that is not valid JSON (a bad line, a truncated last record) is reported as
//!   [`Bad`] with its place, and reading goes on at the next record; the importer counts it as
//!   read and skipped and marks the collection incomplete;
//! - several top-level documents one after the other (appended pages, NDJSON, concatenated pretty
//!   objects) are all read;
//! - the file is opened read-only and nothing is written anywhere ([`read_input_bytes`]).
//!
//! Records are handed over one at a time ([`scan`]'s callback) so an importer can keep only the
//! fields it needs: a 100 MB export never exists as one `serde_json::Value` tree. [`scan_lean`]
//! does not even build the fields an importer drops ([`Lean`]), and an importer holds what it
//! keeps as compact [`Rec`]s until its transform has read them.

use std::path::Path;

use serde_json::{Map, Value};

mod input;
mod lean;
pub mod rec;
pub use input::{read_input_bytes, Text};
pub use lean::Lean;
pub use rec::{At, Rec};

/// How each record is built: whole, or lean (only what an importer keeps; see [`Lean`]).
#[derive(Clone, Copy)]
enum Parse<'a, 'k> {
    Full,
    Lean(&'a Lean<'k>),
}

impl Parse<'_, '_> {
    /// One JSON document. A lean parse that fails is repeated whole, so the message is the one
    /// the full parse gives.
    fn str(self, s: &str) -> Result<Value, serde_json::Error> {
        match self {
            Parse::Full => serde_json::from_str(s),
            Parse::Lean(l) => l.parse(s).or_else(|_| serde_json::from_str(s)),
        }
    }
}

/// How to read a file: `auto` detects from the first non-blank character (`[` or `{`: JSON
/// documents, else CSV); the others force a reading.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// Detect from the content.
    #[default]
    Auto,
    /// JSON: arrays, objects and wrappers, one or several documents one after the other.
    Json,
    /// One JSON record per line; a bad line is skipped.
    Ndjson,
    /// Comma-separated values with a header row (dotted column names become nested fields).
    Csv,
}

/// A record that could not be read, with where it is (for the skip example and the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// `line 12` / `record 3 of the CSV (line 5)`: where to look.
    pub place: String,
    /// What is wrong (the parser's message).
    pub error: String,
}

/// What the reader saw besides records.
#[derive(Debug, Default, Clone)]
pub struct Scan {
    /// Records that could not be read.
    pub bad: Vec<Bad>,
    /// The wrappings met, in order of first appearance (`JSON array`, `Graph page`…), for messages.
    pub shapes: Vec<&'static str>,
    /// Graph pages that said more followed (`@odata.nextLink`): the export is partial.
    pub next_links: usize,
}

impl Scan {
    fn saw(&mut self, shape: &'static str) {
        if !self.shapes.contains(&shape) {
            self.shapes.push(shape);
        }
    }
}

/// An exported log through an importer's `read` (shape detection, kept fields) and `transform`,
/// with its unreadable records counted. The text is dropped once read, before the transform:
/// peak memory is the larger of (text + kept fields) and (kept fields + graph), not their sum.
pub fn import_file<R>(
    path: &Path,
    shape: Shape,
    read: impl FnOnce(&str, Shape) -> Result<(Vec<R>, Scan), String>,
    transform: impl FnOnce(&[R]) -> super::Collection,
) -> Result<super::Collection, crate::error::HeirError> {
    let (records, scan) = {
        let text = read_input_bytes(path)?;
        read(&text, shape).map_err(|e| super::collector::input_error(path, e))?
    };
    let mut c = transform(&records);
    drop(records);
    // The records' memory back to the system before the document is built from the graph:
    // mimalloc keeps freed pages for reuse, and the document's large buffers would otherwise come
    // on top of them (the peak of a large import).
    // SAFETY: `mi_collect` has no precondition; with another global allocator it only tidies
    // mimalloc's own, unused, heap.
    unsafe { libmimalloc_sys::mi_collect(true) };
    account(&mut c, &scan);
    Ok(c)
}

/// Reads every record of `text` in the given shape, handing each to `record`; returns what else
/// was seen. Wrappers are peeled whatever the shape (see [`unwrap`]).
pub fn scan(text: &str, shape: Shape, record: &mut dyn FnMut(Value)) -> Scan {
    scan_with(text, shape, Parse::Full, record)
}

/// [`scan`], building each JSON record lean ([`Lean`]): the importer's `Keep` applied to these
/// records gives what it gives applied to [`scan`]'s. CSV rows are built whole (they are small).
pub fn scan_lean(text: &str, shape: Shape, lean: &Lean, record: &mut dyn FnMut(Value)) -> Scan {
    scan_with(text, shape, Parse::Lean(lean), record)
}

fn scan_with(text: &str, shape: Shape, p: Parse, record: &mut dyn FnMut(Value)) -> Scan {
    let text = text.trim_start_matches('\u{feff}');
    let mut scan = Scan::default();
    let first = text.trim_start().chars().next();
    let shape = match shape {
        Shape::Auto => match first {
            Some('[') | Some('{') => Shape::Json,
            None => Shape::Json,
            _ => Shape::Csv,
        },
        s => s,
    };
    match shape {
        Shape::Csv => csv(text, &mut scan, record),
        Shape::Ndjson => ndjson(text, p, &mut scan, record),
        _ => json_stream(text, p, &mut scan, record),
    }
    scan
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The column of byte `i` on its line.
fn column(b: &[u8], i: usize) -> usize {
    let start = b[..i]
        .iter()
        .rposition(|c| *c == b'\n')
        .map_or(0, |p| p + 1);
    i - start
}

/// After a syntax error at `from`: the start of the next line whose first non-blank character is
/// `{` or `[` at a column at most `col` (an element or document start, not a nested object), or
/// `]` closing the array (`Some(Err(pos))`); None at the end of the text.
fn resync(b: &[u8], from: usize, col: usize) -> Option<Result<usize, usize>> {
    let mut i = from;
    loop {
        let nl = b[i..].iter().position(|c| *c == b'\n')?;
        i += nl + 1;
        let j = i + b[i..]
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t' || **c == b'\r')
            .count();
        if j >= b.len() {
            return None;
        }
        let c = j - i;
        match b[j] {
            b'{' | b'[' if c <= col => return Some(Ok(j)),
            b']' if c < col => return Some(Err(j)),
            _ => {}
        }
    }
}

/// One JSON value at byte `at`: the value and the byte after it. Lean: the value's extent is
/// found first (a borrowed raw slice, nothing built), then the slice is built lean; any failure
/// is read again whole for the full parse's message.
fn value_at(text: &str, at: usize, p: Parse) -> Result<(Value, usize), serde_json::Error> {
    if let Parse::Lean(l) = p {
        let mut it = serde_json::Deserializer::from_str(&text[at..])
            .into_iter::<&serde_json::value::RawValue>();
        if let Some(Ok(raw)) = it.next() {
            if let Ok(v) = l.parse(raw.get()) {
                return Ok((v, at + it.byte_offset()));
            }
        }
    }
    let mut it = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
    match it.next() {
        Some(Ok(v)) => Ok((v, at + it.byte_offset())),
        Some(Err(e)) => Err(e),
        None => Err(serde::de::Error::custom("nothing to read")),
    }
}

/// JSON documents one after the other; a top-level array is read element by element, so a
/// truncated or broken element costs that element only.
fn json_stream(text: &str, p: Parse, scan: &mut Scan, record: &mut dyn FnMut(Value)) {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    let mut documents = 0usize;
    while i < b.len() {
        match b[i] {
            b'[' => {
                documents += 1;
                scan.saw("JSON array");
                i = array(text, i, p, scan, record);
            }
            b',' => i += 1,
            _ => {
                documents += 1;
                match value_or_bad(text, i, &|| column(b, i), p, scan, record) {
                    Some(Ok(j)) | Some(Err(j)) => i = j,
                    None => break,
                }
            }
        }
        i = skip_ws(b, i);
    }
    if documents > 1 {
        scan.saw("several documents (NDJSON or appended pages)");
    }
}

/// Reads the array starting at `at` element by element; returns the byte after it.
fn array(text: &str, at: usize, p: Parse, scan: &mut Scan, record: &mut dyn FnMut(Value)) -> usize {
    let b = text.as_bytes();
    let mut i = at + 1;
    let mut element_col: Option<usize> = None;
    loop {
        i = skip_ws(b, i);
        if i >= b.len() {
            return i;
        }
        match b[i] {
            b']' => return i + 1,
            b',' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let col = *element_col.get_or_insert_with(|| column(b, i));
        match value_or_bad(text, i, &|| col, p, scan, record) {
            Some(Ok(j)) => i = j,
            Some(Err(j)) => return j + 1,
            None => return b.len(),
        }
    }
}

/// Reads the value at `i` into `record`, or counts it as [`Bad`] and looks for the next value
/// at column `col()` ([`resync`]; computed only then). `Some(Ok(j))`: go on at `j`; `Some(Err(j))`: the enclosing
/// array closes at `j`; `None`: nothing readable is left.
fn value_or_bad(
    text: &str,
    i: usize,
    col: &dyn Fn() -> usize,
    p: Parse,
    scan: &mut Scan,
    record: &mut dyn FnMut(Value),
) -> Option<Result<usize, usize>> {
    match value_at(text, i, p) {
        Ok((v, next)) => {
            unwrap_with(v, p, scan, record, &|| format!("line {}", line_of(text, i)));
            Some(Ok(next))
        }
        Err(e) => {
            scan.bad.push(Bad {
                place: format!("line {}", line_of(text, i)),
                error: e.to_string(),
            });
            resync(text.as_bytes(), i, col())
        }
    }
}

/// One record per line; blank lines are ignored, a bad line is [`Bad`].
fn ndjson(text: &str, p: Parse, scan: &mut Scan, record: &mut dyn FnMut(Value)) {
    scan.saw("NDJSON");
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match p.str(line) {
            Ok(v) => unwrap_with(v, p, scan, record, &|| format!("line {}", n + 1)),
            Err(e) => scan.bad.push(Bad {
                place: format!("line {}", n + 1),
                error: e.to_string(),
            }),
        }
    }
}

/// A string holding a JSON document (a SIEM's copy of the original event).
fn embedded(
    s: &str,
    p: Parse,
    scan: &mut Scan,
    record: &mut dyn FnMut(Value),
    place: &dyn Fn() -> String,
    shape: &'static str,
) {
    scan.saw(shape);
    match p.str(s.trim()) {
        Ok(v) => unwrap_with(v, p, scan, record, place),
        Err(e) => scan.bad.push(Bad {
            place: place(),
            error: format!("the embedded event is not valid JSON: {e}"),
        }),
    }
}

/// Peels the wrappers a record may come in and hands the records over:
/// - an array: each element;
/// - Okta event hook `{"eventType": "com.okta.event_hook", "data": {"events": […]}}`;
/// - Graph page `{"value": […], "@odata.nextLink": …}` (a next link is counted: partial export);
/// - Azure diagnostic settings, Event Hub and storage archives `{"records": […]}`;
/// - Elastic search responses `{"hits": {"hits": […]}}`, documents `{"_source": …}` and
///   `event.original` (the original event as a string), and a `message` holding JSON;
/// - Splunk JSON exports `{"result": {"_raw": "…"}}` and `{"_raw": "…"}`.
///
/// Anything else is a record.
///
/// `place` names where the record is, for messages; it is only called when one is needed (working
/// out a line number on every record of a large file would cost as much as reading it).
pub fn unwrap(
    v: Value,
    scan: &mut Scan,
    record: &mut dyn FnMut(Value),
    place: &dyn Fn() -> String,
) {
    unwrap_with(v, Parse::Full, scan, record, place)
}

/// [`unwrap`]; an embedded event is parsed as `p` says.
fn unwrap_with(
    v: Value,
    p: Parse,
    scan: &mut Scan,
    record: &mut dyn FnMut(Value),
    place: &dyn Fn() -> String,
) {
    let mut o = match v {
        Value::Array(items) => {
            for item in items {
                unwrap_with(item, p, scan, record, place);
            }
            return;
        }
        Value::Object(o) => o,
        other => {
            record(other);
            return;
        }
    };
    if let Some(Value::Array(_)) = o.get("data").and_then(|d| d.get("events")) {
        scan.saw("Okta event hook");
        if let Some(Value::Object(mut data)) = o.remove("data") {
            if let Some(events) = data.remove("events") {
                return unwrap_with(events, p, scan, record, place);
            }
        }
        return;
    }
    if let Some(Value::Array(_)) = o.get("value") {
        scan.saw("Graph page");
        if o.get("@odata.nextLink")
            .is_some_and(|l| l.as_str().is_some_and(|s| !s.is_empty()))
        {
            scan.next_links += 1;
        }
        if let Some(items) = o.remove("value") {
            return unwrap_with(items, p, scan, record, place);
        }
    }
    if let Some(Value::Array(_)) = o.get("records") {
        scan.saw("Azure diagnostic records");
        if let Some(items) = o.remove("records") {
            return unwrap_with(items, p, scan, record, place);
        }
    }
    if let Some(Value::Array(_)) = o.get("hits").and_then(|h| h.get("hits")) {
        scan.saw("Elastic search response");
        if let Some(Value::Object(mut hits)) = o.remove("hits") {
            if let Some(items) = hits.remove("hits") {
                return unwrap_with(items, p, scan, record, place);
            }
        }
    }
    if let Some(Value::Object(_)) = o.get("_source") {
        scan.saw("Elastic document");
        if let Some(src) = o.remove("_source") {
            return unwrap_with(src, p, scan, record, place);
        }
    }
    if let Some(raw) = o
        .get("result")
        .and_then(|r| r.get("_raw"))
        .and_then(Value::as_str)
    {
        let raw = raw.to_string();
        return embedded(&raw, p, scan, record, place, "Splunk export");
    }
    if let Some(raw) = o.get("_raw").and_then(Value::as_str) {
        let raw = raw.to_string();
        return embedded(&raw, p, scan, record, place, "Splunk export");
    }
    if let Some(orig) = o
        .get("event")
        .and_then(|e| e.get("original"))
        .and_then(Value::as_str)
        .filter(|s| s.trim_start().starts_with('{'))
    {
        let orig = orig.to_string();
        return embedded(&orig, p, scan, record, place, "Elastic event.original");
    }
    if o.contains_key("@timestamp") {
        if let Some(msg) = o
            .get("message")
            .and_then(Value::as_str)
            .filter(|s| s.trim_start().starts_with('{'))
        {
            let msg = msg.to_string();
            return embedded(&msg, p, scan, record, place, "Elastic message");
        }
    }
    record(Value::Object(o))
}

/// Comma-separated values with a header row. Dotted column names (`actor.alternateId`) become
/// nested objects and indexed ones (`target[0].id`, `target{0}.id`, `target.0.id`) arrays, so a
/// CSV row reads like the JSON event it was flattened from; a column name's ` [UTC]` suffix
/// (Log Analytics) is dropped. A row with a different number of fields than the header is [`Bad`].
fn csv(text: &str, scan: &mut Scan, record: &mut dyn FnMut(Value)) {
    scan.saw("CSV");
    let mut rows = CsvRows::new(text);
    let Some((_, header)) = rows.next() else {
        return;
    };
    let header: Vec<Vec<Key>> = header.iter().map(|h| column_path(h)).collect();
    let mut n = 0usize;
    for (line, row) in rows {
        if row.len() == 1 && row[0].trim().is_empty() {
            continue;
        }
        n += 1;
        if row.len() != header.len() {
            scan.bad.push(Bad {
                place: format!("CSV row {n} (line {line})"),
                error: format!("{} fields where the header has {}", row.len(), header.len()),
            });
            continue;
        }
        let mut obj = Value::Object(Map::new());
        for (path, cell) in header.iter().zip(row) {
            if cell.is_empty() || path.is_empty() {
                continue;
            }
            set_path(&mut obj, path, Value::String(cell));
        }
        record(obj);
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Field(String),
    Index(usize),
}

fn column_path(h: &str) -> Vec<Key> {
    let h = h.trim().trim_start_matches('\u{feff}');
    let h = h.strip_suffix("[UTC]").map(str::trim_end).unwrap_or(h);
    let mut out = Vec::new();
    let normal = h.replace(['[', '{'], ".").replace([']', '}'], "");
    for part in normal.split('.').filter(|p| !p.is_empty()) {
        match part.parse::<usize>() {
            Ok(i) if !out.is_empty() => out.push(Key::Index(i)),
            _ => out.push(Key::Field(part.to_string())),
        }
    }
    out
}

fn set_path(v: &mut Value, path: &[Key], leaf: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = leaf;
        return;
    };
    let slot: &mut Value = match first {
        Key::Field(f) => {
            if !v.is_object() {
                *v = Value::Object(Map::new());
            }
            let o = v.as_object_mut().expect("made an object");
            o.entry(f.clone()).or_insert(Value::Null)
        }
        Key::Index(i) => {
            if !v.is_array() {
                *v = Value::Array(Vec::new());
            }
            let a = v.as_array_mut().expect("made an array");
            while a.len() <= *i {
                a.push(Value::Null);
            }
            &mut a[*i]
        }
    };
    set_path(slot, rest, leaf);
}

/// RFC 4180 rows: quoted fields may hold commas, doubled quotes and line breaks. Yields the
/// 1-based line each row starts on.
struct CsvRows<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
}

impl<'a> CsvRows<'a> {
    fn new(text: &'a str) -> Self {
        CsvRows {
            b: text.as_bytes(),
            text,
            i: 0,
            line: 1,
        }
    }
}

impl Iterator for CsvRows<'_> {
    type Item = (usize, Vec<String>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.i >= self.b.len() {
            return None;
        }
        let start_line = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut seg = self.i;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if quoted {
                if c == b'"' {
                    field.push_str(&self.text[seg..self.i]);
                    if self.b.get(self.i + 1) == Some(&b'"') {
                        field.push('"');
                        self.i += 2;
                    } else {
                        quoted = false;
                        self.i += 1;
                    }
                    seg = self.i;
                    continue;
                }
                if c == b'\n' {
                    self.line += 1;
                }
                self.i += 1;
                continue;
            }
            match c {
                b'"' => {
                    field.push_str(&self.text[seg..self.i]);
                    quoted = true;
                    self.i += 1;
                    seg = self.i;
                }
                b',' => {
                    field.push_str(&self.text[seg..self.i]);
                    fields.push(std::mem::take(&mut field));
                    self.i += 1;
                    seg = self.i;
                }
                b'\n' => {
                    field.push_str(self.text[seg..self.i].trim_end_matches('\r'));
                    fields.push(std::mem::take(&mut field));
                    self.i += 1;
                    self.line += 1;
                    return Some((start_line, fields));
                }
                _ => self.i += 1,
            }
        }
        field.push_str(self.text[seg..self.i].trim_end_matches('\r'));
        fields.push(field);
        Some((start_line, fields))
    }
}

/// How a time was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// The text carried its zone (`Z`, `+02:00`, or an epoch).
    Given,
    /// The text carried none; read as UTC (what Azure and Okta exports mean by a bare time).
    AssumedUtc,
}

/// Every time form the exports write: RFC 3339 with any fraction or offset; the same without a
/// zone (`2007-01-09T09:41:00`, `2022-03-22 14:21:53.225`); US-style `1/9/2007 9:41:00 AM`,
/// `01/09/2007 09:41:00`, `1/9/2007, 9:41:00.000 AM` (Log Analytics portal CSV), optionally
/// followed by an offset; PowerShell 5.1 JSON `/Date(1168335660000)/` (with an optional
/// `+0100` suffix, which does not change the instant); and epoch milliseconds as a number or
/// digits. None when the text is none of these.
pub fn parse_time(s: &str) -> Option<(crate::model::Timestamp, Zone)> {
    use crate::model::Timestamp;
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = Timestamp::parse(s) {
        return Some((t, Zone::Given));
    }
    if let Some(inner) = s
        .strip_prefix("/Date(")
        .or_else(|| s.strip_prefix("\\/Date("))
        .and_then(|r| r.strip_suffix(")/").or_else(|| r.strip_suffix(")\\/")))
    {
        let digits_end = inner
            .char_indices()
            .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && *c == '-')))
            .map_or(inner.len(), |(i, _)| i);
        let ms: i64 = inner[..digits_end].parse().ok()?;
        return Some((Timestamp::from_millis(ms), Zone::Given));
    }
    if s.len() >= 12 && s.bytes().all(|c| c.is_ascii_digit()) {
        let ms: i64 = s.parse().ok()?;
        return Some((Timestamp::from_millis(ms), Zone::Given));
    }
    // ISO without a zone, `T` or a space between date and time.
    let b = s.as_bytes();
    if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b' ') {
        let mut iso = s.to_string();
        iso.replace_range(10..11, "T");
        if let Ok(t) = Timestamp::parse(&iso) {
            return Some((t, Zone::Given));
        }
        if let Ok(t) = Timestamp::parse(&format!("{iso}Z")) {
            return Some((t, Zone::AssumedUtc));
        }
        return None;
    }
    us_time(s)
}

/// `M/D/YYYY[,] H:MM[:SS[.fff]][ AM|PM][ ±HH:MM]`.
fn us_time(s: &str) -> Option<(crate::model::Timestamp, Zone)> {
    use crate::model::Timestamp;
    let (date, rest) = s.split_once(' ')?;
    let date = date.trim_end_matches(',');
    let mut d = date.split('/');
    let (m, day, y): (u32, u32, i32) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut parts = rest.split_whitespace();
    let time = parts.next()?;
    let mut pm = None;
    let mut offset = None;
    for p in parts {
        match p.to_ascii_uppercase().as_str() {
            "AM" => pm = Some(false),
            "PM" => pm = Some(true),
            o if o.starts_with('+') || o.starts_with('-') => offset = Some(p.to_string()),
            "UTC" | "Z" | "GMT" => offset = Some("+00:00".to_string()),
            _ => return None,
        }
    }
    let mut t = time.split(':');
    let mut h: u32 = t.next()?.parse().ok()?;
    let min: u32 = t.next()?.parse().ok()?;
    let sec = t.next().unwrap_or("0");
    if t.next().is_some() || min > 59 {
        return None;
    }
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    if h > 23 {
        return None;
    }
    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
    let whole: u32 = whole.parse().ok()?;
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    let zone = offset.clone().unwrap_or_else(|| "Z".to_string());
    let iso = format!("{y:04}-{m:02}-{day:02}T{h:02}:{min:02}:{whole:02}{frac}{zone}");
    let t = Timestamp::parse(&iso).ok()?;
    Some((
        t,
        if offset.is_some() {
            Zone::Given
        } else {
            Zone::AssumedUtc
        },
    ))
}

/// The fields of a record an importer reads, as a tree: everything else is dropped as each
/// record arrives, so a large export is held as the few fields that matter (a sign-in record is
/// mostly conditional-access policy lists an importer never reads).
///
/// Paths are dotted (`client.userAgent.rawUserAgent`); `name[]` keeps, in each element of the
/// list `name`, the paths below it (`target[].id`). A path that ends keeps the whole value.
#[derive(Debug, Default)]
pub struct Keep {
    children: Vec<(String, Keep)>,
}

impl Keep {
    pub fn new(paths: &[&str]) -> Keep {
        let mut root = Keep::default();
        for p in paths {
            let mut node = &mut root;
            for part in p.split('.') {
                let name = part.trim_end_matches("[]").to_string();
                let i = match node.children.iter().position(|(k, _)| *k == name) {
                    Some(i) => i,
                    None => {
                        node.children.push((name, Keep::default()));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[i].1;
            }
        }
        root
    }

    /// What is kept below the field `name`, if it is kept.
    fn child(&self, name: &str) -> Option<&Keep> {
        self.children
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, sub)| sub)
    }

    /// A path that ends here: the whole value is kept.
    fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    /// The kept part of `v` (a list keeps the kept part of each element).
    pub fn apply(&self, v: Value) -> Value {
        if self.children.is_empty() {
            return v;
        }
        match v {
            Value::Object(mut o) => {
                let mut out = Map::new();
                for (k, sub) in &self.children {
                    if let Some(x) = o.remove(k) {
                        out.insert(k.clone(), sub.apply(x));
                    }
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.into_iter().map(|x| self.apply(x)).collect()),
            other => other,
        }
    }
}

/// Skip reason of a record the reader could not parse.
pub const UNREADABLE: &str = "not valid JSON or CSV";

/// Puts what the reader saw into the collection: each unreadable record is read and skipped
/// (named by its place), and makes the collection incomplete with a reason saying where; a Graph
/// page that announced a next page makes it incomplete too (the rest of the log is not in the file).
pub fn account(c: &mut super::Collection, scan: &Scan) {
    c.records.read(scan.bad.len());
    for b in &scan.bad {
        c.records.skip(UNREADABLE, b.place.clone());
    }
    if let Some(first) = scan.bad.first() {
        c.problems.push(format!(
            "{} record(s) of the file could not be read and were skipped (first: {}: {}); fix: \
             re-export the log, or keep the file as is: everything readable was used",
            scan.bad.len(),
            first.place,
            first.error
        ));
    }
    if scan.next_links > 0 {
        c.problems.push(format!(
            "{} Graph page(s) in the file end with `@odata.nextLink`: the export holds only \
             part of the log; fix: follow the next links (or collect live) and append the pages \
             to the file",
            scan.next_links
        ));
    }
    if !scan.shapes.is_empty() {
        c.notes.push(format!("read as {}", scan.shapes.join(", ")));
    }
}

/// The note a document carries for times read without a zone.
pub const ASSUMED_UTC: &str = "the export's times carry no zone and were read as UTC";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn all(text: &str, shape: Shape) -> (Vec<Value>, Scan) {
        let mut out = Vec::new();
        let s = scan(text, shape, &mut |v| out.push(v));
        (out, s)
    }

    #[test]
    fn arrays_ndjson_appended_pages_and_pretty_objects() {
        let (v, s) = all(r#"[{"a":1},{"a":2}]"#, Shape::Auto);
        assert_eq!((v.len(), s.bad.len()), (2, 0));
        let (v, s) = all("{\"a\":1}\n\n{\"a\":2}\n", Shape::Auto);
        assert_eq!((v.len(), s.bad.len()), (2, 0));
        let (v, _) = all("[{\"a\":1}]\n[{\"a\":2},{\"a\":3}]", Shape::Auto);
        assert_eq!(v.len(), 3);
        let (v, _) = all("{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n", Shape::Auto);
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn a_bad_line_or_a_truncated_record_costs_that_record_only() {
        let (v, s) = all("{\"a\":1}\n{\"a\":\n{\"a\":3}\n", Shape::Auto);
        assert_eq!(v.len(), 2);
        assert_eq!(s.bad.len(), 1);
        assert_eq!(s.bad[0].place, "line 2");
        // An interrupted download of a pretty array: the last element is cut.
        let text = "[\n  {\n    \"a\": 1,\n    \"t\": [\n      {\"x\": 1}\n    ]\n  },\n  {\n    \"a\": 2,\n    \"t\": [\n      {\"x\"";
        let (v, s) = all(text, Shape::Auto);
        assert_eq!(v.len(), 1);
        assert_eq!(s.bad.len(), 1);
        // A broken element in the middle: reading resumes at the next element, not inside it.
        let text = "[\n  {\"a\": 1},\n  {\"a\": oops,\n    \"t\": [\n      {\"x\": 1}\n    ]},\n  {\"a\": 3}\n]\n";
        let (v, s) = all(text, Shape::Auto);
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(s.bad.len(), 1);
        let (v, s) = all("{\"a\":1}\nnot json\n{\"a\":3}\n", Shape::Ndjson);
        assert_eq!((v.len(), s.bad.len()), (2, 1));
    }

    #[test]
    fn wrappers_are_peeled() {
        let hook =
            r#"{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"1"},{"uuid":"2"}]}}"#;
        let (v, s) = all(hook, Shape::Auto);
        assert_eq!(v.len(), 2);
        assert_eq!(s.shapes, vec!["Okta event hook"]);
        let page = r#"{"value":[{"id":"a"}],"@odata.nextLink":"https://graph/next"}"#;
        let (v, s) = all(page, Shape::Auto);
        assert_eq!((v.len(), s.next_links), (1, 1));
        let (v, _) = all(r#"{"records":[{"properties":{"id":"a"}}]}"#, Shape::Auto);
        assert_eq!(v[0]["properties"]["id"], "a");
        let elastic = r#"{"_source":{"@timestamp":"x","event":{"original":"{\"uuid\":\"u\"}"}}}"#;
        let (v, _) = all(elastic, Shape::Auto);
        assert_eq!(v[0]["uuid"], "u");
        let splunk = r#"{"preview":false,"result":{"_raw":"{\"uuid\":\"s\"}"}}"#;
        let (v, _) = all(splunk, Shape::Auto);
        assert_eq!(v[0]["uuid"], "s");
        let (_, s) = all(r#"{"result":{"_raw":"{oops"}}"#, Shape::Auto);
        assert_eq!(s.bad.len(), 1);
    }

    #[test]
    fn csv_rows_become_nested_records() {
        let text = "uuid,actor.id,target{0}.id,\"debugContext.debugData.grantedScopes\"\r\n\
                    e1,00u1,0oa1,\"openid, \"\"x\"\"\"\r\n\
                    e2,00u2\r\n";
        let (v, s) = all(text, Shape::Auto);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["actor"]["id"], "00u1");
        assert_eq!(v[0]["target"][0]["id"], "0oa1");
        assert_eq!(
            v[0]["debugContext"]["debugData"]["grantedScopes"],
            "openid, \"x\""
        );
        assert_eq!(s.bad.len(), 1);
        assert!(s.bad[0].place.contains("line 3"), "{:?}", s.bad);
        let (v, _) = all(
            "TimeGenerated [UTC],Id\n\"1/9/2007, 9:41:00.000 AM\",x\n",
            Shape::Csv,
        );
        assert_eq!(v[0]["TimeGenerated"], "1/9/2007, 9:41:00.000 AM");
    }

    #[test]
    fn keep_drops_what_is_not_read() {
        let k = Keep::new(&["a", "b.c", "t[].id"]);
        let v = serde_json::json!({"a": {"x": 1}, "b": {"c": 2, "d": 3}, "t": [{"id": 1, "z": 2}, 3], "e": 4});
        assert_eq!(
            k.apply(v),
            serde_json::json!({"a": {"x": 1}, "b": {"c": 2}, "t": [{"id": 1}, 3]})
        );
    }

    #[test]
    fn every_time_form_of_the_exports() {
        let utc = Timestamp::parse("2007-01-09T09:41:00Z").unwrap();
        for (s, zone) in [
            ("2007-01-09T09:41:00Z", Zone::Given),
            ("2007-01-09T11:41:00+02:00", Zone::Given),
            ("2007-01-09T09:41:00", Zone::AssumedUtc),
            ("2007-01-09 09:41:00", Zone::AssumedUtc),
            ("1/9/2007 9:41:00 AM", Zone::AssumedUtc),
            ("01/09/2007 09:41:00", Zone::AssumedUtc),
            ("01/09/2007 09:41:00 AM", Zone::AssumedUtc),
            ("1/9/2007 10:41:00 AM +01:00", Zone::Given),
            ("1/9/2007, 9:41:00.000 AM", Zone::AssumedUtc),
            ("/Date(1168335660000)/", Zone::Given),
            ("1168335660000", Zone::Given),
        ] {
            assert_eq!(parse_time(s), Some((utc, zone)), "{s}");
        }
        let frac = parse_time("2007-01-09T09:41:00.6816663Z").unwrap().0;
        assert_eq!(frac.as_millis() - utc.as_millis(), 681);
        assert_eq!(
            parse_time("1/9/2007 9:41:00 PM").unwrap().0.as_millis() - utc.as_millis(),
            12 * 3_600_000
        );
        for bad in [
            "",
            "yesterday",
            "13/40/2007 9:41:00",
            "2007-01-09Tnope",
            "1/9/2007 25:00",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
