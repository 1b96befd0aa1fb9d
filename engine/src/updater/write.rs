//! The write path: inserts, upserts and deletes, each one catalog batch and one publish.
//!
//! # Row placement
//!
//! New rows go to the *active* growing segment. A write that fills it allocates the next active
//! segment in the same batch, so the filled one is *frozen* (no longer written) and is sealed
//! into a file by a background job:
//!
//! ```text
//! segment_rows = 4, active A holds 3 rows, insert_batch of 6 rows:
//!   A: r r r + n          (full -> frozen)
//!   B: n n n n            (new, full -> frozen)
//!   C: n                  (new, active)
//! one catalog batch: 6 rows, 6 id-map entries, segment records B and C, record.active = C
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use kiln_storage::attrs::{encode_row, CheckedRow, Filter};
use kiln_storage::catalog::SegmentMeta;
use kiln_storage::{DeletionBitmap, GrowingSegment, RowId, RowLocation, SegmentId};

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::options::Durability;
use crate::snapshot::{SegmentData, SegmentView};
use crate::updater::{SegmentUpdater, Writer};

/// Whether a write may replace live ids.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WriteMode {
    /// Fail with `DuplicateId` if an id is live.
    Insert,
    /// Replace live ids.
    Upsert,
}

/// How a batch of rows is spread over the active segment and new segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// Rows appended to the active segment.
    pub(crate) into_active: usize,
    /// Rows of each new segment, in order. When not empty, the active segment and every new
    /// segment but the last are full (frozen by this write), and the last one is the new
    /// active segment (empty when the batch exactly filled the one before).
    pub(crate) new_segments: Vec<usize>,
}

/// Place `n` rows when the active segment holds `active_len` of `cap` (≥ 1) rows.
pub(crate) fn place_batch(active_len: usize, cap: usize, n: usize) -> Placement {
    let cap = cap.max(1);
    let into_active = cap.saturating_sub(active_len).min(n);
    let mut rest = n - into_active;
    let mut new_segments = Vec::with_capacity(rest / cap + 1);
    while rest > 0 {
        let take = rest.min(cap);
        new_segments.push(take);
        rest -= take;
    }
    let last_len = new_segments
        .last()
        .copied()
        .unwrap_or(active_len + into_active);
    if last_len >= cap {
        new_segments.push(0);
    }
    Placement {
        into_active,
        new_segments,
    }
}

/// A piece of a batch: rows `start..start + count` of the batch go to `segment`.
struct Piece {
    segment: Arc<GrowingSegment>,
    start: usize,
    count: usize,
}

impl SegmentUpdater {
    /// Insert or upsert rows (validated by the caller), with their attributes (`attrs[i]` for
    /// `ids[i]`; empty: every field of every row null): one catalog batch, then publish.
    /// Returns whether the write froze a segment.
    pub(crate) fn write_rows(
        &self,
        core: &DbCore,
        ids: &[u64],
        vectors: &[f32],
        attrs: Vec<CheckedRow>,
        mode: WriteMode,
    ) -> Result<bool> {
        let mut w = self.lock_writer();
        self.check_writable(core)?;
        self.write_locked(core, &mut w, ids, vectors, attrs, mode)
    }

    /// Replace the attributes of live row `id`, keeping its vector: an upsert of the same
    /// vector, under one writer lock. Returns whether `id` was live.
    pub(crate) fn update_payload(&self, core: &DbCore, id: u64, row: CheckedRow) -> Result<bool> {
        let mut w = self.lock_writer();
        self.check_writable(core)?;
        let Some(loc) = core.catalog.location(self.info.id, id)? else {
            return Ok(false);
        };
        // Under the writer lock the id map and the published snapshot agree.
        let Some(vector) = self
            .snapshot()
            .segment(loc.segment)
            .and_then(|s| s.live_vector(loc.row))
        else {
            return Err(Error::Internal {
                reason: format!("id {id}: the id map and the snapshot disagree"),
            });
        };
        self.write_locked(core, &mut w, &[id], &vector, vec![row], WriteMode::Upsert)?;
        Ok(true)
    }

