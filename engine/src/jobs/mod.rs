//! Background jobs of a collection, as values.
//!
//! A job goes through three steps, and only the last one touches collection state:
//!
//! ```text
//!  plan (updater, from a snapshot)      run (pool thread, no lock)       commit (updater, writer lock)
//!  JobBoard::claim(key) ─► JobClaim ──► SealJob / BuildJob / ... ──────► Change::prepare re-validates
//!   validates against the    held by      writes files, returns a         against the current snapshot,
//!   current snapshot         the task     `Change` value (or None:        stages one catalog batch;
//!                                         cancelled)                      commit; publish; committed()
//!  the claim is dropped — and its segments released — whatever path ends the job
//! ```
//!
//! [`JobClaim`] is the only way to hold segments: it is created by [`JobBoard::claim`], which
//! checks under the board's lock that no job holds the segments and that the job still applies
//! to the *current* snapshot, and its `Drop` releases them. Since every job publishes its
//! change before its claim drops, a claim taken after that sees the published state; a second
//! seal of a segment that is already sealed cannot be claimed.
//!
//! Failed jobs are retried with exponential backoff. A retry entry belongs to a job key and is
//! dropped as soon as the key no longer applies to the current snapshot (its segments were
//! merged away, dropped, sealed or indexed by another path), or the job ended in any way but a
//! failure; so no stale entry can make `wait_for_indexing` report a job that cannot run again.

pub(crate) mod build;
pub(crate) mod merge;
pub(crate) mod retrain;
pub(crate) mod seal;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use kiln_storage::{CatalogBatch, CollectionId, SegmentId, SegmentReader};

use crate::core::DbCore;
use crate::error::{Error, Result};
use crate::gc::FileGuard;
use crate::indexing::Templates;
use crate::meta::{CollectionInfo, StopSignal};
use crate::snapshot::{SealedSegment, SegmentKind, SegmentView, Snapshot};

/// What a job works on; the key of its claim and of its retry entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum JobKey {
    /// Write a frozen segment's file.
    Seal(SegmentId),
    /// Build a sealed segment's index.
    Build(SegmentId),
    /// Merge sealed segments into one (or rewrite one without its deleted rows).
    Merge(Vec<SegmentId>),
    /// A merge that `compact()` asked for: the merged segment is settled (under the Auto rule
    /// it gets a graph index, see `indexing::settled_plan`).
    Compact(Vec<SegmentId>),
    /// Train a new IVF template generation (holds no segment).
    Retrain,
}

impl JobKey {
    /// The segments the job holds.
    pub(crate) fn segments(&self) -> &[SegmentId] {
        match self {
            JobKey::Seal(s) | JobKey::Build(s) => std::slice::from_ref(s),
            JobKey::Merge(v) | JobKey::Compact(v) => v,
            JobKey::Retrain => &[],
        }
    }

    /// For logs, events and errors, e.g. `"merge 00000000000000a3+00000000000000a4"` (or
    /// `"compaction merge …"`).
    pub(crate) fn describe(&self) -> String {
        match self {
            JobKey::Seal(s) => format!("seal {s}"),
            JobKey::Build(s) => format!("index {s}"),
            JobKey::Retrain => "retrain IVF template".to_string(),
            JobKey::Merge(v) | JobKey::Compact(v) => format!(
                "{} {}",
                if matches!(self, JobKey::Merge(_)) {
                    "merge"
                } else {
                    "compaction merge"
                },
                v.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("+")
            ),
        }
    }

