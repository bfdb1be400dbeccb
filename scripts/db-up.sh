#!/usr/bin/env bash
# Starts (or keeps running) the local PostgreSQL 15 cluster tributary uses when no database
# is configured. The cluster runs as the `postgres` user (Postgres refuses root), listens on
# 127.0.0.1:${LOCAL_PG_PORT:-54329} with password (scram) authentication, and holds the
# database `tributary` owned by the login role `tributary`. Its connection settings, password
# included, go to .local/postgres.env (mode 0600), which the CLI reads when nothing else
# configures a database; the path of that file goes to a per-user record
# (${XDG_STATE_HOME:-~/.local/state}/tributary/local-postgres.env, mode 0600, removed by
# db-down.sh), which the CLI reads last, so the cluster is found from any directory.
# Running it again is harmless.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
port=${LOCAL_PG_PORT:-54329}
bindir=/usr/lib/postgresql/15/bin
envfile="$repo/.local/postgres.env"
case ${XDG_STATE_HOME:-} in /*) state=$XDG_STATE_HOME ;; *) state=~/.local/state ;; esac
record="$state/tributary/local-postgres.env"

if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "error: LOCAL_PG_PORT must be a port number from 1 to 65535 (got '$port')" >&2
  exit 2
fi
port_taken_error() {
  echo "error: port $port on 127.0.0.1 is in use (another cluster?); choose another with" \
    "LOCAL_PG_PORT=NNNN make db-up" >&2
}
# Whether something accepts connections on 127.0.0.1:$1 (bash's /dev/tcp, no extra tool).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The data directory must be enterable by `postgres`: a checkout under a 0700 home is not,
# so the cluster then lives under /var/tmp, named after the checkout.
pgroot="$repo/.local/pg"
mkdir -p "$repo/.local"
if ! runuser -u postgres -- test -x "$repo/.local" 2>/dev/null; then
  pgroot="/var/tmp/tributary-$(printf '%s' "$repo" | md5sum | cut -c1-12)/pg"
  echo "db-up: $repo is not enterable by the postgres user; the cluster lives in $pgroot"
fi
data="$pgroot/data"
sockdir="$pgroot/run"

as_pg() { runuser -u postgres -- "$@"; }

# A port another server holds would fail pg_ctl with only "could not start server": say
# so before creating or starting anything.
running=0
if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then running=1; fi
if [ "$running" = 0 ] && port_in_use "$port"; then
  port_taken_error
  exit 1
fi

mkdir -p "$pgroot"
chown postgres:postgres "$pgroot"
runuser -u postgres -- mkdir -p "$sockdir"

if [ ! -s "$data/PG_VERSION" ]; then
  echo "db-up: creating a cluster in $data"
  as_pg "$bindir/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi

if [ "$running" = 0 ]; then
  log="$pgroot/postgres.log"
  log_lines=$( { wc -l <"$log"; } 2>/dev/null || echo 0)
  if ! as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$sockdir" start >/dev/null; then
    # Taken between the check and the start, or the server's own reason: from its log.
    if tail -n +"$((log_lines + 1))" "$log" 2>/dev/null | grep -q 'Address already in use'; then
      port_taken_error
    else
      echo "error: PostgreSQL did not start; the end of its log ($log):" >&2
      tail -n +"$((log_lines + 1))" "$log" 2>/dev/null | tail -n 5 >&2
    fi
    exit 1
  fi
  echo "db-up: PostgreSQL 15 listening on 127.0.0.1:$port (log: $log)"
else
  port=$(awk 'NR==4' "$data/postmaster.pid")
  echo "db-up: PostgreSQL already running on 127.0.0.1:$port"
fi

psql_pg() { as_pg psql -X -q -h "$sockdir" -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }

if [ -s "$envfile" ] && grep -q '^POSTGRES_PASSWORD=' "$envfile"; then
  password=$(sed -n 's/^POSTGRES_PASSWORD=//p' "$envfile")
else
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
fi

# The password reaches psql through its environment only (runuser keeps it): \getenv reads
# it and :'pw' quotes it, so no character in it can end the literal or start a
# meta-command, and it never shows on a command line. Any error fails this script.
export TRIBUTARY_DB_UP_PASSWORD=$password
psql_pg -d postgres <<'SQL'
\getenv pw TRIBUTARY_DB_UP_PASSWORD
select format('create role tributary login createrole password %L', :'pw')
 where not exists (select from pg_roles where rolname = 'tributary') \gexec
select format('alter role tributary login createrole password %L', :'pw') \gexec
select 'create database tributary owner tributary'
 where not exists (select from pg_database where datname = 'tributary') \gexec
SQL
unset TRIBUTARY_DB_UP_PASSWORD

umask 077
cat > "$envfile" <<ENV
# Written by scripts/db-up.sh: the local cluster. Used when no database is configured.
POSTGRES_HOST=127.0.0.1
POSTGRES_PORT=$port
POSTGRES_DB=tributary
POSTGRES_USER=tributary
POSTGRES_PASSWORD=$password
LOCAL_PG_SOCKET_DIR=$sockdir
LOCAL_PG_DATA=$data
ENV
echo "db-up: connection settings in $envfile"

# The per-user record: the CLI finds the cluster through it from any directory.
mkdir -p "$state/tributary"
printf '# Written by %s/scripts/db-up.sh; removed by db-down.sh.\nLOCAL_PG_ENV=%s\n' \
  "$repo" "$envfile" >"$record"
echo "db-up: recorded in $record (the CLI finds the cluster from any directory)"
