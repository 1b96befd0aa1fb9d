//! Index specifications, as the user states them and as the catalog stores them.

/// Which index a collection's sealed segments get. Stored with the collection; the index layer
/// that builds them arrives in a later release, so today every segment is searched exactly
/// whatever the spec says.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum IndexSpec {
    /// Let Kiln choose by segment size, dimension and memory budget.
    #[default]
    Auto,
    /// Exact search, no index.
    Flat,
    /// IVF with full vectors in the lists.
    IvfFlat {
        /// Number of inverted lists.
        nlist: u32,
    },
    /// IVF with 8-bit scalar-quantised vectors.
    IvfSq8 {
        /// Number of inverted lists.
        nlist: u32,
    },
    /// IVF with product quantisation.
    IvfPq {
        /// Number of inverted lists.
        nlist: u32,
        /// Number of sub-quantisers; must divide the dimension.
        m: u32,
    },
    /// HNSW graph.
    Hnsw {
        /// Neighbours per node.
        m: u32,
        /// Beam width while building.
        ef_construction: u32,
    },
    /// A raw Faiss `index_factory` description.
    Factory(String),
}
