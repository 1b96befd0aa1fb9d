//! Raw Faiss search per index type, for comparing two builds of Faiss (generic x86-64 vs AVX2
//! or AVX-512; `KILN_FAISS_SIMD`, README "Portable builds") on the same index files.
//!
//! ```text
//! cargo run -p kiln-benches --bin faiss_simd -- --index-dir DIR [--rows N --dim D --queries Q
//!     --reps R --min-pass-secs S --kinds flat,sq8,ivf-flat,ivf-sq8,hnsw-flat,hnsw-sq8
//!     --nprobe P --ef-search E --no-dev --no-synthetic]
//! ```
//!
//! Data: the dev set (../shared/data/dev-minilm-15k: 384-d sentence embeddings, cosine, so
//! normalised and searched by inner product) and a seeded synthetic clustered set (L2, default
//! 100,000 × 128, 1,000 queries; exact ground truth computed here).
//!
//! Indexes are built once and written to `--index-dir`; later runs (of this binary or of the
//! same source linked against another Faiss build) read the same files, so two builds are
//! compared on identical indexes and only Faiss's search code differs. A run that builds an
//! index also prints the build time (CPU seconds), which then is a figure of that build.
//!
//! Search: one query at a time on one thread (Faiss's OpenMP threads set to 1), k = 10, at
//! fixed parameters (`--nprobe`, default 16; `--ef-search`, default 64). Each pass runs the
//! query set as many times as needed to last `--min-pass-secs` of CPU time; the figure is the
//! best of `--reps` passes of process CPU time per query (`CLOCK_PROCESS_CPUTIME_ID`: unlike
//! wall time not inflated by other processes on a loaded machine), with wall time alongside.
//! Every line also goes to stdout as `RESULT<TAB>dataset<TAB>kind<TAB>cpu_us<TAB>wall_us<TAB>
//! recall` for scripts that alternate the two builds.

use std::path::{Path, PathBuf};
use std::time::Instant;

use faiss::index::autotune::ParameterSpace;
use faiss::index::IndexImpl;
use faiss::{index_factory, read_index, write_index, Index, MetricType};
use kiln_benches::{machine, print_table, process_cpu, rate};
use kiln_index::metric::l2_squared;
use kiln_index::{faiss_simd_level, normalized, set_faiss_threads};
use kiln_tests::{clustered_vectors, dev_set_dir, read_fvecs, read_ivecs};
use rand::SeedableRng;
use rayon::prelude::*;

const K: usize = 10;

struct Args {
    index_dir: PathBuf,
    rows: usize,
    dim: usize,
    queries: usize,
    reps: usize,
    min_pass_secs: f64,
    kinds: Vec<String>,
    nprobe: usize,
    ef_search: usize,
    dev: bool,
    synthetic: bool,
}

