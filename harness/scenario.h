// A scenario file: which fake backend, which registry, what workload, which
// seed, and what to check. Parsed strictly (see json_reader.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/registry_client.h"
#include "sim/model/store.h"
#include "sim/swift/swift_frontend.h"

namespace stalemate::harness {

struct BackendSpec {
  std::string type = "swift";  // "swift" (S3 comes later)
  sim::ModelConfig model;      // topology, consistency knobs, phases, fault rules; seed = the scenario's
  sim::SwiftConfig swift;
  std::string container = "registry";  // the registry's storage container
};

struct RegistrySpec {
  std::string binary = "/usr/bin/docker-registry";
  std::uint64_t chunksize = 20ull << 20;  // storage.swift.chunksize (driver minimum 1 MiB)
  bool redirect = false;                  // storage.redirect.disable = !redirect
  nlohmann::json config = nlohmann::json::object();  // merge patch onto the generated config
};

struct ImageWorkload {
  ImageSpec image;
  PushOptions push;
};

struct WorkloadSpec {
  std::vector<ImageWorkload> images;
  bool pull_by_tag = true;
  bool pull_by_digest = true;
  bool verify_acknowledged = true;  // re-read every 201'd blob and manifest at the end
  // After the workload: heal the store (rules off, lag off, pending applied),
  // check that it converged, and re-verify what was acknowledged.
  bool converge_check = true;
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
  bool fail_on_errors = true;  // a failed push/pull (non-2xx) also fails the run
  nlohmann::json source;       // the file as read
};

// Throws InputError naming the file and the JSON path of the bad field.
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const nlohmann::json& json, const std::string& file);

}  // namespace stalemate::harness
