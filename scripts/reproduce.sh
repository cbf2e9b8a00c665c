#!/usr/bin/env bash
# The main job: install what is missing, build, and run the headline scenario
# against Debian's real docker-registry on the fake Swift, printing the verdict.
# Extra arguments go to `stalemate run` (e.g. --seed 7, --registry PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
scenario=${STALEMATE_SCENARIO:-scenarios/smoke/swift-push-pull.json}
exec ./build/stalemate run "$scenario" --out stalemate-out/main "$@"
