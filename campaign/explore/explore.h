// `stalemate explore`: property-based end-to-end search against a real
// registry build. Cases (case_gen.h) are drawn from one seeded rapidcheck
// Random, run `jobs` at a time as child runs (case_runner.h), and classified
// (finding.h); the first case that breaks something is shrunk (shrink.h) —
// workload and faults together, keeping the same kind of finding — re-run at
// its seed to confirm, and saved as a scenario with the finding in "expect".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "campaign/explore/case_gen.h"
#include "campaign/explore/shrink.h"

namespace stalemate::campaign::explore {

struct ExploreOptions {
  CaseOptions cases;
  std::optional<std::string> registry;   // the registry binary (default: the scenario's, /usr/bin/docker-registry)
  std::size_t max_cases = 100;
  std::chrono::seconds budget{600};       // exploration time (shrinking has its own bound)
  std::uint64_t seed = 1;
  std::string save_dir;                   // "" = <out>/found
  std::string out_dir = "stalemate-out/explore";
  unsigned jobs = 1;
  bool control = false;                   // every run as its negative control (no faults, no lag, X-Newest)
  // One registry per job across cases (case_runner.h); false: every case a child `stalemate run`.
  bool reuse = true;
  // Stop after this many kinds were found and reproduced at their seed (a case that
  // did not reproduce is saved, and the kind stays open).
  std::size_t findings = 1;
  ShrinkBounds shrink;
  unsigned confirm_runs = 3;              // re-runs of the shrunk case at its seed
};

struct Counterexample {
  Finding finding;                // the failing case's: the kind every shrink step kept
  std::size_t case_index = 0;     // which generated case failed (from 0)
  std::uint64_t seed = 0;         // its scenario seed: the replay's --seed
  std::size_t original_operations = 0, shrunk_operations = 0;
  std::size_t shrunk_requests = 0;  // client HTTP requests of the minimal run
  ShrinkResult shrink;
  unsigned confirmed = 0;         // of confirm_runs re-runs, how many showed the same kind
  std::string file;               // the saved scenario
  std::string replay;             // the command that replays it
};

struct ExploreResult {
  std::size_t cases = 0, failing = 0, infrastructure = 0;
  double seconds = 0;             // exploration time, without shrinking
  double cases_per_minute = 0;
  std::size_t reused = 0;         // exploration cases run in a reused registry
  std::size_t fallbacks = 0;      // exploration cases that needed a child `stalemate run`
  std::set<int> registry_pids;    // the reused registries' pids
  std::vector<Counterexample> found;
};

// The scenario seed of generated case `index` (from 0) under exploration seed `seed`.
std::uint64_t case_seed(std::uint64_t seed, std::size_t index);

// The cases an exploration draws, in order (what `explore` runs; tests check determinism).
std::vector<rc::Shrinkable<ExploreCase>> draw_cases(const CaseOptions& options, std::uint64_t seed, std::size_t first,
                                                    std::size_t count);

// Throws Interrupted on Ctrl-C (after the running cases wrote partial reports).
ExploreResult run_explore(const ExploreOptions& options);

// The saved scenario: the minimal case, "kind": "targeted" at its seed, the
// finding in "expect", and a description naming the likely mechanism.
nlohmann::json counterexample_scenario(const ExploreCase& minimal, const Counterexample& c, const std::string& name,
                                       std::uint64_t explore_seed);
nlohmann::json result_json(const ExploreResult& r);

}  // namespace stalemate::campaign::explore
