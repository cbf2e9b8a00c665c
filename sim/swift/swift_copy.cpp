// Server-side copy (Swift's copy middleware): COPY with Destination, and PUT
// with X-Copy-From. The source is read with X-Newest; a DLO source is copied
// as its assembled content (the manifest itself with ?multipart-manifest=get);
// a plain source's bytes are verified against its stored etag (422 when they
// differ, as the object server checks the Etag the copy sends). Metadata comes
// from the source unless X-Fresh-Metadata, then the request's headers.
#include "common/crypto.h"
#include "common/url.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

HttpResponse SwiftService::object_copy_method(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  if (req.header("Destination").empty()) return error_response(412, "Destination header required");
  if (req.has_header("Destination-Account") && req.header("Destination-Account") != ctx.path.account)
    return error_response(403);
  const std::string raw = req.header("Destination");
  std::string dest = percent_decode(raw, false).value_or(raw);
  if (!dest.empty() && dest.front() == '/') dest.erase(0, 1);
  const auto slash = dest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == dest.size())
    return error_response(412, "Destination header must be of the form <container name>/<object name>");
  return copy_object(ctx, ctx.path.container, ctx.path.object, dest.substr(0, slash), dest.substr(slash + 1));
}

HttpResponse SwiftService::copy_object(const Ctx& ctx, const std::string& src_container,
                                       const std::string& src_object, const std::string& dst_container,
                                       const std::string& dst_object) {
  const HttpRequest& req = ctx.req;
  const std::string& account = ctx.path.account;
  if (dst_object.size() > kMaxObjectNameLength)
    return error_response(400, "Object name length of " + std::to_string(dst_object.size()) + " longer than " +
                                   std::to_string(kMaxObjectNameLength));
  const auto source = store_.read_object(account, src_container, src_object, {.newest = true}, ctx.model);
  if (!source.version || is_expired(*source.version, ctx.now)) return error_response(404);
  const ObjectVersion& src = *source.version;
  const bool manifest_get = req.query_value("multipart-manifest") == "get";
  const bool slo = is_slo_manifest(src) && !manifest_get;
  const bool assemble = (!src.manifest().empty() || slo) && !manifest_get;

  ObjectVersion v;
  if (assemble) {
    // The copy middleware GETs the source: a DLO or SLO arrives assembled.
    DloBody body;
    if (slo) {
      const auto entries = parse_stored_manifest(src.body.str());
      if (!entries) return error_response(500, "Unable to load SLO manifest");
      std::uint64_t total = 0;
      for (const auto& e : *entries) total += e.length();
      if (total > kMaxFileSize) return error_response(413);
      SpanBody span = read_slo_span(account, *entries, 0, total, ctx.now, ctx.model, 0);
      body.first_segment_failed = span.first_failed;
      body.complete = span.complete;
      for (auto& s : span.slices) {
        body.bytes += s.length;
        body.slices.push_back(std::move(s));
      }
    } else {
      const DloListing listing = list_dlo_segments(account, src.manifest(), ctx.model);
      if (!listing.container_found) return error_response(404);
      if (listing.total > kMaxFileSize) return error_response(413);
      body = read_dlo_segments(account, listing, 0, listing.total, ctx.now, ctx.model);
    }
    if (body.first_segment_failed) return error_response(409);
    // A segment failing mid-stream breaks the PUT's input: the proxy gives up.
    if (!body.complete) return error_response(500, "Large object segment could not be read while copying");
    BytesBuilder bytes;  // the segments' chunks, shared, not copied
    for (const auto& s : body.slices) bytes.append(s.data, s.offset, s.length);
    v.body = bytes.build();
    v.etag = v.body.md5_hex();
  } else {
    v.body = src.body;  // shared, not copied
    v.etag = src.body.md5_hex();  // recomputed, as Swift does: bit rot shows
    if (v.etag != normalize_etag(split_slo_etag(src.etag).first)) return error_response(422);
  }

  // Metadata: the source's (less X-Object-Manifest unless the manifest itself
  // is copied), then the request's.
  if (!config_true(req.header("X-Fresh-Metadata"))) {
    for (const auto& [k, val] : src.metadata) {
      if (val.empty() || (assemble && (iequals(k, "X-Object-Manifest") || iequals(k, kSloHeader) ||
                                       istarts_with(k, "X-Object-Sysmeta-Slo-"))))
        continue;
      v.metadata[k] = val;
    }
  }
  HttpResponse error;
  auto request_md = object_metadata_from_request(req, ctx.now, error);
  if (!request_md) return error;
  for (auto& [k, val] : *request_md) v.metadata[k] = val;
  if (req.has_header("X-Object-Manifest") && !valid_manifest_header(req.header("X-Object-Manifest")))
    return error_response(400, "X-Object-Manifest must be in the format container/prefix");
  v.content_type = req.header("Content-Type").empty() ? (assemble ? display_content_type(src.content_type) : src.content_type)
                                                      : req.header("Content-Type");

  const std::string etag = v.etag;
  const Headers metadata = v.metadata;
  const auto w = store_.put_object(account, dst_container, dst_object, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) return write_failure(w.status);
  HttpResponse r;
  r.status = 201;
  add_metadata_headers(r, metadata);  // the copy's metadata, as the proxy echoes it
  r.headers["Etag"] = etag;
  r.headers["Last-Modified"] = last_modified_header(w.ts);
  r.headers["X-Copied-From"] = percent_encode(src_container + "/" + src_object, true);
  r.headers["X-Copied-From-Account"] = percent_encode(account, true);
  r.headers["X-Copied-From-Last-Modified"] = last_modified_header(src.ts);
  return r;
}

}  // namespace stalemate::sim::swift
