//! Segment indexes: build, search, persist, load.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use crate::bitmap::RowBitmap;
use crate::error::{Error, Result};
use crate::ffi::{self, FaissMetric, Knobs, RawIndex};
use crate::format::{self, ListsPlace, Trailer, TRAILER_LEN};
use crate::graph::HnswGraph;
use crate::headroom;
use crate::metric::Metric;
use crate::recall::{
    held_out_count, measure_held_out_and_filtered, measure_recall_curve, CurveSettings, RecallCurve,
};
use crate::spec::{IndexKind, IndexPlan, MIN_TRAINING_ROWS_PER_LIST};
use crate::template::{check_ivf_header, IvfTemplate};

/// HNSW's default `efSearch` (beam width at query time).
///
/// Measured on the dev set (15k real 384-d MiniLM embeddings, cosine, efConstruction 200),
/// recall@10 by efSearch:
///
/// ```text
/// efSearch   16     24     32     48     64     96
/// HNSW32   0.958  0.975  0.987  0.994  0.997  0.999
/// HNSW16   0.934  0.964  0.980  0.988  0.996  0.998
/// ```
///
/// Faiss's own default (16) is at or below the 0.95 bar; 48 clears it with a margin for M = 16
/// and harder data at about two thirds of the cost of 64. An index's default can be changed
/// before it is shared ([`SegmentIndex::set_default_params`]); a per-query `ef_search` other
/// than the default works but serialises on the index (see [`SegmentIndex`]).
pub const DEFAULT_EF_SEARCH: usize = 48;

/// The default number of IVF lists probed: `⌈10·√nlist / 3⌉`, at least `min(nlist, 16)`, at
/// most `nlist`.
///
/// Real embeddings are much harder than synthetic clusters. Measured on the dev set (15k real
/// 384-d MiniLM embeddings, cosine, IVF-Flat), recall@10 at `nprobe = c·√nlist`:
///
/// ```text
/// nlist   c = 2.5   c = 3.33   c = 4
///  128    0.965     0.978      0.987
///  256    0.963     0.977      0.984
///  384    —         0.975 (nprobe 64)
///  490    0.967     0.978      0.981
/// ```
///
/// so the fraction of lists to probe shrinks like `1/√nlist`, and `c = 10/3` keeps recall@10
/// near 0.975 whatever nlist the Auto rule picked (0.95 is the bar).
pub fn default_nprobe(nlist: usize) -> usize {
    let nlist = nlist.max(1);
    let n = ((nlist as f64).sqrt() * 10.0 / 3.0).ceil() as usize;
    n.max(16).min(nlist)
}

/// One k-NN or range-search result: a row of the segment and its distance to the query in
/// Kiln's convention (see [`Metric::distance`]: squared L2, `−ip`, or `1 − ip` for cosine;
/// smaller is closer). For SQ8 and PQ indexes the distance is Faiss's estimate from the codes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbor {
    /// The row number in the segment (the Faiss label).
    pub row: u32,
    /// The distance to the query.
    pub distance: f32,
}

/// Per-query search settings. `None` means the index's default; a setting that does not
/// apply to the index (nprobe on HNSW, efSearch on IVF or Flat) is ignored.
///
/// Any value is accepted and clamped to what the index can use before Faiss sees it (Faiss
/// keeps efSearch in a C `int` and sizes a heap by it inside an OpenMP region, where a failed
/// allocation aborts the process): so `usize::MAX` means "as wide as this index goes".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchParams {
    /// IVF lists to probe, clamped to `1..=nlist`. Default: [`default_nprobe`] unless the
    /// index's default was changed.
    pub nprobe: Option<usize>,
    /// HNSW beam width, clamped to at most the index's rows (a beam wider than the graph
    /// examines nothing more) and at least `k` (for k-NN search; `k` itself is first clamped
    /// to the rows), and to `2^31 − 1`. Default: [`DEFAULT_EF_SEARCH`] unless the index's
    /// default was changed. A search whose clamped efSearch differs from the index's own takes
    /// the index's write lock (see [`SegmentIndex`]); that includes a k above it.
    pub ef_search: Option<usize>,
}

/// What an index is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexInfo {
    /// Its kind.
    pub kind: IndexKind,
    /// Kiln's metric (Faiss only knows L2 or inner product).
    pub metric: Metric,
    /// Dimension.
    pub dim: usize,
    /// Rows it holds: labels are `0..rows`.
    pub rows: usize,
    /// Inverted lists, for IVF.
    pub nlist: Option<usize>,
    /// Template fingerprint, for IVF indexes built from an [`IvfTemplate`].
    pub fingerprint: Option<u64>,
    /// Whether the distances its searches return are estimates from compressed codes (SQ8,
    /// PQ; factory indexes count too) rather than exact: the caller then asks for more
    /// candidates than it needs and re-ranks them exactly from the segment's rows
    /// ([`rerank`](crate::rerank)). Always [`IndexKind::approximate_distances`] of `kind`.
    pub approximate_distances: bool,
}

/// What the caller knows an index file must hold (from the segment it belongs to): a file that
/// disagrees is refused with [`Error::Mismatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedIndex {
    /// The segment's dimension.
    pub dim: usize,
    /// The segment's row count.
    pub rows: usize,
    /// The collection's metric.
    pub metric: Metric,
}

/// How [`load`] opens an index file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMode {
    /// Read the whole file into memory and deserialise. Checks the trailer and the body
    /// checksum. The result can be merged.
    InMemory,
    /// Memory-map the file read-only (Faiss `IO_FLAG_MMAP_IFC`: flat codes, HNSW storage and
    /// graph, IVF list codes and ids stay in the page cache). Checks the trailer and the body
    /// checksum, which reads every page once. Falls back to [`InMemory`](LoadMode::InMemory)
    /// when the process is short of mappings (see [`load`]).
    Mapped,
    /// As [`Mapped`](LoadMode::Mapped), checking the trailer and the structure of the IVF lists
    /// but not the body checksum: for callers that verified the whole file against its catalog
    /// checksum just before (Faiss does no checksum of its own and can crash on corrupt
    /// mapped data, so the file must have been verified by someone).
    MappedVerifiedByCaller,
}

/// An index over the rows of one segment: anything a query can search.
///
/// Implementations are `Send + Sync`; every method takes `&self` and may be called from many
/// threads at once with no lock (HNSW searches at a non-default `ef_search` take the index's
/// own write lock, see [`SegmentIndex`]). A single query runs on the calling thread; a batch
/// may use the calling thread's OpenMP threads (see [`set_faiss_threads`](crate::set_faiss_threads)).
pub trait VectorIndex: Send + Sync + sealed::Sealed {
    /// What the index is.
    fn info(&self) -> &IndexInfo;

    /// The settings searches use when [`SearchParams`] leaves them `None`.
    fn default_params(&self) -> SearchParams;

    /// k-NN search of `queries` (row-major, `dim` floats each; a batch of any size).
    ///
    /// Per query: up to `k` neighbours, sorted by distance then row. `k` larger than the rows
    /// available returns what exists; fewer than `k` also come back when the probed IVF lists
    /// (or the HNSW beam, under a restrictive `exclude`) hold fewer candidates. Rows set in
    /// `exclude` are excluded inside Faiss (`IDSelectorNot(IDSelectorBitmap)`) and never come
    /// back, whatever `k`. An empty index returns an empty list per query.
    ///
    /// Errors: `k = 0` ([`Error::ZeroK`]), a batch that is not a multiple of `dim`
    /// ([`Error::DimensionMismatch`]), a NaN or infinite component ([`Error::NonFinite`]).
    fn search(
        &self,
        queries: &[f32],
        k: usize,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>>;

    /// For an IVF index whose in-list distances are exact (IVF-Flat): the `k` nearest coarse
    /// centroids of each row of `x`, nearest first (see the `recall` module: the curve of such
    /// an index follows from them without searching). `None` for other indexes.
    #[doc(hidden)]
    fn coarse_order(&self, _x: &[f32], _k: usize) -> Option<Result<Vec<i64>>> {
        None
    }

    /// For an IVF index built from a template: `query`'s coarse assignment to the `lists`
    /// nearest lists of the template (clamped to `1..=nlist`), nearest first (one query, `dim`
    /// floats), which [`search_preassigned`](VectorIndex::search_preassigned) of this index or
    /// of any index with the same template fingerprint takes, for an nprobe up to `lists`,
    /// instead of assigning the query again. `None` for other indexes.
    fn coarse(&self, _query: &[f32], _lists: usize) -> Option<Result<Coarse>> {
        None
    }

    /// [`search`](VectorIndex::search) of one query with its coarse assignment given
    /// ([`coarse`](VectorIndex::coarse), from an index of the same template): the same answer,
    /// without the quantizer search (for the IVF segments of one collection, which share their
    /// template, the assignment is made once per query instead of once per segment).
    ///
    /// Errors: a `coarse` of another template or of fewer lists than `params` probe
    /// ([`Error::InvalidArgument`]), an index that is not IVF ([`Error::Unsupported`]), and
    /// [`search`](VectorIndex::search)'s.
    fn search_preassigned(
        &self,
        _query: &[f32],
        _k: usize,
        _params: &SearchParams,
        _coarse: &Coarse,
        _exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Neighbor>> {
        Err(Error::Unsupported(
            "a preassigned search of an index that is not IVF".into(),
        ))
    }

    /// For an HNSW index: its graph, which [`HnswGraph::search`] searches instead of Faiss
    /// (distances from the index's 8-bit codes, or exact from the segment's vectors when the
    /// index stored `f32` rows). `None` for other kinds, and for a graph that failed its checks
    /// or a storage it cannot read (searches then go through Faiss).
    fn graph(&self) -> Option<&HnswGraph> {
        None
    }

    /// Range search: per query, every row Faiss finds at distance `< radius` (Kiln's
    /// convention), sorted by distance then row.
    ///
    /// The C API has no range search with parameters, so: `exclude` is applied after Faiss
    /// returns (exact, since range search has no `k` that excluded rows could crowd out);
    /// `nprobe` / `ef_search` other than the index's own are set on the index under its write
    /// lock for the call. IVF and HNSW range search are approximate like their k-NN search
    /// (only probed lists / the beam are examined); Flat is exact. IVF-PQ range search is
    /// supported by Faiss 1.12; factory indexes may refuse it (an error value).
    fn range_search(
        &self,
        queries: &[f32],
        radius: f32,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::SegmentIndex {}
    impl Sealed for super::MappedSegmentIndex {}
    impl Sealed for super::LoadedIndex {}
}

/// The Faiss metric Kiln's metric runs on: cosine is inner product on normalised vectors.
pub(crate) fn faiss_metric(m: Metric) -> FaissMetric {
    match m {
        Metric::L2 => FaissMetric::L2,
        Metric::InnerProduct | Metric::Cosine => FaissMetric::InnerProduct,
    }
}

/// Faiss's distance → Kiln's.
#[inline]
fn to_kiln(metric: Metric, d: f32) -> f32 {
    match metric {
        Metric::L2 => d,
        Metric::InnerProduct => -d,
        Metric::Cosine => 1.0 - d,
    }
}

/// Check that `x` is whole rows of `dim` finite floats; returns the row count.
pub(crate) fn check_finite(x: &[f32], dim: usize) -> Result<usize> {
    if dim == 0 || !x.len().is_multiple_of(dim) {
        return Err(Error::DimensionMismatch {
            expected: dim,
            got: x.len(),
        });
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            vector: i / dim,
            component: i % dim,
        });
    }
    Ok(x.len() / dim)
}

/// The graph in the Faiss bytes of an HNSW index of `rows` rows; `None` (with a warning) when
/// it fails its checks: searches then go through Faiss.
fn read_graph(faiss: &[u8], rows: usize) -> Option<HnswGraph> {
    match HnswGraph::from_faiss_bytes(faiss, rows) {
        Ok(graph) => graph,
        Err(e) => {
            tracing::warn!(error = %e, "HNSW graph not readable; searching through Faiss");
            None
        }
    }
}

/// The shared search path of every index type.
/// One query's assignment to the lists of an IVF template, nearest first
/// ([`VectorIndex::coarse`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Coarse {
    fingerprint: u64,
    lists: Vec<i64>,
    distances: Vec<f32>,
}

