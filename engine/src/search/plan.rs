//! One segment's part of a query (the `collect_segment` step): through its index, or exactly.
//!
//! The contract every segment keeps: it returns exactly `min(k, live rows)` hits. An index may
//! return fewer (Faiss's HNSW stops when its beam runs dry; an IVF probe may hold too few
//! rows); such a short answer is finished with an exact scan of the segment, as is a search
//! whose index fails.
//!
//! ```text
//! sealed, indexed, not exact ──► index search with the deletion bitmap as Faiss selector
//!                                   └─ fewer than min(k, live) hits, or an error ──► exact scan
//! growing, frozen, sealed without index, or exact ──► exact scan (contiguous memory / mapping)
//! ```

use kiln_index::{scan_block, Hit, Metric, SearchParams, TopK};
use kiln_storage::RowId;
use tracing::{debug, warn};

use crate::snapshot::{SegmentData, SegmentView};

/// The top `k` of one segment for `query`.
pub(crate) fn search_segment(
    view: &SegmentView,
    metric: Metric,
    query: &[f32],
    k: usize,
    params: &SearchParams,
    exact: bool,
) -> TopK {
    let k = k.min(view.live_rows());
    if k == 0 {
        return TopK::new(0);
    }
    if !exact {
        if let Some(top) = search_index(view, query, k, params) {
            return top;
        }
    }
    search_exact(view, metric, query, k)
}

/// Through the segment's index; `None` when it has none, fails, or returns fewer than `k`
/// live hits (the caller then answers exactly).
fn search_index(
    view: &SegmentView,
    query: &[f32],
    k: usize,
    params: &SearchParams,
) -> Option<TopK> {
    let (index, segment) = (view.index()?, view.sealed()?);
    let exclude = (!view.deletes.is_empty()).then(|| view.exclude());
    let found = match index.index().search(query, k, params, exclude) {
        Ok(mut results) => results.pop().unwrap_or_default(),
        Err(e) => {
            warn!(segment = %view.id, error = %e, "index search failed; answering exactly");
            return None;
        }
    };
    let ids = segment.reader.ids();
    let mut top = TopK::new(k);
    let mut n = 0;
    for hit in found {
        let row = hit.row as usize;
        if row < view.rows && !view.deletes.contains(hit.row) {
            if let Some(&id) = ids.get(row) {
                top.push(Hit {
                    id,
                    distance: hit.distance,
                });
                n += 1;
            }
        }
    }
    if n < k {
        debug!(segment = %view.id, found = n, k, "short answer from the index; answering exactly");
        return None;
    }
    Some(top)
}

/// The exact top `k` of the segment's live rows.
pub(crate) fn search_exact(view: &SegmentView, metric: Metric, query: &[f32], k: usize) -> TopK {
    let mut top = TopK::new(k);
    let deletes = &view.deletes;
    let has_deletes = !deletes.is_empty();
    let deleted = |row: usize| has_deletes && deletes.contains(row as RowId);
    match &view.data {
        SegmentData::Growing(g) | SegmentData::Frozen(g) => {
            g.for_each_run(view.rows, |first, ids, vectors| {
                scan_block(metric, query, vectors, ids, first, deleted, &mut top);
            })
        }
        SegmentData::Sealed { segment, .. } => {
            let r = &segment.reader;
            let dim = r.dim();
            let ids = r.ids().get(..view.rows).unwrap_or(&[]);
            let vectors = r.vectors().get(..view.rows * dim).unwrap_or(&[]);
            scan_block(metric, query, vectors, ids, 0, deleted, &mut top);
        }
    }
    top
}
