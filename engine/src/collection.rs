//! [`Collection`]: the write path, sealing, and the read path of one collection.
//!
//! # Concurrency
//!
//! One writer at a time per collection (the `writer` mutex) commits catalog batches and
//! publishes snapshots; it is the only updater of collection state. Readers clone the current
//! `Arc<Snapshot>` and never take the writer lock (except `get` in a rare race, see there).
//! Background jobs (`background`) write their files without the writer lock and take it only
//! to commit their catalog change and publish.
//!
//! # Row placement
//!
//! New rows go to the *active* growing segment. A write that fills it allocates the next active
//! segment in the same batch, so the filled one is *frozen* (growing, no longer written) and is
//! sealed into a file by a background job:
//!
//! ```text
//! segment_rows = 4, active A holds 3 rows, insert_batch of 6 rows:
//!   A: r r r + n          (full -> frozen)
//!   B: n n n n            (new, full -> frozen)
//!   C: n                  (new, active)
//! one catalog batch: 6 rows, 6 id-map entries, segment records B and C, record.active = C
//! ```

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, MutexGuard, RwLock};
use rayon::prelude::*;
use tracing::warn;

use kiln_index::{merge_hits, Hit, IndexPlan, IndexSpec, Metric, TopK};
use kiln_storage::catalog::{CollectionRecord, SegmentMeta, SegmentState};
use kiln_storage::segment::segment_file_name;
use kiln_storage::CollectionId;
use kiln_storage::{DeletionBitmap, GrowingSegment, RowId, RowLocation, SegmentId, SegmentReader};

use crate::background::{Background, JobKey};
use crate::db::{DbHandle, DbInner};
use crate::error::{Error, Result};
use crate::gc::FileGuard;
use crate::indexing::{load_index, load_templates, segment_plan, AttachedIndex, Templates};
use crate::merge_policy::MergePolicy;
use crate::options::{CollectionConfig, Durability, SearchOptions};
use crate::snapshot::{SealedSegment, SegmentData, SegmentView, Snapshot};
use crate::stats::{CollectionStats, SegmentState as StatsState, SegmentStats};
use crate::validate::{check_k, prepare_batch, prepare_query, prepare_vector};

/// Below this many visible rows a query runs on the caller's thread instead of fanning out.
pub const PARALLEL_MIN_ROWS: usize = 32_768;

/// A segment under the Auto rule's size floor is indexed on an existing template only with at
/// least this many rows per inverted list: below it, the coarse search over the template's
/// centroids costs about as much as scanning the rows.
pub const SMALL_SEGMENT_LIST_FACTOR: usize = 2;

/// A handle to one collection: cheap to clone, `Send + Sync`. It keeps the database open.
#[derive(Clone)]
pub struct Collection {
    /// Keeps the database open; the last handle's drop shuts the background down.
    pub(crate) _handle: Arc<DbHandle>,
    pub(crate) db: Arc<DbInner>,
    pub(crate) inner: Arc<CollectionInner>,
}

impl std::fmt::Debug for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collection")
            .field("name", &self.inner.name)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

pub(crate) struct CollectionInner {
    pub(crate) id: CollectionId,
    pub(crate) name: String,
    pub(crate) config: CollectionConfig,
    segment_rows: usize,
    pub(crate) dir: PathBuf,
    pub(crate) writer: Mutex<WriterState>,
    snapshot: RwLock<Arc<Snapshot>>,
    pub(crate) dropped: AtomicBool,
    /// Set when the collection is dropped or the database closes: jobs abandon their work.
    pub(crate) stop: AtomicBool,
    pub(crate) policy: MergePolicy,
    pub(crate) bg: Mutex<Background>,
    /// Notified whenever a snapshot is published or a job finishes.
    pub(crate) bg_changed: Condvar,
    /// The trained IVF template(s).
    pub(crate) templates: Templates,
}

