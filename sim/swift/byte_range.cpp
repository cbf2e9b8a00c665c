#include "sim/swift/byte_range.h"

#include <algorithm>
#include <string>

#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
std::optional<std::uint64_t> saturating_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  auto v = parse_uint(s);
  return v ? *v : UINT64_MAX;
}
}  // namespace

std::optional<std::vector<RangeSpec>> parse_range_header(std::string_view value) {
  std::string v;
  for (char c : value)
    if (c != ' ') v.push_back(c);
  if (!istarts_with(v, "bytes=")) return std::nullopt;
  std::vector<RangeSpec> out;
  std::string_view rest(v);
  rest.remove_prefix(6);
  while (true) {
    const auto comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    const auto dash = one.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const std::string_view a = one.substr(0, dash), b = one.substr(dash + 1);
    RangeSpec spec;
    if (!a.empty()) {
      spec.first = saturating_number(a);
      if (!spec.first) return std::nullopt;
    }
    if (!b.empty()) {
      spec.last = saturating_number(b);
      if (!spec.last) return std::nullopt;
      if (spec.first && *spec.last < *spec.first) return std::nullopt;
    } else if (!spec.first) {
      return std::nullopt;  // "bytes=-"
    }
    out.push_back(spec);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

RangeResolution resolve_range(std::string_view header_value, std::uint64_t length) {
  RangeResolution r;
  if (header_value.empty()) return r;
  auto specs = parse_range_header(header_value);
  if (!specs || specs->size() != 1) return r;
  const RangeSpec& s = specs->front();
  if (!s.first) {
    const std::uint64_t n = *s.last;
    if (n == 0) {
      r.kind = RangeResolution::Unsatisfiable;
      return r;
    }
    // swob: a suffix range on an empty body is answered 200 with no bytes.
    if (length == 0) return r;
    r.kind = RangeResolution::Partial;
    r.start = n > length ? 0 : length - n;
    r.end = length;
    return r;
  }
  if (*s.first >= length) {
    r.kind = RangeResolution::Unsatisfiable;
    return r;
  }
  r.kind = RangeResolution::Partial;
  r.start = *s.first;
  r.end = s.last ? std::min(*s.last == UINT64_MAX ? UINT64_MAX : *s.last + 1, length) : length;
  return r;
}

MultiRange resolve_ranges(std::string_view header_value, std::uint64_t length) {
  MultiRange out;
  if (header_value.empty()) return out;
  const auto specs = parse_range_header(header_value);
  if (!specs) return out;
  if (specs->size() == 1) {  // one range: the single-range rules (an empty body's suffix range is a 200)
    const RangeResolution r = resolve_range(header_value, length);
    out.unsatisfiable = r.kind == RangeResolution::Unsatisfiable;
    if (r.kind == RangeResolution::Partial) out.ranges.emplace_back(r.start, r.end);
    return out;
  }
  for (const RangeSpec& s : *specs) {
    if (!s.first) {
      if (*s.last == 0) continue;
      out.ranges.emplace_back(*s.last > length ? 0 : length - *s.last, length);
    } else if (*s.first < length) {
      out.ranges.emplace_back(*s.first, s.last && *s.last < length ? *s.last + 1 : length);
    }
  }
  // swob refuses more than 50 ranges as a denial-of-service guard.
  if (out.ranges.size() > 50) out.ranges.clear();
  out.unsatisfiable = out.ranges.empty();
  return out;
}

std::string content_range(std::uint64_t start, std::uint64_t end, std::uint64_t total) {
  return "bytes " + std::to_string(start) + "-" + std::to_string(end - 1) + "/" + std::to_string(total);
}

std::string multipart_part_head(const std::string& boundary, const std::string& content_type, std::uint64_t start,
                                std::uint64_t end, std::uint64_t total) {
  return "--" + boundary + "\r\nContent-Type: " + content_type + "\r\nContent-Range: " +
         content_range(start, end, total) + "\r\n\r\n";
}

std::string multipart_tail(const std::string& boundary) { return "--" + boundary + "--"; }

}  // namespace stalemate::sim::swift
