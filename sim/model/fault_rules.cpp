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
    if (listing_exact ? r.listing_prefix != *listing_prefix
                      : r.listing_prefix.compare(0, listing_prefix->size(), *listing_prefix) != 0)
      return false;
  }
  return true;
}

namespace {

RuleMatch parse_match(const JsonReader& r) {
  r.expect_object({"method", "container", "object", "object_prefix", "object_regex", "listing_prefix", "listing_exact",
                   "nth", "from", "until", "times"});
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
  m.listing_exact = r.get_bool("listing_exact", false);
  if (m.listing_exact && !m.listing_prefix) r.at("listing_exact").fail("listing_exact needs a listing_prefix");
  m.nth = r.get_uint("nth", 0);
  m.from_us = r.get_duration_us("from", 0);
  m.until_us = r.has("until") ? r.at("until").as_duration_us() : kForever;
  if (m.until_us < m.from_us) r.at("until").fail("until is before from");
  m.times = r.get_uint("times", 0);
  return m;
}

}  // namespace

std::string fault_rule_topology_error(const FaultRule& rule, const StoreTopology& topology) {
  const auto [replicas, listing] = named_replicas(rule.effect);
  const int count = listing ? topology.container_replicas : topology.object_replicas;
  const char* key = rule.kind() == FaultKind::Route ? "order" : "replicas";
  for (int i : replicas)
    if (i < 0 || i >= count)
      return std::string(key) + ": replica " + (listing ? "c" : "o") + std::to_string(i + 1) + " is beyond the " +
             std::to_string(count) + (listing ? " container replicas" : " object replicas");
  return "";
}

FaultRule parse_fault_rule(const JsonReader& r, std::size_t index, const StoreTopology& topology) {
  FaultRule rule;
  r.at("kind");  // required, and checked first
  rule.id = r.has("id") ? r.at("id").as_string() : "rule-" + std::to_string(index + 1);
  if (r.has("match")) rule.match = parse_match(r.at("match"));
  rule.effect = parse_fault_effect(r, {topology.object_replicas, topology.container_replicas});
  return rule;
}

std::vector<FaultRule> parse_fault_rules(const JsonReader& r, const StoreTopology& topology) {
  std::vector<FaultRule> rules;
  for (std::size_t i = 0; i < r.size(); ++i) rules.push_back(parse_fault_rule(r.at(i), i, topology));
  return rules;
}

nlohmann::json fault_rule_to_json(const FaultRule& rule) {
  nlohmann::json j = {{"id", rule.id}, {"kind", fault_kind_name(rule.kind())}, {"enabled", rule.enabled},
                      {"seen", rule.seen},  {"fired", rule.fired}};
  nlohmann::json m = nlohmann::json::object();
  if (!rule.match.methods.empty()) m["method"] = rule.match.methods;
  if (!rule.match.container.empty()) m["container"] = rule.match.container;
  if (!rule.match.object.empty()) m["object"] = rule.match.object;
  if (!rule.match.object_prefix.empty()) m["object_prefix"] = rule.match.object_prefix;
  if (rule.match.object_regex) m["object_regex"] = rule.match.object_regex_text;
  if (rule.match.listing_prefix) m["listing_prefix"] = *rule.match.listing_prefix;
  if (rule.match.listing_exact) m["listing_exact"] = true;
  if (rule.match.nth) m["nth"] = rule.match.nth;
  if (rule.match.times) m["times"] = rule.match.times;
  if (rule.match.from_us) m["from_us"] = rule.match.from_us;
  if (rule.match.until_us != kForever) m["until_us"] = rule.match.until_us;
  j["match"] = m;
  fault_effect_to_json(rule.effect, j);
  j["description"] = describe_fault_effect(rule.effect);
  return j;
}

}  // namespace stalemate::sim
