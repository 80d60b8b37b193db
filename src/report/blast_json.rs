//! `heir blast --format json`, written directly from the result. An admin-sized answer is
//! hundreds of megabytes (a row and a path per reached node): going through serde's generic
//! machinery was most of the command's time, and building the [`BlastReport`] rows first (fresh
//! memory for every row) a visible share of the rest. The output is byte for byte
//! `serde_json::to_writer_pretty` of the [`BlastReport`] — the contract's reference, which the
//! tests hold this writer to.

use std::io::{self, Write};

use crate::analysis::blast::{BlastResult, Blocked, Reached};
use crate::model::{Timestamp, TrustGraph};
#[cfg(doc)]
use crate::report::blast::BlastReport;
use crate::store::ids::json_plain;
use crate::sys::par;
use crate::sys::read_ahead;

/// Rows formatted as one piece (`par::write_ordered`): enough to repay a hand-over between
/// threads, few enough that both cores stay busy to the end of an answer.
const ROWS_PER_CHUNK: usize = 256;

struct Pretty<'b> {
    buf: &'b mut Vec<u8>,
    /// The window written last and its text. Rows are sorted by window within a criticality, and
    /// one bottleneck (the stolen session's expiry) usually bounds most of a large answer, so
    /// most rows repeat the row before.
    last_time: Option<(Timestamp, [u8; 24], usize)>,
    /// The credential that bounded the previous row's window, and whether its end is assumed.
    last_basis: Option<(
        petgraph::graph::NodeIndex,
        Option<crate::model::liveness::ExpiryBasis>,
    )>,
}

impl<'b> Pretty<'b> {
    fn new(buf: &'b mut Vec<u8>) -> Self {
        Pretty {
            buf,
            last_time: None,
            last_basis: None,
        }
    }
}

