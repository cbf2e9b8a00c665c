// Deterministic blob content: byte i of a blob is a pure function of
// (seed, i), so a 1 GiB layer needs no file and any range can be regenerated
// to check what a server returned.
#pragma once

#include <cstdint>
#include <string>

namespace stalemate::harness {

class LayerContent {
 public:
  LayerContent(std::uint64_t seed, std::uint64_t size);
  std::uint64_t size() const { return size_; }
  std::uint64_t seed() const { return seed_; }
  // Writes bytes [offset, offset+n) into buf; offset+n must not exceed size().
  void fill(std::uint64_t offset, char* buf, std::size_t n) const;
  std::string bytes(std::uint64_t offset, std::size_t n) const;
  // "sha256:<hex>" of the whole content, computed by streaming (cached).
  const std::string& digest() const;

 private:
  std::uint64_t seed_;
  std::uint64_t size_;
  mutable std::string digest_;
};

}  // namespace stalemate::harness
