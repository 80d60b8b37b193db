//! Acting on a plan: `heir revoke` performs its contain and revoke steps on the platforms,
//! `heir verify` checks that the platforms honoured them.
//!
//! This layer sits beside `report`, to the right of `analysis`: it reads a plan's JSON (the
//! contract, not the analysis types; `plan`), sends the requests the plan's steps carry through
//! the collectors' HTTP client (`endpoints`), records every request in an append-only journal
//! (`journal`), and reads back what each platform did (`verify`). Analysis stays free of HTTP;
//! the command line stays thin.

pub mod endpoints;
pub mod journal;
pub mod plan;
pub mod revoke;
pub mod verify;
