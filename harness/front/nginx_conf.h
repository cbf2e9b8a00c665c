// Writes nginx.conf for the front from a checked FrontSpec: in the
// foreground (`daemon off`) with one worker, so the harness reaps one process
// group (the master also runs the cache manager that enforces max_size and
// min_free, which `master_process off` would not), 127.0.0.1
// only, its own prefix under the run's out dir, every temp path on the
// filesystems the harness mounted, `$request_id` sent upstream as
// X-Request-Id and logged (with the upstream and cache status) as one JSON
// object per line, error.log at info level.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "harness/front/front_spec.h"

namespace stalemate::harness::front {

// Where everything of one front lives. Mount points are the tmpfs roots.
struct FrontLayout {
  std::filesystem::path prefix;  // nginx -p
  std::filesystem::path conf, error_log, access_log, pid_file;
  std::filesystem::path spool_mount, temp_mount, cache_mount;  // cache_mount unused without a cache
  std::filesystem::path spool_dir;  // client_body_temp_path
  std::filesystem::path temp_dir;   // proxy_temp_path
  std::filesystem::path cache_dir;  // proxy_cache_path
  // Started as root, nginx would switch its worker to "nobody", which cannot
  // write to the root-owned tmpfs mounts: the worker stays root then.
  bool workers_as_root = false;
};

// The layout under prefix (absolute): spool/, temp/ and cache/ as mount points.
FrontLayout front_layout(const std::filesystem::path& prefix, const FrontSpec& spec);

inline constexpr const char* kHealthPath = "/_stalemate/health";
inline constexpr const char* kCacheZone = "stalemate_cache";

// The whole nginx.conf. upstreams: "127.0.0.1:PORT" each (at least one).
std::string nginx_conf(const FrontSpec& spec, const FrontLayout& layout, unsigned short port,
                       const std::vector<std::string>& upstreams);

}  // namespace stalemate::harness::front
