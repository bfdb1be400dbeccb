#!/usr/bin/env bash
# Regenerates the demo-day seeds of the fuzz corpus (tests/fuzz/corpus/payload/demo-*.json
# and a few single events in tests/fuzz/corpus/event/) from the demo API of a built
# tributary binary. The output is committed: the demo API is deterministic for a seed, so
# running this again gives the same files.
#
#   tests/fuzz/make_demo_seeds.sh [path/to/tributary]   (default: build/ingest/tributary)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cli=${1:-$root/build/ingest/tributary}
out=$root/tests/fuzz/corpus
days=(2024-01-05 2024-01-06 2024-01-10)  # a Friday, a Saturday (fewer events), a Wednesday

log=$(mktemp)
"$cli" demo-api --port 0 --events-per-day 50 --invalid-rate 0.1 --seed 7 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

url=
for _ in $(seq 100); do
  url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log" | head -n 1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "make_demo_seeds: demo-api did not start:" >&2; cat "$log" >&2; exit 1; }

for day in "${days[@]}"; do
  curl -sS --fail -H 'api-token: demo-token' "$url?date=$day" -o "$out/payload/demo-$day.json"
done

# Single events for the parse_event target: the first elements of one day, one per file
# (jq, a developer tool here: CI only reads the committed files).
for i in $(seq 0 7); do
  jq -c ".[$i]" "$out/payload/demo-${days[0]}.json" >"$out/event/demo-$i.json"
done
echo "make_demo_seeds: wrote ${#days[@]} days and 8 events from $url"
