//! Recall curves, measured by every index at build time, and exact re-ranking.
//!
//! A [`RecallCurve`] says how much of the exact top-k an index finds at each setting of its one
//! search knob (IVF `nprobe`, HNSW `efSearch`). The engine stores it with the index and searches
//! at [`RecallCurve::tuned`]`(target, k)`: the cheapest measured setting that meets the
//! collection's recall target, instead of one default for every segment and every dataset.
//!
//! ```text
//! queries  = `sample` rows of the segment (at most a tenth of them), held out: the index
//!            never answers with them, and the truth is over the other rows
//!              IVF:  drawn at random (seeded) and excluded inside Faiss by a bitmap, which
//!                    leaves exactly the search of an index without them (the lists probed
//!                    depend only on the query and the centroids)
//!              HNSW: the segment's last rows, which the build adds only after measuring
//!                    (SegmentIndex::build_standalone_measured)
//! truth    = per query, the exact top k of the other rows (Metric::distance)
//! ladder   = knob values, at most MAX_LADDER_STEPS, each one batch search of the queries:
//!            1. from a quarter of the index's default, doubling until recall ≥ 0.99 (or a
//!               doubling gains under 0.001, or the knob's maximum), halving until recall
//!               < 0.80 (or the knob's minimum);
//!            2. then the geometric middle of the neighbouring pair whose miss rates (recalls
//!               clamped to 0.90..=0.99) differ most, while that difference exceeds 10 % and
//!               steps are left.
//! per step = search the candidates (TunedSearch), re-rank them exactly from the rows when the
//!            index's distances are estimates; per query recall@k = the share of its top k
//!            within the exact k-th distance; the point keeps the mean and its standard error,
//!            and the same for every m < k: the share of the exact top m found among the
//!            answer's k ("m in k")
//! ```
//!
//! # Segments share a query's top k
//!
//! The engine searches each segment for k and merges: a segment holding a fraction f of the
//! qualifying rows contributes about k·f of the global top k, its own nearest ones, and what
//! counts is whether the index found those among its k answers. That is the point's recall
//! "m in k" for m = k·f, at least recall@k for the usual index. Picking every segment at
//! recall@k overshoots the target with two segments or more; [`RecallCurve::tuned_for_share`]
//! picks at m instead (dev set through the engine, two segments, target 0.95, two-error
//! margin: 0.981 picked at recall@k, 0.975 at "m in k").
//!
//! # Why held out
//!
//! A query that is a row of the index, even with its own row excluded from the answers, finds
//! more than a fresh query would. Measured on the dev set (15k MiniLM rows, HNSW32): with its
//! own row excluded, an HNSW search from a row lands on that row's node, whose links are its
//! nearest neighbours, so the curve read 0.99 at efSearch 11 where 300 real held-out queries
//! got 0.93 (Faiss's selector filters answers, but the excluded node still routes the
//! search). Built without the held-out rows, the curve (0.95 at efSearch 14, 0.971 at 20)
//! follows the real queries (0.941 at 12, 0.969 at 20). For IVF, excluding a query's own row
//! is already what an index without it would answer; the whole sample is excluded from every
//! query so that one bitmap serves a batch search.
//!
//! The rows as queries remain a little easier than the dev set's 300 real held-out queries:
//! IVF-Flat (nlist 384) at nprobe 16 / 33 / 47 measured 0.907 / 0.948 / 0.964 on 1,500
//! held-out rows and 0.891 / 0.943 / 0.959 on the real queries. That, and the sample's own
//! noise, is what [`RecallCurve::pick`]'s margin of four standard errors is for.
//!
//! # Cost
//!
//! The exact truth is `sample × rows` distances, read block by block so the rows pass through
//! memory once (1,000 × 15,000 × 384-d: about 1.5 s on one core of a loaded machine), on as many
//! scoped threads as the calling thread's Faiss thread count (see
//! [`set_faiss_threads`](crate::set_faiss_threads)); then at most [`MAX_LADDER_STEPS`] batch
//! searches of the sample, dominated by the largest knob value reached (recall ≥ 0.99).
//! Measured in process CPU seconds (`recall_curves.rs`, a 2-core machine shared with other
//! work, Faiss built for AVX2; 1,000 held-out rows on the dev set, 1,000 of 20k synthetic):
//!
//! ```text
//!                           curve CPU   build CPU (IVF: the segment's add; template apart)
//! dev 15k × 384   IVF-Flat    1.1 s       0.1–0.2 s      (template: 0.9–1.2 s, once;
//!                                                        2.7–3.1 s when it was searched)
//!                 IVF-SQ8     3.1–3.3 s   0.1–0.2 s
//!                 HNSW32      1.9–2.5 s   6.0–6.1 s      (30–40 %)
//!                 HNSW32-SQ8  2.1–2.4 s   5.9–6.3 s      (35–40 %)
//! synthetic       IVF-Flat    0.6 s       0.1 s          (template: 1.2 s, once)
//! 20k × 96        IVF-SQ8     0.8 s       0.2 s
//!                 HNSW32      0.7 s       5.2 s          (13 %)
//!                 HNSW32-SQ8  0.7 s       4.9 s          (15 %)
//! ```
//!
//! With 200 held-out rows the dev set's curves cost 0.7–1.3 s (a third), but the pick's margin
//! was about 0.018 of recall instead of 0.008: IVF-Flat searched at nprobe 54–64 instead of 45
//! for the same target.
//!
//! A graph's curve is a third of its build. An IVF segment's build only adds rows to a
//! template trained once per generation, so its curve costs many times the build, most of it
//! the truth and the probes towards 0.99; it is paid once per segment, in the background.
//! IVF-Flat's curve skips the probes: its in-list distances are exact, so a search at nprobe
//! v answers a row of a query's exact top k exactly when the row's list is among the v
//! nearest the query, and the coarse order of the queries and the rows' lists (two searches
//! of the quantizer) give every point; what is left is the truth. Graphs and the row lists
//! (`RowLists`, whose in-list distances are exact too and which are measured that way) also
//! measure a second curve under a simulated filter ([`FILTER_SELECTIVITY`]) for
//! [`RecallCurve::widening`].
//!
//! # Re-ranking
//!
//! Indexes whose distances are estimates from codes
//! ([`IndexInfo::approximate_distances`](crate::IndexInfo::approximate_distances): SQ8, PQ) are
//! searched for more candidates than wanted ([`TunedSearch::candidates`]), which [`rerank`]
//! orders by their exact distances from the segment's rows; the exact distances are also what
//! lets the engine merge them with other segments' answers. The curve is measured exactly that
//! way, so its recall is the recall after re-ranking.

use std::collections::HashSet;

use crate::bitmap::RowBitmap;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::segment::{default_nprobe, Neighbor, SearchParams, VectorIndex, DEFAULT_EF_SEARCH};
use crate::threads::faiss_threads;
use crate::topk::{Hit, TopK};

/// The recall@k a search aims for when the collection states none.
pub const DEFAULT_RECALL_TARGET: f64 = 0.95;
/// How many standard errors above the target [`RecallCurve::pick`] wants the measured recall.
pub const PICK_MARGIN_STDERRS: f64 = 4.0;
/// The most knob values one curve measures (each is one batch search of the sample).
pub const MAX_LADDER_STEPS: usize = 12;
/// The selectivity of the simulated filter a graph's and row lists' curves are also measured
/// under ([`RecallCurve::widening`]): a tenth of the rows, drawn by a seeded hash of the row.
pub const FILTER_SELECTIVITY: f64 = 0.1;
/// Going up a filtered curve's ladder stops at this recall (its steps are the dearest: the
/// beam or the probes pass over nine rejected rows for every qualifying one).
pub(crate) const FILTERED_CEILING: f64 = 0.98;

/// The rows of `0..n` that the simulated filter rejects: all but about
/// [`FILTER_SELECTIVITY`] of them, by a hash of the row and `seed`.
pub(crate) fn filtered_out(n: usize, seed: u64) -> HashSet<u32> {
    let keep = (FILTER_SELECTIVITY * u64::MAX as f64) as u64;
    (0..n)
        .filter_map(|r| u32::try_from(r).ok())
        .filter(|&r| SplitMix64(seed ^ (u64::from(r) << 20)).next() > keep)
        .collect()
}

