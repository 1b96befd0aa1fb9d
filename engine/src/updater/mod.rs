//! [`SegmentUpdater`]: the only writer of a collection's state.
//!
//! Every change of collection state — a write, a delete, a freeze, and the commit of a
//! background job (seal, attach index, merge) — happens here, under the writer lock, and ends
//! by publishing a new `Arc<Snapshot>`. [`Snapshot`]s are published only through
//! [`SegmentUpdater::publish`], which takes the [`Writer`] token that only
//! [`SegmentUpdater::lock_writer`] hands out: one updater per collection is a property of the
//! types, not a convention. Queries, stats and the scheduler only clone the published `Arc`.
//!
//! - `load`: a collection loaded from the catalog at first use.
//! - `follow`: a read-only database's collections, loaded from the follower catalog and
//!   rebuilt from it at every refresh (the refresh is the one updater of a read-only
//!   database).
//! - `write`: inserts, upserts, deletes, freezing the active segment; the placement of a batch
//!   across growing segments.
//! - `schedule`: which jobs are due, claiming and running them, `flush`'s seals,
//!   `wait_for_indexing`, backpressure.
//! - `stats`: what `Collection::stats` reports.

mod follow;
mod load;
mod schedule;
mod stats;
mod write;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard, RwLock};

use kiln_storage::attrs::{FieldType, Payload, Schema};
use kiln_storage::catalog::CollectionRecord;
use kiln_storage::GrowingSegment;

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::indexing::{plan_for, Templates};
use crate::jobs::{Change, JobBoard, JobCtx, JobEnd};
use crate::meta::{CollectionInfo, StopSignal};
use crate::snapshot::{SegmentView, Snapshot};

pub(crate) use follow::{Attempt, Rebuild};
pub(crate) use write::WriteMode;

/// The updater of one collection.
pub(crate) struct SegmentUpdater {
    pub(crate) info: CollectionInfo,
    state: Mutex<WriterState>,
    published: RwLock<Arc<Snapshot>>,
    /// Claims, retries and counters of the collection's background jobs.
    board: Arc<JobBoard>,
    /// The trained IVF template(s).
    templates: Templates,
    /// Set when the collection is dropped or the database closes.
    stop: StopSignal,
    dropped: AtomicBool,
    /// Read-only databases: index files found damaged, by name, not loaded again.
    unusable_indexes: Mutex<HashSet<String>>,
}

/// What only the writer changes: the collection record and its active growing segment.
struct WriterState {
    record: CollectionRecord,
    active: Arc<GrowingSegment>,
}

/// Proof that the writer lock is held; the only way to publish a snapshot.
pub(crate) struct Writer<'a>(MutexGuard<'a, WriterState>);

