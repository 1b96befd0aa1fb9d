//! A filter matching a few percent of a settled graph segment's rows — too few for the row
//! lists, more than a few hundred — is answered by scanning the matches by the graph's 8-bit
//! codes and re-ranking the best with the exact vectors: exactly min(k, matches) matching hits,
//! recall@10 ≥ 0.95 against the brute-force model, exact mode identical to the model; also
//! after deletes and a reopen.

use std::path::Path;

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, FieldType, Filter, Metric, Payload,
    SearchOptions, SegmentPlan,
};
use kiln_tests::{assert_filtered_search as check, clustered_vectors, seeded_rng, Model, TempDir};

const DIM: usize = 24;
const ROWS: usize = 12_000;

fn open(dir: &Path) -> Database {
    Database::open_with(dir, DbOptions::new().durability(Durability::Buffered)).expect("open")
}

/// `bucket = id % 30`: `bucket == b` matches 400 rows (3.3 %), spread over the data.
fn bucket(id: u64) -> i64 {
    (id % 30) as i64
}

#[test]
fn a_few_percent_matching_is_scanned_by_codes_and_re_ranked() {
    let (mut rng, _) = seeded_rng("code_scan", 43);
    let all = clustered_vectors(&mut rng, ROWS + 100, DIM, 40, 0.15);
    let (rows, queries) = all.split_at(ROWS * DIM);
    let dir = TempDir::new("code-scan");
    let mut model = Model::new(Metric::Cosine, DIM);
    let filter = Filter::eq("bucket", 4);
    let keep = |id: u64| bucket(id) == 4;
    {
        let db = open(dir.path());
        let c = db
            .create_collection(
                "c",
                CollectionConfig::new(DIM, Metric::Cosine)
                    .segment_rows(4_000)
                    .field("bucket", FieldType::Int),
            )
            .expect("create");
        let ids: Vec<u64> = (0..ROWS as u64).collect();
        let payloads: Vec<Payload> = ids
            .iter()
            .map(|&id| Payload::new().set("bucket", bucket(id)))
            .collect();
        c.insert_batch_with(&ids, rows, &payloads).expect("insert");
        for (id, v) in ids.iter().zip(rows.chunks_exact(DIM)) {
            model.upsert(*id, v);
        }
        c.compact().expect("compact");
        let plans: Vec<SegmentPlan> = c
            .explain(
                &queries[..DIM],
                &SearchOptions::new(10).filter(filter.clone()),
            )
            .expect("explain")
            .segments
            .into_iter()
            .filter(|s| s.live_rows > 0)
            .map(|s| s.plan)
            .collect();
        assert!(matches!(plans[..], [SegmentPlan::ExactScan]), "{plans:?}");
        check("compacted", &c, &model, queries, &filter, keep);
        let gone: Vec<u64> = (0..ROWS as u64).filter(|id| id % 90 == 4).collect();
        c.delete_batch(&gone).expect("delete");
        for id in &gone {
            model.delete(*id);
        }
        check("after deletes", &c, &model, queries, &filter, keep);
    }
    let db = open(dir.path());
    let c = db.collection("c").expect("collection");
    check("reopened", &c, &model, queries, &filter, keep);
}
