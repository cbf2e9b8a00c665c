#include "campaign/child_run.h"

#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <thread>

#include "common/json_reader.h"
#include "harness/child_process.h"
#include "harness/child_reaper.h"
#include "harness/front/tmpfs_mount.h"
#include "harness/registry_process.h"
#include "harness/runner.h"

namespace stalemate::campaign {

namespace fs = std::filesystem;

ChildRun::ChildRun(const ChildRunSpec& spec) : dir_(spec.dir) {
  fs::remove_all(dir_);  // what an interrupted attempt left (its events.jsonl would be appended to)
  fs::create_directories(dir_);
  const auto scenario_file = dir_ / "scenario.json";
  {
    std::ofstream out(scenario_file, std::ios::trunc);
    out << spec.scenario.dump(2) << "\n";
    if (!out) throw harness::InfrastructureError("cannot write " + scenario_file.string());
  }
  std::vector<std::string> command{spec.binary.string(), "run",    scenario_file.string(), "--out",
                                   dir_.string(),        "--seed", std::to_string(spec.seed)};
  if (spec.registry) {
    command.push_back("--registry");
    command.push_back(*spec.registry);
  }
  if (spec.control) command.push_back("--control");
  start_ = end_ = std::chrono::steady_clock::now();
  pid_ = harness::spawn_child(command, dir_ / "stalemate.log", dir_);
  harness::unregister_child(pid_);  // stopped by interrupt()/kill(), see the header
}

void ChildRun::interrupt() {
  if (pid_ > 0) ::kill(pid_, SIGINT);
}

void ChildRun::stop_by(std::chrono::steady_clock::time_point deadline) {
  while (!finished() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll, bounded by the deadline
  kill();
}

void wait_for_end(ChildRun& run) {
  while (!run.finished()) {
    if (const int sig = harness::interrupt_signal()) {
      run.interrupt();
      run.stop_by(std::chrono::steady_clock::now() + kChildStopGrace);
      throw harness::Interrupted(sig, "partial report in " + (run.dir() / "report.json").string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll; the run has its own deadlines
  }
}

ChildRun::~ChildRun() { kill(); }

bool ChildRun::finished() {
  if (pid_ < 0) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return false;
  if (r == pid_) exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  else exit_code_ = harness::kExitInfrastructure;  // already reaped: cannot say how it ended
  pid_ = -1;
  end_ = std::chrono::steady_clock::now();
  return true;
}

double ChildRun::seconds() const {
  const auto until = pid_ < 0 ? end_ : std::chrono::steady_clock::now();
  return std::chrono::duration<double>(until - start_).count();
}

void ChildRun::kill() {
  if (pid_ < 0) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  const int status = harness::wait_blocking(pid_);
  // A SIGKILLed run could not unmount its front's tmpfs (spool, temp, cache).
  harness::front::unmount_tmpfs_under(dir_);
  exit_code_ = status >= 0 && WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 128 + SIGKILL;
  pid_ = -1;
  end_ = std::chrono::steady_clock::now();
}

nlohmann::json ChildRun::report() const {
  const auto file = dir_ / "report.json";
  if (!fs::exists(file)) return nullptr;
  try {
    return read_json_file(file.string());
  } catch (const InputError&) {
    return nullptr;  // written atomically, so this is a foreign file; treat as none
  }
}

std::string replay_command(const std::string& scenario_file, std::uint64_t seed,
                           const std::optional<std::string>& registry) {
  return "stalemate run " + scenario_file + " --seed " + std::to_string(seed) +
         (registry ? " --registry " + *registry : std::string());
}

fs::path self_executable() { return fs::read_symlink("/proc/self/exe"); }

}  // namespace stalemate::campaign
