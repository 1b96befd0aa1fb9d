//! `Catalog::checkpoint` while another thread commits continuously: each copy opens as a
//! normal, independent catalog holding every batch committed before the call (also those only
//! in the writer's log, unflushed and unsynced), each batch whole, and nothing of a batch
//! committed after the copy's own newest.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{check_complete, create, step, table_files, Rng};
use kiln_storage::catalog::Catalog;

#[test]
fn log_only_writes_are_in_the_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let cat = Catalog::open(dir.path()).expect("open");
    create(&cat);
    for i in 0..25 {
        step(&cat, i, false);
    }
    assert!(table_files(dir.path()).is_empty(), "log-only writes wanted");
    let dest = out.path().join("catalog");
    let seq = cat.checkpoint(&dest).expect("checkpoint");
    assert_eq!(seq, cat.latest_sequence());
    assert!(!out.path().join("catalog.tmp").exists());
    let copy = Catalog::open(&dest).expect("open the copy");
    assert_eq!(check_complete(&copy), 25);
    assert!(copy.latest_sequence() >= seq);
    assert_eq!(copy.next_id(), cat.next_id());
    // Independent: writes to either do not reach the other.
    step(&copy, 25, true);
    step(&cat, 25, true);
    step(&cat, 26, true);
    assert_eq!(check_complete(&copy), 26);
    assert_eq!(check_complete(&cat), 27);
    drop(copy);
    assert_eq!(check_complete(&Catalog::open(&dest).expect("reopen")), 26);
    // An existing destination is refused.
    let err = cat.checkpoint(&dest).expect_err("destination exists");
    assert!(err.to_string().contains("catalog"), "{err}");
}

#[test]
fn checkpoints_under_continuous_commits_hold_every_earlier_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let cat = Catalog::open(dir.path()).expect("open");
    create(&cat);
    let done = AtomicBool::new(false);
    let acked = AtomicU64::new(0);
    const CHECKPOINTS: usize = 8;
    let results = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut rng = Rng::new(0x5eed_0003);
            let mut i = 0;
            while !done.load(Ordering::Acquire) {
                step(&cat, i, rng.below(4) == 0);
                i += 1;
                acked.store(i, Ordering::Release);
            }
            i
        });
        let mut rng = Rng::new(0x5eed_0004);
        let mut results = Vec::new();
        for k in 0..CHECKPOINTS {
            // Let the writer get ahead by a random amount.
            let wait_for = acked.load(Ordering::Acquire) + 50 + rng.below(300);
            while acked.load(Ordering::Acquire) < wait_for {
                std::thread::yield_now();
            }
            let floor = acked.load(Ordering::Acquire);
            let dest = out.path().join(format!("cp{k}"));
            let seq = cat.checkpoint(&dest).expect("checkpoint");
            let ceiling = acked.load(Ordering::Acquire);
            results.push((dest, floor, ceiling, seq));
        }
        done.store(true, Ordering::Release);
        let total = writer.join().expect("writer");
        assert!(total > 0);
        results
    });
    let mut previous = 0;
    for (dest, floor, ceiling, seq) in results {
        let copy = Catalog::open(&dest).expect("a checkpoint opens as a normal catalog");
        let n = check_complete(&copy);
        assert!(
            n >= floor,
            "{}: {floor} steps were acknowledged before the call, the copy has {n}",
            dest.display()
        );
        // One step may be committed but not yet counted as acknowledged by the writer thread.
        assert!(
            n <= ceiling + 1,
            "{}: the copy has {n} steps, only {ceiling} were acknowledged after the call",
            dest.display()
        );
        assert!(copy.latest_sequence() >= seq);
        assert!(n >= previous, "checkpoints went backwards");
        previous = n;
        eprintln!("{}: {floor} <= {n} <= {ceiling} steps", dest.display());
    }
}
