//! Options of databases, collections and searches.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use kiln_index::{IndexSpec, Metric, DEFAULT_RECALL_TARGET};
use kiln_storage::attrs::{Field, FieldType, Filter};
use kiln_storage::{FileSystem, OsFs};

use crate::merge_policy::MergePolicy;

/// When a write is acknowledged relative to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every write fsyncs the log before it returns: an acknowledged write survives a process
    /// crash and a power cut. The default, because an embedded database must not lose what it
    /// acknowledged; batch writes to amortise the fsync.
    #[default]
    Sync,
    /// Writes reach the operating system before they return but are not fsynced: an
    /// acknowledged write survives a process crash (kill -9); after a power cut the database
    /// holds a prefix of the acknowledged writes, with no holes. Much faster for single-row
    /// writes. [`Collection::flush`](crate::Collection::flush) makes everything durable.
    Buffered,
}

/// When background work falls behind, writes slow down rather than fail or let memory grow.
/// The state against these limits is in `Collection::stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backpressure {
    /// Frozen growing segments (in memory, waiting to be sealed) at which writes wait.
    pub max_unsealed_segments: usize,
    /// Sealed rows still waiting for their index at which writes slow down (and wait at twice).
    pub max_unindexed_rows: usize,
    /// Merges due at which writes slow down (and wait at twice).
    pub max_pending_merges: usize,
}

impl Default for Backpressure {
    fn default() -> Self {
        Backpressure {
            max_unsealed_segments: 4,
            max_unindexed_rows: 4_000_000,
            max_pending_merges: 16,
        }
    }
}

/// Options for [`Database::open_with`](crate::Database::open_with).
#[derive(Clone)]
pub struct DbOptions {
    pub(crate) durability: Durability,
    pub(crate) query_threads: usize,
    pub(crate) compaction_threads: usize,
    pub(crate) backpressure: Backpressure,
    pub(crate) fs: Arc<dyn FileSystem>,
    pub(crate) inject_job_panics: usize,
    pub(crate) index_memory_budget: u64,
    pub(crate) thread_budget: usize,
    pub(crate) create_if_missing: bool,
    pub(crate) event_capacity: usize,
    pub(crate) refresh_interval: Option<Duration>,
}

impl fmt::Debug for DbOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbOptions")
            .field("durability", &self.durability)
            .field("query_threads", &self.query_threads)
            .field("compaction_threads", &self.compaction_threads)
            .field("backpressure", &self.backpressure)
            .field("index_memory_budget", &self.index_memory_budget)
            .field("thread_budget", &self.thread_budget)
            .field("create_if_missing", &self.create_if_missing)
            .field("event_capacity", &self.event_capacity)
            .field("refresh_interval", &self.refresh_interval)
            .finish_non_exhaustive()
    }
}

impl Default for DbOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        DbOptions {
            durability: Durability::default(),
            query_threads: cores,
            compaction_threads: cores,
            backpressure: Backpressure::default(),
            fs: Arc::new(OsFs),
            inject_job_panics: 0,
            index_memory_budget: default_index_budget(),
            thread_budget: cores,
            create_if_missing: true,
            event_capacity: DEFAULT_EVENT_CAPACITY,
            refresh_interval: None,
        }
    }
}

impl DbOptions {
    /// Defaults: [`Durability::Sync`], one query and one compaction thread per core, default
    /// [`Backpressure`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the durability of writes.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Threads of the engine's query pool, which fans a query out across segments (at least 1).
    pub fn query_threads(mut self, threads: usize) -> Self {
        self.query_threads = threads.max(1);
        self
    }

    /// Threads of the engine's compaction pool, which seals, builds indexes and merges in the
    /// background (at least 1). Default: one per core.
    pub fn compaction_threads(mut self, threads: usize) -> Self {
        self.compaction_threads = threads.max(1);
        self
    }

