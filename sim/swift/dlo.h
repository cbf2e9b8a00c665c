// DLO assembly, separated from the Store so that the segment walk can be
// exercised with any segment source (a listing row whose object is missing or
// of another size cannot be produced through the Store's API yet).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/http_types.h"
#include "sim/model/listing.h"
#include "sim/model/store.h"

namespace stalemate::sim::swift {

// A DLO's segment listing as the dlo middleware sees it.
struct DloListing {
  bool container_found = false;
  std::string container;  // segment container
  std::vector<ListItem> segments;
  std::uint64_t total = 0;  // sum of listed bytes
  std::string etag;         // md5 of the concatenated listed hashes (unquoted)
};

// Segment bodies read for the byte span [start, end) of a DLO.
struct DloBody {
  std::vector<BodySlice> slices;
  std::uint64_t bytes = 0;
  bool complete = true;               // every needed segment was read, at its listed size
  bool first_segment_failed = false;  // the very first segment to fetch was missing
};

// Reads one segment by name (nullopt: 404).
using SegmentReader = std::function<std::optional<ObjectVersion>(const std::string& name)>;

// Walks the listed segments overlapping [start, end) in listing order (the
// offsets come from the listed sizes; zero-length rows are never fetched),
// taking each segment's real bytes as Swift does (see dlo.cpp), and stops at
// the first segment that is missing.
DloBody assemble_dlo_body(const std::vector<ListItem>& segments, std::uint64_t start, std::uint64_t end,
                          const SegmentReader& read);

// The body part of a DLO GET: `announced` bytes are promised (the listed
// length of the span); only the slices that could be read are delivered.
void apply_dlo_body(HttpResponse& res, DloBody body, std::uint64_t announced);

}  // namespace stalemate::sim::swift
