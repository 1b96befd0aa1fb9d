//! Guards the engine's use of Faiss indexes: sealed segments above the Auto threshold get an IVF
//! index built in the background from one shared template; approximate answers reach the recall
//! bar while exact mode stays equal to the model; merges of indexed segments keep the index
//! (list concatenation) and the answers; a deleted or damaged index file is detected at open,
//! the segment is answered exactly meanwhile, and the index is rebuilt; a panicking build is
//! retried. On the dev set (when present) the engine reaches recall@10 ≥ 0.95 at its defaults.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, Event, MergePolicy, Metric, SearchOptions,
    SegmentState,
};
use kiln_tests::{
    assert_same_hits, clustered_rows_and_queries, clustered_vectors, dev_set, recall_at,
    seeded_rng, DevSet, Model, TempDir,
};

const DIM: usize = 32;

fn files_with_ext(root: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for c in std::fs::read_dir(root.join("collections"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for f in std::fs::read_dir(c.path()).into_iter().flatten().flatten() {
            if f.path().extension().is_some_and(|e| e == ext) {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}

fn indexed_segments(c: &kiln::Collection) -> usize {
    c.stats()
        .segments
        .iter()
        .filter(|s| s.index.is_some())
        .count()
}

/// Mean recall@10 of approximate answers against exact ones.
fn recall_vs_exact(c: &kiln::Collection, queries: &[f32]) -> f64 {
    let approx = c
        .search_batch(queries, &SearchOptions::new(10))
        .expect("search");
    let exact = c
        .search_batch(queries, &SearchOptions::new(10).exact(true))
        .expect("exact");
    let mut total = 0.0;
    for (a, e) in approx.iter().zip(&exact) {
        let a: Vec<u64> = a.iter().map(|h| h.id).collect();
        let e: Vec<u64> = e.iter().map(|h| h.id).collect();
        total += recall_at(10, &a, &e);
    }
    total / approx.len() as f64
}

fn load(c: &kiln::Collection, data: &[f32], first_id: u64) -> Model {
    let mut model = Model::new(Metric::L2, DIM);
    let n = data.len() / DIM;
    let ids: Vec<u64> = (first_id..first_id + n as u64).collect();
    for (ci, cv) in ids.chunks(2000).zip(data.chunks(2000 * DIM)) {
        c.insert_batch(ci, cv).expect("insert");
    }
    for (id, v) in ids.iter().zip(data.chunks(DIM)) {
        model.upsert(*id, v);
    }
    model
}

#[test]
fn segments_get_ivf_indexes_and_approximate_search_meets_recall() {
    let (mut rng, _) = seeded_rng("ivf_build", 3);
    let (data, queries) = clustered_rows_and_queries(&mut rng, 40_000, 100, DIM, 200, 0.08);
    let dir = TempDir::new("ivf");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    let events = db.events();
    let c = db
        .create_collection(
            "v",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(12_000)
                .merge_policy(MergePolicy::disabled()),
        )
        .expect("create");
    let model = load(&c, &data, 0);
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    let stats = c.stats();
    // Three full segments, and the 4,000-row tail too: under the Auto rule's 10,000-row floor,
    // but once the collection has a template it is indexed on it (≥ 2 rows per list).
    assert_eq!(indexed_segments(&c), 4, "{:?}", stats.segments);
    assert!(
        stats
            .segments
            .iter()
            .any(|s| s.rows == 4_000 && s.index.as_deref() == Some("ivf-flat")),
        "{:?}",
        stats.segments
    );
    assert!(stats
        .segments
        .iter()
        .all(|s| s.index.as_deref() != Some("hnsw")));
    assert_eq!(stats.rows_pending_indexing, 0);
    assert_eq!(
        (
            stats.jobs_running,
            stats.seals_running,
            stats.builds_running,
            stats.merges_running
        ),
        (0, 0, 0, 0),
        "idle after wait_for_indexing"
    );
    for s in stats.segments.iter().filter(|s| s.index.is_some()) {
        // An IVF-Flat index holds at least every row's full vector.
        assert!(
            s.index_bytes >= (s.rows * DIM * 4) as u64,
            "index bytes {} for {} rows",
            s.index_bytes,
            s.rows
        );
    }
    assert_eq!(
        files_with_ext(dir.path(), "tpl").len(),
        1,
        "one shared template"
    );
    assert!(events
        .try_iter()
        .any(|e| matches!(e, Event::IndexBuilt { .. })));
    let r = recall_vs_exact(&c, &queries);
    eprintln!("synthetic 40k x {DIM}: recall@10 at default nprobe = {r:.4}");
    assert!(r >= 0.95, "recall {r}");
    for q in queries.chunks(DIM).take(10) {
        assert_same_hits(
            "exact mode",
            &c.search(q, &SearchOptions::new(10).exact(true))
                .expect("search"),
            &model.search(q, 10),
        );
    }
    // Deletes are excluded inside the index.
    let top = c
        .search(&queries[..DIM], &SearchOptions::new(5))
        .expect("search");
    for h in &top {
        assert!(c.delete(h.id).expect("delete"));
    }
    let after = c
        .search(&queries[..DIM], &SearchOptions::new(50))
        .expect("search");
    let gone: HashSet<u64> = top.iter().map(|h| h.id).collect();
    assert!(after.iter().all(|h| !gone.contains(&h.id)));
}

#[test]
fn merges_concatenate_indexes_and_keep_answers() {
    let (mut rng, _) = seeded_rng("ivf_merge", 4);
    let (data, queries) = clustered_rows_and_queries(&mut rng, 44_000, 60, DIM, 200, 0.08);
    let dir = TempDir::new("ivf-merge");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    let policy = MergePolicy {
        merge_factor: 2,
        floor_rows: 11_000,
        max_segment_rows: 1_000_000,
        deletes_ratio: 0.5,
    };
    let c = db
        .create_collection(
            "m",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(11_000)
                .merge_policy(policy),
        )
        .expect("create");
    let mut model = load(&c, &data, 0);
    for id in (0..44_000).step_by(10) {
        c.delete(id).expect("delete");
        model.delete(id);
    }
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    let stats = c.stats();
    assert!(stats.merges_done >= 2, "{stats:?}");
    // Whether a merge concatenates lists or rebuilds depends on timing here (a fresh input is
    // often claimed by the merge before its own build); `rewrite_of_an_indexed_segment_...`
    // checks concatenation deterministically.
    let sealed: Vec<_> = stats
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Sealed)
        .collect();
    assert!(sealed.iter().all(|s| s.index.is_some()), "{sealed:?}");
    assert!(
        sealed.iter().any(|s| s.rows > 11_000),
        "merged segments: {sealed:?}"
    );
    let r = recall_vs_exact(&c, &queries);
    eprintln!("after merges: {} segments, recall@10 {r:.4}", sealed.len());
    assert!(r >= 0.95, "recall {r}");
    for q in queries.chunks(DIM).take(10) {
        assert_same_hits(
            "exact after merges",
            &c.search(q, &SearchOptions::new(10).exact(true))
                .expect("search"),
            &model.search(q, 10),
        );
    }
    // Reopen: indexes load (mapped) and answer the same.
    let before = c
        .search_batch(&queries, &SearchOptions::new(10))
        .expect("search");
    drop((c, db));
    let db = Database::open(dir.path()).expect("reopen");
    let c = db.collection("m").expect("collection");
    assert_eq!(
        indexed_segments(&c),
        c.stats()
            .segments
            .iter()
            .filter(|s| s.state == SegmentState::Sealed)
            .count()
    );
    let after = c
        .search_batch(&queries, &SearchOptions::new(10))
        .expect("search");
    for (a, b) in after.iter().zip(&before) {
        let a: Vec<u64> = a.iter().map(|h| h.id).collect();
        let b: Vec<u64> = b.iter().map(|h| h.id).collect();
        assert_eq!(a, b, "mapped index answers like the built one");
    }
}

#[test]
fn rewrite_of_an_indexed_segment_concatenates_its_lists() {
    let (mut rng, _) = seeded_rng("ivf_rewrite", 9);
    let (data, queries) = clustered_rows_and_queries(&mut rng, 30_000, 50, DIM, 100, 0.08);
    let dir = TempDir::new("ivf-rewrite");
    let db = Database::open(dir.path()).expect("open");
    let policy = MergePolicy {
        merge_factor: 8,
        floor_rows: 30_000,
        max_segment_rows: 1_000_000,
        deletes_ratio: 0.3,
    };
    let c = db
        .create_collection(
            "r",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(30_000)
                .merge_policy(policy),
        )
        .expect("create");
    let mut model = load(&c, &data, 0);
    c.wait_for_indexing().expect("wait");
    assert_eq!(indexed_segments(&c), 1);
    // Delete 40 % of the indexed segment: the policy rewrites it alone, and its index is the
    // old one's lists without the deleted rows, relabelled.
    let dead: Vec<u64> = (0..30_000).filter(|i| i % 5 < 2).collect();
    assert_eq!(c.delete_batch(&dead).expect("delete"), dead.len());
    for id in &dead {
        model.delete(*id);
    }
    c.wait_for_indexing().expect("wait");
    let stats = c.stats();
    assert_eq!(stats.merges_done, 1, "{stats:?}");
    assert_eq!(stats.indexes_merged, 1, "{stats:?}");
    let sealed: Vec<_> = stats
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Sealed)
        .collect();
    assert_eq!(sealed.len(), 1);
    assert_eq!((sealed[0].rows, sealed[0].deleted), (18_000, 0));
    assert!(sealed[0].index.is_some());
    let r = recall_vs_exact(&c, &queries);
    assert!(r >= 0.95, "recall {r}");
    for q in queries.chunks(DIM).take(10) {
        assert_same_hits(
            "exact",
            &c.search(q, &SearchOptions::new(10).exact(true))
                .expect("search"),
            &model.search(q, 10),
        );
        let approx = c.search(q, &SearchOptions::new(10)).expect("search");
        assert!(
            approx.iter().all(|h| model.rows.contains_key(&h.id)),
            "a deleted row came back"
        );
    }
}

fn build_indexed(dir: &Path) -> (Vec<f32>, Model) {
    let (mut rng, _) = seeded_rng("ivf_damage", 5);
    let data = clustered_vectors(&mut rng, 24_000, DIM, 100, 0.08);
    let db =
        Database::open_with(dir, DbOptions::new().durability(Durability::Buffered)).expect("open");
    let c = db
        .create_collection(
            "d",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(12_000)
                .merge_policy(MergePolicy::disabled()),
        )
        .expect("create");
    let model = load(&c, &data, 0);
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    assert_eq!(indexed_segments(&c), 2);
    (data, model)
}

fn check_rebuild(dir: &Path, data: &[f32], model: &Model) {
    let db = Database::open(dir).expect("open with a damaged index");
    let events = db.events();
    let c = db
        .collection("d")
        .expect("the collection opens; the segment is answered exactly");
    // Answers are right while the index is rebuilt (exact for the damaged segment).
    for q in data.chunks(DIM).step_by(2400).take(10) {
        let hits = c.search(q, &SearchOptions::new(10)).expect("search");
        let want = model.search(q, 10);
        let got: HashSet<u64> = hits.iter().map(|h| h.id).collect();
        let overlap = want.iter().filter(|h| got.contains(&h.id)).count();
        assert!(
            overlap >= 9,
            "answers stay right during the rebuild: {hits:?} vs {want:?}"
        );
    }
    c.wait_for_indexing().expect("rebuilt");
    assert_eq!(indexed_segments(&c), 2);
    assert!(
        events
            .try_iter()
            .any(|e| matches!(e, Event::IndexBuilt { .. })),
        "index rebuilt"
    );
}

#[test]
fn deleted_index_file_is_rebuilt_while_answering_exactly() {
    let dir = TempDir::new("ivf-deleted");
    let (data, model) = build_indexed(dir.path());
    let idx = files_with_ext(dir.path(), "idx");
    assert_eq!(idx.len(), 2);
    std::fs::remove_file(&idx[0]).expect("rm");
    check_rebuild(dir.path(), &data, &model);
}

#[test]
fn damaged_index_file_is_rebuilt_never_trusted() {
    let dir = TempDir::new("ivf-damaged");
    let (data, model) = build_indexed(dir.path());
    let idx = files_with_ext(dir.path(), "idx");
    let mut bytes = std::fs::read(&idx[1]).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    std::fs::write(&idx[1], &bytes).expect("write");
    check_rebuild(dir.path(), &data, &model);
    // Truncated too.
    let idx = files_with_ext(dir.path(), "idx");
    let bytes = std::fs::read(&idx[0]).expect("read");
    std::fs::write(&idx[0], &bytes[..bytes.len() / 3]).expect("write");
    check_rebuild(dir.path(), &data, &model);
}

#[test]
fn panicking_builds_are_retried() {
    let (mut rng, _) = seeded_rng("ivf_panic", 6);
    let data = clustered_vectors(&mut rng, 12_500, DIM, 50, 0.08);
    let dir = TempDir::new("ivf-panic");
    // The first jobs panic: the seal, then the build retries.
    let db = Database::open_with(dir.path(), DbOptions::new().inject_job_panics(4)).expect("open");
    let c = db
        .create_collection(
            "p",
            CollectionConfig::new(DIM, Metric::L2).segment_rows(12_000),
        )
        .expect("create");
    let model = load(&c, &data, 0);
    assert_eq!(c.len(), model.len());
    // `wait_for_indexing` reports a job that failed three times in a row; the job keeps being
    // retried, so waiting again succeeds once the panics stop.
    let mut reported = 0;
    loop {
        match c.wait_for_indexing() {
            Ok(()) => break,
            Err(kiln::Error::Background { error, .. }) if reported < 50 => {
                assert!(error.contains("injected panic"), "{error}");
                reported += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(c.stats().jobs_failed, 4);
    assert_eq!(indexed_segments(&c), 1);
    let q = &data[..DIM];
    assert_same_hits(
        "exact",
        &c.search(q, &SearchOptions::new(10).exact(true))
            .expect("search"),
        &model.search(q, 10),
    );
}

#[test]
fn dev_set_recall_through_the_engine() {
    let Some(DevSet {
        dim,
        base,
        queries,
        truth,
    }) = dev_set()
    else {
        return;
    };
    let n = base.len() / dim;
    let dir = TempDir::new("dev");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    // Segments of 7,500 rows (too small for an index), merged into one 15,000-row segment that
    // gets an IVF index.
    let policy = MergePolicy {
        merge_factor: 2,
        floor_rows: 7_500,
        max_segment_rows: 1_000_000,
        deletes_ratio: 0.2,
    };
    let c = db
        .create_collection(
            "dev",
            CollectionConfig::new(dim, Metric::Cosine)
                .segment_rows(7_500)
                .merge_policy(policy),
        )
        .expect("create");
    let ids: Vec<u64> = (0..n as u64).collect();
    for (ci, cv) in ids.chunks(1000).zip(base.chunks(1000 * dim)) {
        c.insert_batch(ci, cv).expect("insert");
    }
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    let stats = c.stats();
    assert!(
        stats.segments.iter().any(|s| s.index.is_some()),
        "{:?}",
        stats.segments
    );
    let results = c
        .search_batch(&queries, &SearchOptions::new(10))
        .expect("search");
    let mut recall = 0.0;
    for (hits, truth) in results.iter().zip(&truth) {
        let got: Vec<u64> = hits.iter().map(|h| h.id).collect();
        recall += recall_at(10, &got, truth);
    }
    recall /= results.len() as f64;
    eprintln!(
        "dev set through the engine: {:?}, recall@10 = {recall:.4}",
        stats
            .segments
            .iter()
            .map(|s| (s.rows, s.index.clone()))
            .collect::<Vec<_>>()
    );
    assert!(recall >= 0.95, "recall@10 {recall}");
}

#[test]
fn a_grown_collection_gets_a_new_template_generation_in_the_background() {
    let (mut rng, _) = seeded_rng("ivf_retrain", 10);
    let dim = 8;
    let dir = TempDir::new("ivf-retrain");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    let c = db
        .create_collection(
            "g",
            CollectionConfig::new(dim, Metric::L2).segment_rows(10_000),
        )
        .expect("create");
    // First: one indexed segment, whose template is planned for ~10k rows.
    let first = clustered_vectors(&mut rng, 10_000, dim, 50, 0.05);
    let ids: Vec<u64> = (0..10_000).collect();
    c.insert_batch(&ids, &first).expect("insert");
    c.wait_for_indexing().expect("wait");
    assert_eq!(files_with_ext(dir.path(), "tpl").len(), 1);
    // Then grow past 16 times that: a retrain job trains a second generation.
    let (more, queries) = clustered_rows_and_queries(&mut rng, 160_000, 50, dim, 50, 0.05);
    let ids: Vec<u64> = (10_000..170_000).collect();
    for (ci, cv) in ids.chunks(10_000).zip(more.chunks(10_000 * dim)) {
        c.insert_batch(ci, cv).expect("insert");
    }
    c.compact().expect("compact");
    assert!(
        files_with_ext(dir.path(), "tpl").len() >= 2,
        "a second template generation"
    );
    let stats = c.stats();
    let sealed: Vec<_> = stats
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Sealed)
        .collect();
    assert!(sealed.iter().all(|s| s.index.is_some()), "{sealed:?}");
    let approx = c
        .search_batch(&queries, &SearchOptions::new(10))
        .expect("search");
    let exact = c
        .search_batch(&queries, &SearchOptions::new(10).exact(true))
        .expect("exact");
    let recall: f64 = approx
        .iter()
        .zip(&exact)
        .map(|(a, e)| {
            let a: Vec<u64> = a.iter().map(|h| h.id).collect();
            let e: Vec<u64> = e.iter().map(|h| h.id).collect();
            recall_at(10, &a, &e)
        })
        .sum::<f64>()
        / approx.len() as f64;
    eprintln!(
        "after retrain: {} segments, recall@10 {recall:.4}",
        sealed.len()
    );
    assert!(recall >= 0.95, "recall {recall}");
}

#[test]
fn small_segments_stay_exact_until_the_collection_has_a_template() {
    let (mut rng, _) = seeded_rng("small_exact", 5);
    let data = clustered_vectors(&mut rng, 5_000, DIM, 50, 0.08);
    let dir = TempDir::new("small-exact");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    let c = db
        .create_collection(
            "v",
            CollectionConfig::new(DIM, Metric::L2).segment_rows(12_000),
        )
        .expect("create");
    let model = load(&c, &data, 0);
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    // 5,000 rows: under the Auto floor and no template to build on, so no training just for it.
    assert_eq!(indexed_segments(&c), 0, "{:?}", c.stats().segments);
    assert!(files_with_ext(dir.path(), "tpl").is_empty());
    let q = &data[..DIM];
    assert_same_hits(
        "small exact",
        &c.search(q, &SearchOptions::new(10)).expect("search"),
        &model.search(q, 10),
    );
}
