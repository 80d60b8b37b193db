//! The fast, strict path from a JSON document to a [`TrustGraph`].
//!
//! The typed path (`serde_json` into [`Document`](crate::model::Document), then `TrustGraph::new`)
//! allocates every string of every record and hashes every id twice; on a million-node document
//! that is most of the run. Here one pass splits the document into raw record spans, then both
//! cores parse the records into the few facts the graph needs — borrowing strings from the text,
//! validating every other field (unknown fields, types, times) without keeping it. The full
//! records are parsed later, only for the nodes a report shows ([`super::records`]).
//!
//! The two paths accept exactly the same documents: each lite record type below mirrors a
//! document type field for field with the same field types, or a type that accepts the same JSON
//! and throws it away. The usual plain record is read by a small reader over its bytes
//! (`quick_node`, `quick_edge`) that leaves every value and record it is unsure of to serde.
//! Anything the fast path rejects goes to the typed path, which produces the full diagnostics;
//! the golden tests compare both paths' answers on every example.

use std::borrow::Cow;
use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::ids::{hash, IdIndex};
use super::records::{Records, Span};
use crate::model::document::Source;
use crate::model::graph::{platform_of_id, EdgeFacts, NodeFacts, Platforms, TrustGraph};
use crate::model::kinds::{EdgeKind, NodeKind, Requirement, Revocation, TokenType};
use crate::model::load::{edge_warning, node_warnings, Warnings};
use crate::model::time::Timestamp;

/// A JSON string, checked and dropped.
struct Str;

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Str, E> {
                Ok(Str)
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON object with any values (`props`), checked and dropped.
struct Obj;

impl<'de> Deserialize<'de> for Obj {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Obj;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Obj, A::Error> {
                while m.next_entry::<Str, IgnoredAny>()?.is_some() {}
                Ok(Obj)
            }
        }
        d.deserialize_map(V)
    }
}

impl Default for Obj {
    fn default() -> Self {
        Obj
    }
}

/// Mirrors [`crate::model::document::Node`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // fields exist to be validated
struct NodeLite<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    kind: NodeKind,
    #[serde(default, borrow)]
    platform: Option<Cow<'a, str>>,
    #[serde(default)]
    name: Option<Str>,
    #[serde(default)]
    person: Option<Str>,
    #[serde(default)]
    criticality: Option<u8>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    tags: Vec<Str>,
    #[serde(default)]
    issued_at: Option<Timestamp>,
    #[serde(default)]
    expires_at: Option<Timestamp>,
    #[serde(default)]
    last_used_at: Option<Timestamp>,
    #[serde(default)]
    revocation: Option<Revocation>,
    #[serde(default)]
    device_bound: Option<bool>,
    #[serde(default)]
    mfa: Option<bool>,
    #[serde(default)]
    token_type: Option<TokenType>,
    #[serde(default)]
    scopes: Vec<Str>,
    #[serde(default)]
    aliases: Vec<Str>,
    #[serde(default)]
    props: Obj,
}

/// Mirrors [`crate::model::document::Edge`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct EdgeLite<'a> {
    #[serde(borrow)]
    from: Cow<'a, str>,
    #[serde(borrow)]
    to: Cow<'a, str>,
    kind: EdgeKind,
    #[serde(default)]
    requires: Vec<Requirement>,
    #[serde(default)]
    at: Option<Timestamp>,
    #[serde(default)]
    props: Obj,
}

/// Mirrors [`crate::model::document::Document`], records left raw.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc<'a> {
    version: u32,
    #[serde(default)]
    sources: Vec<Source>,
    #[serde(default, borrow)]
    nodes: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    edges: Vec<&'a RawValue>,
}

struct NodeRow<'a> {
    id: Cow<'a, str>,
    hash: u64,
    platform: Option<Cow<'a, str>>,
    facts: NodeFacts,
    span: Span,
    warnings: Warnings,
}

struct EdgeRow {
    from: u32,
    to: u32,
    facts: EdgeFacts,
    span: Span,
}

