//! The exception hierarchy under `kiln.KilnError`, and the mapping from `kiln::Error`.
//!
//! The classes are made at module initialisation with `type(name, bases, ns)` rather than
//! `create_exception!`, because some have two bases: every argument error is also a
//! `ValueError`, a dtype error also a `TypeError`, an I/O error also an `OSError`, so code
//! written against the builtin exceptions keeps working.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// One exception class of the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Kiln,
    Closed,
    InvalidArgument,
    Dtype,
    DimensionMismatch,
    InvalidVector,
    InvalidName,
    InvalidFilter,
    UnknownField,
    FieldTypeMismatch,
    DuplicateId,
    DuplicateIdInBatch,
    CollectionNotFound,
    CollectionExists,
    DatabaseNotFound,
    Locked,
    ReadOnly,
    Busy,
    Corrupted,
    UnsupportedVersion,
    Io,
    DiskFull,
    Background,
    Faiss,
    Panicked,
    Internal,
    Cancelled,
    Poisoned,
}

/// A base of an exception class: another class of the module or a builtin.
enum Base {
    Kiln(Kind),
    Builtin(&'static str),
}

/// Name, bases (in MRO order) and docstring of each class, parents before children.
const CLASSES: &[(Kind, &str, &[Base], &str)] = &[
    (
        Kind::Kiln,
        "KilnError",
        &[Base::Builtin("Exception")],
        "Base class of every error Kiln raises.",
    ),
    (
        Kind::Closed,
        "ClosedError",
        &[Base::Kiln(Kind::Kiln)],
        "The Database (or the Database of this Collection) was closed.",
    ),
    (
        Kind::InvalidArgument,
        "InvalidArgumentError",
        &[Base::Kiln(Kind::Kiln), Base::Builtin("ValueError")],
        "An argument is out of range or has the wrong shape (k = 0, a bad dimension, ids and \
         vectors of different lengths, ...). Also a ValueError.",
    ),
    (
        Kind::Dtype,
        "DtypeError",
        &[
            Base::Kiln(Kind::InvalidArgument),
            Base::Builtin("TypeError"),
        ],
        "An array has a dtype that cannot be converted (vectors: numbers; ids: non-negative \
         integers), or a payload value has an unsupported type. Also a TypeError.",
    ),
    (
        Kind::DimensionMismatch,
        "DimensionMismatchError",
        &[Base::Kiln(Kind::InvalidArgument)],
        "A vector or query has the wrong number of components for the collection.",
    ),
    (
        Kind::InvalidVector,
        "InvalidVectorError",
        &[Base::Kiln(Kind::InvalidArgument)],
        "A vector has a NaN or infinite component, a norm too large for float32, or is the \
         zero vector under the cosine metric.",
    ),
    (
        Kind::InvalidName,
        "InvalidNameError",
        &[Base::Kiln(Kind::InvalidArgument)],
        "A collection name breaks the naming rules.",
    ),
    (
        Kind::InvalidFilter,
        "InvalidFilterError",
        &[Base::Kiln(Kind::InvalidArgument)],
        "A filter cannot be parsed (the message ends with the byte position) or used.",
    ),
    (
        Kind::UnknownField,
        "UnknownFieldError",
        &[Base::Kiln(Kind::InvalidArgument)],
        "A payload or filter names a field the collection does not have.",
    ),
    (
        Kind::FieldTypeMismatch,
        "FieldTypeMismatchError",
        &[Base::Kiln(Kind::InvalidArgument)],
        "A payload value or filter literal does not fit the field's type.",
    ),
    (
        Kind::DuplicateId,
        "DuplicateIdError",
        &[Base::Kiln(Kind::Kiln)],
        "insert() of an id that is already live.",
    ),
    (
        Kind::DuplicateIdInBatch,
        "DuplicateIdInBatchError",
        &[
            Base::Kiln(Kind::DuplicateId),
            Base::Kiln(Kind::InvalidArgument),
        ],
        "The same id appears twice in one insert or upsert batch.",
    ),
    (
        Kind::CollectionNotFound,
        "CollectionNotFoundError",
        &[Base::Kiln(Kind::Kiln), Base::Builtin("LookupError")],
        "No collection with this name (or it was dropped). Also a LookupError.",
    ),
    (
        Kind::CollectionExists,
        "CollectionExistsError",
        &[Base::Kiln(Kind::Kiln)],
        "create_collection() with a name already in use.",
    ),
    (
        Kind::DatabaseNotFound,
        "DatabaseNotFoundError",
        &[Base::Kiln(Kind::Kiln)],
        "The directory holds no Kiln database (open_read_only, or create_if_missing=False).",
    ),
    (
        Kind::Locked,
        "LockedError",
        &[Base::Kiln(Kind::Kiln)],
        "Another open Database (in this or another process) holds the directory.",
    ),
    (
        Kind::ReadOnly,
        "ReadOnlyError",
        &[Base::Kiln(Kind::Kiln)],
        "A write, DDL call, flush or checkpoint on a database opened read-only.",
    ),
    (
        Kind::Busy,
        "BusyError",
        &[Base::Kiln(Kind::Kiln)],
        "A read-only database could not follow the writer's catalog; transient, try again.",
    ),
    (
        Kind::Corrupted,
        "CorruptedError",
        &[Base::Kiln(Kind::Kiln)],
        "A file failed verification; Kiln serves nothing from it.",
    ),
    (
        Kind::UnsupportedVersion,
        "UnsupportedVersionError",
        &[Base::Kiln(Kind::Kiln)],
        "A file has a format version this build does not read.",
    ),
    (
        Kind::Io,
        "IoError",
        &[Base::Kiln(Kind::Kiln), Base::Builtin("OSError")],
        "An I/O error. Also an OSError.",
    ),
    (
        Kind::DiskFull,
        "DiskFullError",
        &[Base::Kiln(Kind::Io)],
        "The disk is full; acknowledged writes are kept.",
    ),
    (
        Kind::Background,
        "BackgroundError",
        &[Base::Kiln(Kind::Kiln)],
        "A background job (seal, index build, merge) keeps failing (from wait_for_indexing).",
    ),
    (
        Kind::Faiss,
        "FaissError",
        &[Base::Kiln(Kind::Kiln)],
        "Faiss reported an error building, loading or searching an index.",
    ),
    (
        Kind::Panicked,
        "PanickedError",
        &[Base::Kiln(Kind::Kiln)],
        "A background job panicked (the panic was caught; the job is retried).",
    ),
    (
        Kind::Internal,
        "InternalError",
        &[Base::Kiln(Kind::Kiln)],
        "Kiln could not start something it needs (a thread), or broke one of its own promises.",
    ),
    (
        Kind::Cancelled,
        "CancelledError",
        &[Base::Kiln(Kind::Kiln)],
        "The operation was abandoned because the collection was dropped or the database closed.",
    ),
    (
        Kind::Poisoned,
        "PoisonedError",
        &[Base::Kiln(Kind::Kiln)],
        "An earlier failure (fsync, catalog commit) makes the database refuse writes until it \
         is reopened; reads still work.",
    ),
];

/// The class objects, in `CLASSES` order, made once by [`register`].
static TYPES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

fn position(kind: Kind) -> Option<usize> {
    CLASSES.iter().position(|(k, ..)| *k == kind)
}

/// Make every exception class and add it to `module`.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let types = TYPES.get_or_try_init(py, || -> PyResult<Vec<Py<PyType>>> {
        let builtins = py.import("builtins")?;
        let type_fn = builtins.getattr("type")?;
        let mut made: Vec<Py<PyType>> = Vec::with_capacity(CLASSES.len());
        for (_, name, bases, doc) in CLASSES {
            let mut base_objs: Vec<Bound<'_, PyAny>> = Vec::with_capacity(bases.len());
            for base in bases.iter() {
                match base {
                    Base::Builtin(b) => base_objs.push(builtins.getattr(*b)?),
                    Base::Kiln(k) => {
                        let i = position(*k).ok_or_else(|| {
                            PyRuntimeError::new_err(format!("kiln: no exception class {k:?}"))
                        })?;
                        let t = made.get(i).ok_or_else(|| {
                            PyRuntimeError::new_err(format!("kiln: {k:?} defined after its child"))
                        })?;
                        base_objs.push(t.bind(py).clone().into_any());
                    }
                }
            }
            let ns = PyDict::new(py);
            ns.set_item("__module__", "kiln")?;
            ns.set_item("__doc__", *doc)?;
            let ty = type_fn.call1((*name, PyTuple::new(py, base_objs)?, ns))?;
            made.push(ty.cast_into::<PyType>()?.unbind());
        }
        Ok(made)
    })?;
    for ((_, name, ..), ty) in CLASSES.iter().zip(types) {
        module.add(*name, ty.bind(py))?;
    }
    Ok(())
}

