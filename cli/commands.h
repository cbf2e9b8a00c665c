// The commands of the stalemate CLI. Each takes the arguments after its name,
// returns the exit code, and throws InputError for bad input (exit 2) or
// InfrastructureError (exit 3); main.cpp dispatches and maps the errors. Each
// has its own usage text, printed by `stalemate COMMAND --help`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stalemate::harness {
struct RunPlan;
struct RunOutcome;
}  // namespace stalemate::harness

namespace stalemate::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* usage;  // "  stalemate NAME …\n      what it does\n"
  int (*run)(const Args& args);
};

// Every command, in the order the usage lists them.
const std::vector<Command>& commands();

// run_commands.cpp
extern const char* const kRunUsage;
extern const char* const kSuiteUsage;
int cmd_run(const Args& args);
int cmd_suite(const Args& args);

// serve_command.cpp
extern const char* const kServeUsage;
int cmd_serve(const Args& args);

// campaign_commands.cpp
extern const char* const kSweepUsage;
extern const char* const kMergeUsage;
extern const char* const kReportUsage;
int cmd_sweep(const Args& args);
int cmd_merge(const Args& args);
int cmd_report(const Args& args);

// explore_command.cpp
extern const char* const kExploreUsage;
int cmd_explore(const Args& args);
extern const char* const kExploreWorkerUsage;
int cmd_explore_worker(const Args& args);

// trace_commands.cpp
extern const char* const kImportUsage;
extern const char* const kGenerateUsage;
int cmd_import(const Args& args);
int cmd_generate(const Args& args);
// After a replayed run's summary: its fidelity and throughput in one line (nothing for scripted runs).
void print_replay(const nlohmann::json& report);
// `stalemate run --record FILE`: the finished run's workload as a trace.
void record_run(const std::string& path, const harness::RunPlan& plan, const harness::RunOutcome& outcome);

}  // namespace stalemate::cli
