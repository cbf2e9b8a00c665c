#include "sim/model/store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <set>
#include <stdexcept>
#include <strings.h>

#include "common/crypto.h"
#include "common/json_reader.h"
#include "common/time_format.h"

namespace stalemate::sim {

std::string ObjectVersion::manifest() const {
  auto it = metadata.find("X-Object-Manifest");
  return it == metadata.end() ? std::string() : it->second;
}

namespace {

std::int64_t steady_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void apply_metadata_changes(Headers& target, const Headers& changes) {
  for (const auto& [k, v] : changes) {
    if (v.empty())
      target.erase(k);
    else
      target[k] = v;
  }
}

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

bool change_matches(const std::string& rule_change, const std::string& change, bool listing) {
  if (rule_change == "any") return true;
  if (listing) return rule_change == (change == "delete" ? "delete" : "insert");
  return rule_change == change;
}

std::string seconds_text(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(us) / 1e6);
  return buf;
}

bool in_range(const std::string& name, const ListQuery& q) {
  if (name.compare(0, q.prefix.size(), q.prefix) != 0) return false;
  if (!q.marker.empty() && name <= q.marker) return false;
  if (!q.end_marker.empty() && name >= q.end_marker) return false;
  return true;
}

}  // namespace

Store::Store(StoreTopology topology, std::uint64_t seed, bool virtual_time)
    : topology_(topology), rng_(seed), virtual_time_(virtual_time) {
  topology_.object_replicas = std::clamp(topology_.object_replicas, 1, 16);
  topology_.container_replicas = std::clamp(topology_.container_replicas, 1, 16);
  wall_at_start_us_ = virtual_time ? 1'700'000'000'000'000 : now_micros();
  steady_at_start_us_ = steady_micros();
}

Store::Store(const ModelConfig& config) : Store(config.topology, config.seed, config.virtual_time) {
  set_consistency(config.consistency);
  set_phases(config.phases);
  add_rules(config.rules);
}

std::string Store::replica_name(bool listing, int replica) const {
  return (listing ? "c" : "o") + std::to_string(replica + 1);
}

// ---- time, parameters

std::int64_t Store::time_locked() const {
  return (virtual_time_ ? 0 : steady_micros() - steady_at_start_us_) + clock_offset_us_;
}

std::int64_t Store::now_us() const {
  std::lock_guard lock(mu_);
  return time_locked();
}

void Store::advance_clock(std::int64_t us) {
  std::lock_guard lock(mu_);
  clock_offset_us_ += std::max<std::int64_t>(0, us);
}

std::int64_t Store::auth_epoch_us() const {
  std::lock_guard lock(mu_);
  return auth_epoch_us_;
}

void Store::expire_credentials() {
  std::lock_guard lock(mu_);
  auth_epoch_us_ = time_locked();
}

Timestamp Store::next_timestamp_locked() {
  const std::int64_t now = wall_at_start_us_ + time_locked();
  last_ts_ = std::max(now / 10 * 10, last_ts_ + 10);
  return last_ts_;
}

ConsistencyParams Store::params_locked() const {
  const std::int64_t now = time_locked();
  ConsistencyParams p = base_params_;
  for (const auto& ph : phases_)
    if (now >= ph.from_us && now < ph.until_us) p = apply(ph.set, p);
  return p;
}

ConsistencyParams Store::params_now() const {
  std::lock_guard lock(mu_);
  return params_locked();
}

ConsistencyParams Store::base_params() const {
  std::lock_guard lock(mu_);
  return base_params_;
}

int Store::quorum_locked(const ConsistencyParams& p) const {
  const int n = topology_.object_replicas;
  return p.write_quorum > 0 ? std::min(p.write_quorum, n) : n / 2 + 1;
}

namespace {
void check_fits(const ConsistencyPatch& patch, const StoreTopology& topology, const std::string& where) {
  const auto problem = consistency_topology_error(patch, topology);
  if (!problem.empty()) throw std::invalid_argument(where + problem);
}

void check_fits(const std::vector<FaultRule>& rules, const StoreTopology& topology) {
  for (const auto& r : rules) {
    const auto problem = fault_rule_topology_error(r, topology);
    if (!problem.empty()) throw std::invalid_argument("rule " + r.id + ": " + problem);
  }
}
}  // namespace

void Store::set_consistency(ConsistencyParams base) {
  check_fits(as_patch(base), topology_, "");
  std::lock_guard lock(mu_);
  base_params_ = base;
}

