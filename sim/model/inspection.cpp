// Inspection: what a request's listing replica lacks (listing evidence),
// per-replica dumps of one object, and the test hooks.
#include "sim/model/store.h"

#include <set>

#include "common/time_format.h"
#include "sim/model/decision.h"
#include "sim/model/json_text.h"
#include "sim/model/store_internal.h"

namespace stalemate::sim {

using detail::in_range;
using detail::seconds_text;

void Store::note_listing_evidence_locked(const std::string& account, const std::string& container,
                                         const Container& c, int replica, const ListQuery& query,
                                         RequestContext* ctx) const {
  // The truth for the listed range: the newest row any listing replica has or
  // is still waiting for (pointers into the replicas and the queue, which
  // outlive this call: every listing request notes its evidence).
  static const ListingRow kNone;
  std::map<std::string_view, const ListingRow*> truth;
  auto consider = [&](const std::string& name, const ListingRow& row) {
    if (!in_range(name, query)) return;
    auto& slot = truth.try_emplace(name, &kNone).first->second;
    if (slot->ts < row.ts) slot = &row;
  };
  for (const auto& rows : c.listing_replicas)
    for (auto it = rows.lower_bound(query.prefix); it != rows.end() && it->first.compare(0, query.prefix.size(), query.prefix) == 0; ++it)
      consider(it->first, it->second);
  for (const auto& [due, p] : pending_)
    if (p.listing && p.account == account && p.container == container) consider(p.name, p.row);

  const auto& mine = c.listing_replicas[static_cast<std::size_t>(replica)];
  nlohmann::json differences = nlohmann::json::array();
  std::size_t total = 0;
  for (const auto& [name, newest] : truth) {
    const ListingRow& row = *newest;
    const std::string name_text(name);
    auto it = mine.find(name_text);
    const ListingRow* have = it == mine.end() ? nullptr : &it->second;
    const char* problem = nullptr;
    const bool stale = !row.deleted && have && !have->deleted && have->ts < row.ts;
    if (!row.deleted && (!have || have->deleted)) problem = "lacks";
    else if (row.deleted && have && !have->deleted) problem = "lists_deleted";
    else if (stale) problem = "stale_row";
    else continue;
    if (++total > 8) continue;
    nlohmann::json diff = {{"name", name_text}, {"problem", problem}};
    if (stale) diff.update({{"bytes", have->bytes}, {"newest_bytes", row.bytes}});
    if (const Pending* p = pending_listing_locked(account, container, name_text, replica)) diff["pending"] = pending_json(*p);
    differences.push_back(std::move(diff));
  }
  std::string text;
  {
    json_text::ObjectWriter d(text);  // keys in dump()'s sorted order
    if (total) json_text::append_json(d.key("differences"), differences);
    d.field("kind", decision_kind_name(total ? DecisionKind::ListingGap : DecisionKind::Listing));
    if (!query.marker.empty()) d.field("marker", query.marker);
    if (total) d.field("more", std::uint64_t{total - 1});
    d.field("prefix", query.prefix);
    d.field("replica", replica_name(true, replica));
  }
  ctx->note_text(text);
}

const Store::Pending* Store::pending_listing_locked(const std::string& account, const std::string& container,
                                                   const std::string& name, int replica) const {
  for (const auto& [due, p] : pending_)
    if (p.listing && p.replica == replica && p.name == name && p.container == container && p.account == account)
      return &p;
  return nullptr;
}

// A queued update for a decision: its cause, how long it has waited, and
// when it falls due.
nlohmann::json Store::pending_json(const Pending& p) const {
  const std::int64_t now = time_locked();
  nlohmann::json j = {{"cause", p.why.cause}};
  if (p.why.fault) {
    j["rule"] = p.why.rule;
    j["fault"] = p.why.fault;
  }
  j["since_us"] = now - p.since_us;
  if (p.due_us == kForever)
    j["until_healed"] = true;
  else
    j["due_in_us"] = p.due_us - now;
  return j;
}

// ---- inspection

nlohmann::json Store::dump_object(const std::string& account, const std::string& container,
                                  const std::string& name) const {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return nullptr;
  nlohmann::json objects = nlohmann::json::array(), rows = nlohmann::json::array(), pending = nlohmann::json::array();
  const std::size_t n = c->object_replicas.size();
  for (const ReplicaCopy& copy : object_copies_locked(*c, name)) {
    nlohmann::json o = {{"replica", copy.replica}};
    if (copy.state == ReplicaCopy::State::Absent) {
      o["state"] = "absent";
    } else {
      o["state"] = copy.state == ReplicaCopy::State::Tombstone ? "tombstone" : "present";
      o["ts"] = swift_timestamp(copy.ts);
      o["bytes"] = copy.bytes;
      o["etag"] = copy.etag;
      if (!copy.manifest.empty()) o["manifest"] = copy.manifest;
    }
    objects.push_back(std::move(o));
  }
  for (std::size_t j = 0; j < c->listing_replicas.size(); ++j) {
    auto it = c->listing_replicas[j].find(name);
    nlohmann::json r = {{"replica", replica_name(true, static_cast<int>(j))}};
    if (it == c->listing_replicas[j].end()) {
      r["state"] = "absent";
    } else {
      r["state"] = it->second.deleted ? "deleted" : "listed";
      r["ts"] = swift_timestamp(it->second.ts);
      r["bytes"] = it->second.bytes;
    }
    rows.push_back(std::move(r));
  }
  const std::int64_t now = time_locked();
  for (const auto& [due, p] : pending_) {
    if (p.name != name || p.container != container || p.account != account) continue;
    pending.push_back({{"replica", replica_name(p.listing, p.replica)},
                       {"cause", p.cause},
                       {"since_s", static_cast<double>(now - p.since_us) / 1e6},
                       {"due_in_s", p.due_us == kForever ? nlohmann::json("until healed")
                                                         : nlohmann::json(static_cast<double>(p.due_us - now) / 1e6)},
                       {"ts", swift_timestamp(p.listing ? p.row.ts : p.version.ts)}});
    if (p.handoff >= 0) pending.back()["handoff"] = replica_name(false, static_cast<int>(n) + p.handoff);
    if (p.deferrals > 0) pending.back()["deferred"] = p.deferrals;  // times its replica was full
  }
  return {{"account", account}, {"container", container}, {"object", name},
          {"object_replicas", std::move(objects)}, {"listing_replicas", std::move(rows)}, {"pending", std::move(pending)},
          {"capacity", capacity_json_locked()}};
}

std::vector<ReplicaCopy> Store::object_copies(const std::string& account, const std::string& container,
                                              const std::string& name) const {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  return c ? object_copies_locked(*c, name) : std::vector<ReplicaCopy>{};
}

std::vector<ReplicaCopy> Store::object_copies_locked(const Container& c, const std::string& name) const {
  std::vector<ReplicaCopy> out;
  const std::size_t n = c.object_replicas.size();
  for (std::size_t i = 0; i < n + c.handoff_replicas.size(); ++i) {
    const auto& replica = i < n ? c.object_replicas[i] : c.handoff_replicas[i - n];
    auto it = replica.find(name);
    if (i >= n && it == replica.end()) continue;  // handoffs appear only while they hold a copy
    ReplicaCopy& copy = out.emplace_back();
    copy.replica = replica_name(false, static_cast<int>(i));
    if (it == replica.end()) continue;
    const ObjectVersion& v = it->second;
    copy.state = v.tombstone ? ReplicaCopy::State::Tombstone : ReplicaCopy::State::Present;
    copy.ts = v.ts;
    copy.bytes = v.size();
    copy.etag = v.etag;
    copy.manifest = v.manifest();
  }
  return out;
}

// ---- test hooks

bool Store::debug_flip_byte(const std::string& account, const std::string& container, const std::string& name,
                            std::uint64_t offset) {
  std::lock_guard lock(mu_);
  settle_locked();
  Container* c = find_container_locked(account, container);
  if (!c) return false;
  bool flipped = false;
  Bytes original, corrupted;
  for (auto& replica : c->object_replicas) {
    auto it = replica.find(name);
    if (it == replica.end() || it->second.tombstone || offset >= it->second.size()) continue;
    if (corrupted.empty() || !it->second.body.same_buffers(original)) {  // replicas usually share one buffer
      original = it->second.body;
      corrupted = original.with_flipped_byte(offset);
    }
    it->second.body = corrupted;
    flipped = true;
  }
  return flipped;
}

std::vector<std::string> Store::debug_object_names(const std::string& account, const std::string& container,
                                                   const std::string& prefix) const {
  std::lock_guard lock(mu_);
  settle_locked();
  std::vector<std::string> names;
  const Container* c = find_container_locked(account, container);
  if (!c) return names;
  std::set<std::string> seen;
  for (const auto& replica : c->object_replicas)
    for (const auto& [name, v] : replica)
      if (!v.tombstone && name.compare(0, prefix.size(), prefix) == 0) seen.insert(name);
  return {seen.begin(), seen.end()};
}

std::uint64_t Store::unique_payload_bytes() const {
  std::lock_guard lock(mu_);
  std::set<const std::string*> chunks;
  auto note = [&chunks](const ObjectVersion& v) {
    for (const auto& p : v.body.pieces()) chunks.insert(p.data.get());
  };
  for (const auto& [an, a] : accounts_)
    for (const auto& [cn, c] : a.containers) {
      for (const auto& replica : c.object_replicas)
        for (const auto& [name, v] : replica) note(v);
      for (const auto& replica : c.handoff_replicas)
        for (const auto& [name, v] : replica) note(v);
    }
  for (const auto& [due, p] : pending_) note(p.version);
  std::uint64_t bytes = 0;
  for (const std::string* chunk : chunks) bytes += chunk->size();
  return bytes;
}

}  // namespace stalemate::sim
