//! `kiln.Collection`.

use std::sync::Arc;
use std::time::Instant;

use kiln::{
    CollectionStats, Filter, Hit, Metric, Payload, SearchOptions, SegmentPlan, SegmentState,
};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyUntypedArrayMethods};
use parking_lot::RwLock;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::arrays::{borrow, f32_array, flat, u64_array};
use crate::database::closed;
use crate::errors::{err, kiln_err, lift, Failure, Kind, Outcome};
use crate::payload::{field_type, field_type_name, payload, payload_to_py, payloads};

/// One collection handle, shared by its Python object and the database that closes it.
pub(crate) struct ColState {
    /// `None` once the database was closed.
    col: RwLock<Option<kiln::Collection>>,
    name: String,
    dim: usize,
    metric: Metric,
}

impl ColState {
    pub(crate) fn new(col: kiln::Collection) -> Self {
        ColState {
            name: col.name().to_owned(),
            dim: col.dim(),
            metric: col.config().metric(),
            col: RwLock::new(Some(col)),
        }
    }

    /// Run `f` on the collection, or fail with `ClosedError`.
    fn with<T>(&self, f: impl FnOnce(&kiln::Collection) -> kiln::Result<T>) -> Outcome<T> {
        let guard = self.col.read();
        match guard.as_ref() {
            Some(c) => f(c).map_err(Failure::from),
            None => Err(closed("database of this collection")),
        }
    }

    /// Drop the handle (waits for calls in flight).
    pub(crate) fn close(&self) {
        let col = self.col.write().take();
        drop(col);
    }
}

/// The search results as arrays: 1-D for one query, `(nq, n)` for a batch.
type SearchResult<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>);

/// A collection of fixed-dimension vectors with ``uint64`` ids and optional attributes.
/// Get one from ``Database.create_collection`` or ``Database.collection``. Safe to share
/// between threads; every call that can wait releases the GIL.
#[pyclass(name = "Collection", module = "kiln", frozen)]
pub(crate) struct PyCollection {
    state: Arc<ColState>,
}

impl PyCollection {
    pub(crate) fn new(state: Arc<ColState>) -> Self {
        PyCollection { state }
    }

    /// Parse a filter text.
    fn filter(py: Python<'_>, text: &str) -> PyResult<Filter> {
        Filter::parse(text).map_err(|e| kiln_err(py, kiln::Error::from(e)))
    }

    /// Insert or upsert, with or without payloads.
    fn write(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        vectors: &Bound<'_, PyAny>,
        payload_list: Option<&Bound<'_, PyAny>>,
        upsert: bool,
    ) -> PyResult<()> {
        let dim = self.state.dim;
        let ids_a = u64_array(ids, "ids")?;
        if ids_a.ndim() > 1 {
            return Err(err(
                py,
                Kind::InvalidArgument,
                format!("ids must be 1-D, got shape {:?}", ids_a.shape()),
            ));
        }
        let ids_r = borrow(&ids_a, "ids")?;
        let id_slice = flat(py, &ids_r, "ids")?;
        let vec_a = f32_array(vectors, "vectors")?;
        let rows = match *vec_a.shape() {
            [d] if id_slice.len() == 1 => {
                if d != dim {
                    return Err(dim_error(py, dim, d));
                }
                1
            }
            [n, d] => {
                if d != dim {
                    return Err(dim_error(py, dim, d));
                }
                n
            }
            ref shape => {
                return Err(err(
                    py,
                    Kind::InvalidArgument,
                    format!(
                        "vectors must have shape (n, {dim}) for n ids (or ({dim},) for one id), \
                         got shape {shape:?} for {} ids",
                        id_slice.len()
                    ),
                ))
            }
        };
        if rows != id_slice.len() {
            return Err(err(
                py,
                Kind::InvalidArgument,
                format!(
                    "{} ids for {rows} vectors: give one id per vector",
                    id_slice.len()
                ),
            ));
        }
        let vec_r = borrow(&vec_a, "vectors")?;
        let v = flat(py, &vec_r, "vectors")?;
        let payloads: Option<Vec<Payload>> = match payload_list {
            None => None,
            Some(p) if p.is_none() => None,
            Some(p) => Some(if p.is_instance_of::<PyDict>() {
                // One dict for one id.
                vec![payload(p)?]
            } else {
                payloads(p)?
            }),
        };
        let r = py.detach(|| {
            self.state.with(|c| match (&payloads, upsert) {
                (None, false) => c.insert_batch(id_slice, v),
                (None, true) => c.upsert_batch(id_slice, v),
                (Some(p), false) => c.insert_batch_with(id_slice, v, p),
                (Some(p), true) => c.upsert_batch_with(id_slice, v, p),
            })
        });
        lift(py, r)
    }

