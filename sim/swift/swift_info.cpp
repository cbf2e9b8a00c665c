// GET /info: the capabilities document (with the slo section swiftclient
// checks before --use-slo). The registry reads swift.version
// (TempURL key choice), tempurl.methods and bulk_delete; the last two appear
// only when the corresponding toggle is on.
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

HttpResponse SwiftService::handle_info(const HttpRequest& req) const {
  if (req.method == "OPTIONS") {
    HttpResponse r;
    r.headers["Allow"] = "GET, HEAD, OPTIONS";
    return r;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r = error_response(405);
    r.headers["Allow"] = "GET, HEAD, OPTIONS";
    return r;
  }
  std::string j = "{\"swift\": {\"version\": " + json_quote(config_.version) +
                  ", \"max_file_size\": " + std::to_string(kMaxFileSize) +
                  ", \"max_meta_name_length\": " + std::to_string(kMaxMetaNameLength) +
                  ", \"max_meta_value_length\": " + std::to_string(kMaxMetaValueLength) +
                  ", \"max_meta_count\": " + std::to_string(kMaxMetaCount) +
                  ", \"max_meta_overall_size\": " + std::to_string(kMaxMetaOverallSize) +
                  ", \"max_header_size\": 8192, \"max_object_name_length\": " + std::to_string(kMaxObjectNameLength) +
                  ", \"container_listing_limit\": " + std::to_string(kListingLimit) +
                  ", \"account_listing_limit\": " + std::to_string(kListingLimit) +
                  ", \"max_account_name_length\": 256, \"max_container_name_length\": " +
                  std::to_string(kMaxContainerNameLength) +
                  ", \"extra_header_count\": 0, \"valid_api_versions\": [\"v1\", \"v1.0\"]"
                  ", \"policies\": [{\"name\": \"Policy-0\", \"aliases\": \"Policy-0\", \"default\": true}]"
                  ", \"strict_cors_mode\": true, \"allow_account_management\": false, \"account_autocreate\": true}"
                  ", \"tempauth\": {\"account_acls\": true}, \"dlo\": {\"max_get_time\": 86400}"
                  ", \"slo\": {\"max_manifest_segments\": " + std::to_string(kSloMaxManifestSegments) +
                  ", \"max_manifest_size\": " + std::to_string(kSloMaxManifestSize) +
                  ", \"yield_frequency\": 10, \"min_segment_size\": 1, \"allow_async_delete\": false}";
  if (config_.tempurl) {
    j += ", \"tempurl\": {\"methods\": [";
    for (std::size_t i = 0; i < config_.tempurl_methods.size(); ++i)
      j += (i ? ", " : "") + json_quote(config_.tempurl_methods[i]);
    j += "], \"incoming_remove_headers\": [\"x-timestamp\", \"x-open-expired\"], \"incoming_allow_headers\": []"
         ", \"outgoing_remove_headers\": [\"x-object-meta-*\"], \"outgoing_allow_headers\": "
         "[\"x-object-meta-public-*\"], \"allowed_digests\": [\"sha1\", \"sha256\", \"sha512\"], \"deprecated_digests\": [\"sha1\"]}";
  }
  if (config_.bulk_delete) {
    j += ", \"bulk_delete\": {\"max_deletes_per_request\": " + std::to_string(config_.max_deletes_per_request) +
         ", \"max_failed_deletes\": 1000}";
  }
  j += "}";
  HttpResponse r;
  r.set_text(std::move(j), kJsonType);
  return r;
}

}  // namespace stalemate::sim::swift
