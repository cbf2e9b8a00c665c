// Percent-encoding and query strings, as Swift and S3 clients send them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stalemate {

// Decodes %XX escapes; with plus_is_space, '+' becomes ' ' (form/query style).
// Returns nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);
// Encodes everything but unreserved characters (RFC 3986) and those in
// also_safe, as %XX with upper-case hex.
std::string percent_encode_except(std::string_view in, std::string_view also_safe);
// The same, keeping '/' when asked.
std::string percent_encode(std::string_view in, bool keep_slash);
// "a=1&b&c=x%2Fy" -> {a:1, b:"", c:"x/y"}; nullopt on a malformed escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view raw);

struct ParsedUrl {
  std::string scheme;  // "http"
  std::string host;    // "127.0.0.1"
  std::string port;    // "8080" (defaulted from the scheme when absent)
  std::string target;  // "/path?query", at least "/"
};
std::optional<ParsedUrl> parse_url(std::string_view url);

}  // namespace stalemate
