//! The storage crate's error type.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Errors of kiln-storage. Every variant says where it happened.
///
/// `Clone`, so that a sticky error (a failed fsync that poisoned the database) can be handed to
/// every later caller; I/O errors are shared through an `Arc`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system I/O error on one of Kiln's files.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory the operation was on.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<io::Error>,
    },
    /// An fsync failed. The kernel may have dropped the dirty pages, so the caller must not retry
    /// it: the database refuses further writes until it is reopened.
    #[error("fsync failed on {}: {source}", path.display())]
    SyncFailed {
        /// The file or directory whose sync failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The device is full. Nothing acknowledged is lost; writes can resume once space is freed.
    #[error("disk full while writing {}", path.display())]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },
    /// A file failed verification: bad magic, checksum mismatch, impossible length or offset.
    #[error("{} is corrupted: {reason}", path.display())]
    Corrupted {
        /// The damaged file (or the catalog directory for catalog damage).
        path: PathBuf,
        /// What check failed.
        reason: String,
    },
    /// A file was written by a format version this build cannot read.
    #[error("{} has format version {found}; this build reads versions {oldest} to {current}", path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The oldest version this build reads.
        oldest: u32,
        /// The newest version this build reads and the one it writes.
        current: u32,
    },
    /// Another open database (in this process or another) holds the directory's lock.
    #[error("database directory {} is locked by another open database", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// A write (or another operation only the writer may do) was asked of a read-only catalog:
    /// a follower opened with [`crate::Catalog::open_follower`]. Nothing reached RocksDB.
    #[error("{operation} refused: the catalog in {} is open read-only (a follower)", path.display())]
    ReadOnly {
        /// The catalog directory the follower reads.
        path: PathBuf,
        /// The refused operation.
        operation: &'static str,
    },
    /// A follower could not reach a consistent state of the writer's catalog: the writer
    /// changed the catalog's MANIFEST (a flush, a compaction, a restart) during every attempt.
    /// Transient: the follower keeps a whole state; try again later.
    #[error("the catalog in {} changed during each of {attempts} attempts to follow it (last: {last}); try again", path.display())]
    FollowerBusy {
        /// The catalog directory.
        path: PathBuf,
        /// How many attempts were made.
        attempts: u32,
        /// What went wrong the last time.
        last: String,
    },
    /// The catalog (RocksDB) reported an error that is not corruption.
    #[error("catalog error in {}: {message}", path.display())]
    Catalog {
        /// The catalog directory.
        path: PathBuf,
        /// RocksDB's message.
        message: String,
    },
}

/// `Result` with kiln-storage's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Classify an I/O error from an operation on `path`: a full disk becomes
    /// [`Error::DiskFull`], everything else [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.raw_os_error() == Some(libc::ENOSPC)
            || source.kind() == io::ErrorKind::StorageFull
        {
            Error::DiskFull { path }
        } else {
            Error::Io {
                path,
                source: Arc::new(source),
            }
        }
    }

    /// A failed fsync of `path`.
    pub fn sync(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::SyncFailed {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    /// A verification failure of `path`.
    pub fn corrupted(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Corrupted {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Convert a RocksDB error on the catalog at `path`.
    pub fn catalog(path: impl Into<PathBuf>, err: rocksdb::Error) -> Self {
        let path = path.into();
        match err.kind() {
            rocksdb::ErrorKind::Corruption => Error::Corrupted {
                path,
                reason: err.into_string(),
            },
            rocksdb::ErrorKind::IOError => {
                let message = err.into_string();
                if message.contains("No space left") {
                    Error::DiskFull { path }
                } else {
                    Error::Io {
                        path,
                        source: Arc::new(io::Error::other(message)),
                    }
                }
            }
            _ => Error::Catalog {
                path,
                message: err.into_string(),
            },
        }
    }

    /// True for errors after which the database must refuse writes until reopened.
    pub fn is_poisoning(&self) -> bool {
        matches!(self, Error::SyncFailed { .. })
    }
}
