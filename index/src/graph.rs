//! Kiln's own search over the graph of a Faiss HNSW index.
//!
//! Faiss builds and grows the graph (`IndexHNSW`: parallel inserts, merges that reuse the
//! largest graph); a query does not go through Faiss. When an HNSW index is loaded, its links
//! and its storage's 8-bit codes are copied out of the Faiss bytes (`IHNs`/`IHNf`/`IHNp`;
//! layout in docs/format.md, "HNSW graph"), checked whole: every neighbour a row number or
//! `-1`, every row's links where its level says, the codes `rows × d` bytes. A graph that fails
//! the checks, or a storage other than 8-bit codes or `f32` rows, is not used (the index is
//! searched through Faiss as before). Searching here instead of with `IndexHNSW::search`:
//! - a distance to a row of 8-bit codes is an integer dot product of the codes with the query
//!   folded into the codes' terms once per query (`Storage::fold`: 16-bit weights, two
//!   components an instruction), where Faiss decodes every component to a float first; the
//!   first byte of the codes of each of a row's unvisited neighbours is read before any of
//!   them is scored, so their cache misses overlap instead of coming one row at a time;
//! - the visited marks and the beam are per thread and reused (a sorted array up to 128
//!   wide, heaps beyond): Faiss allocates and zeroes a
//!   byte per indexed row for every search call (1 MB a query at a million rows);
//! - a filter is a closure over the caller's bitmap, tested once per row reached; without one
//!   (`search_all`) the answer is the beam's own nearest rows.
//!
//! The algorithm is HNSW's (Malkov & Yashunin): a greedy descent through the upper levels,
//! then a beam of `ef` rows at level 0 — every row reached competes for the beam whether the
//! filter keeps it or not, and the expansion stops when the nearest unexpanded row is farther
//! than the farthest of a full beam. The answer is the `k` nearest accepted rows reached, with
//! the codes' distance estimates (the engine re-ranks them with the segment's exact vectors,
//! as it did Faiss's). Unlike Faiss's bounded-queue search it stops as soon as the beam cannot
//! improve, so a given `ef` scores fewer rows than Faiss's; the recall curves of graphs are
//! measured with this search (`recall`), so the efSearch a target picks is this search's.

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::metric::{sq8_dot_i16, Metric, SQ8_WEIGHT_SUM_MAX};
use crate::segment::Neighbor;

/// The links of an HNSW index: per row, its neighbours at each of its levels.
#[derive(Debug, Clone, PartialEq)]
pub struct HnswGraph {
    rows: usize,
    dim: usize,
    entry: Option<u32>,
    max_level: usize,
    /// Slots of the levels below each level: row `r`'s links at level `l` are
    /// `neighbors[offsets[r] + cum[l] .. offsets[r] + cum[l + 1]]`.
    cum: Vec<usize>,
    /// How many levels each row is on (1 = level 0 only).
    levels: Vec<u32>,
    offsets: Vec<usize>,
    /// Row numbers; `-1` ends a row's links at a level early.
    neighbors: Vec<i32>,
    storage: Storage,
}

/// A little-endian cursor over Faiss's serialisation.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| Error::corrupted("HNSW graph: the Faiss bytes end early"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// Faiss's `write_index_header`: d, ntotal, two unused words, is_trained (one byte),
    /// metric_type and, for metrics past inner product, metric_arg. Returns d, checking that
    /// the index holds `rows`.
    fn header(&mut self, rows: usize) -> Result<usize> {
        let dim = usize::try_from(self.i32()?)
            .map_err(|_| Error::corrupted("HNSW graph: negative dimension"))?;
        let ntotal = self.u64()?;
        self.take(17)?;
        if self.i32()? > 1 {
            self.take(4)?;
        }
        if ntotal != rows as u64 {
            return Err(Error::corrupted(format!(
                "HNSW graph holds {ntotal} rows, the index {rows}"
            )));
        }
        Ok(dim)
    }

    /// Faiss's `write_ScalarQuantizer` and the codes of an `IndexScalarQuantizer`: the
    /// storage, when it is 8-bit (`QT_8bit` or `QT_8bit_uniform`); `None` for other types.
    fn sq8(&mut self, dim: usize, rows: usize) -> Result<Option<Storage>> {
        let qtype = self.i32()?;
        self.take(8)?; // rangestat, rangestat_arg
        let d = self.u64()?;
        let code_size = self.u64()?;
        let trained: Vec<f32> = self
            .vector(4)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let codes = self.vector(1)?;
        let (vmin, vdiff) = match (qtype, trained.as_slice()) {
            (0, t) if t.len() == 2 * dim => (t[..dim].to_vec(), t[dim..].to_vec()),
            (2, &[m, d]) => (vec![m; dim], vec![d; dim]),
            (0 | 2, _) => return Err(Error::corrupted("HNSW SQ8 ranges of another size")),
            _ => return Ok(None),
        };
        if d != dim as u64 || code_size != dim as u64 || Some(codes.len()) != rows.checked_mul(dim)
        {
            return Err(Error::corrupted("HNSW SQ8 codes of another size"));
        }
        if vmin.iter().chain(&vdiff).any(|x| !x.is_finite()) {
            return Err(Error::corrupted("HNSW SQ8 ranges not finite"));
        }
        Ok(Some(Storage::sq8(
            vmin,
            vdiff.iter().map(|d| d / 255.0).collect(),
            codes.to_vec(),
        )))
    }

    /// A `WRITEVECTOR`: a `size_t` count, then that many `width`-byte items.
    fn vector(&mut self, width: usize) -> Result<&'a [u8]> {
        let n = usize::try_from(self.u64()?)
            .map_err(|_| Error::corrupted("HNSW graph: a vector longer than memory"))?;
        let bytes = n
            .checked_mul(width)
            .ok_or_else(|| Error::corrupted("HNSW graph: a vector longer than memory"))?;
        self.take(bytes)
    }
}

