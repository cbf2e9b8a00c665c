#include "sim/model/consistency.h"

#include "common/json_reader.h"

namespace stalemate::sim {

ConsistencyParams parse_consistency(const JsonReader& r, ConsistencyParams p) {
  r.expect_object({"write_quorum", "replication_delay", "replica_lag_probability", "listing_delay", "read_order", "read_tries", "listing_replica",
                   "always_newest", "negative_cache"});
  if (r.has("write_quorum")) p.write_quorum = static_cast<int>(r.at("write_quorum").as_uint());
  if (r.has("replication_delay")) p.replication_delay = parse_delay(r.at("replication_delay"));
  if (r.has("replica_lag_probability")) {
    p.replica_lag_probability = r.at("replica_lag_probability").as_number();
    if (p.replica_lag_probability < 0 || p.replica_lag_probability > 1)
      r.at("replica_lag_probability").fail("a probability is between 0 and 1");
  }
  if (r.has("listing_delay")) p.listing_delay = parse_delay(r.at("listing_delay"));
  if (r.has("read_order")) p.shuffle_reads = r.at("read_order").as_enum({"shuffled", "fixed"}) == "shuffled";
  if (r.has("read_tries")) p.read_tries = static_cast<int>(r.at("read_tries").as_uint());
  if (r.has("listing_replica")) {
    const auto& v = r.at("listing_replica").value();
    if (v.is_string() && v.get<std::string>() == "shuffled") {
      p.listing_replica = -1;
    } else {
      const auto n = r.at("listing_replica").as_uint();
      if (n < 1) r.at("listing_replica").fail("container replicas are numbered from 1, or say \"shuffled\"");
      p.listing_replica = static_cast<int>(n) - 1;
    }
  }
  if (r.has("always_newest")) p.always_newest = r.at("always_newest").as_bool();
  if (r.has("negative_cache")) p.negative_cache = parse_delay(r.at("negative_cache"));
  return p;
}

nlohmann::json consistency_to_json(const ConsistencyParams& p) {
  return {{"write_quorum", p.write_quorum},
          {"replication_delay", delay_to_json(p.replication_delay)},
          {"replica_lag_probability", p.replica_lag_probability},
          {"listing_delay", delay_to_json(p.listing_delay)},
          {"read_order", p.shuffle_reads ? "shuffled" : "fixed"},
          {"read_tries", p.read_tries},
          {"listing_replica", p.listing_replica < 0 ? nlohmann::json("shuffled") : nlohmann::json(p.listing_replica + 1)},
          {"always_newest", p.always_newest},
          {"negative_cache", delay_to_json(p.negative_cache)}};
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

std::vector<Phase> parse_phases(const JsonReader& r) {
  std::vector<Phase> phases;
  for (std::size_t i = 0; i < r.size(); ++i) {
    auto item = r.at(i);
    item.expect_object({"from", "until", "set"});
    Phase ph;
    ph.from_us = item.get_duration_us("from", 0);
    ph.until_us = item.has("until") ? item.at("until").as_duration_us() : kForever;
    if (ph.until_us < ph.from_us) item.at("until").fail("until is before from");
    parse_consistency(item.at("set"));  // validate now, so errors name the scenario path
    ph.set = item.at("set").value();
    phases.push_back(std::move(ph));
  }
  return phases;
}

}  // namespace stalemate::sim
