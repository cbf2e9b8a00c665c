#!/usr/bin/env bash
# Cases per minute of `stalemate explore`, with one registry kept per job
# (default) and with --fresh-registry (a child `stalemate run` per case), for
# --jobs 1 and 2, on --control and on the default lag faults (README,
# "Exploration"). Slow (minutes): a measurement, not a test.
#   scripts/explore-rate.sh [BUILD_DIR] [swift|s3 ...]
# Env: CONTROL_CASES (30), LAG_CASES (20), SEED (7), OUT (/tmp/explore-rate).
set -euo pipefail
build=${1:-build}
shift || true
backends=${*:-swift s3}
out=${OUT:-/tmp/explore-rate}
control_cases=${CONTROL_CASES:-30}
lag_cases=${LAG_CASES:-20}
seed=${SEED:-7}
mkdir -p "$out"
printf '%-6s %-8s %-5s %-15s %6s %6s %8s %9s %9s\n' backend faults jobs registry cases failing reused seconds cases/min
for backend in $backends; do
  for faults in control lag; do
    for jobs in 1 2; do
      for mode in reuse fresh; do
        dir=$out/$backend-$faults-j$jobs-$mode
        rm -rf "$dir"
        args=(explore --backend "$backend" --seed "$seed" --jobs "$jobs" --out "$dir" --findings 100
              --shrink-runs 0 --confirm 0)
        if [ "$faults" = control ]; then args+=(--control --cases "$control_cases"); else args+=(--cases "$lag_cases"); fi
        if [ "$mode" = fresh ]; then args+=(--fresh-registry); fi
        "$build/stalemate" "${args[@]}" >/dev/null 2>"$dir.log" || true
        python3 - "$dir/explore.json" "$backend" "$faults" "$jobs" "$mode" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
mode = "one per job" if sys.argv[5] == "reuse" else "one per case"
print(f"{sys.argv[2]:6s} {sys.argv[3]:8s} {sys.argv[4]:5s} {mode:15s} {r['cases']:6d} {r['failing']:6d} "
      f"{r.get('reused', 0):8d} {r['seconds']:9.1f} {r['cases_per_minute']:9.1f}")
PY
      done
    done
  done
done
