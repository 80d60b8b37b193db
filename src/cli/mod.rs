//! The `heir` command line: clap derive, one `*Opts` struct per command, every error typed and
//! mapped to an exit code (0 ok, 1 error, 2 usage, 3 gate, 4 incomplete; see `crate::error`).

use std::io::Write;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod act;
pub mod collect;

use crate::analysis::blast::{blast, BlastQuery};
use crate::analysis::lineage::inherited;
use crate::error::HeirError;
use crate::model::load::{load_path, Warnings};
use crate::model::{liveness, Attacker, EdgeKind, NodeKind, Timestamp, TrustGraph};
use crate::report::{markdown::Markdown, table::Table, Dot, Json, Output, Sink, ValidateReport};

#[derive(Parser, Debug)]
#[command(
    name = "heir",
    version,
    about = "What did the attacker inherit from a stolen session or token, and in what order do we revoke it?"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a graph document and print counts per kind.
    Validate(ValidateOpts),
    /// Blast radius: what the stolen artefacts reach, for how long, and what was blocked.
    Blast(BlastOpts),
    /// Lineage: every session and token minted from a stolen artefact.
    Inherited(InheritedOpts),
    /// Revocation plan: contain, revoke, inspect, hunt, recover — in order, with exact calls.
    Plan(PlanOpts),
    /// Perform a plan's contain and revoke calls (dry run by default: print each request);
    /// every request is journaled.
    Revoke(act::RevokeOpts),
    /// Check on each platform that every revoked target is dead; exit 3 when one is not.
    Verify(act::VerifyOpts),
    /// Hunt for reuse: every use of the stolen artefacts and their descendants since the
    /// compromise, new addresses flagged, other accounts seen from them (needs collected logs).
    Hunt(HuntOpts),
    /// Sprawl review: NHI findings mapped to the OWASP NHI Top 10, and every credential ranked.
    Sprawl(SprawlOpts),
    /// Incident report: one self-contained HTML file with the blast picture, the chains, the
    /// lineage timeline and the runbook as a checklist.
    Report(ReportOpts),
    /// Export the graph (or one blast radius) for other tools.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Build a graph document from a platform's API or an exported log.
    #[command(subcommand)]
    Collect(collect::CollectCommand),
    /// Combine documents by id: the union of every node's fields, conflicts reported.
    Merge(MergeOpts),
    /// Generate a realistic, deterministic synthetic enterprise (demos, benchmarks).
    Synth(SynthOpts),
    /// Print a JSON Schema: the graph document (default) or a command's JSON answer.
    Schema(SchemaOpts),
}

