#include "sim/swift/ranged_body.h"

#include <algorithm>

#include "sim/swift/byte_range.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

std::vector<BodySlice> cut_slices(const std::vector<BodySlice>& whole, std::uint64_t start, std::uint64_t end) {
  std::vector<BodySlice> out;
  std::uint64_t at = 0;
  for (const auto& s : whole) {
    const std::uint64_t s_end = at + s.length;
    const std::uint64_t from = std::max(start, at), to = std::min(end, s_end);
    if (from < to) out.push_back(BodySlice{s.data, s.offset + (from - at), to - from});
    at = s_end;
    if (at >= end) break;
  }
  return out;
}

bool serve_ranges(HttpResponse& r, const std::string& range_header, std::uint64_t total, const SpanReader& read,
                  const std::function<std::string()>& make_boundary) {
  const MultiRange mr = resolve_ranges(range_header, total);
  if (mr.unsatisfiable) {
    // swob's 416 keeps the object's headers (its Content-Type too) with the HTML explanation.
    HttpResponse e = error_response(416);
    r.status = 416;
    r.body = std::move(e.body);
    r.declared_length.reset();
    r.headers["Content-Range"] = "bytes */" + std::to_string(total);
    return true;
  }
  const auto take = [&](std::uint64_t start, std::uint64_t end, bool& ok) {
    SpanBody span = read(start, end);
    if (span.first_failed) return false;
    std::uint64_t got = 0;
    for (auto& s : span.slices) {
      got += s.length;
      r.body.push_back(std::move(s));
    }
    ok = ok && span.complete && got == end - start;
    return true;
  };
  bool complete = true;
  if (mr.ranges.empty()) {
    if (!take(0, total, complete)) return false;
    r.declared_length = total;
    return true;
  }
  if (mr.ranges.size() == 1) {
    const auto [start, end] = mr.ranges.front();
    if (!take(start, end, complete)) return false;
    r.status = 206;
    r.headers["Content-Range"] = content_range(start, end, total);
    r.declared_length = end - start;
    return true;
  }
  const std::string boundary = make_boundary();
  const std::string type = r.headers.count("Content-Type") ? r.headers["Content-Type"] : "application/octet-stream";
  std::uint64_t length = 0;
  bool first = true;
  for (const auto& [start, end] : mr.ranges) {
    const std::string head = multipart_part_head(boundary, type, start, end, total);
    length += head.size() + (end - start) + 2;
    if (!complete) continue;  // the body already ended: only the length is announced
    r.append(make_payload(head), 0, head.size());
    if (!take(start, end, complete)) {
      if (first) return false;
      complete = false;
    }
    first = false;
    if (complete) r.append(make_payload("\r\n"), 0, 2);
  }
  const std::string tail = multipart_tail(boundary);
  length += tail.size();
  if (complete) r.append(make_payload(tail), 0, tail.size());
  r.status = 206;
  r.headers["Content-Type"] = "multipart/byteranges;boundary=" + boundary;
  r.declared_length = length;
  return true;
}

}  // namespace stalemate::sim::swift
