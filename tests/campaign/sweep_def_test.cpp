// Sweep files: strict parsing (errors name file and JSON pointer), ranges
// with units, crossed and zipped grids, every cell validated as a scenario
// before anything runs, deterministic shards.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "campaign/sweep_def.h"
#include "common/json_reader.h"

using namespace stalemate;
using namespace stalemate::campaign;
using json = nlohmann::json;

namespace {

json base_scenario() {
  return json::parse(R"({"name": "t", "seed": 1,
    "backend": {"consistency": {"listing_delay": {"lognormal": {"p50": "100ms", "p99": "1s"}}}},
    "workload": {"images": [{"repository": "t/app", "layers": [{"size": "1MiB", "seed": 1}]}]}})");
}

json sweep_with(json parameters) {
  return {{"base", base_scenario()}, {"parameters", std::move(parameters)}, {"seeds", {1, 2}}};
}

std::string error_of(const json& sweep) {
  try {
    expand_cells(parse_sweep(sweep, "s.json"));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sweep: a log range of durations gives seconds, labels and a log axis") {
  const auto s = parse_sweep(sweep_with(json::parse(R"([{"pointer": "/backend/consistency/listing_delay/lognormal/p99",
      "range": {"from": "1s", "to": "100s", "steps": 3, "scale": "log"}}])")), "s.json");
  REQUIRE(s.parameters.size() == 1);
  const auto& p = s.parameters[0];
  CHECK(p.name == "p99");
  CHECK(p.log_scale);
  CHECK(p.labels == std::vector<std::string>{"1s", "10s", "100s"});
  CHECK(p.values[1].get<double>() == Approx(10.0));
  CHECK(p.numeric[2] == Approx(100.0));
}

TEST_CASE("sweep: a linear range of sizes gives whole bytes") {
  const auto s = parse_sweep(sweep_with(json::parse(R"([{"name": "layer", "pointer": "/workload/images/0/layers/0/size",
      "range": {"from": "1MiB", "to": "3MiB", "steps": 3}}])")), "s.json");
  const auto& p = s.parameters[0];
  CHECK(p.values == std::vector<json>{1048576, 2097152, 3145728});
  CHECK(p.labels == std::vector<std::string>{"1MiB", "2MiB", "3MiB"});
  const auto cells = expand_cells(s);
  REQUIRE(cells.size() == 3);
  CHECK(cells[2].scenario["workload"]["images"][0]["layers"][0]["size"] == 3145728);
  CHECK(all_runs(s, cells).size() == 6);  // 3 cells x 2 seeds
}

TEST_CASE("sweep: crossed parameters give every combination, zipped ones the i-th values together") {
  auto j = sweep_with(json::parse(R"([
      {"name": "p99", "pointer": "/backend/consistency/listing_delay/lognormal/p99", "values": ["1s", "2s", "3s"]},
      {"name": "newest", "pointer": "/backend/consistency/always_newest", "values": [false, true]}])"));
  const auto crossed = expand_cells(parse_sweep(j, "s.json"));
  REQUIRE(crossed.size() == 6);
  CHECK(crossed[1].value_index == std::vector<std::size_t>{0, 1});  // the last parameter turns fastest
  CHECK(crossed[1].scenario["backend"]["consistency"]["always_newest"] == true);
  CHECK(crossed[5].scenario["backend"]["consistency"]["listing_delay"]["lognormal"]["p99"] == "3s");
  j["parameters"][1]["values"] = {false, true, false};
  j["combine"] = "zip";
  const auto zipped = expand_cells(parse_sweep(j, "s.json"));
  REQUIRE(zipped.size() == 3);
  CHECK(zipped[1].value_index == std::vector<std::size_t>{1, 1});
}

TEST_CASE("sweep: bad input names the file and the JSON pointer") {
  auto j = sweep_with(json::parse(R"([{"pointer": "/backend/consistency/always_newest", "values": [true]}])"));
  j["typo"] = 1;
  CHECK_THAT(error_of(j), Catch::Contains("s.json") && Catch::Contains("typo"));

  j = sweep_with(json::parse(R"([{"pointer": "/x", "range": {"from": "1s", "to": "4MiB", "steps": 2}}])"));
  CHECK_THAT(error_of(j), Catch::Contains("/parameters/0/range/to"));

  j = sweep_with(json::parse(R"([{"pointer": "/x", "range": {"from": "0s", "to": "4s", "steps": 2, "scale": "log"}}])"));
  CHECK_THAT(error_of(j), Catch::Contains("/parameters/0/range") && Catch::Contains("log"));

  j = sweep_with(json::parse(R"([{"pointer": "/a", "values": [1]}, {"pointer": "/b", "values": [1, 2]}])"));
  j["combine"] = "zip";
  CHECK_THAT(error_of(j), Catch::Contains("/parameters/1"));

  j = sweep_with(json::parse(R"([{"pointer": "/backend/consistency/always_newest", "values": [true]}])"));
  j["outputs"] = {"failed", "nonsense"};
  CHECK_THAT(error_of(j), Catch::Contains("/outputs/1") && Catch::Contains("nonsense"));
}

TEST_CASE("sweep: every cell is validated as a scenario before any run (the bad value's cell is named)") {
  // A write quorum of 5 on 3 replicas: the second cell is bad.
  const auto j = sweep_with(json::parse(R"([{"name": "quorum", "pointer": "/backend/consistency/write_quorum", "values": [2, 5]}])"));
  const auto e = error_of(j);
  CHECK_THAT(e, Catch::Contains("c001") && Catch::Contains("quorum=5") && Catch::Contains("write_quorum"));
  // An unknown scenario key written by a pointer is refused by the scenario's strict reading.
  const auto k = sweep_with(json::parse(R"([{"pointer": "/backend/consistency/no_such_knob", "values": [1]}])"));
  CHECK_THAT(error_of(k), Catch::Contains("no_such_knob"));
}

TEST_CASE("sweep: the hash changes with what decides the runs, not with the plots") {
  auto j = sweep_with(json::parse(R"([{"pointer": "/backend/consistency/always_newest", "values": [false, true]}])"));
  const auto a = parse_sweep(j, "a.json").hash;
  j["outputs"] = {"wall_s"};
  j["name"] = "renamed";
  CHECK(parse_sweep(j, "b.json").hash == a);
  j["seeds"] = {1, 2, 3};
  CHECK(parse_sweep(j, "b.json").hash != a);
}

TEST_CASE("sweep: shards partition the runs deterministically") {
  const auto j = sweep_with(json::parse(R"([{"pointer": "/backend/consistency/always_newest", "values": [false, true]},
      {"pointer": "/backend/consistency/listing_delay/lognormal/p50", "values": ["10ms", "20ms", "30ms"]}])"));
  const auto s = parse_sweep(j, "s.json");
  const auto runs = all_runs(s, expand_cells(s));
  REQUIRE(runs.size() == 12);
  std::set<std::size_t> seen;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto shard = parse_shard(std::to_string(i) + "/3");
    for (const auto& r : runs)
      if (shard.contains(r)) CHECK(seen.insert(r.index).second);
  }
  CHECK(seen.size() == runs.size());
  CHECK_THROWS_AS(parse_shard("3/3"), InputError);
  CHECK_THROWS_AS(parse_shard("1"), InputError);
  CHECK_THROWS_AS(parse_shard("-1/2"), InputError);
  CHECK_THROWS_AS(parse_shard("0/2x"), InputError);
}

