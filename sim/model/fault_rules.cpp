#include "sim/model/fault_rules.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "common/json_reader.h"

namespace stalemate::sim {

bool RuleMatch::matches(const RequestInfo& r) const {
  if (!methods.empty() && std::find(methods.begin(), methods.end(), r.method) == methods.end()) return false;
  if (!container.empty() && container != r.container) return false;
  if (!object.empty() && object != r.object) return false;
  if (!object_prefix.empty() && r.object.compare(0, object_prefix.size(), object_prefix) != 0) return false;
  if (object_regex && (r.object.empty() || !RE2::PartialMatch(r.object, *object_regex))) return false;
  if (listing_prefix) {
    if (!r.is_listing) return false;
    if (r.listing_prefix.compare(0, listing_prefix->size(), *listing_prefix) != 0) return false;
  }
  return true;
}

const char* fault_kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::Row: return "ROW";
    case FaultKind::Obj: return "OBJ";
    case FaultKind::Route: return "ROUTE";
    case FaultKind::Fail: return "FAIL";
    case FaultKind::Cut: return "CUT";
    case FaultKind::Expire: return "EXPIRE";
    case FaultKind::Full: return "FULL";
    case FaultKind::Bitrot: return "BITROT";
  }
  return "?";
}

namespace {

RuleMatch parse_match(const JsonReader& r) {
  r.expect_object({"method", "container", "object", "object_prefix", "object_regex", "listing_prefix", "nth", "from",
                   "until", "times"});
  RuleMatch m;
  if (r.has("method")) {
    auto v = r.at("method");
    if (v.value().is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) m.methods.push_back(v.at(i).as_string());
    } else {
      m.methods.push_back(v.as_string());
    }
  }
  m.container = r.get_string("container", "");
  m.object = r.get_string("object", "");
  m.object_prefix = r.get_string("object_prefix", "");
  if (r.has("object_regex")) {
    m.object_regex_text = r.at("object_regex").as_string();
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const RE2>(m.object_regex_text, options);
    if (!re->ok()) r.at("object_regex").fail("invalid regular expression (RE2 syntax): " + re->error());
    m.object_regex = std::move(re);
  }
  if (r.has("listing_prefix")) m.listing_prefix = r.at("listing_prefix").as_string();
  m.nth = r.get_uint("nth", 0);
  m.from_us = r.get_duration_us("from", 0);
  m.until_us = r.has("until") ? r.at("until").as_duration_us() : kForever;
  if (m.until_us < m.from_us) r.at("until").fail("until is before from");
  m.times = r.get_uint("times", 0);
  return m;
}

// Which replicas a rule's replica numbers name: c1..cN (listing) or o1..oN.
struct ReplicaSet {
  bool listing = false;
  int count = kMaxReplicas;
};

std::string beyond_text(int replica, ReplicaSet set) {
  return "replica " + std::string(set.listing ? "c" : "o") + std::to_string(replica + 1) + " is beyond the " +
         std::to_string(set.count) + (set.listing ? " container replicas" : " object replicas");
}

int parse_replica(const JsonReader& r, ReplicaSet set) {
  const auto v = r.as_uint();
  if (v < 1 || v > static_cast<std::uint64_t>(kMaxReplicas)) r.fail("replica numbers start at 1 (c1..cN, o1..oN)");
  if (static_cast<int>(v) > set.count) r.fail(beyond_text(static_cast<int>(v) - 1, set));
  return static_cast<int>(v) - 1;
}

std::vector<int> parse_replicas(const JsonReader& r, ReplicaSet set) {
  std::vector<int> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(parse_replica(r.at(i), set));
  if (out.empty()) r.fail("name at least one replica");
  return out;
}

// The replicas `rule` names, and the JSON key naming them.
std::pair<ReplicaSet, const char*> replica_set_of(const FaultRule& rule, const StoreTopology& t) {
  const ReplicaSet objects{false, t.object_replicas}, listings{true, t.container_replicas};
  switch (rule.kind) {
    case FaultKind::Row: return {listings, "replicas"};
    case FaultKind::Obj:
    case FaultKind::Bitrot: return {objects, "replicas"};
    case FaultKind::Full: return {rule.tier == "container" ? listings : objects, "replicas"};
    case FaultKind::Route: return {rule.target == "listing" ? listings : objects, "order"};
    default: return {objects, ""};
  }
}

}  // namespace

std::string fault_rule_topology_error(const FaultRule& rule, const StoreTopology& topology) {
  const auto [set, key] = replica_set_of(rule, topology);
  for (int i : rule.kind == FaultKind::Route ? rule.order : rule.replicas)
    if (i < 0 || i >= set.count) return std::string(key) + ": " + beyond_text(i, set);
  return "";
}

