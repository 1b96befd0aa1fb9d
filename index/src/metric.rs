//! Distance metrics and the exact distance kernels every code path shares.
//!
//! [`dot`] and [`l2_squared`] are compiled several times by `multiversion` (baseline, AVX2 +
//! FMA, AVX-512F) and one build is chosen per process at run time ([`kernel`]); all builds
//! return bit-identical results. `KILN_SIMD=off` forces the portable one ([`SIMD_ENV`]).
//!
//! Why `multiversion` with a plain loop rather than hand-written intrinsics or SimSIMD: it
//! keeps `unsafe` out of Kiln's source (the crate generates the feature detection and the
//! calls into `#[target_feature]` code), the compiler vectorises the 32-lane loop at each
//! width, and it measured fastest (`benches/src/bin/kernels.rs`, AMD EPYC with AVX2 + FMA,
//! release build, ns per distance, dot / l2²):
//!
//! ```text
//! d      before (16 lanes, SSE2)   portable (32 lanes, SSE2)   AVX2 build    SimSIMD 6.5
//! 128    35 / 41                   32 / 32                     26 / 25       28 / 34
//! 384    91 / 107                  64 / 69                     52 / 52       67 / 80
//! 768    202 / 241                 121 / 150                   91 / 95       133 / 159
//! ```
//!
//! (In the dev and test profile, opt-level 2, the old indexed loop was not vectorised at all:
//! 77 / 396 ns at d = 128 / 768 against 25 / 78 now.) SimSIMD builds offline from its crates.io
//! source (its C is compiled by `cc`), but its AVX2 kernels keep one FMA accumulator (bound by
//! the FMA latency), each CPU level sums in another order (so results would differ between
//! machines), and it returns f64 of f32 sums. 64 lanes were up to 20 % faster for the AVX2
//! build at d = 768 but made the portable build slower than the old kernels at d = 128; 32
//! keeps every build at least as fast as before.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// How closeness is measured. In every metric a smaller [`distance`](Metric::distance) is closer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Metric {
    /// Squared Euclidean distance.
    L2,
    /// Inner product; the distance is its negation, so larger products rank first.
    InnerProduct,
    /// Cosine similarity; vectors are normalised on the way in and the distance is
    /// `1 − cosine`, in `[0, 2]`.
    Cosine,
}

impl Metric {
    /// The distance between `a` and `b` as Kiln reports it: squared L2, `-(a·b)`, or `1 − a·b`
    /// for cosine (both sides already normalised). Exact search and the brute-force models in the
    /// tests call this one function, so equal inputs give bit-identical distances everywhere.
    #[inline]
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Metric::L2 => l2_squared(a, b),
            Metric::InnerProduct => -dot(a, b),
            Metric::Cosine => 1.0 - dot(a, b),
        }
    }

    /// Whether vectors are normalised to unit length when stored and queried.
    pub fn normalizes(self) -> bool {
        matches!(self, Metric::Cosine)
    }

    /// A short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::L2 => "l2",
            Metric::InnerProduct => "ip",
            Metric::Cosine => "cosine",
        }
    }
}

/// `v` scaled to unit length, computing the norm in f64; `None` for a zero vector or one whose
/// norm is not finite. Cosine collections store and query exactly this.
pub fn normalized(v: &[f32]) -> Option<Vec<f32>> {
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return None;
    }
    Some(v.iter().map(|&x| (f64::from(x) / norm) as f32).collect())
}

/// Which build of the distance kernels this process runs (see [`kernel`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kernel {
    /// Compiled for the baseline target (x86-64: SSE2); forced with `KILN_SIMD=off`.
    Portable,
    /// x86-64 with AVX2 and FMA (256-bit vectors).
    Avx2,
    /// x86-64 with AVX-512F (512-bit vectors). `multiversion` picks it only on CPUs that also
    /// have Ice Lake's AVX-512 extensions (VBMI2 and others), where 512-bit code does not lower
    /// the clock as on Skylake-SP.
    Avx512,
}

impl Kernel {
    /// A short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512 => "avx512",
        }
    }
}

