//! kiln-index: distance metrics, exact search and, behind a small safe API, Faiss.
//!
//! Takes `&[f32]` and row numbers, never files it was not handed. The pieces:
//!
//! - [`IndexSpec`] (stored with a collection) and [`plan_index`], the rule that decides what to
//!   build for a segment: nothing (exact scan) for small segments, IVF with nlist ≈ 4·√n for
//!   larger ones, quantised (SQ8, PQ) when the memory budget says so.
//! - [`IvfTemplate`]: one trained, empty IVF index per collection generation. Every IVF
//!   [`SegmentIndex`] is a clone of it with the segment's rows added under labels `0..n` (the
//!   segment's row numbers), so indexes of one generation merge by concatenating inverted lists
//!   ([`SegmentIndex::merge`]), with deleted rows dropped and labels renumbered in the same
//!   pass.
//! - [`VectorIndex`]: `&self` k-NN and range search, safe from many threads at once, with
//!   per-query [`SearchParams`] and a [`RowBitmap`] of excluded rows applied inside Faiss.
//! - Persistence: [`SegmentIndex::to_bytes`] (Faiss's format plus a checksummed trailer) and
//!   [`load`] in memory or memory-mapped read-only ([`MappedSegmentIndex`], immutable by type).
//! - [`set_faiss_threads`]: Faiss's OpenMP thread count for the calling thread.
//! - [`RecallCurve`] ([`recall`]): every index measures, at build time, its recall@k by the
//!   value of its search knob on rows held out of its answers
//!   ([`SegmentIndex::build_measured`], [`SegmentIndex::build_standalone_measured`],
//!   [`measure_recall_curve`]); [`RecallCurve::tuned`] then gives the cheapest search that
//!   meets a recall target, and [`rerank`] orders the candidates of an index whose distances
//!   are estimates from codes ([`IndexInfo::approximate_distances`]) by their exact distances
//!   from the segment's own rows.
//!
//! # For the engine: searching a segment at a recall target
//!
//! ```text
//! build:  (index, curve) = SegmentIndex::build_measured(&template, rows, &CurveSettings::default())
//!                        | SegmentIndex::build_standalone_measured(&plan, metric, dim, rows, ..)
//!         store the curve (serde) with the index record; `None` = no knob or too few rows
//! merge:  IVF by concatenation → measure_recall_curve(&merged, merged rows, ..) (an HNSW
//!         merge is a rebuild: build_standalone_measured)
//! search: t = curve.tuned(target, k)        (no curve: SearchParams::default(), k)
//!         found = index.search(q, t.candidates, &t.params, deleted)
//!         top   = if index.info().approximate_distances {
//!                     rerank(metric, q, &found, segment_vectors, dim, k)   // exact distances
//!                 } else { found }
//! ```
//!
//! The re-ranked distances are Kiln's exact ones ([`Metric::distance`]), so hits from SQ8 and
//! PQ segments merge with other segments' on equal terms.
//!
//! Every call into Faiss and every `unsafe` block lives in one private module, `ffi`.
//!
//! # Decisions
//!
//! - **Labels are row numbers, also after a merge.** `merge_from(dst, src, add_id = rows
//!   before)` concatenates lists with dense labels. Dropping deleted rows then needs labels
//!   rewritten in place, which Faiss's C API cannot do (and `remove_ids` reorders lists), so
//!   the merged index's serialised inverted lists are compacted and renumbered in one
//!   sequential pass and read back: the result is byte-identical to building the kept rows on
//!   the same template (tested). See `merge.rs`.
//! - **Template identity.** A 64-bit fingerprint of the template's serialised header
//!   (centroids, SQ/PQ codebooks; `ntotal` and `nprobe` excluded) travels with every IVF index
//!   and its file; only equal fingerprints merge. Faiss itself only compares centroids.
//! - **HNSW over SQ8 codes** ([`IndexPlan::HnswSq8`], Faiss `HNSW{m},SQ8`) holds one byte per
//!   component and no f32 copy: on the dev set (15k × 384) HNSW32-SQ8's file is 0.43× the raw
//!   vectors (HNSW32 with flat storage: 1.18×; HNSW16-SQ8: 0.34×), the graph's `2·m + 1`
//!   4-byte links a row being most of the rest. Its ranges are trained on the segment's own
//!   rows, so nothing is clipped, and `IO_FLAG_MMAP_IFC` maps its codes and graph like
//!   HNSW's. Searches re-rank from the segment's rows.
//! - **Recall is measured on held-out rows.** A row that the index holds finds more as a
//!   query than a fresh query does, even with its own row excluded: HNSW's search lands on
//!   that row's node, whose links are its neighbours (0.99 measured at efSearch 11 where real
//!   queries got 0.93). So IVF curves exclude a seeded sample of rows from every answer (for
//!   IVF exactly an index without them), and HNSW builds add their last rows only after the
//!   curve was measured with them as queries. See [`recall`].
//! - **HNSW efSearch** cannot be passed per call through the C API. Each index carries its
//!   default (set with `&mut` before sharing); searches at it run concurrently under a
//!   per-index read lock; a search at another efSearch takes that index's write lock, sets,
//!   searches, restores. IVF nprobe goes per call in `SearchParametersIVF`, lock-free in effect.
//! - **Mapped loads** use `IO_FLAG_MMAP_IFC` for every kind (Faiss 1.12 maps IVF list codes
//!   and ids too). `IO_FLAG_MMAP | IO_FLAG_READ_ONLY` (`OnDiskInvertedLists`) starts up to 32
//!   prefetch threads per search and measured ~9× slower per query, so it is not used.
//! - **Corruption.** Faiss loads many single-bit-flipped files without complaint and then
//!   crashes (SIGSEGV; an exception inside OpenMP → SIGABRT) or allocates a flipped size until
//!   the process is OOM-killed. Every file therefore carries a CRC32 of the Faiss bytes in a
//!   trailer (with its own CRC), checked before Faiss reads a byte; `MappedVerifiedByCaller`
//!   skips only the body CRC, for callers that just verified the catalog checksum.
//! - **Threads.** Faiss's OpenMP thread count is per calling thread ([`set_faiss_threads`],
//!   [`with_faiss_threads`]); a single query runs on the calling thread.
//! - **Parameters are clamped or refused, never passed through.** Faiss keeps HNSW's m,
//!   efConstruction, efSearch and (in its search) k in C `int`s and sizes allocations by nlist
//!   and efSearch, some inside OpenMP regions where a failed allocation aborts. So
//!   [`IndexSpec::validate`] refuses absurd build parameters (documented bounds:
//!   [`MAX_NLIST`], [`MAX_HNSW_M`], [`MAX_EF_CONSTRUCTION`]); builds clamp nlist and
//!   efConstruction to the segment's rows; searches clamp k to the rows, nprobe to `1..=nlist`
//!   and efSearch to `k..=rows` ([`SearchParams`]); and the Faiss boundary refuses any value
//!   that still would not fit an `int`.
//! - **Mapped loads need spare mappings.** Faiss does not notice a failed `mmap` (it checks
//!   for null, not `MAP_FAILED`), so [`load`] counts the process's mappings first and loads in
//!   memory when fewer than 1,024 (or 5 % of `vm.max_map_count`) remain.
//! - **Exact kernels** ([`metric::dot`], [`metric::l2_squared`]) are compiled per SIMD level by
//!   `multiversion` and chosen once per process ([`metric::kernel`]; `KILN_SIMD=off` forces
//!   the portable build); every build returns the same bits. Faiss's own kernels are compiled
//!   for one SIMD level when Kiln is built (`KILN_FAISS_SIMD`; [`faiss_simd_level`]).

