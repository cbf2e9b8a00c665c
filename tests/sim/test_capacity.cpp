// Storage capacity in the model (mechanisms.md A6, M12): used bytes follow
// writes, overwrites, deletes and replication; a full replica answers 507, the
// proxy goes on to handoffs, and below quorum the write is unavailable; an
// update whose replica is full stays queued and is retried, never lost.
#include <catch2/catch.hpp>

#include "common/json_reader.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

StoreTopology topology(std::vector<std::uint64_t> objects, int handoffs = 0, std::vector<std::uint64_t> handoff_cap = {}) {
  StoreTopology t;
  t.handoffs = handoffs;
  t.capacity.objects = std::move(objects);
  t.capacity.handoffs = std::move(handoff_cap);
  return t;
}

struct CapacityStore {
  Store store;
  explicit CapacityStore(const StoreTopology& t) : store(t, 1, true) {
    store.create_account("A");
    store.put_container("A", "c", {});
  }
  Store::WriteResult put(const std::string& name, std::size_t bytes, nlohmann::json* decisions = nullptr) {
    RequestInfo info{.protocol = "swift", .method = "PUT", .account = "A", .container = "c", .object = name};
    auto ctx = store.begin_request(info);
    ObjectVersion v;
    v.body = make_payload(std::string(bytes, 'x'));
    const auto w = store.put_object("A", "c", name, v, &ctx);
    store.end_request(ctx, w.status == Store::WriteStatus::Ok ? 201 : 503, 0);
    if (decisions) *decisions = ctx.decisions();
    return w;
  }
  Store::WriteResult del(const std::string& name) {
    RequestInfo info{.protocol = "swift", .method = "DELETE", .account = "A", .container = "c", .object = name};
    auto ctx = store.begin_request(info);
    const auto w = store.delete_object("A", "c", name, &ctx);
    store.end_request(ctx, 204, 0);
    return w;
  }
  std::uint64_t used(const char* tier, int i) const {
    return store.capacity_json()[tier][static_cast<std::size_t>(i)]["used"].get<std::uint64_t>();
  }
};

// The fates of a write decision's object replicas, by replica name.
std::map<std::string, nlohmann::json> fates(const nlohmann::json& decisions) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& d : decisions)
    if (d.contains("replicas"))
      for (const auto& f : d["replicas"]) out[f["replica"].get<std::string>()] = f;
  return out;
}

}  // namespace

TEST_CASE("used bytes follow writes, overwrites and deletes", "[capacity]") {
  CapacityStore s(topology({100, 100, 100}));
  REQUIRE(s.put("a", 40).status == Store::WriteStatus::Ok);
  for (int i = 0; i < 3; ++i) CHECK(s.used("objects", i) == 40);
  REQUIRE(s.put("a", 30).status == Store::WriteStatus::Ok);  // an overwrite frees the old copy
  CHECK(s.used("objects", 0) == 30);
  REQUIRE(s.put("b", 60).status == Store::WriteStatus::Ok);
  CHECK(s.used("objects", 1) == 90);
  CHECK(s.store.capacity_json()["objects"][1]["full"] == false);
  REQUIRE(s.del("a").status == Store::WriteStatus::Ok);  // a tombstone costs nothing
  CHECK(s.used("objects", 2) == 60);
  REQUIRE(s.put("c", 40).status == Store::WriteStatus::Ok);  // exactly full
  CHECK(s.store.capacity_json()["objects"][0]["full"] == true);
}

TEST_CASE("a full disk refuses even a tombstone, and an overwrite gets no credit for the old copy", "[capacity]") {
  CapacityStore s(topology({50, 50, 50}));
  REQUIRE(s.put("a", 50).status == Store::WriteStatus::Ok);
  // Overwriting 50 with 10 needs 10 free bytes before the old file goes.
  nlohmann::json decisions;
  const auto over = s.put("a", 10, &decisions);
  CHECK(over.status == Store::WriteStatus::Unavailable);
  CHECK(over.storage_full);
  const auto f = fates(decisions);
  REQUIRE(f.count("o1"));
  CHECK(f.at("o1")["fate"] == "full");
  CHECK(f.at("o1")["status"] == 507);
  CHECK(f.at("o1")["cause"] == "capacity");
  CHECK(f.at("o1")["used"] == 50);
  CHECK(f.at("o1")["needed"] == 10);
  // A DELETE writes a tombstone: a full replica refuses it too (A6 -> M4).
  CHECK(s.del("a").status == Store::WriteStatus::Unavailable);
  CHECK(s.store.read_object("A", "c", "a").version.has_value());
  CHECK(s.used("objects", 0) == 50);
}

