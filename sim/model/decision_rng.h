// Replayable randomness. Every random decision of the model is a pure
// function of the scenario seed and the identity of what is being decided
// (e.g. "read-order", "PUT c/o#3", replica 2) — never of thread timing — so
// the same seed and request sequence give the same decisions (as in
// FoundationDB's simulator).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace stalemate::sim {

class DecisionRng {
 public:
  explicit DecisionRng(std::uint64_t seed = 1) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }

  // A 64-bit value for (purpose, identity, index).
  std::uint64_t bits(std::string_view purpose, std::string_view identity, std::uint64_t index = 0) const;
  // Uniform in [0, 1).
  double uniform(std::string_view purpose, std::string_view identity, std::uint64_t index = 0) const;
  // A permutation of 0..n-1.
  std::vector<int> permutation(int n, std::string_view purpose, std::string_view identity, std::uint64_t index = 0) const;

 private:
  std::uint64_t seed_;
};

}  // namespace stalemate::sim
