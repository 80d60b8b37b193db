//! heir: what did the attacker inherit from a stolen session or token, and in what order do we
//! revoke it?
//!
//! The binary is a thin layer over this library: [`model`] reads and indexes the trust graph,
//! [`analysis`] answers questions about it, [`report`] and [`export`] turn answers into formats.

pub mod act;
pub mod analysis;
pub mod cli;
pub mod collect;
pub mod error;
pub mod export;
pub mod model;
pub mod report;
pub mod store;
pub mod synth;
pub mod sys;