/// The environment variable that forces the [`Portable`](Kernel::Portable) kernel:
/// `KILN_SIMD=off` (or `0`, `false`, `no`, `portable`; any case). Read once, at the first
/// distance the process computes.
pub const SIMD_ENV: &str = "KILN_SIMD";

/// The chosen kernel, once chosen: [`UNCHOSEN`] until the first call of [`kernel`], then the
/// code of one [`Kernel`] forever (set once, through [`CHOICE`]).
static CHOSEN: AtomicU8 = AtomicU8::new(UNCHOSEN);
const UNCHOSEN: u8 = 0;
/// Makes the choice once, even when threads race to it.
static CHOICE: OnceLock<Kernel> = OnceLock::new();

impl Kernel {
    fn code(self) -> u8 {
        match self {
            Kernel::Portable => 1,
            Kernel::Avx2 => 2,
            Kernel::Avx512 => 3,
        }
    }

    fn from_code(code: u8) -> Option<Kernel> {
        match code {
            1 => Some(Kernel::Portable),
            2 => Some(Kernel::Avx2),
            3 => Some(Kernel::Avx512),
            _ => None,
        }
    }
}

/// The kernel this process uses: chosen once, at the first call, and the same for every exact
/// code path from then on. The SIMD builds are the ones `multiversion` selects for the CPU;
/// `KILN_SIMD=off` ([`SIMD_ENV`]) forces the portable build.
///
/// Every build computes the same sums in the same order (the accumulators are independent
/// lanes and no multiply-add is fused, which Rust never does on its own), so they return
/// bit-identical distances; the choice changes only the speed (tested).
#[inline]
pub fn kernel() -> Kernel {
    // A relaxed load suffices: the value is the only data, and every thread that sees it
    // unset makes the choice through `CHOICE`, which gives them all the same one.
    Kernel::from_code(CHOSEN.load(Ordering::Relaxed)).unwrap_or_else(choose)
}

#[cold]
fn choose() -> Kernel {
    let chosen = *CHOICE.get_or_init(|| {
        let forced = std::env::var_os(SIMD_ENV).is_some_and(|v| disables_simd(&v));
        let chosen = if forced {
            Kernel::Portable
        } else {
            simd::selected()
        };
        tracing::debug!(kernel = chosen.name(), forced, "distance kernel chosen");
        chosen
    });
    CHOSEN.store(chosen.code(), Ordering::Relaxed);
    chosen
}

/// Whether a value of [`SIMD_ENV`] asks for the portable kernel.
fn disables_simd(value: &std::ffi::OsStr) -> bool {
    let v = value.to_string_lossy().trim().to_ascii_lowercase();
    matches!(v.as_str(), "off" | "0" | "false" | "no" | "portable")
}

/// Dot product of the common prefix of `a` and `b`, with the process's [`kernel`].
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    if kernel() == Kernel::Portable {
        portable::dot(a, b)
    } else {
        simd::dot(a, b)
    }
}

/// Squared Euclidean distance of the common prefix of `a` and `b`, with the process's
/// [`kernel`].
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    if kernel() == Kernel::Portable {
        portable::l2_squared(a, b)
    } else {
        simd::l2_squared(a, b)
    }
}

/// `Σ w[i] · codes[i]` over the common prefix, in integers: the varying part of a distance
/// to a row of 8-bit scalar-quantizer codes once the query is folded into the codes' terms and
/// scaled to 16-bit weights (see `graph`). The caller bounds `Σ |w[i]| · 255` below 2³¹
/// ([`SQ8_WEIGHT_SUM_MAX`]); the sum wraps rather than panics past it.
///
/// Why integers: a multiply of 16-bit pairs summing into 32 bits (`pmaddwd`) takes two
/// components an instruction with nothing converted, where the float form converts every code
/// before its multiply-add (384-d rows of codes read in random order, AVX2 build, one loaded
/// core: 77–83 ns a row against 200–247 ns).
#[inline]
pub fn sq8_dot_i16(w: &[i16], codes: &[u8]) -> i32 {
    if kernel() == Kernel::Portable {
        portable::sq8_dot_i16(w, codes)
    } else {
        simd::sq8_dot_i16(w, codes)
    }
}

