//! Settled segments get a graph: under the Auto rule a segment that `compact()` made is
//! indexed with HNSW32 over SQ8 codes (re-ranked from the segment's rows), and a later
//! compaction grows the largest input's graph by inserting the other rows instead of building
//! from nothing — unless that input lost rows (then it is built anew without them) or the new
//! rows fall outside the range its codes were trained on. Checked against the brute-force
//! model: exact answers identical before and after every graph merge and a reopen, the
//! default search returns k hits at the recall target.

use std::path::Path;

use kiln::{CollectionConfig, Database, DbOptions, Durability, Metric, SearchOptions};
use kiln_tests::{clustered_vectors, files_under, recall_at, seeded_rng, Model, TempDir};

const DIM: usize = 24;

fn open(dir: &Path) -> Database {
    Database::open_with(dir, DbOptions::new().durability(Durability::Buffered)).expect("open")
}

/// The collection every test here uses: `Auto` index, growing segments of 4,000 rows.
fn create(db: &Database) -> kiln::Collection {
    db.create_collection(
        "c",
        CollectionConfig::new(DIM, Metric::L2).segment_rows(4_000),
    )
    .expect("create")
}

/// The index kinds of the segments that hold rows.
fn kinds(c: &kiln::Collection) -> Vec<Option<String>> {
    c.stats()
        .segments
        .into_iter()
        .filter(|s| s.rows > 0)
        .map(|s| s.index)
        .collect()
}

/// Exact mode answers exactly the model's top 10, and the default search answers 10 hits per
/// query with mean recall@10 at least `min_recall` against the model.
fn check_against_model(
    context: &str,
    c: &kiln::Collection,
    model: &Model,
    queries: &[f32],
    min_recall: f64,
) {
    let exact = c
        .search_batch(queries, &SearchOptions::new(10).exact(true))
        .expect("exact");
    let default = c
        .search_batch(queries, &SearchOptions::new(10))
        .expect("search");
    let mut total = 0.0;
    for (i, q) in queries.chunks_exact(DIM).enumerate() {
        let want = model.search(q, 10);
        kiln_tests::assert_same_hits(&format!("{context}: query {i}"), &exact[i], &want);
        assert_eq!(default[i].len(), 10, "{context}: query {i}");
        let got: Vec<u64> = default[i].iter().map(|h| h.id).collect();
        let truth: Vec<u64> = want.iter().map(|h| h.id).collect();
        total += recall_at(10, &got, &truth);
    }
    let recall = total / (queries.len() / DIM) as f64;
    assert!(
        recall >= min_recall,
        "{context}: default recall@10 {recall:.4}"
    );
}

fn insert(c: &kiln::Collection, model: &mut Model, first: u64, rows: &[f32]) {
    let ids: Vec<u64> = (first..first + (rows.len() / DIM) as u64).collect();
    c.insert_batch(&ids, rows).expect("insert");
    for (id, v) in ids.iter().zip(rows.chunks_exact(DIM)) {
        model.upsert(*id, v);
    }
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
}

#[test]
fn compaction_gives_a_graph_and_later_compactions_grow_it() {
    let (mut rng, _) = seeded_rng("settled_graphs_grow", 31);
    // One draw, so that every batch comes from the same clusters.
    let all = clustered_vectors(&mut rng, 24_000 + 200, DIM, 40, 0.12);
    let (rows, queries) = all.split_at(24_000 * DIM);
    let dir = TempDir::new("settled-graphs");
    let mut model = Model::new(Metric::L2, DIM);
    {
        let db = open(dir.path());
        let c = create(&db);
        insert(&c, &mut model, 0, &rows[..16_000 * DIM]);
        c.compact().expect("compact");
        assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
        assert_eq!(c.stats().graphs_grown, 0, "the first graph is built");
        check_against_model("compacted", &c, &model, queries, 0.95);

        // A quarter more rows of the same data: the compaction keeps the graph and inserts them.
        insert(&c, &mut model, 16_000, &rows[16_000 * DIM..20_000 * DIM]);
        check_against_model("before the graph merge", &c, &model, queries, 0.95);
        c.compact().expect("compact");
        assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
        assert_eq!(c.stats().graphs_grown, 1, "{:?}", c.stats());
        check_against_model("graph grown", &c, &model, queries, 0.95);

        // Rows deleted from the graph's segment: the next compaction builds the graph anew
        // from the live rows (its labels are row numbers, and the rows move).
        let gone: Vec<u64> = (0..300u64).map(|i| i * 7).collect();
        c.delete_batch(&gone).expect("delete");
        for id in &gone {
            model.delete(*id);
        }
        insert(&c, &mut model, 20_000, &rows[20_000 * DIM..24_000 * DIM]);
        c.compact().expect("compact");
        assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
        assert_eq!(c.stats().graphs_grown, 1, "not grown over deleted rows");
        check_against_model("rebuilt without deleted rows", &c, &model, queries, 0.95);
    }
    // The graph and its curve come back with the directory.
    let db = open(dir.path());
    let c = db.collection("c").expect("collection");
    assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
    check_against_model("reopened", &c, &model, queries, 0.95);
}

