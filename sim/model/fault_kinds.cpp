#include "sim/model/fault_kinds.h"

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "sim/model/fault_rules.h"
#include "sim/model/request_context.h"

namespace stalemate::sim {

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

// ---- replica numbers (1-based in JSON, 0-based inside)

struct ReplicaSet {
  bool listing = false;
  int count = kMaxReplicas;
};

std::string replica_text(int i, bool listing) { return (listing ? "c" : "o") + std::to_string(i + 1); }

int parse_replica(const JsonReader& r, ReplicaSet set) {
  const auto v = r.as_uint();
  if (v < 1 || v > static_cast<std::uint64_t>(kMaxReplicas)) r.fail("replica numbers start at 1 (c1..cN, o1..oN)");
  if (static_cast<int>(v) > set.count)
    r.fail("replica " + replica_text(static_cast<int>(v) - 1, set.listing) + " is beyond the " +
           std::to_string(set.count) + (set.listing ? " container replicas" : " object replicas"));
  return static_cast<int>(v) - 1;
}

std::vector<int> parse_replicas(const JsonReader& r, ReplicaSet set) {
  std::vector<int> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(parse_replica(r.at(i), set));
  if (out.empty()) r.fail("name at least one replica");
  return out;
}

std::vector<int> one_based(const std::vector<int>& v) {
  std::vector<int> out;
  for (int x : v) out.push_back(x + 1);
  return out;
}

std::string replicas_text(const std::vector<int>& v, bool listing) {
  std::string out;
  for (int x : v) out += (out.empty() ? "" : ",") + replica_text(x, listing);
  return out;
}

const char* change_name(Change c) {
  switch (c) {
    case Change::Insert: return "insert";
    case Change::Delete: return "delete";
    case Change::Put: return "put";
    case Change::Post: return "post";
    case Change::Any: break;
  }
  return "any";
}

Change parse_change(const JsonReader& r, std::initializer_list<const char*> choices) {
  if (!r.has("change")) return Change::Any;
  const auto c = r.at("change").as_enum(choices);
  for (Change v : {Change::Insert, Change::Delete, Change::Put, Change::Post})
    if (c == change_name(v)) return v;
  return Change::Any;
}

// Whether a hold for `rule_change` concerns a write of `change` ("put" |
// "delete" | "post"); a listing row changes by insert or delete.
bool change_matches(Change rule_change, const std::string& change, bool listing) {
  if (rule_change == Change::Any) return true;
  if (listing) return rule_change == (change == "delete" ? Change::Delete : Change::Insert);
  return change == change_name(rule_change);
}

bool is_write_method(const std::string& m) { return m == "PUT" || m == "POST" || m == "DELETE" || m == "COPY"; }

}  // namespace

bool WriteHooks::applies_to(const RequestInfo& r) const { return is_write_method(r.method); }

// ---- ROW

void RowHold::on_write(WriteEffects& w, const FaultRule& rule) const {
  if (!change_matches(change, w.change, true)) return;
  for (int i : replicas) w.row_holds[i] = &rule;
}

RowHold parse_row(const JsonReader& r, const ReplicaLimits& l) {
  r.expect_object({"id", "kind", "match", "replicas", "change", "hold"});
  RowHold k;
  k.replicas = parse_replicas(r.at("replicas"), {true, l.container_replicas});
  k.change = parse_change(r, {"insert", "delete", "any"});
  if (r.has("hold")) k.hold = parse_delay(r.at("hold"));
  return k;
}

// ---- OBJ

void ObjHold::on_write(WriteEffects& w, const FaultRule& rule) const {
  if (!change_matches(change, w.change, false)) return;
  for (int i : replicas) w.object_holds[i] = &rule;
}

ObjHold parse_obj(const JsonReader& r, const ReplicaLimits& l) {
  r.expect_object({"id", "kind", "match", "replicas", "change", "hold"});
  ObjHold k;
  k.replicas = parse_replicas(r.at("replicas"), {false, l.object_replicas});
  k.change = parse_change(r, {"put", "delete", "post", "any"});
  if (r.has("hold")) k.hold = parse_delay(r.at("hold"));
  return k;
}

