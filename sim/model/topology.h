// How many replicas the store keeps, and how much each can hold: what replica
// numbers in rules and consistency knobs are checked against, and what a
// write must fit into (mechanisms.md A6, M12).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stalemate {
class JsonReader;
}

namespace stalemate::sim {

// Replica counts (object and container) are 1..kMaxReplicas.
constexpr int kMaxReplicas = 16;
// A capacity that is never reached.
constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

// Per-replica capacities; an empty vector means unlimited for every replica of
// that tier, otherwise it has one entry per replica (kUnlimited allowed).
struct StoreCapacity {
  std::vector<std::uint64_t> objects;         // bytes per object replica (o1..oN)
  std::vector<std::uint64_t> handoffs;        // bytes per handoff node (h1..hK)
  std::vector<std::uint64_t> containers;      // bytes per container replica (c1..cM), rows cost kRowBytes + name
  std::vector<std::uint64_t> container_rows;  // rows per container replica

  bool unlimited() const;
};

struct StoreTopology {
  int object_replicas = 3;
  int container_replicas = 3;
  // Handoff nodes the proxy writes to when a primary object replica answers
  // 507 (Swift's ring yields them after the primaries). 0: none, so a full
  // primary is simply a failed write.
  int handoffs = 0;
  StoreCapacity capacity;
};

// One row of a container database costs this much plus its name's length
// (an approximation of a SQLite row with its indexes).
constexpr std::uint64_t kRowBytes = 100;

// Parses {"objects", "containers", "handoffs", "capacity": {"objects",
// "handoffs", "containers", "container_rows"}}: each capacity is a size
// ("64MiB"), "unlimited", or an array with one of those per replica, whose
// length must match the replica count (errors name the JSON pointer).
StoreTopology parse_topology(const JsonReader& r);
nlohmann::json topology_to_json(const StoreTopology& t);

// The capacity of replica `i` of a tier (kUnlimited when not set).
inline std::uint64_t capacity_of(const std::vector<std::uint64_t>& tier, int i) {
  return tier.empty() ? kUnlimited : tier[static_cast<std::size_t>(i)];
}

}  // namespace stalemate::sim
