#!/usr/bin/env bash
# Install what is missing, build, and run every test (unit, property,
# integration against the real registry) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 900 -j"$(nproc)"