/// Why the fast path gave up; the typed path then says what is wrong.
struct GiveUp;

/// Parses `text` (the whole JSON document) into the graph and the spans of its node and edge
/// records. `None`: the document has a problem, and the caller runs the typed path, which says
/// what it is.
pub fn parse(text: &str, threads: usize) -> Option<(Parsed, Vec<Span>, Vec<Span>)> {
    parse_inner(text, threads).ok()
}

/// The graph-shaped content of a document, before its records are attached.
pub struct Parsed {
    pub graph: DiGraph<NodeFacts, EdgeFacts, u32>,
    pub ids: IdIndex,
    pub platforms: Vec<String>,
    pub sources: Vec<Source>,
    pub warnings: Warnings,
}

impl Parsed {
    pub fn into_graph(self, records: Records) -> (TrustGraph, Warnings) {
        (
            TrustGraph::from_parts(self.graph, self.ids, self.platforms, self.sources, records),
            self.warnings,
        )
    }
}

/// The top level of a document, its record lists split into element slices.
struct Split<'a> {
    version: u32,
    sources: Vec<Source>,
    nodes: Vec<&'a str>,
    edges: Vec<&'a str>,
}

/// Splits a document by scanning bytes: strings and nesting are tracked, nothing is decoded.
/// Every element is parsed strictly afterwards (and `serde_json` refuses trailing text), and
/// every separator is checked here, so a slice is always a whole element. Anything unusual
/// (escaped keys, repeated keys, a field the document does not have) returns `None` and the
/// `serde_json` raw pass decides, so the scanner never has to be right about odd documents.
///
/// With `parallel`, a second thread scans the second half meanwhile (see [`Tail`]).
fn split(text: &str, parallel: bool) -> Option<Split<'_>> {
    let start = parallel
        .then(|| resync(text.as_bytes(), text.len() / 2))
        .flatten();
    std::thread::scope(|s| {
        let mut tail = start.map(|start| Tail {
            start,
            scan: s.spawn(move || {
                let mut items = Vec::new();
                list_rest(text, start, &mut items).map(|end| (items, end))
            }),
        });
        split_top(text, &mut tail)
    })
}

/// Documents from this size are split on two threads (a thread costs tens of microseconds; a
/// megabyte takes about a millisecond to split).
const PARALLEL_SPLIT: usize = 1 << 20;

/// A guess at where an element of a record list starts, past `from`: a `{` after `}` and `,`.
/// It may be wrong (the bytes could be inside a string); [`Tail`] explains why that is safe.
fn resync(b: &[u8], from: usize) -> Option<usize> {
    let window = &b[from..b.len().min(from + (1 << 20))];
    let mut k = 0;
    while let Some(p) = window[k..].iter().position(|&c| c == b'{') {
        let at = from + k + p;
        let before = b[..at].trim_ascii_end();
        if before.ends_with(b",") && before[..before.len() - 1].trim_ascii_end().ends_with(b"}") {
            return Some(at);
        }
        k += p + 1;
    }
    None
}

/// The second thread's part of a split: the elements of one list scanned from `start` to the
/// list's end. The main scan uses them only if it arrives at exactly `start` as the beginning
/// of an element. Then `start` truly begins an element of that list, and scanning a list from an
/// element onwards depends on nothing before it, so these are the elements the main scan would
/// have found itself. If the guess was wrong the main scan passes `start` by and carries on.
struct Tail<'s, 't> {
    start: usize,
    scan: std::thread::ScopedJoinHandle<'s, Option<(Vec<&'t str>, usize)>>,
}

