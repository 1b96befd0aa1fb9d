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

.PHONY: demo test setup build lint bench bench-ingest bench-index bench-filtered long-campaign fmt clean-demo

setup:
	@./scripts/setup.sh

build: setup
	$(CARGO) build --release --workspace

demo: setup
	$(CARGO) run -p kiln-cli --bin kiln -- demo $(DEMO_ARGS)

test: setup
	$(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --workspace --doc
	$(CARGO) test -p kiln-tests --features failpoints --test failpoints --test flush_seal_race --test stale_retry

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

# The long tier of the reliability suite (README "Reliability"); hours.
long-campaign: setup
	./scripts/long-campaign.sh
