#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) into build-fuzz/ with clang and
# runs each for SECONDS (default 600) on a copy of its seed corpus, so the
# repository's corpora are never modified. Exits 1 if any target crashes,
# leaks, trips a sanitizer or times out on an input; the reproducer's path is
# printed. FUZZ_TARGETS="sigv4 tempurl" runs only those; FUZZ_SEED=N fixes
# libFuzzer's seed (CI uses 1, so a CI finding replays; default: random);
# FUZZ_RUNS=N stops each target after N inputs (SECONDS then only bounds it),
# which with a fixed seed makes a run repeatable: CI uses both.
#   scripts/fuzz.sh          # 10 minutes per target
#   scripts/fuzz.sh 20       # CI's short run
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
root=$PWD

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f build-fuzz/CMakeCache.txt ]]; then
  cmake -S . -B build-fuzz "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DSTALEMATE_FUZZ=ON >/dev/null
fi
cmake --build build-fuzz -j"$(nproc)" --target fuzz_targets

# "name max_len" per line, written by tests/fuzz/CMakeLists.txt.
manifest=build-fuzz/tests/fuzz/targets.txt
selected=${FUZZ_TARGETS:-$(cut -d' ' -f1 "$manifest")}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
printf '%-16s %12s %10s %8s  %s\n' target executions "exec/s" corpus result
for name in $selected; do
  max_len=$(awk -v n="$name" '$1 == n { print $2 }' "$manifest")
  [[ -n $max_len ]] || { echo "unknown fuzz target: $name" >&2; exit 2; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/stalemate-fuzz-$name.XXXXXX")
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$root/tests/fuzz/corpus/$name/." "$work/corpus/"
  rc=0
  # -timeout: an input slower than 10 s is a hang (a finding, like a crash).
  runs=()
  [[ -n ${FUZZ_RUNS:-} ]] && runs=(-runs="$FUZZ_RUNS")
  "build-fuzz/tests/fuzz/fuzz_$name" "${runs[@]}" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -seed="${FUZZ_SEED:-0}" -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs=$(awk '/^stat::number_of_executed_units:/ { print $NF }' "$work/log")
  rate=$(awk '/^stat::average_exec_per_sec:/ { print $NF }' "$work/log")
  count=$(find "$work/corpus" -type f | wc -l)
  reproducers=$(find "$work/artifacts" -type f)
  if ((rc != 0)) || [[ -n $reproducers ]]; then
    printf '%-16s %12s %10s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "$count" "FAILED (exit $rc)"
    tail -n 60 "$work/log" | sed 's/^/    /'
    for r in $reproducers; do
      echo "    reproducer: $r  (re-run: build-fuzz/tests/fuzz/fuzz_$name $r)"
    done
    echo "    log: $work/log"
    failed+=("$name")
  else
    printf '%-16s %12s %10s %8s  %s\n' "$name" "$execs" "$rate" "$count" ok
    rm -rf "$work"
  fi
done

if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
