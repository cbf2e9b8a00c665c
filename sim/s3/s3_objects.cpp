// Objects: GetObject/HeadObject (single Range, conditional headers,
// response-* overrides), PutObject (Content-MD5, metadata, 5 GiB), DeleteObject
// (204 whether or not it existed), CopyObject and DeleteObjects.
#include <algorithm>

#include "common/crypto.h"
#include "common/time_format.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim::s3 {

namespace {
// The number of tags in a stored "k1=v1&k2=v2" tag set.
std::size_t tag_count(const std::string& tagging) {
  if (tagging.empty()) return 0;
  return static_cast<std::size_t>(std::count(tagging.begin(), tagging.end(), '&')) + 1;
}

void add_object_headers(HttpResponse& r, const ObjectVersion& v) {
  r.headers["Content-Type"] = v.content_type;
  r.headers["ETag"] = quote_etag(v.etag);
  r.headers["Last-Modified"] = http_date(v.ts);
  r.headers["Accept-Ranges"] = "bytes";
  for (const auto& [name, value] : v.metadata) {
    if (value.empty() || name == "Initiated") continue;
    if (name == kTaggingMetadata) r.headers["x-amz-tagging-count"] = std::to_string(tag_count(value));
    else r.headers[name] = value;
  }
}
}  // namespace

HttpResponse S3Service::get_object(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const auto read = store_.read_object(config_.account, ctx.bucket, ctx.key, {}, ctx.model);
  if (!read.version) {
    require_bucket(ctx);
    fail(404, "NoSuchKey", "The specified key does not exist.");
  }
  const ObjectVersion& v = *read.version;
  HttpResponse r;
  add_object_headers(r, v);
  switch (evaluate_preconditions(req, v, "")) {
    case Precondition::Failed:
      fail(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
    case Precondition::NotModified: r.status = 304; return r;
    case Precondition::Pass: break;
  }
  static const std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"},        {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},                  {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"}, {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [param, header] : kOverrides)
    if (req.has_query(param)) r.headers[header] = req.query_value(param);

  const std::uint64_t length = v.size();
  // HEAD evaluates Range as GET does (AWS: 206 with the range's length, 416), without a body.
  const ByteRange range = resolve_range(req.header("Range"), length);
  if (range.kind == ByteRange::Unsatisfiable) {
    HttpResponse e = xml_response(error_document("InvalidRange", "The requested range is not satisfiable", req.path,
                                                 ctx.request_id),
                                  416);
    e.headers["Content-Range"] = "bytes */" + std::to_string(length);
    return e;
  }
  std::uint64_t start = 0, count = length;
  if (range.kind == ByteRange::Partial) {
    r.status = 206;
    r.headers["Content-Range"] = "bytes " + std::to_string(range.start) + "-" + std::to_string(range.end - 1) + "/" +
                                 std::to_string(length);
    start = range.start;
    count = range.end - range.start;
  }
  if (req.method == "HEAD") {
    r.head = true;
    r.declared_length = count;
    return r;
  }
  r.append(v.body, start, count);
  return r;
}

