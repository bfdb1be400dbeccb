# Shared by bench/run_bench.sh and bench/profile.sh (sourced, not run).
#
# A throwaway PostgreSQL 15 cluster started exactly like the test suite's
# (tests/support/postgres_cluster.cpp): initdb as the `postgres` user, a free port on
# 127.0.0.1, scram authentication, fsync/synchronous_commit/full_page_writes off,
# shared_buffers 256MB; and the demo API on a free port. Everything lives in one temp
# directory that `bench_cleanup` stops and removes.

bench_pgbin=/usr/lib/postgresql/15/bin

bench_log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

# Seconds since the epoch with nanoseconds, for timing.
bench_now() { date +%s.%N; }
bench_elapsed() { awk -v a="$1" -v b="$(bench_now)" 'BEGIN { printf "%.3f", b - a }'; }
# Arithmetic on decimals: bench_calc 'expr' (awk syntax), printed with the given format.
bench_calc() { awk "BEGIN { printf \"${2:-%.3f}\", $1 }"; }

bench_as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

bench_free_port() {
  # Ask the kernel for a free port; bash has no bind(), so try ports until one is closed.
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  bench_die "no free port found"
}

# Creates BENCH_ROOT (a fresh temp dir) and starts the cluster in it. Exports the
# POSTGRES_* settings the CLI reads, for the role `bench` (not a superuser, like the tests).
bench_start_postgres() {
  BENCH_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench-XXXXXX")
  chmod 0755 "$BENCH_ROOT"
  mkdir -p "$BENCH_ROOT/pg" "$BENCH_ROOT/work"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$BENCH_ROOT/pg"
  BENCH_PG_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  bench_as_postgres sh -c "umask 077; printf '%s\n' '$BENCH_PG_PASSWORD' > '$BENCH_ROOT/pg/pw'"
  bench_as_postgres "$bench_pgbin/initdb" -D "$BENCH_ROOT/pg/data" -U postgres -E UTF8 \
    --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$BENCH_ROOT/pg/pw" >/dev/null
  # The same settings as the test clusters: durability does not matter here.
  bench_as_postgres sh -c "cat >> '$BENCH_ROOT/pg/data/postgresql.auto.conf'" <<'CONF'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
CONF
  # Extra settings for bench/profile.sh (statement logging); empty for the benchmarks.
  if [ -n "${BENCH_PG_EXTRA_CONF:-}" ]; then
    printf '%s\n' "$BENCH_PG_EXTRA_CONF" |
      bench_as_postgres sh -c "cat >> '$BENCH_ROOT/pg/data/postgresql.auto.conf'"
  fi
  local attempt
  for attempt in 1 2 3 4 5; do
    BENCH_PG_PORT=$(bench_free_port)
    if bench_as_postgres "$bench_pgbin/pg_ctl" -D "$BENCH_ROOT/pg/data" -l "$BENCH_ROOT/pg/log" \
         -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $BENCH_PG_PORT -c unix_socket_directories=$BENCH_ROOT/pg" \
         start >/dev/null; then
      break
    fi
    [ "$attempt" -eq 5 ] && bench_die "postgres did not start (log: $BENCH_ROOT/pg/log)"
  done
  bench_psql_super postgres -c "create role bench login createrole password '$BENCH_PG_PASSWORD'" >/dev/null
  export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$BENCH_PG_PORT POSTGRES_USER=bench \
         POSTGRES_PASSWORD=$BENCH_PG_PASSWORD PGPASSWORD=$BENCH_PG_PASSWORD
  unset DATABASE_URL
  bench_log "postgres 15 on 127.0.0.1:$BENCH_PG_PORT, data in $BENCH_ROOT/pg/data"
}

# psql as the superuser over the cluster's socket: bench_psql_super DB ARGS...
bench_psql_super() {
  local db=$1; shift
  bench_as_postgres env PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -h "$BENCH_ROOT/pg" -p "$BENCH_PG_PORT" \
    -U postgres -d "$db" "$@"
}

# psql as `bench` over TCP, the way the CLI connects: bench_psql DB ARGS...
bench_psql() {
  local db=$1; shift
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$BENCH_PG_PORT" -U bench -d "$db" "$@"
}

# A fresh, empty database owned by `bench`; also points POSTGRES_DB at it.
bench_fresh_db() {
  bench_psql_super postgres -c "drop database if exists \"$1\" with (force)" >/dev/null
  bench_psql_super postgres -c "create database \"$1\" owner bench" >/dev/null
  export POSTGRES_DB=$1
}

