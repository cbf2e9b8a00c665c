// The replication queue: updates not yet applied to one replica (object
// versions and listing rows), applied lazily once due; and the write path that
// decides, per replica, whether a write applies now or waits in the queue.
#include "sim/model/store.h"

#include <optional>
#include <set>

#include "common/time_format.h"
#include "sim/model/decision.h"
#include "sim/model/json_text.h"
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

// Each replica's fate in a write decision, written as JSON text into the
// decision's "replicas" / "listings" array (keys in dump()'s sorted order):
// {"fate": "applied" | "updated" | "full" | "corrupted" | "handoff" |
// "pending", "replica", ...}.
void add_fate(std::string& out, const std::string& replica, const char* what) {
  if (!out.empty()) out += ',';
  json_text::ObjectWriter f(out);
  f.field("fate", what);
  f.field("replica", replica);
}

// A fate with more fields (full, corrupted, handoff: rare), built as json.
void add_fate(std::string& out, const std::string& replica, const char* what, nlohmann::json fields) {
  fields["replica"] = replica;
  fields["fate"] = what;
  if (!out.empty()) out += ',';
  json_text::append_json(out, fields);
}

// Why a replica was left to the queue ("rule_hold" with the rule,
// "replication_lag", "listing_lag", "container_full", "handoff", "replica_full").
PendingWhy why(const char* cause, const FaultRule* rule) {
  return {cause, rule ? rule->id : std::string(), rule ? fault_kind_name(rule->kind()) : nullptr};
}

// A replica left to the queue: why, and for how long.
void add_pending_fate(std::string& out, const std::string& replica, const PendingWhy& w, std::int64_t delay) {
  if (!out.empty()) out += ',';
  json_text::ObjectWriter f(out);
  f.field("cause", w.cause);
  if (delay != kForever) f.field("delay_us", delay);
  f.field("fate", "pending");
  if (w.fault) f.field("fault", w.fault);
  f.field("replica", replica);
  if (w.fault) f.field("rule", w.rule);
  if (delay == kForever) json_text::append_json(f.key("until_healed"), true);
}

}  // namespace

// ---- pending replication

void Store::enqueue_locked(Pending p) { pending_.emplace(p.due_us, std::move(p)); }

bool Store::apply_pending_locked(const Pending& p) const {
  auto a = accounts_.find(p.account);
  if (a == accounts_.end()) return true;
  auto c = a->second.containers.find(p.container);
  if (c == a->second.containers.end()) return true;
  if (p.listing) return place_row_locked(c->second, p.replica, p.name, p.row);
  if (!place_object_locked(c->second, p.replica, p.name, p.version)) return false;
  // Replication moved the handoff's copy to its primary: the handoff drops it.
  if (p.handoff >= 0) release_handoff_locked(c->second, p.handoff, p.name, p.version.ts);
  return true;
}

void Store::settle_locked() const {
  const std::int64_t now = time_locked();
  while (!pending_.empty() && pending_.begin()->first <= now) {
    Pending p = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    if (!apply_pending_locked(p)) defer_pending_locked(std::move(p), now);  // due later than now: the loop ends
  }
}

