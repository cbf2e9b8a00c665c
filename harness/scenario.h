// A scenario file: which fake backend, which registry, what workload, which
// seed, and what to check. Parsed strictly (see json_reader.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"

#include "harness/front/front_spec.h"
#include "harness/registry_client.h"
#include "sim/model/store.h"
#include "sim/s3/s3_frontend.h"
#include "sim/swift/swift_frontend.h"

namespace stalemate::harness {

// Range limits on what a scenario may ask for: beyond them a run would spin
// for days or exhaust memory, so they are bad input (exit 2).
inline constexpr std::uint64_t kGiB = 1ull << 30;
inline constexpr std::uint64_t kMaxLayerSize = 64 * kGiB;       // one layer
inline constexpr std::uint64_t kMaxWorkloadBytes = 256 * kGiB;  // all layers of all images
inline constexpr std::uint64_t kMaxChunkSize = 5 * kGiB;        // registry chunksize, push chunks, pull slices
inline constexpr std::int64_t kMaxWaitUs = 600'000'000;         // a wait step: 10 minutes
inline constexpr std::int64_t kMaxClockAdvanceUs = kMaxDurationUs;  // a clock step: a year (any duration's limit)
inline constexpr std::size_t kMaxImages = 1000;
inline constexpr std::size_t kMaxLayersPerImage = 1000;
inline constexpr std::size_t kMaxSteps = 100'000;
inline constexpr std::size_t kMaxParallelClients = 256;  // a thread and a connection each

struct BackendSpec {
  std::string type = "swift";  // "swift" or "s3": which front-end serves the store
  sim::ModelConfig model;      // topology, consistency knobs, phases, fault rules; seed = the scenario's
  nlohmann::json faults_source = nlohmann::json::array();  // rules as written (placeholders unresolved)
  sim::SwiftConfig swift;
  sim::S3Config s3;
  std::string container = "registry";  // the registry's storage container (S3: its bucket)
  // Request-body bytes the fake holds in flight across all connections before
  // answering 503 (S3: SlowDown); 0 = a quarter of physical memory.
  std::uint64_t body_budget = 0;
  // stalemate_bench --ceiling only (no scenario key): the fake skips its
  // per-byte digests; see sim::HttpServerOptions::unhashed_large_bodies.
  bool unhashed_large_bodies = false;
};

struct RegistrySpec {
  std::string binary = "/usr/bin/docker-registry";
  int instances = 1;             // registry processes sharing the store
  bool round_robin = true;       // front: round-robin over the instances, else active/passive
  std::string cache = "inmemory";  // blob descriptor cache: "inmemory" or "redis" (a redis-server the harness runs)
  std::uint64_t chunksize = 20ull << 20;  // storage.swift.chunksize (driver minimum 1 MiB)
  bool redirect = false;                  // storage.redirect.disable = !redirect
  nlohmann::json config = nlohmann::json::object();  // merge patch onto the generated config
  // Restart the registry until its upload purger's random first delay is at
  // most this many minutes (-1: take what it draws). See registry_process.h.
  int max_purge_delay_minutes = -1;
};

struct ImageWorkload {
  ImageSpec image;
  PushOptions push;
};

struct StepBranch;

// One action of a scripted workload. Without "steps" a scenario pushes every
// image, then pulls each by tag and by digest.
struct Step {
  enum class Kind {
    Push, Pull, Restart, Wait, Heal, Quiesce, Faults, Consistency, Clock, FlushCache, Parallel, Delete,
    GarbageCollect  // the registry's own `garbage-collect` command with the run's config (M11)
  };
  Kind kind = Kind::Push;
  std::string where;             // JSON pointer of the step, for messages
  std::size_t image = 0;         // Push, Pull, Delete (its manifest, by digest)
  std::string client;            // Push: single|dockerd|buildkit; Pull: plain|docker|containerd|slices
  bool by_digest = false;        // Pull
  // Pull inside a parallel step: first wait until some client has pushed the image.
  bool after_push = false;
  std::uint64_t slice_size = 1u << 20;  // Pull with slices
  int via = -1;                  // Push/Pull through this registry instance only (-1: the front)
  int instance = -1;             // Restart: this instance (-1: all)
  std::int64_t duration_us = 0;  // Wait, Clock
  bool delete_untagged = false;  // GarbageCollect: --delete-untagged
  nlohmann::json json;           // Faults: rule list (placeholders resolved when run); Consistency: patch
  // Inside a parallel step: start no earlier than this offset from the
  // parallel step's start (-1: as soon as the branch gets there).
  std::int64_t at_us = -1;
  std::vector<StepBranch> branches;  // Parallel: started together, one client each
};

// What one client of a parallel step runs, in order.
struct StepBranch {
  std::string label;  // "step 3 client 2", or the branch's "name"
  std::vector<Step> steps;
};

struct WorkloadSpec {
  std::vector<ImageWorkload> images;
  std::vector<Step> steps;  // empty: push all, then pull all (pull_by_*)
  bool pull_by_tag = true;
  bool pull_by_digest = true;
  bool verify_acknowledged = true;  // re-read every 201'd blob and manifest at the end
  // After the workload: heal the store (rules off, lag off, pending applied),
  // check that it converged, and re-verify what was acknowledged.
  bool converge_check = true;
  nlohmann::json replay;  // a trace or generator workload: what was compiled (null for scripted steps)
};

// Test-only store manipulation between the push and the pull phase; it exists
// to prove that the checker can fail.
struct DebugSpec {
  std::optional<std::string> flip_byte_prefix;  // flip one byte of the first object under this prefix
  std::uint64_t flip_byte_offset = 0;
};

struct Scenario {
  std::string file;  // where it was read from
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  BackendSpec backend;
  RegistrySpec registry;
  WorkloadSpec workload;
  DebugSpec debug;
  // nginx between the clients and the registry instances (none: clients talk
  // to the registry directly). "via" steps still go direct.
  std::optional<front::FrontSpec> front;
  // The front of a --control run: `front` with its "control" merge patch
  // applied (e.g. a spool large enough), so a front incident has a control too.
  std::optional<front::FrontSpec> front_control;
  bool fail_on_errors = true;  // a failed push/pull (non-2xx) also fails the run
  // What the stock registry is known to break here (reproductions): the
  // invariants expected among the violations, and whether failed operations
  // are expected. Reported next to what was seen.
  std::vector<std::string> expect_violations;
  bool expect_errors = false;
  std::string expect_error_text;               // in the first failed operation's error ("" = any)
  std::vector<std::string> expect_operations;  // request operations the history must contain (e.g. "push-retry")
  std::string kind = "check";  // "check", "targeted", "stochastic", "calibration", "long" (the suite groups by it; "long" only with --include-long)
  nlohmann::json source;       // the file as read
};

// Calls f on every step, those inside parallel steps too (after their parallel step).
template <typename F>
void for_each_step(const std::vector<Step>& steps, const F& f) {
  for (const auto& st : steps) {
    f(st);
    for (const auto& b : st.branches) for_each_step(b.steps, f);
  }
}

// Replaces {{layer:I:J}} (hex digest of image I's layer J), {{config:I}} (hex
// digest of image I's config blob), {{layer-path:I:J}} (the blob's object
// name under the swift driver) and {{layer-key:I:J}} (its key under the s3
// driver) in every string of `json`.
nlohmann::json resolve_placeholders(const nlohmann::json& json, const std::vector<ImageWorkload>& images);

// Throws InputError naming the file and the JSON path of the bad field.
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const nlohmann::json& json, const std::string& file);

}  // namespace stalemate::harness
