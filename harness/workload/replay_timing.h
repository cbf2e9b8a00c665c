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
  std::int64_t ended_us = -1;     // wall clock when it ended (-1: it did not)
};

// Thread-safe log of step starts (branches record from their own threads).
class StepClock {
 public:
  std::size_t record(StepStart s);                  // returns its index, for finish()
  void finish(std::size_t index, std::int64_t ended_us);
  std::vector<StepStart> starts() const;

 private:
  mutable std::mutex mutex_;
  std::vector<StepStart> starts_;
};

// report["replay"]: the compiled trace's summary plus the start-time error
// (actual start - origin - offset) p50/p99/max/min over the timed steps —
// "start_error_us" over all of them (lateness, including a client still busy
// with its previous step), "scheduler_error_us" over those whose client was
// idle at their offset (the replay's own timing error) — the replay's
// duration and its throughput (steps, requests and MiB per second).
nlohmann::json replay_fidelity(const nlohmann::json& summary, const std::vector<StepStart>& starts,
                               std::size_t requests, std::uint64_t bytes, std::int64_t duration_us);

}  // namespace stalemate::harness::workload
