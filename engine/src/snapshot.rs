//! [`Snapshot`]: one consistent, immutable view of a collection's segments.
//!
//! Every state change (a write, a seal, an attached index, a merge) builds a new snapshot and
//! publishes it by swapping an `Arc` (see `updater`); a query clones the `Arc` of the current
//! one and never waits for the writer. Segment data is shared between snapshots: growing
//! segments are append-only and a snapshot records how many of their rows it sees; sealed
//! segments are immutable mapped files; deletion bitmaps are copy-on-write.
//!
//! A segment's life, as [`SegmentData`] records it:
//!
//! ```text
//! Growing ──(a write fills it, or flush)──► Frozen ──(seal job)──► Sealed { index: None }
//!   (the one active segment,                 (full, in memory        │ (build job)
//!    takes new rows)                          and in the row log)    ▼
//!                                                                Sealed { index: Some }
//! Sealed ──(merge job)──► gone, replaced by a new Sealed segment holding its live rows
//! ```

use std::sync::{Arc, OnceLock};

use kiln_index::RowBitmap;
use kiln_storage::attrs::{AttrIndex, BoundFilter, ColumnsReader, Payload, RoaringBitmap, Schema};
use kiln_storage::{DeletionBitmap, GrowingSegment, RowId, SegmentId, SegmentReader};

use crate::error::{Error, Result};
use crate::gc::FileGuard;
use crate::indexing::AttachedIndex;

/// Where a segment's rows are, and what state it is in.
#[derive(Debug, Clone)]
pub(crate) enum SegmentData {
    /// The active growing segment: in memory and in the catalog's row log, taking new rows.
    Growing(Arc<GrowingSegment>),
    /// A full growing segment that takes no more rows and waits to be sealed.
    Frozen(Arc<GrowingSegment>),
    /// A verified, memory-mapped segment file, with its index once one is built.
    Sealed {
        /// The file.
        segment: Arc<SealedSegment>,
        /// Its index, if built.
        index: Option<Arc<AttachedIndex>>,
    },
}

impl SegmentData {
    /// Rows its data holds now (a snapshot may see fewer of a growing segment's).
    pub(crate) fn rows(&self) -> usize {
        match self {
            SegmentData::Growing(g) | SegmentData::Frozen(g) => g.len(),
            SegmentData::Sealed { segment, .. } => segment.reader.rows(),
        }
    }
}

/// A sealed segment: its verified mapping, and the guard that collects its file once the
/// catalog dropped it and no snapshot holds it any more.
#[derive(Debug)]
pub(crate) struct SealedSegment {
    /// The verified, mapped file.
    pub(crate) reader: SegmentReader,
    pub(crate) file: FileGuard,
    /// Settled (a compaction's output, final by the merge policy, or loaded with a graph
    /// index's record): an index built for it later, e.g. after its file was lost or its
    /// merge's graph build failed, is the settled-segment graph (`indexing::settled_plan`),
    /// not the IVF rule. Not stored: a segment whose graph never got a record is built by the
    /// IVF rule after a restart.
    pub(crate) settled: bool,
    /// The attribute section read into memory and indexed, on first use.
    attrs: OnceLock<Result<Option<Arc<SegmentAttrs>>>>,
    /// The rows the last few filters matched ([`FILTER_CACHE`] of them, most recent first):
    /// the file and its attributes never change, so an app that searches one folder query
    /// after query evaluates the folder's filter once per segment, not once per query.
    filters: parking_lot::Mutex<Vec<(BoundFilter, RoaringBitmap)>>,
}

/// Filters whose matching rows a sealed segment keeps ([`SealedSegment::evaluate`]).
pub(crate) const FILTER_CACHE: usize = 8;

/// A sealed segment's attributes: the verified columns (for payloads) and the per-segment
/// attribute index (for filters).
#[derive(Debug)]
pub(crate) struct SegmentAttrs {
    pub(crate) columns: ColumnsReader<Vec<u8>>,
    pub(crate) index: AttrIndex,
}

impl SealedSegment {
    /// A sealed segment of `reader`'s file, collected through `file`.
    pub(crate) fn new(reader: SegmentReader, file: FileGuard) -> Self {
        SealedSegment {
            reader,
            file,
            settled: false,
            attrs: OnceLock::new(),
            filters: parking_lot::Mutex::new(Vec::new()),
        }
    }