#[derive(Args, Debug)]
pub struct GraphArg {
    /// The graph document (JSON or YAML; `-` reads standard input).
    #[arg(value_name = "GRAPH")]
    pub graph: String,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidateFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct ValidateOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    #[arg(long, value_enum, default_value_t = ValidateFormat::Table)]
    pub format: ValidateFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttackerArg {
    /// Replays stolen artefacts from another host.
    OffDevice,
    /// Runs on the victim's device (device-bound and device/network conditions pass).
    OnDevice,
}

impl From<AttackerArg> for Attacker {
    fn from(a: AttackerArg) -> Self {
        match a {
            AttackerArg::OffDevice => Attacker::OffDevice,
            AttackerArg::OnDevice => Attacker::OnDevice,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlastFormat {
    Table,
    Json,
    Dot,
    Markdown,
}

/// What the tenant really enforces on credentials the graph gives no end for: shared by `blast`,
/// `inherited`, `plan` and `sprawl`, so that all four read the same windows
/// (`model::liveness`). Without them, the platforms' documented defaults apply and answers
/// mark those ends as assumed.
#[derive(Args, Debug, Clone, Default)]
pub struct LivenessOpts {
    /// Okta global session policy: idle time before a session ends (e.g. 2h; default 2h).
    #[arg(long, value_name = "DURATION", value_parser = liveness::parse_duration)]
    pub okta_session_idle: Option<i64>,
    /// Okta global session policy: maximum session lifetime from sign-in (e.g. 12h; default
    /// none).
    #[arg(long, value_name = "DURATION", value_parser = liveness::parse_duration)]
    pub okta_session_lifetime: Option<i64>,
    /// Entra ID: inactivity after which a refresh token or session is dead (e.g. 30d; default
    /// 90d).
    #[arg(long, value_name = "DURATION", value_parser = liveness::parse_duration)]
    pub entra_refresh_inactivity: Option<i64>,
    /// Lifetime of access and ID tokens on every platform (e.g. 1h; default: per platform).
    #[arg(long, value_name = "DURATION", value_parser = liveness::parse_duration)]
    pub access_token_lifetime: Option<i64>,
}

impl LivenessOpts {
    fn policy(&self) -> liveness::LivenessPolicy {
        liveness::LivenessPolicy {
            okta_session_idle: self.okta_session_idle,
            okta_session_lifetime: self.okta_session_lifetime,
            entra_refresh_inactivity: self.entra_refresh_inactivity,
            access_token_lifetime: self.access_token_lifetime,
        }
    }

    /// Writes the derived windows into `g` before any analysis reads it.
    fn apply(&self, g: &mut TrustGraph) {
        liveness::derive_windows(g, &self.policy());
    }
}

/// The stolen artefacts, the time and the attacker: shared by `blast` and `plan`.
#[derive(Args, Debug)]
pub struct QueryOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    /// A stolen artefact (session, token, device, workload, app…); repeat for several.
    #[arg(long = "from", value_name = "ID", required = true)]
    pub from: Vec<String>,
    /// Evaluate at this time (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub at: Option<Timestamp>,
    /// Where the attacker uses what they stole.
    #[arg(long, value_enum, default_value_t = AttackerArg::OffDevice)]
    pub attacker: AttackerArg,
    #[command(flatten)]
    pub liveness: LivenessOpts,
}

impl QueryOpts {
    /// Loads the graph and resolves the query; unknown ids are errors with suggestions.
    fn load(&self) -> Result<(TrustGraph, BlastQuery), HeirError> {
        let path = self.graph.graph.as_str();
        let (mut g, _) = load_graph(path)?;
        self.liveness.apply(&mut g);
        let q = BlastQuery {
            from: sources(&g, path, &self.from)?,
            at: self.at.unwrap_or_else(Timestamp::now),
            attacker: self.attacker.into(),
        };
        Ok((g, q))
    }
}

#[derive(Args, Debug)]
pub struct BlastOpts {
    #[command(flatten)]
    pub query: QueryOpts,
    #[arg(long, value_enum, default_value_t = BlastFormat::Table)]
    pub format: BlastFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InheritedFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct InheritedOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    /// The stolen session or token.
    #[arg(long = "from", value_name = "ID")]
    pub from: String,
    /// Compromise time: only children minted at or after it (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// Time at which `live` is evaluated; default: now.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub at: Option<Timestamp>,
    #[arg(long, value_enum, default_value_t = InheritedFormat::Table)]
    pub format: InheritedFormat,
    #[command(flatten)]
    pub liveness: LivenessOpts,
}

#[derive(Args, Debug)]
pub struct HuntOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    /// A stolen session or token (repeat for several).
    #[arg(long = "from", value_name = "ID", required = true)]
    pub from: Vec<String>,
    /// Compromise time (RFC 3339): uses from then on; the account's uses before it are its known
    /// addresses. Without it nothing can be flagged new.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// End of the window; default: now.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub at: Option<Timestamp>,
    #[arg(long, value_enum, default_value_t = InheritedFormat::Table)]
    pub format: InheritedFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    Table,
    Json,
    Markdown,
    /// OpenID CAEP session-revoked Security Event Token payloads (unsigned JSON).
    Caep,
}

#[derive(Args, Debug)]
pub struct PlanOpts {
    #[command(flatten)]
    pub query: QueryOpts,
    /// Compromise time: lineage and review windows start here (default: the stolen
    /// credential's issue time).
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// Also compute the first wave: the cheapest revocations that cut off every node of
    /// criticality >= --threshold.
    #[arg(long)]
    pub first_wave: bool,
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub threshold: u8,
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// `iss` of the CAEP events.
    #[arg(long, value_name = "URI", default_value = "urn:heir")]
    pub caep_issuer: String,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Graphviz DOT: the whole graph, or a blast radius with --blast-from.
    Dot(DotOpts),
    /// BloodHound CE OpenGraph JSON (and, with --extension, the schema extension for heir's kinds).
    Opengraph(OpenGraphOpts),
    /// A Cypher script for `cypher-shell -f`, creating the same graph as the live push.
    Cypher(CypherOpts),
    /// Push the graph to Neo4j over Bolt (idempotent; cleans up what re-collected sources dropped).
    Neo4j(Neo4jOpts),
    /// CSV files and headers for `neo4j-admin database import full` (the bulk path to a new
    /// database), with the exact command.
    Neo4jImport(Neo4jImportOpts),
}

#[derive(Args, Debug)]
pub struct Neo4jImportOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    /// The directory to write (created, or replaced if it holds an earlier output of this
    /// command); written under a temporary name and renamed when complete.
    #[arg(short, long, value_name = "DIR")]
    pub output: std::path::PathBuf,
    /// Run stamp written on every node and relationship (default: heir-<unix ms>).
    #[arg(long)]
    pub run: Option<String>,
}

fn export_neo4j_import(o: Neo4jImportOpts) -> Result<(), HeirError> {
    let (g, _) = load_graph(&o.graph.graph)?;
    let run = o.run.unwrap_or_else(crate::export::neo4j::new_run_id);
    let started = Instant::now();
    let files = crate::export::neo4j_import::write_import(&g, &o.output, &run)
        .map_err(|e| HeirError::Environment(e.to_string()))?;
    eprintln!(
        "wrote {} nodes ({} files) and {} relationships ({} files) to {} in {:.1} s; run {run}",
        files.nodes,
        files.node_files.len(),
        files.relationships,
        files.relationship_files.len(),
        o.output.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "# with the database stopped (the command is also in {dir}/{cmd}):\ncd {dir_q}\n{command}\n# then, with the database running:\ncypher-shell -d neo4j -f {constraints}",
        dir = o.output.display(),
        cmd = crate::export::neo4j_import::COMMAND_FILE,
        dir_q = shell_quote(&o.output.display().to_string()),
        command = files.command,
        constraints = crate::export::neo4j_import::CONSTRAINTS_FILE,
    );
    Ok(())
}

/// A word for a POSIX shell: single-quoted, with single quotes spelled `'\''`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[derive(Args, Debug)]
pub struct CypherOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    #[command(flatten)]
    pub out: OutputArg,
    /// Rows per UNWIND batch.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: u64,
    /// Run stamp written on every node and relationship (default: heir-<unix ms>).
    #[arg(long)]
    pub run: Option<String>,
}

