//! [`GrowingSegment`]: the in-memory twin of a segment's rows while they live in the catalog's
//! row column family, before the segment is sealed into a file.

use std::sync::Arc;

use parking_lot::RwLock;

use crate::attrs::CheckedRow;
use crate::ids::SegmentId;

/// Rows per chunk. A writer appending to the tail chunk excludes only readers of that chunk, and
/// only for the copy of the new rows.
pub const CHUNK_ROWS: usize = 1024;

#[derive(Debug, Default)]
struct Chunk {
    ids: Vec<u64>,
    vectors: Vec<f32>,
    /// Each row's attribute values in schema order (empty: every field null), one per id.
    attrs: Vec<CheckedRow>,
}

/// An append-only segment in memory.
///
/// Rows are appended by the collection's single writer and never changed afterwards; readers
/// see a prefix whose length their snapshot fixes, so a row appended after a snapshot was taken
/// is invisible to it. Storage is a list of fixed-size chunks, each behind its own lock.
#[derive(Debug)]
pub struct GrowingSegment {
    id: SegmentId,
    dim: usize,
    chunks: RwLock<Vec<Arc<RwLock<Chunk>>>>,
    len: RwLock<usize>,
}

impl GrowingSegment {
    /// An empty growing segment.
    pub fn new(id: SegmentId, dim: usize) -> Self {
        GrowingSegment {
            id,
            dim,
            chunks: RwLock::new(Vec::new()),
            len: RwLock::new(0),
        }
    }