impl Coarse {
    /// The fingerprint of the template whose lists these are.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The lists, nearest first.
    pub fn lists(&self) -> &[i64] {
        &self.lists
    }
}

fn coarse_raw(
    raw: &RawIndex,
    info: &IndexInfo,
    query: &[f32],
    lists: usize,
) -> Option<Result<Coarse>> {
    let (fingerprint, nlist) = (info.fingerprint?, info.nlist?);
    Some(
        assign(raw, info.dim, query, lists.clamp(1, nlist)).map(|(distances, lists)| Coarse {
            fingerprint,
            lists,
            distances,
        }),
    )
}

/// `query`'s `lists` nearest lists and their distances (one query of `dim` floats).
fn assign(raw: &RawIndex, dim: usize, query: &[f32], lists: usize) -> Result<(Vec<f32>, Vec<i64>)> {
    if check_finite(query, dim)? != 1 {
        return Err(Error::InvalidArgument(
            "a coarse assignment is of one query".into(),
        ));
    }
    raw.quantizer_search_with_distances(query, lists)
}

#[allow(clippy::too_many_arguments)] // search_raw's arguments and the assignment
fn search_preassigned_raw(
    raw: &RawIndex,
    info: &IndexInfo,
    defaults: SearchParams,
    query: &[f32],
    k: usize,
    params: &SearchParams,
    coarse: &Coarse,
    exclude: Option<&RowBitmap>,
) -> Result<Vec<Neighbor>> {
    if k == 0 {
        return Err(Error::ZeroK);
    }
    if info.fingerprint != Some(coarse.fingerprint) {
        return Err(Error::InvalidArgument(
            "a coarse assignment of another IVF template".into(),
        ));
    }
    if check_finite(query, info.dim)? != 1 {
        return Err(Error::InvalidArgument(
            "a preassigned search takes one query".into(),
        ));
    }
    if info.rows == 0 {
        return Ok(Vec::new());
    }
    let k_eff = effective_k(info.rows, k)?;
    let knobs = knobs(info, defaults, params, k_eff);
    let (dist, labels) = raw.search_preassigned(
        query,
        k_eff,
        knobs.nprobe,
        &coarse.lists,
        &coarse.distances,
        exclude.map(RowBitmap::as_bytes),
    )?;
    Ok(collect(info, labels.into_iter().zip(dist), exclude))
}

fn search_raw(
    raw: &RawIndex,
    info: &IndexInfo,
    defaults: SearchParams,
    queries: &[f32],
    k: usize,
    params: &SearchParams,
    exclude: Option<&RowBitmap>,
) -> Result<Vec<Vec<Neighbor>>> {
    if k == 0 {
        return Err(Error::ZeroK);
    }
    let nq = check_finite(queries, info.dim)?;
    if nq == 0 {
        return Ok(Vec::new());
    }
    if info.rows == 0 {
        return Ok(vec![Vec::new(); nq]);
    }
    let k_eff = effective_k(info.rows, k)?;
    let knobs = knobs(info, defaults, params, k_eff);
    let (dist, labels) = raw.search(queries, k_eff, knobs, exclude.map(RowBitmap::as_bytes))?;
    let mut out = Vec::with_capacity(nq);
    for q in 0..nq {
        let range = q * k_eff..(q + 1) * k_eff;
        let (Some(l), Some(d)) = (labels.get(range.clone()), dist.get(range)) else {
            return Err(Error::corrupted("search result shorter than asked"));
        };
        out.push(collect(
            info,
            l.iter().copied().zip(d.iter().copied()),
            exclude,
        ));
    }
    Ok(out)
}

/// The largest value Faiss can hold in a C `int`: HNSW keeps efSearch, efConstruction and, in
/// its search, k in `int`s, and converts the `double` it is handed for efSearch or
/// efConstruction with `int(val)`, undefined above this.
pub(crate) const C_INT_MAX: usize = i32::MAX as usize;

/// The k a search hands Faiss for an index of `rows ≥ 1` rows: `k` clamped to the rows (more
/// cannot come back), and refused when even that does not fit a C `int` (an index of more than
/// 2^31 − 1 rows asked for all of them: HNSW would truncate k, and no caller could hold the
/// answer anyway).
fn effective_k(rows: usize, k: usize) -> Result<usize> {
    if k == 0 {
        return Err(Error::ZeroK);
    }
    let k = k.min(rows);
    if k > C_INT_MAX {
        return Err(Error::InvalidArgument(format!(
            "k = {k} results from one index: at most 2^31 − 1"
        )));
    }
    Ok(k)
}

/// efSearch clamped to what an index of `rows` rows can use: at least `k` (the caller's k,
/// already clamped to the rows; 1 for range search), at most `max(rows, k)`, and at most
/// [`C_INT_MAX`].
fn clamp_ef_search(ef: usize, k: usize, rows: usize) -> usize {
    let floor = k.max(1);
    let ceiling = rows.max(floor);
    ef.clamp(floor, ceiling).min(C_INT_MAX)
}

/// The per-call settings Faiss gets, every one clamped to what the index can use. `k` is the
/// effective k of a k-NN search (see [`effective_k`]), 1 for a range search.
fn knobs(info: &IndexInfo, defaults: SearchParams, params: &SearchParams, k: usize) -> Knobs {
    let nlist = info.nlist.unwrap_or(1).max(1);
    let knobs = Knobs {
        nprobe: params.nprobe.or(defaults.nprobe).map(|p| p.clamp(1, nlist)),
        ef_search: params
            .ef_search
            .or(defaults.ef_search)
            .filter(|_| info.kind.is_hnsw())
            .map(|e| clamp_ef_search(e, k, info.rows)),
    };
    debug_assert!(knobs.ef_search.is_none_or(|e| (1..=C_INT_MAX).contains(&e)));
    debug_assert!(knobs.nprobe.is_none_or(|p| (1..=nlist).contains(&p)));
    knobs
}

/// Faiss (label, distance) pairs → sorted neighbours: `-1` and out-of-range labels dropped,
/// excluded rows dropped (a second guard behind the Faiss selector), distances converted.
fn collect(
    info: &IndexInfo,
    pairs: impl Iterator<Item = (i64, f32)>,
    exclude: Option<&RowBitmap>,
) -> Vec<Neighbor> {
    let mut v: Vec<Neighbor> = pairs
        .filter_map(|(label, d)| {
            let row = u32::try_from(label).ok()?;
            if row as usize >= info.rows || exclude.is_some_and(|e| e.contains(row)) {
                return None;
            }
            Some(Neighbor {
                row,
                distance: to_kiln(info.metric, d),
            })
        })
        .collect();
    v.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.row.cmp(&b.row)));
    v
}

fn range_search_raw(
    raw: &RawIndex,
    info: &IndexInfo,
    defaults: SearchParams,
    queries: &[f32],
    radius: f32,
    params: &SearchParams,
    exclude: Option<&RowBitmap>,
) -> Result<Vec<Vec<Neighbor>>> {
    let nq = check_finite(queries, info.dim)?;
    if radius.is_nan() {
        return Err(Error::InvalidArgument("radius is NaN".into()));
    }
    if nq == 0 {
        return Ok(Vec::new());
    }
    if info.rows == 0 {
        return Ok(vec![Vec::new(); nq]);
    }
    // distance < radius  ⇔  L2: d < r;  IP: −ip < r ⇔ ip > −r;  cosine: 1 − ip < r ⇔ ip > 1 − r.
    let faiss_radius = match info.metric {
        Metric::L2 => radius,
        Metric::InnerProduct => -radius,
        Metric::Cosine => 1.0 - radius,
    };
    let knobs = knobs(info, defaults, params, 1);
    let found = raw.range_search(queries, faiss_radius, knobs)?;
    Ok(found
        .into_iter()
        .map(|pairs| {
            let mut v = collect(info, pairs.into_iter(), exclude);
            v.retain(|n| n.distance < radius);
            v
        })
        .collect())
}

