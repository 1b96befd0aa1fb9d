//! Background work of a collection: which jobs are due, claiming and running them on the
//! database's pools, `flush`'s seals in the caller's thread, `wait_for_indexing`, and the
//! backpressure that slows writes when the background falls behind.
//!
//! [`SegmentUpdater::schedule`] runs after every change that can make work due (a write that
//! froze a segment, a delete, a finished job) and on the maintenance thread's 100 ms tick,
//! which is what retries failed jobs after their backoff. It reads only the published
//! snapshot and the job board, never the writer lock.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{debug, warn};

use kiln_storage::SegmentId;

use crate::core::{panic_message, DbCore};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::jobs::build::BuildJob;
use crate::jobs::merge::{MergeJob, MergeOutput};
use crate::jobs::seal::SealJob;
use crate::jobs::{retrain, Backoff, JobClaim, JobEnd, JobKey};
use crate::merge_policy::{MergeInput, MergePolicy};
use crate::snapshot::{frozen_set, SegmentKind, SegmentSummary};
use crate::updater::SegmentUpdater;

/// How far background work is behind (see `apply_backpressure`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pressure {
    pub(crate) unsealed_segments: usize,
    pub(crate) unsealed_rows: usize,
    pub(crate) unindexed_rows: usize,
    pub(crate) pending_merges: usize,
}

/// Tries of a failing compaction merge before `compact()` returns its error.
pub const COMPACT_ATTEMPTS: u32 = 3;

/// The sealed segments no job holds, as the merge policy sees them.
pub(crate) fn merge_inputs(
    segments: &[SegmentSummary],
    held: &HashSet<SegmentId>,
) -> Vec<MergeInput> {
    segments
        .iter()
        .filter(|s| matches!(s.kind, SegmentKind::Sealed { .. }) && !held.contains(&s.id))
        .map(|s| MergeInput {
            id: s.id,
            rows: s.rows,
            deleted: s.deleted,
        })
        .collect()
}

/// The jobs due among `segments`, none of whose segments is `held`: a seal per frozen
/// segment, the merges the policy proposes, a build per sealed segment without index that
/// `needs_index` (by rows) and no merge takes, and a retrain when `retrain_due`.
pub(crate) fn due_jobs(
    segments: &[SegmentSummary],
    held: &HashSet<SegmentId>,
    policy: &MergePolicy,
    needs_index: impl Fn(usize) -> bool,
    retrain_due: bool,
) -> Vec<JobKey> {
    let mut jobs: Vec<JobKey> = frozen_set(segments)
        .into_iter()
        .filter(|id| !held.contains(id))
        .map(JobKey::Seal)
        .collect();
    let mut taken: HashSet<SegmentId> = held.clone();
    for candidate in policy.compute_merge_candidates(&merge_inputs(segments, held)) {
        taken.extend(candidate.segments.iter().copied());
        jobs.push(JobKey::Merge(candidate.segments));
    }
    for s in segments {
        if s.kind == (SegmentKind::Sealed { indexed: false })
            && !taken.contains(&s.id)
            && needs_index(s.rows)
        {
            jobs.push(JobKey::Build(s.id));
        }
    }
    if retrain_due {
        jobs.push(JobKey::Retrain);
    }
    jobs
}

impl SegmentUpdater {
    /// Start every job that is due. Cheap when there is nothing to do.
    pub(crate) fn schedule(self: &Arc<Self>, core: &Arc<DbCore>) {
        // A read-only database runs no job: the writer seals, builds and merges.
        if self.stop.is_set() || core.is_stopping() || core.check_write().is_err() {
            return;
        }
        let snap = self.snapshot();
        self.board.prune(&snap);
        let due = due_jobs(
            &snap.summaries(),
            &self.board.held(),
            &self.info.policy,
            |rows| self.needs_index(core, rows),
            self.templates.retrain_due(snap.total_rows()),
        );
        for key in due {
            if let Some(claim) = self.board.claim(key, Backoff::Respect, || self.snapshot()) {
                self.spawn(core, claim);
            }
        }
    }

    /// Run a claimed job on its pool: seals on the seal lane, everything else on the
    /// compaction pool.
    fn spawn(self: &Arc<Self>, core: &Arc<DbCore>, claim: JobClaim) {
        let me = Arc::clone(self);
        let core2 = Arc::clone(core);
        // The ticket is the task's first local, so it drops last: the job counts as finished
        // only once it no longer holds the database.
        let ticket = core.job_ticket();
        let pool = match claim.key() {
            JobKey::Seal(_) => &core.pools.seal,
            _ => &core.pools.compaction,
        };
        pool.spawn(move || {
            let _ticket = ticket;
            // Errors are recorded on the board and reported as events.
            let _ = me.run_claimed(&core2, claim);
            me.schedule(&core2);
            drop(me);
            drop(core2);
        });
    }