    /// Whether the job still has its work to do at `snap`: a seal needs its segment frozen, a
    /// build needs its segment sealed without index, a merge needs every input sealed.
    pub(crate) fn applies_to(&self, snap: &Snapshot) -> bool {
        let kind = |id: &SegmentId| snap.segment(*id).map(|v| v.summary().kind);
        match self {
            JobKey::Seal(s) => kind(s) == Some(SegmentKind::Frozen),
            JobKey::Build(s) => kind(s) == Some(SegmentKind::Sealed { indexed: false }),
            JobKey::Merge(ids) | JobKey::Compact(ids) => {
                !ids.is_empty()
                    && ids
                        .iter()
                        .all(|s| matches!(kind(s), Some(SegmentKind::Sealed { .. })))
            }
            JobKey::Retrain => true,
        }
    }
}

/// How a job that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobEnd {
    /// Its change is committed and published.
    Done,
    /// It stopped without changing anything: the collection was dropped, the database is
    /// closing, or its work no longer applied when it came to commit.
    Cancelled,
}

/// A failed job waiting for its next attempt.
#[derive(Debug, Clone)]
pub(crate) struct Retry {
    pub(crate) attempts: u32,
    pub(crate) not_before: Instant,
    pub(crate) error: Error,
}

/// Backoff after `attempts` failures: 100 ms doubling, at most 30 s.
pub(crate) fn backoff(attempts: u32) -> Duration {
    let ms = 100u64.saturating_mul(1u64 << attempts.saturating_sub(1).min(9));
    Duration::from_millis(ms.min(30_000))
}

/// Counters of finished background work and of writes slowed by it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) seals: u64,
    pub(crate) merges: u64,
    pub(crate) indexes_built: u64,
    pub(crate) indexes_merged: u64,
    pub(crate) graphs_grown: u64,
    pub(crate) jobs_failed: u64,
    pub(crate) writes_stalled: u64,
    pub(crate) writes_throttled: u64,
}

/// Jobs running now, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Running {
    pub(crate) total: usize,
    pub(crate) seals: usize,
    pub(crate) builds: usize,
    pub(crate) merges: usize,
}

#[derive(Debug, Default)]
struct Board {
    /// Segments some claim holds.
    held: HashSet<SegmentId>,
    /// Keys of the live claims.
    running: HashSet<JobKey>,
    retry: HashMap<JobKey, Retry>,
    counters: Counters,
}

/// A collection's job state: which segments are claimed, failed jobs' retries, counters. Only
/// [`JobClaim`] adds or removes claims.
#[derive(Debug, Default)]
pub(crate) struct JobBoard {
    board: Mutex<Board>,
    /// Notified when a claim is released and when a snapshot is published.
    changed: Condvar,
}

/// Whether a claim may be taken while the job's retry backoff is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backoff {
    /// Background scheduling: wait for the backoff.
    Respect,
    /// A caller that waits for the result (`flush`): run now.
    Ignore,
}

impl JobBoard {
    /// Claim `key`: its segments must be free, its backoff over (unless `backoff` is
    /// `Ignore`), and the job must still apply to the snapshot `current` returns, which is
    /// read under the board's lock so that no claim can be released in between.
    pub(crate) fn claim(
        self: &Arc<Self>,
        key: JobKey,
        backoff: Backoff,
        current: impl FnOnce() -> Arc<Snapshot>,
    ) -> Option<JobClaim> {
        let mut b = self.board.lock();
        let now = Instant::now();
        let free = !b.running.contains(&key) && key.segments().iter().all(|s| !b.held.contains(s));
        let due =
            backoff == Backoff::Ignore || b.retry.get(&key).is_none_or(|r| r.not_before <= now);
        if !free || !due || !key.applies_to(&current()) {
            return None;
        }
        b.held.extend(key.segments().iter().copied());
        b.running.insert(key.clone());
        Some(JobClaim {
            key,
            board: Arc::clone(self),
        })
    }

    /// Drop retry entries of jobs that no longer apply to `snap`.
    pub(crate) fn prune(&self, snap: &Snapshot) {
        self.board.lock().retry.retain(|k, _| k.applies_to(snap));
    }

