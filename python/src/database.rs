//! `kiln.Database`.

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use kiln::{CollectionConfig, DbOptions, Durability, IndexSpec, Metric};
use parking_lot::{Mutex, RwLock};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyType};

use crate::collection::{ColState, PyCollection};
use crate::errors::{err, lift, Failure, Kind, Outcome};
use crate::payload::field_type;

/// What a `Database` and the collections opened through it share: `close` empties both.
pub(crate) struct DbState {
    /// `None` once closed.
    db: RwLock<Option<kiln::Database>>,
    /// Collections handed out, closed with the database.
    collections: Mutex<Vec<Weak<ColState>>>,
    path: PathBuf,
    read_only: bool,
}

/// The error of a call on a closed handle.
pub(crate) fn closed(what: &str) -> Failure {
    Failure::Own(Kind::Closed, format!("the {what} is closed"))
}

impl DbState {
    fn with<T>(&self, f: impl FnOnce(&kiln::Database) -> kiln::Result<T>) -> Outcome<T> {
        let guard = self.db.read();
        match guard.as_ref() {
            Some(db) => f(db).map_err(Failure::from),
            None => Err(closed("database")),
        }
    }

    fn register(&self, col: &Arc<ColState>) {
        let mut cols = self.collections.lock();
        cols.retain(|w| w.strong_count() > 0);
        cols.push(Arc::downgrade(col));
    }

    /// Close every collection handed out, then the database. Waits for calls in flight.
    fn close(&self) {
        let cols: Vec<Weak<ColState>> = std::mem::take(&mut *self.collections.lock());
        for c in cols.iter().filter_map(Weak::upgrade) {
            c.close();
        }
        let db = self.db.write().take();
        // The last handle's drop stops the background and releases the directory's lock.
        drop(db);
    }
}

/// A Kiln database: a directory of collections.
///
/// ``Database(path, durability="sync")`` opens (creating it if needed) the database in
/// ``path`` for writing; one process writes a directory at a time (``kiln.LockedError``
/// otherwise). ``Database.open_read_only(path)`` opens it for reading beside the writer.
/// Use it as a context manager, or call ``close()``: using it (or a collection from it) after
/// that raises ``kiln.ClosedError``.
#[pyclass(name = "Database", module = "kiln", frozen)]
pub(crate) struct PyDatabase {
    state: Arc<DbState>,
}

fn parse_durability(py: Python<'_>, s: &str) -> PyResult<Durability> {
    match s.to_ascii_lowercase().as_str() {
        "sync" => Ok(Durability::Sync),
        "buffered" => Ok(Durability::Buffered),
        _ => Err(err(
            py,
            Kind::InvalidArgument,
            format!("durability must be \"sync\" or \"buffered\", got {s:?}"),
        )),
    }
}

fn parse_metric(py: Python<'_>, s: &str) -> PyResult<Metric> {
    match s.to_ascii_lowercase().replace('-', "_").as_str() {
        "cosine" | "cos" => Ok(Metric::Cosine),
        "l2" | "euclidean" => Ok(Metric::L2),
        "ip" | "inner_product" | "dot" => Ok(Metric::InnerProduct),
        _ => Err(err(
            py,
            Kind::InvalidArgument,
            format!("metric must be \"cosine\", \"l2\" or \"ip\", got {s:?}"),
        )),
    }
}

/// `"auto"`, `"flat"`, or a Faiss `index_factory` description (`"IVF256,Flat"`, `"HNSW32"`).
fn parse_index(s: &str) -> IndexSpec {
    match s.to_ascii_lowercase().as_str() {
        "auto" => IndexSpec::Auto,
        "flat" | "exact" => IndexSpec::Flat,
        _ => IndexSpec::Factory(s.to_owned()),
    }
}

impl PyDatabase {
    fn from_db(db: kiln::Database) -> Self {
        PyDatabase {
            state: Arc::new(DbState {
                path: db.path().to_path_buf(),
                read_only: db.is_read_only(),
                db: RwLock::new(Some(db)),
                collections: Mutex::new(Vec::new()),
            }),
        }
    }

    fn collection_handle(&self, col: kiln::Collection) -> PyCollection {
        let state = Arc::new(ColState::new(col));
        self.state.register(&state);
        PyCollection::new(state)
    }
}

