//! The process allocator: the system's, with transparent huge pages asked for on large blocks.
//!
//! Loading a large graph fills tens to hundreds of megabytes of fresh memory. With 4 KiB pages the
//! kernel takes one page fault per page on first touch, and on virtual machines a fault costs
//! microseconds: at 100k nodes the faults were two thirds of a warm `validate`'s time. Blocks of
//! at least [`LARGE`] are marked `MADV_HUGEPAGE`, so the kernel backs them with 2 MiB pages where it
//! can (one fault instead of 512). Systems with transparent huge pages set to `never` ignore the
//! advice; small blocks are untouched, so a small graph pays nothing.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks from this size are placed on 2 MiB boundaries and advised. A huge page can only back an
/// aligned 2 MiB stretch, and the system allocator places blocks anywhere, so an unaligned block of
/// a few MiB would hold no aligned stretch at all. Below this size a block is the system's.
pub const LARGE: usize = 1 << 20;

const HUGE_PAGE: usize = 2 << 20;

/// The system allocator plus huge-page advice on large blocks (Linux only; elsewhere it is the
/// system allocator as is).
pub struct Allocator;

/// The layout a block is really allocated with: large blocks on huge-page boundaries.
fn placed(layout: Layout) -> Layout {
    if cfg!(target_os = "linux") && layout.size() >= LARGE && layout.align() < HUGE_PAGE {
        // HUGE_PAGE is a power of two; a size too large for it keeps the caller's layout.
        Layout::from_size_align(layout.size(), HUGE_PAGE).unwrap_or(layout)
    } else {
        layout
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(placed(layout)) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(placed(layout)) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, placed(layout)) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = placed(layout);
        let Ok(new) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        if placed(new).align() == old.align() {
            // Same placement: the system reallocates in place or moves the block itself.
            let p = unsafe { System.realloc(ptr, old, new_size) };
            advise(p, new_size);
            return p;
        }
        // The block crosses LARGE: move it between placements.
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

#[cfg(target_os = "linux")]
fn advise(p: *mut u8, len: usize) {
    const PAGE: usize = 4096;
    if p.is_null() || len < LARGE {
        return;
    }
    // Whole pages inside the block only: the advice applies to the mapping, never to a
    // neighbour's bytes, and it changes no contents.
    let start = (p as usize).next_multiple_of(PAGE);
    let end = (p as usize + len) & !(PAGE - 1);
    if end > start {
        // SAFETY: the range lies inside a block the allocator just handed out; MADV_HUGEPAGE
        // only sets a flag on the mapping. A failure (THP not built in) is harmless.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_: *mut u8, _: usize) {}

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
            // shrinking back moves it back.
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

            // A small block is the system allocator's, untouched.
            let small = Layout::from_size_align(64, 8).unwrap();
            let s = a.alloc_zeroed(small);
            assert!(std::slice::from_raw_parts(s, 64).iter().all(|&b| b == 0));
            a.dealloc(s, small);
        }
    }
}
