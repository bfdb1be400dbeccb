#!/usr/bin/env bash
# The parser micro-benchmark (not part of `make bench`; run it by hand):
#   bash bench/parser_bench.sh        # BENCH_BIN, BENCH_EVENTS_PER_DAY (40000), BENCH_REPEAT (5)
#
# Builds bench/parser/ in build-parser-bench/ (one job: it shares the machine), fetches one
# demo day (2024-01-15) from two demo APIs, one at the default invalid rate and one at
# --invalid-rate 0.05, and prints for each: the share of elements the fast reader takes
# itself, and this thread's CPU time per event through PayloadParser with the reference
# reader alone and with the fast reader falling back to it (best of BENCH_REPEAT runs), the
# fast reader alone, and the copy into its padded buffer.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
BENCH_BIN=$(realpath -m "${BENCH_BIN:-$repo/${BUILD:-build}/ingest/tributary}")
per_day=${BENCH_EVENTS_PER_DAY:-40000}
repeat=${BENCH_REPEAT:-5}
build=${BENCH_PARSER_BUILD:-$repo/build-parser-bench}
[ -x "$BENCH_BIN" ] || bench_die "no CLI at $BENCH_BIN (it serves the demo days)"

cmake -S "$repo/bench/parser" -B "$build" >/dev/null
cmake --build "$build" -j1 >/dev/null

BENCH_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/tributary-parser-bench-XXXXXX")
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
payloads=()
for rate in 0.01 0.05; do
  bench_start_demo "rate-$rate" --events-per-day "$per_day" --invalid-rate "$rate"
  file=$BENCH_ROOT/day-$per_day-invalid-$rate.json
  curl -sf -H "api-token: $API_TOKEN" -o "$file" "$BENCH_DEMO_URL?date=2024-01-15" ||
    bench_die "could not fetch the demo day from $BENCH_DEMO_URL"
  bench_stop_demo "rate-$rate"
  payloads+=("$file")
done
bench_log "load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/parser_bench" --repeat "$repeat" "${payloads[@]}"
bench_log "load average $(cut -d' ' -f1-3 /proc/loadavg)"
