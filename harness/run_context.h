// Internals of a run shared by the runner (harness/runner.cpp: start, final
// checks, verdict) and the step executor (harness/run_steps.cpp): what the
// run has seen so far and the processes it runs. Not part of the harness API.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "harness/checkers.h"
#include "harness/child_reaper.h"
#include "harness/fake_backend.h"
#include "harness/front/front.h"
#include "harness/history.h"
#include "harness/redis_process.h"
#include "harness/registry_fleet.h"
#include "harness/workload/replay_timing.h"
#include "reports/run_report.h"
#include "reports/verdict.h"

namespace stalemate::harness {

// A child that ended while nobody had asked it to.
struct ProcessDied : InfrastructureError {
  ProcessDied(ProcessDeath d, const std::string& during)
      : InfrastructureError(d.describe_short() + " during " + during + "; last log lines (" + d.log.string() + "):\n" +
                            d.log_tail),
        death(std::move(d)) {}
  ProcessDeath death;
};

// What the run has seen so far, and the report it becomes.
struct RunRecord {
  std::filesystem::path out_dir;
  nlohmann::json report;
  nlohmann::json errors = nlohmann::json::array();
  nlohmann::json notes = nlohmann::json::array();
  History history;
  workload::StepClock step_clock;  // when each step started (replay fidelity, --record)
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
    report["outcome"] = reports::outcome_name(reports::outcome_of(verdict));
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
  std::unique_ptr<front::Front> front;  // nginx before the fleet; destroyed (unmounted) on every path
  std::int64_t store_wall_start_us = 0;
  std::vector<std::string> registry_logs;

  std::vector<ManagedProcess*> children() const {
    std::vector<ManagedProcess*> out;
    if (redis) out.push_back(redis.get());
    if (fleet)
      for (auto* p : fleet->processes()) out.push_back(p);
    if (front) out.push_back(&front->nginx());
    return out;
  }
  // Parallel branches poll for deaths while another branch may restart a
  // registry: a poll during a restart (or during another poll) skips, so it
  // never reaps a child that restart is stopping and calls it a death.
  mutable std::mutex children_mu;

  const ProcessDeath* first_death() const {
    std::unique_lock lock(children_mu, std::try_to_lock);
    if (!lock.owns_lock()) return nullptr;  // the next poll looks again
    for (auto* p : children())
      if (!p->alive() && p->death()) return &*p->death();
    return nullptr;
  }
  bool all_alive() const { return first_death() == nullptr; }
};


void check_interrupt();
// After each step: stop on Ctrl-C, or on a child that died unasked (before
// its death shows up as false violations).
void check_children(const Lifecycle& life, RunRecord& rec, std::size_t violations_before, const std::string& during);
// A wait that Ctrl-C, a dying child or `stop` cuts short.
void wait_watching(const Lifecycle& life, std::chrono::steady_clock::time_point deadline,
                   const std::atomic<bool>* stop = nullptr);
void print_children(const Lifecycle& life);

}  // namespace stalemate::harness