TEST_CASE("below quorum the write is unavailable, and the replicas that took it keep it", "[capacity]") {
  CapacityStore s(topology({10, 10, 100}));
  const auto w = s.put("big", 50);
  CHECK(w.status == Store::WriteStatus::Unavailable);
  CHECK(w.storage_full);
  CHECK(s.used("objects", 2) == 50);  // o3 stored it: a "failed" PUT that may surface later (M12b)
  CHECK(s.used("objects", 0) == 0);
}

TEST_CASE("a full primary sends the write to a handoff; replication moves it once the primary has room",
          "[capacity][handoff]") {
  CapacityStore s(topology({100, 60, 100}, 2, {100, 100}));
  REQUIRE(s.put("a", 40).status == Store::WriteStatus::Ok);
  const auto before = s.store.events().size();
  auto replicator_lines = [&] {
    std::vector<nlohmann::json> out;
    for (const auto& e : s.store.events().since(before))
      if (e["protocol"] == "replicator") out.push_back(e);
    return out;
  };
  nlohmann::json decisions;
  REQUIRE(s.put("b", 30, &decisions).status == Store::WriteStatus::Ok);  // 201 although o2 is full
  const auto f = fates(decisions);
  CHECK(f.at("o2")["fate"] == "full");
  const bool h1 = f.count("h1") > 0;
  const std::string handoff = h1 ? "h1" : "h2";
  REQUIRE(f.count(handoff));
  CHECK(f.at(handoff)["fate"] == "handoff");
  CHECK(f.at(handoff)["for"] == "o2");
  CHECK(s.used("handoffs", h1 ? 0 : 1) == 30);
  CHECK(s.used("objects", 1) == 40);
  // The copy on the handoff is readable and shown in the state dump.
  CHECK(s.store.read_object("A", "c", "b").version.has_value());
  CHECK(s.store.dump_object("A", "c", "b")["object_replicas"].size() == 4u);

  // The replicator finds o2 still full: the update stays queued and is logged once.
  s.store.advance_clock(1);
  CHECK_FALSE(s.store.converged());  // settles: the replicator's pass
  CHECK(s.store.pending_count() >= 1u);
  const auto events = replicator_lines();
  REQUIRE(events.size() == 1u);
  CHECK(events[0]["method"] == "REPLICATE");
  CHECK(events[0]["status"] == 507);
  CHECK(events[0]["decisions"][0]["kind"] == "replication_deferred");
  CHECK(events[0]["decisions"][0]["replica"] == "o2");
  CHECK(events[0]["decisions"][0]["handoff"] == handoff);

  // Deleting "a" frees o2; the next replicator pass moves "b" and frees the handoff.
  REQUIRE(s.del("a").status == Store::WriteStatus::Ok);
  CHECK(s.used("objects", 1) == 0);
  s.store.advance_clock(30'000'000);
  CHECK(s.used("objects", 1) == 30);
  CHECK(s.used("handoffs", h1 ? 0 : 1) == 0);
  CHECK(s.store.converged());
  CHECK(replicator_lines().size() == 1u);  // one line per deferred update, not one per retry
}

TEST_CASE("a lagging replica that is full when replication falls due keeps the update queued", "[capacity]") {
  CapacityStore s(topology({100, 100, 50}));
  s.store.add_rules({parse_fault_rule(JsonReader(nlohmann::json::parse(
                                                     R"({"kind":"OBJ","replicas":[3],"hold":"1s","match":{"object":"x"}})"),
                                                 "test"),
                                      0)});
  REQUIRE(s.put("x", 40).status == Store::WriteStatus::Ok);
  REQUIRE(s.put("y", 20).status == Store::WriteStatus::Ok);  // o3 now has 20 of 50
  s.store.advance_clock(1'000'000);
  CHECK(s.store.dump_object("A", "c", "x")["pending"][0]["deferred"] == 1);
  CHECK(s.used("objects", 2) == 20);
  REQUIRE(s.del("y").status == Store::WriteStatus::Ok);
  s.store.advance_clock(30'000'000);
  CHECK(s.used("objects", 2) == 40);
  CHECK(s.store.pending_count() == 0u);
}

TEST_CASE("the FULL rule takes the same path: 507 per replica, handoffs, 503 below quorum", "[capacity][handoff]") {
  CapacityStore s(topology({}, 1));
  s.store.add_rules({parse_fault_rule(
      JsonReader(nlohmann::json::parse(R"({"id":"f","kind":"FULL","replicas":[1,2],"match":{"object":"z"}})"), "test"),
      0)});
  nlohmann::json decisions;
  // o1 and o2 refuse; one handoff takes one copy, o3 the other: quorum (2) reached.
  REQUIRE(s.put("z", 5, &decisions).status == Store::WriteStatus::Ok);
  const auto f = fates(decisions);
  CHECK(f.at("o1")["cause"] == "rule");
  CHECK(f.at("o1")["rule"] == "f");
  CHECK(f.at("h1")["fate"] == "handoff");
  // With no handoff left the third refusal is final.
  CapacityStore none(topology({}));
  none.store.add_rules({parse_fault_rule(
      JsonReader(nlohmann::json::parse(R"({"kind":"FULL","replicas":[1,2],"match":{"object":"z"}})"), "test"), 0)});
  const auto w = none.put("z", 5);
  CHECK(w.status == Store::WriteStatus::Unavailable);
  CHECK(w.storage_full);
}

