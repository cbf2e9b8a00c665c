// Bucket and object sub-resources that clients ask about even when they only
// store and fetch (rclone purge, awscli, s3cmd): the answers of an AWS bucket
// that never had versioning enabled and whose ACLs are disabled (the default
// "bucket owner enforced" since April 2023):
//  - ?versioning: GET → an empty VersioningConfiguration; PUT → 501 (the fake
//    keeps one version per key);
//  - ?acl: GET → the owner with FULL_CONTROL; PUT of "private" (or a policy
//    granting only the owner FULL_CONTROL) → 200, any other grant → 400
//    AccessControlListNotSupported, as AWS answers with ACLs disabled;
//  - object ?tagging: stored with the object (a PutObjectTagging writes a new
//    version through the store, so tags lag like any write; unlike AWS its
//    Last-Modified moves); bucket ?tagging GET → 404 NoSuchTagSet;
//  - ?versions (ListObjectVersions): every object as its "null" version.
#include <set>

#include "common/time_format.h"
#include "common/url.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim::s3 {

namespace {
[[noreturn]] void method_not_allowed() {
  fail(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}

[[noreturn]] void acls_disabled() {
  fail(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
}

// The <Tagging> document's tags, validated as S3 does, as "k1=v1&k2=v2".
std::string parse_tagging(std::string_view doc) {
  const auto tags = xml_elements(doc, "Tag");
  if (!tags || doc.find("<Tagging") == std::string_view::npos) malformed_xml();
  if (tags->size() > 10) fail(400, "BadRequest", "Object tags cannot be greater than 10");
  std::set<std::string> seen;
  std::string out;
  for (std::string_view tag : *tags) {
    const auto keys = xml_elements(tag, "Key");
    const auto values = xml_elements(tag, "Value");
    if (!keys || !values || keys->size() != 1 || values->size() != 1) malformed_xml();
    const auto key = xml_unescape((*keys)[0]);
    const auto value = xml_unescape((*values)[0]);
    if (!key || !value) malformed_xml();
    if (key->empty() || key->size() > 128) fail(400, "InvalidTag", "The TagKey you have provided is invalid");
    if (value->size() > 256) fail(400, "InvalidTag", "The TagValue you have provided is invalid");
    if (!seen.insert(*key).second) fail(400, "InvalidTag", "Cannot provide multiple Tags with the same key");
    out += (out.empty() ? "" : "&") + percent_encode(*key, false) + "=" + percent_encode(*value, false);
  }
  return out;
}

// Does the AccessControlPolicy grant only FULL_CONTROL to `owner`?
bool grants_owner_only(std::string_view doc, const std::string& owner) {
  const auto grants = xml_elements(doc, "Grant");
  if (!grants || grants->empty()) return false;
  for (std::string_view grant : *grants) {
    const auto ids = xml_elements(grant, "ID");
    const auto permissions = xml_elements(grant, "Permission");
    if (!ids || !permissions || ids->size() != 1 || permissions->size() != 1) return false;
    if ((*ids)[0] != owner || (*permissions)[0] != "FULL_CONTROL") return false;
  }
  return true;
}
}  // namespace

std::optional<HttpResponse> S3Service::bucket_subresource(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const std::string& m = req.method;
  if (req.has_query("versioning")) {
    if (m == "PUT") fail(501, "NotImplemented", "Bucket versioning cannot be enabled: the fake keeps one version per key");
    if (m != "GET") method_not_allowed();
    require_bucket(ctx);
    return xml_response(xml_document("VersioningConfiguration", ""));
  }
  if (req.has_query("acl")) {
    if (m == "GET") return get_acl(ctx);
    if (m == "PUT") return put_acl(ctx);
    method_not_allowed();
  }
  if (req.has_query("tagging")) {
    if (m != "GET") fail(501, "NotImplemented", "Bucket tagging is not implemented");
    require_bucket(ctx);
    fail(404, "NoSuchTagSet", "The TagSet does not exist");
  }
  if (req.has_query("versions")) {
    if (m != "GET") method_not_allowed();
    return list_versions(ctx);
  }
  return std::nullopt;
}

std::optional<HttpResponse> S3Service::object_subresource(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const std::string& m = req.method;
  if (req.has_query("acl")) {
    if (m == "GET") return get_acl(ctx);
    if (m == "PUT") return put_acl(ctx);
    method_not_allowed();
  }
  if (req.has_query("tagging")) {
    if (m == "GET") return get_object_tagging(ctx);
    if (m == "PUT" || m == "DELETE") return put_object_tagging(ctx, m == "DELETE");
    method_not_allowed();
  }
  return std::nullopt;
}

HttpResponse S3Service::get_acl(const Ctx& ctx) {
  if (ctx.key.empty()) {
    require_bucket(ctx);
  } else if (!store_.read_object(config_.account, ctx.bucket, ctx.key, {}, ctx.model).version) {
    require_bucket(ctx);
    fail(404, "NoSuchKey", "The specified key does not exist.");
  }
  const std::string grantee =
      "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">" +
      xml_element("ID", config_.account) + xml_element("DisplayName", config_.account) + "</Grantee>";
  return xml_response(xml_document(
      "AccessControlPolicy", owner_xml(config_.account) + "<AccessControlList><Grant>" + grantee +
                                 "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"));
}

HttpResponse S3Service::put_acl(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  for (const auto& [name, value] : req.headers)
    if (istarts_with(name, "x-amz-grant-")) acls_disabled();
  if (req.has_header("x-amz-acl")) {
    const std::string canned = req.header("x-amz-acl");
    if (canned != "private" && canned != "bucket-owner-full-control") acls_disabled();
  } else if (!grants_owner_only(req.body.str(), config_.account)) {
    acls_disabled();
  }
  if (ctx.key.empty()) {
    require_bucket(ctx);
  } else if (!store_.read_object(config_.account, ctx.bucket, ctx.key, {}, ctx.model).version) {
    require_bucket(ctx);
    fail(404, "NoSuchKey", "The specified key does not exist.");
  }
  return HttpResponse{};
}

HttpResponse S3Service::get_object_tagging(const Ctx& ctx) {
  const auto read = store_.read_object(config_.account, ctx.bucket, ctx.key, {}, ctx.model);
  if (!read.version) {
    require_bucket(ctx);
    fail(404, "NoSuchKey", "The specified key does not exist.");
  }
  std::string tags;
  if (const auto it = read.version->metadata.find(kTaggingMetadata); it != read.version->metadata.end())
    if (const auto parsed = parse_query(it->second))
      for (const auto& [key, value] : *parsed)
        tags += "<Tag>" + xml_element("Key", key) + xml_element("Value", value) + "</Tag>";
  return xml_response(xml_document("Tagging", "<TagSet>" + tags + "</TagSet>"));
}

HttpResponse S3Service::put_object_tagging(const Ctx& ctx, bool remove) {
  const std::string tagging = remove ? std::string() : parse_tagging(ctx.req.body.str());
  const auto read = store_.read_object(config_.account, ctx.bucket, ctx.key, {}, ctx.model);
  if (!read.version) {
    require_bucket(ctx);
    fail(404, "NoSuchKey", "The specified key does not exist.");
  }
  ObjectVersion v = *read.version;
  v.metadata.erase(kTaggingMetadata);
  if (!tagging.empty()) v.metadata[kTaggingMetadata] = tagging;
  const auto w = store_.put_object(config_.account, ctx.bucket, ctx.key, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) write_failure(w);
  HttpResponse r;
  r.status = remove ? 204 : 200;
  return r;
}

HttpResponse S3Service::list_versions(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  std::size_t max_keys = 1000;
  if (req.has_query("max-keys")) {
    const auto n = parse_uint(req.query_value("max-keys"));
    if (!n) fail(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
    max_keys = static_cast<std::size_t>(std::min<std::uint64_t>(*n, 1000));
  }
  const std::string version_marker = req.query_value("version-id-marker");
  if (!version_marker.empty() && version_marker != "null")
    fail(400, "InvalidArgument", "Invalid version id specified");
  const bool url_encoding = req.query_value("encoding-type") == "url";
  auto enc = [&](const std::string& s) { return url_encoding ? percent_encode(s, true) : s; };
  require_bucket(ctx);
  ListQuery q;
  q.prefix = req.query_value("prefix");
  q.delimiter = req.query_value("delimiter");
  q.marker = req.query_value("key-marker");
  auto [items, truncated] = list_page(ctx, ctx.bucket, q, max_keys);

  std::string versions, prefixes;
  for (const auto& it : items) {
    if (it.subdir) {
      prefixes += "<CommonPrefixes>" + xml_element("Prefix", enc(it.name)) + "</CommonPrefixes>";
      continue;
    }
    versions += "<Version>" + xml_element("Key", enc(it.name)) + "<VersionId>null</VersionId><IsLatest>true</IsLatest>" +
                xml_element("LastModified", iso8601_millis(it.row.last_modified)) +
                xml_element("ETag", quote_etag(it.row.etag)) + xml_element("Size", std::to_string(it.row.bytes)) +
                owner_xml(config_.account) + "<StorageClass>STANDARD</StorageClass></Version>";
  }
  std::string body = xml_element("Name", ctx.bucket) + xml_element("Prefix", enc(q.prefix)) +
                     xml_element("KeyMarker", enc(q.marker)) + xml_element("VersionIdMarker", version_marker) +
                     xml_element("MaxKeys", std::to_string(max_keys));
  if (!q.delimiter.empty()) body += xml_element("Delimiter", enc(q.delimiter));
  if (url_encoding) body += xml_element("EncodingType", "url");
  body += xml_element("IsTruncated", truncated ? "true" : "false");
  if (truncated && !items.empty())
    body += xml_element("NextKeyMarker", enc(items.back().name)) + "<NextVersionIdMarker>null</NextVersionIdMarker>";
  return xml_response(xml_document("ListVersionsResult", body + versions + prefixes));
}

}  // namespace stalemate::sim::s3