bench_drop_db() {
  bench_psql_super postgres -c "drop database if exists \"$1\" with (force)" >/dev/null
}

# Starts a demo API: bench_start_demo NAME ARGS... (ARGS go to `tributary demo-api`).
# Sets BENCH_DEMO_URL and remembers the pid under NAME for bench_stop_demo.
declare -A bench_demo_pids=()
bench_start_demo() {
  local name=$1; shift
  local fifo="$BENCH_ROOT/demo-$name.fifo"
  mkfifo "$fifo"
  "$BENCH_BIN" demo-api --port 0 "$@" >"$fifo" 2>"$BENCH_ROOT/demo-$name.log" &
  bench_demo_pids[$name]=$!
  local line=""
  read -r line <"$fifo" || true
  rm -f "$fifo"
  [ -n "$line" ] || bench_die "demo API $name did not start (log: $BENCH_ROOT/demo-$name.log)"
  BENCH_DEMO_URL=${line#listening on }
  export API_URL=$BENCH_DEMO_URL API_TOKEN=demo-token
}

bench_stop_demo() {
  local pid=${bench_demo_pids[$1]:-}
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "bench_demo_pids[$1]"
  fi
}

bench_cleanup() {
  local name
  for name in "${!bench_demo_pids[@]}"; do bench_stop_demo "$name"; done
  if [ -n "${BENCH_ROOT:-}" ] && [ -d "$BENCH_ROOT" ]; then
    if [ -f "$BENCH_ROOT/pg/data/postmaster.pid" ]; then
      bench_as_postgres "$bench_pgbin/pg_ctl" -D "$BENCH_ROOT/pg/data" -m immediate -w stop \
        >/dev/null 2>&1 || true
    fi
    if [ -n "${BENCH_KEEP:-}" ]; then
      bench_log "kept $BENCH_ROOT (BENCH_KEEP set)"
    else
      rm -rf "$BENCH_ROOT"
    fi
  fi
}

# Runs the CLI from the work dir (no .env or tributary.yaml there), stdout+stderr to a log:
# bench_cli LOGNAME ARGS...   Returns the CLI's exit code.
bench_cli() {
  local logname=$1; shift
  (cd "$BENCH_ROOT/work" && "$BENCH_BIN" "$@") >"$BENCH_ROOT/$logname.log" 2>&1
}

# Like bench_cli but also records the peak RSS (KiB) in BENCH_PEAK_KB (GNU time when it is
# installed, else the highest VmHWM read from /proc while the process runs) and the CPU
# seconds (user + system) the CLI used in BENCH_CPU_S: less sensitive than wall time to
# other work on the machine.
bench_cli_rss() {
  local logname=$1; shift
  local rc=0 TIMEFORMAT='%U %S'
  BENCH_PEAK_KB=0
  BENCH_CPU_S=0
  if [ -x /usr/bin/time ]; then
    # The inner braces keep the log redirection away from `time`'s own report.
    { time { (cd "$BENCH_ROOT/work" && /usr/bin/time -f '%M' -o "$BENCH_ROOT/$logname.rss" "$BENCH_BIN" "$@") \
        >"$BENCH_ROOT/$logname.log" 2>&1; }; } 2>"$BENCH_ROOT/$logname.cpu" || rc=$?
    [ "$rc" -eq 0 ] && BENCH_PEAK_KB=$(tail -n 1 "$BENCH_ROOT/$logname.rss")
  else
    { time bench_poll_hwm "$logname" "$@"; } 2>"$BENCH_ROOT/$logname.cpu" || rc=$?
    BENCH_PEAK_KB=$(cat "$BENCH_ROOT/$logname.rss" 2>/dev/null || echo 0)
  fi
  BENCH_CPU_S=$(awk '{ printf "%.2f", $1 + $2 }' "$BENCH_ROOT/$logname.cpu")
  return "$rc"
}

# Runs the CLI and polls its VmHWM until it exits; the peak goes to LOGNAME.rss.
bench_poll_hwm() {
  local logname=$1; shift
  local peak=0 hwm pid rc=0
  (cd "$BENCH_ROOT/work" && exec "$BENCH_BIN" "$@") >"$BENCH_ROOT/$logname.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    sleep 0.02
  done
  wait "$pid" || rc=$?
  echo "$peak" >"$BENCH_ROOT/$logname.rss"
  return "$rc"
}