impl Pretty<'_> {
    fn raw(&mut self, s: &[u8]) {
        self.buf.extend_from_slice(s);
    }

    fn indent(&mut self, level: usize) {
        const LINE: &[u8] = b"\n                ";
        self.buf.extend_from_slice(&LINE[..1 + 2 * level]);
    }

    /// A JSON string with serde_json's escapes: `\"`, `\\`, the short forms of backspace,
    /// form feed, newline, carriage return and tab, `\u00XX` for other control characters, and
    /// everything else as is.
    fn string(&mut self, s: &str) {
        self.buf.push(b'"');
        let bytes = s.as_bytes();
        if json_plain(bytes) {
            self.buf.extend_from_slice(bytes);
        } else {
            for &b in bytes {
                match b {
                    b'"' => self.raw(b"\\\""),
                    b'\\' => self.raw(b"\\\\"),
                    0x08 => self.raw(b"\\b"),
                    0x0C => self.raw(b"\\f"),
                    b'\n' => self.raw(b"\\n"),
                    b'\r' => self.raw(b"\\r"),
                    b'\t' => self.raw(b"\\t"),
                    0..=0x1F => {
                        const HEX: &[u8; 16] = b"0123456789abcdef";
                        self.raw(b"\\u00");
                        self.buf.push(HEX[(b >> 4) as usize]);
                        self.buf.push(HEX[(b & 0xF) as usize]);
                    }
                    _ => self.buf.push(b),
                }
            }
        }
        self.buf.push(b'"');
    }

    /// A string the caller knows needs no escaping ([`json_plain`]), quoted as it is.
    fn quoted(&mut self, s: &str) {
        debug_assert!(json_plain(s.as_bytes()), "{s:?} needs escaping");
        self.buf.push(b'"');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(b'"');
    }

    /// An id: as it is when the graph knows no id needs escaping, else as [`Self::string`].
    fn id(&mut self, id: &str, plain: bool) {
        if plain {
            self.quoted(id);
        } else {
            self.string(id);
        }
    }

    fn time(&mut self, t: Option<Timestamp>) {
        match t {
            Some(t) => {
                // Digits and separators only: nothing to escape.
                self.buf.push(b'"');
                match self.last_time {
                    Some((last, text, n)) if last == t => self.buf.extend_from_slice(&text[..n]),
                    _ => match t.canonical_bytes() {
                        Some((text, n)) => {
                            self.buf.extend_from_slice(&text[..n]);
                            self.last_time = Some((t, text, n));
                        }
                        None => t.write_canonical(self.buf),
                    },
                }
                self.buf.push(b'"');
            }
            None => self.raw(b"null"),
        }
    }

    fn boolean(&mut self, b: bool) {
        self.raw(if b { b"true" } else { b"false" });
    }

    /// `quoted` is the key with its quotes and the separator: `"id": `.
    fn key(&mut self, level: usize, first: bool, quoted: &[u8]) {
        if !first {
            self.buf.push(b',');
        }
        self.indent(level);
        self.raw(quoted);
    }

    /// An array of strings at `level`, `[]` when empty.
    fn strings<'s>(&mut self, level: usize, items: impl IntoIterator<Item = &'s str>) {
        self.buf.push(b'[');
        let mut any = false;
        for s in items {
            if any {
                self.buf.push(b',');
            }
            self.indent(level + 1);
            self.string(s);
            any = true;
        }
        if any {
            self.indent(level);
        }
        self.buf.push(b']');
    }

    /// A reached row, as [`crate::report::blast::ReachedEntry`] serialises.
    fn reached(&mut self, g: &TrustGraph, result: &BlastResult, r: &Reached) {
        let l = 3;
        let facts = g.facts(r.node);
        let plain = g.ids_known_plain();
        self.buf.push(b'{');
        self.key(l, true, b"\"id\": ");
        self.id(g.id(r.node), plain);
        self.key(l, false, b"\"kind\": ");
        self.quoted(facts.kind.as_str()); // the vocabulary's snake_case names
        self.key(l, false, b"\"criticality\": ");
        let c = facts.criticality;
        if c >= 100 {
            self.buf.push(b'0' + c / 100);
        }
        if c >= 10 {
            self.buf.push(b'0' + c / 10 % 10);
        }
        self.buf.push(b'0' + c % 10);
        self.key(l, false, b"\"path\": ");
        self.buf.push(b'[');
        let mut first = true;
        result.for_each_path_id(g, r, |id| {
            if !first {
                self.buf.push(b',');
            }
            self.indent(l + 1);
            self.id(id, plain);
            first = false;
        });
        if !first {
            self.indent(l);
        }
        self.buf.push(b']');
        self.key(l, false, b"\"until\": ");
        self.time(r.until);
        // Most rows share the window of one credential (the stolen session's): ask the graph
        // once per run of rows with the same one.
        let bound = result.window_credential(g, r);
        let basis = match self.last_basis {
            Some((n, b)) if Some(n) == bound => b,
            _ => {
                let b = bound
                    .and_then(|n| g.expiry_basis(n))
                    .filter(|b| *b != crate::model::liveness::ExpiryBasis::Observed);
                if let Some(n) = bound {
                    self.last_basis = Some((n, b));
                }
                b
            }
        };
        if let Some(basis) = basis {
            self.key(l, false, b"\"until_basis\": ");
            self.quoted(basis.as_str());
        }
        self.key(l, false, b"\"persistent\": ");
        self.boolean(r.persistent);
        self.key(l, false, b"\"platform\": ");
        self.string(g.platform(r.node));
        self.key(l, false, b"\"complete\": ");
        self.boolean(g.complete(r.node));
        self.indent(l - 1);
        self.buf.push(b'}');
    }

    /// A blocked row, as [`crate::report::blast::BlockedEntry`] serialises.
    fn blocked(&mut self, g: &TrustGraph, b: &Blocked) {
        let l = 3;
        let (from, to) = g.graph.edge_endpoints(b.edge).expect("edge of this graph");
        let plain = g.ids_known_plain();
        self.buf.push(b'{');
        self.key(l, true, b"\"id\": ");
        self.id(g.id(b.node), plain);
        self.key(l, false, b"\"by\": ");
        self.strings(l, b.by.iter().map(|x| x.as_str()));
        self.key(l, false, b"\"edge\": ");
        self.buf.push(b'{');
        self.key(l + 1, true, b"\"from\": ");
        self.id(g.id(from), plain);
        self.key(l + 1, false, b"\"to\": ");
        self.id(g.id(to), plain);
        self.key(l + 1, false, b"\"kind\": ");
        self.quoted(g.graph[b.edge].kind.as_str());
        self.indent(l);
        self.buf.push(b'}');
        self.indent(l - 1);
        self.buf.push(b'}');
    }

    /// A non-empty array of objects at level 1 written by `one`, `[]` when empty. What is
    /// buffered is written first, then the rows, formatted in chunks on every core
    /// ([`par::write_ordered`]). `ahead` is called for the item a few places on: rows read data
    /// scattered over the graph, and asking for it early overlaps the cache misses.
    fn objects<T: Sync>(
        &mut self,
        out: &mut dyn Write,
        items: &[T],
        ahead: impl Fn(&T) + Sync,
        one: impl Fn(&mut Pretty<'_>, &T) + Sync,
    ) -> io::Result<()> {
        self.buf.push(b'[');
        out.write_all(self.buf)?;
        self.buf.clear();
        par::write_ordered(out, items, ROWS_PER_CHUNK, |offset, run, buf| {
            let mut w = Pretty::new(buf);
            for (k, item) in read_ahead(run, 4, &ahead).enumerate() {
                if offset + k > 0 {
                    w.buf.push(b',');
                }
                w.indent(2);
                one(&mut w, item);
            }
        })?;
        if !items.is_empty() {
            self.indent(1);
        }
        self.buf.push(b']');
        Ok(())
    }
}

