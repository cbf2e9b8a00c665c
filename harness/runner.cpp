#include "harness/runner.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <set>

#include "common/json_reader.h"
#include "common/time_format.h"
#include "harness/evidence.h"
#include "harness/orphans.h"
#include "harness/registry_client.h"
#include "harness/run_context.h"
#include "harness/run_front.h"
#include "harness/run_steps.h"
#include "harness/reused_env.h"
#include "harness/workload/record.h"

namespace stalemate::harness {

namespace {

namespace fs = std::filesystem;

// nginx in front of every registry instance (an upstream of several), its
// filesystems mounted under the run's out dir. Restarts keep the instances'
// ports, so the upstream list stays right for the whole run.
void start_front(RunPlan& plan, Lifecycle& life, RunRecord& rec) {
  if (!plan.scenario.front) return;
  std::vector<std::string> upstreams;
  for (const auto& url : life.fleet->base_urls()) upstreams.push_back(url.substr(url.find("://") + 3));
  check_interrupt();
  // No right to mount: InfrastructureError ("cannot mount a tmpfs … needs root"), exit 3.
  life.front = std::make_unique<front::Front>(*plan.scenario.front, plan.out_dir / "front", upstreams);
  rec.report["front"] = front_start_report(*life.front, upstreams);
}

void stop_front(Lifecycle& life, RunRecord& rec) {
  if (life.front) finish_front(*life.front, rec.history, rec.report["front"]);
}

// Starts the backend, Redis (if asked for) and the registry instances.
void start_processes(RunPlan& plan, Lifecycle& life, RunRecord& rec) {
  auto& s = plan.scenario;
  try {
    life.backend = std::make_unique<FakeBackend>(s.backend, "127.0.0.1", 0, (plan.out_dir / "events.jsonl").string());
  } catch (const std::runtime_error& e) {
    throw InfrastructureError(std::string("fake backend: ") + e.what());
  }
  life.store_wall_start_us = now_micros() - life.backend->store().now_us();
  // Client requests record the event-log positions around them: evidence joins by them and by keys.
  auto* backend = life.backend.get();
  rec.history.set_storage_cursor([backend] { return backend->store().events().size(); });
  rec.report["backend"] = life.backend->describe();

  RegistryLaunch launch;
  launch.binary = s.registry.binary;
  launch.storage = life.backend->registry_storage(s.registry);
  launch.overrides = s.registry.config;
  launch.work_dir = plan.out_dir;
  rec.report["registry"] = {{"binary", launch.binary}, {"version", RegistryProcess::version_of(launch.binary)}};
  check_interrupt();
  // A shared descriptor cache outlives registry restarts (mechanism M3).
  if (s.registry.cache == "redis") {
    life.redis = std::make_unique<RedisProcess>(plan.out_dir);
    launch.overrides = nlohmann::json::object();
    launch.overrides["redis"] = {{"addr", life.redis->address()}, {"db", 0}};
    launch.overrides.merge_patch(s.registry.config);
    rec.report["registry"]["redis"] = {{"address", life.redis->address()}, {"log", life.redis->log_path().string()}};
  }
  launch.max_purge_delay_minutes = s.registry.max_purge_delay_minutes;
  life.fleet = std::make_unique<RegistryFleet>(launch, s.registry.instances);
  rec.report["registry"]["instances"] = life.fleet->describe();
  rec.report["registry"]["config"] = RegistryProcess::make_config(launch, 0);
  for (const auto& i : life.fleet->describe()) life.registry_logs.push_back(i["log"]);
  start_front(plan, life, rec);
  if (plan.progress) print_children(life);
}

// Lets the store converge (rules off, lag off, every pending update applied),
// then asks again whether what was acknowledged is intact — through the
// registry, whose caches may still hold a bad view.
void converge_and_verify(RunState& state) {
  auto& store = state.store();
  const auto& w = state.plan.scenario.workload;
  if (w.converge_check) {
    const auto pending = store.pending_count();
    const auto applied = store.heal();
    state.rec.report["convergence"] = {
        {"pending_before_heal", pending}, {"applied", applied}, {"converged", store.converged()},
        // I11: segments no live manifest references (left by cancelled uploads, M12e).
        {"orphans", count_orphan_segments(store, state.life.backend->account(), state.plan.scenario.backend.container)}};
    if (!store.converged()) state.rec.notes.push_back("the store did not converge after healing (corrupted replicas?)");
  }
  if (w.verify_acknowledged) {
    const auto before = violations_of(state.rec.history).size();
    state.front->verify_acknowledged();
    for (auto& c : state.direct) c->verify_acknowledged();
    for (auto& c : state.parallel) c->verify_acknowledged();
    check_children(state.life, state.rec, before, "the final verification of what was acknowledged");
  }
}

nlohmann::json violations_with_evidence(const std::vector<Violation>& violations,
                                        const std::vector<RequestRecord>& requests, Lifecycle& life) {
  auto& backend = *life.backend;
  const auto events = backend.store().events().since(0);
  EvidenceSources sources;
  sources.events = &events;
  sources.store_wall_start_us = life.store_wall_start_us;
  sources.registry_log_paths = life.registry_logs;
  sources.segment_prefix = [&](const std::string& blob_path) {
    const auto r = backend.store().read_object(backend.account(), backend.spec().container, blob_path,
                                               {.newest = true});
    if (!r.version) return std::string();
    const std::string manifest = r.version->manifest();
    const auto slash = manifest.find('/');
    return slash == std::string::npos ? std::string() : manifest.substr(slash + 1);
  };
  const auto front_errors = life.front ? life.front->errors() : std::vector<front::ErrorLogRecord>{};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : violations) {
    nlohmann::json j = v;
    j["evidence"] = build_evidence(v, requests, sources);
    if (life.front) add_front_evidence(*life.front, front_errors, v, requests, sources, j["evidence"]);
    out.push_back(std::move(j));
  }
  return out;
}

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

// The finished run's report and exit code.
RunOutcome verdict(const RunPlan& plan, RunRecord& rec, Lifecycle& life) {
  // The checkers run over the finished history; the verdict is their data.
  const auto check = check_history(rec.history);
  const auto& violations = check.violations;
  auto requests = judged_requests(rec.history.requests(), violations);
  auto& report = rec.report;
  if (life.front) join_front_requests(*life.front, requests, report["front"], rec.errors);
  report["requests"] = requests;
  report["violations"] = violations_with_evidence(violations, requests, life);
  // A failure the store applied anyway is an unknown outcome, not a failed one.
  const auto operations = refine_outcomes(rec.history.operations(), requests, life.backend->store().events().since(0),
                                          life.backend->store().rules_json());
  report["operations"] = operations;
  if (life.front) count_front_failures(operations, requests, report["front"]);
  report["errors"] = rec.errors;
  report["notes"] = rec.notes;
  report["backend"]["event_log"] = (plan.out_dir / "events.jsonl").string();
  report["backend"]["rules"] = life.backend->store().rules_json();
  report["counts"] = {{"requests", requests.size()},
                      {"violations", violations.size()},
                      {"errors", rec.errors.size()},
                      {"backend_requests", life.backend->requests_served()}};
  RunOutcome outcome;
  if (!plan.scenario.workload.replay.is_null())
    report["replay"] = workload::replay_report(plan, rec.history, rec.step_clock.starts());
  outcome.step_starts = rec.step_clock.starts();
  report["expectation"] = expectation(plan.scenario, violations, rec.errors, outcome.reproduced);
  report["finished_at"] = iso8601_millis(now_micros());
  outcome.verdict = run_verdict(check, rec.errors.size(), plan.scenario.fail_on_errors);
  outcome.exit_code = outcome.verdict.verdict == reports::Verdict::Fail ? kExitViolation : kExitPass;
  report["verdict"] = reports::render_verdict_line(outcome.verdict);
  report["verdict_data"] = reports::verdict_json(outcome.verdict);
  report["outcome"] = reports::outcome_name(reports::outcome_of(outcome.verdict));
  reports::write_json_file(plan.out_dir, "report.json", report);
  outcome.report = std::move(report);
  outcome.report_path = (plan.out_dir / "report.json").string();
  return outcome;
}

nlohmann::json report_header(const RunPlan& plan) {
  const auto& s = plan.scenario;
  return {{"stalemate_version", STALEMATE_VERSION}, {"scenario_file", s.file},
          {"scenario", s.source},                  {"seed", s.seed},
          {"negative_control", plan.control},      {"started_at", iso8601_millis(now_micros())},
          {"report_path", (plan.out_dir / "report.json").string()},
          {"plan", plan_to_json(plan)}};
}

// Starts everything, runs the steps and the final checks, stops the children
// (a reused environment's stay up: `reused`, the store already reset).
void run_lifecycle(RunPlan& plan, Lifecycle& life, RunRecord& rec, bool reused = false) {
  if (!reused) start_processes(plan, life, rec);
  RunState state{plan, life, rec, {}, {}, {}, {}, {}};
  state.front = state.make_client();
  state.labels.emplace_back(state.front->id(), "client");
  for (std::size_t i = 0; i < life.fleet->size(); ++i) {
    state.direct.push_back(std::make_unique<RegistryClient>(life.fleet->base_url(i), rec.history));
    state.labels.emplace_back(state.direct.back()->id(), "client via instance " + std::to_string(i));
  }
  check_children(life, rec, violations_of(rec.history).size(), "the start");
  run_steps(state);
  converge_and_verify(state);
  rec.report["clients"] = state.clients_json();
  stop_front(life, rec);
  rec.report["registry"]["instances"] = life.fleet->describe();
  if (reused) return;
  life.fleet->stop();
  if (life.redis) life.redis->stop();
}

reports::RunVerdict infrastructure_verdict(const std::string& what) {
  reports::RunVerdict v;
  v.verdict = reports::Verdict::Unknown;
  v.infrastructure = true;
  v.infrastructure_error = what;
  return v;
}

// A run in `life`: fresh (its processes started here) or in a reused environment.
RunOutcome run_plan_in(RunPlan& plan, Lifecycle& life, bool reused, const std::function<void(RunRecord&)>& adopt) {
  std::filesystem::create_directories(plan.out_dir);
  RunRecord rec;
  rec.out_dir = plan.out_dir;
  rec.report = report_header(plan);
  const auto interrupted = [&](int sig) {
    const Interrupted e(sig);
    reports::RunVerdict v;
    v.verdict = reports::Verdict::Unknown;
    v.aborted = true;
    v.infrastructure_error = e.what();
    rec.write_unfinished(v, e.what());
    return Interrupted(sig, "partial report in " + (plan.out_dir / "report.json").string());
  };
  try {
    if (adopt) adopt(rec);
    run_lifecycle(plan, life, rec, reused);
  } catch (const Interrupted& e) {
    throw interrupted(e.signal);
  } catch (const InfrastructureError& e) {
    // A child killed by our own Ctrl-C handler is not an infrastructure failure.
    if (const int sig = interrupt_signal()) throw interrupted(sig);
    try {
      stop_front(life, rec);  // what the filesystems and nginx's logs show so far
    } catch (const std::exception&) {
    }
    if (const auto* died = dynamic_cast<const ProcessDied*>(&e)) {
      const auto& d = died->death;
      rec.report["infrastructure_failure"] = {{"process", d.name},         {"pid", d.pid},
                                              {"how", d.how()},           {"log", d.log.string()},
                                              {"log_tail", d.log_tail}};
      rec.write_unfinished(infrastructure_verdict(e.what()), d.describe_short());
    } else {
      rec.write_unfinished(infrastructure_verdict(e.what()), e.what());
    }
    throw;
  }
  if (!reused) life.backend->stop();
  return verdict(plan, rec, life);
}

}  // namespace

