// stalemate: run scenarios against real registry builds on a fake,
// eventually consistent object store; or serve the fake alone.
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "harness/child_reaper.h"
#include "harness/fake_backend.h"
#include "common/json_reader.h"
#include "harness/registry_process.h"
#include "harness/runner.h"
#include "harness/suite.h"
#include "reports/run_report.h"

using namespace stalemate;
using namespace stalemate::harness;

namespace {

const char* kUsage =
    "usage:\n"
    "  stalemate run SCENARIO.json [--out DIR] [--registry PATH] [--seed N] [--control]\n"
    "      run one scenario against a real registry; exit 0 all invariants held,\n"
    "      1 a violation (or a failed operation), 2 bad input, 3 infrastructure failure\n"
    "      (a registry that would not start or died mid-run), 130 interrupted (SIGINT;\n"
    "      143 SIGTERM) after writing a partial report marked \"aborted\";\n"
    "      --control runs it as its negative control (no faults, no lag, X-Newest reads)\n"
    "  stalemate suite DIR|FILE... [--registry PATH] [--baseline PATH] [--junit FILE]\n"
    "                      [--out DIR] [--seeds N] [--controls] [--include-long]\n"
    "      every scenario given (folders searched for *.json) against a registry (and a\n"
    "      baseline); stochastic scenarios over seeds 1..N; --controls adds each negative control;\n"
    "      \"long\" and \"calibration\" scenarios only with --include-long;\n"
    "      exit 1 when the candidate breaks an invariant, 130 on SIGINT\n"
    "  stalemate serve --swift 127.0.0.1:PORT | --s3 127.0.0.1:PORT [--control 127.0.0.1:PORT]\n"
    "                  [--control-token TOKEN] [--body-budget SIZE]\n"
    "      serve the fake Swift (or S3) alone until SIGINT/SIGTERM, printing endpoint and credentials;\n"
    "      the control endpoint (/__stalemate/) has its own loopback listener (a free port unless\n"
    "      --control), guarded by TOKEN when given (Authorization: Bearer TOKEN or X-Stalemate-Token);\n"
    "      request bodies in flight beyond SIZE (default a quarter of RAM) get 503 (S3: SlowDown)\n"
    "  stalemate version\n";

struct Args {
  std::vector<std::string> positional;
  std::optional<std::string> out, registry, seed, swift, s3, baseline, junit, seeds;
  std::optional<std::string> control_address, control_token, body_budget;  // serve
  bool control = false, controls = false, include_long = false;
};

Args parse_args(int argc, char** argv, int first) {
  Args a;
  const bool serve = std::string(argv[1]) == "serve";  // serve's --control takes an address
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::optional<std::string>& slot) {
      if (i + 1 >= argc) throw InputError("option " + arg + " needs a value");
      slot = argv[++i];
    };
    if (arg == "--out")
      value(a.out);
    else if (arg == "--registry")
      value(a.registry);
    else if (arg == "--seed")
      value(a.seed);
    else if (arg == "--swift")
      value(a.swift);
    else if (arg == "--s3")
      value(a.s3);
    else if (arg == "--baseline")
      value(a.baseline);
    else if (arg == "--junit")
      value(a.junit);
    else if (arg == "--seeds")
      value(a.seeds);
    else if (arg == "--control" && serve)
      value(a.control_address);
    else if (arg == "--control-token" && serve)
      value(a.control_token);
    else if (arg == "--body-budget" && serve)
      value(a.body_budget);
    else if (arg == "--control")
      a.control = true;
    else if (arg == "--controls")
      a.controls = true;
    else if (arg == "--include-long")
      a.include_long = true;
    else if (arg.rfind("--", 0) == 0)
      throw InputError("unknown option " + arg);
    else
      a.positional.push_back(arg);
  }
  return a;
}

std::uint64_t parse_number(const std::string& option, const std::string& text) {
  try {
    std::size_t pos = 0;
    const auto n = std::stoull(text, &pos);
    if (pos != text.size() || text.empty() || text[0] == '-') throw std::invalid_argument("not a number");
    return n;
  } catch (const std::exception&) {
    throw InputError(option + ": expected a non-negative integer, got \"" + text + "\"");
  }
}

int cmd_suite(const Args& args) {
  if (args.positional.empty()) throw InputError("suite takes scenario files or folders");
  // Ctrl-C: the scenario running writes its partial report, then the suite stops (exit 130).
  install_child_reaper(OnInterrupt::Abort);
  SuiteOptions options;
  options.paths = args.positional;
  if (args.registry) options.registry = *args.registry;
  options.baseline = args.baseline;
  if (args.junit) options.junit = *args.junit;
  if (args.out) options.out_dir = *args.out;
  if (args.seeds) {
    const auto n = parse_number("--seeds", *args.seeds);
    if (n < 1 || n > 1000) throw InputError("--seeds: 1 to 1000");
    options.seeds = static_cast<unsigned>(n);
  }
  options.controls = args.controls;
  options.include_long = args.include_long;
  try {
    return run_suite(options);
  } catch (const Interrupted& e) {
    std::cerr << "stalemate: suite " << e.what() << "\n";
    return 128 + e.signal;
  }
}

