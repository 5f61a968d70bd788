#!/usr/bin/env bash
# The benchmark (README "Performance"): builds this project's binary and the driver
# (bench/src/main.rs), and the release binary of the build before the whole catalogue landed
# (cached), then measures atlas against that build and against curl, interleaved, on the
# loopback stand-in.
#
#   bench/run.sh                     the full run: release build, 20 rounds after 3 warm-up rounds
#   BENCH_PAIRS=40 bench/run.sh      more rounds
#   BENCH_BASELINE=none bench/run.sh without the build before (nothing more is built)
#   BENCH_PROFILE=debug BENCH_PAIRS=3 BENCH_WARMUP=1 BENCH_BASELINE=none bench/run.sh
#                                    CI's smoke run, on the debug build `cargo test` made
#
# Needs curl on PATH (and strip and ldd for the size rows, which show 0 without them).
# Prints the table and the budget lines; exits 1 only when the benchmark itself breaks.
set -euo pipefail
cd "$(dirname "$0")/.."

# The build before this project grew from the 14 programmaticApiKeys commands to the whole
# catalogue: the last commit with the old hand-written table. It is in main's history, so
# every clone has it.
baseline_commit=2b6d24c

pairs=${BENCH_PAIRS:-20}
warmup=${BENCH_WARMUP:-3}
profile=${BENCH_PROFILE:-release}
baseline=${BENCH_BASELINE:-$baseline_commit}
target=${CARGO_TARGET_DIR:-$PWD/target}
case "$profile" in
  release) cargo build --release --locked --quiet -p atlas -p atlas-bench; dir=release ;;
  debug) cargo build --locked --quiet -p atlas -p atlas-bench; dir=debug ;;
  *) echo "bench/run.sh: BENCH_PROFILE must be release or debug" >&2; exit 2 ;;
esac
command -v curl >/dev/null || { echo "bench/run.sh: needs curl on PATH" >&2; exit 1; }

# The baseline's release binary, built from `git archive` of its commit in a folder of its own
# under target/ (ignored by git; no worktree is registered), with a target folder of its own,
# and kept: a stamp names the commit it was built from. git is told not to look above that
# folder, so the baseline's build script does not take this checkout's HEAD for its own.
baseline_args=()
if [ "$baseline" != none ]; then
  commit=$(git rev-parse --verify --quiet "$baseline^{commit}") || {
    echo "bench/run.sh: commit $baseline is not in this repository (BENCH_BASELINE=none skips it)" >&2
    exit 1
  }
  cache="$target/bench-baseline"
  binary="$cache/target/release/atlas"
  if [ ! -x "$binary" ] || [ "$(cat "$cache/stamp" 2>/dev/null)" != "$commit" ]; then
    echo "bench/run.sh: building the baseline $commit (once; kept in $cache)" >&2
    rm -rf "$cache/src" "$cache/stamp"
    mkdir -p "$cache/src"
    git archive "$commit" | tar -x -C "$cache/src"
    (cd "$cache/src" && GIT_CEILING_DIRECTORIES="$cache" CARGO_TARGET_DIR="$cache/target" \
      cargo build --release --locked --quiet -p atlas)
    rm -rf "$cache/src"
    echo "$commit" >"$cache/stamp"
  fi
  baseline_args=(--baseline "$binary" --baseline-commit "$(git rev-parse --short "$commit")")
fi

exec "$target/$dir/atlas-bench" --atlas "$target/$dir/atlas" --pairs "$pairs" --warmup "$warmup" \
  --profile "$profile" "${baseline_args[@]}"
