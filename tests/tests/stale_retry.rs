//! Regression (bug: stale retry entries made `wait_for_indexing()` and `compact()` fail
//! forever). A failed `Build(S)` stayed in the retry table until that same job succeeded; once
//! `S` was rewritten by a merge the job could never run again, and every later
//! `wait_for_indexing()` that met real pending work returned `Error::Background` for a job that
//! no longer existed. Here builds of two segments fail (the `build::before_commit` failpoint)
//! until each has failed at least three times, deletes get both segments rewritten, the
//! failpoint is cleared, and `compact()` must succeed with every live row searchable.
//!
//! Needs the `failpoints` feature (`make test` runs it).

use std::time::{Duration, Instant};

use kiln::{CollectionConfig, Database, IndexSpec, Metric, SearchOptions};
use kiln_tests::{random_vectors, seeded_rng, Model, TempDir};

const DIM: usize = 8;

#[test]
fn retries_of_jobs_whose_segments_are_gone_do_not_fail_compact() {
    let scenario = fail::FailScenario::setup();
    let (mut rng, _seed) = seeded_rng("stale_retry", 21);
    let dir = TempDir::new("stale-retry");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(1_000)
                .index(IndexSpec::IvfFlat { nlist: 8 }),
        )
        .expect("create");
    let mut model = Model::new(Metric::L2, DIM);
    fail::cfg("build::before_commit", "panic").expect("failpoint");
    let vectors = random_vectors(&mut rng, 2_000, DIM);
    let ids: Vec<u64> = (0..2_000).collect();
    c.insert_batch(&ids, &vectors).expect("insert");
    for (i, id) in ids.iter().enumerate() {
        model.upsert(*id, &vectors[i * DIM..(i + 1) * DIM]);
    }
    // Both sealed segments' builds fail, and are retried with backoff, until each failed 3 times.
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.stats().jobs_failed < 6 {
        assert!(
            Instant::now() < deadline,
            "builds did not fail: {:?}",
            c.stats()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A third of each segment deleted: both are rewritten alone (the deletes trigger), so the
    // failed builds' segments are gone.
    let dead: Vec<u64> = (0..2_000).filter(|id| id % 3 == 0).collect();
    assert_eq!(c.delete_batch(&dead).expect("delete"), dead.len());
    for id in &dead {
        model.delete(*id);
    }
    fail::remove("build::before_commit");
    // More rows, so that `compact` meets real pending work (a seal and a build).
    let more = random_vectors(&mut rng, 1_200, DIM);
    let more_ids: Vec<u64> = (10_000..11_200).collect();
    c.insert_batch(&more_ids, &more).expect("insert more");
    for (i, id) in more_ids.iter().enumerate() {
        model.upsert(*id, &more[i * DIM..(i + 1) * DIM]);
    }
    c.compact()
        .expect("compact after the failed builds' segments were merged away");
    c.wait_for_indexing().expect("wait_for_indexing");
    assert_eq!(c.len(), model.len());
    let stats = c.stats();
    assert_eq!(stats.rows_pending_indexing, 0, "{stats:?}");
    for q in vectors.chunks_exact(DIM).take(20) {
        let got = c
            .search(q, &SearchOptions::new(10).exact(true))
            .expect("search");
        let want = model.search(q, 10);
        kiln_tests::assert_same_hits("exact search after compact", &got, &want);
    }
    scenario.teardown();
}
