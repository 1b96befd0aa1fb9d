//! One segment's part of a query (the `collect_segment` step): through its index, or exactly,
//! with or without a filter.
//!
//! The contract every segment keeps: it returns exactly `min(k, qualifying rows)` hits, where
//! a qualifying row is live and matches the query's filter (if any). An index may return fewer
//! (Faiss's HNSW stops when its beam runs dry; an IVF probe may hold too few rows; a selective
//! filter makes both worse); such a short answer is finished with an exact scan of the
//! qualifying rows, as is a search whose index fails.
//!
//! ```text
//! no filter:
//!   sealed, indexed, not exact ─► index search, deleted rows excluded inside Faiss
//!   otherwise                  ─► exact scan of the live rows
//! filter (matching live rows M, an exact bitmap from the segment's attribute index):
//!   M empty                                        ─► nothing
//!   exact, no index, or |M| ≤ the rows the index
//!     search would examine anyway                  ─► scan of M only: exactly, or, above 256
//!                                                     rows on a graph with 8-bit codes and not
//!                                                     in exact mode, ranked by the codes and
//!                                                     the best k × rerank_factor re-ranked
//!   a settled graph's row lists cost least, M is   ─► the rows of M in the nprobe lists nearest
//!   at least 5 % of the live rows, and M spreads      the query, ranked by the graph's codes
//!   over them (`lists_plan`: centroids + the          and re-ranked (nprobe from the lists'
//!   matches in the probed lists, below |M| and        curve, widened by selectivity^-α)
//!   the index; `RowLists::spread`)
//!   otherwise                                      ─► index search with "not in M" as the
//!                                                     selector (graphs: Kiln's own beam,
//!                                                     `kiln_index::HnswGraph`; else Faiss) and
//!                                                     nprobe / efSearch widened by
//!                                                     selectivity^-α
//! α: measured with the curve under a simulated filter (graphs, row lists:
//!   `RecallCurve::widening`), else ⅓ for nprobe and ½ for efSearch
//! any way: fewer than min(k, |M|) hits from the index or the lists, or an error ─► exact
//!   scan of M
//!
//! index search parameters: the caller's nprobe / efSearch if given, else the index's recall
//!   curve's pick for the target at this segment's share of the qualifying rows (≈ its share
//!   of the top k), else the index's defaults; codes (SQ8, PQ): k × rerank_factor candidates,
//!   re-ranked with the segment's exact vectors
//! ```

use std::sync::Arc;

use kiln_index::{
    rerank, rows_of, scan_block, Coarse, CurveSettings, Hit, Knob, Metric, Neighbor, RowBitmap,
    SearchParams, TopK, TunedSearch, VectorIndex,
};
use kiln_storage::attrs::RoaringBitmap;
use kiln_storage::RowId;
use parking_lot::Mutex;
use tracing::{debug, warn};

use crate::snapshot::{SegmentData, SegmentView};
use crate::stats::{SegmentExplain, SegmentPlan};

/// How a query wants its segments searched.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Knobs {
    /// The caller's explicit `nprobe` / `efSearch` (each overrides the recall target).
    pub(crate) params: SearchParams,
    /// The recall@k to aim for.
    pub(crate) target: f64,
    /// Every segment exactly.
    pub(crate) exact: bool,
    /// Qualifying rows over all the query's segments: a segment holding a fraction of them is
    /// tuned for its share of the top k ([`RecallCurve::tuned_for_share`]).
    ///
    /// [`RecallCurve::tuned_for_share`]: kiln_index::RecallCurve::tuned_for_share
    pub(crate) total: usize,
}

/// One query's coarse assignments, shared by its IVF segments: the segments of an IVF
/// collection are clones of one trained template, so the lists a query is assigned to (the
/// quantizer search, `nlist` distances) are the same for all of them; the first segment that
/// needs them assigns the query and the others reuse it (`VectorIndex::search_preassigned`)
/// instead of searching the quantizer again, once per segment.
///
/// A slot per template fingerprint that at least two of the query's segments hold (one
/// segment alone gains nothing). A slot keeps the longest assignment asked for; a segment that
/// probes more lists than it holds assigns again, twice as many.
pub(crate) struct SharedCoarse {
    slots: Vec<(u64, Mutex<Option<Arc<Coarse>>>)>,
}

impl SharedCoarse {
    /// No sharing.
    pub(crate) fn none() -> SharedCoarse {
        SharedCoarse { slots: Vec::new() }
    }

