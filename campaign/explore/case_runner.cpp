#include "campaign/explore/case_runner.h"

#include <chrono>
#include <memory>
#include <thread>

#include "campaign/child_run.h"
#include "harness/child_reaper.h"
#include "harness/runner.h"

namespace stalemate::campaign::explore {

namespace {
// Hang guard for one case (a small case takes about a second; listing lag and
// the driver's 15 s segment wait make some take tens of seconds).
constexpr double kCaseDeadlineS = 300;
constexpr std::chrono::milliseconds kPollInterval{50};
}  // namespace

std::vector<CaseResult> run_cases(const std::vector<CaseRun>& cases, const RunnerOptions& options) {
  std::vector<CaseResult> results(cases.size());
  std::vector<std::pair<std::size_t, std::unique_ptr<ChildRun>>> active;
  std::size_t next = 0;
  const auto binary = self_executable();
  while (next < cases.size() || !active.empty()) {
    if (const int sig = harness::interrupt_signal()) {
      for (auto& [i, child] : active) child->interrupt();
      const auto deadline = std::chrono::steady_clock::now() + kChildStopGrace;
      for (auto& [i, child] : active) child->stop_by(deadline);
      throw harness::Interrupted(sig, "the running cases wrote partial reports");
    }
    while (next < cases.size() && active.size() < std::max(1u, options.jobs)) {
      const auto& c = cases[next];
      ChildRunSpec spec{binary, c.dir, c.scenario, c.seed, options.registry, options.control};
      active.emplace_back(next++, std::make_unique<ChildRun>(spec));
    }
    bool any = false;
    for (auto it = active.begin(); it != active.end();) {
      auto& child = *it->second;
      if (!child.finished() && child.seconds() > kCaseDeadlineS) child.kill();  // hung: infrastructure
      if (!child.finished()) {
        ++it;
        continue;
      }
      auto& r = results[it->first];
      r.exit_code = child.exit_code();
      r.seconds = child.seconds();
      r.finding = classify(child.report(), r.exit_code);
      it = active.erase(it);
      any = true;
    }
    if (!any) std::this_thread::sleep_for(kPollInterval);
  }
  return results;
}

}  // namespace stalemate::campaign::explore
