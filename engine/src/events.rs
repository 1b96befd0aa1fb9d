//! Background events, for progress displays and monitoring.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::Duration;

use parking_lot::Mutex;

/// Something the background machinery did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A growing segment was sealed into a segment file.
    SegmentSealed {
        /// Collection name.
        collection: String,
        /// Segment id.
        segment: u64,
        /// Rows in it.
        rows: usize,
    },
    /// An index was built (or rebuilt) for a sealed segment.
    IndexBuilt {
        /// Collection name.
        collection: String,
        /// Segment id.
        segment: u64,
        /// Index kind, e.g. `"IVF-Flat"`.
        kind: String,
        /// Rows indexed.
        rows: usize,
        /// Wall time of the build.
        took: Duration,
    },
    /// Segments were merged into one.
    MergeFinished {
        /// Collection name.
        collection: String,
        /// Input segment ids.
        inputs: Vec<u64>,
        /// The merged segment's id.
        output: u64,
        /// Rows in the merged segment.
        rows: usize,
        /// Wall time of the merge.
        took: Duration,
    },
    /// A background job failed; it will be retried after `retry_in`.
    JobFailed {
        /// Collection name.
        collection: String,
        /// What the job was, e.g. `"seal 00000000000000a3"`.
        job: String,
        /// The error.
        error: String,
        /// Failed attempts so far.
        attempts: u32,
        /// Delay before the next attempt.
        retry_in: Duration,
    },
}

/// Fans events out to every subscriber; subscribers that went away are dropped.
#[derive(Debug, Default)]
pub(crate) struct EventHub {
    subscribers: Mutex<Vec<Sender<Event>>>,
}

impl EventHub {
    pub(crate) fn subscribe(&self) -> Receiver<Event> {
        let (tx, rx) = channel();
        self.subscribers.lock().push(tx);
        rx
    }

    pub(crate) fn emit(&self, event: Event) {
        let mut subs = self.subscribers.lock();
        if subs.is_empty() {
            return;
        }
        subs.retain(|s| s.send(event.clone()).is_ok());
    }
}