    /// Run a claimed job to its end in this thread: plan it from the current snapshot, run
    /// it under `catch_unwind`, commit its change, record how it ended, release the claim.
    fn run_claimed(&self, core: &DbCore, claim: JobClaim) -> Result<JobEnd> {
        let key = claim.key().clone();
        let started = Instant::now();
        let result =
            catch_unwind(AssertUnwindSafe(|| self.run_job(core, &key))).unwrap_or_else(|panic| {
                Err(Error::Panicked {
                    job: key.describe(),
                    message: panic_message(panic.as_ref()),
                })
            });
        match (claim.finish(&result), &result) {
            (Some((attempts, retry_in)), Err(e)) => {
                warn!(collection = %self.info.name, job = %key.describe(), error = %e, attempts, "background job failed");
                core.events.emit(Event::JobFailed {
                    collection: self.info.name.clone(),
                    job: key.describe(),
                    error: e.to_string(),
                    attempts,
                    retry_in,
                });
            }
            (_, end) => {
                debug!(collection = %self.info.name, job = %key.describe(), ?end, took = ?started.elapsed(), "job ended")
            }
        }
        result
    }

    /// Plan, run and commit the job `key` (whose claim the caller holds).
    fn run_job(&self, core: &DbCore, key: &JobKey) -> Result<JobEnd> {
        if self.stop.is_set() || core.is_stopping() {
            return Ok(JobEnd::Cancelled);
        }
        let inject = core
            .panics_to_inject
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        if inject.is_ok() {
            panic!("injected panic in {}", key.describe());
        }
        let ctx = self.ctx(core);
        let snap = self.snapshot();
        let cancelled = Ok(JobEnd::Cancelled);
        match key {
            JobKey::Seal(id) => match SealJob::plan(&snap, *id) {
                Some(job) => match job.run(&ctx)? {
                    Some(sealed) => self.commit_change(core, sealed),
                    None => cancelled,
                },
                None => cancelled,
            },
            JobKey::Build(id) => match BuildJob::plan(&ctx, &snap, *id) {
                Some(job) => match job.run(&ctx)? {
                    Some(built) => self.commit_change(core, built),
                    None => cancelled,
                },
                None => cancelled,
            },
            JobKey::Merge(ids) | JobKey::Compact(ids) => {
                match MergeJob::plan(&snap, ids, matches!(key, JobKey::Compact(_))) {
                    Some(job) => match job.run(&ctx)? {
                        Some(MergeOutput::Merged(m)) => self.commit_change(core, *m),
                        Some(MergeOutput::Dropped(d)) => self.commit_change(core, d),
                        None => cancelled,
                    },
                    None => cancelled,
                }
            }
            JobKey::Retrain => retrain::run(&ctx, &snap),
        }
    }

    /// Seal every frozen segment now, in the caller's thread, waiting for seals that
    /// background jobs are running. A frozen segment is claimed only if the current snapshot
    /// still shows it frozen, so a segment a background job sealed meanwhile is left alone.
    /// Returns the first error of a seal run here.
    pub(crate) fn seal_frozen_now(&self, core: &DbCore) -> Result<()> {
        loop {
            self.check_live()?;
            if self.stop.is_set() {
                return Err(Error::Cancelled);
            }
            let frozen = frozen_set(&self.snapshot().summaries());
            if frozen.is_empty() {
                return Ok(());
            }
            fail::fail_point!("test::flush_before_claim");
            let claim = frozen.into_iter().find_map(|id| {
                self.board
                    .claim(JobKey::Seal(id), Backoff::Ignore, || self.snapshot())
            });
            match claim {
                Some(claim) => {
                    self.run_claimed(core, claim)?;
                }
                // Every frozen segment is being sealed by a job, or was sealed meanwhile.
                None => self.board.wait(Duration::from_millis(20)),
            }
        }
    }

