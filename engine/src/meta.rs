//! What a collection is, as every layer below the public handle needs it: [`CollectionInfo`]
//! (identity and fixed configuration) and the [`StopSignal`] that background jobs poll.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use kiln_storage::CollectionId;

use crate::merge_policy::MergePolicy;
use crate::options::CollectionConfig;

/// A collection's identity and fixed configuration.
#[derive(Debug)]
pub(crate) struct CollectionInfo {
    pub(crate) id: CollectionId,
    pub(crate) name: String,
    pub(crate) config: CollectionConfig,
    /// The directory of its files.
    pub(crate) dir: PathBuf,
    /// Rows a growing segment takes before it is frozen.
    pub(crate) segment_rows: usize,
    pub(crate) policy: MergePolicy,
}

/// Set when the collection is dropped or the database closes: jobs poll it between steps and
/// abandon their work.
#[derive(Debug, Default)]
pub(crate) struct StopSignal(AtomicBool);

impl StopSignal {
    /// Whether work should stop.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Ask every job to stop.
    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Withdraw the request (a drop whose commit failed).
    pub(crate) fn clear(&self) {
        self.0.store(false, Ordering::Release);
    }
}
