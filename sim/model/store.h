// The replicated object store that every protocol front-end (Swift, S3) sits
// on: one model, one fault plan. State is kept per replica, as a real cluster
// keeps it:
//  - each object replica holds its own newest version of each object
//    (tombstones included); a write is acknowledged once `write_quorum`
//    replicas applied it, the others apply it after a replication delay;
//  - each container-listing replica holds its own rows, updated
//    asynchronously after each object write (Swift's async pendings);
//  - reads try object replicas in a (seeded) order and return the first 2xx,
//    possibly an old version; X-Newest asks all; a listing is answered by one
//    container replica.
// Pending replication is applied lazily, at the store time it falls due,
// before any operation observes the store. Every random choice comes from
// DecisionRng(seed) and the request's identity. Every decision is noted in
// the request's context and ends up in the event log.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/http_types.h"
#include "sim/model/consistency.h"
#include "sim/model/decision_rng.h"
#include "sim/model/event_log.h"
#include "sim/model/fault_rules.h"
#include "sim/model/listing.h"
#include "sim/model/name_ordinals.h"
#include "sim/model/request_context.h"
#include "sim/model/topology.h"

namespace stalemate::sim {

// Microseconds since the epoch, always a multiple of 10 (Swift's X-Timestamp
// has 10 us resolution) and strictly increasing across the store's writes.
using Timestamp = std::int64_t;

struct ObjectVersion {
  Timestamp ts = 0;
  bool tombstone = false;
  Bytes body;        // shared chunks: replicas, old versions and copies hold one buffer
  std::string etag;  // lowercase hex MD5 of body
  std::string content_type = "application/octet-stream";
  // Headers stored with the object and returned on GET/HEAD: X-Object-Meta-*,
  // X-Object-Manifest, Content-Disposition, Content-Encoding, X-Delete-At.
  Headers metadata;

  std::uint64_t size() const { return body.size(); }
  std::string manifest() const;  // X-Object-Manifest value, "" when not a DLO
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

// One object replica's (or handoff's) copy of a name, as inspection sees it
// (dump_object renders these; property tests read them without JSON).
struct ReplicaCopy {
  enum class State { Absent, Present, Tombstone };
  std::string replica;  // o1.., h1..
  State state = State::Absent;
  Timestamp ts = 0;  // Present / Tombstone
  std::uint64_t bytes = 0;
  std::string etag;
  std::string manifest;  // X-Object-Manifest, "" when not a DLO
};

// One device's room and use (capacity_json renders these).
struct DiskUse {
  std::string replica;  // o1.., h1.., c1..
  std::uint64_t used = 0;
  std::uint64_t capacity = 0;      // kUnlimited: no limit
  std::uint64_t rows = 0;          // container replicas only
  std::uint64_t row_capacity = 0;  // container replicas only
};

struct CapacityReport {
  std::vector<DiskUse> objects, handoffs, containers;
  std::size_t deferred_updates = 0;  // queued updates whose replica was full when they fell due
};

// Why the store queued an update for a replica, as decisions show it.
struct PendingWhy {
  const char* cause = "";       // "rule_hold", "replication_lag", "listing_lag", "container_full", ...
  std::string rule;             // with a rule: its id
  const char* fault = nullptr;  // with a rule: its kind
};

// Which replica served a read, for the event log and for tests.
struct ReadResult {
  std::optional<ObjectVersion> version;  // nullopt: 404
  int replica = -1;                      // replica that answered, -1 if none
};

struct ReadOptions {
  bool newest = false;  // X-Newest: ask all replicas, newest timestamp wins
};

// Everything a scenario sets about the model.
struct ModelConfig {
  std::uint64_t seed = 1;
  // Time moves only through advance_clock(): with the same seed and request
  // sequence, timestamps and the whole event log repeat byte for byte.
  bool virtual_time = false;
  StoreTopology topology;
  ConsistencyParams consistency;
  std::vector<Phase> phases;
  std::vector<FaultRule> rules;
  // Decisions keyed by the order blob/manifest digests first appear in object
  // names ("digest-1") rather than by the digests: runs whose layers differ
  // only by a salt (stalemate explore in a reused registry) take the same draws.
  bool digest_ordinals = false;
};

class Store {
 public:
  explicit Store(StoreTopology topology = {}, std::uint64_t seed = 1, bool virtual_time = false);
  explicit Store(const ModelConfig& config);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreTopology& topology() const { return topology_; }
  std::uint64_t seed() const { return rng_.seed(); }

