//! The incident report: what was stolen, what it reaches (picture and chains), what was minted
//! from it, and the runbook as a checklist — one page for the responder, their manager and the
//! person whose account was stolen.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use indexmap::IndexMap;
use petgraph::graph::NodeIndex;
use serde::Serialize;
use serde_json::{json, Value};

use super::{esc, key, page, Island};
use crate::analysis::blast::BlastResult;
use crate::analysis::lineage::LineageReport;
use crate::analysis::plan::{Phase, Plan};
use crate::export::dot::{blast_picture, render, set_node_ids, RenderError, RenderFormat};
use crate::model::{Timestamp, TrustGraph};
use crate::report::window;

/// Criticality from which a reached node is critical: its chain is listed and its path is bold
/// in the picture (the same threshold as the DOT picture and the plan's first wave).
pub const CRITICAL: u8 = 7;

/// The most nodes the report draws. Graphviz `dot` lays out a few thousand nodes in seconds and
/// tens of thousands in hours, and a picture that large is unreadable anyway; past this the
/// report says so and the tables and the JSON island carry the answer.
pub const MAX_PICTURE_NODES: usize = 1_500;

/// The most chains listed in full: an admin-sized radius has thousands of critical nodes, and
/// the page must still open; the rest are counted and are in the JSON island.
pub const MAX_CHAINS: usize = 200;

/// One finding of a log hunt (reuse of a stolen artefact, a sign-in from its address…). No hunt
/// reads logs yet (`heir hunt` is to come); the report takes findings as an optional input so it
/// can show them when one does, and says plainly when there are none.
#[derive(Debug, Clone, Serialize)]
pub struct HuntFinding {
    pub at: Option<Timestamp>,
    pub title: String,
    pub detail: String,
    /// The nodes (ids) the finding is about.
    pub ids: Vec<String>,
}

/// The blast picture, or why there is none.
#[derive(Debug, Clone)]
pub enum Picture {
    /// Graphviz's SVG (sanitised before it is inlined).
    Svg(String),
    /// Why the picture is not drawn; shown in its place.
    Absent(String),
}

/// What the report is built from.
pub struct Incident<'a> {
    pub graph: &'a TrustGraph,
    pub blast: &'a BlastResult,
    pub plan: &'a Plan,
    /// One lineage per stolen artefact, in `--from` order.
    pub lineage: &'a [LineageReport],
    /// `None`: no hunt was run. `Some(&[])`: one was, and found nothing.
    pub hunt: Option<&'a [HuntFinding]>,
    pub picture: Picture,
}

/// The nodes the picture shows and the page can explain, with their element ids (`hn0`, …):
/// sources, then reached nodes, then nodes only seen behind a blocked edge. Element ids are ours,
/// not the heir ids, so no id from the data ever becomes an HTML id or a selector.
fn node_ids(r: &BlastResult) -> IndexMap<NodeIndex, String> {
    let mut ids = IndexMap::new();
    let nodes = r
        .query
        .from
        .iter()
        .copied()
        .chain(r.reached.iter().map(|x| x.node))
        .chain(r.blocked.iter().map(|b| b.node));
    for n in nodes {
        let k = ids.len();
        ids.entry(n).or_insert_with(|| format!("hn{k}"));
    }
    ids
}

/// Draws the blast radius with Graphviz `dot`, each node's SVG group carrying its element id.
/// Never fails: a missing or failing `dot`, or a radius too large to draw, becomes the reason
/// shown in the picture's place (the rest of the report does not need Graphviz).
pub fn draw(g: &TrustGraph, r: &BlastResult) -> Picture {
    let ids = node_ids(r);
    if ids.len() > MAX_PICTURE_NODES {
        return Picture::Absent(format!(
            "The blast radius has {} nodes, more than a readable picture holds ({MAX_PICTURE_NODES} at most); \
             the chains and the tables below, and the JSON island, have every node.",
            ids.len()
        ));
    }
    let mut picture = blast_picture(g, r);
    let by_id: HashMap<String, String> = ids
        .iter()
        .map(|(&i, hid)| (g.id(i).to_string(), hid.clone()))
        .collect();
    set_node_ids(&mut picture, &by_id);
    match render(picture, RenderFormat::Svg) {
        Ok(bytes) => Picture::Svg(String::from_utf8_lossy(&bytes).into_owned()),
        Err(RenderError::Missing) => Picture::Absent(
            "No picture: Graphviz `dot` is not installed where this report was made \
             (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`). \
             The chains below show the same paths."
                .into(),
        ),
        Err(e) => Picture::Absent(format!("No picture: {e}")),
    }
}

