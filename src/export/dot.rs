//! Graphviz DOT: pictures of the whole graph or of one blast radius.
//!
//! Everything that comes from the data goes through [`quote`], so ids and names with quotes,
//! backslashes, newlines or markup-looking characters cannot break (or inject into) the DOT text.
//! The text is written as it is produced (a whole-graph picture of a large estate is hundreds of
//! megabytes), in the layout graphviz-rust's printer gave it: the golden files pin it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::analysis::blast::BlastResult;
use crate::model::{EdgeKind, Node, NodeKind, TrustGraph};

/// A DOT double-quoted string. Backslash escapes are interpreted by Graphviz inside labels (`\n`,
/// `\l`, `\N`…), so a literal backslash is doubled; quotes are escaped; line breaks become `\n`;
/// other control characters are dropped.
pub fn quote(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_quoted(&mut out, s).expect("writing to memory");
    String::from_utf8(out).expect("quoting keeps UTF-8")
}

/// [`quote`] straight into a writer: unescaped runs are copied as they are.
fn write_quoted(w: &mut dyn Write, s: &str) -> io::Result<()> {
    w.write_all(b"\"")?;
    let mut run = 0;
    for (at, c) in s.char_indices() {
        let replacement: &[u8] = match c {
            '"' => b"\\\"",
            '\\' => b"\\\\",
            '\n' => b"\\n",
            c if c.is_control() => b"",
            _ => continue,
        };
        w.write_all(&s.as_bytes()[run..at])?;
        w.write_all(replacement)?;
        run = at + c.len_utf8();
    }
    w.write_all(&s.as_bytes()[run..])?;
    w.write_all(b"\"")
}

/// Shape and fill per node kind: people are boxes, NHIs hexagons, credentials notes.
pub fn style(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::User => ("box", "#cfe2ff"),
        NodeKind::ServiceAccount => ("hexagon", "#ffe5b4"),
        NodeKind::Group => ("box3d", "#e2e3e5"),
        NodeKind::Role => ("octagon", "#e0cffc"),
        NodeKind::Device => ("box", "#d1e7dd"),
        NodeKind::Workload => ("component", "#ffe5b4"),
        NodeKind::Idp => ("doubleoctagon", "#f8d7da"),
        NodeKind::App => ("tab", "#d3d3f5"),
        NodeKind::Resource => ("cylinder", "#fff3cd"),
        NodeKind::Session => ("note", "#f5c2c7"),
        NodeKind::Token => ("note", "#f8d7da"),
        NodeKind::OauthGrant => ("note", "#fde2cf"),
    }
}

/// A node's label: name, kind and criticality, and the id when the name differs.
fn node_label(label: &mut String, n: &Node) {
    let _ = write!(label, "{}\n{}", n.display_name(), n.kind);
    if n.criticality() > 0 {
        let _ = write!(label, " · crit {}", n.criticality());
    }
    if n.display_name() != n.id {
        let _ = write!(label, "\n{}", n.id);
    }
}

/// What a picture should show beyond the plain graph.
#[derive(Default)]
struct Marks {
    sources: HashSet<NodeIndex>,
    bold_edges: HashSet<EdgeIndex>,
    /// Refused edges and what refused them.
    blocked: BTreeMap<EdgeIndex, String>,
    /// Text appended to a node's label (the window).
    notes: BTreeMap<NodeIndex, String>,
}

