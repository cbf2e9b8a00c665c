#include "sim/swift/acl.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0;;) {
    const auto comma = s.find(',', at);
    out.push_back(s.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
    if (comma == std::string_view::npos) return out;
    at = comma + 1;
  }
}

// Python's repr() of a str, for the ASCII values ACLs hold: single quotes
// unless the text has one and no double quote.
std::string py_repr(std::string_view s) {
  const char quote = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out(1, quote);
  for (const char c : s) {
    if (c == '\\' || c == quote) out += '\\';
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::variant<std::string, AclError> clean_acl(std::string_view name, std::string_view value) {
  const bool write_acl = to_lower(name).find("write") != std::string::npos;
  std::vector<std::string> values;
  for (std::string_view raw : split_commas(value)) {
    raw = strip_space(raw);
    if (raw.empty()) continue;
    const auto colon = raw.find(':');
    if (colon == std::string_view::npos) {
      values.emplace_back(raw);
      continue;
    }
    const std::string_view first = strip_space(raw.substr(0, colon));
    std::string_view second = strip_space(raw.substr(colon + 1));
    if (first.empty() || first[0] != '.') {
      values.emplace_back(raw);
    } else if (first == ".r" || first == ".ref" || first == ".referer" || first == ".referrer") {
      if (write_acl)
        return AclError{"Referrers not allowed in write ACL: " + py_repr(raw)};
      bool negate = false;
      if (!second.empty() && second[0] == '-') {
        negate = true;
        second = strip_space(second.substr(1));
      }
      if (!second.empty() && second != "*" && second[0] == '*') second = strip_space(second.substr(1));
      if (second.empty() || second == ".")
        return AclError{"No host/domain value after referrer designation in ACL: " + py_repr(raw)};
      values.push_back(".r:" + std::string(negate ? "-" : "") + std::string(second));
    } else {
      return AclError{"Unknown designator " + py_repr(first) + " in ACL: " + py_repr(raw)};
    }
  }
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

std::string referrer_host(std::string_view r) {
  // urlsplit: a scheme (a letter, then letters, digits, "+-.") before the first ':'.
  if (const auto colon = r.find(':'); colon != std::string_view::npos && colon > 0 &&
                                      std::isalpha(static_cast<unsigned char>(r[0])) &&
                                      std::all_of(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
                                        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
                                      }))
    r.remove_prefix(colon + 1);
  if (r.compare(0, 2, "//") != 0) return "unknown";
  r.remove_prefix(2);
  std::string_view netloc = r.substr(0, r.find_first_of("/?#"));
  if (const auto at = netloc.rfind('@'); at != std::string_view::npos) netloc.remove_prefix(at + 1);
  std::string_view host = netloc;
  if (!netloc.empty() && netloc[0] == '[') {
    const auto close = netloc.find(']');
    host = close == std::string_view::npos ? netloc.substr(1) : netloc.substr(1, close - 1);
  } else if (const auto port = netloc.find(':'); port != std::string_view::npos) {
    host = netloc.substr(0, port);
  }
  return host.empty() ? "unknown" : to_lower(host);
}

bool acl_allows_anonymous_read(std::string_view acl, std::string_view referer, bool listing) {
  // parse_acl_v1 then tempauth.authorize: referrers are the ".r:" items, the rest groups.
  const std::string rhost = referrer_host(referer);
  bool allow = false, rlistings = false;
  for (std::string_view item : split_commas(acl)) {
    if (!item.starts_with(".r:")) {
      rlistings = rlistings || item == ".rlistings";
      continue;
    }
    std::string_view m = item.substr(3);
    const bool negated = m.starts_with('-');
    if (negated) m.remove_prefix(1);
    const bool matches = m == rhost || (m.starts_with('.') && std::string_view(rhost).ends_with(m));
    if (negated && matches) allow = false;
    if (!negated && (m == "*" || matches)) allow = true;
  }
  return allow && (!listing || rlistings);
}

}  // namespace stalemate::sim::swift
