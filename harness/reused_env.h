// A fake backend and one registry process kept alive across runs, for drivers
// of many small runs (stalemate explore): each run resets the store
// (Store::reset) instead of starting a fake and a registry. Only a plan that
// needs nothing the shared processes lack can use it (reuse_obstacle); a run
// in it must behave as the same plan run fresh, which the caller helps by
// giving each run layers of its own (the registry's descriptor cache outlives
// the store reset).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner.h"

namespace stalemate::harness {

class FakeBackend;
class RegistryFleet;

struct ReusedEnvironment {
  std::unique_ptr<FakeBackend> backend;
  std::unique_ptr<RegistryFleet> fleet;  // one instance
  nlohmann::json backend_spec;           // what a plan must match: the scenario's backend sans the model
  nlohmann::json registry_spec;          // its registry section and binary
  nlohmann::json registry_report;        // the report's "registry" (binary, version, config, instances)
  std::vector<std::string> registry_logs;
  std::int64_t store_wall_start_us = 0;
  std::size_t runs = 0;                  // runs so far
  int registry_pid() const;
  ~ReusedEnvironment();
};

// Starts the fake and the registry for `plan`'s backend and registry (its
// fault plan is not applied: each run installs its own). Files go to plan.out_dir.
// Throws InfrastructureError (the registry did not start) or Interrupted.
std::unique_ptr<ReusedEnvironment> start_reused_environment(const RunPlan& plan);

// "" when `plan` can run in `env` (null: in an environment started for it);
// otherwise why it needs processes of its own.
std::string reuse_obstacle(const RunPlan& plan, const ReusedEnvironment* env);

// run_plan() in `env`: resets the store to the plan's model, runs, writes the
// report; the processes stay up. Throws like run_plan; after an
// InfrastructureError or Interrupted the environment must not be used again.
RunOutcome run_plan_reusing(RunPlan plan, ReusedEnvironment& env);

}  // namespace stalemate::harness