void Store::patch_consistency(const ConsistencyPatch& patch) {
  check_fits(patch, topology_, "");
  std::lock_guard lock(mu_);
  base_params_ = apply(patch, base_params_);
}

void Store::set_phases(std::vector<Phase> phases) {
  for (std::size_t i = 0; i < phases.size(); ++i) check_fits(phases[i].set, topology_, "phase " + std::to_string(i + 1) + ": ");
  std::lock_guard lock(mu_);
  phases_ = std::move(phases);
}

void Store::replace_rules(std::vector<FaultRule> rules) {
  check_fits(rules, topology_);
  std::lock_guard lock(mu_);
  rules_.clear();
  for (auto& r : rules) rules_.push_back(std::make_shared<FaultRule>(std::move(r)));
}

void Store::add_rules(std::vector<FaultRule> rules) {
  check_fits(rules, topology_);
  std::lock_guard lock(mu_);
  for (auto& r : rules) rules_.push_back(std::make_shared<FaultRule>(std::move(r)));
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

// ---- requests

RequestContext Store::begin_request(RequestInfo info) {
  std::lock_guard lock(mu_);
  settle_locked();
  RequestContext ctx;
  ctx.info = std::move(info);
  ctx.seq = ++request_seq_;
  ctx.t_us = time_locked();
  std::string key = ctx.info.method + " " + ctx.info.container + "/" + ctx.info.object;
  if (ctx.info.is_listing) key += "?prefix=" + ctx.info.listing_prefix;
  ctx.identity = key + "#" + std::to_string(++occurrences_[key]);
  for (auto& rule : rules_) {
    if (!rule->enabled || !kind_applies(rule->kind, ctx.info)) continue;
    if (ctx.t_us < rule->match.from_us || ctx.t_us >= rule->match.until_us) continue;
    if (!rule->match.matches(ctx.info)) continue;
    ++rule->seen;
    if (rule->match.nth && rule->seen != rule->match.nth) continue;
    if (rule->match.times && rule->fired >= rule->match.times) continue;
    ++rule->fired;
    ctx.rules.push_back(rule);
    std::string text = std::string("rule ") + rule->id + " (" + fault_kind_name(rule->kind) + ") fired";
    switch (rule->kind) {
      case FaultKind::Fail:
        ctx.fail_status = rule->status;
        ctx.fail_applied = rule->applied;
        ctx.fail_error_in_200 = rule->error_in_200;
        text += ": answer " + std::to_string(rule->status) + (rule->applied ? " after applying" : " without applying") +
                (rule->error_in_200 ? " (S3: as a 200 carrying the <Error> document)" : "");
        break;
      case FaultKind::Cut:
        ctx.cut_after = rule->after_bytes;
        text += ": body cut after " + std::to_string(rule->after_bytes) + " bytes";
        break;
      case FaultKind::Expire:
        ctx.credentials_expired = true;
        auth_epoch_us_ = ctx.t_us;
        text += ": every credential issued so far expires";
        break;
      default: break;
    }
    ctx.note({{"rule", rule->id}, {"kind", fault_kind_name(rule->kind)}, {"text", text}});
  }
  return ctx;
}

void Store::end_request(const RequestContext& ctx, int status, std::uint64_t bytes) {
  nlohmann::json e = {{"seq", ctx.seq},
                      {"t", static_cast<double>(ctx.t_us) / 1e6},
                      {"protocol", ctx.info.protocol},
                      {"method", ctx.info.method},
                      {"account", ctx.info.account},
                      {"container", ctx.info.container},
                      {"object", ctx.info.object},
                      {"identity", ctx.identity},
                      {"status", status},
                      {"bytes", bytes}};
  if (ctx.info.is_listing) e["listing_prefix"] = ctx.info.listing_prefix;
  if (!ctx.rules.empty()) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& r : ctx.rules) ids.push_back(r->id);
    e["rules"] = ids;
  }
  e["decisions"] = ctx.decisions;
  events_.append(std::move(e));
}

Store::Container* Store::find_container_locked(const std::string& account, const std::string& container) {
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return nullptr;
  auto c = a->second.containers.find(container);
  return c == a->second.containers.end() ? nullptr : &c->second;
}

const Store::Container* Store::find_container_locked(const std::string& account,
                                                     const std::string& container) const {
  return const_cast<Store*>(this)->find_container_locked(account, container);
}

