//! Background events, for progress displays and monitoring.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
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
///
/// Each subscriber has a bounded queue of `capacity` events: a subscriber that never reads
/// cannot make memory grow without limit. An event that finds a queue full is not delivered to
/// that subscriber and is counted in [`EventHub::dropped`] (reported by `Collection::stats`).
#[derive(Debug)]
pub(crate) struct EventHub {
    subscribers: Mutex<Vec<SyncSender<Event>>>,
    capacity: usize,
    dropped: AtomicU64,
}

impl EventHub {
    /// A hub whose subscribers each queue up to `capacity` events (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        EventHub {
            subscribers: Mutex::new(Vec::new()),
            capacity: capacity.max(1),
            dropped: AtomicU64::new(0),
        }
    }

    pub(crate) fn subscribe(&self) -> Receiver<Event> {
        let (tx, rx) = sync_channel(self.capacity);
        self.subscribers.lock().push(tx);
        rx
    }

    pub(crate) fn emit(&self, event: Event) {
        let mut subs = self.subscribers.lock();
        if subs.is_empty() {
            return;
        }
        subs.retain(|s| match s.try_send(event.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        });
    }

    /// Events not delivered because a subscriber's queue was full, since open.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: usize) -> Event {
        Event::SegmentSealed {
            collection: "c".into(),
            segment: i as u64,
            rows: i,
        }
    }

    #[test]
    fn a_subscriber_that_never_reads_holds_at_most_capacity_events() {
        let hub = EventHub::new(4);
        let idle = hub.subscribe();
        let reader = hub.subscribe();
        let mut got = 0;
        for i in 0..100 {
            hub.emit(event(i));
            while reader.try_recv().is_ok() {
                got += 1;
            }
        }
        assert_eq!(got, 100, "a reading subscriber gets everything");
        assert_eq!(idle.try_iter().count(), 4);
        assert_eq!(hub.dropped(), 96);
    }

    #[test]
    fn gone_subscribers_are_forgotten() {
        let hub = EventHub::new(2);
        drop(hub.subscribe());
        hub.emit(event(1));
        assert!(hub.subscribers.lock().is_empty());
        assert_eq!(hub.dropped(), 0);
    }
}