#[pymethods]
impl PyDatabase {
    /// Open (creating if needed) the database in directory ``path`` for writing.
    ///
    /// ``durability``: ``"sync"`` (default: an acknowledged write survives a power cut) or
    /// ``"buffered"`` (it survives a process crash; ``flush()`` makes everything durable).
    /// ``create_if_missing=False`` raises ``DatabaseNotFoundError`` instead of creating one.
    /// ``query_threads`` and ``compaction_threads`` size the engine's pools (default: one per
    /// core).
    #[new]
    #[pyo3(signature = (path, durability = "sync", *, create_if_missing = true, query_threads = None, compaction_threads = None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        durability: &str,
        create_if_missing: bool,
        query_threads: Option<usize>,
        compaction_threads: Option<usize>,
    ) -> PyResult<Self> {
        let mut opts = DbOptions::new()
            .durability(parse_durability(py, durability)?)
            .create_if_missing(create_if_missing);
        if let Some(n) = query_threads {
            opts = opts.query_threads(n);
        }
        if let Some(n) = compaction_threads {
            opts = opts.compaction_threads(n);
        }
        let db = py.detach(|| kiln::Database::open_with(&path, opts).map_err(Failure::from));
        Ok(Self::from_db(lift(py, db)?))
    }

    /// Open the database in ``path`` read-only, beside the writer (in this or another
    /// process): no lock is taken, writes raise ``ReadOnlyError``. The handle sees the
    /// writer's state at open and moves on ``refresh()`` (or every ``refresh_interval``
    /// seconds, when given). ``DatabaseNotFoundError`` if ``path`` holds no database.
    #[classmethod]
    #[pyo3(signature = (path, *, refresh_interval = None))]
    fn open_read_only(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: PathBuf,
        refresh_interval: Option<f64>,
    ) -> PyResult<Self> {
        let mut opts = DbOptions::new();
        if let Some(secs) = refresh_interval {
            let d = Duration::try_from_secs_f64(secs).map_err(|e| {
                err(
                    py,
                    Kind::InvalidArgument,
                    format!("refresh_interval must be a non-negative number of seconds: {e}"),
                )
            })?;
            opts = opts.refresh_interval(d);
        }
        let db =
            py.detach(|| kiln::Database::open_read_only_with(&path, opts).map_err(Failure::from));
        Ok(Self::from_db(lift(py, db)?))
    }

    /// Create collection ``name`` of ``dim``-dimensional vectors compared with ``metric``
    /// (``"cosine"``, ``"l2"`` or ``"ip"``). ``fields`` maps attribute names to types
    /// (``"keyword"``, ``"int"``, ``"float"``, ``"bool"``, ``"keyword_list"``) that payloads
    /// may set and filters may test. ``segment_rows`` sets the growing segment's size;
    /// ``index`` is ``"auto"`` (default), ``"flat"`` (exact search only) or a Faiss
    /// ``index_factory`` string. Raises ``CollectionExistsError`` if the name is taken.
    #[pyo3(signature = (name, dim, metric = "cosine", fields = None, *, segment_rows = None, index = None))]
    #[allow(clippy::too_many_arguments)]
    fn create_collection(
        &self,
        py: Python<'_>,
        name: &str,
        dim: usize,
        metric: &str,
        fields: Option<&Bound<'_, PyDict>>,
        segment_rows: Option<u32>,
        index: Option<&str>,
    ) -> PyResult<PyCollection> {
        let mut config = CollectionConfig::new(dim, parse_metric(py, metric)?);
        if let Some(fields) = fields {
            for (k, v) in fields.iter() {
                let fname: String = k
                    .extract()
                    .map_err(|_| err(py, Kind::Dtype, "field names must be str".to_string()))?;
                let tname: String = v.extract().map_err(|_| {
                    err(
                        py,
                        Kind::Dtype,
                        format!("the type of field `{fname}` must be a str such as \"keyword\""),
                    )
                })?;
                config = config.field(fname, field_type(py, &tname)?);
            }
        }
        if let Some(rows) = segment_rows {
            config = config.segment_rows(rows);
        }
        if let Some(index) = index {
            config = config.index(parse_index(index));
        }
        let col = py.detach(|| self.state.with(|db| db.create_collection(name, config)));
        Ok(self.collection_handle(lift(py, col)?))
    }

    /// The collection ``name`` (``CollectionNotFoundError`` if there is none). The first call
    /// after opening loads it (maps and verifies its files).
    fn collection(&self, py: Python<'_>, name: &str) -> PyResult<PyCollection> {
        let col = py.detach(|| self.state.with(|db| db.collection(name)));
        Ok(self.collection_handle(lift(py, col)?))
    }

    /// Names of all collections, sorted.
    fn list_collections(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        lift(
            py,
            py.detach(|| self.state.with(|db| db.list_collections())),
        )
    }

    /// Drop collection ``name`` and delete its files; handles to it raise
    /// ``CollectionNotFoundError`` from now on.
    fn drop_collection(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        lift(
            py,
            py.detach(|| self.state.with(|db| db.drop_collection(name))),
        )
    }

    /// Write a consistent copy of the live database to the new directory ``dest`` (its
    /// parent must exist, ``dest`` must not) while writes go on. Returns what was written:
    /// ``{"path", "files_linked", "files_copied", "bytes_copied", "missing_derived"}``.
    fn checkpoint<'py>(&self, py: Python<'py>, dest: PathBuf) -> PyResult<Bound<'py, PyDict>> {
        let report = lift(py, py.detach(|| self.state.with(|db| db.checkpoint(&dest))))?;
        let d = PyDict::new(py);
        d.set_item("path", report.path.to_string_lossy())?;
        d.set_item("files_linked", report.files_linked)?;
        d.set_item("files_copied", report.files_copied)?;
        d.set_item("bytes_copied", report.bytes_copied)?;
        let missing: Vec<String> = report
            .missing_derived
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        d.set_item("missing_derived", PyList::new(py, missing)?)?;
        Ok(d)
    }

    /// A read-only database: move to the writer's latest state. Returns whether it moved
    /// (always ``False`` for the writer, which is always current).
    fn refresh(&self, py: Python<'_>) -> PyResult<bool> {
        lift(py, py.detach(|| self.state.with(|db| db.refresh())))
    }

    /// Close the database and every collection opened through it: background work stops and
    /// the directory is released (another ``Database(path)`` may open it). Waits for calls in
    /// flight on other threads. Closing twice is allowed.
    fn close(&self, py: Python<'_>) {
        py.detach(|| self.state.close());
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.state.db.read().is_none()
    }

    /// The database directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.state.path.clone()
    }

    /// Whether the database was opened with ``open_read_only``.
    #[getter]
    fn read_only(&self) -> bool {
        self.state.read_only
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (_exc_type = None, _exc = None, _tb = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "kiln.Database({:?}{}{})",
            self.state.path.display().to_string(),
            if self.state.read_only {
                ", read_only=True"
            } else {
                ""
            },
            if self.closed() { ", closed" } else { "" }
        )
    }
}