TEST_CASE("a full container replica: the object PUT succeeds, the row waits as an async pending", "[capacity]") {
  StoreTopology t;
  t.capacity.container_rows = {1, 10, 10};
  CapacityStore s(t);
  REQUIRE(s.put("a", 1).status == Store::WriteStatus::Ok);
  nlohmann::json decisions;
  REQUIRE(s.put("b", 1, &decisions).status == Store::WriteStatus::Ok);
  bool pending_c1 = false;
  for (const auto& d : decisions)
    for (const auto& l : d.value("listings", nlohmann::json::array()))
      pending_c1 = pending_c1 || (l["replica"] == "c1" && l["cause"] == "container_full");
  CHECK(pending_c1);
  CHECK(s.store.capacity_json()["containers"][0]["rows"] == 1);
  ListQuery q;
  s.store.set_consistency([] {
    ConsistencyParams p;
    p.listing_replica = 0;
    return p;
  }());
  CHECK(s.store.list_objects("A", "c", q)->size() == 1u);  // c1 lacks b
  CHECK(s.store.quiesce() == 0u);                          // still no room: stays queued
  CHECK(s.store.pending_count() == 1u);
  s.store.heal();  // the operator adds room: everything applies
  CHECK(s.store.list_objects("A", "c", q)->size() == 2u);
  CHECK(s.store.converged());
}

TEST_CASE("capacities parse per tier, are checked against the replica counts, and show in the plan", "[capacity]") {
  auto parse = [](const char* text) { return parse_topology(JsonReader(nlohmann::json::parse(text), "s.json", "/backend/replicas")); };
  const auto t = parse(R"({"objects":3,"handoffs":2,"capacity":{"objects":["1MiB","unlimited","2MiB"],"handoffs":"4MiB",
                           "containers":"1MiB","container_rows":1000}})");
  CHECK(t.capacity.objects == std::vector<std::uint64_t>{1u << 20, kUnlimited, 2u << 20});
  CHECK(t.capacity.handoffs == std::vector<std::uint64_t>{4u << 20, 4u << 20});
  CHECK(t.capacity.container_rows == std::vector<std::uint64_t>{1000, 1000, 1000});
  CHECK(topology_to_json(t)["capacity"]["objects"][1] == "unlimited");
  CHECK_THROWS_WITH(parse(R"({"objects":3,"capacity":{"objects":["1MiB"]}})"),
                    Catch::Contains("/backend/replicas/capacity/objects") && Catch::Contains("1 entries but there are 3"));
  CHECK_THROWS_WITH(parse(R"({"capacity":{"handoffs":"1MiB"}})"), Catch::Contains("needs \"handoffs\" > 0"));
  CHECK_THROWS_WITH(parse(R"({"handoffs":17})"), Catch::Contains("/backend/replicas/handoffs"));
  CHECK_THROWS_WITH(parse(R"({"capacity":{"disks":1}})"), Catch::Contains("disks"));
}

TEST_CASE("a DELETE that a full replica refuses leaves it serving the object (A6 -> M4's triggering state)",
          "[capacity]") {
  CapacityStore s(topology({50, 100, 100}));
  REQUIRE(s.put("U/data", 50).status == Store::WriteStatus::Ok);  // o1 is now exactly full
  REQUIRE(s.del("U/data").status == Store::WriteStatus::Ok);  // 204: o2 and o3 took the tombstone
  const auto dump = s.store.dump_object("A", "c", "U/data");
  CHECK(dump["object_replicas"][0]["state"] == "present");
  CHECK(dump["object_replicas"][1]["state"] == "tombstone");
  bool waiting = false;
  for (const auto& p : dump["pending"]) waiting = waiting || (p["replica"] == "o1" && p.contains("deferred"));
  CHECK(waiting);  // the replicator keeps trying; a full disk takes not even a tombstone
  // A read that tries o1 first resurrects it; X-Newest does not.
  ConsistencyParams fixed;
  fixed.shuffle_reads = false;
  s.store.set_consistency(fixed);
  CHECK(s.store.read_object("A", "c", "U/data").version.has_value());
  CHECK_FALSE(s.store.read_object("A", "c", "U/data", {.newest = true}).version.has_value());
  s.store.heal();
  CHECK_FALSE(s.store.read_object("A", "c", "U/data").version.has_value());
  CHECK(s.store.converged());
}
