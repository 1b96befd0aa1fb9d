//! Exact top-k selection with deterministic ties, and the exact scan over a block of rows.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::metric::Metric;

/// One search result: a user id and its distance to the query (smaller is closer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The vector's id.
    pub id: u64,
    /// Its distance to the query under the collection's metric.
    pub distance: f32,
}

impl Hit {
    /// The total order of results: by distance ([`f32::total_cmp`]), then by smaller id.
    #[inline]
    pub fn cmp_rank(&self, other: &Hit) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.id.cmp(&other.id))
    }
}

#[derive(Debug, Clone, Copy)]
struct Ranked(Hit);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_rank(&other.0)
    }
}

/// The best `k` hits seen so far. A max-heap on rank, so the worst kept hit is at the top.
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopK {
    /// Keep the best `k` (`k` may exceed the number of candidates; memory grows with what is
    /// pushed, not with `k`).
    pub fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.min(1024)),
        }
    }

    /// The `k` asked for.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Offer a candidate.
    #[inline]
    pub fn push(&mut self, hit: Hit) {
        if self.heap.len() < self.k {
            self.heap.push(Ranked(hit));
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if hit.cmp_rank(&worst.0) == Ordering::Less {
                *worst = Ranked(hit);
            }
        }
    }

    /// The distance a candidate must beat (or tie with a smaller id) to enter, when full.
    #[inline]
    pub fn threshold(&self) -> Option<f32> {
        if self.heap.len() < self.k {
            None
        } else {
            self.heap.peek().map(|r| r.0.distance)
        }
    }

    /// Merge another partial result in.
    pub fn extend(&mut self, other: TopK) {
        for r in other.heap {
            self.push(r.0);
        }
    }

    /// The hits, best first.
    pub fn into_sorted(self) -> Vec<Hit> {
        let mut v: Vec<Hit> = self.heap.into_iter().map(|r| r.0).collect();
        v.sort_by(Hit::cmp_rank);
        v
    }
}

/// Exact scan of a block of rows: `vectors` holds `ids.len()` rows of `query.len()` floats;
/// `first_row` is the block's first row number in its segment; rows for which `deleted(row)` is
/// true are skipped.
pub fn scan_block(
    metric: Metric,
    query: &[f32],
    vectors: &[f32],
    ids: &[u64],
    first_row: usize,
    deleted: impl Fn(usize) -> bool,
    top: &mut TopK,
) {
    let dim = query.len();
    if dim == 0 {
        return;
    }
    for (i, (v, &id)) in vectors.chunks_exact(dim).zip(ids).enumerate() {
        if deleted(first_row + i) {
            continue;
        }
        let d = metric.distance(query, v);
        if let Some(t) = top.threshold() {
            if d.total_cmp(&t) == Ordering::Greater {
                continue;
            }
        }
        top.push(Hit { id, distance: d });
    }
}

/// Merge per-segment results into the global top `k` (the `merge_fruits` step).
pub fn merge_hits(k: usize, parts: impl IntoIterator<Item = TopK>) -> Vec<Hit> {
    let mut top = TopK::new(k);
    for p in parts {
        top.extend(p);
    }
    top.into_sorted()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_break_by_id_and_k_bounds() {
        let mut t = TopK::new(3);
        for (id, d) in [(5, 1.0), (3, 1.0), (9, 0.5), (1, 1.0), (2, 2.0)] {
            t.push(Hit { id, distance: d });
        }
        let ids: Vec<u64> = t.into_sorted().iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![9, 1, 3]);
        let mut t = TopK::new(usize::MAX);
        t.push(Hit {
            id: 1,
            distance: 0.0,
        });
        assert_eq!(t.into_sorted().len(), 1);
    }

    #[test]
    fn scan_skips_deleted() {
        let vecs = [0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
        let mut t = TopK::new(10);
        scan_block(
            Metric::L2,
            &[0.0, 0.0],
            &vecs,
            &[10, 11, 12],
            0,
            |r| r == 1,
            &mut t,
        );
        let hits = t.into_sorted();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![10, 12]);
        assert_eq!(hits[1].distance, 8.0);
    }
}
