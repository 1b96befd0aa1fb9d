//! The merge job: sealed segments merged into one new segment without their deleted rows (or
//! one segment rewritten alone, when deletes triggered it), index and all.
//!
//! The inputs are read at the snapshot the merge was planned from (T0). The commit, under the
//! writer lock, looks at the rows again (T1): a row deleted or overwritten between T0 and T1
//! gets a tombstone in the merged segment, every other copied row gets its id map entry pointed
//! at the merged segment, and the inputs' records go, all in one catalog batch. The snapshot
//! swaps the inputs for the output in one publish, so no query ever sees an id missing or
//! twice.
//!
//! ```text
//! T0: A = [a0 a1 a2✗]  B = [b0 b1]        merged M = [a0 a1 b0 b1]   (a2 deleted before T0)
//! T1: b0 deleted meanwhile               commit: M with tombstone at row 2, idmap a0 a1 b1 → M
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{info, warn};

use kiln_index::{ExpectedIndex, IndexPlan, SegmentIndex};
use kiln_storage::attrs::{encode_columns, CheckedRow};
use kiln_storage::catalog::{IndexRecord, SegmentMeta};
use kiln_storage::segment::write_segment;
use kiln_storage::{CatalogBatch, CollectionId, DeletionBitmap, RowId, RowLocation, SegmentId};
use kiln_storage::{SegmentFileInfo, SegmentState};

use crate::error::Result;
use crate::events::Event;
use crate::indexing::{
    curve_settings, measure_curve, merge_indexes, persist_index, plan_for, settled_plan,
    AttachedIndex,
};
use crate::jobs::build::{attached, build_attached};
use crate::jobs::{open_written, Change, JobBoard, JobCtx};
use crate::snapshot::{SealedSegment, SegmentAttrs, SegmentData, SegmentView, Snapshot};

/// Merge sealed segments.
#[derive(Debug)]
pub(crate) struct MergeJob {
    ids: Vec<SegmentId>,
    /// The inputs as of T0, in `ids` order.
    inputs: Vec<SegmentView>,
    snap: Arc<Snapshot>,
    /// Asked for by `compact()`: the merged segment is settled.
    compaction: bool,
}

/// What a merge produced.
pub(crate) enum MergeOutput {
    /// A merged segment to commit (boxed: it carries the index record with its curve).
    Merged(Box<Merged>),
    /// The inputs hold no live row: they are removed and nothing is written.
    Dropped(Dropped),
}

impl MergeJob {
    /// The merge of `ids`, if every one is sealed in `snap`.
    pub(crate) fn plan(
        snap: &Arc<Snapshot>,
        ids: &[SegmentId],
        compaction: bool,
    ) -> Option<MergeJob> {
        let inputs: Option<Vec<SegmentView>> = ids
            .iter()
            .map(|id| snap.segment(*id).filter(|v| v.is_sealed()).cloned())
            .collect();
        Some(MergeJob {
            ids: ids.to_vec(),
            inputs: inputs?,
            snap: Arc::clone(snap),
            compaction,
        })
    }

    /// Write the merged segment file and its index.
    pub(crate) fn run(self, ctx: &JobCtx<'_>) -> Result<Option<MergeOutput>> {
        let started = Instant::now();
        let _span =
            tracing::info_span!("merge", collection = %ctx.coll.name, inputs = self.ids.len())
                .entered();
        let (copied, out_ids) = live_rows(&self.inputs, graph_input(&self.inputs));
        if out_ids.is_empty() {
            return Ok(Some(MergeOutput::Dropped(Dropped {
                ids: self.ids,
                replaced: Vec::new(),
                started,
            })));
        }
        let out_id = SegmentId(ctx.core.catalog.reserve_ids(1)?.start);
        let Some((path, info)) = self.write(ctx, out_id, &copied, &out_ids)? else {
            return Ok(None);
        };
        fail::fail_point!("merge::after_file");
        let settled = self.settles(ctx, out_ids.len());
        let merged = Arc::new(open_written(ctx, path, out_id, &info)?.settled(settled));
        let index = if ctx.stop.is_set() {
            None
        } else {
            self.index(ctx, &merged)
        };
        Ok(Some(MergeOutput::Merged(Box::new(Merged {
            ids: self.ids,
            out_id,
            info,
            merged,
            index,
            copied,
            out_ids,
            replaced: Vec::new(),
            dead: Vec::new(),
            started,
        }))))
    }