FaultRule parse_fault_rule(const JsonReader& r, std::size_t index, const StoreTopology& topology) {
  FaultRule rule;
  const auto kind = r.at("kind").as_enum({"ROW", "OBJ", "ROUTE", "FAIL", "CUT", "EXPIRE", "FULL", "BITROT"});
  rule.id = r.has("id") ? r.at("id").as_string() : "rule-" + std::to_string(index + 1);
  if (r.has("match")) rule.match = parse_match(r.at("match"));
  const ReplicaSet objects{false, topology.object_replicas}, listings{true, topology.container_replicas};
  if (kind == "ROW" || kind == "OBJ") {
    rule.kind = kind == "ROW" ? FaultKind::Row : FaultKind::Obj;
    r.expect_object({"id", "kind", "match", "replicas", "change", "hold"});
    rule.replicas = parse_replicas(r.at("replicas"), kind == "ROW" ? listings : objects);
    rule.change = kind == "ROW" ? (r.has("change") ? r.at("change").as_enum({"insert", "delete", "any"}) : "any")
                                : (r.has("change") ? r.at("change").as_enum({"put", "delete", "post", "any"}) : "any");
    if (r.has("hold")) rule.hold = parse_delay(r.at("hold"));
  } else if (kind == "ROUTE") {
    rule.kind = FaultKind::Route;
    r.expect_object({"id", "kind", "match", "target", "replica", "order"});
    rule.target = r.at("target").as_enum({"listing", "object"});
    const ReplicaSet set = rule.target == "listing" ? listings : objects;
    if (r.has("replica")) rule.order = {parse_replica(r.at("replica"), set)};
    if (r.has("order")) rule.order = parse_replicas(r.at("order"), set);
    if (rule.order.empty()) r.fail("ROUTE needs \"replica\" (listing) or \"order\" (object)");
  } else if (kind == "FAIL") {
    rule.kind = FaultKind::Fail;
    r.expect_object({"id", "kind", "match", "status", "applied", "error_in_200"});
    const auto status = r.get_uint("status", 503);
    if (status < 400 || status > 599) r.at("status").fail("a failure status is 400..599");
    rule.status = static_cast<int>(status);
    rule.applied = r.get_bool("applied", false);
    rule.error_in_200 = r.get_bool("error_in_200", false);
  } else if (kind == "CUT") {
    rule.kind = FaultKind::Cut;
    r.expect_object({"id", "kind", "match", "after_bytes"});
    rule.after_bytes = r.at("after_bytes").as_size();
  } else if (kind == "EXPIRE") {
    rule.kind = FaultKind::Expire;
    r.expect_object({"id", "kind", "match"});
  } else if (kind == "FULL") {
    rule.kind = FaultKind::Full;
    r.expect_object({"id", "kind", "match", "replicas", "tier"});
    rule.tier = r.has("tier") ? r.at("tier").as_enum({"object", "container"}) : "object";
    rule.replicas = parse_replicas(r.at("replicas"), rule.tier == "container" ? listings : objects);
  } else {
    rule.kind = FaultKind::Bitrot;
    r.expect_object({"id", "kind", "match", "replicas", "offset"});
    rule.replicas = parse_replicas(r.at("replicas"), objects);
    rule.offset = r.get_uint("offset", 0);
  }
  return rule;
}

std::vector<FaultRule> parse_fault_rules(const JsonReader& r, const StoreTopology& topology) {
  std::vector<FaultRule> rules;
  for (std::size_t i = 0; i < r.size(); ++i) rules.push_back(parse_fault_rule(r.at(i), i, topology));
  return rules;
}

nlohmann::json fault_rule_to_json(const FaultRule& rule) {
  nlohmann::json j = {{"id", rule.id}, {"kind", fault_kind_name(rule.kind)}, {"enabled", rule.enabled},
                      {"seen", rule.seen},  {"fired", rule.fired}};
  nlohmann::json m = nlohmann::json::object();
  if (!rule.match.methods.empty()) m["method"] = rule.match.methods;
  if (!rule.match.container.empty()) m["container"] = rule.match.container;
  if (!rule.match.object.empty()) m["object"] = rule.match.object;
  if (!rule.match.object_prefix.empty()) m["object_prefix"] = rule.match.object_prefix;
  if (rule.match.object_regex) m["object_regex"] = rule.match.object_regex_text;
  if (rule.match.listing_prefix) m["listing_prefix"] = *rule.match.listing_prefix;
  if (rule.match.nth) m["nth"] = rule.match.nth;
  if (rule.match.times) m["times"] = rule.match.times;
  if (rule.match.from_us) m["from_us"] = rule.match.from_us;
  if (rule.match.until_us != kForever) m["until_us"] = rule.match.until_us;
  j["match"] = m;
  auto one_based = [](const std::vector<int>& v) {
    std::vector<int> out;
    for (int x : v) out.push_back(x + 1);
    return out;
  };
  switch (rule.kind) {
    case FaultKind::Row:
    case FaultKind::Obj:
      j["replicas"] = one_based(rule.replicas);
      j["change"] = rule.change;
      j["hold"] = delay_to_json(rule.hold);
      break;
    case FaultKind::Route:
      j["target"] = rule.target;
      j["order"] = one_based(rule.order);
      break;
    case FaultKind::Fail:
      j["status"] = rule.status;
      j["applied"] = rule.applied;
      if (rule.error_in_200) j["error_in_200"] = true;
      break;
    case FaultKind::Cut: j["after_bytes"] = rule.after_bytes; break;
    case FaultKind::Expire: break;
    case FaultKind::Full:
      j["replicas"] = one_based(rule.replicas);
      j["tier"] = rule.tier;
      break;
    case FaultKind::Bitrot:
      j["replicas"] = one_based(rule.replicas);
      j["offset"] = rule.offset;
      break;
  }
  return j;
}

}  // namespace stalemate::sim
