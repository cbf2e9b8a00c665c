// TempURL, as Swift's tempurl middleware: temp_url_sig/temp_url_expires on an
// object path authorise the request instead of a token when
// hex(HMAC(key, "<METHOD>\n<expires>\n/v1/<a>/<c>/<o>")) matches one of the
// account's or the container's Temp-Url-Key / Temp-Url-Key-2. HEAD accepts a
// HEAD, GET, POST or PUT signature. Responses lose X-Object-Meta-* (bar
// X-Object-Meta-Public-*) and GET/HEAD gain Content-Disposition and Expires.
// With temp_url_prefix=P the signature covers "prefix:/v1/<a>/<c>/P" and any
// object whose name starts with P. HMAC-SHA1, -SHA256 and -SHA512, as Swift
// 2.30's default allowed_digests.
#include <algorithm>
#include <ctime>

#include "common/crypto.h"
#include "common/url.h"
#include "common/time_format.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
HttpResponse invalid(const HttpRequest& req) {
  // tempurl's _invalid: 401 with a short text body (none for HEAD).
  return error_response(401, req.method == "HEAD" ? std::string() : "401 Unauthorized: Temp URL invalid\n");
}

// normalize_temp_url_expires: an integer, or ISO 8601 "%Y-%m-%dT%H:%M:%SZ";
// 0 when unparseable or already past.
std::int64_t normalize_expires(const std::string& value, std::int64_t now_secs) {
  std::int64_t expires = 0;
  if (auto n = parse_uint(value)) {
    expires = *n > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(*n);
  } else {
    std::tm tm{};
    const char* end = strptime(value.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end && *end == '\0') expires = static_cast<std::int64_t>(timegm(&tm));
  }
  return expires < now_secs ? 0 : expires;
}

void add_keys(const Headers& meta, const char* prefix, std::vector<std::string>& keys) {
  for (const char* suffix : {"Temp-Url-Key", "Temp-Url-Key-2"}) {
    auto it = meta.find(std::string(prefix) + suffix);
    if (it != meta.end() && !it->second.empty()) keys.push_back(it->second);
  }
}

// A signature as Swift's extract_digest_and_algorithm reads it: "<hex>" (40
// digits sha1, 64 sha256, 128 sha512) or "<algorithm>:<base64>" (standard or
// URL-safe, not both; padding optional). Besides, the HP Cloud form
// "<tenant>:<access key>:<hex>" that the registry's driver writes when it has
// an access key. nullopt: not a signature (401).
struct Signature {
  std::string algorithm, hex;
};
std::optional<Signature> parse_signature(const std::string& sig) {
  const auto colon = sig.find(':');
  if (colon != std::string::npos) {
    const std::string algorithm = sig.substr(0, colon);
    if (algorithm == "sha1" || algorithm == "sha256" || algorithm == "sha512") {
      const std::string encoded = sig.substr(colon + 1);
      const bool url_safe = encoded.find_first_of("-_") != std::string::npos;
      if (url_safe && encoded.find_first_of("+/") != std::string::npos) return std::nullopt;
      const auto raw = base64_decode(encoded);
      if (!raw) return std::nullopt;
      return Signature{algorithm, to_hex(*raw)};
    }
    return parse_signature(sig.substr(sig.rfind(':') + 1));  // HP Cloud
  }
  if (sig.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return std::nullopt;
  switch (sig.size()) {
    case 40: return Signature{"sha1", sig};
    case 64: return Signature{"sha256", sig};
    case 128: return Signature{"sha512", sig};
    default: return std::nullopt;
  }
}

std::string hmac_hex(const std::string& algorithm, const std::string& key, const std::string& message) {
  if (algorithm == "sha1") return hmac_sha1_hex(key, message);
  if (algorithm == "sha256") return to_hex(hmac_sha256_raw(key, message));
  return to_hex(hmac_sha512_raw(key, message));
}

std::string disposition(const std::string& type, const std::string& filename) {
  return type + "; filename=\"" + percent_encode_except(filename, " /") + "\"; filename*=UTF-8''" + percent_encode_except(filename, "/");
}
}  // namespace

bool SwiftService::has_tempurl_query(const HttpRequest& req) const {
  return req.has_query("temp_url_sig") || req.has_query("temp_url_expires");
}

