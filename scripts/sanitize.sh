#!/usr/bin/env bash
# Sanitizer builds of the suite, each in its own tree:
#   scripts/sanitize.sh asan   # ASan + UBSan, everything, full ctest (build-asan/); CI runs this
#   scripts/sanitize.sh tsan   # TSan, the HTTP server and store concurrency tests (build-tsan/)
# Any sanitizer report fails the run: UBSan is built with
# -fno-sanitize-recover, ASan aborts on its first error, TSan halts on its first
# race.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-asan}

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
configure() {  # build dir, sanitizers
  [[ -f $1/CMakeCache.txt ]] && return
  cmake -S . -B "$1" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTALEMATE_SANITIZE="$2" >/dev/null
}

case $mode in
  asan)
    configure build-asan address,undefined
    cmake --build build-asan -j"$(nproc)"
    # Leak checking stays on: the suite is leak-free, so a leak is a finding.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    cd build-asan
    # Not under sanitizers: the test that exhausts a child's descriptors. UBSan's
    # vptr check probes memory through pipe(2), which then fails, and reports a
    # false "invalid vptr" (the normal build runs that test). Nor the fidelity
    # tests (label fidelity): their time goes to a real Swift's Python servers and
    # the swift CLI; the fake's code they reach is covered by sim_tests here.
    ctest --output-on-failure --timeout 1800 -j"$(nproc)" -E "descriptors run out" -LE fidelity
    ;;
  tsan)
    configure build-tsan thread
    cmake --build build-tsan -j"$(nproc)" --target sim_tests property_tests
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    # The Beast server (several I/O threads calling one handler) and anything
    # tagged [server] or [concurrency]; then the store's properties.
    build-tsan/tests/sim_tests -# "[#test_http_server],[server],[concurrency]"
    # The hostile-client tests (thousands of connections on the server's
    # threads), bar the one that forks a child out of descriptors.
    build-tsan/tests/sim_tests "[hostile]~the accept loop waits instead of spinning when descriptors run out"
    build-tsan/tests/property_tests "store properties*"
    ;;
  *)
    echo "usage: scripts/sanitize.sh [asan|tsan]" >&2
    exit 2
    ;;
esac
