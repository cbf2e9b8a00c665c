// Small helpers shared by the Swift front-end's handlers: Swift-style error
// responses, header-name and value conventions, JSON/XML text escaping and
// number parsing. No state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_types.h"
#include "common/xml.h"

namespace stalemate::sim::swift {

inline constexpr std::size_t kMaxObjectNameLength = 1024;
inline constexpr std::size_t kMaxContainerNameLength = 256;
inline constexpr std::size_t kListingLimit = 10000;  // CONTAINER_LISTING_LIMIT / ACCOUNT_LISTING_LIMIT
inline constexpr std::uint64_t kMaxFileSize = 5368709122ull;  // Swift's MAX_FILE_SIZE
inline constexpr std::size_t kMaxMetaNameLength = 128;
inline constexpr std::size_t kMaxMetaValueLength = 256;
inline constexpr std::size_t kMaxMetaCount = 90;
inline constexpr std::size_t kMaxMetaOverallSize = 4096;

inline constexpr const char* kHtmlType = "text/html; charset=UTF-8";
inline constexpr const char* kJsonType = "application/json; charset=utf-8";
inline constexpr const char* kPlainType = "text/plain; charset=utf-8";
inline constexpr const char* kXmlType = "application/xml; charset=utf-8";

// "404 Not Found" (the status strings bulk delete reports).
std::string status_line(int status);
// A response as swob builds it: the given body, or swob's default HTML body
// for the status when `body` is empty.
HttpResponse error_response(int status, std::string body = {});
// The body swob writes for an error answered without one (what error_response(status) carries).
std::string swob_default_body(int status);
// "<title>\n<explanation>" of swob's RESPONSE_REASONS (what bulk and slo.py report for an empty error body).
std::string swob_reason_text(int status);

// One entry of the dict bulk.get_response_body renders; JSON writes a number unquoted.
struct ResponseField {
  std::string key, value;
  bool number = false;
};
// Swift's bulk.get_response_body, which bulk delete, the SLO delete and the SLO
// heartbeat answer share: JSON keeps the fields' order and adds "Errors" (a
// list of [name, status]); XML (<root_tag>, keys lowercased with '_' for ' ')
// and text (the default) sort the fields by key and end with the errors.
std::string bulk_response_body(const std::string& format, std::vector<ResponseField> fields,
                               const std::vector<std::pair<std::string, std::string>>& errors,
                               const std::string& root_tag);

// Items of a comma-separated header value (ACLs, If-Match lists), each
// trimmed of spaces: true as soon as `pred` is true for one.
template <class Pred>
bool any_list_item(std::string_view rest, Pred pred) {
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (pred(item)) return true;
  }
  return false;
}

// Python's str.strip(): ASCII whitespace off both ends.
std::string_view strip_space(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
// Python's str.title() as Swift applies it to stored header names:
// "x-object-meta-foo" -> "X-Object-Meta-Foo".
std::string title_case(std::string_view s);
// Swift's config_true_value: true, 1, yes, on, t, y (any case).
bool config_true(std::string_view value);
// check_utf8: valid UTF-8 without NUL bytes.
bool valid_utf8_no_nul(std::string_view s);

// Digits only; nullopt on anything else or on overflow.
std::optional<std::uint64_t> parse_uint(std::string_view s);

// A JSON string literal, with non-ASCII escaped as \uXXXX as Python's
// json.dumps does by default (invalid UTF-8 bytes become U+FFFD).
std::string json_quote(std::string_view s);
void append_json_quoted(std::string& out, std::string_view s);  // json_quote(s), appended

// Last-Modified: Swift rounds the X-Timestamp up to the next whole second.
std::string last_modified_header(std::int64_t ts_micros);

// An HTTP date (RFC 1123 "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 or asctime)
// in seconds since the epoch; nullopt when absent or unparsable (swob then
// ignores the header).
std::optional<std::int64_t> parse_http_date(const std::string& value);

// Strips surrounding double quotes from an etag and lower-cases it.
std::string normalize_etag(std::string_view etag);

}  // namespace stalemate::sim::swift
