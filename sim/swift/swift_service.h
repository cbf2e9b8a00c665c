// The Swift front-end's engine behind SwiftFrontend's pimpl. Its handlers are
// spread over one file per job: routing (swift_frontend.cpp), TempAuth
// (tempauth.cpp), TempURL (tempurl.cpp), /info (swift_info.cpp), accounts
// (swift_account.cpp), containers (swift_container.cpp), listings
// (swift_listing.cpp), objects (swift_objects.cpp), server-side copy
// (swift_copy.cpp), DLO (dlo.cpp) and bulk delete (bulk_delete.cpp).
// Only the Store's public API is used. Every client request is bracketed with
// Store::begin_request/end_request; the model's RequestContext goes with every
// store call made for it, and its request-level faults (FAIL, CUT, EXPIRE)
// are applied here.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/http_types.h"
#include "sim/model/store.h"
#include "sim/protocol/serve.h"
#include "sim/swift/dlo.h"
#include "sim/swift/ranged_body.h"
#include "sim/swift/slo.h"
#include "sim/swift/swift_frontend.h"

namespace stalemate::sim::swift {

// /v1/<account>[/<container>[/<object>]]; the object name is the rest of the
// path verbatim (it may contain '/').
struct SwiftPath {
  std::string account;
  std::string container;
  std::string object;
};

// One storage request being served.
struct SwiftContext {
  const HttpRequest& req;
  SwiftPath path;
  std::int64_t now = 0;              // wall clock of the model, microseconds since the epoch
  RequestContext* model = nullptr;   // the store's context for this client request
  bool tempurl = false;              // authorised by a TempURL signature
  std::int64_t tempurl_expires = 0;  // seconds since the epoch
};

// TempAuth's issued tokens with the store time they were issued at. A token
// is void once the store's auth epoch (EXPIRE, /__stalemate/expire) moved
// past it; the client then gets 401 and must log in again.
class TokenStore {
 public:
  void add(const std::string& token, std::int64_t issued_us, std::int64_t epoch_us);
  bool valid(const std::string& token, std::int64_t epoch_now_us) const;

 private:
  struct Issued {
    std::int64_t at_us = 0;     // store time of issue
    std::int64_t epoch_us = 0;  // the auth epoch then
  };
  mutable std::mutex mu_;
  std::map<std::string, Issued> tokens_;
};

// Thread-safe random hex for tokens and transaction ids.
class RandomHex {
 public:
  RandomHex();
  std::string hex(std::size_t digits);
  void append_hex(std::string& out, std::size_t digits);  // the same digits hex() would return, appended

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
};

class SwiftService : public Protocol {
 public:
  SwiftService(Store& store, const SwiftConfig& config);

  HttpResponse handle(const HttpRequest& req);
  HttpResponse handle(HttpRequest&& req);  // served in place (sim/protocol/serve.h)
  std::optional<HttpResponse> precheck(const HttpRequest& req);
  HttpResponse protocol_error(int status, const std::string& message);
  void set_base_url(std::string base_url);
  std::string base_url() const;
  std::string storage_url() const;

 private:
  using Ctx = SwiftContext;

  // ---- the Protocol the shared request path (sim/protocol/serve.h) drives
  // The model's wall clock: the store's time since it started, on the wall
  // clock of its start (so virtual time moves it too).
  std::int64_t now_wall() const override;
  std::optional<HttpResponse> answer_before_rules(HttpRequest& req, std::int64_t now) override;
  RequestInfo request_info(const HttpRequest& req) const override;
  HttpResponse route(const HttpRequest& req, std::int64_t now, RequestContext& model) override;
  HttpResponse failure_response(const HttpRequest& req, int status, const std::string& detail,
                              const RequestContext* model) override;
  void finalize(const HttpRequest& req, HttpResponse& res, std::int64_t now, const RequestContext* model) override;

  // What is decided before any fault rule is matched: the path's syntax,
  // the method, the credential (token or TempURL, without EXPIRE, which
  // needs the rules) and the name limits. A response here is the answer and
  // the request never reaches the rule engine; nullopt lets it go on. Bulk
  // delete reports a refused token per name, in its body: `body_read` says
  // whether that body is there yet.
  std::optional<HttpResponse> refusal_before_rules(const HttpRequest& req, bool body_read);
  HttpResponse route_storage(const HttpRequest& req, std::int64_t now, RequestContext& model);

  // tempauth.cpp
  HttpResponse handle_auth(const HttpRequest& req);
  bool valid_login(const HttpRequest& req) const;  // X-Auth-User/X-Auth-Key (or X-Storage-*) match
  // nullopt when the request's token may act on `account`; else 401/403.
  std::optional<HttpResponse> check_token(const HttpRequest& req, const std::string& account,
                                          const RequestContext& model) const;
  int token_status(const HttpRequest& req, const std::string& account,
                   const RequestContext& model) const;  // 0, 401 or 403
  // A request without a token that the container's read ACL lets through.
  bool anonymous_read_allowed(const HttpRequest& req, const SwiftPath& path) const;

  // tempurl.cpp
  bool has_tempurl_query(const HttpRequest& req) const;
  std::optional<HttpResponse> check_tempurl(Ctx& ctx) const;
  void finish_tempurl_response(const Ctx& ctx, HttpResponse& res) const;

  // swift_info.cpp
  HttpResponse handle_info(const HttpRequest& req) const;

  // swift_account.cpp
  HttpResponse handle_account(const Ctx& ctx);
  std::optional<AccountStats> account_stats(const std::string& account);
  static HttpResponse write_failure(Store::WriteStatus status);  // 404 or 503
  void add_account_headers(HttpResponse& res, const AccountStats& stats) const;

