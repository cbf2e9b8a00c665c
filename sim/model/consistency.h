// The knobs of eventual consistency, and phases that change them over time
// ("from 10 s to 40 s, listing lag p99 = 8 s").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/model/delay.h"
#include "sim/model/topology.h"

namespace stalemate {
class JsonReader;
}

namespace stalemate::sim {

struct ConsistencyParams {
  // Replicas that must apply a write before it is acknowledged (0: a majority).
  int write_quorum = 0;
  // When the other object replicas apply it.
  Delay replication_delay;
  // The chance that a replica outside the quorum misses the proxy's
  // concurrent write and only gets it through replication (after
  // replication_delay). 1: always (the harshest case); Swift's proxy writes
  // every replica at once, so on a healthy cluster this is small.
  double replica_lag_probability = 1.0;
  // When each container-listing replica applies the row change of a write
  // (Swift's async container updates / async pendings).
  Delay listing_delay;
  // The chance that a container replica's update is late (by listing_delay);
  // the others apply it at once. 1: every replica lags (the harshest case);
  // 1/3 with three replicas mirrors one object server down, whose container
  // replica alone misses the updates (the "degraded" Swift preset).
  double listing_lag_probability = 1.0;
  // Order object replicas are tried in for GET/HEAD: "shuffled" (seeded per
  // request, as Swift's proxy shuffles) or "fixed" (o1, o2, o3).
  bool shuffle_reads = true;
  // How many replicas a read tries before answering 404 (0: all). Fewer
  // models handoff situations where the proxy gives up early.
  int read_tries = 0;
  // Which container replica answers listings and container HEADs: -1 seeded
  // per request, else that replica (0-based).
  int listing_replica = -1;
  // Treat every object read as X-Newest (a negative control).
  bool always_newest = false;
  // Negative caching (legacy AWS S3): a read that answered 404 makes reads of
  // the same key answer 404 for this long, even once the key is written.
  Delay negative_cache;
};

// A change to some knobs: one optional per knob of ConsistencyParams (set:
// replace that knob). Phases, scenario steps and the control endpoint all
// carry patches, parsed once, and apply them to typed params.
struct ConsistencyPatch {
  std::optional<int> write_quorum;
  std::optional<Delay> replication_delay;
  std::optional<double> replica_lag_probability;
  std::optional<Delay> listing_delay;
  std::optional<double> listing_lag_probability;
  std::optional<bool> shuffle_reads;
  std::optional<int> read_tries;
  std::optional<int> listing_replica;  // 0-based; -1: seeded per request
  std::optional<bool> always_newest;
  std::optional<Delay> negative_cache;
};

// Parses an object of the keys of consistency_to_json (durations and delays as
// in delay.h); unknown keys are errors. Counts are 0..kMaxReplicas and replica
// numbers 1..kMaxReplicas; given a topology, also within it (write_quorum and
// read_tries <= object replicas, listing_replica <= container replicas).
ConsistencyPatch parse_consistency_patch(const JsonReader& r, const std::optional<StoreTopology>& topology = std::nullopt);
// The knobs of `patch` that do not fit `topology`, as "write_quorum 5 exceeds the
// 3 object replicas"; "" when it fits.
std::string consistency_topology_error(const ConsistencyPatch& patch, const StoreTopology& topology);
ConsistencyParams apply(const ConsistencyPatch& patch, ConsistencyParams base);
// Every knob of `p` as a patch (so that whole params can travel as one).
ConsistencyPatch as_patch(const ConsistencyParams& p);
nlohmann::json consistency_patch_to_json(const ConsistencyPatch& patch);

// parse_consistency_patch applied over `base`: kept for existing callers.
ConsistencyParams parse_consistency(const JsonReader& r, ConsistencyParams base = {});
nlohmann::json consistency_to_json(const ConsistencyParams& p);

// Named presets for S3-compatible stores: "strong" (AWS since December 2020),
// "legacy" (AWS before: read-after-write for new keys unless a 404 was read
// first, eventual overwrites, deletes and listings), "multisite" (Ceph RGW
// zones replicating asynchronously, requests balanced across zones).
ConsistencyParams s3_consistency_preset(const std::string& mode);
// Named presets for Swift: "healthy" (the defaults) and "degraded", calibrated
// on a real Swift 2.30 with one of three object servers down while objects were
// overwritten, then restarted (sim/README.md, "swift-degraded").
ConsistencyParams swift_consistency_preset(const std::string& mode);

struct Phase {
  std::int64_t from_us = 0;
  std::int64_t until_us = kForever;
  ConsistencyPatch set;  // applied over the base while active
};

std::vector<Phase> parse_phases(const JsonReader& r, const std::optional<StoreTopology>& topology = std::nullopt);
nlohmann::json phases_to_json(const std::vector<Phase>& phases);

}  // namespace stalemate::sim
