// One store reused by consecutive runs (stalemate explore's reused registry):
// Store::reset empties it back to its baseline — the state right after the
// registry's start — with the next run's seed and fault plan, and digest
// ordinals make runs whose layers differ only by a salt take the same draws.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/model/name_ordinals.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

ObjectVersion body(const std::string& text) {
  ObjectVersion v;
  v.body = make_payload(text);
  return v;
}

// A PUT as a front-end makes it: bracketed, so it gets an identity and draws.
nlohmann::json put(Store& store, const std::string& name, const std::string& text) {
  RequestInfo info;
  info.method = "PUT";
  info.account = "A";
  info.container = "c";
  info.object = name;
  auto ctx = store.begin_request(info);
  store.put_object("A", "c", name, body(text), &ctx);
  store.end_request(ctx, 201, text.size());
  return store.events().since(0).back();
}

ModelConfig lagging(std::uint64_t seed) {
  ModelConfig config;
  config.virtual_time = true;
  config.seed = seed;
  config.digest_ordinals = true;
  config.consistency.replica_lag_probability = 0.5;
  config.consistency.replication_delay = Delay::fixed(1'000'000);
  config.consistency.listing_delay = Delay::fixed(2'000'000);
  return config;
}

const std::string kDigestA(64, 'a'), kDigestB(64, 'b');

}  // namespace

TEST_CASE("store reset: a run cannot see the previous run's objects, listings or pending updates",
          "[model][reset]") {
  Store store(lagging(1));
  store.create_account("A");
  store.put_container("A", "c", {{"X-Container-Meta-Kept", "yes"}});
  store.update_account_metadata("A", {{"X-Account-Meta-Temp-Url-Key", "k"}});
  store.mark_baseline();
  put(store, "blobs/one", "first run");
  REQUIRE(store.pending_count() > 0);
  REQUIRE(store.read_object("A", "c", "blobs/one", {.newest = true}).version);

  store.reset(lagging(2));
  CHECK_FALSE(store.read_object("A", "c", "blobs/one", {.newest = true}).version);
  CHECK(store.pending_count() == 0);
  CHECK(store.events().size() == 0);
  CHECK(store.seed() == 2);
  ListQuery all;
  const auto listed = store.list_objects("A", "c", all);
  REQUIRE(listed);  // the container stays, as the registry's config names it
  CHECK(listed->empty());
  CHECK(store.container("A", "c")->metadata.at("X-Container-Meta-Kept") == "yes");
  CHECK(store.account("A")->metadata.at("X-Account-Meta-Temp-Url-Key") == "k");  // the key the registry read
  CHECK(store.converged());
  // The first request of the new run is numbered as in a fresh store's.
  CHECK(put(store, "blobs/two", "second run")["identity"] == "PUT c/blobs/two#1");
}

TEST_CASE("store reset: a reused store takes the decisions a new store takes for the same run", "[model][reset]") {
  const auto run = [](Store& store) {
    std::vector<std::string> out;
    for (const auto* name : {"x/1", "x/2", "x/1", "x/3"}) {
      auto e = put(store, name, "data");
      out.push_back(e["identity"].get<std::string>() + " " + e["decisions"].dump());
    }
    return out;
  };
  Store fresh(lagging(5));
  fresh.create_account("A");
  fresh.put_container("A", "c", {});
  fresh.mark_baseline();
  const auto expected = run(fresh);

  Store reused(lagging(9));
  reused.create_account("A");
  reused.put_container("A", "c", {});
  reused.mark_baseline();
  run(reused);  // another run with another seed
  reused.reset(lagging(5));
  const auto again = run(reused);
  // Decisions carry timestamps: compare identities and draws without them.
  REQUIRE(again.size() == expected.size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    const auto strip = [](std::string s) {
      const auto at = s.find("\"ts\":");
      return at == std::string::npos ? s : s.substr(0, at);
    };
    CHECK(strip(again[i]) == strip(expected[i]));
  }
}

TEST_CASE("store reset: a different topology is refused", "[model][reset]") {
  Store store(lagging(1));
  auto other = lagging(1);
  other.topology.object_replicas = 5;
  CHECK_THROWS_AS(store.reset(other), std::invalid_argument);
}

TEST_CASE("digest ordinals: blob paths and bare digests become ordinals, only when asked", "[model][identity]") {
  const std::string a = "files/docker/registry/v2/blobs/sha256/aa/" + kDigestA + "/data";
  const std::string b = "files/docker/registry/v2/blobs/sha256/bb/" + kDigestB + "/data";
  NameOrdinals off;
  CHECK(off.canonical(a) == a);
  NameOrdinals on;
  on.set_digests(true);
  CHECK(on.canonical(b) == "files/docker/registry/v2/blobs/sha256/digest-1/data");
  CHECK(on.canonical(a) == "files/docker/registry/v2/blobs/sha256/digest-2/data");
  CHECK(on.canonical("r/_layers/sha256/" + kDigestB + "/link") == "r/_layers/sha256/digest-1/link");
  CHECK(on.canonical("f" + kDigestA) == "f" + kDigestA);  // 65 hex digits: not a digest
  CHECK(on.canonical(std::string(63, 'c')) == std::string(63, 'c'));  // too short
}

TEST_CASE("digest ordinals: runs whose blobs differ only by a salt take the same decisions", "[model][identity]") {
  const auto run = [](const std::string& d1, const std::string& d2) {
    Store store(lagging(3));
    store.create_account("A");
    store.put_container("A", "c", {});
    std::vector<std::string> out;
    for (const auto& d : {d1, d2, d1}) {
      auto e = put(store, "blobs/sha256/" + d.substr(0, 2) + "/" + d + "/data", "x");
      auto decisions = e["decisions"];
      for (auto& x : decisions) x.erase("name"), x.erase("ts");
      out.push_back(e["identity"].get<std::string>() + " " + decisions.dump());
    }
    return out;
  };
  const auto salted = run(std::string(64, '1'), std::string(64, '2'));
  const auto plain = run(kDigestA, kDigestB);
  CHECK(salted[0].rfind("PUT c/blobs/sha256/digest-1/data#1", 0) == 0);
  CHECK(salted == plain);
}
