#include "sim/model/store.h"

#include <algorithm>
#include <strings.h>

#include "common/crypto.h"
#include "common/time_format.h"

namespace stalemate::sim {

std::string ObjectVersion::manifest() const {
  auto it = metadata.find("X-Object-Manifest");
  return it == metadata.end() ? std::string() : it->second;
}

namespace {
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
}  // namespace

Store::Store(StoreTopology topology) : topology_(topology) {
  topology_.object_replicas = std::max(1, topology_.object_replicas);
  topology_.container_replicas = std::max(1, topology_.container_replicas);
}

Timestamp Store::next_timestamp_locked() {
  Timestamp now = now_micros() / 10 * 10;
  last_ts_ = std::max(now, last_ts_ + 10);
  return last_ts_;
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
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return std::nullopt;
  AccountStats s;
  s.created = a->second.created;
  s.metadata = a->second.metadata;
  s.container_count = a->second.containers.size();
  for (const auto& [name, c] : a->second.containers) {
    const auto cs = stats_of(c);
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
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return std::nullopt;
  std::map<std::string, ListingRow> rows;
  for (const auto& [name, c] : a->second.containers) {
    const auto cs = stats_of(c);
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

ContainerStats Store::stats_of(const Container& c) {
  // Stats come from the first listing replica, as a container HEAD is answered
  // by one container server.
  ContainerStats s;
  s.created = c.created;
  s.metadata = c.metadata;
  if (!c.listing_replicas.empty()) {
    for (const auto& [name, row] : c.listing_replicas.front()) {
      if (row.deleted) continue;
      ++s.object_count;
      s.bytes_used += row.bytes;
    }
  }
  return s;
}

std::optional<ContainerStats> Store::container(const std::string& account, const std::string& container) const {
  std::lock_guard lock(mu_);
  const Container* c = find_container_locked(account, container);
  if (!c) return std::nullopt;
  return stats_of(*c);
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
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return ContainerDelete::NotFound;
  auto it = a->second.containers.find(container);
  if (it == a->second.containers.end()) return ContainerDelete::NotFound;
  if (stats_of(it->second).object_count > 0) return ContainerDelete::NotEmpty;
  a->second.containers.erase(it);
  return ContainerDelete::Deleted;
}

// ---- objects

void Store::apply_object_write(Container& c, const std::string& name, const ObjectVersion& v) {
  for (auto& replica : c.object_replicas) {
    auto& slot = replica[name];
    if (slot.ts < v.ts) slot = v;  // a replica keeps the newest version it has seen
  }
}

void Store::apply_listing_update(Container& c, const std::string& name, const ObjectVersion& v) {
  const ListingRow row = row_for(v);
  for (auto& replica : c.listing_replicas) {
    auto& slot = replica[name];
    if (slot.ts < row.ts) slot = row;
  }
}

Store::WriteResult Store::put_object(const std::string& account, const std::string& container,
                                     const std::string& name, ObjectVersion version) {
  std::lock_guard lock(mu_);
  Container* c = find_container_locked(account, container);
  if (!c) return {WriteStatus::NoContainer, 0};
  version.ts = next_timestamp_locked();
  version.tombstone = false;
  if (!version.body) version.body = empty_payload();
  if (version.etag.empty()) version.etag = md5_hex(*version.body);
  apply_object_write(*c, name, version);
  apply_listing_update(*c, name, version);
  return {WriteStatus::Ok, version.ts};
}

Store::WriteResult Store::delete_object(const std::string& account, const std::string& container,
                                        const std::string& name) {
  std::lock_guard lock(mu_);
  Container* c = find_container_locked(account, container);
  if (!c) return {WriteStatus::NoContainer, 0};
  const bool existed = read_locked(*c, name, {}).version.has_value();
  ObjectVersion tombstone;
  tombstone.ts = next_timestamp_locked();
  tombstone.tombstone = true;
  apply_object_write(*c, name, tombstone);
  apply_listing_update(*c, name, tombstone);
  return {existed ? WriteStatus::Ok : WriteStatus::NotFound, tombstone.ts};
}

Store::WriteResult Store::post_object(const std::string& account, const std::string& container,
                                      const std::string& name, const Headers& metadata,
                                      const std::string& content_type) {
  std::lock_guard lock(mu_);
  Container* c = find_container_locked(account, container);
  if (!c) return {WriteStatus::NoContainer, 0};
  auto current = read_locked(*c, name, {.newest = true}).version;
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
  apply_object_write(*c, name, v);
  apply_listing_update(*c, name, v);
  return {WriteStatus::Ok, v.ts};
}

ReadResult Store::read_locked(const Container& c, const std::string& name, ReadOptions options) const {
  ReadResult result;
  if (options.newest) {
    // X-Newest: every replica is asked; the newest timestamp wins, and a
    // newest tombstone means 404.
    const ObjectVersion* best = nullptr;
    for (std::size_t i = 0; i < c.object_replicas.size(); ++i) {
      auto it = c.object_replicas[i].find(name);
      if (it == c.object_replicas[i].end()) continue;
      if (!best || it->second.ts > best->ts) {
        best = &it->second;
        result.replica = static_cast<int>(i);
      }
    }
    if (best && !best->tombstone) {
      result.version = *best;
    } else {
      result.replica = -1;
    }
    return result;
  }
  // The proxy tries replicas in order and returns the first 2xx; a missing
  // object or a tombstone is a 404 and the next replica is tried.
  for (std::size_t i = 0; i < c.object_replicas.size(); ++i) {
    auto it = c.object_replicas[i].find(name);
    if (it == c.object_replicas[i].end() || it->second.tombstone) continue;
    result.version = it->second;
    result.replica = static_cast<int>(i);
    return result;
  }
  return result;
}

ReadResult Store::read_object(const std::string& account, const std::string& container, const std::string& name,
                              ReadOptions options) const {
  std::lock_guard lock(mu_);
  const Container* c = find_container_locked(account, container);
  if (!c) return {};
  return read_locked(*c, name, options);
}

std::optional<std::vector<ListItem>> Store::list_objects(const std::string& account, const std::string& container,
                                                         const ListQuery& query) const {
  std::lock_guard lock(mu_);
  const Container* c = find_container_locked(account, container);
  if (!c) return std::nullopt;
  return select_listing(c->listing_replicas.front(), query);
}

// ---- test hooks

bool Store::debug_flip_byte(const std::string& account, const std::string& container, const std::string& name,
                            std::uint64_t offset) {
  std::lock_guard lock(mu_);
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
  std::vector<std::string> names;
  const Container* c = find_container_locked(account, container);
  if (!c) return names;
  for (const auto& [name, v] : c->object_replicas.front()) {
    if (!v.tombstone && name.compare(0, prefix.size(), prefix) == 0) names.push_back(name);
  }
  return names;
}

}  // namespace stalemate::sim
