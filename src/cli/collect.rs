//! `heir collect SOURCE … -o FILE`: run one collector, write its document atomically, and make
//! an incomplete collection visible (exit 4 after writing).

use clap::{Args, Subcommand};

use crate::collect::http::{FetchError, Policy};
use crate::collect::{Collection, Progress};
use crate::error::HeirError;
use crate::model::Timestamp;

#[derive(Subcommand, Debug)]
pub enum CollectCommand {
    /// Okta: users, groups, admin roles, apps and assignments, grants, refresh and API tokens.
    Okta(OktaOpts),
    /// Okta System Log: sessions and what was minted from them (live or from an export).
    Oktalog(OktaLogOpts),
    /// Microsoft Entra ID through Microsoft Graph.
    Entra(EntraOpts),
    /// Entra sign-in logs grouped by session (live or from an export).
    Signins(SigninsOpts),
}

#[derive(Args, Debug)]
pub struct Common {
    /// The document to write (JSON), atomically.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: std::path::PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct OktaOpts {
    /// e.g. https://acme.okta.com (token from OKTA_API_TOKEN).
    #[arg(long, value_name = "URL")]
    pub org_url: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct OktaLogOpts {
    /// Read the System Log live from this org (token from OKTA_API_TOKEN).
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub org_url: Option<String>,
    /// Only events at or after this time (RFC 3339), live mode.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// An exported System Log (JSON array or NDJSON).
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct EntraOpts {
    /// Microsoft Graph base URL.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://graph.microsoft.com/v1.0"
    )]
    pub graph_url: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct SigninsOpts {
    /// Read sign-in logs live from Microsoft Graph (this base URL; the beta endpoint carries
    /// session ids).
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub graph_url: Option<String>,
    /// Only sign-ins at or after this time (RFC 3339), live mode.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// An exported sign-in log (JSON array, `{"value": [...]}` or NDJSON).
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

fn env_token(var: &str) -> Result<String, HeirError> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(HeirError::Environment(format!(
            "the environment variable {var} is not set\n  fix: export {var}=… with a read-only API credential (see docs/collectors.md)"
        ))),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

fn read_file(path: &std::path::Path) -> Result<String, HeirError> {
    std::fs::read_to_string(path)
        .map_err(|e| HeirError::io(format!("reading {}", path.display()), e))
}

/// Writes the collection, then reports what is missing: exit 4 when incomplete.
fn finish(
    collected: Result<Collection, FetchError>,
    common: &Common,
    progress: Progress,
) -> Result<(), HeirError> {
    progress.finish();
    let collection = collected.map_err(|e| HeirError::Environment(e.to_string()))?;
    let source = collection.source.clone();
    let doc = collection.into_document(Timestamp::now());
    let out = common.output.display().to_string();
    let (doc, _) = crate::model::load::check(&out, doc)?;
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("documents serialise");
    bytes.push(b'\n');
    crate::sys::fs::write_atomic(&common.output, &bytes)
        .map_err(|e| HeirError::io(format!("writing {out}"), e))?;
    eprintln!(
        "{source}: {} nodes, {} edges written to {out}",
        doc.nodes.len(),
        doc.edges.len()
    );
    match doc.sources.iter().find(|s| !s.complete) {
        Some(s) => Err(HeirError::Incomplete(format!(
            "{source}: the collection is incomplete ({}); {out} was written and marked `complete: false`",
            s.reason.as_deref().unwrap_or("some endpoints failed")
        ))),
        None => Ok(()),
    }
}

pub fn run(cmd: CollectCommand) -> Result<(), HeirError> {
    let policy = Policy::default();
    match cmd {
        CollectCommand::Okta(o) => {
            let token = env_token("OKTA_API_TOKEN")?;
            let progress = Progress::new("okta", o.common.quiet);
            let r = runtime().block_on(crate::collect::okta::collect(
                &o.org_url, token, policy, &progress,
            ));
            finish(r, &o.common, progress)
        }
        CollectCommand::Oktalog(o) => {
            let progress = Progress::new("oktalog", o.common.quiet);
            let r = match (&o.file, &o.org_url) {
                (Some(f), _) => Ok(crate::collect::oktalog::collect_file(&read_file(f)?)
                    .map_err(|e| HeirError::Input(format!("{}: {e}", f.display())))?),
                (None, Some(url)) => {
                    let token = env_token("OKTA_API_TOKEN")?;
                    runtime().block_on(crate::collect::oktalog::collect_live(
                        url, token, o.since, policy, &progress,
                    ))
                }
                (None, None) => return Err(HeirError::Usage("give --org-url or --file".into())),
            };
            finish(r, &o.common, progress)
        }
        CollectCommand::Entra(o) => {
            let auth = crate::collect::entra::auth_from_env().map_err(HeirError::Environment)?;
            let progress = Progress::new("entra", o.common.quiet);
            let r = runtime().block_on(crate::collect::entra::collect(
                &o.graph_url,
                auth,
                policy,
                &progress,
            ));
            finish(r, &o.common, progress)
        }
        CollectCommand::Signins(o) => {
            let progress = Progress::new("signins", o.common.quiet);
            let r = match (&o.file, &o.graph_url) {
                (Some(f), _) => Ok(crate::collect::signins::collect_file(&read_file(f)?)
                    .map_err(|e| HeirError::Input(format!("{}: {e}", f.display())))?),
                (None, Some(url)) => {
                    let auth =
                        crate::collect::entra::auth_from_env().map_err(HeirError::Environment)?;
                    runtime().block_on(crate::collect::signins::collect_live(
                        url, auth, o.since, policy, &progress,
                    ))
                }
                (None, None) => return Err(HeirError::Usage("give --graph-url or --file".into())),
            };
            finish(r, &o.common, progress)
        }
    }
}
