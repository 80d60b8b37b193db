//! The `heir` binary: the library's command line, on mimalloc.

/// mimalloc rather than the system allocator: most of what a large command pays for is fresh
/// memory, page by page, and mimalloc can back it with transparent huge pages (one fault per
/// 2 MiB instead of 512), which glibc's malloc does only when told through the environment.
/// The comparison at 1M nodes is in docs/performance.md ("Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Inputs from this size get huge pages. A small graph touches a few megabytes in all, and
/// zeroing a 2 MiB page for each small block it lands in costs more than the faults it saves.
const LARGE_INPUT: u64 = 16 << 20;

fn main() {
    if names_a_large_file() {
        // SAFETY: setting an option has no precondition; mimalloc reads it whenever it next asks
        // the OS for memory, so every block from here on may be backed by huge pages.
        unsafe { libmimalloc_sys::mi_option_set(libmimalloc_sys::mi_option_large_os_pages, 1) };
    }
    std::process::exit(heir::cli::main());
}

/// Whether an argument names a file of at least [`LARGE_INPUT`] bytes: a large document is the
/// one thing that makes a command large. Arguments that are not files (ids, flags) cost a
/// failed `stat` each.
fn names_a_large_file() -> bool {
    std::env::args_os()
        .skip(1)
        .any(|a| std::fs::metadata(a).is_ok_and(|m| m.is_file() && m.len() >= LARGE_INPUT))
}
