// Runs child runs (campaign/child_run.h), at most `jobs` at once, for the
// drivers of many runs (suite, sweep). Each task's `done` is called on this
// thread as its run ends, in the order runs end. A run past the hang guard is
// killed (recorded as killed). On Ctrl-C every running child gets SIGINT and
// the grace to write its partial report, then the pool throws Interrupted.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <string>

#include "campaign/child_run.h"

namespace stalemate::campaign {

struct ChildTask {
  ChildRunSpec spec;
  std::function<void(ChildRun&)> done;
};

// `interrupted_note` completes the Interrupted message ("where the partial
// results are").
void run_child_pool(std::deque<ChildTask> tasks, unsigned jobs, std::chrono::seconds hang_guard,
                    const std::string& interrupted_note);

}  // namespace stalemate::campaign
