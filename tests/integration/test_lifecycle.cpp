// The run's child processes, end to end: a registry that hangs on --version,
// one killed mid-run, Ctrl-C mid-run, and a bad rule in the last step. Each
// must end with the right exit code, a report that says why, and no child
// left behind.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include <nlohmann/json.hpp>

#include "child_command.h"

using stalemate::testing::run_command;
using stalemate::testing::RunningCommand;
using Clock = std::chrono::steady_clock;

namespace {
const std::string kBinary = STALEMATE_BINARY;

std::filesystem::path fresh_dir(const std::string& name) { return stalemate::testing::fresh_dir("stalemate-lc-", name); }
using stalemate::testing::read_report;

bool gone(pid_t pid) { return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH; }

// One tiny image pushed, then `middle` steps, then (unless told) a pull by tag.
std::string write_scenario(const std::filesystem::path& dir, const nlohmann::json& middle, bool pull = true) {
  nlohmann::json steps = nlohmann::json::array({{{"push", 0}}});
  for (const auto& s : middle) steps.push_back(s);
  if (pull) steps.push_back({{"pull", 0}});
  const nlohmann::json scenario = {
      {"name", "lifecycle"},
      {"registry", {{"chunksize", "1MiB"}}},
      {"workload",
       {{"images", {{{"repository", "lc/app"}, {"layers", {{{"size", "64KiB"}, {"seed", 1}}}}}}}, {"steps", steps}}}};
  const auto path = dir / "scenario.json";
  std::ofstream(path) << scenario.dump(2);
  return path.string();
}

// The registry's pid from the progress line "stalemate: registry running (pid N, …".
pid_t registry_pid(const std::string& progress) {
  std::smatch m;
  static const std::regex line(R"(stalemate: registry running \(pid (\d+))");
  return std::regex_search(progress, m, line) ? static_cast<pid_t>(std::stol(m[1])) : -1;
}
// Reads `run`'s progress until its `wait` step has begun; returns the registry's pid.
pid_t await_wait_step(RunningCommand& run) {
  const auto progress = run.read_until("(wait", std::chrono::seconds(120));
  INFO(progress);
  const pid_t pid = registry_pid(progress);
  REQUIRE(pid > 0);
  REQUIRE(progress.find("(wait") != std::string::npos);
  return pid;
}

}  // namespace

TEST_CASE("a registry that hangs on --version: exit 3 naming the binary, no child left") {
  const auto dir = fresh_dir("version");
  const auto script = dir / "hanging-registry.sh";
  const auto pidfile = dir / "hung.pid";
  std::ofstream(script) << "#!/bin/sh\necho $$ > " << pidfile.string() << "\nexec sleep 120\n";
  ::chmod(script.c_str(), 0755);
  const auto scenario = write_scenario(dir, nlohmann::json::array());
  const auto t0 = Clock::now();
  const auto r = run_command({kBinary, "run", scenario, "--registry", script.string(), "--out", (dir / "out").string()},
                             std::chrono::seconds(60));
  INFO(r.out << r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find(script.string() + " --version did not finish within 10 s") != std::string::npos);
  CHECK(Clock::now() - t0 < std::chrono::seconds(30));
  pid_t hung = 0;
  std::ifstream(pidfile) >> hung;
  CHECK(gone(hung));
  const auto report = read_report(dir / "out");
  CHECK(report["verdict"].get<std::string>().rfind("ERROR: infrastructure", 0) == 0);
}

TEST_CASE("a registry killed mid-run: exit 3 naming the process, its pid, the signal and its log and no violation") {
  const auto dir = fresh_dir("killed");
  const auto scenario = write_scenario(dir, nlohmann::json::array({{{"wait", "60s"}}}));
  const auto out = dir / "out";
  RunningCommand run({kBinary, "run", scenario, "--out", out.string()}, true);
  const pid_t pid = await_wait_step(run);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  const auto t0 = Clock::now();
  const int code = run.wait(std::chrono::seconds(60));
  const auto text = run.read_until("\n\n\n", std::chrono::seconds(1));
  INFO(text);
  CHECK(code == 3);
  CHECK(Clock::now() - t0 < std::chrono::seconds(30));  // not after the 60 s wait
  CHECK(text.find("registry (pid " + std::to_string(pid) + ") was killed by signal 9 (SIGKILL) during step 2/3") !=
        std::string::npos);
  CHECK(text.find("last log lines") != std::string::npos);
  const auto report = read_report(out);
  CHECK(report["aborted"] == true);
  CHECK(report["verdict"].get<std::string>().rfind("ERROR: infrastructure", 0) == 0);
  CHECK(report["infrastructure_failure"]["pid"] == pid);
  CHECK(report["infrastructure_failure"]["process"] == "registry");
  CHECK(report["infrastructure_failure"]["how"] == "was killed by signal 9 (SIGKILL)");
  CHECK(report["infrastructure_failure"]["log_tail"].get<std::string>().find("/v2/lc/app/manifests/latest") != std::string::npos);
  for (const auto& v : report["violations"]) CHECK(v.value("after_process_death", false));
}

