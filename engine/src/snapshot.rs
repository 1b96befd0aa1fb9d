//! [`Snapshot`]: one consistent, immutable view of a collection's segments.
//!
//! Every state change (a write, a seal) builds a new snapshot and publishes it by swapping an
//! `Arc`; a query clones the `Arc` of the current one and never waits for the writer. Segment
//! data is shared between snapshots: growing segments are append-only and a snapshot records how
//! many of their rows it sees; sealed segments are immutable mapped files; deletion bitmaps are
//! copy-on-write.

use std::sync::Arc;

use std::sync::OnceLock;

use kiln_index::{scan_block, Hit, Metric, RowBitmap, SearchParams, TopK};
use kiln_storage::{DeletionBitmap, GrowingSegment, RowId, SegmentId, SegmentReader};
use tracing::warn;

use crate::gc::FileGuard;
use crate::indexing::AttachedIndex;

/// Where a segment's rows are.
#[derive(Debug, Clone)]
pub enum SegmentData {
    /// In memory (and in the catalog's row log), still taking rows if it is the active one.
    Growing(Arc<GrowingSegment>),
    /// In a verified, memory-mapped segment file.
    Sealed(Arc<SealedSegment>),
}

/// A sealed segment: its verified mapping, and the guard that collects its file once the
/// catalog dropped it and no snapshot holds it any more.
#[derive(Debug)]
pub struct SealedSegment {
    /// The verified, mapped file.
    pub reader: SegmentReader,
    pub(crate) file: FileGuard,
}

/// One segment as a snapshot sees it.
#[derive(Debug, Clone)]
pub struct SegmentView {
    /// The segment id.
    pub id: SegmentId,
    /// Its rows.
    pub data: SegmentData,
    /// Rows this snapshot sees (for a growing segment, a prefix of what exists).
    pub rows: usize,
    /// Deleted rows among them.
    pub deletes: DeletionBitmap,
    /// The segment's index, once built (sealed segments only).
    pub index: Option<Arc<AttachedIndex>>,
    /// `deletes` as the dense bitmap Faiss takes, built on first use and shared by every
    /// snapshot that has the same `deletes`.
    pub(crate) exclude: Arc<OnceLock<RowBitmap>>,
}

impl SegmentView {
    /// A view without index.
    pub(crate) fn new(
        id: SegmentId,
        data: SegmentData,
        rows: usize,
        deletes: DeletionBitmap,
    ) -> Self {
        SegmentView {
            id,
            data,
            rows,
            deletes,
            index: None,
            exclude: Arc::default(),
        }
    }

    /// This view with more rows deleted (the dense bitmap is rebuilt on next use).
    pub(crate) fn with_deleted(&self, rows: usize, dead: Option<&Vec<RowId>>) -> Self {
        match dead {
            Some(d) if !d.is_empty() => SegmentView {
                rows,
                deletes: self.deletes.with_deleted(d),
                exclude: Arc::default(),
                ..self.clone()
            },
            _ => SegmentView {
                rows,
                ..self.clone()
            },
        }
    }

    /// This view with `index` attached.
    pub(crate) fn with_index(&self, index: Option<Arc<AttachedIndex>>) -> Self {
        SegmentView {
            index,
            ..self.clone()
        }
    }

    /// The deletion bitmap in the dense form Faiss takes.
    pub(crate) fn exclude(&self) -> &RowBitmap {
        self.exclude
            .get_or_init(|| RowBitmap::from_rows(self.deletes.iter()))
    }

    /// Search this segment: through its index unless `exact` or it has none, else exactly.
    /// An index that fails at search time is reported and the segment answered exactly.
    pub fn search(
        &self,
        metric: Metric,
        query: &[f32],
        k: usize,
        params: &SearchParams,
        exact: bool,
    ) -> TopK {
        if let (false, Some(index), SegmentData::Sealed(s)) = (exact, &self.index, &self.data) {
            let exclude = (!self.deletes.is_empty()).then(|| self.exclude());
            match index.index().search(query, k, params, exclude) {
                Ok(mut results) => {
                    let mut top = TopK::new(k);
                    let ids = s.reader.ids();
                    for n in results.pop().unwrap_or_default() {
                        let row = n.row as usize;
                        if row < self.rows && !self.deletes.contains(n.row) {
                            if let Some(&id) = ids.get(row) {
                                top.push(Hit {
                                    id,
                                    distance: n.distance,
                                });
                            }
                        }
                    }
                    return top;
                }
                Err(e) => {
                    warn!(segment = %self.id, error = %e, "index search failed; answering exactly")
                }
            }
        }
        self.search_exact(metric, query, k)
    }
    /// Live rows.
    pub fn live_rows(&self) -> usize {
        self.rows.saturating_sub(self.deletes.count())
    }

    /// Exact top-k of this segment (the `collect_segment` step).
    pub fn search_exact(&self, metric: Metric, query: &[f32], k: usize) -> TopK {
        let mut top = TopK::new(k);
        let deletes = &self.deletes;
        let has_deletes = !deletes.is_empty();
        let deleted = |row: usize| has_deletes && deletes.contains(row as RowId);
        match &self.data {
            SegmentData::Growing(g) => g.for_each_run(self.rows, |first, ids, vectors| {
                scan_block(metric, query, vectors, ids, first, deleted, &mut top);
            }),
            SegmentData::Sealed(s) => {
                let r = &s.reader;
                let dim = r.dim();
                let ids = r.ids().get(..self.rows).unwrap_or(&[]);
                let vectors = r.vectors().get(..self.rows * dim).unwrap_or(&[]);
                scan_block(metric, query, vectors, ids, 0, deleted, &mut top);
            }
        }
        top
    }

    /// The vector of `row`, if this snapshot sees it live.
    pub fn live_vector(&self, row: RowId) -> Option<Vec<f32>> {
        if row as usize >= self.rows || self.deletes.contains(row) {
            return None;
        }
        match &self.data {
            SegmentData::Growing(g) => g.row(row as usize).map(|(_, v)| v),
            SegmentData::Sealed(s) => s.reader.vector(row as usize).map(<[f32]>::to_vec),
        }
    }

    /// Whether the segment is sealed.
    pub fn is_sealed(&self) -> bool {
        matches!(self.data, SegmentData::Sealed(_))
    }
}

/// A consistent view of a collection: its segments in id order.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Increases by one with every published change.
    pub version: u64,
    /// The segments, sealed and growing, in id order.
    pub segments: Arc<[SegmentView]>,
    /// Live rows over all segments.
    pub live_rows: usize,
}

impl Snapshot {
    /// A snapshot of `segments` (sorted here by id).
    pub fn new(version: u64, mut segments: Vec<SegmentView>) -> Self {
        segments.sort_by_key(|s| s.id);
        let live_rows = segments.iter().map(SegmentView::live_rows).sum();
        Snapshot {
            version,
            segments: segments.into(),
            live_rows,
        }
    }

    /// The view of segment `id`.
    pub fn segment(&self, id: SegmentId) -> Option<&SegmentView> {
        self.segments
            .binary_search_by_key(&id, |s| s.id)
            .ok()
            .and_then(|i| self.segments.get(i))
    }

    /// Total rows visible, deleted ones included.
    pub fn total_rows(&self) -> usize {
        self.segments.iter().map(|s| s.rows).sum()
    }
}
