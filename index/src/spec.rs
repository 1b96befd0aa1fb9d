//! Index specifications, as the user states them and as the catalog stores them, and the rule
//! that turns a spec into what to build for a given number of rows.

use crate::error::{Error, Result};

/// Which index a collection's sealed segments get. Stored with the collection (serde,
/// externally tagged: `"Auto"`, `{"IvfFlat":{"nlist":1024}}`, …); new variants and fields only
/// ever get added with serde defaults, so stored specs keep reading.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum IndexSpec {
    /// Let Kiln choose by segment size, dimension and memory budget (see [`plan_index`]).
    #[default]
    Auto,
    /// Exact search, no index.
    Flat,
    /// IVF with full vectors in the lists.
    IvfFlat {
        /// Number of inverted lists.
        nlist: u32,
    },
    /// IVF with 8-bit scalar-quantised vectors.
    IvfSq8 {
        /// Number of inverted lists.
        nlist: u32,
    },
    /// IVF with product quantisation.
    IvfPq {
        /// Number of inverted lists.
        nlist: u32,
        /// Number of sub-quantisers (bytes per vector); must divide the dimension.
        m: u32,
    },
    /// HNSW graph.
    Hnsw {
        /// Neighbours per node.
        m: u32,
        /// Beam width while building.
        ef_construction: u32,
    },
    /// A raw Faiss `index_factory` description.
    Factory(String),
    /// HNSW graph whose storage holds 8-bit scalar-quantised codes (Faiss `HNSW{m},SQ8`)
    /// instead of the vectors: one byte per component, no f32 copy. Its distances are estimates
    /// from the codes, so searches are re-ranked exactly from the segment's rows (see
    /// [`IndexInfo::approximate_distances`](crate::IndexInfo::approximate_distances) and
    /// [`rerank`](crate::rerank)).
    HnswSq8 {
        /// Neighbours per node.
        m: u32,
        /// Beam width while building.
        ef_construction: u32,
    },
}

impl IndexSpec {
    /// Check the spec against the collection's dimension, as the engine does when a collection
    /// is created: zero or absurd parameters are refused with [`Error::InvalidArgument`] here,
    /// so they never reach Faiss (whose C++ takes them as `int`, where a value above 2^31 − 1
    /// is undefined behaviour, or sizes allocations by them). The bounds:
    ///
    /// - IVF `nlist` in `1..=`[`MAX_NLIST`]; PQ `m` divides the dimension.
    /// - HNSW (plain or SQ8) `m` in `2..=`[`MAX_HNSW_M`], `ef_construction` in
    ///   `1..=`[`MAX_EF_CONSTRUCTION`].
    /// - A factory string is not empty, has no NUL, and no number in it exceeds
    ///   [`MAX_FACTORY_NUMBER`] (nor an `HNSW<m>` above [`MAX_HNSW_M`]); Faiss checks the rest
    ///   of its grammar and reports errors as values.
    ///
    /// A valid spec never fails on a small segment: at build time `nlist` and
    /// `ef_construction` are clamped to what the segment's rows allow.
    pub fn validate(&self, dim: usize) -> Result<()> {
        check_dim(dim)?;
        match self {
            IndexSpec::Auto | IndexSpec::Flat => Ok(()),
            explicit => explicit_plan(explicit).map_or(Ok(()), |plan| plan.validate(dim)),
        }
    }
}

/// The largest number of IVF lists Kiln accepts: 2^20 = 1,048,576, the largest the Faiss
/// guidelines suggest (for a billion vectors). Its coarse centroids alone take `4 · dim` MiB, and
/// training wants 39 rows per list (40 M rows); the Auto rule never goes above 4·√(2^32) =
/// 262,144.
pub const MAX_NLIST: usize = 1 << 20;
/// The largest HNSW `m` Kiln accepts: 256. The bottom layer keeps `2·m` 4-byte links per vector
/// (2 KiB at 256, more than a 384-d vector itself), and recall stops improving well below it
/// (the usual range is 8–64; hnswlib suggests 2–100).
pub const MAX_HNSW_M: usize = 256;
/// The largest HNSW `efConstruction` Kiln accepts: 65,536. Every insert examines a beam of
/// this width, so the build costs grow with it; published recall curves saturate by 500–1,000,
/// and 65,536 is already a few hundred times Faiss's default of 40. (Faiss keeps it in a C
/// `int`.) At build time it is further clamped to the segment's rows: a beam wider than the
/// graph examines nothing more.
pub const MAX_EF_CONSTRUCTION: usize = 65_536;
/// The largest number a factory string may contain (2^20): Faiss parses them with
/// `std::stoi` and does `int` arithmetic on them (`2·M` links, `nlist · d` centroids).
pub const MAX_FACTORY_NUMBER: u64 = 1 << 20;
/// The largest dimension Faiss can take (its `d` is a C `int`).
const MAX_DIM: usize = i32::MAX as usize;

