// GET /<bucket>: ListObjects v1 (marker, NextMarker) and v2 (list-type=2:
// continuation-token, start-after, KeyCount), each answered by one listing
// replica of the store (so listing lag shows, page by page).
#include "common/crypto.h"
#include "common/time_format.h"
#include "common/url.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim::s3 {

HttpResponse S3Service::list_objects(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const bool v2 = req.query_value("list-type") == "2";
  if (req.has_query("list-type") && !v2) fail(400, "InvalidArgument", "Invalid List Type specified");
  std::size_t max_keys = 1000;
  if (req.has_query("max-keys")) {
    const auto n = parse_uint(req.query_value("max-keys"));
    if (!n) fail(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
    max_keys = static_cast<std::size_t>(std::min<std::uint64_t>(*n, 1000));
  }
  const bool url_encoding = req.query_value("encoding-type") == "url";
  if (req.has_query("encoding-type") && !url_encoding) fail(400, "InvalidArgument", "Invalid Encoding Method specified in Request");
  auto enc = [&](const std::string& s) { return url_encoding ? percent_encode(s, true) : s; };

  ListQuery q;
  q.prefix = req.query_value("prefix");
  q.delimiter = req.query_value("delimiter");
  std::string token;
  if (v2) {
    if (req.has_query("continuation-token")) {
      token = req.query_value("continuation-token");
      auto decoded = base64_decode(token);
      if (!decoded || token.empty())
        fail(400, "InvalidArgument", "The continuation token provided is incorrect");
      q.marker = *decoded;
    } else {
      q.marker = req.query_value("start-after");
    }
  } else {
    q.marker = req.query_value("marker");
  }
  q.limit = max_keys + 1;  // one more tells whether the page is truncated

  std::vector<ListItem> items;
  if (max_keys > 0) {
    auto rows = store_.list_objects(config_.account, ctx.bucket, q, ctx.model);
    if (!rows) fail(404, "NoSuchBucket", "The specified bucket does not exist");
    items = std::move(*rows);
  } else {
    require_bucket(ctx);
  }
  const bool truncated = items.size() > max_keys;
  if (truncated) items.resize(max_keys);

  std::string contents, prefixes;
  for (const auto& it : items) {
    if (it.subdir) {
      prefixes += "<CommonPrefixes>" + xml_element("Prefix", enc(it.name)) + "</CommonPrefixes>";
      continue;
    }
    contents += "<Contents>" + xml_element("Key", enc(it.name)) +
                xml_element("LastModified", iso8601_millis(it.row.last_modified)) +
                xml_element("ETag", quote_etag(it.row.etag)) + xml_element("Size", std::to_string(it.row.bytes));
    if (!v2 || req.query_value("fetch-owner") == "true")
      contents += owner_xml(config_.account);
    contents += "<StorageClass>STANDARD</StorageClass></Contents>";
  }

  std::string body = xml_element("Name", ctx.bucket) + xml_element("Prefix", enc(q.prefix));
  if (v2) {
    if (req.has_query("start-after")) body += xml_element("StartAfter", enc(req.query_value("start-after")));
    if (req.has_query("continuation-token")) body += xml_element("ContinuationToken", token);
    body += xml_element("KeyCount", std::to_string(items.size()));
  } else {
    body += xml_element("Marker", enc(q.marker));
  }
  body += xml_element("MaxKeys", std::to_string(max_keys));
  if (!q.delimiter.empty()) body += xml_element("Delimiter", enc(q.delimiter));
  if (url_encoding) body += xml_element("EncodingType", "url");
  body += xml_element("IsTruncated", truncated ? "true" : "false");
  if (truncated && !items.empty()) {
    if (v2) body += xml_element("NextContinuationToken", base64_encode(items.back().name));
    else if (!q.delimiter.empty()) body += xml_element("NextMarker", enc(items.back().name));
  }
  return xml_response(xml_document("ListBucketResult", body + contents + prefixes));
}

}  // namespace stalemate::sim::s3