  // swift_container.cpp
  HttpResponse handle_container(const Ctx& ctx);
  HttpResponse container_put(const Ctx& ctx);
  HttpResponse container_post(const Ctx& ctx);
  HttpResponse container_get_or_head(const Ctx& ctx);
  int delete_container_status(const std::string& account, const std::string& container);

  // swift_objects.cpp
  HttpResponse handle_object(const Ctx& ctx);
  HttpResponse object_get_or_head(const Ctx& ctx);
  HttpResponse object_put(const Ctx& ctx);
  HttpResponse object_post(const Ctx& ctx);
  int delete_object_status(const std::string& account, const std::string& container, const std::string& object,
                           RequestContext* model);
  void add_object_headers(HttpResponse& res, const ObjectVersion& v) const;

  // swift_copy.cpp
  HttpResponse object_copy_method(const Ctx& ctx);
  HttpResponse copy_object(const Ctx& ctx, const std::string& src_container, const std::string& src_object,
                           const std::string& dst_container, const std::string& dst_object);

  // dlo.cpp
  DloListing list_dlo_segments(const std::string& account, const std::string& manifest,
                               RequestContext* model) const;
  DloBody read_dlo_segments(const std::string& account, const DloListing& listing, std::uint64_t start,
                            std::uint64_t end, std::int64_t now, RequestContext* model) const;
  HttpResponse dlo_get_or_head(const Ctx& ctx, const ObjectVersion& manifest_version);

  // slo_service.cpp
  struct SloHead {  // what the manifest PUT's HEAD of a segment saw
    bool found = false;
    std::uint64_t size = 0;
    std::string etag;  // unquoted; a sub-SLO's slo etag
    std::string content_type;
    std::string last_modified;
    bool sub_slo = false;
  };
  SloHead slo_head_segment(const std::string& account, const std::string& path, std::int64_t now,
                           RequestContext* model) const;
  HttpResponse slo_put(const Ctx& ctx);
  SpanBody read_slo_span(const std::string& account, const std::vector<SloEntry>& entries, std::uint64_t start,
                         std::uint64_t end, std::int64_t now, RequestContext* model, int depth) const;
  HttpResponse slo_get_or_head(const Ctx& ctx, const ObjectVersion& manifest);
  HttpResponse slo_manifest_get(const Ctx& ctx, const ObjectVersion& manifest);  // ?multipart-manifest=get
  HttpResponse slo_delete(const Ctx& ctx);                                          // ?multipart-manifest=delete

  // bulk_delete.cpp
  bool is_bulk_delete(const HttpRequest& req) const;
  HttpResponse handle_bulk_delete(const HttpRequest& req, const std::string& account, RequestContext& model);

  Store& store_;
  const SwiftConfig config_;
  TokenStore tokens_;
  mutable RandomHex random_;
  mutable std::mutex mu_;
  std::string base_url_ = "http://127.0.0.1:8080";
  std::int64_t wall_at_store_start_us_ = 0;
};

// 401 with Swift's Www-Authenticate challenge (tempauth.cpp).
HttpResponse unauthorized(const std::string& realm);

// ---- helpers shared by several handlers (swift_objects.cpp)

// The X-Delete-At of a version has passed: the object server answers 404.
bool is_expired(const ObjectVersion& v, std::int64_t now_micros);
// Conditional GET/HEAD as swob evaluates it against the object's etag and
// Last-Modified (If-Match, If-None-Match, If-Unmodified-Since,
// If-Modified-Since, in that order): 412, 304 or nullopt to go on.
std::optional<int> check_conditions(const HttpRequest& req, const std::string& etag, Timestamp ts);
// The answer for a failed condition, from the response carrying the object's
// headers: a 304 keeps them all, a 412 only Etag, Last-Modified and
// X-Timestamp (text/html); both without a body.
HttpResponse finish_condition(int status, HttpResponse object);
// An SLO manifest (X-Static-Large-Object: True in its metadata).
bool is_slo_manifest(const ObjectVersion& v);

// A bulk delete's outcome and its body in the negotiated format (text/plain,
// JSON or XML), shared by ?bulk-delete and ?multipart-manifest=delete.
struct BulkDeleteResult {
  std::string status = "200 OK";
  std::string body;
  std::uint64_t deleted = 0;
  std::uint64_t not_found = 0;
  std::vector<std::pair<std::string, std::string>> errors;
};
std::string render_bulk_result(const BulkDeleteResult& res, const std::string& format);
// User and allowed system metadata of an object PUT (X-Object-Meta-*,
// Content-Disposition, Content-Encoding, X-Delete-At, X-Object-Manifest);
// nullopt + `error` filled on a constraint violation.
std::optional<Headers> object_metadata_from_request(const HttpRequest& req, std::int64_t now, HttpResponse& error);
// Swift's dlo middleware check of X-Object-Manifest on PUT.
bool valid_manifest_header(const std::string& value);

// ---- metadata updates for accounts and containers (swift_metadata.cpp)

// X-<Type>-Meta-* (and the container system headers) from a PUT/POST, with
// X-Remove-* turned into empty values (= remove). `error` is set and nullopt
// returned when Swift's metadata constraints are violated (400).
std::optional<Headers> metadata_changes(const HttpRequest& req, const std::string& type, HttpResponse& error);
// Copies non-empty stored metadata to the response.
void add_metadata_headers(HttpResponse& res, const Headers& metadata);

}  // namespace stalemate::sim::swift
