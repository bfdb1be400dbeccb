#!/usr/bin/env bash
# Builds the unit and integration suites with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer in their own build directory (build-asan/) and runs them with
# ctest. Fails on a failing test or on any sanitizer report, including one from a child
# process (the tributary CLI a test starts) whose exit code the test did not look at:
# every report is also written under build-asan/sanitizer-reports/ and checked at the end.
#
#   scripts/sanitize.sh            build and run everything
#   JOBS=4 scripts/sanitize.sh     build with 4 jobs (default: nproc)
#   SANITIZE_BUILD=dir scripts/sanitize.sh   another build directory
#   scripts/sanitize.sh -R Parser  only the tests ctest selects with these arguments
#
# Installs nothing itself: scripts/install-deps.sh does.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SANITIZE_BUILD:-$root/build-asan}
jobs=${JOBS:-$(nproc)}
reports=$build/sanitizer-reports
started=$(date +%s)

# -O1: Debug (-O0) code under ASan runs the suites several times slower for no more
# findings. -g1: line tables are all a report needs, and full debug info makes this build
# much slower. GCC 12 with -fsanitize=address warns -Wmaybe-uninitialized falsely inside
# libstdc++'s <regex> (through cpp-httplib); the normal build keeps that warning.
cmake -S "$root" -B "$build" \
  -DTRIBUTARY_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -Wno-maybe-uninitialized" >/dev/null
cmake --build "$build" -j "$jobs" --target unit_tests integration_tests
built=$(date +%s)

rm -rf "$reports"
mkdir -p "$reports"
# Only our binaries are instrumented; these settings reach uninstrumented children
# (sh, runuser, postgres) through the environment and are ignored by them.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:check_initialization_order=1:handle_abort=1:log_path=$reports/asan"
# scripts/lsan.supp: leaks inside third-party libraries, each with its reason.
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"

# The peak-RSS test skips itself here (ASan's quarantine keeps freed memory, so RSS would
# measure the sanitizer); the normal build runs it.
status=0
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 600 "$@" || status=$?
finished=$(date +%s)

shopt -s nullglob
found=("$reports"/*)
if [ "${#found[@]}" -gt 0 ]; then
  echo "sanitize: ${#found[@]} sanitizer report(s) under $reports:" >&2
  for f in "${found[@]}"; do
    echo "---- $f" >&2
    cat "$f" >&2
  done
  status=1
fi

echo "sanitize: build $((built - started)) s, tests $((finished - built)) s, exit $status"
exit "$status"
