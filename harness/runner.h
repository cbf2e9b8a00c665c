// Runs one scenario end to end: plan it (everything parsed and checked before
// anything starts), start the fake backend and the real registry on it, run
// the steps, let the store converge and verify what was acknowledged, stop
// everything, write the report. A child that dies unasked, or Ctrl-C, stops
// the run with a partial report saying why.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/run_plan.h"
#include "harness/scenario.h"
#include "harness/workload/replay_timing.h"
#include "reports/verdict.h"

namespace stalemate::harness {

// 128 + signal (SIGINT 130, SIGTERM 143) when interrupted: see README, "Exit codes".
enum ExitCode { kExitPass = 0, kExitViolation = 1, kExitBadInput = 2, kExitInfrastructure = 3 };

struct RunOutcome {
  int exit_code = kExitPass;
  nlohmann::json report;
  std::string report_path;
  bool reproduced = false;  // every expected invariant broke (scenarios with "expect")
  reports::RunVerdict verdict;  // the checkers' verdict, as data (report["verdict"] is its text)
  std::vector<workload::StepStart> step_starts;  // when each step began (stalemate run --record)
};

// Throws InputError (bad scenario, found before any process starts),
// InfrastructureError (registry would not start, a child died mid-run…) or
// Interrupted (SIGINT/SIGTERM in OnInterrupt::Abort mode); the last two after
// writing a partial report. Invariant violations are in the outcome.
RunOutcome run_scenario(Scenario scenario, const RunOptions& options);
RunOutcome run_plan(RunPlan plan);

}  // namespace stalemate::harness