    /// Write the live rows into segment `out_id`; `None` when the job was asked to stop.
    fn write(
        &self,
        ctx: &JobCtx<'_>,
        out_id: SegmentId,
        copied: &[(usize, RowId)],
        out_ids: &[u64],
    ) -> Result<Option<(std::path::PathBuf, SegmentFileInfo)>> {
        let dim = ctx.coll.config.dim;
        let fs = ctx.core.options.fs.as_ref();
        let section = self.attribute_section(copied)?;
        let written = write_segment(
            fs,
            &ctx.coll.dir,
            out_id,
            dim,
            out_ids,
            section.as_deref(),
            |sink| {
                for (input, first, count) in runs(copied) {
                    let block = self
                        .inputs
                        .get(input)
                        .and_then(SegmentView::sealed)
                        .and_then(|s| {
                            let from = first as usize * dim;
                            s.reader.vectors().get(from..from + count * dim)
                        })
                        .ok_or_else(|| std::io::Error::other("merge input row out of range"))?;
                    sink(block)?;
                    if ctx.stop.is_set() {
                        return Err(std::io::Error::other("cancelled"));
                    }
                }
                Ok(())
            },
        );
        if ctx.stop.is_set() {
            return Ok(None);
        }
        written.map(Some).map_err(|e| ctx.core.poison_if_fatal(e))
    }

    /// The copied rows' attribute section, or `None` when no input has one.
    fn attribute_section(&self, copied: &[(usize, RowId)]) -> Result<Option<Vec<u8>>> {
        let schema = &self.snap.schema;
        let attrs: Vec<Option<&Arc<SegmentAttrs>>> = self
            .inputs
            .iter()
            .map(|v| match v.sealed() {
                Some(s) => s.attrs(schema),
                None => Ok(None),
            })
            .collect::<Result<_>>()?;
        if attrs.iter().all(Option::is_none) {
            return Ok(None);
        }
        let rows = copied
            .iter()
            .map(|&(i, r)| match attrs.get(i).copied().flatten() {
                Some(a) => a.columns.row(r),
                None => CheckedRow::default(),
            });
        Ok(Some(encode_columns(schema, rows)?))
    }

    /// Whether the merged segment is settled, so that the Auto rule gives it a graph
    /// ([`settled_plan`]): `compact()` asked for the merge, the merged segment is final by the
    /// merge policy (no tier merge takes it again), or an input already has a graph (a
    /// rewrite without deleted rows stays a graph).
    fn settles(&self, ctx: &JobCtx<'_>, rows: usize) -> bool {
        let final_rows = ctx.coll.policy.max_segment_rows / 2;
        self.compaction
            || (final_rows > 0 && rows >= final_rows)
            || self
                .inputs
                .iter()
                .any(|v| v.index().is_some_and(|i| i.kind().is_hnsw()))
    }

    /// The merged segment's index: a graph when it settles under the Auto rule
    /// ([`settled_plan`]), else list concatenation when every input has an IVF index of the
    /// same template, else a build from the merged rows; `None` when the merged segment needs
    /// no index or building failed (reported; a build job retries later).
    fn index(&self, ctx: &JobCtx<'_>, merged: &SealedSegment) -> Option<MergedIndex> {
        let rows = merged.reader.rows();
        let settled = merged
            .settled
            .then(|| settled_plan(ctx.core, &ctx.coll.config, rows))
            .flatten();
        let plan = settled.or_else(|| plan_for(ctx.core, &ctx.coll.config, ctx.templates, rows))?;
        let attempt = || -> Result<MergedIndex> {
            if plan.kind().is_ivf() {
                if let Some((index, template)) = self.concatenated(ctx)? {
                    let curve =
                        measure_curve(&index, ctx.coll.config.metric, merged.reader.vectors())?;
                    let persisted = persist_index(
                        ctx.core,
                        &ctx.coll.dir,
                        &ctx.coll.config,
                        &index,
                        &merged.reader,
                        template,
                        curve.as_ref(),
                    )?;
                    let (index, record) = attached(ctx, index, persisted, rows);
                    return Ok(MergedIndex {
                        index,
                        record,
                        made: Made::Concatenated,
                    });
                }
            }
            if plan.kind().is_hnsw() {
                if let Some(grown) = self.grown_graph(ctx, &plan, merged)? {
                    return Ok(grown);
                }
            }
            let (index, record) = build_attached(ctx, &self.snap, &plan, &merged.reader)?;
            Ok(MergedIndex {
                index,
                record,
                made: Made::Built,
            })
        };
        attempt()
            .inspect_err(|e| warn!(collection = %ctx.coll.name, error = %e, "index of a merged segment failed; it will be built later"))
            .ok()
    }