/// The largest `Σ |w[i]|` [`sq8_dot_i16`] may be given: with every code at most 255 the sum
/// and every partial sum then stay below 2³¹.
pub const SQ8_WEIGHT_SUM_MAX: i64 = (i32::MAX as i64) / 255;

/// Independent accumulators: lane `i` sums the products of components `i`, `i + LANES`,
/// `i + 2·LANES`, … (the last partial block included), and the lanes are added in a fixed
/// binary tree at the end. Enough lanes to hide the adder's latency at every vector width
/// (8 chains of 4 on SSE2, 4 of 8 on AVX2, 2 of 16 on AVX-512); the order depends only on
/// the length, so every build gives the same bits.
const LANES: usize = 32;

/// The kernels' one source, inlined into every build.
mod body {
    use super::LANES;

    #[inline(always)]
    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0f32; LANES];
        let mut ca = a.chunks_exact(LANES);
        let mut cb = b.chunks_exact(LANES);
        for (x, y) in (&mut ca).zip(&mut cb) {
            // Written with iterators (no indexing) so that LLVM vectorises it at full width.
            acc.iter_mut()
                .zip(x.iter().zip(y))
                .for_each(|(s, (x, y))| *s += x * y);
        }
        acc.iter_mut()
            .zip(ca.remainder().iter().zip(cb.remainder()))
            .for_each(|(s, (x, y))| *s += x * y);
        reduce(acc)
    }

    #[inline(always)]
    pub(super) fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0f32; LANES];
        let mut ca = a.chunks_exact(LANES);
        let mut cb = b.chunks_exact(LANES);
        for (x, y) in (&mut ca).zip(&mut cb) {
            acc.iter_mut().zip(x.iter().zip(y)).for_each(|(s, (x, y))| {
                let d = x - y;
                *s += d * d;
            });
        }
        acc.iter_mut()
            .zip(ca.remainder().iter().zip(cb.remainder()))
            .for_each(|(s, (x, y))| {
                let d = x - y;
                *s += d * d;
            });
        reduce(acc)
    }

    /// 32 independent 32-bit lanes, which LLVM turns into `pmaddwd` (pairs of 16-bit products
    /// summed) at every vector width, in the dev profile too (16 lanes stayed scalar there).
    #[inline(always)]
    pub(super) fn sq8_dot_i16(w: &[i16], codes: &[u8]) -> i32 {
        const INT_LANES: usize = 32;
        let n = w.len().min(codes.len());
        let (w, codes) = (&w[..n], &codes[..n]);
        let mut acc = [0i32; INT_LANES];
        let mut cw = w.chunks_exact(INT_LANES);
        let mut cc = codes.chunks_exact(INT_LANES);
        for (x, c) in (&mut cw).zip(&mut cc) {
            acc.iter_mut()
                .zip(x.iter().zip(c))
                .for_each(|(s, (&x, &c))| *s = s.wrapping_add(i32::from(x) * i32::from(c)));
        }
        let mut sum = acc.iter().fold(0i32, |a, &b| a.wrapping_add(b));
        for (&x, &c) in cw.remainder().iter().zip(cc.remainder()) {
            sum = sum.wrapping_add(i32::from(x) * i32::from(c));
        }
        sum
    }

    #[inline(always)]
    fn reduce(mut v: [f32; LANES]) -> f32 {
        let mut width = LANES / 2;
        while width > 0 {
            let (low, high) = v.split_at_mut(width);
            low.iter_mut().zip(high.iter()).for_each(|(l, h)| *l += *h);
            width /= 2;
        }
        v[0]
    }
}

/// The kernels compiled for the baseline target only.
pub mod portable {
    /// [`dot`](super::dot) on the baseline target.
    #[inline(never)]
    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        super::body::dot(a, b)
    }

    /// [`l2_squared`](super::l2_squared) on the baseline target.
    #[inline(never)]
    pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
        super::body::l2_squared(a, b)
    }

    /// [`sq8_dot_i16`](super::sq8_dot_i16) on the baseline target.
    #[inline(never)]
    pub fn sq8_dot_i16(w: &[i16], codes: &[u8]) -> i32 {
        super::body::sq8_dot_i16(w, codes)
    }
}

