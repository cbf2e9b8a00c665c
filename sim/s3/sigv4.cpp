#include "sim/s3/sigv4.h"

#include <algorithm>
#include <ctime>

#include "common/crypto.h"
#include "common/url.h"

namespace stalemate::sim::s3 {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto pos = s.find(sep);
    out.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}
}  // namespace

std::string aws_uri_encode(std::string_view in, bool encode_slash) { return percent_encode(in, !encode_slash); }

std::string canonical_query_string(std::string_view raw_query, bool plus_is_space, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!raw_query.empty()) {
    for (std::string_view item : split(raw_query, '&')) {
      if (item.empty()) continue;
      const auto eq = item.find('=');
      const std::string_view k = item.substr(0, eq);
      const std::string_view v = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
      const std::string key = percent_decode(k, plus_is_space).value_or(std::string(k));
      if (drop_signature && key == "X-Amz-Signature") continue;
      const std::string value = percent_decode(v, plus_is_space).value_or(std::string(v));
      pairs.emplace_back(aws_uri_encode(key, true), aws_uri_encode(value, true));
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string canonical_header_value(std::string_view value) {
  value = trim(value);
  std::string out;
  out.reserve(value.size());
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri, std::string_view canonical_query,
                              const std::vector<CanonicalHeader>& headers, std::string_view payload_hash) {
  std::string out;
  out.append(method).append("\n").append(canonical_uri).append("\n").append(canonical_query).append("\n");
  std::string names;
  for (const auto& h : headers) {
    out.append(h.name).append(":").append(canonical_header_value(h.value)).append("\n");
    if (!names.empty()) names.push_back(';');
    names += h.name;
  }
  out.append("\n").append(names).append("\n").append(payload_hash);
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  const std::string k_date = hmac_sha256_raw("AWS4" + std::string(secret), date);
  const std::string k_region = hmac_sha256_raw(k_date, region);
  const std::string k_service = hmac_sha256_raw(k_region, service);
  return hmac_sha256_raw(k_service, "aws4_request");
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out = kSigV4Algorithm;
  out.append("\n").append(amz_date).append("\n").append(scope).append("\n").append(sha256_hex(canonical_request));
  return out;
}

std::string signature_hex(std::string_view signing_key, std::string_view string_to_sign) {
  return to_hex(hmac_sha256_raw(signing_key, string_to_sign));
}

std::string Credential::scope() const { return date + "/" + region + "/" + service + "/" + terminal; }

std::optional<Credential> parse_credential(std::string_view text) {
  const auto parts = split(text, '/');
  if (parts.size() != 5) return std::nullopt;
  for (auto p : parts)
    if (p.empty()) return std::nullopt;
  return Credential{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]), std::string(parts[3]),
                    std::string(parts[4])};
}

std::optional<AuthorizationHeader> parse_authorization(std::string_view value) {
  value = trim(value);
  const std::string_view algo = kSigV4Algorithm;
  if (value.substr(0, algo.size()) != algo) return std::nullopt;
  value.remove_prefix(algo.size());
  AuthorizationHeader out;
  bool have_cred = false, have_signed = false, have_sig = false;
  for (std::string_view item : split(value, ',')) {
    item = trim(item);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view k = trim(item.substr(0, eq)), v = trim(item.substr(eq + 1));
    if (k == "Credential") {
      auto c = parse_credential(v);
      if (!c) return std::nullopt;
      out.credential = std::move(*c);
      have_cred = true;
    } else if (k == "SignedHeaders") {
      for (auto h : split(v, ';'))
        if (!h.empty()) out.signed_headers.emplace_back(h);
      have_signed = !out.signed_headers.empty();
    } else if (k == "Signature") {
      out.signature = std::string(v);
      have_sig = !out.signature.empty();
    }
  }
  if (!have_cred || !have_signed || !have_sig) return std::nullopt;
  return out;
}

std::optional<std::int64_t> parse_amz_date(std::string_view t) {
  if (t.size() != 16 || t[8] != 'T' || t[15] != 'Z') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(9, 2), mi = num(11, 2), s = num(13, 2);
  // Years before 1970 are no signing time (and would not print back as four digits).
  if (!y || !mo || !d || !h || !mi || !s || *y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 ||
      *mi > 59 || *s > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *s;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string format_amz_date(std::int64_t epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace stalemate::sim::s3
