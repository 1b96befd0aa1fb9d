//! kiln-index against raw Faiss, side by side in one run on the same data and threads.
//!
//! ```text
//! cargo run --release -p kiln-benches --bin index_bench [-- --rows N --dim D --threads T --reps R
//!     --kinds ivf-flat,ivf-sq8,ivf-pq,hnsw --no-dev --no-merge --no-load --skip-hnsw-synthetic]
//! ```
//!
//! Data: the real dev set (../shared/data/dev-minilm-15k, cosine) when present, and a seeded
//! synthetic clustered set (L2, `--rows` × `--dim`, default 200,000 × 96).
//!
//! 1. Build: kiln-index (template training + `SegmentIndex::build`, or `build_standalone` for
//!    HNSW) vs the raw `faiss` crate building the same factory string on the same sample and
//!    rows (`index_factory`, `train`, `add`). Best of `--reps` runs each, interleaved. Goal:
//!    kiln / raw ≤ 1.05.
//! 2. Merge: two IVF-Flat segments of half the rows each, built from one template, merged by
//!    list concatenation (with no deletes, and with 10% of the rows deleted) vs rebuilding the
//!    merged rows from the same template (no retraining). Goal: rebuild / merge ≥ 10.
//! 3. Search: QPS of one query at a time on one thread at the default parameters, with
//!    recall@10 against exact ground truth, per spec; the same index read by the raw `faiss`
//!    crate from kiln's file, searched the same way at the same parameters (the cost of the
//!    safe layer; passes alternate, best of three each); and batch QPS (all queries in one
//!    call, OpenMP threads).
//! 4. Load: time to open an index file and answer one query, in memory vs mapped (with and
//!    without the body checksum), cold (file pages dropped from the page cache with
//!    `dd iflag=nocache count=0`) and warm.

use std::path::Path;
use std::time::Instant;

use faiss::index::autotune::ParameterSpace;
use faiss::{index_factory, Index, MetricType};
use kiln_benches::{machine, print_table, process_cpu, rate, secs};
use kiln_index::{
    load, plan_index, set_faiss_threads, ExpectedIndex, IndexPlan, IndexSpec, IvfTemplate,
    LoadMode, MergePart, Metric, RowBitmap, SearchParams, SegmentIndex, VectorIndex,
};
use kiln_tests::{clustered_vectors, dev_set_dir, read_fvecs, read_ivecs};
use rand::SeedableRng;

struct Args {
    rows: usize,
    dim: usize,
    threads: usize,
    reps: usize,
    hnsw_synthetic: bool,
    kinds: Vec<String>,
    dev: bool,
    merge: bool,
    load: bool,
}

