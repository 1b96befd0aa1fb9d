#!/usr/bin/env python3
"""The Python binding against the Rust API and faiss-cpu, on the dev set (dev-minilm-15k).

One run: loads the dev set (15,000 x 384 sentence embeddings, 300 queries, exact top-100),
builds a Kiln collection (cosine, default index: IVF-Flat), then measures single-query search
at the default parameters three ways, interleaved over several rounds (best round reported):

- Rust API: ``kiln._search_loop`` calls ``kiln::Collection::search`` for each query in a Rust
  loop, inside the same extension, on the same collection: what a Rust program gets.
- Python: ``col.search(q, k)`` for each query from a Python loop: what the binding adds is
  the difference (argument parsing, array checks, GIL release, result arrays).
- faiss-cpu: its Python binding on the same index type (IndexIVFFlat, inner product on the
  normalised vectors, Kiln's nlist and default nprobe), one query per call, one thread (Kiln's
  queries give Faiss one OpenMP thread too); its batch call gets every core, as Kiln's batch
  search gets its query pool.

Batch search (all queries in one call) is reported for both as well. Recall@k is against the
set's exact ground truth.

    make bench-python                    # or: python python/bench/bench.py [--data DIR]
"""

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time

import numpy as np

import kiln


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype="<i4")
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].copy().view(dtype)


def recall(found, truth, k):
    hits = 0
    for row, t in zip(found, truth):
        hits += len(set(int(x) for x in row[:k]) & set(int(x) for x in t[:k]))
    return hits / (len(truth) * k)


