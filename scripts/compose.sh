#!/usr/bin/env bash
# `make compose-up` / `make compose-down`: deploy/compose.yaml with the secrets of .env.
#   scripts/compose.sh up     prepares .env and .local/compose/pgpass (compose-prepare.sh),
#                             builds the tributary image, starts the three services, follows
#                             the tributary container until its load is done, copies the
#                             report out when there is one, and says where pgAdmin is.
#   scripts/compose.sh down   stops and removes the containers; the volumes (warehouse data,
#                             pgAdmin settings) stay: `down -v` by hand deletes them.
# Uses `docker compose` (v2) when present, else `docker-compose` (Debian's 1.29).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
project=${COMPOSE_PROJECT:-tributary}

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "error: neither \`docker compose\` nor \`docker-compose\` is installed (Debian:" \
    "apt-get install docker.io docker-compose)" >&2
  exit 2
fi
compose+=(-p "$project" -f deploy/compose.yaml --env-file "$repo/.env")

case ${1:-} in
  up)
    bash scripts/compose-prepare.sh "$repo/.env" "$repo/.local/compose"
    "${compose[@]}" up -d --build
    cid=$("${compose[@]}" ps -q tributary)
    echo "compose: following the tributary container (the load of the demo month)"
    docker logs -f "$cid" || true
    status=$(docker wait "$cid")
    if [ "$status" != 0 ]; then
      echo "compose: the tributary container exited with $status (its log is above;" \
        "again: docker logs $cid)" >&2
      exit 1
    fi
    report="$repo/.local/compose/tributary-report.html"
    if docker cp "$cid:/var/lib/tributary/reports/tributary-report.html" "$report" 2>/dev/null; then
      echo "report: $report"
    fi
    cat <<INFO

pgAdmin:  http://localhost:5050   (no login page; the server "tributary (compose)" in group
          "tributary" connects as analyst with .env's ANALYST_PASSWORD)
psql:     ${compose[*]} exec warehouse psql -U analyst -d tributary
stop:     make compose-down      (the data volumes stay)
INFO
    ;;
  down)
    if [ ! -f .env ]; then
      echo "compose: no .env here, so nothing was started by make compose-up" >&2
      exit 0
    fi
    "${compose[@]}" down
    ;;
  *)
    echo "usage: scripts/compose.sh up|down" >&2
    exit 2
    ;;
esac
