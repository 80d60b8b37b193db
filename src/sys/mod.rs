//! Process machinery, apart from what heir means: threads ([`par`]), atomic files ([`fs`]),
//! cache hints ([`prefetch`]). Nothing here knows about trust graphs.

pub mod fs;
pub mod par;
mod prefetch;

pub(crate) use prefetch::{prefetch, read_ahead};
