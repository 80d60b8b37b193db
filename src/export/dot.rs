//! Graphviz DOT: pictures of the whole graph or of one blast radius.
//!
//! Every picture is a graphviz-rust syntax tree ([`Graph`]), printed by its printer and rendered
//! to SVG or PNG by its `exec`: one model for the text, the files and the rendered pictures, so a
//! picture cannot say one thing as DOT text and another as SVG.
//!
//! graphviz-rust prints an [`Id::Escaped`] exactly as given, so everything that comes from the
//! data goes through [`quote`] first: ids and names with quotes, backslashes, newlines or
//! markup-looking characters cannot break (or inject into) the DOT text.
//!
//! The tree holds every label as a string, several times the loaded graph's size, and Graphviz
//! cannot lay out a graph of hundreds of thousands of nodes anyway, so the whole-graph picture
//! stops at [`MAX_WHOLE_GRAPH_NODES`] with a message pointing at what does scale.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use graphviz_rust::cmd::{CommandArg, Format};
use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node as DotNode, NodeId, Stmt, Subgraph,
    Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};
use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::analysis::blast::BlastResult;
use crate::model::{EdgeKind, Node, NodeKind, TrustGraph};

/// The largest graph `heir export dot` draws whole. sfdp lays out a few hundred thousand nodes
/// and `dot` far fewer; past this, no Graphviz engine finishes in useful time, while the syntax
/// tree and its text already take gigabytes (a million-node estate: about 28 s and several GiB
/// before anything is drawn). The benchmark's 100k-node estate (about 101,000 nodes) still fits.
pub const MAX_WHOLE_GRAPH_NODES: usize = 200_000;

/// A DOT double-quoted string, as [`Id::Escaped`] wants it (graphviz-rust adds no quoting of its
/// own). Backslash escapes are interpreted by Graphviz inside labels (`\n`, `\l`, `\N`…), so a
/// literal backslash is doubled; quotes are escaped; line breaks become `\n`; other control
/// characters are dropped (DOT has no escape for them and they mean nothing in a picture).
/// Everything else, markup-like `<…>`, `{}|`, bidirectional marks and any non-ASCII text, is
/// plain text inside a quoted string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string from the data (or built from it) as a DOT id.
fn id(s: &str) -> Id {
    Id::Escaped(quote(s))
}

