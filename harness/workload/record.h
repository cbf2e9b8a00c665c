// `stalemate run --record`: the run's own workload as a trace. Each top-level
// step is an event of client "main", each branch of a parallel step an event
// of a client named after the branch; events are timed by when the steps
// actually started. Steps a trace cannot carry (wait, clock, heal, quiesce,
// consistency, flush_cache) are left out and counted: the timing keeps waits.
#pragma once

#include <vector>

#include "harness/history.h"
#include "harness/run_plan.h"
#include "harness/workload/replay_timing.h"
#include "harness/workload/trace.h"

namespace stalemate::harness::workload {

Trace record_trace(const RunPlan& plan, const std::vector<StepStart>& starts);

// report["replay"] of a trace or generator workload: the compiled summary,
// the start-time error of the timed steps and the throughput of the parallel
// part (its requests, their bytes both ways, per second).
nlohmann::json replay_report(const RunPlan& plan, const History& history, const std::vector<StepStart>& starts);

}  // namespace stalemate::harness::workload
