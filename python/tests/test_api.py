"""The API of issue 16: databases, collections, writes, reads, search, stats, checkpoints."""

import numpy as np
import pytest

import kiln
from conftest import brute_force


def test_module_surface():
    for name in ["Database", "Collection", "KilnError", "__version__"]:
        assert hasattr(kiln, name)
    assert kiln.Database.__doc__ and kiln.Collection.search.__doc__


def test_create_upsert_get_search(db, rng):
    col = db.create_collection("docs", dim=16, metric="cosine")
    assert (col.name, col.dim, col.metric) == ("docs", 16, "cosine")
    ids = np.arange(100, dtype=np.uint64)
    vecs = rng.standard_normal((100, 16), dtype=np.float32)
    col.upsert(ids, vecs)
    assert len(col) == 100
    assert col.count() == 100

    v = col.get(5)
    assert v.dtype == np.float32 and v.shape == (16,)
    np.testing.assert_allclose(v, vecs[5] / np.linalg.norm(vecs[5]), rtol=1e-5, atol=1e-6)
    assert col.get(1000) is None
    assert col.get_payload(1000) is None
    assert col.get_payload(5) == {}

    q = rng.standard_normal(16, dtype=np.float32)
    got_ids, got_dist = col.search(q, k=10)
    assert got_ids.dtype == np.uint64 and got_ids.shape == (10,)
    assert got_dist.dtype == np.float32 and got_dist.shape == (10,)
    want_ids, want_dist = brute_force(vecs, ids, q, 10)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_allclose(got_dist, want_dist, atol=1e-5)
    assert np.all(np.diff(got_dist) >= 0)


@pytest.mark.parametrize("metric", ["l2", "ip", "cosine"])
def test_metrics_match_numpy(db, rng, metric):
    col = db.create_collection(f"m_{metric}", dim=8, metric=metric)
    ids = np.arange(50, dtype=np.uint64) * 3
    vecs = rng.standard_normal((50, 8), dtype=np.float32)
    col.insert(ids, vecs)
    q = rng.standard_normal(8, dtype=np.float32)
    got_ids, got_dist = col.search(q, k=7, exact=True)
    want_ids, want_dist = brute_force(vecs, ids, q, 7, metric)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_allclose(got_dist, want_dist, rtol=1e-4, atol=1e-4)


def test_batch_search_shapes_and_short_results(db, rng):
    col = db.create_collection("b", dim=4)
    vecs = rng.standard_normal((6, 4), dtype=np.float32)
    col.insert(np.arange(6, dtype=np.uint64), vecs)
    qs = rng.standard_normal((3, 4), dtype=np.float32)
    ids, dist = col.search(qs, k=4)
    assert ids.shape == (3, 4) and dist.shape == (3, 4)
    assert ids.dtype == np.uint64 and dist.dtype == np.float32
    for i in range(3):
        one_ids, one_dist = col.search(qs[i], k=4)
        np.testing.assert_array_equal(ids[i], one_ids)
        np.testing.assert_allclose(dist[i], one_dist)
    # Fewer live rows than k: nothing is padded, the arrays are shorter.
    ids, dist = col.search(qs[0], k=50)
    assert ids.shape == (6,) and dist.shape == (6,)
    ids, dist = col.search(qs, k=50)
    assert ids.shape == (3, 6) and dist.shape == (3, 6)
    # An empty collection gives empty arrays.
    empty = db.create_collection("empty", dim=4)
    ids, dist = empty.search(qs[0], k=5)
    assert ids.shape == (0,) and dist.shape == (0,)
    ids, dist = empty.search(qs, k=5)
    assert ids.shape == (3, 0) and dist.shape == (3, 0)


