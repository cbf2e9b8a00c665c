#include "sim/model/consistency.h"

#include "common/json_reader.h"

namespace stalemate::sim {

namespace {
// A replica number or count in min..kMaxReplicas (checked before the cast).
int replica_count(const JsonReader& r, std::uint64_t min, const char* what) {
  const auto v = r.as_uint();
  if (v < min || v > static_cast<std::uint64_t>(kMaxReplicas)) r.fail(what);
  return static_cast<int>(v);
}

double probability(const JsonReader& r) {
  const double v = r.as_number();
  if (!(v >= 0 && v <= 1)) r.fail("a probability is between 0 and 1");
  return v;
}

std::string duration_text(std::int64_t us) { return delay_to_json(Delay::fixed(us)).get<std::string>(); }
}  // namespace

ConsistencyPatch parse_consistency_patch(const JsonReader& r, const std::optional<StoreTopology>& topology) {
  r.expect_object({"write_quorum", "replication_delay", "replica_lag_probability", "listing_delay",
                   "listing_lag_probability", "read_order", "read_tries", "listing_replica", "always_newest",
                   "negative_cache"});
  ConsistencyPatch p;
  if (r.has("write_quorum"))
    p.write_quorum = replica_count(r.at("write_quorum"), 0, "write_quorum is 1..16 replicas (0: a majority)");
  if (r.has("replication_delay")) p.replication_delay = parse_delay(r.at("replication_delay"));
  if (r.has("replica_lag_probability")) p.replica_lag_probability = probability(r.at("replica_lag_probability"));
  if (r.has("listing_delay")) p.listing_delay = parse_delay(r.at("listing_delay"));
  if (r.has("listing_lag_probability")) p.listing_lag_probability = probability(r.at("listing_lag_probability"));
  if (r.has("read_order")) p.shuffle_reads = r.at("read_order").as_enum({"shuffled", "fixed"}) == "shuffled";
  if (r.has("read_tries")) p.read_tries = replica_count(r.at("read_tries"), 0, "read_tries is 1..16 replicas (0: all)");
  if (r.has("listing_replica")) {
    const auto& v = r.at("listing_replica").value();
    if (v.is_string() && v.get<std::string>() == "shuffled")
      p.listing_replica = -1;
    else
      p.listing_replica =
          replica_count(r.at("listing_replica"), 1, "container replicas are numbered 1..16, or say \"shuffled\"") - 1;
  }
  if (r.has("always_newest")) p.always_newest = r.at("always_newest").as_bool();
  if (r.has("negative_cache")) p.negative_cache = parse_delay(r.at("negative_cache"));
  if (topology) {
    // Name the first knob that does not fit, at its own path.
    for (const char* key : {"write_quorum", "read_tries", "listing_replica"}) {
      ConsistencyPatch one;
      if (std::string(key) == "write_quorum") one.write_quorum = p.write_quorum;
      if (std::string(key) == "read_tries") one.read_tries = p.read_tries;
      if (std::string(key) == "listing_replica") one.listing_replica = p.listing_replica;
      const auto problem = consistency_topology_error(one, *topology);
      if (!problem.empty()) r.at(key).fail(problem);
    }
  }
  return p;
}

std::string consistency_topology_error(const ConsistencyPatch& p, const StoreTopology& t) {
  if (p.write_quorum && *p.write_quorum > t.object_replicas)
    return "write_quorum " + std::to_string(*p.write_quorum) + " exceeds the " + std::to_string(t.object_replicas) +
           " object replicas";
  if (p.read_tries && *p.read_tries > t.object_replicas)
    return "read_tries " + std::to_string(*p.read_tries) + " exceeds the " + std::to_string(t.object_replicas) +
           " object replicas";
  if (p.listing_replica && *p.listing_replica >= t.container_replicas)
    return "listing_replica " + std::to_string(*p.listing_replica + 1) + " is beyond the " +
           std::to_string(t.container_replicas) + " container replicas";
  return "";
}

ConsistencyParams apply(const ConsistencyPatch& patch, ConsistencyParams p) {
  if (patch.write_quorum) p.write_quorum = *patch.write_quorum;
  if (patch.replication_delay) p.replication_delay = *patch.replication_delay;
  if (patch.replica_lag_probability) p.replica_lag_probability = *patch.replica_lag_probability;
  if (patch.listing_delay) p.listing_delay = *patch.listing_delay;
  if (patch.listing_lag_probability) p.listing_lag_probability = *patch.listing_lag_probability;
  if (patch.shuffle_reads) p.shuffle_reads = *patch.shuffle_reads;
  if (patch.read_tries) p.read_tries = *patch.read_tries;
  if (patch.listing_replica) p.listing_replica = *patch.listing_replica;
  if (patch.always_newest) p.always_newest = *patch.always_newest;
  if (patch.negative_cache) p.negative_cache = *patch.negative_cache;
  return p;
}

ConsistencyPatch as_patch(const ConsistencyParams& p) {
  return {p.write_quorum,    p.replication_delay, p.replica_lag_probability, p.listing_delay,
          p.listing_lag_probability, p.shuffle_reads, p.read_tries, p.listing_replica,
          p.always_newest,   p.negative_cache};
}

ConsistencyParams parse_consistency(const JsonReader& r, ConsistencyParams base) {
  return apply(parse_consistency_patch(r), base);
}

nlohmann::json consistency_to_json(const ConsistencyParams& p) { return consistency_patch_to_json(as_patch(p)); }

nlohmann::json consistency_patch_to_json(const ConsistencyPatch& p) {
  nlohmann::json j = nlohmann::json::object();
  if (p.write_quorum) j["write_quorum"] = *p.write_quorum;
  if (p.replication_delay) j["replication_delay"] = delay_to_json(*p.replication_delay);
  if (p.replica_lag_probability) j["replica_lag_probability"] = *p.replica_lag_probability;
  if (p.listing_delay) j["listing_delay"] = delay_to_json(*p.listing_delay);
  if (p.listing_lag_probability) j["listing_lag_probability"] = *p.listing_lag_probability;
  if (p.shuffle_reads) j["read_order"] = *p.shuffle_reads ? "shuffled" : "fixed";
  if (p.read_tries) j["read_tries"] = *p.read_tries;
  if (p.listing_replica)
    j["listing_replica"] = *p.listing_replica < 0 ? nlohmann::json("shuffled") : nlohmann::json(*p.listing_replica + 1);
  if (p.always_newest) j["always_newest"] = *p.always_newest;
  if (p.negative_cache) j["negative_cache"] = delay_to_json(*p.negative_cache);
  return j;
}

ConsistencyParams s3_consistency_preset(const std::string& mode) {
  ConsistencyParams p;
  if (mode == "legacy") {
    p.replication_delay = {Delay::Kind::LogNormal, 20'000, 1'000'000};  // overwrites and deletes
    p.listing_delay = {Delay::Kind::LogNormal, 50'000, 2'000'000};      // every LIST, uploads and parts too
    p.negative_cache = {Delay::Kind::LogNormal, 500'000, 3'000'000};
  } else if (mode == "multisite") {
    p.write_quorum = 1;  // the local zone acknowledges
    p.replication_delay = {Delay::Kind::LogNormal, 200'000, 5'000'000};
    p.listing_delay = {Delay::Kind::LogNormal, 200'000, 5'000'000};
  }
  return p;  // "strong": no lag at all
}

ConsistencyParams swift_consistency_preset(const std::string& mode) {
  ConsistencyParams p;
  if (mode == "degraded") {
    // One of three object servers down during the writes, then back (measured
    // on a real Swift 2.30 AIO, sim/README.md): every write misses that one
    // replica, which the object replicator repairs within its 30 s interval
    // (measured: 12.8 s after the restart); reads are shuffled, so about one
    // in three meets the stale copy meanwhile (measured 32 % in the first 5 s).
    p.write_quorum = 2;
    p.replica_lag_probability = 1.0;
    p.replication_delay = {Delay::Kind::Uniform, 0, 30'000'000};
    // The dead server's container replica alone misses the rows until the
    // container replicator syncs it (measured 26-70 s; one listing in three stale).
    p.listing_lag_probability = 1.0 / 3.0;
    p.listing_delay = {Delay::Kind::Uniform, 26'000'000, 70'000'000};
  }
  return p;  // "healthy": the defaults
}

std::vector<Phase> parse_phases(const JsonReader& r, const std::optional<StoreTopology>& topology) {
  std::vector<Phase> phases;
  for (std::size_t i = 0; i < r.size(); ++i) {
    auto item = r.at(i);
    item.expect_object({"from", "until", "set"});
    Phase ph;
    ph.from_us = item.get_duration_us("from", 0);
    ph.until_us = item.has("until") ? item.at("until").as_duration_us() : kForever;
    if (ph.until_us < ph.from_us) item.at("until").fail("until is before from");
    ph.set = parse_consistency_patch(item.at("set"), topology);
    phases.push_back(std::move(ph));
  }
  return phases;
}

nlohmann::json phases_to_json(const std::vector<Phase>& phases) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& ph : phases) {
    nlohmann::json j = {{"from", duration_text(ph.from_us)}, {"set", consistency_patch_to_json(ph.set)}};
    if (ph.until_us != kForever) j["until"] = duration_text(ph.until_us);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace stalemate::sim
