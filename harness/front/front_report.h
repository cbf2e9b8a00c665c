// The front's part of a run: its report section (config, nginx version, the
// filesystems' peaks and series, error.log records) and the join of each
// client request to nginx's access log, which tells a failure nginx answered
// itself (a full spool) from one the registry answered, and says which
// answers came from the cache.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/front/fs_sampler.h"
#include "harness/front/nginx_logs.h"
#include "harness/history.h"

namespace stalemate::harness::front {

// `nginx -v`'s "nginx/1.22.1", or "" when it cannot be run.
std::string nginx_version(const std::string& binary);

// {"spool": {"path", "size_bytes", "peak_bytes", "series": [[t_ms, used_bytes], ...]}, "temp": …, "cache": …}
nlohmann::json filesystems_report(const FsSampler& sampler);
nlohmann::json to_json(const ErrorLogRecord& record);

struct FrontJoinCounts {
  std::size_t joined = 0;             // requests matched to an access-log entry
  std::size_t front_failures = 0;     // failed requests nginx answered itself
  std::size_t registry_failures = 0;  // failed requests the registry answered
  std::size_t cache_hits = 0;
  std::map<std::size_t, std::string> front_notes;  // request index -> "front 500: spool full (…); spool …"
};

// For every request sent to base_url: finds its access-log entry (by the
// X-Request-Id nginx echoed; without one — a client that saw no answer — by
// method, URI and time), fills request_id and cache, and for a failed request
// sets failed_at and, when nginx answered itself, prefixes the note with
// "front 500: spool full (pwrite() … failed (28: No space left on device)); spool
// N of M bytes in use" (the fullest sample while the request ran).
FrontJoinCounts join_requests(std::vector<RequestRecord>& requests, const std::string& base_url,
                              const std::vector<AccessRecord>& access, const std::vector<ErrorLogRecord>& errors,
                              const FsSampler& sampler);

// The request that filled the cache entry a HIT request was served from: the
// latest earlier request for the same URL that nginx answered from the
// upstream (MISS, EXPIRED…); none when the history has no such request.
std::optional<std::size_t> cache_filler(const std::vector<RequestRecord>& requests, std::size_t hit);

// The cache files whose key names uri (nginx writes "KEY: …" into each file's
// header): [{"file", "key", "valid_sec", "bytes"}], and the count of orphaned
// partial copies ("<md5>.NNNNNNNNNN") in the cache directory.
nlohmann::json cache_entries_for(const std::filesystem::path& cache_dir, const std::string& uri);
std::size_t orphaned_partials(const std::filesystem::path& cache_dir);

}  // namespace stalemate::harness::front
