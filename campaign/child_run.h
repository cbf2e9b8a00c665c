// One scenario run as a child `stalemate run` process: its own fake store,
// registry (and nginx) on their own ports, its own out dir holding the
// scenario it ran; its report.json is read back when it ends. Started by
// spawn_child (own process group, PDEATHSIG: it dies if we die), but stopped
// by its driver rather than the reaper: on Ctrl-C the driver passes SIGINT on,
// so each child run kills its own children, unmounts its front's filesystems
// and writes its partial report, and SIGKILLs what has not ended after a grace.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace stalemate::campaign {

struct ChildRunSpec {
  std::filesystem::path binary;  // the stalemate executable
  std::filesystem::path dir;     // out dir: scenario.json, report.json, stalemate.log, …
  nlohmann::json scenario;
  std::uint64_t seed = 0;
  std::optional<std::string> registry;
  bool control = false;  // run it as its negative control
};

class ChildRun {
 public:
  // Writes dir/scenario.json and starts `stalemate run` on it.
  explicit ChildRun(const ChildRunSpec& spec);
  ~ChildRun();  // kills and reaps a child still running
  ChildRun(const ChildRun&) = delete;
  ChildRun& operator=(const ChildRun&) = delete;

  // Reaps without blocking: true once the child has ended.
  bool finished();
  // Its exit code (128 + signal when killed); valid once finished().
  int exit_code() const { return exit_code_; }
  double seconds() const;  // wall time, so far or in all
  void kill();             // SIGKILL now, reaped
  void interrupt();        // SIGINT to the child run alone (it stops its own children)
  // After interrupt(): waits for the end until `deadline`, then kills.
  void stop_by(std::chrono::steady_clock::time_point deadline);
  const std::filesystem::path& dir() const { return dir_; }
  // dir/report.json, or null when the child wrote none (killed, bad input).
  nlohmann::json report() const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::chrono::steady_clock::time_point start_, end_;
};

// How long an interrupted child run gets to write its partial report (its own
// children's stop takes SIGTERM + 5 s at most).
inline constexpr std::chrono::seconds kChildStopGrace{15};

// Waits for a child run's end; on Ctrl-C (interrupt_signal) stops it the
// graceful way and throws Interrupted naming its partial report.
void wait_for_end(ChildRun& run);

// The command that replays a run by hand.
std::string replay_command(const std::string& scenario_file, std::uint64_t seed,
                           const std::optional<std::string>& registry);

// This executable's path (/proc/self/exe).
std::filesystem::path self_executable();

}  // namespace stalemate::campaign
