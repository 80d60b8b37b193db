//! Graphviz DOT: pictures of the whole graph or of one blast radius.
//!
//! Everything that comes from the data goes through [`quote`], so ids and names with quotes,
//! backslashes, newlines or markup-looking characters cannot break (or inject into) the DOT text.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::analysis::blast::BlastResult;
use crate::model::{EdgeKind, NodeKind, TrustGraph};

/// A DOT double-quoted string. Backslash escapes are interpreted by Graphviz inside labels (`\n`,
/// `\l`, `\N`…), so a literal backslash is doubled; quotes are escaped; line breaks become `\n`;
/// other control characters are dropped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

fn node_label(g: &TrustGraph, i: NodeIndex) -> String {
    let n = g.node(i);
    let mut label = format!("{}\n{}", n.display_name(), n.kind);
    if n.criticality() > 0 {
        let _ = write!(label, " · crit {}", n.criticality());
    }
    if n.display_name() != n.id {
        let _ = write!(label, "\n{}", n.id);
    }
    label
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

fn id(s: &str) -> Id {
    Id::Escaped(quote(s))
}

fn attr(k: &str, v: &str) -> Attribute {
    Attribute(Id::Plain(k.to_string()), id(v))
}

fn render(
    g: &TrustGraph,
    title: &str,
    nodes: &BTreeSet<NodeIndex>,
    edges: &BTreeSet<EdgeIndex>,
    marks: &Marks,
) -> String {
    let mut stmts: Vec<Stmt> = vec![
        Stmt::Attribute(attr("label", title)),
        Stmt::Attribute(attr("labelloc", "t")),
        Stmt::Attribute(attr("rankdir", "LR")),
        Stmt::Attribute(attr("fontname", "Helvetica")),
        Stmt::GAttribute(GraphAttributes::Node(vec![
            attr("style", "filled"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "10"),
        ])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "9"),
        ])),
    ];
    let mut by_platform: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
    for &i in nodes {
        by_platform.entry(g.node(i).platform()).or_default().push(i);
    }
    for (k, (platform, members)) in by_platform.iter().enumerate() {
        let mut sub = vec![
            Stmt::Attribute(attr("label", platform)),
            Stmt::Attribute(attr("style", "rounded")),
            Stmt::Attribute(attr("color", "#999999")),
        ];
        for &i in members {
            let n = g.node(i);
            let (shape, fill) = style(n.kind);
            let mut label = node_label(g, i);
            if let Some(note) = marks.notes.get(&i) {
                label.push('\n');
                label.push_str(note);
            }
            let mut attrs = vec![
                attr("label", &label),
                attr("shape", shape),
                attr("fillcolor", fill),
            ];
            if marks.sources.contains(&i) {
                attrs.push(attr("penwidth", "3"));
                attrs.push(attr("color", "#d00000"));
            } else if n.criticality() >= 7 {
                attrs.push(attr("penwidth", "2"));
            }
            if !n.enabled() {
                attrs.push(attr("fontcolor", "#777777"));
            }
            sub.push(Stmt::Node(Node::new(NodeId(id(&n.id), None), attrs)));
        }
        stmts.push(Stmt::Subgraph(Subgraph {
            id: Id::Plain(format!("cluster_{k}")),
            stmts: sub,
        }));
    }
    for &e in edges {
        let edge = g.edge(e);
        let mut label = edge.kind.as_str().to_string();
        if !edge.requires.is_empty() {
            let reqs: Vec<&str> = edge.requires.iter().map(|r| r.as_str()).collect();
            let _ = write!(label, "\nrequires {}", reqs.join(", "));
        }
        let mut attrs = Vec::new();
        if let Some(by) = marks.blocked.get(&e) {
            let _ = write!(label, "\nBLOCKED by {by}");
            attrs.push(attr("style", "dashed"));
            attrs.push(attr("color", "#d00000"));
            attrs.push(attr("fontcolor", "#d00000"));
        } else if edge.kind == EdgeKind::Consented {
            attrs.push(attr("style", "dotted"));
            attrs.push(attr("color", "#999999"));
        } else if !edge.requires.is_empty() {
            attrs.push(attr("style", "dashed"));
        }
        if marks.bold_edges.contains(&e) {
            attrs.push(attr("penwidth", "3"));
        }
        attrs.insert(0, attr("label", &label));
        stmts.push(Stmt::Edge(Edge {
            ty: EdgeTy::Pair(
                Vertex::N(NodeId(id(&edge.from), None)),
                Vertex::N(NodeId(id(&edge.to), None)),
            ),
            attributes: attrs,
        }));
    }
    let graph = Graph::DiGraph {
        id: Id::Plain("heir".into()),
        strict: false,
        stmts,
    };
    let mut ctx = PrinterContext::default();
    let mut text = graph.print(&mut ctx);
    text.push('\n');
    text
}

/// Runs Graphviz `dot` to turn DOT text into SVG or PNG bytes.
pub fn render_with_dot(dot: &str, format: RenderFormat) -> Result<Vec<u8>, RenderError> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::var("HEIR_DOT").unwrap_or_else(|_| "dot".into()))
        .arg(format!("-T{}", format.as_str()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RenderError::Missing,
            _ => RenderError::Failed(e.to_string()),
        })?;
    let mut stdin = child.stdin.take().expect("piped");
    // Write on a thread: `dot` may fill its stdout pipe before it has read all of stdin.
    let input = dot.as_bytes().to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| RenderError::Failed(e.to_string()))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(RenderError::Failed(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(out.stdout)
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

/// The whole graph.
pub fn graph_dot(g: &TrustGraph) -> String {
    let nodes = g.graph.node_indices().collect();
    let edges = g.graph.edge_indices().collect();
    render(g, "heir trust graph", &nodes, &edges, &Marks::default())
}

/// One blast radius: the sources, what they reach along the explaining paths, and the refused
/// edges (dashed red). Paths to nodes of criticality ≥ 7 are bold.
pub fn blast_dot(g: &TrustGraph, r: &BlastResult) -> String {
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
    render(g, &title, &nodes, &edges, &marks)
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_neutralises_dot_syntax() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("x\ny"), r#""x\ny""#);
        assert_eq!(quote("<>{}|é"), "\"<>{}|é\"");
    }
}