// ---- ROUTE

void Route::on_route(RouteEffects& e, const FaultRule& rule) const {
  if (target == RouteTarget::Listing && !e.listing_replica) e.listing_replica = order.front();
  if (target == RouteTarget::Object) e.object_order = &rule;  // the last one fired wins, as before
}

Route parse_route(const JsonReader& r, const ReplicaLimits& l) {
  r.expect_object({"id", "kind", "match", "target", "replica", "order"});
  Route k;
  k.target = r.at("target").as_enum({"listing", "object"}) == "listing" ? RouteTarget::Listing : RouteTarget::Object;
  const ReplicaSet set = k.target == RouteTarget::Listing ? ReplicaSet{true, l.container_replicas}
                                                          : ReplicaSet{false, l.object_replicas};
  if (r.has("replica")) k.order = {parse_replica(r.at("replica"), set)};
  if (r.has("order")) k.order = parse_replicas(r.at("order"), set);
  if (k.order.empty()) r.fail("ROUTE needs \"replica\" (listing) or \"order\" (object)");
  return k;
}

// ---- FAIL

void Fail::on_request(RequestContext& ctx) const {
  ctx.fail_status = status;
  ctx.fail_applied = applied;
  ctx.fail_error_in_200 = error_in_200;
}

Fail parse_fail(const JsonReader& r) {
  r.expect_object({"id", "kind", "match", "status", "applied", "error_in_200"});
  Fail k;
  const auto status = r.get_uint("status", 503);
  if (status < 400 || status > 599) r.at("status").fail("a failure status is 400..599");
  k.status = static_cast<int>(status);
  k.applied = r.get_bool("applied", false);
  k.error_in_200 = r.get_bool("error_in_200", false);
  return k;
}

// ---- CUT

void Cut::on_request(RequestContext& ctx) const { ctx.cut_after = after_bytes; }

Cut parse_cut(const JsonReader& r) {
  r.expect_object({"id", "kind", "match", "after_bytes"});
  Cut k;
  k.after_bytes = r.at("after_bytes").as_size();
  return k;
}

// ---- EXPIRE

bool Expire::applies_to(const RequestInfo& r) const { return !r.account.empty(); }
void Expire::on_request(RequestContext& ctx) const { ctx.credentials_expired = true; }

// ---- FULL

void Full::on_write(WriteEffects& w, const FaultRule& rule) const {
  for (int i : replicas) (tier == Tier::Object ? w.full_objects : w.full_listings).emplace(i, &rule);
}

Full parse_full(const JsonReader& r, const ReplicaLimits& l) {
  r.expect_object({"id", "kind", "match", "replicas", "tier"});
  Full k;
  k.tier = r.has("tier") && r.at("tier").as_enum({"object", "container"}) == "container" ? Tier::Container : Tier::Object;
  k.replicas = parse_replicas(r.at("replicas"), k.tier == Tier::Container ? ReplicaSet{true, l.container_replicas}
                                                                          : ReplicaSet{false, l.object_replicas});
  return k;
}

// ---- BITROT

void Bitrot::on_write(WriteEffects& w, const FaultRule& rule) const {
  if (w.tombstone) return;
  for (int i : replicas) w.bitrot[i] = &rule;
}

Bitrot parse_bitrot(const JsonReader& r, const ReplicaLimits& l) {
  r.expect_object({"id", "kind", "match", "replicas", "offset"});
  Bitrot k;
  k.replicas = parse_replicas(r.at("replicas"), {false, l.object_replicas});
  k.offset = r.get_uint("offset", 0);
  return k;
}

// ---- all kinds

