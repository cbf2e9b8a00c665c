// Runs exploration cases as child `stalemate run` processes (campaign/child_run.h),
// `jobs` at a time, and classifies each finished run. Each case has its own
// fake store, registry and out dir, so cases never share a blob-descriptor
// cache, a repository or a store; a small case costs about 0.3 s (registry start
// included), so a process per case keeps restarts and deletes safe at no real cost.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "campaign/explore/finding.h"

namespace stalemate::campaign::explore {

struct CaseRun {
  std::filesystem::path dir;   // the run's out dir (scenario.json, report.json, stalemate.log)
  nlohmann::json scenario;
  std::uint64_t seed = 0;
};

struct CaseResult {
  Finding finding;
  int exit_code = 0;
  double seconds = 0;
};

struct RunnerOptions {
  std::optional<std::string> registry;
  bool control = false;  // every run as its negative control (stalemate run --control)
  unsigned jobs = 1;
};

// Runs every case (jobs at a time) and returns their results in order. On
// Ctrl-C the running children write partial reports and Interrupted is thrown.
std::vector<CaseResult> run_cases(const std::vector<CaseRun>& cases, const RunnerOptions& options);

}  // namespace stalemate::campaign::explore