    /// Whether background work is left: jobs running, or jobs due (whoever holds them).
    fn has_pending_work(&self, core: &DbCore) -> bool {
        if self.board.running().total > 0 {
            return true;
        }
        let snap = self.snapshot();
        let due = due_jobs(
            &snap.summaries(),
            &HashSet::new(),
            &self.info.policy,
            |rows| self.needs_index(core, rows),
            false,
        );
        !due.is_empty()
    }

    /// Wait until the background has nothing left to do for this collection, or return the
    /// error of a job (still applicable) that failed three times in a row.
    /// An explicit compaction (after a flush): every due job finished, then the segments
    /// that are not final merged into as few as the size limit allows
    /// ([`MergePolicy::compaction_candidates`](crate::MergePolicy::compaction_candidates)),
    /// and those merges and their indexes waited for.
    ///
    /// A compaction merge that fails is tried again, [`COMPACT_ATTEMPTS`] times in all; then
    /// its error is returned as [`Error::Background`] (the segments stay as they were, every
    /// row searchable). Either way, the failures of the merges it started are then forgotten:
    /// the background never runs compaction merges, so their failures must not fail later
    /// waits; the next `compact()` tries again. Segments that appear meanwhile (concurrent
    /// writes) are not waited for.
    pub(crate) fn compact(self: &Arc<Self>, core: &Arc<DbCore>) -> Result<()> {
        let mut launched: Vec<JobKey> = Vec::new();
        let result = self.compact_rounds(core, &mut launched);
        // Whatever the outcome, the caller has it: no failure of these merges outlives the call.
        for key in &launched {
            self.board.forget(key);
        }
        result
    }

    /// `compact`'s rounds; the compaction merges it started go to `launched`.
    fn compact_rounds(
        self: &Arc<Self>,
        core: &Arc<DbCore>,
        launched: &mut Vec<JobKey>,
    ) -> Result<()> {
        let mut attempts = 0;
        loop {
            self.wait_for_indexing(core)?;
            let snap = self.snapshot();
            let inputs = merge_inputs(&snap.summaries(), &self.board.held());
            let keys: Vec<JobKey> = self
                .info
                .policy
                .compaction_candidates(&inputs)
                .into_iter()
                .map(|c| JobKey::Compact(c.segments))
                .collect();
            if attempts > 0 {
                if let Some((key, error)) = keys
                    .iter()
                    .find_map(|k| self.board.last_failure(k).map(|e| (k, e)))
                {
                    if attempts >= COMPACT_ATTEMPTS {
                        return Err(Error::Background {
                            job: key.describe(),
                            error: error.to_string(),
                        });
                    }
                } else {
                    // What is left was written meanwhile, or nothing is: done.
                    return Ok(());
                }
            }
            if keys.is_empty() {
                return Ok(());
            }
            attempts += 1;
            for key in keys {
                launched.push(key.clone());
                // The caller waits for the result: no backoff.
                if let Some(claim) = self.board.claim(key, Backoff::Ignore, || self.snapshot()) {
                    self.spawn(core, claim);
                }
            }
        }
    }

    pub(crate) fn wait_for_indexing(self: &Arc<Self>, core: &Arc<DbCore>) -> Result<()> {
        loop {
            self.check_live()?;
            core.check_poisoned()?;
            self.schedule(core);
            if !self.has_pending_work(core) {
                return Ok(());
            }
            if let Some((job, error)) = self.board.persistent_failure(3, &self.snapshot()) {
                return Err(Error::Background {
                    job,
                    error: error.to_string(),
                });
            }
            self.board.wait(Duration::from_millis(50));
        }
    }

    /// How far background work is behind, from the published snapshot.
    pub(crate) fn pressure(&self, core: &DbCore) -> Pressure {
        let snap = self.snapshot();
        let segments = snap.summaries();
        let frozen = segments.iter().filter(|s| s.kind == SegmentKind::Frozen);
        Pressure {
            unsealed_segments: frozen.clone().count(),
            unsealed_rows: frozen.map(|s| s.rows).sum(),
            unindexed_rows: segments
                .iter()
                .filter(|s| {
                    s.kind == (SegmentKind::Sealed { indexed: false })
                        && self.needs_index(core, s.rows)
                })
                .map(|s| s.rows)
                .sum(),
            pending_merges: self
                .info
                .policy
                .compute_merge_candidates(&merge_inputs(&segments, &HashSet::new()))
                .len(),
        }
    }