def test_single_row_forms(db, rng):
    col = db.create_collection("one", dim=3, metric="l2")
    col.insert(7, np.array([1.0, 2.0, 3.0], dtype=np.float32))
    col.upsert([8], [[1.0, 2.0, 4.0]])  # lists are converted
    col.upsert(9, [0.0, 0.0, 1.0], payloads=None)
    assert len(col) == 3
    np.testing.assert_allclose(col.get(8), [1.0, 2.0, 4.0])


def test_insert_duplicate_and_upsert_replaces(db, rng):
    col = db.create_collection("dup", dim=4, metric="l2")
    col.insert([1, 2], np.ones((2, 4), np.float32))
    with pytest.raises(kiln.DuplicateIdError) as e:
        col.insert([3, 2], np.ones((2, 4), np.float32))
    assert "2" in str(e.value)
    assert len(col) == 2 and col.get(3) is None  # all or nothing
    with pytest.raises(kiln.DuplicateIdInBatchError) as e:
        col.upsert([5, 5], np.ones((2, 4), np.float32))
    assert isinstance(e.value, kiln.DuplicateIdError)
    assert isinstance(e.value, ValueError)
    col.upsert([2], np.full((1, 4), 3.0, np.float32))
    np.testing.assert_allclose(col.get(2), [3.0] * 4)
    assert len(col) == 2


def test_delete(db, rng):
    col = db.create_collection("del", dim=4)
    col.insert(np.arange(10, dtype=np.uint64), rng.standard_normal((10, 4), dtype=np.float32))
    assert col.delete(np.array([1, 2, 3, 1000], dtype=np.uint64)) == 3
    assert col.delete([1, 2]) == 0
    assert col.delete(4) == 1
    assert col.delete(np.array([], dtype=np.uint64)) == 0
    assert len(col) == 6
    assert col.get(2) is None
    ids, _ = col.search(np.ones(4, np.float32), k=100)
    assert set(ids.tolist()) == {0, 5, 6, 7, 8, 9}


def test_collections_ddl(db):
    a = db.create_collection("a", dim=2)
    db.create_collection("b", dim=3, metric="l2")
    assert db.list_collections() == ["a", "b"]
    with pytest.raises(kiln.CollectionExistsError):
        db.create_collection("a", dim=2)
    with pytest.raises(kiln.CollectionNotFoundError) as e:
        db.collection("nope")
    assert isinstance(e.value, LookupError)
    with pytest.raises(kiln.InvalidNameError):
        db.create_collection("bad name!", dim=2)
    with pytest.raises(kiln.InvalidArgumentError):
        db.create_collection("zero", dim=0)
    with pytest.raises(kiln.InvalidArgumentError):
        db.create_collection("m", dim=2, metric="hamming")
    with pytest.raises(kiln.InvalidArgumentError):
        db.create_collection("f", dim=2, fields={"x": "date"})
    assert db.collection("b").dim == 3
    db.drop_collection("a")
    assert db.list_collections() == ["b"]
    with pytest.raises(kiln.CollectionNotFoundError):
        a.upsert([1], [[1.0, 2.0]])
    with pytest.raises(kiln.CollectionNotFoundError):
        db.drop_collection("a")


