// Bulk delete (Swift's bulk middleware): DELETE or POST /v1/<account>?bulk-delete
// with a text/plain body of URL-encoded "/<container>/<object>" or
// "/<container>" lines. The middleware sits before authentication, so the
// HTTP status is always 200 and every failure (an invalid token included) is
// reported per item inside the body, as ncw/swift parses it.
#include <algorithm>

#include "common/url.h"
#include "sim/swift/swift_listing.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
// Python's urllib unquote: bad escapes are kept as they are.
std::string lenient_unquote(std::string_view s) {
  if (auto d = percent_decode(s, false)) return *d;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string strip_slashes(const std::string& s) {
  const auto b = s.find_first_not_of('/');
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of('/') - b + 1);
}

constexpr std::size_t kMaxFailedDeletes = 1000;
constexpr std::size_t kMaxPathLength = kMaxObjectNameLength + kMaxContainerNameLength + 2;
}  // namespace

std::string render_bulk_result(const BulkDeleteResult& res, const std::string& format) {
  return bulk_response_body(format,
                            {{"Response Status", res.status},
                             {"Response Body", res.body},
                             {"Number Deleted", std::to_string(res.deleted), true},
                             {"Number Not Found", std::to_string(res.not_found), true}},
                            res.errors, "delete");
}

bool SwiftService::is_bulk_delete(const HttpRequest& req) const {
  return config_.bulk_delete && req.has_query("bulk-delete") && (req.method == "DELETE" || req.method == "POST");
}

HttpResponse SwiftService::handle_bulk_delete(const HttpRequest& req, const std::string& account,
                                              RequestContext& model) {
  const std::string format =
      best_match(req.header("Accept"), acceptable_formats());
  BulkDeleteResult result;
  auto fail = [&result](int status, std::string body = {}) {
    result.status = status_line(status);
    result.body = std::move(body);
  };

  [&] {
    if (format.empty()) return fail(406);
    const std::string content_type = req.header("Content-Type");
    if (!content_type.empty() && content_type.rfind("text/plain", 0) != 0) return fail(406);
    if (!req.has_header("Content-Length") && !iequals(req.header("Transfer-Encoding"), "chunked")) return fail(411);

    // Every newline-terminated line counts towards the limit, blank or not;
    // the unterminated tail only when it holds a name.
    std::vector<std::string> names;
    const std::string text = req.body.str();
    std::string_view body(text);
    while (true) {
      const auto nl = body.find('\n');
      const std::string_view line = body.substr(0, nl);
      if (line.size() > kMaxPathLength * 2) return fail(400, "Invalid File Name");
      std::string name = lenient_unquote(strip_space(line));
      if (nl != std::string_view::npos || !name.empty()) names.push_back(std::move(name));
      if (names.size() > static_cast<std::size_t>(std::max(0, config_.max_deletes_per_request)))
        return fail(413, "Maximum Bulk Deletes: " + std::to_string(config_.max_deletes_per_request) + " per request");
      if (nl == std::string_view::npos) break;
      body.remove_prefix(nl + 1);
    }

    const int auth = token_status(req, account, model);
    bool bad_gateway = false;
    // Objects first, then containers.
    for (const bool objects : {true, false}) {
      for (const auto& name : names) {
        if (name.empty()) continue;
        const std::string inner = strip_slashes(name);
        if ((inner.find('/') != std::string::npos) != objects) continue;
        const std::string quoted = percent_encode(name, true);
        std::string rel = name.substr(std::min(name.find_first_not_of('/'), name.size()));
        if (!valid_utf8_no_nul("/v1/" + account + "/" + rel)) {
          result.errors.emplace_back(quoted, status_line(412));
        } else {
          int status = auth;
          if (status == 0) {
            const auto slash = rel.find('/');
            const std::string container = rel.substr(0, slash);
            const std::string object = slash == std::string::npos ? std::string() : rel.substr(slash + 1);
            if (container.empty()) status = 412;  // "Bad URL"
            else if (object.empty()) status = delete_container_status(account, container);
            else status = delete_object_status(account, container, object, &model);
          }
          if (status / 100 == 2) {
            ++result.deleted;
          } else if (status == 404) {
            ++result.not_found;
          } else {
            bad_gateway = bad_gateway || status / 100 == 5;
            result.errors.emplace_back(quoted, status_line(status));
          }
        }
        if (result.errors.size() >= kMaxFailedDeletes) return fail(400, "Max delete failures exceeded");
      }
    }
    if (!result.errors.empty()) {
      result.status = status_line(bad_gateway ? 502 : 400);
    } else if (result.deleted == 0 && result.not_found == 0) {
      fail(400, "Invalid bulk delete.");
    }
  }();

  HttpResponse r;
  r.set_text(render_bulk_result(result, format), format.empty() ? std::string(kPlainType) : format);
  return r;
}

}  // namespace stalemate::sim::swift
