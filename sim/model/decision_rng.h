// Replayable randomness. Every random decision of the model is a pure
// function of the scenario seed and the identity of what is being decided
// (e.g. "read-order", "PUT c/o#3", replica 2) — never of thread timing — so
// the same seed and request sequence give the same decisions (as in
// FoundationDB's simulator).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace stalemate::sim {

// The purposes of the model's random choices. Named once, so that a typo
// cannot silently change (or merge) a stream of decisions.
namespace purpose {
inline constexpr std::string_view kWriteOrder = "write-order";        // order object replicas are written in
inline constexpr std::string_view kObjectHold = "object-hold";        // an OBJ rule's hold delay
inline constexpr std::string_view kReplicaLags = "replica-lags";      // whether a replica misses the write
inline constexpr std::string_view kReplication = "replication";       // its replication delay
inline constexpr std::string_view kRowHold = "row-hold";              // a ROW rule's hold delay
inline constexpr std::string_view kListingLags = "listing-lags";     // whether a listing replica's update is late
inline constexpr std::string_view kListing = "listing";               // a listing replica's update delay
inline constexpr std::string_view kReadOrder = "read-order";          // order object replicas are read in
inline constexpr std::string_view kNegativeCache = "negative-cache";  // how long a 404 stays cached
inline constexpr std::string_view kListingReplica = "listing-replica";  // which replica answers a listing
inline constexpr std::string_view kContainerHead = "container-head";    // which replica answers a container HEAD
inline constexpr std::string_view kHandoffOrder = "handoff-order";      // the ring's handoff order for a name
}  // namespace purpose

class DecisionRng {
 public:
  explicit DecisionRng(std::uint64_t seed = 1) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }

  // A 64-bit value for (purpose, identity, index).
  std::uint64_t bits(std::string_view purpose, std::string_view identity, std::uint64_t index = 0) const;
  // Uniform in [0, 1).
  double uniform(std::string_view purpose, std::string_view identity, std::uint64_t index = 0) const;
  // A permutation of 0..n-1.
  std::vector<int> permutation(int n, std::string_view purpose, std::string_view identity, std::uint64_t index = 0) const;

 private:
  std::uint64_t seed_;
};

}  // namespace stalemate::sim
