//! Seeded data for the unit tests.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` vectors of `dim` floats around `clusters` random centres, seeded.
pub(crate) fn clustered(seed: u64, n: usize, dim: usize, clusters: usize) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<f32> = (0..clusters * dim)
        .map(|_| rng.gen_range(-1.0f32..1.0))
        .collect();
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let c = rng.gen_range(0..clusters);
        for j in 0..dim {
            out.push(centres[c * dim + j] + rng.gen_range(-0.1f32..0.1));
        }
    }
    out
}