    /// A slot for every template two or more of `segments`' indexes were built from.
    pub(crate) fn for_segments<'a>(
        segments: impl IntoIterator<Item = &'a SegmentView>,
    ) -> SharedCoarse {
        let mut counts: Vec<(u64, usize)> = Vec::new();
        for view in segments {
            let Some(fp) = view.index().and_then(|i| i.index().info().fingerprint) else {
                continue;
            };
            match counts.iter_mut().find(|(f, _)| *f == fp) {
                Some((_, n)) => *n += 1,
                None => counts.push((fp, 1)),
            }
        }
        SharedCoarse {
            slots: counts
                .into_iter()
                .filter(|&(_, n)| n >= 2)
                .map(|(fp, _)| (fp, Mutex::new(None)))
                .collect(),
        }
    }

    /// The query's assignment to at least `nprobe` lists of `index`'s template, if the template
    /// has a slot (computed now if no segment asked for as many before).
    fn get(&self, index: &dyn VectorIndex, query: &[f32], nprobe: usize) -> Option<Arc<Coarse>> {
        let fp = index.info().fingerprint?;
        let nlist = index.info().nlist?;
        let (_, slot) = self.slots.iter().find(|(f, _)| *f == fp)?;
        let mut slot = slot.lock();
        let want = nprobe.clamp(1, nlist);
        if let Some(c) = slot.as_ref().filter(|c| c.lists().len() >= want) {
            return Some(Arc::clone(c));
        }
        let have = slot.as_ref().map_or(0, |c| c.lists().len());
        match index.coarse(query, want.max(have.saturating_mul(2)))? {
            Ok(c) => {
                let c = Arc::new(c);
                *slot = Some(Arc::clone(&c));
                Some(c)
            }
            Err(e) => {
                warn!(error = %e, "coarse assignment failed; segments assign the query themselves");
                None
            }
        }
    }
}

/// Which rows of a segment qualify.
#[derive(Clone, Copy)]
pub(crate) enum Rows<'a> {
    /// Every live row (no filter).
    Live,
    /// Exactly these rows (live rows matching the filter).
    Only(&'a RoaringBitmap),
}

/// The top `k` of one segment for `query` among `rows`, and how it was found.
pub(crate) fn search_segment(
    view: &SegmentView,
    metric: Metric,
    query: &[f32],
    k: usize,
    knobs: &Knobs,
    rows: Rows<'_>,
    coarse: &SharedCoarse,
) -> (TopK, SegmentExplain) {
    let qualifying = match rows {
        Rows::Live => view.live_rows(),
        Rows::Only(m) => m.len() as usize,
    };
    let k = k.min(qualifying);
    let mut explain = SegmentExplain {
        segment: view.id.0,
        live_rows: view.live_rows(),
        matching_rows: qualifying,
        plan: SegmentPlan::Skipped,
        candidates: 0,
    };
    if k == 0 {
        return (TopK::new(0), explain);
    }
    let share = qualifying as f64 / knobs.total.max(qualifying).max(1) as f64;
    let tuned = tuned(view, knobs, k, share);
    let (use_index, lists) = match rows {
        _ if knobs.exact || view.index().is_none() => (false, None),
        Rows::Live => (true, None),
        Rows::Only(m) => {
            let index = index_work(view, &tuned.params, k, qualifying, knobs.target);
            // Cheapest by the estimate, and the matches spread over the lists as the estimate
            // assumes (checked last: a lookup per match).
            let lists = lists_plan(view, knobs, k, share, qualifying)
                .filter(|l| l.work < qualifying.min(index))
                .filter(|_| {
                    view.index()
                        .and_then(|i| i.lists())
                        .is_some_and(|l| l.spread(m.iter()))
                });
            match lists {
                Some(l) => (false, Some((l, m))),
                None => (qualifying > index, None),
            }
        }
    };
    if let Some((plan, m)) = lists {
        if let Some((top, found)) = search_lists(view, metric, query, k, plan.nprobe, m) {
            explain.candidates = found;
            if top.len() >= k {
                explain.plan = SegmentPlan::Lists {
                    nprobe: plan.nprobe,
                };
                return (top_of(view, &top, k).0, explain);
            }
            debug!(segment = %view.id, found = top.len(), k, "short answer from the row lists; answering exactly");
        }
        explain.plan = SegmentPlan::IndexThenExact;
        explain.candidates += qualifying;
        return (scan_rows(view, metric, query, k, m), explain);
    }
    if use_index {
        let widened = widen(view, &tuned.params, k, qualifying, knobs.target);
        let candidates = tuned.candidates.max(k);
        match search_index(view, metric, query, k, candidates, &widened, rows, coarse) {
            Ok((top, found)) if found >= k => {
                explain.plan = SegmentPlan::Index {
                    nprobe: widened.nprobe,
                    ef_search: widened.ef_search,
                };
                explain.candidates = found;
                return (top, explain);
            }
            Ok((_, found)) => {
                debug!(segment = %view.id, found, k, "short answer from the index; answering exactly");
                explain.candidates = found;
            }
            Err(()) => {}
        }
        explain.plan = SegmentPlan::IndexThenExact;
    } else {
        explain.plan = SegmentPlan::ExactScan;
    }
    explain.candidates += qualifying;
    let top = match rows {
        Rows::Live => search_exact(view, metric, query, k),
        Rows::Only(m) if !knobs.exact && qualifying > CODE_SCAN_MIN_ROWS => {
            scan_rows_by_codes(view, metric, query, k, m)
                .unwrap_or_else(|| scan_rows(view, metric, query, k, m))
        }
        Rows::Only(m) => scan_rows(view, metric, query, k, m),
    };
    (top, explain)
}

