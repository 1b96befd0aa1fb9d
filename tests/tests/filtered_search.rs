//! Guards attributes and filtered search against a brute-force model: payloads written with
//! rows come back from `get_payload`; `count` and exact filtered search equal the model's at
//! every step; the default (indexed) filtered search returns exactly `min(k, matching rows)`
//! hits with high recall; all of it through seals, index builds, merges, deletes, upserts,
//! `update_payload`, `delete_where`, `add_field` and a reopen. The model evaluates each filter
//! with a hand-written Rust predicate, independent of Kiln's filter code.

use std::collections::BTreeMap;

use kiln::{
    CollectionConfig, Database, Error, FieldType, Filter, IndexSpec, Metric, Payload,
    SearchOptions, SegmentPlan, Value,
};
use kiln_tests::{assert_same_hits, random_vectors, recall_at, seeded_rng, Model, TempDir};
use rand::Rng;

const DIM: usize = 16;
const FOLDERS: [&str; 4] = ["work", "home", "mail", "misc"];

/// The model: vectors and payloads.
struct World {
    vectors: Model,
    payloads: BTreeMap<u64, Payload>,
}

impl World {
    fn put(&mut self, id: u64, v: &[f32], p: &Payload) {
        self.vectors.upsert(id, v);
        self.payloads.insert(id, p.clone());
    }

    fn delete(&mut self, id: u64) {
        self.vectors.delete(id);
        self.payloads.remove(&id);
    }

    fn matching(&self, pred: &dyn Fn(&Payload) -> bool) -> Vec<u64> {
        self.payloads
            .iter()
            .filter(|(_, p)| pred(p))
            .map(|(&id, _)| id)
            .collect()
    }
}

fn random_payload(rng: &mut impl Rng) -> Payload {
    let mut p = Payload::new();
    if rng.gen_bool(0.9) {
        p = p.set("folder", FOLDERS[rng.gen_range(0..FOLDERS.len())]);
    }
    if rng.gen_bool(0.95) {
        p = p.set("year", rng.gen_range(2000i64..2030));
    }
    if rng.gen_bool(0.8) {
        p = p.set("rating", rng.gen_range(0.0f64..5.0));
    }
    if rng.gen_bool(0.7) {
        p = p.set("done", rng.gen_bool(0.3));
    }
    let tags: Vec<&str> = ["rust", "db", "ml", "web"]
        .into_iter()
        .filter(|_| rng.gen_bool(0.3))
        .collect();
    if !tags.is_empty() {
        p = p.set("tags", tags);
    }
    p
}

fn int(p: &Payload, f: &str) -> Option<i64> {
    p.get(f).and_then(Value::as_int)
}

/// The filters checked at every step, with their model predicates (from 60 % down to well
/// under 1 % of the rows).
#[allow(clippy::type_complexity)]
fn filters() -> Vec<(Filter, Box<dyn Fn(&Payload) -> bool>)> {
    vec![
        (
            Filter::eq("folder", "work")
                & Filter::range("year", 2020..=2024)
                & !Filter::eq("done", true),
            Box::new(|p| {
                p.get("folder").and_then(Value::as_str) == Some("work")
                    && int(p, "year").is_some_and(|y| (2020..=2024).contains(&y))
                    && p.get("done").and_then(Value::as_bool) != Some(true)
            }),
        ),
        (
            Filter::parse("year >= 2005 AND (folder = 'home' OR tags CONTAINS 'rust')")
                .expect("parse"),
            Box::new(|p| {
                int(p, "year").is_some_and(|y| y >= 2005)
                    && (p.get("folder").and_then(Value::as_str) == Some("home")
                        || p.get("tags")
                            .and_then(Value::as_list)
                            .is_some_and(|t| t.iter().any(|x| x == "rust")))
            }),
        ),
        (
            Filter::gt("rating", 4.9) & Filter::eq("year", 2011),
            Box::new(|p| {
                p.get("rating")
                    .and_then(Value::as_float)
                    .is_some_and(|r| r > 4.9)
                    && int(p, "year") == Some(2011)
            }),
        ),
        (
            Filter::is_null("folder") | Filter::one_of("year", [2001i64, 2002]),
            Box::new(|p| p.get("folder").is_none() || matches!(int(p, "year"), Some(2001 | 2002))),
        ),
        (
            Filter::lt("year", 2029),
            Box::new(|p| int(p, "year").is_some_and(|y| y < 2029)),
        ),
    ]
}