fn i32s(bytes: &[u8]) -> impl Iterator<Item = i32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

impl HnswGraph {
    /// The graph of the Faiss HNSW index serialised in `faiss` (Faiss's own bytes, without
    /// Kiln's trailer); `rows` is what the index should hold. `Ok(None)` for an index that is
    /// not an HNSW Kiln can search itself (IVF, Flat, Faiss's two-level or CAGRA variants).
    pub fn from_faiss_bytes(faiss: &[u8], rows: usize) -> Result<Option<HnswGraph>> {
        let mut c = Cursor {
            bytes: faiss,
            at: 0,
        };
        let fourcc = c.array::<4>()?;
        if !matches!(&fourcc, b"IHNf" | b"IHNs" | b"IHNp") {
            return Ok(None);
        }
        // write_index_header: d, ntotal, two dummies, is_trained (one byte), metric_type and,
        // for metrics past inner product, metric_arg.
        let dim = c.header(rows)?;
        // write_HNSW.
        c.vector(8)?; // assign_probas
        let cum: Vec<usize> = i32s(c.vector(4)?)
            .map(|x| {
                usize::try_from(x).map_err(|_| Error::corrupted("HNSW graph: negative level size"))
            })
            .collect::<Result<_>>()?;
        let levels: Vec<u32> = i32s(c.vector(4)?)
            .map(|x| u32::try_from(x).map_err(|_| Error::corrupted("HNSW graph: negative level")))
            .collect::<Result<_>>()?;
        let offsets: Vec<usize> = c
            .vector(8)?
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                usize::try_from(u64::from_le_bytes(a))
                    .map_err(|_| Error::corrupted("HNSW graph: offset past memory"))
            })
            .collect::<Result<_>>()?;
        let neighbors: Vec<i32> = i32s(c.vector(4)?).collect();
        let entry = c.i32()?;
        let max_level = c.i32()?;
        c.take(12)?; // efConstruction, efSearch, upper_beam
        let storage = match &c.array::<4>()? {
            b"IxFI" | b"IxF2" => {
                if c.header(rows)? != dim {
                    return Err(Error::corrupted("HNSW storage of another dimension"));
                }
                Storage::Vectors
            }
            b"IxSQ" => {
                if c.header(rows)? != dim {
                    return Err(Error::corrupted("HNSW storage of another dimension"));
                }
                match c.sq8(dim, rows)? {
                    Some(sq8) => sq8,
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let graph = HnswGraph {
            rows,
            dim,
            storage,
            entry: u32::try_from(entry).ok(),
            max_level: usize::try_from(max_level).unwrap_or(0),
            cum,
            levels,
            offsets,
            neighbors,
        };
        graph.check()?;
        Ok(Some(graph))
    }

    /// The structural checks that make every lookup of a search in bounds.
    fn check(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::corrupted(format!("HNSW graph: {what}")));
        if self.levels.len() != self.rows || self.offsets.len() != self.rows + 1 {
            return bad("levels or offsets do not match the rows");
        }
        if self.cum.first() != Some(&0) || self.cum.windows(2).any(|w| w[0] > w[1]) {
            return bad("level sizes not increasing from 0");
        }
        if self.offsets.first() != Some(&0) || self.offsets.last() != Some(&self.neighbors.len()) {
            return bad("offsets do not span the neighbours");
        }
        for (r, &l) in self.levels.iter().enumerate() {
            let Some(&slots) = self.cum.get(l as usize) else {
                return bad("a row on more levels than the graph has");
            };
            if l == 0 || self.offsets[r] + slots != self.offsets[r + 1] {
                return bad("a row's links not where its level says");
            }
        }
        if self
            .neighbors
            .iter()
            .any(|&n| n < -1 || n >= 0 && n as usize >= self.rows)
        {
            return bad("a neighbour outside the rows");
        }
        match self.entry {
            None if self.rows == 0 => Ok(()),
            Some(e)
                if (e as usize) < self.rows
                    && self.levels[e as usize] as usize > self.max_level =>
            {
                Ok(())
            }
            _ => bad("entry point not a row on the top level"),
        }
    }

    /// The rows the graph links.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes this graph holds in memory.
    pub fn heap_bytes(&self) -> usize {
        let codes = match &self.storage {
            Storage::Vectors => 0,
            Storage::Sq8 { codes, norms, .. } => {
                codes.len() + norms.0.get().map_or(0, |n| n.len() * 4)
            }
        };
        self.neighbors.len() * 4 + self.offsets.len() * 8 + self.levels.len() * 4 + codes
    }

    /// Row `r`'s neighbours at `level` (empty when `r` is not on that level).
    #[inline]
    fn links(&self, r: u32, level: usize) -> &[i32] {
        let r = r as usize;
        if self.levels.get(r).is_none_or(|&l| l as usize <= level) {
            return &[];
        }
        let (Some(&base), Some(&from), Some(&to)) = (
            self.offsets.get(r),
            self.cum.get(level),
            self.cum.get(level + 1),
        ) else {
            return &[];
        };
        self.neighbors.get(base + from..base + to).unwrap_or(&[])
    }

    /// A scorer of rows by the index's 8-bit codes for `query` (of the graph's dimension), with
    /// the query folded once; `None` when the index stored `f32` rows (score those exactly).
    pub fn code_scorer(&self, metric: Metric, query: &[f32]) -> Option<CodeScorer<'_>> {
        let Storage::Sq8 { codes, .. } = &self.storage else {
            return None;
        };
        if query.len() != self.dim {
            return None;
        }
        let mut folded = Folded::default();
        self.storage.fold(metric, query, &mut folded);
        Some(CodeScorer {
            dim: self.dim,
            codes,
            norms: self.storage.norms_for(metric),
            folded,
        })
    }

    /// The `k` nearest rows to `query` that `accept` keeps, among those a beam of
    /// `max(ef, k)` reaches; sorted by distance then row. Distances are exact from `vectors`
    /// (row-major, `query.len()` floats a row, the graph's rows first) when the index stored
    /// the rows themselves, and estimates from the index's 8-bit codes when it stored codes
    /// (the caller re-ranks those with `vectors`, as it does Faiss's). May return fewer than
    /// `k` when the beam reaches fewer accepted rows: the caller finishes exactly.
    pub fn search(
        &self,
        metric: Metric,
        query: &[f32],
        vectors: &[f32],
        k: usize,
        ef: usize,
        accept: impl Fn(u32) -> bool,
    ) -> Vec<Neighbor> {
        self.search_filtered(metric, query, vectors, k, ef, Some(&accept))
    }

    /// [`search`](HnswGraph::search) with every row accepted: the answer is the beam's own
    /// nearest `k`, with no separate set of answers kept beside it.
    pub fn search_all(
        &self,
        metric: Metric,
        query: &[f32],
        vectors: &[f32],
        k: usize,
        ef: usize,
    ) -> Vec<Neighbor> {
        self.search_filtered(metric, query, vectors, k, ef, None::<&fn(u32) -> bool>)
    }

    fn search_filtered<A: Fn(u32) -> bool>(
        &self,
        metric: Metric,
        query: &[f32],
        vectors: &[f32],
        k: usize,
        ef: usize,
        accept: Option<&A>,
    ) -> Vec<Neighbor> {
        let dim = query.len();
        let (Some(entry), true) = (self.entry, k > 0 && dim == self.dim) else {
            return Vec::new();
        };
        with_scratch(self.rows, |s| {
            let mut folded = std::mem::take(&mut s.folded);
            self.storage.fold(metric, query, &mut folded);
            let norms = self.storage.norms_for(metric);
            let dim = self.dim;
            let distance = |r: u32| -> Option<f32> {
                let start = (r as usize).checked_mul(dim)?;
                let end = start.checked_add(dim)?;
                match &self.storage {
                    Storage::Vectors => Some(metric.distance(query, vectors.get(start..end)?)),
                    Storage::Sq8 { codes, .. } => folded.distance(codes.get(start..end)?, norms, r),
                }
            };
            let out = self.search_with(entry, k, ef, accept, &distance, s);
            s.folded = folded;
            out
        })
    }

    /// [`search`](HnswGraph::search) from `entry` with the query's `distance` to a row;
    /// `accept` `None`: every row accepted.
    fn search_with<A: Fn(u32) -> bool>(
        &self,
        entry: u32,
        k: usize,
        ef: usize,
        accept: Option<&A>,
        distance: &impl Fn(u32) -> Option<f32>,
        s: &mut Scratch,
    ) -> Vec<Neighbor> {
        let Some(mut d_cur) = distance(entry) else {
            return Vec::new();
        };
        let mut cur = entry;
        for level in (1..=self.max_level).rev() {
            loop {
                let mut moved = false;
                for &n in self.links(cur, level) {
                    let Ok(n) = u32::try_from(n) else { break };
                    if let Some(d) = distance(n).filter(|&d| d < d_cur) {
                        (cur, d_cur, moved) = (n, d, true);
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        let ef = ef.max(k);
        s.visit(cur);
        let start = Node(d_cur, cur);
        if let Some(accept) = accept {
            s.offer(start, k, accept);
        }
        if ef <= POOL_MAX_EF {
            s.pool.push((start, false));
            let mut next = 0;
            while let Some(&(Node(_, r), _)) = s.pool.get(next) {
                s.pool[next].1 = true;
                self.gather(r, s);
                let mut lowest = next + 1;
                for i in 0..s.batch.len() {
                    let n = s.batch[i];
                    let Some(d) = distance(n) else { continue };
                    let node = Node(d, n);
                    if s.pool.len() < ef || s.pool.last().is_some_and(|w| node < w.0) {
                        let at = s.pool.partition_point(|(x, _)| *x < node);
                        s.pool.insert(at, (node, false));
                        s.pool.truncate(ef);
                        lowest = lowest.min(at);
                    }
                    if let Some(accept) = accept {
                        s.offer(node, k, accept);
                    }
                }
                next = lowest;
                while s.pool.get(next).is_some_and(|e| e.1) {
                    next += 1;
                }
            }
        } else {
            s.frontier.push(Reverse(start));
            s.beam.push(start);
            while let Some(Reverse(Node(d, r))) = s.frontier.pop() {
                if s.beam.len() >= ef && s.beam.peek().is_some_and(|w| d > w.0) {
                    break;
                }
                self.gather(r, s);
                for i in 0..s.batch.len() {
                    let n = s.batch[i];
                    let Some(d) = distance(n) else { continue };
                    let node = Node(d, n);
                    if s.beam.len() < ef || s.beam.peek().is_some_and(|w| node < *w) {
                        s.frontier.push(Reverse(node));
                        s.beam.push(node);
                        if s.beam.len() > ef {
                            s.beam.pop();
                        }
                    }
                    if let Some(accept) = accept {
                        s.offer(node, k, accept);
                    }
                }
            }
        }
        let neighbor = |Node(distance, row): Node| Neighbor { row, distance };
        if accept.is_none() {
            // Every reached row was accepted: the answer is the beam's nearest k (the beam
            // holds the nearest `ef ≥ k` of the reached rows, in the same order).
            return if ef <= POOL_MAX_EF {
                s.pool.iter().take(k).map(|&(n, _)| neighbor(n)).collect()
            } else {
                let mut best: Vec<Node> = s.beam.drain().collect();
                best.sort();
                best.into_iter().take(k).map(neighbor).collect()
            };
        }
        let mut out: Vec<Neighbor> = s.found.drain().map(neighbor).collect();
        out.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.row.cmp(&b.row)));
        out
    }

    /// Row `r`'s unvisited level-0 neighbours into `s.batch`, marked visited, their codes'
    /// first bytes read ahead.
    #[inline]
    fn gather(&self, r: u32, s: &mut Scratch) {
        s.batch.clear();
        for &n in self.links(r, 0) {
            let Ok(n) = u32::try_from(n) else { break };
            if s.visit(n) {
                s.batch.push(n);
            }
        }
        self.storage.touch(&s.batch, self.dim);
    }
}

/// Up to this beam width the beam is one sorted array of rows with an "expanded" mark each
/// (insertion moves at most this many entries; no heaps); wider beams use a heap of the
/// unexpanded rows beside a heap of the beam.
const POOL_MAX_EF: usize = 128;

/// Distance estimates from an HNSW index's 8-bit codes for one query
/// ([`HnswGraph::code_scorer`]).
#[derive(Debug)]
pub struct CodeScorer<'a> {
    dim: usize,
    codes: &'a [u8],
    norms: &'a [f32],
    folded: Folded,
}

