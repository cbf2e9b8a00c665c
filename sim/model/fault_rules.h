// Targeted faults: the primitives of the mechanisms analysis (ROW, OBJ,
// ROUTE, FAIL, CUT, EXPIRE, FULL, BITROT), each a rule that matches client
// requests. Every front-end (Swift, S3) describes its request as a
// RequestInfo; the store decides which rules fire for it. A rule is an id, a
// match, counters and one effect: the kinds live in fault_kinds.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/model/delay.h"
#include "sim/model/fault_kinds.h"
#include "sim/model/topology.h"

namespace stalemate {
class JsonReader;
}
namespace re2 {
class RE2;
}

namespace stalemate::sim {

// What a front-end tells the model about one client request.
struct RequestInfo {
  std::string protocol = "swift";  // "swift" | "s3"
  std::string method;              // "GET", "PUT", ...
  std::string account;
  std::string container;           // "" for account/auth requests
  std::string object;              // "" for container/account requests
  std::string listing_prefix;      // the prefix of a listing request ("" otherwise)
  bool is_listing = false;
};

struct RuleMatch {
  std::vector<std::string> methods;  // empty: any
  std::string container;             // "": any
  std::string object;                // exact object name, "": any
  std::string object_prefix;
  std::string object_regex_text;
  // Searched (not anchored) in the object name. RE2, not std::regex: object
  // names come from clients and are matched before authentication, and RE2
  // runs in time linear in the name without recursion (std::regex overflowed
  // the stack on a 30,000-character name). Shared: rules are copied, RE2 is not.
  std::shared_ptr<const re2::RE2> object_regex;
  std::optional<std::string> listing_prefix;  // listing requests whose prefix starts with this
  bool listing_exact = false;  // ... or is exactly this (the health check's Stat("/") lists prefix "files")
  std::uint64_t nth = 0;             // 1-based: only the nth request matching the rest (0: every one)
  std::int64_t from_us = 0;          // active window, microseconds since the store started
  std::int64_t until_us = kForever;
  std::uint64_t times = 0;           // at most this many firings (0: unlimited)

  // Everything but nth/times/window.
  bool matches(const RequestInfo& r) const;
};

struct FaultRule {
  std::string id;  // from the scenario, or "rule-<n>"
  RuleMatch match;
  FaultEffect effect;  // the kind and its parameters (fault_kinds.h)

  // Firing state (owned by the store, under its lock).
  std::uint64_t seen = 0;   // requests that matched (for nth)
  std::uint64_t fired = 0;  // times it fired
  bool enabled = true;

  FaultKind kind() const {
    return std::visit([](const auto& k) { return std::decay_t<decltype(k)>::kind; }, effect);
  }
  template <class Kind>
  const Kind* as() const { return std::get_if<Kind>(&effect); }
};

// Parses one rule: {"id", "kind": "ROW"|..., "match": {...}, kind-specific keys}.
// Replica numbers are checked against `topology` (ROW and FULL's container
// tier and listing ROUTEs name container replicas, the rest object replicas).
FaultRule parse_fault_rule(const JsonReader& r, std::size_t index, const StoreTopology& topology = {});
std::vector<FaultRule> parse_fault_rules(const JsonReader& r, const StoreTopology& topology = {});
// "replicas: replica o5 is beyond the 3 object replicas", or "" when the rule fits.
std::string fault_rule_topology_error(const FaultRule& rule, const StoreTopology& topology);
nlohmann::json fault_rule_to_json(const FaultRule& rule);

}  // namespace stalemate::sim
