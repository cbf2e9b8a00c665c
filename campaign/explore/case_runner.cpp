#include "campaign/explore/case_runner.h"

#include <chrono>
#include <memory>
#include <thread>

#include "campaign/child_run.h"
#include "campaign/explore/registry_worker.h"
#include "common/json_reader.h"
#include "harness/child_reaper.h"
#include "harness/runner.h"

namespace stalemate::campaign::explore {

namespace fs = std::filesystem;

namespace {
// Hang guard for one case (a small case takes about a second; listing lag and
// the driver's 15 s segment wait make some take tens of seconds). A reused
// registry that hangs costs its worker: the next case gets a new one.
constexpr double kCaseDeadlineS = 300;
constexpr std::chrono::milliseconds kPollInterval{10};

nlohmann::json report_in(const fs::path& dir) {
  const auto file = dir / "report.json";
  if (!fs::exists(file)) return nullptr;
  try {
    return read_json_file(file.string());
  } catch (const InputError&) {
    return nullptr;
  }
}
}  // namespace

// One job: the case it runs, in its worker or as a child run.
struct CaseRunner::Slot {
  std::size_t job = 0;
  std::optional<std::size_t> index;  // the case, while busy
  std::unique_ptr<ChildRun> child;   // set when the case runs as a child `stalemate run`
  std::chrono::steady_clock::time_point start;
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
};

CaseRunner::CaseRunner(RunnerOptions options) : options_(std::move(options)) {
  options_.jobs = std::max(1u, options_.jobs);
  if (options_.workers_dir.empty()) options_.reuse = false;
  workers_.resize(options_.jobs);
}

CaseRunner::~CaseRunner() = default;  // each RegistryWorker stops its worker and registry

std::vector<CaseResult> CaseRunner::run(const std::vector<CaseRun>& cases) {
  std::vector<CaseResult> results(cases.size());
  std::vector<Slot> slots(options_.jobs);
  for (std::size_t j = 0; j < slots.size(); ++j) slots[j].job = j;
  std::size_t next = 0, running = 0;
  const auto binary = self_executable();
  const auto start_child = [&](Slot& s) {
    const auto& c = cases[*s.index];
    ChildRunSpec spec{binary, c.dir, c.scenario, c.seed, options_.registry, options_.control};
    s.child = std::make_unique<ChildRun>(spec);
  };
  const auto finish = [&](Slot& s, int exit_code, const nlohmann::json& report) {
    auto& r = results[*s.index];
    r.exit_code = exit_code;
    r.seconds = s.seconds();
    r.finding = classify(report, exit_code);
    r.log = s.child ? cases[*s.index].dir / "stalemate.log" : workers_[s.job]->dir() / "worker.log";
    if (!s.child && report.is_object()) {
      r.reused = true;
      r.registry_pid = report.value("/registry/reused/pid"_json_pointer, -1);
    }
    s.child.reset();
    s.index.reset();
    --running;
  };
  while (next < cases.size() || running > 0) {
    if (const int sig = harness::interrupt_signal()) {
      // Busy or idle, every worker is told: a running case writes its partial report, an idle one ends.
      for (auto& s : slots) {
        if (s.child) s.child->interrupt();
        if (workers_[s.job]) workers_[s.job]->interrupt();
      }
      const auto deadline = std::chrono::steady_clock::now() + kChildStopGrace;
      for (auto& s : slots) {
        if (s.child) s.child->stop_by(deadline);
        if (workers_[s.job]) workers_[s.job]->stop_by(deadline);
      }
      throw harness::Interrupted(sig, "the running cases wrote partial reports");
    }
    for (auto& s : slots) {
      if (s.index || next >= cases.size()) continue;
      s.index = next++;
      s.start = std::chrono::steady_clock::now();
      ++running;
      if (!options_.reuse) {
        start_child(s);
        continue;
      }
      auto& w = workers_[s.job];
      if (w && !w->alive()) w.reset();  // it ended after an infrastructure failure
      if (!w)
        w = std::make_unique<RegistryWorker>(
            binary, options_.workers_dir / ("job" + std::to_string(s.job) + "-" + std::to_string(++workers_started_)),
            options_.registry);
      const auto& c = cases[*s.index];
      w->submit(c.dir, c.scenario, c.seed, options_.control);
    }
    bool any = false;
    for (auto& s : slots) {
      if (!s.index) continue;
      if (s.child) {
        if (!s.child->finished() && s.seconds() > kCaseDeadlineS) s.child->kill();  // hung: infrastructure
        if (!s.child->finished()) continue;
        const int code = s.child->exit_code();
        const auto report = s.child->report();
        finish(s, code, report);
        any = true;
        continue;
      }
      auto& w = workers_[s.job];
      if (const auto a = w->answer()) {
        any = true;
        if (a->contains("fallback")) {
          // Needs processes of its own: the same case as a child `stalemate run`, in this slot.
          results[*s.index].fallback = a->at("fallback").get<std::string>();
          start_child(s);
          continue;
        }
        finish(s, a->value("exit", harness::kExitInfrastructure), report_in(cases[*s.index].dir));
        continue;
      }
      if (w->alive() && s.seconds() <= kCaseDeadlineS) continue;
      // The worker died mid-case (its registry's death is an answer, so this is the worker
      // itself) or the case overran: the case could not run, the next one gets a new worker.
      w->kill();
      finish(s, harness::kExitInfrastructure, report_in(cases[*s.index].dir));
      w.reset();
      any = true;
    }
    if (!any) std::this_thread::sleep_for(kPollInterval);
  }
  return results;
}

}  // namespace stalemate::campaign::explore
