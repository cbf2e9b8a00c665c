// `stalemate suite`: every scenario of a folder against a candidate registry
// binary (and optionally a baseline binary on the same seeds), with a
// comparison table, JUnit XML, and an exit status that says whether the
// candidate broke an invariant. Each case is a child `stalemate run`
// (campaign/child_run.h), as in a sweep; Ctrl-C lets it write its partial report.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace stalemate::campaign {

struct SuiteOptions {
  std::vector<std::string> paths;      // scenario files, or folders searched recursively for *.json
  std::string registry = "/usr/bin/docker-registry";
  std::optional<std::string> baseline;
  std::string junit;                   // "" = no JUnit file
  std::string out_dir = "stalemate-out/suite";
  unsigned seeds = 1;                  // runs per stochastic scenario (seeds 1..N)
  unsigned jobs = 1;                   // cases run at once (each its own fake, registry and ports)
  bool controls = false;               // also run each scenario as its negative control
  bool fail_on_availability = false;   // a failed push or pull fails the suite too (--fail-on availability)
  bool include_long = false;           // also "long" and "calibration" scenarios (minutes each)
};

// Returns 0 when the candidate held every invariant and shows none of the
// expected incidents, 1 when it broke an invariant, still shows an incident or
// fails a control (or, with fail_on_availability, a push or pull failed),
// 2 for bad input, 3 when a run could not be carried out.
int run_suite(const SuiteOptions& options);

}  // namespace stalemate::campaign