impl CodeScorer<'_> {
    /// The estimated distance of row `r` (`None` past the index's rows).
    #[inline]
    pub fn distance(&self, r: u32) -> Option<f32> {
        let start = (r as usize).checked_mul(self.dim)?;
        let c = self.codes.get(start..start.checked_add(self.dim)?)?;
        self.folded.distance(c, self.norms, r)
    }

    /// Every row of `rows` scored into `top`, a batch at a time (see
    /// [`push_all`](CodeScorer::push_all)).
    pub fn push_each(&self, rows: impl IntoIterator<Item = u32>, top: &mut crate::TopK) {
        const BATCH: usize = 64;
        let mut batch = [0u32; BATCH];
        let mut n = 0;
        for r in rows {
            batch[n] = r;
            n += 1;
            if n == BATCH {
                self.push_all(&batch, top);
                n = 0;
            }
        }
        self.push_all(&batch[..n], top);
    }

    /// Every row of `rows` scored into `top` (their codes' first bytes read first, so that
    /// the cache misses overlap).
    pub fn push_all(&self, rows: &[u32], top: &mut crate::TopK) {
        touch_codes(self.codes, rows, self.dim);
        for &r in rows {
            if let Some(d) = self.distance(r) {
                crate::lists::push_row(top, r, d);
            }
        }
    }
}