#[derive(Args, Debug)]
pub struct Neo4jOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    /// Bolt URI, e.g. bolt://localhost:7687 or neo4j+s://xxxx.databases.neo4j.io
    #[arg(long)]
    pub uri: String,
    #[arg(long, default_value = "neo4j")]
    pub user: String,
    /// Name of the environment variable holding the password (never a flag: it would show in
    /// the process list and shell history).
    #[arg(long, value_name = "VAR", default_value = "NEO4J_PASSWORD")]
    pub password_env: String,
    #[arg(long)]
    pub database: Option<String>,
    /// Rows per UNWIND batch, each one transaction.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: u64,
    /// Connections writing batches at the same time; no two batches that write the same node
    /// kind, relationship type or end kind run at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=16))]
    pub connections: u64,
    /// Run stamp written on every node and relationship (default: heir-<unix ms>).
    #[arg(long)]
    pub run: Option<String>,
    /// No progress (a bar on a terminal; otherwise a line every few seconds for pushes of more
    /// than 10,000 rows).
    #[arg(long, short)]
    pub quiet: bool,
}

fn export_cypher(o: CypherOpts) -> Result<(), HeirError> {
    let (g, _) = load_graph(&o.graph.graph)?;
    let run = o.run.unwrap_or_else(crate::export::neo4j::new_run_id);
    let batch = o.batch_size as usize;
    // Streamed: one batch of rows in memory at a time, written as it is built.
    write_streamed(&o.out, |w| {
        crate::export::cypher::write_script(w, &g, &run, batch)
    })
}