fn split_top<'t>(text: &'t str, tail: &mut Option<Tail<'_, 't>>) -> Option<Split<'t>> {
    let b = text.as_bytes();
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = ws(b, i + 1);
    let (mut version, mut sources, mut nodes, mut edges) = (None, None, None, None);
    if b.get(i) == Some(&b'}') {
        return None; // no version: let serde say so
    }
    loop {
        let key_end = string_end(b, i)?;
        let key = &text[i + 1..key_end - 1];
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, i + 1);
        match key {
            "nodes" | "edges" => {
                let (items, end) = elements(text, i, tail)?;
                let slot = if key == "nodes" {
                    &mut nodes
                } else {
                    &mut edges
                };
                if slot.replace(items).is_some() {
                    return None;
                }
                i = end;
            }
            "version" | "sources" => {
                let end = value_end(b, i)?;
                let raw = &text[i..end];
                if key == "version" {
                    if version
                        .replace(serde_json::from_str::<u32>(raw).ok()?)
                        .is_some()
                    {
                        return None;
                    }
                } else if sources
                    .replace(serde_json::from_str::<Vec<Source>>(raw).ok()?)
                    .is_some()
                {
                    return None;
                }
                i = end;
            }
            _ => return None,
        }
        i = ws(b, i);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    if ws(b, i + 1) != b.len() {
        return None;
    }
    Some(Split {
        version: version?,
        sources: sources.unwrap_or_default(),
        nodes: nodes.unwrap_or_default(),
        edges: edges.unwrap_or_default(),
    })
}

/// Position of the first `"` or `\\` in `b` — with `CONTROLS`, or of the first control
/// character — eight bytes at a time (strings are most of a document, and a byte-at-a-time
/// search is what made splitting slow).
#[inline]
fn special<const CONTROLS: bool>(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
        let q = w ^ (ONES * u64::from(b'"'));
        let s = w ^ (ONES * u64::from(b'\\'));
        // A zero byte in q or s (or, with CONTROLS, a byte below 0x20 in w) marks a match, exact
        // for the lowest set byte: borrows only run upwards.
        let mut hit = q.wrapping_sub(ONES) & !q | s.wrapping_sub(ONES) & !s;
        if CONTROLS {
            hit |= w.wrapping_sub(ONES * 0x20) & !w;
        }
        if hit & HIGH != 0 {
            return Some(i + ((hit & HIGH).trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || (CONTROLS && c < 0x20))
        .map(|k| i + k)
}

/// Where a string scan stops: at the closing quote or at an escape.
#[inline]
fn quote_or_backslash(b: &[u8]) -> Option<usize> {
    special::<false>(b)
}

#[inline]
fn ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
}

/// `b[i]` opens a string without escapes — with `PLAIN`, also without control characters, so
/// that serde_json would borrow it as is; the index just past its closing quote.
#[inline]
fn string_end_of<const PLAIN: bool>(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let len = special::<PLAIN>(&b[i + 1..])?;
    (b[i + 1 + len] == b'"').then_some(i + len + 2)
}

#[inline]
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    string_end_of::<false>(b, i)
}

#[inline]
fn plain_string_end(b: &[u8], i: usize) -> Option<usize> {
    string_end_of::<true>(b, i)
}

/// The index just past the value starting at `b[i]` (not validated beyond its extent).
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    match b.get(i)? {
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i += 1;
                        loop {
                            let k = quote_or_backslash(&b[i..])?;
                            i += k;
                            if b[i] == b'"' {
                                break;
                            }
                            i += 2; // an escape: skip the escaped byte
                        }
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        b'"' => {
            i += 1;
            loop {
                let k = quote_or_backslash(b.get(i..)?)?;
                i += k;
                if b[i] == b'"' {
                    return Some(i + 1);
                }
                i += 2;
            }
        }
        _ => {
            let k = b[i..]
                .iter()
                .position(|&c| matches!(c, b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(b.len() - i);
            (k > 0).then_some(i + k)
        }
    }
}

/// The elements of the list starting at `text[i]`, and the index just past it.
fn elements<'t>(
    text: &'t str,
    mut i: usize,
    tail: &mut Option<Tail<'_, 't>>,
) -> Option<(Vec<&'t str>, usize)> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut items = Vec::new();
    i = ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Some((items, i + 1));
    }
    loop {
        if tail.as_ref().is_some_and(|t| t.start == i) {
            let joined = tail.take().and_then(|t| t.scan.join().ok().flatten());
            if let Some((rest, end)) = joined {
                items.extend(rest);
                return Some((items, end));
            }
        }
        match list_step(text, i, &mut items)? {
            Step::Next(next) => i = next,
            Step::End(end) => return Some((items, end)),
        }
    }
}

