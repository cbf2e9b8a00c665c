#include "harness/suite.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "common/json_reader.h"
#include "harness/registry_process.h"
#include "harness/runner.h"
#include "reports/junit.h"
#include "reports/run_report.h"

namespace stalemate::harness {

namespace {

struct CaseResult {
  std::string scenario, file, kind, binary;
  std::uint64_t seed = 0;
  bool control = false;
  int exit_code = 0;
  bool reproduced = false;
  double seconds = 0;
  std::string verdict, report, invariants;
};

std::string invariants_of(const nlohmann::json& report) {
  std::map<std::string, int> counts;
  for (const auto& v : report.value("violations", nlohmann::json::array())) ++counts[v.value("invariant", "?")];
  std::string out;
  for (const auto& [k, n] : counts) out += (out.empty() ? "" : ",") + k + "×" + std::to_string(n);
  return out;
}

CaseResult run_one(const Scenario& scenario, const std::string& binary, const std::string& label, std::uint64_t seed,
                   bool control, const std::string& out_root) {
  CaseResult r;
  r.scenario = scenario.name;
  r.file = scenario.file;
  r.kind = scenario.kind;
  r.binary = label;
  r.seed = seed;
  r.control = control;
  RunOptions options;
  options.registry_binary = binary;
  options.seed = seed;
  options.control = control;
  options.out_dir = out_root + "/" + label + "/" + scenario.name + (control ? "-control" : "") + "-seed" + std::to_string(seed);
  const auto start = std::chrono::steady_clock::now();
  try {
    const auto outcome = run_scenario(scenario, options);
    r.exit_code = outcome.exit_code;
    r.reproduced = outcome.reproduced;
    r.verdict = outcome.report.value("verdict", "");
    r.report = outcome.report_path;
    r.invariants = invariants_of(outcome.report);
  } catch (const InfrastructureError& e) {
    r.exit_code = kExitInfrastructure;
    r.verdict = std::string("ERROR: ") + e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "  " << label << "  " << scenario.name << (control ? " [control]" : "") << "  seed " << seed << "  "
            << r.verdict << (r.invariants.empty() ? "" : " (" + r.invariants + ")") << "  "
            << static_cast<int>(r.seconds) << "s" << std::endl;
  return r;
}

reports::JunitCase junit_case(const CaseResult& r, const std::string& binary_path) {
  reports::JunitCase c;
  c.classname = "stalemate." + r.kind + (r.control ? ".control" : "");
  c.name = r.scenario + " (seed " + std::to_string(r.seed) + ")";
  c.seconds = r.seconds;
  c.errored = r.exit_code == kExitInfrastructure;
  c.failed = r.exit_code == kExitViolation;
  c.message = r.verdict + (r.invariants.empty() ? "" : " (" + r.invariants + ")");
  c.details = "replay: stalemate run " + r.file + " --seed " + std::to_string(r.seed) + " --registry " + binary_path +
              "\nreport: " + r.report + "\n";
  return c;
}

}  // namespace

int run_suite(const SuiteOptions& options) {
  std::vector<std::string> files;
  for (const auto& path : options.paths) {
    if (std::filesystem::is_regular_file(path)) {
      files.push_back(path);
      continue;
    }
    if (!std::filesystem::is_directory(path)) throw InputError(path + ": no such scenario file or folder");
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(path))
      if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path().string());
    if (found.empty()) throw InputError(path + ": no *.json scenario files");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  if (files.empty()) throw InputError("suite: name at least one scenario file or folder");
  std::vector<Scenario> scenarios;
  for (const auto& f : files) scenarios.push_back(load_scenario(f));  // all validated before anything runs

  struct Binary {
    std::string label, path;
  };
  std::vector<Binary> binaries{{"candidate", options.registry}};
  if (options.baseline) binaries.push_back({"baseline", *options.baseline});
  for (const auto& b : binaries)
    std::cout << b.label << ": " << b.path << "  " << RegistryProcess::version_of(b.path) << "\n";

  std::vector<CaseResult> results;
  for (const auto& s : scenarios) {
    const unsigned n = s.kind == "stochastic" ? std::max(1u, options.seeds) : 1u;
    for (const auto& b : binaries) {
      for (unsigned k = 0; k < n; ++k) {
        const std::uint64_t seed = s.kind == "stochastic" ? k + 1 : s.seed;
        results.push_back(run_one(s, b.path, b.label, seed, false, options.out_dir));
        if (options.controls && k == 0) results.push_back(run_one(s, b.path, b.label, seed, true, options.out_dir));
      }
    }
  }

  // The comparison: which scenarios each binary fails, hit rates per binary.
  std::cout << "\n" << std::string(100, '-') << "\n";
  std::printf("%-34s %-11s", "scenario", "kind");
  for (const auto& b : binaries) std::printf(" %-28s", b.label.c_str());
  std::printf("\n");
  int exit_code = 0;
  for (const auto& s : scenarios) {
    for (bool control : {false, true}) {
      if (control && !options.controls) continue;
      std::printf("%-34s %-11s", (s.name + (control ? " [control]" : "")).substr(0, 34).c_str(), s.kind.c_str());
      for (const auto& b : binaries) {
        int runs = 0, failed = 0, infra = 0, reproduced = 0;
        for (const auto& r : results) {
          if (r.scenario != s.name || r.binary != b.label || r.control != control) continue;
          ++runs;
          failed += r.exit_code == kExitViolation;
          infra += r.exit_code == kExitInfrastructure;
          reproduced += r.reproduced;
        }
        // "FAIL 7/20": runs that broke an invariant; "hit 5/20": runs where the
        // scenario's expected outcome (its "expect") happened.
        const bool expects = !control && (!s.expect_violations.empty() || s.expect_errors);
        char cell[64];
        if (infra) std::snprintf(cell, sizeof cell, "ERROR (%d/%d)", infra, runs);
        else if (runs > 1 && expects) std::snprintf(cell, sizeof cell, "%s %d/%d hit %d/%d", failed ? "FAIL" : "pass", failed, runs, reproduced, runs);
        else if (runs > 1) std::snprintf(cell, sizeof cell, "%s %d/%d", failed ? "FAIL" : "pass", failed, runs);
        else if (expects) std::snprintf(cell, sizeof cell, "%s%s", failed ? "FAIL" : "pass", reproduced ? " (reproduced)" : " (not reproduced)");
        else std::snprintf(cell, sizeof cell, "%s", failed ? "FAIL" : "pass");
        std::printf(" %-28s", cell);
        if (b.label == "candidate") {
          if (infra) exit_code = kExitInfrastructure;
          else if (failed && exit_code == 0) exit_code = kExitViolation;
        }
      }
      std::printf("\n");
    }
  }

  if (!options.junit.empty()) {
    std::vector<reports::JunitSuite> suites;
    for (const auto& b : binaries) {
      reports::JunitSuite suite{"stalemate " + b.label + " " + b.path, {}};
      for (const auto& r : results)
        if (r.binary == b.label) suite.cases.push_back(junit_case(r, b.path));
      suites.push_back(std::move(suite));
    }
    std::ofstream out(options.junit, std::ios::trunc);
    out << reports::render_junit(suites);
    if (!out) throw InfrastructureError("cannot write " + options.junit);
    std::cout << "junit     " << options.junit << "\n";
  }
  std::cout << "SUITE     " << (exit_code == 0 ? "PASS: the candidate held every invariant"
                                                 : exit_code == 1 ? "FAIL: the candidate broke an invariant"
                                                                  : "ERROR: some runs could not be carried out")
            << "\n";
  return exit_code;
}

}  // namespace stalemate::harness
