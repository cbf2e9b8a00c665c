// The typed knobs of a scenario's `front` section: how the real nginx in front
// of the registry is configured (request-body spooling, proxy buffering, the
// cache and its slice module) and how large each of its filesystems is. Parsed
// strictly (unknown keys and out-of-range values name file and JSON pointer)
// so that the nginx.conf writer only ever sees checked values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"

namespace stalemate::harness::front {

// One `proxy_cache_valid` line: the status codes and how long they stay valid.
struct CacheValidity {
  std::vector<int> codes;        // empty: nginx's default (200 301 302)
  std::int64_t seconds = 0;
};

struct CacheSpec {
  // The cache filesystem (a tmpfs of this size holds the cache directory).
  std::uint64_t fs_size = 64ull << 20;
  std::uint64_t keys_zone_size = 1ull << 20;        // keys_zone=stalemate_cache:SIZE
  std::optional<std::uint64_t> max_size;            // proxy_cache_path max_size=
  std::optional<std::uint64_t> min_free;            // proxy_cache_path min_free= (nginx >= 1.19.1)
  bool use_temp_path = true;                        // proxy_cache_path use_temp_path=
  std::int64_t inactive_seconds = 7 * 86400;        // proxy_cache_path inactive=
  std::vector<CacheValidity> valid;                 // proxy_cache_valid lines
  std::string key = "$scheme$proxy_host$request_uri";  // proxy_cache_key (with slice: + $slice_range)
  std::optional<std::uint64_t> slice;               // slice SIZE (needs the slice module)
  std::vector<std::string> ignore_headers;          // proxy_ignore_headers
  // Which request paths are cached (an nginx location regex): blobs only by default.
  std::string location_regex = "/blobs/sha256:";
};

// Where the proxy's temp files (responses larger than its buffers) live.
enum class TempPlacement { OwnFs, CacheFs };

struct FrontSpec {
  std::uint64_t client_body_buffer_size = 16ull << 10;
  std::uint64_t client_max_body_size = 0;  // 0: unlimited (registry layers are large)
  bool proxy_request_buffering = true;
  std::string proxy_http_version = "1.0";  // "1.0" or "1.1"
  bool proxy_buffering = true;
  std::int64_t keepalive_timeout_ms = 75'000;
  std::int64_t proxy_read_timeout_ms = 60'000;

  std::uint64_t spool_fs_size = 4ull << 30;  // client_body_temp_path's tmpfs
  std::uint64_t temp_fs_size = 1ull << 30;   // proxy_temp_path's tmpfs (TempPlacement::OwnFs)
  TempPlacement temp_placement = TempPlacement::OwnFs;

  std::optional<CacheSpec> cache;

  // Raw nginx text for anything not modelled, inserted verbatim.
  struct Extra {
    std::string http, server, location;
  } extra;
};

// Limits checked by the parser.
inline constexpr std::uint64_t kMinFsSize = 256ull << 10;
inline constexpr std::uint64_t kMaxFsSize = 64ull << 30;

// Parses `front` strictly; throws InputError naming file and JSON pointer.
FrontSpec parse_front_spec(const JsonReader& in);
// Every knob as it will run (for the report's plan).
nlohmann::json to_json(const FrontSpec& spec);

}  // namespace stalemate::harness::front
