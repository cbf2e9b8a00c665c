// TempAuth v1: GET /auth/v1.0 with X-Auth-User/X-Auth-Key hands out
// "AUTH_tk<32 hex>" tokens; /v1 requests need one (X-Auth-Token or
// X-Storage-Token). Unknown, missing or expired token: 401; a token used on
// an account its user does not own: 403. Tokens expire when the store's auth
// epoch moves past them (EXPIRE rules, the control endpoint).
#include "sim/swift/acl.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

void TokenStore::add(const std::string& token, std::int64_t issued_us, std::int64_t epoch_us) {
  std::lock_guard lock(mu_);
  tokens_[token] = Issued{issued_us, epoch_us};
}

bool TokenStore::valid(const std::string& token, std::int64_t epoch_now_us) const {
  std::lock_guard lock(mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return false;
  // Issued after the last expiry, or no expiry since it was issued (under
  // virtual time both can happen at the same store time).
  return it->second.at_us > epoch_now_us || it->second.epoch_us == epoch_now_us;
}

HttpResponse unauthorized(const std::string& realm) {
  HttpResponse r = error_response(401);
  r.headers["Www-Authenticate"] = "Swift realm=\"" + realm + "\"";
  return r;
}

bool SwiftService::valid_login(const HttpRequest& req) const {
  std::string user = req.header("X-Storage-User");
  if (user.empty()) user = req.header("X-Auth-User");
  std::string key = req.header("X-Storage-Pass");
  if (key.empty()) key = req.header("X-Auth-Key");
  return !user.empty() && !key.empty() && user == config_.user && key == config_.key;
}

HttpResponse SwiftService::handle_auth(const HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r = error_response(405);
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }
  if (!valid_login(req)) return unauthorized("unknown");

  const std::string token = "AUTH_tk" + random_.hex(32);
  tokens_.add(token, store_.now_us(), store_.auth_epoch_us());
  HttpResponse r;
  r.status = 200;
  r.headers["X-Storage-Url"] = storage_url();
  r.headers["X-Auth-Token"] = token;
  r.headers["X-Storage-Token"] = token;
  r.headers["X-Auth-Token-Expires"] = "86399";
  return r;
}

int SwiftService::token_status(const HttpRequest& req, const std::string& account,
                               const RequestContext& model) const {
  // Looked up in place: a token is longer than a short string, and every request carries one.
  static const std::string kNone;
  auto value = [&req](const char* name) -> const std::string& {
    const auto it = req.headers.find(name);
    return it == req.headers.end() ? kNone : it->second;
  };
  const std::string& auth = value("X-Auth-Token");
  const std::string& token = auth.empty() ? value("X-Storage-Token") : auth;
  if (model.credentials_expired || token.empty() || !tokens_.valid(token, store_.auth_epoch_us())) return 401;
  if (account != config_.account) return 403;
  return 0;
}

std::optional<HttpResponse> SwiftService::check_token(const HttpRequest& req, const std::string& account,
                                                      const RequestContext& model) const {
  switch (token_status(req, account, model)) {
    case 0: return std::nullopt;
    case 403: return error_response(403);
    default: return unauthorized(account);
  }
}

bool SwiftService::anonymous_read_allowed(const HttpRequest& req, const SwiftPath& path) const {
  // tempauth.authorize for a request without a token: the container's read
  // ACL lets in a GET or HEAD whose Referer passes its ".r:" rules (".r:*":
  // anyone); listing the container also needs ".rlistings" (sim/swift/acl.h).
  if (!req.header("X-Auth-Token").empty() || !req.header("X-Storage-Token").empty()) return false;
  if ((req.method != "GET" && req.method != "HEAD") || path.container.empty()) return false;
  const auto container = store_.container(path.account, path.container);
  if (!container) return false;
  const auto acl = container->metadata.find("X-Container-Read");
  if (acl == container->metadata.end()) return false;
  return acl_allows_anonymous_read(acl->second, req.header("Referer"), path.object.empty());
}

}  // namespace stalemate::sim::swift