// ---- accounts

void Store::create_account(const std::string& account) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = accounts_.try_emplace(account);
  if (inserted) it->second.created = next_timestamp_locked();
}

std::optional<AccountStats> Store::account(const std::string& account) const {
  std::lock_guard lock(mu_);
  settle_locked();
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return std::nullopt;
  AccountStats s;
  s.created = a->second.created;
  s.metadata = a->second.metadata;
  s.container_count = a->second.containers.size();
  for (const auto& [name, c] : a->second.containers) {
    const auto cs = stats_of(c, 0);
    s.object_count += cs.object_count;
    s.bytes_used += cs.bytes_used;
  }
  return s;
}

bool Store::update_account_metadata(const std::string& account, const Headers& changes) {
  std::lock_guard lock(mu_);
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return false;
  apply_metadata_changes(a->second.metadata, changes);
  return true;
}

std::optional<std::vector<ListItem>> Store::list_containers(const std::string& account,
                                                            const ListQuery& query) const {
  std::lock_guard lock(mu_);
  settle_locked();
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return std::nullopt;
  std::map<std::string, ListingRow> rows;
  for (const auto& [name, c] : a->second.containers) {
    const auto cs = stats_of(c, 0);
    ListingRow row;
    row.ts = c.created;
    row.last_modified = c.created;
    row.bytes = cs.bytes_used;
    row.count = cs.object_count;
    rows.emplace(name, row);
  }
  return select_listing(rows, query);
}

// ---- containers

Store::ContainerPut Store::put_container(const std::string& account, const std::string& container,
                                         const Headers& metadata) {
  std::lock_guard lock(mu_);
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return ContainerPut::NoAccount;
  auto [it, inserted] = a->second.containers.try_emplace(container);
  Container& c = it->second;
  if (inserted) {
    c.created = next_timestamp_locked();
    c.object_replicas.resize(static_cast<std::size_t>(topology_.object_replicas));
    c.listing_replicas.resize(static_cast<std::size_t>(topology_.container_replicas));
  }
  apply_metadata_changes(c.metadata, metadata);
  return inserted ? ContainerPut::Created : ContainerPut::Accepted;
}

ContainerStats Store::stats_of(const Container& c, int replica) const {
  ContainerStats s;
  s.created = c.created;
  s.metadata = c.metadata;
  for (const auto& [name, row] : c.listing_replicas[static_cast<std::size_t>(replica)]) {
    if (row.deleted) continue;
    ++s.object_count;
    s.bytes_used += row.bytes;
  }
  return s;
}

int Store::choose_listing_replica_locked(const Container& c, RequestContext* ctx, const char* purpose) const {
  const int m = static_cast<int>(c.listing_replicas.size());
  if (ctx) {
    for (const FaultRule* r : ctx->fired(FaultKind::Route))
      if (r->target == "listing") return std::min(r->order.front(), m - 1);
  }
  const auto p = params_locked();
  if (p.listing_replica >= 0) return std::min(p.listing_replica, m - 1);
  if (!ctx) return 0;
  return static_cast<int>(rng_.bits(purpose, ctx->identity, ctx->inner++) % static_cast<std::uint64_t>(m));
}

std::optional<ContainerStats> Store::container(const std::string& account, const std::string& container,
                                               RequestContext* ctx) const {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return std::nullopt;
  const int replica = choose_listing_replica_locked(*c, ctx, "container-head");
  if (ctx) ctx->note({{"op", "container-stats"}, {"replica", replica_name(true, replica)}});
  return stats_of(*c, replica);
}

bool Store::update_container_metadata(const std::string& account, const std::string& container,
                                      const Headers& changes) {
  std::lock_guard lock(mu_);
  Container* c = find_container_locked(account, container);
  if (!c) return false;
  apply_metadata_changes(c->metadata, changes);
  return true;
}

Store::ContainerDelete Store::delete_container(const std::string& account, const std::string& container) {
  std::lock_guard lock(mu_);
  settle_locked();
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return ContainerDelete::NotFound;
  auto it = a->second.containers.find(container);
  if (it == a->second.containers.end()) return ContainerDelete::NotFound;
  if (stats_of(it->second, 0).object_count > 0) return ContainerDelete::NotEmpty;
  a->second.containers.erase(it);
  return ContainerDelete::Deleted;
}

// ---- objects: writes

