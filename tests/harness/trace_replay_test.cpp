// Replay fidelity from step start times, and recording a planned run as a trace.
#include <catch2/catch.hpp>

#include "harness/run_plan.h"
#include "harness/scenario.h"
#include "harness/workload/record.h"
#include "harness/workload/replay_timing.h"

using namespace stalemate;
using namespace stalemate::harness;
using namespace stalemate::harness::workload;

TEST_CASE("replay fidelity: lateness over every timed step, scheduler error over idle clients only", "[harness][trace]") {
  // Branch a: step 0 planned at 0 started 100us late and ran 1 s; step 1 planned at 0.5 s had to
  // wait for it (busy), started at 1 s. Branch b: planned at 2 s, started 300us late (idle).
  const std::int64_t o = 1'000'000'000;
  std::vector<StepStart> s = {{"main", 0, -1, o - 10, 0, o + 5'000'000},
                              {"a", 0, 0, o + 100, o, o + 1'000'000},
                              {"a", 1, 500'000, o + 1'000'050, o, o + 1'200'000},
                              {"b", 0, 2'000'000, o + 2'000'300, o, o + 2'100'000}};
  const auto j = replay_fidelity({{"trace_id", "t"}}, s, 40, 10 << 20, 2'000'000);
  CHECK(j["trace_id"] == "t");
  CHECK(j["timed_steps"] == 3);
  CHECK(j["start_error_us"]["max"] == 500'050);
  CHECK(j["start_error_us"]["min"] == 100);
  CHECK(j["scheduler_error_us"]["steps"] == 2);
  CHECK(j["scheduler_error_us"]["max"] == 300);
  CHECK(j["throughput"]["requests_per_s"] == 20.0);
  CHECK(j["throughput"]["mib_per_s"] == 5.0);
}

TEST_CASE("a recorded run is a trace of its pushes and pulls per client, timed as they ran", "[harness][trace]") {
  const auto scenario = parse_scenario(nlohmann::json::parse(R"({
    "name": "rec",
    "workload": {
      "images": [{"repository": "r/a", "layers": [{"size": 1000, "seed": 1}]},
                 {"repository": "r/b", "format": "oci", "layers": [{"size": 2000, "seed": 2}]}],
      "steps": [{"push": 0, "client": "dockerd"}, {"wait": "1s"},
                {"parallel": [{"name": "p", "steps": [{"pull": 0, "client": "containerd"}]},
                              {"steps": [{"push": 1}, {"pull": 1, "by": "digest", "at": "1s"}]}]}]}})"),
                                        "rec.json");
  const auto plan = make_run_plan(scenario, {});
  const std::int64_t o = 5'000'000;
  const auto& branch2 = plan.steps[2].branches[1].label;
  const std::vector<StepStart> starts = {{"main", 0, -1, o, 0},           {"main", 1, -1, o + 100, 0},
                                         {"main", 2, -1, o + 1'000'200, 0}, {"p", 0, -1, o + 1'000'300, o + 1'000'200},
                                         {branch2, 0, -1, o + 1'000'300, o + 1'000'200},
                                         {branch2, 1, 1'000'000, o + 2'000'400, o + 1'000'200}};
  const auto t = record_trace(plan, starts);
  REQUIRE(t.events.size() == 4);
  CHECK(t.events[0].client == "main");
  CHECK(t.events[0].profile == "dockerd");
  CHECK(t.events[0].at_us == 0);
  CHECK(t.notes["unrecorded_steps"] == 1);  // the wait: its time is in the offsets
  CHECK(t.events[1].at_us == 1'000'300);
  CHECK(t.events.back().client == branch2);
  CHECK(t.events.back().by_digest);
  CHECK(t.events.back().at_us == 2'000'400);
  validate_trace(t, "recorded");  // it replays: every pull follows its push
}
