// `stalemate explore` end to end against the real registry, bounded (fixed
// seeds, a few cases, hang-guard deadlines): a byte-flip hook makes the loop
// find a blob-digest violation, shrink it to at most 3 operations, save it and
// print a replay command that reproduces it; control runs find nothing; the
// rules `--faults rules` draws fire in the store as declared; the saved
// counterexamples in scenarios/regression/ reproduce at their seeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

#include "child_command.h"

using namespace stalemate::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBinary = STALEMATE_BINARY;
const std::string kSource = STALEMATE_SOURCE_DIR;

json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  return json::parse(in);
}

}  // namespace

TEST_CASE("explore: a flipped byte is found then shrunk to at most 3 operations then saved and replayed") {
  const auto dir = fresh_dir("stalemate-explore", "flip");
  const auto r = run_command({kBinary, "explore", "--flip-byte", "--faults", "none", "--seed", "1", "--cases", "6",
                              "--jobs", "2", "--shrink-runs", "100", "--shrink-budget", "3m", "--confirm", "1",
                              "--out", (dir / "out").string(), "--save", (dir / "saved").string()},
                             std::chrono::seconds(300));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);  // found and saved
  CHECK(r.err.find("cases/min") != std::string::npos);  // the progress line
  CHECK(r.err.find("shrink: step") != std::string::npos);
  const auto summary = read_json(dir / "out" / "explore.json");
  REQUIRE(summary["found"].size() == 1);
  CHECK(summary["reused"].get<int>() >= 1);  // found in a registry kept across cases
  const auto& found = summary["found"][0];
  CHECK(found["kind"] == "integrity: blob-digest");
  CHECK(found["shrunk_operations"].get<int>() <= 3);
  CHECK(found["shrunk_operations"].get<int>() <= found["original_operations"].get<int>());
  const fs::path file = found["file"].get<std::string>();
  REQUIRE(file.parent_path() == dir / "saved");
  const auto saved = read_json(file);
  CHECK(saved["expect"] == json{{"violations", {"blob-digest"}}});
  CHECK(saved["kind"] == "targeted");
  CHECK(saved["seed"] == found["seed"]);
  // The printed replay command reproduces it.
  const std::regex replay(R"(replay +stalemate run (\S+) --seed (\d+))");
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, replay));
  CHECK(m[1].str() == file.string());
  const auto run = run_command({kBinary, "run", m[1].str(), "--seed", m[2].str(), "--out", (dir / "replay").string()},
                               std::chrono::seconds(120));
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK(read_report(dir / "replay")["expectation"]["reproduced"] == true);
}

