//! `compact()` reports a compaction merge that keeps failing instead of returning `Ok` with the
//! segments unmerged, changes nothing when it fails (every row still answers), and compacts
//! once the failure is gone. The merge fails through the `merge::after_file` failpoint (a
//! panic in the job, caught by the pool).
//!
//! Needs the `failpoints` feature (`make test` runs it).

use kiln::{CollectionConfig, Database, Error, Metric, SearchOptions};
use kiln_tests::{random_vectors, seeded_rng, Model, TempDir};

const DIM: usize = 8;

fn sealed(c: &kiln::Collection) -> usize {
    c.stats().segments.iter().filter(|s| s.rows > 0).count()
}

fn check_answers(c: &kiln::Collection, model: &Model, queries: &[f32]) {
    for q in queries.chunks(DIM) {
        let got = c
            .search(q, &SearchOptions::new(5).exact(true))
            .expect("search");
        kiln_tests::assert_same_hits("exact search", &got, &model.search(q, 5));
    }
}

#[test]
fn a_failing_compaction_merge_is_an_error_and_changes_nothing() {
    let scenario = fail::FailScenario::setup();
    let (mut rng, _seed) = seeded_rng("compact_errors", 31);
    let dir = TempDir::new("compact-errors");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2).segment_rows(1_000),
        )
        .expect("create");
    let mut model = Model::new(Metric::L2, DIM);
    let vectors = random_vectors(&mut rng, 3_000, DIM);
    let ids: Vec<u64> = (0..3_000).collect();
    c.insert_batch(&ids, &vectors).expect("insert");
    for (i, id) in ids.iter().enumerate() {
        model.upsert(*id, &vectors[i * DIM..(i + 1) * DIM]);
    }
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    assert_eq!(sealed(&c), 3);
    let queries = random_vectors(&mut rng, 10 * DIM, DIM);

    fail::cfg("merge::after_file", "panic").expect("failpoint");
    let err = c.compact().expect_err("the merge keeps failing");
    assert!(
        matches!(&err, Error::Background { job, .. } if job.contains("merge")),
        "{err:?}"
    );
    assert_eq!(sealed(&c), 3, "nothing merged");
    assert_eq!(c.len(), 3_000);
    check_answers(&c, &model, &queries);
    // The failure was reported once; it does not fail later waits.
    c.wait_for_indexing()
        .expect("wait after a failed compaction");

    fail::remove("merge::after_file");
    c.compact().expect("compact");
    assert_eq!(sealed(&c), 1, "{:?}", c.stats().segments);
    assert_eq!(c.len(), 3_000);
    check_answers(&c, &model, &queries);
    drop(c);
    drop(db);
    let db = Database::open(dir.path()).expect("reopen");
    let c = db.collection("c").expect("collection");
    assert_eq!(sealed(&c), 1);
    check_answers(&c, &model, &queries);
    scenario.teardown();
}
