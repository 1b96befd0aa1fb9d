//! The exact distance kernels (`kiln_index::metric::{dot, l2_squared}`) against the ones they
//! replaced and against SimSIMD, in one run: nanoseconds per distance, median of `--reps`
//! interleaved samples, at d = 128, 384 and 768.
//!
//! ```text
//! cargo run -p kiln-benches --bin kernels [--features simsimd] [-- --reps R --rows N --dims 128,384,768]
//! ```
//!
//! The rows (`--rows`, default 256) fit in L2, so this measures the arithmetic, not memory
//! bandwidth. Candidates:
//!
//! - `before`: the kernels as they were (16 lanes and a scalar tail, compiled for the baseline
//!   target), copied here verbatim.
//! - `portable`: `kiln_index::metric::portable`, today's source compiled for the baseline
//!   target (what `KILN_SIMD=off` runs).
//! - `multiversion`: `kiln_index::metric::simd`, the same source compiled per SIMD level,
//!   dispatched at run time by the `multiversion` crate.
//! - `kiln`: `kiln_index::metric::{dot, l2_squared}` as every exact path calls them (the
//!   process's kernel, with its one-time choice checked per call).
//! - `simsimd` (with `--features simsimd`): SimSIMD's C kernels, its own run-time dispatch.
//!
//! Every candidate is also checked against an f64 reference, and the portable and dispatched
//! builds against each other bit for bit.

use std::hint::black_box;
use std::time::Instant;

use kiln_benches::{machine, print_table};
use kiln_index::metric::{self, portable, simd};
use rand::{Rng, SeedableRng};

/// The kernels before run-time dispatch, verbatim: 16 accumulators and a scalar tail.
mod before {
    const LANES: usize = 16;

    #[inline(never)]
    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0f32; LANES];
        let mut ca = a.chunks_exact(LANES);
        let mut cb = b.chunks_exact(LANES);
        for (x, y) in (&mut ca).zip(&mut cb) {
            for i in 0..LANES {
                acc[i] += x[i] * y[i];
            }
        }
        let mut tail = 0f32;
        for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
            tail += x * y;
        }
        reduce(acc) + tail
    }

    #[inline(never)]
    pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0f32; LANES];
        let mut ca = a.chunks_exact(LANES);
        let mut cb = b.chunks_exact(LANES);
        for (x, y) in (&mut ca).zip(&mut cb) {
            for i in 0..LANES {
                let d = x[i] - y[i];
                acc[i] += d * d;
            }
        }
        let mut tail = 0f32;
        for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
            let d = x - y;
            tail += d * d;
        }
        reduce(acc) + tail
    }

    #[inline]
    fn reduce(acc: [f32; LANES]) -> f32 {
        let mut v = acc;
        let mut width = LANES / 2;
        while width > 0 {
            for i in 0..width {
                v[i] += v[i + width];
            }
            width /= 2;
        }
        v[0]
    }
}

#[cfg(feature = "simsimd")]
mod simsimd_kernels {
    use simsimd::SpatialSimilarity;

    /// SimSIMD's f32 dot product (it returns an f64).
    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        f32::dot(a, b).unwrap_or(f64::NAN) as f32
    }

    /// SimSIMD's f32 squared Euclidean distance (it returns an f64).
    pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
        f32::sqeuclidean(a, b).unwrap_or(f64::NAN) as f32
    }
}

type Kernel = fn(&[f32], &[f32]) -> f32;

struct Args {
    reps: usize,
    rows: usize,
    dims: Vec<usize>,
}

