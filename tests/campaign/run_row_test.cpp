// A run's row from its report.json, and the CSV it becomes.
#include <catch2/catch.hpp>

#include "campaign/run_row.h"
#include "reports/sweep_html.h"
#include "reports/verdict.h"

using namespace stalemate::campaign;
using json = nlohmann::json;

TEST_CASE("row: operations, violations, latencies and the front's peaks come from the report") {
  const auto report = json::parse(R"J({
    "verdict": "FAIL: 2 invariant violation(s)",
    "operations": [
      {"f": "push-blob", "outcome": "ok", "invoke_us": 0, "complete_us": 100000},
      {"f": "push-blob", "outcome": "fail", "invoke_us": 0, "complete_us": 300000},
      {"f": "push-manifest", "outcome": "unknown", "invoke_us": 0, "complete_us": 200000},
      {"f": "pull-blob", "outcome": "ok", "invoke_us": 0, "complete_us": 5000},
      {"f": "verify-blob", "outcome": "fail", "invoke_us": 0, "complete_us": 1}],
    "violations": [{"invariant": "blob-digest"}, {"invariant": "blob-digest"}, {"invariant": "head-size"}],
    "front": {"filesystems": {"spool": {"peak_bytes": 4096}}}})J");
  const auto m = metrics_from_report(report);
  CHECK(m["pushes_ok"] == 1);
  CHECK(m["pushes_failed"] == 2);  // fail and unknown
  CHECK(m["pulls_ok"] == 1);
  CHECK(m["pulls_failed"] == 0);   // verify-* are not the workload's
  CHECK(m["push_failure_rate"].get<double>() == Approx(2.0 / 3));
  CHECK(m["violations"] == 3);
  CHECK(m["violations_by_kind"] == json{{"blob-digest", 2}, {"head-size", 1}});
  CHECK(m["push_p50_ms"].get<double>() == Approx(200));
  CHECK(m["push_p99_ms"].get<double>() == Approx(300));
  CHECK(m["pull_p50_ms"].get<double>() == Approx(5));
  CHECK(m["spool_peak_bytes"] == 4096);
  CHECK(m["cache_peak_bytes"].is_null());
}

TEST_CASE("row: no operations gives null latencies") {
  const auto m = metrics_from_report(json::object());
  CHECK(m["push_p50_ms"].is_null());
  CHECK(m["push_failure_rate"] == 0.0);
}

TEST_CASE("row: CSV quotes what needs quoting and lists violations by kind") {
  const json row{{"run", "c000-s1"}, {"cell", "c000"}, {"params", {{"size", "4MiB"}}}, {"seed", 1},
                 {"verdict", "FAIL: a, \"b\""}, {"violations_by_kind", {{"blob-digest", 2}, {"head-size", 1}}}};
  const auto header = csv_header({"size"});
  CHECK(header.rfind("run,cell,size,seed,exit,", 0) == 0);
  const auto line = csv_line(row, {"size"});
  CHECK(line.rfind("c000-s1,c000,4MiB,1,", 0) == 0);
  CHECK(line.find("\"FAIL: a, \"\"b\"\"\"") != std::string::npos);
  CHECK(line.find("blob-digest:2;head-size:1") != std::string::npos);
  // As many fields as the header: one comma more, the one inside the quoted verdict.
  CHECK(std::count(header.begin(), header.end(), ',') == std::count(line.begin(), line.end(), ',') - 1);
}

TEST_CASE("row: the failure-rate band is the Wilson interval") {
  const auto [lo, hi] = stalemate::reports::wilson_interval(0, 10);
  CHECK(lo == 0.0);
  CHECK(hi == Approx(0.2775).epsilon(0.01));
  const auto [lo5, hi5] = stalemate::reports::wilson_interval(5, 10);
  CHECK(lo5 < 0.5);
  CHECK(hi5 > 0.5);
}

TEST_CASE("row: a child run's verdict reads back as it was written (the suite tallies it)") {
  using namespace stalemate::reports;
  RunVerdict v;
  v.verdict = Verdict::Fail;
  v.violations = 3;
  v.failed_operations = 1;
  v.workload_must_complete = false;
  v.by_invariant = {{"blob-digest", 2}, {"head-size", 1}};
  v.checkers = {{"blob-read", Verdict::Fail, 2}, {"head-size", Verdict::Unknown, 1}};
  const auto back = verdict_from_json(verdict_json(v));
  CHECK(back.verdict == Verdict::Fail);
  CHECK(back.violations == 3);
  CHECK(back.failed_operations == 1);
  CHECK_FALSE(back.workload_must_complete);
  CHECK(back.by_invariant == v.by_invariant);
  REQUIRE(back.checkers.size() == 2);
  CHECK(back.checkers[1].verdict == Verdict::Unknown);
  CHECK(render_verdict_line(back) == render_verdict_line(v));
  RunVerdict infra;
  infra.infrastructure = true;
  infra.infrastructure_error = "registry-0 died";
  const auto infra_back = verdict_from_json(verdict_json(infra));
  CHECK(infra_back.infrastructure);
  CHECK(infra_back.infrastructure_error == "registry-0 died");
}
