//! Distance metrics and the exact distance kernels every code path shares.

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

const LANES: usize = 16;

/// Dot product with 16 independent accumulators, summed in a fixed order, so that the compiler
/// vectorises it and the result does not depend on where the vectors live.
#[inline]
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

/// Squared Euclidean distance, structured like [`dot`].
#[inline]
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

#[cfg(test)]
mod tests {
    use super::*;

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
