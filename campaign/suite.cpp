#include "campaign/suite.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "campaign/child_pool.h"
#include "campaign/child_run.h"
#include "common/json_reader.h"
#include "harness/registry_process.h"
#include "harness/child_reaper.h"
#include "harness/runner.h"
#include "reports/junit.h"
#include "reports/run_report.h"
#include "reports/suite_report.h"

namespace stalemate::campaign {

using namespace harness;

namespace {

// Hang guard for one case (each run has its own, shorter, deadlines inside).
constexpr std::chrono::minutes kCaseDeadline{60};

// A scenario's run expects an incident when the scenario names one (its
// "expect"); its negative control never does.
// A folder may hold sweep definitions beside scenarios (scenarios/ has both):
// a sweep is recognised by its "base" and "parameters" and left to `sweep`.
bool is_sweep_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  const auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() && doc.contains("base") && doc.contains("parameters");
}

bool expects_incident(const Scenario& s, bool control) {
  return !control && (!s.expect_violations.empty() || s.expect_errors);
}

struct CaseResult {
  std::string scenario, file, kind, binary;
  std::uint64_t seed = 0;
  bool control = false;
  bool expects = false;  // the scenario expects an incident (never for the control)
  int exit_code = 0;
  bool reproduced = false;
  bool fails = false;    // counts against the binary (see fails_suite)
  double seconds = 0;
  std::string report;
  reports::RunVerdict verdict;  // typed: the suite tallies this, never the report's text
};

// One case as a child `stalemate run` (as the sweep runs its cells): its
// verdict is read back from the report.json it wrote.
struct PlannedCase {
  const Scenario* scenario;
  std::string binary, label;
  std::uint64_t seed;
  bool control;
};

std::filesystem::path case_dir(const PlannedCase& c, const std::string& out_root) {
  return std::filesystem::path(out_root) / c.label /
         (c.scenario->name + (c.control ? "-control" : "") + "-seed" + std::to_string(c.seed));
}

CaseResult read_case(const PlannedCase& c, ChildRun& child) {
  const Scenario& scenario = *c.scenario;
  CaseResult r;
  r.scenario = scenario.name;
  r.file = scenario.file;
  r.kind = scenario.kind;
  r.binary = c.label;
  r.seed = c.seed;
  r.control = c.control;
  r.expects = expects_incident(scenario, c.control);
  r.exit_code = child.exit_code();
  r.seconds = child.seconds();
  const auto report = child.report();
  r.report = (child.dir() / "report.json").string();
  if (report.is_object()) {
    r.verdict = reports::verdict_from_json(report.value("verdict_data", nlohmann::json::object()));
    r.reproduced = report.value("/expectation/reproduced"_json_pointer, false);
  }
  if (r.exit_code != kExitPass && r.exit_code != kExitViolation && !r.verdict.infrastructure) {
    r.verdict.infrastructure = true;  // no report saying why: the child's own log does
    r.verdict.infrastructure_error = "stalemate run exited " + std::to_string(r.exit_code) + " (see " +
                                     (child.dir() / "stalemate.log").string() + ")";
  }
  if (r.verdict.infrastructure) r.exit_code = kExitInfrastructure;
  std::cout << reports::render_case_line(c.label, scenario.name, c.control, c.seed, r.verdict, r.seconds) << std::endl;
  return r;
}

// What fails the suite: an integrity break, an expected incident that is still
// there, a negative control that does not pass, and with --fail-on
// availability a failed push or pull too. An incident that is gone is the
// point of a patch, however the run went otherwise.
bool fails_suite(const CaseResult& r, bool fail_on_availability) {
  const auto outcome = reports::outcome_of(r.verdict);
  if (outcome == reports::Outcome::Infrastructure) return false;  // an error, not a failure
  if (outcome == reports::Outcome::Integrity) return true;
  if (r.expects && r.reproduced) return true;
  if (r.control) return r.verdict.verdict == reports::Verdict::Fail;
  return fail_on_availability && outcome == reports::Outcome::Availability;
}

reports::JunitCase junit_case(const CaseResult& r, const std::string& binary_path) {
  reports::JunitCase c;
  c.classname = "stalemate." + r.kind + (r.control ? ".control" : "");
  c.name = r.scenario + " (seed " + std::to_string(r.seed) + ")";
  c.seconds = r.seconds;
  c.errored = r.verdict.infrastructure;
  c.failed = !c.errored && r.fails;
  const std::string counts = reports::render_invariant_counts(r.verdict);
  c.message = std::string(reports::outcome_name(reports::outcome_of(r.verdict))) +
              (r.expects ? (r.reproduced ? ", incident reproduced" : ", incident fixed") : "") + ": " +
              reports::render_verdict_line(r.verdict) + (counts.empty() ? "" : " (" + counts + ")");
  c.details = "replay: " + replay_command(r.file, r.seed, binary_path) + "\nreport: " + r.report + "\n";
  return c;
}

// One cell of the comparison: the runs of a scenario (or its control) with one binary.
reports::SuiteCell tally(const std::vector<CaseResult>& results, const Scenario& s, const std::string& binary,
                         bool control) {
  reports::SuiteCell c;
  c.expects = expects_incident(s, control);
  for (const auto& r : results) {
    if (r.scenario != s.name || r.binary != binary || r.control != control) continue;
    ++c.runs;
    switch (reports::outcome_of(r.verdict)) {
      case reports::Outcome::Infrastructure: ++c.infra; break;
      case reports::Outcome::Integrity: ++c.integrity; break;
      case reports::Outcome::Availability: ++c.availability; break;
      case reports::Outcome::Clean: ++c.clean; break;
    }
    c.failed += r.fails;
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
    std::size_t sweeps = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(path)) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      if (is_sweep_file(e.path())) ++sweeps;
      else found.push_back(e.path().string());
    }
    if (sweeps) std::cout << path << ": " << sweeps << " sweep file(s) skipped (run them with `stalemate sweep`)\n";
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

  std::vector<PlannedCase> planned;
  for (const auto& s : scenarios) {
    const unsigned n = s.kind == "stochastic" ? std::max(1u, options.seeds) : 1u;
    for (const auto& b : binaries) {
      for (unsigned k = 0; k < n; ++k) {
        const std::uint64_t seed = s.kind == "stochastic" ? k + 1 : s.seed;
        planned.push_back({&s, b.path, b.label, seed, false});
        if (options.controls && k == 0) planned.push_back({&s, b.path, b.label, seed, true});
      }
    }
  }
  // Cases may end in any order (--jobs); results keep the planned order.
  std::vector<CaseResult> results(planned.size());
  std::deque<ChildTask> tasks;
  const auto self = self_executable();
  for (std::size_t i = 0; i < planned.size(); ++i) {
    const auto& c = planned[i];
    tasks.push_back({{self, case_dir(c, options.out_dir), c.scenario->source, c.seed, c.binary, c.control},
                     [&results, &planned, i](ChildRun& child) { results[i] = read_case(planned[i], child); }});
  }
  run_child_pool(std::move(tasks), options.jobs, kCaseDeadline,
                 "the running cases wrote partial reports under " + options.out_dir);

  for (auto& r : results) r.fails = fails_suite(r, options.fail_on_availability);

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
  std::cout << reports::render_suite_summary(reports::summarize(rows)) << "\n";

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

}  // namespace stalemate::campaign
