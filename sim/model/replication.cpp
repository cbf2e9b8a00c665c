// The replication queue: updates not yet applied to one replica (object
// versions and listing rows), applied lazily once due; and the write path that
// decides, per replica, whether a write applies now or waits in the queue.
#include "sim/model/store.h"

#include <set>

#include "common/time_format.h"
#include "sim/model/decision.h"
#include "sim/model/store_internal.h"

namespace stalemate::sim {

using detail::in_range;
using detail::seconds_text;

namespace {

ListingRow row_for(const ObjectVersion& v) {
  ListingRow row;
  row.ts = v.ts;
  row.deleted = v.tombstone;
  row.bytes = v.tombstone ? 0 : v.size();
  row.etag = v.etag;
  row.content_type = v.content_type;
  row.last_modified = v.ts;
  return row;
}

// One replica's fate in a write decision: {"replica", "fate": "applied" |
// "updated" | "full" | "corrupted" | "pending", ...}.
nlohmann::json fate(const std::string& replica, const char* what) { return {{"replica", replica}, {"fate", what}}; }

// A replica left to the queue: why ("rule_hold" with the rule, "replication_lag",
// "listing_lag", "container_full") and for how long.
nlohmann::json pending_fate(const std::string& replica, const char* cause, const FaultRule* rule, std::int64_t delay) {
  nlohmann::json f = fate(replica, "pending");
  f["cause"] = cause;
  if (rule) {
    f["rule"] = rule->id;
    f["fault"] = fault_kind_name(rule->kind());
  }
  if (delay == kForever)
    f["until_healed"] = true;
  else
    f["delay_us"] = delay;
  return f;
}

// The cause part of a pending fate, kept with the queued update.
nlohmann::json why_of(const nlohmann::json& fate) {
  nlohmann::json why = {{"cause", fate["cause"]}};
  if (fate.contains("rule")) {
    why["rule"] = fate["rule"];
    why["fault"] = fate["fault"];
  }
  return why;
}

}  // namespace

// ---- pending replication

void Store::enqueue_locked(Pending p) { pending_.emplace(p.due_us, std::move(p)); }

void Store::apply_pending_locked(const Pending& p) const {
  auto a = accounts_.find(p.account);
  if (a == accounts_.end()) return;
  auto c = a->second.containers.find(p.container);
  if (c == a->second.containers.end()) return;
  if (p.listing) {
    auto& slot = c->second.listing_replicas[static_cast<std::size_t>(p.replica)][p.name];
    if (slot.ts < p.row.ts) slot = p.row;
  } else {
    auto& slot = c->second.object_replicas[static_cast<std::size_t>(p.replica)][p.name];
    if (slot.ts < p.version.ts) slot = p.version;
  }
}

void Store::settle_locked() const {
  const std::int64_t now = time_locked();
  while (!pending_.empty() && pending_.begin()->first <= now) {
    apply_pending_locked(pending_.begin()->second);
    pending_.erase(pending_.begin());
  }
}

std::size_t Store::quiesce() {
  std::lock_guard lock(mu_);
  const std::size_t n = pending_.size();
  for (const auto& [due, p] : pending_) apply_pending_locked(p);
  pending_.clear();
  return n;
}

std::size_t Store::heal() {
  {
    std::lock_guard lock(mu_);
    for (auto& r : rules_) r->enabled = false;
    const int quorum = base_params_.write_quorum;
    base_params_ = ConsistencyParams{};
    base_params_.write_quorum = quorum;
    phases_.clear();
    negative_cache_.clear();
  }
  return quiesce();
}

std::size_t Store::pending_count() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

bool Store::converged() const {
  std::lock_guard lock(mu_);
  settle_locked();
  if (!pending_.empty()) return false;
  auto same_objects = [](const std::map<std::string, ObjectVersion>& a, const std::map<std::string, ObjectVersion>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
             return x.first == y.first && x.second.ts == y.second.ts && x.second.body == y.second.body;
           });
  };
  auto same_rows = [](const std::map<std::string, ListingRow>& a, const std::map<std::string, ListingRow>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
             return x.first == y.first && x.second.ts == y.second.ts;
           });
  };
  for (const auto& [an, a] : accounts_) {
    for (const auto& [cn, c] : a.containers) {
      for (const auto& r : c.object_replicas)
        if (!same_objects(r, c.object_replicas.front())) return false;
      for (const auto& r : c.listing_replicas)
        if (!same_rows(r, c.listing_replicas.front())) return false;
    }
  }
  return true;
}

// ---- the write path

