#include "harness/suite.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "common/json_reader.h"
#include "harness/registry_process.h"
#include "harness/runner.h"
#include "reports/junit.h"
#include "reports/run_report.h"
#include "reports/suite_report.h"

namespace stalemate::harness {

namespace {

struct CaseResult {
  std::string scenario, file, kind, binary;
  std::uint64_t seed = 0;
  bool control = false;
  int exit_code = 0;
  bool reproduced = false;
  double seconds = 0;
  std::string report;
  reports::RunVerdict verdict;  // typed: the suite tallies this, never the report's text
};

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
    r.verdict = outcome.verdict;
    r.report = outcome.report_path;
  } catch (const InfrastructureError& e) {
    r.exit_code = kExitInfrastructure;
    r.verdict.infrastructure = true;
    r.verdict.infrastructure_error = e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << reports::render_case_line(label, scenario.name, control, seed, r.verdict, r.seconds) << std::endl;
  return r;
}

reports::JunitCase junit_case(const CaseResult& r, const std::string& binary_path) {
  reports::JunitCase c;
  c.classname = "stalemate." + r.kind + (r.control ? ".control" : "");
  c.name = r.scenario + " (seed " + std::to_string(r.seed) + ")";
  c.seconds = r.seconds;
  c.errored = r.verdict.infrastructure;
  c.failed = !c.errored && r.verdict.verdict == reports::Verdict::Fail;
  const std::string counts = reports::render_invariant_counts(r.verdict);
  c.message = reports::render_verdict_line(r.verdict) + (counts.empty() ? "" : " (" + counts + ")");
  c.details = "replay: stalemate run " + r.file + " --seed " + std::to_string(r.seed) + " --registry " + binary_path +
              "\nreport: " + r.report + "\n";
  return c;
}

// One cell of the comparison: the runs of a scenario (or its control) with one binary.
reports::SuiteCell tally(const std::vector<CaseResult>& results, const Scenario& s, const std::string& binary,
                         bool control) {
  reports::SuiteCell c;
  c.expects = !control && (!s.expect_violations.empty() || s.expect_errors);
  for (const auto& r : results) {
    if (r.scenario != s.name || r.binary != binary || r.control != control) continue;
    ++c.runs;
    c.infra += r.verdict.infrastructure;
    c.failed += !r.verdict.infrastructure && r.verdict.verdict == reports::Verdict::Fail;
    c.reproduced += r.reproduced;
  }
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
  if (!options.include_long)
    std::erase_if(scenarios, [](const Scenario& s) { return s.kind == "long" || s.kind == "calibration"; });
  if (scenarios.empty()) throw InputError("suite: every scenario given is \"long\" or \"calibration\" (add --include-long)");

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
  std::vector<std::string> labels;
  for (const auto& b : binaries) labels.push_back(b.label);
  std::vector<reports::SuiteRow> rows;
  int exit_code = 0;
  for (const auto& s : scenarios) {
    for (bool control : {false, true}) {
      if (control && !options.controls) continue;
      reports::SuiteRow row{s.name + (control ? " [control]" : ""), s.kind, {}};
      for (const auto& b : binaries) {
        row.cells.push_back(tally(results, s, b.label, control));
        const auto& c = row.cells.back();
        if (b.label != "candidate") continue;
        if (c.infra) exit_code = kExitInfrastructure;
        else if (c.failed && exit_code == 0) exit_code = kExitViolation;
      }
      rows.push_back(std::move(row));
    }
  }
  std::cout << reports::render_suite_table(labels, rows);

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
  std::cout << reports::render_suite_verdict(exit_code) << "\n";
  return exit_code;
}

}  // namespace stalemate::harness