    /// Whether `open_with` creates a new database when the directory holds none (default
    /// `true`); with `false` it fails with [`Error::DatabaseNotFound`](crate::Error::DatabaseNotFound).
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }

    /// Bytes one segment index may take in memory when the index spec is `Auto`: a settled
    /// segment's graph (HNSW32-SQ8) when it fits, IVF-Flat when full vectors fit, else
    /// IVF-SQ8, else IVF-PQ. Default: half of the machine's memory.
    pub fn index_memory_budget(mut self, bytes: u64) -> Self {
        self.index_memory_budget = bytes;
        self
    }

    /// Threads Kiln may keep busy with index builds and merges: each compaction-pool thread
    /// gives Faiss `max(1, budget / compaction_threads)` OpenMP threads, so pool threads × Faiss
    /// threads stay within it. Default: one per core.
    pub fn thread_budget(mut self, threads: usize) -> Self {
        self.thread_budget = threads.max(1);
        self
    }

    /// Faiss OpenMP threads per compaction-pool thread.
    pub(crate) fn faiss_threads_per_job(&self) -> usize {
        (self.thread_budget / self.compaction_threads.max(1)).max(1)
    }

    /// Backpressure limits.
    pub fn backpressure(mut self, limits: Backpressure) -> Self {
        self.backpressure = limits;
        self
    }

    /// Events each subscriber of [`Database::events`](crate::Database::events) queues before
    /// further events are dropped for it (and counted in `CollectionStats::events_dropped`).
    /// Default: [`DEFAULT_EVENT_CAPACITY`].
    pub fn event_capacity(mut self, events: usize) -> Self {
        self.event_capacity = events.max(1);
        self
    }

    /// A database opened with [`Database::open_read_only_with`](crate::Database::open_read_only_with)
    /// refreshes itself every `interval` in the background (a thread `kiln-refresh`), as
    /// [`Database::refresh`](crate::Database::refresh) does: it then lags the writer by at
    /// most about `interval` plus the time a refresh takes. Default: off (the handle moves
    /// only when `refresh` is called). A zero interval is taken as 1 ms. Ignored by a writer,
    /// which is always current.
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = Some(interval.max(Duration::from_millis(1)));
        self
    }

    /// Make the first `n` background jobs panic (tests of the pool's panic handling; cargo
    /// feature `testing`).
    #[cfg(feature = "testing")]
    pub fn inject_job_panics(mut self, n: usize) -> Self {
        self.inject_job_panics = n;
        self
    }

    /// Put a different file system under Kiln's own files (fault injection in tests; cargo
    /// feature `testing`).
    #[cfg(feature = "testing")]
    pub fn file_system(mut self, fs: Arc<dyn kiln_storage::FileSystem>) -> Self {
        self.fs = fs;
        self
    }
}

/// Default of [`DbOptions::event_capacity`].
pub const DEFAULT_EVENT_CAPACITY: usize = 4096;

/// The default of [`DbOptions::index_memory_budget`]: half of the machine's memory (from
/// `/proc/meminfo`), or 4 GiB where that is unknown.
pub fn default_index_budget() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(4 << 30, |kb| kb * 1024 / 2)
}

/// The largest dimension a collection may have.
pub const MAX_DIMENSION: usize = 65_536;
/// Vector bytes a growing segment holds by default before it is sealed; the default
/// [`CollectionConfig::segment_rows`] is this divided by the row size.
pub const DEFAULT_SEGMENT_BYTES: usize = 16 << 20;
/// Bounds of the default segment size in rows.
pub const DEFAULT_SEGMENT_ROWS_RANGE: (u32, u32) = (1024, 1 << 20);
/// The largest `segment_rows` accepted.
pub const MAX_SEGMENT_ROWS: u32 = 1 << 24;

/// A collection's fixed configuration, chosen at creation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CollectionConfig {
    pub(crate) dim: usize,
    pub(crate) metric: Metric,
    pub(crate) segment_rows: Option<u32>,
    pub(crate) index: IndexSpec,
    #[serde(default)]
    pub(crate) merge: Option<MergePolicy>,
    /// Typed attribute fields at creation, in order (`Collection::add_field` appends more).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) fields: Vec<Field>,
    /// Recall@k searches aim for when they state none (`None`: [`DEFAULT_RECALL_TARGET`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target_recall: Option<f64>,
}

impl CollectionConfig {
    /// Vectors of `dim` floats compared with `metric`; other settings at their defaults.
    pub fn new(dim: usize, metric: Metric) -> Self {
        CollectionConfig {
            dim,
            metric,
            segment_rows: None,
            index: IndexSpec::Auto,
            merge: None,
            fields: Vec::new(),
            target_recall: None,
        }
    }

    /// The recall@k a search aims for when its options state none (default
    /// [`DEFAULT_RECALL_TARGET`], 0.95). Each index measures its own recall curve when it is
    /// built (rows held out as queries, exact answers from the segment), and a search picks
    /// per segment the cheapest `nprobe` / `efSearch` whose measured recall stays two standard
    /// errors above the target. Must be in `(0, 1]` (checked by `create_collection`); at 1.0 a
    /// search uses the widest setting measured, which is not a guarantee of exact answers: ask
    /// for [`SearchOptions::exact`] for those. Explicit `nprobe` / `ef_search` override it.
    pub fn target_recall(mut self, recall: f64) -> Self {
        self.target_recall = Some(recall);
        self
    }

    /// The effective recall target of searches that state none.
    pub fn effective_target_recall(&self) -> f64 {
        self.target_recall.unwrap_or(DEFAULT_RECALL_TARGET)
    }

