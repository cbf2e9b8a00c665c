#include "harness/blob_checks.h"

#include <cctype>
#include <charconv>

#include "common/crypto.h"

namespace stalemate::harness {

namespace {

constexpr std::size_t kShortHex = 12;

std::string hex_part(std::string_view digest) {
  const auto colon = digest.find(':');
  return std::string(colon == std::string_view::npos ? digest : digest.substr(colon + 1));
}

std::string short_hex(std::string_view digest) {
  const std::string hex = hex_part(digest);
  return hex.size() > kShortHex ? hex.substr(0, kShortHex) + "…" : hex;
}

// Path of an absolute URL without query (long storage signatures make
// messages unreadable), with digests shortened.
std::string display_path(std::string_view url) {
  std::string_view rest = url;
  if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest = rest.substr(scheme + 3);
    const auto slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  std::string out(rest);
  for (std::size_t pos = out.find("sha256:"); pos != std::string::npos; pos = out.find("sha256:", pos + 1)) {
    std::size_t end = pos + 7;
    while (end < out.size() && std::isxdigit(static_cast<unsigned char>(out[end]))) ++end;
    if (end - (pos + 7) > kShortHex) out.replace(pos + 7 + kShortHex, end - (pos + 7 + kShortHex), "…");
  }
  return out;
}

std::string cl_text(const std::optional<std::uint64_t>& cl) { return cl ? std::to_string(*cl) : "none"; }

}  // namespace

std::string short_hex_of(std::string_view digest) { return short_hex(digest); }

std::string short_digest(std::string_view digest) {
  const auto colon = digest.find(':');
  const std::string algo = colon == std::string_view::npos ? "" : std::string(digest.substr(0, colon + 1));
  return algo + short_hex(digest);
}

std::optional<std::uint64_t> content_length_of(const Headers& headers) {
  auto it = headers.find("Content-Length");
  if (it == headers.end()) return std::nullopt;
  const std::string& v = it->second;
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty()) return std::nullopt;
  return n;
}

BlobObservation observe(std::string method, std::string url, int status, const Headers& headers,
                        std::string_view body, bool complete) {
  BlobObservation o;
  o.method = std::move(method);
  o.url = std::move(url);
  o.status = status;
  o.content_length = content_length_of(headers);
  if (auto it = headers.find("Docker-Content-Digest"); it != headers.end()) o.docker_content_digest = it->second;
  o.bytes_received = body.size();
  o.complete = complete;
  if (o.method != "HEAD") o.seen_digest = "sha256:" + sha256_hex(body);
  return o;
}

std::string describe_response(const BlobObservation& seen) {
  std::string s = seen.method + " " + display_path(seen.url);
  if (!seen.range.empty()) s += " (Range " + seen.range + ")";
  s += " returned " + std::to_string(seen.status);
  if (!seen.content_range.empty()) s += " " + seen.content_range;
  s += " with Content-Length " + cl_text(seen.content_length);
  if (seen.method == "HEAD") return s;
  s += " and " + std::to_string(seen.bytes_received) + " bytes";
  if (!seen.complete) s += " (body cut short)";
  if (!seen.seen_digest.empty()) s += " whose sha256 is " + short_hex(seen.seen_digest);
  return s;
}

namespace {
void check_docker_content_digest(const std::string& expected_digest, const BlobObservation& seen,
                                 std::vector<Finding>& out, const char* what) {
  if (!seen.docker_content_digest.empty() && seen.docker_content_digest != expected_digest)
    out.push_back({"docker-content-digest", describe_response(seen) + " and Docker-Content-Digest " +
                                                short_hex(seen.docker_content_digest) + " (expected " +
                                                short_hex(expected_digest) + ", " + what + ")"});
}
}  // namespace

