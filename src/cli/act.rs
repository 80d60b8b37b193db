//! `heir revoke` and `heir verify`: options, the safety gates (staleness, confirmation) and the
//! exit codes; the work is in `crate::act`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::act::endpoints::{clients, Endpoints};
use crate::act::journal::{self, Journal};
use crate::act::plan::{self, Freshness, PlanFile};
use crate::act::revoke::{self, done_in, Disposition};
use crate::act::verify;
use crate::analysis::mechanism::Api;
use crate::collect::http::Policy;
use crate::error::HeirError;
use crate::model::{liveness, Timestamp};

/// Base URLs of the platform APIs (the collectors' defaults; credentials from the collectors'
/// environment variables).
#[derive(Args, Debug, Clone, Default)]
pub struct EndpointOpts {
    /// Okta org URL, e.g. https://acme.okta.com (token from OKTA_API_TOKEN).
    #[arg(long, value_name = "URL")]
    pub okta_org_url: Option<String>,
    /// Microsoft Graph base (default https://graph.microsoft.com/v1.0; ENTRA_ACCESS_TOKEN or
    /// ENTRA_TENANT_ID, ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET).
    #[arg(long, value_name = "URL")]
    pub entra_api_url: Option<String>,
    /// GitHub REST base (default https://api.github.com; GITHUB_TOKEN).
    #[arg(long, value_name = "URL")]
    pub github_api_url: Option<String>,
    /// Google Admin SDK base (default https://admin.googleapis.com; GOOGLE_ACCESS_TOKEN).
    #[arg(long, value_name = "URL")]
    pub google_api_url: Option<String>,
    /// Slack Web API host (default https://slack.com; SLACK_TOKEN).
    #[arg(long, value_name = "URL")]
    pub slack_api_url: Option<String>,
}

impl EndpointOpts {
    fn endpoints(&self) -> Endpoints {
        Endpoints {
            okta: self.okta_org_url.clone(),
            entra: self.entra_api_url.clone(),
            github: self.github_api_url.clone(),
            google: self.google_api_url.clone(),
            slack: self.slack_api_url.clone(),
        }
    }
}

/// When a plan is too old to act on.
#[derive(Args, Debug, Clone)]
pub struct FreshnessOpts {
    /// Refuse a plan computed (its `at`) longer ago than this.
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = liveness::parse_duration)]
    pub max_age: i64,
    /// The graph the plan must have been computed from (its SHA-256 is in the plan).
    #[arg(long, value_name = "GRAPH")]
    pub graph: Option<PathBuf>,
    /// Act on a plan that is older than --max-age or from another graph.
    #[arg(long)]
    pub stale_ok: bool,
}

impl FreshnessOpts {
    fn freshness(&self) -> Freshness {
        Freshness {
            max_age_ms: self.max_age,
            graph: self.graph.clone(),
            stale_ok: self.stale_ok,
        }
    }
}