/// An in-memory index over one segment's rows (labels = row numbers `0..rows`).
///
/// Built from an [`IvfTemplate`] (IVF kinds) or standalone (Flat, HNSW, factory strings),
/// or read from bytes. It is the only index type that can be merged and serialised.
///
/// Thread-safety: `Send + Sync`, and [`search`](VectorIndex::search) takes `&self`: Faiss's
/// search is called on the const index, with the IVF `nprobe` and the exclusion selector passed
/// per call in freshly built `SearchParameters`. HNSW's `efSearch` cannot be passed per call
/// through Faiss's C API: searches at the index's default `efSearch` (set before the index is
/// shared) run concurrently under a per-index read lock; a search asking for another `efSearch`
/// takes that index's write lock, sets it, searches and restores it, so such searches run one
/// at a time on that index (other indexes are unaffected).
pub struct SegmentIndex {
    raw: RawIndex,
    info: IndexInfo,
    /// The settings on the index itself (applied before it is shared).
    defaults: SearchParams,
    /// For IVF from a template: where the inverted lists are in the Faiss bytes.
    lists: Option<ListsPlace>,
    /// For HNSW: the graph Kiln searches itself, read from the Faiss bytes when they are at
    /// hand (`from_bytes`, `to_bytes`), else serialised for it on first use.
    graph: OnceLock<Option<HnswGraph>>,
}

impl fmt::Debug for SegmentIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentIndex")
            .field("info", &self.info)
            .finish()
    }
}

fn rows_u32(rows: usize) -> Result<()> {
    if rows > u32::MAX as usize {
        return Err(Error::InvalidArgument(format!(
            "{rows} rows: a segment index holds at most 2^32 − 1"
        )));
    }
    Ok(())
}

fn default_params_for(info: &IndexInfo) -> SearchParams {
    SearchParams {
        nprobe: info.nlist.map(default_nprobe),
        ef_search: info.kind.is_hnsw().then_some(DEFAULT_EF_SEARCH),
    }
}

/// Put index-level defaults on an index before it is shared: `wanted` where given, else the
/// crate's defaults for its kind. Returns the settings now in force.
fn apply_defaults(
    raw: &mut RawIndex,
    info: &IndexInfo,
    wanted: SearchParams,
) -> Result<SearchParams> {
    let base = default_params_for(info);
    let nlist = info.nlist.unwrap_or(1).max(1);
    // Clamped as a search clamps them (efSearch at most the rows, at least 1), so a search at
    // the default hands Faiss exactly the index's own setting.
    let d = SearchParams {
        nprobe: base
            .nprobe
            .map(|p| wanted.nprobe.unwrap_or(p).clamp(1, nlist)),
        ef_search: base
            .ef_search
            .map(|e| clamp_ef_search(wanted.ef_search.unwrap_or(e), 1, info.rows)),
    };
    if raw.is_ivf() {
        if let Some(p) = d.nprobe {
            raw.set_nprobe(p)?;
        }
    }
    if let Some(ef) = d.ef_search {
        raw.set_ef_search(ef)?;
    }
    Ok(d)
}

impl SegmentIndex {
    /// Build the index of one segment of an IVF collection: a clone of `template` with
    /// `vectors` (row-major, `template.dim()` floats each) added under labels `0..n`.
    ///
    /// Runs on the calling thread with its OpenMP thread count; costs assigning each row to its
    /// nearest centroid and encoding it. An empty `vectors` gives an empty index.
    pub fn build(template: &IvfTemplate, vectors: &[f32]) -> Result<Self> {
        let rows = check_finite(vectors, template.dim())?;
        rows_u32(rows)?;
        let _span = tracing::debug_span!("build_ivf", rows, nlist = template.nlist()).entered();
        let mut raw = template.raw().try_clone()?;
        let ids: Vec<i64> = (0..rows as i64).collect();
        raw.add_with_ids(vectors, &ids)?;
        let info = IndexInfo {
            kind: template.plan().kind(),
            metric: template.metric(),
            dim: template.dim(),
            rows,
            nlist: Some(template.nlist()),
            fingerprint: Some(template.fingerprint()),
            approximate_distances: template.plan().kind().approximate_distances(),
        };
        Self::finish(raw, info, Some(template.lists()))
    }

    /// Build an index that shares nothing: Flat, HNSW, HNSW over SQ8 codes or a factory string
    /// (trained on `vectors` when it needs training: `HnswSq8` trains its per-component 8-bit
    /// ranges on every row, so no row's code is clipped, then adds the rows to the graph). An
    /// IVF plan trains a private template on `vectors` first (such an index only merges with
    /// its own kind: prefer [`SegmentIndex::build`]).
    ///
    /// The plan is validated ([`IndexPlan::validate`]), then fitted to the rows so that a valid
    /// plan does not fail on a small segment: an IVF `nlist` is clamped to `rows / 39` (at least
    /// 1; the training floor [`plan_index`](crate::plan_index) keeps too) and HNSW's
    /// `ef_construction` to the rows (a beam wider than the graph examines nothing more). IVF
    /// and `HnswSq8` still need at least one training row (256 for PQ): fewer is
    /// [`Error::NotEnoughTrainingRows`].
    pub fn build_standalone(
        plan: &IndexPlan,
        metric: Metric,
        dim: usize,
        vectors: &[f32],
    ) -> Result<Self> {
        plan.validate(dim)?;
        let rows = check_finite(vectors, dim)?;
        rows_u32(rows)?;
        if plan.kind().is_ivf() {
            let nlist = plan
                .nlist()
                .unwrap_or(1)
                .min(rows / MIN_TRAINING_ROWS_PER_LIST)
                .max(1);
            let template = IvfTemplate::train(&plan.with_nlist(nlist), metric, dim, vectors)?;
            return Self::build(&template, vectors);
        }
        let _span = tracing::debug_span!("build", kind = plan.kind().name(), rows).entered();
        let mut raw = Self::standalone_raw(plan, metric, dim, vectors, rows)?;
        raw.add(vectors)?;
        let info = Self::standalone_info(&raw, plan, metric, dim, rows);
        Self::finish(raw, info, None)
    }

    /// A Faiss index for a plan that is not built from a template, with its build parameters
    /// set and, when it needs training, trained on all of `vectors` (`rows` rows, checked),
    /// but empty.
    fn standalone_raw(
        plan: &IndexPlan,
        metric: Metric,
        dim: usize,
        vectors: &[f32],
        rows: usize,
    ) -> Result<RawIndex> {
        // The SQ8 ranges are trained on the rows themselves, so no row is clipped; with no
        // rows there is nothing to train them on.
        if plan.kind() == IndexKind::HnswSq8 && rows == 0 {
            return Err(Error::NotEnoughTrainingRows { needed: 1, got: 0 });
        }
        let mut raw = RawIndex::factory(dim, &plan.factory_string(), faiss_metric(metric))?;
        if let IndexPlan::Hnsw {
            ef_construction, ..
        }
        | IndexPlan::HnswSq8 {
            ef_construction, ..
        } = plan
        {
            raw.set_ef_construction((*ef_construction).min(rows).max(1))?;
        }
        if !raw.is_trained() {
            raw.train(vectors)?;
        }
        Ok(raw)
    }

    fn standalone_info(
        raw: &RawIndex,
        plan: &IndexPlan,
        metric: Metric,
        dim: usize,
        rows: usize,
    ) -> IndexInfo {
        IndexInfo {
            kind: plan.kind(),
            metric,
            dim,
            rows,
            nlist: raw.nlist(),
            fingerprint: None,
            approximate_distances: plan.kind().approximate_distances(),
        }
    }

    /// [`build`](SegmentIndex::build), then the index's [`RecallCurve`] over `nprobe`, measured
    /// on `curve.sample` of its rows held out of the answers (see
    /// [`measure_recall_curve`](crate::measure_recall_curve)). The index is the one
    /// [`build`](SegmentIndex::build) makes. The curve is `None` for fewer than 2 rows.
    ///
    /// Costs, on top of the build, `sample × rows` exact distances and at most
    /// [`MAX_LADDER_STEPS`](crate::MAX_LADDER_STEPS) batch searches of the sample (figures in
    /// the crate's `recall_curves.rs` test).
    pub fn build_measured(
        template: &IvfTemplate,
        vectors: &[f32],
        curve: &CurveSettings,
    ) -> Result<(Self, Option<RecallCurve>)> {
        let index = Self::build(template, vectors)?;
        let measured = index.measure_built(vectors, curve)?;
        Ok((index, measured))
    }