    /// Add a typed attribute field: rows may carry a value for it (`insert_with` and friends),
    /// and searches can filter on it. Names: 1–64 ASCII letters, digits and `_`, not starting
    /// with a digit, not a filter keyword; checked by `create_collection`.
    pub fn field(mut self, name: impl Into<String>, ty: FieldType) -> Self {
        self.fields.push(Field {
            name: name.into(),
            ty,
        });
        self
    }

    /// The attribute fields given at creation.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The merge policy (default: [`MergePolicy::for_segment_rows`] of the segment size).
    pub fn merge_policy(mut self, policy: MergePolicy) -> Self {
        self.merge = Some(policy);
        self
    }

    /// The effective merge policy.
    pub fn effective_merge_policy(&self) -> MergePolicy {
        self.merge.clone().unwrap_or_else(|| {
            MergePolicy::for_segment_rows(self.effective_segment_rows() as usize)
        })
    }

    /// Rows the growing segment takes before it is sealed into a segment file. Default: about
    /// [`DEFAULT_SEGMENT_BYTES`] of vectors, between 1,024 and 1,048,576 rows.
    pub fn segment_rows(mut self, rows: u32) -> Self {
        self.segment_rows = Some(rows);
        self
    }

    /// The index sealed segments get (default `IndexSpec::Auto`: none below 10,000 rows, IVF
    /// above, quantised when the memory budget says so). Growing segments are always searched
    /// exactly.
    pub fn index(mut self, spec: IndexSpec) -> Self {
        self.index = spec;
        self
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The index spec.
    pub fn index_spec(&self) -> &IndexSpec {
        &self.index
    }

    /// The effective segment size in rows.
    pub fn effective_segment_rows(&self) -> u32 {
        self.segment_rows.unwrap_or_else(|| {
            let (lo, hi) = DEFAULT_SEGMENT_ROWS_RANGE;
            let rows = DEFAULT_SEGMENT_BYTES / (4 * self.dim.max(1));
            (rows as u32).clamp(lo, hi)
        })
    }
}

/// Options of one search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    pub(crate) k: usize,
    pub(crate) exact: bool,
    pub(crate) nprobe: Option<usize>,
    pub(crate) ef_search: Option<usize>,
    pub(crate) filter: Option<Filter>,
    pub(crate) target_recall: Option<f64>,
    /// IVF segments of one template share the query's coarse assignment (always, outside
    /// tests and benchmarks).
    pub(crate) share_coarse: bool,
}

impl SearchOptions {
    /// Return the `k` nearest live vectors (fewer if the collection holds fewer). `k` must be at
    /// least 1.
    pub fn new(k: usize) -> Self {
        SearchOptions {
            k,
            exact: false,
            nprobe: None,
            ef_search: None,
            filter: None,
            target_recall: None,
            share_coarse: true,
        }
    }

    /// Whether IVF segments built from one template share the query's coarse assignment
    /// (default: yes) or each assigns the query itself, as before the sharing (measuring the
    /// difference; cargo feature `testing`).
    #[cfg(feature = "testing")]
    pub fn share_coarse(mut self, share: bool) -> Self {
        self.share_coarse = share;
        self
    }

    /// The recall@k to aim for in this search (default: the collection's
    /// [`CollectionConfig::target_recall`], 0.95 unless set): each indexed segment is searched
    /// at the cheapest setting its measured recall curve says reaches it. Must be in `(0, 1]`
    /// (`InvalidArgument` otherwise, when the search runs). `nprobe` / `ef_search`, when given,
    /// take precedence.
    pub fn target_recall(mut self, recall: f64) -> Self {
        self.target_recall = Some(recall);
        self
    }

    /// Only rows that match `filter` qualify: the search returns the `min(k, matching live
    /// rows)` nearest of them. The filter is checked against the collection's fields when the
    /// search runs (`UnknownField`, `FieldTypeMismatch`, `InvalidFilter`).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Search every segment exactly, ignoring indexes: results are then the exact top-k,
    /// whatever the segment layout.
    pub fn exact(mut self, exact: bool) -> Self {
        self.exact = exact;
        self
    }

    /// IVF lists to probe per indexed segment. Default: the segment's pick for the recall
    /// target ([`target_recall`](SearchOptions::target_recall)); for an index without a
    /// measured curve, about `3.3·√nlist` (at least 16).
    pub fn nprobe(mut self, nprobe: usize) -> Self {
        self.nprobe = Some(nprobe.max(1));
        self
    }

    /// HNSW beam width per indexed segment. Default: the segment's pick for the recall target;
    /// 48 for an index without a measured curve.
    pub fn ef_search(mut self, ef: usize) -> Self {
        self.ef_search = Some(ef.max(1));
        self
    }

    pub(crate) fn params(&self) -> kiln_index::SearchParams {
        kiln_index::SearchParams {
            nprobe: self.nprobe,
            ef_search: self.ef_search,
        }
    }

    /// The k asked for.
    pub fn k(&self) -> usize {
        self.k
    }
}
