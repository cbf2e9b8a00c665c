#include "harness/run_steps.h"

#include <exception>
#include <iostream>
#include <map>
#include <thread>

#include "harness/child_process.h"
#include "harness/workload/skopeo_client.h"

namespace stalemate::harness {

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

}  // namespace

// A new client that goes where the scenario's clients go (the front).
// Every client goes through nginx when the scenario has a front ("via" steps use `direct`).
std::unique_ptr<RegistryClient> RunState::make_client() {
  if (life.front) return std::make_unique<RegistryClient>(life.front->base_url(), rec.history);
  return std::make_unique<RegistryClient>(
      life.fleet->base_urls(), rec.history,
      plan.scenario.registry.round_robin ? Routing::RoundRobin : Routing::ActivePassive);
}

RegistryClient& RunState::client(int via, RegistryClient& own) {
  return via < 0 ? own : *direct.at(static_cast<std::size_t>(via));
}

void RunState::error(const std::string& who, const std::string& line) {
  std::lock_guard lock(mu);
  rec.errors.push_back(who.empty() ? line : who + ": " + line);
}

void RunState::note(const std::string& line) {
  std::lock_guard lock(mu);
  rec.notes.push_back(line);
}

void RunState::push(const PlannedStep& step, RegistryClient& own, const std::string& who) {
  const auto& w = plan.scenario.workload.images[step.image];
  PushOptions options = w.push;
  options.profile = step.push;
  if (step.client == "skopeo") {
    skopeo(step, who);
  } else {
    const auto result = client(step.via, own).push(w.image, options);
    if (!result.ok)
      error(who, "push " + w.image.repository + ":" + w.image.tag + " (" + step.client + "): " + result.error);
  }
  {
    std::lock_guard lock(mu);
    pushed.insert(step.image);
  }
  pushed_cv.notify_all();
}

// An after_push pull's wait: until some client's push of the image has
// ended, the parallel step stops, Ctrl-C, a child dies, or the longest wait
// a step may take.
void RunState::await_push(std::size_t image) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(kMaxWaitUs);
  std::unique_lock lock(mu);
  while (!pushed.count(image) && !parallel_stop && !interrupt_signal() && life.all_alive() &&
         std::chrono::steady_clock::now() < deadline)
    pushed_cv.wait_for(lock, std::chrono::milliseconds(100));
}

// The manifest goes; nobody expects it to read back any more.
void RunState::delete_manifest(const PlannedStep& step, RegistryClient& own, const std::string& who) {
  const auto& image = plan.scenario.workload.images[step.image].image;
  const auto err = client(step.via, own).delete_manifest(image);
  if (!err.empty()) return error(who, "delete " + image.repository + ":" + image.tag + ": " + err);
  front->forget_manifest(image);
  for (auto& c : direct) c->forget_manifest(image);
  for (auto& c : parallel) c->forget_manifest(image);
}

void RunState::pull(const PlannedStep& step, RegistryClient& own, const std::string& who) {
  const auto& w = plan.scenario.workload.images[step.image];
  PullOptions options;
  options.profile = step.pull;
  options.slice_size = step.slice_size;
  options.segment_size_hint = plan.scenario.registry.chunksize;
  if (step.after_push) await_push(step.image);
  if (step.client == "skopeo") return skopeo(step, who);
  const auto result = client(step.via, own).pull(w.image, step.by_digest ? PullBy::Digest : PullBy::Tag, options);
  if (!result.ok && !result.error.empty())
    error(who, "pull " + w.image.repository + (step.by_digest ? "@digest" : ":" + w.image.tag) + " (" + step.client +
                   "): " + result.error);
}

// The real skopeo against the registry (harness/workload/skopeo_client.h);
// its requests are not in the history, its pulled digests are checked.
void RunState::skopeo(const PlannedStep& step, const std::string& who) {
  const auto& image = plan.scenario.workload.images[step.image].image;
  // Where the other clients go: nginx when there is a front, else the first instance.
  const auto front_url = life.front ? life.front->base_url() : life.fleet->base_urls().front();
  const auto registry = workload::registry_host_port(
      step.via < 0 ? front_url : life.fleet->base_url(static_cast<std::size_t>(step.via)));
  const auto r = step.kind == Step::Kind::Push
                     ? workload::skopeo_push(image, registry, plan.out_dir)
                     : workload::skopeo_pull(image, step.by_digest ? PullBy::Digest : PullBy::Tag, registry, plan.out_dir);
  if (!r.ok) error(who, step.describe() + ": " + r.error);
}