/// Writes the picture: graph attributes, one cluster per platform (in name order, members in
/// index order), then the edges in index order.
fn render(
    w: &mut dyn Write,
    g: &TrustGraph,
    title: &str,
    nodes: &[NodeIndex],
    edges: &mut dyn Iterator<Item = EdgeIndex>,
    marks: &Marks,
) -> io::Result<()> {
    writeln!(w, "digraph heir {{")?;
    write!(w, "  label=")?;
    write_quoted(w, title)?;
    w.write_all(
        b"\n  labelloc=\"t\"\n  rankdir=\"LR\"\n  fontname=\"Helvetica\"\n  \
          node[style=\"filled\" fontname=\"Helvetica\" fontsize=\"10\"]\n  \
          edge[fontname=\"Helvetica\" fontsize=\"9\"]\n",
    )?;
    // Clusters per platform, in platform order; members in index order.
    let mut by_platform: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
    for &i in nodes {
        by_platform.entry(g.platform(i)).or_default().push(i);
    }
    let mut label = String::new();
    for (k, (platform, members)) in by_platform.iter().enumerate() {
        write!(w, "  subgraph cluster_{k} {{\n    label=")?;
        write_quoted(w, platform)?;
        w.write_all(b"\n    style=\"rounded\"\n    color=\"#999999\"\n")?;
        for &i in members {
            // Records are read without caching them: a whole-graph picture of a large estate
            // would otherwise hold every parsed record at once.
            let n = g.node_uncached(i);
            let (shape, fill) = style(n.kind);
            label.clear();
            node_label(&mut label, &n);
            if let Some(note) = marks.notes.get(&i) {
                label.push('\n');
                label.push_str(note);
            }
            w.write_all(b"    ")?;
            write_quoted(w, &n.id)?;
            w.write_all(b"[label=")?;
            write_quoted(w, &label)?;
            write!(w, " shape=\"{shape}\" fillcolor=\"{fill}\"")?;
            if marks.sources.contains(&i) {
                w.write_all(b" penwidth=\"3\" color=\"#d00000\"")?;
            } else if n.criticality() >= 7 {
                w.write_all(b" penwidth=\"2\"")?;
            }
            if !n.enabled() {
                w.write_all(b" fontcolor=\"#777777\"")?;
            }
            w.write_all(b"]\n")?;
        }
        w.write_all(b"  }\n")?;
    }
    for e in edges {
        let edge = g.edge_uncached(e);
        label.clear();
        label.push_str(edge.kind.as_str());
        if !edge.requires.is_empty() {
            label.push_str("\nrequires ");
            for (k, r) in edge.requires.iter().enumerate() {
                if k > 0 {
                    label.push_str(", ");
                }
                label.push_str(r.as_str());
            }
        }
        let blocked = marks.blocked.get(&e);
        if let Some(by) = blocked {
            label.push_str("\nBLOCKED by ");
            label.push_str(by);
        }
        w.write_all(b"  ")?;
        write_quoted(w, &edge.from)?;
        w.write_all(b" -> ")?;
        write_quoted(w, &edge.to)?;
        w.write_all(b" [label=")?;
        write_quoted(w, &label)?;
        if blocked.is_some() {
            w.write_all(b" style=\"dashed\" color=\"#d00000\" fontcolor=\"#d00000\"")?;
        } else if edge.kind == EdgeKind::Consented {
            w.write_all(b" style=\"dotted\" color=\"#999999\"")?;
        } else if !edge.requires.is_empty() {
            w.write_all(b" style=\"dashed\"")?;
        }
        if marks.bold_edges.contains(&e) {
            w.write_all(b" penwidth=\"3\"")?;
        }
        w.write_all(b"]\n")?;
    }
    w.write_all(b"}\n")
}

/// Runs Graphviz `dot` to turn DOT text into SVG or PNG bytes. `fill` writes the DOT text into
/// `dot`'s standard input while a thread collects its output, so neither side waits on a full pipe
/// and the text is never held whole.
pub fn render_with_dot(
    format: RenderFormat,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<Vec<u8>, RenderError> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::var("HEIR_DOT").unwrap_or_else(|_| "dot".into()))
        .arg(format!("-T{}", format.as_str()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => RenderError::Missing,
            _ => RenderError::Failed(e.to_string()),
        })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    // One reader per pipe: `dot` blocks on whichever of them is full.
    let out_reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let err_reader = std::thread::spawn(move || {
        let mut err = Vec::new();
        let _ = stderr.read_to_end(&mut err);
        err
    });
    let written = {
        let mut stdin = io::BufWriter::with_capacity(1 << 16, child.stdin.take().expect("piped"));
        fill(&mut stdin).and_then(|_| stdin.flush())
    };
    let status = child
        .wait()
        .map_err(|e| RenderError::Failed(e.to_string()))?;
    let lost = |_| RenderError::Failed("reading `dot`'s output".into());
    let out = out_reader.join().map_err(lost)?;
    let err = err_reader.join().map_err(lost)?;
    if !status.success() {
        // `dot` explains itself on stderr; when it says nothing, its exit status is the news.
        let said = String::from_utf8_lossy(&err).trim().to_string();
        return Err(RenderError::Failed(if said.is_empty() {
            format!("it ended ({status}) without a message")
        } else {
            said
        }));
    }
    // `dot` succeeded, so it read all it needed; a write error here is ours to report.
    written.map_err(|e| RenderError::Failed(format!("writing to `dot`: {e}")))?;
    out.map_err(|e| RenderError::Failed(format!("reading `dot`'s output: {e}")))
}

