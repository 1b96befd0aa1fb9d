//! Guards exact search and the write semantics against a brute-force model (docs/reliability.md T11,
//! in part): random sequences of insert, upsert, delete, their batches, flush, reopen, get and
//! search, checked after every step. Search results must equal the model's exactly (ids, order
//! and distances bit for bit); a write the model says must fail must fail with the right error
//! and change nothing. Small segments make seals, spills across segments and mixed
//! growing/sealed layouts happen all the time.
//!
//! `Crash` makes Kiln's file operations fail as if the process had died (leaving partial files
//! of in-flight seals and merges), then reopens on a healthy file system: nothing acknowledged
//! may be lost.
//!
//! `PROPTEST_CASES=n` runs more sequences.

use std::sync::Arc;

use kiln::{
    CollectionConfig, Database, DbOptions, Error, FieldType, Filter, Metric, Payload, SearchOptions,
};
use kiln_tests::faults::{Fault, FaultyFs, SharedFaultyFs};
use kiln_tests::{assert_same_hits, Model, TempDir};
use proptest::prelude::*;

const DIM: usize = 4;
const IDS: u64 = 40;

#[derive(Debug, Clone)]
enum Op {
    Insert(u64, Vec<f32>),
    Upsert(u64, Vec<f32>),
    InsertBatch(Vec<u64>, Vec<f32>),
    UpsertBatch(Vec<u64>, Vec<f32>),
    Delete(u64),
    DeleteBatch(Vec<u64>),
    Flush,
    Reopen,
    /// Kiln's file operations start failing as if the process had died, mid-seal or mid-merge;
    /// the database is dropped and reopened on a healthy file system.
    Crash,
    Search(Vec<f32>, usize),
    SearchBatch(Vec<f32>, usize),
}

fn vector() -> impl Strategy<Value = Vec<f32>> {
    // Small integers: exact arithmetic, many ties, and zero vectors now and then.
    prop::collection::vec((-2i32..=2).prop_map(|x| x as f32), DIM)
}

fn batch() -> impl Strategy<Value = (Vec<u64>, Vec<f32>)> {
    prop::collection::vec((0..IDS, vector()), 0..12).prop_map(|rows| {
        let ids = rows.iter().map(|r| r.0).collect();
        let flat = rows.into_iter().flat_map(|r| r.1).collect();
        (ids, flat)
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..IDS, vector()).prop_map(|(i, v)| Op::Insert(i, v)),
        4 => (0..IDS, vector()).prop_map(|(i, v)| Op::Upsert(i, v)),
        3 => batch().prop_map(|(i, v)| Op::InsertBatch(i, v)),
        3 => batch().prop_map(|(i, v)| Op::UpsertBatch(i, v)),
        3 => (0..IDS).prop_map(Op::Delete),
        2 => prop::collection::vec(0..IDS, 0..8).prop_map(Op::DeleteBatch),
        1 => Just(Op::Flush),
        1 => Just(Op::Reopen),
        1 => Just(Op::Crash),
        3 => (vector(), 1usize..50).prop_map(|(q, k)| Op::Search(q, k)),
        1 => (prop::collection::vec(vector(), 1..4), 1usize..8)
            .prop_map(|(qs, k)| Op::SearchBatch(qs.concat(), k)),
    ]
}

fn metric() -> impl Strategy<Value = Metric> {
    prop_oneof![
        Just(Metric::L2),
        Just(Metric::InnerProduct),
        Just(Metric::Cosine)
    ]
}

fn is_zero(v: &[f32]) -> bool {
    v.iter().all(|&x| x == 0.0)
}

/// What the model says a write of `rows` must fail with, if anything.
fn expected_write_error(
    model: &Model,
    ids: &[u64],
    flat: &[f32],
    insert: bool,
) -> Option<&'static str> {
    let mut seen = std::collections::HashSet::new();
    if ids.iter().any(|id| !seen.insert(*id)) {
        return Some("duplicate in batch");
    }
    if model.metric == Metric::Cosine && flat.chunks(DIM).any(is_zero) {
        return Some("invalid vector");
    }
    if insert && ids.iter().any(|id| model.rows.contains_key(id)) {
        return Some("duplicate id");
    }
    None
}

fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::DuplicateIdInBatch { .. } => "duplicate in batch",
        Error::InvalidVector { .. } => "invalid vector",
        Error::DuplicateId { .. } => "duplicate id",
        _ => "other",
    }
}

/// The attributes every write gives row `id` with vector `v`: its id (attributes moved to
/// another row show) and how many components are positive (attributes paired with another
/// version of the row show; normalising under cosine keeps it).
fn payload(id: u64, v: &[f32]) -> Payload {
    let positive = v.iter().filter(|&&x| x > 0.0).count() as i64;
    Payload::new().set("id", id as i64).set("pos", positive)
}

fn payloads(ids: &[u64], flat: &[f32]) -> Vec<Payload> {
    ids.iter()
        .zip(flat.chunks(DIM))
        .map(|(id, v)| payload(*id, v))
        .collect()
}

fn check_state(coll: &kiln::Collection, model: &Model, step: usize) {
    assert_eq!(coll.len(), model.len(), "step {step}: len");
    for id in 0..IDS {
        assert_eq!(
            coll.get(id).expect("get").as_ref(),
            model.rows.get(&id),
            "step {step}: get {id}"
        );
        assert_eq!(
            coll.get_payload(id).expect("get_payload"),
            model.rows.get(&id).map(|v| payload(id, v)),
            "step {step}: payload {id}"
        );
    }
    let two = model
        .rows
        .values()
        .filter(|v| v.iter().filter(|&&x| x > 0.0).count() == 2)
        .count();
    assert_eq!(
        coll.count(&Filter::eq("pos", 2)).expect("count"),
        two,
        "step {step}: count"
    );
    let q = [1.0, -1.0, 0.5, 2.0];
    let k = model.len().max(1);
    assert_same_hits(
        &format!("step {step}: full ranking"),
        &coll.search(&q, &SearchOptions::new(k)).expect("search"),
        &model.search(&q, k),
    );
}

/// Options with a fresh, healthy fault-injecting file system (kept in `fs` for `Op::Crash`).
fn opts(fs: &mut Arc<FaultyFs>) -> DbOptions {
    *fs = FaultyFs::new(0, Fault::Eio, false);
    DbOptions::new().file_system(Arc::new(SharedFaultyFs(Arc::clone(fs))))
}