/// Compare every filter's count and searches with the model.
fn check(c: &kiln::Collection, world: &World, queries: &[f32], step: &str) {
    for (i, (filter, pred)) in filters().iter().enumerate() {
        let matching = world.matching(pred.as_ref());
        let context = format!("{step}, filter {i} ({filter})");
        assert_eq!(
            c.count(filter).expect("count"),
            matching.len(),
            "{context}: count"
        );
        let mut recall = 0.0;
        let mut n = 0;
        for q in queries.chunks_exact(DIM) {
            let want = world
                .vectors
                .search_where(q, 10, |id| matching.binary_search(&id).is_ok());
            let exact = c
                .search(
                    q,
                    &SearchOptions::new(10).exact(true).filter(filter.clone()),
                )
                .expect("exact search");
            assert_same_hits(&context, &exact, &want);
            let got = c
                .search(q, &SearchOptions::new(10).filter(filter.clone()))
                .expect("search");
            assert_eq!(got.len(), want.len(), "{context}: min(k, matches) hits");
            assert!(
                got.iter().all(|h| matching.binary_search(&h.id).is_ok()),
                "{context}: a hit that does not match"
            );
            if !want.is_empty() {
                let ids = |h: &[kiln::Hit]| h.iter().map(|h| h.id).collect::<Vec<_>>();
                recall += recall_at(10, &ids(&got), &ids(&want));
                n += 1;
            }
        }
        let recall = if n == 0 { 1.0 } else { recall / n as f64 };
        assert!(recall >= 0.9, "{context}: recall@10 {recall}");
    }
    for (&id, p) in world.payloads.iter().step_by(37) {
        assert_eq!(
            c.get_payload(id).expect("get_payload").as_ref(),
            Some(p),
            "{step}: id {id}"
        );
    }
}

