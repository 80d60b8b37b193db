//! `heir verify` as a table: one line per check (target, expected, observed, honoured), then the
//! `ttl_only` credentials with the time they die, then what could not be checked.

use std::io::Write;

use crate::act::verify::VerifyReport;

/// Writes the table. Plain text, columns padded to the widest cell, so a responder can paste it
/// into the incident channel.
pub fn write_table(r: &VerifyReport, out: &mut dyn Write) -> std::io::Result<()> {
    let not = r.not_honoured().len();
    writeln!(
        out,
        "{} check(s): {} honoured, {} NOT honoured",
        r.checks.len(),
        r.checks.len() - not,
        not
    )?;
    if !r.checks.is_empty() {
        let head = ["step", "target", "expected", "observed", "honoured"];
        let rows: Vec<[String; 5]> = r
            .checks
            .iter()
            .map(|c| {
                [
                    c.step.to_string(),
                    c.target.clone(),
                    c.expected.clone(),
                    c.observed.clone(),
                    if c.honoured { "yes" } else { "NO" }.to_string(),
                ]
            })
            .collect();
        let width: Vec<usize> = (0..5)
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain(std::iter::once(head[i].len()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: [&str; 5], out: &mut dyn Write| -> std::io::Result<()> {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&" ".repeat(width[i] - c.chars().count() + 2));
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
        writeln!(out)?;
        line(head, out)?;
        for r in &rows {
            line([&r[0], &r[1], &r[2], &r[3], &r[4]], out)?;
        }
    }
    if !r.ttl_only.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "ttl_only (nothing revokes them; they die by themselves):"
        )?;
        for t in &r.ttl_only {
            let when = match (t.expires_at, t.dead) {
                (Some(e), true) => format!("died at {e}"),
                (Some(e), false) => format!("alive until {e}"),
                (None, _) => "expiry unknown".to_string(),
            };
            writeln!(out, "  step {} {}: {when}", t.step, t.target)?;
        }
    }
    if !r.unchecked.is_empty() {
        writeln!(out)?;
        writeln!(out, "not checked:")?;
        for u in &r.unchecked {
            writeln!(out, "  step {} {}: {}", u.step, u.target, u.reason)?;
        }
    }
    Ok(())
}
