// Dynamic Large Objects, as Swift's dlo middleware serves them: the manifest
// (a version carrying X-Object-Manifest: <container>/<prefix>) is read with
// object semantics; its segments come from a container listing of the prefix
// (pages of config.dlo_listing_page, no X-Newest); Content-Length and Etag
// come from that listing; a single Range is mapped onto the listed lengths;
// the body is the listed segments, each read through the normal object read
// path, in listing order.
//
// The middleware does not check segment sizes or etags (its listing iterator
// yields none), so a segment whose real size differs from its listed size
// flows as it really is: a segment wholly inside the span is read whole, the
// first and last segments of a Range are read with a range in listed
// coordinates (capped by the real size). The response still announces the
// listed length: extra bytes are truncated at it, missing bytes end in a cut
// connection (SegmentedIterable's "too many/not enough bytes"). A listed
// segment that cannot be read cuts the body there. As in Swift
// (SegmentedIterable.validate_first_segment), a missing *first* segment is
// detected before the headers go out and answered 409 Conflict.
#include <algorithm>

#include "common/crypto.h"
#include "common/url.h"
#include "sim/swift/byte_range.h"
#include "sim/swift/dlo.h"
#include "sim/swift/swift_listing.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

DloListing SwiftService::list_dlo_segments(const std::string& account, const std::string& manifest,
                                           RequestContext* model) const {
  DloListing out;
  // The header value is URL-unquoted before it is split at the first '/'.
  const std::string value = percent_decode(manifest, false).value_or(manifest);
  const auto slash = value.find('/');
  out.container = value.substr(0, slash);
  ListQuery query;
  query.prefix = slash == std::string::npos ? std::string() : value.substr(slash + 1);
  query.limit = std::max<std::size_t>(1, config_.dlo_listing_page);

  StreamingDigest etag("md5");
  while (true) {
    auto page = store_.list_objects(account, out.container, query, model);
    if (!page) break;  // no container: 404 on the first page; later, the listing just ends
    out.container_found = true;
    const std::size_t n = page->size();
    if (n) query.marker = page->back().name;
    for (auto& item : *page) {
      if (item.subdir) continue;
      out.total += item.row.bytes;
      etag.update(normalize_etag(item.row.etag));
      out.segments.push_back(std::move(item));
    }
    if (n < query.limit) break;  // a short page ends the listing
  }
  out.etag = etag.hex_final();
  return out;
}

DloBody assemble_dlo_body(const std::vector<ListItem>& segments, std::uint64_t start, std::uint64_t end,
                          const SegmentReader& read) {
  DloBody out;
  std::uint64_t seg_start = 0;
  bool fetched_any = false;
  for (const auto& seg : segments) {
    if (seg.subdir) continue;
    const std::uint64_t len = seg.row.bytes;
    const std::uint64_t offset = seg_start;
    const std::uint64_t seg_end = offset + len;
    seg_start = seg_end;
    if (seg_end <= start) continue;  // no bytes wanted from here (zero-length segments are never fetched)
    if (offset >= end) break;
    const auto version = read(seg.name);
    if (!version) {
      out.first_segment_failed = !fetched_any;
      out.complete = false;
      break;
    }
    fetched_any = true;
    const std::uint64_t real = version->size();
    if (real != len) out.complete = false;
    std::uint64_t from = 0, to = real;  // a segment wholly inside the span is read whole
    if (start > offset || end < seg_end) {  // the span's edge: a ranged read in listed coordinates
      from = std::max(start, offset) - offset;
      to = std::min({end, seg_end}) - offset;
      to = std::min(to, real);
    }
    if (from >= to) continue;
    const Bytes part = version->body.slice(from, to - from);  // named: pieces() refers into it
    for (const auto& piece : part.pieces()) out.slices.push_back(piece);
    out.bytes += to - from;
  }
  return out;
}

void apply_dlo_body(HttpResponse& res, DloBody body, std::uint64_t announced) {
  res.body = std::move(body.slices);
  res.declared_length = announced;
}

DloBody SwiftService::read_dlo_segments(const std::string& account, const DloListing& listing, std::uint64_t start,
                                        std::uint64_t end, std::int64_t now, RequestContext* model) const {
  // Segments are read like any object (first replica that has it, no
  // X-Newest: the middleware's subrequests carry only the token).
  return assemble_dlo_body(listing.segments, start, end, [&](const std::string& name) -> std::optional<ObjectVersion> {
    auto read = store_.read_object(account, listing.container, name, {}, model);
    if (!read.version || is_expired(*read.version, now)) return std::nullopt;
    return std::move(read.version);
  });
}

HttpResponse SwiftService::dlo_get_or_head(const Ctx& ctx, const ObjectVersion& manifest_version) {
  const HttpRequest& req = ctx.req;
  const DloListing listing = list_dlo_segments(ctx.path.account, manifest_version.manifest(), ctx.model);
  if (!listing.container_found) return error_response(404);

  const std::string etag = "\"" + listing.etag + "\"";
  HttpResponse r;
  add_object_headers(r, manifest_version);
  r.headers["Etag"] = etag;
  if (const auto cond = check_conditions(req, listing.etag, manifest_version.ts))
    return finish_condition(*cond, std::move(r));

  const std::uint64_t total = listing.total;
  std::uint64_t start = 0, end = total;
  const std::string range_header = req.header("Range");
  const auto specs = parse_range_header(range_header);
  if (specs && specs->size() == 1) {
    const RangeResolution range = resolve_range(range_header, total);
    if (range.kind == RangeResolution::Unsatisfiable) {  // even for HEAD: dlo.py answers it itself
      // dlo.py answers it itself: no object headers, unlike a plain object's 416.
      HttpResponse e = error_response(416);
      e.headers["Content-Range"] = "bytes */" + std::to_string(total);
      e.headers["Accept-Ranges"] = "bytes";
      return e;
    }
    if (range.kind == RangeResolution::Partial && req.method != "HEAD") {
      r.status = 206;
      start = range.start;
      end = range.end;
      r.headers["Content-Range"] =
          "bytes " + std::to_string(start) + "-" + std::to_string(end - 1) + "/" + std::to_string(total);
    }
  }
  if (req.method == "HEAD") {
    r.head = true;
    r.declared_length = total;
    return r;
  }

  DloBody body = read_dlo_segments(ctx.path.account, listing, start, end, ctx.now, ctx.model);
  if (body.first_segment_failed) return error_response(409);
  apply_dlo_body(r, std::move(body), end - start);
  return r;
}

}  // namespace stalemate::sim::swift
