//! The trust graph: its vocabulary ([`kinds`]), its document format ([`document`], [`load`]) and
//! its indexed in-memory form ([`graph`]).

pub mod document;
pub mod graph;
pub mod kinds;
pub mod liveness;
pub mod load;
pub mod naming;
pub mod time;

pub use document::{Document, Edge, Node, Props, Source};
pub use graph::TrustGraph;
pub use kinds::{Attacker, BlockedBy, EdgeKind, NodeKind, Requirement, Revocation, TokenType};
pub use time::Timestamp;
pub mod merge;