    /// [`build_standalone`](SegmentIndex::build_standalone), and the index's [`RecallCurve`]
    /// when it has a knob (`None` for Flat, factory indexes that are not IVF, and fewer than 2
    /// rows).
    ///
    /// HNSW kinds are built in two steps so that the curve is measured on rows the graph does
    /// not hold: the graph gets all rows but the last `held` = `min(curve.sample, rows / 10)`
    /// (at least 1), the curve is measured with those rows as queries (truth: the other rows),
    /// then they are added (labels stay row numbers: HNSW labels are insertion order, which is
    /// also why the held-out rows are the last ones and not a random draw; a segment's last
    /// rows are its newest). `HnswSq8` trains its ranges on all rows first. The index holds
    /// every row as [`build_standalone`](SegmentIndex::build_standalone)'s would (the graph is
    /// another draw of the same construction: Faiss's parallel insertion is not deterministic
    /// anyway). IVF kinds are built whole and measured like
    /// [`build_measured`](SegmentIndex::build_measured)'s.
    pub fn build_standalone_measured(
        plan: &IndexPlan,
        metric: Metric,
        dim: usize,
        vectors: &[f32],
        curve: &CurveSettings,
    ) -> Result<(Self, Option<RecallCurve>)> {
        if !plan.kind().is_hnsw() {
            let index = Self::build_standalone(plan, metric, dim, vectors)?;
            let measured = index.measure_built(vectors, curve)?;
            return Ok((index, measured));
        }
        plan.validate(dim)?;
        let rows = check_finite(vectors, dim)?;
        rows_u32(rows)?;
        if rows < 2 {
            return Ok((Self::build_standalone(plan, metric, dim, vectors)?, None));
        }
        let _span =
            tracing::debug_span!("build_measured", kind = plan.kind().name(), rows).entered();
        let held = held_out_count(rows, curve.sample);
        let raw = Self::standalone_raw(plan, metric, dim, vectors, rows)?;
        let info = Self::standalone_info(&raw, plan, metric, dim, 0);
        let (index, measured) = Self::insert_measured(raw, info, None, vectors, 0, held, curve)?;
        Ok((index, Some(measured)))
    }

    /// Insert `vectors[from..]` into the graph `raw` (which holds rows `0..from`), the last
    /// `held` of them only after they served as the curve's queries (truth: every row before
    /// them): the two steps of [`build_standalone_measured`](Self::build_standalone_measured)
    /// and [`extend_measured`](Self::extend_measured). `0 < held ≤ rows − from`.
    fn insert_measured(
        mut raw: RawIndex,
        mut info: IndexInfo,
        lists: Option<ListsPlace>,
        vectors: &[f32],
        from: usize,
        held: usize,
        curve: &CurveSettings,
    ) -> Result<(Self, RecallCurve)> {
        let dim = info.dim;
        let rows = vectors.len() / dim.max(1);
        let head = rows - held;
        raw.add(&vectors[from * dim..head * dim])?;
        info.rows = head;
        let partial = Self::finish(raw, info, lists)?;
        let held_rows: Vec<u32> = (head..rows).filter_map(|r| u32::try_from(r).ok()).collect();
        let metric = partial.info.metric;
        let measured =
            measure_held_out_and_filtered(&partial, vectors, metric, curve, &held_rows, None)?;
        let (mut raw, mut info, lists) = partial.into_parts();
        raw.add(&vectors[head * dim..])?;
        info.rows = rows;
        Ok((Self::finish(raw, info, lists)?, measured))
    }

    /// A graph grown from `base`, an HNSW index over the first `base.rows` of `vectors`, by
    /// inserting the rest (the merge technique Lucene adopted: the largest input's graph is
    /// kept and the others' rows are inserted, instead of building from nothing), with its
    /// [`RecallCurve`] measured as [`build_standalone_measured`](Self::build_standalone_measured)
    /// measures it: the last `min(curve.sample, rows / 10, new rows)` rows (at least 1) are
    /// inserted only after they served as the curve's queries.
    ///
    /// The caller vouches that `vectors[..base.rows]` are the rows `base` was built from, in
    /// order (labels stay row numbers). SQ8 codes keep `base`'s trained ranges: the caller
    /// should check that the new rows lie within them (e.g. within the per-component range of
    /// the base rows, which is what the ranges were trained on) or build anew.
    ///
    /// Errors: `base` not an HNSW kind, no new rows, or `vectors` not extending `base`.
    pub fn extend_measured(
        base: SegmentIndex,
        vectors: &[f32],
        curve: &CurveSettings,
    ) -> Result<(Self, Option<RecallCurve>)> {
        let have = base.info.rows;
        let rows = Self::check_extends(&base, vectors)?;
        let _span =
            tracing::debug_span!("extend_measured", kind = base.info.kind.name(), have, rows)
                .entered();
        let held = held_out_count(rows, curve.sample).min(rows - have).max(1);
        let (raw, info, lists) = base.into_parts();
        let (index, measured) =
            Self::insert_measured(raw, info, lists, vectors, have, held, curve)?;
        Ok((index, Some(measured)))
    }

    /// [`extend_measured`](Self::extend_measured) without a curve: the rows after `base`'s are
    /// inserted, nothing is measured (for a few rows, whose curve would rest on too few
    /// queries; the caller keeps `base`'s).
    pub fn extend(base: SegmentIndex, vectors: &[f32]) -> Result<Self> {
        let (dim, have) = (base.info.dim, base.info.rows);
        let rows = Self::check_extends(&base, vectors)?;
        let (mut raw, mut info, lists) = base.into_parts();
        raw.add(&vectors[have * dim..])?;
        info.rows = rows;
        Self::finish(raw, info, lists)
    }

    /// The rows in `vectors` when they extend the graph `base` (more rows than it holds, all
    /// finite, a row count Faiss labels hold).
    fn check_extends(base: &SegmentIndex, vectors: &[f32]) -> Result<usize> {
        if !base.info.kind.is_hnsw() {
            return Err(Error::InvalidArgument(format!(
                "only a graph grows by insertion, not {}",
                base.info.kind.name()
            )));
        }
        let rows = check_finite(vectors, base.info.dim)?;
        rows_u32(rows)?;
        if rows <= base.info.rows {
            return Err(Error::InvalidArgument(format!(
                "{rows} rows do not extend a graph of {}",
                base.info.rows
            )));
        }
        Ok(rows)
    }

    /// The curve of an index built over all of `vectors` (`None` without a knob or rows).
    fn measure_built(&self, vectors: &[f32], curve: &CurveSettings) -> Result<Option<RecallCurve>> {
        if self.info.nlist.is_none() || self.info.rows < 2 {
            return Ok(None);
        }
        measure_recall_curve(
            self,
            vectors,
            self.info.metric,
            curve.k,
            curve.rerank_factor,
            curve.sample,
            curve.seed,
        )
        .map(Some)
    }

    fn finish(mut raw: RawIndex, info: IndexInfo, lists: Option<ListsPlace>) -> Result<Self> {
        if raw.ntotal() != info.rows as u64 {
            return Err(Error::Faiss {
                op: "add",
                code: 0,
                message: format!("index holds {} vectors, added {}", raw.ntotal(), info.rows),
            });
        }
        let defaults = apply_defaults(&mut raw, &info, SearchParams::default())?;
        Ok(SegmentIndex {
            raw,
            info,
            defaults,
            lists,
            graph: OnceLock::new(),
        })
    }

    /// Change the settings searches use when [`SearchParams`] leaves them `None`: IVF `nprobe`
    /// and HNSW `efSearch` (others are ignored; `None` restores the crate default), clamped
    /// like a search's: nprobe to `1..=nlist`, efSearch to `1..=max(rows, 1)`. Takes
    /// `&mut self`: do it before the index is shared. Searches at these settings run fully
    /// concurrently.
    pub fn set_default_params(&mut self, params: SearchParams) -> Result<()> {
        self.defaults = apply_defaults(&mut self.raw, &self.info, params)?;
        Ok(())
    }

    /// A deep copy (Faiss `clone_index`), e.g. to merge an index that is still being searched.
    pub fn try_clone(&self) -> Result<Self> {
        Ok(SegmentIndex {
            raw: self.raw.try_clone()?,
            info: self.info.clone(),
            defaults: self.defaults,
            lists: self.lists,
            graph: OnceLock::new(),
        })
    }

    pub(crate) fn into_parts(self) -> (RawIndex, IndexInfo, Option<ListsPlace>) {
        (self.raw, self.info, self.lists)
    }

    pub(crate) fn from_parts(
        raw: RawIndex,
        info: IndexInfo,
        lists: Option<ListsPlace>,
    ) -> Result<Self> {
        Self::finish(raw, info, lists)
    }

    /// The index as a Kiln index file: Faiss's serialisation followed by the trailer (kind,
    /// metric, dimension, rows, template fingerprint, CRC32 of the Faiss bytes). Costs one
    /// copy of the index. The caller writes it durably.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        if let (Some(place), Some(nlist)) = (self.lists, self.info.nlist) {
            bytes.reserve(place.max_len(nlist, self.info.rows as u64) + TRAILER_LEN);
        }
        self.raw.write_into(&mut bytes)?;
        let (lists_at, fingerprint) = match (self.lists, self.info.fingerprint) {
            (Some(place), Some(fp)) => {
                let at = place.at;
                let layout = format::parse_lists(&bytes, at as usize)?;
                if layout.end != bytes.len() || layout.ntotal() != self.info.rows as u64 {
                    return Err(Error::corrupted(
                        "serialised IVF lists not where the template put them",
                    ));
                }
                (at, fp)
            }
            _ => (0, 0),
        };
        // The graph a search reads is in these bytes: take it now rather than serialise the
        // index again at the first search (a built index is attached as it is, in memory).
        if self.info.kind.is_hnsw() && self.graph.get().is_none() {
            let _ = self.graph.set(read_graph(&bytes, self.info.rows));
        }
        let trailer = Trailer {
            kind: self.info.kind,
            metric: self.info.metric,
            dim: self.info.dim as u32,
            rows: self.info.rows as u64,
            faiss_len: bytes.len() as u64,
            ivf_lists_at: lists_at,
            fingerprint,
            body_crc: format::body_crc(&bytes),
        };
        bytes.extend_from_slice(&trailer.encode());
        Ok(bytes)
    }

    /// Read an index written by [`to_bytes`](SegmentIndex::to_bytes). Checks, before Faiss sees
    /// a byte: the trailer (magic, version, its own CRC, the length), the CRC of the Faiss bytes,
    /// and that kind-independent facts match `expected`; after: that Faiss consumed exactly the
    /// Faiss bytes and that the index holds what the trailer says. Any failure is an error
    /// value (Faiss's exceptions included).
    pub fn from_bytes(bytes: &[u8], expected: &ExpectedIndex) -> Result<Self> {
        let (faiss, trailer) = split_and_verify(bytes, true)?;
        check_expected(&trailer, expected)?;
        check_faiss_type(&trailer, faiss)?;
        let (raw, used) = RawIndex::read_bytes(faiss)?;
        if used != faiss.len() {
            return Err(Error::corrupted(format!(
                "Faiss read {used} of {} bytes",
                faiss.len()
            )));
        }
        let (info, lists) = check_loaded(&raw, &trailer, |at| {
            let layout = format::parse_lists(faiss, at)?;
            let prefix = faiss.get(..at).unwrap_or(&[]);
            check_ivf_header(prefix, layout.nlist)?;
            if format::fingerprint(prefix) != trailer.fingerprint {
                return Err(Error::corrupted("template fingerprint does not match"));
            }
            Ok(layout)
        })?;
        let index = Self::finish(raw, info, lists)?;
        if index.info.kind.is_hnsw() {
            let _ = index.graph.set(read_graph(faiss, index.info.rows));
        }
        Ok(index)
    }

    /// The template fingerprint of an IVF index built from a template.
    pub fn fingerprint(&self) -> Option<u64> {
        self.info.fingerprint
    }
}

