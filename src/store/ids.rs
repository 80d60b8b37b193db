//! Node ids: one arena of id text and an open-addressing table from id to node position.
//!
//! A million ids as `String` keys of a hash map cost two allocations and ~100 bytes each; here
//! they cost their bytes plus 16 (an end offset and two table slots), are built without a single
//! per-id allocation, and rebuild from a snapshot's arena in milliseconds. Lookups compare the
//! arena slice, so they stay exact whatever the hash does.

use super::words::Words;

/// Ids in node order, and the way back from an id to its position.
#[derive(Debug, Clone, Default)]
pub struct IdIndex {
    arena: String,
    /// `ends[i]` is where id `i` ends in `arena`; it starts at `ends[i - 1]` (or 0).
    ends: Words,
    /// Slot → the id's hash tag (high 32 bits) and node position + 1 (low 32 bits); 0 is empty.
    /// The tag settles most mismatches without touching the arena (a cache miss per compare).
    /// Length is a power of two, at least twice the ids.
    table: Words,
    /// Known: no id needs escaping in JSON (`json_plain` over the whole arena, recorded in a
    /// snapshot). False when not known, and writers check each id.
    plain: bool,
}

const TAG: u64 = 0xffff_ffff_0000_0000;

/// The node position in a non-empty table entry.
#[inline]
fn pos(entry: u64) -> usize {
    (entry & !TAG) as usize - 1
}

