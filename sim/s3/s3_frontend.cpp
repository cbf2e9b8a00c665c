// S3Frontend (the pimpl shell) and S3's side of the shared request path
// (sim/protocol/serve.h): bucket/key from the path or the virtual host, the
// refusals before the rules (SigV4, names, payload), the operation from
// method and sub-resources, FAIL and EXPIRE as <Error> documents, the
// headers every response carries; the precheck and the error renderer.
#include "sim/s3/s3_frontend.h"

#include <algorithm>
#include <cstdio>

#include "common/crypto.h"
#include "common/time_format.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim {

struct S3Frontend::Impl {
  Impl(Store& store, const S3Config& config) : service(store, config) {}
  s3::S3Service service;
};

S3Frontend::S3Frontend(Store& store, S3Config config) : impl_(std::make_unique<Impl>(store, config)) {}
S3Frontend::~S3Frontend() = default;
HttpResponse S3Frontend::handle(const HttpRequest& request) { return impl_->service.handle(request); }
std::optional<HttpResponse> S3Frontend::precheck(const HttpRequest& request) { return impl_->service.precheck(request); }
HttpResponse S3Frontend::protocol_error(int status, const std::string& message) {
  return impl_->service.protocol_error(status, message);
}
const S3Config& S3Frontend::config() const { return impl_->service.config(); }

}  // namespace stalemate::sim

namespace stalemate::sim::s3 {

namespace {
// Sub-resources S3 has and this fake does not implement: 501.
// (acl, tagging, versioning and versions are answered in s3_subresources.cpp.)
constexpr const char* kUnsupported[] = {
    "policy",     "lifecycle",      "cors",      "website",   "logging",       "notification",
    "replication", "encryption",    "torrent",   "restore",   "select",        "object-lock",
    "retention",  "legal-hold",     "accelerate", "requestPayment", "analytics", "inventory",
    "metrics",    "intelligent-tiering", "ownershipControls", "publicAccessBlock", "policyStatus", "attributes"};

S3Error fault_error(int status, bool object) {
  switch (status) {
    case 500: return {500, "InternalError", "We encountered an internal error. Please try again."};
    case 503: return {503, "SlowDown", "Please reduce your request rate."};
    case 429: return {429, "SlowDown", "Please reduce your request rate."};
    case 404:
      return object ? S3Error{404, "NoSuchKey", "The specified key does not exist."}
                    : S3Error{404, "NoSuchBucket", "The specified bucket does not exist"};
    case 403: return {403, "AccessDenied", "Access Denied"};
    case 400: return {400, "InvalidRequest", "Invalid Request"};
    case 409: return {409, "OperationAborted", "A conflicting conditional operation is currently in progress."};
    case 501: return {501, "NotImplemented", "A header you provided implies functionality that is not implemented"};
    default: {
      std::string code = reason_phrase(status);
      code.erase(std::remove(code.begin(), code.end(), ' '), code.end());
      return {status, code.empty() ? "InternalError" : code, reason_phrase(status)};
    }
  }
}
}  // namespace

S3Service::S3Service(Store& store, const S3Config& config) : store_(store), config_(config) {
  store_.create_account(config_.account);
  wall_at_store_start_us_ = clients_clock_us() - store_.now_us();
}

std::int64_t S3Service::now_wall() const { return wall_at_store_start_us_ + store_.now_us(); }

S3Service::Target S3Service::parse_target(const HttpRequest& req) const {
  Target t;
  std::string host = req.has_header("Host") ? req.header("Host") : req.host;
  if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos)
    host.resize(colon);
  host = to_lower(host);
  std::string_view path(req.path);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const std::string suffix = "." + to_lower(config_.domain);
  if (!config_.domain.empty() && host.size() > suffix.size() &&
      host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0) {
    t.bucket = host.substr(0, host.size() - suffix.size());
    t.key = std::string(path);
    return t;
  }
  const auto slash = path.find('/');
  t.bucket = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) t.key = std::string(path.substr(slash + 1));
  return t;
}

RequestInfo S3Service::request_info(const HttpRequest& req, const Target& t) const {
  RequestInfo info;
  info.protocol = "s3";
  info.method = req.method;
  info.account = config_.account;
  info.container = t.bucket;
  info.object = t.key;
  if (req.method == "GET" && !t.bucket.empty()) {
    const bool bucket_setting = req.has_query("location") || req.has_query("versioning") || req.has_query("acl") ||
                                req.has_query("tagging");
    if (t.key.empty() && !bucket_setting) {
      info.is_listing = true;  // ListObjects v1/v2, ListObjectVersions, ListMultipartUploads
      info.listing_prefix = req.query_value("prefix");
    } else if (!t.key.empty() && req.has_query("uploadId")) {
      info.is_listing = true;  // ListParts
    }
  }
  return info;
}

HttpResponse S3Service::refusal(const HttpRequest& req, const S3Error& e) {
  // Ids of refused requests are drawn apart from the model's (which derive
  // from its request sequence), so refusing leaves the model's replay intact.
  char id[32];
  std::snprintf(id, sizeof id, "%016llX",
                static_cast<unsigned long long>((++refused_ | 1ull << 63) * 0x9E3779B97F4A7C15ull ^ store_.seed()));
  HttpResponse res = xml_response(error_document(e.code, e.message, req.path, id), e.status);
  finalize_with_id(req, res, id, now_wall());
  return res;
}

std::optional<HttpResponse> S3Service::precheck(const HttpRequest& in) {
  try {
    const Target target = parse_target(in);
    verify_signature(in, now_wall());
    check_names(in, target);
    return std::nullopt;
  } catch (const S3Error& e) {
    return refusal(in, e);
  } catch (...) {
    return std::nullopt;  // handle() decides and answers
  }
}

