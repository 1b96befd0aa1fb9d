//! Guards the publish recipe against power cuts (docs/reliability.md T3, CI tier): a `Sync` workload
//! with seals, index builds and merges runs on a file system that loses power at a random
//! operation; unsynced data is then dropped, kept or garbled and unsynced renames and creations
//! undone or kept, as a disk may. Reopening must succeed and hold every acknowledged write.
//!
//! RocksDB's files are outside the simulation (with `Sync` they hold every acknowledged write);
//! what this checks is that Kiln never commits a reference to a file before the file and its
//! directory entry are durable, and that leftovers are cleaned up. `KILN_POWER_CUTS=n` for more.

use std::sync::Arc;

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, FieldType, Filter, IndexSpec, MergePolicy,
    Metric, Payload, SearchOptions,
};
use kiln_tests::faults::{CrashFs, SharedCrashFs};
use kiln_tests::{assert_same_hits, seeded_rng, Model, TempDir};
use rand::Rng;

const DIM: usize = 8;

/// The attributes of row `i`: its own id (attributes moved to another row show) and a tag.
fn payload(i: u64) -> Payload {
    Payload::new()
        .set("id", i as i64)
        .set("tag", format!("t{}", i % 7))
}

fn v(i: u64) -> Vec<f32> {
    (0..DIM as u64)
        .map(|j| ((i * 31 + j * 7) % 23) as f32)
        .collect()
}

/// Run until the power goes; return the acknowledged state.
fn workload(dir: &std::path::Path, fs: Arc<CrashFs>) -> Model {
    let mut model = Model::new(Metric::L2, DIM);
    let opts = DbOptions::new()
        .durability(Durability::Sync)
        .file_system(Arc::new(SharedCrashFs(Arc::clone(&fs))));
    let Ok(db) = Database::open_with(dir, opts) else {
        return model;
    };
    let policy = MergePolicy {
        merge_factor: 2,
        floor_rows: 500,
        max_segment_rows: 100_000,
        deletes_ratio: 0.3,
    };
    let config = CollectionConfig::new(DIM, Metric::L2)
        .segment_rows(500)
        .index(IndexSpec::IvfFlat { nlist: 8 })
        .merge_policy(policy)
        .field("id", FieldType::Int)
        .field("tag", FieldType::Keyword);
    let c = match db.collection("p") {
        Ok(c) => c,
        Err(_) => match db.create_collection("p", config) {
            Ok(c) => c,
            Err(_) => return model,
        },
    };
    for step in 0..40u64 {
        if fs.is_cut() {
            break;
        }
        let ids: Vec<u64> = (step * 100..step * 100 + 100).collect();
        let flat: Vec<f32> = ids.iter().flat_map(|&i| v(i)).collect();
        let payloads: Vec<Payload> = ids.iter().map(|&i| payload(i)).collect();
        if c.insert_batch_with(&ids, &flat, &payloads).is_ok() {
            for (id, x) in ids.iter().zip(flat.chunks(DIM)) {
                model.upsert(*id, x);
            }
        }
        let dead = [step * 37 % (step * 100 + 100), step * 11];
        if c.delete_batch(&dead).is_ok() {
            for d in dead {
                model.delete(d);
            }
        }
        if step % 10 == 9 {
            let _ = c.flush();
        }
    }
    model
}

#[test]
fn power_cuts_lose_no_acknowledged_write() {
    let (mut rng, seed) = seeded_rng("power_cut", 0x9C7);
    let total_ops = {
        let dir = TempDir::new("power-count");
        let fs = CrashFs::new(u64::MAX);
        let model = workload(dir.path(), Arc::clone(&fs));
        assert!(model.len() > 3000, "the workload ran: {} rows", model.len());
        fs.apply_cut(&mut rng);
        fs.ops_done()
    };
    let runs: usize = std::env::var("KILN_POWER_CUTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let (mut truncated, mut garbled, mut undone) = (0, 0, 0);
    for run in 0..runs {
        let dir = TempDir::new("power");
        let at = rng.gen_range(1..=total_ops);
        let fs = CrashFs::new(at);
        let model = workload(dir.path(), Arc::clone(&fs));
        let cut = fs.apply_cut(&mut rng);
        truncated += cut.truncated;
        garbled += cut.garbled;
        undone += cut.renames_undone + cut.creations_lost;
        let context = format!("run {run}, cut at op {at} of {total_ops}, {cut:?} (seed {seed})");
        let db =
            Database::open(dir.path()).unwrap_or_else(|e| panic!("{context}: reopen failed: {e}"));
        let c = match db.collection("p") {
            Ok(c) => c,
            Err(kiln::Error::CollectionNotFound { .. }) if model.is_empty() => continue,
            Err(e) => panic!("{context}: collection: {e}"),
        };
        assert_eq!(c.len(), model.len(), "{context}: len");
        for id in (0..4000).step_by(7) {
            assert_eq!(
                c.get(id).expect("get").as_ref(),
                model.rows.get(&id),
                "{context}: id {id}"
            );
            assert_eq!(
                c.get_payload(id).expect("get_payload"),
                model.rows.contains_key(&id).then(|| payload(id)),
                "{context}: payload {id}"
            );
        }
        let t3 = model.rows.keys().filter(|&&i| i % 7 == 3).count();
        assert_eq!(
            c.count(&Filter::eq("tag", "t3")).expect("count"),
            t3,
            "{context}: count"
        );
        let q = v(5);
        assert_same_hits(
            &context,
            &c.search(&q, &SearchOptions::new(20).exact(true))
                .expect("search"),
            &model.search(&q, 20),
        );
        c.search(&q, &SearchOptions::new(20))
            .unwrap_or_else(|e| panic!("{context}: indexed search: {e}"));
        c.wait_for_indexing()
            .unwrap_or_else(|e| panic!("{context}: background work after the cut: {e}"));
    }
    eprintln!(
        "power_cut: {runs} cuts over {total_ops} file operations: {truncated} files truncated, {garbled} garbled, \
         {undone} directory changes undone; 0 acknowledged writes lost, 0 failed opens"
    );
}
