// The global budget of request-body bytes in flight across all connections:
// a request reserves its declared Content-Length (and chunked bytes as they
// arrive) before they are read, and is answered 503 when the reservation
// would exceed the budget, so many large uploads at once cannot grow the
// process without bound. Free of Beast.
#pragma once

#include <atomic>
#include <cstdint>

namespace stalemate::sim {

// A quarter of physical RAM (the default budget); 1 GiB when unknown.
std::uint64_t default_body_budget();

class BodyBudget {
 public:
  explicit BodyBudget(std::uint64_t limit) : limit_(limit) {}
  bool try_reserve(std::uint64_t bytes);  // false (nothing reserved) when over the limit
  void release(std::uint64_t bytes);
  std::uint64_t limit() const { return limit_; }
  std::uint64_t in_flight() const { return in_flight_.load(); }

 private:
  const std::uint64_t limit_;
  std::atomic<std::uint64_t> in_flight_{0};
};

// One request's share of the budget; released when reset or destroyed (the
// connection closed mid-body).
class BodyReservation {
 public:
  explicit BodyReservation(BodyBudget& budget) : budget_(budget) {}
  ~BodyReservation() { reset(); }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  // Grows the reservation to `total` bytes; false when the budget refuses.
  bool grow_to(std::uint64_t total);
  void reset();
  std::uint64_t held() const { return held_; }

 private:
  BodyBudget& budget_;
  std::uint64_t held_ = 0;
};

}  // namespace stalemate::sim