/// A query folded into the terms of one graph's codes ([`Storage::fold`]): the distance
/// estimate to a row of codes `c` is `base + step · Σ w[i] · c[i]`, plus the row's norm term
/// for L2 ([`Storage::norms_for`]).
#[derive(Debug, Default)]
struct Folded {
    w: Vec<i16>,
    base: f32,
    step: f32,
    /// Whether the row's norm term is added (L2).
    l2: bool,
}

impl Folded {
    /// The distance estimate to row `r`, whose codes are `c`, with `norms` the rows' norm
    /// terms for L2 (`None` past them).
    #[inline]
    fn distance(&self, c: &[u8], norms: &[f32], r: u32) -> Option<f32> {
        let d = self.base + self.step * sq8_dot_i16(&self.w, c) as f32;
        if self.l2 {
            Some(d + norms.get(r as usize)?)
        } else {
            Some(d)
        }
    }
}

/// Read the first byte of the codes of every row of `rows` before their distances are
/// computed: the loads are independent, so the rows' first cache-line misses overlap instead of
/// coming one row at a time, and the hardware prefetcher follows with each row's next lines.
/// (Dev set, 384-byte codes, one query at a time: 19,195–19,706 queries/s touching the first
/// line, 17,941–18,448 touching every line, 17,528–17,663 touching none; again with the
/// integer kernel, release build: 25,810 touching the first line, 20,127 none, 24,872 with
/// `prefetch` hints for every line and 23,174 for the first, which would also need `unsafe`.)
#[inline]
fn touch_codes(codes: &[u8], rows: &[u32], dim: usize) {
    for &r in rows {
        std::hint::black_box(codes.get(r as usize * dim).copied());
    }
}

