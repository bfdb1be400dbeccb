#!/usr/bin/env bash
# Starts (or keeps running) a local Citus cluster: a coordinator and two workers, each its own
# PostgreSQL 15 data directory, on free loopback ports, run as the `postgres` user with
# `shared_preload_libraries = 'citus'` and scram password authentication over TCP. Citus comes
# from scripts/citus-build.sh (an installed one, else built from CITUS_SOURCE).
#
# Every node holds the database `tributary` owned by the login role `tributary` (same
# password on every node) with the citus extension; the coordinator knows itself
# (citus_set_coordinator_host) and its workers (citus_add_node). The nodes reach each other
# through their unix sockets, registered as the node names: each socket directory is 0700
# and owned by postgres, so only the servers themselves (and root) can connect there, and
# they do without a password (`local all all trust`). Citus opens its connections to the
# workers as the session's role (an analyst's query of public.user_events too), so this
# spares every role a password on every node; clients use TCP and scram as before. On
# several machines the nodes use TCP instead (docs/citus.md says how).
#
# The coordinator's connection settings go to .local/citus.env (mode 0600, the format of
# db-up's .local/postgres.env, plus CITUS_* lines): `set -a; . .local/citus.env; set +a` points
# the CLI at it. Running it again starts what is stopped and changes nothing else.
#
# CITUS_ROOT (default .local/citus, or /var/tmp/tributary-citus-* when the checkout cannot be
# entered by postgres) holds the nodes; CITUS_PORT (default 54340) is the first port tried;
# CITUS_ENV_FILE (default .local/citus.env, or $CITUS_ROOT/citus.env with CITUS_ROOT) is the
# state file; CITUS_SHARD_COUNT (default 8) the shards per distributed table; CITUS_EXTRA_CONF, lines added to each new node's postgresql.conf.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bindir=/usr/lib/postgresql/15/bin
first_port=${CITUS_PORT:-54340}
nodes=(coordinator worker1 worker2)
shard_count=${CITUS_SHARD_COUNT:-8}

if ! [[ $first_port =~ ^[0-9]+$ ]] || [ "$first_port" -lt 1024 ] || [ "$first_port" -gt 65000 ]; then
  echo "error: CITUS_PORT must be a port number from 1024 to 65000 (got '$first_port')" >&2
  exit 2
fi

bash "$repo/scripts/citus-build.sh"

mkdir -p "$repo/.local"
if [ -n "${CITUS_ROOT:-}" ]; then
  root=$CITUS_ROOT
  envfile=${CITUS_ENV_FILE:-$root/citus.env}
else
  root="$repo/.local/citus"
  if ! runuser -u postgres -- test -x "$repo/.local" 2>/dev/null; then
    root="/var/tmp/tributary-citus-$(printf '%s' "$repo" | md5sum | cut -c1-12)"
    echo "citus-up: $repo is not enterable by the postgres user; the cluster lives in $root"
  fi
  envfile=${CITUS_ENV_FILE:-$repo/.local/citus.env}
fi
mkdir -p "$root"
chown postgres:postgres "$root"
chmod 0700 "$root"

