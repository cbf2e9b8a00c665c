// Runs one scenario end to end: start the fake backend, start the real
// registry on it, push the workload, (optionally corrupt), pull and check,
// verify what was acknowledged, stop everything, write the report.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/scenario.h"
#include "reports/verdict.h"

namespace stalemate::harness {

struct RunOptions {
  std::string out_dir;                         // "" = stalemate-out/<scenario name>
  std::optional<std::string> registry_binary;  // overrides the scenario's
  std::optional<std::uint64_t> seed;           // overrides the scenario's
  // The negative control: no fault rules, no phases, no lag, and X-Newest on
  // every object read — the same workload must then hold every invariant.
  bool control = false;
};

enum ExitCode { kExitPass = 0, kExitViolation = 1, kExitBadInput = 2, kExitInfrastructure = 3 };

struct RunOutcome {
  int exit_code = kExitPass;
  nlohmann::json report;
  std::string report_path;
  bool reproduced = false;  // every expected invariant broke (scenarios with "expect")
  reports::RunVerdict verdict;  // the checkers' verdict, as data (report["verdict"] is its text)
};

// Throws InputError (bad scenario) or InfrastructureError (registry would not
// start, port in use…); invariant violations are in the outcome.
RunOutcome run_scenario(Scenario scenario, const RunOptions& options);

// The seed that generates a layer's bytes: the scenario seed mixed with the
// layer's own, so equal layer seeds give shared layers within a run and a new
// scenario seed gives new content.
std::uint64_t layer_content_seed(std::uint64_t scenario_seed, std::uint64_t layer_seed);

}  // namespace stalemate::harness