/// Split a Kiln index file into Faiss bytes and trailer, checking the trailer and, when
/// `verify_body`, the body CRC.
fn split_and_verify(bytes: &[u8], verify_body: bool) -> Result<(&[u8], Trailer)> {
    let split = bytes
        .len()
        .checked_sub(TRAILER_LEN)
        .ok_or_else(|| Error::corrupted(format!("{} bytes: too short", bytes.len())))?;
    let (faiss, t) = bytes.split_at(split);
    let trailer = Trailer::decode(t, bytes.len() as u64)?;
    if verify_body {
        let crc = format::body_crc(faiss);
        if crc != trailer.body_crc {
            return Err(Error::ChecksumMismatch {
                path: None,
                expected: trailer.body_crc,
                got: crc,
            });
        }
    }
    Ok((faiss, trailer))
}

fn check_expected(t: &Trailer, e: &ExpectedIndex) -> Result<()> {
    if t.dim as usize != e.dim {
        return Err(Error::Mismatch {
            what: "dimension",
            expected: e.dim.to_string(),
            got: t.dim.to_string(),
        });
    }
    if t.rows != e.rows as u64 {
        return Err(Error::Mismatch {
            what: "rows",
            expected: e.rows.to_string(),
            got: t.rows.to_string(),
        });
    }
    if t.metric != e.metric {
        return Err(Error::Mismatch {
            what: "metric",
            expected: e.metric.name().into(),
            got: t.metric.name().into(),
        });
    }
    Ok(())
}

/// The fourcc Faiss writes first for the index types whose kind alone fixes it: an HNSW
/// kind whose bytes hold another index type (say, flat storage under an `HnswSq8` trailer)
/// would report the wrong [`IndexInfo::approximate_distances`], so it is refused before Faiss
/// reads it.
fn check_faiss_type(t: &Trailer, faiss: &[u8]) -> Result<()> {
    let want: &[u8; 4] = match t.kind {
        IndexKind::Hnsw => b"IHNf",
        IndexKind::HnswSq8 => b"IHNs",
        _ => return Ok(()),
    };
    if faiss.get(..4) != Some(&want[..]) {
        return Err(Error::corrupted(format!(
            "a {} index file that does not hold a Faiss {} index",
            t.kind.name(),
            String::from_utf8_lossy(want)
        )));
    }
    Ok(())
}

/// Check a freshly read Faiss index against its trailer. `lists` parses and checks the IVF
/// lists section at the given offset.
fn check_loaded(
    raw: &RawIndex,
    t: &Trailer,
    lists: impl FnOnce(usize) -> Result<format::ListsLayout>,
) -> Result<(IndexInfo, Option<ListsPlace>)> {
    let bad = |what: &str| Error::corrupted(format!("index contents: {what}"));
    if raw.dim() != t.dim as usize {
        return Err(bad("dimension differs from the trailer"));
    }
    if raw.ntotal() != t.rows {
        return Err(bad("row count differs from the trailer"));
    }
    if raw.metric() != Some(faiss_metric(t.metric)) {
        return Err(bad("metric differs from the trailer"));
    }
    if !raw.is_trained() {
        return Err(bad("untrained"));
    }
    // A factory string may or may not build an IVF; the other kinds are known.
    if t.kind != IndexKind::Factory && t.kind.is_ivf() != raw.is_ivf() {
        return Err(bad("index type differs from the trailer's kind"));
    }
    let nlist = raw.nlist();
    let mut place = None;
    let mut fingerprint = None;
    if t.ivf_lists_at != 0 {
        let layout = lists(t.ivf_lists_at as usize)?;
        if layout.end as u64 != t.faiss_len
            || Some(layout.nlist) != nlist
            || layout.ntotal() != t.rows
        {
            return Err(bad("IVF lists disagree with the index"));
        }
        place = Some(layout.place());
        fingerprint = Some(t.fingerprint);
    } else if t.kind.is_ivf() {
        return Err(bad("IVF index without a lists offset"));
    }
    if let Some(sizes) = raw.list_sizes() {
        if sizes.iter().sum::<u64>() != t.rows {
            return Err(bad("list sizes do not add up to the rows"));
        }
    }
    Ok((
        IndexInfo {
            kind: t.kind,
            metric: t.metric,
            dim: t.dim as usize,
            rows: t.rows as usize,
            nlist,
            fingerprint,
            approximate_distances: t.kind.approximate_distances(),
        },
        place,
    ))
}

impl VectorIndex for SegmentIndex {
    fn info(&self) -> &IndexInfo {
        &self.info
    }

    fn coarse_order(&self, x: &[f32], k: usize) -> Option<Result<Vec<i64>>> {
        (self.info.nlist.is_some() && !self.info.approximate_distances)
            .then(|| self.raw.quantizer_search(x, k))
    }

    fn coarse(&self, query: &[f32], lists: usize) -> Option<Result<Coarse>> {
        coarse_raw(&self.raw, &self.info, query, lists)
    }

    fn search_preassigned(
        &self,
        query: &[f32],
        k: usize,
        params: &SearchParams,
        coarse: &Coarse,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Neighbor>> {
        search_preassigned_raw(
            &self.raw,
            &self.info,
            self.defaults,
            query,
            k,
            params,
            coarse,
            exclude,
        )
    }

    fn default_params(&self) -> SearchParams {
        self.defaults
    }

    fn graph(&self) -> Option<&HnswGraph> {
        if !self.info.kind.is_hnsw() {
            return None;
        }
        self.graph
            .get_or_init(|| {
                let mut bytes = Vec::new();
                match self.raw.write_into(&mut bytes) {
                    Ok(()) => read_graph(&bytes, self.info.rows),
                    Err(e) => {
                        tracing::warn!(error = %e, "HNSW index not serialisable; searching through Faiss");
                        None
                    }
                }
            })
            .as_ref()
    }

    fn search(
        &self,
        queries: &[f32],
        k: usize,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>> {
        search_raw(
            &self.raw,
            &self.info,
            self.default_params(),
            queries,
            k,
            params,
            exclude,
        )
    }

    fn range_search(
        &self,
        queries: &[f32],
        radius: f32,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>> {
        range_search_raw(
            &self.raw,
            &self.info,
            self.default_params(),
            queries,
            radius,
            params,
            exclude,
        )
    }
}

/// A read-only, memory-mapped index file. It cannot be added to, merged, cloned or serialised:
/// Faiss aborts the process when a mapped index is mutated or used as a merge source, so this
/// type has no method that could. To merge a mapped segment's index, [`load`] it
/// [`InMemory`](LoadMode::InMemory).
///
/// ```compile_fail,E0308
/// # use kiln_index::{MappedSegmentIndex, MergePart, SegmentIndex};
/// fn merge_mapped(m: MappedSegmentIndex) {
///     // A merge source must be an in-memory SegmentIndex.
///     let _ = SegmentIndex::merge(vec![MergePart { index: m, deleted: None }]);
/// }
/// ```
///
/// Flags (Faiss 1.12): `IO_FLAG_MMAP_IFC` (`1 << 9`) for every kind. It maps the file once and
/// makes every `MaybeOwnedVector` a view of it: Flat codes, HNSW storage and graph, and IVF
/// list codes and ids (1.12's `ArrayInvertedLists` holds `MaybeOwnedVector`s). The older IVF
/// flag `IO_FLAG_MMAP | IO_FLAG_READ_ONLY` (`0x646f0008 | 2`, an `OnDiskInvertedLists`)
/// starts up to 32 prefetch threads per search call: on the dev set (IVF384, nprobe 66) it
/// opened in 0.2 ms instead of 4 ms but searched one query at a time ~9× slower (≈ 270 vs
/// 2,400 QPS), so it is not used. Faiss 1.12 reading IVF lists with `IO_FLAG_MMAP_IFC` first
/// allocates and zero-fills every list on the heap and only then swaps in views of the
/// mapping: the peak memory of a mapped IVF load is that of an in-memory one, and the freed
/// lists are mostly small chunks that glibc keeps for reuse rather than returning to the OS
/// (measured, 200k × 96 IVF-Flat, 79 MB file: resident anonymous memory +58 MB after a mapped
/// load, +78 MB loaded in memory). Call [`release_free_heap`](crate::release_free_heap) once
/// after opening a batch of mapped IVF indexes to return it (+2.4 MB after the trim); it is not
/// done per load because it walks the whole process heap (a few ms here). The file must not change while mapped (index files are immutable).
pub struct MappedSegmentIndex {
    raw: RawIndex,
    info: IndexInfo,
    defaults: SearchParams,
    /// For HNSW: the graph Kiln searches itself, copied out of the file when it is opened.
    graph: Option<HnswGraph>,
}

impl fmt::Debug for MappedSegmentIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedSegmentIndex")
            .field("info", &self.info)
            .finish()
    }
}

impl MappedSegmentIndex {
    /// Map the index file at `path`. `verify_body`: also check the CRC of the Faiss bytes
    /// (reads the whole file once through a read-only map).
    ///
    /// Refused with an [`Error::Io`] of kind `OutOfMemory` when the process is short of
    /// mappings (as [`load`] counts them; [`load`] falls back to memory instead), since Faiss
    /// would not notice its `mmap` failing.
    pub fn open(path: &Path, expected: &ExpectedIndex, verify_body: bool) -> Result<Self> {
        Self::open_if_room(path, expected, verify_body, headroom::current_usage)
    }