as_pg() { runuser -u postgres -- "$@"; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() { as_pg "$bindir/pg_ctl" -D "$root/$1/data" status >/dev/null 2>&1; }

# The password: kept from an earlier run (the nodes' roles have it), else a new one.
if [ -s "$root/password" ]; then
  password=$(cat "$root/password")
else
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  (umask 077 && printf '%s' "$password" >"$root/password")
fi
chown postgres:postgres "$root/password"
chmod 0600 "$root/password"

# Ports are chosen once, when a node is created, and kept in its port file: the workers are
# registered by host and port, so they must come back on the same ones.
next_port=$first_port
choose_port() {
  while port_in_use "$next_port" || grep -qsx "$next_port" "$root"/*/port; do
    next_port=$((next_port + 1))
  done
  echo "$next_port"
  next_port=$((next_port + 1))
}

for node in "${nodes[@]}"; do
  dir="$root/$node"
  if [ ! -s "$dir/data/PG_VERSION" ]; then
    as_pg mkdir -p -m 0700 "$dir/run"
    port=$(choose_port)
    echo "$port" >"$dir/port"
    echo "citus-up: creating the $node in $dir/data (port $port)"
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$root/password" >/dev/null
    cat >>"$dir/data/postgresql.conf" <<CONF

# scripts/citus-up.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
unix_socket_permissions = 0700
shared_preload_libraries = 'citus'
max_connections = 200
max_prepared_transactions = 200
wal_level = logical
shared_buffers = 256MB
CONF
    # Extra settings (bench/citus.sh turns durability off, as the test clusters do).
    [ -z "${CITUS_EXTRA_CONF:-}" ] || printf '%s\n' "$CITUS_EXTRA_CONF" >>"$dir/data/postgresql.conf"
  fi
done

for node in "${nodes[@]}"; do
  dir="$root/$node"
  port=$(cat "$dir/port")
  if running "$node"; then
    echo "citus-up: the $node is already running on 127.0.0.1:$port"
    continue
  fi
  if port_in_use "$port"; then
    echo "error: port $port of the $node is taken by another server; stop it, or remove" \
      "$root and run citus-up again on other ports (CITUS_PORT=NNNN)" >&2
    exit 1
  fi
  log="$dir/postgres.log"
  if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 \
    start >/dev/null; then
    echo "error: the $node did not start; the end of its log ($log):" >&2
    tail -n 5 "$log" >&2
    exit 1
  fi
  echo "citus-up: the $node is listening on 127.0.0.1:$port (log: $log)"
done

psql_node() {
  local node=$1
  shift
  as_pg psql -X -q -At -h "$root/$node/run" -p "$(cat "$root/$node/port")" -U postgres \
    -v ON_ERROR_STOP=1 "$@"
}

# The role and the database on every node (the password through psql's environment only).
export TRIBUTARY_CITUS_PASSWORD=$password
for node in "${nodes[@]}"; do
  psql_node "$node" -d postgres <<'SQL'
\getenv pw TRIBUTARY_CITUS_PASSWORD
set citus.enable_create_role_propagation = off;
select format('create role tributary login createrole password %L', :'pw')
 where not exists (select from pg_roles where rolname = 'tributary') \gexec
select format('alter role tributary login createrole password %L', :'pw') \gexec
select 'create database tributary owner tributary'
 where not exists (select from pg_database where datname = 'tributary') \gexec
SQL
  # Shards of the tables migrate distributes: 4 per worker here (docs/citus.md: Citus's
  # default of 32 costs this 2-core machine 40% of its ingest; a real cluster sets its own).
  psql_node "$node" -d postgres -c "alter database tributary set citus.shard_count = $shard_count"
  psql_node "$node" -d tributary >/dev/null <<'SQL'
set client_min_messages = warning;
create extension if not exists citus;
SQL
done
unset TRIBUTARY_CITUS_PASSWORD

coordinator_port=$(cat "$root/coordinator/port")
psql_node coordinator -d tributary >/dev/null <<SQL
select citus_set_coordinator_host('$root/coordinator/run', $coordinator_port);
select citus_add_node('$root/worker1/run', $(cat "$root/worker1/port"))
 where not exists (select from pg_dist_node where nodeport = $(cat "$root/worker1/port"));
select citus_add_node('$root/worker2/run', $(cat "$root/worker2/port"))
 where not exists (select from pg_dist_node where nodeport = $(cat "$root/worker2/port"));
SQL
workers=$(psql_node coordinator -d tributary -c \
  "select string_agg('127.0.0.1:' || nodeport, ' ' order by nodeport) from pg_dist_node
    where noderole = 'primary' and groupid <> 0 and isactive")

mkdir -p "$(dirname "$envfile")"
umask 077
cat >"$envfile" <<ENV
# Written by scripts/citus-up.sh: the coordinator of the local Citus cluster.
# Use it with: set -a; . $envfile; set +a
POSTGRES_HOST=127.0.0.1
POSTGRES_PORT=$coordinator_port
POSTGRES_DB=tributary
POSTGRES_USER=tributary
POSTGRES_PASSWORD=$password
CITUS_ROOT=$root
CITUS_WORKERS="$workers"
ENV
echo "citus-up: Citus $(psql_node coordinator -d tributary -c "select extversion from pg_extension where extname = 'citus'")," \
  "coordinator 127.0.0.1:$coordinator_port, workers $workers"
echo "citus-up: connection settings in $envfile; point the CLI at the cluster with"
echo "    set -a; . $envfile; set +a"
echo "    build/ingest/tributary migrate   # distributes public.user_events (see docs/citus.md)"
echo "citus-up: stop it with make citus-down (the data stays)"
