//! Plain-text tables for a terminal: every line fits in 80 columns.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{assumed_basis, fit, window, Output, Sink};

pub struct Table;

const WIDTH: usize = 80;

impl Sink for Table {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()> {
        match report {
            Output::Validate(r) => {
                writeln!(
                    out,
                    "{}: valid — {} nodes, {} edges",
                    r.file, r.nodes, r.edges
                )?;
                writeln!(out, "\n{:<24} {:>8}", "NODE KIND", "COUNT")?;
                for (k, n) in &r.node_kinds {
                    writeln!(out, "{k:<24} {n:>8}")?;
                }
                writeln!(out, "\n{:<24} {:>8}", "EDGE KIND", "COUNT")?;
                for (k, n) in &r.edge_kinds {
                    writeln!(out, "{k:<24} {n:>8}")?;
                }
                if !r.sources.is_empty() {
                    writeln!(out, "\nSOURCES")?;
                    for s in &r.sources {
                        let state = if s.complete {
                            "complete".to_string()
                        } else {
                            format!(
                                "INCOMPLETE{}",
                                s.reason
                                    .as_ref()
                                    .map(|r| format!(": {r}"))
                                    .unwrap_or_default()
                            )
                        };
                        let when = s.collected_at.map(|t| t.to_string()).unwrap_or_default();
                        writeln!(
                            out,
                            "{}",
                            fit(&format!("  {:<12} {when:<21} {state}", s.name), WIDTH)
                        )?;
                    }
                }
                if !r.warnings.is_empty() {
                    writeln!(out, "\n{} warning(s) — see stderr", r.warnings.len())?;
                }
                Ok(())
            }
            Output::Blast(g, result) => {
                let r = &result.report(g);
                let persistent = r.reached.iter().filter(|x| x.persistent).count();
                let critical = r.reached.iter().filter(|x| x.criticality >= 7).count();
                writeln!(
                    out,
                    "{}",
                    fit(&format!("Blast radius of {}", r.from.join(", ")), WIDTH)
                )?;
                writeln!(out, "at {} · {} attacker", r.at, r.attacker.as_str())?;
                writeln!(
                    out,
                    "{} reached ({} persistent, {} with criticality >= 7), {} blocked",
                    r.reached.len(),
                    persistent,
                    critical,
                    r.blocked.len()
                )?;
                if !r.incomplete_sources.is_empty() {
                    writeln!(
                        out,
                        "{}",
                        fit(
                            &format!(
                                "WARNING: incomplete data from {} — the radius may be larger",
                                r.incomplete_sources.join(", ")
                            ),
                            WIDTH
                        )
                    )?;
                }
                let mut per_platform: BTreeMap<&str, usize> = BTreeMap::new();
                for x in &r.reached {
                    *per_platform.entry(x.platform).or_default() += 1;
                }
                if !per_platform.is_empty() {
                    let parts: Vec<String> = per_platform
                        .iter()
                        .map(|(p, n)| format!("{p} {n}"))
                        .collect();
                    write_wrapped(out, "by platform: ", &parts.join(" · "))?;
                }
                let mut any_assumed = false;
                if !r.reached.is_empty() {
                    writeln!(out)?;
                    writeln!(out, "{:>4} {:<15} {:<20} ID", "CRIT", "KIND", "WINDOW")?;
                    for x in &r.reached {
                        let assumed = (!x.persistent)
                            .then(|| assumed_basis(g, x.until, &x.path.ids()))
                            .flatten();
                        let w = match (assumed, x.until) {
                            (Some(_), Some(t)) => format!("~{t}"),
                            _ => window(x.persistent, x.until),
                        };
                        any_assumed |= assumed.is_some();
                        let mark = if x.complete { "" } else { "?" };
                        writeln!(
                            out,
                            "{:>4} {:<15} {:<20} {}{mark}",
                            x.criticality,
                            fit(x.kind.as_str(), 15),
                            w,
                            fit(x.id, WIDTH - 42 - mark.len() - (w.len() - 20.min(w.len())))
                        )?;
                    }
                }
                if r.reached.iter().any(|x| !x.complete) {
                    writeln!(out, "? = data from an incomplete source")?;
                }
                if any_assumed {
                    writeln!(
                        out,
                        "~ = assumed end: the platform's default or the stated policy \
                         (docs/model.md)"
                    )?;
                }
                if !r.blocked.is_empty() {
                    writeln!(out, "\nBLOCKED — controls that held")?;
                    for b in &r.blocked {
                        let by: Vec<&str> = b.by.iter().map(|x| x.as_str()).collect();
                        writeln!(out, "  {}", fit(b.id, WIDTH - 2))?;
                        writeln!(
                            out,
                            "{}",
                            fit(
                                &format!(
                                    "      by {} on {} from {}",
                                    by.join(", "),
                                    b.edge.kind,
                                    b.edge.from
                                ),
                                WIDTH
                            )
                        )?;
                    }
                }
                if !r.dead_sources.is_empty() {
                    writeln!(
                        out,
                        "\n{}",
                        fit(
                            &format!(
                                "Already dead at {} (expired or inactive): {}",
                                r.at,
                                r.dead_sources.join(", ")
                            ),
                            WIDTH
                        )
                    )?;
                }
                Ok(())
            }
            Output::Plan(_, p) => super::plan::table(out, p),
            Output::Sprawl(r) => super::sprawl::table(out, r),
            Output::Lineage(_, r) => {
                writeln!(out, "{}", fit(&format!("Inherited from {}", r.from), WIDTH))?;
                match r.since {
                    Some(s) => writeln!(out, "minted since {s} · live at {}", r.at)?,
                    None => writeln!(out, "all minted children · live at {}", r.at)?,
                }
                let live = r.inherited.iter().filter(|x| x.live).count();
                writeln!(out, "{} inherited, {} still live", r.inherited.len(), live)?;
                if !r.inherited.is_empty() {
                    writeln!(out)?;
                    writeln!(
                        out,
                        "{:<20} {:<7} {:<4} {:<15} ID",
                        "MINTED", "KIND", "LIVE", "IP"
                    )?;
                    for x in &r.inherited {
                        let at = x.at.map(|t| t.to_string()).unwrap_or_else(|| "?".into());
                        writeln!(
                            out,
                            "{:<20} {:<7} {:<4} {:<15} {}",
                            fit(&at, 20),
                            fit(x.kind.as_str(), 7),
                            if x.live { "yes" } else { "no" },
                            fit(x.ip.as_deref().unwrap_or("-"), 15),
                            fit(&x.id, WIDTH - 50)
                        )?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Writes `prefix` + `text`, wrapping at spaces to stay within the width.
fn write_wrapped(out: &mut dyn Write, prefix: &str, text: &str) -> io::Result<()> {
    let mut line = prefix.to_string();
    let indent = " ".repeat(prefix.chars().count());
    for word in text.split(' ') {
        if line.chars().count() + word.chars().count() + 1 > WIDTH && line.trim() != prefix.trim() {
            writeln!(out, "{}", line.trim_end())?;
            line = indent.clone();
        }
        line.push_str(word);
        line.push(' ');
    }
    writeln!(out, "{}", line.trim_end())
}
