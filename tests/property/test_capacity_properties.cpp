// Properties of storage capacity under random histories: used bytes never
// exceed a replica's capacity and always equal what it holds; nothing a full
// replica deferred is lost (heal converges); and a store whose capacities are
// never reached behaves exactly as one without capacities, event for event.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>
#include <ostream>

#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

struct Op {
  enum Kind { Put, Delete, Get, List, Advance } kind = Put;
  int key = 0;
  int bytes = 0;             // Put
  std::int64_t advance = 0;  // Advance, microseconds
};

void showValue(const Op& o, std::ostream& os) {
  static const char* names[] = {"PUT", "DELETE", "GET", "LIST", "ADVANCE"};
  os << names[o.kind];
  if (o.kind == Op::Put) os << " key" << o.key << " " << o.bytes << "B";
  if (o.kind == Op::Delete || o.kind == Op::Get) os << " key" << o.key;
  if (o.kind == Op::Advance) os << " " << o.advance << "us";
}

}  // namespace

namespace rc {
template <>
struct Arbitrary<Op> {
  static Gen<Op> arbitrary() {
    return gen::build<Op>(gen::set(&Op::kind, gen::element(Op::Put, Op::Put, Op::Delete, Op::Get, Op::List, Op::Advance)),
                          gen::set(&Op::key, gen::inRange(0, 4)), gen::set(&Op::bytes, gen::inRange(0, 48)),
                          gen::set(&Op::advance, gen::inRange<std::int64_t>(0, 40'000'000)));
  }
};
}  // namespace rc

namespace {

const char* kNames[] = {"a", "b", "seg/1", "seg/2"};

RequestInfo request(const char* method, const std::string& object, bool listing = false) {
  RequestInfo r;
  r.method = method;
  r.account = "A";
  r.container = "c";
  r.object = object;
  r.is_listing = listing;
  return r;
}

ModelConfig lagged(std::uint64_t seed, StoreTopology topology) {
  ModelConfig c;
  c.seed = seed;
  c.virtual_time = true;
  c.topology = std::move(topology);
  c.consistency.replication_delay = {Delay::Kind::Exponential, 2'000'000, 0};
  c.consistency.listing_delay = {Delay::Kind::LogNormal, 300'000, 4'000'000};
  return c;
}

void run(Store& store, const std::vector<Op>& ops, const std::function<void()>& after_each) {
  store.create_account("A");
  store.put_container("A", "c", {});
  for (const auto& op : ops) {
    const std::string name = kNames[op.key];
    switch (op.kind) {
      case Op::Put: {
        auto ctx = store.begin_request(request("PUT", name));
        ObjectVersion v;
        v.body = make_payload(std::string(static_cast<std::size_t>(op.bytes), 'x'));
        const auto w = store.put_object("A", "c", name, v, &ctx);
        store.end_request(ctx, w.status == Store::WriteStatus::Ok ? 201 : 503, 0);
        break;
      }
      case Op::Delete: {
        auto ctx = store.begin_request(request("DELETE", name));
        store.delete_object("A", "c", name, &ctx);
        store.end_request(ctx, 204, 0);
        break;
      }
      case Op::Get: {
        auto ctx = store.begin_request(request("GET", name));
        const auto r = store.read_object("A", "c", name, {}, &ctx);
        store.end_request(ctx, r.version ? 200 : 404, 0);
        break;
      }
      case Op::List: {
        auto ctx = store.begin_request(request("GET", "", true));
        store.list_objects("A", "c", {}, &ctx);
        store.end_request(ctx, 200, 0);
        break;
      }
      case Op::Advance: store.advance_clock(op.advance); break;
    }
    after_each();
  }
}

// Used bytes per object replica and handoff, recomputed from what each holds.
std::map<std::string, std::uint64_t> held_bytes(const Store& store) {
  std::map<std::string, std::uint64_t> held;
  for (const char* name : kNames)
    for (const auto& copy : store.object_copies("A", "c", name))
      if (copy.state == ReplicaCopy::State::Present) held[copy.replica] += copy.bytes;
  return held;
}

}  // namespace

TEST_CASE("capacity properties", "[capacity]") {
  rc::prop("used bytes never exceed capacity, equal what each replica holds, and heal loses nothing",
           [](const std::vector<Op>& ops, std::uint8_t seed) {
             StoreTopology t;
             t.handoffs = *rc::gen::inRange(0, 3);
             for (int i = 0; i < 3; ++i) t.capacity.objects.push_back(*rc::gen::inRange<std::uint64_t>(0, 120));
             for (int h = 0; h < t.handoffs; ++h) t.capacity.handoffs.push_back(*rc::gen::inRange<std::uint64_t>(0, 120));
             for (int j = 0; j < 3; ++j) t.capacity.container_rows.push_back(*rc::gen::inRange<std::uint64_t>(0, 5));
             Store store(lagged(seed, t));
             run(store, ops, [&] {
               const CapacityReport cap = store.capacity();
               const auto held = held_bytes(store);
               for (const auto* tier : {&cap.objects, &cap.handoffs, &cap.containers})
                 for (const DiskUse& d : *tier) {
                   if (d.capacity != kUnlimited) RC_ASSERT(d.used <= d.capacity);
                   if (tier == &cap.containers && d.row_capacity != kUnlimited) RC_ASSERT(d.rows <= d.row_capacity);
                   if (tier != &cap.containers) {
                     const auto it = held.find(d.replica);
                     RC_ASSERT(d.used == (it == held.end() ? 0u : it->second));
                   }
                 }
             });
             store.heal();
             RC_ASSERT(store.converged());
             RC_ASSERT(store.pending_count() == 0u);
           });

  rc::prop("capacities that are never reached change nothing: the same event log, byte for byte",
           [](const std::vector<Op>& ops, std::uint8_t seed) {
             StoreTopology roomy;
             roomy.capacity.objects = {1u << 30, kUnlimited, 1u << 30};
             roomy.capacity.containers = {1u << 30, 1u << 30, 1u << 30};
             roomy.capacity.container_rows = {1000, 1000, 1000};
             Store plain(lagged(seed, {})), limited(lagged(seed, roomy));
             run(plain, ops, [] {});
             run(limited, ops, [] {});
             RC_ASSERT(plain.events().jsonl() == limited.events().jsonl());
             RC_ASSERT(plain.converged() == limited.converged());
           });
}
