//! Datasets of the end-to-end benchmark: the dev set and seeded synthetic clustered sets,
//! written once by the parent process as raw little-endian f32 files that the child processes
//! stream, with exact ground truth (ids and distances) computed by brute force.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use kiln::{normalized, Metric};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// k of every search and of recall@k.
pub const K: usize = 10;

/// What a dataset directory holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub name: String,
    pub description: String,
    pub dim: usize,
    pub metric: Metric,
    pub rows: usize,
    pub queries: usize,
    /// Extra vectors of the same distribution that the writer inserts while queries run
    /// (cycled with fresh ids when exhausted).
    pub pool_rows: usize,
}

/// Exact top-k of one query over the base rows: ids (= row numbers) and distances, nearest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    pub ids: Vec<u64>,
    pub distances: Vec<f32>,
}

/// A prepared dataset directory.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub dir: PathBuf,
    pub meta: Meta,
}

impl Dataset {
    pub fn open(dir: &Path) -> std::io::Result<Dataset> {
        let meta: Meta = serde_json::from_slice(&std::fs::read(dir.join("meta.json"))?)
            .map_err(std::io::Error::other)?;
        Ok(Dataset {
            dir: dir.to_path_buf(),
            meta,
        })
    }
    pub fn base_path(&self) -> PathBuf {
        self.dir.join("base.f32")
    }
    pub fn queries(&self) -> std::io::Result<Vec<f32>> {
        read_f32(&self.dir.join("queries.f32"))
    }
    pub fn pool(&self) -> std::io::Result<Vec<f32>> {
        read_f32(&self.dir.join("pool.f32"))
    }
    pub fn truth(&self) -> std::io::Result<Vec<Truth>> {
        serde_json::from_slice(&std::fs::read(self.dir.join("truth.json"))?)
            .map_err(std::io::Error::other)
    }
    /// Stream the base rows in batches of `batch` rows (the last one shorter).
    pub fn stream_base(&self, batch: usize) -> std::io::Result<BaseStream> {
        Ok(BaseStream {
            reader: BufReader::with_capacity(1 << 20, File::open(self.base_path())?),
            dim: self.meta.dim,
            left: self.meta.rows,
            batch,
            buf: Vec::new(),
        })
    }
    /// `take` base rows spread evenly over the file, in order (as Kiln samples its template
    /// training rows from its sealed segments).
    pub fn even_sample(&self, take: usize) -> std::io::Result<Vec<f32>> {
        let f = File::open(self.base_path())?;
        let (rows, dim) = (self.meta.rows, self.meta.dim);
        let take = take.min(rows);
        let mut out = vec![0f32; take * dim];
        if take == 0 {
            return Ok(out);
        }
        let step = rows as f64 / take as f64;
        for (i, row) in out.chunks_exact_mut(dim).enumerate() {
            let r = ((i as f64 * step) as usize).min(rows - 1);
            f.read_exact_at(bytemuck::cast_slice_mut(row), (r * dim * 4) as u64)?;
        }
        Ok(out)
    }
}

/// Batches of base rows read from the raw file.
pub struct BaseStream {
    reader: BufReader<File>,
    dim: usize,
    left: usize,
    batch: usize,
    buf: Vec<f32>,
}

impl BaseStream {
    /// The next batch (row-major), or `None` at the end.
    pub fn next_batch(&mut self) -> std::io::Result<Option<&[f32]>> {
        if self.left == 0 {
            return Ok(None);
        }
        let n = self.batch.min(self.left);
        self.buf.resize(n * self.dim, 0.0);
        self.reader
            .read_exact(bytemuck::cast_slice_mut(&mut self.buf[..]))?;
        self.left -= n;
        Ok(Some(&self.buf))
    }
}

pub fn read_f32(path: &Path) -> std::io::Result<Vec<f32>> {
    let bytes = std::fs::read(path)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

fn write_f32(path: &Path, v: &[f32]) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    w.write_all(bytemuck::cast_slice(v))?;
    w.flush()
}

/// The distance Kiln reports, on vectors prepared as Kiln stores them (normalised for cosine).
pub fn distance(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    metric.distance(a, b)
}

/// `v` as Kiln stores it: normalised for cosine, unchanged otherwise.
pub fn prepared(metric: Metric, v: &[f32]) -> Vec<f32> {
    if metric.normalizes() {
        normalized(v).unwrap_or_else(|| v.to_vec())
    } else {
        v.to_vec()
    }
}

/// Exact top-K of every query over `base` (both prepared), by a blocked brute force on all
/// cores: each task scans every row once for a group of queries.
pub fn brute_force(metric: Metric, dim: usize, base: &[f32], queries: &[f32]) -> Vec<Truth> {
    let qs: Vec<&[f32]> = queries.chunks_exact(dim).collect();
    let groups: Vec<Vec<Truth>> = qs
        .par_chunks(8)
        .map(|group| {
            let mut tops: Vec<Vec<(f32, u64)>> = vec![Vec::with_capacity(K + 1); group.len()];
            for (row, v) in base.chunks_exact(dim).enumerate() {
                for (q, top) in group.iter().zip(tops.iter_mut()) {
                    let d = distance(metric, q, v);
                    push_top(top, d, row as u64);
                }
            }
            tops.into_iter()
                .map(|t| Truth {
                    ids: t.iter().map(|x| x.1).collect(),
                    distances: t.iter().map(|x| x.0).collect(),
                })
                .collect()
        })
        .collect();
    groups.into_iter().flatten().collect()
}

/// Keep the K nearest (distance, id) pairs, ties to the smaller id, sorted.
pub fn push_top(top: &mut Vec<(f32, u64)>, d: f32, id: u64) {
    if top.len() == K {
        let worst = top[K - 1];
        if (d, id) >= worst {
            return;
        }
        top.pop();
    }
    let at = top.partition_point(|x| (x.0, x.1) < (d, id));
    top.insert(at, (d, id));
}