/// A node as "name (id)", or the id alone when it has no other name.
fn named(g: &TrustGraph, i: NodeIndex) -> String {
    let n = g.node(i);
    if n.display_name() == n.id {
        n.id.clone()
    } else {
        format!("{} ({})", n.display_name(), n.id)
    }
}

/// How long a reached node's access lasts, as a sortable key: persistent, then no expiry, then
/// the latest expiry.
fn window_rank(persistent: bool, until: Option<Timestamp>) -> (u8, Option<Timestamp>) {
    match (persistent, until) {
        (true, _) => (2, None),
        (false, None) => (1, None),
        (false, Some(t)) => (0, Some(t)),
    }
}

#[derive(Default)]
struct PlatformRow {
    reached: usize,
    critical: usize,
    persistent: usize,
    longest: Option<((u8, Option<Timestamp>), NodeIndex)>,
}

/// The data the page script shows when a node is clicked: facts (never `props`, which may hold
/// anything a collector kept), the chain, the window, the controls that held.
fn view(inc: &Incident<'_>, ids: &IndexMap<NodeIndex, String>) -> Value {
    let (g, r) = (inc.graph, inc.blast);
    let reached: HashMap<NodeIndex, &crate::analysis::blast::Reached> =
        r.reached.iter().map(|x| (x.node, x)).collect();
    let sources: HashSet<NodeIndex> = r.query.from.iter().copied().collect();
    let dead: HashSet<NodeIndex> = r.dead_sources.iter().copied().collect();
    // Each refused edge with the node it leaves, looked up once.
    let refused: Vec<(NodeIndex, &crate::analysis::blast::Blocked)> = r
        .blocked
        .iter()
        .filter_map(|b| g.index(&g.edge(b.edge).from).map(|f| (f, b)))
        .collect();
    let held_by = |pred: &dyn Fn(NodeIndex, NodeIndex) -> bool| -> Vec<Value> {
        refused
            .iter()
            .filter(|(from, b)| pred(*from, b.node))
            .map(|(_, b)| {
                let e = g.edge(b.edge);
                let by: Vec<&str> = b.by.iter().map(|x| x.as_str()).collect();
                json!({"by": by.join(", "), "from": e.from, "to": e.to, "kind": e.kind.as_str()})
            })
            .collect()
    };
    let mut nodes = serde_json::Map::new();
    for (&i, hid) in ids {
        let n = g.node(i);
        let (status, window_text, chain, held) = if let Some(x) = reached.get(&i) {
            let path = r.path(x);
            let edges = r.path_edges(x);
            let on_chain: HashSet<NodeIndex> = path.iter().copied().collect();
            let chain: Vec<Value> = path
                .iter()
                .enumerate()
                .map(|(k, &p)| {
                    let via = k
                        .checked_sub(1)
                        .and_then(|k| edges.get(k))
                        .map(|&e| g.edge(e).kind.as_str());
                    json!({
                        "id": g.id(p),
                        "name": g.node(p).display_name(),
                        "via": via,
                        "hid": ids.get(&p),
                    })
                })
                .collect();
            (
                "reached",
                window(x.persistent, x.until),
                chain,
                held_by(&|from, _| on_chain.contains(&from)),
            )
        } else if sources.contains(&i) {
            let status = if dead.contains(&i) {
                "stolen, already expired or inactive"
            } else {
                "stolen"
            };
            (
                status,
                "the stolen artefact".to_string(),
                vec![json!({"id": n.id, "name": n.display_name(), "via": null, "hid": hid})],
                held_by(&|from, _| from == i),
            )
        } else {
            (
                "not reached: a control held",
                "none".to_string(),
                Vec::new(),
                held_by(&|_, to| to == i),
            )
        };
        nodes.insert(
            hid.clone(),
            json!({
                "id": n.id,
                "name": n.display_name(),
                "kind": n.kind.as_str(),
                "platform": g.platform(i),
                "criticality": n.criticality(),
                "person": n.person,
                "status": if n.enabled() { status.to_string() } else { format!("{status}; disabled") },
                "window": window_text,
                "issued_at": n.issued_at.map(|t| t.to_string()),
                "expires_at": n.expires_at.map(|t| t.to_string()),
                "last_used_at": n.last_used_at.map(|t| t.to_string()),
                "revocation": n.revocation.map(|x| x.as_str()),
                "tags": n.tags,
                "scopes": n.scopes,
                "chain": chain,
                "held": held,
            }),
        );
    }
    json!({ "key": key_of(inc), "nodes": nodes })
}