/// Going up the ladder stops at this recall; higher targets get the largest value measured.
/// (The knob's cost grows fastest up there: on the dev set IVF needs twice the probes for
/// 0.999 that it needs for 0.99, and the steps up there are the curve's dearest.)
pub(crate) const CEILING: f64 = 0.99;
/// Going down the ladder stops below this recall; lower targets get the lowest value measured.
const FLOOR: f64 = 0.80;
/// Going up stops when a doubling gained less than this (the index's recall has saturated,
/// e.g. codes too coarse for the re-ranking depth).
const PLATEAU: f64 = 0.001;
/// Refinement stops when no neighbouring pair of measured values differs by more than this in
/// `−ln(1 − recall)` (recall clamped to `REFINE_FLOOR..=CEILING`): miss rates within about
/// 10 % of each other, e.g. 0.950 and 0.955.
const RESOLUTION: f64 = 0.1;
/// Refinement spends its steps on recalls from here up, where targets are (the default is
/// 0.95): below it, a gap between two measured values is left as it is. A lower target gets a
/// coarser pick, never a lower recall (the pick is the cheapest measured value that meets it).
/// Measured on the dev set's row lists (twelve steps): refining from 0.80 left nprobe 51
/// (0.953) and 72 (0.968) unrefined while 9–25 (0.83–0.91) were refined.
const REFINE_FLOOR: f64 = 0.90;

/// How a recall curve is measured ([`measure_recall_curve`], the `*_measured` builds of
/// [`SegmentIndex`](crate::SegmentIndex)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurveSettings {
    /// Recall@k is measured (default 10).
    pub k: usize,
    /// For an index whose distances are estimates, up to `k × rerank_factor` candidates are
    /// searched and re-ranked exactly (default 4); ignored (1) for exact ones.
    pub rerank_factor: usize,
    /// Rows held out as queries (default 1,000; at most a tenth of the rows). The standard
    /// error of a recall near 0.95 over 1,000 queries is about 0.003 on the dev set (0.006
    /// over 200), so the pick's margin of four errors costs about 0.01 of recall above the target.
    pub sample: usize,
    /// Seeds the choice of rows (IVF).
    pub seed: u64,
}

impl Default for CurveSettings {
    fn default() -> Self {
        CurveSettings {
            k: 10,
            rerank_factor: 4,
            sample: 1_000,
            seed: 0x6b69_6c6e,
        }
    }
}

/// The search knob a curve is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// IVF lists probed ([`SearchParams::nprobe`]).
    Nprobe,
    /// HNSW beam width ([`SearchParams::ef_search`]).
    EfSearch,
}

/// How to search one segment's index for `k` neighbours at a recall target
/// ([`RecallCurve::tuned`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunedSearch {
    /// The knob set to the picked value (the other left `None`).
    pub params: SearchParams,
    /// How many neighbours to ask the index for. When the index's distances are estimates,
    /// re-rank them with [`rerank`] down to `k`; otherwise it is `k`.
    pub candidates: usize,
}

/// One measured point: the knob's value, the mean recall@k of the sample, and its standard
/// error (the per-query recalls' standard deviation over √queries).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvePoint {
    /// The knob's value.
    pub value: u32,
    /// Mean recall@k.
    pub recall: f32,
    /// Standard error of `recall`.
    pub stderr: f32,
}

/// Recall@k of one index by the value of its search knob, measured on rows held out of the
/// index's answers (see the [module documentation](crate::recall) and
/// [`measure_recall_curve`]).
///
/// Invariants (checked on construction and when deserialised, so a damaged stored curve is an
/// error value, not a wrong pick): at least one point, values strictly increasing and ≥ 1,
/// recalls and standard errors in `[0, 1]`, `k ≥ 1`, `rerank_factor ≥ 1`.
///
/// Serialised compactly, points as `[value, recall, stderr]` (serde_json, about 25 bytes a
/// point): `{"knob":"ef_search","k":10,"rerank_factor":1,"queries":200,
/// "points":[[11,0.9025,0.012],[16,0.947,0.008]]}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "CurveRepr", into = "CurveRepr")]
pub struct RecallCurve {
    knob: Knob,
    k: u32,
    rerank_factor: u32,
    queries: u32,
    points: Vec<CurvePoint>,
    /// Per point, the recall "m in k" and its standard error for m = 1..k−1 (empty: not
    /// measured; recall@k stands in).
    partial: Vec<Vec<(f32, f32)>>,
    /// The same knob measured under a simulated filter: (its selectivity, the points).
    filtered: Option<(f32, Vec<CurvePoint>)>,
}

/// The stored form of a [`RecallCurve`], checked by `TryFrom`.
#[derive(serde::Serialize, serde::Deserialize)]
struct CurveRepr {
    knob: Knob,
    k: u32,
    rerank_factor: u32,
    queries: u32,
    points: Vec<PointRepr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    partial: Vec<Vec<(f32, f32)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filtered: Option<(f32, Vec<PointRepr>)>,
}

/// A point as stored: `[value, recall, stderr]`.
type PointRepr = (u32, f32, f32);

impl TryFrom<CurveRepr> for RecallCurve {
    type Error = Error;

    fn try_from(r: CurveRepr) -> Result<Self> {
        let curve = RecallCurve::new(
            r.knob,
            r.k,
            r.rerank_factor,
            r.queries,
            points_from_repr(r.points),
        )?
        .with_partial(r.partial)?;
        match r.filtered {
            None => Ok(curve),
            Some((selectivity, points)) => {
                let filtered = RecallCurve::new(
                    curve.knob,
                    curve.k,
                    curve.rerank_factor,
                    r.queries,
                    points_from_repr(points),
                )?;
                curve.with_filtered(f64::from(selectivity), filtered)
            }
        }
    }
}

impl From<RecallCurve> for CurveRepr {
    fn from(c: RecallCurve) -> Self {
        CurveRepr {
            knob: c.knob,
            k: c.k,
            rerank_factor: c.rerank_factor,
            queries: c.queries,
            points: points_to_repr(&c.points),
            partial: c.partial,
            filtered: c.filtered.map(|(s, points)| (s, points_to_repr(&points))),
        }
    }
}

fn points_from_repr(points: Vec<PointRepr>) -> Vec<CurvePoint> {
    points
        .into_iter()
        .map(|(value, recall, stderr)| CurvePoint {
            value,
            recall,
            stderr,
        })
        .collect()
}

fn points_to_repr(points: &[CurvePoint]) -> Vec<PointRepr> {
    points
        .iter()
        .map(|p| (p.value, p.recall, p.stderr))
        .collect()
}

impl RecallCurve {
    /// A curve from its parts (as the measurement makes them, or read back), checked against
    /// the invariants; a violation is [`Error::InvalidArgument`].
    pub fn new(
        knob: Knob,
        k: u32,
        rerank_factor: u32,
        queries: u32,
        points: Vec<CurvePoint>,
    ) -> Result<Self> {
        let bad = |what: String| Err(Error::InvalidArgument(format!("recall curve: {what}")));
        if k == 0 || rerank_factor == 0 {
            return bad(format!("k = {k}, rerank factor = {rerank_factor}"));
        }
        if points.is_empty() {
            return bad("no points".into());
        }
        let unit = |x: f32| (0.0..=1.0).contains(&x);
        if points
            .iter()
            .any(|p| p.value == 0 || !unit(p.recall) || !unit(p.stderr))
        {
            return bad("a value of 0, or a recall or error outside [0, 1]".into());
        }
        if points.windows(2).any(|w| w[0].value >= w[1].value) {
            return bad("values not strictly increasing".into());
        }
        Ok(RecallCurve {
            knob,
            k,
            rerank_factor,
            queries,
            points,
            partial: Vec::new(),
            filtered: None,
        })
    }

