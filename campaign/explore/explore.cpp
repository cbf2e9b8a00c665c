#include "campaign/explore/explore.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "campaign/child_run.h"
#include "campaign/explore/case_runner.h"
#include "harness/registry_process.h"
#include "harness/runner.h"

namespace stalemate::campaign::explore {

namespace fs = std::filesystem;

namespace {

constexpr int kGenSize = 100;  // rapidcheck's nominal size; the generators bound their own lengths

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

std::string slug(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c));
    if (keep) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// The known mechanism (mechanisms.md) a finding most likely shows; a reader
// confirms it in the run's evidence.
std::string mechanism_hint(const Finding& f, const std::string& backend) {
  if (f.outcome == Finding::Outcome::Integrity) {
    if (f.invariant == "blob-digest")
      return "likely M1/M1c: a blob served with the right length and the wrong sha256 — the Swift driver's DLO "
             "read (or a resumed / sliced read) concatenated the segments a lagging container listing showed";
    if (f.invariant == "blob-length")
      return backend == "s3" ? "likely S5: a blob read shorter than its descriptor from a lagging replica"
                             : "likely M2/M3: a blob served shorter than its Content-Length (a DLO whose listing "
                               "lags behind its segments, or a short size cached from one)";
    if ((f.invariant == "content-length" || f.invariant == "head-size") && backend == "s3")
      return "likely S5: a blob whose size or bytes came from a stale copy or a lagging replica";
    if (f.invariant == "content-length" || f.invariant == "head-size")
      return "likely M2/M3: the registry answered a size that is not the blob's (a size stat'ed from a DLO whose "
             "listing lags behind its segments, or cached from one)";
    if (f.invariant.find("acknowledged") != std::string::npos)
      return "an acknowledged blob or manifest no longer reads back (M4/M11 family)";
    return "an invariant broke: " + f.invariant;
  }
  const auto& s = f.signature;
  if (s.find("BLOB_UPLOAD_INVALID") != std::string::npos)
    return backend == "s3" ? "likely S2: a commit-time size check saw a listing that lags (404 BLOB_UPLOAD_INVALID)"
                           : "likely M7: a commit-time size mismatch from a lagging listing (404 BLOB_UPLOAD_INVALID)";
  if (s.find("BLOB_UPLOAD_UNKNOWN") != std::string::npos)
    return "likely M9/S1: an upload written but not yet visible to the next request";
  if (s.find("DIGEST_INVALID") != std::string::npos) return "likely M8: a full re-read of a partial DLO";
  if (s.find(" 500") != std::string::npos)
    return backend == "s3" ? "likely S1/S3/S4: a push request failed 500 under listing/replication lag"
                           : "likely M6: PUT 500 after the driver's wait for its segments to be listed";
  return "an operation failed: " + s;
}

void write_json(const fs::path& file, const nlohmann::json& j) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::trunc);
  out << j.dump(2) << "\n";
  if (!out) throw harness::InfrastructureError("cannot write " + file.string());
}

std::size_t shrink_steps(const ExploreResult& r) {
  std::size_t n = 0;
  for (const auto& c : r.found) n += c.shrink.steps;
  return n;
}

struct Explorer {
  const ExploreOptions& o;
  fs::path out;
  CaseRunner runner;
  std::size_t shrink_runs = 0;  // numbers the shrink run folders
  std::uint64_t salts = 0;      // every run's layers get their own bytes (case_to_scenario)

  Explorer(const ExploreOptions& options, fs::path out_dir)
      : o(options), out(std::move(out_dir)),
        runner(RunnerOptions{o.registry, o.control, o.jobs, o.reuse, out / "workers"}) {}

  CaseRun case_run(const ExploreCase& c, const fs::path& dir, const std::string& name, std::uint64_t seed) {
    return {dir, case_to_scenario(c, name, seed, ++salts), seed};
  }

  std::vector<Finding> judge(const std::vector<ExploreCase>& cases, std::uint64_t seed, const std::string& folder) {
    std::vector<CaseRun> runs;
    for (const auto& c : cases) {
      const auto name = folder + "-" + std::to_string(++shrink_runs);
      runs.push_back(case_run(c, out / folder / name, name, seed));
    }
    std::vector<Finding> findings;
    for (auto& r : runner.run(runs)) findings.push_back(std::move(r.finding));
    return findings;
  }