fn invalid<T>(message: String) -> Result<T> {
    Err(Error::InvalidArgument(message))
}

fn check_dim(dim: usize) -> Result<()> {
    if dim == 0 {
        return invalid("dimension 0".into());
    }
    if dim > MAX_DIM {
        return invalid(format!("dimension {dim} is above 2^31 − 1"));
    }
    Ok(())
}

fn check_nlist(nlist: usize) -> Result<()> {
    if nlist == 0 {
        return invalid("nlist must be at least 1".into());
    }
    if nlist > MAX_NLIST {
        return invalid(format!("nlist = {nlist} is above the maximum {MAX_NLIST}"));
    }
    Ok(())
}

fn check_hnsw(m: usize, ef_construction: usize) -> Result<()> {
    if !(2..=MAX_HNSW_M).contains(&m) {
        return invalid(format!("HNSW m = {m} must be in 2..={MAX_HNSW_M}"));
    }
    if !(1..=MAX_EF_CONSTRUCTION).contains(&ef_construction) {
        return invalid(format!(
            "HNSW efConstruction = {ef_construction} must be in 1..={MAX_EF_CONSTRUCTION}"
        ));
    }
    Ok(())
}

fn check_factory(s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return invalid("empty factory string".into());
    }
    if s.contains('\0') {
        return invalid(format!("factory string {s:?} contains NUL"));
    }
    let bytes = s.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        let digits = &s[start..at];
        let value = digits.parse::<u64>().unwrap_or(u64::MAX);
        if value > MAX_FACTORY_NUMBER {
            return invalid(format!(
                "factory string {s:?}: {digits} is above the maximum {MAX_FACTORY_NUMBER}"
            ));
        }
        if s[..start].ends_with("HNSW") && value > MAX_HNSW_M as u64 {
            return invalid(format!(
                "factory string {s:?}: HNSW m = {value} is above the maximum {MAX_HNSW_M}"
            ));
        }
    }
    Ok(())
}

/// The kind of a built index, as stored in index files and metadata. The discriminants are
/// part of the file format: never reuse or renumber them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[repr(u32)]
pub enum IndexKind {
    /// Faiss `IndexFlat`: exact.
    Flat = 1,
    /// `IndexIVFFlat`.
    IvfFlat = 2,
    /// `IndexIVFScalarQuantizer` with 8-bit codes.
    IvfSq8 = 3,
    /// `IndexIVFPQ` with 8-bit sub-quantisers.
    IvfPq = 4,
    /// `IndexHNSWFlat`.
    Hnsw = 5,
    /// Whatever a factory string built.
    Factory = 6,
    /// `IndexHNSWSQ` with 8-bit codes (Faiss `HNSW{m},SQ8`).
    HnswSq8 = 7,
}

impl IndexKind {
    /// The kind stored under `code`.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            1 => IndexKind::Flat,
            2 => IndexKind::IvfFlat,
            3 => IndexKind::IvfSq8,
            4 => IndexKind::IvfPq,
            5 => IndexKind::Hnsw,
            6 => IndexKind::Factory,
            7 => IndexKind::HnswSq8,
            _ => return None,
        })
    }

    /// Whether indexes of this kind are built from a shared [`IvfTemplate`](crate::IvfTemplate)
    /// and can be merged by list concatenation.
    pub fn is_ivf(self) -> bool {
        matches!(
            self,
            IndexKind::IvfFlat | IndexKind::IvfSq8 | IndexKind::IvfPq
        )
    }

    /// Whether indexes of this kind are HNSW graphs searched with an `efSearch` beam (a
    /// factory-built HNSW is not: its kind is [`Factory`](IndexKind::Factory)).
    pub fn is_hnsw(self) -> bool {
        matches!(self, IndexKind::Hnsw | IndexKind::HnswSq8)
    }

    /// Whether the distances a search of this kind returns are estimates from compressed codes
    /// (SQ8, PQ) rather than computed from the full vectors, so that a caller wanting exact
    /// ranking re-ranks the candidates from the rows ([`rerank`](crate::rerank)). A factory
    /// index may hold anything and counts as approximate: re-ranking an exact answer only
    /// costs time.
    pub fn approximate_distances(self) -> bool {
        matches!(
            self,
            IndexKind::IvfSq8 | IndexKind::IvfPq | IndexKind::HnswSq8 | IndexKind::Factory
        )
    }

    /// A short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            IndexKind::Flat => "flat",
            IndexKind::IvfFlat => "ivf-flat",
            IndexKind::IvfSq8 => "ivf-sq8",
            IndexKind::IvfPq => "ivf-pq",
            IndexKind::Hnsw => "hnsw",
            IndexKind::Factory => "factory",
            IndexKind::HnswSq8 => "hnsw-sq8",
        }
    }
}

