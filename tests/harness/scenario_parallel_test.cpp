// Parallel steps as a scenario gives them: a list of steps or branches started
// together, "clients": N as shorthand for N copies, "at" offsets inside them,
// and the errors for what cannot be run (nested parallel steps, "at" outside
// one, too many clients), each naming the file and the JSON path.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"
#include "scenario_errors.h"

using namespace stalemate;
using namespace stalemate::harness;
using nlohmann::json;

namespace {

json with_steps(const json& steps) {
  json j = json::parse(R"({
    "name": "parallel",
    "workload": {"images": [{"repository": "a/b", "layers": [{"size": "1KiB"}]},
                            {"repository": "a/c", "layers": [{"size": "2KiB"}]}]}
  })");
  j["workload"]["steps"] = steps;
  return j;
}

std::string parse_error(const json& j) { return test::scenario_parse_error(j, "par.json"); }

}  // namespace

TEST_CASE("clients: N becomes a parallel step of N clients each doing the step", "[harness][scenario][parallel]") {
  const auto s = parse_scenario(with_steps(json::parse(R"([{"push": 1, "clients": 4, "client": "dockerd"}])")), "par.json");
  REQUIRE(s.workload.steps.size() == 1);
  const auto& st = s.workload.steps[0];
  CHECK(st.kind == Step::Kind::Parallel);
  REQUIRE(st.branches.size() == 4);
  for (const auto& b : st.branches) {
    REQUIRE(b.steps.size() == 1);
    CHECK(b.steps[0].kind == Step::Kind::Push);
    CHECK(b.steps[0].image == 1);
    CHECK(b.steps[0].client == "dockerd");
  }
  const auto plan = make_run_plan(s, {});
  REQUIRE(plan.steps.size() == 1);
  REQUIRE(plan.steps[0].branches.size() == 4);
  CHECK(plan.steps[0].branches[3].label == "/workload/steps/0 client 4");
  CHECK(plan.steps[0].branches[0].steps[0].push == PushProfile::Dockerd);
  CHECK(plan.steps[0].describe() == "4 clients at once");
}

