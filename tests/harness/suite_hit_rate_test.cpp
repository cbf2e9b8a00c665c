// The suite's hit rates carry a 95 % Wilson interval (issue 14): a patch
// author reads "hit 11/20 (95% 34-74%)" and knows how much 20 seeds say.
#include <catch2/catch.hpp>

#include "reports/suite_report.h"

using namespace stalemate::reports;

TEST_CASE("Wilson 95 % interval: known values, bounds at 0/n and n/n", "[reports][suite]") {
  auto [lo, hi] = wilson_interval(11, 20);
  CHECK(lo == Approx(0.342).margin(0.001));
  CHECK(hi == Approx(0.742).margin(0.001));
  std::tie(lo, hi) = wilson_interval(0, 20);
  CHECK(lo == Approx(0.0).margin(1e-9));
  CHECK(hi == Approx(0.161).margin(0.001));
  std::tie(lo, hi) = wilson_interval(20, 20);
  CHECK(lo == Approx(0.839).margin(0.001));
  CHECK(hi == Approx(1.0).margin(1e-9));
  CHECK(wilson_interval(0, 0) == std::pair<double, double>{0.0, 1.0});
}

TEST_CASE("the suite table prints a stochastic row's hit rate with its interval", "[reports][suite]") {
  SuiteCell cell;
  cell.runs = 20;
  cell.failed = 12;
  cell.integrity = 12;
  cell.clean = 8;
  cell.reproduced = 11;
  cell.expects = true;
  const auto table = render_suite_table({"candidate"}, {SuiteRow{"m1-stochastic", "stochastic", {cell}}});
  INFO(table);
  CHECK(table.find("integrity 12/20, hit 11/20 (95% 34-74%): reproduced FAIL") != std::string::npos);
}
