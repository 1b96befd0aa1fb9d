//! What a read-only database sees of a writer in the same process, and when: the state at open,
//! then each refresh's (every write acknowledged before it, synced or not; nothing later);
//! segment files and indexes the writer deletes after a merge stay readable until the reader
//! moves on; new fields, dropped and re-created collections, index files, and the background
//! refresh of `DbOptions::refresh_interval`. The same with a writer in another process, under
//! kill -9, is `readers_multiprocess.rs`.

use std::time::{Duration, Instant};

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, Error, FieldType, IndexSpec, MergePolicy,
    Metric, Payload, SearchOptions,
};
use kiln_tests::{assert_same_hits, random_vectors, seeded_rng, Model, TempDir};
use rand::Rng;

const DIM: usize = 8;

fn exact(k: usize) -> SearchOptions {
    SearchOptions::new(k).exact(true)
}

/// Wait for `cond`, failing after a generous deadline (a loaded machine is slow, never stuck).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_reader_moves_only_when_it_refreshes() {
    let (mut rng, _) = seeded_rng("read_only_refresh", 0xAE15);
    let dir = TempDir::new("ro-refresh");
    let w = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    let wc = w
        .create_collection("c", CollectionConfig::new(DIM, Metric::L2).segment_rows(64))
        .expect("create");
    let mut model = Model::new(Metric::L2, DIM);
    let v = random_vectors(&mut rng, 100, DIM);
    let ids: Vec<u64> = (0..100).collect();
    wc.insert_batch(&ids, &v).expect("insert");
    for (id, x) in ids.iter().zip(v.chunks_exact(DIM)) {
        model.upsert(*id, x);
    }

    let r = Database::open_read_only(dir.path()).expect("reader");
    let rc = r.collection("c").expect("collection");
    assert_eq!(rc.len(), 100, "the state at open, unsynced writes included");
    let at_open = model.clone();

    // The writer goes on: upserts, deletes, seals (64-row segments), a merge.
    for round in 0..10 {
        let ids: Vec<u64> = (0..40).map(|_| rng.gen_range(0..300)).collect();
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        let v = random_vectors(&mut rng, ids.len(), DIM);
        wc.upsert_batch(&ids, &v).expect("upsert");
        for (id, x) in ids.iter().zip(v.chunks_exact(DIM)) {
            model.upsert(*id, x);
        }
        let dead: Vec<u64> = (0..5).map(|_| rng.gen_range(0..300)).collect();
        wc.delete_batch(&dead).expect("delete");
        for id in dead {
            model.delete(id);
        }
        if round == 5 {
            wc.compact().expect("compact");
        }
    }
    // The writer's background finishes (seals and merges commit too).
    wc.wait_for_indexing().expect("background");
    // Not before a refresh: still the state at open, answered from what the reader mapped
    // and read then (the writer has merged and deleted some of those files since).
    let q = vec![0.1f32; DIM];
    assert_eq!(rc.len(), at_open.len());
    assert_same_hits(
        "before refresh",
        &rc.search(&q, &exact(300)).expect("search"),
        &at_open.search(&q, 300),
    );

    assert!(r.refresh().expect("refresh"), "the writer committed since");
    assert_eq!(rc.len(), model.len());
    assert_same_hits(
        "after refresh",
        &rc.search(&q, &exact(300)).expect("search"),
        &model.search(&q, 300),
    );
    for id in 0..300 {
        assert_eq!(
            rc.get(id).expect("get"),
            model.rows.get(&id).cloned(),
            "id {id}"
        );
    }
    assert!(!r.refresh().expect("refresh"), "nothing new");

    // The writer compacts again and closes; the reader follows to the end.
    wc.compact().expect("compact");
    drop(wc);
    drop(w);
    assert!(r.refresh().expect("refresh"));
    assert_same_hits(
        "after close",
        &rc.search(&q, &exact(300)).expect("search"),
        &model.search(&q, 300),
    );
    assert!(r.verify().expect("verify").is_ok());
}

