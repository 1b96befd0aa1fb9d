//! kiln-python: the Python binding of Kiln, the module `kiln` (pyo3, built into an abi3
//! wheel by maturin: `pip install ./python`).
//!
//! - `database.rs`: `kiln.Database` (open, read-only open, collections, checkpoint, close).
//! - `collection.rs`: `kiln.Collection` (writes, reads, search, filters, stats).
//! - `arrays.rs`: numpy in (read in place when C-contiguous float32/uint64, else converted
//!   once) and out (result vectors moved into arrays).
//! - `payload.rs`: payload dicts and field types.
//! - `errors.rs`: the exception hierarchy under `kiln.KilnError`.
//!
//! Every call that can wait runs without the GIL (`Python::detach`). A `Database` and the
//! collections opened through it share a state that `close()` empties, so a closed handle
//! raises `kiln.ClosedError` instead of keeping the directory open.

use pyo3::prelude::*;

mod arrays;
mod collection;
mod database;
mod errors;
mod payload;

/// Kiln, an embedded vector database: collections of fixed-dimension float32 vectors with
/// uint64 ids and typed attributes, searched by nearest neighbours with optional filters.
///
/// >>> import numpy as np, kiln
/// >>> db = kiln.Database("path")
/// >>> col = db.create_collection("docs", dim=384, metric="cosine")
/// >>> col.upsert(np.arange(3, dtype=np.uint64), np.random.rand(3, 384).astype(np.float32))
/// >>> ids, dist = col.search(np.random.rand(384).astype(np.float32), k=2)
#[pymodule(name = "kiln")]
fn kiln_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<database::PyDatabase>()?;
    m.add_class::<collection::PyCollection>()?;
    m.add_function(wrap_pyfunction!(collection::_search_loop, m)?)?;
    errors::register(m)?;
    Ok(())
}