HttpResponse S3Service::protocol_error(int status, const std::string& message) {
  HttpRequest none;
  none.method = "GET";
  S3Error e{status, "BadRequest", message};
  switch (status) {
    case 408: e.code = "RequestTimeout"; break;
    case 411: e.code = "MissingContentLength"; break;
    case 413: e.code = "EntityTooLarge"; break;
    case 414: e.code = "RequestURITooLong"; break;
    case 431: e.code = "RequestHeaderSectionTooLarge"; break;
    case 503: e = fault_error(503, false); break;
    default: break;
  }
  if (e.message.empty()) e.message = reason_phrase(status);
  return refusal(none, e);
}

HttpResponse S3Service::handle(const HttpRequest& req) { return serve(store_, *this, req); }

std::optional<HttpResponse> S3Service::answer_before_rules(HttpRequest& req, std::int64_t now) {
  try {
    const Authenticated auth = verify_signature(req, now);
    check_names(req, parse_target(req));
    verify_payload(req, auth);
    return std::nullopt;
  } catch (const S3Error& e) {
    return refusal(req, e);
  }
}

RequestInfo S3Service::request_info(const HttpRequest& req) const { return request_info(req, parse_target(req)); }

std::string S3Service::request_id(const RequestContext* model) const {
  if (!model) return "0000000000000000";
  char id[32];
  std::snprintf(id, sizeof id, "%016llX",
                static_cast<unsigned long long>(model->seq * 0x9E3779B97F4A7C15ull ^ store_.seed()));
  return id;
}

HttpResponse S3Service::error_document_response(const HttpRequest& req, const S3Error& e,
                                                const RequestContext* model) const {
  HttpResponse res = xml_response(error_document(e.code, e.message, req.path, request_id(model)), e.status);
  // S3 reports some failures of Copy and Complete as 200 with an <Error> body.
  if (model && model->fail_status && model->fail_error_in_200 && e.status == *model->fail_status) res.status = 200;
  return res;
}

HttpResponse S3Service::route(const HttpRequest& req, std::int64_t now, RequestContext& model) {
  const Target target = parse_target(req);
  try {
    // EXPIRE fired for this request: its valid credential now counts as expired.
    if (model.credentials_expired) fail(400, "ExpiredToken", "The provided token has expired.");
    Ctx ctx{req, target.bucket, target.key, now, &model, request_id(&model)};
    return route(ctx);
  } catch (const S3Error& e) {
    return error_document_response(req, e, &model);
  }
}

HttpResponse S3Service::failure_response(const HttpRequest& req, int status, const std::string& detail,
                                         const RequestContext* model) {
  if (status == 500 && !detail.empty())
    return error_document_response(req, {500, "InternalError", "We encountered an internal error: " + detail}, model);
  return error_document_response(req, fault_error(status, !parse_target(req).key.empty()), model);
}

void S3Service::finalize(const HttpRequest& req, HttpResponse& res, std::int64_t now, const RequestContext* model) {
  finalize_with_id(req, res, request_id(model), now);
}

void S3Service::finalize_with_id(const HttpRequest& req, HttpResponse& res, const std::string& request_id,
                                 std::int64_t now) const {
  res.headers["x-amz-request-id"] = request_id;
  res.headers["x-amz-id-2"] = base64_encode(sha256_raw(request_id + "/" + config_.account));
  res.headers["Date"] = http_date(now);
  res.headers["Server"] = "AmazonS3";
  // No body for HEAD: a success announces the length GET would have had; an error has no body at all.
  apply_bodiless_rules(req, res, 0);
}

HttpResponse S3Service::route(Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const std::string& m = req.method;
  for (const char* sub : kUnsupported)
    if (req.has_query(sub)) fail(501, "NotImplemented", std::string("The ") + sub + " sub-resource is not implemented");

  if (ctx.bucket.empty()) {
    if (m == "GET") return list_buckets(ctx);
    fail(501, "NotImplemented", "This operation is not implemented on the service");
  }

  if (ctx.key.empty()) {
    if (auto r = bucket_subresource(ctx)) return std::move(*r);
    if (m == "PUT") return put_bucket(ctx);
    if (m == "HEAD") return head_bucket(ctx);
    if (m == "DELETE") return delete_bucket(ctx);
    if (m == "GET") {
      if (req.has_query("uploads")) return list_uploads(ctx);
      if (req.has_query("location")) return bucket_location(ctx);
      return list_objects(ctx);
    }
    if (m == "POST" && req.has_query("delete")) return delete_objects(ctx);
    fail(501, "NotImplemented", "This bucket operation is not implemented");
  }

  // Every object is its "null" version (no versioning): another version id does not exist.
  if (req.has_query("versionId") && req.query_value("versionId") != "null")
    fail(400, "InvalidArgument", "Invalid version id specified");
  if (auto r = object_subresource(ctx)) return std::move(*r);
  if (m == "PUT") {
    if (req.has_query("uploadId") || req.has_query("partNumber")) return upload_part(ctx);
    if (req.has_header("x-amz-copy-source")) return copy_object(ctx);
    return put_object(ctx);
  }
  if (m == "GET" && req.has_query("uploadId")) return list_parts(ctx);
  if (m == "GET" || m == "HEAD") return get_object(ctx);
  if (m == "DELETE") return req.has_query("uploadId") ? abort_upload(ctx) : delete_object(ctx);
  if (m == "POST") {
    if (req.has_query("uploads")) return create_upload(ctx);
    if (req.has_query("uploadId")) return complete_upload(ctx);
  }
  fail(501, "NotImplemented", "This object operation is not implemented");
}

}  // namespace stalemate::sim::s3
