//! A follower keeps reading its state while the writer flushes, compacts and deletes the table
//! and log files that state came from: it holds every table file of its version open
//! (`max_open_files = -1`) and every log file it tails, so unlinking them does not take them
//! away. Catching up afterwards moves it to the writer's new files.

mod common;

use common::{check_complete, create, step, table_files, COLL};
use kiln_storage::catalog::Catalog;

fn wal_files(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".log"))
        .collect();
    out.sort();
    out
}

#[test]
fn survives_flush_and_compaction_of_the_files_it_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    let primary = Catalog::open(dir.path()).expect("open");
    create(&primary);
    for i in 0..200 {
        step(&primary, i, false);
    }
    primary.flush().expect("flush");
    for i in 200..300 {
        step(&primary, i, false);
    }
    // The follower's state: 200 steps in table files, 100 only in the log.
    let follower = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    assert_eq!(check_complete(&follower), 300);
    let old_tables = table_files(dir.path());
    let old_logs = wal_files(dir.path());
    assert!(!old_tables.is_empty() && !old_logs.is_empty());

    // The writer moves on: more steps, a deletion of part of the old state, a flush (which
    // retires the log the follower tails) and a full compaction (which replaces every table
    // file the follower has open).
    for i in 300..400 {
        step(&primary, i, false);
    }
    let mut b = primary.batch().expect("batch");
    b.delete_location(COLL, 5);
    primary.commit(b, true).expect("commit");
    primary.flush().expect("flush");
    primary.compact().expect("compact");
    // RocksDB purges obsolete files at the end of the job, possibly just after the call.
    let gone = |dir: &std::path::Path| {
        let tables = table_files(dir);
        let logs = wal_files(dir);
        old_tables.iter().all(|t| !tables.contains(t)) && old_logs.iter().all(|l| !logs.contains(l))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !gone(dir.path()) {
        assert!(
            std::time::Instant::now() < deadline,
            "old table files {old_tables:?} and logs {old_logs:?} should be gone: {:?} {:?}",
            table_files(dir.path()),
            wal_files(dir.path())
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // Still the old state, whole, from unlinked files.
    assert_eq!(check_complete(&follower), 300);
    assert!(follower.location(COLL, 5).expect("location").is_some());

    assert!(follower.catch_up().expect("catch up"));
    assert_eq!(follower.location(COLL, 5).expect("location"), None);
    let mut b = primary.batch().expect("batch");
    b.put_location(
        COLL,
        5,
        kiln_storage::RowLocation {
            segment: common::SEG,
            row: 5,
        },
    );
    primary.commit(b, true).expect("commit");
    assert!(follower.catch_up().expect("catch up"));
    assert_eq!(check_complete(&follower), 400);

    // Repeatedly: the writer compacts between every catch-up.
    for round in 0..5u64 {
        for i in 0..50 {
            step(&primary, 400 + round * 50 + i, false);
        }
        primary.flush().expect("flush");
        primary.compact().expect("compact");
        assert!(follower.catch_up().expect("catch up"));
        assert_eq!(check_complete(&follower), 450 + round * 50);
    }
}
