//! Typed errors, each with its exit code (README and `docs/contracts.md` document them):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | an error: the input, the environment or a server (the message names the place and the fix) |
//! | 2 | a command line that does not make sense (clap reports most of those itself) |
//! | 3 | a gate tripped: `--fail-on`, `--strict`, a verification that failed; the answer was written |
//! | 4 | written but incomplete: a collector could not read everything; the document says what |

use thiserror::Error;

use crate::model::load::LoadError;

#[derive(Debug, Error)]
pub enum HeirError {
    #[error("{0}")]
    Load(#[from] LoadError),

    #[error("{file}: --{flag} `{id}` is not a node in this document\n  closest ids: {}\n  fix: pass an existing id (see `heir validate --format json` or grep the document)", closest.join(", "))]
    UnknownId {
        file: String,
        flag: &'static str,
        id: String,
        closest: Vec<String>,
    },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// Something missing or failing outside heir (a tool, a server), with the fix in the text.
    #[error("{0}")]
    Environment(String),

    /// A gate (`--fail-on`, `--strict`) tripped: the report was printed, the exit code says so.
    #[error("{0}")]
    Gate(String),

    /// The output was written but is incomplete (a collector could not read everything); the
    /// document's `sources` say what is missing.
    #[error("{0}")]
    Incomplete(String),

    /// An input file heir could not use (names the file, the place and the fix).
    #[error("{0}")]
    Input(String),

    #[error("{0}")]
    Usage(String),
}

impl HeirError {
    pub fn exit_code(&self) -> i32 {
        match self {
            HeirError::Usage(_) => 2,
            HeirError::Gate(_) => 3,
            HeirError::Incomplete(_) => 4,
            _ => 1,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        HeirError::Io {
            context: context.into(),
            source,
        }
    }
}
