//! Regression (bug: search parameters reached Faiss unchecked, and short answers passed
//! through). On an HNSW collection of 6,000 rows in 3 segments, `ef_search(3_000_000_000)`
//! returned 3 hits instead of 10 (the value reached Faiss as a C `int`), and `k = usize::MAX`
//! returned 1,598 of the 6,000 live rows (HNSW returns fewer than k and Kiln passed the short
//! list on). The contract: a search returns exactly min(k, live rows) hits at any parameter
//! value, or a typed error; every parameter (k, nprobe, ef_search, and the build parameters m,
//! ef_construction, nlist) is clamped to what the segment can use or refused with
//! `InvalidArgument`; never an abort.

use std::collections::HashSet;

use kiln::{CollectionConfig, Database, Error, IndexSpec, Metric, SearchOptions};
use kiln_tests::{clustered_vectors, recall_at, seeded_rng, Model, TempDir};

const DIM: usize = 32;
const ROWS: usize = 6_000;

fn filled(spec: IndexSpec, name: &str) -> (TempDir, kiln::Collection, Model, Vec<f32>) {
    let (mut rng, _seed) = seeded_rng(name, 33);
    let dir = TempDir::new(name);
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(2_000)
                .index(spec),
        )
        .expect("create");
    let vectors = clustered_vectors(&mut rng, ROWS, DIM, 40, 0.05);
    let ids: Vec<u64> = (0..ROWS as u64).collect();
    c.insert_batch(&ids, &vectors).expect("insert");
    // Sealed and indexed, not compacted: the point is several segments.
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    let mut model = Model::new(Metric::L2, DIM);
    for (i, id) in ids.iter().enumerate() {
        model.upsert(*id, &vectors[i * DIM..(i + 1) * DIM]);
    }
    let stats = c.stats();
    assert_eq!(
        stats.segments.len(),
        4,
        "3 sealed + the empty active: {stats:?}"
    );
    assert!(
        stats.segments.iter().filter(|s| s.index.is_some()).count() == 3,
        "every sealed segment indexed: {stats:?}"
    );
    (dir, c, model, vectors)
}

fn assert_whole_answer(context: &str, got: &[kiln::Hit], want_len: usize, model: &Model) {
    assert_eq!(got.len(), want_len, "{context}: hits");
    let ids: HashSet<u64> = got.iter().map(|h| h.id).collect();
    assert_eq!(ids.len(), got.len(), "{context}: an id twice");
    assert!(
        got.iter().all(|h| model.rows.contains_key(&h.id)),
        "{context}: an id that is not live"
    );
    assert!(
        got.windows(2).all(|w| w[0].distance <= w[1].distance),
        "{context}: not sorted"
    );
}

#[test]
fn hnsw_answers_whole_at_any_parameter() {
    let (_dir, c, mut model, vectors) = filled(
        IndexSpec::Hnsw {
            m: 16,
            ef_construction: 40,
        },
        "params-hnsw",
    );
    let queries: Vec<&[f32]> = vectors.chunks_exact(DIM).step_by(300).collect();
    for ef in [3_000_000_000usize, usize::MAX, i32::MAX as usize + 1, 1] {
        let mut recall = 0.0;
        for q in &queries {
            let got = c
                .search(q, &SearchOptions::new(10).ef_search(ef))
                .expect("search");
            assert_whole_answer(&format!("ef_search {ef}"), &got, 10, &model);
            let want: Vec<u64> = model.search(q, 10).iter().map(|h| h.id).collect();
            recall += recall_at(10, &got.iter().map(|h| h.id).collect::<Vec<_>>(), &want);
        }
        if ef > 1 {
            let recall = recall / queries.len() as f64;
            assert!(recall >= 0.9, "ef_search {ef}: recall {recall}");
        }
    }
    let all = c
        .search(queries[0], &SearchOptions::new(usize::MAX))
        .expect("k = usize::MAX");
    assert_whole_answer("k = usize::MAX", &all, ROWS, &model);
    let all = c
        .search(
            queries[0],
            &SearchOptions::new(usize::MAX).ef_search(usize::MAX),
        )
        .expect("k and ef_search = usize::MAX");
    assert_whole_answer("k and ef = usize::MAX", &all, ROWS, &model);
    // A k between a segment's size and the collection's.
    let some = c
        .search(queries[1], &SearchOptions::new(4_500))
        .expect("k = 4,500");
    assert_whole_answer("k = 4,500", &some, 4_500, &model);
    // With deletes, exactly the live rows.
    let dead: Vec<u64> = (0..ROWS as u64).filter(|id| id % 7 == 0).collect();
    c.delete_batch(&dead).expect("delete");
    for id in &dead {
        model.delete(*id);
    }
    let all = c
        .search(queries[2], &SearchOptions::new(usize::MAX))
        .expect("k = usize::MAX after deletes");
    assert_whole_answer("k = usize::MAX after deletes", &all, model.len(), &model);
    let flat: Vec<f32> = queries.iter().flat_map(|q| q.iter().copied()).collect();
    let batch = c
        .search_batch(&flat, &SearchOptions::new(usize::MAX).ef_search(usize::MAX))
        .expect("batch");
    for got in &batch {
        assert_whole_answer("batch k = usize::MAX", got, model.len(), &model);
    }
}

#[test]
fn ivf_answers_whole_at_any_nprobe() {
    let (_dir, c, model, vectors) = filled(IndexSpec::IvfFlat { nlist: 16 }, "params-ivf");
    for q in vectors.chunks_exact(DIM).step_by(600) {
        for nprobe in [usize::MAX, i32::MAX as usize + 7, 1] {
            let got = c
                .search(q, &SearchOptions::new(10).nprobe(nprobe))
                .expect("search");
            assert_whole_answer(&format!("nprobe {nprobe}"), &got, 10, &model);
        }
        let got = c
            .search(q, &SearchOptions::new(usize::MAX).nprobe(1))
            .expect("k = usize::MAX at nprobe 1");
        assert_whole_answer("k = usize::MAX, nprobe 1", &got, ROWS, &model);
    }
}

#[test]
fn absurd_build_parameters_are_refused() {
    let dir = TempDir::new("params-build");
    let db = Database::open(dir.path()).expect("open");
    let specs = [
        IndexSpec::Hnsw {
            m: u32::MAX,
            ef_construction: 40,
        },
        IndexSpec::Hnsw {
            m: 16,
            ef_construction: u32::MAX,
        },
        IndexSpec::Hnsw {
            m: 0,
            ef_construction: 40,
        },
        IndexSpec::IvfFlat { nlist: u32::MAX },
        IndexSpec::IvfSq8 { nlist: 0 },
        IndexSpec::IvfPq {
            nlist: u32::MAX,
            m: u32::MAX,
        },
    ];
    for (i, spec) in specs.into_iter().enumerate() {
        let err = db
            .create_collection(
                &format!("c{i}"),
                CollectionConfig::new(DIM, Metric::L2).index(spec.clone()),
            )
            .expect_err("absurd spec accepted");
        assert!(
            matches!(err, Error::InvalidArgument { .. }),
            "{spec:?}: {err:?}"
        );
    }
    assert!(db.list_collections().expect("list").is_empty());
}
