// The child-process interface shared by the registry and Redis (and nginx and
// skopeo next): bounded commands, and deaths told apart from stops.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/child_process.h"
#include "harness/redis_process.h"
#include "harness/registry_process.h"
#include "test_support.h"

using namespace stalemate::harness;
using stalemate::test::TempDir;
using Clock = std::chrono::steady_clock;

TEST_CASE("run_bounded returns the output and status of a command that finishes", "[harness][process]") {
  const auto ok = run_bounded({"/bin/sh", "-c", "echo out; echo err >&2"}, std::chrono::seconds(10));
  CHECK_FALSE(ok.timed_out);
  CHECK(ok.ok());
  CHECK(ok.output.find("out") != std::string::npos);
  CHECK(ok.output.find("err") != std::string::npos);
  const auto fail = run_bounded({"/bin/sh", "-c", "exit 4"}, std::chrono::seconds(10));
  CHECK_FALSE(fail.ok());
  CHECK(describe_status(fail.wait_status) == "exited with status 4");
  const auto t0 = Clock::now();
  const auto hung = run_bounded({"/bin/sleep", "60"}, std::chrono::milliseconds(300));
  CHECK(hung.timed_out);
  CHECK(Clock::now() - t0 < std::chrono::seconds(5));
  CHECK_THROWS_AS(run_bounded({"/nonexistent/binary"}, std::chrono::seconds(1)), InfrastructureError);
}

TEST_CASE("a Redis killed from outside is a death like a registry's", "[harness][process]") {
  if (::access("/usr/bin/redis-server", X_OK) != 0) return;
  TempDir dir;
  RedisProcess redis(dir.path());
  ManagedProcess& p = redis;
  REQUIRE(p.alive());
  const pid_t pid = p.pid();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (p.alive() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(p.death());
  CHECK(p.death()->name == "redis");
  CHECK(p.death()->pid == pid);
  CHECK(p.death()->how() == "was killed by signal 9 (SIGKILL)");
  // A restart brings it back under the same name; the death is history.
  p.restart();
  CHECK(p.alive());
  CHECK_FALSE(p.death());
  redis.flush_all();
}