TEST_CASE("explore: the same seed explores the same cases") {
  const auto dir = fresh_dir("stalemate-explore", "determinism");
  for (const char* out : {"a", "b"}) {
    const auto r = run_command({kBinary, "explore", "--faults", "none", "--seed", "9", "--cases", "3", "--jobs", "2",
                                "--out", (dir / out).string()},
                               std::chrono::seconds(120));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  for (const char* c : {"case-0", "case-1", "case-2"})
    CHECK(read_json(dir / "a" / "cases" / c / "scenario.json") == read_json(dir / "b" / "cases" / c / "scenario.json"));
}

TEST_CASE("explore: --faults rules draws rules that reach the store: each fired rule is the case's own, FAIL answers its status, a CUT stops at its byte") {
  // Findings are shrunk and confirmed once each, so that all 12 cases run in a minute or two.
  const auto dir = fresh_dir("stalemate-explore", "rules");
  const auto r = run_command({kBinary, "explore", "--faults", "rules", "--seed", "3", "--cases", "12", "--findings", "12",
                              "--jobs", "2", "--shrink-runs", "1", "--shrink-budget", "30s", "--confirm", "1", "--out",
                              (dir / "out").string()},
                             std::chrono::seconds(400));
  INFO(r.out << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  std::size_t cases = 0, cases_with_rules = 0, fired = 0, fails_answered = 0;
  for (const auto& entry : fs::directory_iterator(dir / "out" / "cases")) {
    ++cases;
    const auto scenario = read_json(entry.path() / "scenario.json");
    std::map<std::string, json> rules;
    for (const auto& rule : scenario["backend"].value("faults", json::array())) rules[rule["id"]] = rule;
    cases_with_rules += !rules.empty();
    std::ifstream events(entry.path() / "events.jsonl");
    REQUIRE(events);
    for (std::string line; std::getline(events, line);) {
      const auto e = json::parse(line);
      std::optional<int> fail_status;  // the last FAIL fired decides the answer
      for (const auto& d : e.value("decisions", json::array())) {
        if (d["kind"] != "rule_fired") continue;
        ++fired;
        INFO(entry.path().filename() << ": " << line);
        REQUIRE(rules.count(d["rule"]) == 1);  // no rule fires that the case did not declare
        const auto& rule = rules[d["rule"]];
        CHECK(d["fault"] == rule["kind"]);
        if (rule["kind"] == "FAIL") fail_status = rule["status"].get<int>();
        if (rule["kind"] == "CUT") CHECK(e["bytes"].get<std::uint64_t>() <= rule["after_bytes"].get<std::uint64_t>());
      }
      if (fail_status) {
        INFO(entry.path().filename() << ": " << line);
        CHECK(e["status"].get<int>() == *fail_status);
        ++fails_answered;
      }
    }
  }
  CHECK(cases == 12);
  CHECK(cases_with_rules >= 4);  // 0 to 2 rules per case, drawn from the seed
  CHECK(fired >= 1);
  CHECK(fails_answered >= 1);
  // Whether a CUT fires depends on the run (a case whose push fails under lag
  // never pulls; under ASan none did at this seed): each is checked when it does.
}

TEST_CASE("explore: control runs (no faults and no lag and X-Newest) find nothing") {
  // 200 cases were run by hand (README, "Exploration"); ctest keeps a bounded sample.
  for (const char* backend : {"swift", "s3"}) {
    const auto dir = fresh_dir("stalemate-explore", std::string("control-") + backend);
    const auto r = run_command({kBinary, "explore", "--control", "--backend", backend, "--seed", "3", "--cases", "10",
                                "--jobs", "2", "--out", dir.string()},
                               std::chrono::seconds(300));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto summary = read_json(dir / "explore.json");
    CHECK(summary["cases"] == 10);
    CHECK(summary["failing"] == 0);
    CHECK(summary["infrastructure"] == 0);
    CHECK(summary["reused"].get<int>() >= 1);
  }
}

TEST_CASE("explore: every saved counterexample of scenarios/regression reproduces at its seed") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kSource + "/scenarios/regression"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 3);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto scenario = read_json(files[i]);
    const auto expect = scenario["expect"];
    const auto seed = std::to_string(scenario["seed"].get<std::uint64_t>());
    DYNAMIC_SECTION(files[i].filename().string()) {
      // Lag draws follow the registry's random upload ids, so a saved case
      // reproduces at its seed with a rate (README): up to 3 attempts.
      std::string seen;
      bool reproduced = false;
      for (int attempt = 0; attempt < 3 && !reproduced; ++attempt) {
        const auto dir = fresh_dir("stalemate-explore", "regression-" + std::to_string(i) + "-" + std::to_string(attempt));
        const auto r = run_command({kBinary, "run", files[i].string(), "--seed", seed, "--out", dir.string()},
                                   std::chrono::seconds(180));
        const auto report = read_report(dir);
        reproduced = report["expectation"]["reproduced"] == true;
        if (expect.value("errors", false))  // the same failure, not just any
          reproduced = reproduced && report["errors"][0].get<std::string>().find(expect.value("error_text", "")) !=
                                         std::string::npos;
        seen += r.out;
      }
      INFO(seen);
      CHECK(reproduced);
    }
  }
}

TEST_CASE("explore: bad options are input errors") {
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--backend", "gcs"}, {"--faults", "all"},
                                              {"--budget", "soon"}, {"--jobs", "0"}, {"extra"}}) {
    std::vector<std::string> argv{kBinary, "explore"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    const auto r = run_command(argv, std::chrono::seconds(30));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
  }
}