/// Above this many matching rows, a sealed segment whose graph holds 8-bit codes scans the
/// matches by their codes and re-ranks the best `k × rerank_factor` exactly
/// ([`scan_rows_by_codes`]); at or below it they are scanned exactly (a few µs, and the
/// answer is the exact one).
const CODE_SCAN_MIN_ROWS: usize = 256;

/// The top `k` of the rows in `m` of a sealed segment whose index graph holds 8-bit codes:
/// every row ranked by its codes (a quarter of the bytes of its vector), the best
/// `k × rerank_factor` re-ranked with the segment's exact vectors. `None` without codes.
fn scan_rows_by_codes(
    view: &SegmentView,
    metric: Metric,
    query: &[f32],
    k: usize,
    m: &RoaringBitmap,
) -> Option<TopK> {
    let segment = view.sealed()?;
    let scorer = view.index()?.index().graph()?.code_scorer(metric, query)?;
    let mut top = TopK::new(k.saturating_mul(CurveSettings::default().rerank_factor));
    scorer.push_each(
        m.iter().take_while(|&row| (row as usize) < view.rows),
        &mut top,
    );
    let r = &segment.reader;
    let found = rerank(metric, query, &rows_of(top), r.vectors(), r.dim(), k);
    Some(top_of(view, &found, k).0)
}

/// How to search `view`'s index for `k` neighbours when it holds the fraction `share` of the
/// query's qualifying rows: the caller's explicit setting, else the pick of the index's recall
/// curve for the target and that share, else the index's defaults; and how many candidates to
/// ask for (more than `k` when the index's distances are estimates from codes, re-ranked
/// exactly).
fn tuned(view: &SegmentView, knobs: &Knobs, k: usize, share: f64) -> TunedSearch {
    let Some(index) = view.index() else {
        return TunedSearch {
            params: knobs.params,
            candidates: k,
        };
    };
    match &index.curve {
        Some(curve) => {
            let explicit = match curve.knob() {
                Knob::Nprobe => knobs.params.nprobe,
                Knob::EfSearch => knobs.params.ef_search,
            };
            match explicit {
                Some(v) => curve.exactly_at(v, k),
                None => curve.tuned_for_share(knobs.target, k, share),
            }
        }
        None => {
            let approximate = index.index().info().approximate_distances;
            TunedSearch {
                params: knobs.params,
                candidates: if approximate {
                    k.saturating_mul(CurveSettings::default().rerank_factor)
                } else {
                    k
                },
            }
        }
    }
}

