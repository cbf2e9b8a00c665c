// `stalemate explore` with one registry process kept per job (issue 11, item
// 3), bounded: a worker runs consecutive cases in one registry, resets the
// store between them (a case cannot see the previous case's image; only the
// registry's descriptor cache remembers it, which salted layers avoid), runs a
// case with a restart in that registry (a new process on the same port) and
// hands back one that needs processes of its own (garbage-collect); an
// exploration runs every generated case, restarts included, in its job's registry.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "campaign/explore/registry_worker.h"
#include "child_command.h"

using namespace stalemate::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;
using stalemate::campaign::explore::RegistryWorker;

namespace {

const std::string kBinary = STALEMATE_BINARY;

json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  return json::parse(in);
}

json probe_scenario(const std::string& name, const json& steps, int layer_seed = 1) {
  return {{"name", name},
          {"seed", 1},
          {"fail_on_errors", false},
          {"backend", {{"type", "swift"}}},
          {"registry", {{"chunksize", 1048576}}},
          {"workload",
           {{"images",
             {{{"repository", "reuse/probe"}, {"tag", "v1"}, {"layers", {{{"size", 2000}, {"seed", layer_seed}}}}}}},
            {"steps", steps},
            {"verify_acknowledged", false}}}};
}

// The worker's answer to the case last submitted (hang guard: 2 minutes).
json await_answer(RegistryWorker& w) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto a = w.answer()) return *a;
    REQUIRE(w.alive());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("no answer from the worker");
  return nullptr;
}

}  // namespace

TEST_CASE("explore-worker: one registry runs consecutive cases and the store is reset between them") {
  const auto dir = fresh_dir("stalemate-explore-reuse", "worker");
  RegistryWorker w(kBinary, dir / "worker", std::nullopt);
  w.submit(dir / "push", probe_scenario("push", json::array({{{"push", 0}}, {{"pull", 0}}})), 1, false);
  REQUIRE(await_answer(w) == json{{"exit", 0}});
  const auto pushed = read_report(dir / "push");
  CHECK(pushed["errors"].empty());
  const int pid = pushed["registry"]["reused"]["pid"];

  // The same image pulled without a push. The store was reset: the tag is gone and the
  // blob's data too (the store answers 404) — but the registry's descriptor cache
  // still knows the blob and answers 200 with its size and no bytes. That is why
  // explore gives every case run layers of its own (case_to_scenario's salt).
  w.submit(dir / "pull", probe_scenario("pull", json::array({{{"pull", 0}}})), 1, false);
  CHECK(await_answer(w) == json{{"exit", 1}});
  const auto pulled = read_report(dir / "pull");
  CHECK(pulled["registry"]["reused"]["pid"] == pid);  // the same registry process
  CHECK(pulled["registry"]["reused"]["run"] == 2);
  REQUIRE(pulled["errors"].size() == 1);
  CHECK(pulled["errors"][0].get<std::string>().find("MANIFEST_UNKNOWN") != std::string::npos);
  REQUIRE(pulled["violations"].size() >= 1);
  const auto& v = pulled["violations"][0];
  CHECK(v["invariant"] == "blob-length");
  CHECK(v["evidence"]["storage_requests"][0]["status"] == 404);

  // With layers of its own (another seed: a salt), the case sees an empty store and nothing cached.
  w.submit(dir / "salted", probe_scenario("salted", json::array({{{"pull", 0}}}), 1001), 1, false);
  CHECK(await_answer(w) == json{{"exit", 0}});
  const auto salted = read_report(dir / "salted");
  CHECK(salted["registry"]["reused"]["pid"] == pid);
  CHECK(salted["violations"].empty());
  REQUIRE(salted["errors"].size() == 1);
  CHECK(salted["errors"][0].get<std::string>().find("MANIFEST_UNKNOWN") != std::string::npos);

  // A restart restarts the shared registry within the case: a new process, the same
  // port, a cold descriptor cache; the case counts its own restart, and the next case
  // runs in the restarted registry.
  w.submit(dir / "restart",
           probe_scenario("restart", json::array({{{"push", 0}}, {{"restart", "all"}}, {{"pull", 0}}}), 2001), 1, false);
  CHECK(await_answer(w) == json{{"exit", 0}});
  const auto restarted = read_report(dir / "restart");
  CHECK(restarted["registry"]["reused"]["pid"] == pid);  // the process the case began with
  CHECK(restarted["violations"].empty());
  CHECK(restarted["errors"].empty());
  REQUIRE(restarted["registry"]["instances"].size() == 1);
  const auto& instance = restarted["registry"]["instances"][0];
  CHECK(instance["restarts"] == 1);
  const int new_pid = instance["pid"];
  CHECK(new_pid != pid);
  w.submit(dir / "after", probe_scenario("after", json::array({{{"push", 0}}, {{"pull", 0}}}), 3001), 1, false);
  CHECK(await_answer(w) == json{{"exit", 0}});
  const auto after = read_report(dir / "after");
  CHECK(after["registry"]["reused"]["pid"] == new_pid);
  CHECK(after["registry"]["reused"]["run"] == 5);
  CHECK(after["registry"]["instances"][0]["restarts"] == 0);  // counted per case
  CHECK(after["violations"].empty());

  // Garbage-collect runs the registry's own command on the store: the case is handed back.
  w.submit(dir / "gc", probe_scenario("gc", json::array({{{"push", 0}}, {{"garbage_collect", json::object()}}}), 4001), 1, false);
  const auto a = await_answer(w);
  REQUIRE(a.contains("fallback"));
  CHECK(a["fallback"].get<std::string>().find("garbage") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "gc" / "report.json"));
}

TEST_CASE("explore: one registry serves the cases of a job, cases with restarts included") {
  const auto dir = fresh_dir("stalemate-explore-reuse", "explore");
  const auto r = run_command({kBinary, "explore", "--control", "--seed", "7", "--cases", "6", "--jobs", "1", "--out",
                              dir.string()},
                             std::chrono::seconds(180));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto summary = read_json(dir / "explore.json");
  CHECK(summary["failing"] == 0);
  CHECK(summary["fallbacks"] == 0);
  CHECK(summary["reused"].get<int>() >= 3);
  int restarts = 0;
  for (int i = 0; i < 6; ++i) {
    const auto case_dir = dir / "cases" / ("case-" + std::to_string(i));
    const auto steps = read_json(case_dir / "scenario.json")["workload"]["steps"].dump();
    const bool restart = steps.find("restart") != std::string::npos;
    const auto report = read_report(case_dir);
    INFO(case_dir << " " << steps);
    CHECK(report["registry"].contains("reused"));
    if (restart) {
      ++restarts;
      CHECK(report["registry"]["instances"][0]["restarts"].get<int>() >= 1);
    }
  }
  CHECK(restarts >= 1);  // seed 7 draws some: restarts in a reused registry are exercised
  // One registry process per job, a new one after each case that restarted it.
  CHECK(summary["registry_pids"].size() <= static_cast<std::size_t>(1 + restarts));
}
