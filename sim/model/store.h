// The replicated object store that every protocol front-end (Swift, later S3)
// sits on. State is kept per replica, as a real cluster keeps it: each object
// replica holds its own version of each object (tombstones included), and each
// container-listing replica holds its own rows. Reads pick a replica order;
// listings are answered by one listing replica.
//
// In this first model every write reaches every replica before it is
// acknowledged (no lag). Replication delays, quorum and the fault plan plug in
// at apply_object_write()/apply_listing_update() and at the replica-choice
// points in read_object()/list_objects().
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/http_types.h"
#include "sim/model/listing.h"

namespace stalemate::sim {

// Microseconds since the epoch, always a multiple of 10 (Swift's X-Timestamp
// has 10 us resolution) and strictly increasing across the store's writes.
using Timestamp = std::int64_t;

struct ObjectVersion {
  Timestamp ts = 0;
  bool tombstone = false;
  Payload body = empty_payload();
  std::string etag;  // lowercase hex MD5 of body
  std::string content_type = "application/octet-stream";
  // Headers stored with the object and returned on GET/HEAD: X-Object-Meta-*,
  // X-Object-Manifest, Content-Disposition, Content-Encoding, X-Delete-At.
  Headers metadata;

  std::uint64_t size() const { return body->size(); }
  std::string manifest() const;  // X-Object-Manifest value, "" when not a DLO
};

struct StoreTopology {
  int object_replicas = 3;
  int container_replicas = 3;
};

struct ContainerStats {
  std::uint64_t object_count = 0;
  std::uint64_t bytes_used = 0;
  Timestamp created = 0;
  Headers metadata;  // X-Container-Meta-*, X-Container-Read, ...
};

struct AccountStats {
  std::uint64_t container_count = 0;
  std::uint64_t object_count = 0;
  std::uint64_t bytes_used = 0;
  Timestamp created = 0;
  Headers metadata;  // X-Account-Meta-*
};

// Which replica served a read, for the event log and for tests.
struct ReadResult {
  std::optional<ObjectVersion> version;  // nullopt: 404
  int replica = -1;                      // replica that answered, -1 if none
};

struct ReadOptions {
  bool newest = false;  // X-Newest: ask all replicas, newest timestamp wins
};

class Store {
 public:
  explicit Store(StoreTopology topology = {});
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreTopology& topology() const { return topology_; }

  // ---- accounts
  void create_account(const std::string& account);  // idempotent
  std::optional<AccountStats> account(const std::string& account) const;
  // Values replace existing keys; an empty value removes the key.
  bool update_account_metadata(const std::string& account, const Headers& changes);
  // Rows carry name, count (object_count), bytes (bytes_used), last_modified.
  std::optional<std::vector<ListItem>> list_containers(const std::string& account, const ListQuery& query) const;

  // ---- containers
  enum class ContainerPut { Created, Accepted, NoAccount };
  ContainerPut put_container(const std::string& account, const std::string& container, const Headers& metadata);
  std::optional<ContainerStats> container(const std::string& account, const std::string& container) const;
  bool update_container_metadata(const std::string& account, const std::string& container, const Headers& changes);
  enum class ContainerDelete { Deleted, NotFound, NotEmpty };
  ContainerDelete delete_container(const std::string& account, const std::string& container);

  // ---- objects
  enum class WriteStatus { Ok, NoContainer, NotFound };
  struct WriteResult {
    WriteStatus status = WriteStatus::Ok;
    Timestamp ts = 0;
  };
  // Stores a new version (its ts is assigned here) on the object replicas and
  // updates the listing replicas.
  WriteResult put_object(const std::string& account, const std::string& container, const std::string& name,
                         ObjectVersion version);
  // Writes a tombstone. NotFound when a read would have answered 404 (the
  // tombstone is still written, as Swift does).
  WriteResult delete_object(const std::string& account, const std::string& container, const std::string& name);
  // Swift fast-POST: replaces the object's user metadata (X-Object-Meta-*) and
  // optionally Content-Type, keeping its body; NotFound when absent.
  WriteResult post_object(const std::string& account, const std::string& container, const std::string& name,
                          const Headers& metadata, const std::string& content_type);
  ReadResult read_object(const std::string& account, const std::string& container, const std::string& name,
                         ReadOptions options = {}) const;
  // One listing replica answers; nullopt when the container does not exist.
  std::optional<std::vector<ListItem>> list_objects(const std::string& account, const std::string& container,
                                                    const ListQuery& query) const;

  // ---- test hooks (never reached by a protocol request)
  // Replaces the body of the current version of `name`, on every replica that
  // holds it, with a copy whose byte at `offset` is flipped. Listing rows keep
  // the old etag, as bit rot would. False when no replica holds such a byte.
  bool debug_flip_byte(const std::string& account, const std::string& container, const std::string& name,
                       std::uint64_t offset);
  // Names of live objects whose name starts with prefix (newest versions).
  std::vector<std::string> debug_object_names(const std::string& account, const std::string& container,
                                              const std::string& prefix) const;

 private:
  struct Container {
    Timestamp created = 0;
    Headers metadata;
    std::vector<std::map<std::string, ObjectVersion>> object_replicas;
    std::vector<std::map<std::string, ListingRow>> listing_replicas;
  };
  struct Account {
    Timestamp created = 0;
    Headers metadata;
    std::map<std::string, Container> containers;
  };

  Timestamp next_timestamp_locked();
  Container* find_container_locked(const std::string& account, const std::string& container);
  const Container* find_container_locked(const std::string& account, const std::string& container) const;
  // The replication seams: today every replica applies at once.
  void apply_object_write(Container& c, const std::string& name, const ObjectVersion& v);
  void apply_listing_update(Container& c, const std::string& name, const ObjectVersion& v);
  ReadResult read_locked(const Container& c, const std::string& name, ReadOptions options) const;
  static ContainerStats stats_of(const Container& c);

  StoreTopology topology_;
  mutable std::mutex mu_;
  Timestamp last_ts_ = 0;
  std::map<std::string, Account> accounts_;
};

}  // namespace stalemate::sim
