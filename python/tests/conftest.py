import numpy as np
import pytest

import kiln


@pytest.fixture
def db(tmp_path):
    d = kiln.Database(tmp_path / "db")
    yield d
    d.close()


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def brute_force(base, ids, q, k, metric="cosine"):
    """The exact top-k (ids, distances) as Kiln defines them, nearest first, ties by id."""
    base = np.asarray(base, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if metric == "cosine":
        b = base / np.linalg.norm(base, axis=1, keepdims=True)
        dist = 1.0 - b @ (q / np.linalg.norm(q))
    elif metric == "l2":
        dist = ((base - q) ** 2).sum(axis=1)
    else:
        dist = -(base @ q)
    order = np.lexsort((ids, dist))[:k]
    return ids[order], dist[order]
