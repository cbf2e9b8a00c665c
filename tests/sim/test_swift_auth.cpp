// Swift front-end: TempAuth v1, /info, routing, common headers, methods and
// malformed input.
#include <regex>

#include "swift_test_util.h"

using namespace swift_test;
using stalemate::sim::SwiftConfig;

TEST_CASE_METHOD(SwiftFixture, "tempauth: good credentials give a storage url and a fresh token each time") {
  auto res = anon("GET", "/auth/v1.0", {{"X-Auth-User", "test:tester"}, {"X-Auth-Key", "testing"}});
  REQUIRE(res.status == 200);
  CHECK(header(res, "X-Storage-Url") == "http://127.0.0.1:8080/v1/AUTH_test");
  CHECK(swift.storage_url() == "http://127.0.0.1:8080/v1/AUTH_test");
  CHECK(swift.auth_url() == "http://127.0.0.1:8080/auth/v1.0");
  const std::string t = header(res, "X-Auth-Token");
  CHECK(std::regex_match(t, std::regex("AUTH_tk[0-9a-f]{32}")));
  CHECK(header(res, "X-Storage-Token") == t);
  CHECK(res.body_string().empty());
  CHECK(t != token);  // fresh each login

  // Both the old and the new token work.
  CHECK(call("HEAD", "/v1/AUTH_test", {{"X-Auth-Token", t}}).status == 204);
  CHECK(call("HEAD", "/v1/AUTH_test", {{"X-Auth-Token", token}}).status == 204);
  // X-Storage-Token is accepted too.
  CHECK(anon("HEAD", "/v1/AUTH_test", {{"X-Storage-Token", t}}).status == 204);
}

TEST_CASE_METHOD(SwiftFixture, "tempauth: alternative auth paths and X-Storage-User/Pass") {
  auto res = anon("GET", "/auth/v1", {{"X-Storage-User", "test:tester"}, {"X-Storage-Pass", "testing"}});
  CHECK(res.status == 200);
  CHECK(header(res, "X-Storage-Url") == "http://127.0.0.1:8080/v1/AUTH_test");
  // /v1.0 is no auth path on a real proxy (tempauth answers under /auth/ only): 412 Bad URL.
  res = anon("GET", "/v1.0", {{"X-Storage-User", "test:tester"}, {"X-Storage-Pass", "testing"}});
  CHECK(res.status == 412);
  CHECK(res.body_string() == "Bad URL");
}

TEST_CASE_METHOD(SwiftFixture, "tempauth: bad or missing credentials are 401") {
  CHECK(anon("GET", "/auth/v1.0", {{"X-Auth-User", "test:tester"}, {"X-Auth-Key", "wrong"}}).status == 401);
  CHECK(anon("GET", "/auth/v1.0", {{"X-Auth-User", "other:user"}, {"X-Auth-Key", "testing"}}).status == 401);
  CHECK(anon("GET", "/auth/v1.0", {{"X-Auth-User", "test:tester"}}).status == 401);
  auto res = anon("GET", "/auth/v1.0");
  CHECK(res.status == 401);
  CHECK_FALSE(has_header(res, "X-Auth-Token"));
}

TEST_CASE_METHOD(SwiftFixture, "storage requests need a valid token for the right account") {
  auto none = anon("GET", "/v1/AUTH_test");
  CHECK(none.status == 401);
  CHECK(none.body_string().find("<h1>Unauthorized</h1>") != std::string::npos);
  CHECK(anon("HEAD", "/v1/AUTH_test/c", {{"X-Auth-Token", "AUTH_tk00000000000000000000000000000000"}}).status == 401);
  CHECK(anon("PUT", "/v1/AUTH_test/c/o", {{"X-Auth-Token", "bogus"}}, "x").status == 401);
  // A valid token on another account.
  auto foreign = call("GET", "/v1/AUTH_other");
  CHECK(foreign.status == 403);
  CHECK(call("PUT", "/v1/AUTH_other/c").status == 403);
  // Nothing was created by the refused requests.
  CHECK(call("HEAD", "/v1/AUTH_test/c").status == 404);
}

TEST_CASE_METHOD(SwiftFixture, "every response carries a transaction id and a date") {
  for (auto res : {anon("GET", "/info"), anon("GET", "/v1/AUTH_test"), call("HEAD", "/v1/AUTH_test/nope"),
                   anon("GET", "/nowhere")}) {
    const std::string tx = header(res, "X-Trans-Id");
    CHECK(std::regex_match(tx, std::regex("tx[0-9a-f]{21}-[0-9a-f]{10}")));
    CHECK(header(res, "X-Openstack-Request-Id") == tx);
    CHECK(std::regex_match(header(res, "Date"), std::regex("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT")));
    CHECK_FALSE(header(res, "Content-Type").empty());
  }
  CHECK(header(anon("GET", "/info"), "X-Trans-Id") != header(anon("GET", "/info"), "X-Trans-Id"));
}

