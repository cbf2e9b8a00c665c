// Serving the Range of a GET the way swob does, for plain objects and for
// large objects assembled from segments alike: the whole body (200), one
// range (206 + Content-Range), several (206 multipart/byteranges), or none
// satisfiable (416, keeping the object's headers).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/http_types.h"

namespace stalemate::sim::swift {

// The bytes [start, end) of the object as they could be read: `complete` is
// false when a segment was missing or of the wrong size (the body then ends
// early), `first_failed` when not even the first one could be read.
struct SpanBody {
  std::vector<BodySlice> slices;
  bool complete = true;
  bool first_failed = false;
};
using SpanReader = std::function<SpanBody(std::uint64_t start, std::uint64_t end)>;

// `r` already carries the object's headers (status 200). Fills status,
// Content-Range / multipart Content-Type and the body for `range_header`.
// Returns false when the first bytes could not be read at all (the caller
// answers 409 for a large object, as SegmentedIterable.validate_first_segment).
// `make_boundary` is called only for a multipart answer (several ranges).
bool serve_ranges(HttpResponse& r, const std::string& range_header, std::uint64_t total, const SpanReader& read,
                  const std::function<std::string()>& make_boundary);

// The slices of a whole body that cover [start, end) of it.
std::vector<BodySlice> cut_slices(const std::vector<BodySlice>& whole, std::uint64_t start, std::uint64_t end);

}  // namespace stalemate::sim::swift
