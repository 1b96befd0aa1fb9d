//! File collection: a file is deleted only when the catalog no longer refers to it *and* no live
//! snapshot uses it (docs/reliability.md recipe 5), and never while a checkpoint is being taken.
//!
//! Every sealed segment file and index file in a snapshot is owned through a [`FileGuard`]. When
//! the catalog change that drops the file has committed, the updater calls
//! [`FileGuard::mark_obsolete`]; the file is removed when the last snapshot holding the guard is
//! dropped. A crash in between leaves an unreferenced file, which the next open removes.
//!
//! Every deletion of Kiln's own files in an open database (collected files, a dropped
//! collection's directory) goes through the database's [`Collector`]. A checkpoint pauses it
//! ([`Collector::pause`]): deletions asked for meanwhile are deferred and carried out when the
//! last pause ends, so no file the checkpoint's copy of the catalog names can disappear before
//! it is linked or copied, while writes, seals, builds and merges go on.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use kiln_storage::FileSystem;
use tracing::{debug, warn};

/// What the collector deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Doomed {
    File(PathBuf),
    Dir(PathBuf),
}

#[derive(Debug, Default)]
struct CollectorState {
    /// Pauses in force (checkpoints running).
    pauses: usize,
    /// Deletions asked for during a pause, in order.
    deferred: Vec<Doomed>,
}

/// The gate every deletion of an open database's files passes: deletes at once, or, while a
/// checkpoint holds a [`CollectorPause`], when the last pause ends.
#[derive(Debug)]
pub(crate) struct Collector {
    fs: Arc<dyn FileSystem>,
    state: Mutex<CollectorState>,
}

/// Holds the collector paused; dropping the last pause carries out the deferred deletions.
#[derive(Debug)]
pub(crate) struct CollectorPause {
    collector: Arc<Collector>,
}

impl Drop for CollectorPause {
    fn drop(&mut self) {
        let deferred = {
            let mut s = self.collector.state.lock();
            s.pauses = s.pauses.saturating_sub(1);
            if s.pauses > 0 {
                return;
            }
            std::mem::take(&mut s.deferred)
        };
        if !deferred.is_empty() {
            debug!(
                files = deferred.len(),
                "deleting files deferred by a checkpoint"
            );
        }
        for d in deferred {
            // A pause may begin again between two deletions: each goes through the gate.
            self.collector.remove(d);
        }
    }
}

impl Collector {
    /// A collector deleting through `fs`.
    pub(crate) fn new(fs: Arc<dyn FileSystem>) -> Self {
        Collector {
            fs,
            state: Mutex::new(CollectorState::default()),
        }
    }

    /// Defer every deletion until the returned pause (and every other one) is dropped.
    pub(crate) fn pause(self: &Arc<Self>) -> CollectorPause {
        self.state.lock().pauses += 1;
        CollectorPause {
            collector: Arc::clone(self),
        }
    }

    /// Delete file `path` now, or after the pauses in force.
    pub(crate) fn remove_file(&self, path: PathBuf) {
        self.remove(Doomed::File(path));
    }

    /// Delete directory `path` and everything in it now, or after the pauses in force.
    pub(crate) fn remove_dir_all(&self, path: PathBuf) {
        self.remove(Doomed::Dir(path));
    }

    /// Files and directories whose deletion waits for a pause to end.
    #[cfg(test)]
    fn deferred(&self) -> usize {
        self.state.lock().deferred.len()
    }

    fn remove(&self, doomed: Doomed) {
        // The deletion runs under the lock, so that a pause that begins after the check waits
        // for it: a checkpoint starting then copies a catalog that no longer names the file.
        let mut s = self.state.lock();
        if s.pauses > 0 {
            s.deferred.push(doomed);
            return;
        }
        let (path, result) = match &doomed {
            Doomed::File(p) => (p, self.fs.remove_file(p)),
            Doomed::Dir(p) => (p, self.fs.remove_dir_all(p)),
        };
        drop(s);
        match result {
            Ok(()) => debug!(path = %path.display(), "collected"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                warn!(path = %path.display(), error = %e, "could not collect; the next open will")
            }
        }
    }
}

/// Deletes its file on drop once marked obsolete.
#[derive(Debug)]
pub struct FileGuard {
    path: PathBuf,
    collector: Arc<Collector>,
    obsolete: AtomicBool,
}

impl FileGuard {
    /// Guard `path`, collected through `collector`.
    pub(crate) fn new(collector: &Arc<Collector>, path: PathBuf) -> Self {
        FileGuard {
            path,
            collector: Arc::clone(collector),
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
            self.collector.remove_file(std::mem::take(&mut self.path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_storage::OsFs;

    fn file(dir: &std::path::Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, b"x").expect("write");
        p
    }

    #[test]
    fn deletes_at_once_without_a_pause() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Arc::new(Collector::new(Arc::new(OsFs)));
        let a = file(dir.path(), "a");
        let g = FileGuard::new(&c, a.clone());
        drop(g);
        assert!(a.exists(), "not obsolete: kept");
        let g = FileGuard::new(&c, a.clone());
        g.mark_obsolete();
        drop(g);
        assert!(!a.exists());
        // A file already gone is no error.
        c.remove_file(a);
    }

    #[test]
    fn a_pause_defers_deletions_until_the_last_pause_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Arc::new(Collector::new(Arc::new(OsFs)));
        let a = file(dir.path(), "a");
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).expect("mkdir");
        file(&sub, "b");
        let first = c.pause();
        let second = c.pause();
        let g = FileGuard::new(&c, a.clone());
        g.mark_obsolete();
        drop(g);
        c.remove_dir_all(sub.clone());
        assert!(a.exists() && sub.exists());
        assert_eq!(c.deferred(), 2);
        drop(first);
        assert!(a.exists() && sub.exists(), "one pause is still in force");
        drop(second);
        assert!(!a.exists() && !sub.exists());
        assert_eq!(c.deferred(), 0);
        // After the pauses, deletions are immediate again.
        let d = file(dir.path(), "d");
        c.remove_file(d.clone());
        assert!(!d.exists());
    }
}
