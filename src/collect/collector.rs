//! The collector plug-in interface. A source is one module implementing [`Collector`] and one
//! line in [`super::registry`]; `heir collect` builds its subcommands from that list, so adding a
//! source touches no match arm in `cli/` (see "Writing a collector" in `docs/collectors.md`).
//!
//! What the command line does around a collector is the same for all of them (`cli/collect.rs`):
//! the common flags (`-o`, `--quiet`, `--strict`), the progress bar, writing the document
//! atomically, the record accounting on stderr, and the exit codes (3 for `--strict` with skipped
//! records, 4 for an incomplete collection). A collector only says what it reads and what it makes
//! of it.

use std::path::Path;

use super::http::{FetchError, Policy};
use super::{Collection, Progress};
use crate::error::HeirError;

/// One data source of `heir collect`.
///
/// `run` fetches (live through [`super::http`], or by reading files), hands the raw records to
/// the collector's pure transform, and returns the [`Collection`] with its record accounting
/// ([`Collection::records`]) filled in by the transform. Problems that leave the collection
/// incomplete go into [`Collection::problems`]; errors that leave nothing worth writing (a
/// rejected credential, an unreadable file) are returned as `Err` and nothing is written.
///
/// The trait is object safe so that the registry is a plain slice; a collector keeps its options
/// typed by deriving `clap::Args` on a struct and going through [`parse`]:
///
/// ```ignore
/// fn args(&self, cmd: clap::Command) -> clap::Command { HelloOpts::augment_args(cmd) }
/// fn run(&self, m: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
///     let o: HelloOpts = parse(m)?;
///     Ok(transform(&fetch(&o, ctx)?))
/// }
/// ```
///
/// A complete example is `docs/collectors/hello.rs`, run by the tests.
pub trait Collector: Sync {
    /// The subcommand name, also the document's `sources[].name` (`okta`, `signins`).
    fn name(&self) -> &'static str;
    /// One line for `heir collect --help`.
    fn about(&self) -> &'static str;
    /// Adds the collector's own flags; the common ones are added by the command line.
    fn args(&self, cmd: clap::Command) -> clap::Command;
    /// Fetch, transform, account.
    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError>;
}

/// What the command line gives every collector run.
pub struct Context<'a> {
    /// Retries, backoff, concurrency and timeouts of live requests.
    pub policy: Policy,
    /// The progress bar of this run (silent unless stderr is a terminal and not `--quiet`).
    pub progress: &'a Progress,
}

impl Context<'_> {
    /// Runs a live fetch to completion. Collectors are async because [`super::http`] is; the
    /// command line is not, so each run gets a small single-threaded runtime of its own.
    pub fn block_on<F: std::future::Future>(&self, fut: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
            .block_on(fut)
    }
}

/// The collector's typed options from the parsed subcommand. Clap has already checked them
/// against the same definition, so a failure here is a bug in `args`, reported as a usage error
/// rather than a panic.
pub fn parse<T: clap::FromArgMatches>(args: &clap::ArgMatches) -> Result<T, HeirError> {
    T::from_arg_matches(args).map_err(|e| HeirError::Usage(e.to_string()))
}

/// A credential from the environment, or an error naming the variable (never a value).
pub fn env_token(var: &str) -> Result<String, HeirError> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(HeirError::Environment(format!(
            "the environment variable {var} is not set\n  fix: export {var}=… with a read-only API credential (see docs/collectors.md)"
        ))),
    }
}

/// Reads an input file (an export is evidence: read, never written next to).
pub fn read_input(path: &Path) -> Result<String, HeirError> {
    std::fs::read_to_string(path)
        .map_err(|e| HeirError::io(format!("reading {}", path.display()), e))
}

/// An input file heir cannot use: the message names the file.
pub fn input_error(path: &Path, problem: impl std::fmt::Display) -> HeirError {
    HeirError::Input(format!("{}: {problem}", path.display()))
}

/// A live fetch that failed for good (a rejected credential, an unreachable server): nothing is
/// written. The message already names the URL and the fix.
pub fn fetch_error(e: FetchError) -> HeirError {
    HeirError::Environment(e.to_string())
}