  // ---- requests (front-ends bracket every client request with these)
  RequestContext begin_request(RequestInfo info);
  void end_request(const RequestContext& ctx, int status, std::uint64_t bytes);
  // The same, moving the decisions into the log instead of copying them.
  void end_request(RequestContext&& ctx, int status, std::uint64_t bytes);

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
  // Stats as one container replica reports them.
  std::optional<ContainerStats> container(const std::string& account, const std::string& container,
                                          RequestContext* ctx = nullptr) const;
  bool update_container_metadata(const std::string& account, const std::string& container, const Headers& changes);
  enum class ContainerDelete { Deleted, NotFound, NotEmpty };
  ContainerDelete delete_container(const std::string& account, const std::string& container);

  // ---- objects
  enum class WriteStatus {
    Ok,
    NoContainer,
    NotFound,
    Unavailable,  // fewer than write_quorum replicas could store it (Swift: 503)
  };
  struct WriteResult {
    WriteStatus status = WriteStatus::Ok;
    Timestamp ts = 0;
    // Unavailable because replicas answered 507 (a FULL rule or no room):
    // Swift's proxy still says 503, an S3 store says it is full.
    bool storage_full = false;
  };
  // Stores a new version (its ts is assigned here) on the object replicas and
  // schedules the listing updates.
  WriteResult put_object(const std::string& account, const std::string& container, const std::string& name,
                         ObjectVersion version, RequestContext* ctx = nullptr);
  // Writes a tombstone. NotFound when the newest version was already absent
  // (the tombstone is still written, as Swift does).
  WriteResult delete_object(const std::string& account, const std::string& container, const std::string& name,
                            RequestContext* ctx = nullptr);
  // Swift fast-POST: replaces the object's user metadata (X-Object-Meta-*) and
  // optionally Content-Type, keeping its body; NotFound when absent.
  WriteResult post_object(const std::string& account, const std::string& container, const std::string& name,
                          const Headers& metadata, const std::string& content_type, RequestContext* ctx = nullptr);
  ReadResult read_object(const std::string& account, const std::string& container, const std::string& name,
                         ReadOptions options = {}, RequestContext* ctx = nullptr) const;
  // One listing replica answers; nullopt when the container does not exist.
  std::optional<std::vector<ListItem>> list_objects(const std::string& account, const std::string& container,
                                                    const ListQuery& query, RequestContext* ctx = nullptr) const;

  // ---- control (scenario phases, the control endpoint, end-of-run checks)
  std::int64_t now_us() const;          // store time: since construction, plus advance_clock()
  void advance_clock(std::int64_t us);  // CLOCK(+d)
  // Credentials issued before this store time are expired (EXPIRE).
  std::int64_t auth_epoch_us() const;
  void expire_credentials();
  ConsistencyParams params_now() const;  // base params with the active phases applied
  ConsistencyParams base_params() const;
  // The setters below throw std::invalid_argument (naming the rule id or knob)
  // when a replica number or count does not fit the topology.
  void set_consistency(ConsistencyParams base);
  // Applies `patch` over the base params (phases still apply on top).
  void patch_consistency(const ConsistencyPatch& patch);
  void set_phases(std::vector<Phase> phases);
  void replace_rules(std::vector<FaultRule> rules);
  void set_rules(std::vector<FaultRule> rules) { replace_rules(std::move(rules)); }
  void add_rules(std::vector<FaultRule> rules);
  bool set_rule_enabled(const std::string& id, bool enabled);
  nlohmann::json rules_json() const;
  // Applies every pending replication and listing update now, including those
  // held "until healed". Returns how many were applied.
  std::size_t quiesce();
  // Disables every rule, drops lag and phases, and quiesces: from here on the
  // store behaves like a strongly consistent one.
  std::size_t heal();
  std::size_t pending_count() const;
  // True when every object replica and every listing replica of every
  // container hold the same state.
  bool converged() const;
  // Capacity and use of every replica (objects, handoffs, containers).
  nlohmann::json capacity_json() const;
  CapacityReport capacity() const;
  // Each object replica's copy of `name`, then each handoff that holds one
  // (pending updates that are due applied first); empty without the container.
  std::vector<ReplicaCopy> object_copies(const std::string& account, const std::string& container,
                                         const std::string& name) const;
  // Per-replica state of one object (and its listing rows) and pending updates.
  nlohmann::json dump_object(const std::string& account, const std::string& container, const std::string& name) const;
  // Distinct payload bytes the store holds (every replica, handoff and pending
  // update counted once per shared chunk): what its memory should be.
  std::uint64_t unique_payload_bytes() const;
  EventLog& events() { return events_; }
  const EventLog& events() const { return events_; }

