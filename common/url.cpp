#include "common/url.h"

namespace stalemate {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode_except(std::string_view in, std::string_view also_safe) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (unsigned char c : in) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '~' ||
                            also_safe.find(static_cast<char>(c)) != std::string_view::npos;
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string percent_encode(std::string_view in, bool keep_slash) { return percent_encode_except(in, keep_slash ? "/" : ""); }

std::optional<std::map<std::string, std::string>> parse_query(std::string_view raw) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= raw.size() && !raw.empty()) {
    const auto amp = raw.find('&', pos);
    const auto part = raw.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!part.empty()) {
      const auto eq = part.find('=');
      auto key = percent_decode(part.substr(0, eq), true);
      auto value = eq == std::string_view::npos ? std::optional<std::string>("") : percent_decode(part.substr(eq + 1), true);
      if (!key || !value) return std::nullopt;
      out.emplace(std::move(*key), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::optional<ParsedUrl> parse_url(std::string_view url) {
  ParsedUrl p;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  p.scheme = std::string(url.substr(0, scheme_end));
  if (p.scheme != "http" && p.scheme != "https") return std::nullopt;
  auto rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  p.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
    p.host = std::string(hostport.substr(0, colon));
    p.port = std::string(hostport.substr(colon + 1));
  } else {
    p.host = std::string(hostport);
    p.port = p.scheme == "https" ? "443" : "80";
  }
  if (p.host.empty() || p.port.empty()) return std::nullopt;
  return p;
}

}  // namespace stalemate
