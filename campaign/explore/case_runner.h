// Runs exploration cases `jobs` at a time and classifies each finished run.
// With reuse (the default), each job keeps a worker (registry_worker.h): one
// fake store and one registry process for consecutive cases, the store reset
// between them. A small Swift case costs about 0.45 s as a child `stalemate run`,
// most of it the registry's start; in a reused registry only its workload.
// A case that needs processes of its own (several instances, Redis, garbage-collect,
// nginx: harness::reuse_obstacle) runs as a child `stalemate run`, as every
// case does with reuse off.
//
// The registry's descriptor cache outlives the store reset, so the caller
// gives every case run layers of its own (case_to_scenario's salt): the cache
// cannot answer for another run's blobs, and the draws do not change (digest
// ordinals, sim/model/name_ordinals.h).
#pragma once

#include <cstdint>
#include <memory>
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
  bool reused = false;    // ran in a worker's registry
  int registry_pid = -1;  // that registry's pid (reused runs)
  std::string fallback;   // why it ran as a child `stalemate run` although reuse was on
  std::filesystem::path log;  // what ran it wrote there (the child run's or the worker's log)
};

struct RunnerOptions {
  std::optional<std::string> registry;
  bool control = false;  // every run as its negative control (stalemate run --control)
  unsigned jobs = 1;
  bool reuse = true;                  // keep a registry per job across cases
  std::filesystem::path workers_dir;  // the workers' folders (registry config and log); "" = no reuse
};

class RegistryWorker;

// Runs cases; its workers (one per job) live as long as it does, so that one
// registry serves every batch of an exploration: its cases, shrinks and so on.
class CaseRunner {
 public:
  explicit CaseRunner(RunnerOptions options);
  ~CaseRunner();  // stops the workers and their registries
  CaseRunner(const CaseRunner&) = delete;
  CaseRunner& operator=(const CaseRunner&) = delete;

  // Runs every case (jobs at a time) and returns their results in order. On
  // Ctrl-C the running cases write partial reports and Interrupted is thrown.
  std::vector<CaseResult> run(const std::vector<CaseRun>& cases);
  const RunnerOptions& options() const { return options_; }

 private:
  struct Slot;
  RunnerOptions options_;
  std::vector<std::unique_ptr<RegistryWorker>> workers_;  // by job
  std::size_t workers_started_ = 0;                        // names their folders
};

}  // namespace stalemate::campaign::explore
