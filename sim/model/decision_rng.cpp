#include "sim/model/decision_rng.h"

#include <numeric>

namespace stalemate::sim {

namespace {
std::uint64_t mix(std::uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
std::uint64_t fnv1a(std::string_view s, std::uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}
}  // namespace

std::uint64_t DecisionRng::bits(std::string_view purpose, std::string_view identity, std::uint64_t index) const {
  std::uint64_t h = fnv1a(purpose, 0xCBF29CE484222325ull ^ mix(seed_));
  h = fnv1a("\x1f", h);
  h = fnv1a(identity, h);
  return mix(h ^ mix(index + 0x9E3779B97F4A7C15ull));
}

double DecisionRng::uniform(std::string_view purpose, std::string_view identity, std::uint64_t index) const {
  return static_cast<double>(bits(purpose, identity, index) >> 11) * 0x1.0p-53;
}

std::vector<int> DecisionRng::permutation(int n, std::string_view purpose, std::string_view identity,
                                          std::uint64_t index) const {
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  // Fisher-Yates with one derived value per step
  for (int i = n - 1; i > 0; --i) {
    const auto j = static_cast<int>(bits(purpose, identity, index * 64 + static_cast<std::uint64_t>(i)) %
                                    static_cast<std::uint64_t>(i + 1));
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

}  // namespace stalemate::sim
