#!/usr/bin/env bash
# `make test-citus` (also run by .ci/run): the integration tests whose behaviour must not
# change on Citus — load, idempotence, order independence, API and database faults, SIGKILL,
# concurrency, the reader role, the model results and incremental models, and the Citus
# schema itself — run with TRIBUTARY_TEST_CITUS=1, so that each test database lives on a
# coordinator and two workers of the tests' own (tests/support/postgres_cluster.*).
#
# Citus comes from scripts/citus-build.sh: an installed one, else built once from
# CITUS_SOURCE (about 1.5 minutes on 2 idle cores). With neither, the tests are skipped and
# this says so, exiting 0. TEST_CITUS_JOBS (default 2) test processes run side by side,
# each with its own three-node cluster.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$repo/${BUILD:-build}"
binary="$build_dir/tests/integration_tests"

status=0
bash "$repo/scripts/citus-build.sh" || status=$?
if [ "$status" = 3 ]; then
  echo "test-citus: SKIPPED: Citus is not installed and CITUS_SOURCE" \
    "(${CITUS_SOURCE:-../shared/vendor/citus-13.2.2.tar.gz}) does not exist"
  exit 0
elif [ "$status" != 0 ]; then
  echo "test-citus: FAILED: Citus could not be built or installed (above)" >&2
  exit 1
fi
[ -x "$binary" ] || { echo "test-citus: $binary is missing: run make build" >&2; exit 1; }

# One gtest process per group, the groups spread over TEST_CITUS_JOBS at a time.
groups=(
  'Load.*:MergePaths.*:Citus*.*'
  '*ApiFaultTest.*:ApiFaultExhausted.*:LoadFailure.*'
  'DatabaseFault.*:Concurrency.*:Crash.*:SeveralLoaders.*'
  'ModelReaderRoleTest.*:ModelResultsTest.*:ModelIncrementalTest.*'
)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/tributary-test-citus.XXXXXX")
jobs=${TEST_CITUS_JOBS:-2}
start=$SECONDS
pids=()
for i in "${!groups[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  TRIBUTARY_TEST_CITUS=1 "$binary" --gtest_filter="${groups[$i]}" >"$logdir/$i.log" 2>&1 &
  pids[$i]=$!
done
failed=0
for i in "${!groups[@]}"; do
  if wait "${pids[$i]}"; then
    echo "test-citus: passed ${groups[$i]} ($(grep -c '^\[       OK \]' "$logdir/$i.log") tests)"
  else
    failed=1
    echo "test-citus: FAILED ${groups[$i]}:" >&2
    grep -E '^\[  FAILED  \]|Failure|error' "$logdir/$i.log" | head -40 >&2
  fi
done
echo "test-citus: $((SECONDS - start)) s; logs in $logdir"
exit "$failed"