/// Picture formats `dot` renders for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    Svg,
    Png,
}

impl RenderFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            RenderFormat::Svg => "svg",
            RenderFormat::Png => "png",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("Graphviz `dot` is not installed; install it (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`) or export DOT without --render")]
    Missing,
    #[error("Graphviz `dot` failed: {0}")]
    Failed(String),
}

/// The whole graph, written as it is produced: nothing but a list of node indices per platform
/// is held, so a million-node estate can be exported in about the memory of the loaded graph.
pub fn write_graph_dot(g: &TrustGraph, w: &mut dyn Write) -> io::Result<()> {
    let nodes: Vec<NodeIndex> = g.graph.node_indices().collect();
    let mut edges = g.graph.edge_indices();
    render(
        w,
        g,
        "heir trust graph",
        &nodes,
        &mut edges,
        &Marks::default(),
    )
}

/// [`write_graph_dot`] into a string.
pub fn graph_dot(g: &TrustGraph) -> String {
    to_string(|w| write_graph_dot(g, w))
}

/// One blast radius: the sources, what they reach along the explaining paths, and the refused
/// edges (dashed red). Paths to nodes of criticality ≥ 7 are bold.
pub fn write_blast_dot(g: &TrustGraph, r: &BlastResult, w: &mut dyn Write) -> io::Result<()> {
    let mut nodes = BTreeSet::new();
    let mut edges = BTreeSet::new();
    let mut marks = Marks::default();
    for &s in &r.query.from {
        nodes.insert(s);
        marks.sources.insert(s);
    }
    for reached in &r.reached {
        nodes.insert(reached.node);
        let path_edges = r.path_edges(reached);
        edges.extend(path_edges.iter().copied());
        if g.facts(reached.node).criticality >= 7 {
            marks.bold_edges.extend(path_edges);
        }
        let note = if reached.persistent {
            "persistent".to_string()
        } else {
            match reached.until {
                Some(t) => format!("until {t}"),
                None => "no expiry".to_string(),
            }
        };
        marks.notes.insert(reached.node, note);
    }
    for b in &r.blocked {
        nodes.insert(b.node);
        edges.insert(b.edge);
        let by: Vec<&str> = b.by.iter().map(|x| x.as_str()).collect();
        marks.blocked.insert(b.edge, by.join(", "));
    }
    let from: Vec<&str> = r.query.from.iter().map(|&s| g.id(s)).collect();
    let title = format!(
        "blast radius of {} at {} ({} attacker)",
        from.join(", "),
        r.query.at,
        r.query.attacker.as_str()
    );
    let nodes: Vec<NodeIndex> = nodes.into_iter().collect();
    render(w, g, &title, &nodes, &mut edges.into_iter(), &marks)
}

/// [`write_blast_dot`] into a string.
pub fn blast_dot(g: &TrustGraph, r: &BlastResult) -> String {
    to_string(|w| write_blast_dot(g, r, w))
}

fn to_string(fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    fill(&mut out).expect("writing to memory");
    String::from_utf8(out).expect("DOT text is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_neutralises_dot_syntax() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("x\ny"), r#""x\ny""#);
        assert_eq!(quote("<>{}|é"), "\"<>{}|é\"");
        // Every other control character is dropped, C1 ones (two UTF-8 bytes) included; what
        // surrounds them is kept whole.
        assert_eq!(quote("a\rb\u{85}c\u{7f}d\u{0}é\u{9f}"), "\"abcdé\"");
        assert_eq!(quote(""), "\"\"");
    }
}
