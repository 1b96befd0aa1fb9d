//! Background work of a collection: sealing frozen growing segments and merging sealed ones,
//! run on the database's compaction pool (rayon, threads named `kiln-compact-*`).
//!
//! # Scheduling
//!
//! [`CollectionInner::schedule`] looks at the current snapshot and starts what is missing: a seal
//! for each frozen growing segment, and the merges the [`MergePolicy`] proposes among sealed
//! segments that no job holds. It runs after every change (a write that froze a segment, a job
//! that finished) and on the maintenance thread's tick, which is what retries failed jobs after
//! their backoff. A segment is held by at most one job at a time (`Background::busy`).
//!
//! # Jobs
//!
//! A job computes its result without the writer lock (writing files), then takes the lock,
//! re-validates against the current state, commits one catalog batch and publishes a snapshot.
//! A job that fails or panics is caught, reported as [`Event::JobFailed`], and retried with
//! exponential backoff; it never takes the database down. Jobs poll the collection's stop flag
//! between steps (drop, close) and then abandon their work.

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

use kiln_index::SegmentIndex;
use kiln_storage::catalog::{IndexRecord, SegmentMeta};
use kiln_storage::segment::write_segment;
use kiln_storage::{DeletionBitmap, GrowingSegment, RowId, RowLocation, SegmentId, SegmentReader};

use crate::collection::CollectionInner;
use crate::db::DbInner;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::gc::FileGuard;
use crate::indexing::{
    attach_persisted, build_index, merge_indexes, persist_index, segment_plan, train_template,
    AttachedIndex,
};
use crate::merge_policy::{MergeCandidate, MergeInput};
use crate::snapshot::{SealedSegment, SegmentData, SegmentView, Snapshot};

/// The sealed segments of a snapshot (template training samples from them).
fn sealed_segments(snap: &Snapshot) -> Vec<Arc<SealedSegment>> {
    snap.segments
        .iter()
        .filter_map(|v| match &v.data {
            SegmentData::Sealed(s) => Some(Arc::clone(s)),
            SegmentData::Growing(_) => None,
        })
        .collect()
}

/// What a job works on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum JobKey {
    Seal(SegmentId),
    Build(SegmentId),
    Merge(Vec<SegmentId>),
    /// Train a new IVF template generation (holds no segment).
    Retrain,
}

impl JobKey {
    fn segments(&self) -> &[SegmentId] {
        match self {
            JobKey::Seal(s) | JobKey::Build(s) => std::slice::from_ref(s),
            JobKey::Merge(v) => v,
            JobKey::Retrain => &[],
        }
    }

