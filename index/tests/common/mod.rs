//! Shared helpers of kiln-index's integration tests: the dev set reader, seeded synthetic data,
//! exact ground truth and recall. (Not kiln-tests: that crate depends on kiln-index.)

#![allow(dead_code, missing_docs)]

use std::path::PathBuf;

use kiln_index::{Metric, Neighbor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The dev set's directory, if present.
pub fn dev_set_dir() -> Option<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("KILN_DEV_SET").map(PathBuf::from),
        Some(here.join("../../shared/data/dev-minilm-15k")),
        Some(PathBuf::from("/work/shared/data/dev-minilm-15k")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("base.fvecs").is_file())
}

/// The dev set: base rows, queries, exact top-100 rows per query, dimension.
pub type DevSet = (Vec<f32>, Vec<f32>, Vec<Vec<u32>>, usize);

/// The dev set, or `None` with a note on stderr.
pub fn dev_set(test: &str) -> Option<DevSet> {
    let Some(dir) = dev_set_dir() else {
        eprintln!("{test}: skipped, dev set ../shared/data/dev-minilm-15k not found");
        return None;
    };
    let (base, dim) = read_vecs_f32(&dir.join("base.fvecs"));
    let (queries, qdim) = read_vecs_f32(&dir.join("query.fvecs"));
    assert_eq!(dim, qdim);
    let gt = read_ivecs(&dir.join("groundtruth.ivecs"));
    Some((base, queries, gt, dim))
}

/// fvecs: per record an i32 LE dimension then that many f32 LE.
pub fn read_vecs_f32(path: &std::path::Path) -> (Vec<f32>, usize) {
    let bytes = std::fs::read(path).expect("read fvecs");
    let mut out = Vec::new();
    let mut dim = 0usize;
    let mut at = 0usize;
    while at < bytes.len() {
        let d = i32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        assert!(dim == 0 || dim == d, "ragged fvecs");
        dim = d;
        at += 4;
        for c in bytes[at..at + 4 * d].chunks_exact(4) {
            out.push(f32::from_le_bytes(c.try_into().expect("4 bytes")));
        }
        at += 4 * d;
    }
    (out, dim)
}

/// ivecs: per record an i32 LE count then that many i32 LE.
pub fn read_ivecs(path: &std::path::Path) -> Vec<Vec<u32>> {
    let bytes = std::fs::read(path).expect("read ivecs");
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let n = i32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        at += 4;
        out.push(
            bytes[at..at + 4 * n]
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")) as u32)
                .collect(),
        );
        at += 4 * n;
    }
    out
}

/// `n` vectors of `dim` floats in `clusters` Gaussian-ish clusters, seeded. The cluster
/// spread is chosen so that neighbours are not trivially the cluster: the sum of three
/// uniforms per component.
pub fn clustered(seed: u64, n: usize, dim: usize, clusters: usize, spread: f32) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<f32> = (0..clusters * dim)
        .map(|_| rng.gen_range(-1.0f32..1.0))
        .collect();
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let c = rng.gen_range(0..clusters);
        for j in 0..dim {
            let noise: f32 = (0..3).map(|_| rng.gen_range(-1.0f32..1.0)).sum::<f32>() * spread;
            out.push(centres[c * dim + j] + noise);
        }
    }
    out
}

/// Base rows and queries drawn from the same clusters (seeded): `(base, queries)`.
pub fn clustered_with_queries(
    seed: u64,
    n: usize,
    nq: usize,
    dim: usize,
    clusters: usize,
    spread: f32,
) -> (Vec<f32>, Vec<f32>) {
    let all = clustered(seed, n + nq, dim, clusters, spread);
    let (base, queries) = all.split_at(n * dim);
    (base.to_vec(), queries.to_vec())
}

/// Uniform random vectors in [-1, 1), seeded.
pub fn uniform(seed: u64, n: usize, dim: usize) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
}

/// Each row scaled to unit length.
pub fn normalise(x: &mut [f32], dim: usize) {
    for row in x.chunks_exact_mut(dim) {
        let n = row
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt();
        if n > 0.0 {
            row.iter_mut().for_each(|v| *v = (f64::from(*v) / n) as f32);
        }
    }
}

/// Exact top-`k` rows per query by Kiln's distance (ties by smaller row), using several threads.
pub fn exact_top_k(
    metric: Metric,
    base: &[f32],
    queries: &[f32],
    dim: usize,
    k: usize,
) -> Vec<Vec<u32>> {
    let nq = queries.len() / dim;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = nq.div_ceil(threads).max(1);
    let mut out = vec![Vec::new(); nq];
    std::thread::scope(|s| {
        for (ci, slot) in out.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for (i, res) in slot.iter_mut().enumerate() {
                    let q = &queries[(ci * chunk + i) * dim..(ci * chunk + i + 1) * dim];
                    let mut all: Vec<(f32, u32)> = base
                        .chunks_exact(dim)
                        .enumerate()
                        .map(|(r, v)| (metric.distance(q, v), r as u32))
                        .collect();
                    let kk = k.min(all.len());
                    if kk < all.len() {
                        all.select_nth_unstable_by(kk, |a, b| {
                            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                        });
                        all.truncate(kk);
                    }
                    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    *res = all.into_iter().map(|p| p.1).collect();
                }
            });
        }
    });
    out
}

/// Mean recall@k of `found` against `truth` (both rows, best first).
pub fn recall_at(k: usize, found: &[Vec<Neighbor>], truth: &[Vec<u32>]) -> f64 {
    assert_eq!(found.len(), truth.len());
    let mut hit = 0usize;
    for (f, t) in found.iter().zip(truth) {
        let t: std::collections::HashSet<u32> = t.iter().take(k).copied().collect();
        hit += f.iter().take(k).filter(|n| t.contains(&n.row)).count();
    }
    hit as f64 / (k * truth.len()) as f64
}

/// Whether the slow tests run (`KILN_SLOW_TESTS=1`).
pub fn slow_tests() -> bool {
    std::env::var("KILN_SLOW_TESTS").is_ok_and(|v| v == "1")
}

/// CPU seconds this process has used so far (user + system, every thread: Faiss's OpenMP
/// threads included), from `/proc/self/stat`; 0 where that cannot be read. Wall time on a
/// machine shared with other work says little about what a piece of code costs.
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports them in USER_HZ, which is 100 on every architecture Kiln builds for.
    (ticks(11) + ticks(12)) / 100.0
}