    fn options(
        py: Python<'_>,
        k: usize,
        filter: Option<&str>,
        nprobe: Option<usize>,
        ef_search: Option<usize>,
        exact: bool,
    ) -> PyResult<SearchOptions> {
        let mut opts = SearchOptions::new(k).exact(exact);
        if let Some(n) = nprobe {
            opts = opts.nprobe(n);
        }
        if let Some(e) = ef_search {
            opts = opts.ef_search(e);
        }
        if let Some(f) = filter {
            opts = opts.filter(Self::filter(py, f)?);
        }
        Ok(opts)
    }
}

fn dim_error(py: Python<'_>, dim: usize, got: usize) -> PyErr {
    err(
        py,
        Kind::DimensionMismatch,
        format!("dimension mismatch: expected {dim} floats per vector, got {got}"),
    )
}

/// Hits of one query as `(ids, distances)`.
fn split(hits: Vec<Hit>) -> (Vec<u64>, Vec<f32>) {
    hits.into_iter().map(|h| (h.id, h.distance)).unzip()
}

fn metric_name(m: Metric) -> &'static str {
    match m {
        Metric::Cosine => "cosine",
        Metric::L2 => "l2",
        Metric::InnerProduct => "ip",
    }
}

fn state_name(s: SegmentState) -> &'static str {
    match s {
        SegmentState::Growing => "growing",
        SegmentState::Frozen => "frozen",
        SegmentState::Sealed => "sealed",
    }
}

fn stats_dict<'py>(py: Python<'py>, s: &CollectionStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rows", s.rows)?;
    d.set_item("deleted_rows", s.deleted_rows)?;
    d.set_item("rows_pending_seal", s.rows_pending_seal)?;
    d.set_item("rows_pending_indexing", s.rows_pending_indexing)?;
    d.set_item("pending_merges", s.pending_merges)?;
    d.set_item("jobs_running", s.jobs_running)?;
    d.set_item("seals_running", s.seals_running)?;
    d.set_item("builds_running", s.builds_running)?;
    d.set_item("merges_running", s.merges_running)?;
    d.set_item("seals_done", s.seals_done)?;
    d.set_item("merges_done", s.merges_done)?;
    d.set_item("indexes_built", s.indexes_built)?;
    d.set_item("indexes_merged", s.indexes_merged)?;
    d.set_item("graphs_grown", s.graphs_grown)?;
    d.set_item("jobs_failed", s.jobs_failed)?;
    d.set_item("writes_stalled", s.writes_stalled)?;
    d.set_item("writes_throttled", s.writes_throttled)?;
    d.set_item("events_dropped", s.events_dropped)?;
    let limits = PyDict::new(py);
    limits.set_item("max_unsealed_segments", s.limits.max_unsealed_segments)?;
    limits.set_item("max_unindexed_rows", s.limits.max_unindexed_rows)?;
    limits.set_item("max_pending_merges", s.limits.max_pending_merges)?;
    d.set_item("limits", limits)?;
    let segments = PyList::empty(py);
    for seg in &s.segments {
        let sd = PyDict::new(py);
        sd.set_item("id", seg.id)?;
        sd.set_item("state", state_name(seg.state))?;
        sd.set_item("rows", seg.rows)?;
        sd.set_item("deleted", seg.deleted)?;
        sd.set_item("bytes", seg.bytes)?;
        sd.set_item("index", seg.index.as_deref())?;
        sd.set_item("index_bytes", seg.index_bytes)?;
        sd.set_item("busy", seg.busy)?;
        segments.append(sd)?;
    }
    d.set_item("segments", segments)?;
    Ok(d)
}