TEST_CASE("a parallel step holds single steps and named branches with start offsets", "[harness][scenario][parallel]") {
  const auto s = parse_scenario(with_steps(json::parse(R"([
      {"push": 0},
      {"parallel": [
        {"pull": 0, "by": "digest", "at": "250ms"},
        {"name": "pusher", "steps": [{"wait": "10ms"}, {"push": 1, "at": "1s"}, {"restart": 0}, {"faults": []}]}
      ]}])")),
                                "par.json");
  REQUIRE(s.workload.steps.size() == 2);
  const auto& par = s.workload.steps[1];
  REQUIRE(par.branches.size() == 2);
  CHECK(par.branches[0].steps[0].at_us == 250'000);
  CHECK(par.branches[0].steps[0].by_digest);
  CHECK(par.branches[1].label == "pusher");
  REQUIRE(par.branches[1].steps.size() == 4);
  CHECK(par.branches[1].steps[0].at_us == -1);
  CHECK(par.branches[1].steps[1].at_us == 1'000'000);
  CHECK(par.branches[1].steps[1].where == "/workload/steps/1/parallel/1/steps/1");

  const auto plan = make_run_plan(s, {});
  CHECK(plan.steps[1].branches[1].label == "pusher");
  CHECK(plan.steps[1].branches[0].label == "/workload/steps/1 client 1");
  CHECK(plan.steps[1].branches[1].steps[1].at_us == 1'000'000);
  const auto j = plan_to_json(plan);
  CHECK(j["steps"][1]["clients"][1]["steps"][1]["at_ms"] == 1000);

  // The negative control drops fault steps inside parallel branches too.
  RunOptions control;
  control.control = true;
  const auto controlled = make_run_plan(s, control);
  CHECK(controlled.steps[1].branches[1].steps.size() == 3);
}

TEST_CASE("parallel steps that cannot run are refused naming the file and the JSON path", "[harness][scenario][parallel]") {
  struct Case {
    const char* steps;
    const char* pointer;
    const char* words;
  };
  const Case cases[] = {
      {R"([{"parallel": [{"parallel": [{"push": 0}]}]}])", "/workload/steps/0/parallel/0/parallel", "nested"},
      {R"([{"push": 0, "at": "1s"}])", "/workload/steps/0/at", "unknown key"},
      {R"([{"parallel": [{"push": 0, "clients": 2}]}])", "/workload/steps/0/parallel/0/clients", "unknown key"},
      {R"([{"push": 0, "clients": 0}])", "/workload/steps/0/clients", "1 to 256 clients"},
      {R"([{"pull": 0, "clients": 257}])", "/workload/steps/0/clients", "1 to 256 clients"},
      {R"([{"wait": "1s", "clients": 2}])", "/workload/steps/0/clients", "unknown key"},
      {R"([{"parallel": []}])", "/workload/steps/0/parallel", "non-empty"},
      {R"([{"parallel": [{"steps": [{"push": 5}]}]}])", "/workload/steps/0/parallel/0/steps/0/push", "out of range"},
      {R"([{"parallel": [{"push": 0, "at": "11m"}]}])", "/workload/steps/0/parallel/0/at", "0 to 10 minutes"},
      {R"([{"parallel": [{"steps": [], "label": "x"}]}])", "/workload/steps/0/parallel/0/label", "unknown key"},
      {R"([{"parallel": [{"flush_cache": true}]}])", "/workload/steps/0/parallel/0", "redis"},
      {R"([{"pull": 0, "after_push": true}])", "/workload/steps/0/after_push", "only a pull inside a parallel step"},
      {R"([{"parallel": [{"pull": 1, "after_push": true}, {"push": 0}]}])", "/workload/steps/0/parallel/0/after_push",
       "pushes image 1"},
      {R"([{"parallel": [{"steps": [{"pull": 0, "after_push": true}, {"push": 0}]}]}])",
       "/workload/steps/0/parallel/0/steps/0/after_push", "pushes image 0"},
      {R"([{"parallel": [{"pull": 0, "after_push": true}]}, {"push": 0}])", "/workload/steps/0/parallel/0/after_push",
       "pushes image 0"},
      {R"([{"delete": 2}])", "/workload/steps/0/delete", "out of range"},
      {R"([{"delete": 0, "clients": 2}])", "/workload/steps/0/clients", "unknown key"},
  };
  for (const auto& c : cases) {
    const auto what = parse_error(with_steps(json::parse(c.steps)));
    INFO(c.steps << " -> " << what);
    CHECK(what.find("par.json") != std::string::npos);
    CHECK(what.find(c.pointer) != std::string::npos);
    CHECK(what.find(c.words) != std::string::npos);
  }
}

TEST_CASE("after_push pulls wait for a push before them, beside them or earlier in their branch; delete steps",
          "[harness][scenario][parallel]") {
  const auto s = parse_scenario(with_steps(json::parse(R"([
      {"push": 1},
      {"parallel": [
        {"pull": 0, "after_push": true},
        {"steps": [{"push": 0}, {"pull": 0, "after_push": true}, {"delete": "a/b"}]},
        {"pull": 1, "after_push": true}
      ]},
      {"delete": 1, "via": 0}])")),
                                "par.json");
  const auto plan = make_run_plan(s, {});
  const auto& par = plan.steps.at(1);
  CHECK(par.branches[0].steps[0].after_push);
  CHECK(par.branches[0].steps[0].describe() == "pull image 0 by tag (plain) once pushed");
  CHECK(par.branches[1].steps[1].after_push);
  CHECK(par.branches[1].steps[2].kind == Step::Kind::Delete);
  CHECK(par.branches[1].steps[2].image == 0);
  CHECK(par.branches[2].steps[0].after_push);
  CHECK(plan.steps.at(2).kind == Step::Kind::Delete);
  CHECK(plan.steps.at(2).via == 0);
}

TEST_CASE("steps inside parallel steps count against the step limit", "[harness][scenario][parallel]") {
  json branch_steps = json::array();
  for (int i = 0; i < 400; ++i) branch_steps.push_back({{"wait", "0s"}});
  json parallel = json::array();
  for (int i = 0; i < 256; ++i) parallel.push_back({{"steps", branch_steps}});
  const auto what = parse_error(with_steps(json::array({{{"parallel", parallel}}})));
  INFO(what);
  CHECK(what.find("/workload/steps") != std::string::npos);
  CHECK(what.find("steps in all") != std::string::npos);
}