enum Step {
    /// The next element starts here.
    Next(usize),
    /// The list ended; the index just past it.
    End(usize),
}

/// Scans the element at `text[i]` and the separator after it.
#[inline]
fn list_step<'t>(text: &'t str, i: usize, items: &mut Vec<&'t str>) -> Option<Step> {
    let b = text.as_bytes();
    let end = value_end(b, i)?;
    items.push(text.get(i..end)?);
    let i = ws(b, end);
    match b.get(i) {
        Some(b',') => Some(Step::Next(ws(b, i + 1))),
        Some(b']') => Some(Step::End(i + 1)),
        _ => None,
    }
}

/// The elements from the one at `text[i]` to the end of its list, into `items`; the index just
/// past the list.
fn list_rest<'t>(text: &'t str, mut i: usize, items: &mut Vec<&'t str>) -> Option<usize> {
    loop {
        match list_step(text, i, items)? {
            Step::Next(next) => i = next,
            Step::End(end) => return Some(end),
        }
    }
}

/// Walks the JSON object at `raw[i]`, calling `field(key, at)` with each key (unescaped, as
/// written) and the index of its value; `field` returns the index just past the value, or `None`
/// to give up. The index just past the object; `None` for anything but an object with plain
/// keys.
#[inline]
fn object_at(
    raw: &str,
    i: usize,
    mut field: impl FnMut(&str, usize) -> Option<usize>,
) -> Option<usize> {
    let b = raw.as_bytes();
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        let (key, key_end) = plain_at(raw, i)?;
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, field(key, ws(b, i + 1))?);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// [`object_at`] for a whole record: an object with nothing but white space around it.
#[inline]
fn object_fields(raw: &str, field: impl FnMut(&str, usize) -> Option<usize>) -> Option<()> {
    let b = raw.as_bytes();
    let end = object_at(raw, ws(b, 0), field)?;
    (ws(b, end) == b.len()).then_some(())
}

/// `props` as it usually is — plain keys, and values that are plain strings, booleans or
/// `null` — checked here; anything else (numbers, nesting, escapes) by serde.
#[inline]
fn props_at(raw: &str, i: usize) -> Option<(Obj, usize)> {
    let b = raw.as_bytes();
    let scalar = |k: usize| match b.get(k)? {
        b'"' => Some(plain_at(raw, k)?.1),
        b't' if b[k..].starts_with(b"true") => Some(k + 4),
        b'f' if b[k..].starts_with(b"false") => Some(k + 5),
        b'n' if b[k..].starts_with(b"null") => Some(k + 4),
        _ => None,
    };
    match object_at(raw, i, |_, k| scalar(k)) {
        Some(end) => Some((Obj, end)),
        None => serde_at(raw, i),
    }
}

/// A list of strings (`tags`, `scopes`, `aliases`) of plain strings checked here; anything else by serde.
#[inline]
fn strings_at(raw: &str, i: usize) -> Option<(Vec<Str>, usize)> {
    let b = raw.as_bytes();
    let quick = || {
        if b.get(i) != Some(&b'[') {
            return None;
        }
        let mut k = ws(b, i + 1);
        let mut items = Vec::new();
        if b.get(k) == Some(&b']') {
            return Some((items, k + 1));
        }
        loop {
            k = ws(b, plain_at(raw, k)?.1);
            items.push(Str); // zero-sized: no allocation
            match b.get(k) {
                Some(b',') => k = ws(b, k + 1),
                Some(b']') => return Some((items, k + 1)),
                _ => return None,
            }
        }
    };
    quick().or_else(|| serde_at(raw, i))
}

/// Stores `value` in an empty `slot`; `None` for a key given twice, which serde refuses.
#[inline]
fn once<T>(slot: &mut Option<T>, value: T, end: usize) -> Option<usize> {
    slot.replace(value).is_none().then_some(end)
}