    /// The curve with `filtered`, the same knob measured with only the fraction `selectivity`
    /// of the rows qualifying (a simulated filter, [`FILTER_SELECTIVITY`]): what
    /// [`widening`](RecallCurve::widening) reads. A different knob, or a selectivity outside
    /// (0, 1), is [`Error::InvalidArgument`].
    pub fn with_filtered(mut self, selectivity: f64, filtered: RecallCurve) -> Result<Self> {
        if filtered.knob != self.knob || !(selectivity > 0.0 && selectivity < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "recall curve: a filtered curve over {:?} at selectivity {selectivity}",
                filtered.knob
            )));
        }
        self.filtered = Some((selectivity as f32, filtered.points));
        Ok(self)
    }

    /// How fast the knob must grow as a filter's selectivity `s` falls, measured: the
    /// exponent `α` with `value(s) = value(1) · s^−α` that joins this curve's pick for `target`
    /// and the filtered curve's (both at recall@k, both with the pick's margin), clamped to
    /// `[0, 1]`; `None` without a filtered curve.
    ///
    /// Why measured: the exponent depends on the index and the data, which a fixed rule cannot
    /// know. On the dev set the settled graph measured about 0.58 (efSearch 18 unfiltered, 27
    /// with half the rows matching) and its row lists 0.34 (nprobe 61, 133 with a tenth
    /// matching: recall 0.971 on the real queries for a 0.95 target).
    pub fn widening(&self, target: f64) -> Option<f64> {
        let (s, points) = self.filtered.as_ref()?;
        let base = self.pick(target) as f64;
        let mut at = points.len() - 1;
        for i in (0..points.len()).rev() {
            let p = points[i];
            if f64::from(p.recall) - PICK_MARGIN_STDERRS * f64::from(p.stderr) >= target {
                at = i;
            } else {
                break;
            }
        }
        let filtered = f64::from(points[at].value);
        let alpha = (filtered / base.max(1.0)).ln() / (1.0 / f64::from(*s)).ln();
        Some(if alpha.is_finite() {
            alpha.clamp(0.0, 1.0)
        } else {
            1.0
        })
    }

    /// The curve with, per point, the recall "m in k" and its standard error for m = 1..k−1
    /// (see the [module documentation](crate::recall)): one list per point, each of k − 1
    /// pairs in `[0, 1]`, or no lists at all. A violation is [`Error::InvalidArgument`].
    pub fn with_partial(mut self, partial: Vec<Vec<(f32, f32)>>) -> Result<Self> {
        if partial.is_empty() {
            return Ok(self);
        }
        let unit = |x: f32| (0.0..=1.0).contains(&x);
        let want = self.k as usize - 1;
        if partial.len() != self.points.len()
            || partial
                .iter()
                .any(|p| p.len() != want || p.iter().any(|&(r, e)| !unit(r) || !unit(e)))
        {
            return Err(Error::InvalidArgument(format!(
                "recall curve: partial recalls must be {} lists of {want} pairs in [0, 1]",
                self.points.len()
            )));
        }
        self.partial = partial;
        Ok(self)
    }

    /// Point `i`'s recall "m in k" and standard error (`m ≥ k`, or not measured: recall@k).
    fn recall_in(&self, i: usize, m: usize) -> (f32, f32) {
        let p = self.points[i];
        match self.partial.get(i).and_then(|l| l.get(m.checked_sub(1)?)) {
            Some(&pair) if m < self.k() => pair,
            _ => (p.recall, p.stderr),
        }
    }

    /// The knob the values are of.
    pub fn knob(&self) -> Knob {
        self.knob
    }

    /// The `k` recall was measured at.
    pub fn k(&self) -> usize {
        self.k as usize
    }

    /// Candidates per wanted neighbour the index was searched for, at most, then re-ranked
    /// exactly: 1 for an index with exact distances.
    pub fn rerank_factor(&self) -> usize {
        self.rerank_factor as usize
    }

    /// Queries the recall was averaged over.
    pub fn queries(&self) -> usize {
        self.queries as usize
    }

    /// The measured points, by increasing value.
    pub fn points(&self) -> &[CurvePoint] {
        &self.points
    }

    /// The cheapest measured value from which the recall stays at least
    /// [`PICK_MARGIN_STDERRS`] standard errors above `target` (for the usual monotone curve:
    /// the smallest value with `recall − 4·stderr ≥ target`); the largest value measured when
    /// none does (the best the curve knows: compare [`picked_point`](RecallCurve::picked_point)
    /// with the target to tell).
    ///
    /// Why the margin: the sample is a thousand queries at most, so a point measured at
    /// exactly the target is as likely to fall short of it for the queries that come; taking
    /// the cheapest of several points near the target favours one whose noise was kind; and
    /// rows are easier queries than real ones. With 200 held-out rows, two standard errors
    /// (≈ 0.012 at 0.95) covered the noise but not always the rest: on the dev set one HNSW32
    /// build's curve read 0.966 at efSearch 16 where 300 real held-out queries got 0.948, and
    /// graphs differ from build to build (Faiss inserts in parallel). With 1,000 rows, three
    /// errors (≈ 0.008) once picked efSearch 15, 0.948 on the real queries: the rows were
    /// 0.003–0.011 easier than the real queries over four HNSW builds, 0.004–0.007 for
    /// IVF-Flat. Four errors (≈ 0.010) picked efSearch 17 in five builds (0.954–0.962 on the
    /// real queries) and IVF-Flat nprobe 45 (0.958); see `recall_curves.rs`.
    pub fn pick(&self, target: f64) -> usize {
        self.picked_point(target).value as usize
    }

    /// The point [`pick`](RecallCurve::pick) chooses.
    pub fn picked_point(&self, target: f64) -> CurvePoint {
        self.points[self.pick_index(target, self.k())]
    }

    /// The index of the point [`pick`](RecallCurve::pick) chooses, by the recall "m in k".
    fn pick_index(&self, target: f64, m: usize) -> usize {
        let mut best = self.points.len() - 1;
        for i in (0..self.points.len()).rev() {
            let (recall, stderr) = self.recall_in(i, m);
            if f64::from(recall) - PICK_MARGIN_STDERRS * f64::from(stderr) >= target {
                best = i;
            } else {
                break;
            }
        }
        best
    }

    /// How to search for `k` neighbours at `target`: the knob at [`pick`](RecallCurve::pick)
    /// and the candidates to ask for.
    ///
    /// The curve speaks for recall@[`k`](RecallCurve::k). For a larger `k`, an HNSW beam is
    /// widened in proportion (`value · k / curve k`, rounded up), since HNSW's recall@k
    /// follows efSearch / k; an IVF nprobe is kept (recall@k falls slowly with k at a fixed
    /// nprobe, and its cost does not depend on k). Candidates: `k × rerank_factor` for IVF;
    /// for HNSW the beam's own width within `k ..= k × rerank_factor`, since the beam has
    /// already scored that many and only the re-ranking costs more.
    pub fn tuned(&self, target: f64, k: usize) -> TunedSearch {
        self.tuned_at(self.pick(target), k)
    }

    /// As [`tuned`](RecallCurve::tuned), for a segment that holds the fraction `share` of the
    /// rows a query ranks (so about `k · share` of the query's top k): the knob is picked where
    /// the recall "m in k" for `m = round(min(k, curve k) · share)` (at least 1) meets the
    /// target. `share` ≥ 1 (or not a number) is [`tuned`](RecallCurve::tuned).
    pub fn tuned_for_share(&self, target: f64, k: usize, share: f64) -> TunedSearch {
        let kk = k.clamp(1, self.k());
        let m = if share.is_nan() || share >= 1.0 {
            kk
        } else {
            ((kk as f64 * share.max(0.0)).round() as usize).clamp(1, kk)
        };
        let value = self.points[self.pick_index(target, m)].value as usize;
        self.tuned_at(value, k)
    }

    /// As [`tuned`](RecallCurve::tuned) with the knob at `value` (a value for the curve's
    /// [`k`](RecallCurve::k), e.g. one the user asked for) instead of a picked one: the same
    /// widening for a larger `k` and the same candidates rule.
    pub fn tuned_at(&self, value: usize, k: usize) -> TunedSearch {
        let k = k.max(1);
        let mut value = value.max(1);
        if self.knob == Knob::EfSearch && k > self.k() {
            value = value.saturating_mul(k).div_ceil(self.k());
        }
        TunedSearch {
            params: knob_params(self.knob, value),
            candidates: candidates_for(self.knob, value, k, self.rerank_factor()),
        }
    }
}

impl RecallCurve {
    /// As [`tuned_at`](RecallCurve::tuned_at), with the knob exactly at `value` (a setting the
    /// caller chose, not widened for a larger `k`): only the candidates rule applies.
    pub fn exactly_at(&self, value: usize, k: usize) -> TunedSearch {
        let k = k.max(1);
        let value = value.max(1);
        TunedSearch {
            params: knob_params(self.knob, value),
            candidates: candidates_for(self.knob, value, k, self.rerank_factor()),
        }
    }
}

/// [`SearchParams`] with `knob` at `value`.
fn knob_params(knob: Knob, value: usize) -> SearchParams {
    match knob {
        Knob::Nprobe => SearchParams {
            nprobe: Some(value),
            ef_search: None,
        },
        Knob::EfSearch => SearchParams {
            nprobe: None,
            ef_search: Some(value),
        },
    }
}

/// The candidates a search at `value` asks for (see [`RecallCurve::tuned`]); the measurement
/// and the engine use this one rule.
fn candidates_for(knob: Knob, value: usize, k: usize, rerank_factor: usize) -> usize {
    let most = k.saturating_mul(rerank_factor.max(1));
    match knob {
        Knob::Nprobe => most,
        Knob::EfSearch => value.clamp(k, most),
    }
}

/// The knob of an index, if it has one.
fn knob_of(index: &dyn VectorIndex) -> Option<Knob> {
    let info = index.info();
    if info.kind.is_hnsw() {
        Some(Knob::EfSearch)
    } else if info.nlist.is_some() {
        Some(Knob::Nprobe)
    } else {
        None
    }
}

