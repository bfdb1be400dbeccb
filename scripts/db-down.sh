#!/usr/bin/env bash
# Stops the local cluster started by db-up.sh (its data stays for the next db-up) and removes
# the per-user record db-up.sh left when it points at this checkout.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
envfile="$repo/.local/postgres.env"
case ${XDG_STATE_HOME:-} in /*) state=$XDG_STATE_HOME ;; *) state=~/.local/state ;; esac
record="$state/tributary/local-postgres.env"
if [ -f "$record" ] && grep -qxF "LOCAL_PG_ENV=$envfile" "$record"; then
  rm -f "$record"
  echo "db-down: removed $record"
fi
[ -s "$envfile" ] || { echo "db-down: no local cluster"; exit 0; }
data=$(sed -n 's/^LOCAL_PG_DATA=//p' "$envfile")
if runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data" status >/dev/null 2>&1; then
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data" -m fast -w stop >/dev/null
  echo "db-down: stopped the cluster in $data"
else
  echo "db-down: the cluster in $data is not running"
fi