/// The plain string at `raw[i]` (no escapes, no control characters: serde borrows it as is),
/// and the index just past it.
#[inline]
fn plain_at(raw: &str, i: usize) -> Option<(&str, usize)> {
    let end = plain_string_end(raw.as_bytes(), i)?;
    Some((&raw[i + 1..end - 1], end))
}

/// The value at `raw[i]` read by serde, and the index just past it: for the values the quick
/// readers leave to serde (lists, `props`, anything unusual).
#[inline]
fn serde_at<'a, T: Deserialize<'a>>(raw: &'a str, i: usize) -> Option<(T, usize)> {
    let end = value_end(raw.as_bytes(), i)?;
    Some((serde_json::from_str(&raw[i..end]).ok()?, end))
}

/// An optional value at `raw[i]`: `null`, a plain string read by `parse` (`None` from it gives
/// up, as serde would refuse it), or anything else read by serde.
#[inline]
fn optional_at<'a, T: Deserialize<'a>>(
    raw: &'a str,
    i: usize,
    parse: impl FnOnce(&'a str) -> Option<T>,
) -> Option<(Option<T>, usize)> {
    let b = raw.as_bytes();
    match b.get(i)? {
        b'"' => match plain_at(raw, i) {
            Some((s, end)) => Some((Some(parse(s)?), end)),
            None => serde_at(raw, i),
        },
        b'n' if b[i..].starts_with(b"null") => Some((None, i + 4)),
        _ => serde_at(raw, i),
    }
}

/// `true` or `false` at `raw[i]`, anything else read by serde.
#[inline]
fn optional_bool_at(raw: &str, i: usize) -> Option<(Option<bool>, usize)> {
    let b = &raw.as_bytes()[i..];
    if b.starts_with(b"true") {
        Some((Some(true), i + 4))
    } else if b.starts_with(b"false") {
        Some((Some(false), i + 5))
    } else {
        optional_at(raw, i, |_| None)
    }
}

/// A criticality: a small unsigned integer written plainly (no sign, fraction, exponent or
/// leading zero), anything else read by serde.
#[inline]
fn optional_u8_at(raw: &str, i: usize) -> Option<(Option<u8>, usize)> {
    let b = raw.as_bytes();
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let plain = (1..=3).contains(&digits)
        && (digits == 1 || b[i] != b'0')
        && !matches!(b.get(i + digits), Some(b'.' | b'e' | b'E'));
    match plain {
        true => {
            let n = b[i..i + digits]
                .iter()
                .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
            Some((Some(u8::try_from(n).ok()?), i + digits))
        }
        false => optional_at(raw, i, |_| None),
    }
}

/// The usual edge record — `from`, `to` and `kind` as plain strings, maybe `requires`, `at` and
/// `props`, each key once and unescaped — read without serde's generic machinery, which was
/// most of the cost of two million edges. `None` for anything else, and the record goes to
/// serde, whose verdict stands; a record read here is one serde reads the same
/// (`quick_edges_read_as_serde_does`). Lists, `props` and unusual values are handed to serde.
fn quick_edge(raw: &str) -> Option<EdgeLite<'_>> {
    let (mut from, mut to, mut kind) = (None, None, None);
    let (mut requires, mut at, mut props) = (None, None, None);
    object_fields(raw, |key, i| match key {
        "from" => plain_at(raw, i).and_then(|(s, end)| once(&mut from, s, end)),
        "to" => plain_at(raw, i).and_then(|(s, end)| once(&mut to, s, end)),
        "kind" => {
            let (s, end) = plain_at(raw, i)?;
            once(&mut kind, EdgeKind::parse(s)?, end)
        }
        "requires" => serde_at(raw, i).and_then(|(v, end)| once(&mut requires, v, end)),
        "at" => {
            let (t, end) = optional_at(raw, i, |s| Timestamp::parse(s).ok())?;
            once(&mut at, t, end)
        }
        "props" => props_at(raw, i).and_then(|(v, end)| once(&mut props, v, end)),
        _ => None,
    })?;
    Some(EdgeLite {
        from: Cow::Borrowed(from?),
        to: Cow::Borrowed(to?),
        kind: kind?,
        requires: requires.unwrap_or_default(),
        at: at.flatten(),
        props: Obj,
    })
}