pub(crate) struct WriterState {
    record: CollectionRecord,
    active: Arc<GrowingSegment>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WriteMode {
    Insert,
    Upsert,
}

impl CollectionInner {
    /// Load a collection from the catalog: growing rows from the row log, sealed segments mapped
    /// and verified (in parallel), tombstones into deletion bitmaps.
    pub(crate) fn load(db: &DbInner, record: CollectionRecord) -> Result<CollectionInner> {
        let _span = tracing::info_span!("load_collection", collection = %record.name).entered();
        let catalog = &db.catalog;
        let config: CollectionConfig =
            serde_json::from_str(&record.config).map_err(|e| Error::Corrupted {
                path: catalog.path().to_path_buf(),
                reason: format!("configuration of collection {}: {e}", record.name),
            })?;
        let dim = record.dim as usize;
        if config.dim != dim {
            return Err(Error::Corrupted {
                path: catalog.path().to_path_buf(),
                reason: format!(
                    "collection {}: dimension {} vs config {}",
                    record.name, dim, config.dim
                ),
            });
        }
        let dir = db.layout.collection_dir(record.id);
        let metas = catalog.segments(record.id)?;
        let mut tombstones: HashMap<SegmentId, Vec<RowId>> = HashMap::new();
        for (seg, row) in catalog.tombstones(record.id)? {
            tombstones.entry(seg).or_default().push(row);
        }
        let fs = db.options.fs.clone();
        let templates = load_templates(db, &dir, &config, &catalog.templates(record.id)?);
        let loaded: Vec<Result<(SegmentData, Option<Arc<AttachedIndex>>)>> =
            db.query_pool.install(|| {
                metas
                    .par_iter()
                    .map(
                        |meta| -> Result<(SegmentData, Option<Arc<AttachedIndex>>)> {
                            match meta.state {
                                SegmentState::Growing => {
                                    let g = GrowingSegment::new(meta.id, dim);
                                    let mut ids = Vec::new();
                                    let mut vectors = Vec::new();
                                    catalog.growing_rows(record.id, meta.id, dim, |_, id, v| {
                                        ids.push(id);
                                        vectors.extend_from_slice(v);
                                    })?;
                                    g.append(&ids, &vectors);
                                    Ok((SegmentData::Growing(Arc::new(g)), None))
                                }
                                SegmentState::Sealed(info) => {
                                    let path = dir.join(segment_file_name(meta.id));
                                    let reader = SegmentReader::open(
                                        fs.as_ref(),
                                        &path,
                                        meta.id,
                                        dim,
                                        &info,
                                    )?;
                                    let index = meta
                                        .index
                                        .as_ref()
                                        .and_then(|r| load_index(db, &dir, &config, &reader, r));
                                    Ok((
                                        SegmentData::Sealed(Arc::new(SealedSegment {
                                            reader,
                                            file: FileGuard::new(Arc::clone(&fs), path),
                                        })),
                                        index,
                                    ))
                                }
                            }
                        },
                    )
                    .collect()
            });
        let mut views = Vec::with_capacity(metas.len());
        let mut active = None;
        for (meta, loaded) in metas.iter().zip(loaded) {
            let (data, index) = loaded?;
            let rows = match &data {
                SegmentData::Growing(g) => {
                    if meta.id == record.active_segment {
                        active = Some(Arc::clone(g));
                    }
                    g.len()
                }
                SegmentData::Sealed(s) => s.reader.rows(),
            };
            let mut dead = tombstones.remove(&meta.id).unwrap_or_default();
            dead.retain(|&r| (r as usize) < rows);
            views.push(
                SegmentView::new(meta.id, data, rows, DeletionBitmap::from_rows(&dead))
                    .with_index(index),
            );
        }
        if !tombstones.is_empty() {
            warn!(collection = %record.name, segments = tombstones.len(), "ignoring tombstones of unknown segments");
        }
        let active = active.ok_or_else(|| Error::Corrupted {
            path: catalog.path().to_path_buf(),
            reason: format!(
                "collection {}: active segment {} is not a growing segment",
                record.name, record.active_segment
            ),
        })?;
        let segment_rows = config.effective_segment_rows() as usize;
        let config_policy = config.effective_merge_policy();
        Ok(CollectionInner {
            id: record.id,
            name: record.name.clone(),
            config,
            segment_rows,
            dir,
            writer: Mutex::new(WriterState { record, active }),
            snapshot: RwLock::new(Arc::new(Snapshot::new(1, views))),
            dropped: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            policy: config_policy,
            bg: Mutex::new(Background::default()),
            bg_changed: Condvar::new(),
            templates,
        })
    }

    /// The snapshot together with the active segment's id, read under the writer lock so that
    /// they agree (a stale active id would make a newer, still-written segment look frozen).
    pub(crate) fn snapshot_and_active(&self) -> (Arc<Snapshot>, SegmentId) {
        let w = self.writer.lock();
        (self.snapshot(), w.active.id())
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read())
    }

    /// Replace the published snapshot. Only called with the writer lock held.
    /// Readers hold the snapshot lock only to clone or swap the `Arc`: the new snapshot is built
    /// before, and the old one dropped after.
    pub(crate) fn publish(
        &self,
        _writer: &MutexGuard<'_, WriterState>,
        segments: Vec<SegmentView>,
    ) {
        let version = self.snapshot.read().version + 1;
        let next = Arc::new(Snapshot::new(version, segments));
        let old = std::mem::replace(&mut *self.snapshot.write(), next);
        drop(old);
        self.bg_changed.notify_all();
    }

