#!/usr/bin/env bash
# Stops the local Citus cluster started by citus-up.sh (workers first, then the coordinator);
# its data stays for the next citus-up. CITUS_ROOT as for citus-up.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bindir=/usr/lib/postgresql/15/bin
if [ -n "${CITUS_ROOT:-}" ]; then
  root=$CITUS_ROOT
elif [ -d "$repo/.local/citus" ]; then
  root="$repo/.local/citus"
else
  root="/var/tmp/tributary-citus-$(printf '%s' "$repo" | md5sum | cut -c1-12)"
fi
if [ ! -d "$root" ]; then
  echo "citus-down: no local Citus cluster"
  exit 0
fi
for node in worker2 worker1 coordinator; do
  data="$root/$node/data"
  [ -d "$data" ] || continue
  if runuser -u postgres -- "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    echo "citus-down: stopped the $node ($data)"
  else
    echo "citus-down: the $node is not running ($data)"
  fi
done
