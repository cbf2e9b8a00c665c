// stalemate run and stalemate suite.
#include <iostream>
#include <optional>

#include "campaign/suite.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "harness/child_reaper.h"
#include "harness/runner.h"
#include "reports/run_html.h"
#include "reports/run_report.h"

namespace stalemate::cli {

const char* const kRunUsage =
    "  stalemate run SCENARIO.json [--out DIR] [--registry PATH] [--seed N] [--control] [--record TRACE.jsonl]\n"
    "      run one scenario against a real registry; exit 0 all invariants held,\n"
    "      1 a violation (or a failed operation), 2 bad input, 3 infrastructure failure\n"
    "      (a registry that would not start or died mid-run), 130 interrupted (SIGINT;\n"
    "      143 SIGTERM) after writing a partial report marked \"aborted\";\n"
    "      --control runs it as its negative control (no faults, no lag, X-Newest reads);\n"
    "      --record writes the run's workload as a trace that replays (scenarios/README.md, \"Traces\")\n";

const char* const kSuiteUsage =
    "  stalemate suite DIR|FILE... [--registry PATH] [--baseline PATH] [--junit FILE]\n"
    "                  [--out DIR] [--seeds N] [--jobs N] [--controls] [--fail-on availability] [--include-long]\n"
    "      every scenario given (folders searched for *.json; sweep files skipped) against a registry\n"
    "      (and a baseline); stochastic scenarios over seeds 1..N; --jobs N runs N cases at once;\n"
    "      --controls adds each negative control;\n"
    "      \"long\" and \"calibration\" scenarios only with --include-long;\n"
    "      each run's outcome is clean, integrity, availability or infrastructure, and each incident\n"
    "      reproduced or fixed; exit 1 when the candidate breaks an invariant, still shows an\n"
    "      incident or fails a control (--fail-on availability: also a failed push or pull),\n"
    "      3 when a run could not be carried out, 130 on SIGINT\n";

int cmd_run(const Args& args) {
  const auto line =
      parse_command_line("run", args, {"--out", "--registry", "--seed", "--record"}, {"--control"});
  expect_positional(line, 1, 1, "run takes exactly one scenario file");
  // Ctrl-C kills the children at once, then the run writes its partial report.
  harness::install_child_reaper(harness::OnInterrupt::Abort);
  harness::RunOptions options;
  options.progress = true;
  if (const auto v = line.value("--out")) options.out_dir = *v;
  if (const auto v = line.value("--registry")) options.registry_binary = *v;
  if (const auto v = line.value("--seed")) options.seed = parse_count("--seed", *v, 0, UINT64_MAX);
  options.control = line.flag("--control");
  const auto record = line.value("--record");
  // Everything is parsed and checked before any process starts.
  auto plan = harness::make_run_plan(harness::load_scenario(line.positional[0]), options);
  const auto recorded_plan = record ? std::optional<harness::RunPlan>(plan) : std::nullopt;
  try {
    const auto out_dir = plan.out_dir;
    auto outcome = harness::run_plan(std::move(plan));
    std::cout << reports::render_summary(outcome.report);
    std::cout << "timeline  " << reports::write_run_html(outcome.report, out_dir).string() << "\n";
    print_replay(outcome.report);
    if (record) record_run(*record, *recorded_plan, outcome);
    return outcome.exit_code;
  } catch (const harness::Interrupted& e) {
    std::cerr << "stalemate: " << e.what() << "\n";
    return 128 + e.signal;
  }
}

int cmd_suite(const Args& args) {
  const auto line = parse_command_line(
      "suite", args, {"--registry", "--baseline", "--junit", "--out", "--seeds", "--jobs", "--fail-on"},
      {"--controls", "--include-long"});
  expect_positional(line, 1, SIZE_MAX, "suite takes scenario files or folders");
  // Ctrl-C: the scenario running writes its partial report, then the suite stops (exit 130).
  harness::install_child_reaper(harness::OnInterrupt::Abort);
  campaign::SuiteOptions options;
  options.paths = line.positional;
  if (const auto v = line.value("--registry")) options.registry = *v;
  options.baseline = line.value("--baseline");
  if (const auto v = line.value("--junit")) options.junit = *v;
  if (const auto v = line.value("--out")) options.out_dir = *v;
  if (const auto v = line.value("--seeds")) options.seeds = static_cast<unsigned>(parse_count("--seeds", *v, 1, 1000));
  if (const auto v = line.value("--jobs")) options.jobs = static_cast<unsigned>(parse_count("--jobs", *v, 1, 64));
  options.controls = line.flag("--controls");
  options.include_long = line.flag("--include-long");
  if (const auto v = line.value("--fail-on")) {
    if (*v != "availability") throw InputError("--fail-on: the one outcome it takes is availability, not \"" + *v + "\"");
    options.fail_on_availability = true;
  }
  try {
    return campaign::run_suite(options);
  } catch (const harness::Interrupted& e) {
    std::cerr << "stalemate: suite " << e.what() << "\n";
    return 128 + e.signal;
  }
}

}  // namespace stalemate::cli
