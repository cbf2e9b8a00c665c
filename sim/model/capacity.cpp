// Storage capacity (mechanisms.md A6, M12): every change to an object replica,
// a handoff or a container replica goes through place_* here, so used bytes
// follow every write, overwrite, delete and replication apply. A full replica
// refuses with 507; the write path then tries handoffs (replication.cpp), and
// a replication or async update that does not fit stays queued and is retried
// every replicator / updater interval, as Swift's daemons retry, never lost.
#include "sim/model/store.h"

#include "common/time_format.h"
#include "sim/model/decision.h"
#include "sim/model/store_internal.h"

namespace stalemate::sim {

using detail::kReplicatorRetryUs;
using detail::kUpdaterRetryUs;

namespace {

std::uint64_t object_cost(const ObjectVersion& v) { return v.tombstone ? 0 : v.size(); }
std::uint64_t row_cost(const std::string& name) { return kRowBytes + name.size(); }

nlohmann::json capacity_number(std::uint64_t c) { return c == kUnlimited ? nlohmann::json("unlimited") : nlohmann::json(c); }

}  // namespace

bool Store::place_object_locked(Container& c, int replica, const std::string& name, const ObjectVersion& v) const {
  const int n = topology_.object_replicas;
  auto& objects = replica < n ? c.object_replicas[static_cast<std::size_t>(replica)]
                              : c.handoff_replicas[static_cast<std::size_t>(replica - n)];
  Disk& disk = replica < n ? object_disks_[static_cast<std::size_t>(replica)]
                           : handoff_disks_[static_cast<std::size_t>(replica - n)];
  auto it = objects.find(name);
  if (it != objects.end() && it->second.ts >= v.ts) return true;  // it already holds this or newer
  if (!disk.fits(object_cost(v))) return false;
  if (it == objects.end()) {
    objects.emplace(name, v);
  } else {
    disk.used -= object_cost(it->second);
    it->second = v;
  }
  disk.used += object_cost(v);
  return true;
}

bool Store::place_row_locked(Container& c, int replica, const std::string& name, const ListingRow& row) const {
  auto& rows = c.listing_replicas[static_cast<std::size_t>(replica)];
  Disk& disk = container_disks_[static_cast<std::size_t>(replica)];
  auto it = rows.find(name);
  if (it != rows.end() && it->second.ts >= row.ts) return true;
  if (!disk.fits_row(it == rows.end(), row_cost(name))) return false;
  if (it == rows.end()) {
    rows.emplace(name, row);
    disk.used += row_cost(name);  // deleted rows stay (until reclaim_age), so a row is never freed here
    ++disk.rows;
  } else {
    it->second = row;
  }
  return true;
}

void Store::release_handoff_locked(Container& c, int handoff, const std::string& name, Timestamp ts) const {
  auto& objects = c.handoff_replicas[static_cast<std::size_t>(handoff)];
  auto it = objects.find(name);
  if (it == objects.end() || it->second.ts != ts) return;  // a newer copy arrived: it has its own pending
  handoff_disks_[static_cast<std::size_t>(handoff)].used -= object_cost(it->second);
  objects.erase(it);
}

void Store::release_container_locked(const Container& c) const {
  for (std::size_t i = 0; i < c.object_replicas.size(); ++i)
    for (const auto& [name, v] : c.object_replicas[i]) object_disks_[i].used -= object_cost(v);
  for (std::size_t h = 0; h < c.handoff_replicas.size(); ++h)
    for (const auto& [name, v] : c.handoff_replicas[h]) handoff_disks_[h].used -= object_cost(v);
  for (std::size_t j = 0; j < c.listing_replicas.size(); ++j)
    for (const auto& [name, row] : c.listing_replicas[j]) {
      container_disks_[j].used -= row_cost(name);
      --container_disks_[j].rows;
    }
}

// The ring gives each partition a fixed handoff order: keyed by the name, not
// by the request, so every write of a name tries the same handoffs first.
std::vector<int> Store::handoff_order(const std::string& key) const {
  return rng_.permutation(topology_.handoffs, purpose::kHandoffOrder, key);
}

nlohmann::json Store::object_refusal_locked(int replica, const ObjectVersion& v, const WriteEffects& plan) const {
  if (auto rule = plan.full_objects.find(replica); rule != plan.full_objects.end())
    return {{"status", 507}, {"cause", "rule"}, {"rule", rule->second->id}};
  const Disk& disk = object_disks_[static_cast<std::size_t>(replica)];
  if (disk.fits(object_cost(v))) return nullptr;
  return {{"status", 507}, {"cause", "capacity"}, {"used", disk.used}, {"capacity", disk.capacity},
          {"needed", object_cost(v)}};
}

void Store::defer_pending_locked(Pending p, std::int64_t now) const {
  const std::int64_t retry = p.listing ? kUpdaterRetryUs : kReplicatorRetryUs;
  if (p.deferrals++ == 0) {  // logged once per update, not on every retry
    const Disk& disk = (p.listing ? container_disks_ : object_disks_)[static_cast<std::size_t>(p.replica)];
    nlohmann::json d = decision(DecisionKind::ReplicationDeferred);
    d.update({{"name", p.name},
              {"replica", replica_name(p.listing, p.replica)},
              {"ts", swift_timestamp(p.listing ? p.row.ts : p.version.ts)},
              {"used", disk.used},
              {"capacity", capacity_number(disk.capacity)},
              {"needed", p.listing ? row_cost(p.name) : object_cost(p.version)},
              {"retry_in_us", retry}});
    if (p.handoff >= 0) d["handoff"] = replica_name(false, topology_.object_replicas + p.handoff);
    if (p.listing && disk.rows >= disk.row_capacity) d["rows"] = disk.rows;
    // A line of its own, shaped like a request's: Swift's replicator (or the
    // object-updater, for a row) got 507 from the full replica.
    events_.append({{"seq", ++request_seq_},
                    {"t", static_cast<double>(now) / 1e6},
                    {"protocol", "replicator"},
                    {"method", p.listing ? "UPDATE" : "REPLICATE"},
                    {"account", p.account},
                    {"container", p.container},
                    {"object", p.name},
                    {"status", 507},
                    {"bytes", 0},
                    {"decisions", nlohmann::json::array({std::move(d)})}});
  }
  if (p.due_us != kForever) p.due_us = now + retry;
  pending_.emplace(p.due_us, std::move(p));
}

nlohmann::json Store::capacity_json() const {
  std::lock_guard lock(mu_);
  settle_locked();
  return capacity_json_locked();
}

CapacityReport Store::capacity() const {
  std::lock_guard lock(mu_);
  settle_locked();
  return capacity_locked();
}

CapacityReport Store::capacity_locked() const {
  auto tier = [](const std::vector<Disk>& disks, const char* prefix) {
    std::vector<DiskUse> out(disks.size());
    for (std::size_t i = 0; i < disks.size(); ++i)
      out[i] = {prefix + std::to_string(i + 1), disks[i].used, disks[i].capacity, disks[i].rows, disks[i].row_capacity};
    return out;
  };
  CapacityReport r{tier(object_disks_, "o"), tier(handoff_disks_, "h"), tier(container_disks_, "c"), 0};
  for (const auto& [due, p] : pending_) r.deferred_updates += p.deferrals > 0 ? 1 : 0;
  return r;
}

nlohmann::json Store::capacity_json_locked() const {
  auto tier = [](const std::vector<DiskUse>& disks, bool rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const DiskUse& d : disks) {
      nlohmann::json j = {{"replica", d.replica},
                          {"used", d.used},
                          {"capacity", capacity_number(d.capacity)},
                          {"full", d.used >= d.capacity}};
      if (rows) {
        j["rows"] = d.rows;
        j["row_capacity"] = capacity_number(d.row_capacity);
      }
      out.push_back(std::move(j));
    }
    return out;
  };
  const CapacityReport r = capacity_locked();
  return {{"objects", tier(r.objects, false)},
          {"handoffs", tier(r.handoffs, false)},
          {"containers", tier(r.containers, true)},
          {"deferred_updates", r.deferred_updates}};
}

}  // namespace stalemate::sim