def test_flush_wait_stats_and_index(db, rng):
    col = db.create_collection("idx", dim=8, metric="l2", segment_rows=1024, index="IVF8,Flat")
    n = 3000
    vecs = rng.standard_normal((n, 8), dtype=np.float32)
    col.upsert(np.arange(n, dtype=np.uint64), vecs)
    col.flush()
    col.wait_for_indexing()
    s = col.stats()
    assert s["rows"] == n and s["name"] == "idx" and s["dim"] == 8 and s["metric"] == "l2"
    for key in ["deleted_rows", "rows_pending_seal", "rows_pending_indexing", "pending_merges",
                "jobs_running", "seals_done", "indexes_built", "jobs_failed", "limits"]:
        assert key in s
    assert s["rows_pending_indexing"] == 0
    segs = s["segments"]
    assert sum(seg["rows"] for seg in segs) >= n
    sealed = [seg for seg in segs if seg["state"] == "sealed"]
    assert sealed and all(seg["index"] for seg in sealed if seg["rows"] >= 1024)
    # Indexed search still finds the exact nearest of a stored vector: itself.
    ids, dist = col.search(vecs[123], k=1, nprobe=8)
    assert ids[0] == 123 and dist[0] == pytest.approx(0.0, abs=1e-4)
    ids, _ = col.search(vecs[:5], k=3, exact=True)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]
    ex = col.explain(vecs[123], k=3, nprobe=8)
    np.testing.assert_array_equal(ex["ids"], col.search(vecs[123], k=3, nprobe=8)[0])
    plans = {seg["plan"] for seg in ex["segments"]}
    assert plans <= {"skipped", "exact_scan", "index", "index_then_exact"}
    assert any(seg["plan"] == "index" and seg["nprobe"] == 8 for seg in ex["segments"])
    ex = col.explain(vecs[1], k=3, exact=True)
    assert all(seg["plan"] in ("exact_scan", "skipped") for seg in ex["segments"])


def test_search_parameters(db, rng):
    col = db.create_collection("p", dim=8, segment_rows=1024, index="HNSW16")
    vecs = rng.standard_normal((2048, 8), dtype=np.float32)
    col.upsert(np.arange(2048, dtype=np.uint64), vecs)
    col.flush()
    col.wait_for_indexing()
    q = vecs[10]
    for kwargs in [{}, {"ef_search": 200}, {"nprobe": 4}, {"exact": True}]:
        ids, _ = col.search(q, k=5, **kwargs)
        assert ids.shape == (5,) and ids[0] == 10
    with pytest.raises(kiln.InvalidArgumentError):
        col.search(q, k=0)


def test_checkpoint(db, tmp_path, rng):
    col = db.create_collection("c", dim=4, fields={"tag": "keyword"})
    vecs = rng.standard_normal((20, 4), dtype=np.float32)
    col.upsert(np.arange(20, dtype=np.uint64), vecs, [{"tag": str(i % 3)} for i in range(20)])
    report = db.checkpoint(tmp_path / "copy")
    assert set(report) >= {"path", "files_linked", "files_copied", "bytes_copied"}
    col.delete([0, 1])  # after the checkpoint: not in the copy
    with kiln.Database(tmp_path / "copy") as copy:
        c = copy.collection("c")
        assert len(c) == 20
        assert c.get_payload(4) == {"tag": "1"}
        want = vecs[0] / np.linalg.norm(vecs[0])
        np.testing.assert_allclose(c.get(0), want, rtol=1e-5, atol=1e-6)
    with pytest.raises(kiln.IoError) as e:
        db.checkpoint(tmp_path / "copy")
    assert isinstance(e.value, OSError)


def test_durability_modes_and_reopen(tmp_path, rng):
    path = tmp_path / "dur"
    vecs = rng.standard_normal((30, 4), dtype=np.float32)
    with kiln.Database(path, durability="buffered") as db:
        col = db.create_collection("c", dim=4, metric="l2", fields={"n": "int"})
        col.upsert(np.arange(30, dtype=np.uint64), vecs, [{"n": i} for i in range(30)])
        col.flush()
        col.upsert([100], vecs[:1])
    with kiln.Database(str(path), durability="sync") as db:
        col = db.collection("c")
        assert len(col) == 31
        np.testing.assert_allclose(col.get(7), vecs[7])
        assert col.get_payload(7) == {"n": 7}
        assert col.count("n >= 10") == 20
        ids, _ = col.search(vecs[3], k=1)
        assert ids[0] == 3
    with pytest.raises(kiln.InvalidArgumentError):
        kiln.Database(tmp_path / "x", durability="sometimes")
    with pytest.raises(kiln.DatabaseNotFoundError):
        kiln.Database(tmp_path / "missing", create_if_missing=False)