/// Rows held out of `rows` for a curve: `sample`, at most a tenth of them, at least 1.
pub(crate) fn held_out_count(rows: usize, sample: usize) -> usize {
    sample.min(rows / 10).max(1).min(rows)
}

/// Measure the recall curve of an IVF index (IVF-Flat, -SQ8, -PQ, or a factory IVF) built
/// over all of `rows`, e.g. after a merge, or for an index built before curves existed.
///
/// - `rows`: the vectors the index holds, row-major (`info().rows × info().dim` floats;
///   labels are row numbers), e.g. the segment's mapped vectors (cosine rows normalised).
/// - `metric`: the collection's metric (must be the index's).
/// - `k`: recall@k (clamped to the rows not held out).
/// - `rerank_factor`: see [`CurveSettings::rerank_factor`].
/// - `sample`: rows held out as queries (at most a tenth of the rows), drawn with `seed` and
///   excluded from every query's answers inside Faiss, so each query searches what an index
///   without the sample would hold.
///
/// Searches run as batches on the calling thread with its Faiss thread count. Deleted rows
/// are not known here: the curve is of the index as built.
///
/// Errors: [`Error::Unsupported`] for HNSW kinds (their curve is measured during the build,
/// [`SegmentIndex::build_standalone_measured`](crate::SegmentIndex::build_standalone_measured):
/// excluding rows does not take them out of the graph that routes the search) and for
/// indexes without a knob (Flat, factory indexes that are not IVF); [`Error::Mismatch`] when
/// `rows` or `metric` are not the index's; [`Error::ZeroK`]; [`Error::InvalidArgument`] for a
/// zero `rerank_factor` or `sample`, or fewer than 2 rows; search errors as they come.
pub fn measure_recall_curve(
    index: &dyn VectorIndex,
    rows: &[f32],
    metric: Metric,
    k: usize,
    rerank_factor: usize,
    sample: usize,
    seed: u64,
) -> Result<RecallCurve> {
    let info = index.info();
    let n = info.rows;
    if Some(rows.len()) != n.checked_mul(info.dim) {
        return Err(Error::Mismatch {
            what: "rows",
            expected: format!("{n} × {} floats", info.dim),
            got: format!("{} floats", rows.len()),
        });
    }
    match knob_of(index) {
        Some(Knob::Nprobe) => {}
        Some(Knob::EfSearch) => {
            return Err(Error::Unsupported(
                "measuring the recall curve of a built HNSW index (its rows route the search \
                 even when excluded); use SegmentIndex::build_standalone_measured"
                    .into(),
            ))
        }
        None => {
            return Err(Error::Unsupported(format!(
                "a recall curve of a {} index (no search knob)",
                info.kind.name()
            )))
        }
    }
    let settings = CurveSettings {
        k,
        rerank_factor,
        sample,
        seed,
    };
    check_settings(&settings, n)?;
    let held = sample_rows(n, held_out_count(n, sample), seed);
    let exclude = RowBitmap::from_rows(held.iter().copied());
    measure_held_out(index, rows, metric, &settings, &held, Some(&exclude), None)
}

fn check_settings(s: &CurveSettings, rows: usize) -> Result<()> {
    if s.k == 0 {
        return Err(Error::ZeroK);
    }
    if s.rerank_factor == 0 || s.sample == 0 {
        return Err(Error::InvalidArgument(
            "a recall curve needs a rerank factor and a sample of at least 1".into(),
        ));
    }
    if rows < 2 {
        return Err(Error::InvalidArgument(format!(
            "a recall curve needs at least 2 rows, got {rows}"
        )));
    }
    Ok(())
}

/// [`measure_held_out`], and the same knob again under a simulated filter that keeps about
/// [`FILTER_SELECTIVITY`] of the rows ([`filtered_out`]), attached as the curve's filtered
/// points ([`RecallCurve::widening`]); without them when too few rows would qualify (fewer
/// than 20·k).
pub(crate) fn measure_held_out_and_filtered(
    index: &dyn VectorIndex,
    rows: &[f32],
    metric: Metric,
    settings: &CurveSettings,
    held: &[u32],
    exclude: Option<&RowBitmap>,
) -> Result<RecallCurve> {
    let curve = measure_held_out(index, rows, metric, settings, held, exclude, None)?;
    let n = rows.len() / index.info().dim.max(1);
    let mut out = filtered_out(n, settings.seed ^ 0x6669_6c74);
    for r in held {
        out.remove(r);
    }
    if n.saturating_sub(out.len() + held.len()) < 20 * settings.k.max(1) {
        return Ok(curve);
    }
    let filtered = measure_held_out(index, rows, metric, settings, held, exclude, Some(&out))?;
    curve.with_filtered(FILTER_SELECTIVITY, filtered)
}

/// The curve of `index` on the queries `held` (sorted rows of `rows`, the index's rows plus
/// any it does not hold yet), which the index never answers with: `exclude` keeps them out of
/// the answers, or the index does not hold them (`held` are then rows past its own). The truth
/// is over the rows of `rows` that are not held out — and, under a simulated filter, not in
/// `filter` either (those are excluded from the index's answers too).
pub(crate) fn measure_held_out(
    index: &dyn VectorIndex,
    rows: &[f32],
    metric: Metric,
    settings: &CurveSettings,
    held: &[u32],
    exclude: Option<&RowBitmap>,
    filter: Option<&HashSet<u32>>,
) -> Result<RecallCurve> {
    let info = index.info();
    let dim = info.dim;
    let n = rows.len() / dim.max(1);
    if metric != info.metric {
        return Err(Error::Mismatch {
            what: "metric",
            expected: info.metric.name().into(),
            got: metric.name().into(),
        });
    }
    if dim == 0 || rows.len() != n * dim || info.rows > n {
        return Err(Error::Mismatch {
            what: "rows",
            expected: format!("at least {} × {dim} floats", info.rows),
            got: format!("{} floats", rows.len()),
        });
    }
    check_settings(settings, n)?;
    let Some(knob) = knob_of(index) else {
        return Err(Error::Unsupported(format!(
            "a recall curve of a {} index (no search knob)",
            info.kind.name()
        )));
    };
    let mut held_set: HashSet<u32> = held.iter().copied().collect();
    let mut combined = None;
    if let Some(out) = filter {
        held_set.extend(out.iter().copied());
        let mut b = exclude.cloned().unwrap_or_default();
        for &r in out.iter().filter(|&&r| (r as usize) < info.rows) {
            b.insert(r);
        }
        combined = Some(b);
    }
    let exclude = combined.as_ref().or(exclude);
    let others = n.saturating_sub(held_set.len());
    if held.is_empty() || others == 0 || held.iter().any(|&r| r as usize >= n) {
        return Err(Error::InvalidArgument(format!(
            "{} held-out rows of {n}",
            held.len()
        )));
    }
    let k = settings.k.min(others);
    // An HNSW graph Kiln searches itself (see `graph`), as the engine's queries do.
    let graph = match knob {
        Knob::EfSearch => index.graph(),
        Knob::Nprobe => None,
    };
    let rerank_factor = if info.approximate_distances {
        settings.rerank_factor
    } else {
        1
    };
    let _span = tracing::debug_span!(
        "recall_curve",
        kind = info.kind.name(),
        rows = n,
        k,
        rerank_factor,
        queries = held.len()
    )
    .entered();

    let mut queries = Vec::with_capacity(held.len() * dim);
    for &r in held {
        queries.extend_from_slice(row(rows, dim, r).unwrap_or(&[]));
    }
    let exact = top_hits(metric, rows, dim, held, &held_set, k);
    let truth: Vec<Vec<f32>> = exact
        .iter()
        .map(|t| t.iter().map(|h| h.distance).collect())
        .collect();

    let (lo, hi, start) = match knob {
        Knob::Nprobe => {
            let nlist = info.nlist.unwrap_or(1).max(1);
            let start = index
                .default_params()
                .nprobe
                .unwrap_or(default_nprobe(nlist));
            (1, nlist, start)
        }
        Knob::EfSearch => {
            let hi = info.rows.max(k);
            let start = index
                .default_params()
                .ef_search
                .unwrap_or(DEFAULT_EF_SEARCH);
            (k, hi, start)
        }
    };
    // IVF with exact in-list distances: a search at nprobe v answers the exact top k of the
    // rows in the v lists nearest the query, so a row of the query's exact top k is answered
    // exactly when its list ranks below v — every point follows from the coarse order of the
    // queries and the rows' lists, without searching (the ladder's searches were most of the
    // curve's cost). Ties at the k-th distance aside, the same recall as searching.
    let coarse = match (knob, info.nlist) {
        (Knob::Nprobe, Some(nlist)) => {
            let indexed = rows.get(..info.rows * dim).unwrap_or(&[]);
            match (
                index.coarse_order(&queries, nlist),
                index.coarse_order(indexed, 1),
            ) {
                (Some(order), Some(lists)) => Some((order?, lists?, nlist)),
                _ => None,
            }
        }
        _ => None,
    };
    let ranks: Option<(Vec<Vec<u32>>, Vec<i64>)> = coarse.map(|(order, lists, nlist)| {
        let ranks = order
            .chunks_exact(nlist)
            .map(|o| list_ranks(o.iter().filter_map(|&l| usize::try_from(l).ok()), nlist))
            .collect();
        (ranks, lists)
    });
    let answers = |value: usize| -> Result<Vec<Vec<Neighbor>>> {
        if let Some((ranks, lists)) = &ranks {
            let list_of = |r: u32| lists.get(r as usize).and_then(|&l| usize::try_from(l).ok());
            return Ok(answers_within_probes(&exact, ranks, list_of, value));
        }
        let candidates = candidates_for(knob, value, k, rerank_factor);
        let found = match graph {
            Some(graph) => {
                let indexed = info.rows;
                let accept =
                    |r: u32| (r as usize) < indexed && !exclude.is_some_and(|e| e.contains(r));
                held.iter()
                    .map(|&q| {
                        let query = row(rows, dim, q).unwrap_or(&[]);
                        graph.search(metric, query, rows, candidates, value, accept)
                    })
                    .collect()
            }
            None => index.search(&queries, candidates, &knob_params(knob, value), exclude)?,
        };
        Ok(held
            .iter()
            .zip(found)
            .map(|(&q, answer)| {
                if info.approximate_distances {
                    rerank(
                        metric,
                        row(rows, dim, q).unwrap_or(&[]),
                        &answer,
                        rows,
                        dim,
                        k,
                    )
                } else {
                    answer
                }
            })
            .collect())
    };
    // From a quarter of the default: going up costs at most twice the value where recall
    // reaches the ceiling, while going down from a default far above what the data needs
    // (clustered data: nprobe 3 of a default 141) would pay for every halving.
    let start = (start / 4).clamp(lo, hi.max(lo));
    let held = Held {
        rows,
        dim,
        metric,
        queries: held,
        set: &held_set,
        truth: &truth,
        k,
    };
    let ceiling = if filter.is_some() {
        FILTERED_CEILING
    } else {
        CEILING
    };
    held.curve(
        knob,
        rerank_factor,
        lo..=hi.max(lo),
        start,
        ceiling,
        answers,
    )
}

