#include "common/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>
#include <mutex>
#include <stdexcept>

namespace stalemate {

std::string to_hex(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

namespace {

// OpenSSL 3 looks a legacy EVP_md5() up among its providers on every digest
// it starts (an implicit fetch: locks and property matching), which costs more
// than hashing a small body. Each algorithm is fetched once and kept.
// Kept for the whole process, never destroyed: a digest may still start while
// other statics are torn down at exit, and the kept objects stay reachable
// (not a leak to LeakSanitizer).
const EVP_MD* fetched(const char* name) {
  static std::mutex mu;
  static auto* const cache = new std::map<std::string, EVP_MD*, std::less<>>();
  std::lock_guard lock(mu);
  if (const auto it = cache->find(std::string_view(name)); it != cache->end()) return it->second;
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);  // null: the caller reports it
  cache->emplace(name, md);
  return md;
}
const EVP_MD* md5_md() {
  static const EVP_MD* md = fetched("MD5");
  return md;
}
const EVP_MD* sha256_md() {
  static const EVP_MD* md = fetched("SHA256");
  return md;
}
const EVP_MD* sha512_md() {
  static const EVP_MD* md = fetched("SHA512");
  return md;
}
const EVP_MD* sha1_md() {
  static const EVP_MD* md = fetched("SHA1");
  return md;
}

std::string digest_raw(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr)) throw std::runtime_error("EVP_Digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}
std::string hmac_raw(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &len))
    throw std::runtime_error("HMAC failed");
  return std::string(reinterpret_cast<char*>(out), len);
}
}  // namespace

std::string md5_raw(std::string_view data) { return digest_raw(md5_md(), data); }
std::string md5_hex(std::string_view data) { return to_hex(md5_raw(data)); }
std::string sha256_raw(std::string_view data) { return digest_raw(sha256_md(), data); }
std::string sha256_hex(std::string_view data) { return to_hex(sha256_raw(data)); }
std::string hmac_sha1_hex(std::string_view key, std::string_view data) { return to_hex(hmac_raw(sha1_md(), key, data)); }
std::string hmac_sha256_raw(std::string_view key, std::string_view data) { return hmac_raw(sha256_md(), key, data); }
std::string hmac_sha512_raw(std::string_view key, std::string_view data) { return hmac_raw(sha512_md(), key, data); }

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Standard and URL-safe alphabets, padding optional.
std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;  // a dangling sextet
  return out;
}

struct StreamingDigest::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

StreamingDigest::StreamingDigest(const char* algorithm) : impl_(std::make_unique<Impl>()) {
  const EVP_MD* md = fetched(algorithm);
  impl_->ctx = EVP_MD_CTX_new();
  if (!md || !impl_->ctx || !EVP_DigestInit_ex(impl_->ctx, md, nullptr))
    throw std::runtime_error(std::string("cannot start digest ") + algorithm);
}
StreamingDigest::~StreamingDigest() = default;
StreamingDigest::StreamingDigest(const StreamingDigest& other)
    : impl_(std::make_unique<Impl>()), bytes_(other.bytes_) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || !EVP_MD_CTX_copy_ex(impl_->ctx, other.impl_->ctx)) throw std::runtime_error("cannot copy a digest");
}
StreamingDigest& StreamingDigest::operator=(const StreamingDigest& other) {
  if (this != &other) *this = StreamingDigest(other);
  return *this;
}
StreamingDigest::StreamingDigest(StreamingDigest&&) noexcept = default;
StreamingDigest& StreamingDigest::operator=(StreamingDigest&&) noexcept = default;

void StreamingDigest::update(const void* data, std::size_t n) {
  EVP_DigestUpdate(impl_->ctx, data, n);
  bytes_ += n;
}

std::string StreamingDigest::raw_final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string StreamingDigest::hex_final() { return to_hex(raw_final()); }

}  // namespace stalemate
