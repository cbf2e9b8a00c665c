#include "harness/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/json_reader.h"
#include "common/time_format.h"
#include "harness/checkers.h"
#include "harness/child_process.h"
#include "harness/child_reaper.h"
#include "harness/evidence.h"
#include "harness/fake_backend.h"
#include "harness/history.h"
#include "harness/redis_process.h"
#include "harness/registry_client.h"
#include "harness/registry_fleet.h"
#include "reports/run_report.h"
#include "reports/verdict.h"

namespace stalemate::harness {

namespace {

namespace fs = std::filesystem;

// A child that ended while nobody had asked it to.
struct ProcessDied : InfrastructureError {
  ProcessDied(ProcessDeath d, const std::string& during)
      : InfrastructureError(d.describe_short() + " during " + during + "; last log lines (" + d.log.string() + "):\n" +
                            d.log_tail),
        death(std::move(d)) {}
  ProcessDeath death;
};

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

// What the run has seen so far, and the report it becomes.
struct RunRecord {
  fs::path out_dir;
  nlohmann::json report;
  nlohmann::json errors = nlohmann::json::array();
  nlohmann::json notes = nlohmann::json::array();
  History history;
  // Violations from this index on were recorded after the last check that
  // every child was alive: a death may have caused them.
  std::size_t suspect_from = SIZE_MAX;

  nlohmann::json violations_json() const {
    nlohmann::json out = nlohmann::json::array();
    const auto violations = violations_of(history);
    for (std::size_t i = 0; i < violations.size(); ++i) {
      nlohmann::json j = violations[i];
      if (i >= suspect_from) j["after_process_death"] = true;  // not a finding: see "infrastructure_failure"
      out.push_back(std::move(j));
    }
    return out;
  }

  // An infrastructure failure or an interrupt still leaves a report with what
  // was seen so far, marked as unfinished.
  void write_unfinished(const reports::RunVerdict& verdict, const std::string& reason) {
    const auto check = check_history(history);
    report["requests"] = judged_requests(history.requests(), check.violations);
    report["violations"] = violations_json();
    report["errors"] = errors;
    report["notes"] = notes;
    report["aborted"] = true;
    report["abort_reason"] = reason;
    report["verdict"] = reports::render_verdict_line(verdict);
    report["verdict_data"] = reports::verdict_json(verdict);
    report["finished_at"] = iso8601_millis(now_micros());
    reports::write_json_file(out_dir, "report.json", report);
  }
};

// The processes of a run: the fake backend (in-process), Redis and the
// registry instances (children, each a ManagedProcess).
struct Lifecycle {
  std::unique_ptr<FakeBackend> backend;
  std::unique_ptr<RedisProcess> redis;
  std::unique_ptr<RegistryFleet> fleet;
  std::int64_t store_wall_start_us = 0;
  std::vector<std::string> registry_logs;

  std::vector<ManagedProcess*> children() const {
    std::vector<ManagedProcess*> out;
    if (redis) out.push_back(redis.get());
    if (fleet)
      for (auto* p : fleet->processes()) out.push_back(p);
    return out;
  }
  const ProcessDeath* first_death() const {
    for (auto* p : children())
      if (!p->alive() && p->death()) return &*p->death();
    return nullptr;
  }
  bool all_alive() const { return first_death() == nullptr; }
};

void check_interrupt() {
  if (const int sig = interrupt_signal()) throw Interrupted(sig);
}

// After each step: stop on Ctrl-C, or on a child that died unasked (before
// its death shows up as false violations).
void check_children(const Lifecycle& life, RunRecord& rec, std::size_t violations_before, const std::string& during) {
  check_interrupt();
  if (const auto* death = life.first_death()) {
    rec.suspect_from = violations_before;
    throw ProcessDied(*death, during);
  }
}

// A wait that Ctrl-C or a dying child cuts short.
void wait_watching(const Lifecycle& life, std::chrono::steady_clock::time_point deadline,
                   const std::atomic<bool>* stop = nullptr) {
  while (std::chrono::steady_clock::now() < deadline) {
    if (interrupt_signal() || !life.all_alive() || (stop && *stop)) return;
    const auto left = deadline - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100)));
  }
}

