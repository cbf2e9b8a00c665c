// Random exploration cases (issue 11): a workload — a few images with shared
// and distinct layers of sizes around the segment/part boundaries, pushes,
// pulls, concurrent clients, restarts, deletes — and a fault schedule (lag
// distributions, read order, X-Newest, optionally targeted rules), drawn by
// rapidcheck generators so that rapidcheck can shrink workload and faults
// together. Every case becomes a scenario document that load_scenario
// accepts, so anything found is runnable by `stalemate run`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <rapidcheck.h>

namespace stalemate::campaign::explore {

// Which faults a case may carry.
enum class FaultMode {
  None,  // strongly consistent store: the control comparison
  Lag,   // lag distributions, read order, X-Newest only (the "Done when")
  Rules  // the same plus targeted rules drawn from the rule kinds
};

struct CaseOptions {
  std::string backend = "swift";  // "swift" or "s3"
  FaultMode faults = FaultMode::Lag;
  // Test hook: the store flips one stored byte after the first pushes (the
  // checker self-test of tests/data/flipped-segment-byte.json), so the loop
  // must find a blob-digest violation.
  bool flip_byte = false;
};

struct LayerCase {
  std::uint64_t size = 0;
  int seed = 0;  // equal seeds within a case = a shared layer
};

struct ImageCase {
  bool oci = false;
  bool chunked = false;            // several PATCHes with Content-Range, else one streamed PATCH
  std::uint64_t chunk_size = 0;    // chunked only
  std::vector<LayerCase> layers;
};

struct StepCase {
  enum class Kind { Push, Pull, Restart, Delete, ParallelPush, ParallelPull };
  Kind kind = Kind::Push;
  int image = 0;        // taken modulo the image count
  int other = 0;        // ParallelPush: the second image (modulo the count)
  int client = 0;       // index into the push or pull client profiles
  bool by_digest = false;
  int clients = 2;      // ParallelPull: clients at once
};

// The eventual-consistency knobs of a case (times in microseconds).
struct LagCase {
  int write_quorum = 0;  // 0: a majority
  std::int64_t replication_p50_us = 0, replication_p99_us = 0;
  double replica_lag_probability = 1.0;
  std::int64_t listing_p50_us = 0, listing_p99_us = 0;
  bool shuffled_reads = true;
  bool always_newest = false;  // X-Newest on every read
};

// One targeted rule, drawn from the rule kinds (see sim/README.md).
struct RuleCase {
  enum class Kind { Row, Obj, Route, Fail, Cut };
  Kind kind = Kind::Row;
  int replica = 2;      // 1-based
  int target = 0;       // index into the object patterns the rule matches
  int nth = 1;          // the n-th matching request
  int status = 503;     // Fail
  std::uint64_t after_bytes = 0;  // Cut
};

struct ExploreCase {
  std::string backend = "swift";
  std::vector<ImageCase> images;
  std::vector<StepCase> steps;
  std::optional<LagCase> lag;
  std::vector<RuleCase> rules;
  bool flip_byte = false;
};

// The generator of whole cases; its shrinks keep every case valid.
rc::Gen<ExploreCase> case_gen(const CaseOptions& options);

// The case as a scenario document (validated by load_scenario). `name` names
// the scenario; its repositories are named by `seed` (explore/c<seed>-i<k>), so
// cases never share one and every run of one case names the same objects.
// `salt` (0: none) gives the layers other bytes — so other digests — without
// changing anything else: runs in one reused registry get a salt each, and its
// descriptor cache cannot answer for another run's blob. The store keys its
// draws by digest ordinals ("backend": {"digest_ordinals": true}), so a salted
// run draws the same lags as the unsalted scenario run fresh.
nlohmann::json case_to_scenario(const ExploreCase& c, const std::string& name, std::uint64_t seed,
                                std::uint64_t salt = 0);

// Size of a case as a reader counts it: the workload operations (pushes,
// pulls, deletes, restarts; a parallel step counts each client) it runs.
std::size_t case_operations(const ExploreCase& c);
// "2 images, 3 layers, 4 operations, 1 rule, lag (listing p50 300ms)".
std::string describe_case(const ExploreCase& c);

}  // namespace stalemate::campaign::explore