    fn describe(&self) -> String {
        match self {
            JobKey::Seal(s) => format!("seal {s}"),
            JobKey::Build(s) => format!("index {s}"),
            JobKey::Retrain => "retrain IVF template".to_string(),
            JobKey::Merge(v) => format!(
                "merge {}",
                v.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("+")
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Retry {
    pub(crate) attempts: u32,
    pub(crate) not_before: Instant,
    pub(crate) error: Error,
}

/// Backoff after `attempts` failures: 100 ms doubling, at most 30 s.
pub(crate) fn backoff(attempts: u32) -> Duration {
    let ms = 100u64.saturating_mul(1u64 << attempts.saturating_sub(1).min(9));
    Duration::from_millis(ms.min(30_000))
}

/// Counters of finished background work.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) seals: u64,
    pub(crate) merges: u64,
    pub(crate) indexes_built: u64,
    pub(crate) indexes_merged: u64,
    pub(crate) jobs_failed: u64,
    pub(crate) writes_stalled: u64,
    pub(crate) writes_throttled: u64,
}

/// The background state of one collection, under `CollectionInner::bg`.
#[derive(Debug, Default)]
pub(crate) struct Background {
    /// Segments some running job holds.
    pub(crate) busy: HashSet<SegmentId>,
    /// Jobs running now.
    pub(crate) running: HashSet<JobKey>,
    /// Failed jobs waiting for their next attempt.
    pub(crate) retry: HashMap<JobKey, Retry>,
    pub(crate) counters: Counters,
}

impl Background {
    fn may_start(&self, key: &JobKey, now: Instant) -> bool {
        !self.running.contains(key)
            && key.segments().iter().all(|s| !self.busy.contains(s))
            && self.retry.get(key).is_none_or(|r| r.not_before <= now)
    }
}

impl CollectionInner {
    /// Start every job that is due. Cheap when there is nothing to do.
    pub(crate) fn schedule(self: &Arc<Self>, db: &Arc<DbInner>) {
        if self.stopping() || db.is_stopping() || db.check_poisoned().is_err() {
            return;
        }
        let (snap, active) = self.snapshot_and_active();
        let now = Instant::now();
        let mut to_start = Vec::new();
        {
            let mut bg = self.bg.lock();
            for v in snap.segments.iter() {
                if let SegmentData::Growing(_) = v.data {
                    let key = JobKey::Seal(v.id);
                    if v.id != active && bg.may_start(&key, now) {
                        to_start.push(key);
                    }
                }
            }
            let inputs: Vec<MergeInput> = snap
                .segments
                .iter()
                .filter(|v| v.is_sealed() && !bg.busy.contains(&v.id))
                .map(|v| MergeInput {
                    id: v.id,
                    rows: v.rows,
                    deleted: v.deletes.count(),
                })
                .collect();
            for MergeCandidate { segments, .. } in self.policy.compute_merge_candidates(&inputs) {
                let key = JobKey::Merge(segments);
                if bg.may_start(&key, now) {
                    bg.busy.extend(key.segments().iter().copied());
                    to_start.push(key);
                }
            }
            // Index builds for sealed segments no merge took.
            for v in snap.segments.iter() {
                let key = JobKey::Build(v.id);
                if v.is_sealed()
                    && v.index.is_none()
                    && self.needs_index(db, v.rows)
                    && bg.may_start(&key, now)
                {
                    bg.busy.insert(v.id);
                    to_start.push(key);
                }
            }
            // A new template generation when the collection outgrew the current one; builds keep
            // using the old one meanwhile.
            if self.templates.retrain_due(snap.total_rows()) && bg.may_start(&JobKey::Retrain, now)
            {
                to_start.push(JobKey::Retrain);
            }
            for key in &to_start {
                bg.running.insert(key.clone());
                bg.busy.extend(key.segments().iter().copied());
            }
        }
        for key in to_start {
            self.spawn(db, key);
        }
    }

    fn spawn(self: &Arc<Self>, db: &Arc<DbInner>, key: JobKey) {
        let coll = Arc::clone(self);
        let db2 = Arc::clone(db);
        // The ticket is the job body's first local, so it drops last: the job counts as finished
        // only once it no longer holds the database.
        let ticket = db.job_ticket();
        // Seals have their own lane: they are short, they bound the memory held by frozen
        // segments (writers wait on them under backpressure), and they must not queue behind
        // index builds and merges that take seconds.
        let pool = match key {
            JobKey::Seal(_) => &db.seal_pool,
            _ => &db.compaction_pool,
        };
        pool.spawn(move || {
            let _ticket = ticket;
            let started = Instant::now();
            let result = catch_unwind(AssertUnwindSafe(|| coll.run_job(&db2, &key)))
                .unwrap_or_else(|panic| {
                    let msg = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    Err(Error::invalid(format!("background job panicked: {msg}")))
                });
            coll.finish_job(&db2, &key, result, started.elapsed());
            coll.schedule(&db2);
            drop(coll);
            drop(db2);
        });
    }

    fn run_job(&self, db: &DbInner, key: &JobKey) -> Result<()> {
        if self.stopping() || db.is_stopping() {
            return Err(Error::Cancelled);
        }
        let inject = db
            .panics_to_inject
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        if inject.is_ok() {
            panic!("injected panic in {}", key.describe());
        }
        match key {
            JobKey::Seal(id) => {
                let Some(g) = self.frozen_segment(*id) else {
                    return Ok(());
                };
                self.seal_one(db, &g)
            }
            JobKey::Build(id) => self.build(db, *id),
            JobKey::Retrain => self.retrain(db),
            JobKey::Merge(ids) => self.merge(db, ids),
        }
    }

    /// Train the next template generation for the collection's current size.
    fn retrain(&self, db: &DbInner) -> Result<()> {
        let snap = self.snapshot();
        let rows = snap.total_rows();
        let Some(plan) = segment_plan(db, &self.config, rows).filter(|p| p.kind().is_ivf()) else {
            return Ok(());
        };
        let _span = tracing::info_span!("retrain", collection = %self.name, rows).entered();
        train_template(
            db,
            self.id,
            &self.dir,
            &self.config,
            &self.templates,
            &plan,
            rows,
            &sealed_segments(&snap),
            true,
        )?;
        db.advance_watermark();
        Ok(())
    }

    /// Build, persist and attach the index of sealed segment `id`.
    fn build(&self, db: &DbInner, id: SegmentId) -> Result<()> {
        let snap = self.snapshot();
        let Some(v) = snap.segment(id) else {
            return Err(Error::Cancelled);
        };
        let SegmentData::Sealed(s) = &v.data else {
            return Err(Error::Cancelled);
        };
        if v.index.is_some() {
            return Ok(());
        }
        let Some(plan) = self.plan_for(db, v.rows) else {
            return Ok(());
        };
        let _span = tracing::info_span!("build", collection = %self.name, segment = %id, kind = plan.kind().name(), rows = v.rows).entered();
        let started = Instant::now();
        let sample_from = sealed_segments(&snap);
        let (index, record, path) = build_index(
            db,
            self.id,
            &self.dir,
            &self.config,
            &self.templates,
            snap.total_rows(),
            &sample_from,
            &plan,
            &s.reader,
            s.reader.vectors(),
        )?;
        let attached = Arc::new(AttachedIndex {
            index: attach_persisted(index, &path, &self.config, v.rows),
            record: record.clone(),
            file: FileGuard::new(Arc::clone(&db.options.fs), path),
        });
        let w = self.writer.lock();
        let now = self.snapshot();
        let still = now
            .segment(id)
            .filter(|v| v.is_sealed() && v.index.is_none());
        if self.stopping() || still.is_none() {
            attached.file.mark_obsolete();
            return Err(Error::Cancelled);
        }
        let mut batch = db.catalog.batch()?;
        batch.put_segment(
            self.id,
            &SegmentMeta {
                id,
                state: kiln_storage::SegmentState::Sealed(*s.reader.info()),
                index: Some(record),
            },
        )?;
        fail::fail_point!("build::before_commit");
        Self::commit(db, batch, None, true)?;
        fail::fail_point!("build::after_commit");
        let views = now
            .segments
            .iter()
            .map(|x| {
                if x.id == id {
                    x.with_index(Some(Arc::clone(&attached)))
                } else {
                    x.clone()
                }
            })
            .collect();
        self.publish(&w, views);
        drop(w);
        db.advance_watermark();
        self.bg.lock().counters.indexes_built += 1;
        let took = started.elapsed();
        db.events.emit(Event::IndexBuilt {
            collection: self.name.clone(),
            segment: id.0,
            kind: attached.kind().name().to_string(),
            rows: v.rows,
            took,
        });
        info!(segment = %id, kind = attached.kind().name(), rows = v.rows, ?took, "index built");
        Ok(())
    }

    /// The index of a merged segment: list concatenation when every input has an IVF index of
    /// the same template, else a build from the merged rows; `None` when the merged segment
    /// needs no index or building failed (reported; the build job retries later).
    fn merged_index(
        &self,
        db: &DbInner,
        snap: &Snapshot,
        inputs: &[SegmentView],
        merged: &SealedSegment,
    ) -> Option<(Arc<AttachedIndex>, IndexRecord)> {
        let rows = merged.reader.rows();
        let plan = self.plan_for(db, rows)?;
        let attempt = || -> Result<(SegmentIndex, IndexRecord, std::path::PathBuf)> {
            if plan.kind().is_ivf() {
                let parts: Option<Vec<_>> = inputs
                    .iter()
                    .map(|v| {
                        v.index
                            .as_ref()
                            .map(|i| (Arc::clone(i), v.rows, v.exclude().clone()))
                    })
                    .collect();
                if let Some(parts) = parts {
                    if let Some((index, template)) = merge_indexes(&self.dir, &self.config, &parts)?
                    {
                        let (record, path) =
                            persist_index(db, &self.dir, &index, &merged.reader, template)?;
                        self.bg.lock().counters.indexes_merged += 1;
                        return Ok((index, record, path));
                    }
                }
            }
            build_index(
                db,
                self.id,
                &self.dir,
                &self.config,
                &self.templates,
                snap.total_rows(),
                &sealed_segments(snap),
                &plan,
                &merged.reader,
                merged.reader.vectors(),
            )
        };
        match attempt() {
            Ok((index, record, path)) => Some((
                Arc::new(AttachedIndex {
                    index: attach_persisted(index, &path, &self.config, rows),
                    record: record.clone(),
                    file: FileGuard::new(Arc::clone(&db.options.fs), path),
                }),
                record,
            )),
            Err(e) => {
                warn!(collection = %self.name, error = %e, "index of a merged segment failed; it will be built later");
                None
            }
        }
    }

    fn finish_job(&self, db: &DbInner, key: &JobKey, result: Result<()>, took: Duration) {
        let mut bg = self.bg.lock();
        bg.running.remove(key);
        for s in key.segments() {
            bg.busy.remove(s);
        }
        match result {
            Ok(()) => {
                bg.retry.remove(key);
                debug!(collection = %self.name, job = %key.describe(), ?took, "job done");
            }
            Err(Error::Cancelled) => {}
            Err(e) => {
                let attempts = bg.retry.get(key).map_or(0, |r| r.attempts) + 1;
                let retry_in = backoff(attempts);
                bg.retry.insert(
                    key.clone(),
                    Retry {
                        attempts,
                        not_before: Instant::now() + retry_in,
                        error: e.clone(),
                    },
                );
                bg.counters.jobs_failed += 1;
                warn!(collection = %self.name, job = %key.describe(), error = %e, attempts, "background job failed");
                db.events.emit(Event::JobFailed {
                    collection: self.name.clone(),
                    job: key.describe(),
                    error: e.to_string(),
                    attempts,
                    retry_in,
                });
            }
        }
        drop(bg);
        self.bg_changed.notify_all();
    }

    /// The frozen growing segment `id`, if it still is one.
    fn frozen_segment(&self, id: SegmentId) -> Option<Arc<GrowingSegment>> {
        let (snap, active) = self.snapshot_and_active();
        if id == active {
            return None;
        }
        snap.segment(id).and_then(|v| match &v.data {
            SegmentData::Growing(g) => Some(Arc::clone(g)),
            SegmentData::Sealed(_) => None,
        })
    }

    /// Seal one frozen growing segment: write and verify its file, then commit the catalog change
    /// and swap the segment's data in the snapshot. Row numbers do not change, so the id map and
    /// deletes that arrived meanwhile stay valid.
    pub(crate) fn seal_one(&self, db: &DbInner, g: &Arc<GrowingSegment>) -> Result<()> {
        let _span =
            tracing::info_span!("seal", collection = %self.name, segment = %g.id(), rows = g.len())
                .entered();
        let fs = db.options.fs.as_ref();
        let rows = g.len();
        let ids = g.ids(rows);
        fs.create_dir_all(&self.dir)
            .map_err(|e| Error::from(kiln_storage::Error::io(&self.dir, e)))?;
        let written = write_segment(fs, &self.dir, g.id(), self.config.dim, &ids, |sink| {
            let mut result = Ok(());
            g.for_each_run(rows, |_, _, vectors| {
                if result.is_ok() {
                    result = sink(vectors);
                }
            });
            result
        });
        let (path, info) = written.map_err(|e| db.poison_if_fatal(e))?;
        let sealed = SealedSegment {
            reader: SegmentReader::open(fs, &path, g.id(), self.config.dim, &info)?,
            file: FileGuard::new(Arc::clone(&db.options.fs), path),
        };

        let w = self.writer.lock();
        if self.stopping()
            || self
                .snapshot()
                .segment(g.id())
                .is_none_or(|v| v.is_sealed())
        {
            sealed.file.mark_obsolete();
            return Err(Error::Cancelled);
        }
        let mut batch = db.catalog.batch()?;
        batch.put_segment(self.id, &SegmentMeta::sealed(g.id(), info))?;
        batch.delete_rows(self.id, g.id());
        fail::fail_point!("seal::before_commit");
        Self::commit(db, batch, None, true)?;
        fail::fail_point!("seal::after_commit");
        let sealed = Arc::new(sealed);
        let views = self
            .snapshot()
            .segments
            .iter()
            .map(|v| {
                if v.id == g.id() {
                    SegmentView {
                        data: SegmentData::Sealed(Arc::clone(&sealed)),
                        ..v.clone()
                    }
                } else {
                    v.clone()
                }
            })
            .collect();
        self.publish(&w, views);
        drop(w);
        db.advance_watermark();
        self.bg.lock().counters.seals += 1;
        db.events.emit(Event::SegmentSealed {
            collection: self.name.clone(),
            segment: g.id().0,
            rows,
        });
        debug!(segment = %g.id(), rows, bytes = info.len, "sealed");
        Ok(())
    }

    /// Merge sealed segments `ids` into one new segment without their deleted rows.
    ///
    /// The inputs are read at the snapshot the merge starts from (T0). The commit, under the
    /// writer lock, looks at the rows again (T1): a row deleted or overwritten between T0 and T1
    /// gets a tombstone in the merged segment, every other copied row gets its id map entry
    /// pointed at the merged segment, and the inputs' records go, all in one catalog batch. The
    /// snapshot swaps the inputs for the output in one publish, so no query ever sees an id
    /// missing or twice.
    fn merge(&self, db: &DbInner, ids: &[SegmentId]) -> Result<()> {
        let started = Instant::now();
        let _span =
            tracing::info_span!("merge", collection = %self.name, inputs = ids.len()).entered();
        let snap = self.snapshot();
        let inputs: Vec<SegmentView> = ids
            .iter()
            .filter_map(|id| snap.segment(*id).filter(|v| v.is_sealed()).cloned())
            .collect();
        if inputs.len() != ids.len() {
            return Err(Error::Cancelled);
        }
        let dim = self.config.dim;
        // Rows copied, in input order: (input index, row).
        let mut copied: Vec<(usize, RowId)> = Vec::new();
        let mut out_ids: Vec<u64> = Vec::new();
        for (i, v) in inputs.iter().enumerate() {
            let SegmentData::Sealed(s) = &v.data else {
                return Err(Error::Cancelled);
            };
            let seg_ids = s.reader.ids();
            for row in 0..v.rows {
                let r = row as RowId;
                if !v.deletes.contains(r) {
                    copied.push((i, r));
                    out_ids.push(seg_ids.get(row).copied().unwrap_or_default());
                }
            }
        }
        if out_ids.is_empty() {
            return self.drop_segments(db, ids, started);
        }
        let out_id = SegmentId(db.catalog.reserve_ids(1)?.start);
        let fs = db.options.fs.as_ref();
        let written = write_segment(fs, &self.dir, out_id, dim, &out_ids, |sink| {
            // Runs of consecutive live rows go out as one block.
            let mut start = 0;
            while start < copied.len() {
                let (seg, first) = copied[start];
                let mut end = start + 1;
                while end < copied.len() && copied[end] == (seg, first + (end - start) as RowId) {
                    end += 1;
                }
                let SegmentData::Sealed(s) = &inputs[seg].data else {
                    return Err(std::io::Error::other("input is not sealed"));
                };
                let from = first as usize * dim;
                let to = from + (end - start) * dim;
                let block = s
                    .reader
                    .vectors()
                    .get(from..to)
                    .ok_or_else(|| std::io::Error::other("row out of range"))?;
                sink(block)?;
                if self.stopping() {
                    return Err(std::io::Error::other("cancelled"));
                }
                start = end;
            }
            Ok(())
        });
        if self.stopping() {
            return Err(Error::Cancelled);
        }
        let (path, info) = written.map_err(|e| db.poison_if_fatal(e))?;
        fail::fail_point!("merge::after_file");
        let merged = SealedSegment {
            reader: SegmentReader::open(fs, &path, out_id, dim, &info)?,
            file: FileGuard::new(Arc::clone(&db.options.fs), path),
        };
        let index = if self.stopping() {
            None
        } else {
            self.merged_index(db, &snap, &inputs, &merged)
        };

        let w = self.writer.lock();
        let now = self.snapshot();
        let current: Option<Vec<&SegmentView>> = ids.iter().map(|id| now.segment(*id)).collect();
        let Some(current) = current.filter(|_| !self.stopping()) else {
            merged.file.mark_obsolete();
            if let Some((ix, _)) = &index {
                ix.file.mark_obsolete();
            }
            return Err(Error::Cancelled);
        };
        let mut batch = db.catalog.batch()?;
        batch.put_segment(
            self.id,
            &SegmentMeta {
                id: out_id,
                state: kiln_storage::SegmentState::Sealed(info),
                index: index.as_ref().map(|(_, r)| r.clone()),
            },
        )?;
        for id in ids {
            batch.delete_segment(self.id, *id);
        }
        let mut dead: Vec<RowId> = Vec::new();
        for (m, (&(i, r), &user_id)) in copied.iter().zip(&out_ids).enumerate() {
            let m = m as RowId;
            let deleted_since = current.get(i).is_none_or(|v| v.deletes.contains(r));
            if deleted_since {
                batch.put_tombstone(self.id, out_id, m);
                dead.push(m);
            } else {
                batch.put_location(
                    self.id,
                    user_id,
                    RowLocation {
                        segment: out_id,
                        row: m,
                    },
                );
            }
        }
        fail::fail_point!("merge::before_commit");
        Self::commit(db, batch, None, true)?;
        fail::fail_point!("merge::after_commit");
        let merged = Arc::new(merged);
        let rows = out_ids.len();
        let mut views: Vec<SegmentView> = now
            .segments
            .iter()
            .filter(|v| !ids.contains(&v.id))
            .cloned()
            .collect();
        views.push(
            SegmentView::new(
                out_id,
                SegmentData::Sealed(Arc::clone(&merged)),
                rows,
                DeletionBitmap::from_rows(&dead),
            )
            .with_index(index.map(|(ix, _)| ix)),
        );
        self.publish(&w, views);
        for v in &current {
            if let SegmentData::Sealed(s) = &v.data {
                s.file.mark_obsolete();
            }
            if let Some(ix) = &v.index {
                ix.file.mark_obsolete();
            }
        }
        drop(w);
        db.advance_watermark();
        self.bg.lock().counters.merges += 1;
        let took = started.elapsed();
        info!(output = %out_id, rows, ?took, "merged");
        db.events.emit(Event::MergeFinished {
            collection: self.name.clone(),
            inputs: ids.iter().map(|s| s.0).collect(),
            output: out_id.0,
            rows,
            took,
        });
        Ok(())
    }

    /// A merge whose inputs hold no live row: remove them, write nothing.
    fn drop_segments(&self, db: &DbInner, ids: &[SegmentId], started: Instant) -> Result<()> {
        let w = self.writer.lock();
        let now = self.snapshot();
        let current: Option<Vec<&SegmentView>> = ids.iter().map(|id| now.segment(*id)).collect();
        let Some(current) = current.filter(|_| !self.stopping()) else {
            return Err(Error::Cancelled);
        };
        let mut batch = db.catalog.batch()?;
        for id in ids {
            batch.delete_segment(self.id, *id);
        }
        Self::commit(db, batch, None, true)?;
        let views = now
            .segments
            .iter()
            .filter(|v| !ids.contains(&v.id))
            .cloned()
            .collect();
        self.publish(&w, views);
        for v in &current {
            if let SegmentData::Sealed(s) = &v.data {
                s.file.mark_obsolete();
            }
            if let Some(ix) = &v.index {
                ix.file.mark_obsolete();
            }
        }
        drop(w);
        self.bg.lock().counters.merges += 1;
        info!(inputs = ids.len(), took = ?started.elapsed(), "dropped fully deleted segments");
        Ok(())
    }

    /// Whether the collection is being dropped or the database closed.
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Has background work left: frozen segments, running jobs, or merges due.
    pub(crate) fn has_pending_work(&self, db: &DbInner) -> bool {
        let (snap, active) = self.snapshot_and_active();
        let bg = self.bg.lock();
        if !bg.running.is_empty() {
            return true;
        }
        if snap
            .segments
            .iter()
            .any(|v| !v.is_sealed() && v.id != active)
        {
            return true;
        }
        if snap
            .segments
            .iter()
            .any(|v| v.is_sealed() && v.index.is_none() && self.needs_index(db, v.rows))
        {
            return true;
        }
        let inputs: Vec<MergeInput> = snap
            .segments
            .iter()
            .filter(|v| v.is_sealed())
            .map(|v| MergeInput {
                id: v.id,
                rows: v.rows,
                deleted: v.deletes.count(),
            })
            .collect();
        !self.policy.compute_merge_candidates(&inputs).is_empty()
    }

    /// A job that keeps failing, for `wait_for_indexing` to report instead of waiting forever.
    pub(crate) fn persistent_failure(&self, min_attempts: u32) -> Option<(String, String)> {
        let bg = self.bg.lock();
        bg.retry
            .iter()
            .find(|(_, r)| r.attempts >= min_attempts)
            .map(|(k, r)| (k.describe(), r.error.to_string()))
    }

    /// The error of a seal that failed at least `min_attempts` times in a row: a writer stalled
    /// behind unsealed segments gets it (e.g. `DiskFull`) instead of waiting forever.
    pub(crate) fn failing_seal(&self, min_attempts: u32) -> Option<Error> {
        let bg = self.bg.lock();
        bg.retry
            .iter()
            .find(|(k, r)| matches!(k, JobKey::Seal(_)) && r.attempts >= min_attempts)
            .map(|(_, r)| r.error.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(5), Duration::from_millis(1600));
        assert_eq!(backoff(30), Duration::from_secs(30));
    }
}
