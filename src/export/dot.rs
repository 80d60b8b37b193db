//! Graphviz DOT: pictures of the whole graph or of one blast radius.
//!
//! Everything that comes from the data goes through [`quote`], so ids and names with quotes,
//! backslashes, newlines or markup-looking characters cannot break (or inject into) the DOT text.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

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

fn render(
    g: &TrustGraph,
    title: &str,
    nodes: &BTreeSet<NodeIndex>,
    edges: &BTreeSet<EdgeIndex>,
    marks: &Marks,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph heir {{");
    let _ = writeln!(out, "  label={};", quote(title));
    let _ = writeln!(out, "  labelloc=t; rankdir=LR; fontname=\"Helvetica\";");
    let _ = writeln!(
        out,
        "  node [style=filled, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];"
    );
    let mut by_platform: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
    for &i in nodes {
        by_platform.entry(g.node(i).platform()).or_default().push(i);
    }
    for (k, (platform, members)) in by_platform.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{k} {{");
        let _ = writeln!(
            out,
            "    label={}; style=rounded; color=\"#999999\";",
            quote(platform)
        );
        for &i in members {
            let n = g.node(i);
            let (shape, fill) = style(n.kind);
            let mut label = node_label(g, i);
            if let Some(note) = marks.notes.get(&i) {
                label.push('\n');
                label.push_str(note);
            }
            let mut attrs = format!(
                "label={}, shape={shape}, fillcolor=\"{fill}\"",
                quote(&label)
            );
            if marks.sources.contains(&i) {
                attrs.push_str(", penwidth=3, color=\"#d00000\"");
            } else if n.criticality() >= 7 {
                attrs.push_str(", penwidth=2");
            }
            if !n.enabled() {
                attrs.push_str(", fontcolor=\"#777777\"");
            }
            let _ = writeln!(out, "    {} [{attrs}];", quote(&n.id));
        }
        let _ = writeln!(out, "  }}");
    }
    for &e in edges {
        let edge = g.edge(e);
        let mut label = edge.kind.as_str().to_string();
        if !edge.requires.is_empty() {
            let reqs: Vec<&str> = edge.requires.iter().map(|r| r.as_str()).collect();
            let _ = write!(label, "\nrequires {}", reqs.join(", "));
        }
        let mut attrs = String::new();
        if let Some(by) = marks.blocked.get(&e) {
            let _ = write!(label, "\nBLOCKED by {by}");
            attrs.push_str(", style=dashed, color=\"#d00000\", fontcolor=\"#d00000\"");
        } else if !edge.requires.is_empty() {
            attrs.push_str(", style=dashed");
        }
        if marks.bold_edges.contains(&e) {
            attrs.push_str(", penwidth=3");
        }
        if edge.kind == EdgeKind::Consented {
            attrs.push_str(", style=dotted, color=\"#999999\"");
        }
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{attrs}];",
            quote(&edge.from),
            quote(&edge.to),
            quote(&label)
        );
    }
    let _ = writeln!(out, "}}");
    out
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
        edges.extend(reached.edges.iter().copied());
        if g.facts(reached.node).criticality >= 7 {
            marks.bold_edges.extend(reached.edges.iter().copied());
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
