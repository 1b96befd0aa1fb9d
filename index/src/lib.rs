//! kiln-index: distance metrics, exact search and (behind a small safe API) Faiss.
//!
//! Takes `&[f32]` and ids, never files. The Faiss index types arrive with the index layer; this
//! crate already links Faiss so that the build and CI carry it from the start.

#![deny(missing_docs)]
#![deny(clippy::print_stdout)]

pub mod faiss_check;
pub mod metric;
pub mod spec;
pub mod topk;

pub use metric::{normalized, Metric};
pub use spec::IndexSpec;
pub use topk::{merge_hits, scan_block, Hit, TopK};