void print_children(const Lifecycle& life) {
  for (const auto* p : life.children())
    std::cerr << "stalemate: " << p->name() << " running (pid " << p->pid() << ", log " << p->log_path().string()
              << ")" << std::endl;
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
  life.fleet = std::make_unique<RegistryFleet>(launch, s.registry.instances);
  rec.report["registry"]["instances"] = life.fleet->describe();
  rec.report["registry"]["config"] = RegistryProcess::make_config(launch, 0);
  for (const auto& i : life.fleet->describe()) life.registry_logs.push_back(i["log"]);
  if (plan.progress) print_children(life);
}

// Executes typed steps: nothing here parses JSON. Parallel steps run their
// branches on threads, each with a client of its own; what they record goes
// through the thread-safe History or under `mu`.
struct RunState {
  RunPlan& plan;
  Lifecycle& life;
  RunRecord& rec;
  std::unique_ptr<RegistryClient> front;                // the scenario's client, through the front
  std::vector<std::unique_ptr<RegistryClient>> direct;  // one per instance, for "via"
  std::vector<std::unique_ptr<RegistryClient>> parallel;  // the clients of parallel steps, kept for the final check
  std::vector<std::pair<ClientId, std::string>> labels;   // client id -> its name in the report
  std::mutex mu;                                          // rec.errors, rec.notes, labels, stderr

  // A new client that goes where the scenario's clients go (the front).
  std::unique_ptr<RegistryClient> make_client() {
    return std::make_unique<RegistryClient>(
        life.fleet->base_urls(), rec.history,
        plan.scenario.registry.round_robin ? Routing::RoundRobin : Routing::ActivePassive);
  }

  RegistryClient& client(int via, RegistryClient& own) {
    return via < 0 ? own : *direct.at(static_cast<std::size_t>(via));
  }
  sim::Store& store() { return life.backend->store(); }

  void error(const std::string& who, const std::string& line) {
    std::lock_guard lock(mu);
    rec.errors.push_back(who.empty() ? line : who + ": " + line);
  }
  void note(const std::string& line) {
    std::lock_guard lock(mu);
    rec.notes.push_back(line);
  }

  void push(const PlannedStep& step, RegistryClient& own, const std::string& who) {
    const auto& w = plan.scenario.workload.images[step.image];
    PushOptions options = w.push;
    options.profile = step.push;
    const auto result = client(step.via, own).push(w.image, options);
    if (!result.ok)
      error(who, "push " + w.image.repository + ":" + w.image.tag + " (" + step.client + "): " + result.error);
  }

  void pull(const PlannedStep& step, RegistryClient& own, const std::string& who) {
    const auto& w = plan.scenario.workload.images[step.image];
    PullOptions options;
    options.profile = step.pull;
    options.slice_size = step.slice_size;
    options.segment_size_hint = plan.scenario.registry.chunksize;
    const auto result = client(step.via, own).pull(w.image, step.by_digest ? PullBy::Digest : PullBy::Tag, options);
    if (!result.ok && !result.error.empty())
      error(who, "pull " + w.image.repository + (step.by_digest ? "@digest" : ":" + w.image.tag) + " (" + step.client +
                     "): " + result.error);
  }

