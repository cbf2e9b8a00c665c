// Child processes of the harness (the registry, Redis; nginx and skopeo
// next): started with a clean environment in their own process group, their
// output appended to a log, killed with us (PDEATHSIG), registered with the
// child reaper, and always reaped. Every wait on a child has a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace stalemate::harness {

std::string errno_text(int err);
// A port on 127.0.0.1 that was free a moment ago.
unsigned short pick_free_port();
std::uint64_t file_size_or_zero(const std::filesystem::path& p);
// The text appended to the log since `from`, at most the last 64 KiB.
std::string log_since(const std::filesystem::path& p, std::uint64_t from);
std::string last_lines(const std::string& text, std::size_t lines);
// "exited with status 3", "was killed by signal 9 (SIGKILL)".
std::string describe_status(int wait_status);
// "10 s", "1500 ms".
std::string seconds_text(std::chrono::milliseconds d);
// Reaps pid, retrying on EINTR. Returns the status, or -1 if it was already reaped.
int wait_blocking(pid_t pid);
// fork + exec of command (argv[0] is the binary path) with PATH and HOME only,
// stdin from /dev/null, stdout and stderr appended to log, cwd work_dir, in a
// process group of its own. Throws InfrastructureError when it cannot be executed.
pid_t spawn_child(const std::vector<std::string>& command, const std::filesystem::path& log,
                  const std::filesystem::path& work_dir);
// SIGTERM, then SIGKILL after `grace` (to the child's whole process group);
// reaps and unregisters.
void stop_child(pid_t pid, std::chrono::milliseconds grace);

// A short command whose output we want (`registry --version`): run with a
// deadline, killed and reaped when it passes (also on Ctrl-C: it is
// registered with the reaper like any child).
struct BoundedRun {
  bool timed_out = false;
  int wait_status = -1;  // valid when !timed_out
  std::string output;    // stdout and stderr, at most 64 KiB
  bool ok() const;       // exited with status 0
};
BoundedRun run_bounded(const std::vector<std::string>& command, std::chrono::milliseconds timeout);

// How a managed process ended when nobody asked it to.
struct ProcessDeath {
  std::string name;  // "registry-1", "redis"
  pid_t pid = -1;
  int wait_status = 0;
  std::filesystem::path log;
  std::string log_tail;  // its last lines
  std::string how() const { return describe_status(wait_status); }
  // "registry-0 (pid 123) was killed by signal 9 (SIGKILL)"
  std::string describe_short() const;
  // … and "; last log lines (…):\n…"
  std::string describe() const;
};

// One interface for every long-running child (registry instances, Redis;
// nginx and skopeo next), after jepsen's db.clj: start (spawn, then poll
// ready() until start_timeout), stop, kill, log files, and whether it is
// still alive (or how it died). The subclass says what to run and how to
// tell that it is ready.
class ManagedProcess {
 public:
  virtual ~ManagedProcess();  // stops and reaps
  ManagedProcess(const ManagedProcess&) = delete;
  ManagedProcess& operator=(const ManagedProcess&) = delete;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  // Spawns and waits until ready(); throws InfrastructureError naming the
  // process, how it ended or what it last answered, and its log tail.
  void start();
  // stop(), then start(): the same name, log (appended to) and — for servers — port.
  void restart();
  // SIGTERM, SIGKILL after the grace period; reaped. Idempotent. Not a death.
  void stop();
  // SIGKILL now; reaped. Not a death (a restart step, a cleanup).
  void kill();
  // Its output log; servers with logs of their own (nginx) add them.
  virtual std::vector<std::filesystem::path> log_files() const { return {log_}; }
  const std::filesystem::path& log_path() const { return log_; }
  // Reaps without blocking: false once the process has ended. An end that
  // neither stop() nor kill() asked for is kept in death().
  bool alive();
  const std::optional<ProcessDeath>& death() const { return death_; }

 protected:
  ManagedProcess(std::string name, std::filesystem::path work_dir, std::filesystem::path log,
                 std::chrono::milliseconds start_timeout);
  // Prepares what the child needs (a config file) and returns its argv.
  virtual std::vector<std::string> command() = 0;
  // One readiness probe; `last` gets what it saw ("HTTP 503", "connection refused").
  virtual bool ready(std::string& last) = 0;
  // Started but not yet ready, it ended: true to try once more (a port taken).
  virtual bool retry_after_exit(const std::string& /*log*/) { return false; }
  // What "ready" means, for messages: "answer GET /v2/ with 200".
  virtual std::string ready_condition() const = 0;
  // How the process is named in messages: "registry /usr/bin/docker-registry".
  virtual std::string label() const { return name_; }

  std::filesystem::path work_dir_;
  std::chrono::milliseconds start_timeout_;

 private:
  bool start_once(bool may_retry);
  void reap(pid_t pid, int status, bool expected);

  std::string name_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::optional<ProcessDeath> death_;
};

}  // namespace stalemate::harness
