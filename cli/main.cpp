// stalemate: run scenarios against real registry builds on a fake,
// eventually consistent object store; or serve the fake alone. This file
// dispatches to the commands (cli/commands.h) and maps errors to exit codes.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "common/json_reader.h"
#include "harness/registry_process.h"
#include "harness/runner.h"

namespace stalemate::cli {

namespace {

int cmd_version(const Args& args) {
  const auto line = parse_command_line("version", args, {}, {});
  expect_positional(line, 0, 0, "version takes no arguments");
  std::cout << "stalemate " << STALEMATE_VERSION << "\n";
  return 0;
}

const char* const kVersionUsage = "  stalemate version\n      print stalemate's version\n";
const char* const kHelpUsage = "  stalemate help [COMMAND]\n      this text, or one command's (also: stalemate COMMAND --help)\n";

int cmd_help(const Args& args);

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"run", kRunUsage, cmd_run},          {"suite", kSuiteUsage, cmd_suite},
      {"serve", kServeUsage, cmd_serve},    {"sweep", kSweepUsage, cmd_sweep},
      {"merge", kMergeUsage, cmd_merge},    {"report", kReportUsage, cmd_report},
      {"explore", kExploreUsage, cmd_explore},
      {"explore-worker", kExploreWorkerUsage, cmd_explore_worker},
      {"import", kImportUsage, cmd_import}, {"generate", kGenerateUsage, cmd_generate},
      {"version", kVersionUsage, cmd_version}, {"help", kHelpUsage, cmd_help},
  };
  return table;
}

namespace {

std::string usage() {
  std::string text = "usage:\n";
  for (const auto& c : commands()) text += c.usage;
  return text;
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

int cmd_help(const Args& args) {
  if (args.empty()) {
    std::cout << usage();
    return 0;
  }
  const auto* c = args.size() == 1 ? find_command(args[0]) : nullptr;
  if (!c) throw InputError("help takes one command name (one of run, suite, serve, sweep, merge, report, import, "
                           "generate, version)");
  std::cout << "usage:\n" << c->usage;
  return 0;
}

}  // namespace

}  // namespace stalemate::cli

int main(int argc, char** argv) {
  using namespace stalemate;
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  const std::string name = argc >= 2 ? argv[1] : "";
  const auto* command = cli::find_command(name == "--help" || name == "-h" ? "help"
                                          : name == "--version"            ? "version"
                                                                           : name);
  if (!command) {
    std::cerr << (name.empty() ? std::string("stalemate: no command given\n")
                               : "stalemate: bad input: unknown command \"" + name + "\"\n")
              << cli::usage();
    return harness::kExitBadInput;
  }
  try {
    // Every command answers --help with its own usage, before anything else.
    if (cli::wants_help(args)) {
      std::cout << "usage:\n" << command->usage;
      return 0;
    }
    return command->run(args);
  } catch (const InputError& e) {
    std::cerr << "stalemate: bad input: " << e.what() << "\n";
    return harness::kExitBadInput;
  } catch (const harness::InfrastructureError& e) {
    std::cerr << "stalemate: infrastructure failure: " << e.what() << "\n";
    return harness::kExitInfrastructure;
  } catch (const std::exception& e) {
    std::cerr << "stalemate: infrastructure failure: " << e.what() << "\n";
    return harness::kExitInfrastructure;
  }
}