    /// The rows of this segment (deleted or not) that match `filter`, from its attribute
    /// index, remembered for the next [`FILTER_CACHE`] − 1 other filters.
    pub(crate) fn evaluate(&self, filter: &BoundFilter, schema: &Schema) -> Result<RoaringBitmap> {
        {
            let mut cache = self.filters.lock();
            if let Some(at) = cache.iter().position(|(f, _)| f == filter) {
                let hit = cache.remove(at);
                let rows = hit.1.clone();
                cache.insert(0, hit);
                return Ok(rows);
            }
        }
        let rows = u32::try_from(self.reader.rows())
            .map_err(|_| Error::invalid("segment rows exceed u32 (row numbers are u32)"))?;
        let matched = self.evaluate_rows(filter, schema, rows)?;
        let mut cache = self.filters.lock();
        cache.insert(0, (filter.clone(), matched.clone()));
        cache.truncate(FILTER_CACHE);
        Ok(matched)
    }

    /// The rows of `0..rows` that match `filter`, from the attribute index (not remembered).
    pub(crate) fn evaluate_rows(
        &self,
        filter: &BoundFilter,
        schema: &Schema,
        rows: u32,
    ) -> Result<RoaringBitmap> {
        Ok(match self.attrs(schema)? {
            Some(a) => a.index.evaluate(filter, rows),
            // No attribute section: every field of every row is null.
            None if filter.matches(&[]) => {
                let mut all = RoaringBitmap::new();
                all.insert_range(0..rows);
                all
            }
            None => RoaringBitmap::new(),
        })
    }

    /// The same, marked settled or not (see the field).
    pub(crate) fn settled(mut self, settled: bool) -> Self {
        self.settled = settled;
        self
    }

    /// The segment's attributes, read and indexed on first use; `None` when its file has no
    /// attribute section (every field of every row is null). The section is copied out of the
    /// mapping: it is small beside the vectors, and an owned copy outlives no file.
    pub(crate) fn attrs(&self, schema: &Schema) -> Result<Option<&Arc<SegmentAttrs>>> {
        let loaded = self.attrs.get_or_init(|| {
            let Some(section) = self.reader.attribute_section() else {
                return Ok(None);
            };
            let rows = u32::try_from(self.reader.rows())
                .map_err(|_| Error::invalid("segment rows exceed u32 (row numbers are u32)"))?;
            let columns = ColumnsReader::open(section.to_vec(), schema, rows).map_err(|e| {
                Error::Corrupted {
                    path: self.reader.path().to_path_buf(),
                    reason: format!("attribute section: {e}"),
                }
            })?;
            let index = AttrIndex::from_columns(&columns);
            Ok(Some(Arc::new(SegmentAttrs { columns, index })))
        });
        match loaded {
            Ok(a) => Ok(a.as_ref()),
            Err(e) => Err(e.clone()),
        }
    }
}

/// One segment as a snapshot sees it.
#[derive(Debug, Clone)]
pub(crate) struct SegmentView {
    /// The segment id.
    pub(crate) id: SegmentId,
    /// Its rows and state.
    pub(crate) data: SegmentData,
    /// Rows this snapshot sees (for a growing segment, a prefix of what exists).
    pub(crate) rows: usize,
    /// Deleted rows among them.
    pub(crate) deletes: DeletionBitmap,
    /// `deletes` as the dense bitmap Faiss takes, built on first use and shared by every
    /// snapshot that has the same `deletes`.
    exclude: Arc<OnceLock<RowBitmap>>,
}

/// A segment's state without its data: what the scheduling decisions look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegmentKind {
    /// The active growing segment.
    Growing,
    /// Full, waiting to be sealed.
    Frozen,
    /// A segment file, `indexed` when its index is attached.
    Sealed {
        /// Whether an index is attached.
        indexed: bool,
    },
}