#[test]
fn indexes_fields_and_drops_reach_the_reader() {
    let (mut rng, _) = seeded_rng("read_only_indexes", 0x1DE5);
    let dir = TempDir::new("ro-index");
    let w = Database::open(dir.path()).expect("open");
    let config = CollectionConfig::new(DIM, Metric::L2)
        .segment_rows(1_000)
        .index(IndexSpec::IvfFlat { nlist: 8 })
        .merge_policy(MergePolicy {
            merge_factor: 3,
            floor_rows: 1_000,
            max_segment_rows: 100_000,
            deletes_ratio: 0.5,
        })
        .field("tag", FieldType::Keyword);
    let wc = w.create_collection("docs", config.clone()).expect("create");
    let r = Database::open_read_only(dir.path()).expect("reader");
    let rc = r.collection("docs").expect("collection");
    assert!(rc.is_empty());

    let n = 2_500u64;
    let v = random_vectors(&mut rng, n as usize, DIM);
    let ids: Vec<u64> = (0..n).collect();
    let payloads: Vec<Payload> = ids
        .iter()
        .map(|i| Payload::new().set("tag", format!("t{}", i % 4)))
        .collect();
    wc.insert_batch_with(&ids, &v, &payloads).expect("insert");
    wc.compact().expect("compact");
    assert!(r.refresh().expect("refresh"));
    let ws = wc.stats();
    let rs = rc.stats();
    let indexed =
        |s: &kiln::CollectionStats| s.segments.iter().filter(|g| g.index.is_some()).count();
    assert!(
        indexed(&ws) > 0,
        "the writer built indexes: {:?}",
        ws.segments
    );
    assert_eq!(indexed(&rs), indexed(&ws), "the reader loaded them");
    assert_eq!(rs.rows, ws.rows);
    // The same index files give the same answers, indexed or exact.
    for _ in 0..10 {
        let q = random_vectors(&mut rng, 1, DIM);
        for opts in [SearchOptions::new(10), exact(10)] {
            assert_same_hits(
                "reader vs writer",
                &rc.search(&q, &opts).expect("reader"),
                &wc.search(&q, &opts).expect("writer"),
            );
        }
    }

    // A new field.
    wc.add_field("year", FieldType::Int).expect("add field");
    wc.update_payload(3, &Payload::new().set("tag", "x").set("year", 2020i64))
        .expect("update");
    assert_eq!(rc.fields().len(), 1);
    assert!(r.refresh().expect("refresh"));
    assert_eq!(rc.fields().len(), 2);
    assert_eq!(
        rc.get_payload(3).expect("payload"),
        Some(Payload::new().set("tag", "x").set("year", 2020i64))
    );

    // Dropped: handles fail; re-created under the same name: a new collection.
    w.drop_collection("docs").expect("drop");
    assert_eq!(rc.len(), n as usize, "not before a refresh");
    assert!(r.refresh().expect("refresh"));
    assert!(matches!(rc.get(1), Err(Error::CollectionNotFound { .. })));
    assert!(matches!(
        r.collection("docs"),
        Err(Error::CollectionNotFound { .. })
    ));
    let wc = w.create_collection("docs", config).expect("re-create");
    wc.insert(77, &[1.0; DIM]).expect("insert");
    assert!(r.refresh().expect("refresh"));
    let rc = r.collection("docs").expect("the new collection");
    assert_eq!(rc.len(), 1);
    assert_eq!(rc.get(77).expect("get"), Some(vec![1.0; DIM]));
}