fn args() -> Args {
    let mut a = Args {
        index_dir: std::env::temp_dir().join("kiln-faiss-simd"),
        rows: 100_000,
        dim: 128,
        queries: 1_000,
        reps: 5,
        min_pass_secs: 0.3,
        kinds: KINDS.iter().map(|k| k.to_string()).collect(),
        nprobe: 16,
        ef_search: 64,
        dev: true,
        synthetic: true,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        let num = |d: usize| value.parse::<usize>().unwrap_or(d);
        match argv[i].as_str() {
            "--index-dir" => a.index_dir = PathBuf::from(&value),
            "--rows" => a.rows = num(a.rows),
            "--dim" => a.dim = num(a.dim),
            "--queries" => a.queries = num(a.queries).max(1),
            "--reps" => a.reps = num(a.reps).max(1),
            "--min-pass-secs" => a.min_pass_secs = value.parse().unwrap_or(a.min_pass_secs),
            "--nprobe" => a.nprobe = num(a.nprobe),
            "--ef-search" => a.ef_search = num(a.ef_search),
            "--kinds" => a.kinds = value.split(',').map(|k| k.trim().to_string()).collect(),
            flag @ ("--no-dev" | "--no-synthetic") => {
                if flag == "--no-dev" {
                    a.dev = false;
                } else {
                    a.synthetic = false;
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
    for k in &a.kinds {
        if !KINDS.contains(&k.as_str()) {
            eprintln!("unknown kind {k}; known: {}", KINDS.join(","));
            std::process::exit(2);
        }
    }
    a
}

/// The index types, in table order.
const KINDS: [&str; 6] = [
    "flat",
    "sq8",
    "ivf-flat",
    "ivf-sq8",
    "hnsw-flat",
    "hnsw-sq8",
];

/// The Faiss factory string of `kind` for `rows` rows: IVF with about √rows lists (a power of
/// two), HNSW with M = 32.
fn factory(kind: &str, rows: usize) -> String {
    let nlist = ((rows as f64).sqrt() as usize).next_power_of_two();
    match kind {
        "flat" => "Flat".into(),
        "sq8" => "SQ8".into(),
        "ivf-flat" => format!("IVF{nlist},Flat"),
        "ivf-sq8" => format!("IVF{nlist},SQ8"),
        "hnsw-flat" => "HNSW32,Flat".into(),
        "hnsw-sq8" => "HNSW32,SQ8".into(),
        _ => unreachable!("kinds are checked in args()"),
    }
}

struct Dataset {
    /// Short name, also the index files' prefix.
    name: String,
    metric: MetricType,
    dim: usize,
    base: Vec<f32>,
    queries: Vec<f32>,
    /// Exact top-10 rows per query.
    truth: Vec<Vec<i64>>,
}

impl Dataset {
    fn rows(&self) -> usize {
        self.base.len() / self.dim
    }
}

fn normalize_all(v: &[f32], dim: usize) -> Vec<f32> {
    v.chunks_exact(dim)
        .flat_map(|r| normalized(r).unwrap_or_else(|| r.to_vec()))
        .collect()
}

fn dev_set(queries: usize) -> Option<Dataset> {
    let dir = dev_set_dir()?;
    let (dim, base) = read_fvecs(&dir.join("base.fvecs")).ok()?;
    let (_, q) = read_fvecs(&dir.join("query.fvecs")).ok()?;
    let (k, gt) = read_ivecs(&dir.join("groundtruth.ivecs")).ok()?;
    let nq = (q.len() / dim).min(queries);
    Some(Dataset {
        name: "dev-minilm-15k".into(),
        metric: MetricType::InnerProduct,
        dim,
        base: normalize_all(&base, dim),
        queries: normalize_all(&q[..nq * dim], dim),
        truth: gt
            .chunks_exact(k)
            .take(nq)
            .map(|r| r.iter().take(K).map(|&i| i64::from(i)).collect())
            .collect(),
    })
}

fn synthetic(rows: usize, dim: usize, nq: usize) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let all = clustered_vectors(&mut rng, rows + nq, dim, 1_000, 0.12);
    let (base, queries) = all.split_at(rows * dim);
    // Exact ground truth, computed here (independent of the Faiss build under test).
    let truth = queries
        .par_chunks_exact(dim)
        .map(|q| {
            let mut d: Vec<(f32, i64)> = base
                .chunks_exact(dim)
                .enumerate()
                .map(|(i, r)| (l2_squared(q, r), i as i64))
                .collect();
            d.select_nth_unstable_by(K, |a, b| a.0.total_cmp(&b.0));
            d.truncate(K);
            d.into_iter().map(|(_, i)| i).collect()
        })
        .collect();
    Dataset {
        name: format!("synthetic-{}k-{dim}", rows / 1000),
        metric: MetricType::L2,
        dim,
        base: base.to_vec(),
        queries: queries.to_vec(),
        truth,
    }
}

/// The index of `kind` over `ds`: read from `dir` when a previous run wrote it, else built
/// (on the OpenMP threads) and written; with the CPU seconds of the build when built here.
fn index_for(dir: &Path, ds: &Dataset, kind: &str) -> (IndexImpl, Option<f64>) {
    let path = dir.join(format!("{}-{kind}.faissindex", ds.name));
    if path.exists() {
        return (
            read_index(path.to_string_lossy()).expect("read index"),
            None,
        );
    }
    let cpu = process_cpu();
    let desc = factory(kind, ds.rows());
    let mut index = index_factory(ds.dim as u32, &desc, ds.metric).expect("factory");
    if !index.is_trained() {
        index.train(&ds.base).expect("train");
    }
    index.add(&ds.base).expect("add");
    let built = process_cpu() - cpu;
    std::fs::create_dir_all(dir).expect("index dir");
    let tmp = path.with_extension("tmp");
    write_index(&index, tmp.to_string_lossy()).expect("write index");
    std::fs::rename(&tmp, &path).expect("rename index");
    (index, Some(built))
}

fn set_params(index: &IndexImpl, kind: &str, nprobe: usize, ef_search: usize) {
    let ps = ParameterSpace::new().expect("parameter space");
    if kind.starts_with("ivf") {
        ps.set_index_parameter(index, "nprobe", nprobe as f64)
            .expect("nprobe");
    }
    if kind.starts_with("hnsw") {
        ps.set_index_parameter(index, "efSearch", ef_search as f64)
            .expect("efSearch");
    }
}

/// Recall@10 of one pass over the queries.
fn recall(index: &mut IndexImpl, ds: &Dataset) -> f64 {
    let mut hit = 0;
    for (q, t) in ds.queries.chunks_exact(ds.dim).zip(&ds.truth) {
        let r = index.search(q, K).expect("search");
        hit += r
            .labels
            .iter()
            .filter_map(|l| l.get())
            .filter(|&l| t.contains(&(l as i64)))
            .count();
    }
    hit as f64 / (K * ds.truth.len()) as f64
}

/// Best-of-`reps` CPU and wall microseconds per query.
fn timed(index: &mut IndexImpl, ds: &Dataset, reps: usize, min_pass_secs: f64) -> (f64, f64) {
    let nq = ds.queries.len() / ds.dim;
    let (mut best_cpu, mut best_wall) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps {
        let (cpu0, wall0) = (process_cpu(), Instant::now());
        let mut searched = 0usize;
        while process_cpu() - cpu0 < min_pass_secs || searched == 0 {
            for q in ds.queries.chunks_exact(ds.dim) {
                let r = index.search(q, K).expect("search");
                std::hint::black_box(&r);
            }
            searched += nq;
        }
        let cpu = (process_cpu() - cpu0) / searched as f64 * 1e6;
        let wall = wall0.elapsed().as_secs_f64() / searched as f64 * 1e6;
        best_cpu = best_cpu.min(cpu);
        best_wall = best_wall.min(wall);
    }
    (best_cpu, best_wall)
}

fn main() {
    let a = args();
    println!("# Raw Faiss search by index type\n");
    println!("Machine: {}", machine());
    println!(
        "Faiss compiled for: {} (KILN_FAISS_SIMD at build time)",
        faiss_simd_level()
    );
    println!(
        "Single query, 1 thread, k = {K}, nprobe = {}, efSearch = {}; best of {} passes of \
         ≥ {} CPU-s; indexes in {}\n",
        a.nprobe,
        a.ef_search,
        a.reps,
        a.min_pass_secs,
        a.index_dir.display()
    );
    let mut sets = Vec::new();
    if a.dev {
        match dev_set(a.queries) {
            Some(ds) => sets.push(ds),
            None => eprintln!("dev set not found; skipped"),
        }
    }
    if a.synthetic {
        sets.push(synthetic(a.rows, a.dim, a.queries));
    }
    let mut rows = Vec::new();
    for ds in &sets {
        for kind in &a.kinds {
            let (mut index, built) = index_for(&a.index_dir, ds, kind);
            set_faiss_threads(1);
            set_params(&index, kind, a.nprobe, a.ef_search);
            let r = recall(&mut index, ds);
            let (cpu, wall) = timed(&mut index, ds, a.reps, a.min_pass_secs);
            println!("RESULT\t{}\t{kind}\t{cpu:.2}\t{wall:.2}\t{r:.4}", ds.name);
            rows.push(vec![
                ds.name.clone(),
                factory(kind, ds.rows()),
                format!("{cpu:.1}"),
                rate(1e6 / cpu),
                format!("{wall:.1}"),
                format!("{r:.3}"),
                built.map_or("(read)".into(), |s| format!("{s:.1}")),
            ]);
            set_faiss_threads(std::thread::available_parallelism().map_or(2, |n| n.get()));
        }
    }
    println!();
    print_table(
        &[
            "data",
            "index",
            "CPU µs/query",
            "QPS (CPU)",
            "wall µs/query",
            "recall@10",
            "build CPU s",
        ],
        &rows,
    );
}
