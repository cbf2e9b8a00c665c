// The Range header as Swift's swob parses and resolves it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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

// Every satisfiable range of the header for a body of `length` bytes, as
// swob's ranges_for_length computes them ([start, end) each, in header
// order). Empty with `unsatisfiable` set: 416; empty without: no (valid)
// Range, the whole body. One range: a plain 206; several: multipart/byteranges.
struct MultiRange {
  bool unsatisfiable = false;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
};
MultiRange resolve_ranges(std::string_view header_value, std::uint64_t length);

// "bytes a-b/total" for [start, end).
std::string content_range(std::uint64_t start, std::uint64_t end, std::uint64_t total);

// The framing of a multipart/byteranges body as swob writes it: each part is
// "--B\r\nContent-Type: T\r\nContent-Range: bytes a-b/N\r\n\r\n" + bytes +
// "\r\n", and the body ends with "--B--".
std::string multipart_part_head(const std::string& boundary, const std::string& content_type, std::uint64_t start,
                                std::uint64_t end, std::uint64_t total);
std::string multipart_tail(const std::string& boundary);

}  // namespace stalemate::sim::swift
