// One type per fault kind. Each kind is a small struct with, in one place
// (its section of fault_kinds.cpp), its parse, its JSON form and its
// description, plus the hook through which the store applies it:
//  - on_request (FAIL, CUT, EXPIRE): request-level effects the front-end applies;
//  - on_write (ROW, OBJ, FULL, BITROT): what happens to each replica of a write;
//  - on_route (ROUTE): which replicas answer reads and listings.
// A new kind (latency, reset, slow body) is one new struct, its section and
// its hook; FaultEffect lists it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/model/delay.h"
#include "sim/model/topology.h"

namespace stalemate {
class JsonReader;
}

namespace stalemate::sim {

struct FaultRule;
struct RequestContext;
struct RequestInfo;

enum class FaultKind { Row, Obj, Route, Fail, Cut, Expire, Full, Bitrot };
const char* fault_kind_name(FaultKind k);

enum class Change { Any, Insert, Delete, Put, Post };  // ROW: insert/delete; OBJ: put/delete/post
enum class RouteTarget { Listing, Object };
enum class Tier { Object, Container };

// What the rules fired for one write do to each replica (filled by on_write).
struct WriteEffects {
  std::string change;    // the write: "put" | "delete" | "post"
  bool tombstone = false;
  std::map<int, const FaultRule*> full_objects, full_listings;  // FULL: the rule each replica answers 507 for
  std::map<int, const FaultRule*> object_holds, row_holds, bitrot;
};

// Which replicas answer (filled by on_route).
struct RouteEffects {
  std::optional<int> listing_replica;
  const FaultRule* object_order = nullptr;  // a ROUTE rule whose order reads follow
};

// Replica numbers parse against these (c1..cN for listings, o1..oN for objects).
struct ReplicaLimits {
  int object_replicas = kMaxReplicas;
  int container_replicas = kMaxReplicas;
};

// Hooks a kind does not use.
struct NoHooks {
  bool applies_to(const RequestInfo&) const { return true; }
  void on_request(RequestContext&) const {}
  void on_write(WriteEffects&, const FaultRule&) const {}
  void on_route(RouteEffects&, const FaultRule&) const {}
};

// Write kinds fire only for writes (PUT, POST, DELETE, COPY).
struct WriteHooks : NoHooks {
  bool applies_to(const RequestInfo& r) const;
};

// ROW: hold a write's listing-row change back from some container replicas.
struct RowHold : WriteHooks {
  static constexpr FaultKind kind = FaultKind::Row;
  std::vector<int> replicas;  // 0-based container replicas
  Change change = Change::Any;  // Insert | Delete | Any
  Delay hold = Delay::until_healed();
  void on_write(WriteEffects& w, const FaultRule& rule) const;
};

// OBJ: hold a write back from some object replicas.
struct ObjHold : WriteHooks {
  static constexpr FaultKind kind = FaultKind::Obj;
  std::vector<int> replicas;  // 0-based object replicas
  Change change = Change::Any;  // Put | Delete | Post | Any
  Delay hold = Delay::until_healed();
  void on_write(WriteEffects& w, const FaultRule& rule) const;
};

// ROUTE: a listing answered by one container replica, or reads trying object
// replicas in a fixed order.
struct Route : NoHooks {
  static constexpr FaultKind kind = FaultKind::Route;
  RouteTarget target = RouteTarget::Listing;
  std::vector<int> order;  // 0-based; a listing uses order[0]
  void on_route(RouteEffects& r, const FaultRule& rule) const;
};

// FAIL: answer `status`, before or after applying the operation.
struct Fail : NoHooks {
  static constexpr FaultKind kind = FaultKind::Fail;
  int status = 503;
  bool applied = false;
  // S3 only: answer HTTP 200 whose body is the <Error> document for `status`
  // (what S3 does to CopyObject, UploadPartCopy and CompleteMultipartUpload).
  bool error_in_200 = false;
  void on_request(RequestContext& ctx) const;
};

// CUT: close the response body after some bytes.
struct Cut : NoHooks {
  static constexpr FaultKind kind = FaultKind::Cut;
  std::uint64_t after_bytes = 0;
  void on_request(RequestContext& ctx) const;
};

// EXPIRE: every credential issued so far expires.
struct Expire : NoHooks {
  static constexpr FaultKind kind = FaultKind::Expire;
  bool applies_to(const RequestInfo& r) const;  // never the auth request itself
  void on_request(RequestContext& ctx) const;
};

// FULL: some object or container replicas answer 507 to writes.
struct Full : WriteHooks {
  static constexpr FaultKind kind = FaultKind::Full;
  std::vector<int> replicas;
  Tier tier = Tier::Object;
  void on_write(WriteEffects& w, const FaultRule& rule) const;
};

// BITROT: one byte flipped in the copy written to some object replicas.
struct Bitrot : WriteHooks {
  static constexpr FaultKind kind = FaultKind::Bitrot;
  std::vector<int> replicas;
  std::uint64_t offset = 0;
  void on_write(WriteEffects& w, const FaultRule& rule) const;
};

using FaultEffect = std::variant<RowHold, ObjHold, Route, Fail, Cut, Expire, Full, Bitrot>;

// Parses the kind-specific keys of a rule object (r is the whole rule).
FaultEffect parse_fault_effect(const JsonReader& r, const ReplicaLimits& limits);
// Adds the kind-specific keys to a rule's JSON form.
void fault_effect_to_json(const FaultEffect& e, nlohmann::json& j);
// "hold inserts from c2 until healed", "answer 503 after applying", ...
std::string describe_fault_effect(const FaultEffect& e);
// The replicas the effect names and whether they are container replicas
// (empty for kinds that name none).
std::pair<std::vector<int>, bool> named_replicas(const FaultEffect& e);

}  // namespace stalemate::sim
