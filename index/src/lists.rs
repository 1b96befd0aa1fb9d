//! [`RowLists`]: a segment's rows grouped by their nearest k-means centroid, held as row
//! numbers only — an inverted-file partition that reads the vectors from the segment itself.
//!
//! A graph answers the unfiltered and the broadly filtered query fastest, and an exact scan
//! of the matching rows the selective one; between them (a tenth of the rows matching, say)
//! neither is cheap: the graph's beam must grow like 1/√selectivity through rows the filter
//! rejects, and the scan computes a distance for every match. An IVF index with the filter as
//! its selector computes distances only for the matches in the lists it probes — but an
//! IVF-Flat index holds a second copy of every vector. `RowLists` keeps the partition and not
//! the copy: the centroids, and per list the sorted numbers of its rows, 4 bytes per row.
//!
//! ```text
//! build   nlist = √rows; k-means (Faiss, squared L2, 10 iterations) of at most 32 · nlist
//!         rows sampled from the segment, every row assigned to its nearest centroid by the
//!         collection's metric (inner product for cosine and inner product, as Faiss's IVF
//!         assigns), rows of a list in increasing order; then the recall curve over nprobe
//!         (held-out rows as queries, as for every index: `recall` module), and again under a
//!         simulated filter keeping a tenth of the rows, both computed from each query's exact
//!         top k and probe order without searching (see `measure`)
//! search  the nprobe centroids nearest the query by the same metric, then in each of those
//!         lists every row the caller keeps, its exact distance from the segment's vectors
//!         (`search`), or its estimate from the graph's 8-bit codes, the best k × rerank_factor
//!         re-ranked exactly by the caller (`search_scored`, what the engine does)
//! ```
//!
//! The answers' distances are exact, so they merge with any other segment's; a search that
//! finds fewer than k rows is the caller's to finish (an exact scan of the rows it keeps).

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::ffi::{kmeans, Knobs, RawIndex};
use crate::metric::Metric;
use crate::recall::{
    answers_within_probes, filtered_out, held_out_count, list_ranks, row, sample_rows, top_hits,
    CurveSettings, Held, Knob, RecallCurve, CEILING, FILTERED_CEILING, FILTER_SELECTIVITY,
};
use crate::segment::{default_nprobe, faiss_metric, Neighbor};
use crate::topk::{Hit, TopK};

/// K-means iterations of a build.
const KMEANS_ITERATIONS: usize = 10;
/// Training rows per list (k-means on more barely moves the centroids of a partition whose
/// lists are only probed, never encoded).
const TRAINING_ROWS_PER_LIST: usize = 32;
/// Rows assigned per Faiss batch search.
const ASSIGN_BATCH: usize = 65_536;

const MAGIC: [u8; 8] = *b"KILNLST\0";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 * 5;

/// The number of lists [`RowLists::build`] is given for a segment of `rows` rows by
/// [`RowLists::lists_for`]: `√rows`, at least 1 and at most `rows / 8`. A quarter of the Auto
/// rule's IVF nlist: a filtered query reads every centroid (a list's rows only when the list is
/// probed and only the matching ones, by their 8-bit codes), so fewer, larger lists cost less
/// for the same share of the matches probed. Dev set, 10 % of the rows matching, one run each:
/// 4·√rows (490 lists, nprobe 133) 9,330 queries/s, 2·√rows (245, nprobe 82) 10,327–11,140,
/// √rows (122, nprobe 48) 10,943–11,050, at recall ≥ 0.95 each; and the k-means and the
/// assignment cost a quarter of 4·√rows'.
pub const LISTS_PER_SQRT_ROW: f64 = 1.0;

/// The most lists a segment gets: the k-means and the assignment grow with rows × lists and
/// run on one compaction thread (a 1M × 128-d compaction with 4,000 lists and the filtered
/// curves took 283 s longer than without either), while a query's probe examines a fraction of
/// the matches either way.
pub const MAX_LISTS: usize = 2_048;

/// A segment's rows partitioned by nearest centroid (see the module documentation).
#[derive(Clone, PartialEq)]
pub struct RowLists {
    dim: usize,
    metric: Metric,
    centroids: Vec<f32>,
    /// `nlist + 1` offsets into `rows`: list `l` is `rows[offsets[l]..offsets[l + 1]]`.
    offsets: Vec<u32>,
    rows: Vec<u32>,
    /// Each row's list (derived from `offsets` and `rows`, not stored).
    list_of: Vec<u32>,
    curve: RecallCurve,
}