/// What a search computes its distances from.
#[derive(Debug, Clone, PartialEq)]
enum Storage {
    /// The caller's vectors (the index stored the same `f32` rows): exact distances.
    Vectors,
    /// 8-bit scalar-quantizer codes, `dim` bytes a row, component `i` standing for
    /// `vmin[i] + (code + 0.5) · scale[i]` (Faiss's `QT_8bit`, and `QT_8bit_uniform` with its
    /// one range repeated).
    Sq8 {
        vmin: Vec<f32>,
        scale: Vec<f32>,
        codes: Vec<u8>,
        /// Per row, `Σ (scale[i] · code[i])²`: the part of an L2 distance that depends on the
        /// row alone (see [`fold`](Storage::fold)); computed at the first L2 search, so that
        /// inner-product and cosine graphs never pay for it.
        norms: Norms,
    },
}

/// The rows' L2 norm terms, computed once on demand: derived from the codes, so two storages
/// are equal whether or not either has computed them yet.
#[derive(Debug, Clone, Default)]
struct Norms(OnceLock<Vec<f32>>);

impl PartialEq for Norms {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Storage {
    /// 8-bit code storage.
    fn sq8(vmin: Vec<f32>, scale: Vec<f32>, codes: Vec<u8>) -> Storage {
        Storage::Sq8 {
            vmin,
            scale,
            codes,
            norms: Norms::default(),
        }
    }

    /// The rows' norm terms when `metric` needs them (L2), else nothing.
    fn norms_for(&self, metric: Metric) -> &[f32] {
        let Storage::Sq8 {
            scale,
            codes,
            norms,
            ..
        } = self
        else {
            return &[];
        };
        if metric != Metric::L2 {
            return &[];
        }
        norms.0.get_or_init(|| {
            codes
                .chunks_exact(scale.len().max(1))
                .map(|row| {
                    let n: f64 = row
                        .iter()
                        .zip(scale)
                        .map(|(&c, &s)| {
                            let x = f64::from(s) * f64::from(c);
                            x * x
                        })
                        .sum();
                    n as f32
                })
                .collect()
        })
    }

    /// [`touch_codes`] for code storage.
    #[inline]
    fn touch(&self, rows: &[u32], dim: usize) {
        if let Storage::Sq8 { codes, .. } = self {
            touch_codes(codes, rows, dim);
        }
    }