/// The usual node record, read like [`quick_edge`]: every field of [`NodeLite`], strings plain,
/// each key once; lists, `props` and unusual values are handed to serde, and anything else
/// gives the whole record to serde (`quick_nodes_read_as_serde_does`).
fn quick_node(raw: &str) -> Option<NodeLite<'_>> {
    let (mut id, mut kind, mut platform, mut name, mut person) = (None, None, None, None, None);
    let (mut criticality, mut enabled, mut tags) = (None, None, None);
    let (mut issued_at, mut expires_at, mut last_used_at) = (None, None, None);
    let (mut revocation, mut device_bound, mut mfa) = (None, None, None);
    let (mut token_type, mut scopes, mut props) = (None, None, None);
    let mut aliases = None;
    let time = |s: &str| Timestamp::parse(s).ok();
    object_fields(raw, |key, i| match key {
        "id" => plain_at(raw, i).and_then(|(s, end)| once(&mut id, s, end)),
        "kind" => {
            let (s, end) = plain_at(raw, i)?;
            once(&mut kind, NodeKind::parse(s)?, end)
        }
        "platform" => {
            let (v, end) = optional_at(raw, i, |s| Some(Cow::Borrowed(s)))?;
            once(&mut platform, v, end)
        }
        "name" => optional_at(raw, i, |_| Some(Str)).and_then(|(v, e)| once(&mut name, v, e)),
        "person" => optional_at(raw, i, |_| Some(Str)).and_then(|(v, e)| once(&mut person, v, e)),
        "criticality" => optional_u8_at(raw, i).and_then(|(v, e)| once(&mut criticality, v, e)),
        "enabled" => optional_bool_at(raw, i).and_then(|(v, e)| once(&mut enabled, v, e)),
        "tags" => strings_at(raw, i).and_then(|(v, e)| once(&mut tags, v, e)),
        "issued_at" => optional_at(raw, i, time).and_then(|(v, e)| once(&mut issued_at, v, e)),
        "expires_at" => optional_at(raw, i, time).and_then(|(v, e)| once(&mut expires_at, v, e)),
        "last_used_at" => {
            optional_at(raw, i, time).and_then(|(v, e)| once(&mut last_used_at, v, e))
        }
        "revocation" => {
            optional_at(raw, i, Revocation::parse).and_then(|(v, e)| once(&mut revocation, v, e))
        }
        "device_bound" => optional_bool_at(raw, i).and_then(|(v, e)| once(&mut device_bound, v, e)),
        "mfa" => optional_bool_at(raw, i).and_then(|(v, e)| once(&mut mfa, v, e)),
        "token_type" => {
            optional_at(raw, i, TokenType::parse).and_then(|(v, e)| once(&mut token_type, v, e))
        }
        "scopes" => strings_at(raw, i).and_then(|(v, e)| once(&mut scopes, v, e)),
        "aliases" => strings_at(raw, i).and_then(|(v, e)| once(&mut aliases, v, e)),
        "props" => props_at(raw, i).and_then(|(v, e)| once(&mut props, v, e)),
        _ => None,
    })?;
    Some(NodeLite {
        id: Cow::Borrowed(id?),
        kind: kind?,
        platform: platform.flatten(),
        name: name.flatten(),
        person: person.flatten(),
        criticality: criticality.flatten(),
        enabled: enabled.flatten(),
        tags: tags.unwrap_or_default(),
        issued_at: issued_at.flatten(),
        expires_at: expires_at.flatten(),
        last_used_at: last_used_at.flatten(),
        revocation: revocation.flatten(),
        device_bound: device_bound.flatten(),
        mfa: mfa.flatten(),
        token_type: token_type.flatten(),
        scopes: scopes.unwrap_or_default(),
        aliases: aliases.unwrap_or_default(),
        props: Obj,
    })
}