impl std::fmt::Debug for RowLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowLists")
            .field("dim", &self.dim)
            .field("metric", &self.metric)
            .field("nlist", &self.nlist())
            .field("rows", &self.rows.len())
            .finish()
    }
}

/// The rows in `top` (filled with [`push_row`]) as neighbours, nearest first.
pub fn rows_of(top: TopK) -> Vec<Neighbor> {
    top.into_sorted()
        .into_iter()
        .filter_map(|h| {
            Some(Neighbor {
                row: u32::try_from(h.id).ok()?,
                distance: h.distance,
            })
        })
        .collect()
}

/// Push row `r` at `distance` into `top` (rows travel as ids) if it ranks.
#[inline]
pub fn push_row(top: &mut TopK, r: u32, distance: f32) {
    if top.threshold().is_none_or(|t| distance <= t) {
        top.push(Hit {
            id: u64::from(r),
            distance,
        });
    }
}

impl RowLists {
    /// How many lists a segment of `rows` rows gets: `√rows`, between 1 and `rows / 8`, and
    /// at most [`MAX_LISTS`].
    pub fn lists_for(rows: usize) -> usize {
        ((LISTS_PER_SQRT_ROW * (rows as f64).sqrt()).round() as usize)
            .min(rows / 8)
            .clamp(1, MAX_LISTS)
    }

