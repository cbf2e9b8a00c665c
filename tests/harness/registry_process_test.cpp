#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "harness/registry_process.h"
#include "test_support.h"

using namespace stalemate::harness;
using stalemate::test::TempDir;
using Clock = std::chrono::steady_clock;

TEST_CASE("make_config: loopback address, merged storage, overrides", "[harness][registry]") {
  RegistryLaunch launch;
  launch.storage = {{"swift", {{"authurl", "http://127.0.0.1:1/auth/v1.0"}, {"container", "c"}}},
                    {"redirect", {{"disable", true}}},
                    {"delete", {{"enabled", false}}}};
  launch.overrides = {{"log", {{"level", "debug"}}}, {"health", nullptr}, {"http", {{"relativeurls", true}}}};
  const auto c = RegistryProcess::make_config(launch, 5123);
  CHECK(c["version"] == "0.1");
  CHECK(c["http"]["addr"] == "127.0.0.1:5123");
  CHECK(c["http"]["secret"] == "stalemate-fixed-secret");
  CHECK(c["http"]["relativeurls"] == true);
  CHECK(c["storage"]["swift"]["container"] == "c");
  CHECK(c["storage"]["redirect"]["disable"] == true);
  CHECK(c["storage"]["delete"]["enabled"] == false);  // given: kept
  CHECK(c["storage"]["maintenance"]["uploadpurging"]["enabled"] == false);
  CHECK(c["storage"]["cache"]["blobdescriptor"] == "inmemory");
  CHECK(c["log"]["level"] == "debug");
  CHECK(c["log"]["formatter"] == "text");
  CHECK(c["log"]["accesslog"]["disabled"] == false);
  CHECK_FALSE(c.contains("health"));  // null in a merge patch removes

  RegistryLaunch plain;
  plain.storage = {{"filesystem", {{"rootdirectory", "/tmp/x"}}}};
  const auto d = RegistryProcess::make_config(plain, 1);
  CHECK(d["health"]["storagedriver"]["enabled"] == false);
  CHECK(d["storage"]["delete"]["enabled"] == true);
  CHECK(d["storage"]["filesystem"]["rootdirectory"] == "/tmp/x");
}

TEST_CASE("version_of", "[harness][registry]") {
  if (::access("/usr/bin/docker-registry", X_OK) == 0)
    CHECK(RegistryProcess::version_of("/usr/bin/docker-registry").find("2.8") != std::string::npos);
  CHECK(RegistryProcess::version_of("/nonexistent/registry").empty());
}

TEST_CASE("a nonexistent binary is an InfrastructureError, quickly", "[harness][registry]") {
  TempDir dir;
  RegistryLaunch launch;
  launch.binary = "/nonexistent/docker-registry";
  launch.storage = {{"inmemory", nlohmann::json::object()}};
  launch.work_dir = dir.path() / "work";
  const auto t0 = Clock::now();
  CHECK_THROWS_AS(RegistryProcess(launch), InfrastructureError);
  CHECK(Clock::now() - t0 < std::chrono::seconds(2));
}

TEST_CASE("a binary that exits at once is an InfrastructureError with its log", "[harness][registry]") {
  TempDir dir;
  const auto script = dir.path() / "fake-registry.sh";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\necho \"fake registry: cannot start with $2\" >&2\nexit 3\n";
  }
  ::chmod(script.c_str(), 0755);
  RegistryLaunch launch;
  launch.binary = script.string();
  launch.storage = {{"inmemory", nlohmann::json::object()}};
  launch.work_dir = dir.path();
  const auto t0 = Clock::now();
  try {
    RegistryProcess p(launch);
    FAIL("expected InfrastructureError");
  } catch (const InfrastructureError& e) {
    const std::string what = e.what();
    CHECK(what.find("exited with status 3") != std::string::npos);
    CHECK(what.find("fake registry: cannot start with") != std::string::npos);
  }
  CHECK(Clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("a binary that never answers times out and is killed", "[harness][registry]") {
  TempDir dir;
  const auto script = dir.path() / "silent.sh";
  const auto pidfile = dir.path() / "pid";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\necho $$ > " << pidfile.string() << "\nexec sleep 60\n";
  }
  ::chmod(script.c_str(), 0755);
  RegistryLaunch launch;
  launch.binary = script.string();
  launch.storage = {{"inmemory", nlohmann::json::object()}};
  launch.work_dir = dir.path();
  launch.start_timeout = std::chrono::seconds(1);
  const auto t0 = Clock::now();
  CHECK_THROWS_AS(RegistryProcess(launch), InfrastructureError);
  CHECK(Clock::now() - t0 < std::chrono::seconds(5));
  pid_t pid = 0;
  std::ifstream(pidfile) >> pid;
  REQUIRE(pid > 0);
  CHECK(::kill(pid, 0) == -1);
  CHECK(errno == ESRCH);
}

TEST_CASE("'address already in use' is retried once on a new port", "[harness][registry]") {
  if (::access("/usr/bin/docker-registry", X_OK) != 0) return;
  TempDir dir;
  const auto script = dir.path() / "flaky-registry.sh";
  const auto marker = dir.path() / "tried";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\n"
        << "if [ ! -e " << marker.string() << " ]; then\n"
        << "  touch " << marker.string() << "\n"
        << "  echo 'listen tcp 127.0.0.1:1: bind: address already in use' >&2\n"
        << "  exit 1\n"
        << "fi\n"
        << "exec /usr/bin/docker-registry \"$@\"\n";
  }
  ::chmod(script.c_str(), 0755);
  RegistryLaunch launch;
  launch.binary = script.string();
  launch.storage = {{"inmemory", nlohmann::json::object()}};
  launch.work_dir = dir.path();
  RegistryProcess registry(launch);
  CHECK(registry.pid() > 0);
  CHECK(std::filesystem::exists(marker));
  std::ifstream log(registry.log_path());
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find("address already in use") != std::string::npos);
  const pid_t pid = registry.pid();
  registry.stop();
  CHECK(registry.pid() <= 0);
  CHECK(::kill(pid, 0) == -1);
}