// Every branch on its own thread and client; returns when all have ended.
// The first exception (a registry that would not restart, an interrupt)
// stops the other branches before their next step and is rethrown.
void RunState::run_parallel(const PlannedStep& step) {
  const auto start = std::chrono::steady_clock::now();
  const auto start_wall = now_micros();
  std::vector<RegistryClient*> clients;
  for (const auto& b : step.branches) {
    parallel.push_back(make_client());
    clients.push_back(parallel.back().get());
    std::lock_guard lock(mu);
    labels.emplace_back(parallel.back()->id(), b.label);
  }
  std::vector<std::exception_ptr> failures(step.branches.size());
  std::atomic<bool>& stop = parallel_stop;
  stop = false;
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < step.branches.size(); ++i) {
      threads.emplace_back([&, i] {
        const auto& branch = step.branches[i];
        try {
          std::size_t n = 0;
          for (const auto& sub : branch.steps) {
            if (sub.at_us >= 0) wait_watching(life, start + std::chrono::microseconds(sub.at_us), &stop);
            if (stop || interrupt_signal() || !life.all_alive()) return;
            if (plan.progress) {
              std::lock_guard lock(mu);
              std::cerr << "stalemate:   " << branch.label << ": " << sub.describe() << std::endl;
            }
            const auto k = rec.step_clock.record({branch.label, n++, sub.at_us, now_micros(), start_wall});
            run(sub, *clients[i], branch.label);
            rec.step_clock.finish(k, now_micros());
          }
        } catch (...) {
          failures[i] = std::current_exception();
          stop = true;
          pushed_cv.notify_all();
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
void RunState::garbage_collect(const PlannedStep& step) {
  const std::string config = life.fleet->describe().at(0).at("config");
  std::vector<std::string> argv{plan.scenario.registry.binary, "garbage-collect"};
  if (step.delete_untagged) argv.push_back("--delete-untagged");
  argv.push_back(config);
  const auto r = run_bounded(argv, std::chrono::minutes(5));
  const std::string tail = r.output.size() > 2000 ? r.output.substr(r.output.size() - 2000) : r.output;
  note("garbage-collect " +
       std::string(r.timed_out ? "timed out after 5 minutes"
                   : r.ok()    ? "exited 0"
                               : "failed: " + describe_status(r.wait_status)) +
       "; output tail: " + tail);
}

void RunState::run(const PlannedStep& step, RegistryClient& own, const std::string& who) {
  switch (step.kind) {
    case Step::Kind::Push: push(step, own, who); break;
    case Step::Kind::Pull: pull(step, own, who); break;
    case Step::Kind::Delete: delete_manifest(step, own, who); break;
    case Step::Kind::Parallel: run_parallel(step); break;
    case Step::Kind::Restart: {
      {
        const std::lock_guard children(life.children_mu);  // no death poll reaps what restart stops
        life.fleet->restart(step.instance);
      }
      note("restarted registry " +
           (step.instance < 0 ? std::string("instances") : "instance " + std::to_string(step.instance)) +
           " (cold descriptor cache)");
      if (plan.progress) {
        std::lock_guard lock(mu);
        print_children(life);
      }
      break;
    }
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
nlohmann::json RunState::clients_json() const {
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

void run_steps(RunState& state) {
  const auto& steps = state.plan.steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string what = "step " + std::to_string(i + 1) + "/" + std::to_string(steps.size()) + " (" +
                             steps[i].describe() + ")";
    if (state.plan.progress) std::cerr << "stalemate: " << what << std::endl;
    const auto before = violations_of(state.rec.history).size();
    const auto k = state.rec.step_clock.record({"main", i, -1, now_micros(), 0});
    state.run(steps[i], *state.front, "");
    state.rec.step_clock.finish(k, now_micros());
    check_children(state.life, state.rec, before, what);
  }
}

}  // namespace stalemate::harness
