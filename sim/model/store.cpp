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
#include "sim/model/decision.h"
#include "sim/model/json_text.h"
#include "sim/model/store_internal.h"

namespace stalemate::sim {

using detail::in_range;
using detail::seconds_text;

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

}  // namespace

Store::Store(StoreTopology topology, std::uint64_t seed, bool virtual_time)
    : topology_(topology), rng_(seed), virtual_time_(virtual_time) {
  topology_.object_replicas = std::clamp(topology_.object_replicas, 1, kMaxReplicas);
  topology_.container_replicas = std::clamp(topology_.container_replicas, 1, kMaxReplicas);
  topology_.handoffs = std::clamp(topology_.handoffs, 0, kMaxReplicas);
  const auto& cap = topology_.capacity;
  auto sized = [](const std::vector<std::uint64_t>& tier, int n, const char* what) {
    if (!tier.empty() && tier.size() != static_cast<std::size_t>(n))
      throw std::invalid_argument(std::string("capacity.") + what + " has " + std::to_string(tier.size()) +
                                  " entries for " + std::to_string(n) + " replicas");
  };
  sized(cap.objects, topology_.object_replicas, "objects");
  sized(cap.handoffs, topology_.handoffs, "handoffs");
  sized(cap.containers, topology_.container_replicas, "containers");
  sized(cap.container_rows, topology_.container_replicas, "container_rows");
  for (int i = 0; i < topology_.object_replicas; ++i) object_disks_.push_back({capacity_of(cap.objects, i)});
  for (int h = 0; h < topology_.handoffs; ++h) handoff_disks_.push_back({capacity_of(cap.handoffs, h)});
  for (int j = 0; j < topology_.container_replicas; ++j)
    container_disks_.push_back({capacity_of(cap.containers, j), 0, capacity_of(cap.container_rows, j)});
  wall_at_start_us_ = virtual_time ? 1'700'000'000'000'000 : now_micros();
  steady_at_start_us_ = steady_micros();
}

Store::Store(const ModelConfig& config) : Store(config.topology, config.seed, config.virtual_time) {
  name_ordinals_.set_digests(config.digest_ordinals);
  set_consistency(config.consistency);
  set_phases(config.phases);
  add_rules(config.rules);
}