    /// A job that still applies to `snap` and failed at least `min_attempts` times in a row.
    pub(crate) fn persistent_failure(
        &self,
        min_attempts: u32,
        snap: &Snapshot,
    ) -> Option<(String, Error)> {
        let b = self.board.lock();
        b.retry
            .iter()
            .find(|(k, r)| r.attempts >= min_attempts && k.applies_to(snap))
            .map(|(k, r)| (k.describe(), r.error.clone()))
    }

    /// The error of a seal (of a segment still frozen at `snap`) that failed at least
    /// `min_attempts` times in a row.
    pub(crate) fn failing_seal(&self, min_attempts: u32, snap: &Snapshot) -> Option<Error> {
        let b = self.board.lock();
        b.retry
            .iter()
            .find(|(k, r)| {
                matches!(k, JobKey::Seal(_)) && r.attempts >= min_attempts && k.applies_to(snap)
            })
            .map(|(_, r)| r.error.clone())
    }

    /// The error of `key`'s last attempt, if it failed (and has not succeeded since).
    pub(crate) fn last_failure(&self, key: &JobKey) -> Option<Error> {
        self.board.lock().retry.get(key).map(|r| r.error.clone())
    }

    /// Forget `key`'s failures: a job that only a caller runs (a compaction merge), once that
    /// caller has been told, must not fail later waits.
    pub(crate) fn forget(&self, key: &JobKey) {
        self.board.lock().retry.remove(key);
    }

    /// The segments claims hold now.
    pub(crate) fn held(&self) -> HashSet<SegmentId> {
        self.board.lock().held.clone()
    }

    /// Jobs running now.
    pub(crate) fn running(&self) -> Running {
        let b = self.board.lock();
        let count = |f: fn(&JobKey) -> bool| b.running.iter().filter(|k| f(k)).count();
        Running {
            total: b.running.len(),
            seals: count(|k| matches!(k, JobKey::Seal(_))),
            builds: count(|k| matches!(k, JobKey::Build(_) | JobKey::Retrain)),
            merges: count(|k| matches!(k, JobKey::Merge(_) | JobKey::Compact(_))),
        }
    }

    /// Update the counters.
    pub(crate) fn count(&self, f: impl FnOnce(&mut Counters)) {
        f(&mut self.board.lock().counters);
    }

    /// The counters.
    pub(crate) fn counters(&self) -> Counters {
        self.board.lock().counters
    }

    /// Wait until something changes (a claim released, a snapshot published) or `timeout`.
    pub(crate) fn wait(&self, timeout: Duration) {
        let mut b = self.board.lock();
        self.changed.wait_for(&mut b, timeout);
    }

    /// Wake the waiters.
    pub(crate) fn notify(&self) {
        self.changed.notify_all();
    }

    /// Block until no claim is held.
    pub(crate) fn wait_idle(&self) {
        let mut b = self.board.lock();
        while !b.running.is_empty() {
            self.changed.wait_for(&mut b, Duration::from_millis(20));
        }
    }
}

/// A job's hold on its segments. Created only by [`JobBoard::claim`]; dropping it releases the
/// segments, whatever ended the job (success, failure, cancellation, a panic).
#[derive(Debug)]
pub(crate) struct JobClaim {
    key: JobKey,
    board: Arc<JobBoard>,
}

impl JobClaim {
    /// What the claim is for.
    pub(crate) fn key(&self) -> &JobKey {
        &self.key
    }

    /// Record how the job ended (a failure schedules a retry with backoff; anything else
    /// clears the key's retry entry) and release the claim. Returns the attempts so far and
    /// the delay before the next, for a failure.
    pub(crate) fn finish(self, result: &Result<JobEnd>) -> Option<(u32, Duration)> {
        let mut b = self.board.board.lock();
        match result {
            Ok(_) => {
                b.retry.remove(&self.key);
                None
            }
            Err(e) => {
                let attempts = b.retry.get(&self.key).map_or(0, |r| r.attempts) + 1;
                let retry_in = backoff(attempts);
                b.retry.insert(
                    self.key.clone(),
                    Retry {
                        attempts,
                        not_before: Instant::now() + retry_in,
                        error: e.clone(),
                    },
                );
                b.counters.jobs_failed += 1;
                Some((attempts, retry_in))
            }
        }
    }
}

