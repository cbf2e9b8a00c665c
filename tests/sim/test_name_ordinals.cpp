// Request identities independent of the registry's random names: upload UUIDs
// and Swift segment folders become per-run ordinals, so two runs of one
// workload with one seed take the same seeded decisions.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/model/name_ordinals.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

TEST_CASE("name ordinals: upload UUIDs and segment folders become ordinals in order of first appearance",
          "[model][identity]") {
  NameOrdinals n;
  const std::string up = "files/docker/registry/v2/repositories/a/b/_uploads/";
  CHECK(n.canonical(up + "0b5e6d3c-1a2b-4c3d-8e9f-0123456789ab/data") == up + "upload-1/data");
  CHECK(n.canonical(up + "ffffffff-1a2b-4c3d-8e9f-0123456789ab/startedat") == up + "upload-2/startedat");
  CHECK(n.canonical(up + "0b5e6d3c-1a2b-4c3d-8e9f-0123456789ab/hashstates/sha256/0") ==
        up + "upload-1/hashstates/sha256/0");
  CHECK(n.canonical("segments/3f2/9a8b7c6d5e4f30211223344556677889900aabb/0000000000000002") ==
        "segments-1/0000000000000002");
  CHECK(n.canonical("files/segments/3f2/9a8b7c6d5e4f30211223344556677889900aabb/") == "files/segments-1/");
  CHECK(n.canonical("GET registry/?prefix=segments/3f2/9a8b7c6d5e4f30211223344556677889900aabb/") ==
        "GET registry/?prefix=segments-1/");
  CHECK(n.canonical("segments/111/9a8b7c6d5e4f30211223344556677889900aabb/0000000000000001") ==
        "segments-2/0000000000000001");
  // Deterministic names stay as they are: digests, short hex, no folder.
  const std::string blob =
      "files/docker/registry/v2/blobs/sha256/0b/0b5e6d3c1a2b4c3d8e9f0123456789ab0b5e6d3c1a2b4c3d8e9f0123456789ab/data";
  CHECK(n.canonical(blob) == blob);
  CHECK(n.canonical("segments/abc/short/1") == "segments/abc/short/1");
  CHECK(n.canonical("x0b5e6d3c-1a2b-4c3d-8e9f-0123456789ab") == "xupload-1");  // seen before: same ordinal
  CHECK_FALSE(is_uuid_at("a0b5e6d3c-1a2b-4c3d-8e9f-0123456789ab", 1));  // preceded by hex
  CHECK(is_uuid_at("/0b5e6d3c-1a2b-4c3d-8e9f-0123456789ab/", 1));
  CHECK_FALSE(is_uuid_at("0b5e6d3c-1a2b-4c3d-8e9f-0123456789abc", 0));  // followed by hex
}

namespace {

// Two uploads under the given UUIDs, each a PUT of one object on 3 replicas
// with random lag: the identities and the seeded write orders and lag draws.
std::vector<std::string> run_uploads(const std::vector<std::string>& uuids) {
  ModelConfig config;
  config.virtual_time = true;
  config.seed = 7;
  config.consistency.replica_lag_probability = 0.5;
  config.consistency.replication_delay = Delay::fixed(1'000'000);
  Store store(config);
  store.create_account("A");
  store.put_container("A", "c", {});
  std::vector<std::string> out;
  for (const auto& u : uuids) {
    RequestInfo info;
    info.method = "PUT";
    info.account = "A";
    info.container = "c";
    info.object = "files/_uploads/" + u + "/data";
    auto ctx = store.begin_request(info);
    ObjectVersion v;
    v.body = make_payload("x");
    store.put_object("A", "c", info.object, v, &ctx);
    store.end_request(ctx, 201, 1);
    auto e = store.events().since(0).back();
    out.push_back(e["identity"].get<std::string>());
    // The decisions without the (run-specific) object name.
    auto d = e["decisions"];
    for (auto& x : d) x.erase("name");
    out.push_back(d.dump());
  }
  return out;
}

}  // namespace

TEST_CASE("name ordinals: two runs with other upload UUIDs take the same decisions", "[model][identity]") {
  const auto a = run_uploads({"11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa"});
  const auto b = run_uploads({"0b5e6d3c-1a2b-4c3d-8e9f-0123456789ab", "deadbeef-1a2b-4c3d-8e9f-0123456789ab"});
  REQUIRE(a.size() == 4);
  CHECK(a[0] == "PUT c/files/_uploads/upload-1/data#1");
  CHECK(a[2] == "PUT c/files/_uploads/upload-2/data#1");
  CHECK(a == b);
}
