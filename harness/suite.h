// `stalemate suite`: every scenario of a folder against a candidate registry
// binary (and optionally a baseline binary on the same seeds), with a
// comparison table, JUnit XML, and an exit status that says whether the
// candidate broke an invariant.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace stalemate::harness {

struct SuiteOptions {
  std::vector<std::string> paths;      // scenario files, or folders searched recursively for *.json
  std::string registry = "/usr/bin/docker-registry";
  std::optional<std::string> baseline;
  std::string junit;                   // "" = no JUnit file
  std::string out_dir = "stalemate-out/suite";
  unsigned seeds = 1;                  // runs per stochastic scenario (seeds 1..N)
  bool controls = false;               // also run each scenario as its negative control
  bool include_long = false;           // also "long" and "calibration" scenarios (minutes each)
};

// Returns 0 when the candidate held every invariant, 1 when it broke one,
// 2 for bad input, 3 when a run could not be carried out.
int run_suite(const SuiteOptions& options);

}  // namespace stalemate::harness
