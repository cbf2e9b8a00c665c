#!/usr/bin/env bash
# Installs the Debian 12 packages stalemate builds with and runs against.
# Idempotent: asks apt only for what is missing.
set -euo pipefail
packages=(
  g++ make cmake                    # toolchain
  libboost-dev libboost-system-dev  # Asio, Beast
  libssl-dev                        # MD5/SHA-256/HMAC for Swift, S3 and registry digests
  nlohmann-json3-dev                # scenarios, reports
  libre2-dev                        # fault-rule regexes in linear time (client names are hostile input)
  catch2 librapidcheck-dev          # unit and property tests
  docker-registry                   # the real peer: distribution 2.8.2 with swift and s3-aws drivers
  skopeo                            # a real registry client
  redis-server                      # the registry's shared descriptor cache (mechanism M3)
  rclone                            # a real S3 client (static Go binary) for tests/integration/test_s3_client.cpp
  nginx-light                       # the real front (issue 8): request spooling, proxy_cache and the slice module
  clang libclang-rt-14-dev          # libFuzzer (clang -fsanitize=fuzzer) for scripts/fuzz.sh
  chromium                          # headless browser: the browser tests render the HTML reports and check screenshots
  zlib1g-dev                        # the browser tests decode those PNG screenshots
  swift-proxy swift-object swift-container swift-account memcached  # a real Swift 2.30 all-in-one (harness/realstore) for the differential tests
  python3-swiftclient               # the swift CLI: a real Swift client (DLO/SLO/stdin uploads, TempURL) in tests/fidelity
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