    fn open_if_room(
        path: &Path,
        expected: &ExpectedIndex,
        verify_body: bool,
        usage: impl FnOnce() -> Option<headroom::MapUsage>,
    ) -> Result<Self> {
        if let Some(u) = usage().filter(|u| !headroom::may_map(u.in_use, u.limit)) {
            let message = format!(
                "{} of vm.max_map_count {} mappings in use: fewer than {} left for a mapped index",
                u.in_use,
                u.limit,
                headroom::margin(u.limit)
            );
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::OutOfMemory, message),
            ));
        }
        Self::open_with_flags(path, expected, verify_body, ffi::IO_FLAG_MMAP_IFC)
    }

    pub(crate) fn open_with_flags(
        path: &Path,
        expected: &ExpectedIndex,
        verify_body: bool,
        flags: std::ffi::c_int,
    ) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        // A read-only map for the checks below (see `ffi::map_read_only` for why that is sound).
        let map = ffi::map_read_only(&file).map_err(|e| Error::io(path, e))?;
        let bytes: &[u8] = &map;
        let (faiss, trailer) = split_and_verify(bytes, verify_body).map_err(|e| e.at_path(path))?;
        check_expected(&trailer, expected)?;
        check_faiss_type(&trailer, faiss).map_err(|e| e.at_path(path))?;
        // Before Faiss maps the lists, check that every list lies inside the file: Faiss's mmap
        // paths trust the sizes they read.
        if trailer.ivf_lists_at != 0 {
            let layout = format::parse_lists(faiss, trailer.ivf_lists_at as usize)
                .map_err(|e| e.at_path(path))?;
            if layout.end != faiss.len() {
                return Err(Error::corrupted("IVF lists do not end at the trailer").at_path(path));
            }
        }
        let mut raw = RawIndex::read_file(path, flags)?;
        let (info, _) = check_loaded(&raw, &trailer, |at| format::parse_lists(faiss, at))
            .map_err(|e| e.at_path(path))?;
        let graph = if info.kind.is_hnsw() {
            read_graph(faiss, info.rows)
        } else {
            None
        };
        drop(map);
        let defaults = apply_defaults(&mut raw, &info, SearchParams::default())?;
        Ok(MappedSegmentIndex {
            raw,
            info,
            defaults,
            graph,
        })
    }

    /// As [`SegmentIndex::set_default_params`] (search settings live outside the mapping).
    pub fn set_default_params(&mut self, params: SearchParams) -> Result<()> {
        self.defaults = apply_defaults(&mut self.raw, &self.info, params)?;
        Ok(())
    }
}

impl VectorIndex for MappedSegmentIndex {
    fn info(&self) -> &IndexInfo {
        &self.info
    }

    fn default_params(&self) -> SearchParams {
        self.defaults
    }

    fn graph(&self) -> Option<&HnswGraph> {
        self.graph.as_ref()
    }

    fn coarse(&self, query: &[f32], lists: usize) -> Option<Result<Coarse>> {
        coarse_raw(&self.raw, &self.info, query, lists)
    }

