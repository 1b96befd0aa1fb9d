//! `kiln bench`: QPS, latency percentiles and recall@k of the default (indexed) search and a few
//! nprobe or ef settings, against exact search on the same collection.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kiln::{Collection, Hit, SearchOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::commands::{check_dim, open_collection, open_read_only};
use crate::error::{CliError, Context};
use crate::table::{self, Table};
use crate::vecfile::VecFile;
use crate::{BenchArgs, CliResult};

/// What one search setting measured.
#[derive(Debug, Clone)]
pub struct Measured {
    /// The setting, e.g. `default` or `nprobe 32`.
    pub name: String,
    /// Queries per second, one query at a time.
    pub qps: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Mean recall@k against the ground truth (1.0 for exact search itself).
    pub recall: f64,
}

/// The `q`-quantile of sorted latencies.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Recall@k of `got` against `truth`.
pub fn recall(got: &[Hit], truth: &[Hit], k: usize) -> f64 {
    let want: HashSet<u64> = truth.iter().take(k).map(|h| h.id).collect();
    if want.is_empty() {
        return 1.0;
    }
    let found = got.iter().take(k).filter(|h| want.contains(&h.id)).count();
    found as f64 / want.len() as f64
}

/// Run every query once, one at a time, with `opts`; the hits of each and the measurements.
/// With `truth`, recall is measured against it; without, it is reported as 1 (this *is* truth).
pub fn measure(
    c: &Collection,
    queries: &[f32],
    opts: &SearchOptions,
    name: &str,
    truth: Option<&[Vec<Hit>]>,
) -> kiln::Result<(Measured, Vec<Vec<Hit>>)> {
    let dim = c.dim();
    let mut latencies = Vec::with_capacity(queries.len() / dim.max(1));
    let mut results = Vec::with_capacity(latencies.capacity());
    let start = Instant::now();
    for q in queries.chunks_exact(dim) {
        let t = Instant::now();
        let hits = c.search(q, opts)?;
        latencies.push(t.elapsed());
        results.push(hits);
    }
    let total = start.elapsed();
    latencies.sort_unstable();
    let k = opts.k();
    let recall = match truth {
        Some(truth) => {
            let sum: f64 = results
                .iter()
                .zip(truth)
                .map(|(got, want)| recall(got, want, k))
                .sum();
            sum / results.len().max(1) as f64
        }
        None => 1.0,
    };
    Ok((
        Measured {
            name: name.to_string(),
            qps: results.len() as f64 / total.as_secs_f64().max(1e-9),
            p50: quantile(&latencies, 0.5),
            p99: quantile(&latencies, 0.99),
            recall,
        },
        results,
    ))
}

/// The results table.
pub fn results_table(rows: &[Measured], k: usize) -> Table {
    let recall_title = format!("recall@{k}");
    let mut t = Table::new(&["search", "QPS", "p50", "p99", &recall_title]);
    for m in rows {
        t.row(vec![
            m.name.clone(),
            table::rate(m.qps),
            table::millis(m.p50),
            table::millis(m.p99),
            format!("{:.3}", m.recall),
        ]);
    }
    t
}

/// Up to `n` stored vectors of `c`: random ids below the number of rows ever stored (ids are row
/// numbers after `kiln import`), else the ids an exact search of a random vector returns.
pub fn sample_queries(c: &Collection, n: usize, seed: u64) -> kiln::Result<(Vec<f32>, String)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let stats = c.stats();
    let stored: usize = stats.segments.iter().map(|s| s.rows).sum();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut tries = 0;
    while seen.len() < n && tries < 20 * n && stored > 0 {
        tries += 1;
        let id = rng.gen_range(0..stored as u64);
        if seen.contains(&id) {
            continue;
        }
        if let Some(v) = c.get(id)? {
            seen.insert(id);
            out.extend_from_slice(&v);
        }
    }
    if seen.len() == n {
        return Ok((out, format!("{n} stored vectors sampled by id")));
    }
    // Ids are not dense from 0: find live ids with an exact search around a random vector.
    let probe: Vec<f32> = (0..c.dim()).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    let hits = c.search(&probe, &SearchOptions::new(n).exact(true))?;
    for h in hits {
        if seen.len() >= n {
            break;
        }
        if seen.insert(h.id) {
            if let Some(v) = c.get(h.id)? {
                out.extend_from_slice(&v);
            }
        }
    }
    let got = out.len() / c.dim().max(1);
    Ok((out, format!("{got} stored vectors")))
}

/// `kiln bench`.
pub fn run(a: &BenchArgs) -> CliResult {
    let db = open_read_only(&a.dir)?;
    let c = open_collection(&db, &a.collection)?;
    if c.is_empty() {
        return Err(CliError::new(
            "nothing to measure",
            format!("collection {} is empty", c.name()),
        ));
    }
    let n = a.n as usize;
    let k = a.k as usize;
    let (queries, source) = match &a.queries {
        Some(path) => {
            let what = || format!("cannot read queries from {}", path.display());
            let mut f = VecFile::open(path).context(what)?;
            check_dim(&c, f.dim(), &format!("the queries in {}", path.display()))?;
            let mut q = Vec::new();
            f.read_rows(n, &mut q).context(what)?;
            let got = q.len() / c.dim();
            (q, format!("{got} queries from {}", path.display()))
        }
        None => sample_queries(&c, n, a.seed).context(|| "cannot sample queries".into())?,
    };
    if queries.is_empty() {
        return Err(CliError::new("nothing to measure", "no queries"));
    }
    let stats = c.stats();
    let indexed = stats.segments.iter().filter(|s| s.index.is_some()).count();
    let hnsw = stats
        .segments
        .iter()
        .any(|s| s.index.as_deref().is_some_and(|i| i.contains("hnsw")));
    println!(
        "collection {}: {} live rows in {} segments ({} indexed); {}; k = {k}, one query at a \
         time",
        c.name(),
        table::count_usize(stats.rows),
        stats.segments.len(),
        indexed,
        source,
    );
    let failed = || "search failed".to_string();
    // Warm up: map indexes and fault in pages before anything is timed.
    let warm = (queries.len() / c.dim()).min(20) * c.dim();
    measure(
        &c,
        &queries[..warm],
        &SearchOptions::new(k),
        "warm-up",
        None,
    )
    .context(failed)?;
    let (exact, truth) = measure(
        &c,
        &queries,
        &SearchOptions::new(k).exact(true),
        "exact",
        None,
    )
    .context(failed)?;
    let mut rows = Vec::new();
    let (default, _) = measure(
        &c,
        &queries,
        &SearchOptions::new(k),
        "default",
        Some(&truth),
    )
    .context(failed)?;
    rows.push(default);
    if indexed > 0 {
        for p in [8usize, 16, 32, 64, 128] {
            let (name, opts) = if hnsw {
                (format!("ef {p}"), SearchOptions::new(k).ef_search(p))
            } else {
                (format!("nprobe {p}"), SearchOptions::new(k).nprobe(p))
            };
            let (m, _) = measure(&c, &queries, &opts, &name, Some(&truth)).context(failed)?;
            rows.push(m);
        }
    }
    rows.push(exact);
    results_table(&rows, k).print();
    if indexed == 0 {
        println!(
            "no segment has an index yet, so every search is exact (kiln compact builds them)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