#[pymethods]
impl PyCollection {
    /// Insert rows: ``ids`` (uint64, shape ``(n,)``), ``vectors`` (float32, shape
    /// ``(n, dim)``), ``payloads`` (optional list of ``n`` dicts, field name to value). All or
    /// nothing: ``DuplicateIdError`` if an id is live, ``DuplicateIdInBatchError`` if one
    /// appears twice, ``InvalidVectorError`` for a NaN, infinite or (cosine) zero vector.
    /// A single row may be given as an int id and a ``(dim,)`` vector.
    #[pyo3(signature = (ids, vectors, payloads = None))]
    fn insert(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        vectors: &Bound<'_, PyAny>,
        payloads: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.write(py, ids, vectors, payloads, false)
    }

    /// Insert rows, replacing live rows with the same ids (their payloads too). Arguments
    /// as for ``insert``.
    #[pyo3(signature = (ids, vectors, payloads = None))]
    fn upsert(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        vectors: &Bound<'_, PyAny>,
        payloads: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.write(py, ids, vectors, payloads, true)
    }

    /// Delete ``ids`` (an int or an array of them) in one transaction. Returns how many were
    /// live; unknown ids are skipped.
    fn delete(&self, py: Python<'_>, ids: &Bound<'_, PyAny>) -> PyResult<usize> {
        let ids_a = u64_array(ids, "ids")?;
        let ids_r = borrow(&ids_a, "ids")?;
        let id_slice = flat(py, &ids_r, "ids")?;
        lift(
            py,
            py.detach(|| self.state.with(|c| c.delete_batch(id_slice))),
        )
    }