    /// Partition `vectors` (the segment's rows, row-major, `dim` floats each, as `metric`
    /// searches them) into [`lists_for`](Self::lists_for) lists and measure the recall curve
    /// over nprobe with `settings`. Runs on the calling thread's Faiss threads.
    ///
    /// Errors: fewer than 16 rows or a ragged `vectors` ([`Error::InvalidArgument`]); Faiss's
    /// k-means or assignment failing.
    pub fn build(
        vectors: &[f32],
        dim: usize,
        metric: Metric,
        settings: &CurveSettings,
    ) -> Result<Self> {
        let n = vectors.len().checked_div(dim).unwrap_or(0);
        if dim == 0 || n * dim != vectors.len() || n < 16 || u32::try_from(n).is_err() {
            return Err(Error::InvalidArgument(format!(
                "row lists need at least 16 whole rows of dimension {dim}, got {} floats",
                vectors.len()
            )));
        }
        let nlist = Self::lists_for(n);
        let sample_rows_ = sample_rows(n, (nlist * TRAINING_ROWS_PER_LIST).min(n), settings.seed);
        let mut sample = Vec::with_capacity(sample_rows_.len() * dim);
        for &r in &sample_rows_ {
            sample.extend_from_slice(row(vectors, dim, r).unwrap_or(&[]));
        }
        let centroids = kmeans(dim, &sample, nlist, KMEANS_ITERATIONS, settings.seed)?;
        drop(sample);
        let assigned = assign(&centroids, dim, metric, vectors)?;
        let mut sizes = vec![0u32; nlist];
        for &l in &assigned {
            sizes[l as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(nlist + 1);
        let mut at = 0u32;
        offsets.push(0);
        for s in &sizes {
            at += s;
            offsets.push(at);
        }
        let mut next: Vec<u32> = offsets[..nlist].to_vec();
        let mut rows = vec![0u32; n];
        for (r, &l) in assigned.iter().enumerate() {
            let slot = &mut next[l as usize];
            rows[*slot as usize] = r as u32;
            *slot += 1;
        }
        let mut lists = RowLists {
            dim,
            metric,
            centroids,
            offsets,
            rows,
            list_of: assigned,
            // Replaced by the measured curve below.
            curve: placeholder_curve()?,
        };
        lists.curve = lists.measure(vectors, settings)?;
        Ok(lists)
    }

    /// The number of lists.
    pub fn nlist(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The rows partitioned.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The recall curve over nprobe (answers exact, so no re-ranking).
    pub fn curve(&self) -> &RecallCurve {
        &self.curve
    }

    /// Whether `rows` (a filter's matches, say) are spread over the lists about as a uniform
    /// draw of as many rows would be: they occupy at least half the lists such a draw is
    /// expected to, `nlist · (1 − e^(−count / nlist))`. Matches concentrated in a few lists
    /// (a filter correlated with the data, e.g. one region of it) are not: probing the lists
    /// nearest a query then either reaches all of them or none, and an exact scan of them
    /// costs less either way. Costs a lookup per row.
    pub fn spread(&self, rows: impl Iterator<Item = u32>) -> bool {
        let nlist = self.nlist();
        let mut seen = vec![0u64; nlist.div_ceil(64)];
        let (mut count, mut occupied) = (0usize, 0usize);
        for r in rows {
            count += 1;
            if let Some(&l) = self.list_of.get(r as usize) {
                let (w, bit) = (l as usize / 64, 1u64 << (l % 64));
                if seen[w] & bit == 0 {
                    seen[w] |= bit;
                    occupied += 1;
                }
            }
        }
        let expected = nlist as f64 * (1.0 - (-(count as f64) / nlist.max(1) as f64).exp());
        occupied as f64 >= 0.5 * expected
    }

    /// The rows of list `l`, increasing.
    fn list(&self, l: usize) -> &[u32] {
        let (a, b) = (self.offsets[l] as usize, self.offsets[l + 1] as usize);
        self.rows.get(a..b).unwrap_or(&[])
    }

    /// The `nprobe` lists nearest to `query`, nearest first, and how many rows they hold.
    fn probe(&self, query: &[f32], nprobe: usize) -> (Vec<u32>, usize) {
        let nlist = self.nlist();
        let nprobe = nprobe.clamp(1, nlist.max(1));
        let mut d: Vec<(f32, u32)> = self
            .centroids
            .chunks_exact(self.dim)
            .enumerate()
            .map(|(l, c)| (self.metric.distance(query, c), l as u32))
            .collect();
        if nprobe < d.len() {
            d.select_nth_unstable_by(nprobe - 1, |a, b| a.0.total_cmp(&b.0));
            d.truncate(nprobe);
        }
        d.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let held = d.iter().map(|&(_, l)| self.list(l as usize).len()).sum();
        (d.into_iter().map(|(_, l)| l).collect(), held)
    }

    /// The rows of the `nprobe` lists nearest `query` that `keep` accepts, at most `k` of
    /// them, nearest first, with exact distances computed from `vectors` (the segment's rows;
    /// a row outside it is skipped); and how many rows the probed lists held.
    pub fn search(
        &self,
        query: &[f32],
        vectors: &[f32],
        k: usize,
        nprobe: usize,
        keep: impl Fn(u32) -> bool,
    ) -> (Vec<Neighbor>, usize) {
        self.search_scored(query, k, nprobe, keep, |rows, top| {
            for &r in rows {
                if let Some(v) = row(vectors, self.dim, r) {
                    push_row(top, r, self.metric.distance(query, v));
                }
            }
        })
    }

    /// As [`search`](RowLists::search), with the distances `score` gives: it is handed the
    /// kept rows of one probed list at a time and pushes each row it can score into the top
    /// (with [`push_row`]); e.g. estimates from an index's codes
    /// ([`HnswGraph::code_scorer`](crate::HnswGraph::code_scorer)), which the caller then
    /// re-ranks exactly.
    pub fn search_scored(
        &self,
        query: &[f32],
        k: usize,
        nprobe: usize,
        keep: impl Fn(u32) -> bool,
        mut score: impl FnMut(&[u32], &mut TopK),
    ) -> (Vec<Neighbor>, usize) {
        if query.len() != self.dim || k == 0 {
            return (Vec::new(), 0);
        }
        let (lists, held) = self.probe(query, nprobe);
        let mut top = TopK::new(k);
        let mut kept = Vec::new();
        for l in lists {
            kept.clear();
            kept.extend(self.list(l as usize).iter().copied().filter(|&r| keep(r)));
            score(&kept, &mut top);
        }
        (rows_of(top), held)
    }

    /// The recall curve over nprobe (exact distances): held-out rows as queries, kept out of
    /// every answer.
    fn measure(&self, vectors: &[f32], settings: &CurveSettings) -> Result<RecallCurve> {
        let n = self.rows();
        let held = sample_rows(
            n,
            held_out_count(n, settings.sample),
            settings.seed ^ 0x6c69_7374,
        );
        let set: HashSet<u32> = held.iter().copied().collect();
        let k = settings.k.min(n.saturating_sub(held.len())).max(1);
        let nlist = self.nlist();
        let start = default_nprobe(nlist) / 4;
        // Per query, each list's rank in its probe order (0: nearest centroid).
        let ranks: Vec<Vec<u32>> = held
            .iter()
            .map(|&q| {
                let query = row(vectors, self.dim, q).unwrap_or(&[]);
                let (order, _) = self.probe(query, nlist);
                list_ranks(order.into_iter().map(|l| l as usize), nlist)
            })
            .collect();
        // The curve of queries `held` whose answers leave out the rows in `rejected`. A search
        // is exact within the lists it probes, so a row of a query's exact top k is among the
        // answers at nprobe v exactly when its list ranks below v in the query's probe order:
        // the answers at every v follow from one exact top k per query, without searching.
        let curve_without = |rejected: &HashSet<u32>, ceiling: f64| -> Result<RecallCurve> {
            let exact = top_hits(self.metric, vectors, self.dim, &held, rejected, k);
            let truth: Vec<Vec<f32>> = exact
                .iter()
                .map(|e| e.iter().map(|h| h.distance).collect())
                .collect();
            let list_of = |r: u32| self.list_of.get(r as usize).map(|&l| l as usize);
            let answers = |nprobe: usize| -> Result<Vec<Vec<Neighbor>>> {
                Ok(answers_within_probes(&exact, &ranks, list_of, nprobe))
            };
            let h = Held {
                rows: vectors,
                dim: self.dim,
                metric: self.metric,
                queries: &held,
                set: rejected,
                truth: &truth,
                k,
            };
            h.curve(Knob::Nprobe, 1, 1..=nlist, start, ceiling, answers)
        };
        let curve = curve_without(&set, CEILING)?;
        // Again under a simulated filter (a tenth of the rows), for the widening.
        let out = filtered_out(n, settings.seed ^ 0x6669_6c74);
        let mut rejected = set;
        rejected.extend(out.iter().copied());
        if n.saturating_sub(rejected.len()) < 20 * k {
            return Ok(curve);
        }
        let filtered = curve_without(&rejected, FILTERED_CEILING)?;
        curve.with_filtered(FILTER_SELECTIVITY, filtered)
    }

    /// The bytes of the lists (see `docs/format.md`, "Row lists"), checksummed.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let curve = serde_json::to_vec(&self.curve)
            .map_err(|e| Error::InvalidArgument(format!("recall curve: {e}")))?;
        let u32_of = |x: usize, what: &str| {
            u32::try_from(x).map_err(|_| Error::InvalidArgument(format!("{what} {x} too large")))
        };
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + 4 * (self.centroids.len() + self.offsets.len() + self.rows.len())
                + curve.len()
                + 4,
        );
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&u32_of(self.dim, "dimension")?.to_le_bytes());
        out.extend_from_slice(&u32_of(self.nlist(), "lists")?.to_le_bytes());
        out.extend_from_slice(&u32_of(self.rows(), "rows")?.to_le_bytes());
        out.extend_from_slice(&u32_of(curve.len(), "curve bytes")?.to_le_bytes());
        for c in &self.centroids {
            out.extend_from_slice(&c.to_le_bytes());
        }
        for o in &self.offsets {
            out.extend_from_slice(&o.to_le_bytes());
        }
        for r in &self.rows {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend_from_slice(&curve);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Read lists written by [`to_bytes`](Self::to_bytes) for a segment of `rows` rows of
    /// dimension `dim`, searched with `metric`. Every structural property is checked (the
    /// checksum, the offsets increasing to `rows`, every row once), so a damaged file is an
    /// error, never a wrong answer or a panic.
    pub fn from_bytes(bytes: &[u8], dim: usize, rows: usize, metric: Metric) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidArgument(format!("row lists: {reason}"));
        let (body, crc) = bytes
            .split_last_chunk::<4>()
            .ok_or_else(|| bad("too short"))?;
        if crc32fast::hash(body) != u32::from_le_bytes(*crc) {
            return Err(bad("checksum mismatch"));
        }
        if body.len() < HEADER_LEN || body[..8] != MAGIC {
            return Err(bad("not a row lists file"));
        }
        let word = |i: usize| -> u32 {
            let at = 8 + 4 * i;
            u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]])
        };
        if word(0) != VERSION {
            return Err(bad(&format!(
                "format version {} (this build reads {VERSION})",
                word(0)
            )));
        }
        let (d, nlist, n, curve_len) = (
            word(1) as usize,
            word(2) as usize,
            word(3) as usize,
            word(4) as usize,
        );
        if d != dim || n != rows || nlist == 0 || nlist > n.max(1) {
            return Err(bad(&format!(
                "{nlist} lists of {n} rows × {d} for a segment of {rows} × {dim}"
            )));
        }
        let floats = nlist * d;
        let expected = HEADER_LEN + 4 * (floats + nlist + 1 + n) + curve_len;
        if body.len() != expected {
            return Err(bad(&format!(
                "{} bytes where {expected} were expected",
                body.len()
            )));
        }
        let words = |from: usize, count: usize| -> Vec<u32> {
            body[from..from + 4 * count]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        let centroids: Vec<f32> = words(HEADER_LEN, floats)
            .into_iter()
            .map(f32::from_bits)
            .collect();
        if centroids.iter().any(|c| !c.is_finite()) {
            return Err(bad("a centroid is not finite"));
        }
        let at = HEADER_LEN + 4 * floats;
        let offsets = words(at, nlist + 1);
        if offsets[0] != 0
            || offsets.windows(2).any(|w| w[0] > w[1])
            || offsets[nlist] as usize != n
        {
            return Err(bad("list offsets out of order"));
        }
        let at = at + 4 * (nlist + 1);
        let list_rows = words(at, n);
        let mut seen = vec![false; n];
        for &r in &list_rows {
            match seen.get_mut(r as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err(bad("a row is missing, repeated or out of range")),
            }
        }
        let at = at + 4 * n;
        let curve: RecallCurve = serde_json::from_slice(&body[at..at + curve_len])
            .map_err(|e| bad(&format!("recall curve: {e}")))?;
        if curve.knob() != Knob::Nprobe {
            return Err(bad("recall curve is not over nprobe"));
        }
        let mut list_of = vec![0u32; n];
        for l in 0..nlist {
            let (a, b) = (offsets[l] as usize, offsets[l + 1] as usize);
            for &r in &list_rows[a..b] {
                list_of[r as usize] = l as u32;
            }
        }
        Ok(RowLists {
            dim,
            metric,
            centroids,
            offsets,
            rows: list_rows,
            list_of,
            curve,
        })
    }
}

