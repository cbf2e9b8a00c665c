#include "harness/workload/replay_timing.h"

#include <algorithm>
#include <cmath>

namespace stalemate::harness::workload {

void StepClock::record(StepStart s) {
  std::lock_guard lock(mutex_);
  starts_.push_back(std::move(s));
}

std::vector<StepStart> StepClock::starts() const {
  std::lock_guard lock(mutex_);
  return starts_;
}

namespace {

// Nearest-rank percentile of a sorted sample.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace

nlohmann::json replay_fidelity(const nlohmann::json& summary, const std::vector<StepStart>& starts,
                               std::size_t requests, std::uint64_t bytes, std::int64_t duration_us) {
  std::vector<std::int64_t> errors;
  for (const auto& s : starts)
    if (s.planned_us >= 0) errors.push_back(s.started_us - s.origin_us - s.planned_us);
  std::sort(errors.begin(), errors.end());
  nlohmann::json out = summary.is_object() ? summary : nlohmann::json::object();
  out["timed_steps"] = errors.size();
  out["steps_started"] = starts.size();
  if (!errors.empty())
    out["start_error_us"] = {{"p50", percentile(errors, 50)},
                             {"p99", percentile(errors, 99)},
                             {"max", errors.back()},
                             {"min", errors.front()}};
  const double seconds = std::max<double>(1e-6, static_cast<double>(duration_us) / 1e6);
  out["duration_s"] = static_cast<double>(duration_us) / 1e6;
  out["throughput"] = {{"steps_per_s", static_cast<double>(starts.size()) / seconds},
                       {"requests_per_s", static_cast<double>(requests) / seconds},
                       {"mib_per_s", static_cast<double>(bytes) / (1 << 20) / seconds}};
  return out;
}

}  // namespace stalemate::harness::workload