  // The saved scenario as `stalemate run` will replay it: unsalted, each run a
  // child of its own (a registry started for it), whatever the exploration used.
  std::vector<Finding> confirm(const ExploreCase& minimal, std::uint64_t seed) {
    CaseRunner fresh(RunnerOptions{o.registry, o.control, o.jobs, false, {}});
    std::vector<CaseRun> runs;
    for (unsigned k = 0; k < o.confirm_runs; ++k) {
      const auto name = "confirm-" + std::to_string(++shrink_runs);
      runs.push_back({out / "confirm" / name, case_to_scenario(minimal, name, seed), seed});
    }
    std::vector<Finding> findings;
    for (auto& r : fresh.run(runs)) findings.push_back(std::move(r.finding));
    return findings;
  }

  Counterexample shrink_and_save(const rc::Shrinkable<ExploreCase>& failing, const Finding& finding,
                                 std::size_t index) {
    Counterexample c;
    c.finding = finding;
    c.case_index = index;
    c.seed = case_seed(o.seed, index);
    c.original_operations = case_operations(failing.value());
    std::cerr << "explore: case " << index << " (seed " << c.seed << "): " << finding.kind << "\n"
              << "  " << describe_case(failing.value()) << "\n"
              << "shrink: up to " << o.shrink.max_runs << " runs / " << o.shrink.max_time.count() << " s\n";
    auto bounds = o.shrink;
    bounds.batch = std::max(bounds.batch, o.jobs);
    c.shrink = shrink_case(
        failing, finding, [&](const std::vector<ExploreCase>& cs) { return judge(cs, c.seed, "shrink"); }, bounds,
        [&](const ShrinkResult& r) {
          std::cerr << "shrink: step " << r.steps << " after " << r.runs << " runs, " << seconds_text(r.seconds)
                    << ": " << describe_case(r.minimal) << "\n";
        });
    c.shrunk_operations = case_operations(c.shrink.minimal);
    c.shrunk_requests = c.shrink.finding.requests;  // c.finding stays the target: the kind the shrink kept
    // Does the minimal case reproduce at its seed, run fresh as its replay will be?
    for (const auto& f : confirm(c.shrink.minimal, c.seed)) c.confirmed += same_kind(finding, f);
    const std::string name = "explore-" + o.cases.backend + "-" + slug(finding.kind) + "-" + std::to_string(c.seed);
    const fs::path dir = o.save_dir.empty() ? out / "found" : fs::path(o.save_dir);
    c.file = (dir / (name + ".json")).string();
    write_json(c.file, counterexample_scenario(c.shrink.minimal, c, name, o.seed));
    c.replay = replay_command(c.file, c.seed, o.registry);
    std::cerr << "shrunk: " << c.original_operations << " -> " << c.shrunk_operations << " operations ("
              << c.shrunk_requests << " client requests) in " << c.shrink.steps << " steps, " << c.shrink.runs
              << " runs, " << seconds_text(c.shrink.seconds) << (c.shrink.exhausted ? "" : " (bound reached)")
              << "; reproduces " << c.confirmed << "/" << o.confirm_runs << " at seed " << c.seed << "\n";
    std::cout << "found     " << finding.kind << "\n"
              << "saved     " << c.file << "\n"
              << "replay    " << c.replay << "\n";
    return c;
  }
};

}  // namespace

std::uint64_t case_seed(std::uint64_t seed, std::size_t index) { return seed * 1'000'000 + index + 1; }

std::vector<rc::Shrinkable<ExploreCase>> draw_cases(const CaseOptions& options, std::uint64_t seed, std::size_t first,
                                                    std::size_t count) {
  const auto gen = case_gen(options);
  rc::Random random(seed);
  std::vector<rc::Shrinkable<ExploreCase>> out;
  for (std::size_t i = 0; i < first + count; ++i) {
    auto r = random.split();  // case i's own stream: the same seed draws the same cases
    if (i >= first) out.push_back(gen(r, kGenSize));
  }
  return out;
}

nlohmann::json counterexample_scenario(const ExploreCase& minimal, const Counterexample& c, const std::string& name,
                                       std::uint64_t explore_seed) {
  auto s = case_to_scenario(minimal, name, c.seed);
  s["kind"] = "targeted";
  s["expect"] = expect_of(c.finding);
  s["description"] = mechanism_hint(c.finding, minimal.backend) + ". Found by `stalemate explore --backend " +
                     minimal.backend + " --seed " + std::to_string(explore_seed) + "` (case " +
                     std::to_string(c.case_index) + ": " + c.finding.kind + "), shrunk in " +
                     std::to_string(c.shrink.steps) + " steps from " + std::to_string(c.original_operations) +
                     " to " + std::to_string(c.shrunk_operations) + " operations; reproduced " +
                     std::to_string(c.confirmed) + " of the re-runs at seed " + std::to_string(c.seed) +
                     ". Case: " + describe_case(minimal) + ".";
  return s;
}