int cmd_run(const Args& args) {
  if (args.positional.size() != 1) throw InputError("run takes exactly one scenario file");
  // Ctrl-C kills the children at once, then the run writes its partial report.
  install_child_reaper(OnInterrupt::Abort);
  RunOptions options;
  options.progress = true;
  if (args.out) options.out_dir = *args.out;
  if (args.registry) options.registry_binary = *args.registry;
  if (args.seed) options.seed = parse_number("--seed", *args.seed);
  options.control = args.control;
  // Everything is parsed and checked before any process starts.
  RunPlan plan = make_run_plan(load_scenario(args.positional[0]), options);
  try {
    auto outcome = run_plan(std::move(plan));
    std::cout << reports::render_summary(outcome.report);
    return outcome.exit_code;
  } catch (const Interrupted& e) {
    std::cerr << "stalemate: " << e.what() << "\n";
    return 128 + e.signal;
  }
}

// "ADDRESS:PORT" of a serve option; the address must be given.
std::pair<std::string, unsigned short> parse_listen(const std::string& option, const std::string& where) {
  const auto colon = where.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw InputError(option + ": expected ADDRESS:PORT, got \"" + where + "\"");
  const auto port = parse_number(option + " port", where.substr(colon + 1));
  if (port > 65535) throw InputError(option + ": port out of range");
  return {where.substr(0, colon), static_cast<unsigned short>(port)};
}

int cmd_serve(const Args& args) {
  if (!args.swift == !args.s3) throw InputError("serve needs one of --swift 127.0.0.1:PORT or --s3 127.0.0.1:PORT");
  const std::string option = args.swift ? "--swift" : "--s3";
  const auto [address, port] = parse_listen(option, args.swift ? *args.swift : *args.s3);
  ControlListener control;
  control.enabled = true;
  if (args.control_address) {
    std::tie(control.address, control.port) = parse_listen("--control", *args.control_address);
    // Whoever reaches the control endpoint changes the faults: loopback only.
    if (control.address.rfind("127.", 0) != 0 && control.address != "::1" && control.address != "[::1]")
      throw InputError("--control: the control endpoint listens on loopback only (127.0.0.1:PORT), not \"" +
                       control.address + "\"");
  }
  if (args.control_token) {
    if (args.control_token->empty()) throw InputError("--control-token: empty token");
    control.token = *args.control_token;
  }
  // Block the stop signals before any server thread exists, then wait for one.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  BackendSpec spec;
  if (args.s3) spec.type = "s3";
  if (args.body_budget) {
    // The same units and limits as a scenario's backend.body_budget.
    const auto doc = nlohmann::json{{"body_budget", *args.body_budget}};
    spec.body_budget = JsonReader(doc, "--body-budget").at("body_budget").as_size();
    if (spec.body_budget < (1u << 20) || spec.body_budget > (1ull << 40))
      throw InputError("--body-budget: must be between 1MiB and 1TiB, got \"" + *args.body_budget + "\"");
  }
  std::unique_ptr<FakeBackend> backend;
  try {
    backend = std::make_unique<FakeBackend>(spec, address, port, "", control);
  } catch (const std::runtime_error& e) {
    throw InfrastructureError(e.what());
  }
  std::cout << backend->describe().dump(2) << std::endl;
  std::cout << "serving; stop with Ctrl-C" << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  backend->stop();
  std::cout << "stopped after " << backend->requests_served() << " requests (signal " << sig << ")" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitBadInput;
  }
  const std::string command = argv[1];
  try {
    if (command == "run") return cmd_run(parse_args(argc, argv, 2));
    if (command == "serve") return cmd_serve(parse_args(argc, argv, 2));
    if (command == "suite") return cmd_suite(parse_args(argc, argv, 2));
    if (command == "version" || command == "--version") {
      std::cout << "stalemate " << STALEMATE_VERSION << "\n";
      return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      std::cout << kUsage;
      return 0;
    }
    throw InputError("unknown command \"" + command + "\"");
  } catch (const InputError& e) {
    std::cerr << "stalemate: bad input: " << e.what() << "\n";
    if (command != "run" && command != "serve" && command != "suite") std::cerr << kUsage;
    return kExitBadInput;
  } catch (const InfrastructureError& e) {
    std::cerr << "stalemate: infrastructure failure: " << e.what() << "\n";
    return kExitInfrastructure;
  } catch (const std::exception& e) {
    std::cerr << "stalemate: infrastructure failure: " << e.what() << "\n";
    return kExitInfrastructure;
  }
}
