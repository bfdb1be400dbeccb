#!/usr/bin/env bash
# Where the time of a backfill goes (not part of `make bench`; run it by hand):
#   bash bench/profile.sh            # BENCH_BIN, BENCH_EVENTS_PER_DAY (40000), BENCH_PROFILE_DAYS (31)
#
# Starts the same throwaway cluster and demo API as bench/run_bench.sh, then backfills
# twice, each time into an empty database:
#   A. system-wide `perf record` (cpu-clock, no call graphs): CPU per process (the CLI, the
#      demo API, the Postgres backends) and the hottest symbols of each; meanwhile Postgres
#      logs every statement's duration (log_min_duration_statement = 0) and auto_explain
#      logs the plans of the slow ones, so the server side is split per statement;
#   B. `perf record --call-graph dwarf` of the CLI alone: inclusive CPU per stage (HTTP
#      client, JSON parse, validate/flatten, COPY encoding, libpq).
# Writes its reports under bench/results/profile/ (gitignored).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
BENCH_BIN=$(realpath -m "${BENCH_BIN:-$repo/${BUILD:-build}/ingest/tributary}")
per_day=${BENCH_EVENTS_PER_DAY:-40000}
days=${BENCH_PROFILE_DAYS:-31}
outdir=${BENCH_PROFILE_OUT:-$repo/bench/results/profile}
[ -x "$BENCH_BIN" ] || bench_die "no CLI at $BENCH_BIN"
command -v perf >/dev/null || bench_die "perf is missing (Debian package linux-perf)"
perf stat -e cpu-clock true >/dev/null 2>&1 || bench_die "perf cannot count cpu-clock here (perf_event_paranoid?)"
mkdir -p "$outdir"
# The first N lines of a report, reading the rest so that the writer never gets SIGPIPE.
top() { head -n "$1"; cat >/dev/null; }
# C++ symbols without their template arguments, so that a line fits on a screen.
short_names() { sed -E -e 's/json_abi_v3_11_2:://g' -e 's/std::__cxx11::/std::/g' -e ':a' -e 's/<[^<>]*>//g' -e 'ta'; }
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

BENCH_PG_EXTRA_CONF="log_min_duration_statement = 0
log_line_prefix = '%m [%p] '
session_preload_libraries = 'auto_explain'
auto_explain.log_min_duration = '200ms'
auto_explain.log_analyze = on
auto_explain.log_buffers = on
auto_explain.log_timing = off
auto_explain.log_nested_statements = on"
bench_start_postgres

to=$(printf '2024-01-%02d' "$days")
bench_start_demo profile --events-per-day "$per_day" --from 2024-01-01 --to "$to"
demo_pid=${bench_demo_pids[profile]}

# --- A. system-wide ---------------------------------------------------------------------
bench_fresh_db profile_a
bench_log "A. system-wide perf record of backfill-month 2024-01 ($days days at $per_day/day)"
log_offset=$(stat -c %s "$BENCH_ROOT/pg/log")
t=$(bench_now)
(cd "$BENCH_ROOT/work" && perf record -a -F 499 -e cpu-clock -o "$BENCH_ROOT/perf_a.data" -- \
   "$BENCH_BIN" backfill-month 2024-01 --no-models) >"$BENCH_ROOT/profile_a.log" 2>&1 ||
  bench_die "backfill failed: $(tail -n 5 "$BENCH_ROOT/profile_a.log")"
wall_a=$(bench_elapsed "$t")
events_a=$(bench_psql profile_a -c "select sum(events_received) from ingest.day_loads")
tail -c +"$((log_offset + 1))" "$BENCH_ROOT/pg/log" >"$BENCH_ROOT/statements.log"
# This cluster's backends: the pids in its statement log (other builds may run Postgres too).
pg_pids=$(grep -o '^20[^[]*\[[0-9]*\]' "$BENCH_ROOT/statements.log" | sed 's/.*\[//; s/\]//' | sort -u | paste -sd' ')
# One line per sample: comm, pid, address, symbol (dso). The CLI is the `tributary` process
# whose binary is ours and which is not the demo API (other builds' test binaries may run too).
perf script -i "$BENCH_ROOT/perf_a.data" -F comm,pid,ip,sym,dso 2>/dev/null >"$BENCH_ROOT/perf_a.samples"
cli_pid=$(awk -v demo="$demo_pid" -v bin="($BENCH_BIN)" '$1 == "tributary" && $2 != demo && index($0, bin) { print $2; exit }' \
  "$BENCH_ROOT/perf_a.samples")
