// SwiftFrontend (the pimpl shell) and Swift's side of the shared request
// path (sim/protocol/serve.h): what is refused before the rules (path,
// method, token or TempURL, name limits), the router, the headers every
// response carries; the precheck and the server's error renderer.
#include "sim/swift/swift_frontend.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/time_format.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim {

struct SwiftFrontend::Impl {
  Impl(Store& store, const SwiftConfig& config) : service(store, config) {}
  swift::SwiftService service;
};

SwiftFrontend::SwiftFrontend(Store& store, SwiftConfig config)
    : impl_(std::make_unique<Impl>(store, config)), config_(std::move(config)) {}

SwiftFrontend::~SwiftFrontend() = default;

void SwiftFrontend::set_base_url(std::string base_url) { impl_->service.set_base_url(std::move(base_url)); }
std::string SwiftFrontend::auth_url() const { return impl_->service.base_url() + "/auth/v1.0"; }
std::string SwiftFrontend::storage_url() const { return impl_->service.storage_url(); }
HttpResponse SwiftFrontend::handle(const HttpRequest& request) { return impl_->service.handle(request); }
HttpResponse SwiftFrontend::handle(HttpRequest&& request) { return impl_->service.handle(std::move(request)); }
std::optional<HttpResponse> SwiftFrontend::precheck(const HttpRequest& request) {
  return impl_->service.precheck(request);
}
HttpResponse SwiftFrontend::protocol_error(int status, const std::string& message) {
  return impl_->service.protocol_error(status, message);
}

}  // namespace stalemate::sim

namespace stalemate::sim::swift {

RandomHex::RandomHex() {
  // One random_device for the process, read once: it seeds a generator whose
  // output seeds each front-end's (every property-test case builds one, and
  // eight random_device reads cost more than a small case's requests).
  static std::mutex seeder_mu;
  static std::mt19937_64 seeder = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  std::lock_guard lock(seeder_mu);
  rng_.seed(seeder());
}

std::string RandomHex::hex(std::size_t digits) {
  std::string out;
  append_hex(out, digits);
  return out;
}

void RandomHex::append_hex(std::string& out, std::size_t digits) {
  static const char* kHex = "0123456789abcdef";
  const std::size_t start = out.size();
  out.resize(start + digits);
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < digits;) {
    std::uint64_t v = rng_();
    for (int k = 0; k < 16 && i < digits; ++k, ++i, v >>= 4) out[start + i] = kHex[v & 15];
  }
}

SwiftService::SwiftService(Store& store, const SwiftConfig& config) : store_(store), config_(config) {
  // account_autocreate: the configured account exists from the start.
  store_.create_account(config_.account);
  wall_at_store_start_us_ = now_micros() - store_.now_us();
}

std::int64_t SwiftService::now_wall() const { return wall_at_store_start_us_ + store_.now_us(); }

void SwiftService::set_base_url(std::string base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  std::lock_guard lock(mu_);
  base_url_ = std::move(base_url);
}

std::string SwiftService::base_url() const {
  std::lock_guard lock(mu_);
  return base_url_;
}

std::string SwiftService::storage_url() const { return base_url() + "/v1/" + config_.account; }

