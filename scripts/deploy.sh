#!/usr/bin/env bash
# `make deploy`: the whole flow on this machine. Starts the local Postgres unless a database
# is configured, starts the demo API unless API_URL is set, backfills January 2024, builds
# the models, prints the report, the status and how to query the result.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bin="$repo/${BUILD:-build}/ingest/tributary"

# Settings the user gave in .env count as configured too.
if [ -f .env ]; then set -a; . ./.env; set +a; fi

if [ -z "${DATABASE_URL:-}" ] && [ -z "${POSTGRES_HOST:-}" ]; then
  bash scripts/db-up.sh
  # Read literally, not sourced: a password is data, whatever characters it holds.
  while IFS= read -r setting; do
    case $setting in POSTGRES_*=* | LOCAL_PG_*=*) export "${setting%%=*}=${setting#*=}" ;; esac
  done <.local/postgres.env
  db_local=1
else
  echo "deploy: using the configured database"
  db_local=0
fi

demo_pid=""
cleanup() { [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null; true; }
trap cleanup EXIT

if [ -z "${API_URL:-}" ]; then
  mkdir -p .local
  fifo=$(mktemp -u "$repo/.local/demo-api.XXXXXX")
  mkfifo "$fifo"
  "$bin" demo-api --port 0 --events-per-day "${DEMO_EVENTS_PER_DAY:-2000}" >"$fifo" 2>.local/demo-api.log &
  demo_pid=$!
  read -r line <"$fifo"
  rm -f "$fifo"
  export API_URL=${line#listening on }
  export API_TOKEN=demo-token
  echo "deploy: demo API at $API_URL (log: .local/demo-api.log)"
fi

set +e
"$bin" backfill-month 2024-01
status=$?
set -e
echo
"$bin" status --month 2024-01
if [ "$status" -ne 0 ]; then
  echo "deploy: backfill-month exited with $status" >&2
  exit "$status"
fi

# The analysts' login role: a member of tributary_reader (SELECT on analytics.* and
# public.user_events only). Its password comes from ANALYST_PASSWORD (.env), else one is
# generated once into .local/analyst.env. It reaches psql through the environment only
# (scripts/create-analyst-role.sh), never a command line or spliced SQL.
if [ -z "${ANALYST_PASSWORD:-}" ]; then
  if [ -s .local/analyst.env ]; then
    ANALYST_PASSWORD=$(sed -n 's/^ANALYST_PASSWORD=//p' .local/analyst.env)
  else
    ANALYST_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    (umask 077; printf 'ANALYST_PASSWORD=%s\n' "$ANALYST_PASSWORD" > .local/analyst.env)
  fi
fi
db_host=${POSTGRES_HOST:-127.0.0.1}
db_port=${POSTGRES_PORT:-5432}
db_name=${POSTGRES_DB:-tributary}
db_user=${POSTGRES_USER:-tributary}
psql_owner() {
  if [ -n "${DATABASE_URL:-}" ]; then
    psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" "$@"
  else
    PGPASSWORD=${POSTGRES_PASSWORD:-} psql -X -q -v ON_ERROR_STOP=1 -h "$db_host" -p "$db_port" \
      -U "$db_user" -d "$db_name" "$@"
  fi
}
ANALYST_PASSWORD=$ANALYST_PASSWORD bash scripts/create-analyst-role.sh

for table in weekly_engagement weekly_active_corporations weekly_summary; do
  echo
  echo "analytics.$table"
  psql_owner -P footer=off -c "select * from analytics.$table order by week_start"
done

echo; mkdir -p .local && "$bin" report --out .local/tributary-report.html  # prints its path
cat <<INFO

The warehouse is PostgreSQL on ${db_host}:${db_port}, database ${db_name}.
Analysts log in as \`analyst\` (read-only: schema analytics and public.user_events);
its password is ANALYST_PASSWORD in .env, or in .local/analyst.env when generated.
  psql:    psql -h ${db_host} -p ${db_port} -U analyst -d ${db_name}
  pgAdmin: Object > Register > Server: host ${db_host}, port ${db_port}, maintenance
           database ${db_name}, username analyst — or import pgadmin/servers.json
           (Tools > Import/Export Servers).
INFO
if [ "$db_local" = 1 ]; then
  echo "  stop:    make db-down      (start again: make db-up)"
fi