fn attr(key: &str, value: &str) -> Attribute {
    Attribute(Id::Plain(key.to_string()), id(value))
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
fn node_label(n: &Node) -> String {
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

/// The picture: graph attributes, one cluster per platform (in name order, members in the order
/// given), then the edges in the order given.
fn picture(
    g: &TrustGraph,
    title: &str,
    nodes: impl IntoIterator<Item = NodeIndex>,
    edges: impl IntoIterator<Item = EdgeIndex>,
    marks: &Marks,
) -> Graph {
    let mut stmts = vec![
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
    for i in nodes {
        by_platform.entry(g.platform(i)).or_default().push(i);
    }
    for (k, (platform, members)) in by_platform.iter().enumerate() {
        let mut cluster = vec![
            Stmt::Attribute(attr("label", platform)),
            Stmt::Attribute(attr("style", "rounded")),
            Stmt::Attribute(attr("color", "#999999")),
        ];
        for &i in members {
            // Records are read without caching them: the tree keeps what it needs as text.
            let n = g.node_uncached(i);
            let (shape, fill) = style(n.kind);
            let mut label = node_label(&n);
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
            cluster.push(Stmt::Node(DotNode::new(NodeId(id(&n.id), None), attrs)));
        }
        stmts.push(Stmt::Subgraph(Subgraph {
            id: Id::Plain(format!("cluster_{k}")),
            stmts: cluster,
        }));
    }
    for e in edges {
        let edge = g.edge_uncached(e);
        let mut label = edge.kind.as_str().to_string();
        if !edge.requires.is_empty() {
            let reqs: Vec<&str> = edge.requires.iter().map(|r| r.as_str()).collect();
            let _ = write!(label, "\nrequires {}", reqs.join(", "));
        }
        let mut style_attrs = Vec::new();
        if let Some(by) = marks.blocked.get(&e) {
            let _ = write!(label, "\nBLOCKED by {by}");
            style_attrs.push(attr("style", "dashed"));
            style_attrs.push(attr("color", "#d00000"));
            style_attrs.push(attr("fontcolor", "#d00000"));
        } else if edge.kind == EdgeKind::Consented {
            style_attrs.push(attr("style", "dotted"));
            style_attrs.push(attr("color", "#999999"));
        } else if !edge.requires.is_empty() {
            style_attrs.push(attr("style", "dashed"));
        }
        if marks.bold_edges.contains(&e) {
            style_attrs.push(attr("penwidth", "3"));
        }
        let mut attributes = vec![attr("label", &label)];
        attributes.extend(style_attrs);
        stmts.push(Stmt::Edge(Edge {
            ty: EdgeTy::Pair(
                Vertex::N(NodeId(id(&edge.from), None)),
                Vertex::N(NodeId(id(&edge.to), None)),
            ),
            attributes,
        }));
    }
    Graph::DiGraph {
        id: Id::Plain("heir".into()),
        strict: false,
        stmts,
    }
}

/// A whole graph too large to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the graph has {nodes} nodes, more than a picture can show ({max} at most): Graphviz cannot \
     lay out a graph that large; draw one blast radius instead (`heir export dot GRAPH \
     --blast-from ID`), or explore the whole graph in Neo4j or BloodHound (`heir export neo4j`, \
     `heir export cypher`, `heir export opengraph`)",
    max = MAX_WHOLE_GRAPH_NODES
)]
pub struct TooLarge {
    pub nodes: usize,
}

/// The whole graph: one cluster per platform, every node and edge in index order.
pub fn graph_picture(g: &TrustGraph) -> Result<Graph, TooLarge> {
    let nodes = g.node_count();
    if nodes > MAX_WHOLE_GRAPH_NODES {
        return Err(TooLarge { nodes });
    }
    Ok(picture(
        g,
        "heir trust graph",
        g.node_indices(),
        g.edge_indices(),
        &Marks::default(),
    ))
}

/// One blast radius: the sources, what they reach along the explaining paths, and the refused
/// edges (dashed red). Paths to nodes of criticality ≥ 7 are bold. Not size-guarded: the caller
/// asked for this radius, and it is as large as the answer (the JSON report is no smaller).
pub fn blast_picture(g: &TrustGraph, r: &BlastResult) -> Graph {
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
    picture(g, &title, nodes, edges, &marks)
}

/// Gives each node of `picture` whose heir id is a key of `ids` an `id` attribute with the value
/// (Graphviz writes it as the SVG group's `id`), so a page can find a node's group without
/// reading ids back out of Graphviz's `<title>` text, which Graphviz re-escapes in its own way.
/// Only for pictures that are rendered for the HTML report: the DOT exports stay as they are.
pub fn set_node_ids(picture: &mut Graph, ids: &std::collections::HashMap<String, String>) {
    let quoted: std::collections::HashMap<String, &str> =
        ids.iter().map(|(k, v)| (quote(k), v.as_str())).collect();
    fn walk(stmts: &mut [Stmt], quoted: &std::collections::HashMap<String, &str>) {
        for stmt in stmts {
            match stmt {
                Stmt::Node(n) => {
                    if let Id::Escaped(q) = &n.id.0 {
                        if let Some(v) = quoted.get(q) {
                            n.attributes.push(attr("id", v));
                        }
                    }
                }
                Stmt::Subgraph(sub) => walk(&mut sub.stmts, quoted),
                _ => {}
            }
        }
    }
    match picture {
        Graph::DiGraph { stmts, .. } | Graph::Graph { stmts, .. } => walk(stmts, &quoted),
    }
}

/// A picture as DOT text, by graphviz-rust's printer (two-space indent, one statement a line),
/// ending with a newline as a text file should.
pub fn print(graph: &Graph) -> String {
    let mut text = graph.print(&mut PrinterContext::default());
    text.push('\n');
    text
}

/// The whole graph as DOT text.
pub fn graph_dot(g: &TrustGraph) -> Result<String, TooLarge> {
    graph_picture(g).map(|p| print(&p))
}

/// One blast radius as DOT text.
pub fn blast_dot(g: &TrustGraph, r: &BlastResult) -> String {
    print(&blast_picture(g, r))
}

/// Renders a picture to SVG or PNG bytes with Graphviz `dot` (found on `PATH`), through
/// graphviz-rust's `exec`.
pub fn render(picture: Graph, format: RenderFormat) -> Result<Vec<u8>, RenderError> {
    let format = match format {
        RenderFormat::Svg => Format::Svg,
        RenderFormat::Png => Format::Png,
    };
    graphviz_rust::exec(
        picture,
        &mut PrinterContext::default(),
        vec![CommandArg::Format(format)],
    )
    .map_err(render_error)
}

/// What `exec`'s error means. It reports a missing program and a missing temporary directory
/// alike (`NotFound`), so `PATH` decides which; a failing `dot` comes back as its standard error,
/// without the exit status.
fn render_error(e: std::io::Error) -> RenderError {
    if e.kind() == std::io::ErrorKind::NotFound && !on_path("dot") {
        return RenderError::Missing;
    }
    let said = e.to_string();
    let said = said.trim();
    RenderError::Failed(if said.is_empty() {
        "it exited with an error and without a message".into()
    } else {
        said.to_string()
    })
}

/// Whether `program` is a file in one of `PATH`'s directories (the lookup `Command` does).
fn on_path(program: &str) -> bool {
    let exe = format!("{program}{}", std::env::consts::EXE_SUFFIX);
    std::env::var_os("PATH")
        .is_some_and(|dirs| std::env::split_paths(&dirs).any(|d| d.join(&exe).is_file()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_neutralises_dot_syntax() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("x\ny"), r#""x\ny""#);
        assert_eq!(quote("<>{}|é"), "\"<>{}|é\"");
        // A trailing backslash cannot escape the closing quote.
        assert_eq!(quote("end\\"), r#""end\\""#);
        // Every other control character is dropped, C1 ones (two UTF-8 bytes) included; what
        // surrounds them is kept whole. Bidirectional marks are text, not control characters.
        assert_eq!(quote("a\rb\u{85}c\u{7f}d\u{0}é\u{9f}"), "\"abcdé\"");
        assert_eq!(quote("\u{202e}x\u{200f}"), "\"\u{202e}x\u{200f}\"");
        assert_eq!(quote(""), "\"\"");
    }

    #[test]
    fn printed_ids_are_the_quoted_strings() {
        let graph = Graph::DiGraph {
            id: Id::Plain("heir".into()),
            strict: false,
            stmts: vec![Stmt::Node(DotNode::new(
                NodeId(id("a\"]; b -> c [x=\"y"), None),
                vec![attr("label", "l\\")],
            ))],
        };
        assert_eq!(
            print(&graph),
            "digraph heir {\n  \"a\\\"]; b -> c [x=\\\"y\"[label=\"l\\\\\"]\n}\n"
        );
    }

    #[test]
    fn node_ids_are_added_only_where_asked() {
        let mut graph = Graph::DiGraph {
            id: Id::Plain("heir".into()),
            strict: false,
            stmts: vec![
                Stmt::Node(DotNode::new(
                    NodeId(id("a\"b"), None),
                    vec![attr("label", "A")],
                )),
                Stmt::Subgraph(Subgraph {
                    id: Id::Plain("cluster_0".into()),
                    stmts: vec![Stmt::Node(DotNode::new(NodeId(id("c"), None), vec![]))],
                }),
            ],
        };
        let ids = [("a\"b".to_string(), "hn0".to_string())]
            .into_iter()
            .collect();
        set_node_ids(&mut graph, &ids);
        assert_eq!(
            print(&graph),
            "digraph heir {\n  \"a\\\"b\"[label=\"A\" id=\"hn0\"]\n  subgraph cluster_0 {\n    \"c\"\n  }\n}\n"
        );
    }

    #[test]
    fn too_large_names_the_count_and_the_ways_out() {
        let said = TooLarge { nodes: 1_014_535 }.to_string();
        assert!(said.contains("1014535 nodes"), "{said}");
        assert!(said.contains(&MAX_WHOLE_GRAPH_NODES.to_string()), "{said}");
        assert!(said.contains("--blast-from"), "{said}");
        assert!(said.contains("heir export opengraph"), "{said}");
        assert!(said.contains("heir export neo4j"), "{said}");
    }

    #[test]
    fn a_failing_dot_is_explained_and_a_missing_one_named() {
        let silent = render_error(std::io::Error::other(""));
        assert_eq!(
            silent.to_string(),
            "Graphviz `dot` failed: it exited with an error and without a message"
        );
        let said = render_error(std::io::Error::other("Error: syntax error in line 1\n"));
        assert_eq!(
            said.to_string(),
            "Graphviz `dot` failed: Error: syntax error in line 1"
        );
    }
}