/// An exception of class `kind` with `message`.
pub(crate) fn err(py: Python<'_>, kind: Kind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    match (TYPES.get(py), position(kind)) {
        (Some(types), Some(i)) => match types.get(i) {
            Some(t) => PyErr::from_type(t.bind(py).clone(), (message,)),
            None => PyRuntimeError::new_err(message),
        },
        _ => PyRuntimeError::new_err(message),
    }
}

/// The class of a `kiln::Error`.
pub(crate) fn kind_of(e: &kiln::Error) -> Kind {
    use kiln::Error as E;
    match e {
        E::DimensionMismatch { .. } => Kind::DimensionMismatch,
        E::InvalidVector { .. } => Kind::InvalidVector,
        E::DuplicateId { .. } => Kind::DuplicateId,
        E::DuplicateIdInBatch { .. } => Kind::DuplicateIdInBatch,
        E::CollectionNotFound { .. } => Kind::CollectionNotFound,
        E::CollectionExists { .. } => Kind::CollectionExists,
        E::InvalidName { .. } => Kind::InvalidName,
        E::InvalidArgument { .. } => Kind::InvalidArgument,
        E::DatabaseNotFound { .. } => Kind::DatabaseNotFound,
        E::Locked { .. } => Kind::Locked,
        E::ReadOnly => Kind::ReadOnly,
        E::Busy { .. } => Kind::Busy,
        E::Corrupted { .. } => Kind::Corrupted,
        E::UnsupportedVersion { .. } => Kind::UnsupportedVersion,
        E::Io { .. } => Kind::Io,
        E::DiskFull { .. } => Kind::DiskFull,
        E::Background { .. } => Kind::Background,
        E::Index { .. } => Kind::Faiss,
        E::UnknownField { .. } => Kind::UnknownField,
        E::FieldTypeMismatch { .. } => Kind::FieldTypeMismatch,
        E::InvalidFilter { .. } => Kind::InvalidFilter,
        E::Panicked { .. } => Kind::Panicked,
        E::Internal { .. } => Kind::Internal,
        E::Cancelled => Kind::Cancelled,
        E::Poisoned { .. } => Kind::Poisoned,
        // `kiln::Error` is non-exhaustive: a variant added later is at least a KilnError.
        _ => Kind::Kiln,
    }
}

/// What a call that ran without the GIL can fail with; turned into an exception once the GIL
/// is held again (the classes need it).
#[derive(Debug)]
pub(crate) enum Failure {
    /// The engine's error.
    Kiln(kiln::Error),
    /// The binding's own: a closed handle, a broken promise.
    Own(Kind, String),
}

impl From<kiln::Error> for Failure {
    fn from(e: kiln::Error) -> Self {
        Failure::Kiln(e)
    }
}

impl Failure {
    /// The exception.
    pub(crate) fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Kiln(e) => err(py, kind_of(&e), e.to_string()),
            Failure::Own(kind, message) => err(py, kind, message),
        }
    }
}

/// `Result` of a call made without the GIL.
pub(crate) type Outcome<T> = Result<T, Failure>;

/// Turn a detached call's outcome into a Python result.
pub(crate) fn lift<T>(py: Python<'_>, r: Outcome<T>) -> PyResult<T> {
    r.map_err(|f| f.into_py(py))
}

/// A `kiln::Error` as an exception.
pub(crate) fn kiln_err(py: Python<'_>, e: kiln::Error) -> PyErr {
    err(py, kind_of(&e), e.to_string())
}