    /// `write_rows` with the writer lock held.
    fn write_locked(
        &self,
        core: &DbCore,
        w: &mut Writer<'_>,
        ids: &[u64],
        vectors: &[f32],
        attrs: Vec<CheckedRow>,
        mode: WriteMode,
    ) -> Result<bool> {
        let dim = self.info.config.dim;
        let old = core.catalog.locations(self.info.id, ids)?;
        if mode == WriteMode::Insert {
            if let Some((id, _)) = ids.iter().zip(&old).find(|(_, l)| l.is_some()) {
                return Err(Error::DuplicateId {
                    collection: self.info.name.clone(),
                    id: *id,
                });
            }
        }
        let placement = place_batch(w.0.active.len(), self.info.segment_rows, ids.len());
        let alloc = (!placement.new_segments.is_empty()).then(|| {
            core.catalog
                .allocate_ids(placement.new_segments.len() as u64)
        });
        let new_growing: Vec<Arc<GrowingSegment>> = alloc.as_ref().map_or_else(Vec::new, |a| {
            a.ids()
                .map(|sid| Arc::new(GrowingSegment::new(SegmentId(sid), dim)))
                .collect()
        });
        let pieces = pieces(&w.0.active, &placement, &new_growing);

        let mut batch = core.catalog.batch()?;
        let mut dead: HashMap<SegmentId, Vec<RowId>> = HashMap::new();
        for p in &pieces {
            let base = p.segment.len();
            for i in p.start..p.start + p.count {
                let row = RowId::try_from(base + i - p.start)
                    .map_err(|_| Error::invalid("segment row number overflows u32"))?;
                let (Some(&id), Some(v)) = (ids.get(i), vectors.get(i * dim..(i + 1) * dim)) else {
                    return Err(Error::invalid("batch shape changed while writing"));
                };
                let coll = self.info.id;
                let bytes = attrs
                    .get(i)
                    .filter(|a| !a.is_all_null())
                    .map(encode_row)
                    .unwrap_or_default();
                batch.put_row(coll, p.segment.id(), row, id, v, &bytes);
                let segment = p.segment.id();
                batch.put_location(coll, id, RowLocation { segment, row });
                if let Some(Some(loc)) = old.get(i) {
                    batch.put_tombstone(coll, loc.segment, loc.row);
                    dead.entry(loc.segment).or_default().push(loc.row);
                }
            }
        }
        let mut record = w.0.record.clone();
        if let Some(last) = new_growing.last() {
            for g in &new_growing {
                batch.put_segment(self.info.id, &SegmentMeta::growing(g.id()))?;
            }
            record.active_segment = last.id();
            batch.put_collection(&record)?;
        }
        fail::fail_point!("write::before_commit");
        core.commit(batch, alloc, Self::sync_writes(core))?;
        fail::fail_point!("write::after_commit");

        // Committed: apply in memory and publish.
        let mut attrs = attrs.into_iter();
        for p in &pieces {
            let vs = vectors.get(p.start * dim..(p.start + p.count) * dim);
            let rows: Vec<CheckedRow> = attrs.by_ref().take(p.count).collect();
            p.segment.append_with(
                ids.get(p.start..p.start + p.count).unwrap_or(&[]),
                vs.unwrap_or(&[]),
                rows,
            );
        }
        let froze = !new_growing.is_empty();
        self.publish_write(w, &dead, &new_growing);
        if let Some(g) = new_growing.last() {
            w.0.active = Arc::clone(g);
            w.0.record = record;
        }
        Ok(froze)
    }

    /// Publish the snapshot after a committed write: every view caught up with its rows and
    /// `dead` deletes, the old active segment frozen when new segments were allocated, the new
    /// segments frozen but the last, which is the new active one.
    fn publish_write(
        &self,
        w: &mut Writer<'_>,
        dead: &HashMap<SegmentId, Vec<RowId>>,
        new_growing: &[Arc<GrowingSegment>],
    ) {
        let active = w.0.active.id();
        let mut views: Vec<SegmentView> = self
            .snapshot()
            .segments
            .iter()
            .map(|v| {
                let v = v.refreshed(dead.get(&v.id));
                if v.id == active && !new_growing.is_empty() {
                    v.frozen()
                } else {
                    v
                }
            })
            .collect();
        for (i, g) in new_growing.iter().enumerate() {
            let data = if i + 1 == new_growing.len() {
                SegmentData::Growing(Arc::clone(g))
            } else {
                SegmentData::Frozen(Arc::clone(g))
            };
            views.push(SegmentView::new(
                g.id(),
                data,
                g.len(),
                DeletionBitmap::new(),
            ));
        }
        self.publish(w, views);
    }

    /// Delete `ids` in one transaction; returns how many were live.
    pub(crate) fn delete_ids(&self, core: &DbCore, ids: &[u64]) -> Result<usize> {
        let mut w = self.lock_writer();
        self.check_writable(core)?;
        self.delete_locked(core, &mut w, ids)
    }

    /// Delete every live row that matches `filter` in one transaction: the rows are chosen and
    /// deleted under one writer lock, so no write in between can add or move a matching row.
    /// Returns how many were deleted.
    pub(crate) fn delete_where(&self, core: &DbCore, filter: &Filter) -> Result<usize> {
        let mut w = self.lock_writer();
        self.check_writable(core)?;
        let snap = self.snapshot();
        let bound = snap.schema.check_filter(filter)?;
        let mut ids = Vec::new();
        for v in snap.segments.iter() {
            let rows = v.matching_rows(&bound, &snap.schema)?;
            ids.extend(rows.iter().filter_map(|r| v.row_id(r)));
        }
        self.delete_locked(core, &mut w, &ids)
    }

