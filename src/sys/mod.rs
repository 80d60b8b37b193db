//! Process machinery, apart from what heir means: threads ([`par`]), atomic files ([`fs`]),
//! cache hints ([`prefetch`]) and the allocator. Nothing here knows about trust graphs.

pub mod alloc;
pub mod fs;
pub mod par;
mod prefetch;

pub(crate) use prefetch::{prefetch, read_ahead};