TEST_CASE("sweep: log ranges keep three significant digits, so labels are the values written") {
  const auto s = parse_sweep(sweep_with(json::parse(R"([{"pointer": "/backend/consistency/listing_delay/lognormal/p99",
      "range": {"from": "10ms", "to": "2s", "steps": 4, "scale": "log"}}])")), "s.json");
  CHECK(s.parameters[0].labels == std::vector<std::string>{"10ms", "58.5ms", "342ms", "2s"});
  CHECK(s.parameters[0].values[1].get<double>() == Approx(0.0585));
}

TEST_CASE("sweep: outputs may name a violation kind as hit:KIND") {
  auto j = sweep_with(json::parse(R"([{"pointer": "/backend/consistency/always_newest", "values": [true]}])"));
  j["outputs"] = {"hit:blob-digest", "failed"};
  CHECK(parse_sweep(j, "s.json").outputs.front() == "hit:blob-digest");
  j["outputs"] = {"hit:"};
  CHECK_THAT(error_of(j), Catch::Contains("/outputs/0"));
}

TEST_CASE("sweep: every sweep file under scenarios/sweeps parses and every cell validates") {
  const auto root = std::filesystem::path(STALEMATE_SOURCE_DIR) / "scenarios" / "sweeps";
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".json" || e.path().parent_path().filename() == "bases")
      continue;
    INFO(e.path().string());
    const auto sweep = load_sweep(e.path().string());
    CHECK_FALSE(expand_cells(sweep).empty());
    ++files;
  }
  CHECK(files >= 5);
}
