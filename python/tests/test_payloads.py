"""Payloads (dicts of attribute values) and filters (text through the engine's parser)."""

import numpy as np
import pytest

import kiln

FIELDS = {
    "folder": "keyword",
    "year": "int",
    "rating": "float",
    "done": "bool",
    "tags": "keyword_list",
}


def make_payloads(n=40):
    payloads = [
        {
            "folder": ["work", "home", "old"][i % 3],
            "year": 2000 + i,
            "rating": i / 4,
            "done": i % 2 == 0,
            "tags": ["a", "b"] if i % 4 == 0 else ["c"],
        }
        for i in range(n)
    ]
    payloads[5] = {"folder": "work"}  # the other fields null
    payloads[6] = None  # every field null
    return payloads


@pytest.fixture
def notes(db, rng):
    col = db.create_collection("notes", dim=4, metric="l2", fields=FIELDS)
    n = 40
    payloads = make_payloads(n)
    col.upsert(np.arange(n, dtype=np.uint64), rng.standard_normal((n, 4), dtype=np.float32), payloads)
    return col


def test_payload_roundtrip(notes):
    assert notes.fields() == FIELDS
    assert notes.get_payload(8) == {
        "folder": "old", "year": 2008, "rating": 2.0, "done": True, "tags": ["a", "b"],
    }
    assert notes.get_payload(5) == {"folder": "work"}
    assert notes.get_payload(6) == {}
    p = notes.get_payload(9)
    assert type(p["year"]) is int and type(p["rating"]) is float and type(p["done"]) is bool
    assert notes.get_payload(1000) is None


def test_payload_values_and_errors(notes):
    notes.upsert(100, np.ones(4, np.float32), {"year": np.int64(7), "rating": np.float32(0.5),
                                                 "done": None, "tags": ("x", "y")})
    assert notes.get_payload(100) == {"year": 7, "rating": 0.5, "tags": ["x", "y"]}
    notes.upsert([101], np.ones((1, 4), np.float32), [{"rating": 3}])  # an int in a float field
    assert notes.get_payload(101) == {"rating": 3.0}
    with pytest.raises(kiln.UnknownFieldError):
        notes.upsert([102], np.ones((1, 4), np.float32), [{"nope": 1}])
    with pytest.raises(kiln.FieldTypeMismatchError):
        notes.upsert([102], np.ones((1, 4), np.float32), [{"year": "2020"}])
    with pytest.raises(kiln.DtypeError):
        notes.upsert([102], np.ones((1, 4), np.float32), [{"year": object()}])
    with pytest.raises(kiln.DtypeError):
        notes.upsert([102], np.ones((1, 4), np.float32), [{"tags": ["a", 1]}])
    with pytest.raises(kiln.DtypeError):
        notes.upsert([102], np.ones((1, 4), np.float32), ["not a dict"])
    with pytest.raises(kiln.InvalidArgumentError):
        notes.upsert([102], np.ones((1, 4), np.float32), [{"year": 2**70}])
    with pytest.raises(kiln.InvalidArgumentError):
        notes.upsert([102], np.ones((1, 4), np.float32), [{"rating": float("nan")}])
    assert notes.get(102) is None


def test_count_and_filtered_search(notes, rng):
    assert notes.count() == 40
    ps = make_payloads()
    assert notes.count("folder = 'work'") == sum(1 for p in ps if p and p.get("folder") == "work")
    assert notes.count("year >= 2030") == 10
    assert notes.count("year >= 2030 AND done") == 5
    assert notes.count("tags CONTAINS 'a'") == 10
    assert notes.count("year IS NULL") == 2
    assert notes.count("NOT (done = true)") == notes.count() - notes.count("done = true")
    q = rng.standard_normal(4, dtype=np.float32)
    ids, dist = notes.search(q, k=5, filter="folder = 'home' AND rating > 2")
    assert len(ids) == 5
    for i in ids:
        p = notes.get_payload(int(i))
        assert p["folder"] == "home" and p["rating"] > 2
    # Fewer matching rows than k: a shorter answer, the same length for every query of a batch.
    ids, dist = notes.search(q, k=10, filter="year IN (2001, 2002, 2003)")
    assert sorted(ids.tolist()) == [1, 2, 3] and dist.shape == (3,)
    ids, dist = notes.search(np.stack([q, -q, q * 2]), k=10, filter="year IN (2001, 2002, 2003)")
    assert ids.shape == (3, 3) and dist.shape == (3, 3)
    ids, _ = notes.search(q, k=10, filter="year > 3000")
    assert ids.shape == (0,)
    ids, _ = notes.search(np.stack([q, q]), k=10, filter="year > 3000")
    assert ids.shape == (2, 0)


def test_filter_errors(notes):
    q = np.ones(4, np.float32)
    with pytest.raises(kiln.InvalidFilterError) as e:
        notes.count("year >>= 3")
    assert isinstance(e.value, ValueError) and str(e.value)
    with pytest.raises(kiln.InvalidFilterError):
        notes.search(q, filter="AND AND")
    with pytest.raises(kiln.UnknownFieldError):
        notes.search(q, filter="colour = 'red'")
    with pytest.raises(kiln.FieldTypeMismatchError):
        notes.count("year = 'x'")
    with pytest.raises(kiln.InvalidFilterError):
        notes.delete_where("")


def test_delete_where(notes):
    before = notes.count()
    old = notes.count("folder = 'old'")
    assert old > 0
    assert notes.delete_where("folder = 'old'") == old
    assert notes.count("folder = 'old'") == 0
    assert notes.count() == before - old
    assert notes.delete_where("folder = 'old'") == 0


def test_update_payload_and_add_field(notes):
    assert notes.update_payload(3, {"folder": "moved"}) is True
    assert notes.get_payload(3) == {"folder": "moved"}
    assert notes.update_payload(999, {"folder": "x"}) is False
    notes.add_field("priority", "int")
    assert notes.fields()["priority"] == "int"
    notes.update_payload(3, {"priority": 2})
    assert notes.count("priority = 2") == 1
    with pytest.raises(kiln.InvalidArgumentError):
        notes.add_field("priority", "int")
