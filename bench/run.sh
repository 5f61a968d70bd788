#!/usr/bin/env bash
# The benchmark (README "Performance"): builds this project's binary and the driver
# (bench/src/main.rs), then measures atlas against curl in pairs on the loopback stand-in.
#
#   bench/run.sh                     the full run: release build, 20 pairs after 3 warm-up pairs
#   BENCH_PAIRS=40 bench/run.sh      more pairs
#   BENCH_PROFILE=debug BENCH_PAIRS=3 BENCH_WARMUP=1 bench/run.sh
#                                    CI's smoke run, on the debug build `cargo test` made
#
# Needs curl on PATH (and strip and ldd for the size rows, which show 0 without them).
# Prints the table and the budget lines; exits 1 only when the benchmark itself breaks.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${BENCH_PAIRS:-20}
warmup=${BENCH_WARMUP:-3}
profile=${BENCH_PROFILE:-release}
target=${CARGO_TARGET_DIR:-$PWD/target}
case "$profile" in
  release) cargo build --release --locked --quiet -p atlas -p atlas-bench; dir=release ;;
  debug) cargo build --locked --quiet -p atlas -p atlas-bench; dir=debug ;;
  *) echo "bench/run.sh: BENCH_PROFILE must be release or debug" >&2; exit 2 ;;
esac
command -v curl >/dev/null || { echo "bench/run.sh: needs curl on PATH" >&2; exit 1; }
exec "$target/$dir/atlas-bench" --atlas "$target/$dir/atlas" --pairs "$pairs" --warmup "$warmup" \
  --profile "$profile"
