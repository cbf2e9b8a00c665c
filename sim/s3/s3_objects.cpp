// Objects: GetObject/HeadObject (single Range, conditional headers,
// response-* overrides), PutObject (Content-MD5, metadata, 5 GiB), DeleteObject
// (204 whether or not it existed), CopyObject and DeleteObjects.
#include "common/crypto.h"
#include "common/time_format.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim::s3 {

namespace {
bool etag_matches(const std::string& list, const std::string& etag) {
  std::string_view rest(list);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string item = unquote_etag(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

void add_object_headers(HttpResponse& r, const ObjectVersion& v) {
  r.headers["Content-Type"] = v.content_type;
  r.headers["ETag"] = quote_etag(v.etag);
  r.headers["Last-Modified"] = http_date(v.ts);
  r.headers["Accept-Ranges"] = "bytes";
  for (const auto& [name, value] : v.metadata)
    if (!value.empty() && name != "Initiated") r.headers[name] = value;
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
  if (req.has_header("If-Match") && !etag_matches(req.header("If-Match"), v.etag))
    fail(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
  if (req.has_header("If-None-Match") && etag_matches(req.header("If-None-Match"), v.etag)) {
    r.status = 304;
    return r;
  }
  static const std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"},        {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},                  {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"}, {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [param, header] : kOverrides)
    if (req.has_query(param)) r.headers[header] = req.query_value(param);

  const std::uint64_t length = v.size();
  if (req.method == "HEAD") {
    r.head = true;
    r.declared_length = length;
    return r;
  }
  const ByteRange range = resolve_range(req.header("Range"), length);
  if (range.kind == ByteRange::Unsatisfiable) {
    HttpResponse e = xml_response(error_document("InvalidRange", "The requested range is not satisfiable", req.path,
                                                 ctx.request_id),
                                  416);
    e.headers["Content-Range"] = "bytes */" + std::to_string(length);
    return e;
  }
  if (range.kind == ByteRange::Partial) {
    r.status = 206;
    r.headers["Content-Range"] = "bytes " + std::to_string(range.start) + "-" + std::to_string(range.end - 1) + "/" +
                                 std::to_string(length);
    r.append(v.body, range.start, range.end - range.start);
    return r;
  }
  r.append(v.body, 0, length);
  return r;
}

HttpResponse S3Service::put_object(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  if (req.body.size() > kMaxPutSize)
    fail(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
  check_content_md5(req);
  ObjectVersion v;
  v.body = req.body;
  v.etag = req.body.md5_hex();  // computed while the body arrived
  if (req.has_header("Content-Type")) v.content_type = req.header("Content-Type");
  v.metadata = object_metadata(req);
  const std::string etag = v.etag;
  const auto w = store_.put_object(config_.account, ctx.bucket, ctx.key, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  HttpResponse r;
  r.headers["ETag"] = quote_etag(etag);
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
  const ObjectVersion src = read_copy_source(ctx, src_bucket, src_key);
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
    if (req.has_header("Content-Type")) v.content_type = req.header("Content-Type");
    v.metadata = object_metadata(req);
  }
  const std::string etag = v.etag;
  const auto w = store_.put_object(config_.account, ctx.bucket, ctx.key, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  return xml_response(xml_document("CopyObjectResult", xml_element("LastModified", iso8601_millis(w.ts)) +
                                                           xml_element("ETag", quote_etag(etag))));
}

HttpResponse S3Service::delete_objects(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  if (!req.has_header("Content-MD5"))
    fail(400, "InvalidRequest", "Missing required header for this request: Content-Md5");
  check_content_md5(req);
  const std::string text = req.body.str();
  const std::string_view doc(text);
  const auto objects = xml_elements(doc, "Object");
  const auto quiet_el = xml_elements(doc, "Quiet");
  if (!objects || !quiet_el || objects->empty() || objects->size() > 1000 || doc.find("<Delete") == std::string_view::npos)
    fail(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
  const bool quiet = !quiet_el->empty() && (*quiet_el)[0] == "true";
  require_bucket(ctx);
  std::string out;
  for (std::string_view object : *objects) {
    const auto keys = xml_elements(object, "Key");
    if (!keys || keys->size() != 1)
      fail(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    const auto key = xml_unescape((*keys)[0]);
    if (!key || key->empty())
      fail(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
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
