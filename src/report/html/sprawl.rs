//! The sprawl review as a page: findings by OWASP NHI entry and severity (filterable), and the
//! credentials ranked by what their theft would reach.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{esc, page, Island};
use crate::analysis::sprawl::{rule, Severity, SprawlReport};

/// The most ranked credentials shown as rows: an estate has hundreds of thousands, and the page
/// must still open; the JSON island has them all (and `--top` cuts the answer itself).
pub const MAX_RANKED_ROWS: usize = 500;

/// The most findings shown as rows, for the same reason.
pub const MAX_FINDING_ROWS: usize = 5_000;

/// An OWASP entry's title, from the rule list.
fn owasp_title(rule_id: &str) -> &'static str {
    rule(rule_id).map_or("", |r| r.owasp_title)
}

/// Writes the review.
pub fn write(out: &mut dyn Write, r: &SprawlReport) -> io::Result<()> {
    let title = format!("NHI sprawl review at {}", r.at);
    let mut b = String::with_capacity(64 * 1024);
    let _ = writeln!(
        b,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{} finding(s) · {} credential(s) scored · made by heir {}</p>",
        esc(&title),
        r.findings.len(),
        r.credentials,
        env!("CARGO_PKG_VERSION")
    );
    if !r.incomplete_sources.is_empty() {
        let _ = writeln!(
            b,
            "<div class=\"banner warn\" role=\"alert\" id=\"incomplete\"><strong>Incomplete data</strong> from {}: \
             findings and reach may be understated.</div>",
            esc(&r.incomplete_sources.join(", "))
        );
    }
    b.push_str(
        "<nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a>\
         <a href=\"#ranking\">Ranked credentials</a><a href=\"#data\">Data</a></nav>\n</header>\n",
    );

    // Summary: per OWASP entry, per severity.
    let mut by_entry: BTreeMap<(u32, &str), ([usize; 3], &str)> = BTreeMap::new();
    for f in &r.findings {
        // "NHI10:2025" sorts after "NHI9:2025".
        let n = f
            .owasp
            .trim_start_matches("NHI")
            .split(':')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(u32::MAX);
        let entry = by_entry
            .entry((n, f.owasp.as_str()))
            .or_insert(([0; 3], owasp_title(&f.rule)));
        entry.0[sev_index(f.severity)] += 1;
    }
    let total = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        b,
        "<section id=\"summary\">\n<h2>Summary</h2>\n<p><span class=\"sev high\">{} high</span> \
         <span class=\"sev medium\">{} medium</span> <span class=\"sev low\">{} low</span></p>",
        total(Severity::High),
        total(Severity::Medium),
        total(Severity::Low)
    );
    if by_entry.is_empty() {
        b.push_str("<p>No findings.</p>\n");
    } else {
        b.push_str(
            "<table id=\"by-owasp\"><thead><tr><th>OWASP NHI Top 10 (2025)</th><th class=\"num\">high</th>\
             <th class=\"num\">medium</th><th class=\"num\">low</th></tr></thead><tbody>\n",
        );
        for ((_, entry), (counts, title)) in &by_entry {
            let _ = writeln!(
                b,
                "<tr><td>{} {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(entry),
                esc(title),
                counts[0],
                counts[1],
                counts[2]
            );
        }
        b.push_str("</tbody></table>\n");
    }
    b.push_str("</section>\n");

    // Findings, with filters.
    b.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    b.push_str(
        "<form class=\"filters\" id=\"filters\"><span>Severity:</span>\
         <label><input type=\"checkbox\" name=\"severity\" value=\"high\" checked> high</label>\
         <label><input type=\"checkbox\" name=\"severity\" value=\"medium\" checked> medium</label>\
         <label><input type=\"checkbox\" name=\"severity\" value=\"low\" checked> low</label>\
         <label>OWASP entry: <select name=\"owasp\"><option value=\"\">all</option>",
    );
    for ((_, entry), (_, title)) in &by_entry {
        let _ = write!(
            b,
            "<option value=\"{}\">{} {}</option>",
            esc(entry),
            esc(entry),
            esc(title)
        );
    }
    b.push_str(
        "</select></label><label>Search: <input type=\"search\" name=\"q\" placeholder=\"id, platform, text\"></label>\
         <span class=\"small\" id=\"findings-shown\"></span></form>\n",
    );
    b.push_str(
        "<table id=\"findings-table\"><thead><tr><th>severity</th><th>OWASP</th><th>target</th>\
         <th>what</th><th>fix</th></tr></thead><tbody>\n",
    );
    for f in r.findings.iter().take(MAX_FINDING_ROWS) {
        let name = f
            .name
            .as_deref()
            .filter(|n| *n != f.target)
            .map(|n| format!("<br>{}", esc(n)))
            .unwrap_or_default();
        let _ = writeln!(
            b,
            "<tr data-severity=\"{}\" data-owasp=\"{}\"><td><span class=\"sev {}\">{}</span></td>\
             <td class=\"nowrap\">{}<br><span class=\"small\">{}</span></td><td class=\"target\"><code>{}</code>{}<br><span class=\"small\">{} · {}</span></td>\
             <td>{}</td><td>{}</td></tr>",
            f.severity.as_str(),
            esc(&f.owasp),
            f.severity.as_str(),
            f.severity.as_str(),
            esc(&f.owasp),
            esc(&f.rule),
            esc(&f.target),
            name,
            esc(f.kind.as_str()),
            esc(&f.platform),
            esc(&f.detail),
            esc(&f.fix)
        );
    }
    b.push_str("</tbody></table>\n");
    if r.findings.len() > MAX_FINDING_ROWS {
        let _ = writeln!(
            b,
            "<p>… and {} more finding(s), in the JSON island.</p>",
            r.findings.len() - MAX_FINDING_ROWS
        );
    }
    b.push_str("</section>\n");

    // Ranking.
    b.push_str(
        "<section id=\"ranking\">\n<h2>Credentials ranked by blast radius</h2>\n<p class=\"small\">Score: the sum over \
         every node the credential reaches of criticality × how long the access lasts. Reach: what <code>heir blast</code> \
         would report if it were stolen now.</p>\n",
    );
    if r.ranking.is_empty() {
        b.push_str("<p>No credentials to rank.</p>\n");
    } else {
        b.push_str(
            "<table id=\"ranking-table\"><thead><tr><th class=\"num\">#</th><th>credential</th><th class=\"num\">score</th>\
             <th class=\"num\">reach</th><th class=\"num\">crown jewels</th><th>window</th><th>most critical reached</th></tr></thead><tbody>\n",
        );
        for (k, x) in r.ranking.iter().take(MAX_RANKED_ROWS).enumerate() {
            let window = if !x.alive {
                "expired or inactive".to_string()
            } else if x.persistent {
                "persistent reach".to_string()
            } else {
                x.expires_at
                    .map(|t| format!("expires {t}"))
                    .unwrap_or_else(|| "no expiry".into())
            };
            let _ = writeln!(
                b,
                "<tr><td class=\"num\">{}</td><td><code>{}</code><br><span class=\"small\">{} · {}</span></td>\
                 <td class=\"num\">{:.1}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                k + 1,
                esc(&x.id),
                esc(x.kind.as_str()),
                esc(&x.platform),
                x.score,
                x.reach,
                x.crown_jewels,
                esc(&window),
                x.top.as_deref().map(|t| format!("<code>{}</code>", esc(t))).unwrap_or_default()
            );
        }
        b.push_str("</tbody></table>\n");
        if r.ranking.len() > MAX_RANKED_ROWS {
            let _ = writeln!(
                b,
                "<p>… and {} more credential(s), in the JSON island.</p>",
                r.ranking.len() - MAX_RANKED_ROWS
            );
        }
    }
    b.push_str("</section>\n");
    b.push_str(
        "<section id=\"data\">\n<h2>Machine-readable answer</h2>\n<p>The element <code>script#heir-data</code> holds \
         the review as <code>heir sprawl --format json</code> writes it.</p>\n</section>\n",
    );
    let data = serde_json::to_value(r).map_err(io::Error::other)?;
    page(
        out,
        &title,
        &b,
        &[Island {
            id: "heir-data",
            value: &data,
        }],
        super::sprawl_js(),
    )
}

fn sev_index(s: Severity) -> usize {
    match s {
        Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low => 2,
    }
}
