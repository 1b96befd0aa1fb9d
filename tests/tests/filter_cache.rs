//! Sealed segments remember the rows their last few filters matched. The same filters asked
//! again and again — between deletes, upserts, payload updates, `delete_where`, more filters
//! than the cache holds, and a reopen — answer exactly as the brute-force model does: `count`
//! and exact filtered search equal the model's at every step.

use std::collections::BTreeMap;

use kiln::{CollectionConfig, Database, FieldType, Filter, Metric, Payload, SearchOptions};
use kiln_tests::{assert_same_hits, random_vectors, seeded_rng, Model, TempDir};
use rand::Rng;

const DIM: usize = 8;
const GROUPS: i64 = 12;

struct World {
    vectors: Model,
    group: BTreeMap<u64, i64>,
}

fn check(c: &kiln::Collection, w: &World, q: &[f32], step: &str) {
    // More distinct filters than a segment remembers, each asked twice in a row.
    for g in 0..GROUPS {
        for _ in 0..2 {
            let f = Filter::eq("group", g);
            let want: Vec<u64> = w
                .group
                .iter()
                .filter(|(_, &v)| v == g)
                .map(|(&id, _)| id)
                .collect();
            assert_eq!(c.count(&f).expect("count"), want.len(), "{step}: group {g}");
            let got = c
                .search(q, &SearchOptions::new(10).filter(f.clone()).exact(true))
                .expect("search");
            let expected = w
                .vectors
                .search_where(q, 10, |id| w.group.get(&id) == Some(&g));
            assert_same_hits(&format!("{step}: group {g}"), &got, &expected);
        }
    }
}

#[test]
fn repeated_filters_answer_like_the_model_through_every_change() {
    let (mut rng, _) = seeded_rng("filter_cache", 51);
    let dir = TempDir::new("filter-cache");
    let n = 6_000u64;
    let mut w = World {
        vectors: Model::new(Metric::L2, DIM),
        group: BTreeMap::new(),
    };
    let q = random_vectors(&mut rng, 1, DIM);
    {
        let db = Database::open(dir.path()).expect("open");
        let c = db
            .create_collection(
                "c",
                CollectionConfig::new(DIM, Metric::L2)
                    .segment_rows(1_500)
                    .field("group", FieldType::Int),
            )
            .expect("create");
        let ids: Vec<u64> = (0..n).collect();
        let flat = random_vectors(&mut rng, n as usize, DIM);
        let payloads: Vec<Payload> = ids
            .iter()
            .map(|&id| Payload::new().set("group", (id % GROUPS as u64) as i64))
            .collect();
        c.insert_batch_with(&ids, &flat, &payloads).expect("insert");
        for (&id, v) in ids.iter().zip(flat.chunks_exact(DIM)) {
            w.vectors.upsert(id, v);
            w.group.insert(id, (id % GROUPS as u64) as i64);
        }
        c.flush().expect("flush");
        c.wait_for_indexing().expect("wait");
        check(&c, &w, &q, "sealed");

        // Deletes in sealed segments.
        let gone: Vec<u64> = (0..400).map(|_| rng.gen_range(0..n)).collect();
        c.delete_batch(&gone).expect("delete");
        for id in &gone {
            w.vectors.delete(*id);
            w.group.remove(id);
        }
        check(&c, &w, &q, "after deletes");

        // Upserts that move rows to other groups (the old rows die in their segments).
        for _ in 0..300 {
            let id = rng.gen_range(0..n);
            let g = rng.gen_range(0..GROUPS);
            let v = random_vectors(&mut rng, 1, DIM);
            c.upsert_with(id, &v, &Payload::new().set("group", g))
                .expect("upsert");
            w.vectors.upsert(id, &v);
            w.group.insert(id, g);
        }
        check(&c, &w, &q, "after upserts");

        // Payload updates and a delete_where.
        for id in (0..n).step_by(37) {
            if w.group.contains_key(&id) {
                assert!(c
                    .update_payload(id, &Payload::new().set("group", 3i64))
                    .expect("update"));
                w.group.insert(id, 3);
            }
        }
        let removed = c
            .delete_where(&Filter::eq("group", 5i64))
            .expect("delete_where");
        let fives: Vec<u64> = w
            .group
            .iter()
            .filter(|(_, &g)| g == 5)
            .map(|(&id, _)| id)
            .collect();
        assert_eq!(removed, fives.len());
        for id in fives {
            w.vectors.delete(id);
            w.group.remove(&id);
        }
        check(&c, &w, &q, "after updates and delete_where");
        c.compact().expect("compact");
        check(&c, &w, &q, "after compaction");
    }
    let db = Database::open(dir.path()).expect("reopen");
    let c = db.collection("c").expect("collection");
    check(&c, &w, &q, "reopened");
}
