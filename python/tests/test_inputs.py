"""Bad inputs (dtype, shape, dimension, NaN) and the conversions numpy arrays go through."""

import numpy as np
import pytest

import kiln


@pytest.fixture
def col(db, rng):
    c = db.create_collection("c", dim=4, metric="l2")
    c.insert(np.arange(10, dtype=np.uint64), rng.standard_normal((10, 4), dtype=np.float32))
    return c


def test_wrong_dtypes(col):
    with pytest.raises(kiln.DtypeError) as e:
        col.upsert([1], np.array([["a", "b", "c", "d"]]))
    assert isinstance(e.value, TypeError) and "vectors" in str(e.value)
    with pytest.raises(kiln.DtypeError):
        col.upsert([1], np.ones((1, 4), dtype=np.complex64))
    with pytest.raises(kiln.DtypeError):
        col.upsert([1], np.array([[object(), 1, 2, 3]], dtype=object))
    with pytest.raises(kiln.DtypeError):
        col.upsert(np.array([1.5]), np.ones((1, 4), np.float32))
    with pytest.raises(kiln.DtypeError):
        col.search(np.array(["x"] * 4))
    with pytest.raises(kiln.DtypeError):
        col.delete(np.array(["1"]))
    with pytest.raises(kiln.InvalidArgumentError):
        col.upsert(np.array([-1]), np.ones((1, 4), np.float32))
    with pytest.raises(kiln.InvalidArgumentError):
        col.upsert([[1, 2]], [[1.0] * 4])  # 2-D ids
    assert len(col) == 10  # nothing written


def test_other_numeric_dtypes_are_converted(col, rng):
    v64 = rng.standard_normal((3, 4))  # float64
    col.upsert(np.array([20, 21, 22], dtype=np.int64), v64)
    np.testing.assert_allclose(col.get(21), v64[1].astype(np.float32))
    col.upsert(np.array([23], dtype=np.uint32), np.arange(4, dtype=np.int32).reshape(1, 4))
    np.testing.assert_allclose(col.get(23), [0, 1, 2, 3])
    ids32, _ = col.search(v64[0].astype(np.float16), k=1)
    assert ids32.shape == (1,)
    ids, dist = col.search(list(v64[0]), k=1)
    assert ids[0] == 20 and dist[0] == pytest.approx(0.0, abs=1e-5)


def test_non_contiguous_and_fortran_arrays(col, rng):
    base = rng.standard_normal((8, 8), dtype=np.float32)
    strided = base[::2, ::2]  # (4, 4) view, not contiguous
    assert not strided.flags["C_CONTIGUOUS"]
    col.upsert(np.arange(30, 34, dtype=np.uint64), strided)
    np.testing.assert_allclose(col.get(31), strided[1])
    fortran = np.asfortranarray(rng.standard_normal((3, 4), dtype=np.float32))
    col.upsert(np.array([40, 41, 42], dtype=np.uint64)[::-1], fortran)
    np.testing.assert_allclose(col.get(42), fortran[0])
    ids, _ = col.search(np.ascontiguousarray(strided)[:, :], k=1)
    ids2, _ = col.search(strided, k=1)
    np.testing.assert_array_equal(ids, ids2)
    np.testing.assert_array_equal(ids[:, 0], np.arange(30, 34))


def test_input_array_is_not_modified(col, rng):
    v = rng.standard_normal((2, 4), dtype=np.float32) * 10
    before = v.copy()
    db_col = col
    db_col.upsert([50, 51], v)
    np.testing.assert_array_equal(v, before)


def test_wrong_shapes(col):
    with pytest.raises(kiln.DimensionMismatchError) as e:
        col.upsert([1, 2], np.ones((2, 5), np.float32))
    assert "4" in str(e.value) and "5" in str(e.value)
    with pytest.raises(kiln.DimensionMismatchError):
        col.upsert(1, np.ones(3, np.float32))
    with pytest.raises(kiln.InvalidArgumentError):
        col.upsert([1, 2, 3], np.ones((2, 4), np.float32))
    with pytest.raises(kiln.InvalidArgumentError):
        col.upsert([1, 2], np.ones((2, 2, 2), np.float32))
    with pytest.raises(kiln.InvalidArgumentError):
        col.upsert([1, 2], np.ones(4, np.float32))  # 1-D vectors for 2 ids
    with pytest.raises(kiln.InvalidArgumentError):
        col.upsert(np.ones((2, 2), np.uint64), np.ones((4, 4), np.float32))
    with pytest.raises(kiln.DimensionMismatchError):
        col.search(np.ones(5, np.float32))
    with pytest.raises(kiln.DimensionMismatchError):
        col.search(np.ones((3, 5), np.float32))
    with pytest.raises(kiln.InvalidArgumentError):
        col.search(np.ones((2, 2, 4), np.float32))
    with pytest.raises(kiln.InvalidArgumentError):
        col.search(np.float32(1.0))
    with pytest.raises(kiln.InvalidArgumentError):
        col.insert([1], np.ones((1, 4), np.float32), payloads=[{}, {}])
    assert len(col) == 10


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_invalid_vectors(col, bad):
    v = np.ones((2, 4), np.float32)
    v[1, 2] = bad
    with pytest.raises(kiln.InvalidVectorError) as e:
        col.upsert([100, 101], v)
    assert isinstance(e.value, ValueError)
    assert col.get(100) is None  # all or nothing
    q = np.ones(4, np.float32)
    q[0] = bad
    with pytest.raises(kiln.InvalidVectorError):
        col.search(q)
    with pytest.raises(kiln.InvalidVectorError):
        col.search(np.stack([np.ones(4, np.float32), q]))


def test_zero_vector_under_cosine(db):
    c = db.create_collection("cos", dim=3, metric="cosine")
    with pytest.raises(kiln.InvalidVectorError):
        c.insert([1], np.zeros((1, 3), np.float32))
    with pytest.raises(kiln.InvalidVectorError):
        c.search(np.zeros(3, np.float32))


def test_empty_batches(col):
    col.upsert(np.array([], dtype=np.uint64), np.zeros((0, 4), np.float32))
    col.insert([], np.zeros((0, 4), np.float32))
    assert len(col) == 10


def test_k_bounds(col):
    with pytest.raises(kiln.InvalidArgumentError):
        col.search(np.ones(4, np.float32), k=0)
    with pytest.raises((OverflowError, TypeError, ValueError)):
        col.search(np.ones(4, np.float32), k=-1)
    ids, _ = col.search(np.ones(4, np.float32), k=2**62)
    assert ids.shape == (10,)


def test_huge_id(col):
    big = np.array([2**64 - 1], dtype=np.uint64)
    col.upsert(big, np.ones((1, 4), np.float32))
    assert col.get(2**64 - 1) is not None
    ids, _ = col.search(np.ones(4, np.float32), k=1)
    assert ids.dtype == np.uint64 and int(ids[0]) == 2**64 - 1
    assert col.delete(2**64 - 1) == 1
