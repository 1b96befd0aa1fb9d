//! A follower outlives its writer: the writer process is killed with SIGKILL in the middle of
//! committing, restarted (RocksDB recovers its log, writes a new MANIFEST and retires the old
//! log), killed again, and so on, while the follower in this process keeps catching up. Every
//! state it sees is whole, never goes backwards, and holds every batch the writer acknowledged
//! before the kill.
//!
//! The writer is this test binary run again with `KILN_TEST_WRITER_DIR` set, which makes
//! `writer_child` the writer instead of a no-op test.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{check_complete, create, step, steps_done, Rng};
use kiln_storage::catalog::Catalog;
use kiln_storage::Error;

const CHILD_ENV: &str = "KILN_TEST_WRITER_DIR";
const CHILD_SEED_ENV: &str = "KILN_TEST_WRITER_SEED";
const ACK: &str = "KILN-ACK ";

/// The writer, when run as a child: continue the workload from the steps the catalog has,
/// acknowledging each committed step on stdout, until killed (or a minute passed).
#[test]
fn writer_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let seed = std::env::var(CHILD_SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng::new(seed);
    let cat = Catalog::open(std::path::Path::new(&dir)).expect("writer opens");
    if steps_done(&cat).is_none() {
        create(&cat);
    }
    let mut next = steps_done(&cat).expect("created");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        // Synced commits only: a SIGKILL loses no acknowledged write.
        step(&cat, next, true);
        println!("{ACK}{next}");
        next += 1;
        if rng.below(50) == 0 {
            cat.flush().expect("flush");
        }
    }
}

fn spawn_writer(dir: &std::path::Path, seed: u64) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .env(CHILD_SEED_ENV, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the writer")
}

#[test]
fn follows_a_writer_through_kills_and_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    // The first writer creates the catalog; the follower needs one to open.
    drop(Catalog::open(dir.path()).expect("create"));
    let follower = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    let mut rng = Rng::new(0x5eed_0002);
    let mut last_seen = 0u64;
    let mut acked_total = 0u64;
    for cycle in 0..4u64 {
        let mut child = spawn_writer(dir.path(), 100 + cycle);
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Let it acknowledge a random number of steps, catching up along the way.
        let target = acked_total + 100 + rng.below(200);
        let mut acked = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.is_none_or(|a| a + 1 < target) {
            assert!(Instant::now() < deadline, "the writer is too slow");
            let line = match lines.next() {
                Some(line) => line.expect("read writer output"),
                None => panic!("the writer exited early (cycle {cycle})"),
            };
            let Some(n) = line.strip_prefix(ACK) else {
                continue;
            };
            let n: u64 = n.trim().parse().expect("ack number");
            acked = Some(n);
            if n.is_multiple_of(17) {
                // Busy (the writer flushed during every attempt to open afresh) is allowed
                // while it runs; the state must stay whole either way.
                let caught_up = match follower.catch_up() {
                    Ok(_) => true,
                    Err(Error::FollowerBusy { .. }) => false,
                    Err(e) => panic!("catch up while the writer runs: {e}"),
                };
                let seen = check_complete(&follower);
                assert!(seen >= last_seen, "went back from {last_seen} to {seen}");
                if caught_up {
                    assert!(seen > n, "acknowledged step {n} not visible ({seen} steps)");
                }
                last_seen = seen;
            }
        }
        child.kill().expect("SIGKILL the writer");
        let _ = child.wait();
        // Whatever it printed after our last read was acknowledged too; drain it.
        for line in lines {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix(ACK) {
                acked = Some(n.trim().parse().expect("ack number"));
            }
        }
        let acked = acked.expect("some step acknowledged");
        acked_total = acked + 1;

        // The writer is dead: the follower reads its last state from the files it left.
        follower.catch_up().expect("catch up after the kill");
        let seen = check_complete(&follower);
        assert!(
            seen >= acked_total,
            "cycle {cycle}: {acked_total} steps acknowledged, {seen} visible"
        );
        assert!(seen >= last_seen);
        last_seen = seen;
        acked_total = seen;
    }
    // A last writer in this process recovers what the killed one left: the same state.
    let primary = Catalog::open(dir.path()).expect("recover");
    assert_eq!(check_complete(&primary), last_seen);
    step(&primary, last_seen, true);
    assert!(follower.catch_up().expect("catch up"));
    assert_eq!(check_complete(&follower), last_seen + 1);
}
