//! Output of `heir sprawl`: a terminal table, a Markdown review report and SARIF 2.1.0 for code
//! scanning dashboards. JSON is the report itself (`serde_json`), like every other command.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::fit;
use super::text::{capitalise, cell};
use crate::analysis::sprawl::{Finding, Severity, SprawlReport, OWASP_INDEX, RULES};

const WIDTH: usize = 80;
/// Ranking rows shown by the table.
const TABLE_TOP: usize = 20;
/// Ranking rows shown by the Markdown report.
const MARKDOWN_TOP: usize = 25;

/// The SARIF version written, and its schema.
pub const SARIF_VERSION: &str = "2.1.0";
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Findings grouped by severity (high first), then the top of the ranking. Lines fit in 80
/// columns; a long detail or fix wraps under its finding.
pub fn table(out: &mut dyn Write, r: &SprawlReport) -> io::Result<()> {
    writeln!(out, "Sprawl review at {}", r.at)?;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| {
            let n = r.findings.iter().filter(|f| f.severity == *s).count();
            format!("{n} {s}")
        })
        .collect();
    writeln!(
        out,
        "{} finding{} ({}), {} credential{} ranked",
        r.findings.len(),
        plural(r.findings.len()),
        counts.join(", "),
        r.credentials,
        plural(r.credentials)
    )?;
    if !r.incomplete_sources.is_empty() {
        wrap(
            out,
            "",
            &format!(
                "WARNING: incomplete data from {}: findings and reach may be understated",
                r.incomplete_sources.join(", ")
            ),
        )?;
    }
    for sev in Severity::ALL {
        let group: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == *sev).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(
            out,
            "\n{} ({})",
            sev.as_str().to_ascii_uppercase(),
            group.len()
        )?;
        for f in group {
            let owasp = f.owasp.trim_end_matches(":2025");
            let head = format!("  {owasp:<5} {} ", f.rule);
            writeln!(
                out,
                "{head}{}",
                fit(&f.target, WIDTH.saturating_sub(head.chars().count()))
            )?;
            wrap(out, "        ", &f.detail)?;
            wrap(out, "    fix ", &f.fix)?;
        }
    }
    if r.findings.is_empty() {
        writeln!(out, "\nNo findings.")?;
    }
    let top: Vec<_> = r.ranking.iter().take(TABLE_TOP).collect();
    if !top.is_empty() {
        writeln!(
            out,
            "\nRISK RANKING (top {} of {}): blast radius if stolen",
            top.len(),
            r.credentials
        )?;
        writeln!(
            out,
            "{:>4} {:>8} {:>6}  {:<11} ID",
            "#", "SCORE", "REACH", "WINDOW"
        )?;
        for (k, e) in top.iter().enumerate() {
            let window = if !e.alive {
                "dead".to_string()
            } else if e.persistent {
                "persistent".to_string()
            } else {
                e.expires_at.map_or("no expiry".to_string(), |t| {
                    t.to_string().get(..10).unwrap_or_default().to_string()
                })
            };
            writeln!(
                out,
                "{:>4} {:>8.1} {:>6}  {:<11} {}",
                k + 1,
                e.score,
                e.reach,
                window,
                fit(&e.id, WIDTH - 34)
            )?;
        }
    }
    Ok(())
}

