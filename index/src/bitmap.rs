//! A set of segment rows as a bitmap, in the byte layout Faiss's `IDSelectorBitmap` reads.

/// A set of row numbers of one segment: bit `r` set means row `r` is in the set (for a search's
/// `exclude`, row `r` is excluded, e.g. deleted).
///
/// Layout: byte `r / 8`, bit `r % 8` (least significant first), which is exactly what Faiss's
/// `IDSelectorBitmap` tests, so a search hands Faiss these bytes without a copy. Rows past the
/// end of the bitmap are not in the set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowBitmap {
    bytes: Vec<u8>,
}

impl RowBitmap {
    /// An empty set with room for `rows` rows (it grows on demand).
    pub fn new(rows: usize) -> Self {
        RowBitmap {
            bytes: vec![0; rows.div_ceil(8)],
        }
    }

    /// A set read from bytes in the layout above.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        RowBitmap { bytes }
    }

    /// A set holding the given rows.
    pub fn from_rows(rows: impl IntoIterator<Item = u32>) -> Self {
        let mut b = RowBitmap::default();
        for r in rows {
            b.insert(r);
        }
        b
    }

    /// Add `row` to the set.
    pub fn insert(&mut self, row: u32) {
        let byte = (row / 8) as usize;
        if byte >= self.bytes.len() {
            self.bytes.resize(byte + 1, 0);
        }
        if let Some(b) = self.bytes.get_mut(byte) {
            *b |= 1 << (row % 8);
        }
    }

    /// Remove `row` from the set.
    pub fn remove(&mut self, row: u32) {
        if let Some(b) = self.bytes.get_mut((row / 8) as usize) {
            *b &= !(1 << (row % 8));
        }
    }

    /// Whether `row` is in the set.
    #[inline]
    pub fn contains(&self, row: u32) -> bool {
        self.bytes
            .get((row / 8) as usize)
            .is_some_and(|b| b & (1 << (row % 8)) != 0)
    }

    /// The bytes, in the layout above.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many rows are in the set.
    pub fn count(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// How many rows below `rows` are in the set.
    pub fn count_below(&self, rows: usize) -> usize {
        let full = rows / 8;
        let mut n: usize = self
            .bytes
            .iter()
            .take(full)
            .map(|b| b.count_ones() as usize)
            .sum();
        if let Some(b) = self.bytes.get(full) {
            let mask = (1u16 << (rows % 8)) - 1;
            n += (u16::from(*b) & mask).count_ones() as usize;
        }
        n
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.iter().all(|&b| b == 0)
    }
}

/// Rank queries over the concatenation of several segments' deletion bitmaps: maps a row of
/// the concatenation to its row once the deleted rows are dropped. Used by merge.
pub(crate) struct Renumbering {
    /// Per 64 concatenated rows: the deleted-row bits.
    words: Vec<u64>,
    /// Per word: deleted rows before it.
    before: Vec<u64>,
    total: u64,
    kept: u64,
}

impl Renumbering {
    /// `parts`: (rows of the segment, its deleted rows). Bits at or past a segment's row count
    /// are ignored.
    pub(crate) fn new(parts: &[(u64, Option<&RowBitmap>)]) -> Self {
        let total: u64 = parts.iter().map(|p| p.0).sum();
        let nwords = total.div_ceil(64) as usize;
        let mut words = vec![0u64; nwords];
        let mut offset = 0u64;
        for &(rows, deleted) in parts {
            if let Some(bm) = deleted {
                for (i, &byte) in bm.as_bytes().iter().enumerate() {
                    if byte == 0 {
                        continue;
                    }
                    for bit in 0..8u64 {
                        let r = i as u64 * 8 + bit;
                        if r >= rows {
                            break;
                        }
                        if byte & (1 << bit) != 0 {
                            let g = offset + r;
                            if let Some(w) = words.get_mut((g / 64) as usize) {
                                *w |= 1 << (g % 64);
                            }
                        }
                    }
                }
            }
            offset += rows;
        }
        let mut before = Vec::with_capacity(nwords);
        let mut acc = 0u64;
        for w in &words {
            before.push(acc);
            acc += u64::from(w.count_ones());
        }
        Renumbering {
            words,
            before,
            total,
            kept: total - acc,
        }
    }

    /// Rows of the concatenation.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Rows left once the deleted ones are dropped.
    pub(crate) fn kept(&self) -> u64 {
        self.kept
    }

    /// Whether any row is deleted.
    pub(crate) fn drops_any(&self) -> bool {
        self.kept != self.total
    }

    /// The new row of concatenated row `old`, or `None` when it is deleted or out of range.
    #[inline]
    pub(crate) fn map(&self, old: i64) -> Option<i64> {
        let old = u64::try_from(old).ok()?;
        if old >= self.total {
            return None;
        }
        let wi = (old / 64) as usize;
        let word = *self.words.get(wi)?;
        let bit = old % 64;
        if word & (1 << bit) != 0 {
            return None;
        }
        let below = u64::from((word & ((1u64 << bit) - 1)).count_ones());
        let new = old - self.before.get(wi)? - below;
        i64::try_from(new).ok()
    }

    /// The deleted rows of the concatenation as one bitmap.
    #[cfg(test)]
    pub(crate) fn deleted_bitmap(&self) -> RowBitmap {
        let mut bytes = Vec::with_capacity(self.words.len() * 8);
        for w in &self.words {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        RowBitmap::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_basics() {
        let mut b = RowBitmap::new(3);
        assert!(b.is_empty());
        b.insert(0);
        b.insert(9);
        b.insert(100);
        assert!(b.contains(0) && b.contains(9) && b.contains(100));
        assert!(!b.contains(1) && !b.contains(1000));
        assert_eq!(b.count(), 3);
        assert_eq!(b.count_below(9), 1);
        assert_eq!(b.count_below(10), 2);
        assert_eq!(b.count_below(1_000), 3);
        assert_eq!(b.as_bytes()[1], 0b10);
        b.remove(9);
        assert_eq!(b.count(), 2);
    }

    #[test]
    fn renumbering_drops_and_shifts() {
        let a = RowBitmap::from_rows([1, 3, 7]); // 7 is past a's 5 rows: ignored
        let b = RowBitmap::from_rows([0]);
        let r = Renumbering::new(&[(5, Some(&a)), (3, None), (4, Some(&b))]);
        assert_eq!(r.total(), 12);
        assert_eq!(r.kept(), 9);
        let mapped: Vec<Option<i64>> = (0..13).map(|i| r.map(i)).collect();
        assert_eq!(
            mapped,
            vec![
                Some(0),
                None,
                Some(1),
                None,
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                None,
                Some(6),
                Some(7),
                Some(8),
                None
            ]
        );
        assert_eq!(r.map(-1), None);
        assert_eq!(r.deleted_bitmap().count(), 3);
    }

    #[test]
    fn renumbering_across_words() {
        let del = RowBitmap::from_rows((0..200).filter(|r| r % 3 == 0));
        let r = Renumbering::new(&[(200, Some(&del))]);
        let mut next = 0;
        for old in 0..200 {
            if old % 3 == 0 {
                assert_eq!(r.map(old), None);
            } else {
                assert_eq!(r.map(old), Some(next));
                next += 1;
            }
        }
        assert_eq!(r.kept(), next as u64);
    }
}
