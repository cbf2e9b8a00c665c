#!/usr/bin/env bash
# The main job: install what is missing, build, and reproduce the bad-blob
# incident (M1: right length, wrong sha256) against Debian's real
# docker-registry on the fake Swift, printing the evidence and the verdict.
# Exits 0 when the incident reproduced as expected, 1 when it did not.
# Extra arguments go to `stalemate run` (e.g. --seed 7, --registry PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh stalemate  # only what the main job needs, not the tests
scenario=${STALEMATE_SCENARIO:-scenarios/incidents/m1-dlo-splice.json}
out=stalemate-out/main
set +e
./build/stalemate run "$scenario" --out "$out" "$@"
rc=$?
set -e
if ((rc == 1)) && grep -q '"reproduced": true' "$out/report.json"; then
  echo "the incident reproduced: the stock registry served a blob of the right length and the wrong sha256"
  exit 0
fi
exit "$rc"