#[test]
fn filtered_search_matches_the_model_through_the_whole_lifecycle() {
    let (mut rng, _seed) = seeded_rng("filtered_search", 13);
    let dir = TempDir::new("filtered");
    let config = CollectionConfig::new(DIM, Metric::L2)
        .segment_rows(1_000)
        .index(IndexSpec::IvfFlat { nlist: 8 })
        .field("folder", FieldType::Keyword)
        .field("year", FieldType::Int)
        .field("rating", FieldType::Float)
        .field("done", FieldType::Bool)
        .field("tags", FieldType::KeywordList);
    let mut world = World {
        vectors: Model::new(Metric::L2, DIM),
        payloads: BTreeMap::new(),
    };
    let queries = random_vectors(&mut rng, 12, DIM);
    {
        let db = Database::open(dir.path()).expect("open");
        let c = db.create_collection("notes", config).expect("create");
        // Batches with payloads, single rows, and rows without any.
        for batch in 0..6u64 {
            let ids: Vec<u64> = (batch * 500..(batch + 1) * 500).collect();
            let vectors = random_vectors(&mut rng, ids.len(), DIM);
            let payloads: Vec<Payload> = ids.iter().map(|_| random_payload(&mut rng)).collect();
            c.insert_batch_with(&ids, &vectors, &payloads)
                .expect("insert batch");
            for (i, id) in ids.iter().enumerate() {
                world.put(*id, &vectors[i * DIM..(i + 1) * DIM], &payloads[i]);
            }
        }
        for id in 3_000..3_050u64 {
            let v = random_vectors(&mut rng, 1, DIM);
            if id % 2 == 0 {
                c.insert(id, &v).expect("insert");
                world.put(id, &v, &Payload::new());
            } else {
                let p = random_payload(&mut rng);
                c.insert_with(id, &v, &p).expect("insert_with");
                world.put(id, &v, &p);
            }
        }
        check(&c, &world, &queries, "after inserts (growing and sealing)");
        c.wait_for_indexing().expect("indexing");
        check(&c, &world, &queries, "indexed");
        // The planner: a broad filter goes through the indexes (at a small nprobe: at the
        // default, these 1,000-row segments of 8 lists are probed whole, which costs what a scan
        // does), a very selective one is answered by scanning its few matching rows.
        let q = &queries[..DIM];
        let broad = c
            .explain(
                q,
                &SearchOptions::new(10)
                    .nprobe(2)
                    .filter(Filter::lt("year", 2029)),
            )
            .expect("explain");
        assert!(
            broad
                .segments
                .iter()
                .any(|s| matches!(s.plan, SegmentPlan::Index { .. })),
            "{broad:?}"
        );
        let narrow = c
            .explain(
                q,
                &SearchOptions::new(10)
                    .filter(Filter::eq("year", 2011) & Filter::gt("rating", 4.5)),
            )
            .expect("explain");
        assert!(
            narrow
                .segments
                .iter()
                .all(|s| matches!(s.plan, SegmentPlan::ExactScan | SegmentPlan::Skipped)),
            "{narrow:?}"
        );
        assert!(narrow
            .segments
            .iter()
            .all(|s| s.candidates == s.matching_rows));

        // Upserts with new payloads, payload updates, deletes, delete_where.
        for id in (0..3_000u64).step_by(7) {
            let v = random_vectors(&mut rng, 1, DIM);
            let p = random_payload(&mut rng);
            c.upsert_with(id, &v, &p).expect("upsert_with");
            world.put(id, &v, &p);
        }
        for id in (1..3_000u64).step_by(11) {
            let p = random_payload(&mut rng);
            assert!(c.update_payload(id, &p).expect("update_payload"));
            let v = world.vectors.rows[&id].clone();
            world.put(id, &v, &p);
        }
        assert!(!c
            .update_payload(999_999, &Payload::new())
            .expect("unknown id"));
        let dead: Vec<u64> = (2..3_000u64).step_by(13).collect();
        c.delete_batch(&dead).expect("delete");
        for id in &dead {
            world.delete(*id);
        }
        let gone = Filter::eq("folder", "misc") & Filter::lt("year", 2004);
        let want_gone = world.matching(&|p| {
            p.get("folder").and_then(Value::as_str) == Some("misc")
                && int(p, "year").is_some_and(|y| y < 2004)
        });
        assert_eq!(
            c.delete_where(&gone).expect("delete_where"),
            want_gone.len()
        );
        for id in &want_gone {
            world.delete(*id);
        }
        assert_eq!(c.count(&gone).expect("count"), 0);
        check(&c, &world, &queries, "after upserts, updates and deletes");
        c.compact().expect("compact");
        check(&c, &world, &queries, "compacted (merged)");

        // A field added later: null on every existing row.
        c.add_field("priority", FieldType::Int).expect("add_field");
        let p = Payload::new().set("priority", 3).set("folder", "work");
        let v = random_vectors(&mut rng, 1, DIM);
        c.insert_with(50_000, &v, &p)
            .expect("insert with the new field");
        world.put(50_000, &v, &p);
        assert_eq!(c.count(&Filter::eq("priority", 3)).expect("count"), 1);
        assert_eq!(
            c.count(&Filter::is_null("priority")).expect("count"),
            world.payloads.len() - 1
        );
        // Bad input changes nothing.
        let bad = c.insert_with(60_000, &v, &Payload::new().set("nope", 1));
        assert!(matches!(bad, Err(Error::UnknownField { .. })), "{bad:?}");
        let bad = c.insert_with(60_000, &v, &Payload::new().set("year", "x"));
        assert!(
            matches!(bad, Err(Error::FieldTypeMismatch { .. })),
            "{bad:?}"
        );
        let bad = c.insert_with(60_000, &v, &Payload::new().set("rating", f64::NAN));
        assert!(matches!(bad, Err(Error::InvalidArgument { .. })), "{bad:?}");
        let bad = c.search(
            &v,
            &SearchOptions::new(3).filter(Filter::range("folder", 1..3)),
        );
        assert!(
            matches!(bad, Err(Error::FieldTypeMismatch { .. })),
            "{bad:?}"
        );
        let bad: kiln::Result<Filter> = Filter::parse("year >= ").map_err(Error::from);
        assert!(matches!(bad, Err(Error::InvalidFilter { .. })), "{bad:?}");
        assert!(c.get(60_000).expect("get").is_none());
        check(&c, &world, &queries, "after add_field");
    }
    let db = Database::open(dir.path()).expect("reopen");
    let c = db.collection("notes").expect("collection");
    assert_eq!(c.fields().len(), 6);
    check(&c, &world, &queries, "after reopen");
    c.compact().expect("compact");
    check(&c, &world, &queries, "after reopen and compact");
}
