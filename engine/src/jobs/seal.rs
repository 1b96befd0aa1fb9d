//! The seal job: a frozen growing segment's rows written into an immutable segment file.
//!
//! Row numbers do not change, so the id map and the deletes that arrive while the file is
//! written stay valid; the commit swaps the segment's data in the snapshot and deletes its rows
//! from the row log in the same catalog batch.

use std::sync::Arc;

use tracing::debug;

use kiln_storage::attrs::{encode_columns, CheckedRow, Schema};
use kiln_storage::catalog::SegmentMeta;
use kiln_storage::segment::write_segment;
use kiln_storage::{CatalogBatch, CollectionId, GrowingSegment, SegmentFileInfo, SegmentId};

use crate::error::{Error, Result};
use crate::events::Event;
use crate::jobs::{open_written, Change, JobBoard, JobCtx};
use crate::snapshot::{SealedSegment, SegmentData, SegmentView, Snapshot};

/// Seal one frozen segment.
#[derive(Debug)]
pub(crate) struct SealJob {
    segment: Arc<GrowingSegment>,
    /// The collection's fields: the attribute section is written with them.
    schema: Arc<Schema>,
}

impl SealJob {
    /// The seal of segment `id`, if it is frozen in `snap`.
    pub(crate) fn plan(snap: &Snapshot, id: SegmentId) -> Option<SealJob> {
        match &snap.segment(id)?.data {
            SegmentData::Frozen(g) => Some(SealJob {
                segment: Arc::clone(g),
                schema: Arc::clone(&snap.schema),
            }),
            _ => None,
        }
    }

    /// The rows' attribute section, or `None` when no row has an attribute (the file is then
    /// exactly what builds before attributes wrote).
    fn attribute_section(&self, rows: usize) -> Result<Option<Vec<u8>>> {
        let mut attrs: Vec<CheckedRow> = Vec::with_capacity(rows);
        self.segment
            .for_each_run_with(rows, |_, _, _, a| attrs.extend(a.iter().cloned()));
        if attrs.iter().all(CheckedRow::is_all_null) {
            return Ok(None);
        }
        Ok(Some(encode_columns(&self.schema, &attrs)?))
    }

    /// Write and verify the segment file. Its rows are all there: a frozen segment takes no
    /// more rows.
    pub(crate) fn run(self, ctx: &JobCtx<'_>) -> Result<Option<Sealed>> {
        let g = &self.segment;
        let (coll, fs) = (ctx.coll, ctx.core.options.fs.as_ref());
        let _span =
            tracing::info_span!("seal", collection = %coll.name, segment = %g.id(), rows = g.len())
                .entered();
        if ctx.stop.is_set() {
            return Ok(None);
        }
        let rows = g.len();
        let ids = g.ids(rows);
        let section = self.attribute_section(rows)?;
        fs.create_dir_all(&coll.dir)
            .map_err(|e| Error::from(kiln_storage::Error::io(&coll.dir, e)))?;
        let dim = coll.config.dim;
        let written = write_segment(
            fs,
            &coll.dir,
            g.id(),
            dim,
            &ids,
            section.as_deref(),
            |sink| {
                let mut result = Ok(());
                g.for_each_run(rows, |_, _, vectors| {
                    if result.is_ok() {
                        result = sink(vectors);
                    }
                });
                result
            },
        );
        let (path, info) = written.map_err(|e| ctx.core.poison_if_fatal(e))?;
        let segment = open_written(ctx, path, g.id(), &info)?;
        Ok(Some(Sealed {
            id: g.id(),
            rows,
            info,
            segment: Arc::new(segment),
            collectable: true,
        }))
    }
}

/// A written segment file, to be committed.
#[derive(Debug)]
pub(crate) struct Sealed {
    id: SegmentId,
    rows: usize,
    info: SegmentFileInfo,
    segment: Arc<SealedSegment>,
    /// Whether `abandon` may delete the file: false once the current state shows the segment
    /// sealed, since the catalog then names `<id>.seg` (which the claim makes impossible; this
    /// is the second line of defence).
    collectable: bool,
}

impl Change for Sealed {
    const BEFORE_COMMIT: &'static str = "seal::before_commit";
    const AFTER_COMMIT: &'static str = "seal::after_commit";

    fn prepare(
        &mut self,
        coll: CollectionId,
        current: &Snapshot,
        batch: &mut CatalogBatch<'_>,
    ) -> Result<Option<Vec<SegmentView>>> {
        match current.segment(self.id).map(|v| &v.data) {
            Some(SegmentData::Frozen(_)) => {}
            Some(SegmentData::Sealed { .. }) => {
                self.collectable = false;
                return Ok(None);
            }
            _ => return Ok(None),
        }
        batch.put_segment(coll, &SegmentMeta::sealed(self.id, self.info))?;
        batch.delete_rows(coll, self.id);
        Ok(Some(
            current
                .segments
                .iter()
                .map(|v| {
                    if v.id == self.id {
                        v.sealed_as(Arc::clone(&self.segment))
                    } else {
                        v.clone()
                    }
                })
                .collect(),
        ))
    }

    fn committed(self, ctx: &JobCtx<'_>, board: &JobBoard) {
        board.count(|c| c.seals += 1);
        ctx.core.events.emit(Event::SegmentSealed {
            collection: ctx.coll.name.clone(),
            segment: self.id.0,
            rows: self.rows,
        });
        debug!(segment = %self.id, rows = self.rows, bytes = self.info.len, "sealed");
    }

    fn abandon(self) {
        if self.collectable {
            self.segment.file.mark_obsolete();
        }
    }
}