std::size_t Store::quiesce() {
  std::lock_guard lock(mu_);
  const std::int64_t now = time_locked();
  auto queue = std::move(pending_);
  pending_.clear();
  std::size_t applied = 0;
  // Updates whose replica is still full stay queued (heal lifts capacity first).
  for (auto& [due, p] : queue) {
    if (apply_pending_locked(p))
      ++applied;
    else
      defer_pending_locked(std::move(p), now);
  }
  return applied;
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
    // The operator adds disks: nothing is full any more, so every deferred
    // replication applies and the store can converge.
    for (auto* disks : {&object_disks_, &handoff_disks_, &container_disks_})
      for (auto& d : *disks) d.capacity = d.row_capacity = kUnlimited;
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
             return x.first == y.first && x.second.ts == y.second.ts && x.second.body.same_buffers(y.second.body);
           });
  };
  auto same_rows = [](const std::map<std::string, ListingRow>& a, const std::map<std::string, ListingRow>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
             return x.first == y.first && x.second.ts == y.second.ts;
           });
  };
  for (const auto& [an, a] : accounts_) {
    for (const auto& [cn, c] : a.containers) {
      for (const auto& h : c.handoff_replicas)
        if (!h.empty()) return false;
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
// how many replicas stored it, noting each replica's fate in `replicas`. A
// primary that answers 507 (a FULL rule, or no room) sends the proxy on to the
// next handoff in the ring's order, which holds the copy until replication
// moves it to that primary (Swift's PUT, POST and DELETE all do so).
int Store::write_object_replicas_locked(const WriteTarget& w, const ObjectVersion& version, const WriteEffects& plan,
                                        const ConsistencyParams& params, std::string& replicas, bool& notable,
                                        int& refused) {
  const int quorum = quorum_locked(params);
  const std::int64_t now = time_locked();
  int stored = 0, synchronous = 0;
  std::vector<int> handoffs;  // not yet tried by this write, in ring order
  std::vector<std::pair<int, bool>> unserved;  // refused primaries with no handoff; true: by a FULL rule
  if (topology_.handoffs > 0) handoffs = handoff_order(w.account + "/" + w.container + "/" + w.name);
  for (int i : rng_.permutation(topology_.object_replicas, purpose::kWriteOrder, w.identity)) {
    const std::string rn = replica_name(false, i);
    if (nlohmann::json refusal = object_refusal_locked(i, version, plan); !refusal.is_null()) {
      add_fate(replicas, rn, "full", refusal);
      notable = true;
      int taken = -1;
      while (taken < 0 && !handoffs.empty()) {
        const int h = handoffs.front();
        handoffs.erase(handoffs.begin());
        const int hi = topology_.object_replicas + h;
        if (place_object_locked(*w.c, hi, w.name, version)) {
          taken = h;
        } else {
          add_fate(replicas, replica_name(false, hi), "full", {{"status", 507}, {"cause", "capacity"}, {"for", rn}});
        }
      }
      if (taken < 0) {
        ++refused;
        unserved.push_back({i, refusal["cause"] == "rule"});
        continue;
      }
      // The handoff took it now; the primary gets it from replication.
      const auto index = static_cast<std::uint64_t>(i);
      const std::int64_t delay = params.replication_delay.sample(rng_.uniform(purpose::kReplication, w.identity, index));
      add_fate(replicas, replica_name(false, topology_.object_replicas + taken), "handoff", {{"for", rn}});
      Pending p{delay == kForever ? kForever : now + delay, now, w.account, w.container, w.name, i, false, version, {},
                "on handoff " + replica_name(false, topology_.object_replicas + taken) + ": primary full",
                why("handoff", nullptr)};
      p.handoff = taken;
      enqueue_locked(std::move(p));
      ++stored;
      ++synchronous;
      continue;
    }
    // What this replica gets: the version itself (each copy made of it below
    // is one the store keeps) or, under BITROT, a copy with a flipped byte.
    const ObjectVersion* vp = &version;
    std::optional<ObjectVersion> rotted;
    const auto b = plan.bitrot.find(i);
    if (const Bitrot* rot = b == plan.bitrot.end() ? nullptr : b->second->as<Bitrot>(); rot && rot->offset < version.size()) {
      rotted = version;
      rotted->body = rotted->body.with_flipped_byte(rot->offset);  // copies one chunk only
      vp = &*rotted;
      add_fate(replicas, rn, "corrupted", {{"offset", rot->offset}, {"rule", b->second->id}});
      notable = true;
    }
    const ObjectVersion& v = *vp;
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
      place_object_locked(*w.c, i, w.name, v);  // fits: object_refusal_locked checked
      ++synchronous;
      add_fate(replicas, rn, "applied");
    } else {
      notable = true;
      const PendingWhy pw = why(cause_code, rule);
      add_pending_fate(replicas, rn, pw, delay);
      enqueue_locked({delay == kForever ? kForever : now + delay, now, w.account, w.container, w.name, i, false, v, {}, cause,
                      pw});
    }
  }
  // The replicator later pushes what the others stored to each primary that
  // refused it: after the replication delay while it has no room (then
  // deferred until it has), or until healed for a FULL rule's replica, as a
  // FULL container replica's rows wait.
  if (stored > 0)
    for (const auto& [i, by_rule] : unserved) {
      const std::int64_t delay =
          by_rule ? kForever
                  : params.replication_delay.sample(rng_.uniform(purpose::kReplication, w.identity, static_cast<std::uint64_t>(i)));
      enqueue_locked({delay == kForever ? kForever : now + delay, now, w.account, w.container, w.name, i, false, version,
                      {}, "replica full: replication retries", why("replica_full", nullptr)});
    }
  return stored;
}

// Each object server that stored the write updates its container replica,
// asynchronously; a failed update becomes an async pending.
void Store::write_listing_replicas_locked(const WriteTarget& w, const ListingRow& row, const WriteEffects& plan,
                                          const ConsistencyParams& params, std::string& listings, bool& notable) {
  const std::int64_t now = time_locked();
  for (int j = 0; j < topology_.container_replicas; ++j) {
    const std::string rn = replica_name(true, j);
    const auto index = static_cast<std::uint64_t>(j);
    std::int64_t delay = 0;
    std::string cause;
    const char* cause_code = "";
    const FaultRule* rule = nullptr;
    const bool new_row = !w.c->listing_replicas[static_cast<std::size_t>(j)].count(w.name);
    if (plan.full_listings.count(j)) {  // a FULL rule: pending until healed
      delay = kForever;
      cause = "container replica full: async pending";
      cause_code = "container_full";
      rule = plan.full_listings.at(j);
    } else if (!container_disks_[static_cast<std::size_t>(j)].fits_row(new_row, kRowBytes + w.name.size())) {
      // No room: the object server's update gets 507 and becomes an async
      // pending; the object-updater retries it (defer_pending_locked).
      delay = detail::kUpdaterRetryUs;
      cause = "container replica full: async pending";
      cause_code = "container_full";
    } else if (auto h = plan.row_holds.find(j); h != plan.row_holds.end()) {
      rule = h->second;
      delay = rule->as<RowHold>()->hold.sample(rng_.uniform(purpose::kRowHold, w.identity, index));
      cause = "held back by rule " + rule->id + " (ROW)";
      cause_code = "rule_hold";
    } else if (params.listing_lag_probability >= 1.0 ||  // no draw: logs stay as they were before the knob
               rng_.uniform(purpose::kListingLags, w.identity, index) < params.listing_lag_probability) {
      delay = params.listing_delay.sample(rng_.uniform(purpose::kListing, w.identity, index));
      cause = "listing lag";
      cause_code = "listing_lag";
    }
    if (delay == 0) {
      place_row_locked(*w.c, j, w.name, row);  // fits: checked above
      add_fate(listings, rn, "updated");
    } else {
      notable = true;
      const PendingWhy pw = why(cause_code, rule);
      add_pending_fate(listings, rn, pw, delay);
      enqueue_locked({delay == kForever ? kForever : now + delay, now, w.account, w.container, w.name, j, true, {}, row, cause,
                      pw});
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
  std::string replicas, listings;  // the fates, as JSON text
  bool notable = false;
  int refused = 0;
  auto array = [](json_text::ObjectWriter& d, json_text::Key key, const std::string& items) {
    std::string& out = d.key(key);
    out += '[';
    out += items;
    out += ']';
  };
  const int stored = write_object_replicas_locked(w, version, plan, params, replicas, notable, refused);
  if (stored == 0) {
    if (ctx) {
      std::string text;
      {
        json_text::ObjectWriter d(text);  // keys in dump()'s sorted order
        d.field("change", change);
        d.field("kind", decision_kind_name(DecisionKind::WriteStoredNowhere));
        d.field("name", name);
        array(d, "replicas", replicas);
      }
      ctx->note_text(text);
    }
    return {WriteStatus::Unavailable, version.ts, refused > 0};
  }
  write_listing_replicas_locked(w, row_for(version), plan, params, listings, notable);
  const int quorum = quorum_locked(params);
  const WriteStatus status = stored >= quorum ? WriteStatus::Ok : WriteStatus::Unavailable;
  if (ctx) {
    const bool unavailable = status == WriteStatus::Unavailable;
    std::string text;
    {
      json_text::ObjectWriter d(text);  // keys in dump()'s sorted order
      d.field("change", change);
      d.field("kind", decision_kind_name(notable || unavailable ? DecisionKind::ReplicaHeldBack : DecisionKind::Write));
      array(d, "listings", listings);
      d.field("name", name);
      if (unavailable) d.field("quorum", quorum);
      array(d, "replicas", replicas);
      d.field("ts", swift_timestamp(version.ts));
      if (unavailable) json_text::append_json(d.key("unavailable"), true);
    }
    ctx->note_text(text);
  }
  return {status, version.ts, status == WriteStatus::Unavailable && refused > 0};
}

}  // namespace stalemate::sim
