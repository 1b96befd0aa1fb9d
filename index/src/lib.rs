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
//!
//! Every call into Faiss and every `unsafe` block lives in one private module, `ffi`.

#![deny(missing_docs)]
#![deny(clippy::print_stdout)]

mod bitmap;
mod error;
pub mod faiss_check;
mod ffi;
mod format;
mod merge;
pub mod metric;
mod segment;
pub mod spec;
mod template;
mod threads;
pub mod topk;

#[cfg(test)]
mod test_support;

pub use bitmap::RowBitmap;
pub use error::{Error, Result};
pub use merge::MergePart;
pub use metric::{normalized, Metric};
pub use segment::{
    default_nprobe, load, ExpectedIndex, IndexInfo, LoadMode, LoadedIndex, MappedSegmentIndex,
    Neighbor, SearchParams, SegmentIndex, VectorIndex, DEFAULT_EF_SEARCH,
};
pub use spec::{
    auto_nlist, plan_index, IndexKind, IndexPlan, IndexSpec, AUTO_MIN_ROWS, MIN_INDEXED_ROWS,
    MIN_TRAINING_ROWS_PER_LIST,
};
pub use template::{IvfTemplate, TRAINING_ROWS_PER_LIST};
pub use threads::{faiss_threads, set_faiss_threads, with_faiss_threads};
pub use topk::{merge_hits, scan_block, Hit, TopK};