namespace {
bool gone(pid_t pid) { return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH; }
// Gone, or a zombie: an orphaned grandchild waits for init to reap it, and
// some container inits never do.
bool not_running(pid_t pid) {
  if (gone(pid)) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}
pid_t read_pid(const std::filesystem::path& p) {
  pid_t pid = 0;
  std::ifstream(p) >> pid;
  return pid;
}
}  // namespace

TEST_CASE("a registry that hangs on --version is killed at the deadline, with what it started", "[harness][registry]") {
  TempDir dir;
  const auto script = dir.path() / "hanging-registry.sh";
  const auto shell_pid = dir.path() / "sh.pid";
  const auto sleep_pid = dir.path() / "sleep.pid";
  {
    // Not exec: the sleep is a grandchild, which must go too.
    std::ofstream out(script);
    out << "#!/bin/sh\necho $$ > " << shell_pid.string() << "\nsleep 60 &\necho $! > " << sleep_pid.string()
        << "\nwait\n";
  }
  ::chmod(script.c_str(), 0755);
  const auto t0 = Clock::now();
  try {
    RegistryProcess::version_of(script.string(), std::chrono::milliseconds(1500));
    FAIL("expected InfrastructureError");
  } catch (const InfrastructureError& e) {
    const std::string what = e.what();
    CHECK(what.find(script.string()) != std::string::npos);
    CHECK(what.find("--version") != std::string::npos);
  }
  CHECK(Clock::now() - t0 < std::chrono::seconds(10));
  CHECK(gone(read_pid(shell_pid)));
  // The grandchild got SIGKILL with its group; it may take a moment to die
  // on a loaded machine (pid 0: killed before the shell started it).
  const pid_t sleeper = read_pid(sleep_pid);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (sleeper > 0 && !not_running(sleeper) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK((sleeper == 0 || not_running(sleeper)));
}

TEST_CASE("a registry killed from outside is a death with its pid, signal and log but a stop is not", "[harness][registry]") {
  if (::access("/usr/bin/docker-registry", X_OK) != 0) return;
  TempDir dir;
  RegistryLaunch launch;
  launch.storage = {{"inmemory", nlohmann::json::object()}};
  launch.work_dir = dir.path();
  launch.name = "registry-1";
  RegistryProcess registry(launch);
  const pid_t pid = registry.pid();
  REQUIRE(pid > 0);
  CHECK(registry.alive());
  CHECK_FALSE(registry.death());
  REQUIRE(::kill(pid, SIGKILL) == 0);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (registry.alive() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(registry.alive());
  REQUIRE(registry.death());
  const auto& d = *registry.death();
  CHECK(d.pid == pid);
  CHECK(d.name == "registry-1");
  CHECK(d.how() == "was killed by signal 9 (SIGKILL)");
  CHECK(d.log == registry.log_path());
  CHECK(d.log_tail.find("listening on 127.0.0.1") != std::string::npos);
  CHECK(d.describe().find("registry-1 (pid " + std::to_string(pid) + ") was killed by signal 9") != std::string::npos);
  CHECK(gone(pid));  // reaped, not a zombie

  RegistryProcess other(launch);
  other.stop();
  CHECK_FALSE(other.alive());
  CHECK_FALSE(other.death());
  CHECK(other.log_files() == std::vector<std::filesystem::path>{other.log_path()});
}

// 2.8's upload purger first sleeps rand.Int()%60 minutes, seeded with the
// Unix second of its start: max_purge_delay_minutes restarts the registry
// (each start in a later second) until the logged delay fits. At most 29
// minutes is one start in two, so this takes a few seconds.
TEST_CASE("max_purge_delay_minutes restarts until the upload purger's first delay fits", "[harness][registry]") {
  if (::access("/usr/bin/docker-registry", X_OK) != 0) return;
  TempDir dir;
  RegistryLaunch launch;
  launch.storage = {{"inmemory", nlohmann::json::object()},
                    {"maintenance",
                     {{"uploadpurging", {{"enabled", true}, {"age", "1m"}, {"interval", "1m"}, {"dryrun", true}}}}}};
  launch.work_dir = dir.path();
  launch.max_purge_delay_minutes = 29;
  RegistryProcess registry(launch);
  CHECK(registry.alive());
  // The delay the running process drew is the last one logged.
  std::ifstream in(registry.log_path());
  std::string line, last;
  while (std::getline(in, line))
    if (auto at = line.find("Starting upload purge in "); at != std::string::npos) last = line.substr(at + 25);
  REQUIRE_FALSE(last.empty());
  const int minutes = last.find('m') < last.find('s') ? std::stoi(last) : 0;
  CHECK(minutes <= 29);

  // Without uploadpurging there is no delay to read: a clear error, not a hang.
  RegistryLaunch off = launch;
  off.storage.erase("maintenance");
  off.name = "registry-off";
  CHECK_THROWS_WITH(RegistryProcess(off), Catch::Contains("no \"Starting upload purge in\" line"));
}
