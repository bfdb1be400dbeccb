#!/usr/bin/env bash
# The benchmarks, side by side in one run (`make bench` → scripts/bench.sh → here).
#
# Starts its own throwaway PostgreSQL 15 cluster (the test suite's settings) and demo APIs,
# then measures:
#   1. ingest: backfill-month 2024-01 --no-models into an empty database, vs a raw
#      `COPY … FROM` of the same rows into an empty `LIKE public.user_events INCLUDING ALL`;
#   2. row-at-a-time: one autocommit INSERT … ON CONFLICT DO UPDATE per row, for a sample;
#   3. the unchanged re-run of the same backfill;
#   4. peak RSS of the CLI: a week at 10,000 events/day, one day at 200,000;
#   5. models: full run-models vs the straightforward GROUP BY queries (bench/naive/*.sql),
#      and bringing the models up to date after one day was reloaded with changes;
#   6. scaling: events/s for 7 days at 10,000 / 40,000 / 100,000 events per day.
# Prints a table and writes bench/results/latest.json.
#
# Settings (environment):
#   BENCH_BIN             the tributary CLI (default: $BUILD/ingest/tributary, BUILD=build)
#   BENCH_EVENTS_PER_DAY  events per weekday for 1-3 and 5 (default 40000)
#   BENCH_ROW_SAMPLE      rows for the row-at-a-time baseline (default 20000)
#   BENCH_SCALE           events/day for 6 (default "10000 40000 100000")
#   BENCH_SCALE_DAYS      days per scaling run, from 2024-01-01 (default 7)
#   BENCH_MEM_SMALL / BENCH_MEM_LARGE   events/day for 4 (default 10000 / 200000)
#   BENCH_REPEAT          repetitions of the cheap measurements, median kept (default 3)
#   BENCH_INGEST_REPEAT   repetitions of the month backfill, each into an empty database,
#                         median kept (default 3)
#   BENCH_PARALLEL        days in flight for the backfills (default: the CLI's default, 4)
#   BENCH_OUT             the JSON report (default bench/results/latest.json)
#   BENCH_KEEP            keep the temp dir (cluster, logs) instead of removing it
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

BENCH_BIN=$(realpath -m "${BENCH_BIN:-$repo/${BUILD:-build}/ingest/tributary}")
per_day=${BENCH_EVENTS_PER_DAY:-40000}
row_sample=${BENCH_ROW_SAMPLE:-20000}
scale_list=${BENCH_SCALE:-10000 40000 100000}
scale_days=${BENCH_SCALE_DAYS:-7}
mem_small=${BENCH_MEM_SMALL:-10000}
mem_large=${BENCH_MEM_LARGE:-200000}
repeat=${BENCH_REPEAT:-3}
ingest_repeat=${BENCH_INGEST_REPEAT:-3}
out=${BENCH_OUT:-$repo/bench/results/latest.json}
parallel_args=()
[ -n "${BENCH_PARALLEL:-}" ] && parallel_args=(--parallel "$BENCH_PARALLEL")

[ -x "$BENCH_BIN" ] || bench_die "no CLI at $BENCH_BIN (build it, or set BENCH_BIN)"
command -v psql >/dev/null || bench_die "psql is missing (postgresql-client-15)"
[ -x "$bench_pgbin/initdb" ] || bench_die "PostgreSQL 15 server is missing (postgresql-15)"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_started=$(bench_now)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Sum of events received over ingest.day_loads: what the API sent, rejected and duplicates included.
events_received() { bench_psql "$POSTGRES_DB" -c "select coalesce(sum(events_received), 0) from ingest.day_loads"; }
row_count() { bench_psql "$POSTGRES_DB" -c "select count(*) from public.user_events"; }
checkpoint() { bench_psql_super postgres -c checkpoint >/dev/null; }
# Runs the CLI, dies with its log when it fails.
cli() {
  local name=$1; shift
  bench_cli "$name" "$@" || bench_die "tributary $* failed; log: $BENCH_ROOT/$name.log
$(tail -n 20 "$BENCH_ROOT/$name.log")"
}
cli_rss() {
  local name=$1; shift
  bench_cli_rss "$name" "$@" || bench_die "tributary $* failed; log: $BENCH_ROOT/$name.log
$(tail -n 20 "$BENCH_ROOT/$name.log")"
}

