// Multipart uploads, with their state kept in the store so that replication
// and listing lag apply to it:
//  - each open upload is a 0-byte object "<key>\n<uploadId>" in the hidden
//    container "<bucket>+uploads" (its metadata: Initiated, and the
//    Content-Type and x-amz-meta-* the completed object will carry);
//  - each part is an object "<uploadId>/<%05d part number>" in "<bucket>+parts";
//  - ListParts and ListMultipartUploads are store listings of those
//    containers (a lagging listing replica hides a part or an upload);
//  - Complete reads the parts through the object read path, writes their
//    concatenation as the object, then deletes the parts and the marker.
#include <cstdio>
#include <set>

#include "common/crypto.h"
#include "common/time_format.h"
#include "common/url.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim::s3 {

namespace {
std::string part_name(const std::string& upload_id, std::uint64_t number) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05llu", static_cast<unsigned long long>(number));
  return upload_id + "/" + buf;
}

std::string marker_name(const std::string& key, const std::string& upload_id) { return key + "\n" + upload_id; }

std::string hex_to_raw(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
  return out;
}

[[noreturn]] void no_such_upload() {
  fail(404, "NoSuchUpload",
       "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or "
       "completed.");
}

std::uint64_t limit_param(const HttpRequest& req, const char* name, const char* what) {
  if (!req.has_query(name)) return 1000;
  const auto n = parse_uint(req.query_value(name));
  if (!n) fail(400, "InvalidArgument", std::string("Provided ") + what + " not an integer or within integer range");
  return std::min<std::uint64_t>(*n, 1000);
}
}  // namespace

ObjectVersion S3Service::require_upload(const Ctx& ctx, const std::string& upload_id) const {
  if (upload_id.empty()) no_such_upload();
  const auto read = store_.read_object(config_.account, uploads_container(ctx.bucket), marker_name(ctx.key, upload_id),
                                       {}, ctx.model);
  if (!read.version) {
    require_bucket(ctx);
    no_such_upload();
  }
  return *read.version;
}