def test_context_manager_and_close(tmp_path, rng):
    path = tmp_path / "cm"
    with kiln.Database(path) as db:
        col = db.create_collection("c", dim=2)
        col.insert([1], [[1.0, 0.0]])
        assert not db.closed
    assert db.closed
    for call in [
        lambda: db.collection("c"),
        lambda: db.list_collections(),
        lambda: db.create_collection("d", dim=2),
        lambda: db.checkpoint(tmp_path / "cp"),
        lambda: col.search(np.ones(2, np.float32)),
        lambda: col.insert([2], [[1.0, 1.0]]),
        lambda: col.get(1),
        lambda: len(col),
        lambda: col.count(),
        lambda: col.stats(),
        lambda: col.flush(),
        lambda: col.wait_for_indexing(),
    ]:
        with pytest.raises(kiln.ClosedError):
            call()
    db.close()  # twice is fine
    assert "closed" in repr(db)
    # Closing released the directory: it opens again at once.
    with kiln.Database(path) as db2:
        assert len(db2.collection("c")) == 1


def test_locked(tmp_path):
    path = tmp_path / "lock"
    with kiln.Database(path):
        with pytest.raises(kiln.LockedError):
            kiln.Database(path)


def test_read_only(tmp_path, rng):
    path = tmp_path / "ro"
    with pytest.raises(kiln.DatabaseNotFoundError):
        kiln.Database.open_read_only(tmp_path / "nothing")
    writer = kiln.Database(path)
    col = writer.create_collection("c", dim=4, metric="l2", fields={"f": "keyword"})
    vecs = rng.standard_normal((10, 4), dtype=np.float32)
    col.upsert(np.arange(10, dtype=np.uint64), vecs)
    reader = kiln.Database.open_read_only(path)
    assert reader.read_only and not writer.read_only
    rc = reader.collection("c")
    assert len(rc) == 10
    ids, _ = rc.search(vecs[4], k=1)
    assert ids[0] == 4
    for call in [
        lambda: rc.insert([100], vecs[:1]),
        lambda: rc.upsert([1], vecs[:1]),
        lambda: rc.delete([1]),
        lambda: rc.delete_where("f = 'x'"),
        lambda: rc.flush(),
        lambda: reader.create_collection("d", dim=2),
        lambda: reader.drop_collection("c"),
        lambda: reader.checkpoint(tmp_path / "cp"),
    ]:
        with pytest.raises(kiln.ReadOnlyError):
            call()
    col.upsert(np.arange(10, 15, dtype=np.uint64), rng.standard_normal((5, 4), dtype=np.float32))
    assert len(rc) == 10  # until refresh
    assert reader.refresh() is True
    assert len(rc) == 15
    assert writer.refresh() is False
    reader.close()
    writer.close()


def test_exception_hierarchy():
    names = [
        "ClosedError", "InvalidArgumentError", "DtypeError", "DimensionMismatchError",
        "InvalidVectorError", "InvalidNameError", "InvalidFilterError", "UnknownFieldError",
        "FieldTypeMismatchError", "DuplicateIdError", "DuplicateIdInBatchError",
        "CollectionNotFoundError", "CollectionExistsError", "DatabaseNotFoundError",
        "LockedError", "ReadOnlyError", "BusyError", "CorruptedError",
        "UnsupportedVersionError", "IoError", "DiskFullError", "BackgroundError", "FaissError",
        "PanickedError", "InternalError", "CancelledError", "PoisonedError",
    ]
    for n in names:
        cls = getattr(kiln, n)
        assert issubclass(cls, kiln.KilnError), n
        assert cls.__module__ == "kiln" and cls.__doc__
    assert issubclass(kiln.KilnError, Exception)
    assert issubclass(kiln.DimensionMismatchError, ValueError)
    assert issubclass(kiln.DtypeError, TypeError)
    assert issubclass(kiln.DiskFullError, OSError)
    e = kiln.CorruptedError("x is corrupted")
    assert str(e) == "x is corrupted"