    /// Backpressure, before a write takes the writer lock. Frozen growing segments live in
    /// memory, so past `max_unsealed_segments` writes wait for seals (memory never grows
    /// without bound). Past `max_unindexed_rows` or `max_pending_merges` writes are slowed by
    /// a short sleep that grows with the overshoot, and past twice the limit they wait.
    /// Waiting never turns into failing, except when the seals it waits for keep failing
    /// (three attempts in a row, e.g. a full disk): then the write returns that error and
    /// changes nothing, and writes resume once a seal succeeds.
    pub(crate) fn apply_backpressure(self: &Arc<Self>, core: &Arc<DbCore>) -> Result<()> {
        let limits = &core.options.backpressure;
        let mut stalled = false;
        loop {
            self.check_writable(core)?;
            let p = self.pressure(core);
            let hard = p.unsealed_segments >= limits.max_unsealed_segments
                || p.unindexed_rows >= limits.max_unindexed_rows.saturating_mul(2)
                || p.pending_merges >= limits.max_pending_merges.saturating_mul(2);
            if !hard {
                let over = (p.unindexed_rows as f64 / limits.max_unindexed_rows.max(1) as f64)
                    .max(p.pending_merges as f64 / limits.max_pending_merges.max(1) as f64);
                if over >= 1.0 {
                    self.board.count(|c| c.writes_throttled += 1);
                    std::thread::sleep(Duration::from_micros((over * 1000.0) as u64));
                }
                return Ok(());
            }
            if !stalled {
                stalled = true;
                self.board.count(|c| c.writes_stalled += 1);
            }
            if p.unsealed_segments >= limits.max_unsealed_segments {
                if let Some(e) = self.board.failing_seal(3, &self.snapshot()) {
                    return Err(e);
                }
            }
            self.schedule(core);
            self.board.wait(Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(id: u64, kind: SegmentKind, rows: usize, deleted: usize) -> SegmentSummary {
        SegmentSummary {
            id: SegmentId(id),
            kind,
            rows,
            deleted,
        }
    }

    const SEALED: SegmentKind = SegmentKind::Sealed { indexed: false };
    const INDEXED: SegmentKind = SegmentKind::Sealed { indexed: true };

    #[test]
    fn due_jobs_seal_frozen_build_unindexed_and_merge() {
        let policy = MergePolicy::for_segment_rows(100);
        let segments = vec![
            seg(1, INDEXED, 5_000, 0),
            seg(2, SEALED, 5_000, 2_000), // 40 % deleted: rewritten alone
            seg(3, SEALED, 5_000, 0),
            seg(4, SegmentKind::Frozen, 100, 0),
            seg(5, SegmentKind::Growing, 10, 0),
        ];
        let jobs = due_jobs(&segments, &HashSet::new(), &policy, |r| r >= 1_000, false);
        assert_eq!(
            jobs,
            vec![
                JobKey::Seal(SegmentId(4)),
                JobKey::Merge(vec![SegmentId(2)]),
                JobKey::Build(SegmentId(3)),
            ]
        );
        // Held segments are left out of every job; a retrain is added when due.
        let held: HashSet<SegmentId> = [SegmentId(2), SegmentId(4)].into();
        let jobs = due_jobs(&segments, &held, &policy, |r| r >= 1_000, true);
        assert_eq!(jobs, vec![JobKey::Build(SegmentId(3)), JobKey::Retrain]);
        // Small segments need no index.
        let jobs = due_jobs(&segments, &held, &policy, |_| false, false);
        assert!(jobs.is_empty(), "{jobs:?}");
    }

    #[test]
    fn merge_inputs_are_the_free_sealed_segments() {
        let segments = vec![
            seg(1, INDEXED, 10, 1),
            seg(2, SEALED, 20, 0),
            seg(3, SegmentKind::Frozen, 30, 0),
            seg(4, SegmentKind::Growing, 40, 0),
        ];
        let held: HashSet<SegmentId> = [SegmentId(2)].into();
        let inputs = merge_inputs(&segments, &held);
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].id, SegmentId(1));
        assert_eq!((inputs[0].rows, inputs[0].deleted), (10, 1));
    }

    #[test]
    fn a_segment_in_a_merge_gets_no_build() {
        let policy = MergePolicy::for_segment_rows(1_000);
        // Eight small sealed segments: one tier merge takes them all.
        let segments: Vec<SegmentSummary> = (1..=8).map(|i| seg(i, SEALED, 1_000, 0)).collect();
        let jobs = due_jobs(&segments, &HashSet::new(), &policy, |_| true, false);
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        assert!(matches!(&jobs[0], JobKey::Merge(ids) if ids.len() == 8));
    }
}
