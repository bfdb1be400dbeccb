#!/usr/bin/env bash
# The entrypoint of tests/docker/warehouse.Dockerfile: on the first start, a cluster whose
# superuser is POSTGRES_USER (password POSTGRES_PASSWORD, scram over TCP) with the database
# POSTGRES_DB; then the server in the foreground.
set -euo pipefail
if [ "${1:-}" != postgres ]; then exec "$@"; fi
shift
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "warehouse: POSTGRES_PASSWORD is empty; the cluster is not created" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    createdb -U "$user" "$db"
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "warehouse: created the cluster (superuser $user, database $db)"
fi
exec postgres -D "$PGDATA" "$@"
