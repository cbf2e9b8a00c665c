// Thin wrappers over OpenSSL 3 EVP: the digests and MACs Swift, S3 and the
// registry protocol use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stalemate {

std::string to_hex(std::string_view bytes);
std::string md5_hex(std::string_view data);
std::string md5_raw(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string sha256_raw(std::string_view data);
std::string hmac_sha1_hex(std::string_view key, std::string_view data);
std::string hmac_sha256_raw(std::string_view key, std::string_view data);
std::string hmac_sha512_raw(std::string_view key, std::string_view data);
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view in);  // nullopt: not base64

// Incremental digest ("md5", "sha1", "sha256", ...) for streaming gigabyte
// bodies. A copy carries the state so far (a digest of a prefix, then more).
class StreamingDigest {
 public:
  explicit StreamingDigest(const char* algorithm);
  ~StreamingDigest();
  StreamingDigest(const StreamingDigest& other);
  StreamingDigest& operator=(const StreamingDigest& other);
  StreamingDigest(StreamingDigest&&) noexcept;
  StreamingDigest& operator=(StreamingDigest&&) noexcept;
  void update(const void* data, std::size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex_final();  // either final may be called once
  std::string raw_final();
  std::uint64_t bytes() const { return bytes_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t bytes_ = 0;
};

}  // namespace stalemate