/// A review report: summary per OWASP entry, then the findings, then the ranking.
pub fn markdown(out: &mut dyn Write, r: &SprawlReport) -> io::Result<()> {
    writeln!(out, "# NHI sprawl review\n")?;
    let by_sev: Vec<String> = Severity::ALL
        .iter()
        .map(|s| {
            let n = r.findings.iter().filter(|f| f.severity == *s).count();
            format!("{n} {s}")
        })
        .collect();
    writeln!(
        out,
        "Evaluated at **{}**: **{} finding{}** ({}) over the [OWASP Non-Human Identities Top 10 \
         (2025)]({OWASP_INDEX}); **{} credential{}** ranked by what they would give an attacker.\n",
        r.at,
        r.findings.len(),
        plural(r.findings.len()),
        by_sev.join(", "),
        r.credentials,
        plural(r.credentials)
    )?;
    if !r.incomplete_sources.is_empty() {
        writeln!(
            out,
            "> **Warning:** data from {} is incomplete: findings and reach may be understated.\n",
            r.incomplete_sources.join(", ")
        )?;
    }

    writeln!(out, "## Summary\n")?;
    writeln!(out, "| OWASP | risk | rule | high | medium | low |")?;
    writeln!(out, "|---|---|---|---:|---:|---:|")?;
    for rule in RULES {
        let of_rule: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == rule.id).collect();
        let n = |s: Severity| of_rule.iter().filter(|f| f.severity == s).count();
        writeln!(
            out,
            "| [{}]({}) | {} | `{}` | {} | {} | {} |",
            rule.owasp,
            rule.owasp_uri,
            rule.owasp_title,
            rule.id,
            n(Severity::High),
            n(Severity::Medium),
            n(Severity::Low)
        )?;
    }
    writeln!(
        out,
        "\nNHI6 (Insecure Cloud Deployment Configurations) is only checked for static cloud keys \
         held by workloads and CI; the rules and thresholds are described in \
         `docs/sprawl-review.md`.\n"
    )?;

    writeln!(out, "## Findings\n")?;
    if r.findings.is_empty() {
        writeln!(out, "None.\n")?;
    }
    let mut k = 0;
    for sev in Severity::ALL {
        let group: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == *sev).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "### {} ({})\n", capitalise(sev.as_str()), group.len())?;
        for f in group {
            k += 1;
            let rule = crate::analysis::sprawl::rule(&f.rule);
            let owasp = match rule {
                Some(rule) => format!("[{}]({}) {}", f.owasp, rule.owasp_uri, rule.owasp_title),
                None => f.owasp.clone(),
            };
            writeln!(
                out,
                "{k}. **`{}`** — `{}` · {owasp}",
                f.rule,
                cell(&f.target)
            )?;
            writeln!(out, "    - {}", md(&f.detail))?;
            writeln!(out, "    - **Fix:** {}", md(&f.fix))?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Risk ranking\n")?;
    writeln!(
        out,
        "Every credential, scored by the blast radius an off-device attacker gets by stealing it: \
         the sum of the criticality of every node reached, each weighted by how long access \
         lasts (1 for persistent or unexpiring access, else the share of a day left).\n"
    )?;
    let valued = r.ranking.iter().filter(|e| e.score > 0.0).count();
    let shown: Vec<_> = r
        .ranking
        .iter()
        .filter(|e| e.score > 0.0)
        .take(MARKDOWN_TOP)
        .collect();
    if shown.is_empty() {
        writeln!(out, "No credential reaches anything of value.")?;
    } else {
        writeln!(out, "| # | credential | kind | score | reach | crown jewels | window | most critical reached |")?;
        writeln!(out, "|---:|---|---|---:|---:|---:|---|---|")?;
        for (k, e) in shown.iter().enumerate() {
            let window = if e.persistent {
                "persistent".to_string()
            } else {
                e.expires_at
                    .map_or("no expiry".to_string(), |t| t.to_string())
            };
            writeln!(
                out,
                "| {} | `{}` | {} | {:.1} | {} | {} | {} | {} |",
                k + 1,
                cell(&e.id),
                e.kind,
                e.score,
                e.reach,
                e.crown_jewels,
                window,
                e.top
                    .as_deref()
                    .map(|t| format!("`{}`", cell(t)))
                    .unwrap_or_default()
            )?;
        }
        if valued > shown.len() {
            writeln!(
                out,
                "\n{} more credential{} with a score above 0: `heir sprawl --format json` lists \
                 them all.",
                valued - shown.len(),
                plural(valued - shown.len())
            )?;
        }
        let rest = r.ranking.len() - valued;
        if rest > 0 {
            writeln!(
                out,
                "\n{rest} credential{} reach nothing of value (score 0: expired, inactive, or \
                 reaching only criticality-0 nodes).",
                plural(rest)
            )?;
        }
    }
    Ok(())
}

/// SARIF 2.1.0: one run, one reporting descriptor per rule, one result per finding located at the
/// target node (a logical location: the graph has no files).
pub fn sarif(out: &mut dyn Write, r: &SprawlReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_value(r))?;
    writeln!(out)
}

/// The SARIF log as a JSON value.
pub fn sarif_value(r: &SprawlReport) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.name,
                "shortDescription": {"text": rule.short},
                "fullDescription": {"text": rule.full},
                "help": {
                    "text": format!("{} Severity: {}. OWASP {} {}: {}",
                        rule.full, rule.severity, rule.owasp, rule.owasp_title, rule.owasp_uri),
                    "markdown": format!("{}\n\n**Severity:** {}.\n\n[OWASP {} {}]({})",
                        rule.full, rule.severity, rule.owasp, rule.owasp_title, rule.owasp_uri),
                },
                "helpUri": rule.owasp_uri,
                "properties": {
                    "tags": ["security", "non-human-identity", rule.owasp,
                             format!("OWASP-{}", rule.owasp.trim_end_matches(":2025"))],
                },
            })
        })
        .collect();
    let index: BTreeMap<&str, usize> = RULES.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": f.detail},
                "locations": [{
                    "logicalLocations": [{
                        "name": f.target,
                        "fullyQualifiedName": f.target,
                        "kind": "resource",
                    }],
                }],
                "properties": {
                    "owasp": f.owasp,
                    "severity": f.severity.as_str(),
                    "fix": f.fix,
                    "platform": f.platform,
                    "nodeKind": f.kind.as_str(),
                },
            });
            if let Some(&i) = index.get(f.rule.as_str()) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    json!({
        "version": SARIF_VERSION,
        "$schema": SARIF_SCHEMA,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "heir",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": OWASP_INDEX,
                    "rules": rules,
                },
            },
            "results": results,
            "properties": {
                "at": r.at.to_string(),
                "incompleteSources": r.incomplete_sources,
            },
        }],
    })
}

/// SARIF `level` of a severity: high → error, medium → warning, low → note.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Text safe in a Markdown list item: one line, and no `*` read as emphasis outside code spans.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut code = false;
    for ch in s.chars() {
        match ch {
            '`' => code = !code,
            '*' if !code => out.push('\\'),
            '\n' | '\r' => {
                out.push(' ');
                continue;
            }
            _ => {}
        }
        out.push(ch);
    }
    out
}

/// Writes `text` wrapped at 80 columns, the first line after `first`, the rest indented as deep.
fn wrap(out: &mut dyn Write, first: &str, text: &str) -> io::Result<()> {
    let indent = " ".repeat(first.chars().count());
    let room = WIDTH.saturating_sub(indent.len()).max(20);
    let mut line = String::new();
    let mut prefix = first.to_string();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > room {
            writeln!(out, "{prefix}{line}")?;
            line.clear();
            prefix = indent.clone();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        writeln!(out, "{prefix}{line}")?;
    }
    Ok(())
}
