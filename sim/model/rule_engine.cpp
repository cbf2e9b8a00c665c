// Rule firing: which fault rules fire for a request, and the request-level
// effects (FAIL, CUT, EXPIRE) they hand to the front-end.
#include "sim/model/store.h"

#include "sim/model/decision.h"

namespace stalemate::sim {

void Store::fire_rules_locked(RequestContext& ctx) {
  for (auto& rule : rules_) {
    if (!rule->enabled) continue;
    if (!std::visit([&](const auto& k) { return k.applies_to(ctx.info); }, rule->effect)) continue;
    if (ctx.t_us < rule->match.from_us || ctx.t_us >= rule->match.until_us) continue;
    if (!rule->match.matches(ctx.info)) continue;
    ++rule->seen;
    if (rule->match.nth && rule->seen != rule->match.nth) continue;
    if (rule->match.times && rule->fired >= rule->match.times) continue;
    ++rule->fired;
    ctx.rules.push_back(rule);
    std::visit([&](const auto& k) { k.on_request(ctx); }, rule->effect);  // the request hook
    nlohmann::json d = decision(DecisionKind::RuleFired);
    d["rule"] = rule->id;
    d["fault"] = fault_kind_name(rule->kind());
    if (const auto* fail = rule->as<Fail>()) {
      d["status"] = fail->status;
      d["applied"] = fail->applied;
      if (fail->error_in_200) d["error_in_200"] = true;
    }
    if (const auto* cut = rule->as<Cut>()) d["after_bytes"] = cut->after_bytes;
    ctx.note(std::move(d));
  }
  if (ctx.credentials_expired) auth_epoch_us_ = ctx.t_us;
}

// The write hook: what the rules fired for a write do to each replica.
WriteEffects Store::plan_write(const ObjectVersion& version, const std::string& change, const RequestContext* ctx) {
  WriteEffects w;
  w.change = change;
  w.tombstone = version.tombstone;
  if (ctx)
    for (const auto& r : ctx->rules) std::visit([&](const auto& k) { k.on_write(w, *r); }, r->effect);
  return w;
}

// The routing hook: which replicas the rules fired for a read or listing name.
RouteEffects Store::plan_route(const RequestContext* ctx) {
  RouteEffects e;
  if (ctx)
    for (const auto& r : ctx->rules) std::visit([&](const auto& k) { k.on_route(e, *r); }, r->effect);
  return e;
}

bool Store::set_rule_enabled(const std::string& id, bool enabled) {
  std::lock_guard lock(mu_);
  bool found = false;
  for (auto& r : rules_) {
    if (r->id == id) {
      r->enabled = enabled;
      found = true;
    }
  }
  return found;
}

nlohmann::json Store::rules_json() const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rules_) out.push_back(fault_rule_to_json(*r));
  return out;
}

}  // namespace stalemate::sim