/// Writes `result`'s [`BlastReport`] as `serde_json::to_writer_pretty` would, without the
/// trailing newline.
pub fn write_blast(out: &mut dyn Write, g: &TrustGraph, result: &BlastResult) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 << 10);
    let mut w = Pretty::new(&mut buf);
    let query = &result.query;
    w.buf.push(b'{');
    w.key(1, true, b"\"from\": ");
    w.strings(1, query.from.iter().map(|&s| g.id(s)));
    w.key(1, false, b"\"at\": ");
    w.time(Some(query.at));
    w.key(1, false, b"\"attacker\": ");
    w.string(query.attacker.as_str());
    w.key(1, false, b"\"incomplete_sources\": ");
    w.strings(1, result.incomplete_sources.iter().map(String::as_str));
    w.key(1, false, b"\"reached\": ");
    // Rows read the node's facts and id and the path's last step, scattered over the graph:
    // asked for a few rows ahead, the cache misses overlap.
    w.objects(
        out,
        &result.reached,
        |r| {
            g.prefetch_node(r.node);
            result.prefetch_path(r);
        },
        |w: &mut Pretty<'_>, r| w.reached(g, result, r),
    )?;
    w.key(1, false, b"\"blocked\": ");
    w.objects(
        out,
        &result.blocked,
        |b| {
            g.prefetch_node(b.node);
            g.prefetch_edge(b.edge);
        },
        |w: &mut Pretty<'_>, b| w.blocked(g, b),
    )?;
    if !result.dead_sources.is_empty() {
        w.key(1, false, b"\"dead_sources\": ");
        w.strings(1, result.dead_sources.iter().map(|&s| g.id(s)));
    }
    w.indent(0);
    w.buf.push(b'}');
    out.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::blast::{blast, BlastQuery};
    use crate::model::{
        Attacker, Document, Edge, EdgeKind, Node, NodeKind, Requirement, TrustGraph,
    };

    /// Hostile ids (quotes, backslashes, every control character, non-ASCII), blocked entries,
    /// a dead source, windows and persistence: the writer matches serde_json byte for byte.
    #[test]
    fn matches_serde_json_on_hostile_ids() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let weird = format!("okta:user:\"q\"\\b\\{controls}\u{7f}é✓");
        let mut doc = Document::default();
        let mut session = Node::new("okta:session:s\"1", NodeKind::Session);
        session.expires_at = Timestamp::parse("2026-11-21T00:00:00.5Z").ok();
        doc.nodes.push(session);
        let mut dead = Node::new("okta:session:dead\n", NodeKind::Session);
        dead.expires_at = Timestamp::parse("2020-01-01T00:00:00Z").ok();
        doc.nodes.push(dead);
        doc.nodes.push(Node::new(weird.clone(), NodeKind::User));
        let mut app = Node::new("app:\\x", NodeKind::App);
        app.criticality = Some(10);
        doc.nodes.push(app);
        doc.nodes.push(Node::new("app:mfa\t", NodeKind::App));
        doc.edges.push(Edge::new(
            "okta:session:s\"1",
            weird.clone(),
            EdgeKind::AuthenticatesAs,
        ));
        doc.edges
            .push(Edge::new(weird.clone(), "app:\\x", EdgeKind::AdminOf));
        let mut guarded = Edge::new(weird, "app:mfa\t", EdgeKind::Sso);
        guarded.requires = vec![Requirement::Mfa, Requirement::ManagedDevice];
        doc.edges.push(guarded);
        let g = TrustGraph::new(doc);
        for from in [
            vec!["okta:session:s\"1"],
            vec!["okta:session:s\"1", "okta:session:dead\n"],
            vec!["okta:session:dead\n"],
        ] {
            let q = BlastQuery {
                from: from.iter().map(|f| g.index(f).unwrap()).collect(),
                at: Timestamp::parse("2026-11-20T10:00:00Z").unwrap(),
                attacker: Attacker::OffDevice,
            };
            let result = blast(&g, &q);
            let report = result.report(&g);
            let mut direct = Vec::new();
            write_blast(&mut direct, &g, &result).unwrap();
            let reference = serde_json::to_string_pretty(&report).unwrap();
            assert_eq!(String::from_utf8(direct).unwrap(), reference);
        }
    }

    /// An answer large enough to be built and formatted on several threads (more rows than
    /// `map_chunks` keeps on one thread, many chunks of `ROWS_PER_CHUNK`, paths of different
    /// lengths, blocked rows): still serde_json's output, byte for byte.
    #[test]
    fn large_answers_written_in_parallel_match_serde_json() {
        let mut doc = Document::default();
        let mut session = Node::new("okta:session:s", NodeKind::Session);
        session.expires_at = Timestamp::parse("2026-11-21T00:00:00Z").ok();
        doc.nodes.push(session);
        doc.nodes.push(Node::new("okta:user:admin", NodeKind::User));
        doc.nodes.push(Node::new("okta:role:super", NodeKind::Role));
        doc.edges.push(Edge::new(
            "okta:session:s",
            "okta:user:admin",
            EdgeKind::AuthenticatesAs,
        ));
        doc.edges.push(Edge::new(
            "okta:user:admin",
            "okta:role:super",
            EdgeKind::MemberOf,
        ));
        for i in 0..18_000 {
            let user = format!("okta:user:u{i}");
            let mut node = Node::new(user.clone(), NodeKind::User);
            node.criticality = Some((i % 11) as u8);
            doc.nodes.push(node);
            doc.edges.push(Edge::new(
                "okta:role:super",
                user.clone(),
                EdgeKind::CanAssume,
            ));
            if i % 3 == 0 {
                let app = format!("app:a{i}");
                doc.nodes.push(Node::new(app.clone(), NodeKind::App));
                let mut sso = Edge::new(user, app, EdgeKind::Sso);
                if i % 2 == 0 {
                    sso.requires = vec![Requirement::ManagedDevice];
                }
                doc.edges.push(sso);
            }
        }
        let g = TrustGraph::new(doc);
        let q = BlastQuery {
            from: vec![g.index("okta:session:s").unwrap()],
            at: Timestamp::parse("2026-11-20T10:00:00Z").unwrap(),
            attacker: Attacker::OffDevice,
        };
        let result = blast(&g, &q);
        let report = result.report(&g);
        assert!(report.reached.len() > 20_000 && report.blocked.len() > 2_000);
        let mut direct = Vec::new();
        write_blast(&mut direct, &g, &result).unwrap();
        let reference = serde_json::to_string_pretty(&report).unwrap();
        assert!(String::from_utf8(direct).unwrap() == reference);
    }
}
