//! 64-bit words that are either owned or read in place from a mapped snapshot.
//!
//! A snapshot's id index (end offsets and hash table, 24 bytes a node) is most of what a warm
//! load would otherwise copy into fresh memory. The words are already in the page cache,
//! little-endian and aligned, so on a little-endian machine they are used where they lie;
//! anywhere else they are decoded into a vector.

use std::ops::Deref;
use std::sync::Arc;

use super::mapped::Mapped;

pub(crate) enum Words {
    Owned(Vec<u64>),
    /// `len` words at `ptr`, inside `map`, which the `Arc` keeps mapped.
    Mapped {
        _map: Arc<Mapped>,
        ptr: *const u64,
        len: usize,
    },
}

// SAFETY: a `Mapped` variant points into a read-only mapping that its `Arc` keeps alive, so
// moving it to another thread moves a borrow of immutable bytes along with their owner.
unsafe impl Send for Words {}
// SAFETY: as for `Send`: through `&Words` the words are only ever read.
unsafe impl Sync for Words {}

impl Words {
    /// `len` words at byte `offset` of `map`; `None` when they are not all inside it.
    pub(crate) fn from_map(map: &Arc<Mapped>, offset: usize, len: usize) -> Option<Words> {
        let end = offset.checked_add(len.checked_mul(8)?)?;
        let bytes = map.bytes().get(offset..end)?;
        if cfg!(target_endian = "little") && bytes.as_ptr().align_offset(8) == 0 {
            Some(Words::Mapped {
                _map: map.clone(),
                ptr: bytes.as_ptr().cast(),
                len,
            })
        } else {
            Some(Words::Owned(
                bytes
                    .chunks_exact(8)
                    .map(|w| {
                        let mut word = [0u8; 8];
                        word.copy_from_slice(w);
                        u64::from_le_bytes(word)
                    })
                    .collect(),
            ))
        }
    }

    /// The words as a vector to change, copied out of the mapping first if need be (an index
    /// from a snapshot is only read, so this copies nothing in practice).
    pub(crate) fn to_mut(&mut self) -> &mut Vec<u64> {
        if let Words::Mapped { .. } = self {
            *self = Words::Owned(self.to_vec());
        }
        match self {
            Words::Owned(v) => v,
            Words::Mapped { .. } => unreachable!("made owned just above"),
        }
    }

    /// Whether the words are read in place from a mapping.
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self, Words::Mapped { .. })
    }
}

impl Deref for Words {
    type Target = [u64];

    #[inline]
    fn deref(&self) -> &[u64] {
        match self {
            Words::Owned(v) => v,
            // SAFETY: `from_map` checked that the `len` words lie inside the mapping and that
            // `ptr` is aligned; the mapping is read-only and lives as long as `_map`, and every
            // bit pattern is a valid u64.
            Words::Mapped { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}

impl Clone for Words {
    fn clone(&self) -> Words {
        match self {
            Words::Owned(v) => Words::Owned(v.clone()),
            Words::Mapped { _map, ptr, len } => Words::Mapped {
                _map: _map.clone(),
                ptr: *ptr,
                len: *len,
            },
        }
    }
}

impl Default for Words {
    fn default() -> Words {
        Words::Owned(Vec::new())
    }
}

impl From<Vec<u64>> for Words {
    fn from(v: Vec<u64>) -> Words {
        Words::Owned(v)
    }
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Words({} words, mapped: {})",
            self.len(),
            self.is_mapped()
        )
    }
}
