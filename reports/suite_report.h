// `stalemate suite` output rendered from tallies: the comparison table (one
// row per scenario and control, one cell per registry binary), each run's
// progress line and the closing line. The tallies are data (campaign/suite.cpp
// counts them from typed verdicts); nothing here reads a report back.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "reports/verdict.h"

namespace stalemate::reports {

// The runs of one scenario (or its control) with one binary.
struct SuiteCell {
  int runs = 0;
  int failed = 0;      // runs that count as failures (see campaign/suite.cpp: integrity, a still-present
                       // incident, a failed control, availability with --fail-on availability)
  int infra = 0;       // runs that could not be carried out (outcome infrastructure)
  int clean = 0, integrity = 0, availability = 0;  // the other outcomes
  int reproduced = 0;  // runs where the scenario's "expect" (its incident) happened
  bool expects = false;  // the scenario has an "expect" (and this is not the control)

  // The incident is still there (some run reproduced it), or fixed (no run did, and some ran).
  bool present() const { return expects && reproduced > 0; }
  bool fixed() const { return expects && reproduced == 0 && infra < runs; }
};

// What the candidate did to the incidents, and what it broke that was whole.
struct SuiteSummary {
  int incidents = 0;    // scenarios with an expected incident
  int fixed = 0;        // ... that the candidate no longer shows
  int present = 0;      // ... that it still shows
  int fixed_from_baseline = 0;  // present with the baseline, fixed with the candidate (0 without a baseline)
  int newly_failing = 0;  // rows the candidate fails where the baseline passes (without a baseline: failures
                          // in rows that expect none: checks and controls)
  bool has_baseline = false;
};

struct SuiteRow {
  std::string scenario;  // with " [control]" for the negative control
  std::string kind;
  std::vector<SuiteCell> cells;  // one per binary, in the order of the header
};

// The 95 % Wilson score interval of a hit rate of k in n runs, as
// fractions [low, high] ({0, 1} for n = 0). Wilson, not the normal
// approximation: it stays inside [0, 1] and is honest at 0/20 and 20/20.
std::pair<double, double> wilson_interval(int k, int n);

std::string render_suite_table(const std::vector<std::string>& binaries, const std::vector<SuiteRow>& rows);
// "  candidate  m2-short-body [control]  seed 1  PASS: every invariant held  3s"
std::string render_case_line(const std::string& binary, const std::string& scenario, bool control,
                             std::uint64_t seed, const RunVerdict& verdict, double seconds);
// Tallied from the rows' cells: the first cell is the candidate's, the second (if any) the baseline's.
SuiteSummary summarize(const std::vector<SuiteRow>& rows);
// "incidents 9: 2 fixed, 7 still present; newly failing: 0" (and what the baseline showed).
std::string render_suite_summary(const SuiteSummary& s);
// The closing "SUITE     …" line for the candidate's exit code (0, 1, 3).
std::string render_suite_verdict(int exit_code);

}  // namespace stalemate::reports