  // Every branch on its own thread and client; returns when all have ended.
  // The first exception (a registry that would not restart, an interrupt)
  // stops the other branches before their next step and is rethrown.
  void run_parallel(const PlannedStep& step) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<RegistryClient*> clients;
    for (const auto& b : step.branches) {
      parallel.push_back(make_client());
      clients.push_back(parallel.back().get());
      std::lock_guard lock(mu);
      labels.emplace_back(parallel.back()->id(), b.label);
    }
    std::vector<std::exception_ptr> failures(step.branches.size());
    std::atomic<bool> stop{false};
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 0; i < step.branches.size(); ++i) {
        threads.emplace_back([&, i] {
          const auto& branch = step.branches[i];
          try {
            for (const auto& sub : branch.steps) {
              if (sub.at_us >= 0) wait_watching(life, start + std::chrono::microseconds(sub.at_us), &stop);
              if (stop || interrupt_signal() || !life.all_alive()) return;
              if (plan.progress) {
                std::lock_guard lock(mu);
                std::cerr << "stalemate:   " << branch.label << ": " << sub.describe() << std::endl;
              }
              run(sub, *clients[i], branch.label);
            }
          } catch (...) {
            failures[i] = std::current_exception();
            stop = true;
          }
        });
      }
    }  // joined
    for (auto& f : failures)
      if (f) std::rethrow_exception(f);
  }

  // The registry's own offline GC against the store, with instance 0's config
  // (M11). Its exit status and output tail go into the report's notes; a GC
  // that fails is a finding of the scenario, not an infrastructure failure.
  void garbage_collect(const PlannedStep& step) {
    const std::string config = life.fleet->describe().at(0).at("config");
    std::vector<std::string> argv{plan.scenario.registry.binary, "garbage-collect"};
    if (step.delete_untagged) argv.push_back("--delete-untagged");
    argv.push_back(config);
    const auto r = run_bounded(argv, std::chrono::minutes(5));
    std::string tail = r.output.size() > 2000 ? r.output.substr(r.output.size() - 2000) : r.output;
    note("garbage-collect " + std::string(r.timed_out ? "timed out after 5 minutes" : r.ok() ? "exited 0" : "failed: " + describe_status(r.wait_status)) +
         "; output tail: " + tail);
  }

  void run(const PlannedStep& step, RegistryClient& own, const std::string& who) {
    switch (step.kind) {
      case Step::Kind::Push: push(step, own, who); break;
      case Step::Kind::Pull: pull(step, own, who); break;
      case Step::Kind::Parallel: run_parallel(step); break;
      case Step::Kind::Restart:
        life.fleet->restart(step.instance);
        note("restarted registry " +
             (step.instance < 0 ? std::string("instances") : "instance " + std::to_string(step.instance)) +
             " (cold descriptor cache)");
        if (plan.progress) {
          std::lock_guard lock(mu);
          print_children(life);
        }
        break;
      case Step::Kind::Wait:
        wait_watching(life, std::chrono::steady_clock::now() + std::chrono::microseconds(step.duration_us));
        break;
      case Step::Kind::Clock: store().advance_clock(step.duration_us); break;
      case Step::Kind::Heal: store().heal(); break;
      case Step::Kind::FlushCache:
        life.redis->flush_all();
        note("flushed the Redis descriptor cache");
        break;
      case Step::Kind::Quiesce: store().quiesce(); break;
      case Step::Kind::Faults: store().add_rules(step.rules); break;
      case Step::Kind::Consistency: store().patch_consistency(step.consistency); break;
      case Step::Kind::GarbageCollect: garbage_collect(step); break;
    }
    if (step.flip_byte_after) {
      const auto flipped = apply_flip_byte(*life.backend, plan.scenario.debug);
      note(flipped.empty() ? "debug flip_byte: no object under the prefix was long enough"
                           : "debug flip_byte: flipped byte " + std::to_string(plan.scenario.debug.flip_byte_offset) +
                                 " of " + flipped);
    }
  }

  // Per client: its name, and what it did (the report's "clients").
  nlohmann::json clients_json() const {
    std::map<ClientId, nlohmann::json> by_id;
    for (const auto& [id, label] : labels)
      by_id[id] = {{"id", id}, {"label", label}, {"operations", 0}, {"failed_operations", 0}, {"requests", 0}};
    for (const auto& o : rec.history.operations()) {
      auto it = by_id.find(o.client);
      if (it == by_id.end()) continue;
      it->second["operations"] = it->second["operations"].get<int>() + 1;
      if (o.outcome != OpOutcome::Ok)
        it->second["failed_operations"] = it->second["failed_operations"].get<int>() + 1;
    }
    for (const auto& r : rec.history.requests()) {
      auto it = by_id.find(r.client);
      if (it != by_id.end()) it->second["requests"] = it->second["requests"].get<int>() + 1;
    }
    nlohmann::json out = nlohmann::json::array();
    for (auto& [id, j] : by_id)
      if (j["requests"].get<int>() > 0) out.push_back(std::move(j));  // the idle "via" clients say nothing
    return out;
  }
};

