// The Range header as Swift's swob parses and resolves it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace stalemate::sim::swift {

struct RangeSpec {
  std::optional<std::uint64_t> first;  // unset: a suffix range "-n"
  std::optional<std::uint64_t> last;   // unset: "a-" (to the end)
};

// nullopt when the header is absent or syntactically invalid (swob then
// ignores it: 200 with the whole body). Numbers too large saturate.
std::optional<std::vector<RangeSpec>> parse_range_header(std::string_view value);

// What a request's Range means for a body of `length` bytes.
struct RangeResolution {
  enum Kind { Full, Partial, Unsatisfiable } kind = Full;
  std::uint64_t start = 0;  // Partial: [start, end)
  std::uint64_t end = 0;
};

// One satisfiable range -> Partial; none satisfiable -> Unsatisfiable; no or
// invalid header, several ranges (not served as multipart here), or an empty
// body with a suffix range (swob answers 200) -> Full.
RangeResolution resolve_range(std::string_view header_value, std::uint64_t length);

}  // namespace stalemate::sim::swift
