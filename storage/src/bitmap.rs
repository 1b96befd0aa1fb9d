//! [`DeletionBitmap`]: which rows of a segment are deleted, as a persistent (copy-on-write)
//! structure so that every snapshot can hold its own version cheaply.

use std::sync::Arc;

use crate::ids::RowId;

const WORDS_PER_CHUNK: usize = 64;
const ROWS_PER_CHUNK: usize = WORDS_PER_CHUNK * 64;

type Chunk = [u64; WORDS_PER_CHUNK];

/// A set of deleted row numbers.
///
/// Stored as 4096-row chunks shared between versions: marking rows deleted copies the chunk
/// pointer table and the chunks it touches, never the whole bitmap, so a snapshot per write stays
/// cheap for segments of millions of rows. Chunks without deletions are not allocated.
///
/// ```text
/// v1: [ c0 | -- | c2 ]        v2 = v1.with_deleted(&[4100])
/// v2: [ c0 | c1'| c2 ]        c0 and c2 shared with v1, c1' new
/// ```
#[derive(Clone, Default, Debug)]
pub struct DeletionBitmap {
    chunks: Arc<Vec<Option<Arc<Chunk>>>>,
    count: usize,
}

impl DeletionBitmap {
    /// An empty bitmap.
    pub fn new() -> Self {
        Self::default()
    }

    /// A bitmap with exactly `rows` deleted (duplicates ignored).
    pub fn from_rows(rows: &[RowId]) -> Self {
        Self::new().with_deleted(rows)
    }

    /// Whether `row` is deleted.
    #[inline]
    pub fn contains(&self, row: RowId) -> bool {
        let row = row as usize;
        match self.chunks.get(row / ROWS_PER_CHUNK) {
            Some(Some(chunk)) => {
                let bit = row % ROWS_PER_CHUNK;
                chunk
                    .get(bit / 64)
                    .is_some_and(|w| w & (1 << (bit % 64)) != 0)
            }
            _ => false,
        }
    }

    /// Number of deleted rows.
    pub fn count(&self) -> usize {
        self.count
    }

    /// True when nothing is deleted.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// A new version with `rows` deleted as well; `self` is unchanged.
    pub fn with_deleted(&self, rows: &[RowId]) -> Self {
        if rows.is_empty() {
            return self.clone();
        }
        let mut chunks: Vec<Option<Arc<Chunk>>> = (*self.chunks).clone();
        let mut count = self.count;
        for &row in rows {
            let row = row as usize;
            let c = row / ROWS_PER_CHUNK;
            if chunks.len() <= c {
                chunks.resize(c + 1, None);
            }
            let Some(slot) = chunks.get_mut(c) else {
                continue;
            };
            let chunk = Arc::make_mut(slot.get_or_insert_with(|| Arc::new([0; WORDS_PER_CHUNK])));
            let bit = row % ROWS_PER_CHUNK;
            if let Some(word) = chunk.get_mut(bit / 64) {
                let mask = 1u64 << (bit % 64);
                if *word & mask == 0 {
                    *word |= mask;
                    count += 1;
                }
            }
        }
        DeletionBitmap {
            chunks: Arc::new(chunks),
            count,
        }
    }

    /// The deleted rows in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = RowId> + '_ {
        self.chunks.iter().enumerate().flat_map(|(c, chunk)| {
            chunk.iter().flat_map(move |chunk| {
                chunk.iter().enumerate().flat_map(move |(w, &word)| {
                    (0..64)
                        .filter(move |b| word & (1 << b) != 0)
                        .map(move |b| (c * ROWS_PER_CHUNK + w * 64 + b) as RowId)
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_on_write() {
        let a = DeletionBitmap::from_rows(&[1, 5, 5, 9000]);
        assert_eq!(a.count(), 3);
        let b = a.with_deleted(&[2, 9000, 100_000]);
        assert_eq!(a.count(), 3);
        assert_eq!(b.count(), 5);
        assert!(!a.contains(2) && b.contains(2));
        assert!(b.contains(100_000) && !b.contains(99_999));
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![1, 2, 5, 9000, 100_000]);
        assert!(!DeletionBitmap::new().contains(u32::MAX));
        let c = b.with_deleted(&[u32::MAX]);
        assert!(c.contains(u32::MAX));
    }
}
