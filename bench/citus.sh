#!/usr/bin/env bash
# `make bench-citus`: tributary on a Citus cluster (a coordinator and two workers, from
# scripts/citus-up.sh) side by side with a single node, in one run on this machine, with the
# benchmark settings of bench/lib.sh on every node (fsync, synchronous_commit and
# full_page_writes off). For each, BENCH_CITUS_REPEAT times (default 2), alternating:
#   ingest  `backfill-month 2024-01 --no-models` into an empty database (events/s);
#   models  `run-models --full-refresh` on the loaded month (seconds).
# Prints the medians and the two ratios against their targets (issue 15): Citus ingest at
# least 0.8 x the single node, the full model build on Citus at most 1.5 x. Never part of
# make test. Settings: BENCH_EVENTS_PER_DAY (default 10000), BENCH_CITUS_REPEAT,
# BENCH_PARALLEL (the CLI's --parallel, default its own), BENCH_CITUS_SHARDS (shards of
# user_events, default 8 like citus-up.sh), BENCH_KEEP, BENCH_BIN or BUILD.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
BENCH_BIN=${BENCH_BIN:-$repo/${BUILD:-build}/ingest/tributary}
[ -x "$BENCH_BIN" ] || bench_die "$BENCH_BIN is missing: make build"
events_per_day=${BENCH_EVENTS_PER_DAY:-10000}
repeat=${BENCH_CITUS_REPEAT:-2}
shard_count=${BENCH_CITUS_SHARDS:-8}  # as scripts/citus-up.sh sets for its cluster
parallel=()
[ -z "${BENCH_PARALLEL:-}" ] || parallel=(--parallel "$BENCH_PARALLEL")

bash "$repo/scripts/citus-build.sh" >&2 || bench_die "no Citus to benchmark (scripts/citus-build.sh)"

citus_root=""
cleanup() {
  if [ -n "$citus_root" ]; then CITUS_ROOT=$citus_root bash "$repo/scripts/citus-down.sh" >/dev/null 2>&1 || true; fi
  bench_cleanup
}
trap cleanup EXIT
bench_start_postgres
single_env=(POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$BENCH_PG_PORT POSTGRES_USER=bench
  POSTGRES_PASSWORD=$BENCH_PG_PASSWORD)

citus_root="$BENCH_ROOT/citus"
mkdir -p "$citus_root"
CITUS_ROOT=$citus_root CITUS_PORT=$(bench_free_port) CITUS_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off' \
  bash "$repo/scripts/citus-up.sh" >"$BENCH_ROOT/citus-up.log" 2>&1 ||
  { cat "$BENCH_ROOT/citus-up.log" >&2; bench_die "citus-up failed"; }
citus_port=$(sed -n 's/^POSTGRES_PORT=//p' "$citus_root/citus.env")
citus_password=$(sed -n 's/^POSTGRES_PASSWORD=//p' "$citus_root/citus.env")
citus_env=(POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$citus_port POSTGRES_USER=tributary
  POSTGRES_PASSWORD=$citus_password)
bench_log "citus: coordinator on 127.0.0.1:$citus_port, workers $(sed -n 's/^CITUS_WORKERS=//p' "$citus_root/citus.env")"

citus_psql() { # NODE DB ARGS...
  local node=$1 db=$2; shift 2
  bench_as_postgres env PGOPTIONS="-c client_min_messages=warning" psql -X -q -At \
    -v ON_ERROR_STOP=1 -h "$citus_root/$node/run" -p "$(cat "$citus_root/$node/port")" \
    -U postgres -d "$db" "$@"
}
# An empty database NAME on every node, with the extension and the workers registered.
citus_fresh_db() {
  local node
  for node in coordinator worker1 worker2; do
    citus_psql "$node" postgres -c "drop database if exists \"$1\" with (force)" \
      -c "create database \"$1\" owner tributary" >/dev/null
    citus_psql "$node" "$1" -c "create extension citus" >/dev/null
  done
  citus_psql coordinator "$1" \
    -c "select citus_set_coordinator_host('$citus_root/coordinator/run', $citus_port)" \
    -c "select citus_add_node('$citus_root/worker1/run', $(cat "$citus_root/worker1/port"))" \
    -c "select citus_add_node('$citus_root/worker2/run', $(cat "$citus_root/worker2/port"))" \
    -c "alter database \"$1\" set citus.shard_count = $shard_count" >/dev/null
}

