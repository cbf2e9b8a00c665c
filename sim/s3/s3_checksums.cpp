// Body integrity headers: Content-MD5 and the flexible checksums newer SDKs
// send instead (x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1, -sha256:
// the base64 of the big-endian digest). AWS verifies the one given and
// accepts it where Content-MD5 is required (DeleteObjects).
#include <zlib.h>

#include <array>
#include <vector>

#include "common/crypto.h"
#include "sim/s3/s3_service.h"

namespace stalemate::sim::s3 {

namespace {
std::string big_endian(std::uint64_t v, int bytes) {
  std::string out(static_cast<std::size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFF);
  return out;
}

// A reflected CRC of `width` bits (init and final xor all ones), table-driven,
// fed piece by piece.
template <typename T>
T reflected_crc(const std::vector<std::string_view>& pieces, T reflected_poly) {
  std::array<T, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    T c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ reflected_poly : c >> 1;
    table[i] = c;
  }
  T crc = ~T(0);
  for (std::string_view data : pieces)
    for (unsigned char b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::string digest_raw(const char* algorithm, const std::vector<std::string_view>& pieces) {
  StreamingDigest digest(algorithm);
  for (std::string_view data : pieces) digest.update(data);
  return digest.raw_final();
}

// Over the pieces in order, so that a body held as shared chunks is never
// flattened into one copy to be checked.
std::optional<std::string> checksum_of_pieces(std::string_view algorithm, const std::vector<std::string_view>& pieces) {
  if (algorithm == "crc32") {
    uLong c = crc32(0L, Z_NULL, 0);
    // zlib takes uInt lengths: feed it at most 1 GiB at a time.
    for (std::string_view data : pieces)
      for (std::size_t off = 0; off < data.size(); off += 1u << 30) {
        const auto n = static_cast<uInt>(std::min<std::size_t>(data.size() - off, 1u << 30));
        c = crc32(c, reinterpret_cast<const Bytef*>(data.data() + off), n);
      }
    return big_endian(c, 4);
  }
  if (algorithm == "crc32c") return big_endian(reflected_crc<std::uint32_t>(pieces, 0x82F63B78u), 4);
  if (algorithm == "crc64nvme") return big_endian(reflected_crc<std::uint64_t>(pieces, 0x9A6C9329AC4BC9B5ull), 8);
  if (algorithm == "sha1") return digest_raw("sha1", pieces);
  if (algorithm == "sha256") return digest_raw("sha256", pieces);
  return std::nullopt;
}
}  // namespace

std::optional<std::string> checksum_raw(std::string_view algorithm, std::string_view data) {
  return checksum_of_pieces(algorithm, {data});
}

std::optional<std::string> checksum_raw(std::string_view algorithm, const Bytes& data) {
  std::vector<std::string_view> pieces;
  for (const auto& p : data.pieces()) pieces.emplace_back(p.data->data() + p.offset, p.length);
  return checksum_of_pieces(algorithm, pieces);
}

std::optional<std::pair<std::string, std::string>> check_body_checksums(const HttpRequest& req) {
  check_content_md5(req);
  std::optional<std::pair<std::string, std::string>> given;
  for (const auto& [name, value] : req.headers) {
    if (!istarts_with(name, "x-amz-checksum-")) continue;
    // Not digests: the multipart checksum's type and algorithm, GET's checksum mode.
    const std::string lower = to_lower(name);
    if (lower == "x-amz-checksum-type" || lower == "x-amz-checksum-algorithm" || lower == "x-amz-checksum-mode")
      continue;
    if (given)
      fail(400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    given.emplace(to_lower(name), value);
  }
  if (!given) return std::nullopt;
  const std::string algorithm = given->first.substr(std::string_view("x-amz-checksum-").size());
  const auto expected = checksum_raw(algorithm, std::string_view());
  if (!expected)
    fail(400, "InvalidRequest", "The algorithm type you specified in " + given->first + " header is invalid.");
  const auto sent = base64_decode(given->second);
  if (!sent || sent->size() != expected->size())
    fail(400, "InvalidRequest", "Value for " + given->first + " header is invalid.");
  if (*sent != *checksum_raw(algorithm, req.body)) {
    std::string upper = algorithm;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    fail(400, "BadDigest", "The " + upper + " you specified did not match the calculated checksum.");
  }
  return given;
}

}  // namespace stalemate::sim::s3
