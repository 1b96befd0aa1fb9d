//! What keeps a database open: the registry of loaded collections, the [`DbHandle`] every
//! user handle holds (the last one's drop shuts the background down), and the maintenance
//! thread.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::updater::SegmentUpdater;

/// The collections loaded so far, by name.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) collections: Mutex<HashMap<String, Arc<SegmentUpdater>>>,
    /// Serialises create, drop and first open of collections.
    pub(crate) ddl: Mutex<()>,
}

impl Registry {
    pub(crate) fn loaded(&self) -> Vec<Arc<SegmentUpdater>> {
        self.collections.lock().values().cloned().collect()
    }

    /// The loaded collections with their names.
    pub(crate) fn loaded_named(&self) -> Vec<(String, Arc<SegmentUpdater>)> {
        self.collections
            .lock()
            .iter()
            .map(|(n, u)| (n.clone(), Arc::clone(u)))
            .collect()
    }
}

/// Held by every user-facing handle; the last one to go shuts the background down, so that the
/// directory is closed and unlocked when `drop` returns.
pub(crate) struct DbHandle {
    core: Arc<DbCore>,
    registry: Arc<Registry>,
    /// The background thread: the maintenance thread of a writer, the refresher of a read-only
    /// database opened with a refresh interval. Dropping the sender wakes it and makes it exit.
    maintenance: Mutex<Option<(Sender<()>, JoinHandle<()>)>>,
}

impl Drop for DbHandle {
    fn drop(&mut self) {
        self.core.begin_stop();
        for c in self.registry.loaded() {
            c.stop();
        }
        if let Some((wake, thread)) = self.maintenance.lock().take() {
            drop(wake);
            let _ = thread.join();
        }
        self.core.wait_jobs_idle();
        if self.core.check_poisoned().is_ok() {
            self.core.close_watermark();
        }
    }
}

impl DbHandle {
    /// The handle of a database whose background thread (if any) is `maintenance`.
    pub(crate) fn new(
        core: Arc<DbCore>,
        registry: Arc<Registry>,
        maintenance: Option<(Sender<()>, JoinHandle<()>)>,
    ) -> Self {
        DbHandle {
            core,
            registry,
            maintenance: Mutex::new(maintenance),
        }
    }
}

/// The maintenance thread: every 100 ms, schedule due work of every loaded collection (which is
/// how failed jobs are retried after their backoff). Holds only weak references, and exits when
/// the database closes.
pub(crate) fn spawn_maintenance(
    core: Weak<DbCore>,
    registry: Weak<Registry>,
    sleep: Receiver<()>,
) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kiln-maintenance".into())
        .spawn(move || loop {
            if let Err(RecvTimeoutError::Disconnected) =
                sleep.recv_timeout(Duration::from_millis(100))
            {
                return;
            }
            let (Some(core), Some(registry)) = (core.upgrade(), registry.upgrade()) else {
                return;
            };
            if core.is_stopping() {
                return;
            }
            for c in registry.loaded() {
                c.schedule(&core);
            }
        })
        .map_err(|e| Error::Internal {
            reason: format!("cannot start the maintenance thread: {e}"),
        })
}
