//! Read-only databases ([`Database::open_read_only`](crate::Database::open_read_only)): the
//! refresh that moves every loaded collection to the writer's latest state, the first load of a
//! collection, and the background refresher thread.
//!
//! A read-only database follows the writer's catalog (a RocksDB secondary instance, see
//! kiln-storage's `Catalog::open_follower`), which moves only inside [`refresh`]:
//!
//! ```text
//! refresh (holds core.follow):
//!   catch_up the follower catalog ─► for every loaded collection whose snapshot is behind it:
//!   build its state at the catalog's position (reusing mapped segments and loaded indexes,
//!   reading only new growing rows) ─► all built? publish each (updater writer lock) : a file
//!   was gone (the writer deleted it after merging) → catch up again and rebuild (bounded)
//! ```
//!
//! Queries never wait for a refresh: they keep the snapshot they started with. A refresh that
//! fails leaves every collection at a whole state it had before.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::{debug, warn};

use kiln_storage::catalog::CollectionRecord;

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::handle::Registry;
use crate::updater::{Attempt, SegmentUpdater};

/// How many times a refresh (or a first load) catches up and tries again when a file its
/// catalog state names is gone, before it gives up (and keeps the state it had).
pub(crate) const ATTEMPTS: u32 = 8;

/// The pause before attempt `n` (1-based) after a stale one: 5 ms doubling, at most 200 ms.
fn pause(n: u32) -> Duration {
    Duration::from_millis((5u64 << n.saturating_sub(1).min(6)).min(200))
}

/// The error when a file stayed missing through every attempt.
fn still_missing(path: PathBuf) -> Error {
    Error::Corrupted {
        path,
        reason: format!(
            "the catalog refers to this file but it is missing (still after {ATTEMPTS} \
             catch-ups with the writer)"
        ),
    }
}

/// Move the read-only database to the writer's latest state: catch the follower catalog up and
/// publish every loaded collection's state at its new position. Returns whether the catalog
/// moved. On an error every collection keeps a whole state it had before (the catalog may have
/// moved ahead of them; reads of the id map allow for that).
pub(crate) fn refresh(core: &DbCore, registry: &Registry) -> Result<bool> {
    let _follow = core.follow.lock();
    let mut moved = false;
    let mut stale = None;
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            std::thread::sleep(pause(attempt - 1));
        }
        moved |= core.catalog.catch_up()?;
        let seq = core.catalog.latest_sequence();
        let last = attempt == ATTEMPTS;
        let mut rebuilt = Vec::new();
        let mut found_stale = None;
        for (name, u) in registry.loaded_named() {
            if u.snapshot().catalog_seq == seq {
                continue;
            }
            match u.follow(core, last)? {
                Attempt::Done(r) => rebuilt.push((name, u, r)),
                Attempt::Stale { path } => {
                    found_stale = Some(path);
                    break;
                }
            }
        }
        if let Some(path) = found_stale {
            debug!(path = %path.display(), attempt, "a file of the followed state is gone; catching up again");
            stale = Some(path);
            continue;
        }
        // Every collection built: publish them all.
        for (name, u, r) in rebuilt {
            let dropped = matches!(r, crate::updater::Rebuild::Dropped);
            u.install(r);
            if dropped {
                let mut loaded = registry.collections.lock();
                if loaded.get(&name).is_some_and(|x| Arc::ptr_eq(x, &u)) {
                    loaded.remove(&name);
                }
            }
        }
        return Ok(moved);
    }
    Err(still_missing(stale.unwrap_or_default()))
}

/// Load collection `name` of a read-only database at the follower catalog's position (the
/// state of the last refresh). A file found gone means the writer has moved on: the whole
/// database is refreshed and the load tried again. The caller holds `registry.ddl`.
pub(crate) fn load(core: &DbCore, registry: &Registry, name: &str) -> Result<Arc<SegmentUpdater>> {
    let mut stale = None;
    for attempt in 1..=ATTEMPTS {
        {
            let _follow = core.follow.lock();
            let record: CollectionRecord =
                core.catalog
                    .collection(name)?
                    .ok_or_else(|| Error::CollectionNotFound {
                        name: name.to_string(),
                    })?;
            match SegmentUpdater::load_follower(core, record)? {
                Attempt::Done(u) => return Ok(Arc::new(u)),
                Attempt::Stale { path } => {
                    debug!(path = %path.display(), attempt, "a file of the followed state is gone; refreshing");
                    stale = Some(path);
                }
            }
        }
        std::thread::sleep(pause(attempt));
        refresh(core, registry)?;
    }
    Err(still_missing(stale.unwrap_or_default()))
}

/// The refresher thread of a read-only database opened with
/// [`DbOptions::refresh_interval`](crate::DbOptions::refresh_interval): a refresh every
/// `interval`. Holds only weak references, and exits when the database closes. Failures are
/// logged; the next tick tries again.
pub(crate) fn spawn_refresher(
    core: Weak<DbCore>,
    registry: Weak<Registry>,
    interval: Duration,
    sleep: Receiver<()>,
) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kiln-refresh".into())
        .spawn(move || loop {
            if let Err(RecvTimeoutError::Disconnected) = sleep.recv_timeout(interval) {
                return;
            }
            let (Some(core), Some(registry)) = (core.upgrade(), registry.upgrade()) else {
                return;
            };
            if core.is_stopping() {
                return;
            }
            match refresh(&core, &registry) {
                Ok(_) => {}
                Err(e @ Error::Busy { .. }) => debug!(error = %e, "background refresh"),
                Err(e) => warn!(error = %e, "background refresh failed; retrying at the next tick"),
            }
        })
        .map_err(|e| Error::Internal {
            reason: format!("cannot start the refresh thread: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_stay_short() {
        assert_eq!(pause(1), Duration::from_millis(5));
        assert_eq!(pause(2), Duration::from_millis(10));
        assert!(pause(ATTEMPTS) <= Duration::from_millis(200));
        assert_eq!(pause(100), Duration::from_millis(200));
    }
}