  // ---- reuse of one store by consecutive runs (stalemate explore, store_reset.cpp)
  // Marks the state a reset returns to: accounts and containers as they are
  // now (the registry's start created its container, read its TempURL key),
  // the store time and the request-identity counters (its start's requests).
  void mark_baseline();
  // Back to the baseline with `config`'s seed, knobs, phases and rules, as if
  // the store had just been built from `config` and the registry had just
  // started: every object, listing row, handoff copy, pending update and
  // negative-cache entry is gone, the event log is empty, the clock and the
  // request identities restart from the baseline. Accounts and containers and
  // their metadata stay (the registry's config names them). Throws
  // std::invalid_argument when the topology or the time mode differ.
  void reset(const ModelConfig& config);

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
    std::vector<std::map<std::string, ObjectVersion>> handoff_replicas;  // copies held for a full primary
    std::vector<std::map<std::string, ListingRow>> listing_replicas;
  };
  // One device's room (capacity.cpp): bytes, and rows for a container DB.
  struct Disk {
    std::uint64_t capacity = kUnlimited;
    std::uint64_t used = 0;
    std::uint64_t row_capacity = kUnlimited;
    std::uint64_t rows = 0;
    // A full disk (used == capacity) refuses everything, zero-byte files and
    // tombstones included (Swift's fallocate_reserve check); otherwise the new
    // bytes must fit. An overwrite gets no credit for the old copy: the new
    // file is written before the old one is unlinked.
    bool fits(std::uint64_t bytes) const { return used < capacity && bytes <= capacity - used; }
    bool fits_row(bool new_row, std::uint64_t bytes) const {
      return used < capacity && (!new_row || (bytes <= capacity - used && rows < row_capacity));
    }
  };
  struct Account {
    Timestamp created = 0;
    Headers metadata;
    std::map<std::string, Container> containers;
  };
  // A replication or listing update not yet applied to one replica.
  struct Pending {
    std::int64_t due_us = 0;  // kForever: until healed
    std::int64_t since_us = 0;
    std::string account, container, name;
    int replica = 0;
    bool listing = false;
    ObjectVersion version;  // object updates
    ListingRow row;         // listing updates
    std::string cause;      // for state dumps: "held back by rule hide (ROW)", "listing lag", ...
    PendingWhy why;         // for decisions: {"cause": "rule_hold", "rule", "fault"} (see replication.cpp)
    int handoff = -1;       // the handoff holding this version for `replica` (freed once it moved)
    std::uint64_t deferrals = 0;  // times the target replica was full when it fell due
  };