    /// The largest graph input's graph with the other inputs' rows inserted
    /// ([`SegmentIndex::extend_measured`]: the largest input's graph is kept instead of a build
    /// from nothing), when that input's graph is of the plan's kind over all of its rows and
    /// none of them was deleted at T0 (its rows are the merged segment's first rows, in order,
    /// see `live_rows`: graph labels stay row numbers), it holds at least half the merged rows,
    /// and — for SQ8 codes, whose ranges were trained on its rows — every other row lies
    /// within its rows' range in each component, give or take [`RANGE_SLACK`]. `None`
    /// otherwise: the caller builds from the merged rows.
    ///
    /// Rows deleted later are excluded by the deletion bitmap as in any index, until a rewrite
    /// (the deletes-triggered merge of one segment) builds the graph anew without them.
    fn grown_graph(
        &self,
        ctx: &JobCtx<'_>,
        plan: &IndexPlan,
        merged: &SealedSegment,
    ) -> Result<Option<MergedIndex>> {
        let Some(first) = graph_input(&self.inputs).and_then(|i| self.inputs.get(i)) else {
            return Ok(None);
        };
        let Some(ix) = first.index() else {
            return Ok(None);
        };
        let rows = merged.reader.rows();
        let have = first.rows;
        let config = &ctx.coll.config;
        let dim = config.dim;
        let vectors = merged.reader.vectors();
        let reusable = ix.kind() == plan.kind()
            && first.deletes.is_empty()
            && ix.index().info().rows == have
            && have < rows
            && have.saturating_mul(2) >= rows
            && (!plan.kind().approximate_distances() || within_range(vectors, dim, have));
        if !reusable {
            return Ok(None);
        }
        let expected = ExpectedIndex {
            dim,
            rows: have,
            metric: config.metric,
        };
        let base = ix.mergeable_copy(&ctx.coll.dir, &expected)?;
        let started = Instant::now();
        // A curve measured on the inserted rows needs as many of them as a build holds out;
        // fewer barely change the graph, whose own curve then still speaks for it.
        let settings = curve_settings();
        let (index, curve) = if rows - have >= settings.sample.min(rows / 10) {
            SegmentIndex::extend_measured(base, vectors, &settings)?
        } else {
            (SegmentIndex::extend(base, vectors)?, ix.curve.clone())
        };
        info!(collection = %ctx.coll.name, kept = have, inserted = rows - have, took = ?started.elapsed(), "merged graph grown from its largest input");
        let persisted = persist_index(
            ctx.core,
            &ctx.coll.dir,
            &ctx.coll.config,
            &index,
            &merged.reader,
            None,
            curve.as_ref(),
        )?;
        let (index, record) = attached(ctx, index, persisted, rows);
        Ok(Some(MergedIndex {
            index,
            record,
            made: Made::Grown,
        }))
    }

    /// The inputs' IVF indexes concatenated, if every input has one on the same template.
    fn concatenated(&self, ctx: &JobCtx<'_>) -> Result<Option<(SegmentIndex, Option<u64>)>> {
        let parts: Option<Vec<_>> = self
            .inputs
            .iter()
            .map(|v| {
                v.index()
                    .map(|i| (Arc::clone(i), v.rows, v.exclude().clone()))
            })
            .collect();
        match parts {
            Some(parts) => merge_indexes(&ctx.coll.dir, &ctx.coll.config, &parts),
            None => Ok(None),
        }
    }
}

/// How far past the range of the kept graph's rows (as a share of that range, per component)
/// an inserted row may lie: SQ8 codes clip it to the range, an error the exact re-ranking
/// absorbs for a few outlying components, not for rows of another distribution.
const RANGE_SLACK: f32 = 0.1;

/// Whether every row of `vectors` (rows of `dim` floats) after the first `head` lies, in each
/// component, within the range the first `head` rows span widened by [`RANGE_SLACK`]: what
/// SQ8 codes trained on those rows represent with little clipping.
fn within_range(vectors: &[f32], dim: usize, head: usize) -> bool {
    if dim == 0 || head == 0 {
        return false;
    }
    let (base, rest) = vectors.split_at((head * dim).min(vectors.len()));
    let mut lo = vec![f32::INFINITY; dim];
    let mut hi = vec![f32::NEG_INFINITY; dim];
    for row in base.chunks_exact(dim) {
        for ((l, h), &x) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
            *l = l.min(x);
            *h = h.max(x);
        }
    }
    for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
        let slack = (*h - *l) * RANGE_SLACK;
        *l -= slack;
        *h += slack;
    }
    rest.chunks_exact(dim).all(|row| {
        row.iter()
            .zip(lo.iter().zip(&hi))
            .all(|(&x, (&l, &h))| x >= l && x <= h)
    })
}