bench_start_postgres

# ---------------------------------------------------------------------------------------
# 1. Ingest throughput: the month, end to end, into an empty database.
bench_log "1. backfill-month 2024-01 at $per_day events/day into an empty database (x$ingest_repeat)"
bench_start_demo month --events-per-day "$per_day"
month_api_url=$API_URL
ingest_times=()
ingest_peaks=()
ingest_cpus=()
for i in $(seq 1 "$ingest_repeat"); do
  bench_fresh_db bench_month  # the last run's database stays for 1-3 and 5
  checkpoint
  t=$(bench_now)
  cli_rss "backfill_$i" backfill-month 2024-01 --no-models "${parallel_args[@]}"
  ingest_times+=("$(bench_elapsed "$t")")
  ingest_peaks+=("$BENCH_PEAK_KB")
  ingest_cpus+=("$BENCH_CPU_S")
  bench_log "   run $i: ${ingest_times[-1]}s (CLI CPU ${BENCH_CPU_S}s)"
done
ingest_s=$(median "${ingest_times[@]}")
ingest_peak_kb=$(printf '%s\n' "${ingest_peaks[@]}" | sort -n | tail -n 1)
ingest_events=$(events_received)
ingest_rows=$(row_count)
ingest_eps=$(bench_calc "$ingest_events / $ingest_s" %.0f)
ingest_rps=$(bench_calc "$ingest_rows / $ingest_s" %.0f)
ingest_cpu_s=$(median "${ingest_cpus[@]}")
ingest_cpu_us=$(bench_calc "1000000 * $ingest_cpu_s / $ingest_events" %.1f)
bench_log "   $ingest_events events ($ingest_rows rows): median ${ingest_s}s = $ingest_eps events/s"

# What the demo API alone costs: the same 31 days fetched with curl, 4 at a time, to
# /dev/null. It shares the 2 cores with the CLI and Postgres during the backfill.
bench_log "   the demo API alone: the same month fetched with curl"
t=$(bench_now)
for d in $(seq -w 1 31); do echo "2024-01-$d"; done |
  xargs -P "${BENCH_PARALLEL:-4}" -I{} curl -sf -o /dev/null -H "api-token: demo-token" "$month_api_url?date={}"
api_only_s=$(bench_elapsed "$t")