fn export_neo4j(o: Neo4jOpts) -> Result<(), HeirError> {
    let password = std::env::var(&o.password_env).map_err(|_| {
        HeirError::Environment(format!(
            "the environment variable {} (named by --password-env) is not set\n  fix: export {}=… with the Neo4j password",
            o.password_env, o.password_env
        ))
    })?;
    let (g, _) = load_graph(&o.graph.graph)?;
    let opts = crate::export::neo4j::PushOptions {
        uri: o.uri.clone(),
        user: o.user.clone(),
        password,
        database: o.database.clone(),
        batch_size: o.batch_size as usize,
        run: o
            .run
            .clone()
            .unwrap_or_else(crate::export::neo4j::new_run_id),
        progress: !o.quiet,
        // Two connections on ArcadeDB meet the odd page conflict (retried): 8 attempts are
        // about 11 s of backoff before a batch is given up.
        attempts: 8,
        connections: o.connections as usize,
    };
    let bar = if opts.progress && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} rows ({per_sec}, eta {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b.set_message("neo4j push");
        Some(b)
    } else {
        None
    };
    // Without a terminal (logs, CI, a pipe), a line every few seconds for a push long enough to
    // wonder about: rows done, rate and time left.
    let mut lines = (opts.progress && bar.is_none()).then(|| {
        crate::export::neo4j::ProgressLines::new(10_000, std::time::Duration::from_secs(2))
    });
    let result = crate::export::neo4j::push_blocking(&g, &opts, |done, total| {
        if let Some(b) = &bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
        if let Some(line) = lines.as_mut().and_then(|l| l.update(done, total)) {
            eprintln!("{line}");
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let (stats, took) = result.map_err(|e| HeirError::Environment(e.to_string()))?;
    eprintln!(
        "pushed {} nodes and {} relationships in {} batches to {} in {:.1} s ({:.0} nodes/s){}; run {}",
        stats.nodes,
        stats.relationships,
        stats.batches,
        o.uri,
        took.as_secs_f64(),
        stats.nodes as f64 / took.as_secs_f64().max(1e-9),
        if stats.retries > 0 { format!(", {} retries", stats.retries) } else { String::new() },
        opts.run
    );
    Ok(())
}

#[derive(Args, Debug)]
pub struct OpenGraphOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    #[command(flatten)]
    pub out: OutputArg,
    /// Also write the BloodHound extension definition (node and relationship kinds, with
    /// traversability from heir's rules) to this file.
    #[arg(long, value_name = "FILE")]
    pub extension: Option<std::path::PathBuf>,
}

fn export_opengraph(o: OpenGraphOpts) -> Result<(), HeirError> {
    let (g, _) = load_graph(&o.graph.graph)?;
    if let Some(path) = &o.extension {
        let ext = serde_json::to_vec_pretty(&crate::export::opengraph::extension_schema())
            .expect("plain JSON");
        crate::sys::fs::write_atomic(path, &ext)
            .map_err(|e| HeirError::io(format!("writing {}", path.display()), e))?;
    }
    let mut bytes =
        serde_json::to_vec_pretty(&crate::export::opengraph::opengraph(&g)).expect("plain JSON");
    bytes.push(b'\n');
    write_output(&o.out, &bytes)
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderArg {
    Svg,
    Png,
}

#[derive(Args, Debug)]
pub struct OutputArg {
    /// Write here (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct DotOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    #[command(flatten)]
    pub out: OutputArg,
    /// Run Graphviz `dot` and write the picture instead of DOT text.
    #[arg(long, value_enum)]
    pub render: Option<RenderArg>,
    /// Only the blast radius of these stolen artefacts (with its blocked edges).
    #[arg(long = "blast-from", value_name = "ID")]
    pub blast_from: Vec<String>,
    /// With --blast-from: evaluate at this time (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub at: Option<Timestamp>,
    /// With --blast-from: where the attacker uses what they stole.
    #[arg(long, value_enum, default_value_t = AttackerArg::OffDevice)]
    pub attacker: AttackerArg,
    /// With --blast-from: the same windows as `heir blast`.
    #[command(flatten)]
    pub liveness: LivenessOpts,
}

/// Writes an export to `-o FILE` atomically, or to standard output.
fn write_output(out: &OutputArg, bytes: &[u8]) -> Result<(), HeirError> {
    write_streamed(out, |w| w.write_all(bytes))
}

/// Writes an export produced piece by piece to `-o FILE` atomically, or to standard output,
/// without holding it whole.
fn write_streamed(
    out: &OutputArg,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), HeirError> {
    match &out.output {
        Some(path) => crate::sys::fs::write_atomic_with(path, fill)
            .map_err(|e| HeirError::io(format!("writing {}", path.display()), e)),
        None => to_stdout(fill),
    }
}

fn export_dot(o: DotOpts) -> Result<(), HeirError> {
    use crate::export::dot::{blast_picture, graph_picture, print, render, RenderFormat};
    let path = o.graph.graph.as_str();
    let (mut g, _) = load_graph(path)?;
    if !o.blast_from.is_empty() {
        o.liveness.apply(&mut g);
    }
    let picture = if o.blast_from.is_empty() {
        graph_picture(&g).map_err(|e| HeirError::Input(format!("{path}: {e}")))?
    } else {
        let q = BlastQuery {
            from: sources(&g, path, &o.blast_from)?,
            at: o.at.unwrap_or_else(Timestamp::now),
            attacker: o.attacker.into(),
        };
        let r = blast(&g, &q);
        warn_dead(&g, &r);
        blast_picture(&g, &r)
    };
    match o.render {
        None => write_output(&o.out, print(&picture).as_bytes()),
        Some(f) => {
            let format = match f {
                RenderArg::Svg => RenderFormat::Svg,
                RenderArg::Png => RenderFormat::Png,
            };
            let bytes =
                render(picture, format).map_err(|e| HeirError::Environment(e.to_string()))?;
            write_output(&o.out, &bytes)
        }
    }
}

#[derive(Args, Debug)]
pub struct MergeOpts {
    /// Documents to combine (JSON or YAML), in priority order: on a conflict the first wins.
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub files: Vec<String>,
    /// The merged document (JSON), written atomically.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: std::path::PathBuf,
}

fn merge_cmd(o: MergeOpts) -> Result<(), HeirError> {
    let mut docs = Vec::new();
    for f in &o.files {
        let (doc, _) = load_path(f)?;
        docs.push(doc);
    }
    let (merged, report) = crate::model::merge::merge(docs);
    let conflicts = &report.conflicts;
    // The result must itself be a valid document before anything is written.
    let out = o.output.display().to_string();
    let (merged, _) = crate::model::load::check(&out, merged)?;
    for c in conflicts.iter().take(50) {
        eprintln!("conflict: {c}");
    }
    if conflicts.len() > 50 {
        eprintln!("… and {} more conflicts", conflicts.len() - 50);
    }
    let mut bytes = serde_json::to_vec_pretty(&merged).expect("documents serialise");
    bytes.push(b'\n');
    crate::sys::fs::write_atomic(&o.output, &bytes)
        .map_err(|e| HeirError::io(format!("writing {out}"), e))?;
    eprintln!(
        "merged {} documents: {} nodes, {} edges, {} sources, {} conflict(s) (first value kept)",
        o.files.len(),
        merged.nodes.len(),
        merged.edges.len(),
        merged.sources.len(),
        conflicts.len()
    );
    crate::model::merge::print_joins(&report);
    Ok(())
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SprawlFormat {
    Table,
    Json,
    Markdown,
    Sarif,
    /// One self-contained HTML page, with filters.
    Html,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Low,
    Medium,
    High,
}

#[derive(Args, Debug)]
pub struct SprawlOpts {
    #[command(flatten)]
    pub graph: GraphArg,
    /// Evaluate at this time (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub at: Option<Timestamp>,
    #[arg(long, value_enum, default_value_t = SprawlFormat::Table)]
    pub format: SprawlFormat,
    /// Exit 3 when a finding of this severity or worse exists (for CI gates).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// A credential unused for this many days is stale.
    #[arg(long, default_value_t = 90)]
    pub stale_days: u32,
    /// A credential living longer than this many days is long-lived.
    #[arg(long, default_value_t = 90)]
    pub max_lifetime_days: u32,
    /// A credential issued longer ago than this many days is due for rotation.
    #[arg(long, default_value_t = 90)]
    pub rotation_days: u32,
    /// A secret is widely exposed when at least this many people can reach where it is held.
    #[arg(long, default_value_t = 10)]
    pub exposure_accounts: usize,
    /// A third-party app holding at least this many grants is flagged.
    #[arg(long, default_value_t = 25)]
    pub third_party_grants: usize,
    /// A ttl_only credential with more than this many days left is flagged as non-revocable.
    #[arg(long, default_value_t = 1)]
    pub long_window_days: u32,
    /// Only this many entries of the ranking (default: all).
    #[arg(long)]
    pub top: Option<usize>,
    #[command(flatten)]
    pub liveness: LivenessOpts,
}

fn sprawl_cmd(o: SprawlOpts) -> Result<(), HeirError> {
    use crate::analysis::sprawl::{sprawl, worst, Severity, SprawlOptions};
    let (mut g, _) = load_graph(&o.graph.graph)?;
    o.liveness.apply(&mut g);
    let opts = SprawlOptions {
        at: o.at.unwrap_or_else(Timestamp::now),
        stale_days: o.stale_days,
        max_lifetime_days: o.max_lifetime_days,
        rotation_days: o.rotation_days,
        exposure_accounts: o.exposure_accounts,
        third_party_grants: o.third_party_grants,
        long_window_days: o.long_window_days,
        top: o.top.unwrap_or(usize::MAX),
        ..SprawlOptions::default()
    };
    let report = sprawl(&g, &opts);
    let mut sink: Box<dyn Sink> = match o.format {
        SprawlFormat::Table => Box::new(Table),
        SprawlFormat::Json => Box::new(Json),
        SprawlFormat::Markdown => Box::new(Markdown),
        SprawlFormat::Sarif => Box::new(crate::report::Sarif),
        SprawlFormat::Html => Box::new(crate::report::html::Html),
    };
    emit(sink.as_mut(), &Output::Sprawl(&report))?;
    if let Some(threshold) = o.fail_on {
        let threshold = match threshold {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
        };
        if let Some(w) = worst(&report).filter(|w| *w >= threshold) {
            return Err(HeirError::Gate(format!(
                "sprawl review found {} finding(s); the worst is {} (--fail-on {})",
                report.findings.len(),
                w.as_str(),
                threshold.as_str()
            )));
        }
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct SchemaOpts {
    /// Which schema: graph, validate, blast, inherited, plan or sprawl (also checked in as
    /// schema/NAME.schema.json).
    #[arg(value_name = "NAME", default_value = "graph")]
    pub name: String,
    /// List the published schemas instead.
    #[arg(long)]
    pub list: bool,
}

fn schema_cmd(o: SchemaOpts) -> Result<(), HeirError> {
    use crate::report::schema::{find, text, PUBLISHED};
    if o.list {
        let rows: String = PUBLISHED
            .iter()
            .map(|p| format!("{:<10} {}\n", p.name, p.describes))
            .collect();
        return emit_bytes(rows.as_bytes());
    }
    match find(&o.name) {
        Some(p) => emit_bytes(text(p).as_bytes()),
        None => Err(HeirError::Usage(format!(
            "there is no schema called `{}`\n  fix: use one of {} (`heir schema --list`)",
            o.name,
            PUBLISHED
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[derive(Args, Debug)]
pub struct SynthOpts {
    /// People in the organisation (about 20 nodes each).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    /// Same seed, same users, same --at: byte-identical output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The moment sessions and tokens are generated around (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse, default_value = "2026-11-20T10:00:00Z")]
    pub at: Timestamp,
    /// The document to write (JSON), atomically.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: std::path::PathBuf,
}

fn synth_cmd(o: SynthOpts) -> Result<(), HeirError> {
    let doc = crate::synth::synth(o.users, o.seed, o.at);
    let mut bytes = serde_json::to_vec(&doc).expect("documents serialise");
    bytes.push(b'\n');
    crate::sys::fs::write_atomic(&o.output, &bytes)
        .map_err(|e| HeirError::io(format!("writing {}", o.output.display()), e))?;
    eprintln!(
        "{} users: {} nodes, {} edges written to {}",
        o.users,
        doc.nodes.len(),
        doc.edges.len(),
        o.output.display()
    );
    Ok(())
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

pub fn run(cli: Cli) -> Result<(), HeirError> {
    match cli.command {
        Command::Validate(o) => validate(o),
        Command::Blast(o) => blast_cmd(o),
        Command::Inherited(o) => inherited_cmd(o),
        Command::Plan(o) => plan_cmd(o),
        Command::Revoke(o) => act::revoke_cmd(o),
        Command::Verify(o) => act::verify_cmd(o),
        Command::Hunt(o) => hunt_cmd(o),
        Command::Sprawl(o) => sprawl_cmd(o),
        Command::Report(o) => report_cmd(o),
        Command::Merge(o) => merge_cmd(o),
        Command::Synth(o) => synth_cmd(o),
        Command::Collect(c) => collect::run(c),
        Command::Export(ExportCommand::Dot(o)) => export_dot(o),
        Command::Export(ExportCommand::Opengraph(o)) => export_opengraph(o),
        Command::Export(ExportCommand::Cypher(o)) => export_cypher(o),
        Command::Export(ExportCommand::Neo4j(o)) => export_neo4j(o),
        Command::Export(ExportCommand::Neo4jImport(o)) => export_neo4j_import(o),
        Command::Schema(o) => schema_cmd(o),
    }
}

/// Loads, prints warnings to stderr, indexes.
pub fn load_graph(path: &str) -> Result<(TrustGraph, Warnings), HeirError> {
    let opened = open_graph(path)?;
    Ok((opened.graph, opened.warnings))
}

/// [`load_graph`], also saying how the graph was obtained (for `validate`).
pub fn open_graph(path: &str) -> Result<crate::store::open::Opened, HeirError> {
    let policy = crate::store::open::SnapshotPolicy::from_env();
    let opened = crate::store::open::open(path, &policy, &|msg| eprintln!("heir: {msg}"))?;
    let shown = if path == "-" { "<stdin>" } else { path };
    let warnings = &opened.warnings;
    for w in warnings.iter().take(20) {
        eprintln!("warning: {shown}: {w}");
    }
    if warnings.len() > 20 {
        eprintln!(
            "warning: {shown}: … and {} more warnings (`heir validate --format json` lists them all)",
            warnings.len() - 20
        );
    }
    for s in opened.graph.sources().iter().filter(|s| !s.complete) {
        eprintln!(
            "warning: {shown}: source `{}` is incomplete{} — answers may miss what it did not collect",
            s.name,
            s.reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
    }
    Ok(opened)
}

fn resolve(
    g: &TrustGraph,
    file: &str,
    flag: &'static str,
    id: &str,
) -> Result<petgraph::graph::NodeIndex, HeirError> {
    g.index(id).ok_or_else(|| HeirError::UnknownId {
        file: file.to_string(),
        flag,
        id: id.to_string(),
        closest: g.closest_ids(id, 3),
    })
}

/// Streams a report to standard output. An admin-sized answer is hundreds of megabytes: holding
/// it whole first would double the peak memory and delay the first byte. A sink refuses a report
/// it cannot show before writing anything (`ErrorKind::Other`, a usage error).
fn emit(sink: &mut dyn Sink, report: &Output<'_>) -> Result<(), HeirError> {
    write_stdout(|w| sink.write(w, report)).map_err(|e| match e.kind() {
        std::io::ErrorKind::Other => HeirError::Usage(e.to_string()),
        _ => HeirError::io("writing standard output", e),
    })
}

fn emit_bytes(bytes: &[u8]) -> Result<(), HeirError> {
    to_stdout(|w| w.write_all(bytes))
}

fn to_stdout(fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), HeirError> {
    write_stdout(fill).map_err(|e| HeirError::io("writing standard output", e))
}

/// Standard output through a 64 KiB buffer, which pieces at least that large pass straight
/// through (a large answer's formatted chunks are not copied again); a reader that stops early
/// (`heir … | head`) is normal use, not an error.
fn write_stdout(fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match fill(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        done => done,
    }
}

/// Peak resident set size, from /proc on Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn validate(o: ValidateOpts) -> Result<(), HeirError> {
    let start = Instant::now();
    let path = o.graph.graph.as_str();
    let opened = open_graph(path)?;
    let (g, warnings) = (opened.graph, opened.warnings);
    let load_ms = start.elapsed().as_millis() as u64;
    let mut node_kinds = indexmap::IndexMap::new();
    for k in NodeKind::ALL {
        let n = g.graph.node_weights().filter(|f| f.kind == *k).count();
        if n > 0 {
            node_kinds.insert(k.as_str().to_string(), n);
        }
    }
    let mut edge_kinds = indexmap::IndexMap::new();
    for k in EdgeKind::ALL {
        let n = g.graph.edge_weights().filter(|f| f.kind == *k).count();
        if n > 0 {
            edge_kinds.insert(k.as_str().to_string(), n);
        }
    }
    let report = ValidateReport {
        file: if path == "-" {
            "<stdin>".into()
        } else {
            path.into()
        },
        valid: true,
        nodes: g.graph.node_count(),
        edges: g.graph.edge_count(),
        node_kinds,
        edge_kinds,
        sources: g.sources().to_vec(),
        warnings: warnings.iter().map(|w| w.to_string()).collect(),
        load_ms,
        peak_rss_bytes: peak_rss_bytes(),
    };
    // Timing varies run to run: stderr, so the report itself stays reproducible.
    let from = match &opened.origin {
        crate::store::open::Origin::Snapshot(p) => {
            format!(" from {p} (the document is unchanged since it was validated)")
        }
        crate::store::open::Origin::Parsed => String::new(),
    };
    eprintln!(
        "loaded in {} ms{from}{}",
        report.load_ms,
        report
            .peak_rss_bytes
            .map(|b| format!(
                ", peak memory {:.1} MiB ({} bytes per node)",
                b as f64 / 1048576.0,
                b / report.nodes.max(1) as u64
            ))
            .unwrap_or_default()
    );
    let mut sink: Box<dyn Sink> = match o.format {
        ValidateFormat::Table => Box::new(Table),
        ValidateFormat::Json => Box::new(Json),
        ValidateFormat::Markdown => Box::new(Markdown),
    };
    emit(sink.as_mut(), &Output::Validate(&report))
}

fn sources(
    g: &TrustGraph,
    path: &str,
    ids: &[String],
) -> Result<Vec<petgraph::graph::NodeIndex>, HeirError> {
    let mut from = Vec::new();
    for id in ids {
        let i = resolve(g, path, "from", id)?;
        if !from.contains(&i) {
            from.push(i);
        }
    }
    Ok(from)
}

fn warn_dead(g: &TrustGraph, r: &crate::analysis::blast::BlastResult) {
    for &d in &r.dead_sources {
        eprintln!(
            "warning: `{}` is already expired or inactive at {}: it reaches nothing",
            g.id(d),
            r.query.at
        );
    }
}

fn blast_cmd(o: BlastOpts) -> Result<(), HeirError> {
    let (g, q) = o.query.load()?;
    let result = blast(&g, &q);
    warn_dead(&g, &result);
    let mut sink: Box<dyn Sink> = match o.format {
        BlastFormat::Table => Box::new(Table),
        BlastFormat::Json => Box::new(Json),
        BlastFormat::Dot => Box::new(Dot),
        BlastFormat::Markdown => Box::new(Markdown),
    };
    emit(sink.as_mut(), &Output::Blast(&g, &result))?;
    leave(result);
    leave(g);
    Ok(())
}

/// Ends a command without freeing what it built: the process exits right after, and the kernel
/// takes its memory back at once, where dropping the graph and an admin-sized answer frees
/// hundreds of thousands of blocks one by one (docs/performance.md has the measured cost).
/// Only on success; an error path drops as usual.
fn leave<T>(built: T) {
    std::mem::forget(built);
}

fn inherited_cmd(o: InheritedOpts) -> Result<(), HeirError> {
    let path = o.graph.graph.as_str();
    let (mut g, _) = load_graph(path)?;
    o.liveness.apply(&mut g);
    let from = resolve(&g, path, "from", &o.from)?;
    let at = o.at.unwrap_or_else(Timestamp::now);
    let report = inherited(&g, from, o.since, at);
    if report.undated_skipped > 0 {
        eprintln!(
            "warning: {} `issued` edge(s) from this lineage carry no `at` time and were left out of the --since answer",
            report.undated_skipped
        );
    }
    let mut sink: Box<dyn Sink> = match o.format {
        InheritedFormat::Table => Box::new(Table),
        InheritedFormat::Json => Box::new(Json),
        InheritedFormat::Markdown => Box::new(Markdown),
    };
    emit(sink.as_mut(), &Output::Lineage(&g, &report))?;
    leave(report);
    leave(g);
    Ok(())
}

fn hunt_cmd(o: HuntOpts) -> Result<(), HeirError> {
    let path = o.graph.graph.as_str();
    let (g, _) = load_graph(path)?;
    let from = o
        .from
        .iter()
        .map(|id| resolve(&g, path, "from", id))
        .collect::<Result<Vec<_>, _>>()?;
    let at = o.at.unwrap_or_else(Timestamp::now);
    let report = crate::analysis::hunt::hunt(&g, &from, o.since, at);
    if report.observations == 0 {
        eprintln!(
            "warning: {path} holds no log observations (issued edges with a time, sign-ins with an address): \
             collect oktalog or signins and merge them in; an empty hunt here means no data"
        );
    } else if o.since.is_none() {
        eprintln!(
            "warning: no --since: without a compromise time the account has no history to compare with, so no address is flagged new"
        );
    }
    to_stdout(|w| match o.format {
        InheritedFormat::Table => crate::report::hunt::table(w, &report),
        InheritedFormat::Json => crate::report::hunt::json(w, &report),
        InheritedFormat::Markdown => crate::report::hunt::markdown(w, &report),
    })?;
    leave(report);
    leave(g);
    Ok(())
}

fn plan_cmd(o: PlanOpts) -> Result<(), HeirError> {
    let (g, q) = o.query.load()?;
    let result = blast(&g, &q);
    warn_dead(&g, &result);
    let opts = crate::analysis::plan::PlanOptions {
        since: o.since,
        first_wave: o.first_wave.then_some(o.threshold),
    };
    let mut plan = crate::analysis::plan::plan(&g, &result, &opts);
    // The JSON plan is what `heir revoke` acts on: it names the graph it came from, so a plan
    // of another graph can be refused. Only for JSON: the other formats are read by people.
    let graph_path = o.query.graph.graph.as_str();
    if o.format == PlanFormat::Json && graph_path != "-" {
        plan.graph_sha256 = crate::act::plan::graph_sha256(std::path::Path::new(graph_path)).ok();
    }
    let mut sink: Box<dyn Sink> = match o.format {
        PlanFormat::Table => Box::new(Table),
        PlanFormat::Json => Box::new(Json),
        PlanFormat::Markdown => Box::new(Markdown),
        PlanFormat::Caep => Box::new(crate::report::plan::Caep {
            issuer: o.caep_issuer.clone(),
        }),
    };
    emit(sink.as_mut(), &Output::Plan(&g, &plan))?;
    leave(plan);
    leave(result);
    leave(g);
    Ok(())
}

#[derive(Args, Debug)]
pub struct ReportOpts {
    #[command(flatten)]
    pub query: QueryOpts,
    /// Compromise time: the lineage timeline and the review windows start here (default: the
    /// stolen credential's issue time).
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// The HTML file to write (atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE.html")]
    pub output: std::path::PathBuf,
}

/// The incident report. Without Graphviz `dot` the report is still written, with a note where
/// the picture would be and a warning here: in an incident the chains and the runbook matter
/// more than the picture, and the responder may be on a machine they cannot install on.
fn report_cmd(o: ReportOpts) -> Result<(), HeirError> {
    use crate::report::html::incident::{draw, write, Incident, Picture};
    let (g, q) = o.query.load()?;
    let result = blast(&g, &q);
    warn_dead(&g, &result);
    let opts = crate::analysis::plan::PlanOptions {
        since: o.since,
        first_wave: Some(crate::report::html::incident::CRITICAL),
    };
    let mut plan = crate::analysis::plan::plan(&g, &result, &opts);
    // The page's JSON island holds the plan as `heir plan --format json` writes it.
    let graph_path = o.query.graph.graph.as_str();
    if graph_path != "-" {
        plan.graph_sha256 = crate::act::plan::graph_sha256(std::path::Path::new(graph_path)).ok();
    }
    let lineage: Vec<_> = result
        .query
        .from
        .iter()
        .map(|&s| inherited(&g, s, plan.since, result.query.at))
        .collect();
    let picture = draw(&g, &result);
    if let Picture::Absent(why) = &picture {
        eprintln!("warning: {why}");
    }
    let incident = Incident {
        graph: &g,
        blast: &result,
        plan: &plan,
        lineage: &lineage,
        hunt: None,
        picture,
    };
    crate::sys::fs::write_atomic_with(&o.output, |w| write(w, &incident))
        .map_err(|e| HeirError::io(format!("writing {}", o.output.display()), e))?;
    eprintln!(
        "incident report written to {} ({} reached, {} steps)",
        o.output.display(),
        result.reached.len(),
        plan.steps.len()
    );
    leave(incident);
    leave(plan);
    leave(result);
    leave(g);
    Ok(())
}