fn span_of(text: &str, s: &str) -> Result<Span, GiveUp> {
    Ok(Span {
        start: (s.as_ptr() as usize - text.as_ptr() as usize) as u64,
        len: u32::try_from(s.len()).map_err(|_| GiveUp)?,
    })
}

/// Rows built on up to `threads` threads, kept as the threads' parts: concatenating them would
/// copy every row once more into fresh memory (hundreds of megabytes at a million nodes).
struct Parts<R>(Vec<Vec<R>>);

impl<R> Parts<R> {
    fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    fn iter(&self) -> impl Iterator<Item = &R> {
        self.0.iter().flatten()
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut R> {
        self.0.iter_mut().flatten()
    }

    fn into_iter(self) -> impl Iterator<Item = R> {
        self.0.into_iter().flatten()
    }
}

/// Runs `f` on consecutive chunks of `items` on up to `threads` threads. `f` gets the chunk's
/// offset, the chunk and a vector with room for one row per item, which it fills in order.
fn chunked<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(usize, &[T], &mut Vec<R>) -> Result<(), GiveUp> + Sync,
) -> Result<Parts<R>, GiveUp> {
    let run = |offset: usize, chunk: &[T]| {
        let mut rows = Vec::with_capacity(chunk.len());
        f(offset, chunk, &mut rows).map(|()| rows)
    };
    let threads = threads.clamp(1, 16);
    if threads == 1 || items.len() < 4096 {
        return Ok(Parts(vec![run(0, items)?]));
    }
    let size = items.len().div_ceil(threads);
    let parts: Vec<Result<Vec<R>, GiveUp>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(k, chunk)| {
                let run = &run;
                s.spawn(move || run(k * size, chunk))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(GiveUp)))
            .collect()
    });
    Ok(Parts(parts.into_iter().collect::<Result<_, _>>()?))
}

fn node_row<'a>(text: &'a str, i: usize, raw: &'a str) -> Result<NodeRow<'a>, GiveUp> {
    let n: NodeLite<'a> = match quick_node(raw) {
        Some(n) => n,
        None => serde_json::from_str(raw).map_err(|_| GiveUp)?,
    };
    if n.id.is_empty() || n.criticality.is_some_and(|c| c > 10) {
        return Err(GiveUp);
    }
    let mut warnings = Vec::new();
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
    Ok(NodeRow {
        facts: NodeFacts {
            kind: n.kind,
            criticality: n.criticality.unwrap_or(0),
            enabled: n.enabled.unwrap_or(true),
            device_bound: n.device_bound.unwrap_or(false),
            mfa: n.mfa,
            platform: 0,
            issued_at: n.issued_at.map_or(i64::MIN, Timestamp::as_millis),
            expires_at: n.expires_at.map_or(i64::MAX, Timestamp::as_millis),
        },
        hash: hash(n.id.as_bytes()),
        id: n.id,
        platform: n.platform,
        span: span_of(text, raw)?,
        warnings,
    })
}

