// How many replicas the store keeps: what replica numbers in rules and
// consistency knobs are checked against.
#pragma once

namespace stalemate::sim {

// Replica counts (object and container) are 1..kMaxReplicas.
constexpr int kMaxReplicas = 16;

struct StoreTopology {
  int object_replicas = 3;
  int container_replicas = 3;
};

}  // namespace stalemate::sim