/// The machine-readable answers: the blast radius and the plan in their JSON contracts, the
/// lineage per stolen artefact, and the hunt findings (`null` when no hunt was run).
fn answers(inc: &Incident<'_>) -> Value {
    json!({
        "blast": serde_json::to_value(inc.blast.report(inc.graph)).expect("the blast report serialises"),
        "plan": serde_json::to_value(inc.plan).expect("the plan serialises"),
        "inherited": serde_json::to_value(inc.lineage).expect("lineage serialises"),
        "hunt": inc.hunt.map(|h| serde_json::to_value(h).expect("findings serialise")),
    })
}

/// Writes the incident report.
pub fn write(out: &mut dyn Write, inc: &Incident<'_>) -> io::Result<()> {
    let (g, r, p) = (inc.graph, inc.blast, inc.plan);
    let ids = node_ids(r);
    let from: Vec<String> = r.query.from.iter().map(|&i| named(g, i)).collect();
    let title = format!("Incident report: stolen {}", from.join(", "));
    let mut b = String::with_capacity(64 * 1024);
    let _ = writeln!(
        b,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">Evaluated at {} for an {} attacker · made by heir {}</p>",
        esc(&title),
        esc(&r.query.at.to_string()),
        esc(r.query.attacker.as_str()),
        env!("CARGO_PKG_VERSION")
    );
    if !r.incomplete_sources.is_empty() {
        let _ = writeln!(
            b,
            "<div class=\"banner warn\" role=\"alert\" id=\"incomplete\"><strong>Incomplete data</strong> from {}: \
             the blast radius and the plan may be larger than shown.</div>",
            esc(&r.incomplete_sources.join(", "))
        );
    }
    b.push_str(
        "<nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#picture\">Picture</a>\
         <a href=\"#chains\">Chains</a><a href=\"#held\">Controls that held</a>\
         <a href=\"#timeline\">Lineage</a><a href=\"#hunt\">Hunt</a><a href=\"#runbook\">Runbook</a>\
         <a href=\"#data\">Data</a></nav>\n</header>\n",
    );
    summary(&mut b, inc);
    picture(&mut b, inc);
    chains(&mut b, inc, &ids);
    held(&mut b, inc);
    timeline(&mut b, inc);
    hunt(&mut b, inc);
    runbook(&mut b, inc, &key_of(inc));
    b.push_str(
        "<section id=\"data\">\n<h2>Machine-readable answers</h2>\n<p>This page carries its answers as JSON \
         for other tools: the element <code>script#heir-data</code> holds <code>blast</code> and \
         <code>plan</code> (the contracts of <code>heir blast --format json</code> and <code>heir plan \
         --format json</code>), <code>inherited</code> (one <code>heir inherited</code> answer per stolen \
         artefact) and <code>hunt</code> (<code>null</code> when no hunt was run).</p>\n</section>\n",
    );
    let _ = writeln!(
        b,
        "<footer>Made by heir {} from the graph alone; it shows what the graph shows. {} step(s), {} node(s) reached.</footer>",
        env!("CARGO_PKG_VERSION"),
        p.steps.len(),
        r.reached.len()
    );
    let data = answers(inc);
    // The cards are for the picture's nodes: without a picture there is nothing to click, and an
    // admin-sized radius would otherwise put a card per reached node in the page.
    let shown = match inc.picture {
        Picture::Svg(_) => ids,
        Picture::Absent(_) => IndexMap::new(),
    };
    let view = view(inc, &shown);
    page(
        out,
        &title,
        &b,
        &[
            Island {
                id: "heir-data",
                value: &data,
            },
            Island {
                id: "heir-view",
                value: &view,
            },
        ],
        super::incident_js(),
    )
}