#[derive(Args, Debug)]
pub struct RevokeOpts {
    /// A plan written by `heir plan --format json`.
    #[arg(value_name = "PLAN.json")]
    pub plan: PathBuf,
    #[command(flatten)]
    pub endpoints: EndpointOpts,
    /// Perform the requests (default: print them).
    #[arg(long)]
    pub execute: bool,
    /// Do not ask for confirmation (required with --execute when standard input is not a
    /// terminal).
    #[arg(long, requires = "execute")]
    pub yes: bool,
    /// The journal (JSON lines); default: a file named after the plan in the user's data
    /// directory ($HEIR_DATA_DIR, $XDG_DATA_HOME/heir or ~/.local/share/heir).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub freshness: FreshnessOpts,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct VerifyOpts {
    /// The plan that was carried out.
    #[arg(value_name = "PLAN.json")]
    pub plan: PathBuf,
    #[command(flatten)]
    pub endpoints: EndpointOpts,
    /// The journal of the run (default: the plan's journal in the data directory, if any).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,
    #[command(flatten)]
    pub freshness: FreshnessOpts,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// The staleness gate: refuses (exit 1) unless `--stale-ok`; a dry run only warns, since it
/// performs nothing.
fn gate_staleness(p: &PlanFile, f: &FreshnessOpts, acting: bool) -> Result<(), HeirError> {
    let Some(why) = plan::staleness(p, &f.freshness(), Timestamp::now())? else {
        return Ok(());
    };
    if f.stale_ok {
        eprintln!(
            "warning: {}: stale plan ({why}); going on because of --stale-ok",
            p.path
        );
        Ok(())
    } else if !acting {
        eprintln!(
            "warning: {}: stale plan ({why}); --execute would refuse it without --stale-ok",
            p.path
        );
        Ok(())
    } else {
        Err(HeirError::Input(format!(
            "{}: refusing a stale plan: {why}\n  fix: compute the plan again with `heir plan … --format json`, or pass --stale-ok if it still describes the tenant",
            p.path
        )))
    }
}

fn journal_entries(path: &std::path::Path) -> Result<Vec<journal::Entry>, HeirError> {
    let (entries, bad) = journal::read(path)?;
    if bad > 0 {
        eprintln!(
            "warning: {}: {bad} line(s) are not journal entries (a crash mid-write leaves one); they are ignored",
            path.display()
        );
    }
    Ok(entries)
}

pub fn revoke_cmd(o: RevokeOpts) -> Result<(), HeirError> {
    let p = plan::read(&o.plan)?;
    gate_staleness(&p, &o.freshness, o.execute)?;
    let endpoints = o.endpoints.endpoints();
    let stdout = std::io::stdout();
    if !o.execute {
        // A dry run marks what the plan's journal already has, when there is one to read.
        let journal_path = match &o.journal {
            Some(j) => Some(j.clone()),
            None => journal::default_path(&p.path, &p.sha256).ok(),
        };
        let previous = match journal_path {
            Some(j) => journal_entries(&j)?,
            None => Vec::new(),
        };
        let mut out = stdout.lock();
        revoke::dry_run(&p, &endpoints, &previous, &mut out)
            .and_then(|_| out.flush())
            .map_err(|e| HeirError::io("writing to standard output", e))?;
        return Ok(());
    }
    let journal_path = match &o.journal {
        Some(j) => j.clone(),
        None => journal::default_path(&p.path, &p.sha256)?,
    };
    let previous = journal_entries(&journal_path)?;
    // The platforms with requests still to send: a finished plan needs no credential at all.
    let done = done_in(&previous);
    let mut pending: Vec<Api> = Vec::new();
    let mut count = 0usize;
    for s in revoke::acting_steps(&p) {
        if let Disposition::Calls(calls) = revoke::disposition(s) {
            for c in calls {
                let k = (
                    s.target.clone(),
                    c.method.as_str().to_string(),
                    endpoints.url(c.api, &c.path),
                );
                if !done.contains_key(&k) {
                    count += 1;
                    if !pending.contains(&c.api) {
                        pending.push(c.api);
                    }
                }
            }
        }
    }
    pending.sort();
    if !o.yes && count > 0 {
        confirm(&p, count, &pending)?;
    }
    eprintln!("journal: {}", journal_path.display());
    let rt = runtime();
    let clients = rt.block_on(clients(&endpoints, &pending, &Policy::default()))?;
    let mut journal = Journal::open(&journal_path)?;
    let mut out = stdout.lock();
    let t = rt.block_on(revoke::execute(
        &p,
        &endpoints,
        &clients,
        &mut journal,
        &previous,
        &mut out,
    ))?;
    let _ = out.flush();
    eprintln!(
        "{} request(s) done, {} already done before, {} failed, {} skipped, {} step(s) by hand; journal: {}",
        t.done,
        t.already,
        t.failed,
        t.skipped,
        t.manual,
        journal_path.display()
    );
    if t.failed + t.skipped > 0 {
        return Err(HeirError::Incomplete(format!(
            "{} request(s) failed and {} were skipped; the journal {} says which and why, and a re-run resumes from it",
            t.failed,
            t.skipped,
            journal_path.display()
        )));
    }
    Ok(())
}

/// The interactive confirmation: type the number of requests. Without a terminal there is no
/// one to ask, so `--yes` must say it.
fn confirm(p: &PlanFile, count: usize, apis: &[Api]) -> Result<(), HeirError> {
    if !std::io::stdin().is_terminal() {
        return Err(HeirError::Usage(
            "--execute sends revocation requests; standard input is not a terminal, so confirm with --yes".into(),
        ));
    }
    let names: Vec<&str> = apis.iter().map(|a| a.as_str()).collect();
    eprint!(
        "{}: about to send {count} request(s) to {}. Type {count} to go on: ",
        p.path,
        if names.is_empty() {
            "no platform".to_string()
        } else {
            names.join(", ")
        }
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| HeirError::io("reading the confirmation", e))?;
    if line.trim() == count.to_string() {
        Ok(())
    } else {
        Err(HeirError::Usage(format!(
            "not confirmed (typed `{}`, expected {count}); nothing was sent",
            line.trim()
        )))
    }
}

pub fn verify_cmd(o: VerifyOpts) -> Result<(), HeirError> {
    let p = plan::read(&o.plan)?;
    gate_staleness(&p, &o.freshness, true)?;
    let endpoints = o.endpoints.endpoints();
    let journal_path = match &o.journal {
        Some(j) => Some(j.clone()),
        None => journal::default_path(&p.path, &p.sha256)
            .ok()
            .filter(|j| j.exists()),
    };
    let entries = match &journal_path {
        Some(j) => journal_entries(j)?,
        None => Vec::new(),
    };
    let apis = verify::apis(&p, &endpoints);
    let rt = runtime();
    let clients = rt.block_on(clients(&endpoints, &apis, &Policy::default()))?;
    let report = rt.block_on(verify::verify(
        &p,
        &endpoints,
        &clients,
        &entries,
        Timestamp::now(),
    ))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match o.format {
        VerifyFormat::Table => crate::report::verify::write_table(&report, &mut out),
        VerifyFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out)),
    }
    .and_then(|_| out.flush())
    .map_err(|e| HeirError::io("writing to standard output", e))?;
    let not = report.not_honoured();
    if !not.is_empty() {
        let names: Vec<String> = not
            .iter()
            .map(|c| format!("step {} {} ({})", c.step, c.target, c.observed))
            .collect();
        return Err(HeirError::Gate(format!(
            "{} revocation(s) not honoured: {}",
            not.len(),
            names.join("; ")
        )));
    }
    Ok(())
}
