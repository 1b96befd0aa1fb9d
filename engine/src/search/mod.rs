//! The query path: one query fanned out across the segments of one snapshot, per-segment
//! top-k (`plan`), then the global top-k (`merge_hits`). A query never takes a lock of the
//! updater: it works on the `Arc<Snapshot>` it cloned, from start to end.

mod plan;

pub(crate) use plan::search_segment;

use rayon::prelude::*;

use kiln_index::{merge_hits, Hit, Metric, TopK};

use crate::options::SearchOptions;
use crate::snapshot::{SegmentView, Snapshot};

/// Below this many visible rows a query runs on the caller's thread instead of fanning out.
pub const PARALLEL_MIN_ROWS: usize = 32_768;

/// Where a query runs.
#[derive(Clone, Copy)]
pub(crate) enum FanOut<'a> {
    /// Across segments on this pool, when there is enough work to pay for the hand-off.
    Pool(&'a rayon::ThreadPool),
    /// On the calling thread (a batch already runs one query per pool thread).
    Caller,
}

/// The `options.k` nearest live rows of `snap` to `query` (already validated and, under
/// cosine, normalised): exactly `min(k, live rows)` hits, nearest first, ties by smaller id.
pub(crate) fn search_snapshot(
    snap: &Snapshot,
    metric: Metric,
    query: &[f32],
    options: &SearchOptions,
    fan_out: FanOut<'_>,
) -> Vec<Hit> {
    let k = options.k.min(snap.live_rows);
    if k == 0 {
        return Vec::new();
    }
    let params = options.params();
    let exact = options.exact;
    let segments: Vec<&SegmentView> = snap.segments.iter().filter(|s| s.live_rows() > 0).collect();
    let search = |s: &&SegmentView| search_segment(s, metric, query, k, &params, exact);
    let parts: Vec<TopK> = match fan_out {
        FanOut::Pool(pool) if worth_fanning_out(&segments, exact) => {
            pool.install(|| segments.par_iter().map(search).collect())
        }
        _ => segments.iter().map(search).collect(),
    };
    merge_hits(k, parts)
}

/// Fan out when there is enough work to pay for the hand-off: many rows scanned exactly, or
/// several indexed segments.
fn worth_fanning_out(segments: &[&SegmentView], exact: bool) -> bool {
    let scanned = |s: &&&SegmentView| exact || s.index().is_none();
    let exact_rows: usize = segments.iter().filter(scanned).map(|s| s.rows).sum();
    let indexed = segments.len() - segments.iter().filter(scanned).count();
    segments.len() > 1 && (exact_rows >= PARALLEL_MIN_ROWS || indexed >= 2)
}