/// A curve for the moment between partitioning and measuring (never searched at).
fn placeholder_curve() -> Result<RecallCurve> {
    RecallCurve::new(
        Knob::Nprobe,
        1,
        1,
        1,
        vec![crate::recall::CurvePoint {
            value: 1,
            recall: 0.0,
            stderr: 0.0,
        }],
    )
}

/// Each row's nearest centroid (squared L2), by Faiss batch search over a flat index of the
/// centroids.
fn assign(centroids: &[f32], dim: usize, metric: Metric, vectors: &[f32]) -> Result<Vec<u32>> {
    let mut flat = RawIndex::factory(dim, "Flat", faiss_metric(metric))?;
    flat.add(centroids)?;
    let nlist = centroids.len() / dim;
    let n = vectors.len() / dim;
    let mut out = Vec::with_capacity(n);
    for chunk in vectors.chunks(ASSIGN_BATCH * dim) {
        let (_, labels) = flat.search(
            chunk,
            1,
            Knobs {
                nprobe: None,
                ef_search: None,
            },
            None,
        )?;
        for l in labels {
            let l = u32::try_from(l)
                .ok()
                .filter(|&l| (l as usize) < nlist)
                .ok_or_else(|| Error::Faiss {
                    op: "search",
                    code: -1,
                    message: format!("assignment to list {l} of {nlist}"),
                })?;
            out.push(l);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::clustered;

    fn settings() -> CurveSettings {
        CurveSettings {
            sample: 200,
            ..CurveSettings::default()
        }
    }

    #[test]
    fn every_row_is_in_exactly_one_list_and_bytes_round_trip() {
        let (dim, n) = (24, 3_000);
        let v = clustered(7, n, dim, 12);
        let lists = RowLists::build(&v, dim, Metric::L2, &settings()).expect("build");
        assert_eq!(lists.nlist(), RowLists::lists_for(n));
        let mut all: Vec<u32> = (0..lists.nlist())
            .flat_map(|l| lists.list(l).to_vec())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..n as u32).collect::<Vec<_>>());
        let bytes = lists.to_bytes().expect("bytes");
        let back = RowLists::from_bytes(&bytes, dim, n, Metric::L2).expect("read back");
        assert_eq!(back, lists);
        // Wrong segment shape, and every single-byte corruption of the header, refused.
        assert!(RowLists::from_bytes(&bytes, dim, n + 1, Metric::L2).is_err());
        assert!(RowLists::from_bytes(&bytes, dim + 1, n, Metric::L2).is_err());
        for at in 0..HEADER_LEN + 64 {
            let mut b = bytes.clone();
            b[at] ^= 0x5a;
            assert!(
                RowLists::from_bytes(&b, dim, n, Metric::L2).is_err(),
                "byte {at}"
            );
        }
        assert!(RowLists::from_bytes(&bytes[..bytes.len() - 1], dim, n, Metric::L2).is_err());
    }

    #[test]
    fn all_lists_probed_is_the_exact_answer_among_kept_rows() {
        let (dim, n, k) = (16, 2_000, 10);
        let v = clustered(3, n, dim, 8);
        let lists = RowLists::build(&v, dim, Metric::InnerProduct, &settings()).expect("build");
        let keep = |r: u32| r % 7 == 3;
        for q in [0usize, 17, 1_999] {
            let query = &v[q * dim..(q + 1) * dim];
            let (got, held) = lists.search(query, &v, k, lists.nlist(), keep);
            assert_eq!(held, n);
            let mut want: Vec<Neighbor> = (0..n as u32)
                .filter(|&r| keep(r))
                .map(|r| Neighbor {
                    row: r,
                    distance: Metric::InnerProduct.distance(query, &v[r as usize * dim..][..dim]),
                })
                .collect();
            want.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.row.cmp(&b.row)));
            want.truncate(k);
            assert_eq!(
                got.iter().map(|h| h.row).collect::<Vec<_>>(),
                want.iter().map(|h| h.row).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn the_curve_reaches_the_target_and_costs_fewer_rows_than_a_scan() {
        let (dim, n) = (32, 8_000);
        let v = clustered(11, n, dim, 40);
        let lists = RowLists::build(&v, dim, Metric::L2, &settings()).expect("build");
        let nprobe = lists.curve().pick(0.95);
        assert!(
            nprobe < lists.nlist(),
            "picked {nprobe} of {}",
            lists.nlist()
        );
        let query = &v[..dim];
        let (_, held) = lists.search(query, &v, 10, nprobe, |_| true);
        assert!(held < n, "probed {held} of {n} rows");
    }

    /// The curve is computed from each query's exact top k and its probe order, without
    /// searching: every point must be what searching at that nprobe gives.
    #[test]
    fn the_curve_is_what_searching_gives() {
        let (dim, n, k) = (16, 4_000, 10);
        let v = clustered(5, n, dim, 30);
        let s = settings();
        let lists = RowLists::build(&v, dim, Metric::L2, &s).expect("build");
        let held = sample_rows(n, held_out_count(n, s.sample), s.seed ^ 0x6c69_7374);
        let set: HashSet<u32> = held.iter().copied().collect();
        let vec_of = |r: u32| &v[r as usize * dim..][..dim];
        for p in lists.curve().points() {
            let mut total = 0.0;
            for &q in &held {
                let (got, _) =
                    lists.search(vec_of(q), &v, k, p.value as usize, |r| !set.contains(&r));
                let mut want: Vec<(f32, u32)> = (0..n as u32)
                    .filter(|r| !set.contains(r))
                    .map(|r| (Metric::L2.distance(vec_of(q), vec_of(r)), r))
                    .collect();
                want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let bound = want[k - 1].0;
                total +=
                    got.iter().filter(|h| h.distance <= bound).count().min(k) as f64 / k as f64;
            }
            let searched = total / held.len() as f64;
            assert!(
                (searched - f64::from(p.recall)).abs() < 1e-4,
                "nprobe {}: curve {} searched {searched}",
                p.value,
                p.recall
            );
        }
    }

    #[test]
    fn too_few_rows_are_refused() {
        assert!(RowLists::build(&[0.0; 15 * 4], 4, Metric::L2, &settings()).is_err());
        assert!(RowLists::build(&[0.0; 33], 4, Metric::L2, &settings()).is_err());
    }
}