#![deny(missing_docs)]
#![deny(clippy::print_stdout)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod bitmap;
mod error;
pub mod faiss_check;
mod ffi;
mod format;
mod graph;
mod headroom;
mod lists;
mod merge;
pub mod metric;
pub mod recall;
mod segment;
pub mod spec;
mod template;
mod threads;
pub mod topk;

#[cfg(test)]
mod test_support;

pub use bitmap::RowBitmap;
pub use error::{Error, Result};
pub use graph::{CodeScorer, HnswGraph};
pub use lists::{push_row, rows_of, RowLists};
pub use merge::MergePart;
pub use metric::{normalized, Metric};
pub use recall::{
    measure_recall_curve, rerank, CurvePoint, CurveSettings, Knob, RecallCurve, TunedSearch,
    DEFAULT_RECALL_TARGET, MAX_LADDER_STEPS, PICK_MARGIN_STDERRS,
};
pub use segment::{
    default_nprobe, load, Coarse, ExpectedIndex, IndexInfo, LoadMode, LoadedIndex,
    MappedSegmentIndex, Neighbor, SearchParams, SegmentIndex, VectorIndex, DEFAULT_EF_SEARCH,
};
pub use spec::{
    auto_nlist, plan_index, IndexKind, IndexPlan, IndexSpec, AUTO_MIN_ROWS, MAX_EF_CONSTRUCTION,
    MAX_FACTORY_NUMBER, MAX_HNSW_M, MAX_NLIST, MIN_INDEXED_ROWS, MIN_TRAINING_ROWS_PER_LIST,
};
pub use template::{IvfTemplate, TRAINING_ROWS_PER_LIST};
pub use threads::{
    faiss_simd_level, faiss_threads, release_free_heap, set_faiss_threads, with_faiss_threads,
};
pub use topk::{merge_hits, scan_block, Hit, TopK};
