//! The shared coarse assignment, measured: a collection of many IVF segments of one template
//! (a growing collection before any merge), searched with Kiln's defaults, with the segments
//! sharing the query's assignment to the template's lists (the default) and with each segment
//! assigning the query itself, interleaved in one run.
//!
//! ```text
//! cargo run --release -p kiln-benches --bin coarse_bench [-- --rows N --segment-rows S --dim D --reps R]
//! ```
//!
//! Data: synthetic clustered vectors (`kiln_tests::clustered_rows_and_queries`, seeded), L2;
//! `rows / segment-rows` segments, no merges (merge factor 1,000), 300 queries one at a time on
//! one thread (`query_threads(1)`); best pass of `reps` per setting; the answers of the two
//! settings are compared (they must be identical).

use std::time::Instant;

use kiln::{CollectionConfig, Database, DbOptions, Durability, MergePolicy, Metric, SearchOptions};
use kiln_tests::{clustered_rows_and_queries, seeded_rng, TempDir};

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str, default: usize| -> usize {
        argv.iter()
            .position(|a| a == name)
            .and_then(|i| argv.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (rows, segment_rows, dim, reps) = (
        arg("--rows", 200_000),
        arg("--segment-rows", 20_000),
        arg("--dim", 128),
        arg("--reps", 5).max(1),
    );
    let nq = 300;
    let (mut rng, _) = seeded_rng("coarse_bench", 1);
    let (data, queries) = clustered_rows_and_queries(&mut rng, rows, nq, dim, 1_000, 0.08);
    let dir = TempDir::new("coarse-bench");
    let db = Database::open_with(
        dir.path(),
        DbOptions::new()
            .durability(Durability::Buffered)
            .query_threads(1),
    )
    .expect("open");
    let policy = MergePolicy {
        merge_factor: 1_000,
        floor_rows: segment_rows,
        max_segment_rows: usize::MAX,
        deletes_ratio: 0.9,
    };
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(dim, Metric::L2)
                .segment_rows(u32::try_from(segment_rows).expect("segment rows fit u32"))
                .merge_policy(policy),
        )
        .expect("create");
    let t = Instant::now();
    let ids: Vec<u64> = (0..rows as u64).collect();
    for (ci, cv) in ids.chunks(10_000).zip(data.chunks(10_000 * dim)) {
        c.insert_batch(ci, cv).expect("insert");
    }
    c.flush().expect("flush");
    c.wait_for_indexing().expect("wait");
    let stats = c.stats();
    let kinds: Vec<String> = stats
        .segments
        .iter()
        .map(|s| format!("{} {}", s.rows, s.index.as_deref().unwrap_or("exact")))
        .collect();
    println!(
        "{rows} × {dim} rows, {} segments indexed in {:.1} s: {}",
        stats.segments.len(),
        t.elapsed().as_secs_f64(),
        kinds.join(", ")
    );
    let shared = SearchOptions::new(10);
    let own = shared.clone().share_coarse(false);
    let pass = |options: &SearchOptions| -> (f64, Vec<Vec<u64>>) {
        let t = Instant::now();
        let answers: Vec<Vec<u64>> = queries
            .chunks(dim)
            .map(|q| {
                c.search(q, options)
                    .expect("search")
                    .iter()
                    .map(|h| h.id)
                    .collect()
            })
            .collect();
        (nq as f64 / t.elapsed().as_secs_f64(), answers)
    };
    let (mut best_shared, mut best_own) = (0f64, 0f64);
    for _ in 0..reps {
        let (a, x) = pass(&shared);
        let (b, y) = pass(&own);
        assert_eq!(x, y, "the two settings answer differently");
        best_shared = best_shared.max(a);
        best_own = best_own.max(b);
    }
    println!(
        "default search, one query at a time: shared coarse assignment {best_shared:.0} QPS, \
         each segment its own {best_own:.0} QPS: {:.2}× (best of {reps}; answers identical)",
        best_shared / best_own
    );
}