/// A concrete index to build: a spec resolved for a number of rows (see [`plan_index`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum IndexPlan {
    /// Faiss `IndexFlat` (exact; only built on request, [`plan_index`] never picks it).
    Flat,
    /// IVF with full vectors.
    IvfFlat {
        /// Inverted lists.
        nlist: usize,
    },
    /// IVF with 8-bit scalar quantisation.
    IvfSq8 {
        /// Inverted lists.
        nlist: usize,
    },
    /// IVF with product quantisation, `m` bytes per vector.
    IvfPq {
        /// Inverted lists.
        nlist: usize,
        /// Sub-quantisers; divides the dimension.
        m: usize,
    },
    /// HNSW with `m` neighbours per node.
    Hnsw {
        /// Neighbours per node.
        m: usize,
        /// Beam width while building.
        ef_construction: usize,
    },
    /// A Faiss factory string.
    Factory(String),
    /// HNSW over 8-bit scalar-quantised codes, `m` neighbours per node.
    HnswSq8 {
        /// Neighbours per node.
        m: usize,
        /// Beam width while building.
        ef_construction: usize,
    },
}

impl IndexPlan {
    /// The kind of index this plan builds.
    pub fn kind(&self) -> IndexKind {
        match self {
            IndexPlan::Flat => IndexKind::Flat,
            IndexPlan::IvfFlat { .. } => IndexKind::IvfFlat,
            IndexPlan::IvfSq8 { .. } => IndexKind::IvfSq8,
            IndexPlan::IvfPq { .. } => IndexKind::IvfPq,
            IndexPlan::Hnsw { .. } => IndexKind::Hnsw,
            IndexPlan::Factory(_) => IndexKind::Factory,
            IndexPlan::HnswSq8 { .. } => IndexKind::HnswSq8,
        }
    }

    /// The number of inverted lists of an IVF plan.
    pub fn nlist(&self) -> Option<usize> {
        match *self {
            IndexPlan::IvfFlat { nlist }
            | IndexPlan::IvfSq8 { nlist }
            | IndexPlan::IvfPq { nlist, .. } => Some(nlist),
            _ => None,
        }
    }

    /// The Faiss `index_factory` description of the plan. IVF-PQ skips polysemous training
    /// (`np`), which Kiln never searches with.
    pub fn factory_string(&self) -> String {
        match self {
            IndexPlan::Flat => "Flat".into(),
            IndexPlan::IvfFlat { nlist } => format!("IVF{nlist},Flat"),
            IndexPlan::IvfSq8 { nlist } => format!("IVF{nlist},SQ8"),
            IndexPlan::IvfPq { nlist, m } => format!("IVF{nlist},PQ{m}x8np"),
            IndexPlan::Hnsw { m, .. } => format!("HNSW{m},Flat"),
            IndexPlan::Factory(s) => s.clone(),
            IndexPlan::HnswSq8 { m, .. } => format!("HNSW{m},SQ8"),
        }
    }

