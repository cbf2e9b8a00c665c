#include "sim/server/body_budget.h"

#include <unistd.h>

namespace stalemate::sim {

std::uint64_t default_body_budget() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 1ull << 30;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 4;
}

bool BodyBudget::try_reserve(std::uint64_t bytes) {
  std::uint64_t current = in_flight_.load();
  do {
    if (bytes > limit_ || current > limit_ - bytes) return false;
  } while (!in_flight_.compare_exchange_weak(current, current + bytes));
  return true;
}

void BodyBudget::release(std::uint64_t bytes) { in_flight_.fetch_sub(bytes); }

bool BodyReservation::grow_to(std::uint64_t total) {
  if (total <= held_) return true;
  if (!budget_.try_reserve(total - held_)) return false;
  held_ = total;
  return true;
}

void BodyReservation::reset() {
  if (held_) budget_.release(held_);
  held_ = 0;
}

}  // namespace stalemate::sim
