// Immutable bytes made of shared chunks (a rope): a request body as it was
// received, a stored object version, a multipart object assembled from its
// parts, a range of any of them. Copying, slicing and concatenating share the
// chunks and never copy the bytes, so replicas, old versions, multipart parts
// and the completed object all hold one buffer, and a gigabyte body never has
// to be contiguous.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace stalemate {

// One immutable shared buffer (a chunk of a rope, or a response's text).
using Payload = std::shared_ptr<const std::string>;
Payload make_payload(std::string bytes);
const Payload& empty_payload();

// A view of part of a payload, streamed without copying.
struct BodySlice {
  Payload data;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

class Bytes {
 public:
  Bytes() = default;                 // empty
  Bytes(Payload whole);              // NOLINT: implicit, a whole buffer is bytes
  static Bytes of(std::string text);  // takes ownership of one buffer
  // Digests the receiver computed while the bytes arrived (lowercase hex, ""
  // when not computed); they travel with these bytes and no other.
  static Bytes from_pieces(std::vector<BodySlice> pieces, std::string md5_hex = {}, std::string sha256_hex = {});

  std::uint64_t size() const;
  bool empty() const { return size() == 0; }
  const std::vector<BodySlice>& pieces() const;

  Bytes slice(std::uint64_t offset, std::uint64_t length) const;  // clamped to size()
  std::string str() const;                                         // a flat copy (small bodies)
  std::string substr(std::uint64_t offset, std::uint64_t length) const;
  char at(std::uint64_t offset) const;
  // The same bytes with the one at `offset` inverted: only the chunk holding
  // it is copied (bit rot on one replica).
  Bytes with_flipped_byte(std::uint64_t offset) const;

  // Known digests cost nothing; otherwise they are computed now.
  std::string md5_hex() const;
  std::string sha256_hex() const;
  bool has_md5() const;
  bool has_sha256() const;

  // Identity, not content: the same chunks at the same places.
  bool same_buffers(const Bytes& other) const;
  // Holders of this rope (every copy of one Bytes shares it): for figures.
  long use_count() const { return rope_.use_count(); }
  // Distinct chunks, and the bytes they hold (what is resident for them).
  std::vector<const std::string*> chunks() const;

 private:
  struct Rope {
    std::vector<BodySlice> pieces;
    std::uint64_t size = 0;
    std::string md5_hex, sha256_hex;
  };
  explicit Bytes(std::shared_ptr<const Rope> rope) : rope_(std::move(rope)) {}
  std::shared_ptr<const Rope> rope_;  // null: empty
};

// Concatenation without copying: adjacent slices of one chunk are merged.
class BytesBuilder {
 public:
  void append(const Bytes& bytes);
  void append(const Payload& data, std::uint64_t offset, std::uint64_t length);
  std::uint64_t size() const { return size_; }
  Bytes build(std::string md5_hex = {}, std::string sha256_hex = {});

 private:
  std::vector<BodySlice> pieces_;
  std::uint64_t size_ = 0;
};

}  // namespace stalemate
