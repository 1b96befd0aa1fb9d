//! Guards read-your-writes and snapshot isolation with concurrent readers while one writer
//! inserts, upserts, deletes and seals (a smaller sibling of the engine stress test): a writer
//! always finds what it just wrote; a reader's answer is always exact for *some* state the writer
//! published (here: ids are only ever inserted with vector [id, id], so every hit's distance must
//! match its id, and a deleted id never comes back once its delete returned).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use kiln::{CollectionConfig, Database, Metric, SearchOptions};
use kiln_tests::TempDir;

#[test]
fn readers_see_consistent_snapshots_while_writing() {
    let dir = TempDir::new("concurrent");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection("c", CollectionConfig::new(2, Metric::L2).segment_rows(64))
        .expect("create");
    let stop = Arc::new(AtomicBool::new(false));
    // Multiples of 10 below `deleted_below` have been deleted and acknowledged.
    let deleted_below = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..3)
        .map(|r| {
            let c = c.clone();
            let stop = stop.clone();
            let deleted_below = deleted_below.clone();
            std::thread::spawn(move || {
                let mut queries = 0u64;
                while !stop.load(Ordering::Acquire) {
                    let floor = deleted_below.load(Ordering::Acquire);
                    let q = [(queries % 500) as f32, (queries % 500) as f32];
                    let hits = c.search(&q, &SearchOptions::new(20)).expect("search");
                    for h in &hits {
                        let want = 2.0 * (h.id as f32 - q[0]).powi(2);
                        assert_eq!(h.distance, want, "reader {r}: hit {h:?} for {q:?}");
                        assert!(
                            !(h.id % 10 == 0 && h.id < floor),
                            "reader {r}: deleted id {} returned",
                            h.id
                        );
                    }
                    for w in hits.windows(2) {
                        assert!(
                            w[0].distance < w[1].distance
                                || (w[0].distance == w[1].distance && w[0].id < w[1].id)
                        );
                    }
                    queries += 1;
                }
                queries
            })
        })
        .collect();
    for id in 0..2000u64 {
        c.insert(id, &[id as f32, id as f32]).expect("insert");
        let hits = c
            .search(&[id as f32, id as f32], &SearchOptions::new(1))
            .expect("search");
        assert_eq!(hits[0].id, id, "read-your-writes");
        if id % 10 == 9 {
            let dead = id - 9;
            assert!(c.delete(dead).expect("delete"));
            deleted_below.store(dead + 1, Ordering::Release);
            assert_eq!(c.get(dead).expect("get"), None);
        }
        if id % 500 == 0 {
            c.flush().expect("flush");
        }
    }
    stop.store(true, Ordering::Release);
    let total: u64 = readers.into_iter().map(|h| h.join().expect("reader")).sum();
    assert!(total > 100, "readers ran {total} queries");
    assert_eq!(c.len(), 2000 - 200);
}
