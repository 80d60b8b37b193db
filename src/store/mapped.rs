//! A snapshot file's bytes, mapped read-only instead of copied.
//!
//! Reading a snapshot into a fresh buffer was a third of a warm command's time at 100k nodes: the
//! kernel zero-fills every page of the buffer, copies the file into it, then unmaps it at exit.
//! Mapping shares the page cache's pages instead, and a graph loaded from a snapshot keeps it
//! mapped: the records' spans are read from its rows in place (`records::SnapshotRows`) instead
//! of being copied out. Snapshots are only ever replaced whole (written to a temporary file and
//! renamed), so the mapped file does not change under us. A snapshot rewritten in place by
//! something else while heir runs gives wrong spans, which read back as no record or as another
//! one, and either is caught (`records::read_node`: a bare record and a warning); one truncated
//! in place could still end the process, which is why only snapshots, never documents, are
//! mapped.

use std::fs::File;
use std::io;
use std::path::Path;

pub(crate) struct Mapped {
    #[cfg(unix)]
    ptr: *mut libc::c_void,
    #[cfg(unix)]
    len: usize,
    #[cfg(not(unix))]
    bytes: Vec<u8>,
}

// SAFETY: the mapping is read-only and lives until `drop`: sharing or moving it between threads
// is sharing an immutable byte slice.
#[cfg(unix)]
unsafe impl Send for Mapped {}
#[cfg(unix)]
unsafe impl Sync for Mapped {}

impl Mapped {
    #[cfg(unix)]
    pub(crate) fn open(path: &Path) -> io::Result<Mapped> {
        use std::os::fd::AsRawFd;
        let file = File::open(path)?;
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::other("file too large to map"))?;
        if len == 0 {
            return Ok(Mapped {
                ptr: std::ptr::null_mut(),
                len: 0,
            });
        }
        #[cfg(target_os = "linux")]
        let flags = libc::MAP_PRIVATE | libc::MAP_POPULATE;
        #[cfg(not(target_os = "linux"))]
        let flags = libc::MAP_PRIVATE;
        // SAFETY: a fresh read-only private mapping of an open file; the fd may close after.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                flags,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapped { ptr, len })
    }

    #[cfg(not(unix))]
    pub(crate) fn open(path: &Path) -> io::Result<Mapped> {
        Ok(Mapped {
            bytes: std::fs::read(path)?,
        })
    }

    /// Lets the kernel take back the pages mapped so far, but those overlapping `keep` (bytes
    /// read in place for the whole command). Nothing changes for readers: a page read again is
    /// mapped again from the page cache (a minor fault, no copy). For a snapshot kept for its
    /// spans after decoding: otherwise all of it would stay resident for the command's lifetime,
    /// for the few rows a report reads.
    pub(crate) fn release_resident_outside(&self, keep: std::ops::Range<usize>) {
        #[cfg(unix)]
        {
            // SAFETY: sysconf has no preconditions.
            let page =
                usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
            let base = self.ptr as usize;
            let (lo, hi) = (keep.start / page * page, keep.end.next_multiple_of(page));
            for (start, end) in [(0, lo.min(self.len)), (hi, self.len)] {
                if start < end {
                    // SAFETY: advice over a page-aligned part of this read-only private file
                    // mapping, whose pages were never written: dropping them loses nothing.
                    unsafe {
                        libc::madvise(
                            (base + start) as *mut libc::c_void,
                            end - start,
                            libc::MADV_DONTNEED,
                        );
                    }
                }
            }
        }
        #[cfg(not(unix))]
        let _ = keep;
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        #[cfg(unix)]
        {
            if self.len == 0 {
                return &[];
            }
            // SAFETY: `ptr` maps `len` readable bytes until `drop`, and `&self` outlives the slice.
            unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
        }
        #[cfg(not(unix))]
        {
            &self.bytes
        }
    }
}

#[cfg(unix)]
impl Drop for Mapped {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: unmapping exactly what `open` mapped, once.
            unsafe {
                libc::munmap(self.ptr, self.len);
            }
        }
    }
}
