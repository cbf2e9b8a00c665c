// `stalemate sweep`, `merge` and `report` end to end against the real
// registry: a grid of 4 with two jobs (rows, HTML, one out dir per run),
// --resume, Ctrl-C, bad sweep files, and two shard processes merged into the
// same rows and verdicts as the unsharded sweep.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include "campaign/sweep_store.h"
#include "child_command.h"

using namespace stalemate::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBinary = STALEMATE_BINARY;
const std::string kSource = STALEMATE_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::size_t lines_of(const fs::path& p) {
  const auto text = slurp(p);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// What must agree between a sharded and an unsharded sweep.
std::vector<json> verdicts(const fs::path& dir) {
  std::vector<json> out;
  for (const auto& r : stalemate::campaign::read_rows(dir))
    out.push_back({r["index"], r["run"], r["params"], r["seed"], r["exit"], r["verdict"], r["violations_by_kind"]});
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a[0] < b[0]; });
  return out;
}

}  // namespace

TEST_CASE("sweep: a grid of 4 with two jobs, end to end: rows, run dirs, report.html, then --resume and report") {
  const auto dir = fresh_dir("stalemate-sweep", "tiny");
  const auto r = run_command({kBinary, "sweep", kSource + "/scenarios/sweeps/tiny.json", "--jobs", "2", "--out",
                              dir.string()}, std::chrono::seconds(300));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("sweep 4/4 ") != std::string::npos);  // plain progress lines: not a terminal
  const auto rows = stalemate::campaign::read_rows(dir);
  REQUIRE(rows.size() == 4);
  std::set<std::string> runs;
  for (const auto& row : rows) {
    runs.insert(row["run"].get<std::string>());
    CHECK((row["exit"] == 0 || row["exit"] == 1));
    CHECK(row["pushes_ok"].get<int>() + row["pushes_failed"].get<int>() > 0);
    const auto run_dir = dir / row["run_dir"].get<std::string>();
    CHECK(fs::exists(run_dir / "scenario.json"));
    CHECK(fs::exists(run_dir / "report.json"));
    CHECK(fs::exists(run_dir / "report.html"));  // each child run wrote its timeline
  }
  CHECK(runs.size() == 4);
  CHECK(lines_of(dir / "rows.csv") == 5);
  const auto html = slurp(dir / "report.html");
  CHECK(html.find("class=\"heatmap\"") != std::string::npos);
  CHECK(html.find("class=\"plot\"") != std::string::npos);
  CHECK(html.find("4 of 4 runs") != std::string::npos);

  // Everything is done: --resume runs nothing; without it the folder is refused.
  const auto again = run_command({kBinary, "sweep", kSource + "/scenarios/sweeps/tiny.json", "--out", dir.string(),
                                  "--resume"}, std::chrono::seconds(60));
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("4 already done") != std::string::npos);
  CHECK(stalemate::campaign::read_rows(dir).size() == 4);
  const auto refused = run_command({kBinary, "sweep", kSource + "/scenarios/sweeps/tiny.json", "--out", dir.string()},
                                   std::chrono::seconds(60));
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--resume") != std::string::npos);

  fs::remove(dir / "report.html");
  const auto rendered = run_command({kBinary, "report", dir.string()}, std::chrono::seconds(60));
  CHECK(rendered.exit_code == 0);
  CHECK(slurp(dir / "report.html") == html);
  fs::remove_all(dir);
}

