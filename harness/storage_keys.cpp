#include "harness/storage_keys.h"

#include <regex>

namespace stalemate::harness {

namespace {

const std::regex& digest_re() {
  static const std::regex re(R"(sha256[/:](?:[0-9a-f]{2}/)?([0-9a-f]{64}))");
  return re;
}

const std::regex& upload_re() {
  static const std::regex re(R"((?:_uploads|/blobs/uploads)/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}))");
  return re;
}

// A tag in a storage path, or in a manifest URL (not a digest reference).
const std::regex& storage_tag_re() {
  static const std::regex re(R"(repositories/(.+)/_manifests/tags/([^/]+)/)");
  return re;
}

const std::regex& url_tag_re() {
  static const std::regex re(R"(/v2/(.+)/manifests/([A-Za-z0-9_][A-Za-z0-9._-]{0,127})(?:$|\?))");
  return re;
}

void scan_tag(const std::string& text, const std::regex& re, StorageKeys& out) {
  std::smatch m;
  if (std::regex_search(text, m, re)) out.tags.insert(m[1].str() + ":" + m[2].str());
}

void scan(const std::string& text, StorageKeys& out) {
  for (std::sregex_iterator it(text.begin(), text.end(), digest_re()), end; it != end; ++it)
    out.digests.insert((*it)[1].str());
  for (std::sregex_iterator it(text.begin(), text.end(), upload_re()), end; it != end; ++it)
    out.uploads.insert((*it)[1].str());
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The registry path a Swift segment name spells in hex (its hex run decoded
// as far as it is hex), "" when the path holds no segment name.
std::string decoded_segment_name(std::string_view path) {
  const auto at = path.find("segments/");
  if (at == std::string_view::npos) return {};
  std::string_view rest = path.substr(at + 9);
  std::string hex;
  for (char c : rest) {
    if (c == '/') continue;  // the 3-character directory splits the run
    if (hex_value(c) < 0) break;
    hex.push_back(c);
  }
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(hex_value(hex[i]) * 16 + hex_value(hex[i + 1])));
  return out;
}

}  // namespace

bool StorageKeys::intersects(const StorageKeys& o) const {
  for (const auto& d : digests)
    if (o.digests.count(d)) return true;
  for (const auto& u : uploads)
    if (o.uploads.count(u)) return true;
  for (const auto& t : tags)
    if (o.tags.count(t)) return true;
  return false;
}

void StorageKeys::add(const StorageKeys& o) {
  digests.insert(o.digests.begin(), o.digests.end());
  uploads.insert(o.uploads.begin(), o.uploads.end());
  tags.insert(o.tags.begin(), o.tags.end());
}

StorageKeys keys_of_storage_path(std::string_view path) {
  StorageKeys out;
  scan(std::string(path), out);
  scan_tag(std::string(path), storage_tag_re(), out);
  // Only the segment's own run: "segments/2f6/<hex>/0000000000000001" would
  // otherwise decode the index too; a wrong tail cannot spell "_uploads/".
  if (const auto name = decoded_segment_name(path); !name.empty()) scan(name, out);
  return out;
}

StorageKeys keys_of_request_url(std::string_view url) {
  StorageKeys out;
  scan(std::string(url), out);
  scan_tag(std::string(url), url_tag_re(), out);
  return out;
}

}  // namespace stalemate::harness
