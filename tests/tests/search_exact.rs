//! Guards exact search semantics: every metric's distance convention, deterministic ties,
//! results independent of segment layout, deleted and overwritten rows never returned, and
//! `search_batch` equal to one `search` per query.

use kiln::{CollectionConfig, Database, Metric, SearchOptions};
use kiln_tests::{assert_same_hits, clustered_vectors, seeded_rng, Model, TempDir};

#[test]
fn distance_conventions() {
    let dir = TempDir::new("dist");
    let db = Database::open(dir.path()).expect("open");
    let l2 = db
        .create_collection("l2", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    let ip = db
        .create_collection("ip", CollectionConfig::new(2, Metric::InnerProduct))
        .expect("create");
    let cos = db
        .create_collection("cos", CollectionConfig::new(2, Metric::Cosine))
        .expect("create");
    for c in [&l2, &ip, &cos] {
        c.insert(1, &[3.0, 4.0]).expect("insert");
        c.insert(2, &[-1.0, 0.0]).expect("insert");
    }
    let q = [1.0, 0.0];
    let h = l2.search(&q, &SearchOptions::new(2)).expect("search");
    assert_eq!((h[0].id, h[0].distance), (2, 4.0));
    assert_eq!((h[1].id, h[1].distance), (1, 20.0));
    let h = ip.search(&q, &SearchOptions::new(2)).expect("search");
    assert_eq!((h[0].id, h[0].distance), (1, -3.0));
    assert_eq!((h[1].id, h[1].distance), (2, 1.0));
    let h = cos
        .search(&[2.0, 0.0], &SearchOptions::new(2))
        .expect("search");
    assert_eq!(h[0].id, 1);
    assert!((h[0].distance - 0.4).abs() < 1e-6, "{h:?}");
    assert_eq!((h[1].id, h[1].distance), (2, 2.0));
    // Cosine vectors are stored normalised.
    assert_eq!(cos.get(1).expect("get"), Some(vec![0.6, 0.8]));
}

#[test]
fn ties_break_by_smaller_id_across_segments() {
    let dir = TempDir::new("ties");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection("t", CollectionConfig::new(2, Metric::L2).segment_rows(3))
        .expect("create");
    // Ten identical vectors spread over four segments, inserted in scrambled id order.
    for id in [9u64, 3, 7, 1, 8, 2, 6, 0, 5, 4] {
        c.insert(id, &[1.0, 1.0]).expect("insert");
    }
    let ids: Vec<u64> = c
        .search(&[0.0, 0.0], &SearchOptions::new(4))
        .expect("search")
        .iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(ids, vec![0, 1, 2, 3]);
    assert!(c.segments().len() >= 4);
}

#[test]
fn results_do_not_depend_on_segment_layout() {
    let (mut rng, _) = seeded_rng("layout", 5);
    let dim = 16;
    let n = 3000;
    let data = clustered_vectors(&mut rng, n, dim, 20, 0.05);
    let queries = clustered_vectors(&mut rng, 20, dim, 20, 0.05);
    let ids: Vec<u64> = (0..n as u64).map(|i| i * 3 + 1).collect();
    let dir = TempDir::new("layout");
    let db = Database::open(dir.path()).expect("open");
    let mut answers = Vec::new();
    for (name, rows) in [("one", 100_000u32), ("many", 97), ("tiny", 7)] {
        let c = db
            .create_collection(
                name,
                CollectionConfig::new(dim, Metric::Cosine).segment_rows(rows),
            )
            .expect("create");
        for (chunk_ids, chunk) in ids.chunks(250).zip(data.chunks(250 * dim)) {
            c.insert_batch(chunk_ids, chunk).expect("insert");
        }
        // Delete every 10th and overwrite every 7th so tombstones exist in every layout.
        let dead: Vec<u64> = ids.iter().copied().step_by(10).collect();
        c.delete_batch(&dead).expect("delete");
        for &id in ids.iter().step_by(7) {
            c.upsert(id, &vec![0.5; dim]).expect("upsert");
        }
        answers.push(
            c.search_batch(&queries, &SearchOptions::new(25))
                .expect("search"),
        );
    }
    for a in &answers[1..] {
        for (x, y) in a.iter().zip(&answers[0]) {
            assert_same_hits("layout", x, y);
        }
    }
}

#[test]
fn deleted_and_overwritten_rows_never_return() {
    let (mut rng, _) = seeded_rng("deleted", 11);
    let dim = 8;
    let dir = TempDir::new("deleted");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection("d", CollectionConfig::new(dim, Metric::L2).segment_rows(50))
        .expect("create");
    let mut model = Model::new(Metric::L2, dim);
    let data = clustered_vectors(&mut rng, 400, dim, 5, 0.1);
    let ids: Vec<u64> = (0..400).collect();
    c.insert_batch(&ids, &data).expect("insert");
    for (id, v) in ids.iter().zip(data.chunks(dim)) {
        model.upsert(*id, v);
    }
    c.flush().expect("flush");
    for id in (0..400).step_by(3) {
        assert!(c.delete(id).expect("delete"));
        model.delete(id);
    }
    for id in (1..400).step_by(5) {
        let v = vec![id as f32; dim];
        c.upsert(id, &v).expect("upsert");
        model.upsert(id, &v);
    }
    let q = data[..dim].to_vec();
    let hits = c.search(&q, &SearchOptions::new(400)).expect("search");
    assert_eq!(hits.len(), model.len());
    assert_same_hits("after deletes", &hits, &model.search(&q, 400));
    let batch = c
        .search_batch(&data[..10 * dim], &SearchOptions::new(7))
        .expect("batch");
    for (i, got) in batch.iter().enumerate() {
        assert_same_hits(
            "batch",
            got,
            &c.search(&data[i * dim..(i + 1) * dim], &SearchOptions::new(7))
                .expect("search"),
        );
    }
}

#[test]
fn large_collection_fans_out_and_matches_model() {
    // Enough rows to take the parallel fan-out path.
    let (mut rng, _) = seeded_rng("fanout", 3);
    let dim = 32;
    let n = kiln::PARALLEL_MIN_ROWS + 5000;
    let data = clustered_vectors(&mut rng, n, dim, 50, 0.1);
    let dir = TempDir::new("fanout");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection(
            "f",
            CollectionConfig::new(dim, Metric::InnerProduct).segment_rows(8000),
        )
        .expect("create");
    let ids: Vec<u64> = (0..n as u64).collect();
    let mut model = Model::new(Metric::InnerProduct, dim);
    for (chunk_ids, chunk) in ids.chunks(4096).zip(data.chunks(4096 * dim)) {
        c.insert_batch(chunk_ids, chunk).expect("insert");
    }
    for (id, v) in ids.iter().zip(data.chunks(dim)) {
        model.upsert(*id, v);
    }
    // Full growing segments are sealed in the background, so right after the inserts some
    // may still be frozen in memory: the answers must already be right in that mixed state,
    // and again once every seal has landed.
    let check = |when: &str| {
        for q in data.chunks(dim).step_by(n / 10) {
            assert_same_hits(
                when,
                &c.search(q, &SearchOptions::new(10)).expect("search"),
                &model.search(q, 10),
            );
        }
    };
    check("fan-out, seals in flight");
    c.wait_for_indexing().expect("wait for seals");
    let sealed = c.segments().iter().filter(|s| s.sealed).count();
    assert!(
        sealed >= 4,
        "{sealed} sealed segments after the seals landed"
    );
    check("fan-out, all sealed");
}
