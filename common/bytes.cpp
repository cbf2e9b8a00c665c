#include "common/bytes.h"

#include <algorithm>
#include <stdexcept>

#include "common/crypto.h"

namespace stalemate {

Payload make_payload(std::string bytes) { return std::make_shared<const std::string>(std::move(bytes)); }

const Payload& empty_payload() {
  static const Payload empty = std::make_shared<const std::string>();
  return empty;
}

namespace {
const std::vector<BodySlice>& no_pieces() {
  static const std::vector<BodySlice> none;
  return none;
}
}  // namespace

Bytes::Bytes(Payload whole) {
  if (!whole || whole->empty()) return;
  auto rope = std::make_shared<Rope>();
  rope->size = whole->size();
  rope->pieces.push_back({std::move(whole), 0, rope->size});
  rope_ = std::move(rope);
}

Bytes Bytes::of(std::string text) { return Bytes(make_payload(std::move(text))); }

Bytes Bytes::from_pieces(std::vector<BodySlice> pieces, std::string md5_hex, std::string sha256_hex) {
  auto rope = std::make_shared<Rope>();
  for (auto& p : pieces) {
    if (p.length == 0) continue;
    if (!p.data || p.offset + p.length > p.data->size()) throw std::out_of_range("Bytes: a piece outside its chunk");
    rope->size += p.length;
    rope->pieces.push_back(std::move(p));
  }
  if (rope->size == 0) {
    if (md5_hex.empty() && sha256_hex.empty()) return {};
  }
  rope->md5_hex = std::move(md5_hex);
  rope->sha256_hex = std::move(sha256_hex);
  return Bytes(std::shared_ptr<const Rope>(std::move(rope)));
}

std::uint64_t Bytes::size() const { return rope_ ? rope_->size : 0; }
const std::vector<BodySlice>& Bytes::pieces() const { return rope_ ? rope_->pieces : no_pieces(); }

Bytes Bytes::slice(std::uint64_t offset, std::uint64_t length) const {
  const std::uint64_t n = size();
  if (offset >= n || length == 0) return {};
  length = std::min(length, n - offset);
  if (offset == 0 && length == n) return *this;  // keeps the known digests
  BytesBuilder b;
  std::uint64_t at = 0;
  for (const auto& p : pieces()) {
    if (at + p.length <= offset) {
      at += p.length;
      continue;
    }
    if (at >= offset + length) break;
    const std::uint64_t from = std::max(offset, at) - at;
    const std::uint64_t to = std::min(offset + length, at + p.length) - at;
    b.append(p.data, p.offset + from, to - from);
    at += p.length;
  }
  return b.build();
}

std::string Bytes::str() const { return substr(0, size()); }

std::string Bytes::substr(std::uint64_t offset, std::uint64_t length) const {
  std::string out;
  const Bytes part = slice(offset, length);
  out.reserve(part.size());
  for (const auto& p : part.pieces()) out.append(*p.data, p.offset, p.length);
  return out;
}

char Bytes::at(std::uint64_t offset) const {
  std::uint64_t at = 0;
  for (const auto& p : pieces()) {
    if (offset < at + p.length) return (*p.data)[p.offset + (offset - at)];
    at += p.length;
  }
  throw std::out_of_range("Bytes::at past the end");
}

Bytes Bytes::with_flipped_byte(std::uint64_t offset) const {
  if (offset >= size()) throw std::out_of_range("Bytes::with_flipped_byte past the end");
  BytesBuilder b;
  std::uint64_t at = 0;
  for (const auto& p : pieces()) {
    if (offset >= at && offset < at + p.length) {
      std::string copy = p.data->substr(p.offset, p.length);
      copy[offset - at] = static_cast<char>(copy[offset - at] ^ 0xff);
      const auto n = copy.size();
      b.append(make_payload(std::move(copy)), 0, n);
    } else {
      b.append(p.data, p.offset, p.length);
    }
    at += p.length;
  }
  return b.build();
}

namespace {
std::string digest_of(const std::vector<BodySlice>& pieces, const char* algorithm) {
  StreamingDigest d(algorithm);
  for (const auto& p : pieces) d.update(p.data->data() + p.offset, p.length);
  return d.hex_final();
}
}  // namespace

std::string Bytes::md5_hex() const {
  if (rope_ && !rope_->md5_hex.empty()) return rope_->md5_hex;
  return digest_of(pieces(), "md5");
}

std::string Bytes::sha256_hex() const {
  if (rope_ && !rope_->sha256_hex.empty()) return rope_->sha256_hex;
  return digest_of(pieces(), "sha256");
}

bool Bytes::has_md5() const { return rope_ && !rope_->md5_hex.empty(); }
bool Bytes::has_sha256() const { return rope_ && !rope_->sha256_hex.empty(); }

bool Bytes::same_buffers(const Bytes& other) const {
  if (rope_ == other.rope_) return true;
  const auto& a = pieces();
  const auto& b = other.pieces();
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const BodySlice& x, const BodySlice& y) {
           return x.data == y.data && x.offset == y.offset && x.length == y.length;
         });
}

std::vector<const std::string*> Bytes::chunks() const {
  std::vector<const std::string*> out;
  for (const auto& p : pieces())
    if (out.empty() || out.back() != p.data.get()) out.push_back(p.data.get());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void BytesBuilder::append(const Bytes& bytes) {
  for (const auto& p : bytes.pieces()) append(p.data, p.offset, p.length);
}

void BytesBuilder::append(const Payload& data, std::uint64_t offset, std::uint64_t length) {
  if (length == 0) return;
  if (!pieces_.empty()) {
    BodySlice& last = pieces_.back();
    if (last.data == data && last.offset + last.length == offset) {
      last.length += length;
      size_ += length;
      return;
    }
  }
  pieces_.push_back({data, offset, length});
  size_ += length;
}

Bytes BytesBuilder::build(std::string md5_hex, std::string sha256_hex) {
  size_ = 0;
  return Bytes::from_pieces(std::move(pieces_), std::move(md5_hex), std::move(sha256_hex));
}

}  // namespace stalemate
