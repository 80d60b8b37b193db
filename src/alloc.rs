//! The process allocator: the system's, with different placement for large blocks.
//!
//! Fresh memory is what large graphs pay for most: every page is faulted in and zeroed by the
//! kernel on first touch, and on virtual machines a fault costs microseconds (at 1M nodes, loading
//! took 62k faults, half of a warm `validate`). Two kinds of large blocks want different pages:
//!
//! - Blocks filled front to back (`Vec::with_capacity` then pushes: the loaded graph, indexes,
//!   answers) are placed on 2 MiB boundaries and marked `MADV_HUGEPAGE`, so the kernel backs them
//!   with huge pages where it can: one fault instead of 512.
//! - Zeroed blocks (`vec![0; n]`, per-node search scratch) are mostly touched sparsely: a typical
//!   blast labels a few dozen nodes of a million. They come straight from the kernel's zero pages
//!   and are never advised, so a page is only paid for once it is written; zeroing them by hand
//!   (what the system allocator does for over-aligned zeroed blocks) would touch every page.
//!
//! Small blocks are the system allocator's. Elsewhere than Linux this is the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks from this size get huge-page placement (when filled) or lazily zeroed pages (when
/// zeroed). A huge page can only back an aligned 2 MiB stretch, and the system allocator places
/// blocks anywhere, so an unaligned block of a few MiB would hold no aligned stretch at all.
pub const LARGE: usize = 1 << 20;

const HUGE_PAGE: usize = 2 << 20;

/// The malloc family's alignment on 64-bit Linux: blocks aligned to at most this come from
/// `posix_memalign`/`calloc`/`realloc` and go back through `free`.
const MALLOC_ALIGN: usize = 16;

/// The process allocator (see the module comment).
pub struct Allocator;

/// How a block of a layout is obtained; decided by the layout alone, so that `dealloc` and
/// `realloc` (which get only the layout) treat it as `alloc` did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// The system allocator.
    Small,
    /// The malloc family directly: huge-page placed when filled, `calloc` when zeroed.
    Large,
    /// Over-aligned large blocks: anonymous mappings (page-aligned, zero on first touch).
    Mapped,
}

/// Over-aligned blocks from this size are mappings. The system allocator zeroes over-aligned
/// blocks by hand, touching every page; per-node search scratch is over-aligned (a node's states
/// share a cache line) and is 640 KB already at 10k nodes.
const MAPPED_FROM: usize = 64 << 10;

fn kind(layout: &Layout) -> Kind {
    if !cfg!(target_os = "linux") {
        Kind::Small
    } else if layout.align() <= MALLOC_ALIGN {
        if layout.size() >= LARGE {
            Kind::Large
        } else {
            Kind::Small
        }
    } else if layout.align() <= PAGE && layout.size() >= MAPPED_FROM {
        Kind::Mapped
    } else {
        Kind::Small
    }
}