Store::WriteResult Store::write_locked(const std::string& account, const std::string& container,
                                       const std::string& name, ObjectVersion version, const std::string& change,
                                       RequestContext* ctx) {
  Container* c = find_container_locked(account, container);
  if (!c) return {WriteStatus::NoContainer, 0};
  const ConsistencyParams params = params_locked();
  const int n = topology_.object_replicas, m = topology_.container_replicas;
  const int quorum = quorum_locked(params);
  const std::int64_t now = time_locked();
  const std::string identity = ctx ? ctx->identity : "direct " + name + "@" + std::to_string(version.ts);

  // What the fired rules say about each replica.
  std::set<int> full_objects, full_listings;
  std::map<int, const FaultRule*> object_holds, row_holds, bitrot;
  if (ctx) {
    for (const auto& r : ctx->rules) {
      for (int i : r->replicas) {
        if (r->kind == FaultKind::Full) (r->tier == "object" ? full_objects : full_listings).insert(i);
        if (r->kind == FaultKind::Obj && change_matches(r->change, change, false)) object_holds[i] = r.get();
        if (r->kind == FaultKind::Row && change_matches(r->change, change, true)) row_holds[i] = r.get();
        if (r->kind == FaultKind::Bitrot && !version.tombstone) bitrot[i] = r.get();
      }
    }
  }

  nlohmann::json replicas = nlohmann::json::array();
  bool notable = false;
  int stored = 0, synchronous = 0;
  for (int i : rng_.permutation(n, "write-order", identity)) {
    const std::string rn = replica_name(false, i);
    if (full_objects.count(i)) {
      replicas.push_back(rn + ": full (507)");
      notable = true;
      continue;
    }
    ObjectVersion v = version;
    if (auto b = bitrot.find(i); b != bitrot.end() && b->second->offset < v.size()) {
      std::string bytes = *v.body;
      bytes[b->second->offset] = static_cast<char>(bytes[b->second->offset] ^ 0xff);
      v.body = make_payload(std::move(bytes));
      replicas.push_back(rn + ": byte " + std::to_string(b->second->offset) + " flipped by rule " + b->second->id);
      notable = true;
    }
    std::int64_t delay = 0;
    std::string cause;
    if (auto h = object_holds.find(i); h != object_holds.end()) {
      delay = h->second->hold.sample(rng_.uniform("object-hold", identity, static_cast<std::uint64_t>(i)));
      cause = "held back by rule " + h->second->id + " (OBJ)";
    } else if (synchronous >= quorum &&
               rng_.uniform("replica-lags", identity, static_cast<std::uint64_t>(i)) < params.replica_lag_probability) {
      delay = params.replication_delay.sample(rng_.uniform("replication", identity, static_cast<std::uint64_t>(i)));
      cause = "replication lag";
    }
    ++stored;  // a held replica's copy sits on a handoff: it still counts for the acknowledgement
    if (delay == 0) {
      auto& slot = c->object_replicas[static_cast<std::size_t>(i)][name];
      if (slot.ts < v.ts) slot = v;
      ++synchronous;
      replicas.push_back(rn + ": applied");
    } else {
      notable = true;
      replicas.push_back(rn + ": " + cause + ", " + (delay == kForever ? "until healed" : "+" + seconds_text(delay)));
      enqueue_locked({delay == kForever ? kForever : now + delay, now, account, container, name, i, false, v, {}, cause});
    }
  }
  if (stored == 0) {
    if (ctx) ctx->note({{"op", "write"}, {"name", name}, {"change", change}, {"replicas", replicas},
                        {"text", "write of " + name + " stored on no replica"}});
    return {WriteStatus::Unavailable, version.ts};
  }

  // Each object server that stored the write updates its container replica,
  // asynchronously; a failed update becomes an async pending.
  const ListingRow row = row_for(version);
  nlohmann::json listings = nlohmann::json::array();
  for (int j = 0; j < m; ++j) {
    const std::string rn = replica_name(true, j);
    std::int64_t delay = 0;
    std::string cause;
    if (full_listings.count(j)) {
      delay = kForever;
      cause = "container replica full: async pending";
    } else if (auto h = row_holds.find(j); h != row_holds.end()) {
      delay = h->second->hold.sample(rng_.uniform("row-hold", identity, static_cast<std::uint64_t>(j)));
      cause = "held back by rule " + h->second->id + " (ROW)";
    } else {
      delay = params.listing_delay.sample(rng_.uniform("listing", identity, static_cast<std::uint64_t>(j)));
      cause = "listing lag";
    }
    if (delay == 0) {
      auto& slot = c->listing_replicas[static_cast<std::size_t>(j)][name];
      if (slot.ts < row.ts) slot = row;
      listings.push_back(rn + ": updated");
    } else {
      notable = true;
      listings.push_back(rn + ": " + cause + ", " + (delay == kForever ? "until healed" : "+" + seconds_text(delay)));
      enqueue_locked({delay == kForever ? kForever : now + delay, now, account, container, name, j, true, {}, row, cause});
    }
  }
  const WriteStatus status = stored >= quorum ? WriteStatus::Ok : WriteStatus::Unavailable;
  if (ctx) {
    nlohmann::json d = {{"op", "write"},           {"name", name},         {"change", change},
                        {"ts", swift_timestamp(version.ts)}, {"replicas", replicas}, {"listings", listings}};
    if (notable) {
      std::string text = change + " " + name + " ts " + swift_timestamp(version.ts) + ":";
      for (const auto& r : replicas) text += " " + r.get<std::string>() + ";";
      for (const auto& l : listings) text += " " + l.get<std::string>() + ";";
      if (status == WriteStatus::Unavailable) text += " fewer than " + std::to_string(quorum) + " replicas stored it (503)";
      d["text"] = text;
    }
    ctx->note(std::move(d));
  }
  return {status, version.ts};
}