    /// Check the plan's parameters against the dimension and against the bounds Kiln documents
    /// ([`MAX_NLIST`], [`MAX_HNSW_M`], [`MAX_EF_CONSTRUCTION`], [`MAX_FACTORY_NUMBER`]); a value
    /// outside them is refused with [`Error::InvalidArgument`] before Faiss sees it.
    pub fn validate(&self, dim: usize) -> Result<()> {
        check_dim(dim)?;
        match *self {
            IndexPlan::Flat => Ok(()),
            IndexPlan::IvfFlat { nlist } | IndexPlan::IvfSq8 { nlist } => check_nlist(nlist),
            IndexPlan::IvfPq { nlist, m } => {
                check_nlist(nlist)?;
                if m == 0 || m > dim || !dim.is_multiple_of(m) {
                    return invalid(format!("PQ m = {m} must divide the dimension {dim}"));
                }
                Ok(())
            }
            IndexPlan::Hnsw { m, ef_construction } | IndexPlan::HnswSq8 { m, ef_construction } => {
                check_hnsw(m, ef_construction)
            }
            IndexPlan::Factory(ref s) => check_factory(s),
        }
    }

    /// The same plan with `nlist` inverted lists (plans that are not IVF are returned as they
    /// are).
    pub(crate) fn with_nlist(&self, nlist: usize) -> IndexPlan {
        match *self {
            IndexPlan::IvfFlat { .. } => IndexPlan::IvfFlat { nlist },
            IndexPlan::IvfSq8 { .. } => IndexPlan::IvfSq8 { nlist },
            IndexPlan::IvfPq { m, .. } => IndexPlan::IvfPq { nlist, m },
            ref other => other.clone(),
        }
    }

    /// Bytes the index of `rows` vectors of `dim` floats takes in memory, roughly: codes and
    /// 8-byte labels per row, plus the coarse centroids for IVF and the graph links for HNSW.
    /// (L2 IVF-PQ adds Faiss's precomputed tables, `nlist · m · 256` floats per index, when they
    /// fit in 2 GiB; counted here.)
    pub fn estimated_bytes(&self, rows: usize, dim: usize) -> u64 {
        let rows = rows as u64;
        let dim = dim as u64;
        let centroids = |nlist: usize| nlist as u64 * dim * 4;
        match *self {
            IndexPlan::Flat => rows * dim * 4,
            IndexPlan::IvfFlat { nlist } => rows * (dim * 4 + 8) + centroids(nlist),
            IndexPlan::IvfSq8 { nlist } => rows * (dim + 8) + centroids(nlist),
            IndexPlan::IvfPq { nlist, m } => {
                let tables = (nlist as u64 * m as u64 * 256 * 4).min(1 << 31);
                rows * (m as u64 + 8) + centroids(nlist) + tables
            }
            IndexPlan::Hnsw { m, .. } => rows * (dim * 4 + 2 * m as u64 * 4 + 16),
            IndexPlan::HnswSq8 { m, .. } => rows * (dim + 2 * m as u64 * 4 + 16),
            IndexPlan::Factory(_) => rows * dim * 4,
        }
    }
}

/// Segments with fewer rows than this get no index under [`IndexSpec::Auto`].
pub const AUTO_MIN_ROWS: usize = 10_000;
/// Segments with fewer rows than this get no index whatever the spec.
pub const MIN_INDEXED_ROWS: usize = 1_000;
/// Faiss's k-means wants at least this many training rows per centroid (it warns below it).
pub const MIN_TRAINING_ROWS_PER_LIST: usize = 39;

