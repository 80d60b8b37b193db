//! The process allocator: the system's, with large blocks mapped straight from the kernel.
//!
//! Fresh memory is what large graphs pay for most: every page is faulted in and zeroed by the
//! kernel on first touch, and on virtual machines a fault costs microseconds (at 1M nodes, loading
//! took 62k faults, half of a warm `validate`). Large blocks are anonymous mappings of their own:
//!
//! - Blocks to be filled (`Vec::with_capacity` then pushes: the loaded graph, indexes, answers)
//!   start on a 2 MiB boundary and are marked `MADV_HUGEPAGE`, so the kernel backs them with huge
//!   pages where it can: one fault instead of 512.
//! - Zeroed blocks (`vec![0; n]`, per-node search scratch) are mostly touched sparsely: a typical
//!   blast labels a few dozen nodes of a million. They are not advised, so a page is only paid
//!   for once it is written (the system allocator zeroes over-aligned blocks by hand, touching
//!   every page). A caller that finds it will write most of such a table after all has the rest
//!   faulted in at once, on another core ([`prefault`]).
//! - Growing a block moves its pages (`mremap`) instead of copying them into fresh ones: a vector
//!   grown by doubling is written once, not twice.
//!
//! Small blocks are the system allocator's. Elsewhere than Linux this is the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks from this size are mappings. A huge page can only back an aligned 2 MiB stretch, so
/// filled blocks are placed on one.
pub const LARGE: usize = 1 << 20;

/// Over-aligned blocks from this size are mappings too: the system allocator would zero them by
/// hand, and per-node search scratch is over-aligned (a node's states share a cache line) and
/// 640 KB already at 10k nodes.
const OVER_ALIGNED_FROM: usize = 64 << 10;

const HUGE_PAGE: usize = 2 << 20;

const PAGE: usize = 4096;

/// The malloc family's alignment on 64-bit Linux.
const MALLOC_ALIGN: usize = 16;

/// The process allocator (see the module comment).
pub struct Allocator;

