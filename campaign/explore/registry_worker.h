// Reuse of one registry process across exploration cases (issue 11, item 3).
// A worker is a child `stalemate explore-worker DIR`: it keeps one fake store
// and one registry process (harness/reused_env.h) and runs the cases it is
// handed one after the other, each resetting the store. Being a child of its
// own, a registry crash or hang costs one case and one worker, never the
// exploration: the driver (case_runner.cpp) kills a worker that overruns a
// case's deadline and starts another for the next case.
//
// The protocol is files in DIR, so that both sides can be watched with plain
// bounded polls: the driver writes request-N.json ({"dir", "seed", "control",
// "scenario"}), the worker answers answer-N.json — {"exit": code} once the case
// wrote DIR-of-the-case/report.json, or {"fallback": why} when the case needs
// processes of its own (several instances, Redis, nginx, garbage-collect,
// other registry or backend settings) and must run as a child `stalemate run`.
// Both files appear by rename, never half-written.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace stalemate::campaign::explore {

std::filesystem::path worker_request_file(const std::filesystem::path& dir, std::uint64_t n);
std::filesystem::path worker_answer_file(const std::filesystem::path& dir, std::uint64_t n);

struct WorkerOptions {
  std::filesystem::path dir;
  std::optional<std::string> registry;  // the registry binary for every case
  // A worker nobody hands a case for this long ends (its driver is gone or done).
  std::chrono::seconds idle_limit{600};
};

// The worker's loop (`stalemate explore-worker`): returns its exit code — 0
// when idle or told to stop (SIGTERM), 3 after a case's infrastructure failure
// (its registry may be gone: the driver starts a new worker), 128 + signal on SIGINT.
int serve_cases(const WorkerOptions& options);

// The driver's handle on one worker: spawned in its own process group (it
// dies with us), reaped by us, stopped SIGTERM-then-SIGKILL on destruction.
class RegistryWorker {
 public:
  RegistryWorker(const std::filesystem::path& binary, const std::filesystem::path& dir,
                 const std::optional<std::string>& registry);
  ~RegistryWorker();
  RegistryWorker(const RegistryWorker&) = delete;
  RegistryWorker& operator=(const RegistryWorker&) = delete;

  // Hands it one case (the next request number).
  void submit(const std::filesystem::path& case_dir, const nlohmann::json& scenario, std::uint64_t seed,
              bool control);
  // The answer to the case last submitted, once written.
  std::optional<nlohmann::json> answer() const;
  // Reaps without blocking: false once the worker has ended.
  bool alive();
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return dir_; }
  void interrupt();  // SIGINT: its running case writes a partial report, then it ends
  // Waits for its end until `deadline`, then kills it (and its registry: its group).
  void stop_by(std::chrono::steady_clock::time_point deadline);
  void kill();

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint64_t requests_ = 0;
};

}  // namespace stalemate::campaign::explore