Store::WriteResult Store::put_object(const std::string& account, const std::string& container,
                                     const std::string& name, ObjectVersion version, RequestContext* ctx) {
  std::lock_guard lock(mu_);
  settle_locked();
  if (!find_container_locked(account, container)) return {WriteStatus::NoContainer, 0};
  version.ts = next_timestamp_locked();
  version.tombstone = false;
  if (!version.body) version.body = empty_payload();
  if (version.etag.empty()) version.etag = md5_hex(*version.body);
  return write_locked(account, container, name, std::move(version), "put", ctx);
}

Store::WriteResult Store::delete_object(const std::string& account, const std::string& container,
                                        const std::string& name, RequestContext* ctx) {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return {WriteStatus::NoContainer, 0};
  // The proxy sends the DELETE to every replica; the answer is 404 when the
  // newest state any replica has is already deleted.
  const bool existed = read_locked(account + "/" + container, *c, name, {.newest = true}, nullptr).version.has_value();
  ObjectVersion tombstone;
  tombstone.ts = next_timestamp_locked();
  tombstone.tombstone = true;
  auto result = write_locked(account, container, name, std::move(tombstone), "delete", ctx);
  if (result.status == WriteStatus::Ok && !existed) result.status = WriteStatus::NotFound;
  return result;
}

Store::WriteResult Store::post_object(const std::string& account, const std::string& container,
                                      const std::string& name, const Headers& metadata,
                                      const std::string& content_type, RequestContext* ctx) {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return {WriteStatus::NoContainer, 0};
  auto current = read_locked(account + "/" + container, *c, name, {.newest = true}, nullptr).version;
  if (!current) return {WriteStatus::NotFound, 0};
  ObjectVersion v = *current;
  // Fast-POST replaces user metadata wholesale; system headers stay.
  for (auto it = v.metadata.begin(); it != v.metadata.end();) {
    if (it->first.size() >= 14 && strncasecmp(it->first.c_str(), "X-Object-Meta-", 14) == 0)
      it = v.metadata.erase(it);
    else
      ++it;
  }
  for (const auto& [k, val] : metadata) v.metadata[k] = val;
  if (!content_type.empty()) v.content_type = content_type;
  v.ts = next_timestamp_locked();
  return write_locked(account, container, name, std::move(v), "post", ctx);
}

// ---- objects: reads