HttpResponse S3Service::put_object(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  if (req.body.size() > kMaxPutSize)
    fail(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
  const auto checksum = check_body_checksums(req);
  ObjectVersion v;
  v.body = req.body;
  v.etag = req.body.md5_hex();  // computed while the body arrived
  v.content_type = req.has_header("Content-Type") ? req.header("Content-Type") : kDefaultContentType;
  v.metadata = object_metadata(req);
  const std::string etag = v.etag;
  const auto w = store_.put_object(config_.account, ctx.bucket, ctx.key, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  HttpResponse r;
  r.headers["ETag"] = quote_etag(etag);
  if (checksum) r.headers[checksum->first] = checksum->second;
  return r;
}

HttpResponse S3Service::delete_object(const Ctx& ctx) {
  const auto w = store_.delete_object(config_.account, ctx.bucket, ctx.key, ctx.model);
  if (w.status == Store::WriteStatus::NoContainer || w.status == Store::WriteStatus::Unavailable)
    write_failure(w);
  HttpResponse r;
  r.status = 204;
  return r;
}

ObjectVersion S3Service::read_copy_source(const Ctx& ctx, const std::string& bucket, const std::string& key) {
  if (is_hidden_container(bucket)) fail(404, "NoSuchBucket", "The specified bucket does not exist");
  const auto read = store_.read_object(config_.account, bucket, key, {}, ctx.model);
  if (!read.version) {
    if (!store_.container(config_.account, bucket, ctx.model))
      fail(404, "NoSuchBucket", "The specified bucket does not exist");
    fail(404, "NoSuchKey", "The specified key does not exist.");
  }
  return *read.version;
}

HttpResponse S3Service::copy_object(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const auto [src_bucket, src_key] = parse_copy_source(req.header("x-amz-copy-source"));
  const std::string directive = req.has_header("x-amz-metadata-directive") ? req.header("x-amz-metadata-directive") : "COPY";
  if (directive != "COPY" && directive != "REPLACE")
    fail(400, "InvalidArgument", "Unknown metadata directive.");
  if (src_bucket == ctx.bucket && src_key == ctx.key && directive == "COPY")
    fail(400, "InvalidRequest",
         "This copy request is illegal because it is trying to copy an object to itself without changing the "
         "object's metadata, storage class, website redirect location or encryption attributes.");
  const std::string tagging_directive =
      req.has_header("x-amz-tagging-directive") ? req.header("x-amz-tagging-directive") : "COPY";
  if (tagging_directive != "COPY" && tagging_directive != "REPLACE")
    fail(400, "InvalidArgument", "Unknown tagging directive.");
  const ObjectVersion src = read_copy_source(ctx, src_bucket, src_key);
  check_copy_source_preconditions(req, src);
  if (src.size() > kMaxPutSize)
    fail(400, "InvalidRequest",
         "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120");
  ObjectVersion v;
  v.body = src.body;
  v.etag = src.etag.find('-') == std::string::npos ? src.etag : src.body.md5_hex();
  if (directive == "COPY") {
    v.content_type = src.content_type;
    v.metadata = src.metadata;
  } else {
    v.content_type = req.has_header("Content-Type") ? req.header("Content-Type") : kDefaultContentType;
    v.metadata = object_metadata(req);
  }
  // Tags follow their own directive.
  v.metadata.erase(kTaggingMetadata);
  const Headers& tags_from = tagging_directive == "COPY" ? src.metadata : object_metadata(req);
  if (const auto it = tags_from.find(kTaggingMetadata); it != tags_from.end()) v.metadata[kTaggingMetadata] = it->second;
  const std::string etag = v.etag;
  const auto w = store_.put_object(config_.account, ctx.bucket, ctx.key, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  return xml_response(xml_document("CopyObjectResult", xml_element("LastModified", iso8601_millis(w.ts)) +
                                                           xml_element("ETag", quote_etag(etag))));
}

HttpResponse S3Service::delete_objects(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  // Newer SDKs send a flexible checksum (x-amz-checksum-crc32, ...) instead of Content-MD5; AWS takes either.
  if (!check_body_checksums(req) && !req.has_header("Content-MD5"))
    fail(400, "InvalidRequest", "Missing required header for this request: Content-MD5 OR x-amz-checksum-*");
  const std::string text = req.body.str();
  const std::string_view doc(text);
  const auto objects = xml_elements(doc, "Object");
  const auto quiet_el = xml_elements(doc, "Quiet");
  if (!objects || !quiet_el || objects->empty() || objects->size() > 1000 || doc.find("<Delete") == std::string_view::npos)
    malformed_xml();
  const bool quiet = !quiet_el->empty() && (*quiet_el)[0] == "true";
  require_bucket(ctx);
  std::string out;
  for (std::string_view object : *objects) {
    const auto keys = xml_elements(object, "Key");
    if (!keys || keys->size() != 1)
      malformed_xml();
    const auto key = xml_unescape((*keys)[0]);
    if (!key || key->empty())
      malformed_xml();
    const auto w = store_.delete_object(config_.account, ctx.bucket, *key, ctx.model);
    if (w.status == Store::WriteStatus::Unavailable || w.status == Store::WriteStatus::NoContainer) {
      const S3Error e = write_error(w);
      out += "<Error>" + xml_element("Key", *key) + xml_element("Code", e.code) + xml_element("Message", e.message) +
             "</Error>";
    } else if (!quiet) {
      out += "<Deleted>" + xml_element("Key", *key) + "</Deleted>";
    }
  }
  return xml_response(xml_document("DeleteResult", out));
}

}  // namespace stalemate::sim::s3