impl Drop for JobClaim {
    fn drop(&mut self) {
        {
            let mut b = self.board.board.lock();
            b.running.remove(&self.key);
            for s in self.key.segments() {
                b.held.remove(s);
            }
        }
        self.board.notify();
    }
}

/// What a running job may use: the database, the collection's identity and templates, and the
/// stop signal it polls between steps.
#[derive(Clone, Copy)]
pub(crate) struct JobCtx<'a> {
    pub(crate) core: &'a DbCore,
    pub(crate) coll: &'a CollectionInfo,
    pub(crate) templates: &'a Templates,
    pub(crate) stop: &'a StopSignal,
}

/// Open a segment file a job just wrote (`path`, what `write_segment` returned as `info`) for
/// reading, verified; a file that fails verification is collected (the catalog does not name
/// it yet).
pub(crate) fn open_written(
    ctx: &JobCtx<'_>,
    path: std::path::PathBuf,
    id: SegmentId,
    info: &kiln_storage::SegmentFileInfo,
) -> Result<SealedSegment> {
    let file = FileGuard::new(&ctx.core.collector, path.clone());
    let fs = ctx.core.options.fs.as_ref();
    match SegmentReader::open(fs, &path, id, ctx.coll.config.dim, info) {
        Ok(reader) => Ok(SealedSegment::new(reader, file)),
        Err(e) => {
            file.mark_obsolete();
            Err(e.into())
        }
    }
}

/// A finished job's change to collection state, committed by the updater under the writer
/// lock: `prepare`, then one catalog commit, then publish, then `committed`.
#[cfg_attr(
    not(feature = "failpoints"),
    expect(
        dead_code,
        reason = "the failpoint names are read only by `fail_point!`, which compiles to nothing \
                  without the `failpoints` feature"
    )
)]
pub(crate) trait Change {
    /// Failpoint just before the catalog commit.
    const BEFORE_COMMIT: &'static str;
    /// Failpoint just after it.
    const AFTER_COMMIT: &'static str;

    /// Check that the change still applies to `current` and stage its catalog change in
    /// `batch`; return the segments of the next snapshot, or `None` when it no longer applies.
    fn prepare(
        &mut self,
        coll: CollectionId,
        current: &Snapshot,
        batch: &mut CatalogBatch<'_>,
    ) -> Result<Option<Vec<SegmentView>>>;

    /// After the commit and the publish: collect replaced files, count, emit events.
    fn committed(self, ctx: &JobCtx<'_>, board: &JobBoard);

    /// The change will not be committed: collect the files it wrote (none of them is named by
    /// the catalog).
    fn abandon(self);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use kiln_storage::{DeletionBitmap, GrowingSegment};

    use crate::snapshot::SegmentData;

    fn frozen(id: u64) -> SegmentView {
        let g = Arc::new(GrowingSegment::new(SegmentId(id), 1));
        SegmentView::new(
            SegmentId(id),
            SegmentData::Frozen(g),
            0,
            DeletionBitmap::new(),
        )
    }

    fn growing(id: u64) -> SegmentView {
        let g = Arc::new(GrowingSegment::new(SegmentId(id), 1));
        SegmentView::new(
            SegmentId(id),
            SegmentData::Growing(g),
            0,
            DeletionBitmap::new(),
        )
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(5), Duration::from_millis(1600));
        assert_eq!(backoff(30), Duration::from_secs(30));
    }

