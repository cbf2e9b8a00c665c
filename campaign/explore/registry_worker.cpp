#include "campaign/explore/registry_worker.h"

#include <csignal>
#include <fstream>
#include <iostream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "common/json_reader.h"
#include "harness/child_process.h"
#include "harness/child_reaper.h"
#include "harness/registry_process.h"
#include "harness/reused_env.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"

namespace stalemate::campaign::explore {

namespace fs = std::filesystem;

namespace {

// How often both sides look for the other's file: a case takes a few hundred
// milliseconds at least, so this costs little and stays bounded.
constexpr std::chrono::milliseconds kFilePoll{5};

void write_atomically(const fs::path& file, const nlohmann::json& j) {
  const auto tmp = fs::path(file.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) throw harness::InfrastructureError("cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
}

std::optional<nlohmann::json> read_if_there(const fs::path& file) {
  if (!fs::exists(file)) return std::nullopt;
  return read_json_file(file.string());
}

// One case in the worker: its answer, and whether the worker must end after it.
struct Handled {
  nlohmann::json answer;
  bool last = false;
};

class Worker {
 public:
  explicit Worker(const WorkerOptions& o) : o_(o) {}

  Handled handle(const nlohmann::json& request) {
    const fs::path dir = request.at("dir").get<std::string>();
    fs::remove_all(dir);  // what an earlier attempt left
    fs::create_directories(dir);
    const auto scenario_file = dir / "scenario.json";
    write_atomically(scenario_file, request.at("scenario"));
    harness::RunOptions options;
    options.out_dir = dir.string();
    options.registry_binary = o_.registry;
    options.seed = request.at("seed").get<std::uint64_t>();
    options.control = request.value("control", false);
    std::optional<harness::RunPlan> plan;
    try {
      plan = harness::make_run_plan(harness::load_scenario(scenario_file.string()), options);
    } catch (const InputError& e) {
      return {{{"exit", harness::kExitBadInput}, {"error", e.what()}}, false};
    }
    // Several instances, Redis, nginx, garbage-collect: the case needs processes of its own.
    if (auto why = harness::reuse_obstacle(*plan, env_.get()); !why.empty()) return {{{"fallback", why}}, false};
    try {
      if (!env_) {
        auto first = *plan;
        first.out_dir = o_.dir / "registry";
        env_ = harness::start_reused_environment(first);
        std::cerr << "explore-worker: registry pid " << env_->registry_pid() << " ready\n";
      }
      const auto outcome = harness::run_plan_reusing(std::move(*plan), *env_);
      return {{{"exit", outcome.exit_code}}, false};
    } catch (const harness::Interrupted& e) {
      std::cerr << "explore-worker: " << e.what() << "\n";
      return {{{"exit", 128 + e.signal}, {"error", e.what()}}, true};
    } catch (const harness::InfrastructureError& e) {
      // The registry may be dead or hung: this worker's environment is not trusted again.
      std::cerr << "explore-worker: " << e.what() << "\n";
      return {{{"exit", harness::kExitInfrastructure}, {"error", e.what()}}, true};
    } catch (const InputError& e) {
      return {{{"exit", harness::kExitBadInput}, {"error", e.what()}}, false};
    }
  }

 private:
  const WorkerOptions& o_;
  std::unique_ptr<harness::ReusedEnvironment> env_;
};

}  // namespace

fs::path worker_request_file(const fs::path& dir, std::uint64_t n) {
  return dir / ("request-" + std::to_string(n) + ".json");
}
fs::path worker_answer_file(const fs::path& dir, std::uint64_t n) {
  return dir / ("answer-" + std::to_string(n) + ".json");
}

int serve_cases(const WorkerOptions& o) {
  Worker worker(o);
  for (std::uint64_t n = 1;; ++n) {
    const auto request_file = worker_request_file(o.dir, n);
    auto idle_since = std::chrono::steady_clock::now();
    std::optional<nlohmann::json> request;
    while (!(request = read_if_there(request_file))) {
      if (const int sig = harness::interrupt_signal()) return sig == SIGTERM ? 0 : 128 + sig;
      if (std::chrono::steady_clock::now() - idle_since > o.idle_limit) return 0;
      std::this_thread::sleep_for(kFilePoll);
    }
    const auto handled = worker.handle(*request);
    write_atomically(worker_answer_file(o.dir, n), handled.answer);
    if (handled.last) return handled.answer.value("exit", harness::kExitInfrastructure);
  }
}

// ---- the driver's side

RegistryWorker::RegistryWorker(const fs::path& binary, const fs::path& dir, const std::optional<std::string>& registry)
    : dir_(dir) {
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  std::vector<std::string> command{binary.string(), "explore-worker", dir_.string()};
  if (registry) {
    command.push_back("--registry");
    command.push_back(*registry);
  }
  pid_ = harness::spawn_child(command, dir_ / "worker.log", dir_);
  harness::unregister_child(pid_);  // stopped by interrupt()/kill(), as a ChildRun is
}

RegistryWorker::~RegistryWorker() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGTERM);  // idle: it stops its registry and ends
  stop_by(std::chrono::steady_clock::now() + std::chrono::seconds(10));
}

void RegistryWorker::submit(const fs::path& case_dir, const nlohmann::json& scenario, std::uint64_t seed,
                            bool control) {
  write_atomically(worker_request_file(dir_, ++requests_),
                   {{"dir", case_dir.string()}, {"seed", seed}, {"control", control}, {"scenario", scenario}});
}

std::optional<nlohmann::json> RegistryWorker::answer() const {
  try {
    return read_if_there(worker_answer_file(dir_, requests_));
  } catch (const InputError&) {
    return std::nullopt;  // renamed into place, so never half-written; a foreign file: no answer
  }
}

bool RegistryWorker::alive() {
  if (pid_ < 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  pid_ = -1;
  return false;
}

void RegistryWorker::interrupt() {
  if (pid_ > 0) ::kill(pid_, SIGINT);
}

void RegistryWorker::stop_by(std::chrono::steady_clock::time_point deadline) {
  while (alive() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(kFilePoll * 4);
  kill();
}

void RegistryWorker::kill() {
  if (pid_ < 0) return;
  // Its registry is in a process group of its own and dies with it (PDEATHSIG).
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  harness::wait_blocking(pid_);
  pid_ = -1;
}

}  // namespace stalemate::campaign::explore
