// The trace commands of the CLI: `stalemate import` and `stalemate generate`.
#pragma once

#include <string>

#include "harness/run_plan.h"
#include "harness/runner.h"

namespace stalemate::cli {

extern const char* const kTraceUsage;

// argv[1] is the command; return the exit code (InputError escapes: exit 2).
int cmd_import(int argc, char** argv);
int cmd_generate(int argc, char** argv);
// After a replayed run's summary: its fidelity and throughput in one line (nothing for scripted runs).
void print_replay(const nlohmann::json& report);
// `stalemate run --record FILE`: the finished run's workload as a trace.
void record_run(const std::string& path, const harness::RunPlan& plan, const harness::RunOutcome& outcome);

}  // namespace stalemate::cli