/// The names `--datasets` accepts.
pub const KNOWN: [&str; 6] = ["dev", "100k-128", "100k-384", "1m-128", "1m-384", "10k-128"];

/// Write dataset `name` into `root/name` (or reuse it when already there).
pub fn prepare(name: &str, root: &Path, synthetic_queries: usize) -> Result<Dataset, String> {
    let dir = root.join(name);
    if dir.join("truth.json").is_file() {
        return Dataset::open(&dir).map_err(|e| e.to_string());
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let (meta, base, queries, pool, truth) = if name == "dev" {
        dev_set()?
    } else {
        let (rows, dim) = parse_synthetic(name)?;
        synthetic(name, rows, dim, synthetic_queries)
    };
    let io = |e: std::io::Error| e.to_string();
    write_f32(&dir.join("base.f32"), &base).map_err(io)?;
    write_f32(&dir.join("queries.f32"), &queries).map_err(io)?;
    write_f32(&dir.join("pool.f32"), &pool).map_err(io)?;
    std::fs::write(
        dir.join("truth.json"),
        serde_json::to_vec(&truth).map_err(|e| e.to_string())?,
    )
    .map_err(io)?;
    std::fs::write(
        dir.join("meta.json"),
        serde_json::to_vec_pretty(&meta).map_err(|e| e.to_string())?,
    )
    .map_err(io)?;
    eprintln!(
        "[{name}] data and ground truth ready in {:.1}s: {}",
        started.elapsed().as_secs_f64(),
        meta.description
    );
    Ok(Dataset { dir, meta })
}

/// "100k-128" → (100,000, 128).
fn parse_synthetic(name: &str) -> Result<(usize, usize), String> {
    let (rows, dim) = name
        .split_once('-')
        .ok_or_else(|| format!("unknown dataset {name}"))?;
    let rows = if let Some(k) = rows.strip_suffix('k') {
        k.parse::<usize>().map(|n| n * 1_000)
    } else if let Some(m) = rows.strip_suffix('m') {
        m.parse::<usize>().map(|n| n * 1_000_000)
    } else {
        rows.parse::<usize>()
    }
    .map_err(|_| format!("unknown dataset {name}"))?;
    let dim = dim
        .parse::<usize>()
        .map_err(|_| format!("unknown dataset {name}"))?;
    Ok((rows, dim))
}

type Parts = (Meta, Vec<f32>, Vec<f32>, Vec<f32>, Vec<Truth>);

fn dev_set() -> Result<Parts, String> {
    let dir = kiln_tests::dev_set_dir().ok_or("dev set not found (KILN_DEV_SET)")?;
    let io = |e: std::io::Error| e.to_string();
    let (dim, base) = kiln_tests::read_fvecs(&dir.join("base.fvecs")).map_err(io)?;
    let (_, queries) = kiln_tests::read_fvecs(&dir.join("query.fvecs")).map_err(io)?;
    let (gk, gt) = kiln_tests::read_ivecs(&dir.join("groundtruth.ivecs")).map_err(io)?;
    let metric = Metric::Cosine;
    let rows = base.len() / dim;
    let nq = queries.len() / dim;
    // The file's exact ground truth (ids); distances computed here as Kiln reports them.
    let pb: Vec<Vec<f32>> = base
        .chunks_exact(dim)
        .map(|v| prepared(metric, v))
        .collect();
    let truth = queries
        .chunks_exact(dim)
        .enumerate()
        .map(|(i, q)| {
            let q = prepared(metric, q);
            let ids: Vec<u64> = gt[i * gk..i * gk + K].iter().map(|&x| x as u64).collect();
            let distances = ids
                .iter()
                .map(|&id| distance(metric, &q, &pb[id as usize]))
                .collect();
            Truth { ids, distances }
        })
        .collect();
    // Writer vectors: the base vectors with small Gaussian-like noise, renormalised (real
    // embeddings are all there is; these keep their distribution closely).
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let pool: Vec<f32> = pb
        .iter()
        .flat_map(|v| {
            let noisy: Vec<f32> = v
                .iter()
                .map(|x| x + (0..3).map(|_| rng.gen_range(-0.01f32..0.01)).sum::<f32>())
                .collect();
            prepared(metric, &noisy)
        })
        .collect();
    let meta = Meta {
        name: "dev".into(),
        description: format!(
            "dev-minilm-15k: {rows} × {dim} real MiniLM embeddings, cosine, {nq} queries, exact ground truth from the set"
        ),
        dim,
        metric,
        rows,
        queries: nq,
        pool_rows: rows,
    };
    Ok((meta, base, queries, pool, truth))
}

fn synthetic(name: &str, rows: usize, dim: usize, nq: usize) -> Parts {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let pool_rows = (rows / 2).clamp(10_000, 200_000);
    // One draw, so base, queries and writer vectors share the cluster centres.
    let all = kiln_tests::clustered_vectors(&mut rng, rows + nq + pool_rows, dim, 1_000, 0.12);
    let (base, rest) = all.split_at(rows * dim);
    let (queries, pool) = rest.split_at(nq * dim);
    let metric = Metric::L2;
    let truth = brute_force(metric, dim, base, queries);
    let meta = Meta {
        name: name.into(),
        description: format!(
            "synthetic clustered (1,000 centres, seed 42): {rows} × {dim}, L2, {nq} queries, exact ground truth by brute force"
        ),
        dim,
        metric,
        rows,
        queries: nq,
        pool_rows,
    };
    (meta, base.to_vec(), queries.to_vec(), pool.to_vec(), truth)
}