fn run(metric: Metric, segment_rows: u32, ops: Vec<Op>) {
    let dir = TempDir::new("model");
    let config = CollectionConfig::new(DIM, metric)
        .segment_rows(segment_rows)
        .field("id", FieldType::Int)
        .field("pos", FieldType::Int);
    let mut fs = FaultyFs::new(0, Fault::Eio, false);
    let mut db = Database::open_with(dir.path(), opts(&mut fs)).expect("open");
    let mut coll = db.create_collection("m", config).expect("create");
    let mut model = Model::new(metric, DIM);
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Insert(id, v) | Op::Upsert(id, v) if metric == Metric::Cosine && is_zero(&v) => {
                let r = coll.upsert_with(id, &v, &payload(id, &v));
                assert!(
                    matches!(r, Err(Error::InvalidVector { .. })),
                    "step {step}: {r:?}"
                );
            }
            Op::Insert(id, v) => {
                let r = coll.insert_with(id, &v, &payload(id, &v));
                if model.rows.contains_key(&id) {
                    assert!(
                        matches!(r, Err(Error::DuplicateId { id: i, .. }) if i == id),
                        "step {step}: {r:?}"
                    );
                } else {
                    r.expect("insert");
                    model.upsert(id, &v);
                }
            }
            Op::Upsert(id, v) => {
                coll.upsert_with(id, &v, &payload(id, &v)).expect("upsert");
                model.upsert(id, &v);
            }
            Op::InsertBatch(ids, flat) | Op::UpsertBatch(ids, flat)
                if expected_write_error(&model, &ids, &flat, false).is_some() =>
            {
                let want = expected_write_error(&model, &ids, &flat, false);
                let r = coll.upsert_batch_with(&ids, &flat, &payloads(&ids, &flat));
                assert_eq!(r.as_ref().err().map(error_kind), want, "step {step}: {r:?}");
            }
            Op::InsertBatch(ids, flat) => {
                let want = expected_write_error(&model, &ids, &flat, true);
                let r = coll.insert_batch_with(&ids, &flat, &payloads(&ids, &flat));
                assert_eq!(r.as_ref().err().map(error_kind), want, "step {step}: {r:?}");
                if want.is_none() {
                    for (id, v) in ids.iter().zip(flat.chunks(DIM)) {
                        model.upsert(*id, v);
                    }
                }
            }
            Op::UpsertBatch(ids, flat) => {
                coll.upsert_batch_with(&ids, &flat, &payloads(&ids, &flat))
                    .expect("upsert_batch");
                for (id, v) in ids.iter().zip(flat.chunks(DIM)) {
                    model.upsert(*id, v);
                }
            }
            Op::Delete(id) => {
                assert_eq!(
                    coll.delete(id).expect("delete"),
                    model.delete(id),
                    "step {step}"
                );
            }
            Op::DeleteBatch(ids) => {
                let want = ids.iter().filter(|id| model.delete(**id)).count();
                assert_eq!(
                    coll.delete_batch(&ids).expect("delete_batch"),
                    want,
                    "step {step}"
                );
            }
            Op::Flush => {
                coll.flush().expect("flush");
                assert!(coll
                    .segments()
                    .iter()
                    .filter(|s| !s.sealed)
                    .all(|s| s.rows == 0));
            }
            Op::Reopen => {
                drop(coll);
                drop(db);
                db = Database::open_with(dir.path(), opts(&mut fs)).expect("reopen");
                coll = db.collection("m").expect("collection");
            }
            Op::Crash => {
                fs.crash();
                drop(coll);
                drop(db);
                db = Database::open_with(dir.path(), opts(&mut fs)).expect("reopen after crash");
                coll = db.collection("m").expect("collection");
            }
            Op::Search(q, k) => {
                let r = coll.search(&q, &SearchOptions::new(k));
                if metric == Metric::Cosine && is_zero(&q) {
                    assert!(
                        matches!(r, Err(Error::InvalidVector { .. })),
                        "step {step}: {r:?}"
                    );
                } else {
                    assert_same_hits(
                        &format!("step {step}"),
                        &r.expect("search"),
                        &model.search(&q, k),
                    );
                }
            }
            Op::SearchBatch(qs, k) => {
                let r = coll.search_batch(&qs, &SearchOptions::new(k));
                if metric == Metric::Cosine && qs.chunks(DIM).any(is_zero) {
                    assert!(
                        matches!(r, Err(Error::InvalidVector { .. })),
                        "step {step}: {r:?}"
                    );
                } else {
                    let r = r.expect("search_batch");
                    assert_eq!(r.len(), qs.len() / DIM);
                    for (got, q) in r.iter().zip(qs.chunks(DIM)) {
                        assert_same_hits(&format!("step {step} batch"), got, &model.search(q, k));
                    }
                }
            }
        }
        check_state(&coll, &model, step);
    }
}

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    // An explicit `cases` would override proptest's own PROPTEST_CASES handling: read it here.
    #![proptest_config(ProptestConfig { cases: cases(500), max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_match_the_model(
        metric in metric(),
        segment_rows in 1u32..9,
        ops in prop::collection::vec(op(), 1..60),
    ) {
        run(metric, segment_rows, ops);
    }
}

#[test]
fn spill_across_many_segments_in_one_batch() {
    // One batch larger than several segments lands atomically in new segments, all sealed.
    let ids: Vec<u64> = (0..23).collect();
    let flat: Vec<f32> = ids
        .iter()
        .flat_map(|&i| [i as f32, 1.0, 0.0, -1.0])
        .collect();
    run(
        Metric::L2,
        5,
        vec![
            Op::Insert(100, vec![0.0; 4]),
            Op::InsertBatch(ids, flat),
            Op::Reopen,
            Op::Search(vec![3.0, 1.0, 0.0, -1.0], 30),
        ],
    );
}
