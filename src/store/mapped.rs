//! A snapshot file's bytes, mapped read-only instead of copied.
//!
//! Reading a snapshot into a fresh buffer costs a zero-filled page per page of the file plus the
//! copy; a mapping shares the page cache's pages instead, and a graph loaded from a snapshot keeps
//! it mapped: the records' spans are read from its rows in place (`records::SnapshotRows`) instead
//! of being copied out.
//!
//! ## The mapping's invariant
//! A mapped file must not change while it is mapped, or the bytes behind a `&[u8]` change under
//! the borrow. heir only ever replaces a snapshot whole (written to a temporary file and renamed),
//! which leaves the mapped inode as it was. A snapshot rewritten in place by something else while
//! heir runs gives wrong spans, which read back as no record or as another one, and either is
//! caught (`records::read_node`: a bare record and a warning); one truncated in place could still
//! end the process with a bus error, which is why only snapshots, never documents, are mapped.

use std::fs::File;
use std::io;
use std::path::Path;

use memmap2::{Mmap, MmapOptions};

pub(crate) struct Mapped {
    map: Mmap,
}

/// The page size assumed when giving pages back. Only a hint: on a machine with larger pages the
/// kernel rounds the ranges out, and a page given back that is read again is simply mapped again.
const PAGE: usize = 4096;

impl Mapped {
    pub(crate) fn open(path: &Path) -> io::Result<Mapped> {
        let file = File::open(path)?;
        // SAFETY: a read-only private mapping of a snapshot, which heir never modifies in place
        // (see the module comment for what happens if something else does). The mapping keeps
        // the file's pages after `file` is closed.
        let map = unsafe { MmapOptions::new().populate().map_copy_read_only(&file)? };
        Ok(Mapped { map })
    }

    /// Lets the kernel take back the pages mapped so far, but those overlapping `keep` (bytes
    /// read in place for the whole command). Nothing changes for readers: a page read again is
    /// mapped again from the page cache (a minor fault, no copy). For a snapshot kept for its
    /// spans after decoding: otherwise all of it would stay resident for the command's lifetime,
    /// for the few rows a report reads.
    pub(crate) fn release_resident_outside(&self, keep: std::ops::Range<usize>) {
        #[cfg(unix)]
        {
            let len = self.map.len();
            let (lo, hi) = (keep.start / PAGE * PAGE, keep.end.next_multiple_of(PAGE));
            for (start, end) in [(0, lo.min(len)), (hi, len)] {
                if start < end {
                    // SAFETY: the pages of a read-only private file mapping are never written, so
                    // dropping them loses nothing: a later read maps the same file bytes again,
                    // and slices borrowed from `bytes()` keep reading what they read before. A
                    // refusal by the kernel leaves the pages resident, which is only a cost.
                    let _ = unsafe {
                        self.map.unchecked_advise_range(
                            memmap2::UncheckedAdvice::DontNeed,
                            start,
                            end - start,
                        )
                    };
                }
            }
        }
        #[cfg(not(unix))]
        let _ = keep;
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mapping reads the file's bytes, an empty file maps to no bytes, and giving pages back
    /// around any kept range (empty, inside, past the end) leaves every byte readable as it was.
    #[test]
    fn maps_the_file_and_survives_giving_pages_back() {
        let dir = std::env::temp_dir().join(format!("heir-mapped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("snap");
        let bytes: Vec<u8> = (0..5 * PAGE + 123).map(|i| (i * 31 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let map = Mapped::open(&path).unwrap();
        assert_eq!(map.bytes(), &bytes[..]);
        for keep in [0..0, PAGE + 7..3 * PAGE - 1, 4 * PAGE..bytes.len() + PAGE] {
            map.release_resident_outside(keep);
            assert_eq!(map.bytes(), &bytes[..]);
        }
        std::fs::write(&path, b"").unwrap();
        assert!(Mapped::open(&path).unwrap().bytes().is_empty());
        assert!(Mapped::open(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