/// Distance computations (roughly) an index search of `view` at `params` costs for
/// `qualifying` matching rows: an exact scan of at most that many rows costs no more. IVF: the
/// centroids, plus the probed lists' matching rows (Faiss checks the selector before it
/// computes a distance) and, at [`SELECTOR_COST`] each, the checks of the others; HNSW: the
/// beam times the links examined per visited node (32 is Kiln's and Faiss's usual M); a flat
/// index: every row.
///
/// ```text
/// dev set segment of 10,922 rows, nlist 280, nprobe 56, 10 % matching (1,092 rows):
///   nprobe' = 56 / 0.1^⅓ = 121;  work = 280 + 121·39·(0.1 + 0.05) = 988 < 1,092 → index
/// 1 % matching (109 rows): work = 280 + 260·39·0.06 = 888 > 109 → exact scan of 109 rows
/// ```
fn index_work(
    view: &SegmentView,
    params: &SearchParams,
    k: usize,
    qualifying: usize,
    target: f64,
) -> usize {
    let Some(index) = view.index() else {
        return usize::MAX;
    };
    let info = index.index().info();
    let p = widen(view, params, k, qualifying, target);
    match (info.kind, info.nlist) {
        (_, Some(nlist)) => {
            let nprobe = p.nprobe.unwrap_or(1).min(nlist);
            let scanned = nprobe.saturating_mul(info.rows) / nlist.max(1);
            let s = qualifying as f64 / view.live_rows().max(1) as f64;
            nlist.saturating_add((scanned as f64 * (s + SELECTOR_COST)) as usize)
        }
        (kind, None) if kind.is_hnsw() => p.ef_search.unwrap_or(k).saturating_mul(32),
        _ => info.rows,
    }
}

/// The cost of checking one row against the selector, in distance computations (a bit test
/// against a 384-float distance: well under a tenth).
const SELECTOR_COST: f64 = 0.05;

/// The cost of one centroid distance in the row lists' probe, in distance computations of a
/// matching row: the centroids are read in order, the rows one here and one there (dev set:
/// 490 centroids in 27 µs, 55 ns each, against 123 ns an f32 row in a scan of scattered
/// matches; rows are now ranked by their 8-bit codes, which this constant does not yet
/// reflect).
const CENTROID_COST: f64 = 0.45;

/// The least share of a segment's live rows a filter may match for its row lists to be
/// searched: half the selectivity their widening is measured at
/// (`kiln_index::recall::FILTER_SELECTIVITY`).
const LISTS_MIN_SELECTIVITY: f64 = kiln_index::recall::FILTER_SELECTIVITY / 2.0;

/// A search through a segment's row lists: how many lists, and what it costs.
#[derive(Debug, Clone, Copy)]
struct ListsPlan {
    nprobe: usize,
    /// In distance computations of a matching row, like [`index_work`].
    work: usize,
}

/// How `view`'s row lists would be searched for `k` of `qualifying` matching rows, holding the
/// fraction `share` of the query's: the lists' recall curve's pick for the target and share
/// (or the caller's explicit nprobe), widened by `selectivity^−α` with the `α` the lists
/// measured ([`widen`]; ⅓ without a filtered curve); the work is the centroids plus the
/// matches in the probed lists, assumed spread over the lists like the rows (the caller checks
/// that they are). `None` without lists, or in exact mode.
///
/// Below [`LISTS_MIN_SELECTIVITY`] of the live rows matching: `None`.
///
/// ```text
/// dev set, one settled segment of 15,000 rows (122 lists):
///   10 % (1,500 matches): nprobe 48; 122·0.45 + 1,500·48/122 = 645 < graph, scan 1,500
///   50 % (7,500):         the graph's beam estimate is lower → graph
///    1 % (150):           below 5 % → no lists; scan 150
/// ```
fn lists_plan(
    view: &SegmentView,
    knobs: &Knobs,
    k: usize,
    share: f64,
    qualifying: usize,
) -> Option<ListsPlan> {
    let lists = view.index()?.lists()?;
    if knobs.exact || lists.rows() != view.rows {
        return None;
    }
    let nlist = lists.nlist();
    let base = match knobs.params.nprobe {
        Some(n) => n,
        None => lists
            .curve()
            .tuned_for_share(knobs.target, k, share)
            .params
            .nprobe
            .unwrap_or(nlist),
    }
    .clamp(1, nlist);
    let s = (qualifying.max(1) as f64 / view.live_rows().max(1) as f64).clamp(1e-9, 1.0);
    // The widening is measured at a tenth of the rows matching; far below that it is an
    // extrapolation (dev set, a hundredth matching: recall 0.943 from the lists), while the
    // matches are few enough to scan.
    if s < LISTS_MIN_SELECTIVITY {
        return None;
    }
    let alpha = lists.curve().widening(knobs.target).unwrap_or(1.0 / 3.0);
    let nprobe = ((base as f64 * s.powf(-alpha)).ceil() as usize).clamp(base, nlist);
    let work = nlist as f64 * CENTROID_COST + qualifying as f64 * nprobe as f64 / nlist as f64;
    Some(ListsPlan {
        nprobe,
        work: work.ceil() as usize,
    })
}

