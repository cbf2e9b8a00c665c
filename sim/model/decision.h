// The model's decisions as data: each a kind and fields, written into the
// event log as {"kind": "<snake_case>", ...fields}. People read them through
// reports/decision_text.h, which renders each kind as a sentence; evidence
// selects them by kind. The model writes no prose.
#pragma once

#include <nlohmann/json.hpp>

namespace stalemate::sim {

enum class DecisionKind {
  RuleFired,         // {rule, fault, status/applied/error_in_200 (FAIL), after_bytes (CUT)}
  Write,             // {name, change, ts, replicas[], listings[]}: every replica updated now
  ReplicaHeldBack,   // same fields, some replica held back, lagging, full or corrupted; {unavailable, quorum} on 503
  WriteStoredNowhere,  // {name, change, replicas[]}: no object replica stored it
  Read,              // {name, how, route_rule?, tried?[], replica, ts?}
  StaleRead,         // read fields + {stale: true, newest_replica, newest_ts, newest_tombstone}
  ReadMissed,        // read fields (replica null) + {holder, holder_ts}: 404 while a replica holds it
  NegativeCacheHit,  // {name, replica: null, remaining_us}
  Listing,           // {prefix, marker?, replica}
  ListingGap,        // listing fields + {differences[], more}
  ContainerStats,    // {replica}
  ReplicationDeferred,  // {name, replica, ts, used, capacity, needed, retry_in_us}: the target replica is full
};

const char* decision_kind_name(DecisionKind kind);

// {"kind": "<name>"}: the start of every decision.
inline nlohmann::json decision(DecisionKind kind) { return {{"kind", decision_kind_name(kind)}}; }

}  // namespace stalemate::sim