  Timestamp next_timestamp_locked();
  std::int64_t time_locked() const;  // store time in microseconds
  Container* find_container_locked(const std::string& account, const std::string& container);
  const Container* find_container_locked(const std::string& account, const std::string& container) const;
  void settle_locked() const;  // applies pending updates that are due
  // False when the target replica has no room: the update stays queued.
  bool apply_pending_locked(const Pending& p) const;
  // Re-queues an update whose replica was full, as Swift's replicator and
  // object-updater retry, and logs the first deferral (capacity.cpp).
  void defer_pending_locked(Pending p, std::int64_t now) const;
  // ---- capacity (capacity.cpp): every change to a replica goes through these
  bool place_object_locked(Container& c, int replica, const std::string& name, const ObjectVersion& v) const;
  bool place_row_locked(Container& c, int replica, const std::string& name, const ListingRow& row) const;
  void release_handoff_locked(Container& c, int handoff, const std::string& name, Timestamp ts) const;
  void release_container_locked(const Container& c) const;
  CapacityReport capacity_locked() const;
  nlohmann::json capacity_json_locked() const;
  std::vector<ReplicaCopy> object_copies_locked(const Container& c, const std::string& name) const;
  std::vector<int> handoff_order(const std::string& key) const;  // key: account/container/name
  // Why object replica i refuses `v` (a FULL rule or no room), or null.
  nlohmann::json object_refusal_locked(int replica, const ObjectVersion& v, const WriteEffects& plan) const;
  WriteResult write_locked(const std::string& account, const std::string& container, const std::string& name,
                           ObjectVersion version, const std::string& change, RequestContext* ctx);
  // The write path (replication.cpp): rules' effects per replica, then each tier.
  struct WriteTarget {
    const std::string& account;
    const std::string& container;
    const std::string& name;
    Container* c;
    std::string identity;  // seeds the write's random choices
  };
  // The fault hooks (rule_engine.cpp): request (FAIL, CUT, EXPIRE) when rules
  // fire; write (ROW, OBJ, FULL, BITROT) and route (ROUTE) when they apply.
  static WriteEffects plan_write(const ObjectVersion& version, const std::string& change, const RequestContext* ctx);
  static RouteEffects plan_route(const RequestContext* ctx);
  // Returns how many replicas (primaries or handoffs) stored it; `refused`
  // counts the primaries that answered 507 and found no handoff.
  int write_object_replicas_locked(const WriteTarget& w, const ObjectVersion& version, const WriteEffects& plan,
                                   const ConsistencyParams& params, std::string& replicas, bool& notable,
                                   int& refused);
  // `listings` and `replicas` collect each replica's fate as JSON text (json_text.h).
  void write_listing_replicas_locked(const WriteTarget& w, const ListingRow& row, const WriteEffects& plan,
                                     const ConsistencyParams& params, std::string& listings, bool& notable);
  void fire_rules_locked(RequestContext& ctx);
  void enqueue_locked(Pending p);
  std::string read_decision(const std::string& name, const char* how, const std::string* route_rule,
                            const std::string& tried, const ReadResult& result, const ObjectVersion* newest,
                            int newest_replica) const;
  ReadResult read_locked(const std::string& where, const Container& c, const std::string& name, ReadOptions options,
                         RequestContext* ctx) const;
  int choose_listing_replica_locked(const Container& c, RequestContext* ctx, std::string_view purpose) const;
  void note_listing_evidence_locked(const std::string& account, const std::string& container, const Container& c,
                                    int replica, const ListQuery& query, RequestContext* ctx) const;
  const Pending* pending_listing_locked(const std::string& account, const std::string& container,
                                       const std::string& name, int replica) const;
  nlohmann::json pending_json(const Pending& p) const;
  ContainerStats stats_of(const Container& c, int replica) const;
  ConsistencyParams params_locked() const;
  int quorum_locked(const ConsistencyParams& p) const;
  std::string replica_name(bool listing, int replica) const;  // o1.., c1.., h1.. (object index >= N)

  StoreTopology topology_;
  DecisionRng rng_;
  mutable std::mutex mu_;
  Timestamp last_ts_ = 0;
  std::int64_t wall_at_start_us_ = 0;
  std::int64_t steady_at_start_us_ = 0;
  bool virtual_time_ = false;
  std::int64_t clock_offset_us_ = 0;
  std::int64_t auth_epoch_us_ = -1;
  mutable std::uint64_t request_seq_ = 0;  // the replicator's log lines take numbers too
  std::map<std::string, std::uint64_t> occurrences_;
  NameOrdinals name_ordinals_;  // request identities independent of the registry's random names
  struct Baseline {
    std::int64_t time_us = 0;
    std::uint64_t request_seq = 0;
    std::map<std::string, std::uint64_t> occurrences;
    NameOrdinals name_ordinals;
  };
  Baseline baseline_;  // mark_baseline(); empty: a reset starts from a new store's counters
  ConsistencyParams base_params_;
  std::vector<Phase> phases_;
  std::vector<std::shared_ptr<FaultRule>> rules_;
  mutable std::multimap<std::int64_t, Pending> pending_;  // by due time; mutable: reads settle lazily
  mutable std::map<std::string, std::int64_t> negative_cache_;  // "account/container/name" -> 404 until
  // Accounts are mutable so that const reads can apply due replication first.
  mutable std::map<std::string, Account> accounts_;
  // Devices: object replicas o1..oN, handoffs h1..hK, container replicas c1..cM.
  mutable std::vector<Disk> object_disks_, handoff_disks_, container_disks_;
  mutable EventLog events_;  // mutable: the replicator logs deferrals while reads settle
};

}  // namespace stalemate::sim
