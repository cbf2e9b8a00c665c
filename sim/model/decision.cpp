#include "sim/model/decision.h"

namespace stalemate::sim {

const char* decision_kind_name(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::RuleFired: return "rule_fired";
    case DecisionKind::Write: return "write";
    case DecisionKind::ReplicaHeldBack: return "replica_held_back";
    case DecisionKind::WriteStoredNowhere: return "write_stored_nowhere";
    case DecisionKind::Read: return "read";
    case DecisionKind::StaleRead: return "stale_read";
    case DecisionKind::ReadMissed: return "read_missed";
    case DecisionKind::NegativeCacheHit: return "negative_cache_hit";
    case DecisionKind::Listing: return "listing";
    case DecisionKind::ListingGap: return "listing_gap";
    case DecisionKind::ContainerStats: return "container_stats";
    case DecisionKind::ReplicationDeferred: return "replication_deferred";
  }
  return "?";
}

}  // namespace stalemate::sim
