// When each step of a run started, against when the plan (a replayed trace's
// offsets) said it should: the replay's fidelity, and the timing a recorded
// trace keeps.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::harness::workload {

struct StepStart {
  std::string client;             // "main" for the top-level sequence, else the parallel branch's label
  std::size_t step = 0;           // index in the client's sequence (top level: the step number)
  std::int64_t planned_us = -1;   // the step's offset from its parallel step's start (-1: none)
  std::int64_t started_us = 0;    // wall clock, microseconds since the epoch
  std::int64_t origin_us = 0;     // wall clock of the start of the sequence the offset counts from
};

// Thread-safe log of step starts (branches record from their own threads).
class StepClock {
 public:
  void record(StepStart s);
  std::vector<StepStart> starts() const;

 private:
  mutable std::mutex mutex_;
  std::vector<StepStart> starts_;
};

// report["replay"]: the compiled trace's summary plus the start-time error
// (actual start - origin - offset) p50/p99/max over the timed steps, the
// replay's duration and its throughput (operations, requests and bytes per second).
nlohmann::json replay_fidelity(const nlohmann::json& summary, const std::vector<StepStart>& starts,
                               std::size_t requests, std::uint64_t bytes, std::int64_t duration_us);

}  // namespace stalemate::harness::workload
