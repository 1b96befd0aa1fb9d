//! Raw Faiss's side, through the `faiss` crate: the equivalent single index trained on a
//! sample of Kiln's template sample size, every row added, written to a file; then in a fresh
//! process a cold `read_index` and first search, and one query at a time at nprobe points.

use std::time::Instant;

use faiss::index::autotune::ParameterSpace;
use faiss::{index_factory, read_index, write_index, Index, MetricType};
use kiln::Metric;
use kiln_index::set_faiss_threads;
use serde::{Deserialize, Serialize};

use super::data::{prepared, Dataset, K};
use super::sys;
use super::{ladder, pass, secs, Job, Point};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn metric(m: Metric) -> MetricType {
    match m {
        Metric::L2 => MetricType::L2,
        _ => MetricType::InnerProduct,
    }
}

/// `rows` prepared as Kiln stores them (normalised for cosine), so that inner product is
/// cosine.
fn prepare_rows(m: Metric, dim: usize, rows: &[f32]) -> Vec<f32> {
    if m.normalizes() {
        rows.chunks_exact(dim)
            .flat_map(|v| prepared(m, v))
            .collect()
    } else {
        rows.to_vec()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FaissBuild {
    pub factory: String,
    pub nlist: usize,
    pub sample_rows: usize,
    pub omp_threads: usize,
    /// Reading the evenly spaced sample and training.
    pub train_s: f64,
    /// Streaming every row in and adding it.
    pub add_s: f64,
    /// train + add: the index complete in memory.
    pub build_s: f64,
    /// write_index + fsync of the file and its directory.
    pub persist_s: f64,
    /// build + persist.
    pub total_s: f64,
    pub rss_start: u64,
    pub peak_rss: u64,
    pub write_bytes: u64,
    pub file_bytes: u64,
}

pub fn build(job: &Job) -> Res<FaissBuild> {
    let ds = Dataset::open(&job.data)?;
    let (dim, m) = (ds.meta.dim, ds.meta.metric);
    let rss_start = sys::rss();
    let written0 = sys::write_bytes();
    set_faiss_threads(job.threads);
    let start = Instant::now();
    let sample = prepare_rows(m, dim, &ds.even_sample(job.sample_rows)?);
    let mut index = index_factory(dim as u32, &job.factory, metric(m))?;
    index.train(&sample)?;
    drop(sample);
    let train_s = secs(start);
    // Faiss adds in blocks of 65,536 rows internally: stream the file in blocks of that size.
    let mut stream = ds.stream_base(65_536)?;
    while let Some(batch) = stream.next_batch()? {
        if m.normalizes() {
            index.add(&prepare_rows(m, dim, batch))?;
        } else {
            index.add(batch)?;
        }
    }
    let build_s = secs(start);
    assert_eq!(index.ntotal() as usize, ds.meta.rows);
    let path = job.target.to_str().ok_or("index path is not UTF-8")?;
    write_index(&index, path)?;
    std::fs::File::open(&job.target)?.sync_all()?;
    if let Some(dir) = job.target.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    let total_s = secs(start);
    drop(index);
    let out = FaissBuild {
        factory: job.factory.clone(),
        nlist: job.nlist,
        sample_rows: job.sample_rows,
        omp_threads: job.threads,
        train_s,
        add_s: build_s - train_s,
        build_s,
        persist_s: total_s - build_s,
        total_s,
        rss_start,
        peak_rss: sys::peak_rss(),
        write_bytes: sys::write_bytes().saturating_sub(written0),
        file_bytes: std::fs::metadata(&job.target)?.len(),
    };
    eprintln!(
        "    faiss {}: train {:.1}s, add {:.1}s, persist {:.2}s",
        out.factory, out.train_s, out.add_s, out.persist_s
    );
    Ok(out)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FaissQuery {
    pub evicted_bytes: u64,
    pub cached_after_evict: u64,
    /// read_index + one search, cold page cache (median of the runs).
    pub cold_open_ms: f64,
    pub cold_open_runs_ms: Vec<f64>,
    pub read_ms: f64,
    pub first_search_ms: f64,
    pub points: Vec<Point>,
    /// IndexFlat (exact), one query at a time, one thread.
    pub exact: Point,
}

fn set_nprobe(index: &faiss::index::IndexImpl, n: usize) -> Res<()> {
    ParameterSpace::new()?.set_index_parameter(index, "nprobe", n as f64)?;
    Ok(())
}

fn labels(r: &faiss::index::SearchResult) -> Vec<u64> {
    r.labels.iter().filter_map(|l| l.get()).collect()
}

pub fn query(job: &Job) -> Res<FaissQuery> {
    let ds = Dataset::open(&job.data)?;
    let (dim, m) = (ds.meta.dim, ds.meta.metric);
    let queries = prepare_rows(m, dim, &ds.queries()?);
    let truth = ds.truth()?;
    // Single queries: one OpenMP thread (a single IVF query is not parallelised anyway).
    set_faiss_threads(1);
    let mut out = FaissQuery::default();
    let path = job.target.to_str().ok_or("index path is not UTF-8")?;
    // Cold read_index + first search: the median of COLD_OPENS runs, each after evicting the
    // file from the page cache.
    let mut runs = Vec::new();
    for _ in 0..super::COLD_OPENS {
        out.evicted_bytes = sys::evict(&job.target);
        out.cached_after_evict = sys::cached_bytes(&job.target);
        let t0 = Instant::now();
        let mut index = read_index(path)?;
        let t1 = Instant::now();
        set_nprobe(&index, kiln_index::default_nprobe(job.nlist))?;
        let first = index.search(&queries[..dim], K)?;
        let t2 = Instant::now();
        assert!(!labels(&first).is_empty());
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        runs.push((ms(t0, t2), ms(t0, t1), ms(t1, t2)));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    (out.cold_open_ms, out.read_ms, out.first_search_ms) = runs[runs.len() / 2];
    out.cold_open_runs_ms = runs.iter().map(|r| r.0).collect();
    let mut index = read_index(path)?;
    eprintln!(
        "    faiss cold open {:.1} ms (read_index {:.1}, first search {:.1}); {} MB evicted, {} MB still cached",
        out.cold_open_ms,
        out.read_ms,
        out.first_search_ms,
        out.evicted_bytes >> 20,
        out.cached_after_evict >> 20
    );
    // Warm-up pass at the default nprobe.
    let _ = pass(&queries, dim, &truth, None, false, |q| {
        labels(&index.search(q, K).expect("search"))
    });
    out.points = ladder(job.ladder_cap, |n| {
        set_nprobe(&index, n).expect("nprobe");
        pass(&queries, dim, &truth, Some(n), false, |q| {
            labels(&index.search(q, K).expect("search"))
        })
    });
    drop(index);
    // Exact: IndexFlat over the same rows.
    let mut flat = index_factory(dim as u32, "Flat", metric(m))?;
    let mut stream = ds.stream_base(65_536)?;
    while let Some(batch) = stream.next_batch()? {
        flat.add(&prepare_rows(m, dim, batch))?;
    }
    let nq_warm = (truth.len() / 10).max(1);
    let _ = pass(
        &queries[..nq_warm * dim],
        dim,
        &truth[..nq_warm],
        None,
        true,
        |q| labels(&flat.search(q, K).expect("search")),
    );
    out.exact = pass(&queries, dim, &truth, None, true, |q| {
        labels(&flat.search(q, K).expect("search"))
    });
    eprintln!(
        "    faiss Flat exact: recall {:.4} {:.0} QPS",
        out.exact.recall, out.exact.qps
    );
    Ok(out)
}