/// Each list's rank in a query's probe `order` (the lists, nearest first): 0 for the nearest;
/// a list the order leaves out ranks last.
pub(crate) fn list_ranks(order: impl IntoIterator<Item = usize>, nlist: usize) -> Vec<u32> {
    let mut rank = vec![u32::MAX; nlist];
    for (i, l) in order.into_iter().enumerate() {
        if let Some(r) = rank.get_mut(l) {
            *r = i as u32;
        }
    }
    rank
}

/// What a search that is exact within the lists it probes answers at nprobe `value`, as far
/// as recall goes: per query, the rows of its `exact` top k whose list (`list_of`) ranks below
/// `value` in its probe order (`ranks`, from [`list_ranks`]). A row of the exact top k in a
/// probed list is always among the answers, and a row outside it never counts as a hit.
pub(crate) fn answers_within_probes(
    exact: &[Vec<Hit>],
    ranks: &[Vec<u32>],
    list_of: impl Fn(u32) -> Option<usize>,
    value: usize,
) -> Vec<Vec<Neighbor>> {
    exact
        .iter()
        .zip(ranks)
        .map(|(e, rank)| {
            e.iter()
                .filter(|h| {
                    list_of(h.id as u32)
                        .and_then(|l| rank.get(l))
                        .is_some_and(|&r| (r as usize) < value)
                })
                .map(|h| Neighbor {
                    row: h.id as u32,
                    distance: h.distance,
                })
                .collect()
        })
        .collect()
}

/// Held-out rows as queries, with their exact answers among the other rows.
pub(crate) struct Held<'a> {
    pub(crate) rows: &'a [f32],
    pub(crate) dim: usize,
    pub(crate) metric: Metric,
    /// The query rows, increasing.
    pub(crate) queries: &'a [u32],
    pub(crate) set: &'a HashSet<u32>,
    /// Per query, the exact `k` smallest distances to the rows not held out.
    pub(crate) truth: &'a [Vec<f32>],
    pub(crate) k: usize,
}

impl Held<'_> {
    /// The recall curve of a search whose answers (per query, in `queries` order, at most `k`
    /// with exact distances or re-ranked) at a knob value `answers` gives, measured on the
    /// [`ladder`] over `range` from `start`.
    pub(crate) fn curve(
        &self,
        knob: Knob,
        rerank_factor: usize,
        range: std::ops::RangeInclusive<usize>,
        start: usize,
        ceiling: f64,
        answers: impl Fn(usize) -> Result<Vec<Vec<Neighbor>>>,
    ) -> Result<RecallCurve> {
        let (rows, dim, metric, k) = (self.rows, self.dim, self.metric, self.k);
        // Per value: recall@k, then (its standard error, "m in k" for m = 1..k−1).
        type Partial = (f64, Vec<(f32, f32)>);
        let eval = |value: usize| -> Result<(f64, Partial)> {
            let found = answers(value)?;
            // per_m[m - 1][query]: the share of the query's exact top m among its k answers.
            let mut per_m: Vec<Vec<f64>> = vec![Vec::with_capacity(self.queries.len()); k];
            for ((&q, answer), exact) in self.queries.iter().zip(&found).zip(self.truth) {
                let query = row(rows, dim, q).unwrap_or(&[]);
                let distances: Vec<f32> = answer
                    .iter()
                    .take(k)
                    .filter(|a| !self.set.contains(&a.row))
                    .filter_map(|a| row(rows, dim, a.row).map(|v| metric.distance(query, v)))
                    .collect();
                for (m, shares) in (1..=k).zip(per_m.iter_mut()) {
                    let bound = exact.get(m - 1).copied().unwrap_or(f32::INFINITY);
                    let hits = distances.iter().filter(|&&d| d <= bound).count().min(m);
                    shares.push(hits as f64 / m as f64);
                }
            }
            let (recall, stderr) = per_m.last().map_or((0.0, 0.0), |x| mean_and_stderr(x));
            let partial = per_m[..k - 1]
                .iter()
                .map(|x| {
                    let (r, e) = mean_and_stderr(x);
                    (r as f32, e as f32)
                })
                .collect();
            Ok((recall, (stderr, partial)))
        };
        let (lo, hi) = (*range.start(), *range.end());
        let points = ladder(eval, lo, hi, start.clamp(lo, hi), ceiling)?;
        let to_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let partial = points.iter().map(|(_, (_, (_, p)))| p.clone()).collect();
        RecallCurve::new(
            knob,
            to_u32(k),
            to_u32(rerank_factor),
            to_u32(self.queries.len()),
            points
                .into_iter()
                .map(|(v, (r, (e, _)))| CurvePoint {
                    value: to_u32(v),
                    recall: r as f32,
                    stderr: e as f32,
                })
                .collect(),
        )?
        .with_partial(partial)
    }
}

/// The mean of `x` and its standard error (sample standard deviation / √len).
fn mean_and_stderr(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    if x.len() < 2 {
        return (mean, 0.0);
    }
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean.clamp(0.0, 1.0), (var / n).sqrt().clamp(0.0, 1.0))
}

/// The exact top `k` of `candidates` by their distance to `query` computed from `rows`
/// (row-major, `dim` floats each) with [`Metric::distance`], sorted by distance then row.
///
/// Candidates' own distances are ignored (they may be estimates from codes); a row that
/// appears twice counts once; a row outside `rows` is skipped, and a `query` that is not `dim`
/// floats long gives an empty answer (so a caller that checks for a short answer falls back to
/// an exact scan rather than trusting a wrong one). The cost is one distance per candidate,
/// reading each candidate's row (from a mapped segment: a page per row not yet cached).
pub fn rerank(
    metric: Metric,
    query: &[f32],
    candidates: &[Neighbor],
    rows: &[f32],
    dim: usize,
    k: usize,
) -> Vec<Neighbor> {
    if dim == 0 || query.len() != dim {
        return Vec::new();
    }
    let mut wanted: Vec<u32> = candidates.iter().map(|c| c.row).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // The first float of every row read before any distance, so that the rows' first cache
    // misses overlap (as the graph search does for its codes).
    for &r in &wanted {
        std::hint::black_box(row(rows, dim, r).and_then(|v| v.first().copied()));
    }
    let mut out: Vec<Neighbor> = wanted
        .iter()
        .filter_map(|&r| {
            let v = row(rows, dim, r)?;
            Some(Neighbor {
                row: r,
                distance: metric.distance(query, v),
            })
        })
        .collect();
    out.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.row.cmp(&b.row)));
    out.truncate(k);
    out
}

