// Concurrent clients against the real registry: a parallel step runs its
// branches at once, each as its own client in the history and the report,
// honours start offsets, names the client in every error line, and stops
// every branch on Ctrl-C.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "child_command.h"

using stalemate::testing::read_report;
using stalemate::testing::run_command;
using stalemate::testing::RunningCommand;

namespace {
const std::string kBinary = STALEMATE_BINARY;
const std::string kSource = STALEMATE_SOURCE_DIR;

std::filesystem::path fresh_dir(const std::string& name) { return stalemate::testing::fresh_dir("stalemate-par-", name); }

struct Span {
  std::int64_t start = INT64_MAX, end = 0;
  std::size_t requests = 0;
};

// Per client id: when its first request of the workload started and its last
// ended (the final re-reads of what was acknowledged come later and are left out).
std::map<int, Span> spans_by_client(const nlohmann::json& report) {
  std::map<int, Span> out;
  for (const auto& r : report["requests"]) {
    if (r["operation"].get<std::string>().rfind("verify", 0) == 0) continue;
    auto& s = out[r["client"].get<int>()];
    s.start = std::min(s.start, r["start_us"].get<std::int64_t>());
    s.end = std::max(s.end, r["end_us"].get<std::int64_t>());
    ++s.requests;
  }
  return out;
}

int client_id(const nlohmann::json& report, const std::string& label) {
  for (const auto& c : report["clients"])
    if (c["label"] == label) return c["id"].get<int>();
  return -1;
}

std::string write_scenario(const std::filesystem::path& dir, const nlohmann::json& steps) {
  const nlohmann::json scenario = {
      {"name", "parallel"},
      {"fail_on_errors", false},
      {"registry", {{"chunksize", "1MiB"}}},
      {"workload",
       {{"images",
         {{{"repository", "par/a"}, {"layers", {{{"size", "64KiB"}, {"seed", 1}}}}},
          {{"repository", "par/b"}, {"layers", {{{"size", "64KiB"}, {"seed", 2}}}}}}},
        {"steps", steps}}}};
  const auto path = dir / "scenario.json";
  std::ofstream(path) << scenario.dump(2);
  return path.string();
}
}  // namespace

TEST_CASE("parallel clients: concurrent pushes and pulls are separate clients, overlap, and hold every invariant") {
  const auto out = fresh_dir("run");
  const auto r = run_command({kBinary, "run", kSource + "/tests/data/parallel-clients.json", "--out", out.string()},
                             std::chrono::seconds(600));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto report = read_report(out);
  CHECK(report["violations"].empty());

  // Six clients did something: the three pushers, the two pullers, the late pusher.
  const auto& clients = report["clients"];
  REQUIRE(clients.size() == 6);
  std::set<std::string> labels;
  for (const auto& c : clients) {
    labels.insert(c["label"].get<std::string>());
    CHECK(c["failed_operations"] == 0);
    CHECK(c["requests"].get<int>() > 0);
  }
  CHECK(labels.count("/workload/steps/0 client 1"));
  CHECK(labels.count("/workload/steps/0 client 3"));
  CHECK(labels.count("late pusher"));

  // Every pusher pushed the whole image itself: its manifest PUT is its own.
  const auto spans = spans_by_client(report);
  std::vector<Span> pushers;
  for (int i = 1; i <= 3; ++i) {
    const int id = client_id(report, "/workload/steps/0 client " + std::to_string(i));
    REQUIRE(spans.count(id));
    pushers.push_back(spans.at(id));
    std::size_t manifest_puts = 0;
    for (const auto& q : report["requests"])
      manifest_puts += q["client"] == id && q["method"] == "PUT" && q["operation"] == "push-manifest";
    CHECK(manifest_puts >= 1);
  }
  // They ran at once: some two of the three pushes overlap in time.
  bool overlap = false;
  for (std::size_t a = 0; a < pushers.size(); ++a)
    for (std::size_t b = a + 1; b < pushers.size(); ++b)
      overlap = overlap || (pushers[a].start < pushers[b].end && pushers[b].start < pushers[a].end);
  CHECK(overlap);

  // The late pusher started no earlier than 300 ms after its parallel step
  // began (the other branches of that step started at its start).
  const auto late = spans.at(client_id(report, "late pusher"));
  const auto first_puller = std::min(spans.at(client_id(report, "/workload/steps/1 client 1")).start,
                                     spans.at(client_id(report, "/workload/steps/1 client 3")).start);
  CHECK(late.start - first_puller >= 300'000 - 50'000);  // the pullers' first request is not the step's start
  CHECK(late.start > pushers[0].end);                      // and the parallel steps ran in order
}

