// The CLI as a newcomer meets it: every command answers --help with its own
// usage (exit 0), rejects options it does not know and arguments it does not
// take (exit 2, naming them), and serve accepts loopback names only.
#include <catch2/catch.hpp>

#include <csignal>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "child_command.h"

using stalemate::testing::run_command;

namespace {
const std::string kBinary = STALEMATE_BINARY;
const std::vector<std::string> kCommands = {"run",    "suite",  "serve",    "sweep",   "merge",
                                            "report", "import", "generate", "version", "help"};
}  // namespace

TEST_CASE("cli: every command's --help prints that command's usage and exits 0") {
  for (const auto& c : kCommands) {
    for (const char* flag : {"--help", "-h"}) {
      const auto r = run_command({kBinary, c, flag}, std::chrono::seconds(30));
      INFO(c << " " << flag << ": " << r.out << r.err);
      CHECK(r.exit_code == 0);
      CHECK(r.out.rfind("usage:\n  stalemate " + c, 0) == 0);
      CHECK(r.err.empty());
    }
  }
  const auto r = run_command({kBinary, "help", "sweep"}, std::chrono::seconds(30));
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("usage:\n  stalemate sweep", 0) == 0);
}

TEST_CASE("cli: the top-level usage lists every command once, with no line twice") {
  const auto r = run_command({kBinary, "--help"}, std::chrono::seconds(30));
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(r.out);
  std::set<std::string> seen;
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK(seen.insert(line).second);
  }
  for (const auto& c : kCommands) CHECK(r.out.find("\n  stalemate " + c) != std::string::npos);
  // No command: the usage on stderr, exit 2.
  const auto none = run_command({kBinary}, std::chrono::seconds(30));
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("usage:") != std::string::npos);
}

TEST_CASE("cli: unknown options, extra arguments and non-loopback listeners are bad input (exit 2)") {
  struct Case {
    std::vector<std::string> args;
    std::string words;
  };
  const std::vector<Case> cases = {
      {{"run", "--junit", "x", "a.json"}, "run: unknown option --junit"},
      {{"run", "a.json", "b.json"}, "unexpected \"b.json\""},
      {{"version", "extra"}, "unexpected \"extra\""},
      {{"serve", "--swift", "127.0.0.1:0", "extra"}, "unexpected \"extra\""},
      {{"serve", "--swift", "127.0.0.1:0", "--seed", "1"}, "serve: unknown option --seed"},
      {{"serve", "--swift", "10.1.2.3:8080"}, "loopback only"},
      {{"serve", "--s3", "0.0.0.0:9000"}, "loopback only"},
      {{"serve", "--swift", "127.0.0.1:0", "--control", "192.168.1.1:9"}, "loopback only"},
      {{"suite", "--seeds", "0", "x"}, "--seeds: expected an integer from 1 to 1000"},
      {{"sweep", "--jobs", "99", "x.json"}, "--jobs: expected an integer from 1 to 64"},
      {{"merge"}, "merge takes the shard folders"},
      {{"generate", "random"}, "-o TRACE.jsonl"},
      {{"help", "nosuch"}, "help takes one command name"},
      {{"nosuch"}, "unknown command \"nosuch\""},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kBinary};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = run_command(argv, std::chrono::seconds(30));
    INFO(nlohmann::json(c.args).dump() << " -> " << r.exit_code << " " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.words) != std::string::npos);
  }
}

TEST_CASE("cli: serve --swift localhost:PORT is loopback and is accepted") {
  stalemate::testing::RunningCommand serve({kBinary, "serve", "--swift", "localhost:0"});
  const auto banner = serve.read_until("serving", std::chrono::seconds(30));
  INFO(banner);
  REQUIRE(banner.find("serving") != std::string::npos);
  const auto info = nlohmann::json::parse(banner.substr(0, banner.find("serving")));
  CHECK(info["auth_url"].get<std::string>().rfind("http://127.0.0.1:", 0) == 0);
  serve.signal(SIGTERM);
  CHECK(serve.wait(std::chrono::seconds(30)) == 0);
}
