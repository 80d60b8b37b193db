//! The trust graph: its vocabulary ([`kinds`]), its document format ([`document`], [`load`]) and
//! its indexed in-memory form ([`graph`]).

pub mod document;
pub mod graph;
pub mod ids;
pub mod jsonload;
pub mod kinds;
pub mod load;
mod mapped;
pub mod open;
pub mod records;
pub mod snapshot;
pub mod time;

pub use document::{Document, Edge, Node, Props, Source};
pub use graph::TrustGraph;
pub use kinds::{Attacker, BlockedBy, EdgeKind, NodeKind, Requirement, Revocation, TokenType};
pub use time::Timestamp;
pub mod merge;

/// Asks the CPU to start loading the cache line at `p`; a hint only, never a fault.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it does not dereference `p` and cannot fault.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_prefetch(p.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
