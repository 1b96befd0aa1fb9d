"""Kiln, an embedded vector database: collections of fixed-dimension float32 vectors with
uint64 ids and typed attributes, searched by nearest neighbours with optional filters.

Arrays are read in place when they are C-contiguous float32 (vectors) or uint64 (ids); other
numeric arrays and lists are converted once. Results are numpy arrays. Every call that can wait
releases the GIL. Errors are subclasses of ``KilnError``.
"""

from os import PathLike
from types import TracebackType
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Type, Union

import numpy as np
import numpy.typing as npt

__version__: str

_Path = Union[str, "PathLike[str]"]
_Value = Union[None, bool, int, float, str, List[str]]
_Payload = Mapping[str, _Value]
_FieldType = Literal["keyword", "int", "float", "bool", "keyword_list"]
_Ids = Union[int, npt.ArrayLike]
_Vectors = npt.ArrayLike

class Database:
    """A Kiln database: a directory of collections. ``Database(path)`` opens it for writing
    (one writer per directory, ``LockedError`` otherwise); ``Database.open_read_only(path)``
    opens it for reading beside the writer. Close it with ``close()`` or a ``with`` block."""

    def __init__(
        self,
        path: _Path,
        durability: Literal["sync", "buffered"] = "sync",
        *,
        create_if_missing: bool = True,
        query_threads: Optional[int] = None,
        compaction_threads: Optional[int] = None,
    ) -> None: ...
    @classmethod
    def open_read_only(cls, path: _Path, *, refresh_interval: Optional[float] = None) -> "Database":
        """Open ``path`` read-only (no lock; writes raise ``ReadOnlyError``); ``refresh()`` moves
        it to the writer's latest state (or every ``refresh_interval`` seconds)."""
    def create_collection(
        self,
        name: str,
        dim: int,
        metric: Literal["cosine", "l2", "ip"] = "cosine",
        fields: Optional[Mapping[str, _FieldType]] = None,
        *,
        segment_rows: Optional[int] = None,
        index: Optional[str] = None,
    ) -> "Collection":
        """Create a collection (``CollectionExistsError`` if the name is taken). ``index``:
        ``"auto"`` (default), ``"flat"`` or a Faiss index_factory string."""
    def collection(self, name: str) -> "Collection":
        """The collection ``name`` (``CollectionNotFoundError`` if none)."""
    def list_collections(self) -> List[str]:
        """Names of all collections, sorted."""
    def drop_collection(self, name: str) -> None:
        """Drop a collection and delete its files."""
    def checkpoint(self, dest: _Path) -> Dict[str, Any]:
        """Write a consistent copy of the live database to the new directory ``dest``."""
    def refresh(self) -> bool:
        """Read-only handle: move to the writer's latest state; whether it moved."""
    def close(self) -> None:
        """Close the database and its collections; later use raises ``ClosedError``."""
    @property
    def closed(self) -> bool: ...
    @property
    def path(self) -> str: ...
    @property
    def read_only(self) -> bool: ...
    def __enter__(self) -> "Database": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]] = None,
        exc: Optional[BaseException] = None,
        tb: Optional[TracebackType] = None,
    ) -> bool: ...

class Collection:
    """Vectors with uint64 ids and optional attributes. Safe to share between threads."""

    @property
    def name(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def metric(self) -> Literal["cosine", "l2", "ip"]: ...
    def insert(self, ids: _Ids, vectors: _Vectors, payloads: Optional[Union[Sequence[Optional[_Payload]], _Payload]] = None) -> None:
        """Insert rows, all or nothing: ``ids`` (n,) uint64, ``vectors`` (n, dim) float32,
        ``payloads`` a list of n dicts. ``DuplicateIdError`` if an id is live."""
    def upsert(self, ids: _Ids, vectors: _Vectors, payloads: Optional[Union[Sequence[Optional[_Payload]], _Payload]] = None) -> None:
        """Insert or replace rows, all or nothing."""
    def delete(self, ids: _Ids) -> int:
        """Delete ids; how many were live."""
    def get(self, id: int) -> Optional[npt.NDArray[np.float32]]:
        """The stored vector (normalised under cosine), or None."""
    def get_payload(self, id: int) -> Optional[Dict[str, _Value]]:
        """The payload (null fields left out), or None if ``id`` is not live."""
    def update_payload(self, id: int, payload: _Payload) -> bool:
        """Replace the attributes of a live row; False if ``id`` is not live."""
    def add_field(self, name: str, type: _FieldType) -> None:
        """Add an attribute field; existing rows have it null."""
    def fields(self) -> Dict[str, _FieldType]:
        """The attribute fields, name to type."""
    def __len__(self) -> int: ...
    def count(self, filter: Optional[str] = None) -> int:
        """Live rows matching ``filter`` (all without one)."""
    def delete_where(self, filter: str) -> int:
        """Delete every live row matching ``filter``; how many."""
    def search(
        self,
        q: npt.ArrayLike,
        k: int = 10,
        filter: Optional[str] = None,
        nprobe: Optional[int] = None,
        ef_search: Optional[int] = None,
        exact: bool = False,
    ) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        """Nearest neighbours: q (dim,) -> ids (n,), distances (n,); q (nq, dim) -> (nq, n)
        arrays; n = min(k, qualifying rows), nothing padded."""
    def explain(
        self,
        q: npt.ArrayLike,
        k: int = 10,
        filter: Optional[str] = None,
        nprobe: Optional[int] = None,
        ef_search: Optional[int] = None,
        exact: bool = False,
    ) -> Dict[str, Any]:
        """search() of one query and each segment's plan: {"ids", "distances", "segments"}."""
    def flush(self) -> None:
        """Seal the growing segment and make every acknowledged write durable."""
    def wait_for_indexing(self) -> None:
        """Wait until every segment is sealed and indexed and merges are done."""
    def stats(self) -> Dict[str, Any]:
        """Counts, per-segment state and background progress."""

def _search_loop(
    collection: Collection,
    queries: npt.ArrayLike,
    k: int = 10,
    nprobe: Optional[int] = None,
    ef_search: Optional[int] = None,
    exact: bool = False,
) -> Tuple[float, npt.NDArray[np.uint64]]:
    """Benchmark helper: the queries one at a time through the Rust API in a Rust loop;
    (seconds, ids)."""

class KilnError(Exception): ...
class ClosedError(KilnError): ...
class InvalidArgumentError(KilnError, ValueError): ...
class DtypeError(InvalidArgumentError, TypeError): ...
class DimensionMismatchError(InvalidArgumentError): ...
class InvalidVectorError(InvalidArgumentError): ...
class InvalidNameError(InvalidArgumentError): ...
class InvalidFilterError(InvalidArgumentError): ...
class UnknownFieldError(InvalidArgumentError): ...
class FieldTypeMismatchError(InvalidArgumentError): ...
class DuplicateIdError(KilnError): ...
class DuplicateIdInBatchError(DuplicateIdError, InvalidArgumentError): ...
class CollectionNotFoundError(KilnError, LookupError): ...
class CollectionExistsError(KilnError): ...
class DatabaseNotFoundError(KilnError): ...
class LockedError(KilnError): ...
class ReadOnlyError(KilnError): ...
class BusyError(KilnError): ...
class CorruptedError(KilnError): ...
class UnsupportedVersionError(KilnError): ...
class IoError(KilnError, OSError): ...
class DiskFullError(IoError): ...
class BackgroundError(KilnError): ...
class FaissError(KilnError): ...
class PanickedError(KilnError): ...
class InternalError(KilnError): ...
class CancelledError(KilnError): ...
class PoisonedError(KilnError): ...