    /// The stored vector of ``id`` (float32, shape ``(dim,)``; normalised under cosine), or
    /// ``None`` if it is not live.
    fn get<'py>(&self, py: Python<'py>, id: u64) -> PyResult<Option<Bound<'py, PyArray1<f32>>>> {
        let v = lift(py, py.detach(|| self.state.with(|c| c.get(id))))?;
        Ok(v.map(|v| PyArray1::from_vec(py, v)))
    }

    /// The payload of ``id`` as a dict (null fields left out), or ``None`` if it is not live.
    fn get_payload<'py>(&self, py: Python<'py>, id: u64) -> PyResult<Option<Bound<'py, PyDict>>> {
        let p = lift(py, py.detach(|| self.state.with(|c| c.get_payload(id))))?;
        p.map(|p| payload_to_py(py, &p)).transpose()
    }

    /// Replace every attribute of live row ``id`` with ``payload``'s (fields it does not set
    /// become null); the vector stays. Returns ``False`` if ``id`` is not live.
    fn update_payload(
        &self,
        py: Python<'_>,
        id: u64,
        payload: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let p = crate::payload::payload(payload)?;
        lift(
            py,
            py.detach(|| self.state.with(|c| c.update_payload(id, &p))),
        )
    }

    /// Add attribute field ``name`` of type ``type`` (``"keyword"``, ``"int"``, ``"float"``,
    /// ``"bool"``, ``"keyword_list"``); existing rows have it null.
    #[pyo3(signature = (name, r#type))]
    fn add_field(&self, py: Python<'_>, name: &str, r#type: &str) -> PyResult<()> {
        let ty = field_type(py, r#type)?;
        lift(py, py.detach(|| self.state.with(|c| c.add_field(name, ty))))
    }

    /// The attribute fields, name to type, in order.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let fields = lift(py, py.detach(|| self.state.with(|c| Ok(c.fields()))))?;
        let d = PyDict::new(py);
        for f in fields {
            d.set_item(f.name, field_type_name(f.ty))?;
        }
        Ok(d)
    }

    /// Live rows matching ``filter`` (all live rows without one), e.g.
    /// ``count("year >= 2020 AND folder = 'work'")``.
    #[pyo3(signature = (filter = None))]
    fn count(&self, py: Python<'_>, filter: Option<&str>) -> PyResult<usize> {
        match filter {
            None => lift(py, py.detach(|| self.state.with(|c| Ok(c.len())))),
            Some(text) => {
                let f = Self::filter(py, text)?;
                lift(py, py.detach(|| self.state.with(|c| c.count(&f))))
            }
        }
    }

    /// Delete every live row matching ``filter``, in one transaction. Returns how many.
    fn delete_where(&self, py: Python<'_>, filter: &str) -> PyResult<usize> {
        let f = Self::filter(py, filter)?;
        lift(py, py.detach(|| self.state.with(|c| c.delete_where(&f))))
    }

    /// The ``k`` nearest live vectors to ``q``, nearest first (ties: smaller id first).
    ///
    /// ``q`` of shape ``(dim,)`` gives ``(ids, distances)`` of shape ``(n,)``; ``q`` of shape
    /// ``(nq, dim)`` gives arrays of shape ``(nq, n)``, one row per query. ``ids`` are uint64,
    /// ``distances`` float32 (cosine: 1 − cosine; l2: squared L2; ip: −inner product).
    /// ``n = min(k, qualifying rows)``: nothing is padded when fewer rows qualify, and every
    /// query of a batch has the same ``n`` (they share one snapshot and one filter).
    ///
    /// ``filter`` keeps only matching rows (``"folder = 'work' AND year >= 2020"``);
    /// ``nprobe`` / ``ef_search`` tune IVF / HNSW indexes; ``exact=True`` scans everything.
    #[pyo3(signature = (q, k = 10, filter = None, nprobe = None, ef_search = None, exact = false))]
    #[allow(clippy::too_many_arguments)]
    fn search<'py>(
        &self,
        py: Python<'py>,
        q: &Bound<'py, PyAny>,
        k: usize,
        filter: Option<&str>,
        nprobe: Option<usize>,
        ef_search: Option<usize>,
        exact: bool,
    ) -> PyResult<SearchResult<'py>> {
        let dim = self.state.dim;
        let opts = Self::options(py, k, filter, nprobe, ef_search, exact)?;
        let qa = f32_array(q, "q")?;
        let shape = qa.shape().to_vec();
        let qr = borrow(&qa, "q")?;
        let qs = flat(py, &qr, "q")?;
        match shape[..] {
            [d] => {
                if d != dim {
                    return Err(dim_error(py, dim, d));
                }
                let hits = lift(py, py.detach(|| self.state.with(|c| c.search(qs, &opts))))?;
                let (ids, dist) = split(hits);
                Ok((
                    PyArray1::from_vec(py, ids).into_any(),
                    PyArray1::from_vec(py, dist).into_any(),
                ))
            }
            [nq, d] => {
                if d != dim {
                    return Err(dim_error(py, dim, d));
                }
                let r = py.detach(|| -> Outcome<(Vec<u64>, Vec<f32>, usize)> {
                    let lists = self.state.with(|c| c.search_batch(qs, &opts))?;
                    let n = lists.first().map_or(0, Vec::len);
                    let mut ids = Vec::with_capacity(nq * n);
                    let mut dist = Vec::with_capacity(nq * n);
                    for (i, hits) in lists.into_iter().enumerate() {
                        if hits.len() != n {
                            return Err(Failure::Own(
                                Kind::Internal,
                                format!(
                                    "batch search: query 0 has {n} hits but query {i} has {}",
                                    hits.len()
                                ),
                            ));
                        }
                        for h in hits {
                            ids.push(h.id);
                            dist.push(h.distance);
                        }
                    }
                    Ok((ids, dist, n))
                });
                let (ids, dist, n) = lift(py, r)?;
                let ids = Array2::from_shape_vec((nq, n), ids)
                    .map_err(|e| err(py, Kind::Internal, e.to_string()))?;
                let dist = Array2::from_shape_vec((nq, n), dist)
                    .map_err(|e| err(py, Kind::Internal, e.to_string()))?;
                Ok((
                    ids.into_pyarray(py).into_any(),
                    dist.into_pyarray(py).into_any(),
                ))
            }
            _ => Err(err(
                py,
                Kind::InvalidArgument,
                format!("q must have shape ({dim},) or (nq, {dim}), got shape {shape:?}"),
            )),
        }
    }

    /// ``search`` of one query ``q`` (shape ``(dim,)``), and how each segment was searched:
    /// ``{"ids", "distances", "segments": [{"segment", "live_rows", "matching_rows", "plan",
    /// "nprobe", "ef_search", "candidates"}]}`` with ``plan`` one of ``"skipped"``,
    /// ``"exact_scan"``, ``"index"``, ``"index_then_exact"``.
    #[pyo3(signature = (q, k = 10, filter = None, nprobe = None, ef_search = None, exact = false))]
    #[allow(clippy::too_many_arguments)]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        q: &Bound<'py, PyAny>,
        k: usize,
        filter: Option<&str>,
        nprobe: Option<usize>,
        ef_search: Option<usize>,
        exact: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let dim = self.state.dim;
        let opts = Self::options(py, k, filter, nprobe, ef_search, exact)?;
        let qa = f32_array(q, "q")?;
        if qa.shape() != [dim] {
            return Err(dim_error(py, dim, qa.shape().iter().product()));
        }
        let qr = borrow(&qa, "q")?;
        let qs = flat(py, &qr, "q")?;
        let ex = lift(py, py.detach(|| self.state.with(|c| c.explain(qs, &opts))))?;
        let (ids, dist) = split(ex.hits);
        let d = PyDict::new(py);
        d.set_item("ids", PyArray1::from_vec(py, ids))?;
        d.set_item("distances", PyArray1::from_vec(py, dist))?;
        let segments = PyList::empty(py);
        for seg in ex.segments {
            let sd = PyDict::new(py);
            sd.set_item("segment", seg.segment)?;
            sd.set_item("live_rows", seg.live_rows)?;
            sd.set_item("matching_rows", seg.matching_rows)?;
            let (plan, np, ef) = match seg.plan {
                SegmentPlan::Skipped => ("skipped", None, None),
                SegmentPlan::ExactScan => ("exact_scan", None, None),
                SegmentPlan::Index { nprobe, ef_search } => ("index", nprobe, ef_search),
                SegmentPlan::Lists { nprobe } => ("lists", Some(nprobe), None),
                SegmentPlan::IndexThenExact => ("index_then_exact", None, None),
            };
            sd.set_item("plan", plan)?;
            sd.set_item("nprobe", np)?;
            sd.set_item("ef_search", ef)?;
            sd.set_item("candidates", seg.candidates)?;
            segments.append(sd)?;
        }
        d.set_item("segments", segments)?;
        Ok(d)
    }

    /// Seal the growing segment now and make every acknowledged write durable (also under
    /// ``durability="buffered"``).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        lift(py, py.detach(|| self.state.with(|c| c.flush())))
    }

    /// Wait until the background has nothing left to do for this collection: every segment
    /// sealed and indexed, merges done. Raises ``BackgroundError`` for a job that keeps
    /// failing instead of waiting forever.
    fn wait_for_indexing(&self, py: Python<'_>) -> PyResult<()> {
        lift(py, py.detach(|| self.state.with(|c| c.wait_for_indexing())))
    }

    /// Counts, per-segment state and background progress, as a dict: ``rows``,
    /// ``deleted_rows``, ``rows_pending_seal``, ``rows_pending_indexing``, ``pending_merges``,
    /// jobs running and done, ``limits``, and ``segments`` (a list of dicts: ``id``,
    /// ``state``, ``rows``, ``deleted``, ``bytes``, ``index``, ``index_bytes``, ``busy``).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = lift(py, py.detach(|| self.state.with(|c| Ok(c.stats()))))?;
        let d = stats_dict(py, &s)?;
        d.set_item("name", &self.state.name)?;
        d.set_item("dim", self.state.dim)?;
        d.set_item("metric", metric_name(self.state.metric))?;
        Ok(d)
    }

    /// The collection's name.
    #[getter]
    fn name(&self) -> &str {
        &self.state.name
    }

    /// The vector dimension.
    #[getter]
    fn dim(&self) -> usize {
        self.state.dim
    }

    /// The metric: ``"cosine"``, ``"l2"`` or ``"ip"``.
    #[getter]
    fn metric(&self) -> &'static str {
        metric_name(self.state.metric)
    }

    /// Live rows.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        lift(py, py.detach(|| self.state.with(|c| Ok(c.len()))))
    }

    fn __repr__(&self) -> String {
        format!(
            "kiln.Collection({:?}, dim={}, metric={:?})",
            self.state.name,
            self.state.dim,
            metric_name(self.state.metric)
        )
    }
}

