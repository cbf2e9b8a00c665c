#!/usr/bin/env bash
# Configures and builds into ./build (incremental on re-runs): everything, or
# only the targets named (scripts/reproduce.sh builds just `stalemate`).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
