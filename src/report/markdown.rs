//! Markdown, to paste into an incident ticket or a review document.

use std::io::{self, Write};

// Re-exported where it always was, for callers of `report::markdown::cell`.
pub use super::text::cell;
use super::{assumed_basis, window, Output, Sink};
use crate::model::liveness;

pub struct Markdown;

impl Sink for Markdown {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()> {
        match report {
            Output::Validate(r) => {
                writeln!(out, "# `{}`: valid\n", cell(&r.file))?;
                writeln!(out, "{} nodes, {} edges.\n", r.nodes, r.edges)?;
                writeln!(out, "| node kind | count |\n|---|---:|")?;
                for (k, n) in &r.node_kinds {
                    writeln!(out, "| {k} | {n} |")?;
                }
                writeln!(out, "\n| edge kind | count |\n|---|---:|")?;
                for (k, n) in &r.edge_kinds {
                    writeln!(out, "| {k} | {n} |")?;
                }
                Ok(())
            }
            Output::Blast(g, result) => {
                let r = &result.report(g);
                let from: Vec<String> = r.from.iter().map(|f| format!("`{}`", cell(f))).collect();
                writeln!(out, "# Blast radius of {}\n", from.join(", "))?;
                writeln!(
                    out,
                    "Evaluated at **{}** for an **{}** attacker: **{} reached** ({} persistent), **{} blocked**.\n",
                    r.at,
                    r.attacker.as_str(),
                    r.reached.len(),
                    r.reached.iter().filter(|x| x.persistent).count(),
                    r.blocked.len()
                )?;
                if !r.incomplete_sources.is_empty() {
                    writeln!(
                        out,
                        "> **Warning:** data from {} is incomplete; the radius may be larger.\n",
                        r.incomplete_sources.join(", ")
                    )?;
                }
                if !r.dead_sources.is_empty() {
                    writeln!(
                        out,
                        "> Already expired or inactive at {}: {}\n",
                        r.at,
                        r.dead_sources.join(", ")
                    )?;
                }
                if !r.reached.is_empty() {
                    writeln!(out, "## Reached\n")?;
                    writeln!(
                        out,
                        "| criticality | node | kind | platform | window | path |"
                    )?;
                    writeln!(out, "|---:|---|---|---|---|---|")?;
                    for x in &r.reached {
                        let name = g
                            .node(g.index(x.id).expect("reported ids exist"))
                            .display_name();
                        let node = if name == x.id {
                            format!("`{}`", cell(x.id))
                        } else {
                            format!("{} (`{}`)", cell(name), cell(x.id))
                        };
                        let path: Vec<String> = x
                            .path
                            .ids()
                            .iter()
                            .map(|p| format!("`{}`", cell(p)))
                            .collect();
                        writeln!(
                            out,
                            "| {} | {} | {} | {} | {}{} | {} |",
                            x.criticality,
                            node,
                            x.kind,
                            cell(x.platform),
                            match (
                                (!x.persistent)
                                    .then(|| assumed_basis(g, x.until, &x.path.ids()))
                                    .flatten(),
                                x.until
                            ) {
                                (Some(b), Some(t)) => liveness::show(t, Some(b)),
                                _ => window(x.persistent, x.until),
                            },
                            if x.complete { "" } else { " (incomplete data)" },
                            path.join(" → ")
                        )?;
                    }
                }
                if !r.blocked.is_empty() {
                    writeln!(out, "\n## Blocked — controls that held\n")?;
                    writeln!(out, "| node | blocked by | edge |\n|---|---|---|")?;
                    for b in &r.blocked {
                        let by: Vec<&str> = b.by.iter().map(|x| x.as_str()).collect();
                        writeln!(
                            out,
                            "| `{}` | {} | `{}` -{}-> `{}` |",
                            cell(b.id),
                            by.join(", "),
                            cell(b.edge.from),
                            b.edge.kind,
                            cell(b.edge.to)
                        )?;
                    }
                }
                Ok(())
            }
            Output::Plan(g, p) => super::plan::markdown(out, g, p),
            Output::Sprawl(r) => super::sprawl::markdown(out, r),
            Output::Lineage(_, r) => {
                writeln!(out, "# Inherited from `{}`\n", cell(&r.from))?;
                match r.since {
                    Some(s) => writeln!(out, "Minted since {s}; liveness at {}.\n", r.at)?,
                    None => writeln!(out, "Every minted child; liveness at {}.\n", r.at)?,
                }
                writeln!(
                    out,
                    "| minted | credential | kind | live | ip | user agent | via |"
                )?;
                writeln!(out, "|---|---|---|---|---|---|---|")?;
                for x in &r.inherited {
                    let via: Vec<String> = x.via.iter().map(|p| format!("`{}`", cell(p))).collect();
                    writeln!(
                        out,
                        "| {} | `{}` | {} | {} | {} | {} | {} |",
                        x.at.map(|t| t.to_string()).unwrap_or_else(|| "?".into()),
                        cell(&x.id),
                        x.kind,
                        if x.live { "yes" } else { "no" },
                        cell(x.ip.as_deref().unwrap_or("")),
                        cell(x.user_agent.as_deref().unwrap_or("")),
                        via.join(" → ")
                    )?;
                }
                Ok(())
            }
        }
    }
}
