// Small helpers shared by the store's source files (not part of its API).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "sim/model/listing.h"

namespace stalemate::sim::detail {

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
