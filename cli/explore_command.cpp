// stalemate explore: property-based search for invariant breaks of a registry build.
#include <iostream>

#include "campaign/explore/explore.h"
#include "campaign/explore/registry_worker.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "common/json_reader.h"
#include "harness/child_reaper.h"
#include "harness/runner.h"

namespace stalemate::cli {

const char* const kExploreUsage =
    "  stalemate explore [--registry PATH] [--backend swift|s3] [--cases N] [--budget 10m] [--seed S]\n"
    "                    [--save DIR] [--jobs N] [--out DIR] [--faults lag|rules|none] [--control]\n"
    "                    [--findings N] [--shrink-runs N] [--shrink-budget 10m] [--shrink-tries N]\n"
    "                    [--confirm N] [--flip-byte] [--fresh-registry]\n"
    "      generate random workloads and fault schedules (rapidcheck; the same --seed draws the same\n"
    "      cases), run them against the registry N at a time, and shrink the first case that breaks an\n"
    "      invariant or fails an operation to a minimal scenario of the same kind of failure; it is saved\n"
    "      to DIR (default OUT/found) with the failure in \"expect\" and its replay command printed.\n"
    "      --cases and --budget bound the running of new cases; each shrink has its own bound\n"
    "      (--shrink-runs, default 150; --shrink-budget, default 10m);\n"
    "      --faults: lag distributions only (default), plus targeted rules, or none; --control runs every\n"
    "      case as its negative control; --findings N goes on until N different kinds are found\n"
    "      and reproduced at their seed (--confirm re-runs, default 3);\n"
    "      a shrink is kept when it fails the same way in one of --shrink-tries runs (default 2);\n"
    "      --flip-byte (checker self-test) flips a stored byte after the first pushes;\n"
    "      each of the N jobs keeps one registry process for the cases it can (the store reset and\n"
    "      fresh layers per case; restarts run as a child `stalemate run`); --fresh-registry runs\n"
    "      every case as a child `stalemate run` (a registry of its own); findings are confirmed fresh;\n"
    "      exit 0 nothing found, 1 found and saved, 2 bad input, 3 cases could not run, 130 on SIGINT\n";

namespace {

std::chrono::seconds duration_option(const std::string& option, const std::string& text) {
  const nlohmann::json value = text;
  const auto us = JsonReader(value, option).as_duration_us();
  if (us < 1'000'000) throw InputError(option + ": at least 1s (got " + text + ")");
  return std::chrono::seconds(us / 1'000'000);
}

}  // namespace

int cmd_explore(const Args& args) {
  const auto p = parse_command_line("explore", args,
                                    {"--registry", "--backend", "--cases", "--budget", "--seed", "--save", "--jobs",
                                     "--out", "--faults", "--findings", "--shrink-runs", "--shrink-budget",
                                     "--shrink-tries", "--confirm"},
                                    {"--control", "--flip-byte", "--fresh-registry"});
  expect_positional(p, 0, 0, "explore takes no positional arguments");
  campaign::explore::ExploreOptions o;
  using campaign::explore::FaultMode;
  if (const auto v = p.value("--registry")) o.registry = *v;
  if (const auto v = p.value("--backend")) {
    if (*v != "swift" && *v != "s3") throw InputError("--backend: swift or s3 (got " + *v + ")");
    o.cases.backend = *v;
  }
  if (const auto v = p.value("--faults")) {
    if (*v == "lag") o.cases.faults = FaultMode::Lag;
    else if (*v == "rules") o.cases.faults = FaultMode::Rules;
    else if (*v == "none") o.cases.faults = FaultMode::None;
    else throw InputError("--faults: lag, rules or none (got " + *v + ")");
  }
  o.cases.flip_byte = p.flag("--flip-byte");
  o.control = p.flag("--control");
  o.reuse = !p.flag("--fresh-registry");
  if (const auto v = p.value("--cases")) o.max_cases = parse_count("--cases", *v, 1, 1'000'000);
  if (const auto v = p.value("--budget")) o.budget = duration_option("--budget", *v);
  if (const auto v = p.value("--seed")) o.seed = parse_count("--seed", *v, 0, UINT64_MAX / 2'000'000);
  if (const auto v = p.value("--save")) o.save_dir = *v;
  if (const auto v = p.value("--out")) o.out_dir = *v;
  if (const auto v = p.value("--jobs")) o.jobs = static_cast<unsigned>(parse_count("--jobs", *v, 1, 64));
  if (const auto v = p.value("--findings")) o.findings = parse_count("--findings", *v, 1, 100);
  if (const auto v = p.value("--shrink-runs")) o.shrink.max_runs = parse_count("--shrink-runs", *v, 0, 100'000);
  if (const auto v = p.value("--shrink-budget")) o.shrink.max_time = duration_option("--shrink-budget", *v);
  if (const auto v = p.value("--shrink-tries")) o.shrink.tries = static_cast<unsigned>(parse_count("--shrink-tries", *v, 1, 10));
  if (const auto v = p.value("--confirm")) o.confirm_runs = static_cast<unsigned>(parse_count("--confirm", *v, 0, 100));
  // Ctrl-C: the running cases are told to stop (each writes its partial report).
  harness::install_child_reaper(harness::OnInterrupt::Abort);
  try {
    const auto r = campaign::explore::run_explore(o);
    std::cout << "explore   " << r.cases << " cases, " << r.failing << " failing, " << r.infrastructure
              << " could not run; " << static_cast<int>(r.cases_per_minute + 0.5) << " cases/min\n"
              << "summary   " << o.out_dir << "/explore.json\n";
    if (!r.found.empty()) return harness::kExitViolation;
    return r.infrastructure > 0 && r.infrastructure == r.cases ? harness::kExitInfrastructure : harness::kExitPass;
  } catch (const harness::Interrupted& e) {
    std::cerr << "stalemate: explore " << e.what() << "\n";
    return 128 + e.signal;
  }
}

const char* const kExploreWorkerUsage =
    "  stalemate explore-worker DIR [--registry PATH]\n"
    "      (started by explore) one fake store and one registry process kept for the cases\n"
    "      explore hands it in DIR (request-N.json -> answer-N.json); ends when idle for 10 minutes\n";

int cmd_explore_worker(const Args& args) {
  const auto p = parse_command_line("explore-worker", args, {"--registry"}, {});
  expect_positional(p, 1, 1, "explore-worker takes its directory");
  campaign::explore::WorkerOptions o;
  o.dir = p.positional[0];
  if (const auto v = p.value("--registry")) o.registry = *v;
  // Ctrl-C or SIGTERM: the registry is stopped, a running case writes its partial report.
  harness::install_child_reaper(harness::OnInterrupt::Abort);
  return campaign::explore::serve_cases(o);
}

}  // namespace stalemate::cli
