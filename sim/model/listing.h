// Container/account listing semantics shared by every listing replica and by
// both protocol front-ends: prefix, delimiter, marker, end_marker, limit, as
// Swift's container server applies them (byte-order names).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stalemate::sim {

struct ListingRow {
  std::int64_t ts = 0;          // timestamp of the write this row reflects
  bool deleted = false;         // a deleted row is kept (for replication) but never listed
  std::uint64_t bytes = 0;
  std::string etag;
  std::string content_type;
  std::int64_t last_modified = 0;
  std::uint64_t count = 0;      // account listings: the container's object count
};

struct ListQuery {
  std::string prefix;
  std::string delimiter;   // "" = none; any length (Swift 2.30 takes multi-character ones)
  std::string marker;      // names strictly greater
  std::string end_marker;  // names strictly less ("" = none)
  std::size_t limit = 10000;
  // Swift's reverse=true: names in descending order; marker then bounds from
  // above and end_marker from below.
  bool reverse = false;
  // Swift's legacy path=P: the direct children of P/ (prefix P/, delimiter
  // '/'), without rollups: deeper names are skipped.
  std::optional<std::string> path;
};

struct ListItem {
  std::string name;        // object name, or the subdir ("prefix…delim") for a rollup
  bool subdir = false;
  ListingRow row;          // zeroed for a subdir
};

// Applies the query to rows sorted by name; deleted rows are skipped.
std::vector<ListItem> select_listing(const std::map<std::string, ListingRow>& rows, const ListQuery& query);

}  // namespace stalemate::sim