// Writes `version` to each object replica now or through the queue; returns
// how many replicas stored it, noting each replica's fate in `replicas`.
int Store::write_object_replicas_locked(const WriteTarget& w, const ObjectVersion& version, const WriteEffects& plan,
                                        const ConsistencyParams& params, nlohmann::json& replicas, bool& notable) {
  const int quorum = quorum_locked(params);
  const std::int64_t now = time_locked();
  int stored = 0, synchronous = 0;
  for (int i : rng_.permutation(topology_.object_replicas, purpose::kWriteOrder, w.identity)) {
    const std::string rn = replica_name(false, i);
    if (plan.full_objects.count(i)) {
      replicas.push_back(fate(rn, "full"));
      notable = true;
      continue;
    }
    ObjectVersion v = version;
    const auto b = plan.bitrot.find(i);
    if (const Bitrot* rot = b == plan.bitrot.end() ? nullptr : b->second->as<Bitrot>(); rot && rot->offset < v.size()) {
      std::string bytes = *v.body;
      bytes[rot->offset] = static_cast<char>(bytes[rot->offset] ^ 0xff);
      v.body = make_payload(std::move(bytes));
      nlohmann::json f = fate(rn, "corrupted");
      f["offset"] = rot->offset;
      f["rule"] = b->second->id;
      replicas.push_back(std::move(f));
      notable = true;
    }
    const auto index = static_cast<std::uint64_t>(i);
    std::int64_t delay = 0;
    std::string cause;
    const char* cause_code = "";
    const FaultRule* rule = nullptr;
    if (auto h = plan.object_holds.find(i); h != plan.object_holds.end()) {
      rule = h->second;
      delay = rule->as<ObjHold>()->hold.sample(rng_.uniform(purpose::kObjectHold, w.identity, index));
      cause = "held back by rule " + rule->id + " (OBJ)";
      cause_code = "rule_hold";
    } else if (synchronous >= quorum &&
               rng_.uniform(purpose::kReplicaLags, w.identity, index) < params.replica_lag_probability) {
      delay = params.replication_delay.sample(rng_.uniform(purpose::kReplication, w.identity, index));
      cause = "replication lag";
      cause_code = "replication_lag";
    }
    ++stored;  // a held replica's copy sits on a handoff: it still counts for the acknowledgement
    if (delay == 0) {
      auto& slot = w.c->object_replicas[static_cast<std::size_t>(i)][w.name];
      if (slot.ts < v.ts) slot = v;
      ++synchronous;
      replicas.push_back(fate(rn, "applied"));
    } else {
      notable = true;
      nlohmann::json f = pending_fate(rn, cause_code, rule, delay);
      enqueue_locked({delay == kForever ? kForever : now + delay, now, w.account, w.container, w.name, i, false, v, {}, cause,
                      why_of(f)});
      replicas.push_back(std::move(f));
    }
  }
  return stored;
}

// Each object server that stored the write updates its container replica,
// asynchronously; a failed update becomes an async pending.
void Store::write_listing_replicas_locked(const WriteTarget& w, const ListingRow& row, const WriteEffects& plan,
                                          const ConsistencyParams& params, nlohmann::json& listings, bool& notable) {
  const std::int64_t now = time_locked();
  for (int j = 0; j < topology_.container_replicas; ++j) {
    const std::string rn = replica_name(true, j);
    const auto index = static_cast<std::uint64_t>(j);
    std::int64_t delay = 0;
    std::string cause;
    const char* cause_code = "";
    const FaultRule* rule = nullptr;
    if (plan.full_listings.count(j)) {
      delay = kForever;
      cause = "container replica full: async pending";
      cause_code = "container_full";
    } else if (auto h = plan.row_holds.find(j); h != plan.row_holds.end()) {
      rule = h->second;
      delay = rule->as<RowHold>()->hold.sample(rng_.uniform(purpose::kRowHold, w.identity, index));
      cause = "held back by rule " + rule->id + " (ROW)";
      cause_code = "rule_hold";
    } else {
      delay = params.listing_delay.sample(rng_.uniform(purpose::kListing, w.identity, index));
      cause = "listing lag";
      cause_code = "listing_lag";
    }
    if (delay == 0) {
      auto& slot = w.c->listing_replicas[static_cast<std::size_t>(j)][w.name];
      if (slot.ts < row.ts) slot = row;
      listings.push_back(fate(rn, "updated"));
    } else {
      notable = true;
      nlohmann::json f = pending_fate(rn, cause_code, rule, delay);
      enqueue_locked({delay == kForever ? kForever : now + delay, now, w.account, w.container, w.name, j, true, {}, row, cause,
                      why_of(f)});
      listings.push_back(std::move(f));
    }
  }
}

Store::WriteResult Store::write_locked(const std::string& account, const std::string& container,
                                       const std::string& name, ObjectVersion version, const std::string& change,
                                       RequestContext* ctx) {
  Container* c = find_container_locked(account, container);
  if (!c) return {WriteStatus::NoContainer, 0};
  const ConsistencyParams params = params_locked();
  const WriteTarget w{account, container, name, c,
                      ctx ? ctx->identity : "direct " + name + "@" + std::to_string(version.ts)};
  const WriteEffects plan = plan_write(version, change, ctx);
  nlohmann::json replicas = nlohmann::json::array(), listings = nlohmann::json::array();
  bool notable = false;
  const int stored = write_object_replicas_locked(w, version, plan, params, replicas, notable);
  if (stored == 0) {
    if (ctx) {
      nlohmann::json d = decision(DecisionKind::WriteStoredNowhere);
      d.update({{"name", name}, {"change", change}, {"replicas", replicas}});
      ctx->note(std::move(d));
    }
    return {WriteStatus::Unavailable, version.ts};
  }
  write_listing_replicas_locked(w, row_for(version), plan, params, listings, notable);
  const int quorum = quorum_locked(params);
  const WriteStatus status = stored >= quorum ? WriteStatus::Ok : WriteStatus::Unavailable;
  if (ctx) {
    nlohmann::json d = decision(notable || status == WriteStatus::Unavailable ? DecisionKind::ReplicaHeldBack
                                                                              : DecisionKind::Write);
    d.update({{"name", name}, {"change", change}, {"ts", swift_timestamp(version.ts)},
              {"replicas", replicas}, {"listings", listings}});
    if (status == WriteStatus::Unavailable) {
      d["unavailable"] = true;
      d["quorum"] = quorum;
    }
    ctx->note(std::move(d));
  }
  return {status, version.ts};
}

}  // namespace stalemate::sim
