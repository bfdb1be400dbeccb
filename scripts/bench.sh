#!/usr/bin/env bash
# `make bench`: the benchmarks of bench/ against the CLI in $BUILD (default build),
# built first. Never part of `make test`. Settings are described at
# the top of bench/run_bench.sh (BENCH_EVENTS_PER_DAY, BENCH_REPEAT, ...); the report goes
# to bench/results/latest.json.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-build}
build_dir="$repo/$BUILD"

# Configure once (RelWithDebInfo, like `make build`); always bring the CLI up to date, which
# costs nothing after `make build`.
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" --target tributary >/dev/null
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
case "$build_type" in
  Release | RelWithDebInfo) ;;
  *) echo "bench: warning: $build_dir is a '${build_type:-default}' build; figures mean little" \
       "without optimisation (use -DCMAKE_BUILD_TYPE=RelWithDebInfo)" >&2 ;;
esac
if grep -q -- '-fsanitize' "$build_dir/CMakeCache.txt" 2>/dev/null; then
  echo "bench: warning: $build_dir is built with sanitizers; figures will be slow" >&2
fi

exec bash "$repo/bench/run_bench.sh" "$@"
