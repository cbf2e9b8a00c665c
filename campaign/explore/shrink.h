// Greedy shrinking of a failing case along rapidcheck's shrink tree: try the
// shrinks of the current case in rapidcheck's order (a batch at a time, so
// --jobs runs them at once), move to the first that still fails with the SAME
// kind of finding, and stop when none does or the bounds are reached. The
// judge runs cases; it is a parameter so the search is tested without a registry.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "campaign/explore/case_gen.h"
#include "campaign/explore/finding.h"

namespace stalemate::campaign::explore {

struct ShrinkBounds {
  std::size_t max_runs = 150;                // candidate runs in all
  std::chrono::seconds max_time{600};        // wall time
  unsigned batch = 1;                        // candidates judged at once
  // Runs of a candidate before it is rejected: under lag a failure depends on
  // the registry's random upload ids, so one clean run does not prove a shrink wrong.
  unsigned tries = 2;
};

struct ShrinkResult {
  ExploreCase minimal;
  Finding finding;          // what the minimal case showed
  std::size_t steps = 0;    // accepted shrinks
  std::size_t runs = 0;     // candidates run
  double seconds = 0;
  bool exhausted = false;   // no shrink of the minimal case fails the same way (else a bound stopped it)
};

// Runs a batch of cases and says what each showed, in order.
using Judge = std::function<std::vector<Finding>(const std::vector<ExploreCase>&)>;
// Called after each accepted step (progress lines).
using ShrinkProgress = std::function<void(const ShrinkResult&)>;

ShrinkResult shrink_case(const rc::Shrinkable<ExploreCase>& failing, const Finding& target, const Judge& judge,
                         const ShrinkBounds& bounds, const ShrinkProgress& progress = nullptr);

// Two cases that run the same scenario (a shrink may change nothing that runs:
// a step that was skipped anyway) share this key.
std::string case_key(const ExploreCase& c);

}  // namespace stalemate::campaign::explore
