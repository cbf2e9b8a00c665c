// Credentials and name limits are decided before any fault rule is matched
// (issue 15): an unauthenticated request, or one with an over-long name, never
// reaches the rule engine (its regexes), and leaves no event. EXPIRE still
// needs the rules and still turns a valid credential into a refused one.
#include "s3_test_util.h"
#include "control_test_util.h"
#include "swift_test_util.h"

#include "sim/control/control_api.h"

using namespace stalemate;

using stalemate::test::add_rules;

namespace {

std::uint64_t seen(const sim::Store& store, const std::string& id) {
  for (const auto& r : store.rules_json())
    if (r["id"] == id) return r["seen"].get<std::uint64_t>();
  FAIL("no rule " << id);
  return 0;
}

// Every object request: a FAIL rule whose regex matches anything.
const std::string kFailEverything = R"([{"id":"any","kind":"FAIL","status":503,"match":{"object_regex":"^.*$"}}])";

}  // namespace

TEST_CASE("swift: an unauthenticated request never reaches the rules", "[auth][swift]") {
  swift_test::SwiftFixture f;
  f.make_container("c");
  add_rules(f.store, kFailEverything);
  const auto events = f.store.events().size();
  const std::string long_name(30000, 'a');
  auto res = f.anon("GET", swift_test::obj_path("c", long_name));
  CHECK(res.status == 401);
  res = f.call("GET", swift_test::obj_path("c", "short"), {{"X-Auth-Token", "AUTH_tkbogus"}});
  CHECK(res.status == 401);
  CHECK(seen(f.store, "any") == 0);
  CHECK(f.store.events().size() == events);
  // An authenticated request does reach them.
  CHECK(f.call("GET", swift_test::obj_path("c", "short")).status == 503);
  CHECK(seen(f.store, "any") == 1);
}

TEST_CASE("swift: name limits come before the rules", "[auth][swift]") {
  swift_test::SwiftFixture f;
  f.make_container("c");
  add_rules(f.store, kFailEverything);
  auto res = f.call("GET", swift_test::obj_path("c", std::string(30000, 'a')));
  CHECK(res.status == 400);
  CHECK(res.body_string() == "Object name length of 30000 longer than 1024");
  res = f.call("HEAD", swift_test::obj_path(std::string(300, 'c'), "o"));
  CHECK(res.status == 400);
  CHECK(f.call("PUT", swift_test::obj_path(std::string(257, 'c'))).status == 400);
  CHECK(seen(f.store, "any") == 0);
  // At the limit, the name is served (and the rule fires).
  CHECK(f.call("GET", swift_test::obj_path("c", std::string(1024, 'a'))).status == 503);
}

TEST_CASE("swift: a wrong login never reaches the rules", "[auth][swift]") {
  swift_test::SwiftFixture f;
  add_rules(f.store, R"([{"id":"auth","kind":"FAIL","status":500}])");
  auto res = f.anon("GET", "/auth/v1.0", {{"X-Auth-User", "test:tester"}, {"X-Auth-Key", "wrong"}});
  CHECK(res.status == 401);
  CHECK(seen(f.store, "auth") == 0);
}

TEST_CASE("swift: EXPIRE still refuses a valid token after the rules", "[auth][swift]") {
  swift_test::SwiftFixture f;
  f.make_container("c");
  f.put("c", "o", "x");
  add_rules(f.store, R"([{"id":"exp","kind":"EXPIRE","match":{"object":"o","nth":1}}])");
  CHECK(f.get("c", "o").status == 401);
  CHECK(f.get("c", "o").status == 401);  // the token issued before stays expired
  f.token = f.login();
  CHECK(f.get("c", "o").status == 200);
}

TEST_CASE("s3: an unauthenticated request never reaches the rules", "[auth][s3]") {
  using namespace s3_test;
  S3Fixture f;
  f.make_bucket("bkt");
  add_rules(f.store, kFailEverything);
  const auto events = f.store.events().size();
  HttpRequest anon;
  anon.method = "GET";
  anon.target = "/bkt/" + std::string(30000, 'k');
  REQUIRE(parse_request_target(anon));
  auto res = f.s3.handle(anon);
  CHECK(res.status == 403);
  CHECK(error_code(res) == "AccessDenied");
  Signer other = f.signer;
  other.secret = "wrong";
  CHECK(error_code(f.s3.handle(make_signed(other, "GET", "/bkt/k"))) == "SignatureDoesNotMatch");
  CHECK(seen(f.store, "any") == 0);
  CHECK(f.store.events().size() == events);
  CHECK(f.get("bkt", "k").status == 503);
  CHECK(seen(f.store, "any") == 1);
}

TEST_CASE("s3: key length and bucket names come before the rules", "[auth][s3]") {
  using namespace s3_test;
  S3Fixture f;
  f.make_bucket("bkt");
  add_rules(f.store, kFailEverything);
  auto res = f.get("bkt", std::string(1025, 'k'));
  CHECK(res.status == 400);
  CHECK(error_code(res) == "KeyTooLongError");
  const std::vector<std::string> bad_names = {"192.168.1.1", "xn--bucket", "Upper",    "ab",       std::string(64, 'b'),
                                             "a..b",        "-dash",      "bucket-s3alias", "sthree-b", "b--ol-s3",
                                             "under_score"};
  for (const std::string& bad : bad_names) {
    INFO(bad);
    res = f.call("PUT", "/" + bad);
    CHECK(res.status == 400);
    CHECK(error_code(res) == "InvalidBucketName");
    CHECK(error_code(f.call("GET", "/" + bad + "/key")) == "InvalidBucketName");
  }
  CHECK(seen(f.store, "any") == 0);
  CHECK(f.get("bkt", std::string(1024, 'k')).status == 503);  // at the limit: served (the rule fires)
  CHECK(f.call("PUT", "/" + std::string(63, 'b')).status == 200);
  CHECK(f.call("PUT", "/192.168.1.1x").status == 200);
}

TEST_CASE("s3: EXPIRE still refuses a valid signature after the rules", "[auth][s3]") {
  using namespace s3_test;
  S3Fixture f;
  f.make_bucket("bkt");
  f.put("bkt", "k", "x");
  add_rules(f.store, R"([{"id":"exp","kind":"EXPIRE","match":{"object":"k","nth":1}}])");
  auto res = f.get("bkt", "k");
  CHECK(res.status == 400);
  CHECK(error_code(res) == "ExpiredToken");
  CHECK(f.get("bkt", "k").status == 200);  // SigV4 has no session: the next request signs afresh
}
