//! `heir hunt` in its three formats. Written here rather than through the shared `Output` enum:
//! the hunt is a report of its own (no graph rows), and its writers stay beside each other.

use std::io::{self, Write};

use super::fit;
use super::markdown::cell;
use crate::analysis::hunt::HuntReport;

/// Terminal width the table keeps to.
const WIDTH: usize = 100;

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

fn window(r: &HuntReport) -> String {
    match r.since {
        Some(s) => format!("since {s} (the compromise) until {}", r.at),
        None => format!(
            "every use until {} (no --since: nothing is flagged new)",
            r.at
        ),
    }
}

/// The JSON contract (docs/contracts.md, `schema/hunt.schema.json`).
pub fn json(out: &mut dyn Write, r: &HuntReport) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, r)?;
    writeln!(out)?;
    out.flush()
}

pub fn table(out: &mut dyn Write, r: &HuntReport) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        fit(&format!("Hunt from {}", r.from.join(", ")), WIDTH)
    )?;
    writeln!(out, "{}", window(r))?;
    if !r.accounts.is_empty() {
        writeln!(
            out,
            "{}",
            fit(
                &format!(
                    "account {} · known addresses before: {}",
                    r.accounts.join(", "),
                    if r.known_addresses.is_empty() {
                        "none".to_string()
                    } else {
                        r.known_addresses.join(", ")
                    }
                ),
                WIDTH
            )
        )?;
    }
    let new = r.uses.iter().filter(|u| u.new_address).count();
    writeln!(
        out,
        "{} use(s), {} from a new address; {} other account(s) from those addresses",
        r.uses.len(),
        new,
        r.other_accounts.len()
    )?;
    if !r.uses.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{:<3} {:<15} {:<13} {:<20} {:>5} {:<24} APP · USER AGENT",
            "NEW", "IP", "COUNTRY", "FIRST", "COUNT", "CREDENTIAL"
        )?;
        for u in &r.uses {
            writeln!(
                out,
                "{:<3} {:<15} {:<13} {:<20} {:>5} {:<24} {} · {}",
                if u.new_address { "yes" } else { "" },
                fit(opt(&u.ip), 15),
                fit(opt(&u.country), 13),
                u.first.to_string(),
                u.count,
                fit(&u.credential, 24),
                fit(opt(&u.app), 30),
                fit(opt(&u.user_agent), 30)
            )?;
        }
    }
    if !r.other_accounts.is_empty() {
        writeln!(out, "\nOther accounts seen from these addresses")?;
        writeln!(out, "{:<15} {:<20} {:>5} ACCOUNT", "IP", "FIRST", "COUNT")?;
        for o in &r.other_accounts {
            writeln!(
                out,
                "{:<15} {:<20} {:>5} {}",
                fit(&o.ip, 15),
                o.first.to_string(),
                o.count,
                fit(&o.account, WIDTH - 44)
            )?;
        }
    }
    if r.observations == 0 {
        writeln!(
            out,
            "\nThe graph holds no log observations: collect oktalog or signins and merge them in."
        )?;
    }
    Ok(())
}

pub fn markdown(out: &mut dyn Write, r: &HuntReport) -> io::Result<()> {
    let from: Vec<String> = r.from.iter().map(|f| format!("`{}`", cell(f))).collect();
    writeln!(out, "# Hunt from {}\n", from.join(", "))?;
    writeln!(out, "Uses {}.", window(r))?;
    if !r.accounts.is_empty() {
        let known: Vec<String> = r
            .known_addresses
            .iter()
            .map(|a| format!("`{}`", cell(a)))
            .collect();
        writeln!(
            out,
            "Account {}; addresses it used before: {}.",
            r.accounts
                .iter()
                .map(|a| format!("`{}`", cell(a)))
                .collect::<Vec<_>>()
                .join(", "),
            if known.is_empty() {
                "none in the logs".to_string()
            } else {
                known.join(", ")
            }
        )?;
    }
    writeln!(
        out,
        "\n## Uses of the stolen artefacts and their descendants\n"
    )?;
    if r.uses.is_empty() {
        writeln!(out, "None in the logs.")?;
    } else {
        writeln!(
            out,
            "| new address | ip | country | network | first | last | count | credential | app | user agent |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|---|")?;
        for u in &r.uses {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | `{}` | {} | {} |",
                if u.new_address { "**yes**" } else { "no" },
                cell(opt(&u.ip)),
                cell(opt(&u.country)),
                cell(opt(&u.asn)),
                u.first,
                u.last,
                u.count,
                cell(&u.credential),
                cell(opt(&u.app)),
                cell(opt(&u.user_agent))
            )?;
        }
    }
    writeln!(out, "\n## Other accounts seen from these addresses\n")?;
    if r.other_accounts.is_empty() {
        writeln!(out, "None in the logs.")?;
    } else {
        writeln!(out, "| account | ip | first | count | credentials |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for o in &r.other_accounts {
            let creds: Vec<String> = o
                .credentials
                .iter()
                .map(|c| format!("`{}`", cell(c)))
                .collect();
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                cell(&o.account),
                cell(&o.ip),
                o.first,
                o.count,
                creds.join(", ")
            )?;
        }
    }
    Ok(())
}
