#!/usr/bin/env bash
# Install what is missing, build, and run every test (unit, property,
# integration against the real registry) through CTest; then the same suite
# under ASan + UBSan (build-asan/) and a short run of every fuzz target
# (build-fuzz/). Any failure, sanitizer report or fuzz crash fails the run.
#   STALEMATE_CI_FUZZ_SECONDS=N   at most N seconds per fuzz target (default 120; 0 skips fuzzing)
#   FUZZ_RUNS=N, FUZZ_SEED=S      inputs per target (default 20000) and libFuzzer seed (default 1)
#   STALEMATE_CI_SANITIZE=0       skip the ASan/UBSan suite
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure --timeout 900 -j"$(nproc)")
if [[ ${STALEMATE_CI_SANITIZE:-1} != 0 ]]; then
  bash scripts/sanitize.sh asan
fi
fuzz_seconds=${STALEMATE_CI_FUZZ_SECONDS:-120}
if ((fuzz_seconds > 0)); then
  # A fixed seed and input count: what passed here passes in CI (a finding replays).
  FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_RUNS=${FUZZ_RUNS:-20000} bash scripts/fuzz.sh "$fuzz_seconds"
fi
