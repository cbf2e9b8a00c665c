#include "sim/model/listing.h"

namespace stalemate::sim {

std::vector<ListItem> select_listing(const std::map<std::string, ListingRow>& rows, const ListQuery& query) {
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