/// The report's name in local storage: the stolen ids and the evaluation time.
fn key_of(inc: &Incident<'_>) -> String {
    let r = inc.blast;
    let from: Vec<&str> = r.query.from.iter().map(|&i| inc.graph.id(i)).collect();
    let at = r.query.at.to_string();
    let mut parts = from;
    parts.push(&at);
    key(&parts)
}

fn summary(b: &mut String, inc: &Incident<'_>) {
    let (g, r, p) = (inc.graph, inc.blast, inc.plan);
    b.push_str(
        "<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"facts\">\n<dt>Stolen</dt><dd><ul>",
    );
    for &s in &r.query.from {
        let n = g.node(s);
        let _ = write!(
            b,
            "<li><code>{}</code> — {} on {}{}{}</li>",
            esc(&n.id),
            esc(n.kind.as_str()),
            esc(g.platform(s)),
            if n.display_name() != n.id {
                format!(", “{}”", esc(n.display_name()))
            } else {
                String::new()
            },
            if r.dead_sources.contains(&s) {
                " — <strong>already expired or inactive: it reaches nothing</strong>"
            } else {
                ""
            }
        );
    }
    b.push_str("</ul></dd>\n");
    let _ = writeln!(
        b,
        "<dt>Compromised since</dt><dd>{}</dd>\n<dt>Evaluated at</dt><dd>{} ({} attacker)</dd>",
        esc(&p.since.map(|t| t.to_string()).unwrap_or_else(|| {
            "unknown (no issue time on the stolen artefact; pass --since)".into()
        })),
        esc(&r.query.at.to_string()),
        esc(r.query.attacker.as_str())
    );
    let persistent = r.reached.iter().filter(|x| x.persistent).count();
    let critical = r
        .reached
        .iter()
        .filter(|x| g.facts(x.node).criticality >= CRITICAL)
        .count();
    let _ = writeln!(
        b,
        "<dt>Reached</dt><dd id=\"reached-count\"><strong>{}</strong> node(s): {} critical (≥ {CRITICAL}), {} persistent</dd>\n\
         <dt>Blocked</dt><dd>{} edge(s) refused by a control</dd>",
        r.reached.len(),
        critical,
        persistent,
        r.blocked.len()
    );
    let longest = r.reached.iter().max_by_key(|x| {
        (
            window_rank(x.persistent, x.until),
            std::cmp::Reverse(g.id(x.node)),
        )
    });
    if let Some(x) = longest {
        let _ = writeln!(
            b,
            "<dt>Longest window</dt><dd>{} — <code>{}</code></dd>",
            esc(&window(x.persistent, x.until)),
            esc(g.id(x.node))
        );
    }
    b.push_str("</dl>\n");
    let mut rows: BTreeMap<&str, PlatformRow> = BTreeMap::new();
    for x in &r.reached {
        let row = rows.entry(g.platform(x.node)).or_default();
        row.reached += 1;
        if g.facts(x.node).criticality >= CRITICAL {
            row.critical += 1;
        }
        if x.persistent {
            row.persistent += 1;
        }
        let rank = window_rank(x.persistent, x.until);
        if row.longest.is_none_or(|(best, _)| rank > best) {
            row.longest = Some((rank, x.node));
        }
    }
    if !rows.is_empty() {
        b.push_str(
            "<table id=\"by-platform\"><thead><tr><th>platform</th><th class=\"num\">reached</th>\
             <th class=\"num\">critical</th><th class=\"num\">persistent</th><th>longest window</th></tr></thead><tbody>\n",
        );
        for (platform, row) in &rows {
            let longest = row
                .longest
                .map(|(_, i)| {
                    let x = r
                        .reached
                        .iter()
                        .find(|x| x.node == i)
                        .expect("row of a reached node");
                    format!(
                        "{} <span class=\"small\">({})</span>",
                        esc(&window(x.persistent, x.until)),
                        esc(g.id(i))
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(platform),
                row.reached,
                row.critical,
                row.persistent,
                longest
            );
        }
        b.push_str("</tbody></table>\n");
    }
    b.push_str("</section>\n");
}

fn picture(b: &mut String, inc: &Incident<'_>) {
    b.push_str("<section id=\"picture\">\n<h2>The blast picture</h2>\n");
    match &inc.picture {
        Picture::Svg(svg) => {
            b.push_str(
                "<p class=\"small no-print\">Click a node (or focus it and press Enter) to see its facts, its chain \
                 from the stolen artefact, its window and the controls that held. Thick red border: stolen; \
                 bold: critical paths; dashed red: refused by a control.</p>\n\
                 <p class=\"picture-tools no-print\"><button type=\"button\" id=\"zoom\">Actual size</button></p>\n\
                 <div class=\"picture-wrap\"><figure class=\"picture\" id=\"figure\">",
            );
            b.push_str(&super::svg::sanitize(svg));
            b.push_str(
                "</figure>\n<aside class=\"panel\" id=\"node-panel\" aria-live=\"polite\" hidden></aside></div>\n",
            );
        }
        Picture::Absent(why) => {
            let _ = writeln!(
                b,
                "<div class=\"banner note\" id=\"no-picture\">{}</div>\n\
                 <aside class=\"panel\" id=\"node-panel\" hidden></aside>",
                esc(why)
            );
        }
    }
    b.push_str("</section>\n");
}

fn chains(b: &mut String, inc: &Incident<'_>, ids: &IndexMap<NodeIndex, String>) {
    let (g, r) = (inc.graph, inc.blast);
    let _ = writeln!(
        b,
        "<section id=\"chains\">\n<h2>Delegation chains to critical nodes</h2>\n<p class=\"small\">How the attacker gets from the \
         stolen artefact to every reached node of criticality {CRITICAL} or more, most critical first.</p>"
    );
    let critical: Vec<_> = r
        .reached
        .iter()
        .filter(|x| g.facts(x.node).criticality >= CRITICAL)
        .collect();
    if critical.is_empty() {
        let _ = writeln!(
            b,
            "<p>No reached node has criticality {CRITICAL} or more.</p>"
        );
    }
    for x in critical.iter().take(MAX_CHAINS) {
        let n = g.node(x.node);
        let _ = write!(
            b,
            "<div class=\"critical-node\"><h3><span class=\"crit\">{}</span> {} <span class=\"small\">{} · {} · {}</span></h3>\n<ol class=\"chain\">",
            n.criticality(),
            esc(&named(g, x.node)),
            esc(n.kind.as_str()),
            esc(g.platform(x.node)),
            esc(&window(x.persistent, x.until)),
        );
        let path = r.path(x);
        let edges = r.path_edges(x);
        for (k, &p) in path.iter().enumerate() {
            b.push_str("<li>");
            if let Some(&e) = k.checked_sub(1).and_then(|k| edges.get(k)) {
                let _ = write!(
                    b,
                    "<span class=\"via\">—{}→</span> ",
                    esc(g.edge(e).kind.as_str())
                );
            }
            let _ = write!(b, "<code>{}</code>", esc(g.id(p)));
            let name = g.node(p).display_name();
            if name != g.id(p) {
                let _ = write!(b, " {}", esc(name));
            }
            b.push_str("</li>");
        }
        b.push_str("</ol>");
        if let (Picture::Svg(_), Some(hid)) = (&inc.picture, ids.get(&x.node)) {
            let _ = write!(
                b,
                "<button type=\"button\" class=\"no-print\" data-node=\"{}\">Show in the picture</button>",
                esc(hid)
            );
        }
        b.push_str("</div>\n");
    }
    if critical.len() > MAX_CHAINS {
        let _ = writeln!(
            b,
            "<p>… and {} more critical node(s); every chain is in the JSON island (<code>blast.reached[].path</code>).</p>",
            critical.len() - MAX_CHAINS
        );
    }
    b.push_str("</section>\n");
}

fn held(b: &mut String, inc: &Incident<'_>) {
    let (g, r) = (inc.graph, inc.blast);
    b.push_str("<section id=\"held\">\n<h2>Controls that held</h2>\n");
    if r.blocked.is_empty() {
        b.push_str("<p>No control refused the attacker anywhere in this radius.</p>\n");
    } else {
        b.push_str(
            "<table><thead><tr><th>kept out of</th><th>by</th><th>refused edge</th></tr></thead><tbody>\n",
        );
        for x in &r.blocked {
            let e = g.edge(x.edge);
            let by: Vec<&str> = x.by.iter().map(|c| c.as_str()).collect();
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code> —{}→ <code>{}</code></td></tr>",
                esc(&named(g, x.node)),
                esc(&by.join(", ")),
                esc(&e.from),
                esc(e.kind.as_str()),
                esc(&e.to)
            );
        }
        b.push_str("</tbody></table>\n");
    }
    b.push_str("</section>\n");
}

fn timeline(b: &mut String, inc: &Incident<'_>) {
    b.push_str(
        "<section id=\"timeline\">\n<h2>Lineage: what was minted from the stolen artefact</h2>\n",
    );
    for l in inc.lineage {
        let _ = writeln!(
            b,
            "<h3>From <code>{}</code>{}</h3>",
            esc(&l.from),
            esc(&l.since.map(|s| format!(" since {s}")).unwrap_or_default())
        );
        if l.inherited.is_empty() {
            let _ = writeln!(
                b,
                "<p>Nothing was minted from it{} in this graph.</p>",
                esc(&l.since.map(|s| format!(" since {s}")).unwrap_or_default())
            );
        } else {
            b.push_str("<ol class=\"timeline\">\n");
            for x in &l.inherited {
                let _ = write!(
                    b,
                    "<li class=\"{}\"><time>{}</time> <code>{}</code> <span class=\"small\">{} · {} · {}</span>",
                    if x.live { "live" } else { "dead" },
                    esc(&x.at.map(|t| t.to_string()).unwrap_or_else(|| "time unknown".into())),
                    esc(&x.id),
                    esc(x.kind.as_str()),
                    esc(&x.platform),
                    if x.live { "still live" } else { "no longer live" }
                );
                let mut from = Vec::new();
                if let Some(ip) = &x.ip {
                    from.push(format!("from {}", esc(ip)));
                }
                if let Some(ua) = &x.user_agent {
                    from.push(format!("with {}", esc(ua)));
                }
                if !from.is_empty() {
                    let _ = write!(b, "<br>{}", from.join(" "));
                }
                if x.via.len() > 2 {
                    let via: Vec<String> = x.via.iter().map(|v| esc(v)).collect();
                    let _ = write!(
                        b,
                        "<br><span class=\"small\">via {}</span>",
                        via.join(" → ")
                    );
                }
                b.push_str("</li>\n");
            }
            b.push_str("</ol>\n");
        }
        if l.undated_skipped > 0 {
            let _ = writeln!(
                b,
                "<div class=\"banner note\">{} minted credential(s) carry no mint time and are left out of this timeline.</div>",
                l.undated_skipped
            );
        }
    }
    b.push_str("</section>\n");
}

fn hunt(b: &mut String, inc: &Incident<'_>) {
    b.push_str("<section id=\"hunt\">\n<h2>Hunt</h2>\n");
    match inc.hunt {
        None => b.push_str(
            "<p id=\"hunt-findings\"><strong>No hunt findings:</strong> this report was made from the graph alone, \
             and no sign-in or audit logs were searched. The hunt steps of the runbook say where to look.</p>\n",
        ),
        Some([]) => b.push_str(
            "<p id=\"hunt-findings\"><strong>The hunt found nothing</strong> in the logs it was given.</p>\n",
        ),
        Some(findings) => {
            b.push_str("<ol class=\"timeline\" id=\"hunt-findings\">\n");
            for f in findings {
                let ids: Vec<String> = f.ids.iter().map(|i| format!("<code>{}</code>", esc(i))).collect();
                let _ = writeln!(
                    b,
                    "<li><time>{}</time> <strong>{}</strong><br>{}{}</li>",
                    esc(&f.at.map(|t| t.to_string()).unwrap_or_else(|| "time unknown".into())),
                    esc(&f.title),
                    esc(&f.detail),
                    if ids.is_empty() {
                        String::new()
                    } else {
                        format!("<br><span class=\"small\">{}</span>", ids.join(", "))
                    }
                );
            }
            b.push_str("</ol>\n");
        }
    }
    let steps: Vec<_> = inc
        .plan
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Hunt)
        .collect();
    if steps.is_empty() {
        b.push_str(
            "<p>The plan has no hunt steps (nothing was minted from the stolen artefacts).</p>\n",
        );
    } else {
        b.push_str("<p>Hunt steps of the runbook:</p>\n<ul>\n");
        for s in steps {
            let _ = writeln!(
                b,
                "<li><a href=\"#step-{}\">step {}</a>: {}</li>",
                s.order,
                s.order,
                esc(&s.action)
            );
        }
        b.push_str("</ul>\n");
    }
    b.push_str("</section>\n");
}

