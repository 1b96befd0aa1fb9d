//! File collection: a file is deleted only when the catalog no longer refers to it *and* no live
//! snapshot uses it (docs/reliability.md recipe 5).
//!
//! Every sealed segment file and index file in a snapshot is owned through a [`FileGuard`]. When
//! the catalog change that drops the file has committed, the updater calls
//! [`FileGuard::mark_obsolete`]; the file is removed when the last snapshot holding the guard is
//! dropped. A crash in between leaves an unreferenced file, which the next open removes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use kiln_storage::FileSystem;
use tracing::{debug, warn};

/// Deletes its file on drop once marked obsolete.
#[derive(Debug)]
pub struct FileGuard {
    path: PathBuf,
    fs: Arc<dyn FileSystem>,
    obsolete: AtomicBool,
}

impl FileGuard {
    /// Guard `path`.
    pub fn new(fs: Arc<dyn FileSystem>, path: PathBuf) -> Self {
        FileGuard {
            path,
            fs,
            obsolete: AtomicBool::new(false),
        }
    }

    /// The catalog no longer refers to the file: delete it when the last user is gone. Call only
    /// after the catalog change committed; after an ambiguous commit error, never.
    pub fn mark_obsolete(&self) {
        self.obsolete.store(true, Ordering::Release);
    }
}

impl Drop for FileGuard {
    fn drop(&mut self) {
        if self.obsolete.load(Ordering::Acquire) {
            match self.fs.remove_file(&self.path) {
                Ok(()) => debug!(path = %self.path.display(), "collected"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    warn!(path = %self.path.display(), error = %e, "could not collect; the next open will")
                }
            }
        }
    }
}
