#include "harness/runner.h"

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "common/json_reader.h"
#include "common/time_format.h"
#include "harness/evidence.h"
#include "harness/fake_backend.h"
#include "harness/history.h"
#include "harness/redis_process.h"
#include "harness/registry_client.h"
#include "harness/registry_fleet.h"
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
  const auto& acct = backend.account();
  const auto& cont = backend.spec().container;
  for (const auto& name : store.debug_object_names(acct, cont, *debug.flip_byte_prefix)) {
    if (store.debug_flip_byte(acct, cont, name, debug.flip_byte_offset)) return name;
  }
  return "";
}

// Without explicit steps: push every image, then pull each by tag and/or digest.
std::vector<Step> default_steps(const WorkloadSpec& w) {
  std::vector<Step> steps;
  for (std::size_t i = 0; i < w.images.size(); ++i) {
    Step s;
    s.kind = Step::Kind::Push;
    s.image = i;
    steps.push_back(s);
  }
  for (std::size_t i = 0; i < w.images.size(); ++i) {
    for (bool by_digest : {false, true}) {
      if ((by_digest && !w.pull_by_digest) || (!by_digest && !w.pull_by_tag)) continue;
      Step s;
      s.kind = Step::Kind::Pull;
      s.image = i;
      s.by_digest = by_digest;
      steps.push_back(s);
    }
  }
  return steps;
}

PushProfile push_profile(const std::string& client) {
  if (client == "dockerd") return PushProfile::Dockerd;
  if (client == "buildkit") return PushProfile::Buildkit;
  return PushProfile::Single;
}

PullProfile pull_profile(const std::string& client) {
  if (client == "docker") return PullProfile::Docker;
  if (client == "containerd") return PullProfile::Containerd;
  if (client == "slices") return PullProfile::Slices;
  return PullProfile::Plain;
}

std::vector<sim::FaultRule> rules_from(const nlohmann::json& source, const std::vector<ImageWorkload>& images,
                                       const std::string& where) {
  return sim::parse_fault_rules(JsonReader(resolve_placeholders(source, images), where));
}

// Everything a run keeps while its steps execute.
struct RunState {
  Scenario& scenario;
  FakeBackend& backend;
  RegistryFleet& fleet;
  RedisProcess* redis;
  History& history;
  nlohmann::json& errors;
  nlohmann::json& notes;
  RegistryClient front;                                // through the load-balancing front
  std::vector<std::unique_ptr<RegistryClient>> direct;  // one per instance, for "via"

  RegistryClient& client(int via) { return via < 0 ? front : *direct.at(static_cast<std::size_t>(via)); }

  void run(const Step& step) {
    switch (step.kind) {
      case Step::Kind::Push: {
        const auto& w = scenario.workload.images[step.image];
        PushOptions options = w.push;
        options.profile = push_profile(step.client);
        const auto result = client(step.via).push(w.image, options);
        if (!result.ok)
          errors.push_back("push " + w.image.repository + ":" + w.image.tag + " (" + step.client + "): " + result.error);
        break;
      }
      case Step::Kind::Pull: {
        const auto& w = scenario.workload.images[step.image];
        PullOptions options;
        options.profile = pull_profile(step.client);
        options.slice_size = step.slice_size;
        options.segment_size_hint = scenario.registry.chunksize;
        const auto result = client(step.via).pull(w.image, step.by_digest ? PullBy::Digest : PullBy::Tag, options);
        if (!result.ok && !result.error.empty())
          errors.push_back("pull " + w.image.repository + (step.by_digest ? "@digest" : ":" + w.image.tag) + " (" +
                           step.client + "): " + result.error);
        break;
      }
      case Step::Kind::Restart:
        fleet.restart(step.instance);
        notes.push_back("restarted registry " + (step.instance < 0 ? std::string("instances") : "instance " + std::to_string(step.instance)) +
                        " (cold descriptor cache)");
        break;
      case Step::Kind::Wait: std::this_thread::sleep_for(std::chrono::microseconds(step.duration_us)); break;
      case Step::Kind::Clock: backend.store().advance_clock(step.duration_us); break;
      case Step::Kind::Heal: backend.store().heal(); break;
      case Step::Kind::FlushCache:
        redis->flush_all();
        notes.push_back("flushed the Redis descriptor cache");
        break;
      case Step::Kind::Quiesce: backend.store().quiesce(); break;
      case Step::Kind::Faults:
        backend.store().add_rules(rules_from(step.json, scenario.workload.images, scenario.file + step.where));
        break;
      case Step::Kind::Consistency:
        backend.store().patch_consistency(
            sim::parse_consistency_patch(JsonReader(step.json, scenario.file + step.where), backend.store().topology()));
        break;
    }
  }
};

