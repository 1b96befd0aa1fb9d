//! Regression (bug: `flush()` could delete a sealed segment's file). `flush` chose the frozen
//! segments to seal from a snapshot taken before it claimed one; when a background seal of the
//! same segment committed in between, `flush` sealed it a second time, renamed its file over the
//! committed one, found the segment already sealed and removed `<id>.seg` as a leftover — the
//! catalog still named it and the next open failed with "missing". A pause between choosing and
//! claiming (the `test::flush_before_claim` failpoint) lets the background seals finish in that
//! window; every row must survive the flush and a reopen.
//!
//! Needs the `failpoints` feature (`make test` runs it).

use kiln::{CollectionConfig, Database, Metric};
use kiln_tests::{random_vectors, seeded_rng, TempDir};

const DIM: usize = 8;
const ROWS: u64 = 250;

#[test]
fn flush_racing_background_seals_keeps_every_file() {
    let scenario = fail::FailScenario::setup();
    let (mut rng, _seed) = seeded_rng("flush_seal_race", 12);
    let dir = TempDir::new("flush-race");
    let vectors = random_vectors(&mut rng, ROWS as usize, DIM);
    let ids: Vec<u64> = (0..ROWS).collect();
    {
        let db = Database::open(dir.path()).expect("open");
        let c = db
            .create_collection(
                "c",
                CollectionConfig::new(DIM, Metric::L2).segment_rows(100),
            )
            .expect("create");
        // Two full segments are frozen by this batch and sealed in the background, while
        // `flush` waits between choosing frozen segments and claiming one.
        fail::cfg("test::flush_before_claim", "sleep(600)").expect("failpoint");
        c.insert_batch(&ids, &vectors).expect("insert");
        c.flush().expect("flush");
        fail::remove("test::flush_before_claim");
        c.wait_for_indexing().expect("background work");
        for id in 0..ROWS {
            assert!(
                c.get(id).expect("get").is_some(),
                "row {id} lost before reopen"
            );
        }
        let report = db.verify().expect("verify");
        assert!(report.is_ok(), "verify after flush: {:?}", report.problems);
    }
    let db = Database::open(dir.path()).expect("reopen");
    let c = db.collection("c").expect("collection loads after the race");
    assert_eq!(c.len(), ROWS as usize);
    for (i, id) in ids.iter().enumerate() {
        let v = c.get(*id).expect("get").expect("row survives reopen");
        assert_eq!(v.as_slice(), &vectors[i * DIM..(i + 1) * DIM]);
    }
    scenario.teardown();
}
