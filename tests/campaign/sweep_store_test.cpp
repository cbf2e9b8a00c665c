// A sweep's folder: rows appended survive a torn last line, merge joins
// shards of one sweep and refuses another's, and the HTML renders from
// sweep.json and the rows alone.
#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

#include "campaign/sweep_store.h"
#include "common/json_reader.h"

using namespace stalemate;
using namespace stalemate::campaign;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path fresh(const std::string& name) {
  const auto d = fs::temp_directory_path() / ("stalemate-store-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

json manifest_of(const std::string& seeds_json, std::optional<Shard> shard = {}) {
  const auto sweep = parse_sweep(json::parse(R"({"name": "m", "base": {"name": "t",
      "workload": {"images": [{"repository": "t/app", "layers": [{"size": "1MiB", "seed": 1}]}]}},
      "parameters": [{"name": "newest", "pointer": "/backend/consistency/always_newest", "values": [false, true]}],
      "seeds": )" + seeds_json + "}"), "m.json");
  const auto cells = expand_cells(sweep);
  return sweep_manifest(sweep, cells, all_runs(sweep, cells).size(), shard, std::nullopt);
}

json row(std::size_t index, const std::string& cell, std::uint64_t seed, int exit) {
  return {{"index", index}, {"run", cell + "-s" + std::to_string(seed)}, {"cell", cell},
          {"params", {{"newest", cell == "c000" ? "false" : "true"}}}, {"seed", seed}, {"exit", exit},
          {"failed", exit == 1}, {"infrastructure", false}, {"verdict", exit ? "FAIL: x" : "PASS"},
          {"run_dir", "runs/" + cell + "-s" + std::to_string(seed)}};
}

void write_shard(const fs::path& dir, const json& manifest, const std::vector<json>& rows) {
  fs::create_directories(dir);
  std::ofstream(dir / "sweep.json") << manifest.dump();
  write_rows(dir, manifest, {});
  for (const auto& r : rows) append_row(dir, manifest, r);
}

}  // namespace

TEST_CASE("store: a torn last line (a kill mid-append) is not a row") {
  const auto dir = fresh("torn");
  const auto m = manifest_of("[1]");
  write_shard(dir, m, {row(0, "c000", 1, 0)});
  std::ofstream(dir / "rows.jsonl", std::ios::app) << "{\"index\": 1, \"run\": \"c00";
  const auto rows = read_rows(dir);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["run"] == "c000-s1");
  fs::remove_all(dir);
}

TEST_CASE("store: merge joins shards into the rows of the whole sweep, sorted, with one report") {
  const auto root = fresh("merge");
  const auto m0 = manifest_of("[1, 2]", Shard{0, 2}), m1 = manifest_of("[1, 2]", Shard{1, 2});
  write_shard(root / "a", m0, {row(2, "c001", 1, 1), row(0, "c000", 1, 0)});
  write_shard(root / "b", m1, {row(3, "c001", 2, 0), row(1, "c000", 2, 1)});
  CHECK(merge_shards({root / "a", root / "b"}, root / "out") == 4);
  const auto rows = read_rows(root / "out");
  REQUIRE(rows.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(rows[i]["index"] == i);
  CHECK(rows[2]["run_dir"] == "../a/runs/c001-s1");  // still points at the run's folder
  CHECK(read_json_file((root / "out" / "sweep.json").string())["shard"].is_null());
  std::ifstream csv(root / "out" / "rows.csv");
  std::string header, first;
  std::getline(csv, header);
  std::getline(csv, first);
  CHECK(first.rfind("c000-s1,c000,false,1,0,", 0) == 0);
  std::ifstream html(root / "out" / "report.html");
  const std::string page((std::istreambuf_iterator<char>(html)), {});
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("4 of 4 runs") != std::string::npos);
  CHECK(page.find("stalemate run ../a/runs/c001-s1/scenario.json --seed 1") != std::string::npos);
  fs::remove_all(root);
}

TEST_CASE("store: merge refuses shards of different sweeps") {
  const auto root = fresh("refuse");
  write_shard(root / "a", manifest_of("[1, 2]", Shard{0, 2}), {row(0, "c000", 1, 0)});
  write_shard(root / "b", manifest_of("[1, 2, 3]", Shard{1, 2}), {row(1, "c000", 2, 0)});
  try {
    merge_shards({root / "a", root / "b"}, root / "out");
    FAIL("merged shards of different sweeps");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("different sweep"));
  }
  CHECK_FALSE(fs::exists(root / "out" / "rows.csv"));
  fs::remove_all(root);
}