TEST_CASE("/info reports version, tempurl and bulk_delete according to the config") {
  SECTION("defaults: everything on") {
    SwiftFixture f;
    auto res = f.anon("GET", "/info");
    REQUIRE(res.status == 200);
    CHECK(header(res, "Content-Type").find("application/json") == 0);
    auto j = nlohmann::json::parse(res.body_string());
    CHECK(j["swift"]["version"] == "2.29.2");
    CHECK(j["swift"]["max_object_name_length"] == 1024);
    CHECK(j["swift"]["container_listing_limit"] == 10000);
    CHECK(j["tempurl"]["methods"] == nlohmann::json({"GET", "HEAD", "PUT", "POST", "DELETE"}));
    CHECK(j["bulk_delete"]["max_deletes_per_request"] == 10000);
    CHECK(j["bulk_delete"]["max_failed_deletes"] == 1000);
    CHECK(j.contains("dlo"));
    CHECK(j["slo"]["max_manifest_segments"] == 1000);  // swiftclient looks for it before --use-slo
    CHECK(j["slo"]["min_segment_size"] == 1);
  }
  SECTION("toggles off, other version and limits") {
    SwiftConfig c;
    c.version = "2.30.0";
    c.tempurl = false;
    c.bulk_delete = false;
    SwiftFixture f(c);
    auto j = nlohmann::json::parse(f.anon("GET", "/info").body_string());
    CHECK(j["swift"]["version"] == "2.30.0");
    CHECK_FALSE(j.contains("tempurl"));
    CHECK_FALSE(j.contains("bulk_delete"));
  }
  SECTION("custom tempurl methods and bulk size") {
    SwiftConfig c;
    c.tempurl_methods = {"GET", "HEAD"};
    c.max_deletes_per_request = 3;
    SwiftFixture f(c);
    auto j = nlohmann::json::parse(f.anon("GET", "/info").body_string());
    CHECK(j["tempurl"]["methods"] == nlohmann::json({"GET", "HEAD"}));
    CHECK(j["bulk_delete"]["max_deletes_per_request"] == 3);
  }
  SECTION("only GET and HEAD") {
    SwiftFixture f;
    auto res = f.anon("POST", "/info");
    CHECK(res.status == 405);
    CHECK(header(res, "Allow").find("GET") != std::string::npos);
    auto head = f.anon("HEAD", "/info");
    CHECK(head.status == 200);
    CHECK(head.head);
    CHECK(head.deliverable_bytes() == 0);
  }
}

TEST_CASE_METHOD(SwiftFixture, "unknown methods are 405 with Allow, at every level, even without a token") {
  auto obj = anon("PATCH", "/v1/AUTH_test/c/o");
  CHECK(obj.status == 405);
  CHECK(header(obj, "Allow") == "COPY, DELETE, GET, HEAD, OPTIONS, POST, PUT");
  auto cont = call("COPY", "/v1/AUTH_test/c");
  CHECK(cont.status == 405);
  CHECK(header(cont, "Allow") == "DELETE, GET, HEAD, OPTIONS, POST, PUT");
  CHECK(call("FOO", "/v1/AUTH_test").status == 405);
  auto options = anon("OPTIONS", "/v1/AUTH_test/c/o");
  CHECK(options.status == 200);
  CHECK(header(options, "Allow").find("COPY") != std::string::npos);
}

TEST_CASE_METHOD(SwiftFixture, "account PUT and DELETE are refused to the account owner") {
  CHECK(call("DELETE", "/v1/AUTH_test").status == 403);
  CHECK(call("PUT", "/v1/AUTH_test").status == 403);
  CHECK(call("HEAD", "/v1/AUTH_test").status == 204);
}

TEST_CASE_METHOD(SwiftFixture, "malformed paths and parameters never crash") {
  CHECK(anon("GET", "/").status == 404);
  CHECK(anon("GET", "/nowhere/at/all").status == 404);
  CHECK(call("GET", "/v1").status == 412);
  CHECK(call("GET", "/v1/").status == 412);
  CHECK(call("GET", "/v1//c/o").status == 412);
  CHECK(call("GET", "/v1/AUTH_test//o").status == 412);
  CHECK(call("GET", "/v1/AUTH_test/c/%00x").status == 412);  // NUL in the name
  CHECK(call("GET", "/v1/AUTH_test/c/%ff%fe").status == 412);  // not UTF-8
  make_container("c");
  CHECK(call("GET", "/v1/AUTH_test/c?limit=99999999999999999999999999").status == 412);
  CHECK(call("GET", "/v1/AUTH_test/c?limit=-1&format=json").status == 200);  // ignored, as Swift does
  CHECK(call("GET", "/v1/AUTH_test/c?limit=abc&format=json").status == 200);
  CHECK(call("GET", "/v1/AUTH_test/c?delimiter=ab").status == 204);  // Swift 2.30 takes multi-character delimiters
  CHECK(call("GET", "/v1/AUTH_test/c?format=json", {{"Range", "bytes=garbage"}}).status == 200);
  CHECK(call("GET", "/v1/AUTH_test/c", {{"Accept", "image/png"}}).status == 406);
  CHECK(call("GET", "/v1/AUTH_test/c/o", {{"Range", "bytes=-"}}).status == 404);
  // A trailing slash addresses the container itself.
  CHECK(call("HEAD", "/v1/AUTH_test/c/").status == 204);
}