namespace {
// "/v1/<account>/<container>/<object…>" into its parts (the object keeps its '/').
SwiftPath split_swift_path(std::string_view rest) {
  rest.remove_prefix(std::min<std::size_t>(rest.size(), 4));  // "/v1/"
  auto take = [&rest]() {
    const auto slash = rest.find('/');
    std::string piece(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    return piece;
  };
  SwiftPath path;
  path.account = take();
  path.container = take();
  path.object = std::string(rest);
  return path;
}
}  // namespace

RequestInfo SwiftService::request_info(const HttpRequest& req) const {
  RequestInfo info;
  info.protocol = "swift";
  info.method = req.method;
  if (req.path.rfind("/v1/", 0) != 0) return info;  // auth, /info, ...: no account
  const SwiftPath path = split_swift_path(req.path);
  info.account = path.account;
  info.container = path.container;
  info.object = path.object;
  if (is_bulk_delete(req)) {
    info.container.clear();
    info.object.clear();
  } else if (req.method == "GET" && !info.container.empty() && info.object.empty()) {
    info.is_listing = true;
    info.listing_prefix = req.query_value("prefix");
  }
  return info;
}

HttpResponse SwiftService::handle(const HttpRequest& req) { return serve(store_, *this, req); }
HttpResponse SwiftService::handle(HttpRequest&& req) { return serve(store_, *this, std::move(req)); }

std::optional<HttpResponse> SwiftService::answer_before_rules(HttpRequest& req, std::int64_t now) {
  auto early = refusal_before_rules(req, true);
  if (early) finalize(req, *early, now, nullptr);
  return early;
}

HttpResponse SwiftService::failure_response(const HttpRequest&, int status, const std::string& detail,
                                          const RequestContext*) {
  if (status == 500 && !detail.empty()) return swift::error_response(500, "Internal error: " + detail);
  return swift::error_response(status);
}

std::optional<HttpResponse> SwiftService::precheck(const HttpRequest& req) {
  try {
    auto early = refusal_before_rules(req, false);
    if (!early || early->status < 400) return std::nullopt;  // only refusals skip the body
    finalize(req, *early, now_wall(), nullptr);
    return early;
  } catch (...) {
    return std::nullopt;  // handle() decides and answers
  }
}

HttpResponse SwiftService::protocol_error(int status, const std::string& message) {
  HttpRequest none;
  none.method = "GET";
  HttpResponse res = swift::error_response(status, message.empty() ? std::string() : message + "\n");
  if (!message.empty()) res.headers["Content-Type"] = kPlainType;
  finalize(none, res, now_wall(), nullptr);
  return res;
}

void SwiftService::finalize(const HttpRequest& req, HttpResponse& res, std::int64_t now, const RequestContext*) {
  // "tx" + 21 random hex digits + "-" + the time in seconds as 10 hex digits
  // (at least: printf's %010llx), written in place (every response has one).
  std::string tx = "tx";
  random_.append_hex(tx, 21);
  tx += '-';
  static const char* kHex = "0123456789abcdef";
  char secs[16];
  char* end = secs + sizeof secs;
  char* p = end;
  for (auto v = static_cast<unsigned long long>(now / 1000000); v || end - p < 10; v >>= 4) *--p = kHex[v & 15];
  tx.append(p, end);
  res.headers.insert_or_assign("X-Trans-Id", tx);
  res.headers.insert_or_assign("X-Openstack-Request-Id", std::move(tx));
  res.headers.insert_or_assign("Date", http_date(now));
  // Swift never sends a body for HEAD; error bodies are never generated for it.
  apply_bodiless_rules(req, res, std::nullopt);
  if (res.headers.find("Content-Type") == res.headers.end()) res.headers["Content-Type"] = kHtmlType;
  // swob sends "Content-Length: 0" on 204 and 304 too (sim/server honours an explicit one there).
  if (res.status == 204 || res.status == 304) res.headers["Content-Length"] = "0";
}

HttpResponse SwiftService::route(const HttpRequest& req, std::int64_t now, RequestContext& model) {
  const std::string& p = req.path;
  if (p == "/info") return handle_info(req);
  if (p == "/healthcheck") {
    HttpResponse r;
    r.set_text("OK", kPlainType);
    return r;
  }
  if (p == "/auth/v1.0" || p == "/auth/v1.0/" || p == "/auth/v1" || p == "/auth/v1/") return handle_auth(req);
  if (p == "/auth" || p.rfind("/auth/", 0) == 0) return error_response(400);
  if (p == "/v1" || p.rfind("/v1/", 0) == 0) return route_storage(req, now, model);
  // Any other version path (/v1.0 included: tempauth answers only under
  // /auth/) is the proxy's "Bad URL".
  if (p.rfind("/v", 0) == 0 && p.size() > 2 && std::isdigit(static_cast<unsigned char>(p[2])))
    return error_response(412, "Bad URL");
  return error_response(404);
}

namespace {
enum class Level { Account, Container, Object };

const char* allowed_methods(Level level) {
  return level == Level::Object ? "COPY, DELETE, GET, HEAD, OPTIONS, POST, PUT"
                                : "DELETE, GET, HEAD, OPTIONS, POST, PUT";
}

bool method_known(Level level, const std::string& m) {
  if (m == "GET" || m == "HEAD" || m == "PUT" || m == "POST" || m == "DELETE" || m == "OPTIONS") return true;
  return level == Level::Object && m == "COPY";
}
}  // namespace

std::optional<HttpResponse> SwiftService::refusal_before_rules(const HttpRequest& req, bool body_read) {
  static const RequestContext kNoRules;  // what token_status sees before the rules: nothing expired yet
  const std::string& p = req.path;
  if (p == "/auth/v1.0" || p == "/auth/v1.0/" || p == "/auth/v1" || p == "/auth/v1/") {
    if (req.method != "GET" && req.method != "HEAD") return std::nullopt;  // route answers 405
    if (!valid_login(req)) return unauthorized("unknown");
    return std::nullopt;
  }
  if (p != "/v1" && p.rfind("/v1/", 0) != 0) return std::nullopt;  // /info, /healthcheck, 404s: no credential

  if (!valid_utf8_no_nul(p)) return error_response(412, "Invalid UTF8 or contains NULL");
  const SwiftPath path = split_swift_path(p);
  if (path.account.empty() || (path.container.empty() && !path.object.empty())) return error_response(412, "Bad URL");

  if (is_bulk_delete(req)) {
    if (token_status(req, path.account, kNoRules) == 0 || !body_read) return std::nullopt;
    RequestContext outside_model;  // a refused token never touches the store
    return handle_bulk_delete(req, path.account, outside_model);
  }
  const Level level = !path.object.empty() ? Level::Object : !path.container.empty() ? Level::Container : Level::Account;
  if (!method_known(level, req.method) || req.method == "OPTIONS") {
    RequestContext outside_model;  // answered from the path alone
    return route_storage(req, now_wall(), outside_model);
  }

  if (config_.tempurl && has_tempurl_query(req)) {
    Ctx ctx{req, path, now_wall(), nullptr};
    if (auto err = check_tempurl(ctx)) return err;
  } else if (auto err = check_token(req, path.account, kNoRules)) {
    if (!anonymous_read_allowed(req, path)) return err;
  }
  if (path.container.size() > kMaxContainerNameLength)
    return error_response(400, "Container name length of " + std::to_string(path.container.size()) + " longer than " +
                                   std::to_string(kMaxContainerNameLength));
  if (path.object.size() > kMaxObjectNameLength)
    return error_response(400, "Object name length of " + std::to_string(path.object.size()) + " longer than " +
                                   std::to_string(kMaxObjectNameLength));
  return std::nullopt;
}

HttpResponse SwiftService::route_storage(const HttpRequest& req, std::int64_t now, RequestContext& model) {
  if (!valid_utf8_no_nul(req.path)) return error_response(412, "Invalid UTF8 or contains NULL");
  const SwiftPath path = split_swift_path(req.path);
  if (path.account.empty() || (path.container.empty() && !path.object.empty())) return error_response(412, "Bad URL");

  if (is_bulk_delete(req)) return handle_bulk_delete(req, path.account, model);

  const Level level = !path.object.empty() ? Level::Object : !path.container.empty() ? Level::Container : Level::Account;
  if (!method_known(level, req.method)) {
    HttpResponse r = error_response(405);
    r.headers["Allow"] = allowed_methods(level);
    return r;
  }
  if (req.method == "OPTIONS") {
    HttpResponse r;
    r.headers["Allow"] = allowed_methods(level);
    return r;
  }

  // TempURL sits before TempAuth in Swift's pipeline: a request carrying
  // TempURL parameters is decided by them alone. It also rewrites the query
  // string to only its own parameters.
  std::optional<HttpRequest> filtered;
  if (config_.tempurl && has_tempurl_query(req)) {
    filtered = req;
    filtered->query.clear();
    for (const char* key : {"temp_url_sig", "temp_url_expires", "temp_url_prefix", "filename", "inline"}) {
      auto it = req.query.find(key);
      if (it != req.query.end()) filtered->query.insert(*it);
    }
  }
  Ctx ctx{filtered ? *filtered : req, std::move(path), now, &model};
  bool anonymous = false;  // let in by a container read ACL
  if (filtered) {
    // EXPIRE fired for this very request: it is refused whatever it carries.
    if (model.credentials_expired) return error_response(401);
    if (auto err = check_tempurl(ctx)) return std::move(*err);
  } else if (auto err = check_token(req, ctx.path.account, model)) {
    if (!anonymous_read_allowed(req, ctx.path)) return std::move(*err);
    anonymous = true;
  }

  HttpResponse res;
  switch (level) {
    case Level::Account: res = handle_account(ctx); break;
    case Level::Container: res = handle_container(ctx); break;
    case Level::Object: res = handle_object(ctx); break;
  }
  if (ctx.tempurl) finish_tempurl_response(ctx, res);
  // Not the owner: the proxy drops the owner-only headers (swift_owner_headers).
  if (anonymous)
    for (const char* h : {"X-Container-Read", "X-Container-Write", "X-Container-Sync-Key", "X-Container-Sync-To",
                          "X-Container-Meta-Temp-Url-Key", "X-Container-Meta-Temp-Url-Key-2",
                          "X-Account-Meta-Temp-Url-Key", "X-Account-Meta-Temp-Url-Key-2", "X-Account-Access-Control"})
      res.headers.erase(h);
  return res;
}

}  // namespace stalemate::sim::swift