/// The kernels compiled for each SIMD level by `multiversion`, which picks one at the first
/// call (runtime CPU feature detection, cached) and keeps it. Callers go through
/// [`kernel`], which may force the portable build instead.
pub mod simd {
    use multiversion::multiversion;

    use super::Kernel;

    /// Applies the same target list to every function, so they all select the same level.
    macro_rules! every_level {
        ($($item:item)*) => {$(
            #[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
            $item
        )*};
    }

    every_level! {
        /// The level `multiversion` selects for this CPU.
        pub fn selected() -> Kernel {
            multiversion::target::match_target! {
                "x86_64+avx512f" => Kernel::Avx512,
                "x86_64+avx2" => Kernel::Avx2,
                _ => Kernel::Portable,
            }
        }

        /// [`dot`](super::dot) at the selected level.
        pub fn dot(a: &[f32], b: &[f32]) -> f32 {
            super::body::dot(a, b)
        }

        /// [`l2_squared`](super::l2_squared) at the selected level.
        pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
            super::body::l2_squared(a, b)
        }

        /// [`sq8_dot_i16`](super::sq8_dot_i16) at the selected level.
        pub fn sq8_dot_i16(w: &[i16], codes: &[u8]) -> i32 {
            super::body::sq8_dot_i16(w, codes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_integer_code_kernel_is_exact_at_every_level() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for n in [0usize, 1, 15, 16, 17, 31, 45, 384, 1000] {
            let w: Vec<i16> = (0..n).map(|_| rng.gen()).collect();
            let c: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            let naive: i64 = w
                .iter()
                .zip(&c)
                .map(|(&w, &c)| i64::from(w) * i64::from(c))
                .sum();
            let want = i32::try_from(naive).expect("within 32 bits at these lengths");
            assert_eq!(portable::sq8_dot_i16(&w, &c), want, "n = {n}");
            assert_eq!(simd::sq8_dot_i16(&w, &c), want, "n = {n}");
            assert_eq!(sq8_dot_i16(&w, &c), want, "n = {n}");
        }
        // At the bound the caller keeps: every weight as large as the sum allows, every code 255.
        let n = 4096usize;
        let w = vec![i16::try_from(SQ8_WEIGHT_SUM_MAX / n as i64).expect("fits"); n];
        let c = vec![255u8; n];
        let naive: i64 = w.iter().map(|&w| i64::from(w) * 255).sum();
        assert_eq!(i64::from(sq8_dot_i16(&w, &c)), naive);
    }

    #[test]
    fn kernels_match_naive() {
        for n in [0usize, 1, 7, 16, 17, 33, 384] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive_dot: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            let naive_l2: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
                .sum();
            assert!((dot(&a, &b) as f64 - naive_dot).abs() < 1e-4, "n={n}");
            assert!((l2_squared(&a, &b) as f64 - naive_l2).abs() < 1e-4, "n={n}");
        }
    }

    type Kernels = (
        &'static str,
        fn(&[f32], &[f32]) -> f32,
        fn(&[f32], &[f32]) -> f32,
    );

    /// Every build this CPU can run, and the process's choice.
    const KERNELS: [Kernels; 3] = [
        ("portable", portable::dot, portable::l2_squared),
        ("simd", simd::dot, simd::l2_squared),
        ("dispatched", dot, l2_squared),
    ];

    const AWKWARD: [usize; 12] = [1, 7, 15, 16, 17, 31, 32, 33, 383, 384, 385, 1_000];

    fn vectors(rng: &mut ChaCha8Rng, n: usize, scale: f32) -> (Vec<f32>, Vec<f32>) {
        let a = (0..n).map(|_| rng.gen_range(-scale..scale)).collect();
        let b = (0..n).map(|_| rng.gen_range(-scale..scale)).collect();
        (a, b)
    }

