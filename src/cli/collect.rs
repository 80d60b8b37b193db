//! `heir collect SOURCE … -o FILE`: run one collector of the registry, write its document
//! atomically, print its record accounting, and make an incomplete or (with `--strict`) lossy
//! collection visible in the exit code after writing.
//!
//! The subcommands are built from [`crate::collect::registry`]: this file knows no source by
//! name, so adding one never adds a match arm here.

use std::io::Write;

use clap::{ArgMatches, Args, FromArgMatches};

use crate::collect::http::Policy;
use crate::collect::records::summary;
use crate::collect::{Collection, Collector, Context, Progress};
use crate::error::HeirError;
use crate::model::Timestamp;

/// The flags every collector takes, after its own.
#[derive(Args, Debug)]
pub struct Common {
    /// The document to write (JSON), atomically.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: std::path::PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Exit 3 (after writing) when any input record was skipped.
    #[arg(long)]
    pub strict: bool,
}

/// The parsed `heir collect SOURCE …`: which collector, and its arguments as clap matched them
/// (the collector reads its typed options from them).
pub struct CollectCommand {
    collector: &'static dyn Collector,
    matches: ArgMatches,
}

impl std::fmt::Debug for CollectCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectCommand")
            .field("source", &self.collector.name())
            .finish_non_exhaustive()
    }
}

/// The subcommand of one collector: its name, its one-line about, its flags, the common flags.
pub fn subcommand(c: &dyn Collector) -> clap::Command {
    // The about goes last: a derived `Args` may set its own from the struct's doc comment.
    Common::augment_args(c.args(clap::Command::new(c.name())))
        .about(c.about())
        .long_about(None)
}

/// Adds one subcommand per collector of `collectors` to `cmd`.
pub fn with_collectors(cmd: clap::Command, collectors: &[&'static dyn Collector]) -> clap::Command {
    collectors
        .iter()
        .fold(cmd, |cmd, c| cmd.subcommand(subcommand(*c)))
}

impl CollectCommand {
    /// The collector named by the matched subcommand of `m`, among `collectors`.
    fn find(m: &ArgMatches, collectors: &[&'static dyn Collector]) -> Result<Self, clap::Error> {
        let Some((name, sub)) = m.subcommand() else {
            return Err(clap::Error::raw(
                clap::error::ErrorKind::MissingSubcommand,
                "heir collect needs a source (see `heir collect --help`)\n",
            ));
        };
        let collector = collectors
            .iter()
            .find(|c| c.name() == name)
            .copied()
            .ok_or_else(|| {
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidSubcommand,
                    format!("`{name}` is not a source of heir collect\n"),
                )
            })?;
        Ok(CollectCommand {
            collector,
            matches: sub.clone(),
        })
    }
}

impl FromArgMatches for CollectCommand {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Self::find(m, crate::collect::registry())
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Subcommand for CollectCommand {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        with_collectors(cmd, crate::collect::registry())
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        crate::collect::registry().iter().any(|c| c.name() == name)
    }
}

pub fn run(cmd: CollectCommand) -> Result<(), HeirError> {
    execute(&cmd, &mut std::io::stderr())
}

/// Parses `argv` (`["collect", SOURCE, …]`) against `collectors` and runs it, writing the
/// messages to `err`: the same plumbing as `heir collect`, over any list of collectors (the
/// tests run a toy collector through it).
pub fn run_with(
    collectors: &[&'static dyn Collector],
    argv: &[&str],
    err: &mut dyn Write,
) -> Result<(), HeirError> {
    let cmd = with_collectors(
        clap::Command::new("collect")
            .no_binary_name(true)
            .subcommand_required(true),
        collectors,
    );
    let m = cmd
        .try_get_matches_from(argv.iter().skip(1))
        .map_err(|e| HeirError::Usage(e.to_string()))?;
    execute(
        &CollectCommand::find(&m, collectors).map_err(|e| HeirError::Usage(e.to_string()))?,
        err,
    )
}

fn execute(cmd: &CollectCommand, err: &mut dyn Write) -> Result<(), HeirError> {
    let common =
        Common::from_arg_matches(&cmd.matches).map_err(|e| HeirError::Usage(e.to_string()))?;
    let progress = Progress::new(cmd.collector.name(), common.quiet);
    let ctx = Context {
        policy: Policy::default(),
        progress: &progress,
    };
    let collected = cmd.collector.run(&cmd.matches, &ctx);
    progress.finish();
    finish(collected?, &common, err)
}

/// Writes the collection, then reports: what was written, the record accounting (last line),
/// and the exit code — 4 when incomplete, else 3 when `--strict` and records were skipped.
fn finish(collection: Collection, common: &Common, err: &mut dyn Write) -> Result<(), HeirError> {
    let source = collection.source.clone();
    let notes = collection.notes.clone();
    let doc = collection.into_document(Timestamp::now());
    let out = common.output.display().to_string();
    let (doc, _) = crate::model::load::check(&out, doc)?;
    // Streamed to the file: a log import's document is as large as the log, and a copy of it as
    // bytes would be the peak of the whole run.
    crate::sys::fs::write_atomic_with(&common.output, |w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")
    })
    .map_err(|e| HeirError::io(format!("writing {out}"), e))?;
    let written = doc.sources.first().cloned();
    let records = written
        .as_ref()
        .and_then(|s| s.records.clone())
        .unwrap_or_default();
    let skipped: u64 = records.skipped.values().sum();
    // Messages on stderr are best effort: a closed stderr must not lose the exit code.
    let mut say = |line: String| {
        let _ = writeln!(err, "{line}");
    };
    say(format!(
        "{source}: {} nodes, {} edges written to {out}",
        doc.nodes.len(),
        doc.edges.len()
    ));
    for note in &notes {
        say(format!("{source}: note: {note}"));
    }
    for (reason, examples) in &records.examples {
        say(format!(
            "{source}: skipped ({reason}), e.g. {}",
            examples.join(", ")
        ));
    }
    if records.read > 0 && records.used == 0 {
        say(format!(
            "warning: {source}: none of the {} records read was used — is this the input {source} reads?",
            records.read
        ));
    }
    say(summary(&source, &records));
    if let Some(s) = written.filter(|s| !s.complete) {
        return Err(HeirError::Incomplete(format!(
            "{source}: the collection is incomplete ({}); {out} was written and marked `complete: false`",
            s.reason.as_deref().unwrap_or("some endpoints failed")
        )));
    }
    if common.strict && skipped > 0 {
        return Err(HeirError::Gate(format!(
            "{source}: {skipped} record(s) skipped and --strict is set; {out} was written"
        )));
    }
    Ok(())
}