/// The top `k` of the rows in `m` among the `nprobe` row lists nearest `query`, as row hits
/// with exact distances, and how many rows the probed lists held; `None` without lists.
fn search_lists(
    view: &SegmentView,
    metric: Metric,
    query: &[f32],
    k: usize,
    nprobe: usize,
    m: &RoaringBitmap,
) -> Option<(Vec<Neighbor>, usize)> {
    let index = view.index()?;
    let lists = index.lists()?;
    let segment = view.sealed()?;
    let outside = not_in(m, view.rows);
    let keep = |r: u32| !outside.contains(r);
    let (vectors, dim) = (segment.reader.vectors(), segment.reader.dim());
    // With the graph's 8-bit codes at hand, the lists' rows are ranked by them (a quarter of
    // the bytes a row) and the best `k × rerank_factor` re-ranked with the exact vectors.
    let scorer = index
        .index()
        .graph()
        .and_then(|g| g.code_scorer(metric, query));
    Some(match scorer {
        Some(scorer) => {
            let candidates = k.saturating_mul(CurveSettings::default().rerank_factor);
            let (found, held) =
                lists.search_scored(query, candidates, nprobe, keep, |rows, top| {
                    scorer.push_all(rows, top)
                });
            (rerank(metric, query, &found, vectors, dim, k), held)
        }
        None => lists.search(query, vectors, k, nprobe, keep),
    })
}

/// Row hits of `view` as id hits (the top `k`), and how many rows had an id.
fn top_of(view: &SegmentView, rows: &[Neighbor], k: usize) -> (TopK, usize) {
    let mut top = TopK::new(k);
    let mut n = 0;
    if let Some(segment) = view.sealed() {
        let ids = segment.reader.ids();
        for hit in rows {
            if let Some(&id) = ids.get(hit.row as usize) {
                top.push(Hit {
                    id,
                    distance: hit.distance,
                });
                n += 1;
            }
        }
    }
    (top, n)
}

/// The search parameters for a filtered search among `qualifying` of the segment's live rows:
/// the index's defaults (or the caller's), widened as the selectivity `s` falls, since the
/// nearest matching rows lie farther out: by `s^−α`, with `α` measured for `target` when the
/// index's curve was also measured under a simulated filter ([`RecallCurve::widening`]:
/// graphs), else IVF probes `nprobe / s^⅓` lists and HNSW keeps a beam of `max(ef, k) / √s`
/// (the beam holds rejected rows too).
///
/// Measured on the dev set (filtered benchmark), recall@10 at target 0.95 with half the rows
/// matching, HNSW32-SQ8 picked at efSearch 18: a beam of `max(ef, k / s)` = 20, 0.948; of
/// `ef / s` = 36, 0.980 (0.68× raw HNSW's QPS); `max(ef, k) / √s` = 26, 0.968. IVF at
/// `nprobe / s^¼`, 0.958; with a tenth matching, `nprobe / s^¼` = 81 of 384 lists gave 0.948,
/// where ⅓ probes 97.
///
/// [`RecallCurve::widening`]: kiln_index::RecallCurve::widening
fn widen(
    view: &SegmentView,
    params: &SearchParams,
    k: usize,
    qualifying: usize,
    target: f64,
) -> SearchParams {
    let Some(index) = view.index() else {
        return *params;
    };
    let defaults = index.index().default_params();
    let base = SearchParams {
        nprobe: params.nprobe.or(defaults.nprobe),
        ef_search: params.ef_search.or(defaults.ef_search),
    };
    let live = view.live_rows().max(1);
    if qualifying >= live {
        return base;
    }
    let s = (qualifying.max(1) as f64 / live as f64).clamp(1e-9, 1.0);
    let measured = index.curve.as_ref().and_then(|c| c.widening(target));
    let nlist = index.index().info().nlist.unwrap_or(usize::MAX);
    SearchParams {
        nprobe: base.nprobe.map(|p| {
            let grow = s.powf(-measured.unwrap_or(1.0 / 3.0));
            ((p as f64 * grow).ceil() as usize).clamp(p, nlist)
        }),
        ef_search: base.ef_search.map(|e| {
            let grow = s.powf(-measured.unwrap_or(0.5));
            ((e.max(k) as f64 * grow).ceil() as usize).clamp(e, view.rows.max(e))
        }),
    }
}