    #[test]
    fn every_kernel_agrees_with_f64_on_awkward_lengths() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        for n in AWKWARD {
            for scale in [1e-3f32, 1.0, 1e3] {
                for _ in 0..20 {
                    let (a, b) = vectors(&mut rng, n, scale);
                    let dot64: f64 = a
                        .iter()
                        .zip(&b)
                        .map(|(x, y)| f64::from(*x) * f64::from(*y))
                        .sum();
                    // Relative to the sum of |products|: a dot product may cancel to near zero.
                    let mag: f64 = a
                        .iter()
                        .zip(&b)
                        .map(|(x, y)| (f64::from(*x) * f64::from(*y)).abs())
                        .sum();
                    let l2_64: f64 = a
                        .iter()
                        .zip(&b)
                        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
                        .sum();
                    for (name, d, l) in KERNELS {
                        let got = f64::from(d(&a, &b));
                        assert!(
                            (got - dot64).abs() <= 1e-5 * mag,
                            "{name} dot n={n} scale={scale}: {got} vs {dot64}"
                        );
                        let got = f64::from(l(&a, &b));
                        assert!(
                            (got - l2_64).abs() <= 1e-5 * l2_64,
                            "{name} l2 n={n} scale={scale}: {got} vs {l2_64}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_build_gives_the_same_bits() {
        let mut rng = ChaCha8Rng::seed_from_u64(43);
        for n in AWKWARD.into_iter().chain([0, 2, 64, 65, 128, 768, 1_536]) {
            for _ in 0..20 {
                let (a, b) = vectors(&mut rng, n, 1.0);
                let want_dot = portable::dot(&a, &b).to_bits();
                let want_l2 = portable::l2_squared(&a, &b).to_bits();
                for (name, d, l) in KERNELS {
                    assert_eq!(d(&a, &b).to_bits(), want_dot, "{name} dot n={n}");
                    assert_eq!(l(&a, &b).to_bits(), want_l2, "{name} l2 n={n}");
                }
                // Where the vectors live makes no difference either (a copy at another
                // alignment).
                let mut shifted = vec![0f32; n + 1];
                shifted[1..].copy_from_slice(&a);
                assert_eq!(dot(&shifted[1..], &b).to_bits(), want_dot, "n={n}");
            }
        }
    }

    #[test]
    fn lengths_differ_only_the_common_prefix_counts() {
        let a = [1.0f32, 2.0, 3.0];
        let b = [4.0f32, 5.0];
        assert_eq!(dot(&a, &b), 14.0);
        assert_eq!(l2_squared(&a, &b), 18.0);
        assert_eq!(dot(&[], &b), 0.0);
        assert_eq!(l2_squared(&a, &[]), 0.0);
    }

    #[test]
    fn one_kernel_per_process() {
        let first = kernel();
        let others: Vec<Kernel> = (0..4)
            .map(|_| std::thread::spawn(kernel))
            .map(|t| t.join().expect("thread"))
            .collect();
        assert!(
            others.iter().all(|&k| k == first),
            "{first:?} vs {others:?}"
        );
        assert_eq!(kernel(), first);
        let forced = std::env::var_os(SIMD_ENV).is_some_and(|v| disables_simd(&v));
        if forced {
            assert_eq!(first, Kernel::Portable);
        } else {
            assert_eq!(first, simd::selected());
        }
        // The selection matches what the CPU has.
        #[cfg(target_arch = "x86_64")]
        {
            let level = simd::selected();
            if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
                assert_eq!(level, Kernel::Portable);
            }
            if level == Kernel::Avx512 {
                assert!(is_x86_feature_detected!("avx512f"));
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                assert_ne!(level, Kernel::Portable);
            }
        }
    }

    #[test]
    fn the_environment_variable_forces_portable() {
        use std::ffi::OsStr;
        for off in ["off", "OFF", " 0 ", "false", "no", "Portable"] {
            assert!(disables_simd(OsStr::new(off)), "{off}");
        }
        for on in ["on", "1", "", "auto", "avx2"] {
            assert!(!disables_simd(OsStr::new(on)), "{on}");
        }
    }

    #[test]
    fn metric_distances() {
        let a = [1.0, 0.0];
        let b = [0.0, 1.0];
        assert_eq!(Metric::L2.distance(&a, &b), 2.0);
        assert_eq!(Metric::InnerProduct.distance(&a, &a), -1.0);
        assert_eq!(Metric::Cosine.distance(&a, &b), 1.0);
        assert_eq!(Metric::Cosine.distance(&a, &a), 0.0);
    }
}
