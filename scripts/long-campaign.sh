#!/usr/bin/env bash
# The long tier of the reliability suite (docs/reliability.md T1-T12): the same tests as
# `make test`, with the campaign sizes raised through their environment knobs. Each test prints
# its seed and its figures (cycles, operations, trials, detection rates); a failure prints what
# is needed to replay it. Every size can be overridden from the environment, e.g.
#   T1_CYCLES=20000 FUZZ_SECONDS=600 scripts/long-campaign.sh   (FUZZ_SECONDS=0: no cargo-fuzz)
# Fuzzing needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); without them
# that step is skipped with a message. Logs go to stdout; tee them somewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

t() { # t <test file> [filter] : one integration test of kiln-tests, output shown
    local file=$1
    shift
    echo "== $(env | grep -E '^(KILN_|PROPTEST_)' | tr '\n' ' ')cargo test --test $file $*"
    cargo test -q -p kiln-tests --test "$file" -- --nocapture --test-threads 1 "$@"
}

# T1 kill -9 loops: buffered writes, synced writes, and kills aimed at builds and merges.
KILN_CRASH_CYCLES="${T1_CYCLES:-10000}" t crash_kill9 kill9_buffered
KILN_CRASH_CYCLES="${T1_SYNC_CYCLES:-1000}" t crash_kill9 kill9_sync
KILN_CRASH_CYCLES="${T1_INDEXED_CYCLES:-300}" t crash_kill9 kill9_during_index
# T2 every failpoint at hits 1, 2 and a random count (a separate build with the feature on).
echo "== cargo test --features failpoints --test failpoints"
cargo test -q -p kiln-tests --features failpoints --test failpoints -- --nocapture
# T3 simulated power cuts.
KILN_POWER_CUTS="${T3_CUTS:-1000}" t power_cut
# T4 and T7: fail every file operation of the workload in turn (stride 1), once and for good.
KILN_IO_STRIDE=1 t io_errors
t disk_full
# T5/T6: truncations and bit flips of every file kind; catalog damage.
KILN_FLIPS="${T6_FLIPS:-100000}" t corruption
KILN_CATALOG_TRIALS="${T5_CATALOG_TRIALS:-100}" t catalog_damage
# T8 locking, T9 concurrency, T10 bad inputs, T11 model sequences.
t locking
KILN_STRESS_QUERIES="${T9_QUERIES:-500000}" t stress_snapshots
t bad_inputs
PROPTEST_CASES="${T11_CASES:-5000}" t model_sequences
# T12: the stable-toolchain fuzz smoke test, then cargo-fuzz on every target.
KILN_FUZZ_ITERS="${T12_SMOKE_ITERS:-100000}" t fuzz_smoke
if [ "${FUZZ_SECONDS:-3600}" = 0 ]; then
    echo "== skipping cargo-fuzz: FUZZ_SECONDS=0"
elif cargo +nightly fuzz --version >/dev/null 2>&1; then
    # Most targets write each input to a scratch file and map it; on a disk that is I/O-bound
    # (~7k inputs/s for segment files), on tmpfs CPU-bound (~45k/s). Same decoders either way.
    scratch="${FUZZ_TMPDIR:-${TMPDIR:-/tmp}}"
    if [ -z "${FUZZ_TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
        scratch=/dev/shm
    fi
    echo "== fuzz scratch files under $scratch"
    for target in $(cd fuzz && cargo +nightly fuzz list); do
        echo "== cargo +nightly fuzz run $target -- -max_total_time=${FUZZ_SECONDS:-3600}"
        (cd fuzz && TMPDIR="$scratch" cargo +nightly fuzz run --sanitizer none -O "$target" -- \
            -max_total_time="${FUZZ_SECONDS:-3600}" -print_final_stats=1)
    done
else
    echo "== skipping cargo-fuzz: needs a nightly toolchain and cargo-fuzz" \
        "(rustup toolchain install nightly && cargo install cargo-fuzz)"
fi
echo "== long campaign passed"