# The raw COPY baseline: the same rows, loaded with COPY FROM STDIN (psql's \copy, over TCP
# like the CLI) into an empty table with the same columns, defaults, primary key and index.
# They are given in the order COPY takes fastest, by key within each day (in the API's
# order the primary key's index makes the same COPY take 1.3-2x as long), whatever order
# the loader stored them in.
content_cols=$(bench_psql bench_month -c "select string_agg(quote_ident(column_name), ', ' order by ordinal_position)
  from information_schema.columns where table_schema = 'public' and table_name = 'user_events'
  and column_name not in ('first_loaded_at', 'last_loaded_at', 'run_id')")
export_file="$BENCH_ROOT/work/user_events.copy"
bench_psql bench_month -c "\\copy (select $content_cols from public.user_events
  order by event_date, device_id collate \"C\", event_time) to '$export_file'"
export_mb=$(bench_calc "$(stat -c %s "$export_file") / 1048576" %.0f)
bench_psql bench_month -c "create schema bench"
# The autovacuum the backfill left due on user_events would otherwise run during the first
# COPYs (they took up to twice as long): done now, untimed.
bench_psql bench_month -c "vacuum (analyze) public.user_events"
copy_times=()
for i in $(seq 1 "$repeat"); do
  bench_psql bench_month -c "drop table if exists bench.raw_copy; create table bench.raw_copy (like public.user_events including all)"
  checkpoint
  t=$(bench_now)
  bench_psql bench_month -c "\\copy bench.raw_copy ($content_cols) from '$export_file'"
  copy_times+=("$(bench_elapsed "$t")")
done
copy_s=$(median "${copy_times[@]}")
copy_rps=$(bench_calc "$ingest_rows / $copy_s" %.0f)
ingest_vs_copy=$(bench_calc "$ingest_rps / $copy_rps" %.2f)
bench_psql bench_month -c "drop table bench.raw_copy"
rm -f "$export_file"
bench_log "   raw COPY of $ingest_rows rows (${export_mb} MB): ${copy_times[*]} s → median ${copy_s}s; ratio $ingest_vs_copy"

# ---------------------------------------------------------------------------------------
# 2. Row-at-a-time: one autocommit INSERT … ON CONFLICT DO UPDATE per row, a sample of the
# same rows spread over the key space, into an empty table like user_events.
bench_log "2. row-at-a-time: $row_sample autocommit INSERT … ON CONFLICT DO UPDATE"
values_expr=$(bench_psql bench_month -c "select string_agg(format('quote_nullable(%I)', column_name), ', ' order by ordinal_position)
  from information_schema.columns where table_schema = 'public' and table_name = 'user_events'
  and column_name not in ('first_loaded_at', 'last_loaded_at', 'run_id')")
set_list=$(bench_psql bench_month -c "select string_agg(format('%1\$I = excluded.%1\$I', column_name), ', ' order by ordinal_position)
  from information_schema.columns where table_schema = 'public' and table_name = 'user_events'
  and column_name not in ('device_id', 'event_time', 'first_loaded_at', 'last_loaded_at', 'run_id')")
rows_file="$BENCH_ROOT/work/rows.sql"
bench_psql bench_month -v cols="$content_cols" -v set_list="$set_list" >"$rows_file" <<SQL
select format('insert into bench.row_events (%s) values (%s) on conflict (device_id, event_time) do update set %s;',
              :'cols', concat_ws(', ', $values_expr), :'set_list')
from public.user_events
order by md5(device_id || event_time::text)
limit $row_sample;
SQL
row_n=$(wc -l <"$rows_file")
bench_psql bench_month -c "create table bench.row_events (like public.user_events including all)"
checkpoint
t=$(bench_now)
bench_psql bench_month -f "$rows_file" >/dev/null
row_s=$(bench_elapsed "$t")
row_rps=$(bench_calc "$row_n / $row_s" %.0f)
ingest_vs_row=$(bench_calc "$ingest_rps / $row_rps" %.1f)
copy_vs_row=$(bench_calc "$copy_rps / $row_rps" %.1f)
bench_psql bench_month -c "drop table bench.row_events"
rm -f "$rows_file"
bench_log "   $row_n rows in ${row_s}s: $row_rps rows/s (tributary is ${ingest_vs_row}x)"

# ---------------------------------------------------------------------------------------
# 3. The unchanged re-run: the same backfill again, every day unchanged.
bench_log "3. unchanged re-run of the same backfill"
export API_URL=$month_api_url
# Each re-run takes about a second, half of it the demo API's: the median of $repeat.
rerun_times=()
for i in $(seq 1 "$repeat"); do
  t=$(bench_now)
  cli rerun backfill-month 2024-01 --no-models "${parallel_args[@]}"
  rerun_times+=("$(bench_elapsed "$t")")
done
rerun_s=$(median "${rerun_times[@]}")
rerun_fraction=$(bench_calc "$rerun_s / $ingest_s" %.3f)
rerun_summary=$(grep -m1 'days loaded' "$BENCH_ROOT/rerun.log" || true)
bench_log "   ${rerun_times[*]} s → median ${rerun_s}s (${rerun_fraction} of the first run): $rerun_summary"
# The same without ETags, as against an API that sends none: the stored ETags are cleared,
# so every day is fetched in full and found unchanged by its payload digest.
rerun_digest_times=()
for i in $(seq 1 "$repeat"); do
  bench_psql bench_month -c "update ingest.day_loads set etag = null"
  t=$(bench_now)
  cli rerun_digest backfill-month 2024-01 --no-models "${parallel_args[@]}"
  rerun_digest_times+=("$(bench_elapsed "$t")")
done
rerun_digest_s=$(median "${rerun_digest_times[@]}")
rerun_digest_fraction=$(bench_calc "$rerun_digest_s / $ingest_s" %.3f)
rerun_digest_summary=$(grep -m1 'days loaded' "$BENCH_ROOT/rerun_digest.log" || true)
bench_log "   without ETags: ${rerun_digest_times[*]} s → median ${rerun_digest_s}s (${rerun_digest_fraction} of the first run): $rerun_digest_summary"
rerun_rows_after=$(row_count)
bench_stop_demo month

# ---------------------------------------------------------------------------------------
# 5. Models on the loaded month. The table is vacuumed and analyzed first (untimed), the
# steady state autovacuum would reach; then both sides read warm data.
bench_log "5. models: run-models vs the straightforward GROUP BY queries"
bench_psql bench_month -c "vacuum analyze public.user_events"
bench_psql bench_month -c "select count(*) from public.user_events" >/dev/null
naive_file="$BENCH_ROOT/work/naive.sql"
for m in weekly_engagement weekly_active_corporations weekly_summary; do
  grep -v '^--' "$repo/bench/naive/$m.sql"
  echo ";"
done >"$naive_file"
naive_times=()
for i in $(seq 1 "$repeat"); do
  t=$(bench_now)
  bench_psql bench_month -f "$naive_file" >/dev/null
  naive_times+=("$(bench_elapsed "$t")")
done
naive_s=$(median "${naive_times[@]}")
checkpoint
t=$(bench_now)
cli models_full run-models
models_full_s=$(bench_elapsed "$t")
models_vs_naive=$(bench_calc "$models_full_s / $naive_s" %.2f)
# The models must agree with the plain queries (same rows, any order): after the full
# build, and again after the incremental runs below.
models_agree=true
check_models_agree() {
  local m diff_rows
  for m in weekly_engagement weekly_active_corporations weekly_summary; do
    diff_rows=$(bench_psql bench_month -c "
      with naive as ($(grep -v '^--' "$repo/bench/naive/$m.sql"))
      select (select count(*) from (select * from naive except all select * from analytics.$m) as a)
           + (select count(*) from (select * from analytics.$m except all select * from naive) as b)")
    if [ "$diff_rows" != 0 ]; then
      models_agree=false
      bench_log "   warning: analytics.$m differs from bench/naive/$m.sql in $diff_rows rows ($1)"
    fi
  done
}
check_models_agree "full build"
bench_log "   naive ${naive_times[*]} s → median ${naive_s}s; run-models ${models_full_s}s; ratio $models_vs_naive; agree: $models_agree"

# One day reloaded with changes: 2024-01-15 served by a demo API with another seed (other
# events, so the merge writes), loaded with request-day --mirror (the day becomes the new
# payload, so it keeps its size instead of growing by 40,000 events per repetition); then
# run-models brings the models up to date. Repeated with a new seed each time. Every row of
# the day is replaced on purpose, which the mirror guard refuses by default: allow it here.
reload_times=()
models_inc_times=()
for i in $(seq 1 "$repeat"); do
  bench_start_demo "changed$i" --events-per-day "$per_day" --seed $((100 + i)) --from 2024-01-15 --to 2024-01-15
  t=$(bench_now)
  TRIBUTARY_MIRROR_MAX_DELETE_PERCENT=100 cli "reload_$i" request-day 2024-01-15 --mirror
  reload_times+=("$(bench_elapsed "$t")")
  bench_stop_demo "changed$i"
  t=$(bench_now)
  cli "models_inc_$i" run-models
  models_inc_times+=("$(bench_elapsed "$t")")
  if ! grep -q "incremental (1 partition)" "$BENCH_ROOT/models_inc_$i.log"; then
    bench_log "   warning: run-models after the changed day was not incremental (see models_inc_$i.log)"
  fi
done
check_models_agree "after the incremental runs"
reload_s=$(median "${reload_times[@]}")
models_inc_s=$(median "${models_inc_times[@]}")
models_inc_fraction=$(bench_calc "$models_inc_s / $models_full_s" %.2f)
bench_log "   after one changed day: request-day ${reload_times[*]} s; run-models ${models_inc_times[*]} s → ${models_inc_fraction} of the full build"
month_db_mb=$(bench_psql bench_month -c "select pg_database_size(current_database()) / 1048576")
bench_drop_db bench_month

# ---------------------------------------------------------------------------------------
# 4. Memory: peak RSS of the CLI, a week's backfill at the small volume and a single day's
# request at the large one.
bench_log "4. peak RSS: backfill of 7 days at $mem_small/day, request-day at $mem_large/day"
bench_fresh_db bench_mem_small
bench_start_demo mem_small --events-per-day "$mem_small" --from 2024-01-01 --to 2024-01-07
cli_rss mem_small backfill-month 2024-01 --no-models "${parallel_args[@]}"
mem_small_kb=$BENCH_PEAK_KB
bench_stop_demo mem_small
bench_drop_db bench_mem_small
bench_fresh_db bench_mem_large
bench_start_demo mem_large --events-per-day "$mem_large" --from 2024-01-15 --to 2024-01-15
t=$(bench_now)
cli_rss mem_large request-day 2024-01-15
mem_large_s=$(bench_elapsed "$t")
mem_large_kb=$BENCH_PEAK_KB
mem_large_events=$(events_received)
bench_stop_demo mem_large
bench_drop_db bench_mem_large
mem_small_mb=$(bench_calc "$mem_small_kb / 1024" %.1f)
mem_large_mb=$(bench_calc "$mem_large_kb / 1024" %.1f)
mem_ratio=$(bench_calc "$mem_large_kb / $mem_small_kb" %.2f)
ingest_peak_mb=$(bench_calc "$ingest_peak_kb / 1024" %.1f)
bench_log "   ${mem_small_mb} MB vs ${mem_large_mb} MB (ratio $mem_ratio; $mem_large_events events in ${mem_large_s}s)"

# ---------------------------------------------------------------------------------------
# 6. Scaling: the first $scale_days days of January at each volume, each into an empty
# database (backfill-month; the demo API answers 404 = empty for the other days).
bench_log "6. scaling: $scale_days days at ${scale_list// /, } events/day"
scale_to=$(printf '2024-01-%02d' "$scale_days")
scale_json=""
scale_rows=()
for n in $scale_list; do
  bench_fresh_db "bench_scale_$n"
  bench_start_demo "scale_$n" --events-per-day "$n" --from 2024-01-01 --to "$scale_to"
  checkpoint
  t=$(bench_now)
  cli_rss "scale_$n" backfill-month 2024-01 --no-models "${parallel_args[@]}"
  s=$(bench_elapsed "$t")
  cpu=$BENCH_CPU_S
  peak=$(bench_calc "$BENCH_PEAK_KB / 1024" %.1f)
  ev=$(events_received)
  eps=$(bench_calc "$ev / $s" %.0f)
  us=$(bench_calc "1000000 * $s / $ev" %.1f)
  cpu_us=$(bench_calc "1000000 * $cpu / $ev" %.1f)
  bench_stop_demo "scale_$n"
  bench_drop_db "bench_scale_$n"
  scale_rows+=("$n|$ev|$s|$eps|$us|$peak|$cpu_us")
  scale_json+="${scale_json:+, }{\"events_per_day\": $n, \"events\": $ev, \"seconds\": $s, \"events_per_s\": $eps, \"us_per_event\": $us, \"cli_cpu_seconds\": $cpu, \"cli_cpu_us_per_event\": $cpu_us, \"peak_rss_mb\": $peak}"
  bench_log "   $n/day: $ev events in ${s}s = $eps events/s (${us} µs/event wall, ${cpu_us} µs/event CLI CPU, peak ${peak} MB)"
done
first_eps=$(echo "${scale_rows[0]}" | cut -d'|' -f4)
last_eps=$(echo "${scale_rows[-1]}" | cut -d'|' -f4)
scale_flatness=$(bench_calc "$last_eps / $first_eps" %.2f)

# ---------------------------------------------------------------------------------------
# The report.
total_s=$(bench_elapsed "$bench_started")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
tributary_version=$("$BENCH_BIN" --version 2>/dev/null | head -n1 || echo unknown)
pg_version=$(bench_psql postgres -c "show server_version")
pqxx_version=$(dpkg-query -W -f='${Version}' libpqxx-dev 2>/dev/null || pkg-config --modversion libpqxx 2>/dev/null || echo unknown)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_total_mb=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1024 }' /proc/meminfo)
git_rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git_dirty=$([ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ] && echo true || echo false)

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
t_ingest=$(verdict "$ingest_vs_copy >= 0.8")
t_ingest_aim=$(verdict "$ingest_vs_copy >= 0.9")
t_cpu=$(verdict "$ingest_cpu_us <= 4")
t_rerun=$(verdict "$rerun_fraction <= 0.10")
t_rerun_digest=$(verdict "$rerun_digest_fraction <= 0.15")
t_mem=$(verdict "$mem_ratio <= 1.5 && $mem_large_mb < 200")
t_models=$(verdict "$models_vs_naive <= 0.5")
t_inc=$(verdict "$models_inc_fraction <= 0.2")

table=$(
  printf '%-46s %16s %16s %9s  %s\n' "measurement" "value" "baseline" "ratio" "target"
  printf '%-46s %16s %16s %9s  %s\n' "1. ingest, month at $per_day/day (events/s)" "$ingest_rps" "COPY $copy_rps" "$ingest_vs_copy" ">= 0.80 x COPY: $t_ingest (aim 0.90: $t_ingest_aim)"
  printf '%-46s %16s %16s %9s  %s\n' "   wall time (s): backfill / raw COPY" "$ingest_s" "$copy_s" "" "$ingest_rows rows, $ingest_events events received"
  printf '%-46s %16s %16s %9s  %s\n' "   CLI CPU, user+system (s)" "$ingest_cpu_s" "" "" "${ingest_cpu_us} us per event <= 4: $t_cpu; Postgres and the demo API use the rest"
  printf '%-46s %16s %16s %9s  %s\n' "   demo API alone, same month via curl (s)" "$api_only_s" "" "" "shares the 2 cores during the backfill"
  printf '%-46s %16s %16s %9s  %s\n' "2. row-at-a-time, $row_n rows (rows/s)" "$row_rps" "" "${ingest_vs_row}x" "tributary / row-at-a-time (COPY: ${copy_vs_row}x)"
  printf '%-46s %16s %16s %9s  %s\n' "3. unchanged re-run (s)" "$rerun_s" "$ingest_s" "$rerun_fraction" "<= 0.10: $t_rerun (304 to If-None-Match)"
  printf '%-46s %16s %16s %9s  %s\n' "   unchanged re-run without ETags (s)" "$rerun_digest_s" "$ingest_s" "$rerun_digest_fraction" "<= 0.15: $t_rerun_digest (download only: same digest, no parse; the API alone $(bench_calc "$api_only_s / $ingest_s" %.3f))"
  printf '%-46s %16s %16s %9s  %s\n' "4. peak RSS (MB): 1 day at $mem_large / 7 at $mem_small" "$mem_large_mb" "$mem_small_mb" "$mem_ratio" "<= 1.5 and < 200 MB: $t_mem"
  printf '%-46s %16s %16s %9s  %s\n' "   peak RSS, month backfill at $per_day/day (MB)" "$ingest_peak_mb" "" "" ""
  printf '%-46s %16s %16s %9s  %s\n' "5. run-models, full (s) vs plain GROUP BYs" "$models_full_s" "$naive_s" "$models_vs_naive" "<= 0.50: $t_models (results agree: $models_agree)"
  printf '%-46s %16s %16s %9s  %s\n' "   run-models after 1 changed day (s)" "$models_inc_s" "$models_full_s" "$models_inc_fraction" "<= 0.20: $t_inc (request-day ${reload_s}s)"
  for r in "${scale_rows[@]}"; do
    IFS='|' read -r n ev s eps us peak cpu_us <<<"$r"
    printf '%-46s %16s %16s %9s  %s\n' "6. scaling, $scale_days days at $n/day (events/s)" "$eps" "" "" "$ev events, ${s}s; ${us} us/event wall, ${cpu_us} CLI CPU; ${peak} MB"
  done
  printf '%-46s %16s %16s %9s  %s\n' "   events/s at the largest / smallest volume" "" "" "$scale_flatness" ">= 1.0: cost per event does not grow"
)

mkdir -p "$(dirname "$out")"
cat >"$out" <<JSON
{
  "generated_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"cores": $(nproc), "cpu": "$cpu_model", "memory_mb": $mem_total_mb,
              "kernel": "$(uname -r)", "loadavg_start": "$load_start", "loadavg_end": "$load_end"},
  "versions": {"tributary": "$tributary_version", "git": "$git_rev", "git_dirty": $git_dirty,
               "postgres": "$pg_version", "libpqxx": "$pqxx_version"},
  "postgres_settings": "fsync=off synchronous_commit=off full_page_writes=off shared_buffers=256MB (as the tests)",
  "repeat": $repeat, "ingest_repeat": $ingest_repeat,
  "ingest": {"events_per_day": $per_day, "events_received": $ingest_events, "rows": $ingest_rows,
             "seconds": $ingest_s, "runs": [$(IFS=,; echo "${ingest_times[*]}")], "events_per_s": $ingest_eps, "rows_per_s": $ingest_rps,
             "peak_rss_mb": $ingest_peak_mb,
             "cli_cpu_seconds": $ingest_cpu_s, "cli_cpu_us_per_event": $ingest_cpu_us, "demo_api_alone_seconds": $api_only_s,
             "raw_copy": {"seconds": $copy_s, "runs": [$(IFS=,; echo "${copy_times[*]}")], "rows_per_s": $copy_rps, "file_mb": $export_mb},
             "ratio_vs_raw_copy": $ingest_vs_copy, "target": 0.8, "aim": 0.9,
             "cli_cpu_target_us_per_event": 4, "cli_cpu_met": $([ "$t_cpu" = met ] && echo true || echo false), "met": $([ "$t_ingest" = met ] && echo true || echo false)},
  "row_at_a_time": {"rows": $row_n, "seconds": $row_s, "rows_per_s": $row_rps,
                    "tributary_ratio": $ingest_vs_row, "raw_copy_ratio": $copy_vs_row},
  "unchanged_rerun": {"seconds": $rerun_s, "fraction_of_first": $rerun_fraction, "target": 0.1,
                      "met": $([ "$t_rerun" = met ] && echo true || echo false), "rows_after": $rerun_rows_after,
                      "without_etags": {"seconds": $rerun_digest_s, "fraction_of_first": $rerun_digest_fraction, "target": 0.15,
                                        "met": $([ "$t_rerun_digest" = met ] && echo true || echo false)}},
  "memory": {"small": {"events_per_day": $mem_small, "days": 7, "command": "backfill-month", "peak_rss_mb": $mem_small_mb},
             "large": {"events_per_day": $mem_large, "days": 1, "command": "request-day", "peak_rss_mb": $mem_large_mb,
                       "events": $mem_large_events, "seconds": $mem_large_s},
             "ratio": $mem_ratio, "target_ratio": 1.5, "target_mb": 200,
             "met": $([ "$t_mem" = met ] && echo true || echo false)},
  "models": {"full_seconds": $models_full_s, "naive_group_by_seconds": $naive_s,
             "naive_runs": [$(IFS=,; echo "${naive_times[*]}")], "ratio": $models_vs_naive, "target": 0.5,
             "met": $([ "$t_models" = met ] && echo true || echo false), "results_agree": $models_agree,
             "after_changed_day": {"day": "2024-01-15", "request_day_seconds": $reload_s,
                                   "run_models_seconds": $models_inc_s,
                                   "runs": [$(IFS=,; echo "${models_inc_times[*]}")],
                                   "fraction_of_full": $models_inc_fraction, "target": 0.2,
                                   "met": $([ "$t_inc" = met ] && echo true || echo false)},
             "database_mb": $month_db_mb},
  "scaling": {"days": $scale_days, "runs": [$scale_json], "largest_over_smallest_events_per_s": $scale_flatness},
  "total_seconds": $total_s
}
JSON

echo
echo "tributary benchmarks ($tributary_version, git $git_rev$([ "$git_dirty" = true ] && echo ' +changes'), PostgreSQL $pg_version, libpqxx $pqxx_version)"
echo "machine: $(nproc) cores ($cpu_model), ${mem_total_mb} MB; load average $load_start at start, $load_end at end"
echo
echo "$table"
echo
echo "Timings are wall clock: on a shared 2-core machine the same run varies by 20-40%; the CLI CPU"
echo "seconds and the ratios within one run are steadier. Total ${total_s}s."
busy=$(awk -v a="${load_start%% *}" -v b="${load_end%% *}" -v n="$(nproc)" 'BEGIN { print (a > n || b > n) ? 1 : 0 }')
if [ "$busy" = 1 ]; then
  echo "warning: the load average ($load_start at start, $load_end at end) exceeded the $(nproc) cores:"
  echo "         other work shared the machine, so these figures are pessimistic."
fi
echo "Report: ${out#"$repo"/}"
