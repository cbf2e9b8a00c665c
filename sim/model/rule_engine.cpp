// Rule firing: which fault rules fire for a request, and the request-level
// effects (FAIL, CUT, EXPIRE) they hand to the front-end.
#include "sim/model/store.h"

#include "sim/model/decision.h"

namespace stalemate::sim {

namespace {

bool is_write_method(const std::string& m) { return m == "PUT" || m == "POST" || m == "DELETE" || m == "COPY"; }

// Whether a fired rule of this kind concerns a request with this method.
bool kind_applies(FaultKind kind, const RequestInfo& info) {
  switch (kind) {
    case FaultKind::Row:
    case FaultKind::Obj:
    case FaultKind::Full:
    case FaultKind::Bitrot: return is_write_method(info.method);
    case FaultKind::Expire: return !info.account.empty();  // never the auth request itself
    default: return true;
  }
}

}  // namespace

void Store::fire_rules_locked(RequestContext& ctx) {
  for (auto& rule : rules_) {
    if (!rule->enabled || !kind_applies(rule->kind, ctx.info)) continue;
    if (ctx.t_us < rule->match.from_us || ctx.t_us >= rule->match.until_us) continue;
    if (!rule->match.matches(ctx.info)) continue;
    ++rule->seen;
    if (rule->match.nth && rule->seen != rule->match.nth) continue;
    if (rule->match.times && rule->fired >= rule->match.times) continue;
    ++rule->fired;
    ctx.rules.push_back(rule);
    nlohmann::json d = decision(DecisionKind::RuleFired);
    d["rule"] = rule->id;
    d["fault"] = fault_kind_name(rule->kind);
    switch (rule->kind) {
      case FaultKind::Fail:
        ctx.fail_status = rule->status;
        ctx.fail_applied = rule->applied;
        ctx.fail_error_in_200 = rule->error_in_200;
        d["status"] = rule->status;
        d["applied"] = rule->applied;
        if (rule->error_in_200) d["error_in_200"] = true;
        break;
      case FaultKind::Cut:
        ctx.cut_after = rule->after_bytes;
        d["after_bytes"] = rule->after_bytes;
        break;
      case FaultKind::Expire:
        ctx.credentials_expired = true;
        auth_epoch_us_ = ctx.t_us;
        break;
      default: break;
    }
    ctx.note(std::move(d));
  }
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