    /// The segment id.
    pub fn id(&self) -> SegmentId {
        self.id
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Rows appended so far (a snapshot may see fewer).
    pub fn len(&self) -> usize {
        *self.len.read()
    }

    /// True when no row was appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append rows without attributes (every field null). `vectors.len()` must be
    /// `ids.len() * dim` (checked by the caller, asserted in debug builds). Only the collection's
    /// writer calls this.
    pub fn append(&self, ids: &[u64], vectors: &[f32]) {
        self.append_with(ids, vectors, Vec::new());
    }

    /// Append rows with their attribute values (`attrs[i]` for `ids[i]`, in schema order; a
    /// missing or empty entry means every field null).
    pub fn append_with(&self, ids: &[u64], vectors: &[f32], attrs: Vec<CheckedRow>) {
        debug_assert_eq!(vectors.len(), ids.len() * self.dim);
        let mut attrs = attrs.into_iter();
        let mut len = self.len.write();
        let mut offset = 0;
        while offset < ids.len() {
            let tail = {
                let mut chunks = self.chunks.write();
                match chunks.last() {
                    Some(c) if c.read().ids.len() < CHUNK_ROWS => Arc::clone(c),
                    _ => {
                        let c = Arc::new(RwLock::new(Chunk {
                            ids: Vec::with_capacity(CHUNK_ROWS),
                            vectors: Vec::with_capacity(CHUNK_ROWS * self.dim),
                            attrs: Vec::with_capacity(CHUNK_ROWS),
                        }));
                        chunks.push(Arc::clone(&c));
                        c
                    }
                }
            };
            let mut tail = tail.write();
            let take = (CHUNK_ROWS - tail.ids.len()).min(ids.len() - offset);
            tail.ids
                .extend_from_slice(ids.get(offset..offset + take).unwrap_or(&[]));
            tail.vectors.extend_from_slice(
                vectors
                    .get(offset * self.dim..(offset + take) * self.dim)
                    .unwrap_or(&[]),
            );
            for _ in 0..take {
                tail.attrs.push(attrs.next().unwrap_or_default());
            }
            offset += take;
        }
        *len += ids.len();
    }

    /// Call `f(first_row, ids, vectors)` for consecutive runs of rows covering `0..limit`, in
    /// order. `vectors` holds `ids.len() * dim` floats. Each run is read under its chunk's read
    /// lock.
    pub fn for_each_run(&self, limit: usize, mut f: impl FnMut(usize, &[u64], &[f32])) {
        self.for_each_run_with(limit, |first, ids, vectors, _| f(first, ids, vectors));
    }

    /// [`for_each_run`](Self::for_each_run) with the rows' attribute values too (one entry per
    /// id; an entry with no values means every field null).
    pub fn for_each_run_with(
        &self,
        limit: usize,
        mut f: impl FnMut(usize, &[u64], &[f32], &[CheckedRow]),
    ) {
        let chunks: Vec<Arc<RwLock<Chunk>>> = {
            let chunks = self.chunks.read();
            chunks
                .iter()
                .take(limit.div_ceil(CHUNK_ROWS))
                .cloned()
                .collect()
        };
        for (c, chunk) in chunks.iter().enumerate() {
            let first = c * CHUNK_ROWS;
            if first >= limit {
                break;
            }
            let chunk = chunk.read();
            let n = chunk.ids.len().min(limit - first);
            f(
                first,
                chunk.ids.get(..n).unwrap_or(&[]),
                chunk.vectors.get(..n * self.dim).unwrap_or(&[]),
                chunk.attrs.get(..n).unwrap_or(&[]),
            );
        }
    }

    /// Row `row`'s id and vector (copied), if it exists.
    pub fn row(&self, row: usize) -> Option<(u64, Vec<f32>)> {
        let chunk = Arc::clone(self.chunks.read().get(row / CHUNK_ROWS)?);
        let chunk = chunk.read();
        let r = row % CHUNK_ROWS;
        let id = *chunk.ids.get(r)?;
        let v = chunk
            .vectors
            .get(r * self.dim..(r + 1) * self.dim)?
            .to_vec();
        Some((id, v))
    }

    /// Row `row`'s user id, if it exists.
    pub fn row_id(&self, row: usize) -> Option<u64> {
        let chunk = Arc::clone(self.chunks.read().get(row / CHUNK_ROWS)?);
        let id = chunk.read().ids.get(row % CHUNK_ROWS).copied();
        id
    }

    /// Row `row`'s attribute values (empty: every field null), if it exists.
    pub fn row_attrs(&self, row: usize) -> Option<CheckedRow> {
        let chunk = Arc::clone(self.chunks.read().get(row / CHUNK_ROWS)?);
        let chunk = chunk.read();
        chunk.attrs.get(row % CHUNK_ROWS).cloned()
    }

    /// All ids of rows `0..limit`.
    pub fn ids(&self, limit: usize) -> Vec<u64> {
        let mut out = Vec::with_capacity(limit.min(self.len()));
        self.for_each_run(limit, |_, ids, _| out.extend_from_slice(ids));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_across_chunks() {
        let g = GrowingSegment::new(SegmentId(1), 2);
        let n = CHUNK_ROWS * 2 + 10;
        let ids: Vec<u64> = (0..n as u64).collect();
        let vecs: Vec<f32> = (0..n * 2).map(|i| i as f32).collect();
        g.append(&ids[..5], &vecs[..10]);
        g.append(&ids[5..], &vecs[10..]);
        assert_eq!(g.len(), n);
        assert_eq!(g.ids(n), ids);
        assert_eq!(g.ids(7), &ids[..7]);
        let mut seen = Vec::new();
        g.for_each_run(CHUNK_ROWS + 3, |first, ids, v| {
            assert_eq!(v.len(), ids.len() * 2);
            assert_eq!(v.first().copied(), Some(first as f32 * 2.0));
            seen.extend_from_slice(ids);
        });
        assert_eq!(seen.len(), CHUNK_ROWS + 3);
        assert_eq!(
            g.row(CHUNK_ROWS + 1),
            Some((
                (CHUNK_ROWS + 1) as u64,
                vec![(2 * CHUNK_ROWS + 2) as f32, (2 * CHUNK_ROWS + 3) as f32]
            ))
        );
        assert_eq!(g.row(n), None);
    }

    #[test]
    fn attributes_travel_with_their_rows() {
        use crate::attrs::Value;
        let g = GrowingSegment::new(SegmentId(3), 1);
        let n = CHUNK_ROWS + 10;
        let ids: Vec<u64> = (0..n as u64).collect();
        let vecs: Vec<f32> = (0..n).map(|i| i as f32).collect();
        g.append(&ids[..3], &vecs[..3]);
        let row = |i: usize| CheckedRow::from_checked(vec![Value::Int(i as i64)]);
        let attrs: Vec<CheckedRow> = (3..n).map(row).collect();
        g.append_with(&ids[3..], &vecs[3..], attrs);
        assert_eq!(g.row_attrs(0), Some(CheckedRow::default()));
        assert_eq!(g.row_attrs(5), Some(row(5)));
        assert_eq!(g.row_attrs(n - 1), Some(row(n - 1)));
        assert_eq!(g.row_attrs(n), None);
        let mut seen = 0;
        g.for_each_run_with(n, |first, ids, _, attrs| {
            assert_eq!(ids.len(), attrs.len());
            for (i, a) in attrs.iter().enumerate() {
                let row = first + i;
                let want = if row < 3 {
                    vec![]
                } else {
                    vec![Value::Int(row as i64)]
                };
                assert_eq!(a.values(), &want[..]);
                seen += 1;
            }
        });
        assert_eq!(seen, n);
    }
}
