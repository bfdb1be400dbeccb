#!/usr/bin/env bash
# Results identical to an earlier implementation: builds the CLI of REV (default ea49138, the
# loader before the speed work of issue 13) in a temporary worktree, then loads the same
# demo month — 40,000 events per weekday, --invalid-rate 0.05, injected faults (500, cut,
# reset, badjson) — once with that CLI and once with this one (with each per-event reader),
# each into an empty database of one throwaway cluster, and compares a checksum over every
# content column of public.user_events and over ingest.rejected_events (day, position,
# reason, raw JSON). Exits 1 when any differs. Never part of `make test` (about 5 minutes).
#
#   bash bench/compare_results.sh [REV]     BENCH_EVENTS_PER_DAY (40000), BUILD (build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-ea49138}
per_day=${BENCH_EVENTS_PER_DAY:-40000}
source "$repo/bench/lib.sh"
BENCH_BIN=$repo/${BUILD:-build}/ingest/tributary
[ -x "$BENCH_BIN" ] || bench_die "no CLI at $BENCH_BIN: run make build first"

old_tree=$(mktemp -d "${TMPDIR:-/tmp}/tributary-compare-XXXXXX")
cleanup() {
  bench_cleanup
  git -C "$repo" worktree remove --force "$old_tree" >/dev/null 2>&1 || rm -rf "$old_tree"
}
trap cleanup EXIT
bench_log "building the CLI of $rev in $old_tree"
git -C "$repo" worktree add --detach "$old_tree" "$rev" >/dev/null 2>&1
cmake -S "$old_tree" -B "$old_tree/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRIBUTARY_BUILD_TESTS=OFF >/dev/null
cmake --build "$old_tree/build" -j "${JOBS:-2}" --target tributary >/dev/null
old_bin=$old_tree/build/ingest/tributary

bench_start_postgres
bench_start_demo month --events-per-day "$per_day" --invalid-rate 0.05 \
  --fault 500=0.05 --fault cut=0.03 --fault reset=0.03 --fault badjson=0.02
export API_URL=$BENCH_DEMO_URL API_TOKEN=demo-token TRIBUTARY_MAX_ATTEMPTS=10

results=()
run_one() {  # NAME BINARY [READER]
  local name=$1 bin=$2 reader=${3:-}
  bench_fresh_db "cmp_$name"
  if [ -n "$reader" ]; then export TRIBUTARY_JSON_READER=$reader; else unset TRIBUTARY_JSON_READER; fi
  "$bin" backfill-month 2024-01 --no-models >"$BENCH_ROOT/$name.out" 2>"$BENCH_ROOT/$name.log" ||
    { tail -5 "$BENCH_ROOT/$name.log" >&2; bench_die "$name: the backfill failed"; }
  # Every content column, whatever the version adds of its own bookkeeping.
  local columns
  columns=$(bench_psql "cmp_$name" -c "select string_agg(quote_ident(attname), ', ' order by attnum)
    from pg_attribute where attrelid = 'public.user_events'::regclass and attnum > 0
    and not attisdropped and attname not in ('first_loaded_at', 'last_loaded_at', 'run_id')")
  local days rows rejected
  days=$(bench_psql "cmp_$name" -c "select string_agg(status || ' ' || n, ', ') from
    (select status, count(*) n from ingest.day_loads group by 1 order by 1) s")
  rows=$(bench_psql "cmp_$name" -c "select count(*) || ' rows, md5 ' || md5(string_agg(r::text, '|'
    order by r.device_id, r.event_time)) from (select $columns from public.user_events) r")
  rejected=$(bench_psql "cmp_$name" -c "select count(*) || ' rejections, md5 ' ||
    md5(string_agg(day || '/' || position || '/' || reason || '/' || raw_json, '|'
    order by day, position)) from ingest.rejected_events")
  bench_log "   $name: days $days; $rows; $rejected"
  results+=("$rows; $rejected")
  bench_drop_db "cmp_$name"
}
bench_log "the demo month at $per_day/day, 5% invalid, faults: $rev, then this build"
run_one "before" "$old_bin"
run_one "now_fast" "$BENCH_BIN" fast
run_one "now_reference" "$BENCH_BIN" reference

status=0
for r in "${results[@]:1}"; do
  [ "$r" = "${results[0]}" ] || status=1
done
if [ "$status" -eq 0 ]; then
  echo "identical: $rev and $(git -C "$repo" rev-parse --short HEAD) (both readers): ${results[0]}"
else
  echo "DIFFERENT results:" >&2
  printf '  %s\n' "${results[@]}" >&2
fi
exit "$status"
