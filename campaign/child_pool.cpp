#include "campaign/child_pool.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "harness/child_reaper.h"
#include "harness/runner.h"

namespace stalemate::campaign {

namespace {

// How often running children are checked; waiting is bounded by the hang guard.
constexpr std::chrono::milliseconds kPollInterval{100};

struct Active {
  ChildTask task;
  std::unique_ptr<ChildRun> child;
};

// Ctrl-C: every running child gets SIGINT, so it stops its own children and
// writes its partial report; what has not ended after the grace is killed.
void stop_all(std::vector<Active>& active) {
  for (auto& a : active) a.child->interrupt();
  const auto deadline = std::chrono::steady_clock::now() + kChildStopGrace;
  for (auto& a : active) a.child->stop_by(deadline);
  active.clear();
}

}  // namespace

void run_child_pool(std::deque<ChildTask> tasks, unsigned jobs, std::chrono::seconds hang_guard,
                    const std::string& interrupted_note) {
  jobs = std::max(1u, jobs);
  std::vector<Active> active;
  while (!tasks.empty() || !active.empty()) {
    if (const int sig = harness::interrupt_signal()) {
      stop_all(active);
      throw harness::Interrupted(sig, interrupted_note);
    }
    while (!tasks.empty() && active.size() < jobs) {
      auto task = std::move(tasks.front());
      tasks.pop_front();
      auto child = std::make_unique<ChildRun>(task.spec);
      active.push_back({std::move(task), std::move(child)});
    }
    bool any = false;
    for (auto it = active.begin(); it != active.end();) {
      if (!it->child->finished() && it->child->seconds() > std::chrono::duration<double>(hang_guard).count())
        it->child->kill();  // hung: recorded as a killed run
      if (!it->child->finished()) {
        ++it;
        continue;
      }
      it->task.done(*it->child);
      it = active.erase(it);
      any = true;
    }
    if (!any) std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace stalemate::campaign