/// The input whose graph a merge may keep (the largest input with a graph index), if any.
fn graph_input(inputs: &[SegmentView]) -> Option<usize> {
    inputs
        .iter()
        .enumerate()
        .filter(|(_, v)| v.index().is_some_and(|i| i.kind().is_hnsw()))
        .max_by_key(|(i, v)| (v.rows, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

/// The live rows of `inputs`, as (input index, row), with their user ids: input `lead`'s
/// first (so that a graph kept from it finds its rows at the same row numbers), then the
/// others in input order.
fn live_rows(inputs: &[SegmentView], lead: Option<usize>) -> (Vec<(usize, RowId)>, Vec<u64>) {
    let mut copied = Vec::new();
    let mut out_ids = Vec::new();
    let order = lead
        .into_iter()
        .chain((0..inputs.len()).filter(|&i| Some(i) != lead));
    for i in order {
        let Some(v) = inputs.get(i) else { continue };
        let Some(s) = v.sealed() else { continue };
        let ids = s.reader.ids();
        for row in 0..v.rows {
            let r = row as RowId;
            if !v.deletes.contains(r) {
                if let Some(&id) = ids.get(row) {
                    copied.push((i, r));
                    out_ids.push(id);
                }
            }
        }
    }
    (copied, out_ids)
}

/// Runs of consecutive rows of one input in `copied`, as (input, first row, count), so that
/// each run is copied as one block.
fn runs(copied: &[(usize, RowId)]) -> Vec<(usize, RowId, usize)> {
    let mut out: Vec<(usize, RowId, usize)> = Vec::new();
    for &(input, row) in copied {
        match out.last_mut() {
            Some((i, first, count)) if *i == input && *first as usize + *count == row as usize => {
                *count += 1
            }
            _ => out.push((input, row, 1)),
        }
    }
    out
}

/// A merged segment's index, persisted and attached.
#[derive(Debug)]
struct MergedIndex {
    index: Arc<AttachedIndex>,
    record: IndexRecord,
    made: Made,
}

/// How a merged segment's index was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    /// Built from the merged rows.
    Built,
    /// The inputs' inverted lists concatenated.
    Concatenated,
    /// The largest graph input's graph, the other rows inserted.
    Grown,
}

/// A merged segment file (and index) to commit.
#[derive(Debug)]
pub(crate) struct Merged {
    ids: Vec<SegmentId>,
    out_id: SegmentId,
    info: SegmentFileInfo,
    merged: Arc<SealedSegment>,
    index: Option<MergedIndex>,
    /// The rows copied, as (input index, row at T0), in merged row order.
    copied: Vec<(usize, RowId)>,
    out_ids: Vec<u64>,
    /// Set by `prepare`: the inputs as of T1, whose files go once the commit is published.
    replaced: Vec<SegmentView>,
    /// Set by `prepare`: merged rows deleted between T0 and T1.
    dead: Vec<RowId>,
    started: Instant,
}

/// The current views of `ids`, if every one is still there and sealed.
fn current_inputs(current: &Snapshot, ids: &[SegmentId]) -> Option<Vec<SegmentView>> {
    ids.iter()
        .map(|id| current.segment(*id).filter(|v| v.is_sealed()).cloned())
        .collect()
}

impl Change for Merged {
    const BEFORE_COMMIT: &'static str = "merge::before_commit";
    const AFTER_COMMIT: &'static str = "merge::after_commit";

    fn prepare(
        &mut self,
        coll: CollectionId,
        current: &Snapshot,
        batch: &mut CatalogBatch<'_>,
    ) -> Result<Option<Vec<SegmentView>>> {
        let Some(inputs) = current_inputs(current, &self.ids) else {
            return Ok(None);
        };
        batch.put_segment(
            coll,
            &SegmentMeta {
                id: self.out_id,
                state: SegmentState::Sealed(self.info),
                index: self.index.as_ref().map(|i| i.record.clone()),
            },
        )?;
        for id in &self.ids {
            batch.delete_segment(coll, *id);
        }
        let mut dead = Vec::new();
        for (m, (&(i, r), &user_id)) in self.copied.iter().zip(&self.out_ids).enumerate() {
            let m = m as RowId;
            if inputs.get(i).is_none_or(|v| v.deletes.contains(r)) {
                batch.put_tombstone(coll, self.out_id, m);
                dead.push(m);
            } else {
                let loc = RowLocation {
                    segment: self.out_id,
                    row: m,
                };
                batch.put_location(coll, user_id, loc);
            }
        }
        let mut views: Vec<SegmentView> = current
            .segments
            .iter()
            .filter(|v| !self.ids.contains(&v.id))
            .cloned()
            .collect();
        views.push(
            SegmentView::new(
                self.out_id,
                SegmentData::Sealed {
                    segment: Arc::clone(&self.merged),
                    index: None,
                },
                self.out_ids.len(),
                DeletionBitmap::from_rows(&dead),
            )
            .with_index(self.index.as_ref().map(|i| Arc::clone(&i.index))),
        );
        self.replaced = inputs;
        self.dead = dead;
        Ok(Some(views))
    }

    fn committed(self, ctx: &JobCtx<'_>, board: &JobBoard) {
        collect_replaced(&self.replaced);
        let made = self.index.as_ref().map(|i| i.made);
        board.count(|c| {
            c.merges += 1;
            match made {
                Some(Made::Concatenated) => c.indexes_merged += 1,
                Some(Made::Grown) => c.graphs_grown += 1,
                Some(Made::Built) | None => {}
            }
        });
        let rows = self.out_ids.len();
        let took = self.started.elapsed();
        info!(output = %self.out_id, rows, dead = self.dead.len(), ?took, "merged");
        emit_merge(ctx, &self.ids, self.out_id.0, rows, took);
    }

    fn abandon(self) {
        // Fresh files (new ids) that no catalog record names.
        self.merged.file.mark_obsolete();
        if let Some(i) = &self.index {
            i.index.file.mark_obsolete();
        }
    }
}

/// Inputs with no live row, to remove.
#[derive(Debug)]
pub(crate) struct Dropped {
    ids: Vec<SegmentId>,
    replaced: Vec<SegmentView>,
    started: Instant,
}

impl Change for Dropped {
    const BEFORE_COMMIT: &'static str = "merge::before_commit";
    const AFTER_COMMIT: &'static str = "merge::after_commit";

    fn prepare(
        &mut self,
        coll: CollectionId,
        current: &Snapshot,
        batch: &mut CatalogBatch<'_>,
    ) -> Result<Option<Vec<SegmentView>>> {
        let Some(inputs) = current_inputs(current, &self.ids) else {
            return Ok(None);
        };
        for id in &self.ids {
            batch.delete_segment(coll, *id);
        }
        self.replaced = inputs;
        Ok(Some(
            current
                .segments
                .iter()
                .filter(|v| !self.ids.contains(&v.id))
                .cloned()
                .collect(),
        ))
    }

    fn committed(self, _ctx: &JobCtx<'_>, board: &JobBoard) {
        collect_replaced(&self.replaced);
        board.count(|c| c.merges += 1);
        info!(inputs = self.ids.len(), took = ?self.started.elapsed(), "dropped fully deleted segments");
    }

    fn abandon(self) {}
}

/// The catalog no longer names the replaced segments' files: they go when the last snapshot
/// holding them is dropped.
fn collect_replaced(replaced: &[SegmentView]) {
    for v in replaced {
        if let Some(s) = v.sealed() {
            s.file.mark_obsolete();
        }
        if let Some(ix) = v.index() {
            ix.file.mark_obsolete();
        }
    }
}

fn emit_merge(ctx: &JobCtx<'_>, ids: &[SegmentId], output: u64, rows: usize, took: Duration) {
    ctx.core.events.emit(Event::MergeFinished {
        collection: ctx.coll.name.clone(),
        inputs: ids.iter().map(|s| s.0).collect(),
        output,
        rows,
        took,
    });
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_split_at_gaps_and_inputs() {
        let copied = [(0, 0), (0, 1), (0, 2), (0, 4), (1, 0), (1, 1), (2, 5)];
        assert_eq!(
            runs(&copied),
            vec![(0, 0, 3), (0, 4, 1), (1, 0, 2), (2, 5, 1)]
        );
        assert!(runs(&[]).is_empty());
    }
}
