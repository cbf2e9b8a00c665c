#include "sim/model/listing.h"

#include <cstdint>

namespace stalemate::sim {

namespace {
// path=P as the container broker applies it: prefix P/ (none for an empty
// path), delimiter '/', P itself and anything below a subdirectory skipped.
std::vector<ListItem> select_path_listing(const std::map<std::string, ListingRow>& rows, const ListQuery& query) {
  std::string path = *query.path;
  if (!path.empty()) {
    while (!path.empty() && path.back() == '/') path.pop_back();
    path += '/';
  }
  ListQuery plain = query;
  plain.path.reset();
  plain.prefix = path;
  plain.delimiter.clear();
  plain.limit = SIZE_MAX;
  std::vector<ListItem> out;
  for (auto& item : select_listing(rows, plain)) {
    if (out.size() >= query.limit) break;
    if (item.name == path) continue;
    const auto slash = item.name.find('/', path.size());
    if (slash != std::string::npos && item.name.size() > slash + 1) continue;
    out.push_back(std::move(item));
  }
  return out;
}

// reverse=true: the same selection walked from the top; marker is the upper
// bound, end_marker the lower one (the broker swaps them).
std::vector<ListItem> select_reverse_listing(const std::map<std::string, ListingRow>& rows, const ListQuery& query) {
  std::vector<ListItem> out;
  auto it = query.marker.empty() ? rows.end() : rows.lower_bound(query.marker);
  std::string last_subdir;
  while (it != rows.begin() && out.size() < query.limit) {
    --it;
    const std::string& name = it->first;
    if (!query.end_marker.empty() && name <= query.end_marker) break;
    if (name.compare(0, query.prefix.size(), query.prefix) != 0) {
      if (name < query.prefix) break;  // sorted: below the prefix
      continue;
    }
    if (it->second.deleted) continue;
    if (!query.delimiter.empty()) {
      const auto pos = name.find(query.delimiter, query.prefix.size());
      if (pos != std::string::npos) {
        std::string subdir = name.substr(0, pos + query.delimiter.size());
        if (subdir == last_subdir || subdir == query.marker) continue;
        last_subdir = subdir;
        out.push_back(ListItem{std::move(subdir), true, {}});
        continue;
      }
    }
    out.push_back(ListItem{name, false, it->second});
  }
  return out;
}
}  // namespace

std::vector<ListItem> select_listing(const std::map<std::string, ListingRow>& rows, const ListQuery& query) {
  if (query.path) return select_path_listing(rows, query);
  if (query.reverse) return select_reverse_listing(rows, query);
  std::vector<ListItem> out;
  if (query.limit == 0) return out;
  // Start at the later of: the first name with the prefix, the first name
  // strictly after the marker.
  auto it = query.prefix.empty() ? rows.begin() : rows.lower_bound(query.prefix);
  if (!query.marker.empty() && it != rows.end()) {
    auto after_marker = rows.upper_bound(query.marker);
    if (after_marker == rows.end() || after_marker->first > it->first) it = after_marker;
  }
  std::string last_subdir;
  for (; it != rows.end() && out.size() < query.limit; ++it) {
    const std::string& name = it->first;
    if (!query.end_marker.empty() && name >= query.end_marker) break;
    if (name.compare(0, query.prefix.size(), query.prefix) != 0) break;  // sorted: past the prefix
    if (it->second.deleted) continue;
    if (!query.delimiter.empty()) {
      const auto pos = name.find(query.delimiter, query.prefix.size());
      if (pos != std::string::npos) {
        std::string subdir = name.substr(0, pos + query.delimiter.size());
        if (subdir == last_subdir) continue;
        // As Swift's container backend: a rollup equal to the marker was the
        // last entry of the previous page.
        if (subdir == query.marker) continue;
        last_subdir = subdir;
        out.push_back(ListItem{std::move(subdir), true, {}});
        continue;
      }
    }
    out.push_back(ListItem{name, false, it->second});
  }
  return out;
}

}  // namespace stalemate::sim