std::optional<HttpResponse> SwiftService::check_tempurl(Ctx& ctx) const {
  const HttpRequest& req = ctx.req;
  const std::string sig_text = req.query_value("temp_url_sig");
  const std::int64_t expires = normalize_expires(req.query_value("temp_url_expires"), ctx.now / 1000000);
  if (sig_text.empty() || expires == 0) return invalid(req);
  const auto sig = parse_signature(sig_text);
  if (!sig) return invalid(req);

  bool method_allowed = false;
  for (const auto& m : config_.tempurl_methods) method_allowed = method_allowed || m == req.method;
  if (!method_allowed || ctx.path.container.empty() || ctx.path.object.empty()) return invalid(req);

  std::vector<std::string> keys;
  if (auto account = store_.account(ctx.path.account)) add_keys(account->metadata, "X-Account-Meta-", keys);
  if (auto container = store_.container(ctx.path.account, ctx.path.container, ctx.model))
    add_keys(container->metadata, "X-Container-Meta-", keys);
  if (keys.empty()) return invalid(req);

  // A prefix-based TempURL (temp_url_prefix) signs "prefix:/v1/<a>/<c>/<prefix>"
  // and covers every object whose name starts with the prefix.
  const bool prefix_based = req.has_query("temp_url_prefix");
  const std::string prefix = req.query_value("temp_url_prefix");
  if (prefix_based && ctx.path.object.compare(0, prefix.size(), prefix) != 0) return invalid(req);
  const std::string container_path = "/v1/" + ctx.path.account + "/" + ctx.path.container + "/";
  const std::string path =
      prefix_based ? "prefix:" + container_path + prefix : container_path + ctx.path.object;
  std::vector<std::string> methods{req.method};
  if (req.method == "HEAD") methods = {"HEAD", "GET", "POST", "PUT"};
  bool ok = false;
  for (const auto& key : keys) {
    for (const auto& method : methods) {
      const std::string message = method + "\n" + std::to_string(expires) + "\n" + path;
      ok = ok || hmac_hex(sig->algorithm, key, message) == sig->hex;
    }
  }
  if (!ok) return invalid(req);

  // disallowed_headers: a PUT/POST TempURL may not create a DLO pointer.
  if (req.method != "GET" && req.method != "HEAD" && req.has_header("X-Object-Manifest"))
    return error_response(400, "The header 'X-Object-Manifest' is not allowed in this tempurl");

  ctx.tempurl = true;
  ctx.tempurl_expires = expires;
  return std::nullopt;
}

void SwiftService::finish_tempurl_response(const Ctx& ctx, HttpResponse& res) const {
  for (auto it = res.headers.begin(); it != res.headers.end();) {
    if (istarts_with(it->first, "X-Object-Meta-") && !istarts_with(it->first, "X-Object-Meta-Public-"))
      it = res.headers.erase(it);
    else
      ++it;
  }
  const std::string& method = ctx.req.method;
  if ((method != "GET" && method != "HEAD") || res.status < 200 || res.status >= 300) return;
  const std::string filename = ctx.req.query_value("filename");
  std::string value;
  if (ctx.req.has_query("inline")) {
    value = filename.empty() ? std::string("inline") : disposition("inline", filename);
  } else if (!filename.empty()) {
    value = disposition("attachment", filename);
  } else if (auto it = res.headers.find("Content-Disposition"); it != res.headers.end()) {
    value = it->second;
  } else {
    std::string name = ctx.path.object;
    while (!name.empty() && name.back() == '/') name.pop_back();
    const auto slash = name.rfind('/');
    value = disposition("attachment", slash == std::string::npos ? name : name.substr(slash + 1));
  }
  for (auto& c : value)
    if (c == '\n') c = ' ';
  res.headers["Content-Disposition"] = value;
  // Expiries may be any integer (Swift's are Python ints): the header is capped
  // at the last second of year 9999 so the microsecond conversion cannot overflow.
  constexpr std::int64_t kLastHttpDate = 253402300799;
  res.headers["Expires"] = http_date(std::min(ctx.tempurl_expires, kLastHttpDate) * 1000000);
}

}  // namespace stalemate::sim::swift
