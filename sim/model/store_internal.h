// Small helpers shared by the store's source files (not part of its API).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "sim/model/listing.h"

namespace stalemate::sim::detail {

// Swift's object-replicator runs every 30 s and the object-updater every 300 s
// (their `interval` defaults): an update whose replica is full is tried again
// that much later.
constexpr std::int64_t kReplicatorRetryUs = 30'000'000;
constexpr std::int64_t kUpdaterRetryUs = 300'000'000;

inline std::string seconds_text(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(us) / 1e6);
  return buf;
}

// Whether `name` falls in the listed range of `q` (prefix, marker, end_marker).
inline bool in_range(const std::string& name, const ListQuery& q) {
  if (name.compare(0, q.prefix.size(), q.prefix) != 0) return false;
  if (!q.marker.empty() && name <= q.marker) return false;
  if (!q.end_marker.empty() && name >= q.end_marker) return false;
  return true;
}

}  // namespace stalemate::sim::detail
