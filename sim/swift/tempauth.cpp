// TempAuth v1: GET /auth/v1.0 with X-Auth-User/X-Auth-Key hands out
// "AUTH_tk<32 hex>" tokens; /v1 requests need one (X-Auth-Token or
// X-Storage-Token). Unknown or missing token: 401; a token used on an account
// its user does not own: 403.
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

void TokenStore::add(const std::string& token) {
  std::lock_guard lock(mu_);
  tokens_.insert(token);
}

bool TokenStore::valid(const std::string& token) const {
  std::lock_guard lock(mu_);
  return tokens_.count(token) > 0;
}

void TokenStore::revoke_all() {
  std::lock_guard lock(mu_);
  tokens_.clear();
}

namespace {
HttpResponse unauthorized(const std::string& realm) {
  HttpResponse r = error_response(401);
  r.headers["Www-Authenticate"] = "Swift realm=\"" + realm + "\"";
  return r;
}
}  // namespace

HttpResponse SwiftService::handle_auth(const HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r = error_response(405);
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }
  std::string user = req.header("X-Storage-User");
  if (user.empty()) user = req.header("X-Auth-User");
  std::string key = req.header("X-Storage-Pass");
  if (key.empty()) key = req.header("X-Auth-Key");
  if (user.empty() || key.empty() || user != config_.user || key != config_.key) return unauthorized("unknown");

  const std::string token = "AUTH_tk" + random_.hex(32);
  tokens_.add(token);
  HttpResponse r;
  r.status = 200;
  r.headers["X-Storage-Url"] = storage_url();
  r.headers["X-Auth-Token"] = token;
  r.headers["X-Storage-Token"] = token;
  r.headers["X-Auth-Token-Expires"] = "86399";
  return r;
}

int SwiftService::token_status(const HttpRequest& req, const std::string& account) const {
  std::string token = req.header("X-Auth-Token");
  if (token.empty()) token = req.header("X-Storage-Token");
  if (token.empty() || !tokens_.valid(token)) return 401;
  if (account != config_.account) return 403;
  return 0;
}

std::optional<HttpResponse> SwiftService::check_token(const HttpRequest& req, const std::string& account) const {
  switch (token_status(req, account)) {
    case 0: return std::nullopt;
    case 403: return error_response(403);
    default: return unauthorized(account);
  }
}

}  // namespace stalemate::sim::swift
