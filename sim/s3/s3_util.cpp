// Small helpers shared by the S3 handlers: names, ETags, numbers, base64,
// Content-MD5, stored metadata, copy sources and byte ranges. No state.
#include <cctype>

#include "common/crypto.h"
#include "common/url.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim::s3 {

void fail(int status, std::string code, std::string message) {
  throw S3Error{status, std::move(code), std::move(message)};
}

void malformed_xml() {
  fail(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
}

S3Error write_error(const Store::WriteResult& w) {
  if (w.status == Store::WriteStatus::NoContainer) return {404, "NoSuchBucket", "The specified bucket does not exist"};
  // Replicas out of room: S3-compatible stores say so rather than asking to
  // slow down. MinIO answers 507 XMinioStorageFull (its ErrStorageFull), the
  // status a full disk gives, and aws-sdk-go retries a 507 like any 5xx; we
  // take MinIO's answer because it is the documented one for exactly this case
  // (AWS itself never runs out of room, and a "503 SlowDown" would hide the
  // cause from the evidence).
  if (w.storage_full)
    return {507, "XMinioStorageFull",
            "Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed."};
  return {503, "ServiceUnavailable", "Please reduce your request rate."};
}

void write_failure(const Store::WriteResult& w) { throw write_error(w); }

bool is_hidden_container(std::string_view name) { return name.find('+') != std::string_view::npos; }

bool valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back()) || name.find("..") != std::string_view::npos) return false;
  // Not formatted as an IP address ("192.168.1.1"): four dot-separated numbers.
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : name) {
    dots += c == '.';
    digits_and_dots = digits_and_dots && ((c >= '0' && c <= '9') || c == '.');
  }
  if (digits_and_dots && dots == 3) return false;
  // Reserved prefixes and suffixes.
  auto starts = [&](std::string_view p) { return name.substr(0, p.size()) == p; };
  auto ends = [&](std::string_view p) { return name.size() >= p.size() && name.substr(name.size() - p.size()) == p; };
  return !starts("xn--") && !starts("sthree-") && !ends("-s3alias") && !ends("--ol-s3");
}

std::string quote_etag(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

std::string unquote_etag(std::string_view etag) {
  while (!etag.empty() && (etag.front() == ' ' || etag.front() == '\t')) etag.remove_prefix(1);
  while (!etag.empty() && (etag.back() == ' ' || etag.back() == '\t')) etag.remove_suffix(1);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void check_content_md5(const HttpRequest& req) {
  if (!req.has_header("Content-MD5")) return;
  const std::string sent = req.header("Content-MD5");
  const auto raw = base64_decode(sent);
  if (!raw || raw->size() != 16) fail(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
  if (to_hex(*raw) != req.body.md5_hex()) fail(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
}

std::string owner_xml(const std::string& account, const char* element) {
  return std::string("<") + element + ">" + xml_element("ID", account) + xml_element("DisplayName", account) + "</" +
         element + ">";
}

HttpResponse xml_response(std::string body, int status) {
  HttpResponse r;
  r.status = status;
  r.set_text(std::move(body), kXmlType);
  return r;
}

Headers object_metadata(const HttpRequest& req) {
  Headers out;
  std::size_t total = 0;
  for (const auto& [name, value] : req.headers) {
    if (istarts_with(name, "x-amz-meta-")) {
      out[to_lower(name)] = value;
      total += name.size() - 11 + value.size();
    }
  }
  if (total > 2048) fail(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.");
  if (req.has_header("x-amz-tagging") && !req.header("x-amz-tagging").empty())
    out[kTaggingMetadata] = req.header("x-amz-tagging");
  for (const char* h : {"Content-Disposition", "Content-Encoding", "Cache-Control", "Expires", "Content-Language"}) {
    if (!req.has_header(h)) continue;
    std::string v = req.header(h);
    // aws-chunked is a transfer framing, not a stored encoding.
    if (std::string_view(h) == "Content-Encoding") {
      if (v == "aws-chunked") continue;
      if (istarts_with(v, "aws-chunked,")) v = v.substr(12);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    }
    if (!v.empty()) out[h] = v;
  }
  return out;
}

std::pair<std::string, std::string> parse_copy_source(const std::string& value) {
  std::string raw = value;
  if (const auto q = raw.find('?'); q != std::string::npos) raw.resize(q);  // ?versionId=…: ignored
  std::string src = percent_decode(raw, false).value_or(raw);
  if (!src.empty() && src.front() == '/') src.erase(0, 1);
  const auto slash = src.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == src.size())
    fail(400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  return {src.substr(0, slash), src.substr(slash + 1)};
}

ByteRange resolve_range(std::string_view header, std::uint64_t length) {
  ByteRange full;
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.substr(0, 6) != "bytes=") return full;
  std::string_view spec = header.substr(6);
  if (spec.find(',') != std::string_view::npos) return full;  // several ranges: S3 serves the whole object
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return full;
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  ByteRange r;
  if (a.empty()) {  // suffix: the last n bytes
    const auto n = parse_uint(b);
    if (!n) return full;
    if (*n == 0 || length == 0) return {ByteRange::Unsatisfiable};
    r.kind = ByteRange::Partial;
    r.start = *n >= length ? 0 : length - *n;
    r.end = length;
    return r;
  }
  const auto first = parse_uint(a);
  if (!first) return full;
  std::optional<std::uint64_t> last;
  if (!b.empty()) {
    last = parse_uint(b);
    if (!last || *last < *first) return full;  // syntactically invalid: ignored
  }
  if (*first >= length) return {ByteRange::Unsatisfiable};
  r.kind = ByteRange::Partial;
  r.start = *first;
  r.end = last ? std::min(*last + 1, length) : length;
  return r;
}

}  // namespace stalemate::sim::s3