    fn check_writable(&self, db: &DbInner) -> Result<()> {
        self.check_live()?;
        db.check_poisoned()
    }

    fn check_live(&self) -> Result<()> {
        if self.dropped.load(Ordering::Acquire) {
            return Err(Error::CollectionNotFound {
                name: self.name.clone(),
            });
        }
        Ok(())
    }

    fn sync_writes(db: &DbInner) -> bool {
        db.options.durability == Durability::Sync
    }

    /// Commit a catalog batch; a failure poisons the database (the outcome is ambiguous).
    pub(crate) fn commit(
        db: &DbInner,
        batch: kiln_storage::CatalogBatch<'_>,
        alloc: Option<kiln_storage::catalog::IdAllocation<'_>>,
        sync: bool,
    ) -> Result<()> {
        let result = match alloc {
            Some(a) => a.commit(batch, sync),
            None => db.catalog.commit(batch, sync),
        };
        result.map_err(|e| db.poison(e))
    }

    fn write_rows(
        self: &Arc<Self>,
        db: &Arc<DbInner>,
        ids: &[u64],
        vectors: &[f32],
        mode: WriteMode,
    ) -> Result<()> {
        let _span = tracing::debug_span!("write", collection = %self.name, rows = ids.len(), ?mode)
            .entered();
        if ids.is_empty() {
            return self.check_writable(db);
        }
        self.apply_backpressure(db)?;
        let dim = self.config.dim;
        let cap = self.segment_rows;
        let frozen = {
            let mut w = self.writer.lock();
            self.check_writable(db)?;
            let old = db.catalog.locations(self.id, ids)?;
            if mode == WriteMode::Insert {
                if let Some((id, _)) = ids.iter().zip(&old).find(|(_, l)| l.is_some()) {
                    return Err(Error::DuplicateId {
                        collection: self.name.clone(),
                        id: *id,
                    });
                }
            }

            // Plan: fill the active segment, spill into new ones, keep a non-full one active.
            let n = ids.len();
            let active_len = w.active.len();
            let first_take = cap.saturating_sub(active_len).min(n);
            let rest = n - first_take;
            let mut new_segments = rest.div_ceil(cap);
            let last_len = if rest == 0 {
                active_len + first_take
            } else {
                rest - (new_segments - 1) * cap
            };
            if last_len >= cap {
                new_segments += 1;
            }
            let alloc = (new_segments > 0).then(|| db.catalog.allocate_ids(new_segments as u64));
            let new_ids: Vec<SegmentId> = alloc
                .as_ref()
                .map_or_else(Vec::new, |a| a.ids().map(SegmentId).collect());

            // Segment and first row of each piece of the batch.
            let mut pieces: Vec<(Arc<GrowingSegment>, usize, usize)> = Vec::new(); // (segment, batch offset, count)
            if first_take > 0 {
                pieces.push((Arc::clone(&w.active), 0, first_take));
            }
            let mut offset = first_take;
            let mut new_growing = Vec::with_capacity(new_ids.len());
            for &sid in &new_ids {
                let g = Arc::new(GrowingSegment::new(sid, dim));
                let take = cap.min(n - offset);
                if take > 0 {
                    pieces.push((Arc::clone(&g), offset, take));
                }
                offset += take;
                new_growing.push(g);
            }

            let mut batch = db.catalog.batch()?;
            let mut dead: HashMap<SegmentId, Vec<RowId>> = HashMap::new();
            for (seg, start, count) in &pieces {
                let base = seg.len();
                for i in *start..*start + *count {
                    let row = RowId::try_from(base + i - start)
                        .map_err(|_| Error::invalid("segment row number overflows u32"))?;
                    let (Some(&id), Some(v)) = (ids.get(i), vectors.get(i * dim..(i + 1) * dim))
                    else {
                        return Err(Error::invalid("batch shape changed while writing"));
                    };
                    batch.put_row(self.id, seg.id(), row, id, v);
                    batch.put_location(
                        self.id,
                        id,
                        RowLocation {
                            segment: seg.id(),
                            row,
                        },
                    );
                    if let Some(Some(loc)) = old.get(i) {
                        batch.put_tombstone(self.id, loc.segment, loc.row);
                        dead.entry(loc.segment).or_default().push(loc.row);
                    }
                }
            }
            let mut record = w.record.clone();
            if let Some(last) = new_ids.last() {
                for &sid in &new_ids {
                    batch.put_segment(self.id, &SegmentMeta::growing(sid))?;
                }
                record.active_segment = *last;
                batch.put_collection(&record)?;
            }
            fail::fail_point!("write::before_commit");
            Self::commit(db, batch, alloc, Self::sync_writes(db))?;
            fail::fail_point!("write::after_commit");

            // Committed: apply in memory and publish.
            for (seg, start, count) in &pieces {
                seg.append(
                    ids.get(*start..start + count).unwrap_or(&[]),
                    vectors
                        .get(start * dim..(start + count) * dim)
                        .unwrap_or(&[]),
                );
            }
            let snap = self.snapshot();
            let mut views: Vec<SegmentView> = snap
                .segments
                .iter()
                .map(|v| refresh_view(v, dead.get(&v.id)))
                .collect();
            for g in &new_growing {
                views.push(SegmentView::new(
                    g.id(),
                    SegmentData::Growing(Arc::clone(g)),
                    g.len(),
                    DeletionBitmap::new(),
                ));
            }
            if let Some(g) = new_growing.last() {
                w.active = Arc::clone(g);
                w.record = record;
            }
            self.publish(&w, views);
            !new_ids.is_empty()
        };
        if frozen {
            self.schedule(db);
        }
        Ok(())
    }