TEST_CASE("sweep: two shard processes, merged, equal the unsharded sweep (rows and verdicts)") {
  const auto root = fresh_dir("stalemate-sweep", "shards");
  const std::string sweep = kSource + "/tests/data/sweep-flip.json";
  const auto whole = run_command({kBinary, "sweep", sweep, "--jobs", "2", "--out", (root / "whole").string()},
                                 std::chrono::seconds(300));
  REQUIRE(whole.exit_code == 0);
  // The two shards run at the same time, as two CI jobs would.
  RunningCommand s0({kBinary, "sweep", sweep, "--shard", "0/2", "--out", (root / "s0").string()});
  RunningCommand s1({kBinary, "sweep", sweep, "--shard", "1/2", "--out", (root / "s1").string()});
  REQUIRE(s0.wait(std::chrono::seconds(300)) == 0);
  REQUIRE(s1.wait(std::chrono::seconds(300)) == 0);
  CHECK(stalemate::campaign::read_rows(root / "s0").size() == 3);
  CHECK(stalemate::campaign::read_rows(root / "s1").size() == 3);
  const auto merged = run_command({kBinary, "merge", (root / "s0").string(), (root / "s1").string(), "-o",
                                   (root / "merged").string()}, std::chrono::seconds(60));
  INFO(merged.out << merged.err);
  REQUIRE(merged.exit_code == 0);
  const auto a = verdicts(root / "whole"), b = verdicts(root / "merged");
  REQUIRE(a.size() == 6);
  CHECK(a == b);
  std::size_t failed = 0;
  for (const auto& v : a) failed += v[4] == 1;
  CHECK(failed == 3);  // the flip fails its runs, and only those
  CHECK(fs::exists(root / "merged" / "report.html"));

  // A shard of another sweep (another definition hash) is refused.
  fs::copy(root / "s1", root / "other", fs::copy_options::recursive);
  auto manifest = stalemate::campaign::read_manifest(root / "other");
  manifest["hash"] = std::string(64, '0');
  std::ofstream(root / "other" / "sweep.json", std::ios::trunc) << manifest.dump();
  const auto other = run_command({kBinary, "merge", (root / "s0").string(), (root / "other").string(), "-o",
                                  (root / "bad").string()}, std::chrono::seconds(60));
  CHECK(other.exit_code == 2);
  CHECK(other.err.find("different sweep") != std::string::npos);
  fs::remove_all(root);
}

TEST_CASE("sweep: a bad sweep file is exit 2 naming the JSON pointer, before any run") {
  const auto dir = fresh_dir("stalemate-sweep", "bad");
  const auto file = dir / "bad.json";
  std::ofstream(file) << R"({"base": ")" << kSource << R"(/tests/data/tiny-push-pull.json",
    "parameters": [{"pointer": "/backend/consistency/write_quorum", "values": [2, 9]}]})";
  const auto r = run_command({kBinary, "sweep", file.string(), "--out", (dir / "out").string()}, std::chrono::seconds(60));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("c001") != std::string::npos);
  CHECK(r.err.find("write_quorum") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out" / "runs"));
  const auto shard = run_command({kBinary, "sweep", file.string(), "--shard", "2/2"}, std::chrono::seconds(60));
  CHECK(shard.exit_code == 2);
  fs::remove_all(dir);
}

TEST_CASE("sweep: Ctrl-C stops the runs at once (exit 130), then --resume finishes the rest") {
  const auto dir = fresh_dir("stalemate-sweep", "interrupt");
  const std::string sweep = kSource + "/scenarios/sweeps/tiny.json";
  {
    RunningCommand c({kBinary, "sweep", sweep, "--jobs", "2", "--out", dir.string()}, true);
    c.read_until("at a time", std::chrono::seconds(60));
    // Interrupt once a child run has its registry up (so it is inside its run and can write a partial report).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool started = false;
    while (!started && std::chrono::steady_clock::now() < deadline) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir / "runs", ec)) started = started || fs::exists(e.path() / "registry.log");
      if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll, bounded by the deadline
    }
    REQUIRE(started);
    c.signal(SIGINT);
    CHECK(c.wait(std::chrono::seconds(60)) == 130);
  }
  const auto rows = stalemate::campaign::read_rows(dir);
  const auto done = rows.size();
  CHECK(done < 4);
  // The runs that were going on got the SIGINT passed on and wrote partial reports.
  std::size_t aborted = 0;
  for (const auto& e : fs::directory_iterator(dir / "runs")) {
    if (!fs::exists(e.path() / "report.json")) continue;
    const auto report = read_report(e.path());
    aborted += report.value("aborted", false);
  }
  CHECK(aborted >= 1);
  const auto r = run_command({kBinary, "sweep", sweep, "--jobs", "2", "--out", dir.string(), "--resume"},
                             std::chrono::seconds(300));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find(std::to_string(done) + " already done") != std::string::npos);
  CHECK(stalemate::campaign::read_rows(dir).size() == 4);
  fs::remove_all(dir);
}
