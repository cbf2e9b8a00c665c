// A scenario made ready to run, before anything starts: the command-line
// options applied, the seeds final, every placeholder resolved, every fault
// rule parsed and checked against the store's topology, the default steps
// filled in. A bad rule in the last step is exit 2 here, in milliseconds —
// not a failure mid-run. The run executes the plan and never re-parses it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/registry_client.h"
#include "harness/scenario.h"
#include "sim/model/consistency.h"
#include "sim/model/fault_rules.h"

namespace stalemate::harness {

struct RunOptions {
  std::string out_dir;                         // "" = stalemate-out/<scenario name>
  std::optional<std::string> registry_binary;  // overrides the scenario's
  std::optional<std::uint64_t> seed;           // overrides the scenario's
  // The negative control: no fault rules, no phases, no lag, and X-Newest on
  // every object read — the same workload must then hold every invariant.
  bool control = false;
  // One line per step on stderr ("stalemate run" sets it; the suite does not).
  bool progress = false;
};

struct PlannedBranch;

// One step, typed: what the step loop executes.
struct PlannedStep {
  Step::Kind kind = Step::Kind::Push;
  std::string where;  // JSON pointer of the step ("" for default steps), for messages
  std::size_t image = 0;
  std::string client;
  PushProfile push = PushProfile::Single;
  PullProfile pull = PullProfile::Plain;
  bool by_digest = false;
  bool after_push = false;  // Pull: wait until some client has pushed the image
  std::uint64_t slice_size = 1u << 20;
  int via = -1;        // -1: the front
  int instance = -1;   // Restart, Kill: -1 all
  std::int64_t duration_us = 0;
  bool delete_untagged = false;  // GarbageCollect
  std::vector<sim::FaultRule> rules;  // Faults, placeholders resolved, checked against the topology
  // Consistency: parsed and checked against the topology; applied over the
  // knobs in force when the step runs.
  sim::ConsistencyPatch consistency;
  bool flip_byte_after = false;  // the checker self-test corrupts the store after this step
  // Inside a parallel step: start no earlier than this offset from its start (-1: none).
  std::int64_t at_us = -1;
  std::vector<PlannedBranch> branches;  // Parallel: one client each, started together

  std::string describe() const;  // "push image 0 (dockerd)", "wait 60s", "3 clients at once"
};

// The steps one client of a parallel step runs, in order.
struct PlannedBranch {
  std::string label;  // names the client in the report and in error lines
  std::vector<PlannedStep> steps;
};

struct RunPlan {
  Scenario scenario;  // options applied; backend.model.rules resolved and checked
  std::vector<PlannedStep> steps;
  std::filesystem::path out_dir;
  bool control = false;
  bool progress = false;
};

// Throws InputError naming the file and JSON path.
RunPlan make_run_plan(Scenario scenario, const RunOptions& options);
// Every knob the run starts with and every step as it will run (for the report).
nlohmann::json plan_to_json(const RunPlan& plan);

// The seed that generates a layer's bytes: the scenario seed mixed with the
// layer's own, so equal layer seeds give shared layers within a run and a new
// scenario seed gives new content.
std::uint64_t layer_content_seed(std::uint64_t scenario_seed, std::uint64_t layer_seed);

}  // namespace stalemate::harness
