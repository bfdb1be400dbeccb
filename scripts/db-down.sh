#!/usr/bin/env bash
# Stops the local cluster started by db-up.sh (its data stays for the next db-up).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
envfile="$repo/.local/postgres.env"
[ -s "$envfile" ] || { echo "db-down: no local cluster"; exit 0; }
data=$(sed -n 's/^LOCAL_PG_DATA=//p' "$envfile")
if runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data" status >/dev/null 2>&1; then
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data" -m fast -w stop >/dev/null
  echo "db-down: stopped the cluster in $data"
else
  echo "db-down: the cluster in $data is not running"
fi