fn args() -> Args {
    let mut a = Args {
        reps: 21,
        rows: 256,
        dims: vec![128, 384, 768],
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--reps" => a.reps = value.parse().unwrap_or(a.reps).max(1),
            "--rows" => a.rows = value.parse().unwrap_or(a.rows).max(1),
            "--dims" => {
                a.dims = value
                    .split(',')
                    .filter_map(|d| d.trim().parse().ok())
                    .filter(|&d| d > 0)
                    .collect()
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

fn candidates() -> Vec<(&'static str, Kernel, Kernel)> {
    #[allow(unused_mut)]
    let mut c: Vec<(&'static str, Kernel, Kernel)> = vec![
        ("before", before::dot, before::l2_squared),
        ("portable", portable::dot, portable::l2_squared),
        ("multiversion", simd::dot, simd::l2_squared),
        ("kiln", metric::dot, metric::l2_squared),
    ];
    #[cfg(feature = "simsimd")]
    c.push(("simsimd", simsimd_kernels::dot, simsimd_kernels::l2_squared));
    c
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per call of `f` over every row, for passes long enough to time (~2 ms).
fn sample(f: Kernel, q: &[f32], data: &[f32], dim: usize, passes: usize) -> f64 {
    let rows = data.len() / dim;
    let start = Instant::now();
    let mut sink = 0f32;
    for _ in 0..passes {
        for row in data.chunks_exact(dim) {
            sink += f(black_box(q), black_box(row));
        }
    }
    black_box(sink);
    start.elapsed().as_nanos() as f64 / (passes * rows) as f64
}

fn reference(a: &[f32], b: &[f32]) -> (f64, f64, f64) {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let abs: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) * f64::from(*y)).abs())
        .sum();
    let l2: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum();
    (dot, abs, l2)
}

fn main() {
    let args = args();
    println!("# Exact distance kernels\n");
    println!("Machine: {}", machine());
    #[cfg(target_arch = "x86_64")]
    println!(
        "CPU features: avx2 {}, fma {}, avx512f {}, avx512vbmi2 {}",
        std::arch::is_x86_feature_detected!("avx2"),
        std::arch::is_x86_feature_detected!("fma"),
        std::arch::is_x86_feature_detected!("avx512f"),
        std::arch::is_x86_feature_detected!("avx512vbmi2"),
    );
    println!(
        "Kernel of this process: {} (multiversion selects {}; {}={:?})",
        metric::kernel().name(),
        simd::selected().name(),
        metric::SIMD_ENV,
        std::env::var(metric::SIMD_ENV).ok()
    );
    println!(
        "Profile: {}; {} rows per pass, median of {} interleaved samples; ns per distance.\n",
        if cfg!(debug_assertions) {
            "dev (opt-level 2 for Kiln, 3 for dependencies; debug assertions on)"
        } else {
            "release"
        },
        args.rows,
        args.reps
    );

    let cands = candidates();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut table = Vec::new();
    let mut worst_error = vec![0f64; cands.len()];
    for &dim in &args.dims {
        let data: Vec<f32> = (0..args.rows * dim)
            .map(|_| rng.gen_range(-1.0f32..1.0))
            .collect();
        let q: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect();

        // Correctness first: every candidate against f64, and the builds bit for bit.
        for row in data.chunks_exact(dim) {
            let (dot, abs, l2) = reference(&q, row);
            for (i, (name, d, l)) in cands.iter().enumerate() {
                let e_dot = (f64::from(d(&q, row)) - dot).abs() / abs.max(f64::MIN_POSITIVE);
                let e_l2 = (f64::from(l(&q, row)) - l2).abs() / l2.max(f64::MIN_POSITIVE);
                worst_error[i] = worst_error[i].max(e_dot).max(e_l2);
                assert!(e_dot < 1e-5 && e_l2 < 1e-5, "{name} d={dim}: wrong result");
            }
            assert_eq!(
                portable::dot(&q, row).to_bits(),
                simd::dot(&q, row).to_bits(),
                "d={dim}: builds disagree"
            );
            assert_eq!(
                portable::l2_squared(&q, row).to_bits(),
                simd::l2_squared(&q, row).to_bits(),
                "d={dim}: builds disagree"
            );
        }

        let passes = (2_000_000 / (args.rows * dim)).max(1);
        let mut dot_ns = vec![Vec::new(); cands.len()];
        let mut l2_ns = vec![Vec::new(); cands.len()];
        for _ in 0..args.reps {
            for (i, (_, d, l)) in cands.iter().enumerate() {
                dot_ns[i].push(sample(*d, &q, &data, dim, passes));
                l2_ns[i].push(sample(*l, &q, &data, dim, passes));
            }
        }
        let base_dot = median(dot_ns[0].clone());
        let base_l2 = median(l2_ns[0].clone());
        for (i, (name, _, _)) in cands.iter().enumerate() {
            let d = median(dot_ns[i].clone());
            let l = median(l2_ns[i].clone());
            table.push(vec![
                dim.to_string(),
                (*name).to_string(),
                format!("{d:.1}"),
                format!("{:.2}×", base_dot / d),
                format!("{l:.1}"),
                format!("{:.2}×", base_l2 / l),
            ]);
        }
    }
    print_table(
        &[
            "d",
            "kernel",
            "dot ns",
            "dot speed-up",
            "l2² ns",
            "l2² speed-up",
        ],
        &table,
    );
    println!();
    for (i, (name, _, _)) in cands.iter().enumerate() {
        println!(
            "{name}: worst relative error against f64 {:.1e}",
            worst_error[i]
        );
    }
}
