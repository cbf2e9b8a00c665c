// A scenario whose workload is a trace file or a generator: compiled before
// anything starts into images and one parallel step of timed branches.
#include <catch2/catch.hpp>

#include <fstream>

#include "common/json_reader.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"
#include "test_support.h"

using namespace stalemate;
using namespace stalemate::harness;

namespace {

const char* kTrace =
    R"({"stalemate_trace": 1, "id": "t"}
{"op": "push", "at": "0s", "client": "b1", "profile": "dockerd", "image": {"repository": "app/web", "tag": "v1", "layers": [{"token": "base", "size": "1MiB"}]}}
{"op": "pull", "at": "2s", "client": "n1", "profile": "containerd", "repository": "app/web", "tag": "v1"}
{"op": "pull", "at": "3s", "client": "n2", "repository": "app/web", "tag": "v1", "by": "digest"}
)";

std::string write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

Scenario scenario_with(const test::TempDir& dir, const nlohmann::json& workload) {
  const nlohmann::json s = {{"name", "replay"}, {"workload", workload}};
  return load_scenario(write(dir.path() / "scenario.json", s.dump()));
}

std::string error_of(const test::TempDir& dir, const nlohmann::json& workload) {
  try {
    scenario_with(dir, workload);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("workload.trace: the trace's clients become timed branches of one parallel step", "[harness][trace]") {
  test::TempDir dir;
  write(dir.path() / "t.jsonl", kTrace);
  const auto s = scenario_with(dir, {{"trace", "t.jsonl"}, {"speed", 2}, {"scale", 0.5}});
  REQUIRE(s.workload.images.size() == 1);
  CHECK(s.workload.images[0].image.layers[0].size == 512 * 1024);
  CHECK(s.workload.replay["clients"] == nlohmann::json({"b1", "n1", "n2"}));
  const auto plan = make_run_plan(s, {});
  REQUIRE(plan.steps.size() == 1);
  REQUIRE(plan.steps[0].kind == Step::Kind::Parallel);
  const auto& branches = plan.steps[0].branches;
  REQUIRE(branches.size() == 3);
  CHECK(branches[0].label == "b1");
  CHECK(branches[0].steps[0].push == PushProfile::Dockerd);
  CHECK(branches[1].steps[0].at_us == 1'000'000);  // 2 s at speed 2
  CHECK(branches[1].steps[0].pull == PullProfile::Containerd);
  CHECK(branches[2].steps[0].at_us == 1'500'000);
  CHECK(branches[2].steps[0].by_digest);
}

TEST_CASE("workload.generator: a deploy-train scenario plans pushes and pulls per client", "[harness][trace]") {
  test::TempDir dir;
  const auto s = scenario_with(dir, {{"generator", {{"kind", "deploy-train"}, {"builders", 1}, {"images", 2}, {"nodes", 3}, {"scale", 0.001}}},
                                     {"speed", "max"}});
  CHECK(s.workload.images.size() == 2);
  const auto plan = make_run_plan(s, {});
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].branches.size() == 2 + 3);  // two push lanes, three nodes
  for (const auto& b : plan.steps[0].branches)
    for (const auto& st : b.steps) CHECK(st.at_us == -1);  // as fast as possible
}

TEST_CASE("a trace workload is checked whole before anything starts", "[harness][trace]") {
  test::TempDir dir;
  write(dir.path() / "t.jsonl", kTrace);
  write(dir.path() / "bad.jsonl", std::string(kTrace) + R"({"op": "pull", "at": "4s", "client": "n3", "repository": "nope", "tag": "v1"})" + "\n");
  CHECK_THAT(error_of(dir, {{"trace", "missing.jsonl"}}), Catch::Contains("/workload/trace: no trace file"));
  CHECK_THAT(error_of(dir, {{"trace", "bad.jsonl"}}), Catch::Contains("bad.jsonl:5: pull of nope:v1"));
  CHECK_THAT(error_of(dir, {{"trace", "t.jsonl"}, {"steps", nlohmann::json::array()}}), Catch::Contains("no \"images\" or \"steps\""));
  CHECK_THAT(error_of(dir, {{"trace", "t.jsonl"}, {"speed", "fast"}}), Catch::Contains("/workload/speed"));
  CHECK_THAT(error_of(dir, {{"trace", "t.jsonl"}, {"scale", 0}}), Catch::Contains("/workload/scale"));
  CHECK_THAT(error_of(dir, {{"trace", "t.jsonl"}, {"speed", 0.001}}), Catch::Contains("offsets replay up to 10 minutes"));
  CHECK_THAT(error_of(dir, {{"generator", {{"kind", "deploy-train"}, {"nodes", 0}}}}), Catch::Contains("/workload/generator/nodes"));
}
