//! What `Collection::stats` and `Collection::segments` report, read from the published
//! snapshot and the job board (never the writer lock).

use crate::core::DbCore;
use crate::snapshot::SegmentData;
use crate::stats::{CollectionStats, SegmentInfo, SegmentState, SegmentStats};
use crate::updater::SegmentUpdater;

impl SegmentUpdater {
    /// Counts, per-segment state and background progress.
    pub(crate) fn stats(&self, core: &DbCore) -> CollectionStats {
        let snap = self.snapshot();
        let pressure = self.pressure(core);
        let held = self.board.held();
        let running = self.board.running();
        let counters = self.board.counters();
        let dim = self.info.config.dim;
        let segments = snap
            .segments
            .iter()
            .map(|v| SegmentStats {
                id: v.id.0,
                state: match &v.data {
                    SegmentData::Growing(_) => SegmentState::Growing,
                    SegmentData::Frozen(_) => SegmentState::Frozen,
                    SegmentData::Sealed { .. } => SegmentState::Sealed,
                },
                rows: v.rows,
                deleted: v.deletes.count(),
                bytes: match v.sealed() {
                    None => (v.rows * (dim * 4 + 8)) as u64,
                    Some(s) => s.reader.info().len,
                },
                index: v.index().map(|i| i.kind().name().to_string()),
                index_bytes: v
                    .index()
                    .map_or(0, |i| i.record.blobs().map(|b| b.len).sum()),
                busy: held.contains(&v.id),
            })
            .collect::<Vec<_>>();
        CollectionStats {
            rows: snap.live_rows,
            deleted_rows: snap.segments.iter().map(|v| v.deletes.count()).sum(),
            rows_pending_seal: pressure.unsealed_rows,
            rows_pending_indexing: pressure.unindexed_rows,
            pending_merges: pressure.pending_merges,
            jobs_running: running.total,
            seals_running: running.seals,
            builds_running: running.builds,
            merges_running: running.merges,
            seals_done: counters.seals,
            merges_done: counters.merges,
            indexes_built: counters.indexes_built,
            indexes_merged: counters.indexes_merged,
            graphs_grown: counters.graphs_grown,
            jobs_failed: counters.jobs_failed,
            writes_stalled: counters.writes_stalled,
            writes_throttled: counters.writes_throttled,
            events_dropped: core.events.dropped(),
            limits: core.options.backpressure,
            segments,
        }
    }

    /// Segment ids with their state, rows and deleted rows.
    pub(crate) fn segment_infos(&self) -> Vec<SegmentInfo> {
        self.snapshot()
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