    /// The query folded into the codes' terms, written to `out`. A row stands for
    /// `vmin[i] + (code[i] + ½) · scale[i]`, so with real weights
    /// - inner products: `q · row = Σ q[i] · (vmin[i] + scale[i] / 2) + Σ (q[i] · scale[i]) ·
    ///   code[i]`;
    /// - L2, with `f[i] = q[i] − vmin[i] − scale[i] / 2`: `‖q − row‖² = Σ f[i]² − 2 Σ (f[i] ·
    ///   scale[i]) · code[i] + Σ (scale[i] · code[i])²`, the last sum the row's norm term;
    ///
    /// and the real weights are scaled to 16-bit integers, as fine as the bound on their sum
    /// allows ([`SQ8_WEIGHT_SUM_MAX`]): at most 32,767, at 384 dimensions about 14 bits where
    /// the codes themselves are 8, so the rounding adds under a hundredth of the codes' own
    /// error. Nothing is decoded per row.
    fn fold(&self, metric: Metric, query: &[f32], out: &mut Folded) {
        out.w.clear();
        (out.base, out.step, out.l2) = (0.0, 0.0, false);
        let Storage::Sq8 { vmin, scale, .. } = self else {
            return;
        };
        // Component i's real weight and its part of the constant (computed twice rather than
        // kept: no allocation per query).
        let l2 = metric == Metric::L2;
        let term = |((&q, &m), &s): ((&f32, &f32), &f32)| -> (f64, f64) {
            let (q, m, s) = (f64::from(q), f64::from(m), f64::from(s));
            if l2 {
                let f = q - m - 0.5 * s;
                (-2.0 * f * s, f * f)
            } else {
                (q * s, q * (m + 0.5 * s))
            }
        };
        let parts = || query.iter().zip(vmin).zip(scale).map(term);
        let (mut largest, mut total, mut constant) = (0f64, 0f64, 0f64);
        for (w, c) in parts() {
            largest = largest.max(w.abs());
            total += w.abs();
            constant += c;
        }
        // Scaled so that every weight fits 16 bits and their absolute sum the bound (the
        // rounding can add half a unit a weight: the bound keeps room for it).
        let room = (SQ8_WEIGHT_SUM_MAX as f64 - query.len() as f64).max(1.0);
        let factor = if largest > 0.0 && largest.is_finite() {
            (f64::from(i16::MAX) / largest).min(room / total)
        } else {
            1.0
        };
        out.w.extend(parts().map(|(w, _)| {
            // In range by the choice of `factor`; a query that is not finite scores nothing.
            // Rounded half away from zero by a truncating conversion (`f64::round` is a libm
            // call per component on the baseline target); NaN converts to 0.
            let scaled = w * factor;
            (scaled + 0.5f64.copysign(scaled)).clamp(f64::from(i16::MIN), f64::from(i16::MAX))
                as i16
        }));
        // Kiln's distances: L2 as is, inner product negated, cosine 1 − the inner product.
        let (base, step) = match metric {
            Metric::L2 => (constant, 1.0 / factor),
            Metric::InnerProduct => (-constant, -1.0 / factor),
            Metric::Cosine => (1.0 - constant, -1.0 / factor),
        };
        (out.base, out.step, out.l2) = (base as f32, step as f32, l2);
    }
}

/// A row reached by a search and its distance, ordered by distance then row.
#[derive(Debug, Clone, Copy)]
struct Node(f32, u32);

impl PartialEq for Node {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Node {}
impl PartialOrd for Node {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Node {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// One thread's reusable search state: visited marks (a byte a row, a new mark per search,
/// cleared only when the marks wrap) and the three heaps.
#[derive(Default)]
struct Scratch {
    marks: Vec<u8>,
    mark: u8,
    /// The query folded for the codes ([`Storage::fold`]).
    folded: Folded,
    frontier: BinaryHeap<Reverse<Node>>,
    beam: BinaryHeap<Node>,
    found: BinaryHeap<Node>,
    /// The beam as a sorted array, when it is narrow ([`POOL_MAX_EF`]).
    pool: Vec<(Node, bool)>,
    /// The unvisited neighbours of the row being expanded.
    batch: Vec<u32>,
}

impl Scratch {
    fn reset(&mut self, rows: usize) {
        if self.marks.len() < rows {
            self.marks.resize(rows, 0);
        }
        self.mark = self.mark.wrapping_add(1);
        if self.mark == 0 {
            self.marks.fill(0);
            self.mark = 1;
        }
        self.frontier.clear();
        self.beam.clear();
        self.found.clear();
        self.pool.clear();
    }

    /// Keep `node` among the `k` nearest accepted rows found, if `accept` keeps it and it ranks
    /// (the filter is asked only then).
    #[inline]
    fn offer(&mut self, node: Node, k: usize, accept: &impl Fn(u32) -> bool) {
        if (self.found.len() < k || self.found.peek().is_some_and(|w| node < *w)) && accept(node.1)
        {
            self.found.push(node);
            if self.found.len() > k {
                self.found.pop();
            }
        }
    }

