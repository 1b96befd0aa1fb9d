//! The public error type, `kiln::Error`.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything that can go wrong in Kiln. Each variant says what and where; every error that a
/// write returns leaves the database unchanged.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A vector (or, for batches, the flat buffer) has the wrong number of floats. For a batch
    /// `expected` is `ids.len() × dim`.
    #[error("dimension mismatch: expected {expected} floats, got {got}")]
    DimensionMismatch {
        /// What the collection needs.
        expected: usize,
        /// What was passed.
        got: usize,
    },
    /// A vector has a NaN or infinite component, a norm too large to compute in f32, or is the
    /// zero vector under the cosine metric.
    #[error("invalid vector{}: {reason}", id.map(|i| format!(" for id {i}")).unwrap_or_default())]
    InvalidVector {
        /// The id the vector was given with, if it was a stored vector and not a query.
        id: Option<u64>,
        /// What is wrong with it.
        reason: String,
    },
    /// `insert` of an id that is already live.
    #[error("id {id} already exists in collection {collection}")]
    DuplicateId {
        /// The collection.
        collection: String,
        /// The id.
        id: u64,
    },
    /// The same id appears twice in one insert or upsert batch.
    #[error("id {id} appears more than once in the batch")]
    DuplicateIdInBatch {
        /// The id.
        id: u64,
    },
    /// No collection with this name exists (or it was dropped while a handle was held).
    #[error("collection {name} not found")]
    CollectionNotFound {
        /// The name.
        name: String,
    },
    /// `create_collection` with a name already in use.
    #[error("collection {name} already exists")]
    CollectionExists {
        /// The name.
        name: String,
    },
    /// A collection name breaks the naming rules.
    #[error("invalid collection name {name:?}: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// An argument is out of range (k = 0, dimension 0, a batch over the size limit, …).
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What is wrong.
        reason: String,
    },
    /// `DbOptions::create_if_missing(false)` and the directory holds no database.
    #[error("no Kiln database in {}", path.display())]
    DatabaseNotFound {
        /// The directory.
        path: PathBuf,
    },
    /// Another open database holds the directory.
    #[error("database directory is locked by another open database: {}", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// A write, DDL, `flush`, `compact` or `checkpoint` was asked of a database opened with
    /// [`Database::open_read_only`](crate::Database::open_read_only). Nothing was changed;
    /// such calls need the writer (the one process that opened the directory with
    /// [`Database::open`](crate::Database::open)).
    #[error("refused: the database is open read-only (writes, DDL, flush, compact and checkpoint need the writer)")]
    ReadOnly,
    /// A read-only database could not reach a consistent state of the writer's catalog: the
    /// writer rewrote the catalog's MANIFEST (flushing or compacting it) during every attempt
    /// to follow it. Transient: the handle keeps the state it had; try again.
    #[error("could not follow the writer's catalog in {}: {reason}; try again", path.display())]
    Busy {
        /// The catalog directory.
        path: PathBuf,
        /// What went wrong the last time.
        reason: String,
    },
    /// A file failed verification. Kiln serves nothing from it.
    #[error("{} is corrupted: {reason}", path.display())]
    Corrupted {
        /// The damaged file or directory.
        path: PathBuf,
        /// What check failed.
        reason: String,
    },
    /// A file has a format version this build does not read.
    #[error("{} has format version {found}; this build reads {oldest} to {current}", path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// Oldest readable.
        oldest: u32,
        /// Newest readable.
        current: u32,
    },
    /// An I/O error.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The disk is full. Acknowledged writes are kept; retry once space is freed.
    #[error("disk full while writing {}", path.display())]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },
    /// A background job (seal, index build, merge) keeps failing; `wait_for_indexing` reports
    /// it instead of waiting forever. The job is still retried.
    #[error("background job {job} keeps failing: {error}")]
    Background {
        /// The job.
        job: String,
        /// Its last error.
        error: String,
    },
    /// Faiss (through kiln-index) reported an error building, loading or searching an index.
    #[error("index error: {reason}")]
    Index {
        /// What Faiss or kiln-index said.
        reason: String,
        /// The index layer's error.
        #[source]
        source: kiln_index::Error,
    },
    /// A payload or filter names a field the collection does not have.
    #[error("unknown field `{name}`")]
    UnknownField {
        /// The name as given.
        name: String,
    },
    /// A payload value, a filter literal or a filter operator does not fit the field's type.
    #[error("field `{field}`: expected {expected}, got {got}")]
    FieldTypeMismatch {
        /// The field.
        field: String,
        /// What the field (or the operator) needs.
        expected: String,
        /// What was given.
        got: String,
    },
    /// A filter that cannot be parsed (the reason ends with the byte position) or used.
    #[error("invalid filter: {reason}")]
    InvalidFilter {
        /// What is wrong.
        reason: String,
    },
    /// A background job panicked. The panic was caught; the job is retried with backoff.
    #[error("background job {job} panicked: {message}")]
    Panicked {
        /// The job.
        job: String,
        /// The panic's message.
        message: String,
    },
    /// Kiln could not start something it needs (a thread pool, a thread). Not the caller's
    /// fault; retrying may help.
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
    /// The operation was abandoned because the collection was dropped or the database closed.
    #[error("cancelled: the collection was dropped or the database closed")]
    Cancelled,
    /// An earlier failure (a failed fsync, a failed catalog commit) makes the database refuse
    /// writes until it is reopened; reads still work.
    #[error("database refuses writes after an earlier failure (reopen it): {cause}")]
    Poisoned {
        /// The failure that poisoned it.
        cause: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<kiln_storage::Error> for Error {
    fn from(e: kiln_storage::Error) -> Self {
        use kiln_storage::Error as S;
        match e {
            S::Io { path, source } => Error::Io { path, source },
            S::SyncFailed { path, source } => Error::Io { path, source },
            S::DiskFull { path } => Error::DiskFull { path },
            S::Corrupted { path, reason } => Error::Corrupted { path, reason },
            S::UnsupportedVersion {
                path,
                found,
                oldest,
                current,
            } => Error::UnsupportedVersion {
                path,
                found,
                oldest,
                current,
            },
            S::Locked { path } => Error::Locked { path },
            S::ReadOnly { .. } => Error::ReadOnly,
            S::FollowerBusy {
                path,
                attempts,
                last,
            } => Error::Busy {
                path,
                reason: format!("the catalog changed during each of {attempts} attempts ({last})"),
            },
            S::Catalog { path, message } => Error::Io {
                path,
                source: Arc::new(io::Error::other(message)),
            },
            other => Error::Io {
                path: PathBuf::new(),
                source: Arc::new(io::Error::other(other.to_string())),
            },
        }
    }
}

impl From<kiln_index::Error> for Error {
    fn from(e: kiln_index::Error) -> Self {
        Error::Index {
            reason: e.to_string(),
            source: e,
        }
    }
}

impl From<kiln_storage::attrs::Error> for Error {
    fn from(e: kiln_storage::attrs::Error) -> Self {
        use kiln_storage::attrs::Error as A;
        match e {
            A::UnknownField { name } => Error::UnknownField { name },
            A::FieldTypeMismatch {
                field,
                expected,
                got,
            } => Error::FieldTypeMismatch {
                field,
                expected,
                got,
            },
            A::InvalidFilter { reason, .. } => Error::InvalidFilter { reason },
            A::Corrupted { reason } => Error::Corrupted {
                path: std::path::PathBuf::new(),
                reason: format!("attribute data: {reason}"),
            },
            other => Error::InvalidArgument {
                reason: other.to_string(),
            },
        }
    }
}

impl Error {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            reason: reason.into(),
        }
    }
}