    fn search_preassigned(
        &self,
        query: &[f32],
        k: usize,
        params: &SearchParams,
        coarse: &Coarse,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Neighbor>> {
        search_preassigned_raw(
            &self.raw,
            &self.info,
            self.defaults,
            query,
            k,
            params,
            coarse,
            exclude,
        )
    }

    fn search(
        &self,
        queries: &[f32],
        k: usize,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>> {
        search_raw(
            &self.raw,
            &self.info,
            self.default_params(),
            queries,
            k,
            params,
            exclude,
        )
    }

    fn range_search(
        &self,
        queries: &[f32],
        radius: f32,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>> {
        range_search_raw(
            &self.raw,
            &self.info,
            self.default_params(),
            queries,
            radius,
            params,
            exclude,
        )
    }
}

/// An index loaded by [`load`]: in memory or mapped. The variant says which was done, which
/// is not always what was asked: a mapped load falls back to memory when the process is short
/// of mappings (see [`load`]).
#[derive(Debug)]
pub enum LoadedIndex {
    /// Read into memory (mergeable).
    InMemory(SegmentIndex),
    /// Mapped read-only.
    Mapped(MappedSegmentIndex),
}

impl LoadedIndex {
    fn inner(&self) -> &dyn VectorIndex {
        match self {
            LoadedIndex::InMemory(i) => i,
            LoadedIndex::Mapped(i) => i,
        }
    }
}

impl VectorIndex for LoadedIndex {
    fn info(&self) -> &IndexInfo {
        self.inner().info()
    }

    fn default_params(&self) -> SearchParams {
        self.inner().default_params()
    }

    fn graph(&self) -> Option<&HnswGraph> {
        match self {
            LoadedIndex::InMemory(i) => i.graph(),
            LoadedIndex::Mapped(i) => i.graph(),
        }
    }

    fn search(
        &self,
        queries: &[f32],
        k: usize,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>> {
        self.inner().search(queries, k, params, exclude)
    }

    fn coarse(&self, query: &[f32], lists: usize) -> Option<Result<Coarse>> {
        self.inner().coarse(query, lists)
    }

    fn search_preassigned(
        &self,
        query: &[f32],
        k: usize,
        params: &SearchParams,
        coarse: &Coarse,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Neighbor>> {
        self.inner()
            .search_preassigned(query, k, params, coarse, exclude)
    }

    fn range_search(
        &self,
        queries: &[f32],
        radius: f32,
        params: &SearchParams,
        exclude: Option<&RowBitmap>,
    ) -> Result<Vec<Vec<Neighbor>>> {
        self.inner().range_search(queries, radius, params, exclude)
    }
}

/// Open the Kiln index file at `path` (written from [`SegmentIndex::to_bytes`]) for the segment
/// described by `expected`. A missing, truncated or corrupt file, or one that belongs to
/// another segment, is an error value, never an abort.
///
/// A mapped mode ([`Mapped`](LoadMode::Mapped), [`MappedVerifiedByCaller`](LoadMode::MappedVerifiedByCaller))
/// first checks that the process has mappings to spare: Faiss does not notice a failed `mmap`
/// and would crash on it. When fewer than 1,024 mappings (or 5 % of `vm.max_map_count`,
/// when more) remain, the index is loaded in memory instead, with a warning, and the result is
/// [`LoadedIndex::InMemory`] (which verifies the body checksum whatever the mode asked).
pub fn load(path: &Path, mode: LoadMode, expected: &ExpectedIndex) -> Result<LoadedIndex> {
    load_with_usage(path, mode, expected, headroom::current_usage)
}

/// [`load`] with the mapping count supplied by `usage` (called only for a mapped mode).
fn load_with_usage(
    path: &Path,
    mode: LoadMode,
    expected: &ExpectedIndex,
    usage: impl FnOnce() -> Option<headroom::MapUsage>,
) -> Result<LoadedIndex> {
    let _span = tracing::debug_span!("load_index", path = %path.display(), ?mode).entered();
    let mode = match mode {
        LoadMode::Mapped | LoadMode::MappedVerifiedByCaller => match usage() {
            Some(u) if !headroom::may_map(u.in_use, u.limit) => {
                tracing::warn!(
                    path = %path.display(),
                    mappings = u.in_use,
                    max_map_count = u.limit,
                    margin = headroom::margin(u.limit),
                    "too few memory mappings left for a mapped index: loading it in memory"
                );
                LoadMode::InMemory
            }
            _ => mode,
        },
        LoadMode::InMemory => LoadMode::InMemory,
    };
    match mode {
        LoadMode::InMemory => {
            let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)
                .map_err(|e| Error::io(path, e))?;
            SegmentIndex::from_bytes(&bytes, expected)
                .map(LoadedIndex::InMemory)
                .map_err(|e| e.at_path(path))
        }
        // The headroom was checked above.
        LoadMode::Mapped => {
            MappedSegmentIndex::open_with_flags(path, expected, true, ffi::IO_FLAG_MMAP_IFC)
                .map(LoadedIndex::Mapped)
        }
        LoadMode::MappedVerifiedByCaller => {
            MappedSegmentIndex::open_with_flags(path, expected, false, ffi::IO_FLAG_MMAP_IFC)
                .map(LoadedIndex::Mapped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::clustered;

    fn info(kind: IndexKind, rows: usize, nlist: Option<usize>) -> IndexInfo {
        IndexInfo {
            kind,
            metric: Metric::L2,
            dim: 4,
            rows,
            nlist,
            fingerprint: None,
            approximate_distances: kind.approximate_distances(),
        }
    }

    #[test]
    fn k_is_clamped_to_the_rows_and_to_a_c_int() {
        assert!(matches!(effective_k(10, 0), Err(Error::ZeroK)));
        assert_eq!(effective_k(10, 3).expect("ok"), 3);
        assert_eq!(effective_k(10, usize::MAX).expect("ok"), 10);
        assert_eq!(effective_k(C_INT_MAX, usize::MAX).expect("ok"), C_INT_MAX);
        // Only an index of more than 2^31 − 1 rows asked for more than that is refused.
        assert!(matches!(
            effective_k(u32::MAX as usize, usize::MAX),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(
            effective_k(u32::MAX as usize, 100).expect("ok"),
            100,
            "an ordinary k on a huge index"
        );
    }

    #[test]
    fn every_knob_is_clamped_to_what_the_index_can_use() {
        let huge = SearchParams {
            nprobe: Some(usize::MAX),
            ef_search: Some(usize::MAX),
        };
        let zero = SearchParams {
            nprobe: Some(0),
            ef_search: Some(0),
        };
        let hnsw = info(IndexKind::Hnsw, 500, None);
        let hnsw_defaults = default_params_for(&hnsw);
        // efSearch: at most the rows, at least k.
        assert_eq!(knobs(&hnsw, hnsw_defaults, &huge, 10).ef_search, Some(500));
        assert_eq!(knobs(&hnsw, hnsw_defaults, &zero, 10).ef_search, Some(10));
        assert_eq!(knobs(&hnsw, hnsw_defaults, &zero, 1).ef_search, Some(1));
        let k = effective_k(500, usize::MAX).expect("ok");
        assert_eq!(
            knobs(&hnsw, hnsw_defaults, &SearchParams::default(), k).ef_search,
            Some(500)
        );
        assert_eq!(
            knobs(&hnsw, hnsw_defaults, &SearchParams::default(), 10).ef_search,
            Some(DEFAULT_EF_SEARCH)
        );
        // Not HNSW: no efSearch; nprobe only on IVF and within 1..=nlist.
        assert_eq!(hnsw_defaults.nprobe, None);
        let ivf = info(IndexKind::IvfFlat, 500, Some(16));
        let d = default_params_for(&ivf);
        assert_eq!(
            knobs(&ivf, d, &huge, 10),
            Knobs {
                nprobe: Some(16),
                ef_search: None
            }
        );
        assert_eq!(knobs(&ivf, d, &zero, 10).nprobe, Some(1));
        // An index beyond 2^31 − 1 rows: efSearch still fits a C int.
        let big = info(IndexKind::Hnsw, u32::MAX as usize, None);
        let e = knobs(&big, default_params_for(&big), &huge, 10).ef_search;
        assert_eq!(e, Some(C_INT_MAX));
        let e = clamp_ef_search(usize::MAX, C_INT_MAX, u32::MAX as usize);
        assert_eq!(e, C_INT_MAX);
        // An empty index (searches return before asking Faiss, but the clamp is total).
        assert_eq!(clamp_ef_search(usize::MAX, 1, 0), 1);
    }

    #[test]
    fn a_coarse_assignment_made_once_serves_every_index_of_the_template() {
        let dim = 16;
        let x = clustered(21, 3_000, dim, 24);
        let dir = tempfile::tempdir().expect("tempdir");
        for (i, plan) in [
            IndexPlan::IvfFlat { nlist: 32 },
            IndexPlan::IvfSq8 { nlist: 32 },
        ]
        .into_iter()
        .enumerate()
        {
            let template = IvfTemplate::train(&plan, Metric::L2, dim, &x).expect("train");
            // Two segments of the template, the second also mapped from its file.
            let (a, b) = x.split_at(1_000 * dim);
            let seg_a = SegmentIndex::build(&template, a).expect("a");
            let seg_b = SegmentIndex::build(&template, b).expect("b");
            let path = dir.path().join(format!("b{i}.idx"));
            std::fs::write(&path, seg_b.to_bytes().expect("bytes")).expect("write");
            let expected = ExpectedIndex {
                dim,
                rows: 2_000,
                metric: Metric::L2,
            };
            let mapped = load(&path, LoadMode::Mapped, &expected).expect("load");
            let mut exclude = RowBitmap::new(2_000);
            for r in (0..2_000).step_by(3) {
                exclude.insert(r);
            }
            for (qi, q) in x.chunks_exact(dim).step_by(101).enumerate() {
                let coarse = seg_a.coarse(q, 64).expect("IVF").expect("coarse");
                assert_eq!(coarse.lists().len(), 32);
                for nprobe in [1, 3, 32] {
                    let params = SearchParams {
                        nprobe: Some(nprobe),
                        ef_search: None,
                    };
                    let ex = (qi % 2 == 0).then_some(&exclude);
                    let just_enough = seg_a.coarse(q, nprobe).expect("IVF").expect("coarse");
                    for index in [&seg_b as &dyn VectorIndex, &mapped] {
                        let want = index.search(q, 10, &params, ex).expect("search");
                        for c in [&coarse, &just_enough] {
                            let got = index
                                .search_preassigned(q, 10, &params, c, ex)
                                .expect("preassigned");
                            assert_eq!(got, want[0], "{plan:?} nprobe {nprobe}");
                        }
                    }
                }
            }
            // Refused, not searched: another template's assignment, too short an assignment,
            // a batch, an index that is not IVF.
            let other = IvfTemplate::train(&plan, Metric::L2, dim, b).expect("train");
            let seg_other = SegmentIndex::build(&other, b).expect("other");
            let q = &x[..dim];
            let coarse = seg_a.coarse(q, 32).expect("IVF").expect("coarse");
            let params = SearchParams::default();
            assert!(matches!(
                seg_other.search_preassigned(q, 10, &params, &coarse, None),
                Err(Error::InvalidArgument(_))
            ));
            let short = Coarse {
                lists: coarse.lists[..2].to_vec(),
                distances: coarse.distances[..2].to_vec(),
                ..coarse.clone()
            };
            let wide = SearchParams {
                nprobe: Some(8),
                ef_search: None,
            };
            assert!(seg_b
                .search_preassigned(q, 10, &wide, &short, None)
                .is_err());
            let bad = Coarse {
                lists: vec![99; 32],
                ..coarse.clone()
            };
            assert!(seg_b.search_preassigned(q, 10, &wide, &bad, None).is_err());
            assert!(seg_b
                .search_preassigned(&x[..2 * dim], 10, &params, &coarse, None)
                .is_err());
            assert!(matches!(
                seg_b.search_preassigned(q, 0, &params, &coarse, None),
                Err(Error::ZeroK)
            ));
        }
        let flat =
            SegmentIndex::build_standalone(&IndexPlan::Flat, Metric::L2, dim, &x[..dim * 50])
                .expect("flat");
        assert!(flat.coarse(&x[..dim], 4).is_none());
    }

    fn flat_file(dir: &Path) -> (std::path::PathBuf, ExpectedIndex) {
        let dim = 8;
        let x = clustered(7, 200, dim, 4);
        let index =
            SegmentIndex::build_standalone(&IndexPlan::Flat, Metric::L2, dim, &x).expect("build");
        let path = dir.join("flat.idx");
        std::fs::write(&path, index.to_bytes().expect("bytes")).expect("write");
        let expected = ExpectedIndex {
            dim,
            rows: 200,
            metric: Metric::L2,
        };
        (path, expected)
    }

    #[test]
    fn mapped_loads_fall_back_to_memory_when_mappings_run_short() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, expected) = flat_file(dir.path());
        let plenty = || {
            Some(headroom::MapUsage {
                in_use: 300,
                limit: 65_530,
            })
        };
        let short = || {
            Some(headroom::MapUsage {
                in_use: 65_000,
                limit: 65_530,
            })
        };
        for mode in [LoadMode::Mapped, LoadMode::MappedVerifiedByCaller] {
            let loaded = load_with_usage(&path, mode, &expected, plenty).expect("load");
            assert!(matches!(loaded, LoadedIndex::Mapped(_)), "{mode:?}");
            let loaded = load_with_usage(&path, mode, &expected, short).expect("load");
            assert!(matches!(loaded, LoadedIndex::InMemory(_)), "{mode:?}");
            // Unknown usage: as asked.
            let loaded = load_with_usage(&path, mode, &expected, || None).expect("load");
            assert!(matches!(loaded, LoadedIndex::Mapped(_)), "{mode:?}");
            // Either way it searches the same.
            let q = vec![0.1f32; 8];
            let a = load_with_usage(&path, mode, &expected, short).expect("load");
            let b = load_with_usage(&path, mode, &expected, plenty).expect("load");
            assert_eq!(
                a.search(&q, 5, &SearchParams::default(), None)
                    .expect("search"),
                b.search(&q, 5, &SearchParams::default(), None)
                    .expect("search")
            );
        }
        // An in-memory load never asks.
        let loaded = load_with_usage(&path, LoadMode::InMemory, &expected, || {
            panic!("an in-memory load counted mappings")
        })
        .expect("load");
        assert!(matches!(loaded, LoadedIndex::InMemory(_)));
        // Opening a mapped index directly is refused instead.
        for verify in [true, false] {
            let err = MappedSegmentIndex::open_if_room(&path, &expected, verify, short)
                .expect_err("no room");
            assert!(
                matches!(&err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::OutOfMemory),
                "{err:?}"
            );
            MappedSegmentIndex::open_if_room(&path, &expected, verify, plenty).expect("room");
            MappedSegmentIndex::open_if_room(&path, &expected, verify, || None).expect("unknown");
        }
        // The fallback still checks the file: a damaged one is an error value.
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[40] ^= 1;
        std::fs::write(&path, bytes).expect("write");
        assert!(
            load_with_usage(&path, LoadMode::MappedVerifiedByCaller, &expected, short).is_err()
        );
    }

    #[test]
    fn hnsw_sq8_builds_searches_and_round_trips() {
        let dim = 16;
        // Cosine rows are stored normalised.
        let x: Vec<f32> = clustered(21, 1_500, dim, 20)
            .chunks_exact(dim)
            .flat_map(|v| crate::normalized(v).unwrap_or_default())
            .collect();
        assert_eq!(x.len(), 1_500 * dim);
        let plan = IndexPlan::HnswSq8 {
            m: 12,
            ef_construction: 60,
        };
        let index = SegmentIndex::build_standalone(&plan, Metric::Cosine, dim, &x).expect("build");
        let info = index.info();
        assert_eq!(info.kind, IndexKind::HnswSq8);
        assert!(info.approximate_distances);
        assert_eq!((info.rows, info.nlist), (1_500, None));
        assert_eq!(index.default_params().ef_search, Some(DEFAULT_EF_SEARCH));
        // Row 7 finds itself first, at an estimated distance close to the exact one (0).
        let q = &x[7 * dim..8 * dim];
        let hits = index
            .search(q, 5, &SearchParams::default(), None)
            .expect("search");
        assert_eq!(hits[0][0].row, 7);
        assert!((hits[0][0].distance - Metric::Cosine.distance(q, q)).abs() < 0.05);
        // Its own row excluded, inside Faiss.
        let exclude = RowBitmap::from_rows([7]);
        let hits = index
            .search(q, 5, &SearchParams::default(), Some(&exclude))
            .expect("search");
        assert!(hits[0].iter().all(|n| n.row != 7) && hits[0].len() == 5);
        // Bytes: the Faiss IndexHNSWSQ fourcc, and the same answers after a round trip.
        let bytes = index.to_bytes().expect("bytes");
        assert_eq!(&bytes[..4], b"IHNs");
        let expected = ExpectedIndex {
            dim,
            rows: 1_500,
            metric: Metric::Cosine,
        };
        let back = SegmentIndex::from_bytes(&bytes, &expected).expect("read");
        assert_eq!(back.info(), index.info());
        let params = SearchParams {
            nprobe: None,
            ef_search: Some(100),
        };
        assert_eq!(
            back.search(&x[..dim * 20], 10, &params, None)
                .expect("search"),
            index
                .search(&x[..dim * 20], 10, &params, None)
                .expect("search")
        );
        // No rows: nothing to train the SQ8 ranges on.
        assert!(matches!(
            SegmentIndex::build_standalone(&plan, Metric::Cosine, dim, &[]),
            Err(Error::NotEnoughTrainingRows { needed: 1, got: 0 })
        ));
    }

    #[test]
    fn a_trailer_kind_that_does_not_match_the_faiss_index_is_refused() {
        let dim = 8;
        let x = clustered(22, 400, dim, 8);
        let dir = tempfile::tempdir().expect("tempdir");
        let expected = ExpectedIndex {
            dim,
            rows: 400,
            metric: Metric::L2,
        };
        for (plan, claim) in [
            (
                IndexPlan::Hnsw {
                    m: 8,
                    ef_construction: 40,
                },
                IndexKind::HnswSq8,
            ),
            (
                IndexPlan::HnswSq8 {
                    m: 8,
                    ef_construction: 40,
                },
                IndexKind::Hnsw,
            ),
            (IndexPlan::Flat, IndexKind::HnswSq8),
        ] {
            let index = SegmentIndex::build_standalone(&plan, Metric::L2, dim, &x).expect("build");
            let mut bytes = index.to_bytes().expect("bytes");
            let at = bytes.len() - TRAILER_LEN;
            let mut trailer = Trailer::decode(&bytes[at..], bytes.len() as u64).expect("trailer");
            trailer.kind = claim;
            bytes[at..].copy_from_slice(&trailer.encode());
            let err = SegmentIndex::from_bytes(&bytes, &expected).expect_err("refused");
            assert!(matches!(err, Error::Corrupted { .. }), "{plan:?}: {err:?}");
            let path = dir.path().join("claim.kidx");
            std::fs::write(&path, &bytes).expect("write");
            for mode in [
                LoadMode::InMemory,
                LoadMode::Mapped,
                LoadMode::MappedVerifiedByCaller,
            ] {
                assert!(
                    load_with_usage(&path, mode, &expected, || None).is_err(),
                    "{plan:?} as {claim:?} loaded {mode:?}"
                );
            }
        }
    }

    #[test]
    fn a_graph_extended_by_insertion_holds_every_row_under_its_row_number() {
        let dim = 16;
        let x = clustered(29, 3_000, dim, 25);
        let settings = CurveSettings {
            sample: 100,
            ..CurveSettings::default()
        };
        for plan in [
            IndexPlan::Hnsw {
                m: 8,
                ef_construction: 40,
            },
            IndexPlan::HnswSq8 {
                m: 8,
                ef_construction: 40,
            },
        ] {
            let (base, _) = SegmentIndex::build_standalone_measured(
                &plan,
                Metric::L2,
                dim,
                &x[..2_000 * dim],
                &settings,
            )
            .expect("base");
            for new_rows in [1usize, 50, 1_000] {
                let all = &x[..(2_000 + new_rows) * dim];
                let (grown, curve) =
                    SegmentIndex::extend_measured(base.try_clone().expect("clone"), all, &settings)
                        .expect("extend");
                assert_eq!(grown.info().rows, 2_000 + new_rows, "{plan:?}");
                assert_eq!(grown.info().kind, plan.kind());
                let curve = curve.expect("a curve");
                assert_eq!(
                    curve.queries(),
                    new_rows.min(100),
                    "held out of the new rows"
                );
                let params = SearchParams {
                    nprobe: None,
                    ef_search: Some(200),
                };
                for r in [0usize, 1_999, 2_000, 2_000 + new_rows - 1] {
                    let hits = grown
                        .search(&x[r * dim..(r + 1) * dim], 1, &params, None)
                        .expect("search");
                    assert_eq!(hits[0][0].row as usize, r, "{plan:?} +{new_rows}");
                }
            }
            // Without a curve: the same rows, under their row numbers.
            let grown = SegmentIndex::extend(base.try_clone().expect("clone"), &x).expect("extend");
            assert_eq!(grown.info().rows, 3_000);
            let params = SearchParams {
                nprobe: None,
                ef_search: Some(200),
            };
            let hits = grown
                .search(&x[2_999 * dim..], 1, &params, None)
                .expect("search");
            assert_eq!(hits[0][0].row, 2_999, "{plan:?}");
            assert!(SegmentIndex::extend(base.try_clone().expect("clone"), &x[..dim]).is_err());
            // Nothing to insert, or not a graph: refused.
            assert!(SegmentIndex::extend_measured(
                base.try_clone().expect("clone"),
                &x[..2_000 * dim],
                &settings
            )
            .is_err());
        }
        let ivf = SegmentIndex::build_standalone(
            &IndexPlan::IvfFlat { nlist: 16 },
            Metric::L2,
            dim,
            &x[..2_000 * dim],
        )
        .expect("ivf");
        assert!(SegmentIndex::extend_measured(ivf, &x, &settings).is_err());
    }

    #[test]
    fn measured_builds_hold_every_row_and_bring_a_curve() {
        let dim = 16;
        let x = clustered(23, 2_000, dim, 25);
        let settings = CurveSettings {
            sample: 100,
            ..CurveSettings::default()
        };
        for plan in [
            IndexPlan::Hnsw {
                m: 8,
                ef_construction: 40,
            },
            IndexPlan::HnswSq8 {
                m: 8,
                ef_construction: 40,
            },
            IndexPlan::IvfFlat { nlist: 16 },
            IndexPlan::Flat,
        ] {
            let (index, curve) =
                SegmentIndex::build_standalone_measured(&plan, Metric::L2, dim, &x, &settings)
                    .expect("build");
            assert_eq!(index.info().rows, 2_000, "{plan:?}");
            // The rows held out while measuring (the last ones, for HNSW) are in the index
            // under their row numbers.
            for r in [0usize, 1_950, 1_999] {
                let q = &x[r * dim..(r + 1) * dim];
                let params = SearchParams {
                    nprobe: Some(16),
                    ef_search: Some(200),
                };
                let hits = index.search(q, 1, &params, None).expect("search");
                assert_eq!(hits[0][0].row as usize, r, "{plan:?}");
            }
            match plan.kind() {
                IndexKind::Flat => assert!(curve.is_none()),
                kind => {
                    let curve = curve.expect("a curve");
                    assert_eq!(curve.queries(), 100, "{plan:?}");
                    let want = if kind.is_hnsw() {
                        crate::Knob::EfSearch
                    } else {
                        crate::Knob::Nprobe
                    };
                    assert_eq!(curve.knob(), want);
                    let rf = if kind.approximate_distances() { 4 } else { 1 };
                    assert_eq!(curve.rerank_factor(), rf, "{plan:?}");
                    // Clustered synthetic data is easy: the curve reaches the default target.
                    assert!(
                        curve.picked_point(0.95).recall >= 0.95,
                        "{plan:?}: {curve:?}"
                    );
                }
            }
        }
        // From a template, as the engine builds IVF segments.
        let plan = IndexPlan::IvfSq8 { nlist: 16 };
        let template = IvfTemplate::train(&plan, Metric::L2, dim, &x).expect("train");
        let (index, curve) = SegmentIndex::build_measured(&template, &x, &settings).expect("build");
        assert_eq!(
            index.to_bytes().expect("bytes"),
            SegmentIndex::build(&template, &x)
                .expect("build")
                .to_bytes()
                .expect("bytes"),
            "measuring leaves the index as build makes it"
        );
        assert_eq!(curve.expect("a curve").rerank_factor(), 4);
        // Too few rows for a curve: the index alone.
        let (_, curve) =
            SegmentIndex::build_measured(&template, &x[..dim], &settings).expect("build");
        assert!(curve.is_none());
        let (one, curve) = SegmentIndex::build_standalone_measured(
            &IndexPlan::Hnsw {
                m: 8,
                ef_construction: 40,
            },
            Metric::L2,
            dim,
            &x[..dim],
            &settings,
        )
        .expect("build");
        assert!(curve.is_none());
        assert_eq!(one.info().rows, 1);
    }
}
