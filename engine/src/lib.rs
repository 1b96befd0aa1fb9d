//! kiln-engine: databases, collections, snapshots and query fan-out. The only API boundary of
//! Kiln; the `kiln` crate re-exports it.

#![deny(missing_docs)]
#![deny(clippy::print_stdout)]

// Module dependencies run one way, with no cycle (ARCHITECTURE.md draws the map):
//   db → collection, handle, reader, updater, verify;  collection → handle, updater, search
//   reader → handle, updater;  handle → updater;  updater → jobs, snapshot, indexing, ...
//   jobs → snapshot, indexing;  search → snapshot;  snapshot → indexing, gc;  indexing → core
mod collection;
mod core;
mod db;
mod error;
mod events;
mod gc;
mod handle;
mod indexing;
mod jobs;
mod merge_policy;
mod meta;
mod options;
mod reader;
mod search;
mod snapshot;
mod stats;
mod updater;
mod validate;
mod verify;

pub use collection::Collection;
pub use db::{CheckpointReport, Database};
pub use error::{Error, Result};
pub use events::Event;
pub use kiln_index::{normalized, Hit, IndexSpec, Metric};
pub use kiln_storage::attrs::{CompareOp, Field, FieldType, Filter, Payload, Value};
pub use merge_policy::{MergeCandidate, MergeInput, MergePolicy, MergeReason};
pub use options::{
    default_index_budget, Backpressure, CollectionConfig, DbOptions, Durability, SearchOptions,
    DEFAULT_EVENT_CAPACITY, DEFAULT_SEGMENT_BYTES, MAX_DIMENSION, MAX_SEGMENT_ROWS,
};
pub use search::PARALLEL_MIN_ROWS;
pub use stats::{
    CollectionStats, SearchExplain, SegmentExplain, SegmentInfo, SegmentPlan, SegmentState,
    SegmentStats,
};
pub use validate::{MAX_BATCH_BYTES, MAX_NAME_LEN};
pub use verify::{Problem, VerifyReport};

/// Every failpoint in Kiln's write recipes, for the crash-point tests (cargo feature
/// `failpoints`; without it the failpoints compile to nothing).
#[doc(hidden)]
pub const FAILPOINTS: &[&str] = &[
    "publish::before_sync",
    "publish::before_rename",
    "publish::before_dir_sync",
    "publish::after",
    "write::before_commit",
    "write::after_commit",
    "delete::before_commit",
    "delete::after_commit",
    "freeze::before_commit",
    "seal::before_commit",
    "seal::after_commit",
    "index::before_publish",
    "template::before_commit",
    "build::before_commit",
    "build::after_commit",
    "merge::after_file",
    "merge::before_commit",
    "merge::after_commit",
    "watermark::before_write",
    "create::before_commit",
    "drop::after_commit",
];
