#include "harness/workload/replay_timing.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace stalemate::harness::workload {

std::size_t StepClock::record(StepStart s) {
  std::lock_guard lock(mutex_);
  starts_.push_back(std::move(s));
  return starts_.size() - 1;
}

void StepClock::finish(std::size_t index, std::int64_t ended_us) {
  std::lock_guard lock(mutex_);
  starts_.at(index).ended_us = ended_us;
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
  // The previous step's end per (client, step), to tell an idle client from a busy one.
  std::map<std::pair<std::string, std::size_t>, std::int64_t> ended;
  for (const auto& s : starts) ended[{s.client, s.step}] = s.ended_us;
  std::vector<std::int64_t> errors, scheduler;
  for (const auto& s : starts) {
    if (s.planned_us < 0) continue;
    const auto error = s.started_us - s.origin_us - s.planned_us;
    errors.push_back(error);
    const auto prev = s.step == 0 ? s.origin_us : ended.count({s.client, s.step - 1}) ? ended[{s.client, s.step - 1}] : -1;
    if (prev >= 0 && prev <= s.origin_us + s.planned_us) scheduler.push_back(error);
  }
  std::sort(errors.begin(), errors.end());
  std::sort(scheduler.begin(), scheduler.end());
  nlohmann::json out = summary.is_object() ? summary : nlohmann::json::object();
  out["timed_steps"] = errors.size();
  out["steps_started"] = starts.size();
  auto summary_of = [](const std::vector<std::int64_t>& v) {
    return nlohmann::json{{"steps", v.size()}, {"p50", percentile(v, 50)}, {"p99", percentile(v, 99)},
                          {"max", v.back()},   {"min", v.front()}};
  };
  if (!errors.empty()) out["start_error_us"] = summary_of(errors);
  if (!scheduler.empty()) out["scheduler_error_us"] = summary_of(scheduler);
  const double seconds = std::max<double>(1e-6, static_cast<double>(duration_us) / 1e6);
  out["duration_s"] = static_cast<double>(duration_us) / 1e6;
  out["throughput"] = {{"steps_per_s", static_cast<double>(starts.size()) / seconds},
                       {"requests_per_s", static_cast<double>(requests) / seconds},
                       {"mib_per_s", static_cast<double>(bytes) / (1 << 20) / seconds}};
  return out;
}

}  // namespace stalemate::harness::workload
