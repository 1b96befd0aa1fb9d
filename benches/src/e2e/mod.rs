//! The end-to-end benchmark (`benches/src/bin/e2e.rs`): Kiln against raw Faiss building and
//! searching the equivalent single index, side by side in one run, with the same threads.
//!
//! Each system's build and each system's queries run in a child process of the bench binary
//! (the binary re-executes itself with `--child <job.json>`), so that peak RSS, bytes written
//! and cold opens are per system and per phase.

pub mod data;
pub mod faiss_side;
pub mod kiln_side;
pub mod report;
pub mod sys;

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use data::{Truth, K};

/// The nprobe points measured, in order, up to the nlist of the Faiss index; a system's ladder
/// stops after its first point at recall@10 ≥ [`STOP_RECALL`].
pub const LADDER: [usize; 19] = [
    1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768,
];
/// A ladder stops once it reaches this recall.
pub const STOP_RECALL: f64 = 0.995;
/// Cold opens measured per system (the median is reported).
pub const COLD_OPENS: usize = 3;
/// Recall targets of the "QPS at matched recall" figures.
pub const TARGETS: [f64; 2] = [0.95, 0.99];

/// What a child process is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub role: Role,
    pub data: PathBuf,
    /// Kiln database directory (Kiln roles) or Faiss index file (Faiss roles).
    pub target: PathBuf,
    pub out: PathBuf,
    /// The thread budget (cores): Kiln's thread budget and Faiss's OpenMP threads for builds.
    pub threads: usize,
    /// Kiln's compaction pool threads.
    pub compaction_threads: usize,
    /// Rows of the short Sync ingest measure.
    pub sync_rows: usize,
    /// The largest nprobe of the ladder (the Faiss index's nlist).
    pub ladder_cap: usize,
    /// Faiss: the factory string, nlist and training sample rows.
    pub factory: String,
    pub nlist: usize,
    pub sample_rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    KilnSync,
    KilnBuild,
    KilnQuery,
    FaissBuild,
    FaissQuery,
}

/// One measured search setting: every query once, one at a time on one caller thread.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Point {
    pub setting: String,
    pub nprobe: Option<usize>,
    pub exact: bool,
    pub recall: f64,
    pub qps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub queries: usize,
}

impl Point {
    pub fn label(nprobe: Option<usize>, exact: bool) -> String {
        match (exact, nprobe) {
            (true, _) => "exact".into(),
            (false, Some(n)) => format!("nprobe {n}"),
            (false, None) => "default".into(),
        }
    }
}

/// Recall@K of `got` (ids, nearest first) against `truth`.
pub fn recall(got: &[u64], truth: &Truth) -> f64 {
    let hits = got
        .iter()
        .take(K)
        .filter(|id| truth.ids.contains(id))
        .count();
    hits as f64 / K.min(truth.ids.len()).max(1) as f64
}

/// Run every query once through `search` (one at a time, this thread), timing each.
pub fn pass(
    queries: &[f32],
    dim: usize,
    truth: &[Truth],
    nprobe: Option<usize>,
    exact: bool,
    mut search: impl FnMut(&[f32]) -> Vec<u64>,
) -> Point {
    let mut lat = Vec::with_capacity(truth.len());
    let mut rsum = 0.0;
    let start = Instant::now();
    for (q, t) in queries.chunks_exact(dim).zip(truth) {
        let s = Instant::now();
        let ids = search(q);
        lat.push(s.elapsed().as_secs_f64() * 1e3);
        rsum += recall(&ids, t);
    }
    let total = start.elapsed().as_secs_f64();
    let (p50, p99) = percentiles(&mut lat);
    Point {
        setting: Point::label(nprobe, exact),
        nprobe,
        exact,
        recall: rsum / truth.len().max(1) as f64,
        qps: truth.len() as f64 / total,
        p50_ms: p50,
        p99_ms: p99,
        queries: truth.len(),
    }
}

/// p50 and p99 of `lat` (sorted in place).
pub fn percentiles(lat: &mut [f64]) -> (f64, f64) {
    if lat.is_empty() {
        return (0.0, 0.0);
    }
    lat.sort_by(f64::total_cmp);
    let at = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    (at(0.50), at(0.99))
}

/// The nprobe ladder up to `cap`, stopping after the first point at [`STOP_RECALL`].
pub fn ladder(cap: usize, mut run: impl FnMut(usize) -> Point) -> Vec<Point> {
    let mut out = Vec::new();
    for &n in LADDER.iter().filter(|&&n| n <= cap.max(1)) {
        let p = run(n);
        eprintln!(
            "    {:>12}: recall {:.4}  {:>8.0} QPS  p50 {:.3} ms  p99 {:.3} ms",
            p.setting, p.recall, p.qps, p.p50_ms, p.p99_ms
        );
        let stop = p.recall >= STOP_RECALL;
        out.push(p);
        if stop {
            break;
        }
    }
    out
}

/// The best QPS among `points` at recall ≥ `target` (a measured point, not interpolated).
pub fn best_at(points: &[Point], target: f64) -> Option<&Point> {
    points
        .iter()
        .filter(|p| p.recall >= target && !p.exact)
        .max_by(|a, b| a.qps.total_cmp(&b.qps))
}

pub fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}