TEST_CASE("parallel clients: an error line names the client that saw it") {
  const auto dir = fresh_dir("errors");
  // One client pulls an image nobody pushed while another pushes.
  const auto scenario = write_scenario(dir, nlohmann::json::parse(R"([
      {"parallel": [{"name": "puller", "steps": [{"pull": 1}]}, {"push": 0}]}])"));
  const auto out = dir / "out";
  const auto r = run_command({kBinary, "run", scenario, "--out", out.string()}, std::chrono::seconds(300));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);  // fail_on_errors is off
  const auto report = read_report(out);
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0].get<std::string>().rfind("puller: pull par/b:latest", 0) == 0);
  const int puller = client_id(report, "puller");
  REQUIRE(puller >= 0);
  for (const auto& c : report["clients"])
    if (c["id"] == puller) CHECK(c["failed_operations"].get<int>() >= 1);
}

TEST_CASE("parallel clients: Ctrl-C stops every branch, exit 130 with a partial report") {
  const auto dir = fresh_dir("sigint");
  const auto scenario = write_scenario(dir, nlohmann::json::parse(R"([
      {"push": 0},
      {"parallel": [{"wait": "10m"}, {"name": "late", "steps": [{"push": 1, "at": "9m"}]}]}])"));
  const auto out = dir / "out";
  RunningCommand run({kBinary, "run", scenario, "--out", out.string()}, true);
  const auto progress = run.read_until("wait 600000 ms", std::chrono::seconds(120));
  INFO(progress);
  REQUIRE(progress.find("wait 600000 ms") != std::string::npos);
  const auto signalled = std::chrono::steady_clock::now();
  run.signal(SIGINT);
  CHECK(run.wait(std::chrono::seconds(30)) == 130);
  CHECK(std::chrono::steady_clock::now() - signalled < std::chrono::seconds(20));
  const auto report = read_report(out);
  CHECK(report["aborted"] == true);
  // The late branch never pushed: only the first push's requests are there.
  for (const auto& q : report["requests"]) CHECK(q["url"].get<std::string>().find("par/b") == std::string::npos);
}

TEST_CASE("parallel clients: an after_push pull waits for another client's push; a deleted manifest is not expected back") {
  const auto dir = fresh_dir("after-push");
  // The puller starts at once and would get 404 without the wait; the pusher
  // then deletes the image, and the final re-read of what was acknowledged
  // skips the deleted manifest.
  const auto scenario = write_scenario(dir, nlohmann::json::parse(R"([
      {"parallel": [{"name": "puller", "steps": [{"pull": 0, "by": "digest", "after_push": true}]},
                    {"name": "pusher", "steps": [{"wait": "200ms"}, {"push": 0}]}]},
      {"delete": 0},
      {"pull": 0, "by": "digest"}])"));
  const auto out = dir / "out";
  const auto r = run_command({kBinary, "run", scenario, "--out", out.string()}, std::chrono::seconds(300));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);  // fail_on_errors is off: the pull after the delete fails, nothing else
  const auto report = read_report(out);
  CHECK(report["violations"].empty());
  // The puller's first request came after the pusher's manifest PUT.
  const int puller = client_id(report, "puller"), pusher = client_id(report, "pusher");
  std::int64_t manifest_put_end = 0, first_pull = INT64_MAX;
  for (const auto& q : report["requests"]) {
    if (q["client"] == pusher && q["operation"] == "push-manifest")
      manifest_put_end = std::max(manifest_put_end, q["end_us"].get<std::int64_t>());
    if (q["client"] == puller) first_pull = std::min(first_pull, q["start_us"].get<std::int64_t>());
  }
  REQUIRE(manifest_put_end > 0);
  CHECK(first_pull >= manifest_put_end);
  // The delete was a 202; the pull by digest after it failed (404), and that is the only error.
  bool deleted = false;
  for (const auto& q : report["requests"])
    deleted = deleted || (q["method"] == "DELETE" && q["operation"] == "delete-manifest" && q["status"] == 202);
  CHECK(deleted);
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0].get<std::string>().find("pull par/a@digest") != std::string::npos);
  // Nobody re-read the deleted manifest at the end.
  for (const auto& q : report["requests"]) CHECK(q["operation"] != "verify-manifest");
}

TEST_CASE("parallel clients: a registry restarted by one branch while others poll is not a death") {
  const auto dir = fresh_dir("restart");
  // Two branches wait (polling the children every 100 ms) and one pulls while
  // a fourth restarts the registry three times: the run ends normally.
  const auto scenario = write_scenario(dir, nlohmann::json::parse(R"([
      {"push": 0},
      {"parallel": [{"wait": "3s"}, {"wait": "3s"},
                    {"name": "ops", "steps": [{"restart": 0}, {"restart": 0}, {"restart": "all"}]},
                    {"name": "puller", "steps": [{"pull": 0, "at": "2500ms"}]}]},
      {"pull": 0}])"));
  const auto out = dir / "out";
  const auto r = run_command({kBinary, "run", scenario, "--out", out.string()}, std::chrono::seconds(300));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const auto report = read_report(out);
  CHECK_FALSE(report.contains("infrastructure_failure"));
  CHECK(report["errors"].empty());
  std::size_t restarts = 0;
  for (const auto& n : report["notes"]) restarts += n.get<std::string>().rfind("restarted registry", 0) == 0;
  CHECK(restarts == 3);
}
