#!/usr/bin/env bash
# The tributary container's command (deploy/Dockerfile, deploy/compose.yaml): `make deploy`'s
# steps against the database that POSTGRES_HOST / _PORT / _DB / _USER / _PASSWORD name (the
# compose file's warehouse service). It applies the migrations, creates the analysts' login
# role `analyst` (ANALYST_PASSWORD), loads the demo month (DEMO_MONTH, default
# 2024-01) from the built-in demo API unless API_URL is set, builds the models, writes the
# HTML report, and prints the weekly tables.
# Secrets arrive in the environment only: nothing here puts them on a command line.
set -euo pipefail

month=${DEMO_MONTH:-2024-01}
report_dir=${TRIBUTARY_REPORT_DIR:-/var/lib/tributary/reports}
: "${POSTGRES_HOST:?POSTGRES_HOST must name the warehouse (deploy/compose.yaml sets it)}"
if [ -z "${ANALYST_PASSWORD:-}" ]; then
  echo "compose-deploy: ANALYST_PASSWORD is empty; set it in .env (make compose-up generates it)" >&2
  exit 2
fi

step() { printf '\n== %s\n' "$*"; }

step "tributary migrate"
tributary migrate

step "the analysts' login role analyst (member of tributary_reader)"
bash /usr/local/share/tributary/create-analyst-role.sh
echo "analyst: login role ready"

demo_pid=""
cleanup() { [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null; true; }
trap cleanup EXIT
if [ -z "${API_URL:-}" ]; then
  step "the built-in demo API"
  fifo=$(mktemp -u /tmp/demo-api.XXXXXX)
  mkfifo "$fifo"
  tributary demo-api --port 0 --events-per-day "${DEMO_EVENTS_PER_DAY:-2000}" >"$fifo" \
    2>/tmp/demo-api.log &
  demo_pid=$!
  read -r line <"$fifo"
  rm -f "$fifo"
  export API_URL=${line#listening on }
  export API_TOKEN=demo-token
  echo "demo API at $API_URL"
fi

step "tributary backfill-month $month --no-models"
tributary backfill-month "$month" --no-models

step "tributary run-models"
tributary run-models

step "tributary report"
mkdir -p "$report_dir"
tributary report --out "$report_dir/tributary-report.html"
echo "report: $report_dir/tributary-report.html (in the tributary container)"

export PGPASSWORD=${POSTGRES_PASSWORD:-}
for table in weekly_engagement weekly_active_corporations weekly_summary; do
  step "analytics.$table"
  psql -X -q -P footer=off -h "$POSTGRES_HOST" -p "${POSTGRES_PORT:-5432}" \
    -U "${POSTGRES_USER:-tributary}" -d "${POSTGRES_DB:-tributary}" \
    -c "select * from analytics.$table order by week_start"
done
echo
echo "compose-deploy: done; the warehouse is ready for analysts (pgAdmin: http://localhost:5050)"
