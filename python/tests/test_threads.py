"""Threads: searches running while another thread writes, and the GIL released meanwhile."""

import threading
import time

import numpy as np

import kiln


def test_search_while_writing(tmp_path):
    dim = 16
    with kiln.Database(tmp_path / "t", durability="buffered") as db:
        col = db.create_collection("c", dim=dim, metric="l2", segment_rows=1024)
        rng = np.random.default_rng(1)
        first = rng.standard_normal((500, dim), dtype=np.float32)
        col.upsert(np.arange(500, dtype=np.uint64), first)

        stop = threading.Event()
        errors = []
        searches = [0] * 4

        def reader(slot):
            r = np.random.default_rng(slot)
            try:
                while not stop.is_set():
                    q = r.standard_normal((3, dim), dtype=np.float32)
                    ids, dist = col.search(q, k=10)
                    assert ids.shape == (3, 10)
                    assert np.all(np.diff(dist, axis=1) >= 0)
                    i = int(r.integers(0, 500))
                    one, d = col.search(first[i], k=1, exact=True)
                    assert one[0] == i, (one, i)
                    searches[slot] += 1
            except Exception as e:  # reported by the main thread
                errors.append(e)

        def writer():
            w = np.random.default_rng(99)
            try:
                for b in range(20):
                    ids = np.arange(1000 + b * 200, 1000 + (b + 1) * 200, dtype=np.uint64)
                    col.upsert(ids, w.standard_normal((200, dim), dtype=np.float32))
                    col.delete(ids[:10])
                col.flush()
            except Exception as e:
                errors.append(e)

        readers = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
        for t in readers:
            t.start()
        w = threading.Thread(target=writer)
        w.start()
        w.join(timeout=120)
        stop.set()
        for t in readers:
            t.join(timeout=60)
        assert not errors, errors
        assert all(n > 0 for n in searches), searches
        assert len(col) == 500 + 20 * 190
        col.wait_for_indexing()
        assert col.stats()["rows"] == len(col)


def test_gil_released_during_search(tmp_path):
    """A Python thread keeps running while another thread is inside a long exact search."""
    dim = 64
    with kiln.Database(tmp_path / "g", durability="buffered") as db:
        col = db.create_collection("c", dim=dim, metric="l2", index="flat")
        rng = np.random.default_rng(2)
        n = 40_000
        col.upsert(np.arange(n, dtype=np.uint64), rng.standard_normal((n, dim), dtype=np.float32))
        qs = rng.standard_normal((64, dim), dtype=np.float32)
        start = time.perf_counter()
        col.search(qs, k=10, exact=True)
        alone = time.perf_counter() - start

        ticks = 0
        done = threading.Event()

        def searcher():
            for _ in range(3):
                col.search(qs, k=10, exact=True)
            done.set()

        t = threading.Thread(target=searcher)
        t.start()
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)
        t.join()
        # Held GIL: the loop above could not run at all during the searches.
        assert ticks >= max(3, int(alone * 3 * 1000 * 0.2)), (ticks, alone)


def test_close_while_other_threads_use_it(tmp_path):
    db = kiln.Database(tmp_path / "c")
    col = db.create_collection("c", dim=4)
    col.upsert(np.arange(100, dtype=np.uint64), np.ones((100, 4), np.float32) + np.arange(100)[:, None])
    outcomes = []

    def user():
        try:
            for _ in range(2000):
                col.search(np.ones(4, np.float32), k=5)
            outcomes.append("finished")
        except kiln.ClosedError:
            outcomes.append("closed")
        except Exception as e:
            outcomes.append(e)

    threads = [threading.Thread(target=user) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    db.close()
    for t in threads:
        t.join(timeout=60)
    assert all(o in ("finished", "closed") for o in outcomes), outcomes
    with kiln.Database(tmp_path / "c") as again:
        assert len(again.collection("c")) == 100