#[test]
fn rows_outside_the_codes_range_get_a_new_graph() {
    let (mut rng, _) = seeded_rng("settled_graphs_drift", 32);
    let first = clustered_vectors(&mut rng, 12_000, DIM, 30, 0.12);
    // Another distribution, far outside the first one's range in every component.
    let mut later = clustered_vectors(&mut rng, 6_000 + 200, DIM, 30, 0.12);
    for x in &mut later {
        *x += 5.0;
    }
    let (later_rows, queries) = later.split_at(6_000 * DIM);
    let dir = TempDir::new("settled-drift");
    let db = open(dir.path());
    let c = create(&db);
    let mut model = Model::new(Metric::L2, DIM);
    insert(&c, &mut model, 0, &first);
    c.compact().expect("compact");
    assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
    insert(&c, &mut model, 12_000, later_rows);
    c.compact().expect("compact");
    assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
    assert_eq!(
        c.stats().graphs_grown,
        0,
        "built anew, codes trained on all rows"
    );
    check_against_model("queries among the new rows", &c, &model, queries, 0.95);
}

#[test]
fn an_explicit_index_spec_is_kept_by_compaction() {
    let (mut rng, _) = seeded_rng("settled_graphs_explicit", 33);
    let rows = clustered_vectors(&mut rng, 12_000, DIM, 30, 0.12);
    let dir = TempDir::new("settled-explicit");
    let db = open(dir.path());
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(4_000)
                .index(kiln::IndexSpec::IvfFlat { nlist: 64 }),
        )
        .expect("create");
    let mut model = Model::new(Metric::L2, DIM);
    insert(&c, &mut model, 0, &rows);
    c.compact().expect("compact");
    assert_eq!(kinds(&c), vec![Some("ivf-flat".to_string())]);
}

/// A compaction that adds only a few rows still keeps the graph (no rebuild for 50 rows), and
/// the graph keeps its measured curve (50 queries would be too few to measure a new one): the
/// default search still meets the target, also after a reopen.
#[test]
fn a_few_rows_grow_the_graph_and_it_keeps_its_curve() {
    let (mut rng, _) = seeded_rng("settled_graphs_few", 34);
    let all = clustered_vectors(&mut rng, 12_050 + 200, DIM, 30, 0.12);
    let (rows, queries) = all.split_at(12_050 * DIM);
    let dir = TempDir::new("settled-few");
    let mut model = Model::new(Metric::L2, DIM);
    {
        let db = open(dir.path());
        let c = create(&db);
        insert(&c, &mut model, 0, &rows[..12_000 * DIM]);
        c.compact().expect("compact");
        insert(&c, &mut model, 12_000, &rows[12_000 * DIM..]);
        c.compact().expect("compact");
        assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
        assert_eq!(c.stats().graphs_grown, 1, "{:?}", c.stats());
        check_against_model("50 rows inserted", &c, &model, queries, 0.95);
    }
    let db = open(dir.path());
    let c = db.collection("c").expect("collection");
    assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
    check_against_model("reopened", &c, &model, queries, 0.95);
}

/// A settled segment whose graph file is lost gets a graph again, not the IVF rule's index:
/// the catalog's record of the graph says the segment was settled.
#[test]
fn a_lost_graph_is_rebuilt_as_a_graph() {
    let (mut rng, _) = seeded_rng("settled_graphs_lost", 35);
    let all = clustered_vectors(&mut rng, 12_000 + 200, DIM, 30, 0.12);
    let (rows, queries) = all.split_at(12_000 * DIM);
    let dir = TempDir::new("settled-lost");
    let mut model = Model::new(Metric::L2, DIM);
    {
        let db = open(dir.path());
        let c = create(&db);
        insert(&c, &mut model, 0, rows);
        c.compact().expect("compact");
        assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
    }
    // Every index file of the collection removed behind Kiln's back.
    let mut removed = 0;
    for (entry, _) in files_under(dir.path()) {
        if entry.extension().is_some_and(|e| e == "idx") {
            std::fs::remove_file(&entry).expect("remove");
            removed += 1;
        }
    }
    assert_eq!(removed, 1, "one graph file");
    let db = open(dir.path());
    let c = db.collection("c").expect("collection");
    c.wait_for_indexing().expect("wait");
    assert_eq!(kinds(&c), vec![Some("hnsw-sq8".to_string())]);
    check_against_model("graph rebuilt", &c, &model, queries, 0.95);
}

/// Past the index memory budget a settled segment keeps the IVF rule (here 8-bit codes): the
/// graph's links alone would not fit.
#[test]
fn past_the_memory_budget_a_settled_segment_keeps_ivf() {
    let (mut rng, _) = seeded_rng("settled_graphs_budget", 36);
    let rows = clustered_vectors(&mut rng, 12_000, DIM, 30, 0.12);
    let dir = TempDir::new("settled-budget");
    // 12,000 rows: the graph would take ~3.5 MB (links 256 B a row), full vectors 1.25 MB,
    // 8-bit codes 0.4 MB.
    let db = Database::open_with(
        dir.path(),
        DbOptions::new()
            .durability(Durability::Buffered)
            .index_memory_budget(1_000_000),
    )
    .expect("open");
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2).segment_rows(4_000),
        )
        .expect("create");
    let mut model = Model::new(Metric::L2, DIM);
    insert(&c, &mut model, 0, &rows);
    c.compact().expect("compact");
    assert_eq!(kinds(&c), vec![Some("ivf-sq8".to_string())]);
}