RunOutcome run_plan(RunPlan plan) {
  Lifecycle life;
  return run_plan_in(plan, life, false, nullptr);
}

// ---- a reused environment (reused_env.h)

ReusedEnvironment::~ReusedEnvironment() {
  if (fleet) fleet->stop();
  if (backend) backend->stop();
}

namespace {

// What a plan's processes are made of, beyond its fault plan: a run may use an
// environment only when these are equal.
nlohmann::json backend_key(const Scenario& s) {
  auto b = s.source.value("backend", nlohmann::json::object());
  for (const char* model_only : {"consistency", "faults", "phases", "digest_ordinals"}) b.erase(model_only);
  return b;
}

nlohmann::json registry_key(const Scenario& s) {
  const auto& r = s.registry;
  return {{"binary", r.binary},       {"instances", r.instances}, {"cache", r.cache},
          {"chunksize", r.chunksize}, {"redirect", r.redirect},   {"config", r.config},
          {"max_purge_delay_minutes", r.max_purge_delay_minutes}};
}

// The first step that needs processes of the run's own, or null.
const PlannedStep* own_process_step(const std::vector<PlannedStep>& steps) {
  for (const auto& st : steps) {
    // A cache flush is Redis's (a run with Redis has processes of its own
    // anyway); garbage-collect runs the registry's own command on the store.
    // A restart is fine: it restarts the shared registry on its port with a
    // cold descriptor cache, as in a run of its own, and the runs after it
    // start cold, which nothing of theirs can tell from warm (layers salted).
    if (st.kind == Step::Kind::FlushCache || st.kind == Step::Kind::GarbageCollect) return &st;
    for (const auto& b : st.branches)
      if (const auto* inner = own_process_step(b.steps)) return inner;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<ReusedEnvironment> start_reused_environment(const RunPlan& plan) {
  auto first = plan;
  // The registry starts under no fault plan: a rule or phase of the first run
  // must not fire at the start of every later run's registry.
  first.scenario.backend.model.rules.clear();
  first.scenario.backend.model.phases.clear();
  std::filesystem::create_directories(first.out_dir);
  Lifecycle life;
  RunRecord rec;
  rec.out_dir = first.out_dir;
  start_processes(first, life, rec);
  auto env = std::make_unique<ReusedEnvironment>();
  env->backend_spec = backend_key(plan.scenario);
  env->registry_spec = registry_key(plan.scenario);
  env->registry_report = rec.report["registry"];
  env->registry_logs = life.registry_logs;
  env->store_wall_start_us = life.store_wall_start_us;
  env->backend = std::move(life.backend);
  env->fleet = std::move(life.fleet);
  // What a fresh run's store holds once its registry has started: its container, the
  // identities of its start's requests. Every run goes back to this.
  env->backend->store().mark_baseline();
  return env;
}

int ReusedEnvironment::registry_pid() const { return fleet ? fleet->processes().front()->pid() : -1; }

std::string reuse_obstacle(const RunPlan& plan, const ReusedEnvironment* env) {
  const auto& s = plan.scenario;
  // Two instances or a Redis cache share state across their own processes only (M3, M15).
  if (s.registry.instances != 1) return "it runs " + std::to_string(s.registry.instances) + " registry instances";
  if (s.registry.cache == "redis") return "it runs its own Redis";
  if (s.front) return "it runs nginx in front of the registry";
  // The registry's config (driver, chunk size, container) is fixed at its start.
  if (const auto* st = own_process_step(plan.steps)) return "its step " + st->describe() + " needs a registry of its own";
  if (!env) return "";
  if (registry_key(s) != env->registry_spec) return "its registry settings differ from the running registry's";
  if (backend_key(s) != env->backend_spec) return "its backend settings differ from the running fake's";
  return "";
}

RunOutcome run_plan_reusing(RunPlan plan, ReusedEnvironment& env) {
  if (const auto why = reuse_obstacle(plan, &env); !why.empty())
    throw InputError("cannot run " + plan.scenario.name + " in a reused registry: " + why);
  Lifecycle life;
  // Hand the processes back however the run ends.
  struct GiveBack {
    ReusedEnvironment& env;
    Lifecycle& life;
    ~GiveBack() {
      if (life.backend) env.backend = std::move(life.backend);
      if (life.fleet) env.fleet = std::move(life.fleet);
    }
  } give_back{env, life};
  life.backend = std::move(env.backend);
  life.fleet = std::move(env.fleet);
  life.fleet->reset_restart_counts();
  life.registry_logs = env.registry_logs;
  ++env.runs;
  return run_plan_in(plan, life, true, [&](RunRecord& rec) {
    auto& store = life.backend->store();
    try {
      store.reset(plan.scenario.backend.model);
      store.events().open_file((plan.out_dir / "events.jsonl").string());
    } catch (const std::exception& e) {
      throw InfrastructureError(std::string("reused fake backend: ") + e.what());
    }
    life.store_wall_start_us = now_micros() - store.now_us();
    auto* backend = life.backend.get();
    rec.history.set_storage_cursor([backend] { return backend->store().events().size(); });
    rec.report["backend"] = life.backend->describe();
    rec.report["registry"] = env.registry_report;
    rec.report["registry"]["reused"] = {{"run", env.runs}, {"pid", life.fleet->processes().front()->pid()}};
  });
}

RunOutcome run_scenario(Scenario scenario, const RunOptions& options) {
  return run_plan(make_run_plan(std::move(scenario), options));
}

}  // namespace stalemate::harness