/// Benchmark helper: search every row of ``queries`` (float32, ``(nq, dim)``) one at a time
/// through the Rust API (``kiln::Collection::search``) in a Rust loop, without the GIL, as a
/// Rust program would. Returns ``(seconds, ids)`` with ``ids`` of shape ``(nq, n)``. Used by
/// ``python/bench/bench.py`` to measure what the binding adds per call.
#[pyfunction]
#[pyo3(signature = (collection, queries, k = 10, nprobe = None, ef_search = None, exact = false))]
pub(crate) fn _search_loop<'py>(
    py: Python<'py>,
    collection: &PyCollection,
    queries: &Bound<'py, PyAny>,
    k: usize,
    nprobe: Option<usize>,
    ef_search: Option<usize>,
    exact: bool,
) -> PyResult<(f64, Bound<'py, PyArray2<u64>>)> {
    let dim = collection.state.dim;
    let opts = PyCollection::options(py, k, None, nprobe, ef_search, exact)?;
    let qa = f32_array(queries, "queries")?;
    let shape = qa.shape().to_vec();
    let nq = match shape[..] {
        [nq, d] if d == dim => nq,
        _ => {
            return Err(err(
                py,
                Kind::InvalidArgument,
                format!("queries must have shape (nq, {dim}), got {shape:?}"),
            ))
        }
    };
    let qr = borrow(&qa, "queries")?;
    let qs = flat(py, &qr, "queries")?;
    let r = py.detach(|| -> Outcome<(f64, Vec<u64>, usize)> {
        collection.state.with(|c| {
            let mut ids = Vec::with_capacity(nq * k.min(c.len()));
            let start = Instant::now();
            let mut n = 0;
            for q in qs.chunks_exact(dim) {
                let hits = c.search(q, &opts)?;
                n = hits.len();
                ids.extend(hits.iter().map(|h| h.id));
            }
            Ok((start.elapsed().as_secs_f64(), ids, n))
        })
    });
    let (secs, ids, n) = lift(py, r)?;
    let ids = Array2::from_shape_vec((nq, n), ids).map_err(|e| {
        err(
            py,
            Kind::Internal,
            format!("queries returned different numbers of hits: {e}"),
        )
    })?;
    Ok((secs, ids.into_pyarray(py)))
}