/// Whether a block of this layout is a mapping. Decided by the layout alone, so that `dealloc`
/// and `realloc` (which get only the layout) treat a block as `alloc` did.
fn mapped(layout: &Layout) -> bool {
    cfg!(target_os = "linux")
        && layout.align() <= PAGE
        && (layout.size() >= LARGE
            || (layout.align() > MALLOC_ALIGN && layout.size() >= OVER_ALIGNED_FROM))
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(&layout) {
            sys::map(layout.size(), true)
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(&layout) {
            // Fresh mappings read as zero.
            sys::map(layout.size(), false)
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(&layout) {
            unsafe { sys::unmap(ptr, layout.size()) }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        match (mapped(&layout), mapped(&new)) {
            (false, false) => unsafe { System.realloc(ptr, layout, new_size) },
            (true, true) => unsafe { sys::remap(ptr, layout.size(), new_size) },
            // The block changes kind: move it.
            _ => {
                let p = unsafe { self.alloc(new) };
                if !p.is_null() {
                    // SAFETY: both blocks are valid for the smaller size and do not overlap.
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                p
            }
        }
    }
}

#[cfg(target_os = "linux")]
mod sys {
    use super::{HUGE_PAGE, LARGE, PAGE};
    use libc::c_void;

    fn mapped_len(size: usize) -> usize {
        size.next_multiple_of(PAGE)
    }

    /// Marks a mapping for huge pages: only a flag, no contents change, and a kernel without
    /// transparent huge pages refuses it harmlessly.
    fn advise(p: *mut u8, len: usize) {
        // SAFETY: the range is a whole mapping this allocator made.
        unsafe {
            libc::madvise(p.cast(), len, libc::MADV_HUGEPAGE);
        }
    }

    /// Makes the whole pages inside `[at, at + len)` present and writable, contents unchanged.
    /// Works on addresses, never on the bytes: the owner may be writing them meanwhile.
    pub fn populate_write(at: usize, len: usize) {
        let start = at.next_multiple_of(PAGE);
        let end = (at + len) / PAGE * PAGE;
        if end > start {
            // SAFETY: the range lies inside a live block the caller owns (see `prefault`); the
            // call only faults pages in, as a write of nothing would.
            unsafe {
                libc::madvise(start as *mut c_void, end - start, libc::MADV_POPULATE_WRITE);
            }
        }
    }

    /// A fresh anonymous mapping for `size` bytes: zero until written. `fill`: the block is about
    /// to be filled, so place it on a huge-page boundary and advise it.
    pub fn map(size: usize, fill: bool) -> *mut u8 {
        let len = mapped_len(size);
        let huge = fill && size >= LARGE;
        let Some(span) = len.checked_add(if huge { HUGE_PAGE } else { 0 }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                span,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        if !huge {
            return p.cast();
        }
        // Keep the aligned `len` bytes, give back the slack on both sides.
        let at = p as usize;
        let start = at.next_multiple_of(HUGE_PAGE);
        let (head, tail) = (start - at, span - (start - at) - len);
        // SAFETY: both ranges are parts of the mapping just made, outside the block kept.
        unsafe {
            if head > 0 {
                libc::munmap(p, head);
            }
            if tail > 0 {
                libc::munmap((start + len) as *mut c_void, tail);
            }
        }
        advise(start as *mut u8, len);
        start as *mut u8
    }

    /// # Safety
    /// `p` came from [`map`] or [`remap`] for `size` bytes.
    pub unsafe fn unmap(p: *mut u8, size: usize) {
        // SAFETY: per the contract, the whole mapping.
        unsafe {
            libc::munmap(p.cast(), mapped_len(size));
        }
    }

    /// # Safety
    /// `p` came from [`map`] or [`remap`] for `old` bytes.
    pub unsafe fn remap(p: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: per the contract; the kernel moves the pages, keeping their contents, and
        // zero-fills what is added.
        let q = unsafe {
            libc::mremap(
                p.cast(),
                mapped_len(old),
                mapped_len(new),
                libc::MREMAP_MAYMOVE,
            )
        };
        if q == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        if new > old && new >= LARGE {
            // Grown by pushes: it is being filled.
            advise(q.cast(), mapped_len(new));
        }
        q.cast()
    }
}

/// Never reached elsewhere than Linux: no layout is `mapped` there.
#[cfg(not(target_os = "linux"))]
mod sys {
    pub fn map(_: usize, _: bool) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub unsafe fn unmap(_: *mut u8, _: usize) {}
    pub unsafe fn remap(_: *mut u8, _: usize, _: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub fn populate_write(_: usize, _: usize) {}
}

/// Has the kernel fault in, on another thread, every page of a large zeroed table not yet
/// written, and returns a guard that waits for it to finish.
///
/// Zeroed tables are left lazily zero so that sparse use (a typical search labels a few dozen
/// nodes of a million) costs only the pages written. A caller that finds it will write most of a
/// table after all (a search reaching a third of the graph) would otherwise pay two faults per
/// page, one when it first reads the page (the kernel maps its shared zero page) and one when it
/// first writes it: ~40k faults at 1M nodes. `MADV_POPULATE_WRITE` makes the pages writable in
/// one call, without changing a byte (pages already written are left as they are), and on the
/// idle core while the caller goes on. Small tables, a kernel without the call (before 5.14) or a
/// thread that cannot be started only mean the faults are taken as before.
pub fn prefault(tables: &[Block]) -> Prefault {
    let ranges: Vec<(usize, usize)> = tables
        .iter()
        .filter(|t| t.len >= LARGE)
        .map(|t| (t.at, t.len))
        .collect();
    if ranges.is_empty() || !cfg!(target_os = "linux") {
        return Prefault(None);
    }
    let worker = std::thread::Builder::new()
        .name("heir-prefault".into())
        .spawn(move || {
            for (at, len) in ranges {
                sys::populate_write(at, len);
            }
        });
    Prefault(worker.ok())
}

/// Where a table lies, for [`prefault`]: an address range, not a borrow, since the owner goes
/// on writing the table while the pages are faulted in.
#[derive(Clone, Copy)]
pub struct Block {
    at: usize,
    len: usize,
}

impl Block {
    pub fn of<T>(table: &[T]) -> Block {
        Block {
            at: table.as_ptr() as usize,
            len: std::mem::size_of_val(table),
        }
    }
}

/// Waits, when dropped, for the pages [`prefault`] asked for: the tables must outlive the call.
#[must_use = "dropping the guard at once waits for the prefault"]
pub struct Prefault(Option<std::thread::JoinHandle<()>>);

impl Drop for Prefault {
    fn drop(&mut self) {
        if let Some(worker) = self.0.take() {
            let _ = worker.join();
        }
    }
}

/// `n` values from zeroed memory: a large table costs only the pages later written
/// ([`Allocator`] leaves zeroed blocks lazily zero), where `vec![v; n]` writes all of them.
///
/// # Safety
/// All-zero bytes must be a valid `T`.
pub unsafe fn zeroed_vec<T>(n: usize) -> Vec<T> {
    if n == 0 || std::mem::size_of::<T>() == 0 {
        return Vec::new();
    }
    let layout = Layout::array::<T>(n).expect("a table that fits in memory");
    // SAFETY: a non-zero-sized layout; the caller vouches that zero bytes are `n` valid values;
    // the block is from the global allocator with `T`'s layout, as `Vec` requires.
    unsafe {
        let p = std::alloc::alloc_zeroed(layout).cast::<T>();
        if p.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        Vec::from_raw_parts(p, n, n)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The VmFlags of the mapping holding `addr`, from /proc/self/smaps.
    fn vm_flags(addr: usize) -> Option<String> {
        smaps_field(addr, "VmFlags:")
    }

    /// A field of the mapping holding `addr`, from /proc/self/smaps.
    fn smaps_field(addr: usize, field: &str) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((lo, hi)) = range.split_once('-') {
                    if let (Ok(lo), Ok(hi)) =
                        (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                    {
                        inside = (lo..hi).contains(&addr);
                        continue;
                    }
                }
            }
            if inside {
                if let Some(value) = line.strip_prefix(field) {
                    return Some(value.trim().to_string());
                }
            }
        }
        None
    }

    #[test]
    fn large_blocks_are_advised_and_keep_their_contents() {
        let a = Allocator;
        let layout = Layout::from_size_align(LARGE * 2, 8).unwrap();
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            std::ptr::write_bytes(p, 0xA5, layout.size());
            let mid = p as usize + layout.size() / 2;
            let flags = vm_flags(mid).expect("the block is mapped");
            // `hg` is MADV_HUGEPAGE; kernels without transparent huge pages refuse the advice.
            let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
                .is_ok_and(|s| !s.contains("[never]"));
            if thp {
                assert!(flags.split(' ').any(|f| f == "hg"), "not advised: {flags}");
            }
            assert_eq!(
                p as usize % HUGE_PAGE,
                0,
                "large blocks start on a huge page"
            );
            let q = a.realloc(p, layout, LARGE * 3);
            assert!(!q.is_null());
            let kept = std::slice::from_raw_parts(q, layout.size());
            assert!(kept.iter().all(|&b| b == 0xA5));
            a.dealloc(q, Layout::from_size_align(LARGE * 3, 8).unwrap());

            // Growing across LARGE moves the block to a mapping on a huge-page boundary,
            // keeping its bytes; shrinking back moves it back to the system allocator.
            let small = Layout::from_size_align(1000, 8).unwrap();
            let s = a.alloc(small);
            std::ptr::write_bytes(s, 0x5A, 1000);
            let big = a.realloc(s, small, LARGE + 1);
            assert_eq!(big as usize % HUGE_PAGE, 0);
            assert!(std::slice::from_raw_parts(big, 1000)
                .iter()
                .all(|&b| b == 0x5A));
            let big_layout = Layout::from_size_align(LARGE + 1, 8).unwrap();
            let back = a.realloc(big, big_layout, 500);
            assert!(std::slice::from_raw_parts(back, 500)
                .iter()
                .all(|&b| b == 0x5A));
            a.dealloc(back, Layout::from_size_align(500, 8).unwrap());

            // A zeroed large block reads as zeros and is not advised: it is touched sparsely.
            let zl = Layout::from_size_align(LARGE * 4, 8).unwrap();
            let z = a.alloc_zeroed(zl);
            assert!(std::slice::from_raw_parts(z, zl.size())
                .iter()
                .all(|&b| b == 0));
            let flags = vm_flags(z as usize + zl.size() / 2).expect("mapped");
            assert!(!flags.split(' ').any(|f| f == "hg"), "advised: {flags}");
            a.dealloc(z, zl);

            // Over-aligned large blocks are mappings: aligned, zero, kept across growth.
            let ol = Layout::from_size_align(LARGE * 2, 64).unwrap();
            let o = a.alloc_zeroed(ol);
            assert_eq!(o as usize % 4096, 0);
            assert!(std::slice::from_raw_parts(o, ol.size())
                .iter()
                .all(|&b| b == 0));
            std::ptr::write_bytes(o, 0x3C, ol.size());
            let grown = a.realloc(o, ol, LARGE * 5);
            assert_eq!(grown as usize % 64, 0);
            let bytes = std::slice::from_raw_parts(grown, LARGE * 5);
            assert!(bytes[..ol.size()].iter().all(|&b| b == 0x3C));
            assert!(bytes[ol.size()..].iter().all(|&b| b == 0));
            let shrunk = a.realloc(grown, Layout::from_size_align(LARGE * 5, 64).unwrap(), 640);
            assert_eq!(shrunk as usize % 64, 0);
            assert!(std::slice::from_raw_parts(shrunk, 640)
                .iter()
                .all(|&b| b == 0x3C));
            a.dealloc(shrunk, Layout::from_size_align(640, 64).unwrap());

            // A small block is the system allocator's, untouched.
            let small = Layout::from_size_align(64, 8).unwrap();
            let s = a.alloc_zeroed(small);
            assert!(std::slice::from_raw_parts(s, 64).iter().all(|&b| b == 0));
            a.dealloc(s, small);
        }
    }

    /// Whether this kernel has `MADV_POPULATE_WRITE` (Linux 5.14 and later).
    fn populate_supported() -> bool {
        let p = sys::map(PAGE, false);
        assert!(!p.is_null());
        // SAFETY: a fresh page of our own, advised and given back here.
        unsafe {
            let ok = libc::madvise(p.cast(), PAGE, libc::MADV_POPULATE_WRITE) == 0;
            sys::unmap(p, PAGE);
            ok
        }
    }

    /// A prefault makes every page of a zeroed table present and changes no byte, including
    /// bytes the owner writes while it runs; small tables are left alone.
    #[test]
    fn prefault_makes_pages_present_and_keeps_every_byte() {
        let a = Allocator;
        let layout = Layout::from_size_align(LARGE * 8, 64).unwrap();
        unsafe {
            let p = a.alloc_zeroed(layout);
            assert!(!p.is_null());
            let words = std::slice::from_raw_parts_mut(p.cast::<u64>(), layout.size() / 8);
            let resident_kb = |at: usize| -> u64 {
                let rss = smaps_field(at, "Rss:").expect("mapped");
                rss.trim_end_matches("kB").trim().parse().unwrap()
            };
            words[5] = 7;
            // The mapping may have merged with a neighbour: count what the prefault adds.
            let before = resident_kb(p as usize);
            let guard = prefault(&[Block::of(words)]);
            // The owner goes on writing meanwhile.
            for k in (0..words.len()).step_by(4096) {
                words[k] = k as u64 + 1;
            }
            drop(guard);
            let added = resident_kb(p as usize) - before;
            // All but the page written before the prefault started, on kernels with the call.
            if populate_supported() {
                assert!(
                    added >= (layout.size() / 1024) as u64 - 4,
                    "{added} kB faulted in"
                );
            }
            for (k, &w) in words.iter().enumerate() {
                let want = match k {
                    5 => 7,
                    k if k % 4096 == 0 => k as u64 + 1,
                    _ => 0,
                };
                assert_eq!(w, want, "word {k}");
            }
            a.dealloc(p, layout);
        }
        // Below LARGE nothing is started, and the guard has nothing to wait for.
        let small = vec![0u8; 4096];
        assert!(prefault(&[Block::of(&small)]).0.is_none());
    }
}
