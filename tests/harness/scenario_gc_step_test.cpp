// The garbage_collect step (M11): the registry's own offline GC as a
// workload step, its option, its plan line, and the errors for a bad one.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"

using namespace stalemate;
using namespace stalemate::harness;
using nlohmann::json;

namespace {
json with_steps(const json& steps) {
  json j = json::parse(R"({"name": "gc", "workload": {"images": [{"repository": "a/b", "layers": [{"size": "1KiB"}]}]}})");
  j["workload"]["steps"] = steps;
  return j;
}
}  // namespace

TEST_CASE("garbage_collect steps parse with and without --delete-untagged and describe themselves",
          "[harness][scenario]") {
  const auto s = parse_scenario(
      with_steps(json::parse(R"([{"push": 0}, {"garbage_collect": {"delete_untagged": true}}, {"garbage_collect": {}}])")),
      "gc.json");
  REQUIRE(s.workload.steps.size() == 3);
  CHECK(s.workload.steps[1].kind == Step::Kind::GarbageCollect);
  CHECK(s.workload.steps[1].delete_untagged);
  CHECK_FALSE(s.workload.steps[2].delete_untagged);
  const auto plan = make_run_plan(s, {});
  CHECK(plan.steps[1].describe() == "registry garbage-collect --delete-untagged");
  CHECK(plan.steps[2].describe() == "registry garbage-collect");
}

TEST_CASE("a garbage_collect step with an unknown option is refused at its JSON path", "[harness][scenario]") {
  try {
    parse_scenario(with_steps(json::parse(R"([{"garbage_collect": {"dry_run": true}}])")), "gc.json");
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("gc.json") != std::string::npos);
    CHECK(std::string(e.what()).find("/workload/steps/0/garbage_collect") != std::string::npos);
  }
}