FaultEffect parse_fault_effect(const JsonReader& r, const ReplicaLimits& l) {
  const auto kind = r.at("kind").as_enum({"ROW", "OBJ", "ROUTE", "FAIL", "CUT", "EXPIRE", "FULL", "BITROT"});
  if (kind == "ROW") return parse_row(r, l);
  if (kind == "OBJ") return parse_obj(r, l);
  if (kind == "ROUTE") return parse_route(r, l);
  if (kind == "FAIL") return parse_fail(r);
  if (kind == "CUT") return parse_cut(r);
  if (kind == "FULL") return parse_full(r, l);
  if (kind == "BITROT") return parse_bitrot(r, l);
  r.expect_object({"id", "kind", "match"});
  return Expire{};
}

void fault_effect_to_json(const FaultEffect& e, nlohmann::json& j) {
  if (auto* k = std::get_if<RowHold>(&e)) {
    j.update({{"replicas", one_based(k->replicas)}, {"change", change_name(k->change)}, {"hold", delay_to_json(k->hold)}});
  } else if (auto* k = std::get_if<ObjHold>(&e)) {
    j.update({{"replicas", one_based(k->replicas)}, {"change", change_name(k->change)}, {"hold", delay_to_json(k->hold)}});
  } else if (auto* k = std::get_if<Route>(&e)) {
    j.update({{"target", k->target == RouteTarget::Listing ? "listing" : "object"}, {"order", one_based(k->order)}});
  } else if (auto* k = std::get_if<Fail>(&e)) {
    j.update({{"status", k->status}, {"applied", k->applied}});
    if (k->error_in_200) j["error_in_200"] = true;
  } else if (auto* k = std::get_if<Cut>(&e)) {
    j["after_bytes"] = k->after_bytes;
  } else if (auto* k = std::get_if<Full>(&e)) {
    j.update({{"replicas", one_based(k->replicas)}, {"tier", k->tier == Tier::Object ? "object" : "container"}});
  } else if (auto* k = std::get_if<Bitrot>(&e)) {
    j.update({{"replicas", one_based(k->replicas)}, {"offset", k->offset}});
  }
}

std::string describe_fault_effect(const FaultEffect& e) {
  if (auto* k = std::get_if<RowHold>(&e))
    return std::string("hold ") + change_name(k->change) + " rows from " + replicas_text(k->replicas, true) + " " +
           (k->hold.kind == Delay::Kind::UntilHealed ? "until healed" : "for " + k->hold.describe());
  if (auto* k = std::get_if<ObjHold>(&e))
    return std::string("hold ") + change_name(k->change) + " writes from " + replicas_text(k->replicas, false) + " " +
           (k->hold.kind == Delay::Kind::UntilHealed ? "until healed" : "for " + k->hold.describe());
  if (auto* k = std::get_if<Route>(&e))
    return k->target == RouteTarget::Listing ? "listings answered by " + replica_text(k->order.front(), true)
                                             : "reads try " + replicas_text(k->order, false) + " in this order";
  if (auto* k = std::get_if<Fail>(&e))
    return "answer " + std::to_string(k->status) + (k->applied ? " after applying" : " without applying");
  if (auto* k = std::get_if<Cut>(&e)) return "cut the body after " + std::to_string(k->after_bytes) + " bytes";
  if (std::holds_alternative<Expire>(e)) return "expire every credential issued so far";
  if (auto* k = std::get_if<Full>(&e)) return replicas_text(k->replicas, k->tier == Tier::Container) + " full (507)";
  if (auto* k = std::get_if<Bitrot>(&e))
    return "flip byte " + std::to_string(k->offset) + " of the copy on " + replicas_text(k->replicas, false);
  return "?";
}

std::pair<std::vector<int>, bool> named_replicas(const FaultEffect& e) {
  if (auto* k = std::get_if<RowHold>(&e)) return {k->replicas, true};
  if (auto* k = std::get_if<ObjHold>(&e)) return {k->replicas, false};
  if (auto* k = std::get_if<Route>(&e)) return {k->order, k->target == RouteTarget::Listing};
  if (auto* k = std::get_if<Full>(&e)) return {k->replicas, k->tier == Tier::Container};
  if (auto* k = std::get_if<Bitrot>(&e)) return {k->replicas, false};
  return {{}, false};
}

}  // namespace stalemate::sim
