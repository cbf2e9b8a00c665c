// The real Swift all-in-one fixture (harness/realstore/swift_aio.h) starts,
// serves tempauth, objects and listings, and leaves no process behind.
#include <catch2/catch.hpp>


#include <nlohmann/json.hpp>

#include "child_command.h"
#include "fidelity_support.h"
#include "harness/realstore/swift_aio.h"

using stalemate::harness::RealSwift;
using namespace stalemate::fidelity;

TEST_CASE("a real Swift all-in-one starts, serves objects and listings, and stops", "[fidelity][realswift]") {
  if (!real_swift_available()) return;
  const auto dir = stalemate::testing::fresh_dir("stalemate-realswift", "fixture");
  RealSwift swift(dir);
  swift.start();
  WARN("real Swift start-up took " << swift.startup_time().count() << " ms");

  const auto [url, token] = swift_login(swift.auth_url(), RealSwift::kUser, RealSwift::kKey);
  CHECK(url == swift.storage_url());
  CHECK(http("PUT", url + "/c", token).status == 201);
  CHECK(http("PUT", url + "/c/o.txt", token, {}, "hello").status == 201);
  const auto got = http("GET", url + "/c/o.txt", token);
  CHECK(got.status == 200);
  CHECK(got.body == "hello");
  CHECK(got.header("Content-Type") == "text/plain");  // guessed from the name
  const auto listing = nlohmann::json::parse(http("GET", url + "/c?format=json", token).body);
  REQUIRE(listing.size() == 1);
  CHECK(listing[0]["name"] == "o.txt");
  const auto info = nlohmann::json::parse(http("GET", swift.base_url() + "/info", "").body);
  CHECK(info.contains("slo"));
  CHECK(info.contains("tempurl"));

  swift.stop();
  CHECK(http("GET", swift.base_url() + "/healthcheck", "").status == 0);  // nobody listens any more
}

TEST_CASE("a three-replica real Swift keeps serving with one object server stopped", "[fidelity][realswift]") {
  if (!real_swift_available()) return;
  const auto dir = stalemate::testing::fresh_dir("stalemate-realswift", "three");
  stalemate::harness::RealSwiftOptions options;
  options.replicas = 3;
  options.background_daemons = true;
  RealSwift swift(dir, options);
  swift.start();
  WARN("three-replica real Swift start-up took " << swift.startup_time().count() << " ms");
  const auto [url, token] = swift_login(swift.auth_url(), RealSwift::kUser, RealSwift::kKey);
  REQUIRE(http("PUT", url + "/c", token).status == 201);
  swift.stop_object_server(0);
  CHECK(http("PUT", url + "/c/o", token, {}, "while one is down").status == 201);  // 2 of 3 is a quorum
  CHECK(http("GET", url + "/c/o", token).body == "while one is down");
  swift.start_object_server(0);
  CHECK(http("GET", url + "/c/o", token, {{"X-Newest", "true"}}).status == 200);
  CHECK_THROWS_AS(swift.stop_object_server(3), std::out_of_range);
}
