//! Row lists serve the middle selectivities of a settled graph: a compacted segment's graph
//! comes with its rows partitioned by nearest centroid (`<id>.lst`), and a filter matching a
//! tenth of the rows is answered from the matching rows of the lists nearest the query —
//! checked against the brute-force model (exact mode identical, the default search exactly
//! min(k, matches) matching hits at the recall target), through a reopen, and with the lists
//! file lost or damaged (the index is rebuilt with them; answers stay right meanwhile).

use std::path::Path;

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, FieldType, Filter, Metric, Payload,
    SearchOptions, SegmentPlan,
};
use kiln_tests::{clustered_vectors, files_under, seeded_rng, Model, TempDir};

const DIM: usize = 24;
const ROWS: usize = 12_000;

fn open(dir: &Path) -> Database {
    Database::open_with(dir, DbOptions::new().durability(Durability::Buffered)).expect("open")
}

/// `bucket = id % 10`: `bucket == b` matches a tenth of the rows, spread over the data.
fn bucket(id: u64) -> i64 {
    (id % 10) as i64
}

fn fill(db: &Database, model: &mut Model, rows: &[f32]) -> kiln::Collection {
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::Cosine)
                .segment_rows(4_000)
                .field("bucket", FieldType::Int)
                .field("id_block", FieldType::Int),
        )
        .expect("create");
    let ids: Vec<u64> = (0..(rows.len() / DIM) as u64).collect();
    let payloads: Vec<Payload> = ids
        .iter()
        .map(|&id| {
            Payload::new()
                .set("bucket", bucket(id))
                .set("id_block", (id / 100) as i64)
        })
        .collect();
    c.insert_batch_with(&ids, rows, &payloads).expect("insert");
    for (id, v) in ids.iter().zip(rows.chunks_exact(DIM)) {
        model.upsert(*id, v);
    }
    c.compact().expect("compact");
    c
}

/// The plans of the segments that hold rows, for `query` under `filter`.
fn plans(c: &kiln::Collection, query: &[f32], filter: &Filter) -> Vec<SegmentPlan> {
    c.explain(query, &SearchOptions::new(10).filter(filter.clone()))
        .expect("explain")
        .segments
        .into_iter()
        .filter(|s| s.live_rows > 0)
        .map(|s| s.plan)
        .collect()
}

/// [`kiln_tests::assert_filtered_search`] under `bucket == b`.
fn check(context: &str, c: &kiln::Collection, model: &Model, queries: &[f32], b: i64) {
    let filter = Filter::eq("bucket", b);
    kiln_tests::assert_filtered_search(context, c, model, queries, &filter, |id| bucket(id) == b);
}

fn lists_files(dir: &Path) -> Vec<std::path::PathBuf> {
    files_under(dir)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.extension().is_some_and(|e| e == "lst"))
        .collect()
}

#[test]
fn a_tenth_of_the_rows_matching_is_answered_from_the_row_lists() {
    let (mut rng, _) = seeded_rng("row_lists", 41);
    let all = clustered_vectors(&mut rng, ROWS + 100, DIM, 40, 0.15);
    let (rows, queries) = all.split_at(ROWS * DIM);
    let dir = TempDir::new("row-lists");
    let mut model = Model::new(Metric::Cosine, DIM);
    {
        let db = open(dir.path());
        let c = fill(&db, &mut model, rows);
        assert_eq!(lists_files(dir.path()).len(), 1, "the graph's row lists");
        let tenth = Filter::eq("bucket", 3);
        assert!(
            matches!(
                plans(&c, &queries[..DIM], &tenth)[..],
                [SegmentPlan::Lists { .. }]
            ),
            "{:?}",
            plans(&c, &queries[..DIM], &tenth)
        );
        // A hundredth: scanning the matches costs less than the probe.
        let few = Filter::eq("bucket", 3) & Filter::lt("id_block", 10);
        assert!(
            matches!(
                plans(&c, &queries[..DIM], &few)[..],
                [SegmentPlan::ExactScan]
            ),
            "{:?}",
            plans(&c, &queries[..DIM], &few)
        );
        check("compacted", &c, &model, queries, 3);
        // Deleted rows are not answered.
        let gone: Vec<u64> = (0..ROWS as u64).filter(|id| id % 70 == 3).collect();
        c.delete_batch(&gone).expect("delete");
        for id in &gone {
            model.delete(*id);
        }
        check("after deletes", &c, &model, queries, 3);
    }
    let db = open(dir.path());
    let c = db.collection("c").expect("collection");
    assert!(matches!(
        plans(&c, &queries[..DIM], &Filter::eq("bucket", 7))[..],
        [SegmentPlan::Lists { .. }]
    ));
    check("reopened", &c, &model, queries, 7);
    assert!(db.verify().expect("verify").problems.is_empty());
}

#[test]
fn a_lost_or_damaged_lists_file_is_rebuilt_with_its_index() {
    let (mut rng, _) = seeded_rng("row_lists_lost", 42);
    let all = clustered_vectors(&mut rng, ROWS + 100, DIM, 40, 0.15);
    let (rows, queries) = all.split_at(ROWS * DIM);
    let dir = TempDir::new("row-lists-lost");
    let mut model = Model::new(Metric::Cosine, DIM);
    {
        let db = open(dir.path());
        fill(&db, &mut model, rows);
    }
    for damage in ["remove", "flip a byte"] {
        let files = lists_files(dir.path());
        assert_eq!(files.len(), 1, "{damage}: {files:?}");
        if damage == "remove" {
            std::fs::remove_file(&files[0]).expect("remove");
        } else {
            let mut bytes = std::fs::read(&files[0]).expect("read");
            let at = bytes.len() / 2;
            bytes[at] ^= 0x40;
            std::fs::write(&files[0], bytes).expect("write");
        }
        let db = open(dir.path());
        let c = db.collection("c").expect("collection");
        // Right answers whether the index is back yet or not.
        check(damage, &c, &model, queries, 5);
        c.wait_for_indexing().expect("wait");
        assert!(
            matches!(
                plans(&c, &queries[..DIM], &Filter::eq("bucket", 5))[..],
                [SegmentPlan::Lists { .. }]
            ),
            "{damage}: rebuilt with its lists"
        );
        check(&format!("{damage}, rebuilt"), &c, &model, queries, 5);
        assert!(db.verify().expect("verify").problems.is_empty(), "{damage}");
    }
}