std::string Store::replica_name(bool listing, int replica) const {
  if (!listing && replica >= topology_.object_replicas) return "h" + std::to_string(replica - topology_.object_replicas + 1);
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

// ---- requests

RequestContext Store::begin_request(RequestInfo info) {
  std::lock_guard lock(mu_);
  settle_locked();
  RequestContext ctx;
  ctx.info = std::move(info);
  ctx.seq = ++request_seq_;
  ctx.t_us = time_locked();
  const RequestInfo& i = ctx.info;
  std::string key;
  key.reserve(i.method.size() + i.container.size() + i.object.size() + 2 +
              (i.is_listing ? 8 + i.listing_prefix.size() : 0));
  key.append(i.method).append(1, ' ').append(i.container).append(1, '/').append(i.object);
  if (i.is_listing) key.append("?prefix=").append(i.listing_prefix);
  key = name_ordinals_.canonical(key);  // the registry's random upload and segment names, as ordinals
  const std::uint64_t occurrence = ++occurrences_[key];
  ctx.identity = std::move(key);
  ctx.identity += '#';
  ctx.identity += std::to_string(occurrence);
  fire_rules_locked(ctx);
  return ctx;
}

void Store::end_request(const RequestContext& ctx, int status, std::uint64_t bytes) {
  RequestContext copy = ctx;
  end_request(std::move(copy), status, bytes);
}

void Store::end_request(RequestContext&& ctx, int status, std::uint64_t bytes) {
  // The line dump() would write for {"seq", "t", ..., "decisions"}: keys in
  // std::map order, written straight into the text (json_text.h).
  std::string line;
  const RequestInfo& i = ctx.info;
  line.reserve(192 + i.account.size() + i.container.size() + i.object.size() + i.method.size() + ctx.identity.size() +
               ctx.decisions_text.size() + (i.is_listing ? i.listing_prefix.size() : 0));  // one allocation
  {
    json_text::ObjectWriter e(line);
    e.field("account", ctx.info.account);
    e.field("bytes", bytes);
    e.field("container", ctx.info.container);
    std::string& decisions = e.key("decisions");
    decisions += '[';
    decisions += ctx.decisions_text;
    decisions += ']';
    e.field("identity", ctx.identity);
    if (ctx.info.is_listing) e.field("listing_prefix", ctx.info.listing_prefix);
    e.field("method", ctx.info.method);
    e.field("object", ctx.info.object);
    e.field("protocol", ctx.info.protocol);
    if (!ctx.rules.empty()) {
      std::string& out = e.key("rules");
      out += '[';
      for (std::size_t i = 0; i < ctx.rules.size(); ++i) {
        if (i) out += ',';
        json_text::append_string(out, ctx.rules[i]->id);
      }
      out += ']';
    }
    e.field("seq", ctx.seq);
    e.field("status", status);
    e.field("t", static_cast<double>(ctx.t_us) / 1e6);
  }
  events_.append_line(std::move(line));
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
    c.handoff_replicas.resize(static_cast<std::size_t>(topology_.handoffs));
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

int Store::choose_listing_replica_locked(const Container& c, RequestContext* ctx, std::string_view purpose) const {
  const int m = static_cast<int>(c.listing_replicas.size());
  if (const auto routed = plan_route(ctx).listing_replica) return std::min(*routed, m - 1);
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
  const int replica = choose_listing_replica_locked(*c, ctx, purpose::kContainerHead);
  if (ctx) {
    std::string text;  // as dump() writes {"kind", "replica"}: every listing and container HEAD notes one
    {
      json_text::ObjectWriter d(text);
      d.field("kind", decision_kind_name(DecisionKind::ContainerStats));
      d.field("replica", replica_name(true, replica));
    }
    ctx->note_text(text);
  }
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
  release_container_locked(it->second);
  a->second.containers.erase(it);
  return ContainerDelete::Deleted;
}

Store::WriteResult Store::put_object(const std::string& account, const std::string& container,
                                     const std::string& name, ObjectVersion version, RequestContext* ctx) {
  // Outside the lock: hashing a large body must not stall every other request.
  if (version.etag.empty()) version.etag = version.body.md5_hex();
  std::lock_guard lock(mu_);
  settle_locked();
  if (!find_container_locked(account, container)) return {WriteStatus::NoContainer, 0};
  version.ts = next_timestamp_locked();
  version.tombstone = false;
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

// The decision of one read: plain, stale (a replica holds a newer state) or
// missed (404 while a replica holds the object), written as JSON text with
// its keys in dump()'s sorted order. `tried`: the replicas passed over, as
// JSON text items.
std::string Store::read_decision(const std::string& name, const char* how, const std::string* route_rule,
                                 const std::string& tried, const ReadResult& result, const ObjectVersion* newest,
                                 int newest_replica) const {
  const bool stale = result.version && newest && newest->ts > result.version->ts;
  const bool missed = !result.version && newest && !newest->tombstone;
  std::string text;
  {
    json_text::ObjectWriter d(text);
    if (missed) {
      d.field("holder", replica_name(false, newest_replica));
      d.field("holder_ts", swift_timestamp(newest->ts));
    }
    d.field("how", how);
    d.field("kind", decision_kind_name(stale ? DecisionKind::StaleRead : missed ? DecisionKind::ReadMissed : DecisionKind::Read));
    d.field("name", name);
    if (stale) {
      d.field("newest_replica", replica_name(false, newest_replica));
      json_text::append_json(d.key("newest_tombstone"), newest->tombstone);
      d.field("newest_ts", swift_timestamp(newest->ts));
    }
    if (result.version)
      d.field("replica", replica_name(false, result.replica));
    else
      d.key("replica") += "null";
    if (route_rule) d.field("route_rule", *route_rule);
    if (stale) json_text::append_json(d.key("stale"), true);
    if (!tried.empty()) {
      std::string& out = d.key("tried");
      out += '[';
      out += tried;
      out += ']';
    }
    if (result.version) d.field("ts", swift_timestamp(result.version->ts));
  }
  return text;
}

ReadResult Store::read_locked(const std::string& where, const Container& c, const std::string& name,
                              ReadOptions options, RequestContext* ctx) const {
  const ConsistencyParams params = params_locked();
  // Negative caching answers before any replica is asked.
  const std::string cache_key = params.negative_cache.is_zero() ? std::string() : where + "/" + name;
  const std::int64_t now = time_locked();
  if (ctx && !params.negative_cache.is_zero()) {
    auto cached = negative_cache_.find(cache_key);
    if (cached != negative_cache_.end() && cached->second > now) {
      nlohmann::json d = decision(DecisionKind::NegativeCacheHit);
      d.update({{"name", name}, {"replica", nullptr}, {"remaining_us", cached->second - now}});
      ctx->note(std::move(d));
      return {};
    }
  }
  const int n = static_cast<int>(c.object_replicas.size());
  const int k = static_cast<int>(c.handoff_replicas.size());
  // Replicas o1..oN are 0..n-1; handoffs h1..hK follow as n..n+k-1.
  auto lookup = [&](int i) -> const ObjectVersion* {
    const auto& objects = i < n ? c.object_replicas[static_cast<std::size_t>(i)]
                                : c.handoff_replicas[static_cast<std::size_t>(i - n)];
    auto it = objects.find(name);
    return it == objects.end() ? nullptr : &it->second;
  };
  // The newest state any replica holds, for X-Newest and for noting staleness.
  const ObjectVersion* newest = nullptr;
  int newest_replica = -1;
  for (int i = 0; i < n + k; ++i) {
    const ObjectVersion* v = lookup(i);
    if (v && (!newest || v->ts > newest->ts)) {
      newest = v;
      newest_replica = i;
    }
  }

  ReadResult result;
  std::string tried;             // JSON text items
  const char* how = "newest";    // X-Newest: all replicas asked
  const std::string* route_rule = nullptr;
  if (options.newest || params.always_newest) {
    if (newest && !newest->tombstone) {
      result.version = *newest;
      result.replica = newest_replica;
    }
  } else {
    std::vector<int> order;
    const FaultRule* route = plan_route(ctx).object_order;
    if (route) {
      for (int i : route->as<Route>()->order)
        if (i < n && std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
      for (int i = 0; i < n; ++i)
        if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
      how = "forced";
      route_rule = &route->id;
    } else if (params.shuffle_reads && ctx) {
      order = rng_.permutation(n, purpose::kReadOrder, ctx->identity, ctx->inner++);
      how = "shuffled";
    } else {
      order.resize(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      how = "fixed";
    }
    int tries = params.read_tries > 0 ? std::min(params.read_tries, n) : n;
    // After the primaries the proxy goes on to the handoffs, in ring order
    // (unless read_tries stops it early); one that holds nothing of the name
    // is skipped, as its 404 changes nothing.
    if (params.read_tries == 0 && k > 0)
      for (int h : handoff_order(where + "/" + name))
        if (lookup(n + h)) {
          order.push_back(n + h);
          ++tries;
        }
    for (int t = 0; t < tries; ++t) {
      const int i = order[static_cast<std::size_t>(t)];
      const ObjectVersion* v = lookup(i);
      if (!v || v->tombstone) {
        if (!tried.empty()) tried += ',';
        json_text::ObjectWriter item(tried);
        item.field("replica", replica_name(false, i));
        item.field("state", v ? "tombstone" : "absent");
        continue;
      }
      result.version = *v;
      result.replica = i;
      break;
    }
  }
  if (ctx && !result.version && !params.negative_cache.is_zero() && !negative_cache_.count(cache_key)) {
    const auto ttl = params.negative_cache.sample(rng_.uniform(purpose::kNegativeCache, ctx->identity, ctx->inner));
    negative_cache_[cache_key] = ttl == kForever ? kForever : now + ttl;
  }
  if (ctx) ctx->note_text(read_decision(name, how, route_rule, tried, result, newest, newest_replica));
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

std::optional<std::vector<ListItem>> Store::list_objects(const std::string& account, const std::string& container,
                                                         const ListQuery& query, RequestContext* ctx) const {
  std::lock_guard lock(mu_);
  settle_locked();
  const Container* c = find_container_locked(account, container);
  if (!c) return std::nullopt;
  const int replica = choose_listing_replica_locked(*c, ctx, purpose::kListingReplica);
  if (ctx) note_listing_evidence_locked(account, container, *c, replica, query, ctx);
  return select_listing(c->listing_replicas[static_cast<std::size_t>(replica)], query);
}

}  // namespace stalemate::sim