    fn delete_ids(self: &Arc<Self>, db: &Arc<DbInner>, ids: &[u64]) -> Result<usize> {
        let _span =
            tracing::debug_span!("delete", collection = %self.name, ids = ids.len()).entered();
        let w = self.writer.lock();
        self.check_writable(db)?;
        let mut seen = HashSet::with_capacity(ids.len());
        let unique: Vec<u64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        let locs = db.catalog.locations(self.id, &unique)?;
        let mut batch = db.catalog.batch()?;
        let mut dead: HashMap<SegmentId, Vec<RowId>> = HashMap::new();
        let mut count = 0;
        for (id, loc) in unique.iter().zip(&locs) {
            if let Some(loc) = loc {
                batch.delete_location(self.id, *id);
                batch.put_tombstone(self.id, loc.segment, loc.row);
                dead.entry(loc.segment).or_default().push(loc.row);
                count += 1;
            }
        }
        if count == 0 {
            return Ok(0);
        }
        fail::fail_point!("delete::before_commit");
        Self::commit(db, batch, None, Self::sync_writes(db))?;
        fail::fail_point!("delete::after_commit");
        let snap = self.snapshot();
        let views = snap
            .segments
            .iter()
            .map(|v| refresh_view(v, dead.get(&v.id)))
            .collect();
        self.publish(&w, views);
        drop(w);
        // Deletes can make a segment due for a rewrite.
        self.schedule(db);
        Ok(count)
    }

    /// Make the active segment frozen by giving the collection a new, empty active segment.
    fn freeze_active(&self, db: &DbInner, w: &mut MutexGuard<'_, WriterState>) -> Result<()> {
        if w.active.is_empty() {
            return Ok(());
        }
        let alloc = db.catalog.allocate_ids(1);
        let sid = SegmentId(alloc.ids().start);
        let mut batch = db.catalog.batch()?;
        batch.put_segment(self.id, &SegmentMeta::growing(sid))?;
        let mut record = w.record.clone();
        record.active_segment = sid;
        batch.put_collection(&record)?;
        fail::fail_point!("freeze::before_commit");
        Self::commit(db, batch, Some(alloc), Self::sync_writes(db))?;
        let g = Arc::new(GrowingSegment::new(sid, self.config.dim));
        let mut views: Vec<SegmentView> = self.snapshot().segments.to_vec();
        views.push(SegmentView::new(
            sid,
            SegmentData::Growing(Arc::clone(&g)),
            0,
            DeletionBitmap::new(),
        ));
        w.active = g;
        w.record = record;
        self.publish(w, views);
        Ok(())
    }

