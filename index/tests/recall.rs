//! Recall@10 at the default search parameters, against exact ground truth: IVF-Flat and HNSW
//! must reach 0.95 and IVF-SQ8 0.90, on the real dev set (when present) and on synthetic
//! clustered data (200k vectors with `KILN_SLOW_TESTS=1`, 20k otherwise). Prints the figures.

mod common;

use std::time::Instant;

use kiln_index::{
    default_nprobe, plan_index, IndexPlan, IndexSpec, IvfTemplate, Metric, SearchParams,
    SegmentIndex, VectorIndex, DEFAULT_EF_SEARCH,
};

const HNSW: IndexPlan = IndexPlan::Hnsw {
    m: 32,
    ef_construction: 200,
};

/// Search one query at a time (the engine's access pattern) at the default parameters.
fn recall(index: &SegmentIndex, queries: &[f32], dim: usize, truth: &[Vec<u32>]) -> (f64, f64) {
    let params = SearchParams::default();
    let start = Instant::now();
    let mut found = Vec::with_capacity(truth.len());
    for q in queries.chunks_exact(dim) {
        let mut r = index.search(q, 10, &params, None).expect("search");
        found.push(r.pop().expect("one query"));
    }
    let qps = truth.len() as f64 / start.elapsed().as_secs_f64();
    (common::recall_at(10, &found, truth), qps)
}

struct Case {
    name: String,
    recall: f64,
    bar: f64,
}

fn run_ivf(
    plan: &IndexPlan,
    metric: Metric,
    base: &[f32],
    queries: &[f32],
    dim: usize,
    truth: &[Vec<u32>],
    bar: f64,
) -> Case {
    let rows = base.len() / dim;
    let nlist = plan.nlist().expect("IVF");
    let sample = IvfTemplate::sample_rows(nlist, rows);
    let start = Instant::now();
    let template = IvfTemplate::train(plan, metric, dim, &base[..sample * dim]).expect("train");
    let index = SegmentIndex::build(&template, base).expect("build");
    let built = start.elapsed().as_secs_f64();
    let (r, qps) = recall(&index, queries, dim, truth);
    let name = format!(
        "{} (nprobe {} of {nlist})",
        plan.factory_string(),
        default_nprobe(nlist)
    );
    eprintln!("  {name}: recall@10 {r:.4}, {qps:.0} QPS (1 thread), built in {built:.1}s");
    Case {
        name,
        recall: r,
        bar,
    }
}

fn run_hnsw(metric: Metric, base: &[f32], queries: &[f32], dim: usize, truth: &[Vec<u32>]) -> Case {
    let start = Instant::now();
    let index = SegmentIndex::build_standalone(&HNSW, metric, dim, base).expect("build");
    let built = start.elapsed().as_secs_f64();
    let (r, qps) = recall(&index, queries, dim, truth);
    let name = format!("HNSW32 efC 200 (efSearch {DEFAULT_EF_SEARCH})");
    eprintln!("  {name}: recall@10 {r:.4}, {qps:.0} QPS (1 thread), built in {built:.1}s");
    Case {
        name,
        recall: r,
        bar: 0.95,
    }
}

fn check(cases: &[Case]) {
    let failed: Vec<String> = cases
        .iter()
        .filter(|c| c.recall < c.bar)
        .map(|c| format!("{}: {:.4} < {}", c.name, c.recall, c.bar))
        .collect();
    assert!(failed.is_empty(), "recall below the bar: {failed:?}");
}

fn all_kinds(
    label: &str,
    metric: Metric,
    base: &[f32],
    queries: &[f32],
    dim: usize,
    truth: &[Vec<u32>],
) {
    let rows = base.len() / dim;
    let auto = plan_index(&IndexSpec::Auto, rows, dim, u64::MAX)
        .expect("plan")
        .expect("large enough for an index");
    let nlist = auto.nlist().expect("Auto picks IVF");
    eprintln!("{label}: {rows} × {dim}, {metric:?}, Auto → {auto:?}");
    let cases = vec![
        run_ivf(&auto, metric, base, queries, dim, truth, 0.95),
        run_ivf(
            &IndexPlan::IvfSq8 { nlist },
            metric,
            base,
            queries,
            dim,
            truth,
            0.90,
        ),
        run_hnsw(metric, base, queries, dim, truth),
    ];
    check(&cases);
}

#[test]
fn dev_set_recall_at_defaults() {
    let Some((base, queries, gt, dim)) = common::dev_set("dev_set_recall_at_defaults") else {
        return;
    };
    kiln_index::set_faiss_threads(2);
    all_kinds("dev-minilm-15k", Metric::Cosine, &base, &queries, dim, &gt);
}

fn synthetic(rows: usize, dim: usize, nq: usize) {
    let (base, queries) = common::clustered_with_queries(7, rows, nq, dim, 1_000, 0.12);
    let start = Instant::now();
    let truth = common::exact_top_k(Metric::L2, &base, &queries, dim, 10);
    eprintln!(
        "ground truth for {nq} queries in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    kiln_index::set_faiss_threads(2);
    all_kinds(
        &format!("synthetic clustered {rows}"),
        Metric::L2,
        &base,
        &queries,
        dim,
        &truth,
    );
}

#[test]
fn synthetic_recall_at_defaults() {
    if common::slow_tests() {
        synthetic(200_000, 96, 300);
    } else {
        eprintln!("synthetic_recall_at_defaults: 20k rows; KILN_SLOW_TESTS=1 runs 200k");
        synthetic(20_000, 64, 200);
    }
}