/// What to build for `rows` vectors of `dim` floats under `spec`, with `memory_budget` bytes
/// for the index; `None` means no index: search the rows exactly.
///
/// The rule, in the spirit of autofaiss:
///
/// ```text
/// rows < 1,000 (any spec), rows < 10,000 (Auto), or spec Flat  → None: exact scan
/// Auto  → IVF, nlist = round(4·√rows), clamped to [1, rows / 39]
///         full vectors fit the budget   (rows·(4·dim + 8))     → IvfFlat
///         else 8-bit codes fit           (rows·(dim + 8))      → IvfSq8
///         else                                                 → IvfPq, m = the largest
///              divisor of dim with dim/m in 2..=32 whose codes fit (rows·(m + 8)), or the
///              smallest such m when none fits; SQ8 when dim has no such divisor
/// explicit IvfFlat / IvfSq8 / IvfPq / Hnsw / HnswSq8 / Factory → as given (the budget is the
///              user's call)
///
///   rows = 15,000, dim = 384, ample budget → IvfFlat { nlist: 384 }   (4·√15000 = 490 > 15000/39)
///   rows = 1,000,000, dim = 384, 1 GiB     → IvfSq8  { nlist: 4000 }  (flat needs 1.5 GiB)
/// ```
///
/// Why: below ~10k rows an exact scan of a mapped segment costs about a millisecond and needs no
/// build, training or memory, and IVF's k-means would have too few rows per list. nlist ≈ 4·√n
/// balances the coarse search (nlist centroids) against the list scan (n / nlist per probe),
/// and the clamp keeps ≥ 39 training rows per centroid, Faiss's own floor for a stable k-means.
/// IVF rather than HNSW because IVF segments built on one trained template merge by list
/// concatenation without retraining or re-encoding, and it can quantise to fit a budget. A
/// plain `Flat` spec means "no index": the engine's exact scan over the mapped segment is what
/// a Faiss flat index would do, without a copy of the vectors.
///
/// For a collection's shared template, call this with the collection's row count; for "does
/// this segment need an index", with the segment's.
pub fn plan_index(
    spec: &IndexSpec,
    rows: usize,
    dim: usize,
    memory_budget: u64,
) -> Result<Option<IndexPlan>> {
    if dim == 0 {
        return Err(Error::InvalidArgument("dimension 0".into()));
    }
    if rows < MIN_INDEXED_ROWS {
        return Ok(None);
    }
    let plan = match spec {
        IndexSpec::Flat => return Ok(None),
        IndexSpec::Auto => {
            if rows < AUTO_MIN_ROWS {
                return Ok(None);
            }
            let nlist = auto_nlist(rows);
            let n = rows as u64;
            let d = dim as u64;
            if n.saturating_mul(4 * d + 8) <= memory_budget {
                IndexPlan::IvfFlat { nlist }
            } else if n.saturating_mul(d + 8) <= memory_budget {
                IndexPlan::IvfSq8 { nlist }
            } else {
                let candidates: Vec<usize> = (1..=dim)
                    .filter(|&m| dim.is_multiple_of(m) && (2..=32).contains(&(dim / m)))
                    .collect();
                let fits = candidates
                    .iter()
                    .rev()
                    .find(|&&m| n.saturating_mul(m as u64 + 8) <= memory_budget);
                match fits.or(candidates.first()) {
                    Some(&m) => IndexPlan::IvfPq { nlist, m },
                    None => IndexPlan::IvfSq8 { nlist },
                }
            }
        }
        explicit => match explicit_plan(explicit) {
            Some(plan) => plan,
            None => return Ok(None),
        },
    };
    plan.validate(dim)?;
    Ok(Some(plan))
}

/// The plan an explicit spec asks for, as it is (`None` for `Auto` and `Flat`).
fn explicit_plan(spec: &IndexSpec) -> Option<IndexPlan> {
    Some(match spec {
        IndexSpec::Auto | IndexSpec::Flat => return None,
        IndexSpec::IvfFlat { nlist } => IndexPlan::IvfFlat {
            nlist: *nlist as usize,
        },
        IndexSpec::IvfSq8 { nlist } => IndexPlan::IvfSq8 {
            nlist: *nlist as usize,
        },
        IndexSpec::IvfPq { nlist, m } => IndexPlan::IvfPq {
            nlist: *nlist as usize,
            m: *m as usize,
        },
        IndexSpec::Hnsw { m, ef_construction } => IndexPlan::Hnsw {
            m: *m as usize,
            ef_construction: *ef_construction as usize,
        },
        IndexSpec::Factory(s) => IndexPlan::Factory(s.clone()),
        IndexSpec::HnswSq8 { m, ef_construction } => IndexPlan::HnswSq8 {
            m: *m as usize,
            ef_construction: *ef_construction as usize,
        },
    })
}

