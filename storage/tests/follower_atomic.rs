//! A follower never sees a torn or partial state: while the writer commits batches (each one
//! touching all four column families) as fast as it can, and flushes and compacts now and then
//! so that log files are retired and table files replaced under the follower, every state the
//! follower is at holds each batch entirely or not at all, holds every batch before the newest
//! it holds (no gaps), and never goes backwards; a successful catch-up holds every batch
//! acknowledged before it started.
//!
//! With flushes and compactions every few milliseconds a catch-up may fail with `FollowerBusy`
//! (the MANIFEST changed during every attempt to open a consistent instance); the state must
//! stay whole then too, and the first catch-up after the writer stops must succeed.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{check_complete, create, step, Rng};
use kiln_storage::catalog::Catalog;
use kiln_storage::Error;

struct Outcome {
    states: u64,
    moved: u64,
    busy: u64,
    flushes: u64,
    compactions: u64,
}

/// Run the writer for `steps` steps, flushing after one step in `flush_every` and compacting
/// after one in `compact_every` (at random), while the follower catches up in a loop.
fn run(seed: u64, steps: u64, flush_every: u64, compact_every: u64) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    let primary = Catalog::open(dir.path()).expect("open");
    create(&primary);
    let follower = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");

    let done = AtomicBool::new(false);
    let acked = AtomicU64::new(0);
    // Catch-ups that moved the follower. The writer pauses at 20 checkpoints until the follower
    // has moved once more, so the follower sees the writer mid-stream whatever the scheduler
    // does (a loaded machine may otherwise run the writer to the end before the follower's
    // first catch-up).
    let moves = AtomicU64::new(0);
    let checkpoint = (steps / 20).max(1);
    let flushes = AtomicU64::new(0);
    let compactions = AtomicU64::new(0);
    let mut outcome = std::thread::scope(|s| {
        s.spawn(|| {
            let mut rng = Rng::new(seed);
            for i in 0..steps {
                if i > 0 && i % checkpoint == 0 {
                    let wait = Instant::now() + Duration::from_secs(120);
                    while moves.load(Ordering::Acquire) < i / checkpoint && Instant::now() < wait {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                step(&primary, i, rng.below(8) == 0);
                acked.store(i + 1, Ordering::Release);
                if rng.below(flush_every) == 0 {
                    primary.flush().expect("flush");
                    flushes.fetch_add(1, Ordering::Relaxed);
                }
                if rng.below(compact_every) == 0 {
                    primary.compact().expect("compact");
                    compactions.fetch_add(1, Ordering::Relaxed);
                }
            }
            done.store(true, Ordering::Release);
        });
        let mut last = 0;
        let mut outcome = Outcome {
            states: 0,
            moved: 0,
            busy: 0,
            flushes: 0,
            compactions: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let finished = done.load(Ordering::Acquire);
            let floor = acked.load(Ordering::Acquire);
            let caught_up = match follower.catch_up() {
                Ok(moved) => {
                    outcome.moved += u64::from(moved);
                    if moved {
                        moves.fetch_add(1, Ordering::Release);
                    }
                    true
                }
                Err(Error::FollowerBusy { .. }) => {
                    assert!(!finished, "a catch-up failed with the writer stopped");
                    outcome.busy += 1;
                    false
                }
                Err(e) => panic!("catch up: {e}"),
            };
            let n = check_complete(&follower);
            assert!(n >= last, "went back from {last} to {n} steps");
            if caught_up {
                assert!(
                    n >= floor,
                    "caught up to {n} steps, but {floor} were acknowledged before the catch-up"
                );
            }
            last = n;
            outcome.states += 1;
            if finished && caught_up {
                break;
            }
            assert!(Instant::now() < deadline, "the writer did not finish");
        }
        outcome
    });
    assert_eq!(check_complete(&follower), steps);
    outcome.flushes = flushes.load(Ordering::Relaxed);
    outcome.compactions = compactions.load(Ordering::Relaxed);
    eprintln!(
        "{} states checked, {} moved, {} busy; {} flushes, {} compactions",
        outcome.states, outcome.moved, outcome.busy, outcome.flushes, outcome.compactions
    );
    outcome
}

#[test]
fn every_caught_up_state_is_whole_and_gap_free() {
    let out = run(0x5eed_0001, 6000, 150, 600);
    assert!(out.flushes > 5, "the writer should have retired log files");
    assert!(
        out.compactions > 1,
        "the writer should have replaced table files"
    );
    assert!(
        out.moved > 10,
        "only {} of {} catch-ups moved",
        out.moved,
        out.states
    );
}

#[test]
fn heavy_churn_never_shows_a_torn_state() {
    let out = run(0x5eed_0005, 600, 5, 20);
    assert!(out.flushes > 60 && out.compactions > 10);
}
