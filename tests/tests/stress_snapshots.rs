//! Guards snapshot consistency under concurrency (docs/reliability.md T9, CI tier): one writer
//! inserts, upserts and deletes while several readers search in exact mode and seals and merges
//! run continuously in the background (tiny segments, merge factor 4). Every answer must equal
//! the brute-force model's answer at some state between the last write acknowledged before the
//! query started and the last write started before it ended — that is, at the snapshot the
//! query saw. Pass figure: 0 mismatches over ≥ 50,000 queries and ≥ 50 merges.
//!
//! `KILN_STRESS_QUERIES=n` runs a longer campaign.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiln::{
    CollectionConfig, Database, DbOptions, Durability, Hit, MergePolicy, Metric, SearchOptions,
};
use kiln_tests::{seeded_rng, Model, TempDir};
use rand::{Rng, SeedableRng};

const DIM: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    InsertBatch(Vec<u64>, Vec<f32>),
    Upsert(u64, Vec<f32>),
    DeleteBatch(Vec<u64>),
}

struct Record {
    lo: u64,
    hi: u64,
    query: Vec<f32>,
    k: usize,
    hits: Vec<Hit>,
}

fn vector(rng: &mut impl Rng) -> Vec<f32> {
    (0..DIM).map(|_| rng.gen_range(-3i32..=3) as f32).collect()
}

fn apply(model: &mut Model, op: &Op) {
    match op {
        Op::InsertBatch(ids, flat) => {
            for (id, v) in ids.iter().zip(flat.chunks(DIM)) {
                model.upsert(*id, v);
            }
        }
        Op::Upsert(id, v) => model.upsert(*id, v),
        Op::DeleteBatch(ids) => {
            for id in ids {
                model.delete(*id);
            }
        }
    }
}

fn same(a: &[Hit], b: &[Hit]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.id == y.id && x.distance.to_bits() == y.distance.to_bits())
}

#[test]
fn exact_answers_match_the_model_at_the_snapshot_each_query_saw() {
    let (mut rng, seed) = seeded_rng("stress_snapshots", 0x57E55);
    let min_queries: u64 = std::env::var("KILN_STRESS_QUERIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let min_merges = 50;
    let dir = TempDir::new("stress");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new().durability(Durability::Buffered),
    )
    .expect("open");
    let policy = MergePolicy {
        merge_factor: 4,
        floor_rows: 32,
        max_segment_rows: 4096,
        deletes_ratio: 0.15,
    };
    let c = db
        .create_collection(
            "s",
            CollectionConfig::new(DIM, Metric::L2)
                .segment_rows(32)
                .merge_policy(policy),
        )
        .expect("create");

    let started = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let queries = Arc::new(AtomicU64::new(0));
    let records = Arc::new(Mutex::new(Vec::<Record>::new()));

    let readers: Vec<_> = (0..3u64)
        .map(|r| {
            let (c, started, acked, stop, queries, records) = (
                c.clone(),
                started.clone(),
                acked.clone(),
                stop.clone(),
                queries.clone(),
                records.clone(),
            );
            std::thread::spawn(move || {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ (r + 1));
                let mut local = Vec::new();
                while !stop.load(Ordering::Acquire) {
                    let query = vector(&mut rng);
                    let k = rng.gen_range(1..20);
                    let lo = acked.load(Ordering::Acquire);
                    let hits = c
                        .search(&query, &SearchOptions::new(k).exact(true))
                        .expect("search");
                    let hi = started.load(Ordering::Acquire);
                    local.push(Record {
                        lo,
                        hi,
                        query,
                        k,
                        hits,
                    });
                    queries.fetch_add(1, Ordering::Relaxed);
                }
                records.lock().expect("records").extend(local);
            })
        })
        .collect();

    // The writer: ops are logged so the model can be replayed at every version afterwards.
    let mut log: Vec<Op> = Vec::new();
    let mut model = Model::new(Metric::L2, DIM);
    let mut next_id = 0u64;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let merges = c.stats().merges_done;
        let q = queries.load(Ordering::Relaxed);
        if (q >= min_queries && merges >= min_merges) || Instant::now() > deadline {
            break;
        }
        let live: Vec<u64> = model.rows.keys().copied().collect();
        let op = match rng.gen_range(0..10) {
            0..=3 if live.len() < 3000 || live.is_empty() => {
                let n = rng.gen_range(1..20);
                let ids: Vec<u64> = (next_id..next_id + n).collect();
                next_id += n;
                let flat = ids.iter().flat_map(|_| vector(&mut rng)).collect();
                Op::InsertBatch(ids, flat)
            }
            0..=6 if !live.is_empty() => {
                Op::Upsert(live[rng.gen_range(0..live.len())], vector(&mut rng))
            }
            _ if !live.is_empty() => Op::DeleteBatch(
                (0..rng.gen_range(1..6))
                    .map(|_| live[rng.gen_range(0..live.len())])
                    .collect(),
            ),
            _ => continue,
        };
        let version = log.len() as u64 + 1;
        started.store(version, Ordering::Release);
        match &op {
            Op::InsertBatch(ids, flat) => c.insert_batch(ids, flat).expect("insert"),
            Op::Upsert(id, v) => c.upsert(*id, v).expect("upsert"),
            Op::DeleteBatch(ids) => {
                c.delete_batch(ids).expect("delete");
            }
        }
        apply(&mut model, &op);
        log.push(op);
        acked.store(version, Ordering::Release);
    }
    stop.store(true, Ordering::Release);
    for r in readers {
        r.join().expect("reader");
    }
    let stats = c.stats();

    // Verify: replay the log; each query must match the model at some version in [lo, hi].
    let mut records = std::mem::take(&mut *records.lock().expect("records"));
    records.sort_by_key(|r| r.lo);
    let total = records.len();
    let mut matched = vec![false; total];
    let mut model = Model::new(Metric::L2, DIM);
    let mut first_open = 0;
    let mut mismatches = Vec::new();
    for version in 0..=log.len() as u64 {
        if version > 0 {
            apply(&mut model, &log[version as usize - 1]);
        }
        for (i, r) in records.iter().enumerate().skip(first_open) {
            if r.lo > version {
                break;
            }
            if matched[i] || version > r.hi {
                continue;
            }
            if same(&r.hits, &model.search(&r.query, r.k)) {
                matched[i] = true;
            } else if version == r.hi {
                mismatches.push(i);
            }
        }
        while first_open < total && (matched[first_open] || records[first_open].hi <= version) {
            first_open += 1;
        }
    }
    for &i in mismatches.iter().take(3) {
        let r = &records[i];
        eprintln!(
            "mismatch: versions {}..={}, query {:?} k {}: got {:?}",
            r.lo, r.hi, r.query, r.k, r.hits
        );
    }
    eprintln!(
        "stress_snapshots: {} queries, {} writes, {} seals, {} merges, {} mismatches (seed {seed})",
        total,
        log.len(),
        stats.seals_done,
        stats.merges_done,
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {total} answers match no state the query could have seen",
        mismatches.len()
    );
    assert!(total as u64 >= min_queries, "only {total} queries ran");
    assert!(
        stats.merges_done >= min_merges,
        "only {} merges ran",
        stats.merges_done
    );
}