fn runbook(b: &mut String, inc: &Incident<'_>, report_key: &str) {
    let p = inc.plan;
    let _ = writeln!(
        b,
        "<section id=\"runbook\" data-key=\"{}\">\n<h2>Runbook</h2>\n<p>Contain → revoke → inspect → hunt → recover, in this order; each step \
         names its exact call. Ticks are kept in this browser. <span class=\"progress\" id=\"runbook-progress\"></span></p>",
        esc(report_key)
    );
    if !p.incomplete_sources.is_empty() {
        let _ = writeln!(
            b,
            "<div class=\"banner warn\">Incomplete data from {}: the plan may miss steps.</div>",
            esc(&p.incomplete_sources.join(", "))
        );
    }
    if let Some(w) = &p.first_wave {
        let revoke: Vec<String> = w
            .revoke
            .iter()
            .map(|m| format!("<code>{}</code>", esc(&m.id)))
            .collect();
        let _ = writeln!(
            b,
            "<div class=\"banner note\" id=\"first-wave\"><strong>First wave:</strong> revoking {} credential(s) ({}) cuts the attacker off \
             every reached node of criticality {} or more ({} protected, disruption cost {}).{}</div>",
            w.revoke.len(),
            if revoke.is_empty() { "none".to_string() } else { revoke.join(", ") },
            w.threshold,
            w.protects.len(),
            w.cost,
            if w.not_separable.is_empty() {
                String::new()
            } else {
                format!(
                    " Not separable by revocation (contain instead): {}.",
                    esc(&w.not_separable.join(", "))
                )
            }
        );
    }
    let mut phase: Option<Phase> = None;
    for s in &p.steps {
        if phase != Some(s.phase) {
            if phase.is_some() {
                b.push_str("</ol>\n");
            }
            phase = Some(s.phase);
            let _ = writeln!(
                b,
                "<h3 class=\"phase\" id=\"phase-{0}\">{0}</h3>\n<ol class=\"steps\">",
                s.phase.as_str()
            );
        }
        let step = key(&[s.phase.as_str(), &s.target, &s.action, &s.how]);
        let _ = writeln!(
            b,
            "<li class=\"step\" id=\"step-{}\"><label><input type=\"checkbox\" data-step=\"{}\"> <span>{}. {}</span></label>\n\
             <div class=\"small\">on <code>{}</code> ({}, {})</div>\n<code class=\"how\">{}</code>",
            s.order,
            esc(&step),
            s.order,
            esc(&s.action),
            esc(&s.target),
            esc(s.kind.as_str()),
            esc(&s.platform),
            esc(&s.how)
        );
        if !s.covers.is_empty() {
            let _ = writeln!(
                b,
                "<div class=\"small\">also kills: {}</div>",
                esc(&s.covers.join(", "))
            );
        }
        if let Some(c) = &s.compensating {
            let _ = writeln!(
                b,
                "<div class=\"small\">compensating control: {}</div>",
                esc(c)
            );
        }
        if let Some(t) = s.expires_at {
            let _ = writeln!(
                b,
                "<div class=\"small\">expires by itself at {}</div>",
                esc(&t.to_string())
            );
        }
        if !s.cuts.is_empty() {
            let _ = writeln!(
                b,
                "<div class=\"small\">cuts {} node(s)</div>",
                s.cuts.len()
            );
        }
        let _ = writeln!(b, "<div class=\"small\">why: {}</div></li>", esc(&s.reason));
    }
    if phase.is_some() {
        b.push_str("</ol>\n");
    } else {
        b.push_str(
            "<p>The plan has no steps: the stolen artefacts reach nothing at this time.</p>\n",
        );
    }
    b.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::blast::{blast, BlastQuery};
    use crate::analysis::lineage::inherited;
    use crate::analysis::plan::{plan, PlanOptions};
    use crate::model::load::{load_str, Syntax};
    use crate::model::Attacker;

    const EVIL: &str = "<script>alert(1)</script>\"'\u{202e}";

    fn hostile() -> TrustGraph {
        let doc = json!({
            "version": 1,
            "nodes": [
                {"id": format!("okta:session:{EVIL}"), "kind": "session", "platform": "okta", "name": EVIL,
                 "issued_at": "2026-11-20T08:00:00Z", "expires_at": "2026-11-20T20:00:00Z", "revocation": "central"},
                {"id": format!("okta:user:{EVIL}"), "kind": "user", "platform": "okta", "name": EVIL, "criticality": 8},
                {"id": format!("okta:token:{EVIL}"), "kind": "token", "platform": "okta", "name": EVIL,
                 "expires_at": "2026-11-21T20:00:00Z", "props": {"ip": EVIL, "user_agent": EVIL}}
            ],
            "edges": [
                {"from": format!("okta:session:{EVIL}"), "to": format!("okta:user:{EVIL}"), "kind": "authenticates_as"},
                {"from": format!("okta:session:{EVIL}"), "to": format!("okta:token:{EVIL}"), "kind": "issued", "at": "2026-11-20T09:00:00Z"}
            ]
        });
        let (doc, _) = load_str("hostile.json", &doc.to_string(), Syntax::Json).unwrap();
        TrustGraph::new(doc)
    }

    fn html(hunt: Option<&[HuntFinding]>, picture: Picture) -> String {
        let g = hostile();
        let from = g.index(&format!("okta:session:{EVIL}")).unwrap();
        let at = Timestamp::parse("2026-11-20T10:00:00Z").unwrap();
        let r = blast(
            &g,
            &BlastQuery {
                from: vec![from],
                at,
                attacker: Attacker::OffDevice,
            },
        );
        let p = plan(
            &g,
            &r,
            &PlanOptions {
                since: None,
                first_wave: Some(CRITICAL),
            },
        );
        let l = vec![inherited(&g, from, p.since, at)];
        let inc = Incident {
            graph: &g,
            blast: &r,
            plan: &p,
            lineage: &l,
            hunt,
            picture,
        };
        let mut out = Vec::new();
        write(&mut out, &inc).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hostile_strings_stay_text_everywhere() {
        let findings = [HuntFinding {
            at: None,
            title: EVIL.into(),
            detail: EVIL.into(),
            ids: vec![EVIL.into()],
        }];
        let page = html(Some(&findings), Picture::Absent(EVIL.into()));
        // Our three scripts and nothing else: two islands and the page code.
        assert_eq!(page.matches("<script").count(), 3, "{page}");
        assert!(!page.contains("<script>alert"));
        assert!(
            !page.contains('\u{202e}'),
            "direction overrides are shown, not obeyed"
        );
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;[U+202E]"));
        // The islands parse back to the hostile strings exactly.
        let start = page.find("id=\"heir-data\">").unwrap() + "id=\"heir-data\">".len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(data["hunt"][0]["title"], EVIL);
        assert_eq!(data["blast"]["from"][0], format!("okta:session:{EVIL}"));
        assert_eq!(data["inherited"][0]["inherited"][0]["ip"], EVIL);
    }

    #[test]
    fn the_hunt_section_says_what_was_and_was_not_searched() {
        let none = html(None, Picture::Absent("x".into()));
        assert!(
            none.contains("No hunt findings:</strong> this report was made from the graph alone")
        );
        assert!(none.contains("\"hunt\":null"));
        let empty = html(Some(&[]), Picture::Absent("x".into()));
        assert!(empty.contains("The hunt found nothing"));
    }

    #[test]
    fn a_missing_picture_is_explained_in_its_place() {
        let page = html(
            None,
            Picture::Absent("No picture: Graphviz `dot` is not installed".into()),
        );
        assert!(page.contains("id=\"no-picture\">No picture: Graphviz `dot` is not installed"));
        assert!(!page.contains("<svg"));
        // No picture, no cards.
        assert!(page.contains("\"nodes\":{}"));
    }

    #[test]
    fn an_svg_is_inlined_without_its_scripts() {
        let svg = "<?xml version=\"1.0\"?><svg width=\"1pt\"><g id=\"hn0\" class=\"node\"><title>x</title></g>\
                   <script>alert(1)</script></svg>";
        let page = html(None, Picture::Svg(svg.into()));
        assert!(page.contains("<svg><g id=\"hn0\" class=\"node\"><title>x</title></g></svg>"));
        assert_eq!(page.matches("<script").count(), 3);
    }
}