fn args() -> Args {
    let mut a = Args {
        rows: 200_000,
        dim: 96,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        reps: 2,
        hnsw_synthetic: true,
        kinds: ["ivf-flat", "ivf-sq8", "ivf-pq", "hnsw"]
            .map(String::from)
            .to_vec(),
        dev: true,
        merge: true,
        load: true,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let val = |i: usize| argv.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match argv[i].as_str() {
            "--rows" => a.rows = val(i).unwrap_or(a.rows),
            "--dim" => a.dim = val(i).unwrap_or(a.dim),
            "--threads" => a.threads = val(i).unwrap_or(a.threads),
            "--reps" => a.reps = val(i).unwrap_or(a.reps).max(1),
            "--kinds" => {
                a.kinds = argv
                    .get(i + 1)
                    .map(|v| v.split(',').map(String::from).collect())
                    .unwrap_or_default()
            }
            flag @ ("--skip-hnsw-synthetic" | "--no-dev" | "--no-merge" | "--no-load") => {
                match flag {
                    "--skip-hnsw-synthetic" => a.hnsw_synthetic = false,
                    "--no-dev" => a.dev = false,
                    "--no-merge" => a.merge = false,
                    _ => a.load = false,
                }
                i -= 1;
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    a
}

struct Dataset {
    name: String,
    metric: Metric,
    dim: usize,
    base: Vec<f32>,
    queries: Vec<f32>,
    /// Exact top-10 rows per query.
    truth: Vec<Vec<u32>>,
}

impl Dataset {
    fn rows(&self) -> usize {
        self.base.len() / self.dim
    }
}

fn dev_set() -> Option<Dataset> {
    let dir = dev_set_dir()?;
    let (dim, base) = read_fvecs(&dir.join("base.fvecs")).ok()?;
    let (_, queries) = read_fvecs(&dir.join("query.fvecs")).ok()?;
    let (k, gt) = read_ivecs(&dir.join("groundtruth.ivecs")).ok()?;
    let truth = gt
        .chunks_exact(k)
        .map(|r| r.iter().take(10).map(|&i| i as u32).collect())
        .collect();
    Some(Dataset {
        name: "dev-minilm-15k".into(),
        metric: Metric::Cosine,
        dim,
        base,
        queries,
        truth,
    })
}

fn synthetic(rows: usize, dim: usize) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let nq = 1_000;
    let all = clustered_vectors(&mut rng, rows + nq, dim, 1_000, 0.12);
    let (base, queries) = all.split_at(rows * dim);
    let (base, queries) = (base.to_vec(), queries.to_vec());
    // Exact ground truth through a Faiss flat index (BLAS).
    let flat = SegmentIndex::build_standalone(&IndexPlan::Flat, Metric::L2, dim, &base)
        .expect("flat index");
    let truth = flat
        .search(&queries, 10, &SearchParams::default(), None)
        .expect("ground truth")
        .into_iter()
        .map(|hits| hits.into_iter().map(|n| n.row).collect())
        .collect();
    Dataset {
        name: format!("synthetic {}k × {dim}", rows / 1000),
        metric: Metric::L2,
        dim,
        base,
        queries,
        truth,
    }
}

fn faiss_metric(m: Metric) -> MetricType {
    match m {
        Metric::L2 => MetricType::L2,
        _ => MetricType::InnerProduct,
    }
}

/// The raw `faiss` crate building `desc` on the same sample and rows.
fn raw_build(
    ds: &Dataset,
    desc: &str,
    sample: &[f32],
    ef_construction: Option<u32>,
) -> faiss::index::IndexImpl {
    let mut index = index_factory(ds.dim as u32, desc, faiss_metric(ds.metric)).expect("factory");
    if let Some(ef) = ef_construction {
        let ps = ParameterSpace::new().expect("parameter space");
        ps.set_index_parameter(&index, "efConstruction", ef)
            .expect("efConstruction");
    }
    if !index.is_trained() {
        index.train(sample).expect("train");
    }
    index.add(&ds.base).expect("add");
    assert_eq!(index.ntotal() as usize, ds.rows());
    index
}

/// Set `params` on a raw Faiss index (as index-level settings).
fn raw_set_params(index: &mut faiss::index::IndexImpl, params: SearchParams) {
    let ps = ParameterSpace::new().expect("parameter space");
    if let Some(n) = params.nprobe {
        ps.set_index_parameter(&*index, "nprobe", n as f64)
            .expect("nprobe");
    }
    if let Some(e) = params.ef_search {
        ps.set_index_parameter(&*index, "efSearch", e as f64)
            .expect("efSearch");
    }
}

/// One pass of the queries, one at a time, through the raw `faiss` crate: QPS.
fn raw_pass(index: &mut faiss::index::IndexImpl, ds: &Dataset) -> f64 {
    let nq = ds.queries.len() / ds.dim;
    let start = Instant::now();
    for q in ds.queries.chunks_exact(ds.dim) {
        let r = index.search(q, 10).expect("raw search");
        assert_eq!(r.labels.len(), 10);
    }
    nq as f64 / secs(start)
}

/// One pass of the queries, one at a time, through kiln-index: QPS and the results.
fn kiln_pass(index: &dyn VectorIndex, ds: &Dataset) -> (f64, Vec<Vec<kiln_index::Neighbor>>) {
    let params = SearchParams::default();
    let nq = ds.queries.len() / ds.dim;
    let start = Instant::now();
    let mut found = Vec::with_capacity(nq);
    for q in ds.queries.chunks_exact(ds.dim) {
        found.extend(index.search(q, 10, &params, None).expect("search"));
    }
    (nq as f64 / secs(start), found)
}

fn recall(found: &[Vec<kiln_index::Neighbor>], truth: &[Vec<u32>]) -> f64 {
    let mut hit = 0;
    for (f, t) in found.iter().zip(truth) {
        hit += f.iter().take(10).filter(|n| t.contains(&n.row)).count();
    }
    hit as f64 / (10 * truth.len()) as f64
}

/// Single-query QPS of kiln-index and of the raw `faiss` crate searching the same index (the
/// raw one read by Faiss from kiln's file), alternating, best of three passes each; recall@10;
/// then kiln-index's QPS for the whole batch in one call on the OpenMP threads.
fn search_figures(
    index: &dyn VectorIndex,
    raw: &mut faiss::index::IndexImpl,
    ds: &Dataset,
) -> (f64, f64, f64, f64) {
    let nq = ds.queries.len() / ds.dim;
    raw_set_params(raw, index.default_params());
    set_faiss_threads(1);
    let (mut kiln_qps, mut raw_qps, mut r) = (0f64, 0f64, 0.0);
    for _ in 0..3 {
        let (qps, found) = kiln_pass(index, ds);
        kiln_qps = kiln_qps.max(qps);
        r = recall(&found, &ds.truth);
        raw_qps = raw_qps.max(raw_pass(raw, ds));
    }
    set_faiss_threads(args_threads());
    let start = Instant::now();
    let batch = index
        .search(&ds.queries, 10, &SearchParams::default(), None)
        .expect("batch search");
    let batch_qps = nq as f64 / secs(start);
    assert_eq!(batch.len(), nq);
    (r, kiln_qps, raw_qps, batch_qps)
}

static THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
fn args_threads() -> usize {
    THREADS.load(std::sync::atomic::Ordering::Relaxed)
}

struct Tables {
    build: Vec<Vec<String>>,
    merge: Vec<Vec<String>>,
    search: Vec<Vec<String>>,
    load: Vec<Vec<String>>,
}

fn drop_cache(path: &Path) {
    // GNU dd: "iflag=nocache count=0" asks the kernel to drop the whole file's cached pages.
    let ok = std::process::Command::new("dd")
        .arg(format!("if={}", path.display()))
        .args(["iflag=nocache", "count=0", "status=none"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "warning: could not drop the page cache for {}",
            path.display()
        );
    }
}

fn bench_dataset(ds: &Dataset, a: &Args, hnsw: bool, t: &mut Tables) {
    let rows = ds.rows();
    let auto = plan_index(&IndexSpec::Auto, rows, ds.dim, u64::MAX)
        .expect("plan")
        .expect("an index");
    let nlist = auto.nlist().expect("IVF");
    eprintln!("{}: {rows} × {}, Auto → {auto:?}", ds.name, ds.dim);
    let sample_rows = IvfTemplate::sample_rows(nlist, rows);
    let sample = &ds.base[..sample_rows * ds.dim];
    let dir = tempfile::tempdir().expect("tempdir");

    let mut plans = Vec::new();
    let want = |k: &str| a.kinds.iter().any(|x| x == k);
    if want("ivf-flat") {
        plans.push(auto.clone());
    }
    if want("ivf-sq8") {
        plans.push(IndexPlan::IvfSq8 { nlist });
    }
    if want("ivf-pq") {
        plans.push(IndexPlan::IvfPq {
            nlist,
            m: ds.dim / 4,
        });
    }
    if hnsw && want("hnsw") {
        plans.push(IndexPlan::Hnsw {
            m: 32,
            ef_construction: 200,
        });
    }
    for plan in &plans {
        let desc = plan.factory_string();
        let efc = match plan {
            IndexPlan::Hnsw {
                ef_construction, ..
            } => Some(*ef_construction as u32),
            _ => None,
        };
        set_faiss_threads(a.threads);
        // Interleave raw and kiln runs, alternating which goes first, so that drift and order
        // effects hit both; keep the best wall time and the best process CPU time of each.
        let mut raw = (f64::INFINITY, f64::INFINITY);
        let mut kiln = (f64::INFINITY, f64::INFINITY);
        let mut built = None;
        let mut raw_index = None;
        for rep in 0..a.reps {
            for kiln_turn in [rep % 2 == 1, rep % 2 == 0] {
                // Free the previous copy first so that both builds start from the same heap.
                if kiln_turn {
                    built = None;
                } else {
                    raw_index = None;
                }
                let (start, cpu) = (Instant::now(), process_cpu());
                if kiln_turn {
                    let index = if plan.kind().is_ivf() {
                        let tpl =
                            IvfTemplate::train(plan, ds.metric, ds.dim, sample).expect("train");
                        SegmentIndex::build(&tpl, &ds.base).expect("build")
                    } else {
                        SegmentIndex::build_standalone(plan, ds.metric, ds.dim, &ds.base)
                            .expect("build")
                    };
                    kiln = (kiln.0.min(secs(start)), kiln.1.min(process_cpu() - cpu));
                    built = Some(index);
                } else {
                    let r_index = raw_build(ds, &desc, sample, efc);
                    raw = (raw.0.min(secs(start)), raw.1.min(process_cpu() - cpu));
                    raw_index = Some(r_index);
                }
            }
        }
        let index = built.expect("built");
        eprintln!(
            "  {desc}: build kiln {:.2}s ({:.2} CPU s) raw {:.2}s ({:.2} CPU s)",
            kiln.0, kiln.1, raw.0, raw.1
        );
        t.build.push(vec![
            ds.name.clone(),
            desc.clone(),
            format!("{:.2} ({:.2})", kiln.0, kiln.1),
            format!("{:.2} ({:.2})", raw.0, raw.1),
            format!("{:.3} ({:.3})", kiln.0 / raw.0, kiln.1 / raw.1),
        ]);

        drop(raw_index);
        let path = dir.path().join("segment.kidx");
        let bytes = index.to_bytes().expect("bytes");
        std::fs::write(&path, &bytes).expect("write");
        // Faiss reads a Kiln index file as its own (it stops before the trailer).
        let mut raw_same = faiss::read_index(path.to_str().expect("utf-8 path")).expect("read");
        let (r, single, raw_single, batch) = search_figures(&index, &mut raw_same, ds);
        drop(raw_same);
        let p = index.default_params();
        let setting = match (p.nprobe, p.ef_search) {
            (Some(n), _) => format!("nprobe {n}"),
            (_, Some(e)) => format!("efSearch {e}"),
            _ => "exact".into(),
        };
        eprintln!(
            "  {desc}: recall {r:.4} single {single:.0} QPS (raw {raw_single:.0}) batch {batch:.0} QPS"
        );
        t.search.push(vec![
            ds.name.clone(),
            desc.clone(),
            setting,
            format!("{r:.3}"),
            rate(single),
            rate(raw_single),
            rate(batch),
        ]);
        if !a.load {
            continue;
        }

        // Load: in memory vs mapped, cold and warm.
        drop(index);
        let expected = ExpectedIndex {
            dim: ds.dim,
            rows,
            metric: ds.metric,
        };
        let q = &ds.queries[..ds.dim];
        let mut cells = vec![
            ds.name.clone(),
            desc.clone(),
            format!("{:.1}", bytes.len() as f64 / 1e6),
        ];
        for mode in [
            LoadMode::InMemory,
            LoadMode::Mapped,
            LoadMode::MappedVerifiedByCaller,
        ] {
            let mut cold = f64::INFINITY;
            let mut warm = f64::INFINITY;
            for _ in 0..a.reps.max(2) {
                for is_cold in [true, false] {
                    if is_cold {
                        drop_cache(&path);
                    }
                    let start = Instant::now();
                    let loaded = load(&path, mode, &expected).expect("load");
                    loaded
                        .search(q, 10, &SearchParams::default(), None)
                        .expect("first answer");
                    let ms = secs(start) * 1e3;
                    if is_cold {
                        cold = cold.min(ms);
                    } else {
                        warm = warm.min(ms);
                    }
                }
            }
            cells.push(format!("{cold:.1} / {warm:.1}"));
        }
        t.load.push(cells);
    }

    if !a.merge {
        return;
    }
    // Merge two half segments vs rebuilding the merged rows from the same template.
    set_faiss_threads(a.threads);
    let tpl = IvfTemplate::train(&auto, ds.metric, ds.dim, sample).expect("train");
    let half = rows / 2;
    let (first, second) = ds.base.split_at(half * ds.dim);
    let deleted_a = RowBitmap::from_rows((0..half as u32).filter(|r| r % 10 == 3));
    let deleted_b = RowBitmap::from_rows((0..(rows - half) as u32).filter(|r| r % 10 == 7));
    for with_deletes in [false, true] {
        let mut merge_s = f64::INFINITY;
        let mut rebuild_s = f64::INFINITY;
        let mut clone_s = f64::INFINITY;
        let kept: Vec<f32> = if with_deletes {
            first
                .chunks_exact(ds.dim)
                .enumerate()
                .filter(|(r, _)| !deleted_a.contains(*r as u32))
                .chain(
                    second
                        .chunks_exact(ds.dim)
                        .enumerate()
                        .filter(|(r, _)| !deleted_b.contains(*r as u32)),
                )
                .flat_map(|(_, v)| v.iter().copied())
                .collect()
        } else {
            ds.base.clone()
        };
        for _ in 0..a.reps {
            let a_idx = SegmentIndex::build(&tpl, first).expect("a");
            let b_idx = SegmentIndex::build(&tpl, second).expect("b");
            let start = Instant::now();
            let a2 = a_idx.try_clone().expect("clone");
            let b2 = b_idx.try_clone().expect("clone");
            clone_s = clone_s.min(secs(start));
            drop((a2, b2));
            let start = Instant::now();
            let merged = SegmentIndex::merge(vec![
                MergePart {
                    index: a_idx,
                    deleted: with_deletes.then_some(&deleted_a),
                },
                MergePart {
                    index: b_idx,
                    deleted: with_deletes.then_some(&deleted_b),
                },
            ])
            .expect("merge");
            merge_s = merge_s.min(secs(start));
            let start = Instant::now();
            let rebuilt = SegmentIndex::build(&tpl, &kept).expect("rebuild");
            rebuild_s = rebuild_s.min(secs(start));
            assert_eq!(merged.info().rows, rebuilt.info().rows);
        }
        eprintln!(
            "  merge (deletes {with_deletes}): {merge_s:.3}s, clone {clone_s:.3}s, rebuild {rebuild_s:.2}s"
        );
        t.merge.push(vec![
            ds.name.clone(),
            auto.factory_string(),
            if with_deletes {
                "10% deleted".into()
            } else {
                "none".into()
            },
            format!("{:.1}", merge_s * 1e3),
            format!("{:.1}", clone_s * 1e3),
            format!("{:.1}", rebuild_s * 1e3),
            format!("{:.0}×", rebuild_s / merge_s),
        ]);
    }
}

fn main() {
    let a = args();
    THREADS.store(a.threads, std::sync::atomic::Ordering::Relaxed);
    let mut t = Tables {
        build: Vec::new(),
        merge: Vec::new(),
        search: Vec::new(),
        load: Vec::new(),
    };
    match dev_set() {
        Some(ds) if a.dev => bench_dataset(&ds, &a, true, &mut t),
        Some(_) => {}
        None => eprintln!("dev set not found: synthetic data only"),
    }
    let ds = synthetic(a.rows, a.dim);
    bench_dataset(&ds, &a, a.hnsw_synthetic, &mut t);

    let profile = if cfg!(debug_assertions) {
        "dev profile (opt-level 2, dependencies 3)"
    } else {
        "release"
    };
    println!("## kiln-index vs raw Faiss\n");
    println!(
        "{}; {profile}; Faiss OpenMP threads {} for builds, merges and batches; OMP_WAIT_POLICY={}\n",
        machine(),
        a.threads,
        std::env::var("OMP_WAIT_POLICY").unwrap_or_else(|_| "unset".into())
    );
    println!(
        "### Build: template training + adding every row (best of {}; wall s (process CPU s))\n",
        a.reps
    );
    print_table(
        &["data", "index", "kiln-index", "raw faiss", "kiln / raw"],
        &t.build,
    );
    println!("\n### Merge two IVF segments vs rebuild the merged rows (same template)\n");
    print_table(
        &[
            "data",
            "index",
            "deletes",
            "merge ms",
            "(clone inputs ms)",
            "rebuild ms",
            "rebuild / merge",
        ],
        &t.merge,
    );
    println!("\n### Search at the default parameters, k = 10\n");
    print_table(
        &[
            "data",
            "index",
            "default",
            "recall@10",
            "QPS 1 query × 1 thread",
            "raw faiss, same index",
            &format!("QPS batch × {} threads", a.threads),
        ],
        &t.search,
    );
    println!("\n### Open an index file and answer one query (ms, cold / warm page cache)\n");
    print_table(
        &[
            "data",
            "index",
            "file MB",
            "in memory",
            "mapped + checksum",
            "mapped (caller verified)",
        ],
        &t.load,
    );
}