void run_steps(RunState& state) {
  const auto& steps = state.plan.steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string what = "step " + std::to_string(i + 1) + "/" + std::to_string(steps.size()) + " (" +
                             steps[i].describe() + ")";
    if (state.plan.progress) std::cerr << "stalemate: " << what << std::endl;
    const auto before = violations_of(state.rec.history).size();
    state.run(steps[i], *state.front, "");
    check_children(state.life, state.rec, before, what);
  }
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
        {"pending_before_heal", pending}, {"applied", applied}, {"converged", store.converged()}};
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
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : violations) {
    nlohmann::json j = v;
    j["evidence"] = build_evidence(v, requests, sources);
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
  const auto requests = judged_requests(rec.history.requests(), violations);
  auto& report = rec.report;
  report["requests"] = requests;
  report["violations"] = violations_with_evidence(violations, requests, life);
  // A failure the store applied anyway is an unknown outcome, not a failed one.
  report["operations"] = refine_outcomes(rec.history.operations(), requests, life.backend->store().events().since(0),
                                         life.backend->store().rules_json());
  report["errors"] = rec.errors;
  report["notes"] = rec.notes;
  report["backend"]["event_log"] = (plan.out_dir / "events.jsonl").string();
  report["backend"]["rules"] = life.backend->store().rules_json();
  report["counts"] = {{"requests", requests.size()},
                      {"violations", violations.size()},
                      {"errors", rec.errors.size()},
                      {"backend_requests", life.backend->requests_served()}};
  RunOutcome outcome;
  report["expectation"] = expectation(plan.scenario, violations, rec.errors, outcome.reproduced);
  report["finished_at"] = iso8601_millis(now_micros());
  outcome.verdict = run_verdict(check, rec.errors.size(), plan.scenario.fail_on_errors);
  outcome.exit_code = outcome.verdict.verdict == reports::Verdict::Fail ? kExitViolation : kExitPass;
  report["verdict"] = reports::render_verdict_line(outcome.verdict);
  report["verdict_data"] = reports::verdict_json(outcome.verdict);
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

// Starts everything, runs the steps and the final checks, stops the children.
void run_lifecycle(RunPlan& plan, Lifecycle& life, RunRecord& rec) {
  start_processes(plan, life, rec);
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
  rec.report["registry"]["instances"] = life.fleet->describe();
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

}  // namespace

RunOutcome run_plan(RunPlan plan) {
  std::filesystem::create_directories(plan.out_dir);
  RunRecord rec;
  rec.out_dir = plan.out_dir;
  rec.report = report_header(plan);
  Lifecycle life;
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
    run_lifecycle(plan, life, rec);
  } catch (const Interrupted& e) {
    throw interrupted(e.signal);
  } catch (const InfrastructureError& e) {
    // A child killed by our own Ctrl-C handler is not an infrastructure failure.
    if (const int sig = interrupt_signal()) throw interrupted(sig);
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
  life.backend->stop();
  return verdict(plan, rec, life);
}

RunOutcome run_scenario(Scenario scenario, const RunOptions& options) {
  return run_plan(make_run_plan(std::move(scenario), options));
}

}  // namespace stalemate::harness
