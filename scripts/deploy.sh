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
  set -a; . .local/postgres.env; set +a
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

if [ "$db_local" = 1 ]; then
  cat <<INFO

The data is in PostgreSQL on 127.0.0.1:${POSTGRES_PORT}, database ${POSTGRES_DB}.
  psql:  PGPASSWORD=\$(sed -n 's/^POSTGRES_PASSWORD=//p' .local/postgres.env) \\
         psql -h 127.0.0.1 -p ${POSTGRES_PORT} -U ${POSTGRES_USER} -d ${POSTGRES_DB}
  stop:  make db-down      (start again: make db-up)
INFO
fi