    #[test]
    fn a_claim_validates_against_the_current_snapshot_and_releases_on_drop() {
        let board = Arc::new(JobBoard::default());
        let snap = Arc::new(Snapshot::new(
            1,
            vec![frozen(1), growing(2)],
            Arc::default(),
        ));
        let s = || Arc::clone(&snap);
        // The active segment is not frozen: nothing to seal.
        assert!(board
            .claim(JobKey::Seal(SegmentId(2)), Backoff::Respect, s)
            .is_none());
        let claim = board
            .claim(JobKey::Seal(SegmentId(1)), Backoff::Respect, s)
            .expect("frozen segment claimed");
        assert!(board.held().contains(&SegmentId(1)));
        assert_eq!(board.running().seals, 1);
        // Held: a second claim (the flush path) is refused.
        assert!(board
            .claim(JobKey::Seal(SegmentId(1)), Backoff::Ignore, s)
            .is_none());
        drop(claim);
        assert!(board.held().is_empty());
        assert_eq!(board.running(), Running::default());
        // Once the segment is no longer frozen in the current snapshot, it cannot be claimed
        // for a seal again.
        let later = Arc::new(Snapshot::new(2, vec![growing(2)], Arc::default()));
        assert!(board
            .claim(JobKey::Seal(SegmentId(1)), Backoff::Ignore, || later)
            .is_none());
    }

    #[test]
    fn failures_back_off_and_stale_retries_are_pruned() {
        let board = Arc::new(JobBoard::default());
        let snap = Arc::new(Snapshot::new(
            1,
            vec![frozen(1), growing(2)],
            Arc::default(),
        ));
        let s = || Arc::clone(&snap);
        let key = JobKey::Seal(SegmentId(1));
        for attempt in 1..=3 {
            let claim = board.claim(key.clone(), Backoff::Ignore, s).expect("claim");
            let (n, _) = claim
                .finish(&Err(Error::invalid("disk on fire")))
                .expect("failure recorded");
            assert_eq!(n, attempt);
        }
        assert_eq!(board.counters().jobs_failed, 3);
        // Backing off: background scheduling waits, a waiting caller does not.
        assert!(board.claim(key.clone(), Backoff::Respect, s).is_none());
        assert!(board.persistent_failure(3, &snap).is_some());
        assert!(board.failing_seal(3, &snap).is_some());
        // The segment went (merged away, dropped): the entry no longer counts, and pruning
        // removes it.
        let gone = Snapshot::new(2, vec![growing(2)], Arc::default());
        assert!(board.persistent_failure(1, &gone).is_none());
        assert!(board.failing_seal(1, &gone).is_none());
        board.prune(&gone);
        assert!(board.persistent_failure(1, &snap).is_none());
    }

    #[test]
    fn success_and_cancellation_clear_the_retry_entry() {
        let board = Arc::new(JobBoard::default());
        let snap = Arc::new(Snapshot::new(1, vec![frozen(1)], Arc::default()));
        let s = || Arc::clone(&snap);
        let key = JobKey::Seal(SegmentId(1));
        for end in [Ok(JobEnd::Done), Ok(JobEnd::Cancelled)] {
            board
                .claim(key.clone(), Backoff::Ignore, s)
                .expect("claim")
                .finish(&Err(Error::invalid("x")));
            assert!(board.persistent_failure(1, &snap).is_some());
            board
                .claim(key.clone(), Backoff::Ignore, s)
                .expect("claim")
                .finish(&end);
            assert!(board.persistent_failure(1, &snap).is_none(), "{end:?}");
        }
    }

    #[test]
    fn merge_keys_apply_only_while_every_input_is_sealed() {
        let snap = Snapshot::new(1, vec![frozen(1), growing(2)], Arc::default());
        assert!(!JobKey::Merge(vec![SegmentId(1)]).applies_to(&snap));
        assert!(!JobKey::Merge(vec![]).applies_to(&snap));
        assert!(!JobKey::Build(SegmentId(1)).applies_to(&snap));
        assert!(JobKey::Retrain.applies_to(&snap));
    }
}
