#include "sim/model/topology.h"

#include <nlohmann/json.hpp>

#include "common/json_reader.h"

namespace stalemate::sim {

namespace {

int count(const JsonReader& r, const char* key, int fallback, int lo) {
  if (!r.has(key)) return fallback;
  const auto v = r.at(key).as_uint();
  if (v < static_cast<std::uint64_t>(lo) || v > static_cast<std::uint64_t>(kMaxReplicas))
    r.at(key).fail("must be " + std::to_string(lo) + " to " + std::to_string(kMaxReplicas));
  return static_cast<int>(v);
}

std::uint64_t one_capacity(const JsonReader& r, bool rows) {
  const auto& v = r.value();
  if (v.is_string() && v.get<std::string>() == "unlimited") return kUnlimited;
  return rows ? r.as_uint() : r.as_size();
}

// A capacity for every replica of a tier: one value for all, or one each.
std::vector<std::uint64_t> tier_capacity(const JsonReader& r, int replicas, const char* tier, bool rows) {
  if (!r.value().is_array()) return std::vector<std::uint64_t>(static_cast<std::size_t>(replicas), one_capacity(r, rows));
  if (r.size() != static_cast<std::size_t>(replicas))
    r.fail("has " + std::to_string(r.size()) + " entries but there are " + std::to_string(replicas) + " " + tier);
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(one_capacity(r.at(i), rows));
  return out;
}

nlohmann::json tier_json(const std::vector<std::uint64_t>& tier) {
  nlohmann::json out = nlohmann::json::array();
  for (auto c : tier) out.push_back(c == kUnlimited ? nlohmann::json("unlimited") : nlohmann::json(c));
  return out;
}

}  // namespace

bool StoreCapacity::unlimited() const {
  for (const auto* tier : {&objects, &handoffs, &containers, &container_rows})
    for (auto c : *tier)
      if (c != kUnlimited) return false;
  return true;
}

StoreTopology parse_topology(const JsonReader& r) {
  r.expect_object({"objects", "containers", "handoffs", "capacity"});
  StoreTopology t;
  t.object_replicas = count(r, "objects", 3, 1);
  t.container_replicas = count(r, "containers", 3, 1);
  t.handoffs = count(r, "handoffs", 0, 0);
  if (r.has("capacity")) {
    auto c = r.at("capacity");
    c.expect_object({"objects", "handoffs", "containers", "container_rows"});
    if (c.has("objects")) t.capacity.objects = tier_capacity(c.at("objects"), t.object_replicas, "object replicas", false);
    if (c.has("handoffs")) {
      if (t.handoffs == 0) c.at("handoffs").fail("a handoff capacity needs \"handoffs\" > 0");
      t.capacity.handoffs = tier_capacity(c.at("handoffs"), t.handoffs, "handoffs", false);
    }
    if (c.has("containers"))
      t.capacity.containers = tier_capacity(c.at("containers"), t.container_replicas, "container replicas", false);
    if (c.has("container_rows"))
      t.capacity.container_rows = tier_capacity(c.at("container_rows"), t.container_replicas, "container replicas", true);
  }
  return t;
}

nlohmann::json topology_to_json(const StoreTopology& t) {
  nlohmann::json j = {{"objects", t.object_replicas}, {"containers", t.container_replicas}};
  if (t.handoffs > 0) j["handoffs"] = t.handoffs;
  nlohmann::json cap = nlohmann::json::object();
  if (!t.capacity.objects.empty()) cap["objects"] = tier_json(t.capacity.objects);
  if (!t.capacity.handoffs.empty()) cap["handoffs"] = tier_json(t.capacity.handoffs);
  if (!t.capacity.containers.empty()) cap["containers"] = tier_json(t.capacity.containers);
  if (!t.capacity.container_rows.empty()) cap["container_rows"] = tier_json(t.capacity.container_rows);
  if (!cap.empty()) j["capacity"] = std::move(cap);
  return j;
}

}  // namespace stalemate::sim
