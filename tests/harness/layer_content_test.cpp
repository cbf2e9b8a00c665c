#include <catch2/catch.hpp>

#include <chrono>
#include <random>

#include "common/crypto.h"
#include "harness/layer_content.h"

using stalemate::harness::LayerContent;

TEST_CASE("layer content is deterministic", "[harness][layer]") {
  const LayerContent a(42, 100000), b(42, 100000);
  CHECK(a.bytes(0, 100000) == b.bytes(0, 100000));
  CHECK(a.size() == 100000);
  CHECK(a.seed() == 42);
}

TEST_CASE("byte i depends only on seed and i, not on the size", "[harness][layer]") {
  const LayerContent small(7, 1000), big(7, 1 << 20);
  CHECK(small.bytes(0, 1000) == big.bytes(0, 1000));
}

TEST_CASE("fill at arbitrary offsets equals the slice of a full fill", "[harness][layer]") {
  const std::uint64_t size = 10007;
  const LayerContent c(123456789, size);
  const std::string full = c.bytes(0, size);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t off = rng() % (size + 1);
    const std::size_t n = static_cast<std::size_t>(rng() % (size - off + 1));
    INFO("offset " << off << " length " << n);
    REQUIRE(c.bytes(off, n) == full.substr(off, n));
  }
  // Every alignment of short reads at the start and end.
  for (std::uint64_t off = 0; off < 17; ++off)
    for (std::size_t n = 0; n < 17; ++n) {
      REQUIRE(c.bytes(off, n) == full.substr(off, n));
      const std::uint64_t tail = size - off - n;  // reads that end near the end
      REQUIRE(c.bytes(tail, n) == full.substr(tail, n));
    }
}

TEST_CASE("different seeds give different content", "[harness][layer]") {
  const LayerContent a(1, 4096), b(2, 4096);
  const std::string x = a.bytes(0, 4096), y = b.bytes(0, 4096);
  CHECK(x != y);
  std::size_t same = 0;
  for (std::size_t i = 0; i < x.size(); ++i) same += x[i] == y[i];
  CHECK(same < 64);  // ~16 expected by chance
  CHECK(a.digest() != b.digest());
}

TEST_CASE("fill beyond the end throws", "[harness][layer]") {
  const LayerContent c(1, 100);
  char buf[16];
  CHECK_THROWS(c.fill(90, buf, 11));
  CHECK_NOTHROW(c.fill(90, buf, 10));
}

TEST_CASE("digest is the sha256 of the bytes", "[harness][layer]") {
  for (std::uint64_t size : {0ull, 1ull, 7ull, 8ull, 9ull, 1000ull, (1ull << 20) + 3, (3ull << 20) + 5}) {
    const LayerContent c(99, size);
    INFO("size " << size);
    CHECK(c.digest() == "sha256:" + stalemate::sha256_hex(c.bytes(0, size)));
    CHECK(&c.digest() == &c.digest());  // cached
  }
  CHECK(LayerContent(5, 0).digest() == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("fill throughput", "[harness][layer][.bench]") {
  const std::uint64_t size = 1ull << 30;
  const LayerContent c(3, size);
  std::string buf(1 << 20, '\0');
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t off = 0; off < size; off += buf.size()) c.fill(off, buf.data(), buf.size());
  const double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto t1 = std::chrono::steady_clock::now();
  c.digest();
  const double digest_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  WARN("fill: " << (size / fill_s / 1e9) << " GB/s; fill+sha256: " << (size / digest_s / 1e9) << " GB/s");
}