std::vector<Finding> check_blob_get(const BlobExpectation& expected, const BlobObservation& seen) {
  std::vector<Finding> out;
  if (seen.status != 200) return out;
  const std::string what = describe_response(seen);
  if (!seen.content_length || *seen.content_length != expected.size)
    out.push_back({"content-length", what + "; the descriptor size is " + std::to_string(expected.size)});
  const std::uint64_t framed = seen.content_length ? *seen.content_length : expected.size;
  if (!seen.complete || seen.bytes_received != framed) {
    out.push_back({"blob-length", what + "; expected " + std::to_string(framed) + " bytes" +
                                      (seen.complete ? "" : ", the body ended early")});
  }
  if (seen.bytes_received == expected.size && !seen.seen_digest.empty() && seen.seen_digest != expected.digest)
    out.push_back({"blob-digest", what + " (expected " + short_hex(expected.digest) + ")"});
  check_docker_content_digest(expected.digest, seen, out, "the requested digest");
  return out;
}

std::optional<ContentRange> parse_content_range(std::string_view v) {
  auto number = [](std::string_view t, std::uint64_t& out) {
    if (t.empty()) return false;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && ptr == t.data() + t.size();
  };
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.substr(0, 6) != "bytes ") return std::nullopt;
  v.remove_prefix(6);
  const auto dash = v.find('-');
  const auto slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) return std::nullopt;
  ContentRange cr;
  if (!number(v.substr(0, dash), cr.first) || !number(v.substr(dash + 1, slash - dash - 1), cr.last) ||
      cr.last < cr.first)
    return std::nullopt;
  const auto total = v.substr(slash + 1);
  if (total != "*") {
    std::uint64_t t = 0;
    if (!number(total, t)) return std::nullopt;
    cr.total = t;
  }
  return cr;
}

std::vector<Finding> check_blob_range(const BlobExpectation& expected, const BlobObservation& seen) {
  std::vector<Finding> out;
  if (seen.status != 206) return out;
  const std::string what = describe_response(seen);
  const auto cr = parse_content_range(seen.content_range);
  if (cr && cr->total && *cr->total != expected.size)
    out.push_back({"content-length", what + "; the Content-Range total " + std::to_string(*cr->total) +
                                         " is not the descriptor size " + std::to_string(expected.size)});
  if (cr && seen.content_length && *seen.content_length != cr->length())
    out.push_back({"content-length", what + "; Content-Length " + std::to_string(*seen.content_length) +
                                         " is not the length " + std::to_string(cr->length()) + " of the Content-Range"});
  std::optional<std::uint64_t> framed = seen.content_length;
  if (!framed && cr) framed = cr->length();
  if (!seen.complete || (framed && seen.bytes_received != *framed)) {
    std::string m = what + "; expected " + (framed ? std::to_string(*framed) : std::string("more")) + " bytes";
    if (cr) m += ", the body stopped at offset " + std::to_string(cr->first + seen.bytes_received);
    if (!seen.complete) m += " (ended early)";
    out.push_back({"blob-length", m});
  }
  check_docker_content_digest(expected.digest, seen, out, "the requested digest");
  return out;
}

std::vector<Finding> check_blob_head(const BlobExpectation& expected, const BlobObservation& seen) {
  std::vector<Finding> out;
  if (seen.status != 200) return out;
  if (!seen.content_length || *seen.content_length != expected.size)
    out.push_back({"head-size", describe_response(seen) + "; the descriptor size is " + std::to_string(expected.size)});
  check_docker_content_digest(expected.digest, seen, out, "the requested digest");
  return out;
}

std::vector<Finding> check_manifest_get(const BlobExpectation& expected, bool by_digest, const BlobObservation& seen) {
  std::vector<Finding> out;
  if (seen.status != 200) return out;
  const std::string what = describe_response(seen);
  if (seen.seen_digest != expected.digest) {
    out.push_back({"manifest-digest", what + (by_digest ? " (the requested digest is " : " (the pushed manifest is ") +
                                          short_hex(expected.digest) + ")"});
  }
  if (!seen.docker_content_digest.empty() && seen.docker_content_digest != seen.seen_digest) {
    out.push_back({"docker-content-digest", what + " and Docker-Content-Digest " +
                                                short_hex(seen.docker_content_digest) + " (not the body's digest)"});
  }
  return out;
}

}  // namespace stalemate::harness
