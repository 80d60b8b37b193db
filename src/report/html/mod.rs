//! One self-contained HTML file per answer: the incident report (`heir report`) and the sprawl
//! review (`heir sprawl --format html`).
//!
//! Responders, their managers and the people whose accounts were stolen read pictures and
//! checklists, often offline, often printed. So a report is one file with everything inline —
//! styles, the picture (Graphviz SVG), a small script of ours, and the machine-readable answers as
//! a JSON island — and it loads nothing: a Content-Security-Policy allows only the page's own
//! style and script (by hash), so even a string that slipped past escaping could not fetch or run
//! anything.
//!
//! Everything from the data goes through [`esc`] (text and attribute values alike) or
//! [`json_island`]; the script builds its panels with `textContent`, never markup.

pub mod escape;
pub mod incident;
pub mod sprawl;
pub mod svg;

use std::io::{self, Write};

use base64::Engine as _;

pub use escape::{esc, json_island};

use super::{Output, Sink};

const CSS: &str = include_str!("assets/report.css");
const COMMON_JS: &str = include_str!("assets/common.js");
const INCIDENT_JS: &str = include_str!("assets/incident.js");
const SPRAWL_JS: &str = include_str!("assets/sprawl.js");

/// The sprawl review as a page (`heir sprawl --format html`). The incident report needs more
/// than one answer (blast, plan, lineage, a picture) and is written by [`incident::write`].
pub struct Html;

impl Sink for Html {
    fn write(&mut self, out: &mut dyn Write, report: &Output<'_>) -> io::Result<()> {
        match report {
            Output::Sprawl(r) => sprawl::write(out, r),
            _ => Err(io::Error::other(
                "the html format is for `heir sprawl`; the incident report is `heir report`",
            )),
        }
    }
}

/// A machine-readable island: `<script type="application/json" id=…>`, never executed.
pub(crate) struct Island<'a> {
    pub id: &'a str,
    pub value: &'a serde_json::Value,
}

/// `'sha256-…'`, the CSP source that allows exactly this inline text.
fn csp_hash(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// Writes a whole page: head (CSP, styles), `body` (already escaped markup), the islands, then
/// the common script and the page's own.
pub(crate) fn page(
    out: &mut dyn Write,
    title: &str,
    body: &str,
    islands: &[Island<'_>],
    script: &str,
) -> io::Result<()> {
    let script = format!("{COMMON_JS}\n{script}");
    let csp = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(&script),
        csp_hash(CSS)
    );
    let mut out = io::BufWriter::new(out);
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"heir {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        esc(&csp),
        env!("CARGO_PKG_VERSION"),
        esc(title)
    )?;
    out.write_all(body.as_bytes())?;
    for i in islands {
        writeln!(
            out,
            "<script type=\"application/json\" id=\"{}\">{}</script>",
            esc(i.id),
            json_island(i.value)
        )?;
    }
    writeln!(out, "<script>{script}</script>\n</body>\n</html>")?;
    out.flush()
}

/// The page script of the incident report.
pub(crate) fn incident_js() -> &'static str {
    INCIDENT_JS
}

/// The page script of the sprawl review.
pub(crate) fn sprawl_js() -> &'static str {
    SPRAWL_JS
}

/// A stable short key (FNV-1a, hex) for `parts`: names a report's checklist in the browser's
/// local storage, so two reports opened from the same folder keep separate ticks, and the same
/// report regenerated keeps them.
pub(crate) fn key(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_allows_only_its_own_script_and_style() {
        let mut out = Vec::new();
        let v = serde_json::json!({"x": "</script><script>alert(1)</script>"});
        page(
            &mut out,
            "<t>",
            "<p>body</p>",
            &[Island { id: "d", value: &v }],
            "var a = 1;",
        )
        .unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.contains("<title>&lt;t&gt;</title>"));
        assert!(html.contains(&esc(&csp_hash(&format!("{COMMON_JS}\nvar a = 1;")))));
        assert!(html.contains(&esc(&csp_hash(CSS))));
        // Our two scripts (island and code); the island's text cannot end it early.
        assert_eq!(html.matches("<script").count(), 2);
        assert_eq!(html.matches("</script>").count(), 2);
    }

    #[test]
    fn keys_are_stable_and_separate_their_parts() {
        assert_eq!(key(&["a", "b"]), key(&["a", "b"]));
        assert_ne!(key(&["ab", ""]), key(&["a", "b"]));
    }
}