/// Row `r` of `rows`, if it is whole.
pub(crate) fn row(rows: &[f32], dim: usize, r: u32) -> Option<&[f32]> {
    let start = (r as usize).checked_mul(dim)?;
    rows.get(start..start.checked_add(dim)?)
}

/// SplitMix64: a small seeded generator, so that a curve depends only on its inputs and seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n ≥ 1`), by the multiply-shift reduction.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// `count ≤ n` distinct rows of `0..n` (Floyd's sampling), in increasing order.
pub(crate) fn sample_rows(n: usize, count: usize, seed: u64) -> Vec<u32> {
    let mut rng = SplitMix64(seed);
    let mut chosen = HashSet::with_capacity(count);
    for j in (n - count.min(n))..n {
        let t = rng.below(j as u64 + 1) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    let mut out: Vec<u32> = chosen
        .into_iter()
        .filter_map(|r| u32::try_from(r).ok())
        .collect();
    out.sort_unstable();
    out
}

/// Rows scanned against every query before moving on: about 256 KiB of them, so a block stays
/// in the core's cache while every query passes over it.
fn block_rows(dim: usize) -> usize {
    (65_536 / dim.max(1)).max(16)
}

/// Per query row, the exact distance of its `k`-th nearest row that is not held out: a found
/// row within it counts as a hit, so rows tied at the boundary (duplicates) count whichever of
/// them comes back.
///
/// The rows are read once, block by block, each block against every query (a query at a time
/// over all rows would read them from memory once per query), split into contiguous ranges
/// over the calling thread's Faiss thread count.
#[cfg(test)]
fn kth_distances(
    metric: Metric,
    rows: &[f32],
    dim: usize,
    queries: &[u32],
    held: &HashSet<u32>,
    k: usize,
) -> Vec<f32> {
    top_hits(metric, rows, dim, queries, held, k)
        .into_iter()
        .map(|d| {
            if d.len() == k {
                d.last().map_or(f32::INFINITY, |h| h.distance)
            } else {
                f32::INFINITY
            }
        })
        .collect()
}

/// Per query (a row of `rows`), its exact top `k` among the rows not in `held` (fewer when
/// fewer rows remain), as hits whose id is the row, sorted.
pub(crate) fn top_hits(
    metric: Metric,
    rows: &[f32],
    dim: usize,
    queries: &[u32],
    held: &HashSet<u32>,
    k: usize,
) -> Vec<Vec<Hit>> {
    let n = rows.len() / dim.max(1);
    let query_rows: Vec<&[f32]> = queries
        .iter()
        .map(|&q| row(rows, dim, q).unwrap_or(&[]))
        .collect();
    let block = block_rows(dim);
    let scan = |range: std::ops::Range<usize>| -> Vec<TopK> {
        let mut tops: Vec<TopK> = queries.iter().map(|_| TopK::new(k)).collect();
        let mut start = range.start;
        while start < range.end {
            let end = (start + block).min(range.end);
            let kept: Vec<(u64, &[f32])> = (start..end)
                .filter(|&r| !held.contains(&(r as u32)))
                .filter_map(|r| Some((r as u64, row(rows, dim, r as u32)?)))
                .collect();
            for (query, top) in query_rows.iter().zip(tops.iter_mut()) {
                for &(id, v) in &kept {
                    top.push(Hit {
                        id,
                        distance: metric.distance(query, v),
                    });
                }
            }
            start = end;
        }
        tops
    };
    let threads = faiss_threads().clamp(1, n.div_ceil(block).max(1));
    let tops = if threads == 1 {
        scan(0..n)
    } else {
        let chunk = n.div_ceil(threads);
        let parts: Vec<Vec<TopK>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * chunk).min(n)..((t + 1) * chunk).min(n);
                    let scan = &scan;
                    s.spawn(move || scan(range))
                })
                .collect();
            // A scan has no panicking operation; should one panic all the same, the panic goes
            // on to the caller as it would have on one thread.
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut merged: Vec<TopK> = queries.iter().map(|_| TopK::new(k)).collect();
        for part in parts {
            for (m, top) in merged.iter_mut().zip(part) {
                m.extend(top);
            }
        }
        merged
    };
    tops.into_iter().map(TopK::into_sorted).collect()
}

