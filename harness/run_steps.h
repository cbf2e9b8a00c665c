// The step executor of a run: typed steps (harness/run_plan.h) carried out by
// registry clients, the store and the processes of harness/run_context.h.
// Not part of the harness API.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/registry_client.h"
#include "harness/run_context.h"
#include "harness/run_plan.h"

namespace stalemate::harness {

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
  std::mutex mu;                                          // rec.errors, rec.notes, labels, stderr, pushed
  std::condition_variable pushed_cv;                      // a push ended (after_push pulls wait for it)
  std::set<std::size_t> pushed;                           // images whose push has ended, however it ended
  std::atomic<bool> parallel_stop{false};                 // the running parallel step is stopping

  // A new client that goes where the scenario's clients go (the front).
  // Every client goes through nginx when the scenario has a front ("via" steps use `direct`).
  std::unique_ptr<RegistryClient> make_client();

  RegistryClient& client(int via, RegistryClient& own);
  sim::Store& store() { return life.backend->store(); }

  void error(const std::string& who, const std::string& line);
  void note(const std::string& line);

  void push(const PlannedStep& step, RegistryClient& own, const std::string& who);

  // An after_push pull's wait: until some client's push of the image has
  // ended, the parallel step stops, Ctrl-C, a child dies, or the longest wait
  // a step may take.
  void await_push(std::size_t image);

  // The manifest goes; nobody expects it to read back any more.
  void delete_manifest(const PlannedStep& step, RegistryClient& own, const std::string& who);

  void pull(const PlannedStep& step, RegistryClient& own, const std::string& who);

  // The real skopeo against the registry (harness/workload/skopeo_client.h);
  // its requests are not in the history, its pulled digests are checked.
  void skopeo(const PlannedStep& step, const std::string& who);

  // Every branch on its own thread and client; returns when all have ended.
  // The first exception (a registry that would not restart, an interrupt)
  // stops the other branches before their next step and is rethrown.
  void run_parallel(const PlannedStep& step);

  void garbage_collect(const PlannedStep& step);

  void run(const PlannedStep& step, RegistryClient& own, const std::string& who);

  // Per client: its name, and what it did (the report's "clients").
  nlohmann::json clients_json() const;
};

// Runs the plan's steps in order, checking after each that no child died.
void run_steps(RunState& state);

}  // namespace stalemate::harness