nlohmann::json result_json(const ExploreResult& r) {
  nlohmann::json found = nlohmann::json::array();
  for (const auto& c : r.found)
    found.push_back({{"kind", c.finding.kind},
                     {"case", c.case_index},
                     {"seed", c.seed},
                     {"original_operations", c.original_operations},
                     {"shrunk_operations", c.shrunk_operations},
                     {"shrunk_requests", c.shrunk_requests},
                     {"shrink_steps", c.shrink.steps},
                     {"shrink_runs", c.shrink.runs},
                     {"shrink_seconds", std::round(c.shrink.seconds * 10) / 10},
                     {"shrink_exhausted", c.shrink.exhausted},
                     {"confirmed", c.confirmed},
                     {"file", c.file},
                     {"replay", c.replay}});
  return {{"cases", r.cases},
          {"reused", r.reused},
          {"fallbacks", r.fallbacks},
          {"registry_pids", r.registry_pids},
          {"failing", r.failing},
          {"infrastructure", r.infrastructure},
          {"seconds", std::round(r.seconds * 10) / 10},
          {"cases_per_minute", std::round(r.cases_per_minute * 10) / 10},
          {"found", found}};
}

ExploreResult run_explore(const ExploreOptions& o) {
  Explorer ex(o, o.out_dir);
  fs::create_directories(ex.out);
  ExploreResult result;
  // Kinds found and reproduced at their seed: a later failure of one is not shrunk again.
  std::set<std::string> kinds;
  const auto start = std::chrono::steady_clock::now();
  double shrink_seconds = 0;
  const auto exploring = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() - shrink_seconds;
  };
  std::cerr << "explore: " << o.cases.backend << ", seed " << o.seed << ", up to " << o.max_cases << " cases / "
            << o.budget.count() << " s, " << o.jobs << " at a time"
            << (o.reuse ? ", a registry kept per job" : ", a registry per case") << (o.control ? ", control runs" : "")
            << " -> "
            << ex.out.string() << "\n";
  while (result.cases < o.max_cases && exploring() < o.budget.count() && kinds.size() < o.findings) {
    const auto n = std::min<std::size_t>(std::max(1u, o.jobs), o.max_cases - result.cases);
    const auto batch = draw_cases(o.cases, o.seed, result.cases, n);
    std::vector<CaseRun> runs;
    for (std::size_t k = 0; k < n; ++k) {
      const auto i = result.cases + k;
      const auto name = "case-" + std::to_string(i);
      runs.push_back(ex.case_run(batch[k].value(), ex.out / "cases" / name, name, case_seed(o.seed, i)));
    }
    const auto results = ex.runner.run(runs);
    for (const auto& r : results) {
      result.reused += r.reused;
      result.fallbacks += !r.fallback.empty();
      if (r.registry_pid > 0) result.registry_pids.insert(r.registry_pid);
    }
    const auto first = result.cases;
    result.cases += n;
    for (std::size_t k = 0; k < n; ++k) {
      const auto& f = results[k].finding;
      if (f.outcome == Finding::Outcome::Infrastructure) {
        ++result.infrastructure;
        std::cerr << "explore: case " << first + k << ": " << f.kind << " (see " << results[k].log.string()
                  << ")\n";
      }
      if (!f.failed()) continue;
      ++result.failing;
      if (kinds.count(f.kind) || kinds.size() >= o.findings) continue;
      const auto t = std::chrono::steady_clock::now();
      result.found.push_back(ex.shrink_and_save(batch[k], f, first + k));
      shrink_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
      // A minimal case that never failed again at its seed is saved but not counted: a later
      // failure of the same kind gets its own shrink.
      if (result.found.back().confirmed > 0 || o.confirm_runs == 0) kinds.insert(f.kind);
    }
    result.seconds = exploring();
    result.cases_per_minute = result.seconds > 0 ? result.cases * 60.0 / result.seconds : 0;
    std::cerr << "explore: " << result.cases << " cases, " << result.failing << " failing, "
              << static_cast<int>(std::lround(result.cases_per_minute)) << " cases/min, " << seconds_text(result.seconds)
              << " exploring; shrink steps " << shrink_steps(result) << "\n";
  }
  write_json(ex.out / "explore.json", result_json(result));
  return result;
}

}  // namespace stalemate::campaign::explore