ReadResult Store::read_locked(const std::string& where, const Container& c, const std::string& name,
                              ReadOptions options, RequestContext* ctx) const {
  const ConsistencyParams params = params_locked();
  // Negative caching answers before any replica is asked.
  const std::string cache_key = where + "/" + name;
  const std::int64_t now = time_locked();
  if (ctx && !params.negative_cache.is_zero()) {
    auto cached = negative_cache_.find(cache_key);
    if (cached != negative_cache_.end() && cached->second > now) {
      ctx->note({{"op", "read"}, {"name", name}, {"replica", nullptr},
                 {"text", "read " + name + " answered 404 from the negative cache (a 404 was read " +
                              "before; cached for " + seconds_text(cached->second - now) + " more)"}});
      return {};
    }
  }
  const int n = static_cast<int>(c.object_replicas.size());
  auto lookup = [&](int i) -> const ObjectVersion* {
    auto it = c.object_replicas[static_cast<std::size_t>(i)].find(name);
    return it == c.object_replicas[static_cast<std::size_t>(i)].end() ? nullptr : &it->second;
  };
  // The newest state any replica holds, for X-Newest and for noting staleness.
  const ObjectVersion* newest = nullptr;
  int newest_replica = -1;
  for (int i = 0; i < n; ++i) {
    const ObjectVersion* v = lookup(i);
    if (v && (!newest || v->ts > newest->ts)) {
      newest = v;
      newest_replica = i;
    }
  }

  ReadResult result;
  nlohmann::json tried = nlohmann::json::array();
  std::string how;
  if (options.newest || params.always_newest) {
    how = "X-Newest: all replicas asked";
    if (newest && !newest->tombstone) {
      result.version = *newest;
      result.replica = newest_replica;
    }
  } else {
    std::vector<int> order;
    const FaultRule* route = nullptr;
    if (ctx)
      for (const FaultRule* r : ctx->fired(FaultKind::Route))
        if (r->target == "object") route = r;
    if (route) {
      for (int i : route->order)
        if (i < n && std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
      for (int i = 0; i < n; ++i)
        if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
      how = "order forced by rule " + route->id;
    } else if (params.shuffle_reads && ctx) {
      order = rng_.permutation(n, "read-order", ctx->identity, ctx->inner++);
      how = "shuffled";
    } else {
      order.resize(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      how = "fixed order";
    }
    const int tries = params.read_tries > 0 ? std::min(params.read_tries, n) : n;
    for (int k = 0; k < tries; ++k) {
      const int i = order[static_cast<std::size_t>(k)];
      const ObjectVersion* v = lookup(i);
      if (!v || v->tombstone) {
        tried.push_back(replica_name(false, i) + ": " + (v ? "tombstone" : "absent") + " (404)");
        continue;
      }
      result.version = *v;
      result.replica = i;
      break;
    }
  }
  if (ctx && !result.version && !params.negative_cache.is_zero() && !negative_cache_.count(cache_key)) {
    const auto ttl = params.negative_cache.sample(rng_.uniform("negative-cache", ctx->identity, ctx->inner));
    negative_cache_[cache_key] = ttl == kForever ? kForever : now + ttl;
  }
  if (ctx) {
    nlohmann::json d = {{"op", "read"}, {"name", name}, {"how", how}};
    if (!tried.empty()) d["tried"] = tried;
    if (result.version) {
      d["replica"] = replica_name(false, result.replica);
      d["ts"] = swift_timestamp(result.version->ts);
      if (newest && newest->ts > result.version->ts) {
        d["stale"] = true;
        d["text"] = "read " + name + " answered by " + replica_name(false, result.replica) + " with ts " +
                    swift_timestamp(result.version->ts) + "; " + replica_name(false, newest_replica) + " has newer " +
                    (newest->tombstone ? "tombstone" : "version") + " ts " + swift_timestamp(newest->ts);
      }
    } else {
      d["replica"] = nullptr;
      if (newest && !newest->tombstone)
        d["text"] = "read " + name + " answered 404 although " + replica_name(false, newest_replica) +
                    " holds ts " + swift_timestamp(newest->ts);
    }
    ctx->note(std::move(d));
  }
  return result;
}

ReadResult Store::read_object(const std::string& account, const std::string& container, const std::string& name,
                              ReadOptions options, RequestContext* ctx) const {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return {};
  return read_locked(account + "/" + container, *c, name, options, ctx);
}

void Store::note_listing_evidence_locked(const std::string& account, const std::string& container,
                                         const Container& c, int replica, const ListQuery& query,
                                         RequestContext* ctx) const {
  // The truth for the listed range: the newest row any listing replica has or
  // is still waiting for.
  std::map<std::string, ListingRow> truth;
  auto consider = [&](const std::string& name, const ListingRow& row) {
    if (!in_range(name, query)) return;
    auto& slot = truth[name];
    if (slot.ts < row.ts) slot = row;
  };
  for (const auto& rows : c.listing_replicas)
    for (auto it = rows.lower_bound(query.prefix); it != rows.end() && it->first.compare(0, query.prefix.size(), query.prefix) == 0; ++it)
      consider(it->first, it->second);
  for (const auto& [due, p] : pending_)
    if (p.listing && p.account == account && p.container == container) consider(p.name, p.row);

  const auto& mine = c.listing_replicas[static_cast<std::size_t>(replica)];
  nlohmann::json differences = nlohmann::json::array();
  std::size_t total = 0;
  for (const auto& [name, row] : truth) {
    auto it = mine.find(name);
    const ListingRow* have = it == mine.end() ? nullptr : &it->second;
    std::string what;
    if (!row.deleted && (!have || have->deleted)) what = "lacks " + name;
    else if (row.deleted && have && !have->deleted) what = "still lists deleted " + name;
    else if (!row.deleted && have && have->ts < row.ts)
      what = "lists a stale row for " + name + " (" + std::to_string(have->bytes) + " bytes, newest " +
             std::to_string(row.bytes) + ")";
    if (what.empty()) continue;
    if (++total > 8) continue;
    for (const auto& [due, p] : pending_) {
      if (p.listing && p.replica == replica && p.name == name && p.container == container && p.account == account) {
        const std::int64_t now = time_locked();
        what += " (" + p.cause + " for " + seconds_text(now - p.since_us) + " so far, " +
                (p.due_us == kForever ? std::string("until healed") : "due in " + seconds_text(p.due_us - now)) + ")";
        break;
      }
    }
    differences.push_back(what);
  }
  nlohmann::json d = {{"op", "listing"}, {"prefix", query.prefix}, {"replica", replica_name(true, replica)}};
  if (!query.marker.empty()) d["marker"] = query.marker;
  if (total) {
    d["differences"] = differences;
    d["text"] = "listing prefix=" + query.prefix + " answered by " + replica_name(true, replica) + ", which " +
                differences.front().get<std::string>() + (total > 1 ? " and " + std::to_string(total - 1) + " more" : "");
  }
  ctx->note(std::move(d));
}

std::optional<std::vector<ListItem>> Store::list_objects(const std::string& account, const std::string& container,
                                                         const ListQuery& query, RequestContext* ctx) const {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return std::nullopt;
  const int replica = choose_listing_replica_locked(*c, ctx, "listing-replica");
  if (ctx) note_listing_evidence_locked(account, container, *c, replica, query, ctx);
  return select_listing(c->listing_replicas[static_cast<std::size_t>(replica)], query);
}

// ---- inspection

nlohmann::json Store::dump_object(const std::string& account, const std::string& container,
                                  const std::string& name) const {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return nullptr;
  nlohmann::json objects = nlohmann::json::array(), rows = nlohmann::json::array(), pending = nlohmann::json::array();
  for (std::size_t i = 0; i < c->object_replicas.size(); ++i) {
    auto it = c->object_replicas[i].find(name);
    nlohmann::json o = {{"replica", replica_name(false, static_cast<int>(i))}};
    if (it == c->object_replicas[i].end()) {
      o["state"] = "absent";
    } else {
      o["state"] = it->second.tombstone ? "tombstone" : "present";
      o["ts"] = swift_timestamp(it->second.ts);
      o["bytes"] = it->second.size();
      o["etag"] = it->second.etag;
      if (!it->second.manifest().empty()) o["manifest"] = it->second.manifest();
    }
    objects.push_back(o);
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
    rows.push_back(r);
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
  }
  return {{"account", account}, {"container", container}, {"object", name},
          {"object_replicas", objects}, {"listing_replicas", rows}, {"pending", pending}};
}

// ---- test hooks

bool Store::debug_flip_byte(const std::string& account, const std::string& container, const std::string& name,
                            std::uint64_t offset) {
  std::lock_guard lock(mu_);
  settle_locked();
  Container* c = find_container_locked(account, container);
  if (!c) return false;
  bool flipped = false;
  Payload original, corrupted;
  for (auto& replica : c->object_replicas) {
    auto it = replica.find(name);
    if (it == replica.end() || it->second.tombstone || offset >= it->second.size()) continue;
    if (it->second.body != original) {  // replicas usually share one buffer: copy it once
      original = it->second.body;
      std::string bytes = *original;
      bytes[offset] = static_cast<char>(bytes[offset] ^ 0xff);
      corrupted = make_payload(std::move(bytes));
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

}  // namespace stalemate::sim