fn parse_inner(text: &str, threads: usize) -> Result<(Parsed, Vec<Span>, Vec<Span>), GiveUp> {
    let raw = match split(text, threads > 1 && text.len() >= PARALLEL_SPLIT) {
        Some(split) => split,
        None => {
            let raw: RawDoc = serde_json::from_str(text).map_err(|_| GiveUp)?;
            Split {
                version: raw.version,
                sources: raw.sources,
                nodes: raw.nodes.into_iter().map(RawValue::get).collect(),
                edges: raw.edges.into_iter().map(RawValue::get).collect(),
            }
        }
    };
    if raw.version != 1
        || raw.nodes.len() >= u32::MAX as usize
        || raw.edges.len() >= u32::MAX as usize
    {
        return Err(GiveUp);
    }
    let mut rows = chunked(&raw.nodes, threads, |offset, chunk, out| {
        for (k, r) in chunk.iter().enumerate() {
            out.push(node_row(text, offset + k, r)?);
        }
        Ok(())
    })?;

    let bytes = rows.iter().map(|r| r.id.len()).sum();
    let mut ids = IdIndex::with_capacity(rows.len(), bytes);
    let mut platforms = Platforms::default();
    let mut graph = DiGraph::with_capacity(rows.len(), raw.edges.len());
    let mut node_spans = Vec::with_capacity(rows.len());
    let mut warnings = Vec::new();
    // Consecutive nodes mostly share a platform: skip the map for a repeat.
    let mut last_platform: Option<(&str, u32)> = None;
    // Each push probes the table at a random place: ask for the slot a few rows ahead.
    let mut ahead = rows.iter().skip(16);
    for row in rows.iter() {
        if let Some(a) = ahead.next() {
            ids.prefetch_slot(a.hash);
        }
        ids.push_hashed(&row.id, row.hash).map_err(|_| GiveUp)?;
        let p = row
            .platform
            .as_deref()
            .unwrap_or_else(|| platform_of_id(&row.id));
        let mut facts = row.facts;
        facts.platform = match last_platform {
            Some((name, i)) if name == p => i,
            _ => {
                let i = platforms.intern(p);
                last_platform = Some((p, i));
                i
            }
        };
        graph.add_node(facts);
        node_spans.push(row.span);
    }
    drop(ahead);
    for row in rows.iter_mut() {
        warnings.append(&mut row.warnings);
    }
    drop(rows);
    let ids_ref = &ids;
    let edge_rows = chunked(&raw.edges, threads, |offset, chunk, out| {
        // Edges are parsed a batch at a time and their ends looked up together, so the lookups'
        // cache misses overlap (`IdIndex::get_batch`).
        const BATCH: usize = 32;
        let mut parsed: Vec<EdgeLite> = Vec::with_capacity(BATCH);
        let mut found = Vec::with_capacity(2 * BATCH);
        for (b, batch) in chunk.chunks(BATCH).enumerate() {
            parsed.clear();
            for r in batch {
                parsed.push(match quick_edge(r) {
                    Some(e) => e,
                    None => serde_json::from_str(r).map_err(|_| GiveUp)?,
                });
            }
            let mut keys = [("", 0u64); 2 * BATCH];
            for (k, e) in parsed.iter().enumerate() {
                keys[2 * k] = (&e.from, hash(e.from.as_bytes()));
                keys[2 * k + 1] = (&e.to, hash(e.to.as_bytes()));
            }
            ids_ref.get_batch(&keys[..2 * parsed.len()], &mut found);
            for (k, (e, r)) in parsed.iter().zip(batch).enumerate() {
                let (from, to) = (found[2 * k].ok_or(GiveUp)?, found[2 * k + 1].ok_or(GiveUp)?);
                out.push(EdgeRow {
                    from: from as u32,
                    to: to as u32,
                    facts: EdgeFacts {
                        kind: e.kind,
                        requires: e.requires.iter().fold(0u8, |acc, r| acc | r.bit()),
                        doc_index: (offset + b * BATCH + k) as u32,
                    },
                    span: span_of(text, r)?,
                });
            }
        }
        Ok(())
    })?;
    let mut edge_spans = Vec::with_capacity(edge_rows.len());
    for (j, row) in edge_rows.into_iter().enumerate() {
        let (a, b) = (
            NodeIndex::new(row.from as usize),
            NodeIndex::new(row.to as usize),
        );
        let kinds = (graph[a].kind, graph[b].kind);
        warnings.extend(edge_warning(
            j,
            ids.id(a.index()),
            row.facts.kind,
            ids.id(b.index()),
            kinds,
        ));
        graph.add_edge(a, b, row.facts);
        edge_spans.push(row.span);
    }
    Ok((
        Parsed {
            graph,
            ids,
            platforms: platforms.names,
            sources: raw.sources,
            warnings,
        },
        node_spans,
        edge_spans,
    ))
}

#[cfg(test)]
mod tests;