# The hottest symbols of the samples a filter keeps: top_symbols N AWK-CONDITION
top_symbols() {
  awk -v n="$1" "$2"' {
      line = $0; sub(/^ *[^ ]+ +[0-9]+ +[0-9a-f]+ /, "", line); sub(/ \([^()]*\)$/, "", line)
      count[line]++; all++ }
    END { for (k in count) printf "%6.1f%%  %s\n", 100 * count[k] / all, k }' "$BENCH_ROOT/perf_a.samples" |
    sort -rn | short_names | top "$1"
}
{
  echo "# backfill-month 2024-01, $days days at $per_day events/day: $events_a events, wall ${wall_a}s"
  echo "# 2 cores = $(bench_calc "2 * $wall_a" %.1f) CPU-seconds available; CLI pid $cli_pid, demo API pid $demo_pid"
  echo
  echo "## CPU-seconds by process (samples at 499 Hz on both cores)"
  awk -v demo="$demo_pid" -v cli="$cli_pid" -v pg="$pg_pids" '
    BEGIN { split(pg, list, " "); for (i in list) backend[list[i]] = 1 }
    { if ($2 == demo) k = "demo API (generates the JSON)"
      else if ($2 == cli) k = "tributary CLI (fetch, parse, encode, libpq)"
      else if ($2 in backend) k = "postgres: the backends of this cluster"
      else k = "everything else on the machine (other builds and tests)"
      n[k]++; all++ }
    END { for (k in n) printf "%8.1f CPU-s %5.1f%%  %s\n", n[k] / 499, 100 * n[k] / all, k }
  ' "$BENCH_ROOT/perf_a.samples" | sort -rn
  echo
  echo "## CLI ($cli_pid): hottest symbols, % of its samples"
  top_symbols 30 "\$2 == $cli_pid"
  echo
  echo "## Postgres backends: hottest symbols, % of their samples"
  top_symbols 40 "BEGIN { split(\"$pg_pids\", l, \" \"); for (i in l) b[l[i]] = 1 } \$2 in b"
  echo
  echo "## demo API ($demo_pid): hottest symbols, % of its samples"
  top_symbols 12 "\$2 == $demo_pid"
} >"$outdir/perf_system.txt"

# Server time per statement kind, from the statement log of run A.
grep -E 'duration: [0-9.]+ ms +(statement|execute)' "$BENCH_ROOT/statements.log" | awk '
  { match($0, /duration: [0-9.]+ ms/); ms = substr($0, RSTART + 10, RLENGTH - 13) + 0
    s = tolower($0); kind = "other"
    if (s ~ /copy public.user_events/) kind = "direct COPY (binary) of a new day into user_events, in the write turn"
    else if (s ~ /copy tributary_stage/) kind = "COPY into the staging table (the rows beside a direct copy; a whole changed day)"
    else if (s ~ /pg_advisory_xact_lock/) kind = "waiting: the day lock, the change-log lock, the write turn (no work)"
    else if (s ~ /select device_id, event_time from public.user_events/) kind = "the keys of the day that exist already (before a direct copy)"
    else if (s ~ /count\(distinct/) kind = "count(distinct (device_id, event_time)) over the staging table"
    else if (s ~ /with winners as/) kind = "merge: INSERT ... SELECT DISTINCT ON ... ON CONFLICT DO UPDATE"
    else if (s ~ /truncate/) kind = "truncate the staging table"
    else if (s ~ /rejected_events/) kind = "ingest.rejected_events delete + insert"
    else if (s ~ /day_loads/) kind = "ingest.day_loads reads and upsert"
    else if (s ~ /commit/) kind = "commit"
    total[kind] += ms; count[kind]++; all += ms }
  END { for (k in total) printf "%8.1f s %5.1f%% %6d  %s\n", total[k] / 1000, 100 * total[k] / all, count[k], k }
' | sort -rn >"$outdir/statements.txt"
# The first logged plans of the merge and of the duplicate count (long lines cut).
awk '
  function flush() {
    if (keep && block ~ /Insert on user_events/ && !ins) { print block; ins = 1 }
    if (keep && block ~ /Aggregate/ && !agg) { print block; agg = 1 }
  }
  /^20[0-9][0-9]-/ { flush(); keep = ($0 ~ /plan:/); block = $0 "\n"; next }
  keep && $0 !~ /Query Text|Conflict Filter/ { block = block substr($0, 1, 160) "\n" }
  END { flush() }
' "$BENCH_ROOT/statements.log" >"$outdir/plans.txt" || true

# --- B. the CLI alone, with call graphs -------------------------------------------------
bench_fresh_db profile_b
bench_log "B. perf record --call-graph dwarf of the CLI alone"
(cd "$BENCH_ROOT/work" && perf record -F 99 -e cpu-clock --call-graph dwarf,16384 -o "$BENCH_ROOT/perf_b.data" -- \
   "$BENCH_BIN" backfill-month 2024-01 --no-models) >"$BENCH_ROOT/profile_b.log" 2>&1 ||
  bench_die "backfill failed: $(tail -n 5 "$BENCH_ROOT/profile_b.log")"
{
  echo "# the CLI alone: inclusive CPU (children) by symbol"
  perf report -i "$BENCH_ROOT/perf_b.data" --stdio --children --sort sym --percent-limit 1.5 -g none 2>/dev/null |
    grep -v '^#' | grep -v '^$' | short_names | top 80
  echo
  echo "# self CPU by symbol"
  perf report -i "$BENCH_ROOT/perf_b.data" --stdio --no-children --sort dso,sym --percent-limit 0.7 -g none 2>/dev/null |
    grep -v '^#' | grep -v '^$' | short_names | top 50
} >"$outdir/perf_cli.txt"

bench_log "reports in ${outdir#"$repo"/}: perf_system.txt, statements.txt, plans.txt, perf_cli.txt"
cat "$outdir/statements.txt"
