//! The build job: a sealed segment's Faiss index built, persisted as a derived file and
//! attached to the segment.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::info;

use kiln_index::IndexPlan;
use kiln_storage::catalog::{IndexRecord, SegmentMeta};
use kiln_storage::{CatalogBatch, CollectionId, SegmentId, SegmentReader, SegmentState};

use crate::error::Result;
use crate::events::Event;
use crate::gc::FileGuard;
use crate::indexing::{
    attach_persisted, build_index, plan_for, settled_plan, AttachedIndex, Persisted,
};
use crate::jobs::{Change, JobBoard, JobCtx};
use crate::snapshot::{SealedSegment, SegmentData, SegmentView, Snapshot};

/// Build the index of one sealed segment.
#[derive(Debug)]
pub(crate) struct BuildJob {
    id: SegmentId,
    rows: usize,
    segment: Arc<SealedSegment>,
    plan: IndexPlan,
    /// The snapshot the build was planned from: template training samples its sealed rows.
    snap: Arc<Snapshot>,
}

impl BuildJob {
    /// The build of segment `id`, if it is sealed without index in `snap` and its size calls
    /// for one.
    pub(crate) fn plan(ctx: &JobCtx<'_>, snap: &Arc<Snapshot>, id: SegmentId) -> Option<BuildJob> {
        let v = snap.segment(id)?;
        let SegmentData::Sealed {
            segment,
            index: None,
        } = &v.data
        else {
            return None;
        };
        let plan = segment
            .settled
            .then(|| settled_plan(ctx.core, &ctx.coll.config, v.rows))
            .flatten()
            .or_else(|| plan_for(ctx.core, &ctx.coll.config, ctx.templates, v.rows))?;
        Some(BuildJob {
            id,
            rows: v.rows,
            segment: Arc::clone(segment),
            plan,
            snap: Arc::clone(snap),
        })
    }

    /// Build and persist the index.
    pub(crate) fn run(self, ctx: &JobCtx<'_>) -> Result<Option<Built>> {
        let _span = tracing::info_span!("build", collection = %ctx.coll.name, segment = %self.id, kind = self.plan.kind().name(), rows = self.rows).entered();
        if ctx.stop.is_set() {
            return Ok(None);
        }
        let started = Instant::now();
        let (index, record) = build_attached(ctx, &self.snap, &self.plan, &self.segment.reader)?;
        Ok(Some(Built {
            id: self.id,
            rows: self.rows,
            segment: self.segment,
            index,
            record,
            took: started.elapsed(),
        }))
    }
}

/// Build the index of `reader`'s rows under `plan`, persist it and attach it (mapped).
pub(crate) fn build_attached(
    ctx: &JobCtx<'_>,
    snap: &Snapshot,
    plan: &IndexPlan,
    reader: &SegmentReader,
) -> Result<(Arc<AttachedIndex>, IndexRecord)> {
    let coll = ctx.coll;
    let (index, persisted) = build_index(
        ctx.core,
        coll.id,
        &coll.dir,
        &coll.config,
        ctx.templates,
        snap.total_rows(),
        &snap.sealed_readers(),
        plan,
        reader,
        reader.vectors(),
    )?;
    Ok(attached(ctx, index, persisted, reader.rows()))
}

/// A persisted index (at `path`, described by `record`) attached for searching.
pub(crate) fn attached(
    ctx: &JobCtx<'_>,
    index: kiln_index::SegmentIndex,
    persisted: Persisted,
    rows: usize,
) -> (Arc<AttachedIndex>, IndexRecord) {
    let Persisted {
        record,
        path,
        lists,
    } = persisted;
    (
        Arc::new(
            AttachedIndex::new(
                attach_persisted(index, &path, &ctx.coll.config, rows),
                record.clone(),
                FileGuard::new(&ctx.core.collector, path),
            )
            .with_lists(lists),
        ),
        record,
    )
}

/// A built and persisted index, to be attached.
#[derive(Debug)]
pub(crate) struct Built {
    id: SegmentId,
    rows: usize,
    /// The segment the index was built from: it is attached only to that very segment.
    segment: Arc<SealedSegment>,
    index: Arc<AttachedIndex>,
    record: IndexRecord,
    took: Duration,
}

impl Change for Built {
    const BEFORE_COMMIT: &'static str = "build::before_commit";
    const AFTER_COMMIT: &'static str = "build::after_commit";

    fn prepare(
        &mut self,
        coll: CollectionId,
        current: &Snapshot,
        batch: &mut CatalogBatch<'_>,
    ) -> Result<Option<Vec<SegmentView>>> {
        let still = current.segment(self.id).is_some_and(|v| {
            v.index().is_none() && v.sealed().is_some_and(|s| Arc::ptr_eq(s, &self.segment))
        });
        if !still {
            return Ok(None);
        }
        batch.put_segment(
            coll,
            &SegmentMeta {
                id: self.id,
                state: SegmentState::Sealed(*self.segment.reader.info()),
                index: Some(self.record.clone()),
            },
        )?;
        Ok(Some(
            current
                .segments
                .iter()
                .map(|v| {
                    if v.id == self.id {
                        v.with_index(Some(Arc::clone(&self.index)))
                    } else {
                        v.clone()
                    }
                })
                .collect(),
        ))
    }

    fn committed(self, ctx: &JobCtx<'_>, board: &JobBoard) {
        board.count(|c| c.indexes_built += 1);
        let kind = self.index.kind().name();
        ctx.core.events.emit(Event::IndexBuilt {
            collection: ctx.coll.name.clone(),
            segment: self.id.0,
            kind: kind.to_string(),
            rows: self.rows,
            took: self.took,
        });
        info!(segment = %self.id, kind, rows = self.rows, took = ?self.took, "index built");
    }

    fn abandon(self) {
        // A fresh file (new id) that no catalog record names.
        self.index.file.mark_obsolete();
    }
}
