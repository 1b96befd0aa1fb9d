//! Guards the shared coarse assignment: the IVF segments of one collection are clones of one
//! trained template, so a query is assigned to the template's lists once and every segment
//! searches from that assignment (`IndexIVF::search_preassigned` through Kiln's C++ shim)
//! instead of searching the quantizer again. The answers must be exactly those of each segment
//! assigning the query itself: default and explicit nprobe, with deletes, under a filter, in a
//! batch, after reopen (mapped indexes).

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, FieldType, Filter, MergePolicy, Metric,
    Payload, SearchOptions, SegmentState,
};
use kiln_tests::{clustered_rows_and_queries, seeded_rng, TempDir};

const DIM: usize = 32;

fn same(c: &kiln::Collection, q: &[f32], options: &SearchOptions, what: &str) {
    let shared = c.search(q, options).expect("search");
    let own = c
        .search(q, &options.clone().share_coarse(false))
        .expect("search");
    assert_eq!(shared, own, "{what}");
    assert_eq!(
        shared.len(),
        options.k().min(c.len()),
        "{what}: never short"
    );
}

#[test]
fn ivf_segments_of_one_template_answer_alike_from_one_coarse_assignment() {
    let (mut rng, _) = seeded_rng("shared_coarse", 9);
    let rows = 36_000;
    let (data, queries) = clustered_rows_and_queries(&mut rng, rows, 40, DIM, 150, 0.08);
    let dir = TempDir::new("shared-coarse");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    // No merges: the segments stay apart, each with its clone of the template.
    let policy = MergePolicy {
        merge_factor: 100,
        floor_rows: 11_000,
        max_segment_rows: 1_000_000,
        deletes_ratio: 0.9,
    };
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2)
                .field("bucket", FieldType::Int)
                .segment_rows(11_000)
                .merge_policy(policy),
        )
        .expect("create");
    let ids: Vec<u64> = (0..rows as u64).collect();
    let payloads: Vec<Payload> = ids
        .iter()
        .map(|&id| Payload::new().set("bucket", (id % 10) as i64))
        .collect();
    for ((ci, cv), cp) in ids
        .chunks(2_000)
        .zip(data.chunks(2_000 * DIM))
        .zip(payloads.chunks(2_000))
    {
        c.insert_batch_with(ci, cv, cp).expect("insert");
    }
    for id in (0..rows as u64).step_by(7) {
        c.delete(id).expect("delete");
    }
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    let ivf: Vec<_> = c
        .stats()
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Sealed)
        .filter(|s| s.index.as_deref().is_some_and(|k| k.starts_with("ivf")))
        .cloned()
        .collect();
    assert!(ivf.len() >= 3, "IVF segments sharing a template: {ivf:?}");

    let check = |c: &kiln::Collection, when: &str| {
        for (i, q) in queries.chunks(DIM).enumerate() {
            same(
                c,
                q,
                &SearchOptions::new(10),
                &format!("{when} default {i}"),
            );
            same(
                c,
                q,
                &SearchOptions::new(25).nprobe(3),
                &format!("{when} nprobe 3 {i}"),
            );
            same(
                c,
                q,
                &SearchOptions::new(10).nprobe(10_000),
                &format!("{when} every list {i}"),
            );
            let f = Filter::lt("bucket", 5);
            same(
                c,
                q,
                &SearchOptions::new(10).filter(f),
                &format!("{when} filtered {i}"),
            );
        }
        let batch = SearchOptions::new(10);
        assert_eq!(
            c.search_batch(&queries, &batch).expect("batch"),
            c.search_batch(&queries, &batch.clone().share_coarse(false))
                .expect("batch"),
            "{when} batch"
        );
    };
    check(&c, "built");
    drop((c, db));
    let db = Database::open(dir.path()).expect("reopen");
    let c = db.collection("c").expect("collection");
    check(&c, "reopened");
}