HttpResponse S3Service::create_upload(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  require_bucket(ctx);
  store_.put_container(config_.account, uploads_container(ctx.bucket), {});
  store_.put_container(config_.account, parts_container(ctx.bucket), {});
  // Deterministic for a given seed and request sequence (it is an object name),
  // and across runs: the identity has the registry's random upload name as an ordinal.
  const std::string upload_id =
      sha256_hex(ctx.bucket + "\n" + ctx.model->identity + "\n" + std::to_string(store_.seed())).substr(0, 40);
  ObjectVersion v;
  v.content_type = req.has_header("Content-Type") ? req.header("Content-Type") : kDefaultContentType;
  v.metadata = object_metadata(req);
  v.metadata["Initiated"] = iso8601_millis(ctx.now);
  const auto w = store_.put_object(config_.account, uploads_container(ctx.bucket), marker_name(ctx.key, upload_id),
                                   std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  return xml_response(xml_document("InitiateMultipartUploadResult", xml_element("Bucket", ctx.bucket) +
                                                                        xml_element("Key", ctx.key) +
                                                                        xml_element("UploadId", upload_id)));
}

HttpResponse S3Service::upload_part(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  if (!req.has_query("uploadId") || !req.has_query("partNumber"))
    fail(400, "InvalidRequest", "An UploadPart request needs both partNumber and uploadId");
  const auto number = parse_uint(req.query_value("partNumber"));
  if (!number || *number < 1 || *number > kMaxPartNumber)
    fail(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
  const std::string upload_id = req.query_value("uploadId");
  require_upload(ctx, upload_id);

  const bool copy = req.has_header("x-amz-copy-source");
  ObjectVersion part;
  if (copy) {
    const auto [src_bucket, src_key] = parse_copy_source(req.header("x-amz-copy-source"));
    const ObjectVersion src = read_copy_source(ctx, src_bucket, src_key);
    check_copy_source_preconditions(req, src);
    if (req.has_header("x-amz-copy-source-range")) {
      const std::string range = req.header("x-amz-copy-source-range");
      const auto dash = range.find('-');
      std::optional<std::uint64_t> first, last;
      if (range.rfind("bytes=", 0) == 0 && dash != std::string::npos) {
        first = parse_uint(std::string_view(range).substr(6, dash - 6));
        last = parse_uint(std::string_view(range).substr(dash + 1));
      }
      if (!first || !last || *last < *first)
        fail(400, "InvalidArgument",
             "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the "
             "zero-based offsets of the first and last bytes to copy");
      if (*last >= src.size())
        fail(400, "InvalidRange", "Range specified is not valid for source object of size: " + std::to_string(src.size()));
      part.body = src.body.slice(*first, *last - *first + 1);  // shares the source's chunks
    } else {
      part.body = src.body;
    }
  } else {
    check_body_checksums(req);
    part.body = req.body;
  }
  if (part.size() > kMaxPutSize)
    fail(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
  part.etag = part.body.md5_hex();  // known for a received body
  const std::string etag = part.etag;
  const std::string name = part_name(upload_id, *number);
  auto w = store_.put_object(config_.account, parts_container(ctx.bucket), name, part, ctx.model);
  if (w.status == Store::WriteStatus::NoContainer) {  // created on demand
    store_.put_container(config_.account, parts_container(ctx.bucket), {});
    w = store_.put_object(config_.account, parts_container(ctx.bucket), name, std::move(part), ctx.model);
  }
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  if (copy)
    return xml_response(xml_document("CopyPartResult", xml_element("LastModified", iso8601_millis(w.ts)) +
                                                           xml_element("ETag", quote_etag(etag))));
  HttpResponse r;
  r.headers["ETag"] = quote_etag(etag);
  return r;
}

HttpResponse S3Service::complete_upload(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const std::string upload_id = req.query_value("uploadId");
  // Already completed (the answer may have been lost): the same result again,
  // as AWS and radosgw answer, whatever the parts list says this time.
  if (const auto done = completed_.find(upload_id); done && done->bucket == ctx.bucket && done->key == ctx.key)
    return xml_response(done->body);
  const ObjectVersion marker = require_upload(ctx, upload_id);

  const std::string text = req.body.str();
  const std::string_view doc(text);
  const auto parts = xml_elements(doc, "Part");
  if (!parts || parts->empty() || doc.find("<CompleteMultipartUpload") == std::string_view::npos) malformed_xml();
  struct Wanted {
    std::uint64_t number;
    std::string etag;
  };
  std::vector<Wanted> wanted;
  for (std::string_view p : *parts) {
    const auto numbers = xml_elements(p, "PartNumber");
    const auto etags = xml_elements(p, "ETag");
    if (!numbers || !etags || numbers->size() != 1 || etags->size() != 1) malformed_xml();
    const auto n = parse_uint((*numbers)[0]);
    const auto e = xml_unescape((*etags)[0]);
    if (!n || !e) malformed_xml();
    if (*n < 1 || *n > kMaxPartNumber)
      fail(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
    wanted.push_back({*n, unquote_etag(*e)});
  }
  for (std::size_t i = 1; i < wanted.size(); ++i)
    if (wanted[i].number <= wanted[i - 1].number)
      fail(400, "InvalidPartOrder",
           "The list of parts was not in ascending order. The parts list must be specified in order by part number.");

  std::vector<ObjectVersion> found;
  std::vector<std::string> names;
  for (const auto& w : wanted) {
    names.push_back(part_name(upload_id, w.number));
    const auto read = store_.read_object(config_.account, parts_container(ctx.bucket), names.back(), {}, ctx.model);
    if (!read.version || read.version->etag != w.etag)
      fail(400, "InvalidPart",
           "One or more of the specified parts could not be found. The part may not have been uploaded, or the "
           "specified entity tag may not have matched the part's entity tag.");
    found.push_back(*read.version);
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i + 1 < found.size() && found[i].size() < kMinPartSize)
      fail(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size");
    total += found[i].size();
  }
  if (total > (5ull << 40)) fail(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");

  // The object is the parts' chunks, shared and not copied: completing a
  // gigabyte upload costs no copy and no extra memory.
  BytesBuilder body;
  std::string md5s;
  for (const auto& p : found) {
    body.append(p.body);
    md5s += hex_to_raw(p.etag);
  }
  ObjectVersion obj;
  obj.body = body.build();
  obj.etag = md5_hex(md5s) + "-" + std::to_string(found.size());
  obj.content_type = marker.content_type;
  obj.metadata = marker.metadata;
  obj.metadata.erase("Initiated");
  const std::string etag = obj.etag;
  const auto w = store_.put_object(config_.account, ctx.bucket, ctx.key, std::move(obj), ctx.model);
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  delete_upload_state(ctx, upload_id, names);

  const std::string host = req.has_header("Host") ? req.header("Host") : req.host;
  const bool virtual_host = !config_.domain.empty() && to_lower(host).rfind(ctx.bucket + ".", 0) == 0;
  const std::string location =
      "http://" + host + (virtual_host ? "" : "/" + ctx.bucket) + "/" + percent_encode(ctx.key, true);
  std::string result = xml_document("CompleteMultipartUploadResult",
                                    xml_element("Location", location) + xml_element("Bucket", ctx.bucket) +
                                        xml_element("Key", ctx.key) + xml_element("ETag", quote_etag(etag)));
  completed_.remember(upload_id, {ctx.bucket, ctx.key, result});
  return xml_response(std::move(result));
}

void CompletedUploads::remember(const std::string& upload_id, Result result) {
  std::lock_guard lock(mutex_);
  if (results_.insert_or_assign(upload_id, std::move(result)).second) order_.push_back(upload_id);
  while (order_.size() > kCompletedUploadsKept) {
    results_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<CompletedUploads::Result> CompletedUploads::find(const std::string& upload_id) const {
  std::lock_guard lock(mutex_);
  const auto it = results_.find(upload_id);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

void S3Service::delete_upload_state(const Ctx& ctx, const std::string& upload_id,
                                    const std::vector<std::string>& part_names) {
  std::set<std::string> names(part_names.begin(), part_names.end());
  ListQuery q;
  q.prefix = upload_id + "/";
  while (true) {
    const auto rows = store_.list_objects(config_.account, parts_container(ctx.bucket), q, ctx.model);
    if (!rows || rows->empty()) break;
    for (const auto& it : *rows) names.insert(it.name);
    q.marker = rows->back().name;
    if (rows->size() < q.limit) break;
  }
  for (const auto& name : names) store_.delete_object(config_.account, parts_container(ctx.bucket), name, ctx.model);
  store_.delete_object(config_.account, uploads_container(ctx.bucket), marker_name(ctx.key, upload_id), ctx.model);
}

HttpResponse S3Service::abort_upload(const Ctx& ctx) {
  const std::string upload_id = ctx.req.query_value("uploadId");
  require_upload(ctx, upload_id);
  delete_upload_state(ctx, upload_id, {});
  HttpResponse r;
  r.status = 204;
  return r;
}

std::pair<std::vector<ListItem>, bool> S3Service::list_page(const Ctx& ctx, const std::string& container,
                                                            ListQuery query, std::uint64_t max) const {
  std::vector<ListItem> items;
  if (max == 0) return {items, false};
  query.limit = static_cast<std::size_t>(max) + 1;  // one more tells whether the page is truncated
  if (auto rows = store_.list_objects(config_.account, container, query, ctx.model)) items = std::move(*rows);
  const bool truncated = items.size() > max;
  if (truncated) items.resize(static_cast<std::size_t>(max));
  return {std::move(items), truncated};
}

HttpResponse S3Service::list_parts(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const std::string upload_id = req.query_value("uploadId");
  require_upload(ctx, upload_id);
  const std::uint64_t max_parts = limit_param(req, "max-parts", "max-parts");
  std::uint64_t marker = 0;
  if (req.has_query("part-number-marker")) {
    const auto m = parse_uint(req.query_value("part-number-marker"));
    if (!m) fail(400, "InvalidArgument", "Provided part-number-marker not an integer or within integer range");
    marker = std::min<std::uint64_t>(*m, kMaxPartNumber);
  }
  ListQuery q;
  q.prefix = upload_id + "/";
  if (marker > 0) q.marker = part_name(upload_id, marker);
  auto [items, truncated] = list_page(ctx, parts_container(ctx.bucket), q, max_parts);

  std::string parts;
  std::uint64_t next = marker;
  for (const auto& it : items) {
    const std::uint64_t number = parse_uint(std::string_view(it.name).substr(q.prefix.size())).value_or(0);
    next = number;
    parts += "<Part>" + xml_element("PartNumber", std::to_string(number)) +
             xml_element("LastModified", iso8601_millis(it.row.last_modified)) +
             xml_element("ETag", quote_etag(it.row.etag)) + xml_element("Size", std::to_string(it.row.bytes)) +
             "</Part>";
  }
  std::string body = xml_element("Bucket", ctx.bucket) + xml_element("Key", ctx.key) +
                     xml_element("UploadId", upload_id) + owner_xml(config_.account, "Initiator") +
                     owner_xml(config_.account, "Owner") + "<StorageClass>STANDARD</StorageClass>" +
                     xml_element("PartNumberMarker", std::to_string(marker)) +
                     xml_element("NextPartNumberMarker", std::to_string(next)) +
                     xml_element("MaxParts", std::to_string(max_parts)) +
                     xml_element("IsTruncated", truncated ? "true" : "false") + parts;
  return xml_response(xml_document("ListPartsResult", body));
}

HttpResponse S3Service::list_uploads(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  require_bucket(ctx);
  const std::uint64_t max_uploads = limit_param(req, "max-uploads", "max-uploads");
  const std::string key_marker = req.query_value("key-marker");
  const std::string id_marker = req.query_value("upload-id-marker");
  const std::string delimiter = req.query_value("delimiter");
  ListQuery q;
  q.prefix = req.query_value("prefix");
  q.limit = 1000;
  // "\xff" sorts after every UTF-8 key that starts with the same bytes: past a common prefix.
  const bool marker_is_prefix = !delimiter.empty() && key_marker.size() >= delimiter.size() &&
                                key_marker.compare(key_marker.size() - delimiter.size(), delimiter.size(), delimiter) == 0;
  if (!key_marker.empty())
    q.marker = marker_is_prefix ? key_marker + "\xff"
               : id_marker.empty() ? key_marker + "\n\x7f" : marker_name(key_marker, id_marker);

  // The delimiter rolls keys up here, not in the store: the marker rows'
  // names carry the upload id after the key, where it must not match.
  std::string uploads, prefixes, next_key, next_id;
  std::uint64_t count = 0;
  bool truncated = false;
  for (bool more = max_uploads > 0; more && !truncated;) {
    const auto rows = store_.list_objects(config_.account, uploads_container(ctx.bucket), q, ctx.model);
    if (!rows || rows->empty()) break;
    more = rows->size() == q.limit;
    for (const auto& it : *rows) {
      const auto nl = it.name.rfind('\n');
      if (nl == std::string::npos) continue;
      const std::string key = it.name.substr(0, nl);
      const auto cut = delimiter.empty() ? std::string::npos : key.find(delimiter, q.prefix.size());
      if (count == max_uploads) {
        truncated = true;
        break;
      }
      ++count;
      if (cut != std::string::npos) {
        next_key = key.substr(0, cut + delimiter.size());
        next_id.clear();
        prefixes += "<CommonPrefixes>" + xml_element("Prefix", next_key) + "</CommonPrefixes>";
        q.marker = next_key + "\xff";
        more = true;  // list again from past the prefix
        break;
      }
      next_key = key;
      next_id = it.name.substr(nl + 1);
      q.marker = it.name;
      uploads += "<Upload>" + xml_element("Key", next_key) + xml_element("UploadId", next_id) +
                 owner_xml(config_.account, "Initiator") + owner_xml(config_.account, "Owner") +
                 "<StorageClass>STANDARD</StorageClass>" +
                 xml_element("Initiated", iso8601_millis(it.row.last_modified)) + "</Upload>";
    }
  }
  std::string body = xml_element("Bucket", ctx.bucket) + xml_element("KeyMarker", key_marker) +
                     xml_element("UploadIdMarker", id_marker) + xml_element("NextKeyMarker", next_key) +
                     xml_element("NextUploadIdMarker", next_id);
  if (!delimiter.empty()) body += xml_element("Delimiter", delimiter);
  if (req.has_query("prefix")) body += xml_element("Prefix", q.prefix);
  body += xml_element("MaxUploads", std::to_string(max_uploads)) +
          xml_element("IsTruncated", truncated ? "true" : "false") + uploads + prefixes;
  return xml_response(xml_document("ListMultipartUploadsResult", body));
}

}  // namespace stalemate::sim::s3
