//! Identifier newtypes shared by the catalog, the segment files and the engine.

use std::fmt;

/// A collection's numeric id, assigned at creation and never reused. Collection directories and
/// every catalog key of a collection are named by it, so a name can be dropped and created again
/// without the two generations meeting.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct CollectionId(pub u64);

/// A segment's id, unique within the database and never reused. A growing segment keeps its id
/// when it is sealed, so the id map and tombstones (which name rows as `(SegmentId, RowId)`) stay
/// valid across a seal.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct SegmentId(pub u64);

/// A row's position inside its segment, starting at 0. Rows are never reordered within a segment:
/// a row keeps its number from its insert until the segment is merged away. Faiss labels are row
/// numbers too.
pub type RowId = u32;

/// Where a user id's live row is: segment and row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowLocation {
    /// The segment holding the row.
    pub segment: SegmentId,
    /// The row inside the segment.
    pub row: RowId,
}

impl fmt::Display for CollectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

impl fmt::Display for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}
