//! How a trust graph is stored and read fast: the typed-free JSON path ([`jsonload`]), compact
//! snapshots of large documents ([`snapshot`], [`open`]), the id index ([`ids`]) and full records
//! parsed lazily ([`records`]). The meaning lives in [`crate::model`]; this layer only makes
//! loading a million-node document take milliseconds, and every path here must give the same
//! graph as the strict loader ([`crate::model::load`]).

pub mod ids;
pub mod jsonload;
mod mapped;
pub mod open;
pub mod records;
pub mod snapshot;
mod words;