    /// `delete_ids` with the writer lock held.
    fn delete_locked(&self, core: &DbCore, w: &mut Writer<'_>, ids: &[u64]) -> Result<usize> {
        let mut seen = HashSet::with_capacity(ids.len());
        let unique: Vec<u64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        let locs = core.catalog.locations(self.info.id, &unique)?;
        let mut batch = core.catalog.batch()?;
        let mut dead: HashMap<SegmentId, Vec<RowId>> = HashMap::new();
        let mut count = 0;
        for (id, loc) in unique.iter().zip(&locs) {
            if let Some(loc) = loc {
                batch.delete_location(self.info.id, *id);
                batch.put_tombstone(self.info.id, loc.segment, loc.row);
                dead.entry(loc.segment).or_default().push(loc.row);
                count += 1;
            }
        }
        if count == 0 {
            return Ok(0);
        }
        fail::fail_point!("delete::before_commit");
        core.commit(batch, None, Self::sync_writes(core))?;
        fail::fail_point!("delete::after_commit");
        self.publish_write(w, &dead, &[]);
        Ok(count)
    }

    /// Freeze the active segment by giving the collection a new, empty active segment (no-op
    /// when the active segment is empty).
    pub(crate) fn freeze_active(&self, core: &DbCore) -> Result<()> {
        let mut w = self.lock_writer();
        self.check_writable(core)?;
        if w.0.active.is_empty() {
            return Ok(());
        }
        let alloc = core.catalog.allocate_ids(1);
        let g = Arc::new(GrowingSegment::new(
            SegmentId(alloc.ids().start),
            self.info.config.dim,
        ));
        let mut batch = core.catalog.batch()?;
        batch.put_segment(self.info.id, &SegmentMeta::growing(g.id()))?;
        let mut record = w.0.record.clone();
        record.active_segment = g.id();
        batch.put_collection(&record)?;
        fail::fail_point!("freeze::before_commit");
        core.commit(batch, Some(alloc), Self::sync_writes(core))?;
        self.publish_write(&mut w, &HashMap::new(), std::slice::from_ref(&g));
        w.0.active = g;
        w.0.record = record;
        Ok(())
    }

    fn sync_writes(core: &DbCore) -> bool {
        core.options.durability == Durability::Sync
    }
}

/// The pieces of a batch placed by `placement`.
fn pieces(
    active: &Arc<GrowingSegment>,
    placement: &Placement,
    new_growing: &[Arc<GrowingSegment>],
) -> Vec<Piece> {
    let mut out = Vec::new();
    if placement.into_active > 0 {
        out.push(Piece {
            segment: Arc::clone(active),
            start: 0,
            count: placement.into_active,
        });
    }
    let mut start = placement.into_active;
    for (g, &count) in new_growing.iter().zip(&placement.new_segments) {
        if count > 0 {
            out.push(Piece {
                segment: Arc::clone(g),
                start,
                count,
            });
        }
        start += count;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(into_active: usize, new_segments: &[usize]) -> Placement {
        Placement {
            into_active,
            new_segments: new_segments.to_vec(),
        }
    }

    #[test]
    fn batches_fill_the_active_segment_then_spill() {
        // The module example: 3 of 4 rows held, 6 more.
        assert_eq!(place_batch(3, 4, 6), p(1, &[4, 1]));
        // Fits without filling.
        assert_eq!(place_batch(0, 4, 3), p(3, &[]));
        // Fills the active segment exactly: a new, empty active one.
        assert_eq!(place_batch(1, 4, 3), p(3, &[0]));
        // Fills the active and exactly one more: the last full one is frozen too.
        assert_eq!(place_batch(2, 4, 6), p(2, &[4, 0]));
        // An already full active segment (cap lowered) takes nothing.
        assert_eq!(place_batch(5, 4, 2), p(0, &[2]));
        assert_eq!(place_batch(0, 4, 0), p(0, &[]));
        assert_eq!(place_batch(0, 1, 2), p(1, &[1, 0]));
    }

    #[test]
    fn placement_keeps_every_row_and_respects_the_cap() {
        for cap in 1..7 {
            for active in 0..=cap {
                for n in 0..30 {
                    let pl = place_batch(active, cap, n);
                    let total: usize = pl.into_active + pl.new_segments.iter().sum::<usize>();
                    assert_eq!(total, n, "cap {cap} active {active} n {n}");
                    assert!(active + pl.into_active <= cap.max(active));
                    assert!(pl.new_segments.iter().all(|&s| s <= cap));
                    if let Some((last, full)) = pl.new_segments.split_last() {
                        assert!(full.iter().all(|&s| s == cap), "{pl:?}");
                        assert!(*last < cap, "the new active segment is not full: {pl:?}");
                        assert!(active + pl.into_active >= cap, "{pl:?}");
                    } else {
                        assert!(active + pl.into_active < cap || n == 0, "{pl:?}");
                    }
                }
            }
        }
    }
}
