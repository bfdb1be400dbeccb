#!/usr/bin/env bash
# `make report-screenshot`: regenerates docs/report.png, the README's picture of the report,
# from the demo month. January 2024 from the demo API (its defaults, as `make deploy` loads
# it) goes into a database of its own in the local cluster (`make db-up`), which is dropped
# afterwards; then `tributary report`, and a screenshot by headless Chromium with no network
# (a network namespace of its own when possible). The CLI runs in an empty directory, so a
# .env of the checkout does not redirect it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin="$repo/${BUILD:-build}/ingest/tributary"
out="$repo/docs/report.png"
height=${REPORT_SCREENSHOT_HEIGHT:-3000}
max_bytes=$((400 * 1024))

bash "$repo/scripts/db-up.sh" >/dev/null
# Read literally, not sourced: a password is data, whatever characters it holds.
while IFS= read -r setting; do
  case $setting in POSTGRES_*=* | LOCAL_PG_*=*) export "${setting%%=*}=${setting#*=}" ;; esac
done <"$repo/.local/postgres.env"
db=tributary_demo_month
psql_pg() {
  PGOPTIONS=--client-min-messages=warning runuser -u postgres -- psql -X -q -h "$LOCAL_PG_SOCKET_DIR" -p "$POSTGRES_PORT" -U postgres \
    -v ON_ERROR_STOP=1 -d postgres "$@"
}

work=$(mktemp -d)
chmod 0755 "$work"
demo_pid=""
cleanup() {
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
  psql_pg -c "drop database if exists $db" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

psql_pg -c "drop database if exists $db" -c "create database $db owner $POSTGRES_USER"
export POSTGRES_DB=$db DATABASE_URL= TRIBUTARY_MODELS_DIR="$repo/analysis_sql"
cd "$work"

mkfifo demo.fifo
"$bin" demo-api --port 0 >demo.fifo 2>demo-api.log &
demo_pid=$!
read -r line <demo.fifo
export API_URL=${line#listening on } API_TOKEN=demo-token

echo "report-screenshot: loading the demo month into database $db"
"$bin" backfill-month 2024-01 >backfill.log 2>&1 || { cat backfill.log >&2; exit 1; }
"$bin" report --out "$work/report.html"

browser=()
if unshare --net /bin/true 2>/dev/null; then browser=(unshare --net); fi
browser+=(chromium --headless --disable-gpu --no-sandbox --no-first-run --hide-scrollbars
  --disable-extensions --disable-background-networking "--host-resolver-rules=MAP * ~NOTFOUND"
  "--user-data-dir=$work/profile" "--screenshot=$work/report.png" "--window-size=1280,$height")
"${browser[@]}" "file://$work/report.html" >chromium.log 2>&1 || { cat chromium.log >&2; exit 1; }

bytes=$(stat -c %s "$work/report.png")
if [ "$bytes" -gt "$max_bytes" ]; then
  echo "error: the screenshot is $bytes bytes, more than $max_bytes; lower REPORT_SCREENSHOT_HEIGHT" >&2
  exit 1
fi
cp "$work/report.png" "$out"
echo "report-screenshot: wrote $out ($((bytes / 1024)) KB, 1280x$height)"
