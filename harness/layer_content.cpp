#include "harness/layer_content.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <utility>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "common/crypto.h"

namespace stalemate::harness {

namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// splitmix64's output function.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Word w of the content of `key` (key = mix64 of the seed): the splitmix64
// stream started at key. Byte i of the content is byte i%8 (little-endian) of
// word i/8.
inline std::uint64_t word_at(std::uint64_t key, std::uint64_t w) { return mix64(key + (w + 1) * kGolden); }

inline std::uint64_t key_of(std::uint64_t seed) { return mix64(seed ^ 0x5354414C454D4154ull /* "STALEMAT" */); }

inline void store_le(char* out, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, &v, 8);
  } else {
    for (int b = 0; b < 8; ++b) out[b] = static_cast<char>(v >> (8 * b));
  }
}

// Guards the digest caches only (never held while hashing).
std::mutex& digest_mutex() {
  static std::mutex mu;
  return mu;
}

// Process-wide cache: the same (seed, size) is hashed once however many
// LayerContent copies (images sharing a layer, re-built specs) ask.
std::map<std::pair<std::uint64_t, std::uint64_t>, std::string>& digest_cache() {
  static std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> cache;
  return cache;
}

}  // namespace

LayerContent::LayerContent(std::uint64_t seed, std::uint64_t size) : seed_(seed), size_(size) {}

void LayerContent::fill(std::uint64_t offset, char* buf, std::size_t n) const {
  if (offset > size_ || n > size_ - offset) throw std::out_of_range("LayerContent::fill beyond the end of the content");
  if (n == 0) return;
  const std::uint64_t key = key_of(seed_);
  std::uint64_t w = offset / 8;
  std::size_t done = 0;
  // Leading partial word.
  if (const std::size_t skip = offset % 8; skip != 0) {
    char tmp[8];
    store_le(tmp, word_at(key, w));
    const std::size_t take = std::min<std::size_t>(8 - skip, n);
    std::memcpy(buf, tmp + skip, take);
    done += take;
    ++w;
  }
  // Whole words.
  const std::size_t words = (n - done) / 8;
  char* out = buf + done;
  for (std::size_t k = 0; k < words; ++k) store_le(out + 8 * k, word_at(key, w + k));
  done += words * 8;
  w += words;
  // Trailing partial word.
  if (done < n) {
    char tmp[8];
    store_le(tmp, word_at(key, w));
    std::memcpy(buf + done, tmp, n - done);
  }
}

std::string LayerContent::bytes(std::uint64_t offset, std::size_t n) const {
  std::string out(n, '\0');
  fill(offset, out.data(), n);
  return out;
}

const std::string& LayerContent::digest() const {
  {
    std::lock_guard<std::mutex> lock(digest_mutex());
    if (!digest_.empty()) return digest_;
    if (auto it = digest_cache().find({seed_, size_}); it != digest_cache().end()) {
      digest_ = it->second;
      return digest_;
    }
  }
  constexpr std::size_t kPiece = 1u << 20;
  std::vector<char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, size_)));
  StreamingDigest sha("sha256");
  for (std::uint64_t off = 0; off < size_;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, size_ - off));
    fill(off, buf.data(), n);
    sha.update(buf.data(), n);
    off += n;
  }
  std::string d = "sha256:" + sha.hex_final();
  std::lock_guard<std::mutex> lock(digest_mutex());
  digest_cache().emplace(std::make_pair(seed_, size_), d);
  if (digest_.empty()) digest_ = std::move(d);
  return digest_;
}

}  // namespace stalemate::harness
