// The suite's table and summary as a patch author reads them: each cell the
// worst outcome and whether the expected incident is still there, and the
// counts of incidents fixed, still present and newly failing.
#include <catch2/catch.hpp>

#include "reports/suite_report.h"

using namespace stalemate::reports;

namespace {

SuiteCell cell(int clean, int integrity, int availability, int reproduced, bool expects, int failed) {
  SuiteCell c;
  c.clean = clean;
  c.integrity = integrity;
  c.availability = availability;
  c.runs = clean + integrity + availability;
  c.reproduced = reproduced;
  c.expects = expects;
  c.failed = failed;
  return c;
}

}  // namespace

TEST_CASE("suite cells: the worst outcome, and reproduced or fixed for incidents", "[reports][suite]") {
  const std::vector<SuiteRow> rows = {
      {"m2-short-body", "targeted", {cell(0, 1, 0, 1, true, 1), cell(0, 1, 0, 1, true, 1)}},
      {"m6-listing-wait", "targeted", {cell(1, 0, 0, 0, true, 0), cell(0, 0, 1, 1, true, 1)}},
      {"m1-stochastic", "stochastic", {cell(13, 7, 0, 5, true, 7), cell(12, 8, 0, 6, true, 8)}},
      {"tiny", "check", {cell(0, 0, 1, 0, false, 1), cell(1, 0, 0, 0, false, 0)}},
  };
  const auto table = render_suite_table({"candidate", "baseline"}, rows);
  INFO(table);
  CHECK(table.find("integrity: reproduced FAIL") != std::string::npos);
  CHECK(table.find("clean: fixed") != std::string::npos);
  CHECK(table.find("availability: reproduced FAIL") != std::string::npos);
  CHECK(table.find("integrity 7/20, hit 5/20 (95% 11-47%): reproduced FAIL") != std::string::npos);
  CHECK(table.find("availability FAIL") != std::string::npos);

  const auto summary = summarize(rows);
  CHECK(summary.has_baseline);
  CHECK(summary.incidents == 3);
  CHECK(summary.fixed == 1);
  CHECK(summary.present == 2);
  CHECK(summary.fixed_from_baseline == 1);
  CHECK(summary.newly_failing == 1);  // "tiny": the baseline passes it
  CHECK(render_suite_summary(summary) ==
        "incidents 3: 1 fixed, 2 still present (1 fixed that the baseline shows); newly failing: 1 (the baseline "
        "passes them)");
}

TEST_CASE("suite summary without a baseline: failures outside the incidents are newly failing", "[reports][suite]") {
  const std::vector<SuiteRow> rows = {
      {"m2-short-body", "targeted", {cell(0, 1, 0, 1, true, 1)}},
      {"m2-short-body [control]", "targeted", {cell(0, 1, 0, 0, false, 1)}},
      {"tiny", "check", {cell(1, 0, 0, 0, false, 0)}},
  };
  const auto s = summarize(rows);
  CHECK_FALSE(s.has_baseline);
  CHECK(s.incidents == 1);
  CHECK(s.present == 1);
  CHECK(s.fixed == 0);
  CHECK(s.newly_failing == 1);  // the control
}