nlohmann::json expectation(const Scenario& s, const std::vector<Violation>& violations, const nlohmann::json& errors,
                           bool& reproduced) {
  std::set<std::string> seen;
  for (const auto& v : violations) seen.insert(v.invariant);
  reproduced = !s.expect_violations.empty() || s.expect_errors;
  for (const auto& e : s.expect_violations) reproduced = reproduced && seen.count(e);
  if (s.expect_errors) reproduced = reproduced && !errors.empty();
  return {{"kind", s.kind},
          {"expected_violations", s.expect_violations},
          {"expected_errors", s.expect_errors},
          {"seen_violations", std::vector<std::string>(seen.begin(), seen.end())},
          {"reproduced", reproduced}};
}

}  // namespace

RunOutcome run_scenario(Scenario scenario, const RunOptions& options) {
  if (options.registry_binary) scenario.registry.binary = *options.registry_binary;
  if (options.seed) scenario.seed = scenario.backend.model.seed = *options.seed;
  for (auto& w : scenario.workload.images)
    for (auto& layer : w.image.layers) layer.seed = layer_content_seed(scenario.seed, layer.seed);
  // Rules may name blobs by placeholder; the digests are known only now.
  scenario.backend.model.rules =
      rules_from(scenario.backend.faults_source, scenario.workload.images, scenario.file + "/backend/faults");
  if (options.control) {
    scenario.backend.model.rules.clear();
    scenario.backend.model.phases.clear();
    scenario.backend.model.consistency = sim::ConsistencyParams{};
    scenario.backend.model.consistency.always_newest = true;
    std::erase_if(scenario.workload.steps, [](const Step& s) {
      return s.kind == Step::Kind::Faults || s.kind == Step::Kind::Consistency;
    });
  }
  if (scenario.workload.steps.empty()) scenario.workload.steps = default_steps(scenario.workload);

  const std::filesystem::path out_dir = options.out_dir.empty()
                                            ? std::filesystem::path("stalemate-out") / scenario.name
                                            : std::filesystem::path(options.out_dir);
  std::filesystem::create_directories(out_dir);

  nlohmann::json report;
  report["stalemate_version"] = STALEMATE_VERSION;
  report["scenario_file"] = scenario.file;
  report["scenario"] = scenario.source;
  report["seed"] = scenario.seed;
  report["negative_control"] = options.control;
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
    backend_holder =
        std::make_unique<FakeBackend>(scenario.backend, "127.0.0.1", 0, (out_dir / "events.jsonl").string());
  } catch (const std::runtime_error& e) {
    write_failure(e.what());
    throw InfrastructureError(std::string("fake backend: ") + e.what());
  }
  FakeBackend& backend = *backend_holder;
  const std::int64_t store_wall_start = now_micros() - backend.store().now_us();
  report["backend"] = backend.describe();

  RegistryLaunch launch;
  launch.binary = scenario.registry.binary;
  launch.storage = backend.registry_storage(scenario.registry);
  launch.overrides = scenario.registry.config;
  launch.work_dir = out_dir;
  report["registry"] = {{"binary", launch.binary}, {"version", RegistryProcess::version_of(launch.binary)}};

  std::vector<std::string> registry_logs;
  try {
    // A shared descriptor cache outlives registry restarts (mechanism M3).
    std::unique_ptr<RedisProcess> redis;
    if (scenario.registry.cache == "redis") {
      redis = std::make_unique<RedisProcess>(out_dir);
      launch.overrides = nlohmann::json::object();
      launch.overrides["redis"] = {{"addr", redis->address()}, {"db", 0}};
      launch.overrides.merge_patch(scenario.registry.config);
      report["registry"]["redis"] = {{"address", redis->address()}, {"log", redis->log_path().string()}};
    }
    RegistryFleet fleet(launch, scenario.registry.instances);
    report["registry"]["instances"] = fleet.describe();
    report["registry"]["config"] = RegistryProcess::make_config(launch, 0);
    for (const auto& i : fleet.describe()) registry_logs.push_back(i["log"]);
    RunState state{scenario,
                   backend,
                   fleet,
                   redis.get(),
                   history,
                   errors,
                   notes,
                   RegistryClient(fleet.base_urls(), history,
                                  scenario.registry.round_robin ? Routing::RoundRobin : Routing::ActivePassive),
                   {}};
    for (std::size_t i = 0; i < fleet.size(); ++i)
      state.direct.push_back(std::make_unique<RegistryClient>(fleet.base_url(i), history));

    for (std::size_t i = 0; i < scenario.workload.steps.size(); ++i) {
      state.run(scenario.workload.steps[i]);
      // The checker self-test corrupts the store right after the pushes.
      if (scenario.debug.flip_byte_prefix && scenario.workload.steps[i].kind == Step::Kind::Push &&
          (i + 1 == scenario.workload.steps.size() || scenario.workload.steps[i + 1].kind != Step::Kind::Push)) {
        const auto flipped = apply_flip_byte(backend, scenario.debug);
        notes.push_back(flipped.empty() ? "debug flip_byte: no object under the prefix was long enough"
                                        : "debug flip_byte: flipped byte " +
                                              std::to_string(scenario.debug.flip_byte_offset) + " of " + flipped);
        scenario.debug.flip_byte_prefix.reset();
      }
    }
    if (scenario.workload.converge_check) {
      // Let the store converge (rules off, lag off, every pending update
      // applied), then ask again whether what was acknowledged is intact —
      // through the registry, whose caches may still hold a bad view.
      const auto pending = backend.store().pending_count();
      const auto applied = backend.store().heal();
      report["convergence"] = {{"pending_before_heal", pending},
                               {"applied", applied},
                               {"converged", backend.store().converged()}};
      if (!backend.store().converged()) notes.push_back("the store did not converge after healing (corrupted replicas?)");
    }
    if (scenario.workload.verify_acknowledged) {
      state.front.verify_acknowledged();
      for (auto& c : state.direct) c->verify_acknowledged();
    }
    report["registry"]["instances"] = fleet.describe();
    fleet.stop();
  } catch (const InfrastructureError& e) {
    write_failure(e.what());
    throw;
  }
  backend.stop();

  const auto requests = history.requests();
  const auto violations = history.violations();
  const auto events = backend.store().events().since(0);
  EvidenceSources sources;
  sources.events = &events;
  sources.store_wall_start_us = store_wall_start;
  sources.registry_log_paths = registry_logs;
  sources.segment_prefix = [&](const std::string& blob_path) {
    const auto r = backend.store().read_object(backend.account(), backend.spec().container, blob_path,
                                               {.newest = true});
    if (!r.version) return std::string();
    const std::string manifest = r.version->manifest();
    const auto slash = manifest.find('/');
    return slash == std::string::npos ? std::string() : manifest.substr(slash + 1);
  };
  nlohmann::json violations_json = nlohmann::json::array();
  for (const auto& v : violations) {
    nlohmann::json j = v;
    j["evidence"] = build_evidence(v, requests, sources);
    violations_json.push_back(std::move(j));
  }
  report["requests"] = requests;
  report["violations"] = violations_json;
  report["errors"] = errors;
  report["notes"] = notes;
  report["backend"]["event_log"] = (out_dir / "events.jsonl").string();
  report["backend"]["rules"] = backend.store().rules_json();
  report["counts"] = {{"requests", requests.size()},
                      {"violations", violations.size()},
                      {"errors", errors.size()},
                      {"backend_requests", backend.requests_served()}};
  RunOutcome outcome;
  report["expectation"] = expectation(scenario, violations, errors, outcome.reproduced);
  report["finished_at"] = iso8601_millis(now_micros());

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
