// Conditional requests as S3 evaluates them, on GET/HEAD (If-Match,
// If-Unmodified-Since, If-None-Match, If-Modified-Since) and on the source of
// CopyObject/UploadPartCopy (the same four behind "x-amz-copy-source-").
// As in RFC 7232 and S3's documentation, an ETag condition present makes its
// date partner irrelevant: If-Match true + If-Unmodified-Since false → 200;
// If-None-Match false + If-Modified-Since true → 304. Dates compare at the
// second, as Last-Modified shows them; an unparsable date is ignored.
#include <ctime>

#include "sim/s3/s3_service.h"

namespace stalemate::sim::s3 {

namespace {
bool etag_in_list(const std::string& list, const std::string& etag) {
  std::string_view rest(list);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string item = unquote_etag(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item == "*" || item == etag) return true;
  }
  return false;
}
}  // namespace

std::optional<std::int64_t> parse_http_date_seconds(const std::string& text) {
  // IMF-fixdate, then the obsolete RFC 850 and asctime forms HTTP still allows.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end && *end == '\0') return static_cast<std::int64_t>(timegm(&tm));
  }
  return std::nullopt;
}

Precondition evaluate_preconditions(const HttpRequest& req, const ObjectVersion& v, const std::string& prefix) {
  const std::int64_t modified_s = v.ts / 1000000;
  auto date = [&](const char* name) -> std::optional<std::int64_t> {
    const std::string h = prefix + name;
    return req.has_header(h) ? parse_http_date_seconds(req.header(h)) : std::nullopt;
  };
  if (req.has_header(prefix + "If-Match")) {
    if (!etag_in_list(req.header(prefix + "If-Match"), v.etag)) return Precondition::Failed;
  } else if (const auto since = date("If-Unmodified-Since"); since && modified_s > *since) {
    return Precondition::Failed;
  }
  if (req.has_header(prefix + "If-None-Match")) {
    if (etag_in_list(req.header(prefix + "If-None-Match"), v.etag)) return Precondition::NotModified;
  } else if (const auto since = date("If-Modified-Since"); since && modified_s <= *since) {
    return Precondition::NotModified;
  }
  return Precondition::Pass;
}

void check_copy_source_preconditions(const HttpRequest& req, const ObjectVersion& source) {
  // A copy has nothing to answer "not modified" with: every failed condition is a 412.
  if (evaluate_preconditions(req, source, "x-amz-copy-source-") != Precondition::Pass)
    fail(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
}

}  // namespace stalemate::sim::s3