    /// Seal every frozen growing segment now, in the caller's thread, waiting for seals that
    /// background jobs are running. Returns the first error of a seal run here.
    pub(crate) fn seal_frozen_now(self: &Arc<Self>, db: &Arc<DbInner>) -> Result<()> {
        loop {
            self.check_live()?;
            let (snap, active) = self.snapshot_and_active();
            let frozen: Vec<Arc<GrowingSegment>> = snap
                .segments
                .iter()
                .filter_map(|v| match &v.data {
                    SegmentData::Growing(g) if v.id != active => Some(Arc::clone(g)),
                    _ => None,
                })
                .collect();
            if frozen.is_empty() {
                return Ok(());
            }
            fail::fail_point!("test::flush_before_claim");
            let mut claimed = None;
            {
                let mut bg = self.bg.lock();
                for g in &frozen {
                    if !bg.busy.contains(&g.id()) {
                        bg.busy.insert(g.id());
                        bg.running.insert(JobKey::Seal(g.id()));
                        claimed = Some(Arc::clone(g));
                        break;
                    }
                }
                if claimed.is_none() {
                    // Every frozen segment is being sealed by a job: wait for one to finish.
                    self.bg_changed.wait_for(&mut bg, Duration::from_millis(50));
                    continue;
                }
            }
            let Some(g) = claimed else { continue };
            let result = self.seal_one(db, &g);
            {
                let mut bg = self.bg.lock();
                bg.busy.remove(&g.id());
                bg.running.remove(&JobKey::Seal(g.id()));
                if result.is_ok() {
                    bg.retry.remove(&JobKey::Seal(g.id()));
                }
            }
            self.bg_changed.notify_all();
            match result {
                Ok(()) | Err(Error::Cancelled) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Backpressure, before a write takes the writer lock. Frozen growing segments live in
    /// memory, so past `max_unsealed_segments` writes wait for seals (memory never grows without
    /// bound). Past `max_unindexed_rows` or `max_pending_merges` writes are slowed by a short
    /// sleep that grows with the overshoot, and past twice the limit they wait. Waiting never
    /// turns into failing, except when the seals it waits for keep failing (three attempts in a
    /// row, e.g. a full disk): then the write returns that error and changes nothing, and writes
    /// resume once a seal succeeds.
    fn apply_backpressure(self: &Arc<Self>, db: &Arc<DbInner>) -> Result<()> {
        let limits = &db.options.backpressure;
        let mut stalled = false;
        let deadline_tick = Duration::from_millis(20);
        loop {
            self.check_writable(db)?;
            let p = self.pressure(db);
            let hard = p.unsealed_segments >= limits.max_unsealed_segments
                || p.unindexed_rows >= limits.max_unindexed_rows.saturating_mul(2)
                || p.pending_merges >= limits.max_pending_merges.saturating_mul(2);
            if !hard {
                let over = (p.unindexed_rows as f64 / limits.max_unindexed_rows.max(1) as f64)
                    .max(p.pending_merges as f64 / limits.max_pending_merges.max(1) as f64);
                if over >= 1.0 {
                    self.bg.lock().counters.writes_throttled += 1;
                    std::thread::sleep(Duration::from_micros((over * 1000.0) as u64));
                }
                return Ok(());
            }
            if !stalled {
                stalled = true;
                self.bg.lock().counters.writes_stalled += 1;
            }
            if p.unsealed_segments >= limits.max_unsealed_segments {
                if let Some(e) = self.failing_seal(3) {
                    return Err(e);
                }
            }
            self.schedule(db);
            let mut bg = self.bg.lock();
            self.bg_changed.wait_for(&mut bg, deadline_tick);
        }
    }

    /// Whether a sealed segment of `rows` rows should get an index.
    pub(crate) fn needs_index(&self, db: &DbInner, rows: usize) -> bool {
        self.plan_for(db, rows).is_some()
    }

    /// What to build for a sealed segment of `rows` rows: the Auto rule of [`segment_plan`],
    /// except that once the collection has a trained IVF template, a segment the rule leaves to
    /// an exact scan (under `AUTO_MIN_ROWS`) is indexed on that template too when it has at
    /// least [`SMALL_SEGMENT_LIST_FACTOR`] rows per list: the build costs no training, only
    /// adding the rows, and a probe then costs less than scanning them (the dev set's 4,078-row
    /// tail segment: 335 µs per query exact, 88 µs through the template at nprobe 48).
    pub(crate) fn plan_for(&self, db: &DbInner, rows: usize) -> Option<IndexPlan> {
        let plan = segment_plan(db, &self.config, rows);
        if plan.is_some()
            || !matches!(self.config.index, IndexSpec::Auto)
            || rows < kiln_index::MIN_INDEXED_ROWS
        {
            return plan;
        }
        let current = self.templates.current()?;
        let tplan = current.template.plan();
        let nlist = tplan.nlist()?;
        (rows >= nlist.saturating_mul(SMALL_SEGMENT_LIST_FACTOR)).then(|| tplan.clone())
    }

    /// How far background work is behind.
    pub(crate) fn pressure(&self, db: &DbInner) -> Pressure {
        let (snap, active) = self.snapshot_and_active();
        let unsealed_segments = snap
            .segments
            .iter()
            .filter(|v| !v.is_sealed() && v.id != active)
            .count();
        let inputs: Vec<crate::merge_policy::MergeInput> = snap
            .segments
            .iter()
            .filter(|v| v.is_sealed())
            .map(|v| crate::merge_policy::MergeInput {
                id: v.id,
                rows: v.rows,
                deleted: v.deletes.count(),
            })
            .collect();
        let pending_merges = self.policy.compute_merge_candidates(&inputs).len();
        Pressure {
            unsealed_segments,
            unsealed_rows: snap
                .segments
                .iter()
                .filter(|v| !v.is_sealed() && v.id != active)
                .map(|v| v.rows)
                .sum(),
            unindexed_rows: snap
                .segments
                .iter()
                .filter(|v| v.is_sealed() && v.index.is_none() && self.needs_index(db, v.rows))
                .map(|v| v.rows)
                .sum(),
            pending_merges,
        }
    }

    fn search_snapshot(
        &self,
        db: &DbInner,
        snap: &Snapshot,
        query: &[f32],
        options: &SearchOptions,
        fan_out: bool,
    ) -> Vec<Hit> {
        let k = options.k.min(snap.live_rows);
        if k == 0 {
            return Vec::new();
        }
        let metric = self.config.metric;
        let params = options.params();
        let exact = options.exact;
        let segments: Vec<&SegmentView> =
            snap.segments.iter().filter(|s| s.live_rows() > 0).collect();
        // Fan out when there is enough work to pay for the hand-off: many rows scanned exactly,
        // or several indexed segments.
        let exact_rows: usize = segments
            .iter()
            .filter(|s| exact || s.index.is_none())
            .map(|s| s.rows)
            .sum();
        let indexed = segments.len()
            - segments
                .iter()
                .filter(|s| exact || s.index.is_none())
                .count();
        let parallel =
            fan_out && segments.len() > 1 && (exact_rows >= PARALLEL_MIN_ROWS || indexed >= 2);
        let search = |s: &&SegmentView| s.search(metric, query, k, &params, exact);
        let parts: Vec<TopK> = if parallel {
            db.query_pool
                .install(|| segments.par_iter().map(search).collect())
        } else {
            segments.iter().map(search).collect()
        };
        merge_hits(k, parts)
    }
}

/// `view` with its row count caught up with its growing segment and `dead` rows deleted.
/// How far background work is behind (see `apply_backpressure`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pressure {
    pub(crate) unsealed_segments: usize,
    pub(crate) unsealed_rows: usize,
    pub(crate) unindexed_rows: usize,
    pub(crate) pending_merges: usize,
}

fn refresh_view(view: &SegmentView, dead: Option<&Vec<RowId>>) -> SegmentView {
    let rows = match &view.data {
        SegmentData::Growing(g) => g.len(),
        SegmentData::Sealed(s) => s.reader.rows(),
    };
    view.with_deleted(rows, dead)
}

impl Collection {
    fn metric(&self) -> Metric {
        self.inner.config.metric
    }

    /// The collection's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The collection's configuration.
    pub fn config(&self) -> &CollectionConfig {
        &self.inner.config
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.inner.config.dim
    }

    /// Insert `vector` under `id`. Fails with [`Error::DuplicateId`] if `id` is live.
    pub fn insert(&self, id: u64, vector: &[f32]) -> Result<()> {
        let v = prepare_vector(self.metric(), self.dim(), vector, Some(id))?;
        self.inner
            .write_rows(&self.db, &[id], &v, WriteMode::Insert)
    }

    /// Insert `vector` under `id`, replacing the live vector with that id if there is one.
    pub fn upsert(&self, id: u64, vector: &[f32]) -> Result<()> {
        let v = prepare_vector(self.metric(), self.dim(), vector, Some(id))?;
        self.inner
            .write_rows(&self.db, &[id], &v, WriteMode::Upsert)
    }

    /// Insert many rows at once, all or nothing. `vectors` holds `ids.len() × dim` floats,
    /// row-major. Fails, writing nothing, if any id is live ([`Error::DuplicateId`]), appears
    /// twice ([`Error::DuplicateIdInBatch`]) or any vector is invalid.
    pub fn insert_batch(&self, ids: &[u64], vectors: &[f32]) -> Result<()> {
        let v = prepare_batch(self.metric(), self.dim(), ids, vectors)?;
        self.inner.write_rows(&self.db, ids, &v, WriteMode::Insert)
    }

    /// Insert or replace many rows at once, all or nothing. An id may appear only once.
    pub fn upsert_batch(&self, ids: &[u64], vectors: &[f32]) -> Result<()> {
        let v = prepare_batch(self.metric(), self.dim(), ids, vectors)?;
        self.inner.write_rows(&self.db, ids, &v, WriteMode::Upsert)
    }

    /// Delete `id`. Returns whether it was live.
    pub fn delete(&self, id: u64) -> Result<bool> {
        Ok(self.inner.delete_ids(&self.db, &[id])? == 1)
    }

    /// Delete many ids in one transaction. Unknown ids are skipped and repeated ids count once;
    /// returns how many were live.
    pub fn delete_batch(&self, ids: &[u64]) -> Result<usize> {
        if ids.is_empty() {
            self.inner.check_writable(&self.db)?;
            return Ok(0);
        }
        self.inner.delete_ids(&self.db, ids)
    }

    /// The stored vector of `id` (normalised, under cosine), or `None` if it is not live.
    pub fn get(&self, id: u64) -> Result<Option<Vec<f32>>> {
        self.inner.check_live()?;
        let snap = self.inner.snapshot();
        let Some(loc) = self.db.catalog.location(self.inner.id, id)? else {
            return Ok(None);
        };
        if let Some(v) = snap
            .segment(loc.segment)
            .and_then(|s| s.live_vector(loc.row))
        {
            return Ok(Some(v));
        }
        // The id map is ahead of the published snapshot (a write is between commit and publish):
        // under the writer lock the two agree.
        let _w = self.inner.writer.lock();
        let snap = self.inner.snapshot();
        let Some(loc) = self.db.catalog.location(self.inner.id, id)? else {
            return Ok(None);
        };
        Ok(snap
            .segment(loc.segment)
            .and_then(|s| s.live_vector(loc.row)))
    }

    /// Live rows.
    pub fn len(&self) -> usize {
        self.inner.snapshot().live_rows
    }

    /// True when no row is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k` live vectors nearest to `query`, nearest first; ties go to the smaller id.
    pub fn search(&self, query: &[f32], options: &SearchOptions) -> Result<Vec<Hit>> {
        let _span =
            tracing::debug_span!("search", collection = %self.inner.name, k = options.k).entered();
        check_k(options.k)?;
        self.inner.check_live()?;
        let q = prepare_query(self.metric(), self.dim(), query)?;
        let snap = self.inner.snapshot();
        Ok(self
            .inner
            .search_snapshot(&self.db, &snap, &q, options, true))
    }

    /// Search many queries (`queries` holds `n × dim` floats) against one snapshot; one result
    /// list per query, in order.
    pub fn search_batch(&self, queries: &[f32], options: &SearchOptions) -> Result<Vec<Vec<Hit>>> {
        let _span =
            tracing::debug_span!("search_batch", collection = %self.inner.name, k = options.k)
                .entered();
        check_k(options.k)?;
        self.inner.check_live()?;
        let dim = self.dim();
        if !queries.len().is_multiple_of(dim) {
            return Err(Error::DimensionMismatch {
                expected: queries.len().div_ceil(dim) * dim,
                got: queries.len(),
            });
        }
        let prepared: Vec<Vec<f32>> = queries
            .chunks_exact(dim)
            .map(|q| prepare_query(self.metric(), dim, q))
            .collect::<Result<_>>()?;
        let snap = self.inner.snapshot();
        let inner = &self.inner;
        let db = &self.db;
        if prepared.len() <= 1 {
            return Ok(prepared
                .iter()
                .map(|q| inner.search_snapshot(db, &snap, q, options, true))
                .collect());
        }
        Ok(db.query_pool.install(|| {
            prepared
                .par_iter()
                .map(|q| inner.search_snapshot(db, &snap, q, options, false))
                .collect()
        }))
    }

    /// Seal the growing segment into a segment file now, wait until every pending seal is done,
    /// and make every acknowledged write durable (also under [`Durability::Buffered`]).
    pub fn flush(&self) -> Result<()> {
        let _span = tracing::info_span!("flush", collection = %self.inner.name).entered();
        {
            let mut w = self.inner.writer.lock();
            self.inner.check_writable(&self.db)?;
            self.inner.freeze_active(&self.db, &mut w)?;
        }
        self.inner.seal_frozen_now(&self.db)?;
        self.db.catalog.sync_wal().map_err(|e| self.db.poison(e))?;
        Ok(())
    }

    /// Wait until the background has nothing left to do for this collection: every frozen
    /// segment sealed, every sealed segment indexed (when its index spec asks for one), and the
    /// merge policy satisfied. Returns the error of a background job that failed three times
    /// in a row instead of waiting for it forever.
    pub fn wait_for_indexing(&self) -> Result<()> {
        loop {
            self.inner.check_live()?;
            self.db.check_poisoned()?;
            self.inner.schedule(&self.db);
            if !self.inner.has_pending_work(&self.db) {
                return Ok(());
            }
            if let Some((job, error)) = self.inner.persistent_failure(3) {
                return Err(Error::Background { job, error });
            }
            let mut bg = self.inner.bg.lock();
            self.inner
                .bg_changed
                .wait_for(&mut bg, Duration::from_millis(50));
        }
    }

    /// Seal the growing segment, run the merge policy and every pending index build now, and
    /// wait until nothing is left (`flush` then `wait_for_indexing`).
    pub fn compact(&self) -> Result<()> {
        self.flush()?;
        self.wait_for_indexing()
    }

    /// Counts, per-segment state and background progress.
    pub fn stats(&self) -> CollectionStats {
        let inner = &self.inner;
        let (snap, active) = inner.snapshot_and_active();
        let pressure = inner.pressure(&self.db);
        let bg = inner.bg.lock();
        let segments = snap
            .segments
            .iter()
            .map(|v| SegmentStats {
                id: v.id.0,
                state: match &v.data {
                    SegmentData::Growing(_) if v.id == active => StatsState::Growing,
                    SegmentData::Growing(_) => StatsState::Frozen,
                    SegmentData::Sealed(_) => StatsState::Sealed,
                },
                rows: v.rows,
                deleted: v.deletes.count(),
                bytes: match &v.data {
                    SegmentData::Growing(_) => (v.rows * (inner.config.dim * 4 + 8)) as u64,
                    SegmentData::Sealed(s) => s.reader.info().len,
                },
                index: v.index.as_ref().map(|i| i.kind().name().to_string()),
                index_bytes: v.index.as_ref().map_or(0, |i| i.record.blob.len),
                busy: bg.busy.contains(&v.id),
            })
            .collect::<Vec<_>>();
        CollectionStats {
            rows: snap.live_rows,
            deleted_rows: snap.segments.iter().map(|v| v.deletes.count()).sum(),
            rows_pending_seal: pressure.unsealed_rows,
            rows_pending_indexing: pressure.unindexed_rows,
            pending_merges: pressure.pending_merges,
            jobs_running: bg.running.len(),
            seals_running: bg
                .running
                .iter()
                .filter(|k| matches!(k, JobKey::Seal(_)))
                .count(),
            builds_running: bg
                .running
                .iter()
                .filter(|k| matches!(k, JobKey::Build(_) | JobKey::Retrain))
                .count(),
            merges_running: bg
                .running
                .iter()
                .filter(|k| matches!(k, JobKey::Merge(_)))
                .count(),
            seals_done: bg.counters.seals,
            merges_done: bg.counters.merges,
            indexes_built: bg.counters.indexes_built,
            indexes_merged: bg.counters.indexes_merged,
            jobs_failed: bg.counters.jobs_failed,
            writes_stalled: bg.counters.writes_stalled,
            writes_throttled: bg.counters.writes_throttled,
            limits: self.db.options.backpressure,
            segments,
        }
    }

    /// Subscribe to background events of the whole database (seals, index builds, merges,
    /// failures).
    pub fn events(&self) -> std::sync::mpsc::Receiver<crate::events::Event> {
        self.db.events.subscribe()
    }

    /// The snapshot queries currently see (for tests and tools).
    #[doc(hidden)]
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.snapshot()
    }

    /// Segment ids with their state, rows and deleted rows (a preview of `stats`).
    pub fn segments(&self) -> Vec<SegmentInfo> {
        self.inner
            .snapshot()
            .segments
            .iter()
            .map(|s| SegmentInfo {
                id: s.id.0,
                sealed: s.is_sealed(),
                rows: s.rows,
                deleted: s.deletes.count(),
            })
            .collect()
    }
}

/// A segment as [`Collection::segments`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Segment id.
    pub id: u64,
    /// Whether it is sealed into a file (else growing, in memory and in the row log).
    pub sealed: bool,
    /// Rows, deleted ones included.
    pub rows: usize,
    /// Deleted rows.
    pub deleted: usize,
}

impl CollectionInner {
    /// Seal segments left frozen by an earlier run (after load).
    pub(crate) fn resume(self: &Arc<Self>, db: &Arc<DbInner>) {
        self.schedule(db);
    }

    /// Run `commit` (the catalog change that drops the collection) with the seal and writer locks
    /// held, and mark the collection dropped if it succeeds: every handle fails from then on.
    pub(crate) fn drop_with(&self, commit: impl FnOnce() -> Result<()>) -> Result<()> {
        // Stop background jobs and wait for the running ones to notice.
        self.stop.store(true, Ordering::Release);
        {
            let mut bg = self.bg.lock();
            while !bg.running.is_empty() {
                self.bg_changed.wait_for(&mut bg, Duration::from_millis(20));
            }
        }
        let w = self.writer.lock();
        if let Err(e) = commit() {
            self.stop.store(false, Ordering::Release);
            return Err(e);
        }
        self.dropped.store(true, Ordering::Release);
        drop(w);
        Ok(())
    }
}
