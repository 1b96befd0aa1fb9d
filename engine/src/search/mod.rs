//! The query path: one query fanned out across the segments of one snapshot, per-segment
//! top-k (`plan`), then the global top-k (`merge_hits`). A query never takes a lock of the
//! updater: it works on the `Arc<Snapshot>` it cloned, from start to end.
//!
//! A filter is bound to the snapshot's fields once per query and turned into an exact bitmap
//! of the matching live rows of each segment (the attribute index of a sealed segment, a scan
//! of a growing one's rows); `plan` then chooses per segment between an exact scan of those
//! rows and the index with the bitmap as selector.

mod plan;

pub(crate) use plan::{search_segment, Knobs, Rows, SharedCoarse};

use rayon::prelude::*;

use kiln_index::{merge_hits, Hit, Metric, TopK};
use kiln_storage::attrs::{BoundFilter, RoaringBitmap};

use crate::error::Result;
use crate::options::SearchOptions;
use crate::snapshot::{SegmentView, Snapshot};
use crate::stats::SegmentExplain;

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

/// The qualifying rows of every segment of `snap`: all live rows without a filter, else the
/// live rows matching it (computed once per query, shared by a batch's queries).
pub(crate) struct Selection {
    matching: Option<Vec<RoaringBitmap>>,
}

impl Selection {
    /// Every live row.
    pub(crate) fn live() -> Selection {
        Selection { matching: None }
    }

    /// The live rows of each segment of `snap` that match `filter`.
    pub(crate) fn matching(snap: &Snapshot, filter: &BoundFilter) -> Result<Selection> {
        let matching = snap
            .segments
            .iter()
            .map(|v| v.matching_rows(filter, &snap.schema))
            .collect::<Result<_>>()?;
        Ok(Selection {
            matching: Some(matching),
        })
    }

    fn rows(&self, segment: usize) -> Rows<'_> {
        match &self.matching {
            None => Rows::Live,
            Some(m) => m.get(segment).map_or(Rows::Live, Rows::Only),
        }
    }

    /// Qualifying rows over all segments.
    pub(crate) fn count(&self, snap: &Snapshot) -> usize {
        match &self.matching {
            None => snap.live_rows,
            Some(m) => m.iter().map(|b| b.len() as usize).sum(),
        }
    }
}

/// The `options.k` nearest qualifying rows of `snap` to `query` (already validated and, under
/// cosine, normalised), each indexed segment searched for `options.target_recall` or else
/// `target` (the collection's): exactly `min(k, qualifying rows)` hits, nearest first, ties by smaller
/// id; and how each segment was searched.
pub(crate) fn search_snapshot(
    snap: &Snapshot,
    selection: &Selection,
    metric: Metric,
    query: &[f32],
    options: &SearchOptions,
    target: f64,
    fan_out: FanOut<'_>,
) -> (Vec<Hit>, Vec<SegmentExplain>) {
    let total = selection.count(snap);
    let k = options.k.min(total);
    if k == 0 {
        return (Vec::new(), Vec::new());
    }
    let exact = options.exact;
    let knobs = Knobs {
        params: options.params(),
        target: options.target_recall.unwrap_or(target),
        exact,
        total,
    };
    let segments: Vec<(usize, &SegmentView)> = snap.segments.iter().enumerate().collect();
    let coarse = if exact || !options.share_coarse {
        SharedCoarse::none()
    } else {
        SharedCoarse::for_segments(snap.segments.iter())
    };
    let search = |&(i, s): &(usize, &SegmentView)| {
        search_segment(s, metric, query, k, &knobs, selection.rows(i), &coarse)
    };
    let parts: Vec<(TopK, SegmentExplain)> = match fan_out {
        FanOut::Pool(pool)
            if pool.current_num_threads() > 1 && worth_fanning_out(&segments, exact) =>
        {
            pool.install(|| segments.par_iter().map(search).collect())
        }
        _ => segments.iter().map(search).collect(),
    };
    let (tops, explains): (Vec<TopK>, Vec<SegmentExplain>) = parts.into_iter().unzip();
    (merge_hits(k, tops), explains)
}

/// Fan out when there is enough work to pay for the hand-off: many rows scanned exactly, or
/// several indexed segments.
fn worth_fanning_out(segments: &[(usize, &SegmentView)], exact: bool) -> bool {
    let live: Vec<&SegmentView> = segments
        .iter()
        .map(|(_, s)| *s)
        .filter(|s| s.live_rows() > 0)
        .collect();
    let scanned = |s: &&&SegmentView| exact || s.index().is_none();
    let exact_rows: usize = live.iter().filter(scanned).map(|s| s.rows).sum();
    let indexed = live.len() - live.iter().filter(scanned).count();
    live.len() > 1 && (exact_rows >= PARALLEL_MIN_ROWS || indexed >= 2)
}
