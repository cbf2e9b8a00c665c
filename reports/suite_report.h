// `stalemate suite` output rendered from tallies: the comparison table (one
// row per scenario and control, one cell per registry binary), each run's
// progress line and the closing line. The tallies are data (harness/suite.cpp
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
  int failed = 0;      // runs whose verdict is fail
  int infra = 0;       // runs that could not be carried out
  int reproduced = 0;  // runs where the scenario's "expect" happened
  bool expects = false;  // the scenario has an "expect" (and this is not the control)
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
// The closing "SUITE     …" line for the candidate's exit code (0, 1, 3).
std::string render_suite_verdict(int exit_code);

}  // namespace stalemate::reports