/// Through the segment's index among `rows`, asking it for `candidates ≥ k` neighbours
/// (re-ranked with the segment's exact vectors when the index's distances are estimates); the
/// top `k` and how many qualifying hits there were (`Err` when the index failed; the caller
/// answers exactly). An IVF index whose template other segments of the query share takes the
/// query's shared coarse assignment.
#[allow(clippy::too_many_arguments)]
fn search_index(
    view: &SegmentView,
    metric: Metric,
    query: &[f32],
    k: usize,
    candidates: usize,
    params: &SearchParams,
    rows: Rows<'_>,
    coarse: &SharedCoarse,
) -> Result<(TopK, usize), ()> {
    let (Some(index), Some(segment)) = (view.index(), view.sealed()) else {
        return Err(());
    };
    let filtered;
    let exclude = match rows {
        Rows::Live => (!view.deletes.is_empty()).then(|| view.exclude()),
        Rows::Only(m) => {
            filtered = not_in(m, view.rows);
            Some(&filtered)
        }
    };
    // A graph Kiln searches itself (`kiln_index::HnswGraph`), else Faiss.
    let found = match index.index().graph().zip(params.ef_search) {
        Some((graph, ef)) => {
            let r = &segment.reader;
            match exclude {
                Some(e) => {
                    let accept = |row: u32| !e.contains(row);
                    graph.search(metric, query, r.vectors(), candidates, ef, accept)
                }
                None => graph.search_all(metric, query, r.vectors(), candidates, ef),
            }
        }
        None => {
            let index = index.index();
            let nprobe = params.nprobe.or(index.default_params().nprobe).unwrap_or(1);
            let preassigned = coarse.get(index, query, nprobe).and_then(|c| {
                index
                    .search_preassigned(query, candidates, params, &c, exclude)
                    .inspect_err(|e| debug!(segment = %view.id, error = %e, "preassigned search refused; searching as usual"))
                    .ok()
            });
            match preassigned {
                Some(found) => found,
                None => match index.search(query, candidates, params, exclude) {
                    Ok(mut results) => results.pop().unwrap_or_default(),
                    Err(e) => {
                        warn!(segment = %view.id, error = %e, "index search failed; answering exactly");
                        return Err(());
                    }
                },
            }
        }
    };
    let qualifies = |n: &Neighbor| match rows {
        Rows::Live => (n.row as usize) < view.rows && !view.deletes.contains(n.row),
        Rows::Only(m) => m.contains(n.row),
    };
    let mut found: Vec<Neighbor> = found.into_iter().filter(|h| qualifies(h)).collect();
    if index.index().info().approximate_distances {
        let r = &segment.reader;
        found = rerank(metric, query, &found, r.vectors(), r.dim(), k);
    }
    Ok(top_of(view, &found, k))
}

/// The rows of `0..rows` not in `m`, as the dense bitmap Faiss's selector reads (cleared a run
/// of rows at a time: `kiln_storage::attrs::complement_bytes`).
fn not_in(m: &RoaringBitmap, rows: usize) -> RowBitmap {
    RowBitmap::from_bytes(kiln_storage::attrs::complement_bytes(m, rows))
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

/// The exact top `k` of the rows in `m` (rows this view sees).
fn scan_rows(
    view: &SegmentView,
    metric: Metric,
    query: &[f32],
    k: usize,
    m: &RoaringBitmap,
) -> TopK {
    let mut top = TopK::new(k);
    match &view.data {
        SegmentData::Growing(g) | SegmentData::Frozen(g) => {
            let outside = |row: usize| !m.contains(row as u32);
            g.for_each_run(view.rows, |first, ids, vectors| {
                scan_block(metric, query, vectors, ids, first, outside, &mut top);
            })
        }
        SegmentData::Sealed { segment, .. } => {
            let r = &segment.reader;
            for row in m.iter().take_while(|&row| (row as usize) < view.rows) {
                if let (Some(v), Some(&id)) = (r.vector(row as usize), r.ids().get(row as usize)) {
                    let distance = metric.distance(query, v);
                    if top.threshold().is_none_or(|t| distance <= t) {
                        top.push(Hit { id, distance });
                    }
                }
            }
        }
    }
    top
}
