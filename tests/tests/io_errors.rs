//! Guards behaviour under I/O errors (docs/reliability.md T4, CI tier): a fixed workload runs with
//! the N-th file operation on Kiln's own files failing (EIO, ENOSPC or a short write; once, or
//! from then on), for every N the workload performs. Every failure must come back as an error
//! value (no panic, in the foreground or in a background job); a failed fsync poisons the
//! database (later writes get `Poisoned`, no fsync is retried); and after reopening on a healthy
//! file system every acknowledged write is there and nothing else. A disk that stays full makes
//! seals fail; writes stalled behind them get `DiskFull` instead of waiting forever.
//!
//! CI runs every 2nd to 6th operation; `KILN_IO_STRIDE=1` runs every one.

use std::sync::Arc;

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, Error, Event, MergePolicy, Metric,
    SearchOptions,
};
use kiln_tests::faults::{Fault, FaultyFs, SharedFaultyFs};
use kiln_tests::{assert_same_hits, Model, TempDir};

const DIM: usize = 4;

fn policy() -> MergePolicy {
    MergePolicy {
        merge_factor: 2,
        floor_rows: 8,
        max_segment_rows: 10_000,
        deletes_ratio: 0.3,
    }
}

fn v(i: u64) -> Vec<f32> {
    vec![(i % 7) as f32, (i % 5) as f32, (i % 3) as f32, 1.0]
}

/// Run the workload; return the model of acknowledged writes, whether the database ended
/// poisoned, and every background failure message.
fn workload(dir: &std::path::Path, fs: Arc<FaultyFs>) -> (Model, Vec<String>) {
    let mut model = Model::new(Metric::L2, DIM);
    let mut failures = Vec::new();
    let opts = DbOptions::new()
        .durability(Durability::Sync)
        .compaction_threads(1)
        .file_system(Arc::new(SharedFaultyFs(Arc::clone(&fs))));
    let db = match Database::open_with(dir, opts) {
        Ok(db) => db,
        Err(e) => {
            failures.push(format!("open: {e}"));
            return (model, failures);
        }
    };
    let events = db.events();
    let c = match db.create_collection(
        "c",
        CollectionConfig::new(DIM, Metric::L2)
            .segment_rows(8)
            .merge_policy(policy()),
    ) {
        Ok(c) => c,
        Err(e) => {
            failures.push(format!("create: {e}"));
            return (model, failures);
        }
    };
    let mut poisoned = false;
    for step in 0..12u64 {
        let ids: Vec<u64> = (step * 10..step * 10 + 10).collect();
        let flat: Vec<f32> = ids.iter().flat_map(|&i| v(i)).collect();
        let r = c.insert_batch(&ids, &flat);
        match &r {
            Ok(()) => {
                assert!(
                    !poisoned,
                    "a write succeeded after the database was poisoned"
                );
                for (id, x) in ids.iter().zip(flat.chunks(DIM)) {
                    model.upsert(*id, x);
                }
            }
            Err(Error::Poisoned { .. }) => poisoned = true,
            Err(e) => failures.push(format!("insert: {e}")),
        }
        if c.upsert(step * 3, &v(step + 100)).is_ok() {
            model.upsert(step * 3, &v(step + 100));
        }
        if let Ok(n) = c.delete_batch(&[step * 7, step * 7 + 1]) {
            let want = [step * 7, step * 7 + 1]
                .iter()
                .filter(|id| model.delete(**id))
                .count();
            assert_eq!(n, want);
        }
        if step % 4 == 3 {
            if let Err(e) = c.flush() {
                failures.push(format!("flush: {e}"));
                if matches!(e, Error::Poisoned { .. }) {
                    poisoned = true;
                }
            }
        }
    }
    if let Err(e) = c.wait_for_indexing() {
        failures.push(format!("wait: {e}"));
    }
    // Reads keep working whatever happened to writes.
    let q = [1.0, 1.0, 1.0, 1.0];
    let hits = c
        .search(&q, &SearchOptions::new(5).exact(true))
        .expect("search after faults");
    assert_same_hits("in-process answer", &hits, &model.search(&q, 5));
    for e in events.try_iter() {
        if let Event::JobFailed { error, .. } = e {
            assert!(
                !error.contains("panicked"),
                "a background job panicked: {error}"
            );
            failures.push(format!("job: {error}"));
        }
    }
    (model, failures)
}

fn verify(dir: &std::path::Path, model: &Model, context: &str) {
    let db = Database::open(dir)
        .unwrap_or_else(|e| panic!("{context}: reopen on a healthy disk failed: {e}"));
    let c = match db.collection("c") {
        Ok(c) => c,
        Err(Error::CollectionNotFound { .. }) if model.is_empty() => return,
        Err(e) => panic!("{context}: collection: {e}"),
    };
    assert_eq!(c.len(), model.len(), "{context}: len");
    for id in 0..130 {
        assert_eq!(
            c.get(id).expect("get").as_ref(),
            model.rows.get(&id),
            "{context}: id {id}"
        );
    }
    let q = [2.0, 0.0, 1.0, 1.0];
    assert_same_hits(
        context,
        &c.search(&q, &SearchOptions::new(200)).expect("search"),
        &model.search(&q, 200),
    );
}

/// Every `stride`-th operation in CI; `KILN_IO_STRIDE=1` for the full campaign.
fn sweep(fault: Fault, persistent: bool, stride: u64) {
    let stride = std::env::var("KILN_IO_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(stride)
        .max(1);
    let total = {
        let dir = TempDir::new("io-count");
        let fs = FaultyFs::new(0, fault, false);
        let (model, failures) = workload(dir.path(), Arc::clone(&fs));
        assert!(failures.is_empty(), "{failures:?}");
        verify(dir.path(), &model, "no faults");
        fs.ops()
    };
    let mut runs = 0;
    let mut with_errors = 0;
    for at in (1..=total + 5).step_by(stride as usize) {
        let dir = TempDir::new("io");
        let fs = FaultyFs::new(at, fault, persistent);
        let (model, failures) = workload(dir.path(), Arc::clone(&fs));
        if !failures.is_empty() {
            with_errors += 1;
        }
        let log = fs.log.lock().map(|l| l.clone()).unwrap_or_default();
        // After a failed fsync nothing may fsync that file again (fsyncgate).
        if let Some(first) = log.iter().find(|l| l.contains("fsync ")) {
            let path = first.rsplit(' ').next().unwrap_or_default();
            let after = log
                .iter()
                .skip_while(|l| *l != first)
                .skip(1)
                .filter(|l| l.contains("fsync ") && l.ends_with(path))
                .count();
            assert!(
                persistent || after == 0,
                "fsync of {path} retried after failing"
            );
        }
        verify(
            dir.path(),
            &model,
            &format!("{fault:?} at op {at} (persistent: {persistent}): {log:?}"),
        );
        runs += 1;
    }
    eprintln!("io_errors {fault:?} persistent={persistent}: {total} operations, {runs} runs, {with_errors} saw errors, 0 violations");
}

#[test]
fn eio_once_at_every_operation() {
    sweep(Fault::Eio, false, 2);
}

#[test]
fn enospc_from_every_operation_on() {
    sweep(Fault::NoSpace, true, 6);
}

#[test]
fn short_writes() {
    sweep(Fault::ShortWrite, false, 5);
}

#[test]
fn eio_persistent() {
    sweep(Fault::Eio, true, 6);
}