TEST_CASE("SIGINT mid-run: exit 130, a partial report marked aborted, a message, no child left") {
  const auto dir = fresh_dir("sigint");
  const auto scenario = write_scenario(dir, nlohmann::json::array({{{"wait", "60s"}}}));
  const auto out = dir / "out";
  RunningCommand run({kBinary, "run", scenario, "--out", out.string()}, true);
  const pid_t pid = await_wait_step(run);
  run.signal(SIGINT);
  const int code = run.wait(std::chrono::seconds(30));
  const auto text = run.read_until("\n\n\n", std::chrono::seconds(1));
  INFO(text);
  CHECK(code == 130);
  CHECK(text.find("stalemate: interrupted by SIGINT; partial report in " + (out / "report.json").string()) !=
        std::string::npos);
  CHECK(gone(pid));
  const auto report = read_report(out);
  CHECK(report["aborted"] == true);
  CHECK(report["abort_reason"] == "interrupted by SIGINT");
  CHECK(report["verdict"].get<std::string>().rfind("ABORTED", 0) == 0);
  CHECK(report["requests"].size() > 0);  // the push before the wait is in it
}

TEST_CASE("a rule naming a replica the store lacks, in the last step: exit 2 before any process starts") {
  const auto dir = fresh_dir("badrule");
  nlohmann::json middle = nlohmann::json::array(
      {{{"wait", "1s"}}, {{"faults", {{{"kind", "ROW"}, {"replicas", {7}}, {"match", {{"method", "PUT"}}}}}}}});
  const auto scenario = write_scenario(dir, middle, false);
  const auto out = dir / "out";
  const auto t0 = Clock::now();
  const auto r = run_command({kBinary, "run", scenario, "--out", out.string()}, std::chrono::seconds(30));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(Clock::now() - t0 < std::chrono::seconds(5));
  CHECK(r.err.find(scenario) != std::string::npos);
  CHECK(r.err.find("/workload/steps/2/faults/0") != std::string::npos);
  CHECK(r.err.find("replica c7 is beyond") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out / "registry.log"));
  CHECK(r.err.find("running (pid") == std::string::npos);
}

namespace {
// The lifecycle scenario with an nginx front (a small spool tmpfs under the out dir).
std::string with_front(const std::string& scenario_path) {
  auto j = nlohmann::json::parse(std::ifstream(scenario_path));
  j["front"] = {{"filesystems", {{"spool", "4MiB"}, {"temp", "4MiB"}}}};
  std::ofstream(scenario_path) << j.dump(2);
  return scenario_path;
}
pid_t nginx_pid(const std::string& progress) {
  std::smatch m;
  static const std::regex line(R"(stalemate: nginx running \(pid (\d+))");
  return std::regex_search(progress, m, line) ? static_cast<pid_t>(std::stol(m[1])) : -1;
}
bool mounted_under(const std::filesystem::path& dir) {
  std::ifstream in("/proc/self/mountinfo");
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.find(dir.string()) != std::string::npos;
}
}  // namespace

TEST_CASE("a front's registry killed mid-run, then Ctrl-C: nginx is reaped and every tmpfs unmounted", "[front]") {
  for (const bool interrupt : {false, true}) {
    const auto dir = fresh_dir(interrupt ? "front-sigint" : "front-killed");
    const auto scenario = with_front(write_scenario(dir, nlohmann::json::array({{{"wait", "60s"}}})));
    const auto out = dir / "out";
    RunningCommand run({kBinary, "run", scenario, "--out", out.string()}, true);
    const auto progress = run.read_until("(wait", std::chrono::seconds(120));
    INFO(progress);
    const pid_t registry = registry_pid(progress), nginx = nginx_pid(progress);
    REQUIRE(registry > 0);
    REQUIRE(nginx > 0);
    CHECK(mounted_under(out / "front" / "spool"));
    if (interrupt)
      run.signal(SIGINT);
    else
      REQUIRE(::kill(registry, SIGKILL) == 0);
    const int code = run.wait(std::chrono::seconds(60));
    CHECK(code == (interrupt ? 130 : 3));
    CHECK(gone(nginx));
    CHECK_FALSE(mounted_under(out / "front"));
    const auto report = read_report(out);
    CHECK(report["aborted"] == true);
    CHECK(report["front"]["base_url"].get<std::string>().rfind("http://127.0.0.1:", 0) == 0);
  }
}
