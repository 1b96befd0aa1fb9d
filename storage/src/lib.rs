//! kiln-storage: Kiln's durable state.
//!
//! - [`catalog`]: RocksDB as write-ahead log and catalog (collections, segments, growing rows,
//!   the id map, tombstones), one `WriteBatch` per change.
//! - [`segment`]: immutable, checksummed, memory-mapped segment files (format v1).
//! - [`growing`]: the in-memory growing segment.
//! - [`bitmap`]: copy-on-write deletion bitmaps.
//! - [`blob`]: derived files (index files, templates) with their checksum in the catalog.
//! - [`fs`]: the one seam every file operation on Kiln's own files goes through.
//! - [`watermark`]: the durable catalog sequence number that detects a rolled-back catalog.
//! - [`layout`]: where things live in a database directory, and startup cleanup.
//! - [`attrs`]: typed attributes, filters, their log and columns codecs, the attribute index.
//!
//! This crate knows nothing of Faiss or of merge policy.

#![deny(missing_docs)]
#![deny(clippy::print_stdout)]

pub mod attrs;
pub mod bitmap;
pub mod blob;
pub mod catalog;
pub mod checkpoint;
pub mod error;
pub mod fs;
pub mod growing;
pub mod ids;
pub mod layout;
pub mod segment;
pub mod watermark;

pub use bitmap::DeletionBitmap;
pub use catalog::{
    Catalog, CatalogBatch, CollectionRecord, IndexRecord, SegmentMeta, SegmentState, TemplateRecord,
};
pub use error::{Error, Result};
pub use fs::{FileSystem, OsFs};
pub use growing::GrowingSegment;
pub use ids::{CollectionId, RowId, RowLocation, SegmentId};
pub use segment::{SegmentFileInfo, SegmentReader};
