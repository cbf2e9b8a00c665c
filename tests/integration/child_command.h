// Runs a command as a child with its output captured to files, a deadline, and
// a guaranteed reap (SIGKILL on timeout). For tests that drive the CLI.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <sys/types.h>

namespace stalemate::testing {

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout);

// A started child whose stdout is readable while it runs.
class RunningCommand {
 public:
  // merge_stderr: stderr goes to the same readable pipe (progress lines).
  explicit RunningCommand(const std::vector<std::string>& argv, bool merge_stderr = false);
  pid_t pid() const { return pid_; }
  ~RunningCommand();  // SIGKILL + reap if still running
  // Reads stdout until `marker` appears or the deadline passes; returns all read so far.
  std::string read_until(const std::string& marker, std::chrono::seconds timeout);
  void signal(int sig);
  // Waits for exit; returns the exit code, or -1 when killed after the timeout.
  int wait(std::chrono::seconds timeout);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string out_;
  bool reaped_ = false;
};

// An empty folder under the temp dir, named by prefix, test and pid.
std::filesystem::path fresh_dir(const std::string& prefix, const std::string& name);
// The report.json a run wrote into `dir`, parsed (a test failure when absent).
nlohmann::json read_report(const std::filesystem::path& dir);

}  // namespace stalemate::testing
