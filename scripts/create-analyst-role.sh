#!/usr/bin/env bash
# Creates (or updates) the analysts' login role `analyst`, a member of tributary_reader, with
# the password in ANALYST_PASSWORD. Connects as DATABASE_URL, else POSTGRES_HOST / _PORT /
# _DB / _USER / _PASSWORD (defaults 127.0.0.1, 5432, tributary, tributary); that user needs
# CREATEROLE. `make deploy` runs it; so can anyone resetting the password.
#
# The role's search_path is `analytics, public`, so `select * from weekly_summary` or
# `from load_status` works unqualified. It is set on the login role: settings of the NOLOGIN
# group role tributary_reader do not reach its members. Another analyst's login gets the
# same with `alter role NAME set search_path = analytics, public`.
#
# The password reaches psql only through its environment: psql reads it with \getenv and
# quotes it with :'pw', so no character in it can end the literal or start a meta-command,
# and it never shows on a command line. Any error stops psql and fails this script.
set -euo pipefail

if [ -z "${ANALYST_PASSWORD:-}" ]; then
  echo "create-analyst-role: ANALYST_PASSWORD is empty; set it in .env or the environment" >&2
  exit 2
fi
export ANALYST_PASSWORD

if [ -n "${DATABASE_URL:-}" ]; then
  connection=("$DATABASE_URL")
else
  export PGPASSWORD=${POSTGRES_PASSWORD:-}
  connection=(-h "${POSTGRES_HOST:-127.0.0.1}" -p "${POSTGRES_PORT:-5432}"
    -U "${POSTGRES_USER:-tributary}" -d "${POSTGRES_DB:-tributary}")
fi

if ! psql -X -q -v ON_ERROR_STOP=1 "${connection[@]}" >/dev/null <<'SQL'; then
\getenv pw ANALYST_PASSWORD
select format('create role analyst login password %L', :'pw')
 where not exists (select from pg_roles where rolname = 'analyst') \gexec
select format('alter role analyst login password %L', :'pw') \gexec
grant tributary_reader to analyst;
alter role analyst set search_path = analytics, public;
SQL
  echo "create-analyst-role: could not create the login role analyst (the database user" \
    "needs CREATEROLE, and the migrations must have created tributary_reader)" >&2
  exit 1
fi