#[test]
fn the_refresh_interval_follows_in_the_background() {
    let dir = TempDir::new("ro-interval");
    let w = Database::open(dir.path()).expect("open");
    let wc = w
        .create_collection("c", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    let r = Database::open_read_only_with(
        dir.path(),
        DbOptions::new().refresh_interval(Duration::from_millis(20)),
    )
    .expect("reader");
    let rc = r.collection("c").expect("collection");
    for i in 0..20u64 {
        wc.insert(i, &[i as f32, 1.0]).expect("insert");
        wait_for("the background refresh", || rc.len() == i as usize + 1);
        assert_eq!(rc.get(i).expect("get"), Some(vec![i as f32, 1.0]));
    }
    wc.delete(3).expect("delete");
    wait_for("the delete", || rc.len() == 19);
    // Closing the reader stops its thread.
    drop(rc);
    drop(r);
}

/// A writer thread upserts and deletes with tiny segments (seals and merges all the time) while
/// a reader thread refreshes and searches: every answer equals the model at some prefix of the
/// acknowledged writes, between what was acknowledged before the refresh began and what was
/// after it ended (+1, the write in flight).
#[test]
fn every_answer_is_a_state_the_writer_acknowledged() {
    let (mut rng, seed) = seeded_rng("read_only_states", 0x57A7E);
    let dir = TempDir::new("ro-states");
    let w = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    let wc = w
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(32)
                .merge_policy(MergePolicy {
                    merge_factor: 3,
                    floor_rows: 32,
                    max_segment_rows: 10_000,
                    deletes_ratio: 0.2,
                }),
        )
        .expect("create");
    const SPACE: u64 = 200;
    const OPS: usize = 1_500;
    // The operations, decided up front: (ids, vectors or None for a delete).
    let ops: Vec<(Vec<u64>, Option<Vec<f32>>)> = (0..OPS)
        .map(|_| {
            let mut ids: Vec<u64> = (0..rng.gen_range(1..12))
                .map(|_| rng.gen_range(0..SPACE))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if rng.gen_range(0..10) < 7 {
                let v = random_vectors(&mut rng, ids.len(), DIM);
                (ids, Some(v))
            } else {
                (ids, None)
            }
        })
        .collect();
    let acked = std::sync::atomic::AtomicUsize::new(0);
    let r = Database::open_read_only(dir.path()).expect("reader");
    let rc = r.collection("c").expect("collection");
    let q = vec![0.0f32; DIM];
    let observations = std::thread::scope(|s| {
        s.spawn(|| {
            for (i, (ids, v)) in ops.iter().enumerate() {
                match v {
                    Some(v) => wc.upsert_batch(ids, v).expect("upsert"),
                    None => {
                        wc.delete_batch(ids).expect("delete");
                    }
                }
                acked.store(i + 1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        let mut obs = Vec::new();
        loop {
            let lo = acked.load(std::sync::atomic::Ordering::SeqCst);
            r.refresh().expect("refresh");
            let hi = acked.load(std::sync::atomic::Ordering::SeqCst);
            let hits = rc.search(&q, &exact(SPACE as usize)).expect("search");
            obs.push((lo, hi, hits));
            if lo == OPS {
                break obs;
            }
        }
    });
    // Check each answer against the model at the prefixes it may show.
    let mut model = Model::new(Metric::L2, DIM);
    let mut applied = 0;
    let apply = |m: &mut Model, i: usize| {
        let (ids, v) = &ops[i];
        match v {
            Some(v) => {
                for (id, x) in ids.iter().zip(v.chunks_exact(DIM)) {
                    m.upsert(*id, x);
                }
            }
            None => {
                for id in ids {
                    m.delete(*id);
                }
            }
        }
    };
    let n = observations.len();
    for (lo, hi, hits) in observations {
        while applied < lo {
            apply(&mut model, applied);
            applied += 1;
        }
        let mut candidate = model.clone();
        let mut p = lo;
        let key = |h: &[kiln::Hit]| {
            h.iter()
                .map(|h| (h.id, h.distance.to_bits()))
                .collect::<Vec<_>>()
        };
        let got = key(&hits);
        loop {
            if key(&candidate.search(&q, SPACE as usize)) == got {
                break;
            }
            assert!(
                p < (hi + 1).min(OPS),
                "an answer matches no acknowledged state in {lo}..={} (seed {seed})",
                hi + 1
            );
            apply(&mut candidate, p);
            p += 1;
        }
    }
    eprintln!("read_only_states: {n} answers checked over {OPS} writes");
}