    /// Mark `r` visited; false if it already was (or is out of range).
    #[inline]
    fn visit(&mut self, r: u32) -> bool {
        match self.marks.get_mut(r as usize) {
            Some(m) if *m != self.mark => {
                *m = self.mark;
                true
            }
            _ => false,
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Run `f` with this thread's scratch reset for a graph of `rows` rows (a fresh one if the
/// thread's is in use).
fn with_scratch<T>(rows: usize, f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            s.reset(rows);
            f(&mut s)
        }
        Err(_) => {
            let mut s = Scratch::default();
            s.reset(rows);
            f(&mut s)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{SegmentIndex, VectorIndex};
    use crate::spec::IndexPlan;
    use crate::test_support::clustered;

    fn brute(
        metric: Metric,
        x: &[f32],
        q: &[f32],
        k: usize,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<u32> {
        let dim = q.len();
        let mut all: Vec<(f32, u32)> = x
            .chunks_exact(dim)
            .enumerate()
            .map(|(r, v)| (metric.distance(q, v), r as u32))
            .filter(|&(_, r)| keep(r))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.into_iter().take(k).map(|(_, r)| r).collect()
    }

    fn built(plan: &IndexPlan, metric: Metric, dim: usize, x: &[f32]) -> (SegmentIndex, Vec<u8>) {
        let index = SegmentIndex::build_standalone(plan, metric, dim, x).expect("build");
        let mut bytes = index.to_bytes().expect("bytes");
        bytes.truncate(bytes.len() - crate::format::TRAILER_LEN);
        (index, bytes)
    }

    /// The rows linked to the entry point at level 0.
    fn reachable(g: &HnswGraph) -> Vec<bool> {
        let mut seen = vec![false; g.rows];
        let mut stack: Vec<u32> = g.entry.into_iter().collect();
        while let Some(r) = stack.pop() {
            if std::mem::replace(&mut seen[r as usize], true) {
                continue;
            }
            stack.extend(g.links(r, 0).iter().filter_map(|&n| u32::try_from(n).ok()));
        }
        seen
    }

    #[test]
    fn a_beam_over_every_row_is_the_exact_answer_for_flat_and_sq8_storage() {
        let (dim, rows) = (24, 1_500);
        for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
            let mut x = clustered(7, rows, dim, 12);
            if metric == Metric::Cosine {
                x = x
                    .chunks_exact(dim)
                    .flat_map(|v| crate::normalized(v).expect("norm"))
                    .collect();
            }
            for plan in [
                IndexPlan::Hnsw {
                    m: 16,
                    ef_construction: 40,
                },
                IndexPlan::HnswSq8 {
                    m: 16,
                    ef_construction: 40,
                },
            ] {
                let (index, _) = built(&plan, metric, dim, &x);
                let graph = index.graph().expect("an HNSW graph");
                assert_eq!(graph.rows(), rows);
                let exact = matches!(plan, IndexPlan::Hnsw { .. });
                for (qi, q) in x.chunks_exact(dim).step_by(97).enumerate() {
                    // Every second row filtered out, a beam as wide as the segment.
                    let keep = |r: u32| (r + qi as u32).is_multiple_of(2);
                    let found = graph.search(metric, q, &x, 10, rows, keep);
                    // A beam as wide as the segment reaches every row linked to the entry
                    // point at level 0 (a pruned graph may leave a few rows unlinked).
                    let reached = reachable(graph);
                    let want = brute(metric, &x, q, 10, |r| keep(r) && reached[r as usize]);
                    let got: Vec<u32> = found.iter().map(|n| n.row).collect();
                    if exact {
                        assert_eq!(got, want, "{metric:?} {plan:?}");
                        for n in &found {
                            let v = &x[n.row as usize * dim..][..dim];
                            assert_eq!(n.distance, metric.distance(q, v));
                        }
                    } else {
                        // Codes: the exact top 10 by the codes' distances, each within the
                        // quantisation error of the exact distance.
                        let scorer = graph.code_scorer(metric, q).expect("codes");
                        let by_codes = |r: u32| scorer.distance(r).expect("a row");
                        let mut all: Vec<(f32, u32)> = (0..rows as u32)
                            .filter(|&r| keep(r) && reached[r as usize])
                            .map(|r| (by_codes(r), r))
                            .collect();
                        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                        let want: Vec<u32> = all.iter().take(10).map(|a| a.1).collect();
                        assert_eq!(got, want, "{metric:?} {plan:?}");
                        for n in &found {
                            let v = &x[n.row as usize * dim..][..dim];
                            assert!((n.distance - metric.distance(q, v)).abs() < 0.05);
                        }
                    }
                    assert!(got.iter().all(|&r| keep(r)));
                }
            }
        }
    }

    #[test]
    fn the_sorted_beam_is_exhaustive_when_it_holds_every_row() {
        // 120 rows, efSearch 128: the sorted-array beam (not the heaps) holds every row.
        let (dim, rows) = (8, 120);
        assert!(rows <= POOL_MAX_EF);
        let x = clustered(5, rows, dim, 6);
        let (index, _) = built(
            &IndexPlan::Hnsw {
                m: 4,
                ef_construction: 16,
            },
            Metric::L2,
            dim,
            &x,
        );
        let graph = index.graph().expect("graph");
        let reached = reachable(graph);
        for (qi, q) in x.chunks_exact(dim).enumerate() {
            let keep = |r: u32| !(r as usize + qi).is_multiple_of(3);
            let found = graph.search(Metric::L2, q, &x, 7, POOL_MAX_EF, keep);
            let want = brute(Metric::L2, &x, q, 7, |r| keep(r) && reached[r as usize]);
            let got: Vec<u32> = found.iter().map(|n| n.row).collect();
            assert_eq!(got, want, "query {qi}");
        }
    }

    #[test]
    fn a_narrow_beam_keeps_its_recall_and_the_answer_is_sorted() {
        let (dim, rows) = (32, 4_000);
        let x = clustered(11, rows, dim, 40);
        let (index, _) = built(
            &IndexPlan::Hnsw {
                m: 16,
                ef_construction: 80,
            },
            Metric::L2,
            dim,
            &x,
        );
        let graph = index.graph().expect("graph");
        let mut hits = 0;
        let queries = 200;
        for q in x.chunks_exact(dim).step_by(rows / queries) {
            let found = graph.search(Metric::L2, q, &x, 10, 32, |_| true);
            assert!(found.windows(2).all(|w| w[0].distance <= w[1].distance));
            let want = brute(Metric::L2, &x, q, 10, |_| true);
            hits += found.iter().filter(|n| want.contains(&n.row)).count();
        }
        let recall = hits as f64 / (queries * 10) as f64;
        assert!(recall >= 0.9, "recall {recall}");
        // Every row accepted: `search_all` (the beam's own nearest) is `search`'s answer, for
        // the sorted beam and the heaps alike.
        for q in x.chunks_exact(dim).step_by(rows / 50) {
            for ef in [10, 32, POOL_MAX_EF, POOL_MAX_EF + 1, 300] {
                assert_eq!(
                    graph.search_all(Metric::L2, q, &x, 10, ef),
                    graph.search(Metric::L2, q, &x, 10, ef, |_| true),
                    "ef {ef}"
                );
            }
        }
        // No row accepted: nothing, not a panic.
        assert!(graph
            .search(Metric::L2, &x[..dim], &x, 10, 32, |_| false)
            .is_empty());
        // A query of another dimension or k = 0: nothing.
        assert!(graph
            .search(Metric::L2, &x[..dim - 1], &x, 10, 32, |_| true)
            .is_empty());
        assert!(graph
            .search(Metric::L2, &x[..dim], &x, 0, 32, |_| true)
            .is_empty());
        // Vectors shorter than the graph: rows past them are never reached.
        let short = &x[..100 * dim];
        let found = graph.search(Metric::L2, &x[..dim], short, 10, 64, |_| true);
        assert!(found.iter().all(|n| n.row < 100));
    }

    #[test]
    fn the_graph_read_from_bytes_is_the_one_built_and_damage_is_refused_or_ignored() {
        let (dim, rows) = (16, 600);
        let x = clustered(3, rows, dim, 8);
        let (index, bytes) = built(
            &IndexPlan::HnswSq8 {
                m: 8,
                ef_construction: 40,
            },
            Metric::L2,
            dim,
            &x,
        );
        let parsed = HnswGraph::from_faiss_bytes(&bytes, rows)
            .expect("parse")
            .expect("hnsw");
        assert_eq!(Some(&parsed), index.graph());
        // Another row count, a truncated file: errors.
        assert!(HnswGraph::from_faiss_bytes(&bytes, rows + 1).is_err());
        for cut in [0, 3, 10, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                HnswGraph::from_faiss_bytes(&bytes[..cut], rows).is_err(),
                "cut {cut}"
            );
        }
        // Every single-byte change either is refused or still gives a graph whose searches
        // stay in bounds (a changed neighbour of a valid row number, a changed code).
        for at in (0..bytes.len()).step_by(7) {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x5a;
            if let Ok(Some(g)) = HnswGraph::from_faiss_bytes(&damaged, rows) {
                let found = g.search(Metric::L2, &x[..dim], &x, 5, 20, |_| true);
                assert!(found.iter().all(|n| (n.row as usize) < rows));
            }
        }
        // Not an HNSW: no graph.
        let flat =
            SegmentIndex::build_standalone(&IndexPlan::Flat, Metric::L2, dim, &x).expect("flat");
        assert!(flat.graph().is_none());
        let mut fb = flat.to_bytes().expect("bytes");
        fb.truncate(fb.len() - crate::format::TRAILER_LEN);
        assert_eq!(HnswGraph::from_faiss_bytes(&fb, rows).expect("parse"), None);
    }

    #[test]
    fn sq8_kernels_match_decoding_the_codes() {
        let dim = 45;
        let vmin: Vec<f32> = (0..dim).map(|i| -1.0 + i as f32 * 0.01).collect();
        let scale: Vec<f32> = (0..dim).map(|i| (0.5 + i as f32 * 0.02) / 255.0).collect();
        let codes: Vec<u8> = (0..dim).map(|i| (i * 37 % 256) as u8).collect();
        let q: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.3).sin()).collect();
        let row: Vec<f32> = (0..dim)
            .map(|i| vmin[i] + (f32::from(codes[i]) + 0.5) * scale[i])
            .collect();
        let storage = Storage::sq8(vmin, scale, codes.clone());
        let mut folded = Folded::default();
        for metric in [Metric::InnerProduct, Metric::Cosine, Metric::L2] {
            storage.fold(metric, &q, &mut folded);
            let got = folded
                .distance(&codes, storage.norms_for(metric), 0)
                .expect("row 0");
            let want = metric.distance(&q, &row);
            assert!((got - want).abs() < 1e-4, "{metric:?}: {got} vs {want}");
        }
        // Weights at the bound: a long row of large components, the sum still exact.
        let dim = 4096;
        let codes = vec![255u8; dim];
        let storage = Storage::sq8(vec![0.0; dim], vec![1.0; dim], codes.clone());
        let q = vec![-1.0e6f32; dim];
        storage.fold(Metric::InnerProduct, &q, &mut folded);
        let got = folded
            .distance(&codes, &[], 0)
            .expect("inner product needs no norm");
        let want = Metric::InnerProduct.distance(&q, &vec![255.5; dim]);
        // Wrapped sums would be off by far more than the weights' rounding (2·10⁻⁵ here).
        assert!(((got - want) / want).abs() < 1e-4, "{got} vs {want}");
        // A query that is not finite scores every row alike instead of panicking.
        storage.fold(Metric::L2, &vec![f32::NAN; dim], &mut folded);
        assert!(folded.w.iter().all(|&w| w == 0));
    }
}