impl SegmentUpdater {
    /// Take the writer lock.
    fn lock_writer(&self) -> Writer<'_> {
        Writer(self.state.lock())
    }

    /// The snapshot queries see now.
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.published.read())
    }

    /// Replace the published snapshot with one of `segments`. The new snapshot is built before
    /// and the old one dropped after the swap, so readers hold the lock only to clone an `Arc`.
    fn publish(&self, writer: &mut Writer<'_>, segments: Vec<SegmentView>) {
        let schema = Arc::clone(&self.published.read().schema);
        self.publish_with(writer, segments, schema);
    }

    /// `publish`, with the collection's fields changed to `schema`.
    fn publish_with(
        &self,
        writer: &mut Writer<'_>,
        segments: Vec<SegmentView>,
        schema: Arc<Schema>,
    ) {
        self.publish_at(writer, segments, schema, 0);
    }

    /// `publish_with`, recording the follower catalog's sequence number the snapshot was built
    /// from (read-only databases; 0 in the writer).
    fn publish_at(
        &self,
        _writer: &mut Writer<'_>,
        segments: Vec<SegmentView>,
        schema: Arc<Schema>,
        catalog_seq: u64,
    ) {
        let version = self.published.read().version + 1;
        let next = Arc::new(Snapshot::new(version, segments, schema).at_catalog_seq(catalog_seq));
        let old = std::mem::replace(&mut *self.published.write(), next);
        drop(old);
        self.board.notify();
    }

    /// What a job of this collection runs with.
    fn ctx<'a>(&'a self, core: &'a DbCore) -> JobCtx<'a> {
        JobCtx {
            core,
            coll: &self.info,
            templates: &self.templates,
            stop: &self.stop,
        }
    }

    /// Commit a finished job's change: under the writer lock, re-validate it against the
    /// current snapshot, commit its catalog batch, publish. A change that no longer applies
    /// (or a collection that is stopping) is abandoned, which collects the files it wrote;
    /// after a failed commit nothing is collected (the outcome is ambiguous).
    fn commit_change<C: Change>(&self, core: &DbCore, mut change: C) -> Result<JobEnd> {
        let mut w = self.lock_writer();
        let current = self.snapshot();
        if self.stop.is_set() {
            change.abandon();
            return Ok(JobEnd::Cancelled);
        }
        let mut batch = core.catalog.batch()?;
        let views = match change.prepare(self.info.id, &current, &mut batch) {
            Ok(Some(views)) => views,
            Ok(None) => {
                change.abandon();
                return Ok(JobEnd::Cancelled);
            }
            Err(e) => {
                change.abandon();
                return Err(e);
            }
        };
        fail::fail_point!(C::BEFORE_COMMIT);
        core.commit(batch, None, true)?;
        fail::fail_point!(C::AFTER_COMMIT);
        self.publish(&mut w, views);
        drop(w);
        core.advance_watermark();
        change.committed(&self.ctx(core), &self.board);
        Ok(JobEnd::Done)
    }

    /// `Err(CollectionNotFound)` once the collection was dropped.
    pub(crate) fn check_live(&self) -> Result<()> {
        if self.dropped.load(Ordering::Acquire) {
            return Err(Error::CollectionNotFound {
                name: self.info.name.clone(),
            });
        }
        Ok(())
    }

    /// `check_live`, and the database must accept writes (not read-only, not poisoned).
    pub(crate) fn check_writable(&self, core: &DbCore) -> Result<()> {
        if core.is_read_only() {
            return Err(Error::ReadOnly);
        }
        self.check_live()?;
        core.check_poisoned()
    }

    /// The live vector of `id`. The id map is read after the snapshot, so it may be ahead of
    /// it (a write between its commit and its publish), never behind; under the writer lock
    /// the two agree.
    pub(crate) fn get(&self, core: &DbCore, id: u64) -> Result<Option<Vec<f32>>> {
        if core.is_read_only() {
            let snap = self.snapshot();
            let loc = self.locate_followed(core, &snap, id)?;
            return Ok(loc.and_then(|(seg, row)| snap.segment(seg)?.live_vector(row)));
        }
        let lookup = || -> Result<Option<Vec<f32>>> {
            let snap = self.snapshot();
            let Some(loc) = core.catalog.location(self.info.id, id)? else {
                return Ok(None);
            };
            Ok(snap
                .segment(loc.segment)
                .and_then(|s| s.live_vector(loc.row)))
        };
        if let Some(v) = lookup()? {
            return Ok(Some(v));
        }
        let _w = self.lock_writer();
        lookup()
    }

    /// The attributes of `id` as a payload, or `None` if it is not live (same consistency as
    /// `get`).
    pub(crate) fn get_payload(&self, core: &DbCore, id: u64) -> Result<Option<Payload>> {
        if core.is_read_only() {
            let snap = self.snapshot();
            return match self.locate_followed(core, &snap, id)? {
                Some((seg, row)) => match snap.segment(seg) {
                    Some(s) => s.live_payload(row, &snap.schema),
                    None => Ok(None),
                },
                None => Ok(None),
            };
        }
        let lookup = || -> Result<Option<Payload>> {
            let snap = self.snapshot();
            let Some(loc) = core.catalog.location(self.info.id, id)? else {
                return Ok(None);
            };
            match snap.segment(loc.segment) {
                Some(s) => s.live_payload(loc.row, &snap.schema),
                None => Ok(None),
            }
        };
        if let Some(p) = lookup()? {
            return Ok(Some(p));
        }
        let _w = self.lock_writer();
        lookup()
    }

    /// Append field `name` of type `ty`: one catalog commit of the collection record, then a
    /// snapshot with the new fields. Rows written before have it null.
    pub(crate) fn add_field(&self, core: &DbCore, name: &str, ty: FieldType) -> Result<()> {
        let mut w = self.lock_writer();
        self.check_writable(core)?;
        let current = self.snapshot();
        let mut schema = Schema::clone(&current.schema);
        schema.add_field(name, ty)?;
        let mut config = self.info.config.clone();
        config.fields = schema.fields().to_vec();
        let mut record = w.0.record.clone();
        record.config =
            serde_json::to_string(&config).map_err(|e| Error::invalid(e.to_string()))?;
        let mut batch = core.catalog.batch()?;
        batch.put_collection(&record)?;
        core.commit(batch, None, true)?;
        w.0.record = record;
        self.publish_with(&mut w, current.segments.to_vec(), Arc::new(schema));
        Ok(())
    }

    /// Whether a sealed segment of `rows` rows should get an index.
    fn needs_index(&self, core: &DbCore, rows: usize) -> bool {
        plan_for(core, &self.info.config, &self.templates, rows).is_some()
    }

    /// Ask background jobs to stop (the database is closing) and wake whoever waits.
    pub(crate) fn stop(&self) {
        self.stop.set();
        self.board.notify();
    }

    /// Run `commit` (the catalog change that drops the collection) once no job runs and with
    /// the writer lock held, and mark the collection dropped if it succeeds: every handle
    /// fails from then on.
    pub(crate) fn drop_with(&self, commit: impl FnOnce() -> Result<()>) -> Result<()> {
        self.stop.set();
        self.board.wait_idle();
        let w = self.lock_writer();
        if let Err(e) = commit() {
            self.stop.clear();
            return Err(e);
        }
        self.dropped.store(true, Ordering::Release);
        drop(w);
        Ok(())
    }
}
