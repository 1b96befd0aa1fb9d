//! What `Collection::stats` reports.

use crate::options::Backpressure;

/// A segment's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentState {
    /// The active growing segment: in memory and in the row log, taking new rows.
    Growing,
    /// Full, no longer written, waiting to be sealed into a file.
    Frozen,
    /// An immutable, memory-mapped segment file.
    Sealed,
}

/// One segment in [`CollectionStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentStats {
    /// Segment id.
    pub id: u64,
    /// Lifecycle state.
    pub state: SegmentState,
    /// Rows, deleted ones included.
    pub rows: usize,
    /// Deleted rows.
    pub deleted: usize,
    /// Bytes: the segment file for sealed segments, the in-memory rows otherwise.
    pub bytes: u64,
    /// The index kind, when an index is attached.
    pub index: Option<String>,
    /// Bytes of the index files (the index and its row lists), when an index is attached.
    pub index_bytes: u64,
    /// Whether a background job (seal, build, merge) holds it now.
    pub busy: bool,
}

/// Counts, per-segment state and background progress of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionStats {
    /// Live rows.
    pub rows: usize,
    /// Deleted rows still present in segments (dropped by merges).
    pub deleted_rows: usize,
    /// Rows in frozen growing segments waiting to be sealed.
    pub rows_pending_seal: usize,
    /// Rows in sealed segments that need an index and do not have one yet.
    pub rows_pending_indexing: usize,
    /// Merges the policy wants to run now.
    pub pending_merges: usize,
    /// Background jobs running now (or queued on a pool thread).
    pub jobs_running: usize,
    /// Of which seals.
    pub seals_running: usize,
    /// Of which index builds and template trainings.
    pub builds_running: usize,
    /// Of which merges.
    pub merges_running: usize,
    /// Seals done since open.
    pub seals_done: u64,
    /// Merges done since open.
    pub merges_done: u64,
    /// Index builds done since open (from rows, including rebuilds of merged segments whose
    /// inputs could not be concatenated).
    pub indexes_built: u64,
    /// Merged segments whose index was made by concatenating their inputs' inverted lists.
    pub indexes_merged: u64,
    /// Merged segments whose graph index is their largest input's graph with the other
    /// inputs' rows inserted (instead of a graph built from nothing).
    pub graphs_grown: u64,
    /// Background job failures since open (each retried).
    pub jobs_failed: u64,
    /// Writes that had to wait for background work.
    pub writes_stalled: u64,
    /// Writes that were slowed down.
    pub writes_throttled: u64,
    /// Background events not delivered because a subscriber's queue was full (database-wide,
    /// since open; see `DbOptions::event_capacity`).
    pub events_dropped: u64,
    /// The backpressure limits in force.
    pub limits: Backpressure,
    /// Segments in id order.
    pub segments: Vec<SegmentStats>,
}

/// A segment as [`Collection::segments`](crate::Collection::segments) reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Segment id.
    pub id: u64,
    /// Whether it is sealed into a file (else growing, in memory and in the row log).
    pub sealed: bool,
    /// Rows, deleted ones included.
    pub rows: usize,
    /// Deleted rows.
    pub deleted: usize,
}

/// How one segment was searched for one query ([`Collection::explain`](crate::Collection::explain)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentExplain {
    /// Segment id.
    pub segment: u64,
    /// Live rows of the segment in the query's snapshot.
    pub live_rows: usize,
    /// Live rows that qualify (match the filter; all live rows without one).
    pub matching_rows: usize,
    /// What was done.
    pub plan: SegmentPlan,
    /// Candidates examined: hits the index returned, plus rows scanned exactly.
    pub candidates: usize,
}

/// The plan of one segment's search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentPlan {
    /// No row qualifies: not searched.
    Skipped,
    /// Exact scan of the qualifying rows (no index, `exact`, or so few matching rows that
    /// scanning them costs less than an index search).
    ExactScan,
    /// Through the index, at these parameters (widened for a selective filter).
    Index {
        /// IVF lists probed.
        nprobe: Option<usize>,
        /// HNSW beam width.
        ef_search: Option<usize>,
    },
    /// Through the segment's row lists (the partition of a settled graph's rows by nearest
    /// centroid): the matching rows of the `nprobe` lists nearest the query, exactly.
    Lists {
        /// Lists probed (widened for the filter's selectivity).
        nprobe: usize,
    },
    /// The index (or the row lists) answered short or failed, and the segment was finished
    /// exactly.
    IndexThenExact,
}

/// A search's hits and the plan of every segment ([`Collection::explain`](crate::Collection::explain)).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchExplain {
    /// The hits, as `search` returns them.
    pub hits: Vec<kiln_index::Hit>,
    /// One entry per segment of the snapshot, in id order.
    pub segments: Vec<SegmentExplain>,
}