/// `round(4·√rows)` clamped to `[1, rows / 39]` (and to [`MAX_NLIST`], reached only above
/// 68 billion rows).
pub fn auto_nlist(rows: usize) -> usize {
    let ideal = (4.0 * (rows as f64).sqrt()).round() as usize;
    ideal
        .clamp(1, (rows / MIN_TRAINING_ROWS_PER_LIST).max(1))
        .min(MAX_NLIST)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn stored_form_is_unchanged() {
        // The catalog stores these strings; they must keep reading.
        let cases = [
            (IndexSpec::Auto, r#""Auto""#),
            (IndexSpec::Flat, r#""Flat""#),
            (
                IndexSpec::IvfFlat { nlist: 7 },
                r#"{"IvfFlat":{"nlist":7}}"#,
            ),
            (IndexSpec::IvfSq8 { nlist: 7 }, r#"{"IvfSq8":{"nlist":7}}"#),
            (
                IndexSpec::IvfPq { nlist: 7, m: 8 },
                r#"{"IvfPq":{"nlist":7,"m":8}}"#,
            ),
            (
                IndexSpec::Hnsw {
                    m: 32,
                    ef_construction: 200,
                },
                r#"{"Hnsw":{"m":32,"ef_construction":200}}"#,
            ),
            (
                IndexSpec::Factory("IVF8,Flat".into()),
                r#"{"Factory":"IVF8,Flat"}"#,
            ),
            (
                IndexSpec::HnswSq8 {
                    m: 32,
                    ef_construction: 200,
                },
                r#"{"HnswSq8":{"m":32,"ef_construction":200}}"#,
            ),
        ];
        for (spec, json) in cases {
            assert_eq!(serde_json::to_string(&spec).expect("serialises"), json);
            let back: IndexSpec = serde_json::from_str(json).expect("parses");
            assert_eq!(back, spec);
        }
    }

    #[test]
    fn kind_codes_are_stable() {
        let kinds = [
            (IndexKind::Flat, 1),
            (IndexKind::IvfFlat, 2),
            (IndexKind::IvfSq8, 3),
            (IndexKind::IvfPq, 4),
            (IndexKind::Hnsw, 5),
            (IndexKind::Factory, 6),
            (IndexKind::HnswSq8, 7),
        ];
        for (k, code) in kinds {
            assert_eq!(k as u32, code);
            assert_eq!(IndexKind::from_code(code), Some(k));
        }
        assert_eq!(IndexKind::from_code(0), None);
        assert_eq!(IndexKind::from_code(8), None);
    }

    #[test]
    fn auto_small_segments_are_exact() {
        assert_eq!(plan_index(&IndexSpec::Auto, 0, 384, GIB).expect("ok"), None);
        assert_eq!(
            plan_index(&IndexSpec::Auto, 9_999, 384, GIB).expect("ok"),
            None
        );
        assert_eq!(
            plan_index(&IndexSpec::IvfFlat { nlist: 16 }, 999, 8, GIB).expect("ok"),
            None
        );
        assert_eq!(
            plan_index(&IndexSpec::Flat, 1_000_000, 8, GIB).expect("ok"),
            None
        );
    }

    #[test]
    fn auto_nlist_follows_sqrt_and_training_floor() {
        // 4·√15000 = 489.9 → 490, but only 15000/39 = 384 lists can be trained well.
        assert_eq!(auto_nlist(15_000), 384);
        assert_eq!(auto_nlist(200_000), 1789);
        assert_eq!(auto_nlist(1_000_000), 4000);
        assert_eq!(auto_nlist(10_000_000), 12649);
        assert_eq!(auto_nlist(1), 1);
        for rows in [10_000usize, 12_345, 50_000, 1 << 20] {
            let nlist = auto_nlist(rows);
            assert!(nlist * MIN_TRAINING_ROWS_PER_LIST <= rows, "{rows}");
        }
        assert_eq!(
            plan_index(&IndexSpec::Auto, 15_000, 384, GIB).expect("ok"),
            Some(IndexPlan::IvfFlat { nlist: 384 })
        );
    }

    #[test]
    fn auto_quantises_to_fit_the_budget() {
        let rows = 1_000_000;
        let dim = 384;
        // Flat needs 1.55e9 bytes.
        assert_eq!(
            plan_index(&IndexSpec::Auto, rows, dim, 2 * GIB).expect("ok"),
            Some(IndexPlan::IvfFlat { nlist: 4000 })
        );
        assert_eq!(
            plan_index(&IndexSpec::Auto, rows, dim, GIB).expect("ok"),
            Some(IndexPlan::IvfSq8 { nlist: 4000 })
        );
        // 100 MB: m + 8 ≤ 100 → m = 64 (384 / 64 = 6 dims per sub-vector).
        assert_eq!(
            plan_index(&IndexSpec::Auto, rows, dim, 100_000_000).expect("ok"),
            Some(IndexPlan::IvfPq { nlist: 4000, m: 64 })
        );
        // Nothing fits: the most compact PQ (384 / 32 = 12 bytes).
        assert_eq!(
            plan_index(&IndexSpec::Auto, rows, dim, 1).expect("ok"),
            Some(IndexPlan::IvfPq { nlist: 4000, m: 12 })
        );
        // A prime dimension has no PQ split: SQ8.
        assert_eq!(
            plan_index(&IndexSpec::Auto, rows, 97, 1).expect("ok"),
            Some(IndexPlan::IvfSq8 { nlist: 4000 })
        );
    }

    #[test]
    fn explicit_specs_are_honoured_and_checked() {
        assert_eq!(
            plan_index(&IndexSpec::IvfPq { nlist: 64, m: 16 }, 5_000, 64, 1).expect("ok"),
            Some(IndexPlan::IvfPq { nlist: 64, m: 16 })
        );
        assert!(plan_index(&IndexSpec::IvfPq { nlist: 64, m: 7 }, 5_000, 64, 1).is_err());
        assert!(plan_index(&IndexSpec::IvfFlat { nlist: 0 }, 5_000, 64, 1).is_err());
        assert!(plan_index(&IndexSpec::Factory(" ".into()), 5_000, 64, 1).is_err());
        assert!(plan_index(&IndexSpec::Auto, 50_000, 0, 1).is_err());
        assert_eq!(
            plan_index(
                &IndexSpec::Hnsw {
                    m: 16,
                    ef_construction: 100
                },
                5_000,
                64,
                1
            )
            .expect("ok"),
            Some(IndexPlan::Hnsw {
                m: 16,
                ef_construction: 100
            })
        );
    }

    #[test]
    fn absurd_build_parameters_are_refused_at_validation() {
        let invalid = |r: Result<()>| matches!(r, Err(Error::InvalidArgument(_)));
        let max = u32::MAX;
        let refused = [
            IndexSpec::IvfFlat { nlist: max },
            IndexSpec::IvfFlat { nlist: 0 },
            IndexSpec::IvfSq8 { nlist: max },
            IndexSpec::IvfSq8 {
                nlist: MAX_NLIST as u32 + 1,
            },
            IndexSpec::IvfPq { nlist: max, m: 8 },
            IndexSpec::IvfPq { nlist: 16, m: max },
            IndexSpec::IvfPq { nlist: 16, m: 0 },
            IndexSpec::IvfPq { nlist: 16, m: 7 },
            IndexSpec::Hnsw {
                m: max,
                ef_construction: 40,
            },
            IndexSpec::Hnsw {
                m: 16,
                ef_construction: max,
            },
            IndexSpec::Hnsw {
                m: MAX_HNSW_M as u32 + 1,
                ef_construction: 40,
            },
            IndexSpec::Hnsw {
                m: 16,
                ef_construction: MAX_EF_CONSTRUCTION as u32 + 1,
            },
            IndexSpec::Hnsw {
                m: 1,
                ef_construction: 40,
            },
            IndexSpec::Hnsw {
                m: 16,
                ef_construction: 0,
            },
            IndexSpec::Factory(String::new()),
            IndexSpec::Factory("IVF4294967295,Flat".into()),
            IndexSpec::Factory("IVF99999999999999999999999,Flat".into()),
            IndexSpec::Factory("HNSW100000".into()),
            IndexSpec::Factory("IVF64_HNSW257,Flat".into()),
            IndexSpec::Factory("IVF8,\0Flat".into()),
        ];
        for spec in &refused {
            assert!(invalid(spec.validate(64)), "{spec:?} accepted");
            assert!(
                matches!(
                    plan_index(spec, 1_000_000, 64, GIB),
                    Err(Error::InvalidArgument(_))
                ),
                "{spec:?} planned"
            );
        }
        let accepted = [
            IndexSpec::Auto,
            IndexSpec::Flat,
            IndexSpec::IvfFlat {
                nlist: MAX_NLIST as u32,
            },
            IndexSpec::IvfSq8 { nlist: 1 },
            IndexSpec::IvfPq { nlist: 16, m: 64 },
            IndexSpec::Hnsw {
                m: MAX_HNSW_M as u32,
                ef_construction: MAX_EF_CONSTRUCTION as u32,
            },
            IndexSpec::Hnsw {
                m: 2,
                ef_construction: 1,
            },
            IndexSpec::Factory("IVF1048576_HNSW32,PQ16x4fs".into()),
            IndexSpec::Factory("OPQ16_64,IVF4096,PQ16".into()),
        ];
        for spec in &accepted {
            assert!(spec.validate(64).is_ok(), "{spec:?} refused");
        }
        for spec in [IndexSpec::Auto, IndexSpec::Flat] {
            assert!(invalid(spec.validate(0)), "{spec:?} with dimension 0");
            assert!(invalid(spec.validate(usize::MAX)), "{spec:?} dimension");
        }
        // The same bounds hold for plans, whose fields are usize.
        for plan in [
            IndexPlan::IvfFlat { nlist: usize::MAX },
            IndexPlan::IvfPq {
                nlist: usize::MAX,
                m: 8,
            },
            IndexPlan::IvfPq {
                nlist: 8,
                m: usize::MAX,
            },
            IndexPlan::Hnsw {
                m: usize::MAX,
                ef_construction: 40,
            },
            IndexPlan::Hnsw {
                m: 16,
                ef_construction: usize::MAX,
            },
        ] {
            assert!(invalid(plan.validate(64)), "{plan:?} accepted");
        }
        assert_eq!(auto_nlist(usize::MAX), MAX_NLIST);
    }

    #[test]
    fn factory_strings() {
        assert_eq!(
            IndexPlan::IvfFlat { nlist: 8 }.factory_string(),
            "IVF8,Flat"
        );
        assert_eq!(IndexPlan::IvfSq8 { nlist: 8 }.factory_string(), "IVF8,SQ8");
        assert_eq!(
            IndexPlan::IvfPq { nlist: 8, m: 4 }.factory_string(),
            "IVF8,PQ4x8np"
        );
        assert_eq!(
            IndexPlan::Hnsw {
                m: 32,
                ef_construction: 1
            }
            .factory_string(),
            "HNSW32,Flat"
        );
        assert_eq!(
            IndexPlan::HnswSq8 {
                m: 32,
                ef_construction: 1
            }
            .factory_string(),
            "HNSW32,SQ8"
        );
    }

    #[test]
    fn kinds_say_whether_they_are_graphs_and_estimate_distances() {
        let kinds = [
            (IndexKind::Flat, false, false),
            (IndexKind::IvfFlat, false, false),
            (IndexKind::IvfSq8, false, true),
            (IndexKind::IvfPq, false, true),
            (IndexKind::Hnsw, true, false),
            (IndexKind::Factory, false, true),
            (IndexKind::HnswSq8, true, true),
        ];
        for (kind, hnsw, approximate) in kinds {
            assert_eq!(kind.is_hnsw(), hnsw, "{kind:?}");
            assert_eq!(kind.approximate_distances(), approximate, "{kind:?}");
            assert!(!(kind.is_hnsw() && kind.is_ivf()), "{kind:?}");
        }
        assert_eq!(IndexKind::HnswSq8.name(), "hnsw-sq8");
    }

    #[test]
    fn hnsw_sq8_is_validated_and_planned_like_hnsw() {
        let ok = IndexSpec::HnswSq8 {
            m: 32,
            ef_construction: 200,
        };
        assert!(ok.validate(384).is_ok());
        assert_eq!(
            plan_index(&ok, 50_000, 384, 1).expect("ok"),
            Some(IndexPlan::HnswSq8 {
                m: 32,
                ef_construction: 200
            })
        );
        assert_eq!(plan_index(&ok, 999, 384, GIB).expect("ok"), None);
        for (m, ef_construction) in [
            (1, 40),
            (MAX_HNSW_M as u32 + 1, 40),
            (u32::MAX, 40),
            (16, 0),
            (16, MAX_EF_CONSTRUCTION as u32 + 1),
            (16, u32::MAX),
        ] {
            let spec = IndexSpec::HnswSq8 { m, ef_construction };
            assert!(
                matches!(spec.validate(64), Err(Error::InvalidArgument(_))),
                "{spec:?}"
            );
            assert!(plan_index(&spec, 1_000_000, 64, GIB).is_err(), "{spec:?}");
        }
        // One byte per component instead of four: a quarter of the vectors, plus the links.
        let sq8 = IndexPlan::HnswSq8 {
            m: 32,
            ef_construction: 200,
        };
        let flat = IndexPlan::Hnsw {
            m: 32,
            ef_construction: 200,
        };
        assert_eq!(sq8.estimated_bytes(1_000, 384), 1_000 * (384 + 256 + 16));
        assert!(sq8.estimated_bytes(1_000, 384) < flat.estimated_bytes(1_000, 384));
        assert_eq!(sq8.kind(), IndexKind::HnswSq8);
        assert_eq!(sq8.nlist(), None);
    }
}
