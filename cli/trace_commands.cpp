#include "cli/command_line.h"
#include "cli/commands.h"
#include "harness/runner.h"

#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_reader.h"
#include "harness/workload/generators.h"
#include "harness/workload/log_import.h"
#include "harness/workload/record.h"
#include "harness/workload/trace.h"

namespace stalemate::cli {

using namespace stalemate::harness::workload;

const char* const kImportUsage =
    "  stalemate import ibm|distribution|nginx|notifications LOG... -o TRACE.jsonl\n"
    "      turn registry logs into a trace: pushes and pulls per client with their timing;\n"
    "      prints what it read (requests, pushes, pulls, sizes inferred, malformed lines by number)\n";

const char* const kGenerateUsage =
    "  stalemate generate deploy-train|random [KNOB=VALUE...] -o TRACE.jsonl\n"
    "      a synthetic trace; deploy-train knobs: builders images push_concurrency nodes base_size\n"
    "      code_size app_size scale pull_after node_spread push_gap push_profile pull_profile;\n"
    "      random knobs: seed clients events images max_layers max_layer_size scale duration\n"
    "      pull_fraction pull_delay\n";

namespace {

// The trace to write: -o (or --out) is required.
std::string output_of(const CommandLine& line, const std::string& command) {
  const auto out = line.value({"-o", "--out"});
  if (!out || out->empty()) throw InputError(command + ": give the trace to write with -o TRACE.jsonl");
  return *out;
}

}  // namespace

int cmd_import(const Args& args) {
  const auto a = parse_command_line("import", args, {"-o", "--out"}, {});
  expect_positional(a, 2, SIZE_MAX, "import takes a format and at least one log file");
  const auto out = output_of(a, "import");
  const std::string format = a.positional.front();
  const std::vector<std::string> files(a.positional.begin() + 1, a.positional.end());
  const auto result = import_logs(format, files);
  save_trace(out, result.trace);
  const auto& s = result.summary;
  std::cout << "imported " << s["requests"] << " requests from " << files.size() << " file(s): " << s["pushes"]
            << " pushes, " << s["pulls"] << " pulls, " << s["deletes"] << " deletes by " << s["clients"]
            << " clients (" << s["setup_pushes"] << " setup pushes of images the log only pulls)\n"
            << "sizes inferred from other requests: " << s["sizes_inferred"]
            << "; sizes from upload request lengths (headers included): " << s["sizes_from_request_length"]
            << "; sizes unknown (1 MiB assumed): " << s["sizes_defaulted"] << "\n"
            << "other lines: " << s["other_lines"] << "; requests ignored (pings, listings): " << s["ignored_requests"]
            << "; failed requests: " << s["failed_requests"] << "\n"
            << "malformed lines: " << s["malformed"] << "\n";
  for (const auto& m : s["malformed_lines"]) std::cout << "  " << m.get<std::string>() << "\n";
  std::cout << "wrote " << result.trace.events.size() << " events to " << out << "\n";
  return 0;
}

int cmd_generate(const Args& args) {
  const auto a = parse_command_line("generate", args, {"-o", "--out"}, {});
  expect_positional(a, 1, SIZE_MAX, "generate takes a generator: deploy-train or random");
  const auto out = output_of(a, "generate");
  const std::string kind = a.positional.front();
  if (kind != "deploy-train" && kind != "random")
    throw InputError("unknown generator \"" + kind + "\" (deploy-train or random)");
  const std::vector<std::string> knobs(a.positional.begin() + 1, a.positional.end());
  const auto trace = generate_from_args(kind, knobs);
  save_trace(out, trace);
  std::uint64_t bytes = 0;
  for (const auto& e : trace.events)
    for (const auto& l : e.image.layers) bytes += l.size;
  std::cout << "wrote " << trace.events.size() << " events (" << bytes << " bytes pushed) to " << out << "\n";
  return 0;
}

void print_replay(const nlohmann::json& report) {
  if (!report.contains("replay")) return;
  const auto& r = report["replay"];
  std::cout << "replay    " << r["timed_events"] << " timed events by " << r["clients"].size() << " clients at speed "
            << r["speed"].dump() << ", scale " << r["scale"];
  auto us = [](const nlohmann::json& j, const char* k) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << static_cast<double>(j[k].get<std::int64_t>()) / 1000 << " ms";
    return o.str();
  };
  if (r.contains("start_error_us"))
    std::cout << "; start error p50 " << us(r["start_error_us"], "p50") << ", p99 " << us(r["start_error_us"], "p99");
  if (r.contains("scheduler_error_us")) std::cout << " (idle clients: p99 " << us(r["scheduler_error_us"], "p99") << ")";
  const auto& t = r["throughput"];
  std::cout << "; " << static_cast<long>(t["requests_per_s"].get<double>()) << " requests/s, "
            << static_cast<long>(t["mib_per_s"].get<double>()) << " MiB/s over " << r["duration_s"] << " s\n";
}

void record_run(const std::string& path, const harness::RunPlan& plan, const harness::RunOutcome& outcome) {
  const auto trace = record_trace(plan, outcome.step_starts);
  if (trace.events.empty()) {
    std::cerr << "stalemate: --record: the run made no push or pull to record\n";
    return;
  }
  save_trace(path, trace);
  std::cout << "recorded " << trace.events.size() << " events to " << path << "\n";
}

}  // namespace stalemate::cli