bench_start_demo month --events-per-day "$events_per_day"
bench_log "demo API at $BENCH_DEMO_URL, $events_per_day events per day"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# run KIND N: a backfill into a fresh database, then a full model build; appends to the
# KIND_ingest / KIND_models arrays.
declare -a single_ingest=() single_models=() citus_ingest=() citus_models=()
run() {
  local kind=$1 n=$2 db="bench_citus_$1_$2" env
  if [ "$kind" = single ]; then
    bench_fresh_db "$db"
    env=("${single_env[@]}")
  else
    citus_fresh_db "$db"
    env=("${citus_env[@]}")
  fi
  env+=(POSTGRES_DB=$db DATABASE_URL= API_URL=$BENCH_DEMO_URL API_TOKEN=demo-token)
  (cd "$BENCH_ROOT/work" && env "${env[@]}" "$BENCH_BIN" migrate >/dev/null)
  local start log="$BENCH_ROOT/$kind-$n"
  start=$(bench_now)
  (cd "$BENCH_ROOT/work" && env "${env[@]}" "$BENCH_BIN" backfill-month 2024-01 --no-models \
    "${parallel[@]}" >"$log.backfill" 2>&1) || bench_die "$kind backfill failed ($log.backfill)"
  local ingest_s events
  ingest_s=$(bench_elapsed "$start")
  events=$(sed -n 's/^events loaded \([0-9]*\).*/\1/p' "$log.backfill")
  start=$(bench_now)
  (cd "$BENCH_ROOT/work" && env "${env[@]}" "$BENCH_BIN" run-models --full-refresh \
    >"$log.models" 2>&1) || bench_die "$kind models failed ($log.models)"
  local models_s
  models_s=$(bench_elapsed "$start")
  local rate
  rate=$(bench_calc "$events / $ingest_s" '%.0f')
  bench_log "$kind run $n: $events events in $ingest_s s ($rate events/s); full model build $models_s s"
  eval "${kind}_ingest+=($rate)"
  eval "${kind}_models+=($models_s)"
  # The same rows and models as the single node (the first single run is the reference).
  local sum
  sum=$( (cd "$BENCH_ROOT/work" && env "${env[@]}" PGPASSWORD="$(printf '%s\n' "${env[@]}" | sed -n 's/^POSTGRES_PASSWORD=//p')" \
    psql -X -q -At -h 127.0.0.1 -p "$(printf '%s\n' "${env[@]}" | sed -n 's/^POSTGRES_PORT=//p')" \
    -U "$(printf '%s\n' "${env[@]}" | sed -n 's/^POSTGRES_USER=//p')" -d "$db" -c \
    "select md5(string_agg(t::text, ',' order by t::text)) from (select md5(string_agg(u::text, ',' order by device_id, event_time)) from (select device_id, event_time, event_date, user_id, server_upload_time, path, extras from public.user_events) u union all select md5(string_agg(w::text, ',' order by w::text)) from analytics.weekly_summary w) t"))
  if [ -z "${reference_sum:-}" ]; then reference_sum=$sum; fi
  [ "$sum" = "$reference_sum" ] || bench_die "$kind run $n: the rows or models differ from the single node's"
}
for n in $(seq 1 "$repeat"); do
  run single "$n"
  run citus "$n"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
s_ingest=$(median "${single_ingest[@]}")
c_ingest=$(median "${citus_ingest[@]}")
s_models=$(median "${single_models[@]}")
c_models=$(median "${citus_models[@]}")
ingest_ratio=$(bench_calc "$c_ingest / $s_ingest")
models_ratio=$(bench_calc "$c_models / $s_models")
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
echo
echo "bench-citus: January 2024 at $events_per_day events/day, medians of $repeat runs; load average $load_before -> $load_after"
printf '%-34s %14s %14s\n' "" "single node" "Citus (1+2)"
printf '%-34s %14s %14s\n' "ingest (events/s)" "$s_ingest" "$c_ingest"
printf '%-34s %14s %14s\n' "full model build (s)" "$s_models" "$c_models"
echo "ingest ratio Citus / single node:      $ingest_ratio (target >= 0.8: $(verdict "$ingest_ratio >= 0.8"))"
echo "model build ratio Citus / single node: $models_ratio (target <= 1.5: $(verdict "$models_ratio <= 1.5"))"
