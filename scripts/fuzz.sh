#!/usr/bin/env bash
# Fuzzes the streaming event parser (tests/fuzz/): builds the libFuzzer targets with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/, replays every committed
# seed and a few large hostile inputs generated here (10,000 levels of nesting, a 1 MiB
# string, a 17 MiB element), then fuzzes each target for its share of SECONDS over a
# working copy of the corpus (build-fuzz/corpus/, kept between runs so it keeps growing).
# Exits non-zero on any crash, broken invariant, sanitizer report, leak or timeout; the
# input that caused it is saved under build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS]     total fuzzing time, shared equally by the targets (default 1200)
#
# Installs nothing itself: scripts/install-deps.sh installs clang and libclang-rt-14-dev.
set -euo pipefail

seconds=${1:-1200}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 2 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS]  (at least 2)" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
cxx=${FUZZ_CXX:-clang++-14}
jobs=${JOBS:-$(nproc)}
targets=(payload_fuzzer event_fuzzer)
started=$(date +%s)

cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$build" -j "$jobs"
built=$(date +%s)

mkdir -p "$build/corpus/payload" "$build/corpus/event" "$build/artifacts" "$build/logs"
cp -f "$root"/tests/fuzz/corpus/payload/* "$build/corpus/payload/"
cp -f "$root"/tests/fuzz/corpus/event/* "$build/corpus/event/"

# Hostile inputs too big to commit or to mutate at fuzzing speed: replayed once each.
hostile=$build/hostile
rm -rf "$hostile"
mkdir -p "$hostile/payload" "$hostile/event"
repeat() { head -c "$2" < <(yes "$1" | tr -d '\n'); }
event_head='{"date":"2024-01-05","device_id":"d","event_time":1,"amp_id":2,"user_id":3,"server_upload_time":4,"server_received_time":5,"processed_time":6,"client_event_time":7,"client_upload_time":8,"event_type":"t","data_type":"event","data":{"path":"/p"},"user_properties":{}'
{ printf '['; repeat '[' 10000; repeat ']' 10000; printf ']'; } >"$hostile/payload/deep-10000-arrays.json"
{ printf '[%s,"x":' "$event_head"; repeat '{"a":' 50000; printf '1'; repeat '}' 10000; printf '}]'; } \
  >"$hostile/payload/deep-10000-objects.json"
{ printf '['; repeat '{"a":[' 60000; } >"$hostile/payload/deep-10000-unclosed.json"
{ printf '[%s,"x":"' "$event_head"; repeat 'a' $((1 << 20)); printf '"}]'; } >"$hostile/payload/string-1mib.json"
# Over the 16 MiB element limit, in 3-byte characters: the 64 KiB kept of it ends inside one.
{ printf '[{"x":"'; repeat '€' $((5941931 * 3)); printf '"},%s}]' "$event_head"; } \
  >"$hostile/payload/element-17mib.json"
{ printf '%s,"x":' "$event_head"; repeat '[' 10000; repeat ']' 10000; printf '}'; } \
  >"$hostile/event/deep-10000.json"
{ printf '%s,"x":"' "$event_head"; repeat '\u0041' $((6 * 174763)); printf '"}'; } >"$hostile/event/string-1mib.json"

# Reports with file:line: llvm-14 installs llvm-symbolizer under its own prefix only.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
report() {  # target log
  echo "fuzz: $1 FAILED; the end of $2:" >&2
  tail -n 60 "$2" >&2
  echo "fuzz: artifacts (replay one with: $build/$1 FILE):" >&2
  ls -l "$build/artifacts/" >&2 || true
}

# 1. Replay: every seed and hostile input once, whatever its size.
for target in "${targets[@]}"; do
  kind=${target%_fuzzer}
  log=$build/logs/$target-replay.log
  if ! "$build/$target" -rss_limit_mb=2048 -timeout=120 -artifact_prefix="$build/artifacts/$target-" \
      "$root"/tests/fuzz/corpus/"$kind"/* "$hostile/$kind"/* >"$log" 2>&1; then
    report "$target" "$log"
    status=1
  fi
done
replayed=$(date +%s)

# 2. Fuzz: each target gets an equal share of the time (both are differential: the fast and
# the reference per-event readers must agree).
# Inputs stay under 8 KiB (seeds longer than that are mutated from their first 8 KiB):
# small inputs run many times faster, and the replay above covered the full ones.
share=(1 1)
total_share=2
for i in "${!targets[@]}"; do
  target=${targets[$i]}
  kind=${target%_fuzzer}
  time=$((seconds * share[i] / total_share))
  [ "$time" -ge 1 ] || time=1
  log=$build/logs/$target.log
  if ! "$build/$target" -max_total_time="$time" -max_len=8192 -rss_limit_mb=2048 -timeout=10 \
      -dict="$root/tests/fuzz/json.dict" -artifact_prefix="$build/artifacts/$target-" \
      -print_final_stats=1 "$build/corpus/$kind" >"$log" 2>&1; then
    report "$target" "$log"
    status=1
  else
    echo "fuzz: $target ${time} s: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs," \
      "$(ls "$build/corpus/$kind" | wc -l) inputs in the corpus"
  fi
done
finished=$(date +%s)

echo "fuzz: build $((built - started)) s, replay $((replayed - built)) s, fuzzing $((finished - replayed)) s, exit $status"
exit "$status"
