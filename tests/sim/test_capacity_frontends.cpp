// What clients see of full replicas: Swift's proxy answers 201 through
// handoffs and 503 below quorum while each replica's 507 is in the event log;
// S3 answers 507 XMinioStorageFull.
#include "s3_test_util.h"
#include "swift_test_util.h"

namespace {

stalemate::sim::StoreTopology small_disks(int handoffs) {
  stalemate::sim::StoreTopology t;
  t.handoffs = handoffs;
  t.capacity.objects = {64, 16, 16};
  t.capacity.handoffs = std::vector<std::uint64_t>(static_cast<std::size_t>(handoffs), 64);
  return t;
}

// The object replicas' fates in the last event's write decision.
std::map<std::string, nlohmann::json> last_fates(const stalemate::sim::Store& store) {
  const auto events = store.events().since(store.events().size() - 1);
  std::map<std::string, nlohmann::json> out;
  for (const auto& d : events.at(0)["decisions"])
    for (const auto& f : d.value("replicas", nlohmann::json::array())) out[f["replica"].get<std::string>()] = f;
  return out;
}

}  // namespace

TEST_CASE("Swift: full replicas answer 507 each; below quorum the client gets 503", "[capacity][swift]") {
  swift_test::SwiftFixture f(small_disks(0));
  f.make_container("reg");
  CHECK(f.call("PUT", swift_test::obj_path("reg", "small"), {}, std::string(10, 's')).status == 201);
  const auto res = f.call("PUT", swift_test::obj_path("reg", "big"), {}, std::string(32, 'b'));
  CHECK(res.status == 503);
  const auto fates = last_fates(f.store);
  CHECK(fates.at("o2")["status"] == 507);
  CHECK(fates.at("o3")["status"] == 507);
  CHECK(fates.at("o1")["fate"] == "applied");
  CHECK(f.store.events().since(f.store.events().size() - 1)[0]["status"] == 503);
  CHECK(f.get("reg", "small").status == 200);
}

TEST_CASE("Swift: with handoffs the same PUT is a 201, served from the handoffs until replication", "[capacity][swift]") {
  swift_test::SwiftFixture f(small_disks(2));
  f.make_container("reg");
  CHECK(f.call("PUT", swift_test::obj_path("reg", "big"), {}, std::string(32, 'b')).status == 201);
  const auto fates = last_fates(f.store);
  CHECK(fates.at("o2")["status"] == 507);
  CHECK(fates.at("h1")["fate"] == "handoff");
  CHECK(fates.at("h2")["fate"] == "handoff");
  const auto g = f.get("reg", "big", {{"X-Newest", "true"}});
  CHECK(g.status == 200);
  CHECK(g.body_string() == std::string(32, 'b'));
  // The tombstone (0 bytes) fits every primary, but the handoffs never see
  // the DELETE: until the replicator's next pass finds the primaries hold
  // something newer, a read that falls through to a handoff resurrects it (A4).
  CHECK(f.call("DELETE", swift_test::obj_path("reg", "big")).status == 204);
  CHECK(f.get("reg", "big").status == 200);
  f.store.advance_clock(30'000'000);
  CHECK(f.get("reg", "big").status == 404);
  CHECK(f.store.converged());
}

TEST_CASE("S3: a write that full replicas refuse is 507 XMinioStorageFull", "[capacity][s3]") {
  s3_test::S3Fixture f(small_disks(0));
  f.make_bucket("bkt");
  const auto res = f.call("PUT", "/bkt/big", {}, std::string(32, 'b'));
  CHECK(res.status == 507);
  CHECK(s3_test::tag(res.body_string(), "Code") == "XMinioStorageFull");
  // Writes that fit still succeed.
  f.put("bkt", "small", std::string(4, 's'));
  CHECK(f.get("bkt", "small").status == 200);
}