def best_qps(times, n):
    return n / min(times)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data", "dev-minilm-15k"))
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds; the best is kept")
    ap.add_argument("--no-faiss", action="store_true", help="skip faiss-cpu")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()

    if not os.path.exists(os.path.join(args.data, "base.fvecs")):
        sys.exit(f"bench: no dev set at {args.data} (base.fvecs, query.fvecs, groundtruth.ivecs)")
    xb = read_vecs(os.path.join(args.data, "base.fvecs"), np.float32)
    xq = read_vecs(os.path.join(args.data, "query.fvecs"), np.float32)
    gt = read_vecs(os.path.join(args.data, "groundtruth.ivecs"), np.int32)
    n, dim = xb.shape
    nq, k = len(xq), args.k
    print(f"dev set: {n} x {dim} base, {nq} queries, k={k}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}")

    work = tempfile.mkdtemp(prefix="kiln-bench-python-")
    results = {}
    try:
        db = kiln.Database(os.path.join(work, "db"), durability="buffered")
        col = db.create_collection("dev", dim=dim, metric="cosine")
        t0 = time.perf_counter()
        ids = np.arange(n, dtype=np.uint64)
        for s in range(0, n, 1000):
            col.upsert(ids[s:s + 1000], xb[s:s + 1000])
        col.flush()
        col.wait_for_indexing()
        build = time.perf_counter() - t0
        stats = col.stats()
        kinds = sorted({seg["index"] or "none" for seg in stats["segments"]})
        print(f"kiln: ingested and indexed in {build:.1f} s; {len(stats['segments'])} segments "
              f"({', '.join(str(seg['rows']) for seg in stats['segments'])} rows), index {kinds}")
        stats["segments"] = [seg for seg in stats["segments"] if seg["rows"] > 0]

        # Warm up every path once (page cache, index loads, allocator).
        kiln._search_loop(col, xq, k)
        for q in xq:
            col.search(q, k)

        rust_t, py_t = [], []
        for _ in range(args.rounds):
            secs, rust_ids = kiln._search_loop(col, xq, k)
            rust_t.append(secs)
            py_ids = np.empty((nq, k), dtype=np.uint64)
            t = time.perf_counter()
            for i, q in enumerate(xq):
                found, _ = col.search(q, k)
                py_ids[i, : len(found)] = found
            py_t.append(time.perf_counter() - t)
        assert np.array_equal(rust_ids, py_ids), "Python and Rust answers differ"
        batch_t = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            batch_ids, _ = col.search(xq, k)
            batch_t.append(time.perf_counter() - t)

        # The IVF parameters Kiln used: nprobe from explain(), nlist from the Auto rule, which
        # trains the template on the rows sealed when it runs (the first segment, or both when
        # the second was sealed first): the candidate whose default nprobe Kiln used.
        ex = col.explain(xq[0], k)
        nprobes = {seg["nprobe"] for seg in ex["segments"] if seg["plan"] == "index"}
        nprobe = nprobes.pop() if len(nprobes) == 1 else None
        candidates = [auto_nlist(stats["segments"][0]["rows"]), auto_nlist(n)]
        nlist = next((c for c in candidates if default_nprobe(c) == nprobe), candidates[0])
        if nprobe != default_nprobe(nlist):
            print(f"bench: Kiln probed {nprobes or nprobe} lists, not default_nprobe({nlist}); "
                  f"faiss gets nlist {nlist} and that nprobe anyway")
            nprobe = nprobe or default_nprobe(nlist)
        r = {
            "nlist": nlist,
            "nprobe": nprobe,
            "plans": [seg["plan"] for seg in ex["segments"]],
            "rust_single_qps": best_qps(rust_t, nq),
            "python_single_qps": best_qps(py_t, nq),
            "python_batch_qps": best_qps(batch_t, nq),
            "recall": recall(py_ids, gt, k),
            "recall_batch": recall(batch_ids, gt, k),
            "index": kinds,
            "segments": [seg["rows"] for seg in stats["segments"]],
        }
        # What the binding costs per call, without the search: a one-row collection.
        tiny = db.create_collection("tiny", dim=dim, metric="cosine")
        tiny.upsert([0], xb[:1])
        reps = np.tile(xq, (10, 1))
        rust_us, py_us = [], []
        for _ in range(args.rounds):
            secs, _ = kiln._search_loop(tiny, reps, k)
            rust_us.append(secs / len(reps) * 1e6)
            t = time.perf_counter()
            for q in reps:
                tiny.search(q, k)
            py_us.append((time.perf_counter() - t) / len(reps) * 1e6)
        r["call_us_rust"] = min(rust_us)
        r["call_us_python"] = min(py_us)
        r["ratio"] = r["python_single_qps"] / r["rust_single_qps"]
        r["overhead_us"] = (1 / r["python_single_qps"] - 1 / r["rust_single_qps"]) * 1e6
        results["kiln"] = r
        db.close()

        if not args.no_faiss:
            results["faiss"] = bench_faiss(xb, xq, gt, k, r["nlist"], r["nprobe"], args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    kr = results["kiln"]
    rows = [
        ("Kiln, Rust API (single queries)", kr["rust_single_qps"], kr["recall"]),
        ("Kiln, Python (single queries)", kr["python_single_qps"], kr["recall"]),
        ("Kiln, Python (one batch call)", kr["python_batch_qps"], kr["recall_batch"]),
    ]
    if results.get("faiss"):
        fr = results["faiss"]
        rows += [
            (f"faiss-cpu {fr['version']}, {fr['desc']} (single queries)", fr["single_qps"], fr["recall"]),
            (f"faiss-cpu {fr['version']}, {fr['desc']} (one batch call)", fr["batch_qps"], fr["recall_batch"]),
        ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'':{width}}  {'QPS':>9}  recall@{k}")
    for name, qps, rec in rows:
        print(f"{name:{width}}  {qps:9.0f}  {rec:.3f}")
    print(f"\nPython / Rust API, single queries: {kr['ratio']:.3f} "
          f"(the binding adds {kr['overhead_us']:.1f} µs per query)")
    print(f"one call on a one-row collection: {kr['call_us_rust']:.1f} µs through the Rust API, "
          f"{kr['call_us_python']:.1f} µs from Python")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


def auto_nlist(rows):
    """kiln_index::auto_nlist: about 4·sqrt(rows), at least 39 training rows per list."""
    return min(max(1, min(round(4 * math.sqrt(rows)), max(rows // 39, 1))), 1 << 20)


def default_nprobe(nlist):
    """kiln_index::default_nprobe: ceil(sqrt(nlist)·10/3), at least 16, at most nlist."""
    return min(nlist, max(16, math.ceil(math.sqrt(nlist) * 10 / 3)))


def bench_faiss(xb, xq, gt, k, nlist, nprobe, rounds):
    try:
        import faiss
    except ImportError:
        print("faiss-cpu is not installed (pip install faiss-cpu); skipped")
        return None
    faiss.omp_set_num_threads(1)
    dim = xb.shape[1]
    xbn = xb / np.linalg.norm(xb, axis=1, keepdims=True)
    xqn = xq / np.linalg.norm(xq, axis=1, keepdims=True)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    index.train(xbn)
    index.add(xbn)
    build = time.perf_counter() - t
    index.nprobe = nprobe
    print(f"faiss-cpu: IVF{nlist},Flat (inner product), nprobe {nprobe}, built in {build:.1f} s")
    queries = [xqn[i : i + 1] for i in range(len(xqn))]
    for q in queries:
        index.search(q, k)
    single_t, batch_t = [], []
    found = np.empty((len(xq), k), dtype=np.int64)
    for _ in range(rounds):
        t = time.perf_counter()
        for i, q in enumerate(queries):
            _, I = index.search(q, k)
            found[i] = I[0]
        single_t.append(time.perf_counter() - t)
    # A batch gets every core, as Kiln's batch search gets its query pool (one thread per core).
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    for _ in range(rounds):
        t = time.perf_counter()
        _, batch = index.search(xqn, k)
        batch_t.append(time.perf_counter() - t)
    return {
        "version": faiss.__version__,
        "desc": f"IVF{nlist},Flat nprobe {nprobe}",
        "single_qps": best_qps(single_t, len(xq)),
        "batch_qps": best_qps(batch_t, len(xq)),
        "recall": recall(found, gt, k),
        "recall_batch": recall(batch, gt, k),
    }


if __name__ == "__main__":
    main()
