//! The index layer's error type.

use std::path::PathBuf;
use std::sync::Arc;

/// Everything that can go wrong in kiln-index. Faiss exceptions arrive here as
/// [`Error::Faiss`] values (the C API catches them); nothing in this crate aborts or panics on
/// bad input or bad bytes.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Faiss threw an exception (caught by its C API) during `op`.
    #[error("Faiss failed in {op} (code {code}): {message}")]
    Faiss {
        /// The Faiss call that failed.
        op: &'static str,
        /// The C API's error code (-2 Faiss exception, -4 C++ std exception, -1 unknown).
        code: i32,
        /// `faiss_get_last_error()`, copied.
        message: String,
    },
    /// A vector or a batch does not have the index's dimension.
    #[error("dimension mismatch: expected {expected}, got {got}")]
    DimensionMismatch {
        /// The index's dimension (or a multiple of it for a batch).
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// A NaN or infinite component: Faiss silently drops such vectors on add (IVF) or can hang
    /// (HNSW), so they are refused before Faiss sees them.
    #[error("non-finite component {component} in vector {vector}")]
    NonFinite {
        /// The vector's position in the batch.
        vector: usize,
        /// The component's position in the vector.
        component: usize,
    },
    /// `k = 0` was asked for.
    #[error("k must be at least 1")]
    ZeroK,
    /// An argument or a spec that cannot be honoured.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Training an IVF template needs at least `nlist` rows (and 39·nlist to be well-conditioned).
    #[error("not enough training rows: need at least {needed}, got {got}")]
    NotEnoughTrainingRows {
        /// Rows needed.
        needed: usize,
        /// Rows given.
        got: usize,
    },
    /// The indexes cannot be merged by list concatenation (not IVF, different templates);
    /// rebuild from the merged rows instead.
    #[error("indexes cannot be merged: {reason}")]
    NotMergeable {
        /// Why.
        reason: String,
    },
    /// The index does not match what the caller expected of it (dimension, rows, metric, kind).
    #[error("index does not match its segment: {what} expected {expected}, got {got}")]
    Mismatch {
        /// Which property.
        what: &'static str,
        /// The expected value.
        expected: String,
        /// The value found.
        got: String,
    },
    /// Index bytes that are not a valid Kiln index file.
    #[error("corrupted index{}: {reason}", path_suffix(.path))]
    Corrupted {
        /// The file, when the bytes came from one.
        path: Option<PathBuf>,
        /// What is wrong.
        reason: String,
    },
    /// The checksum stored in the index file does not match its contents.
    #[error("index checksum mismatch{}: expected {expected:08x}, got {got:08x}", path_suffix(.path))]
    ChecksumMismatch {
        /// The file, when the bytes came from one.
        path: Option<PathBuf>,
        /// The stored checksum.
        expected: u32,
        /// The checksum of the contents.
        got: u32,
    },
    /// An I/O error on an index file.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: Arc<std::io::Error>,
    },
    /// The operation is not supported for this index kind.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

fn path_suffix(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!(" in {}", p.display()),
        None => String::new(),
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn corrupted(reason: impl Into<String>) -> Self {
        Error::Corrupted {
            path: None,
            reason: reason.into(),
        }
    }

    /// The same error, attributed to `path` when it concerns file contents.
    pub(crate) fn at_path(self, path: &std::path::Path) -> Self {
        match self {
            Error::Corrupted { path: None, reason } => Error::Corrupted {
                path: Some(path.to_path_buf()),
                reason,
            },
            Error::ChecksumMismatch {
                path: None,
                expected,
                got,
            } => Error::ChecksumMismatch {
                path: Some(path.to_path_buf()),
                expected,
                got,
            },
            other => other,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
