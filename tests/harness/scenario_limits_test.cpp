// Every size, duration and count a scenario gives is range-checked when it is
// parsed (exit 2 naming the file and JSON path), and the run plan checks the
// fault rules of every step against the topology before anything starts.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"
#include "scenario_errors.h"

using namespace stalemate;
using namespace stalemate::harness;
using nlohmann::json;

namespace {

json base_scenario() {
  return json::parse(R"({
    "name": "limits",
    "workload": {"images": [{"repository": "a/b", "layers": [{"size": "1KiB"}]}]}
  })");
}

std::string parse_error(const json& j) { return test::scenario_parse_error(j, "limits.json"); }

std::string plan_error(const json& j) {
  try {
    make_run_plan(parse_scenario(j, "limits.json"), {});
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void check_refused(const json& j, const std::string& pointer) {
  const auto what = parse_error(j);
  INFO(what);
  CHECK(what.find("limits.json") != std::string::npos);
  CHECK(what.find(pointer) != std::string::npos);
}

}  // namespace

TEST_CASE("the base scenario parses", "[harness][scenario]") { CHECK(parse_error(base_scenario()).empty()); }

TEST_CASE("layer sizes are capped per layer and per workload", "[harness][scenario]") {
  auto j = base_scenario();
  j["workload"]["images"][0]["layers"][0]["size"] = 1125899906842624ull;
  check_refused(j, "/workload/images/0/layers/0/size");
  j["workload"]["images"][0]["layers"][0]["size"] = "1048576GiB";
  check_refused(j, "/workload/images/0/layers/0/size");
  j["workload"]["images"][0]["layers"][0]["size"] = "64GiB";
  CHECK(parse_error(j).empty());
  // Five 64 GiB layers pass one by one but not together.
  for (int i = 0; i < 4; ++i) j["workload"]["images"][0]["layers"].push_back({{"size", "64GiB"}});
  check_refused(j, "/workload/images/0");
  CHECK(parse_error(j).find("256GiB") != std::string::npos);
}

TEST_CASE("chunk and slice sizes are capped at 5 GiB", "[harness][scenario]") {
  auto j = base_scenario();
  j["registry"] = {{"chunksize", "100000GiB"}};
  check_refused(j, "/registry/chunksize");
  j["registry"]["chunksize"] = "5GiB";
  CHECK(parse_error(j).empty());

  j = base_scenario();
  j["workload"]["push"] = {{"mode", "chunked"}, {"chunk_size", "6GiB"}};
  check_refused(j, "/workload/push/chunk_size");
  j = base_scenario();
  j["workload"]["images"][0]["push"] = {{"chunk_size", "1000000GiB"}};
  check_refused(j, "/workload/images/0/push/chunk_size");

  j = base_scenario();
  j["workload"]["steps"] = json::array({{{"push", 0}}, {{"pull", 0}, {"client", "slices"}, {"slice_size", "8GiB"}}});
  check_refused(j, "/workload/steps/1/slice_size");
}

TEST_CASE("wait and clock durations are range-checked", "[harness][scenario]") {
  auto j = base_scenario();
  j["workload"]["steps"] = json::array({{{"push", 0}}, {{"clock", "1e30s"}}});
  check_refused(j, "/workload/steps/1/clock");
  j["workload"]["steps"][1] = {{"clock", "400d"}};
  check_refused(j, "/workload/steps/1/clock");
  j["workload"]["steps"][1] = {{"clock", "720h"}};
  CHECK(parse_error(j).empty());
  j["workload"]["steps"][1] = {{"clock", 8760 * 3600.0 * 2}};  // two years, in seconds
  check_refused(j, "/workload/steps/1/clock");
  j["workload"]["steps"][1] = {{"wait", "1e30s"}};
  check_refused(j, "/workload/steps/1/wait");
  j["workload"]["steps"][1] = {{"wait", "11m"}};
  check_refused(j, "/workload/steps/1/wait");
}

TEST_CASE("counts are checked before they are narrowed", "[harness][scenario]") {
  auto j = base_scenario();
  j["registry"] = {{"instances", 4294967297ull}};  // 2^32 + 1: would narrow to 1
  check_refused(j, "/registry/instances");
  j["registry"] = {{"instances", 5}};
  check_refused(j, "/registry/instances");
  j = base_scenario();
  j["backend"] = {{"replicas", {{"objects", 4294967299ull}}}};  // would narrow to 3
  check_refused(j, "/backend/replicas/objects");
  j = base_scenario();
  j["backend"] = {{"swift", {{"max_deletes_per_request", 4294967296ull}}}};  // would narrow to 0
  check_refused(j, "/backend/swift/max_deletes_per_request");
}

TEST_CASE("the run plan refuses a rule naming a replica the store does not have, in any step", "[harness][plan]") {
  auto j = base_scenario();
  j["workload"]["steps"] = json::array({{{"push", 0}},
                                        {{"pull", 0}},
                                        {{"faults", json::array({{{"kind", "ROW"}, {"replicas", {5}}}})}}});
  const auto what = plan_error(j);  // parse_scenario or the plan: before anything starts
  INFO(what);
  CHECK(what.find("limits.json") != std::string::npos);
  CHECK(what.find("/workload/steps/2/faults/0") != std::string::npos);
  CHECK(what.find("replica c5 is beyond the 3 container replicas") != std::string::npos);

  j["backend"] = {{"replicas", {{"containers", 5}}}};
  CHECK(plan_error(j).empty());

  auto k = base_scenario();
  k["backend"] = {{"faults", json::array({{{"kind", "OBJ"}, {"replicas", {4}}}})}};
  CHECK(plan_error(k).find("/backend/faults/0") != std::string::npos);
}

TEST_CASE("the run plan resolves placeholders and types every step", "[harness][plan]") {
  auto j = base_scenario();
  j["workload"]["steps"] = json::array(
      {{{"push", 0}, {"client", "dockerd"}},
       {{"faults", json::array({{{"kind", "FAIL"}, {"match", {{"object_prefix", "{{layer-path:0:0}}"}}}}})}},
       {{"wait", "1s"}},
       {{"pull", 0}, {"client", "containerd"}, {"by", "digest"}}});
  const auto plan = make_run_plan(parse_scenario(j, "limits.json"), {});
  REQUIRE(plan.steps.size() == 4);
  CHECK(plan.steps[0].push == PushProfile::Dockerd);
  REQUIRE(plan.steps[1].rules.size() == 1);
  CHECK(plan.steps[1].rules[0].match.object_prefix.find("{{") == std::string::npos);
  CHECK(plan.steps[1].rules[0].match.object_prefix.find("docker/registry/v2/blobs/sha256/") != std::string::npos);
  CHECK(plan.steps[2].duration_us == 1'000'000);
  CHECK(plan.steps[3].pull == PullProfile::Containerd);
  CHECK(plan.steps[3].by_digest);

  // The negative control drops faults; no steps means push all, pull all.
  RunOptions control;
  control.control = true;
  CHECK(make_run_plan(parse_scenario(j, "limits.json"), control).steps.size() == 3);
  CHECK(make_run_plan(parse_scenario(base_scenario(), "limits.json"), {}).steps.size() == 3);
}

TEST_CASE("the run plan refuses a quorum or a replica number beyond the topology", "[harness][plan]") {
  auto j = base_scenario();
  j["backend"] = {{"consistency", {{"write_quorum", 999}}}};
  CHECK(plan_error(j).find("/backend/consistency/write_quorum") != std::string::npos);
  j["backend"] = {{"consistency", {{"write_quorum", 3}}}};
  CHECK(plan_error(j).empty());
  j["backend"] = {{"replicas", {{"containers", 2}}}, {"phases", json::array({{{"set", {{"listing_replica", 3}}}}})}};
  CHECK(plan_error(j).find("/backend/phases/0/set/listing_replica") != std::string::npos);
  j = base_scenario();
  j["workload"]["steps"] = json::array({{{"push", 0}}, {{"consistency", {{"write_quorum", 4}}}}});
  const auto what = plan_error(j);
  CHECK(what.find("/workload/steps/1/consistency/write_quorum") != std::string::npos);
  CHECK(what.find("3 object replicas") != std::string::npos);
}

TEST_CASE("capacities are checked against the replica counts, shown in the plan, and lifted by the control",
          "[harness][plan][capacity]") {
  auto j = base_scenario();
  j["backend"] = {{"replicas", {{"objects", 3}, {"capacity", {{"objects", {"1MiB", "2MiB"}}}}}}};
  check_refused(j, "/backend/replicas/capacity/objects");
  CHECK(parse_error(j).find("2 entries but there are 3 object replicas") != std::string::npos);
  j["backend"] = {{"replicas", {{"handoffs", 2}, {"capacity", {{"objects", "3MiB"}, {"container_rows", 100}}}}}};
  const auto plan = make_run_plan(parse_scenario(j, "limits.json"), {});
  const auto shown = plan_to_json(plan)["replicas"];
  CHECK(shown["handoffs"] == 2);
  CHECK(shown["capacity"]["objects"] == json::array({3u << 20, 3u << 20, 3u << 20}));
  RunOptions control;
  control.control = true;
  CHECK(plan_to_json(make_run_plan(parse_scenario(j, "limits.json"), control))["replicas"].count("capacity") == 0u);
}

TEST_CASE("every shipped scenario plans", "[harness][plan]") {
  std::size_t planned = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(STALEMATE_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    // Sweep files (scenarios/sweeps/, checked by campaign_tests) are not scenarios; their bases/ are.
    const auto rel = entry.path().lexically_relative(std::string(STALEMATE_SOURCE_DIR) + "/scenarios").string();
    if (rel.rfind("sweeps/", 0) == 0 && rel.find("/bases/") == std::string::npos) continue;
    INFO(entry.path());
    CHECK_NOTHROW(make_run_plan(load_scenario(entry.path().string()), {}));
    RunOptions control;
    control.control = true;
    CHECK_NOTHROW(make_run_plan(load_scenario(entry.path().string()), control));
    ++planned;
  }
  CHECK(planned > 10);
}

TEST_CASE("a number beyond double's range is invalid JSON, not a crash", "[harness][scenario]") {
  const auto path = std::filesystem::temp_directory_path() / ("stalemate-huge-number-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"({"name": "huge", "seed": 1e99999, "workload": {"images": []}})";
  }
  try {
    (void)load_scenario(path.string());
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("invalid JSON") != std::string::npos);
    CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
  }
  std::filesystem::remove(path);
}
