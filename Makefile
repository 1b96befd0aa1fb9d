# Kiln: the two commands a new user needs.
#   make demo   build and run the demo (installs missing system packages first)
#   make test   run the whole test suite (installs missing system packages first)
#
# CARGO_TARGET_DIR is honoured; .ci/run points it outside the clone so repeated runs are
# incremental.
# KILN_FAISS_SIMD=generic builds a portable Faiss (default: the build machine's SIMD level;
# README "Portable builds"); changing it rebuilds Faiss only.

CARGO ?= cargo
# libgomp threads spin while waiting and fight OpenBLAS on small machines; passive waiting made
# 2-thread brute-force search 5.7x faster on a 2-core machine.
export OMP_WAIT_POLICY ?= PASSIVE
# Faiss' build is the long pole; use every core for it.
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: demo test setup build lint bench bench-ingest bench-index bench-filtered bench-graph bench-coarse long-campaign fmt clean-demo \
	python python-venv python-test bench-python

# The Python binding (python/): a virtualenv under the cargo target directory, with maturin,
# numpy and pytest from PyPI. The extension is built in the dev profile into the same target
# directory as the Rust tests, so it reuses their compiled Faiss and RocksDB.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
PYTHON ?= python3
PY_VENV ?= $(TARGET_DIR)/python-venv
PY_DEPS := "maturin>=1.7,<2" "numpy>=1.21" "pytest>=7"

setup:
	@./scripts/setup.sh

build: setup
	$(CARGO) build --release --workspace

demo: setup
	$(CARGO) run -p kiln-cli --bin kiln -- demo $(DEMO_ARGS)

test: setup
	$(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --workspace --doc
	$(CARGO) test -p kiln-tests --features failpoints --test failpoints --test flush_seal_race --test stale_retry --test compact_errors
	$(MAKE) python-test

# The virtualenv, made once (again when python/pyproject.toml changes).
python-venv: $(PY_VENV)/.kiln-deps
$(PY_VENV)/.kiln-deps: python/pyproject.toml
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install -q --upgrade pip
	$(PY_VENV)/bin/python -m pip install -q $(PY_DEPS)
	touch $@

# Build the extension (dev profile, shared target directory) and install it in the virtualenv.
python: setup python-venv
	PATH="$(PY_VENV)/bin:$$PATH" CARGO_TARGET_DIR=$(TARGET_DIR) $(PY_VENV)/bin/python -m pip install \
		-q --no-build-isolation --no-deps --force-reinstall ./python

python-test: python
	cd python && $(PY_VENV)/bin/python -m pytest -q tests

# Python against the Rust API and faiss-cpu on the dev set (README "Python"); BENCH_ARGS are
# passed to python/bench/bench.py.
bench-python: python
	$(PY_VENV)/bin/python -m pip install -q faiss-cpu
	$(PY_VENV)/bin/python python/bench/bench.py $(BENCH_ARGS)

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The end-to-end benchmark, Kiln against raw Faiss (README "Performance"); BENCH_ARGS=--quick
# for the dev set and 100k-128 only.
bench: setup
	$(CARGO) run --release -p kiln-benches --bin e2e -- $(BENCH_ARGS)

# The write path against raw RocksDB.
bench-ingest: setup
	$(CARGO) run --release -p kiln-benches --bin ingest_bench -- $(BENCH_ARGS)

# kiln-index against the raw faiss crate: build, merge, search, load.
bench-index: setup
	$(CARGO) run --release -p kiln-benches --bin index_bench -- $(BENCH_ARGS)

# Filtered search on the dev set: Kiln's planner against raw Faiss with an IDSelectorBitmap.
bench-filtered: setup
	$(CARGO) run --release -p kiln-benches --bin filtered_bench -- $(BENCH_ARGS)

# Kiln's default search on a settled (compacted) collection against raw Faiss HNSW32,Flat and
# IVF-Flat, unfiltered; BENCH_ARGS="--synthetic 1000000 128" for the 1M set.
bench-graph: setup
	$(CARGO) run --release -p kiln-benches --bin graph_bench -- $(BENCH_ARGS)

# Many IVF segments of one template: the query's coarse assignment shared by the segments
# against each segment assigning it itself.
bench-coarse: setup
	$(CARGO) run --release -p kiln-benches --bin coarse_bench -- $(BENCH_ARGS)

# The long tier of the reliability suite (README "Reliability"); hours.
long-campaign: setup
	./scripts/long-campaign.sh