/// Whether `bytes` go into a JSON string as they are: no quote, backslash or control character,
/// the only bytes serde_json escapes. No early exit, so the check runs on whole vectors.
#[inline]
pub(crate) fn json_plain(bytes: &[u8]) -> bool {
    !bytes.iter().fold(false, |hit, &b| {
        hit | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// 64-bit multiply-rotate over 8-byte words (the FxHash recipe): fast on short ASCII ids.
#[inline]
pub(crate) fn hash(s: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = s.len() as u64;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    // Multiplication only carries entropy upwards and the table index uses the low bits:
    // finish with MurmurHash3's avalanche so ids differing in their last bytes spread out.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl IdIndex {
    pub fn with_capacity(ids: usize, bytes: usize) -> Self {
        let slots = (ids.max(1) * 2).next_power_of_two();
        IdIndex {
            arena: String::with_capacity(bytes),
            ends: Vec::with_capacity(ids).into(),
            table: vec![0; slots].into(),
            plain: false,
        }
    }

    /// Rebuilds the table over an arena and its end offsets (from a snapshot). `None` when the
    /// offsets do not describe the arena.
    pub fn from_parts(arena: String, ends: Vec<u64>) -> Option<Self> {
        let mut prev = 0;
        for &e in &ends {
            let e = usize::try_from(e).ok()?;
            if e < prev || e > arena.len() || !arena.is_char_boundary(e) {
                return None;
            }
            prev = e;
        }
        if prev != arena.len() || ends.len() >= u32::MAX as usize {
            return None;
        }
        let slots = (ends.len().max(1) * 2).next_power_of_two();
        let mut index = IdIndex {
            arena,
            ends: ends.into(),
            table: vec![0; slots].into(),
            plain: false,
        };
        for i in 0..index.ends.len() {
            // Duplicates cannot come from a snapshot heir wrote; refuse rather than guess.
            if index.place(i).is_err() {
                return None;
            }
        }
        Some(index)
    }

    /// [`Self::from_parts`] with the table as [`Self::parts`] gave it, so a snapshot opens
    /// without hashing a million ids again. The table is checked to be a permutation of the
    /// positions with room left, so lookups always end; a snapshot's checksum vouches for the rest.
    pub(crate) fn from_parts_with_table(arena: String, ends: Words, table: Words) -> Option<Self> {
        let n = ends.len();
        if !table.len().is_power_of_two() || table.len() < n.max(1) * 2 {
            return None;
        }
        let mut seen = vec![false; n];
        let mut filled = 0;
        for &t in table.iter() {
            if t != 0 {
                if t & !TAG == 0 {
                    return None;
                }
                let i = pos(t);
                if i >= n || std::mem::replace(&mut seen[i], true) {
                    return None;
                }
                filled += 1;
            }
        }
        if filled != n {
            return None;
        }
        let mut prev = 0;
        for &e in ends.iter() {
            let e = usize::try_from(e).ok()?;
            if e < prev || e > arena.len() || !arena.is_char_boundary(e) {
                return None;
            }
            prev = e;
        }
        if prev != arena.len() {
            return None;
        }
        Some(IdIndex {
            arena,
            ends,
            table,
            plain: false,
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends an id as the next node. `Err(existing)` when the id is already present (nothing
    /// is added then). One probe sequence both checks and places.
    pub fn push(&mut self, id: &str) -> Result<usize, usize> {
        self.push_hashed(id, hash(id.as_bytes()))
    }

    /// [`Self::push`] with the id's [`hash`] computed beforehand (on another thread).
    pub fn push_hashed(&mut self, id: &str, h: u64) -> Result<usize, usize> {
        if (self.ends.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let tag = h & TAG;
        let mut slot = h as usize & mask;
        loop {
            match self.table[slot] {
                0 => break,
                t if t & TAG == tag && self.id(pos(t)) == id => return Err(pos(t)),
                _ => slot = (slot + 1) & mask,
            }
        }
        self.arena.push_str(id);
        self.plain = false; // unknown again
        self.ends.to_mut().push(self.arena.len() as u64);
        let i = self.ends.len() - 1;
        self.table.to_mut()[slot] = tag | (i as u64 + 1);
        Ok(i)
    }

    fn grow(&mut self) {
        let slots = (self.table.len() * 2).max(2);
        self.table = vec![0; slots].into();
        for i in 0..self.ends.len() {
            let _ = self.place(i);
        }
    }

    /// Puts id `i` (already in the arena) into the table.
    fn place(&mut self, i: usize) -> Result<(), usize> {
        let mask = self.table.len() - 1;
        let id = self.id(i);
        let h = hash(id.as_bytes());
        let tag = h & TAG;
        let mut slot = h as usize & mask;
        loop {
            match self.table[slot] {
                0 => {
                    self.table.to_mut()[slot] = tag | (i as u64 + 1);
                    return Ok(());
                }
                t if t & TAG == tag && self.id(pos(t)) == id => return Err(pos(t)),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Position of the node with this id.
    #[inline]
    pub fn get(&self, id: &str) -> Option<usize> {
        self.get_hashed(id, hash(id.as_bytes()))
    }

    /// [`Self::get`] with the id's [`hash`] computed beforehand.
    #[inline]
    pub fn get_hashed(&self, id: &str, h: u64) -> Option<usize> {
        if self.table.is_empty() {
            return None;
        }
        let mask = self.table.len() - 1;
        let tag = h & TAG;
        let mut slot = h as usize & mask;
        loop {
            match self.table[slot] {
                0 => return None,
                t if t & TAG == tag && self.id(pos(t)) == id => return Some(pos(t)),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Starts loading the table slot where a lookup or insert of hash `h` begins: a builder
    /// pushing ids in order asks a few ids ahead, so the table's cache misses overlap.
    #[inline]
    pub fn prefetch_slot(&self, h: u64) {
        if !self.table.is_empty() {
            let slot = h as usize & (self.table.len() - 1);
            crate::sys::prefetch(self.table.as_ptr().wrapping_add(slot));
        }
    }

    /// `out[k]` = [`Self::get_hashed`]`(keys[k])`, for a batch of ids looked up together. On a
    /// large graph one lookup is three dependent cache misses — the table slot, the end offsets,
    /// the arena — so a lone lookup waits for each in turn; here every stage is asked for across
    /// the batch before any is read, and the misses of a stage overlap.
    pub fn get_batch(&self, keys: &[(&str, u64)], out: &mut Vec<Option<usize>>) {
        const STAGE: usize = 32;
        out.clear();
        if self.table.is_empty() {
            out.resize(keys.len(), None);
            return;
        }
        let mask = self.table.len() - 1;
        for batch in keys.chunks(STAGE) {
            for &(_, h) in batch {
                self.prefetch_slot(h);
            }
            // The id in each home slot when its tag matches (the usual case for an id present).
            let mut candidate = [usize::MAX; STAGE];
            for (c, &(_, h)) in candidate.iter_mut().zip(batch) {
                let t = self.table[h as usize & mask];
                if t != 0 && t & TAG == h & TAG {
                    *c = pos(t);
                    self.prefetch_span(*c);
                }
            }
            for &c in &candidate[..batch.len()] {
                if c != usize::MAX {
                    let start = if c == 0 { 0 } else { self.ends[c - 1] as usize };
                    crate::sys::prefetch(self.arena.as_ptr().wrapping_add(start));
                }
            }
            for (&c, &(id, h)) in candidate.iter().zip(batch) {
                out.push(if c != usize::MAX && self.id(c) == id {
                    Some(c)
                } else {
                    self.get_hashed(id, h) // a collision or an absent id: the full probe
                });
            }
        }
    }

    #[inline]
    pub fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    /// Starts loading where id `i` lies (its end offsets), for a reader about to ask for it.
    #[inline]
    pub fn prefetch_span(&self, i: usize) {
        crate::sys::prefetch(self.ends.as_ptr().wrapping_add(i.saturating_sub(1)));
    }

    /// Calls `f` with the ids of `items`, in order. The lookups of a batch are issued before any
    /// id is read, so their cache misses overlap instead of queueing one after another: a long
    /// answer reads millions of ids scattered over the arena.
    pub fn for_each_id(&self, items: &[usize], mut f: impl FnMut(&str)) {
        const BATCH: usize = 16;
        let mut spans = [(0usize, 0usize); BATCH];
        for chunk in items.chunks(BATCH) {
            for (span, &i) in spans.iter_mut().zip(chunk) {
                let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
                *span = (start, self.ends[i] as usize);
                crate::sys::prefetch(self.arena.as_ptr().wrapping_add(start));
            }
            for &(start, end) in &spans[..chunk.len()] {
                f(&self.arena[start..end]);
            }
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.id(i))
    }

    /// Whether no id needs escaping in JSON, as far as is known (see [`Self::set_plain`]).
    pub fn known_plain(&self) -> bool {
        self.plain
    }

    /// Records whether no id needs escaping in JSON: `json_plain` over the whole arena, which a
    /// snapshot's writer checks once and its reader trusts (the checksum covers it). Writing a
    /// large answer otherwise checks every id each time it is written, a fifth of the
    /// formatting.
    pub(crate) fn set_plain(&mut self, plain: bool) {
        self.plain = plain;
    }

    /// Whether the end offsets and the table are read in place from a mapped snapshot.
    pub fn reads_in_place(&self) -> bool {
        self.ends.is_mapped() && self.table.is_mapped()
    }

    /// The arena, end offsets and table, for a snapshot.
    pub fn parts(&self) -> (&str, &[u64], &[u64]) {
        (&self.arena, &self.ends, &self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_and_refuses_duplicates() {
        let mut ix = IdIndex::with_capacity(0, 0);
        let ids: Vec<String> = (0..5000).map(|i| format!("okta:user:{i:x}")).collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ix.push(id), Ok(i));
        }
        assert_eq!(ix.push("okta:user:10"), Err(16));
        assert_eq!(ix.len(), 5000);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ix.get(id), Some(i));
            assert_eq!(ix.id(i), id);
        }
        // Batched lookups: several batches, repeats, the first id.
        let items: Vec<usize> = (0..100)
            .map(|k| (k * 37) % 5000)
            .chain([0, 0, 4999])
            .collect();
        let mut batched = Vec::new();
        ix.for_each_id(&items, |id| batched.push(id.to_string()));
        let one_by_one: Vec<String> = items.iter().map(|&i| ids[i].clone()).collect();
        assert_eq!(batched, one_by_one);
        assert_eq!(ix.get("okta:user:"), None);
        assert_eq!(ix.get(""), None);
        // Batched gets: more than one stage, present ids (in their home slot or displaced by
        // probing), absent ones, repeats; each answer is the lone lookup's.
        let wanted: Vec<String> = (0..200)
            .map(|k| match k % 3 {
                0 => format!("okta:user:{:x}", k * 23 % 5000),
                1 => format!("okta:user:none-{k}"),
                _ => "okta:user:0".to_string(),
            })
            .collect();
        let keys: Vec<(&str, u64)> = wanted
            .iter()
            .map(|w| (w.as_str(), hash(w.as_bytes())))
            .collect();
        let mut found = vec![Some(usize::MAX)];
        ix.get_batch(&keys, &mut found);
        let lone: Vec<Option<usize>> = wanted.iter().map(|w| ix.get(w)).collect();
        assert_eq!(found, lone);
        assert!(found.iter().filter(|f| f.is_some()).count() > 100);
        IdIndex::default().get_batch(&keys[..3], &mut found);
        assert_eq!(found, [None, None, None]);
        let (arena, ends, table) = ix.parts();
        let again = IdIndex::from_parts(arena.to_string(), ends.to_vec()).unwrap();
        assert_eq!(again.get("okta:user:1f"), Some(31));
        let same = IdIndex::from_parts_with_table(
            arena.into(),
            ends.to_vec().into(),
            table.to_vec().into(),
        );
        assert_eq!(same.unwrap().get("okta:user:1f"), Some(31));
        let mut bad = table.to_vec();
        let k = bad.iter().position(|&t| t != 0).unwrap();
        bad[k] = 0;
        assert!(
            IdIndex::from_parts_with_table(arena.into(), ends.to_vec().into(), bad.into())
                .is_none()
        );
        assert!(IdIndex::from_parts("ab".into(), vec![1, 3]).is_none());
        assert!(IdIndex::from_parts("aa".into(), vec![1, 2]).is_none());
    }

    #[test]
    fn empty_and_unicode_ids() {
        let mut ix = IdIndex::default();
        assert_eq!(ix.get("x"), None);
        assert_eq!(ix.push("é:ü"), Ok(0));
        assert_eq!(ix.push(""), Ok(1));
        assert_eq!(ix.get(""), Some(1));
        assert_eq!(ix.get("é:ü"), Some(0));
    }
}