const PAGE: usize = 4096;

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match kind(&layout) {
            Kind::Small => unsafe { System.alloc(layout) },
            Kind::Large => sys::filled(layout.size()),
            Kind::Mapped => sys::map(layout.size()),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match kind(&layout) {
            Kind::Small => unsafe { System.alloc_zeroed(layout) },
            Kind::Large => sys::zeroed(layout.size()),
            Kind::Mapped => sys::map(layout.size()),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match kind(&layout) {
            Kind::Small => unsafe { System.dealloc(ptr, layout) },
            Kind::Large => unsafe { sys::free(ptr) },
            Kind::Mapped => unsafe { sys::unmap(ptr, layout.size()) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        match (kind(&layout), kind(&new)) {
            (Kind::Small, Kind::Small) => unsafe { System.realloc(ptr, layout, new_size) },
            // A growing block is being filled: keep it on huge pages.
            (Kind::Large, Kind::Large) => unsafe { sys::realloc(ptr, new_size) },
            (Kind::Mapped, Kind::Mapped) => unsafe { sys::remap(ptr, layout.size(), new_size) },
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
    use super::{HUGE_PAGE, PAGE};
    use libc::c_void;

    /// Marks whole pages of a block for huge pages. Only a flag on the mapping: no contents
    /// change, and a kernel without transparent huge pages refuses it harmlessly.
    fn advise(p: *mut u8, len: usize) {
        let start = (p as usize).next_multiple_of(PAGE);
        let end = (p as usize + len) & !(PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside a block this allocator handed out.
            unsafe {
                libc::madvise(start as *mut c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }

    /// A block to be filled: on a huge-page boundary, advised.
    pub fn filled(size: usize) -> *mut u8 {
        let mut p: *mut c_void = std::ptr::null_mut();
        // SAFETY: `p` is a valid out-pointer; HUGE_PAGE is a power of two multiple of the
        // pointer size.
        if unsafe { libc::posix_memalign(&mut p, HUGE_PAGE, size) } != 0 {
            return std::ptr::null_mut();
        }
        advise(p.cast(), size);
        p.cast()
    }

    /// A zeroed block: `calloc` takes fresh blocks from the kernel's zero pages without
    /// writing them.
    pub fn zeroed(size: usize) -> *mut u8 {
        // SAFETY: plain allocation.
        unsafe { libc::calloc(1, size).cast() }
    }

    /// # Safety
    /// `p` came from [`filled`], [`zeroed`] or [`realloc`].
    pub unsafe fn realloc(p: *mut u8, size: usize) -> *mut u8 {
        // SAFETY: per the contract; the malloc family keeps 16-byte alignment.
        let q: *mut u8 = unsafe { libc::realloc(p.cast(), size).cast() };
        if !q.is_null() {
            advise(q, size);
        }
        q
    }

    /// # Safety
    /// `p` came from the malloc family ([`filled`], [`zeroed`], [`realloc`]).
    pub unsafe fn free(p: *mut u8) {
        // SAFETY: per the contract.
        unsafe { libc::free(p.cast()) }
    }

    fn mapped_len(size: usize) -> usize {
        size.next_multiple_of(PAGE)
    }

    /// An anonymous mapping: page-aligned, zero until written.
    pub fn map(size: usize) -> *mut u8 {
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped_len(size),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p.cast()
        }
    }

    /// # Safety
    /// `p` came from [`map`] or [`remap`] with `size`.
    pub unsafe fn unmap(p: *mut u8, size: usize) {
        // SAFETY: per the contract, the whole mapping.
        unsafe {
            libc::munmap(p.cast(), mapped_len(size));
        }
    }

    /// # Safety
    /// `p` came from [`map`] or [`remap`] with `old`.
    pub unsafe fn remap(p: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: per the contract; the kernel moves the pages, keeping their contents.
        let q = unsafe {
            libc::mremap(
                p.cast(),
                mapped_len(old),
                mapped_len(new),
                libc::MREMAP_MAYMOVE,
            )
        };
        if q == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            q.cast()
        }
    }
}

/// Never reached elsewhere than Linux: `kind` is always `Small` there.
#[cfg(not(target_os = "linux"))]
mod sys {
    pub fn filled(_: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub fn zeroed(_: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub unsafe fn realloc(_: *mut u8, _: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub unsafe fn free(_: *mut u8) {}
    pub fn map(_: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub unsafe fn unmap(_: *mut u8, _: usize) {}
    pub unsafe fn remap(_: *mut u8, _: usize, _: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The VmFlags of the mapping holding `addr`, from /proc/self/smaps.
    fn vm_flags(addr: usize) -> Option<String> {
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
                if let Some(flags) = line.strip_prefix("VmFlags:") {
                    return Some(flags.trim().to_string());
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

            // Growing across LARGE moves the block to a huge-page boundary, keeping its bytes;
            // shrinking back moves it back to the system allocator.
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
}