/// A segment's metadata as the pure scheduling functions see it (no I/O, easy to build in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentSummary {
    /// Segment id.
    pub(crate) id: SegmentId,
    /// State.
    pub(crate) kind: SegmentKind,
    /// Rows, deleted ones included.
    pub(crate) rows: usize,
    /// Deleted rows.
    pub(crate) deleted: usize,
}

impl SegmentView {
    /// A view of `data` with `rows` rows and `deletes`.
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
            exclude: Arc::default(),
        }
    }

    /// The view of segment `id` as a read-only database rebuilds it from the catalog: `data`
    /// with `rows` rows, `dead` deleted. The deletion bitmap of `previous` (the same segment in
    /// the snapshot before), and the dense form built from it, is kept when it holds as many
    /// rows as `dead`: a segment's tombstones only ever grow, so it is the same set.
    pub(crate) fn followed(
        id: SegmentId,
        data: SegmentData,
        rows: usize,
        dead: &[RowId],
        previous: Option<&SegmentView>,
    ) -> Self {
        match previous {
            Some(p) if p.id == id && p.deletes.count() == dead.len() => SegmentView {
                id,
                data,
                rows,
                deletes: p.deletes.clone(),
                exclude: Arc::clone(&p.exclude),
            },
            _ => SegmentView::new(id, data, rows, DeletionBitmap::from_rows(dead)),
        }
    }

    /// This view with its row count caught up with its data and `dead` rows deleted (the dense
    /// bitmap is rebuilt on next use when deletes changed).
    pub(crate) fn refreshed(&self, dead: Option<&Vec<RowId>>) -> Self {
        let rows = self.data.rows();
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

    /// This (growing) view frozen: it takes no more rows.
    pub(crate) fn frozen(&self) -> Self {
        match &self.data {
            SegmentData::Growing(g) => SegmentView {
                data: SegmentData::Frozen(Arc::clone(g)),
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// This (frozen) view with its rows in `segment`; rows and deletes carry over, since
    /// sealing keeps row numbers.
    pub(crate) fn sealed_as(&self, segment: Arc<SealedSegment>) -> Self {
        SegmentView {
            data: SegmentData::Sealed {
                segment,
                index: None,
            },
            ..self.clone()
        }
    }

    /// This (sealed) view with `index` attached.
    pub(crate) fn with_index(&self, index: Option<Arc<AttachedIndex>>) -> Self {
        match &self.data {
            SegmentData::Sealed { segment, .. } => SegmentView {
                data: SegmentData::Sealed {
                    segment: Arc::clone(segment),
                    index,
                },
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// The deletion bitmap in the dense form Faiss takes.
    pub(crate) fn exclude(&self) -> &RowBitmap {
        self.exclude
            .get_or_init(|| RowBitmap::from_rows(self.deletes.iter()))
    }

    /// Live rows.
    pub(crate) fn live_rows(&self) -> usize {
        self.rows.saturating_sub(self.deletes.count())
    }

    /// The segment file, if sealed.
    pub(crate) fn sealed(&self) -> Option<&Arc<SealedSegment>> {
        match &self.data {
            SegmentData::Sealed { segment, .. } => Some(segment),
            _ => None,
        }
    }

    /// The attached index, if any.
    pub(crate) fn index(&self) -> Option<&Arc<AttachedIndex>> {
        match &self.data {
            SegmentData::Sealed { index, .. } => index.as_ref(),
            _ => None,
        }
    }

    /// Whether the segment is sealed.
    pub(crate) fn is_sealed(&self) -> bool {
        matches!(self.data, SegmentData::Sealed { .. })
    }

    /// The state, for scheduling and stats.
    pub(crate) fn summary(&self) -> SegmentSummary {
        SegmentSummary {
            id: self.id,
            kind: match &self.data {
                SegmentData::Growing(_) => SegmentKind::Growing,
                SegmentData::Frozen(_) => SegmentKind::Frozen,
                SegmentData::Sealed { index, .. } => SegmentKind::Sealed {
                    indexed: index.is_some(),
                },
            },
            rows: self.rows,
            deleted: self.deletes.count(),
        }
    }

    /// The attributes of `row` as a payload, if this snapshot sees it live.
    pub(crate) fn live_payload(&self, row: RowId, schema: &Schema) -> Result<Option<Payload>> {
        if row as usize >= self.rows || self.deletes.contains(row) {
            return Ok(None);
        }
        match &self.data {
            SegmentData::Growing(g) | SegmentData::Frozen(g) => {
                Ok(g.row_attrs(row as usize).map(|r| r.to_payload(schema)))
            }
            SegmentData::Sealed { segment, .. } => Ok(Some(match segment.attrs(schema)? {
                Some(a) => a.columns.payload(row),
                None => Payload::new(),
            })),
        }
    }

    /// The live rows of this view that match `filter` (bound against `schema`).
    pub(crate) fn matching_rows(
        &self,
        filter: &BoundFilter,
        schema: &Schema,
    ) -> Result<RoaringBitmap> {
        let rows = u32::try_from(self.rows)
            .map_err(|_| Error::invalid("segment rows exceed u32 (row numbers are u32)"))?;
        let mut out = match &self.data {
            SegmentData::Growing(g) | SegmentData::Frozen(g) => {
                let mut out = RoaringBitmap::new();
                g.for_each_run_with(self.rows, |first, _, _, attrs| {
                    for (i, a) in attrs.iter().enumerate() {
                        if filter.matches(a.values()) {
                            out.insert((first + i) as u32);
                        }
                    }
                });
                out
            }
            SegmentData::Sealed { segment, .. } if self.rows == segment.reader.rows() => {
                segment.evaluate(filter, schema)?
            }
            SegmentData::Sealed { segment, .. } => segment.evaluate_rows(filter, schema, rows)?,
        };
        let deleted = self.deletes.count();
        // Many deleted rows go in one difference with the dense deletion bitmap (built once per
        // set of deletes, read a 65,536-row container at a time); a few are removed one by one,
        // cheaper than reading the whole dense bitmap.
        let many = deleted > 0 && deleted.saturating_mul(512) >= self.rows;
        if many && self.exclude().as_bytes().len() < 1 << 28 {
            out -= RoaringBitmap::from_lsb0_bytes(0, self.exclude().as_bytes());
        } else {
            for dead in self.deletes.iter() {
                out.remove(dead);
            }
        }
        Ok(out)
    }

    /// The user id of row `row`, if it exists (deleted or not).
    pub(crate) fn row_id(&self, row: RowId) -> Option<u64> {
        if row as usize >= self.rows {
            return None;
        }
        match &self.data {
            SegmentData::Growing(g) | SegmentData::Frozen(g) => g.row_id(row as usize),
            SegmentData::Sealed { segment, .. } => segment.reader.ids().get(row as usize).copied(),
        }
    }

    /// Whether this view sees `row` live and holding `id`.
    pub(crate) fn holds_live(&self, row: RowId, id: u64) -> bool {
        (row as usize) < self.rows && !self.deletes.contains(row) && self.row_id(row) == Some(id)
    }

    /// The vector of `row`, if this snapshot sees it live.
    pub(crate) fn live_vector(&self, row: RowId) -> Option<Vec<f32>> {
        if row as usize >= self.rows || self.deletes.contains(row) {
            return None;
        }
        match &self.data {
            SegmentData::Growing(g) | SegmentData::Frozen(g) => g.row(row as usize).map(|(_, v)| v),
            SegmentData::Sealed { segment, .. } => {
                segment.reader.vector(row as usize).map(<[f32]>::to_vec)
            }
        }
    }
}

/// A consistent view of a collection: its segments in id order, and its attribute fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    /// Increases by one with every published change.
    pub(crate) version: u64,
    /// The segments, sealed and growing, in id order.
    pub(crate) segments: Arc<[SegmentView]>,
    /// Live rows over all segments.
    pub(crate) live_rows: usize,
    /// The collection's attribute fields (they are only ever appended).
    pub(crate) schema: Arc<Schema>,
    /// In a read-only database: the follower catalog's sequence number this snapshot was built
    /// from (the catalog and the snapshot agree while the catalog is still there). 0 in the
    /// writer, whose catalog is never behind its snapshot.
    pub(crate) catalog_seq: u64,
}

impl Snapshot {
    /// A snapshot of `segments` (sorted here by id) with fields `schema`.
    pub(crate) fn new(version: u64, mut segments: Vec<SegmentView>, schema: Arc<Schema>) -> Self {
        segments.sort_by_key(|s| s.id);
        let live_rows = segments.iter().map(SegmentView::live_rows).sum();
        Snapshot {
            version,
            segments: segments.into(),
            live_rows,
            schema,
            catalog_seq: 0,
        }
    }

    /// This snapshot, recorded as built from the follower catalog at sequence `seq`.
    pub(crate) fn at_catalog_seq(mut self, seq: u64) -> Self {
        self.catalog_seq = seq;
        self
    }

    /// Where this snapshot holds `id` live, found by scanning every segment's ids (the slow
    /// path of a read-only `get` whose catalog is ahead of the snapshot).
    pub(crate) fn find_live(&self, id: u64) -> Option<(SegmentId, RowId)> {
        // An id may appear in several rows (upserts); at most one of them is live.
        let live = |v: &SegmentView, ids: &[u64]| {
            ids.iter()
                .take(v.rows)
                .enumerate()
                .filter(|&(_, &x)| x == id)
                .find_map(|(r, _)| {
                    let row = RowId::try_from(r).ok()?;
                    (!v.deletes.contains(row)).then_some((v.id, row))
                })
        };
        self.segments.iter().find_map(|v| match &v.data {
            SegmentData::Growing(g) | SegmentData::Frozen(g) => live(v, &g.ids(v.rows)),
            SegmentData::Sealed { segment, .. } => live(v, segment.reader.ids()),
        })
    }

    /// The view of segment `id`.
    pub(crate) fn segment(&self, id: SegmentId) -> Option<&SegmentView> {
        self.segments
            .binary_search_by_key(&id, |s| s.id)
            .ok()
            .and_then(|i| self.segments.get(i))
    }

    /// Total rows visible, deleted ones included.
    pub(crate) fn total_rows(&self) -> usize {
        self.segments.iter().map(|s| s.rows).sum()
    }

    /// The state of every segment, in id order.
    pub(crate) fn summaries(&self) -> Vec<SegmentSummary> {
        self.segments.iter().map(SegmentView::summary).collect()
    }

    /// The readers of the sealed segments (template training samples from them).
    pub(crate) fn sealed_readers(&self) -> Vec<&SegmentReader> {
        self.segments
            .iter()
            .filter_map(|v| v.sealed().map(|s| &s.reader))
            .collect()
    }
}

/// The frozen segments among `segments`: full, waiting to be sealed.
pub(crate) fn frozen_set(segments: &[SegmentSummary]) -> Vec<SegmentId> {
    segments
        .iter()
        .filter(|s| s.kind == SegmentKind::Frozen)
        .map(|s| s.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: u64, kind: SegmentKind) -> SegmentSummary {
        SegmentSummary {
            id: SegmentId(id),
            kind,
            rows: 10,
            deleted: 0,
        }
    }

    #[test]
    fn frozen_set_is_the_full_growing_segments_only() {
        let segs = [
            summary(1, SegmentKind::Sealed { indexed: true }),
            summary(2, SegmentKind::Frozen),
            summary(3, SegmentKind::Sealed { indexed: false }),
            summary(4, SegmentKind::Frozen),
            summary(5, SegmentKind::Growing),
        ];
        assert_eq!(frozen_set(&segs), vec![SegmentId(2), SegmentId(4)]);
        assert!(frozen_set(&[summary(9, SegmentKind::Growing)]).is_empty());
    }

    #[test]
    fn freezing_keeps_rows_and_deletes() {
        let g = Arc::new(GrowingSegment::new(SegmentId(7), 2));
        g.append(&[1, 2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        let v = SegmentView::new(
            SegmentId(7),
            SegmentData::Growing(Arc::clone(&g)),
            3,
            DeletionBitmap::from_rows(&[1]),
        );
        let f = v.frozen();
        assert_eq!(f.summary().kind, SegmentKind::Frozen);
        assert_eq!(f.rows, 3);
        assert_eq!(f.live_rows(), 2);
        assert_eq!(f.live_vector(1), None);
        assert_eq!(f.live_vector(2), Some(vec![4.0, 5.0]));
        // A second freeze is a no-op; a frozen view never takes an index.
        assert_eq!(f.frozen().summary(), f.summary());
        assert!(f.with_index(None).index().is_none());
    }

    #[test]
    fn snapshot_sorts_and_counts() {
        let mk = |id: u64, rows: usize, dead: &[RowId]| {
            let g = Arc::new(GrowingSegment::new(SegmentId(id), 1));
            g.append(&(0..rows as u64).collect::<Vec<_>>(), &vec![0.5; rows]);
            SegmentView::new(
                SegmentId(id),
                SegmentData::Frozen(g),
                rows,
                DeletionBitmap::from_rows(dead),
            )
        };
        let s = Snapshot::new(3, vec![mk(9, 4, &[0]), mk(2, 5, &[])], Arc::default());
        assert_eq!(s.live_rows, 8);
        assert_eq!(s.total_rows(), 9);
        assert_eq!(s.segments[0].id, SegmentId(2));
        assert!(s.segment(SegmentId(9)).is_some());
        assert!(s.segment(SegmentId(3)).is_none());
    }

    #[test]
    fn find_live_finds_the_one_live_row_of_an_id() {
        // Segment 4: id 1 upserted twice (rows 0 and 2 dead, row 3 live); segment 6 sees only
        // its first two rows, so its row 2 (id 8) is not in this snapshot.
        let g4 = Arc::new(GrowingSegment::new(SegmentId(4), 1));
        g4.append(&[1, 2, 1, 1], &[0.0, 1.0, 2.0, 3.0]);
        let g6 = Arc::new(GrowingSegment::new(SegmentId(6), 1));
        g6.append(&[5, 6, 8], &[5.0, 6.0, 8.0]);
        let s = Snapshot::new(
            1,
            vec![
                SegmentView::new(
                    SegmentId(4),
                    SegmentData::Frozen(g4),
                    4,
                    DeletionBitmap::from_rows(&[0, 2]),
                ),
                SegmentView::new(
                    SegmentId(6),
                    SegmentData::Growing(g6),
                    2,
                    DeletionBitmap::from_rows(&[1]),
                ),
            ],
            Arc::default(),
        )
        .at_catalog_seq(17);
        assert_eq!(s.catalog_seq, 17);
        assert_eq!(s.find_live(1), Some((SegmentId(4), 3)));
        assert_eq!(s.find_live(2), Some((SegmentId(4), 1)));
        assert_eq!(s.find_live(5), Some((SegmentId(6), 0)));
        assert_eq!(s.find_live(6), None, "deleted");
        assert_eq!(s.find_live(8), None, "past the rows this snapshot sees");
        assert_eq!(s.find_live(9), None);
        let v = s.segment(SegmentId(4)).expect("segment");
        assert!(v.holds_live(3, 1));
        assert!(!v.holds_live(2, 1) && !v.holds_live(3, 2) && !v.holds_live(4, 1));
    }

    #[test]
    fn a_followed_view_keeps_an_unchanged_deletion_bitmap() {
        let g = Arc::new(GrowingSegment::new(SegmentId(3), 1));
        g.append(&[1, 2, 3, 4], &[0.0; 4]);
        let data = || SegmentData::Frozen(Arc::clone(&g));
        let first = SegmentView::followed(SegmentId(3), data(), 3, &[1], None);
        assert_eq!(first.deletes.iter().collect::<Vec<_>>(), vec![1]);
        let _ = first.exclude();
        // Same tombstones, more rows: the bitmap and its dense form are shared.
        let same = SegmentView::followed(SegmentId(3), data(), 4, &[1], Some(&first));
        assert!(Arc::ptr_eq(&same.exclude, &first.exclude));
        assert_eq!(same.rows, 4);
        // A new tombstone: a new bitmap.
        let more = SegmentView::followed(SegmentId(3), data(), 4, &[1, 3], Some(&same));
        assert!(!Arc::ptr_eq(&more.exclude, &first.exclude));
        assert_eq!(more.live_rows(), 2);
        // Another segment's view is never reused.
        let other = SegmentView::followed(SegmentId(9), data(), 4, &[0, 2], Some(&more));
        assert_eq!(other.deletes.iter().collect::<Vec<_>>(), vec![0, 2]);
    }
}