/// Measure `eval` (mean recall, standard error) over knob values in `lo..=hi` from `start`
/// (see the module documentation); returns the points by increasing value, at most
/// [`MAX_LADDER_STEPS`] of them.
fn ladder<T: Clone>(
    mut eval: impl FnMut(usize) -> Result<(f64, T)>,
    lo: usize,
    hi: usize,
    start: usize,
    ceiling: f64,
) -> Result<Vec<(usize, (f64, T))>> {
    let mut points: Vec<(usize, (f64, T))> = Vec::with_capacity(MAX_LADDER_STEPS);
    let mut measure = |v: usize, points: &mut Vec<(usize, (f64, T))>| -> Result<f64> {
        let r = eval(v)?;
        let recall = r.0;
        let at = points.partition_point(|p| p.0 < v);
        points.insert(at, (v, r));
        Ok(recall)
    };
    // Up from the start until the recall is high enough, stops improving, or the knob ends.
    let mut v = start;
    let mut r = measure(v, &mut points)?;
    let r_start = r;
    while r < ceiling && v < hi && points.len() < MAX_LADDER_STEPS {
        let next = v.saturating_mul(2).min(hi);
        let rn = measure(next, &mut points)?;
        let gain = rn - r;
        (v, r) = (next, rn);
        if gain < PLATEAU {
            break;
        }
    }
    // Down from the start until the recall is below any target worth serving.
    let (mut low, mut r_low) = (start, r_start);
    while r_low >= FLOOR && low > lo && points.len() < MAX_LADDER_STEPS {
        low = (low / 2).max(lo);
        r_low = measure(low, &mut points)?;
    }
    // Refine where the miss rate falls most (by ratio), in the range that targets use.
    let misses = |r: f64| -(1.0 - r.clamp(REFINE_FLOOR, ceiling)).ln();
    while points.len() < MAX_LADDER_STEPS {
        let widest = points
            .windows(2)
            .filter(|w| w[1].0 > w[0].0 + 1)
            .map(|w| (misses(w[1].1 .0) - misses(w[0].1 .0), w[0].0, w[1].0))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((gap, a, b)) = widest else { break };
        if gap <= RESOLUTION {
            break;
        }
        let mid = ((a as f64 * b as f64).sqrt().round() as usize).clamp(a + 1, b - 1);
        measure(mid, &mut points)?;
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::IndexPlan;
    use crate::test_support::clustered;
    use crate::SegmentIndex;

    fn n(row: u32, distance: f32) -> Neighbor {
        Neighbor { row, distance }
    }

    fn p(value: u32, recall: f32, stderr: f32) -> CurvePoint {
        CurvePoint {
            value,
            recall,
            stderr,
        }
    }

    #[test]
    fn rerank_orders_by_exact_distance_then_row() {
        let dim = 2;
        let rows = [0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0];
        let query = [0.9, 0.0];
        // Estimated distances in the wrong order, a duplicate, and a row outside the rows.
        let cands = [
            n(2, 0.0),
            n(0, 0.1),
            n(1, 5.0),
            n(3, 5.0),
            n(3, 9.0),
            n(7, 0.0),
        ];
        let out = rerank(Metric::L2, &query, &cands, &rows, dim, 10);
        let got: Vec<u32> = out.iter().map(|x| x.row).collect();
        assert_eq!(got, vec![1, 3, 0, 2]);
        assert_eq!(out[0].distance, Metric::L2.distance(&query, &rows[2..4]));
        assert_eq!(
            out[0].distance, out[1].distance,
            "rows 1 and 3 are equal: tie by row"
        );
        assert_eq!(rerank(Metric::L2, &query, &cands, &rows, dim, 2).len(), 2);
        assert!(rerank(Metric::L2, &query, &cands, &rows, dim, 0).is_empty());
        assert!(rerank(Metric::L2, &[1.0], &cands, &rows, dim, 3).is_empty());
        assert!(rerank(Metric::L2, &query, &cands, &rows, 0, 3).is_empty());
        assert!(rerank(Metric::L2, &query, &[], &rows, dim, 3).is_empty());
        let ip = rerank(Metric::InnerProduct, &query, &cands, &rows, dim, 1);
        assert_eq!(ip[0].row, 2, "the largest product ranks first");
    }

    #[test]
    fn sampling_is_seeded_distinct_and_in_range() {
        let a = sample_rows(1_000, 200, 7);
        assert_eq!(a, sample_rows(1_000, 200, 7));
        assert_ne!(a, sample_rows(1_000, 200, 8));
        assert_eq!(a.len(), 200);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|&r| r < 1_000));
        assert_eq!(sample_rows(5, 5, 1), vec![0, 1, 2, 3, 4]);
        assert_eq!(sample_rows(5, 9, 1), vec![0, 1, 2, 3, 4]);
        assert!(sample_rows(5, 0, 1).is_empty());
        // Spread over the range, not bunched at one end.
        let s = sample_rows(100_000, 1_000, 3);
        let low = s.iter().filter(|&&r| r < 50_000).count();
        assert!((400..600).contains(&low), "{low}");
        assert_eq!(held_out_count(15_000, 200), 200);
        assert_eq!(held_out_count(1_000, 200), 100);
        assert_eq!(held_out_count(5, 200), 1);
        assert_eq!(held_out_count(1, 200), 1);
    }

    #[test]
    fn kth_distances_match_a_plain_scan_on_any_thread_count() {
        let dim = 64;
        let n = 3_000;
        let x = clustered(5, n, dim, 12);
        let queries: Vec<u32> = vec![0, 17, 1_500, 2_999];
        let held: HashSet<u32> = [17u32, 18, 19, 2_000].into_iter().collect();
        let plain: Vec<f32> = queries
            .iter()
            .map(|&q| {
                let qv = &x[q as usize * dim..(q as usize + 1) * dim];
                let mut d: Vec<f32> = (0..n)
                    .filter(|r| !held.contains(&(*r as u32)) && *r != q as usize)
                    .map(|r| Metric::L2.distance(qv, &x[r * dim..(r + 1) * dim]))
                    .collect();
                // A query that is not held out is its own nearest row, at 0.
                if !held.contains(&q) {
                    d.push(0.0);
                }
                d.sort_by(f32::total_cmp);
                d[4]
            })
            .collect();
        assert!(block_rows(dim) < n, "several blocks");
        for threads in [1, 2, 3] {
            let got = crate::with_faiss_threads(threads, || {
                kth_distances(Metric::L2, &x, dim, &queries, &held, 5)
            });
            assert_eq!(got, plain, "{threads} threads");
        }
        // Fewer rows than k: no k-th distance.
        let few = kth_distances(Metric::L2, &x[..3 * dim], dim, &[0], &HashSet::new(), 5);
        assert_eq!(few, vec![f32::INFINITY]);
    }

    #[test]
    fn mean_and_stderr_of_per_query_recalls() {
        assert_eq!(mean_and_stderr(&[]), (0.0, 0.0));
        assert_eq!(mean_and_stderr(&[0.7]), (0.7, 0.0));
        assert_eq!(mean_and_stderr(&[1.0; 50]), (1.0, 0.0));
        let (m, e) = mean_and_stderr(&[1.0, 0.0, 1.0, 0.0]);
        assert_eq!(m, 0.5);
        // Sample variance 1/3, over 4 queries.
        assert!((e - (1.0f64 / 12.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn ladder_brackets_then_refines_within_the_budget() {
        // A smooth recall curve in log(value): 0.5 at 4, 0.995 by 128.
        let curve = |v: usize| 1.0 - 0.5 * (4.0 / v as f64).powf(1.5);
        let mut calls = Vec::new();
        let points = ladder(
            |v| {
                calls.push(v);
                Ok((curve(v).max(0.0), ()))
            },
            1,
            1_000,
            32,
            CEILING,
        )
        .expect("ladder");
        assert!(points.len() <= MAX_LADDER_STEPS);
        assert_eq!(points.len(), calls.len(), "no value measured twice");
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(points.last().expect("points").1 .0 >= CEILING);
        assert!(points[0].1 .0 < FLOOR);
        // Around 0.95 the measured values are close together.
        let above = points
            .iter()
            .find(|p| p.1 .0 >= 0.95)
            .expect("reaches 0.95");
        let below = points.iter().rev().find(|p| p.1 .0 < 0.95).expect("below");
        assert!(above.1 .0 - below.1 .0 <= 0.02, "{points:?}");
    }

    #[test]
    fn ladder_stops_at_a_plateau_and_at_the_ends() {
        // Saturates at 0.97: going up stops after a doubling that gains nothing.
        let points = ladder(
            |v| Ok((if v >= 8 { 0.97 } else { 0.5 }, ())),
            1,
            1 << 20,
            16,
            CEILING,
        )
        .expect("ladder");
        assert!(points.iter().all(|p| p.0 <= 32), "{points:?}");
        // Perfect everywhere: only down to the minimum, never past either end.
        let points = ladder(|_| Ok((1.0, ())), 3, 5, 4, CEILING).expect("ladder");
        let values: Vec<usize> = points.iter().map(|p| p.0).collect();
        assert_eq!(values, vec![3, 4]);
        let points = ladder(|_| Ok((1.0, ())), 1, 1, 1, CEILING).expect("ladder");
        assert_eq!(points.len(), 1);
        // Errors pass through.
        assert!(ladder(|_| Err::<(f64, ()), _>(Error::ZeroK), 1, 8, 4, CEILING).is_err());
    }

    #[test]
    fn pick_is_the_cheapest_value_that_stays_four_standard_errors_above_the_target() {
        let c = RecallCurve::new(
            Knob::Nprobe,
            10,
            1,
            200,
            vec![
                p(4, 0.80, 0.015),
                p(8, 0.93, 0.0075),
                p(12, 0.958, 0.0045),
                p(16, 0.955, 0.0045),
                p(20, 0.953, 0.0045),
                p(24, 0.97, 0.004),
                p(32, 0.99, 0.0015),
            ],
        )
        .expect("valid");
        assert_eq!(c.pick(0.95), 24, "20 is within four errors of the target");
        assert_eq!(c.pick(0.94), 24, "20 and 16 dip within four errors of 0.94");
        assert_eq!(c.pick(0.93), 12);
        assert_eq!(c.pick(0.90), 8);
        assert_eq!(c.pick(0.5), 4);
        assert_eq!(c.pick(0.98), 32);
        assert_eq!(c.pick(0.999), 32, "none reaches it: the largest measured");
        assert_eq!(c.picked_point(0.95).recall, 0.97);
        let t = c.tuned(0.95, 10);
        assert_eq!(
            t,
            TunedSearch {
                params: SearchParams {
                    nprobe: Some(24),
                    ef_search: None
                },
                candidates: 10
            }
        );
        // IVF keeps its nprobe for another k.
        assert_eq!(c.tuned(0.95, 100).params.nprobe, Some(24));
        assert_eq!(c.tuned(0.95, 100).candidates, 100);
    }

    #[test]
    fn tuned_hnsw_searches_scale_the_beam_and_bound_the_candidates() {
        let c = RecallCurve::new(
            Knob::EfSearch,
            10,
            4,
            200,
            vec![p(10, 0.9, 0.01), p(16, 0.965, 0.003), p(64, 0.995, 0.001)],
        )
        .expect("valid");
        let t = c.tuned(0.95, 10);
        assert_eq!(t.params.ef_search, Some(16));
        assert_eq!(t.candidates, 16, "the beam's own width, within k..=4k");
        assert_eq!(c.tuned(0.99, 10).candidates, 40);
        assert_eq!(c.tuned(0.8, 10).candidates, 10);
        let wide = c.tuned(0.95, 25);
        assert_eq!(wide.params.ef_search, Some(40), "16 · 25 / 10");
        assert_eq!(wide.candidates, 40);
        // A smaller k keeps the beam.
        assert_eq!(c.tuned(0.95, 1).params.ef_search, Some(16));
        assert_eq!(c.tuned(0.95, 1).candidates, 4);
        assert_eq!(c.tuned(0.95, 0).candidates, 4, "k = 0 is taken as 1");
    }

    #[test]
    fn a_segment_with_a_share_of_the_rows_is_picked_by_its_share_of_the_top_k() {
        // k = 4: recall "m in 4" for m = 1, 2, 3 per point, then recall@4 in the point.
        let curve = RecallCurve::new(
            Knob::Nprobe,
            4,
            1,
            200,
            vec![p(2, 0.80, 0.0), p(4, 0.90, 0.0), p(8, 0.96, 0.0)],
        )
        .expect("curve")
        .with_partial(vec![
            vec![(0.97, 0.0), (0.93, 0.0), (0.88, 0.0)],
            vec![(0.99, 0.0), (0.97, 0.0), (0.94, 0.0)],
            vec![(1.0, 0.0), (0.99, 0.0), (0.98, 0.0)],
        ])
        .expect("partial");
        let nprobe = |t: TunedSearch| t.params.nprobe;
        // The whole top k: recall@4.
        assert_eq!(nprobe(curve.tuned_for_share(0.95, 4, 1.0)), Some(8));
        assert_eq!(curve.tuned(0.95, 4), curve.tuned_for_share(0.95, 4, 1.0));
        assert_eq!(nprobe(curve.tuned_for_share(0.95, 4, f64::NAN)), Some(8));
        // Half the rows: m = 2.
        assert_eq!(nprobe(curve.tuned_for_share(0.95, 4, 0.5)), Some(4));
        // A sliver: m = 1 (never 0).
        assert_eq!(nprobe(curve.tuned_for_share(0.95, 4, 0.01)), Some(2));
        assert_eq!(nprobe(curve.tuned_for_share(0.95, 4, 0.0)), Some(2));
        // k = 1 asks for the nearest only, whatever the share.
        assert_eq!(nprobe(curve.tuned_for_share(0.95, 1, 1.0)), Some(2));
        // Without partial recalls, recall@k stands in for every m.
        let plain = RecallCurve::new(
            Knob::Nprobe,
            4,
            1,
            200,
            vec![p(2, 0.80, 0.0), p(4, 0.90, 0.0), p(8, 0.96, 0.0)],
        )
        .expect("curve");
        assert_eq!(nprobe(plain.tuned_for_share(0.95, 4, 0.01)), Some(8));
        // Damaged partial recalls are refused, as stored curves are checked on reading.
        for bad in [
            vec![vec![(0.9, 0.0); 3]; 2],
            vec![vec![(0.9, 0.0); 2]; 3],
            vec![vec![(1.5, 0.0); 3]; 3],
        ] {
            assert!(plain.clone().with_partial(bad).is_err());
        }
        let json = serde_json::to_string(&curve).expect("json");
        let back: RecallCurve = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, curve);
        let damaged = json.replace("0.97", "1.97");
        assert!(serde_json::from_str::<RecallCurve>(&damaged).is_err());
    }

    #[test]
    fn curves_round_trip_compactly_and_refuse_damage() {
        let c = RecallCurve::new(
            Knob::EfSearch,
            10,
            4,
            200,
            vec![p(41, 0.93, 0.01), p(64, 0.975, 0.005)],
        )
        .expect("valid");
        let json = serde_json::to_string(&c).expect("serialises");
        assert_eq!(
            json,
            r#"{"knob":"ef_search","k":10,"rerank_factor":4,"queries":200,"points":[[41,0.93,0.01],[64,0.975,0.005]]}"#
        );
        let back: RecallCurve = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, c);
        let head = r#"{"knob":"ef_search","k":10,"rerank_factor":4,"queries":200,"points":"#;
        for bad_points in [
            "[]",
            "[[64,0.9,0.01],[41,0.95,0.01]]",
            "[[41,0.9,0.01],[41,0.95,0.01]]",
            "[[0,0.9,0.01]]",
            "[[8,1.5,0.01]]",
            "[[8,0.5,-0.1]]",
            "[[8,0.5]]",
        ] {
            let bad = format!("{head}{bad_points}}}");
            assert!(serde_json::from_str::<RecallCurve>(&bad).is_err(), "{bad}");
        }
        for bad in [
            r#"{"knob":"ef_search","k":0,"rerank_factor":4,"queries":200,"points":[[8,0.5,0.0]]}"#,
            r#"{"knob":"ef_search","k":10,"rerank_factor":0,"queries":200,"points":[[8,0.5,0.0]]}"#,
            r#"{"knob":"beam","k":10,"rerank_factor":1,"queries":200,"points":[[8,0.5,0.0]]}"#,
        ] {
            assert!(serde_json::from_str::<RecallCurve>(bad).is_err(), "{bad}");
        }
    }

    /// An IVF-Flat curve is computed from the coarse order of the queries and the rows' lists,
    /// without searching: every point must be what searching the index at it gives.
    #[test]
    fn an_ivf_flat_curve_is_what_searching_gives() {
        let (dim, rows, k, sample, seed) = (16, 3_000, 10, 200, 5);
        for metric in [Metric::L2, Metric::InnerProduct] {
            let x = clustered(12, rows, dim, 30);
            let plan = IndexPlan::IvfFlat { nlist: 40 };
            let ivf = SegmentIndex::build_standalone(&plan, metric, dim, &x).expect("build");
            let curve = measure_recall_curve(&ivf, &x, metric, k, 1, sample, seed).expect("curve");
            let held = sample_rows(rows, held_out_count(rows, sample), seed);
            let set: HashSet<u32> = held.iter().copied().collect();
            let exclude = RowBitmap::from_rows(held.iter().copied());
            let truth = top_hits(metric, &x, dim, &held, &set, k);
            let mut queries = Vec::new();
            for &q in &held {
                queries.extend_from_slice(row(&x, dim, q).expect("row"));
            }
            for p in curve.points() {
                let params = SearchParams {
                    nprobe: Some(p.value as usize),
                    ef_search: None,
                };
                let found = ivf
                    .search(&queries, k, &params, Some(&exclude))
                    .expect("search");
                let mut total = 0.0;
                for (answer, exact) in found.iter().zip(&truth) {
                    let bound = exact[k - 1].distance;
                    let hits = answer
                        .iter()
                        .filter(|a| a.distance <= bound + 1e-5 * bound.abs() + 1e-6);
                    total += hits.count().min(k) as f64 / k as f64;
                }
                let searched = total / held.len() as f64;
                assert!(
                    (searched - f64::from(p.recall)).abs() <= 0.002,
                    "{metric:?} nprobe {}: curve {} searched {searched}",
                    p.value,
                    p.recall
                );
            }
        }
    }

    #[test]
    fn ivf_curves_are_measured_on_held_out_rows() {
        let dim = 16;
        let rows = 3_000;
        let x = clustered(11, rows, dim, 30);
        let plan = IndexPlan::IvfFlat { nlist: 32 };
        let ivf = SegmentIndex::build_standalone(&plan, Metric::L2, dim, &x).expect("build");
        let curve = measure_recall_curve(&ivf, &x, Metric::L2, 10, 4, 100, 1).expect("curve");
        assert_eq!(curve.knob(), Knob::Nprobe);
        assert_eq!(
            curve.rerank_factor(),
            1,
            "exact distances are not re-ranked"
        );
        assert_eq!(curve.queries(), 100);
        assert!(curve.points().len() <= MAX_LADDER_STEPS);
        assert!(curve.points().iter().all(|p| p.value <= 32));
        let last = curve.points().last().expect("points");
        assert!(last.recall >= 0.99, "{curve:?}");
        if last.value == 32 {
            assert_eq!(last.recall, 1.0, "all lists probed: IVF-Flat is exact");
        }
        assert_eq!(
            measure_recall_curve(&ivf, &x, Metric::L2, 10, 4, 100, 1).expect("curve"),
            curve,
            "seeded"
        );
        let sq8 =
            SegmentIndex::build_standalone(&IndexPlan::IvfSq8 { nlist: 32 }, Metric::L2, dim, &x)
                .expect("build");
        let curve = measure_recall_curve(&sq8, &x, Metric::L2, 10, 3, 100, 1).expect("curve");
        assert_eq!(curve.rerank_factor(), 3);
        assert_eq!(curve.tuned(0.9, 10).candidates, 30);

        // HNSW, Flat and misuse are error values.
        let hnsw = SegmentIndex::build_standalone(
            &IndexPlan::Hnsw {
                m: 8,
                ef_construction: 40,
            },
            Metric::L2,
            dim,
            &x,
        )
        .expect("build");
        assert!(matches!(
            measure_recall_curve(&hnsw, &x, Metric::L2, 10, 1, 100, 1),
            Err(Error::Unsupported(_))
        ));
        let flat =
            SegmentIndex::build_standalone(&IndexPlan::Flat, Metric::L2, dim, &x).expect("build");
        assert!(matches!(
            measure_recall_curve(&flat, &x, Metric::L2, 10, 1, 100, 1),
            Err(Error::Unsupported(_))
        ));
        assert!(matches!(
            measure_recall_curve(&ivf, &x[..dim * 10], Metric::L2, 10, 1, 100, 1),
            Err(Error::Mismatch { .. })
        ));
        assert!(matches!(
            measure_recall_curve(&ivf, &x, Metric::Cosine, 10, 1, 100, 1),
            Err(Error::Mismatch { .. })
        ));
        assert!(matches!(
            measure_recall_curve(&ivf, &x, Metric::L2, 0, 1, 100, 1),
            Err(Error::ZeroK)
        ));
        assert!(matches!(
            measure_recall_curve(&ivf, &x, Metric::L2, 10, 0, 100, 1),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            measure_recall_curve(&ivf, &x, Metric::L2, 10, 1, 0, 1),
            Err(Error::InvalidArgument(_))
        ));
    }
}
