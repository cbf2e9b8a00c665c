#include "harness/runner.h"

#include <filesystem>

#include "common/time_format.h"
#include "harness/fake_backend.h"
#include "harness/history.h"
#include "harness/registry_client.h"
#include "harness/registry_process.h"
#include "reports/run_report.h"

namespace stalemate::harness {

std::uint64_t layer_content_seed(std::uint64_t scenario_seed, std::uint64_t layer_seed) {
  // splitmix64 finaliser over the pair
  std::uint64_t z = scenario_seed * 0x9E3779B97F4A7C15ull + layer_seed + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {

// Flips one byte of the first stored object under the prefix that is long
// enough; returns its name or "".
std::string apply_flip_byte(FakeBackend& backend, const DebugSpec& debug) {
  auto& store = backend.store();
  const auto& acct = backend.spec().swift.account;
  const auto& cont = backend.spec().container;
  for (const auto& name : store.debug_object_names(acct, cont, *debug.flip_byte_prefix)) {
    if (store.debug_flip_byte(acct, cont, name, debug.flip_byte_offset)) return name;
  }
  return "";
}

}  // namespace

RunOutcome run_scenario(Scenario scenario, const RunOptions& options) {
  if (options.registry_binary) scenario.registry.binary = *options.registry_binary;
  if (options.seed) scenario.seed = scenario.backend.model.seed = *options.seed;
  for (auto& w : scenario.workload.images)
    for (auto& layer : w.image.layers) layer.seed = layer_content_seed(scenario.seed, layer.seed);

  const std::filesystem::path out_dir =
      options.out_dir.empty() ? std::filesystem::path("stalemate-out") / scenario.name : std::filesystem::path(options.out_dir);
  std::filesystem::create_directories(out_dir);

  nlohmann::json report;
  report["stalemate_version"] = STALEMATE_VERSION;
  report["scenario_file"] = scenario.file;
  report["scenario"] = scenario.source;
  report["seed"] = scenario.seed;
  report["started_at"] = iso8601_millis(now_micros());
  nlohmann::json errors = nlohmann::json::array();
  nlohmann::json notes = nlohmann::json::array();

  History history;
  const auto path = out_dir / "report.json";
  report["report_path"] = path.string();
  // An infrastructure failure still leaves a report with what was seen so far.
  auto write_failure = [&](const std::string& what) {
    report["requests"] = history.requests();
    report["violations"] = history.violations();
    report["errors"] = errors;
    report["verdict"] = "ERROR: infrastructure: " + what;
    report["finished_at"] = iso8601_millis(now_micros());
    reports::write_json_file(out_dir, "report.json", report);
  };
  std::unique_ptr<FakeBackend> backend_holder;
  try {
    backend_holder = std::make_unique<FakeBackend>(scenario.backend, "127.0.0.1", 0, (out_dir / "events.jsonl").string());
  } catch (const std::runtime_error& e) {
    write_failure(e.what());
    throw InfrastructureError(std::string("fake backend: ") + e.what());
  }
  FakeBackend& backend = *backend_holder;
  report["backend"] = backend.describe();

  RegistryLaunch launch;
  launch.binary = scenario.registry.binary;
  launch.storage = backend.registry_storage(scenario.registry);
  launch.overrides = scenario.registry.config;
  launch.work_dir = out_dir;
  report["registry"] = {{"binary", launch.binary}, {"version", RegistryProcess::version_of(launch.binary)}};

  try {
    RegistryProcess registry(launch);  // throws InfrastructureError
    report["registry"]["log"] = registry.log_path().string();
    report["registry"]["config"] = registry.config();
    RegistryClient client(registry.base_url(), history);

    bool all_pushed = true;
    for (const auto& w : scenario.workload.images) {
      const auto result = client.push(w.image, w.push);
      if (!result.ok) {
        all_pushed = false;
        errors.push_back("push " + w.image.repository + ":" + w.image.tag + ": " + result.error);
      }
    }
    if (scenario.debug.flip_byte_prefix) {
      const auto flipped = apply_flip_byte(backend, scenario.debug);
      notes.push_back(flipped.empty() ? "debug flip_byte: no object under the prefix was long enough"
                                      : "debug flip_byte: flipped byte " + std::to_string(scenario.debug.flip_byte_offset) +
                                            " of " + flipped);
    }
    for (const auto& w : scenario.workload.images) {
      for (PullBy by : {PullBy::Tag, PullBy::Digest}) {
        if ((by == PullBy::Tag && !scenario.workload.pull_by_tag) ||
            (by == PullBy::Digest && !scenario.workload.pull_by_digest))
          continue;
        const auto result = client.pull(w.image, by);
        if (!result.ok && !result.error.empty())
          errors.push_back("pull " + w.image.repository + (by == PullBy::Tag ? ":" + w.image.tag : "@digest") + ": " +
                           result.error);
      }
    }
    if (scenario.workload.converge_check) {
      // Let the store converge (rules off, lag off, every pending update
      // applied), then ask again whether what was acknowledged is intact.
      const auto pending = backend.store().pending_count();
      const auto applied = backend.store().heal();
      report["convergence"] = {{"pending_before_heal", pending},
                               {"applied", applied},
                               {"converged", backend.store().converged()}};
      if (!backend.store().converged()) notes.push_back("the store did not converge after healing (corrupted replicas?)");
    }
    if (scenario.workload.verify_acknowledged) client.verify_acknowledged();
    if (!all_pushed) notes.push_back("not every image was pushed; pulls of those images were still attempted");
    registry.stop();
  } catch (const InfrastructureError& e) {
    write_failure(e.what());
    throw;
  }
  backend.stop();

  const auto requests = history.requests();
  const auto violations = history.violations();
  report["requests"] = requests;
  report["violations"] = violations;
  report["errors"] = errors;
  report["notes"] = notes;
  report["backend"]["event_log"] = (out_dir / "events.jsonl").string();
  report["backend"]["rules"] = backend.store().rules_json();
  report["counts"] = {{"requests", requests.size()},
                      {"violations", violations.size()},
                      {"errors", errors.size()},
                      {"backend_requests", backend.requests_served()}};
  report["finished_at"] = iso8601_millis(now_micros());

  RunOutcome outcome;
  if (!violations.empty()) {
    outcome.exit_code = kExitViolation;
    report["verdict"] = "FAIL: " + std::to_string(violations.size()) + " invariant violation(s)";
  } else if (!errors.empty() && scenario.fail_on_errors) {
    outcome.exit_code = kExitViolation;
    report["verdict"] = "FAIL: the workload did not complete (" + std::to_string(errors.size()) + " failed operation(s))";
  } else {
    report["verdict"] = "PASS: every invariant held";
  }
  reports::write_json_file(out_dir, "report.json", report);
  outcome.report = std::move(report);
  outcome.report_path = path.string();
  return outcome;
}

}  // namespace stalemate::harness
