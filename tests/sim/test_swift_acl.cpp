// Swift's version-1 container ACLs: clean_acl as tempauth applies it on the
// way in, and the referrer rules that let a request without a token read.
#include <catch2/catch.hpp>

#include "sim/swift/acl.h"
#include "swift_test_util.h"

using namespace stalemate::sim::swift;
using stalemate::sim::SwiftConfig;
using swift_test::SwiftFixture;
using swift_test::header;

namespace {
std::string cleaned(std::string_view name, std::string_view value) {
  auto r = clean_acl(name, value);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}
std::string refused(std::string_view name, std::string_view value) {
  auto r = clean_acl(name, value);
  REQUIRE(std::holds_alternative<AclError>(r));
  return std::get<AclError>(r).message;
}
}  // namespace

TEST_CASE("ACL: clean_acl tidies as Swift's table says and refuses what it refuses") {
  CHECK(cleaned("X-Container-Read", "bob, sue") == "bob,sue");
  CHECK(cleaned("X-Container-Read", "bob , sue") == "bob,sue");
  CHECK(cleaned("X-Container-Read", "bob,,,sue") == "bob,sue");
  CHECK(cleaned("X-Container-Read", ".referrer : *") == ".r:*");
  CHECK(cleaned("X-Container-Read", ".ref:*.example.com") == ".r:.example.com");
  CHECK(cleaned("X-Container-Read", ".r:*, .rlistings") == ".r:*,.rlistings");
  CHECK(cleaned("X-Container-Read", ".r: - .thief.com") == ".r:-.thief.com");
  CHECK(cleaned("X-Container-Read", "acct:user, :x") == "acct:user,:x");  // groups may hold ':'
  CHECK(cleaned("X-Container-Read", " , ") == "");
  CHECK(refused("X-Container-Write", ".r:*") == "Referrers not allowed in write ACL: '.r:*'");
  CHECK(refused("X-Container-Read", ".r:") == "No host/domain value after referrer designation in ACL: '.r:'");
  CHECK(refused("X-Container-Read", ".r:-") == "No host/domain value after referrer designation in ACL: '.r:-'");
  CHECK(refused("X-Container-Read", ".r:*.") == "No host/domain value after referrer designation in ACL: '.r:*.'");
  CHECK(refused("X-Container-Read", "bob,.x:y") == "Unknown designator '.x' in ACL: '.x:y'");
  CHECK(refused("X-Container-Read", ".it's:y") == "Unknown designator \".it's\" in ACL: \".it's:y\"");
}

TEST_CASE("ACL: the Referer's host as urlparse gives it, and the rules in order") {
  CHECK(referrer_host("http://www.Example.com:8080/p?q") == "www.example.com");
  CHECK(referrer_host("https://user:pw@host.example/") == "host.example");
  CHECK(referrer_host("http://[::1]:80/") == "::1");
  CHECK(referrer_host("//bare.example/x") == "bare.example");
  CHECK(referrer_host("example.com/page") == "unknown");
  CHECK(referrer_host("") == "unknown");
  const std::string acl = ".r:.example.com,.r:-thief.example.com,.rlistings";
  CHECK(acl_allows_anonymous_read(acl, "http://www.example.com/", false));
  CHECK_FALSE(acl_allows_anonymous_read(acl, "http://thief.example.com/", false));
  CHECK_FALSE(acl_allows_anonymous_read(acl, "http://example.org/", false));
  CHECK_FALSE(acl_allows_anonymous_read(acl, "", false));
  CHECK(acl_allows_anonymous_read(acl, "http://a.example.com/", true));                     // .rlistings
  CHECK_FALSE(acl_allows_anonymous_read(".r:*", "http://a.example.com/", true));             // no .rlistings
  CHECK(acl_allows_anonymous_read(".r:*", "", false));                                      // anyone, no Referer
  CHECK(acl_allows_anonymous_read(".r:-.evil.com,.r:*", "http://x.evil.com/", false));     // order matters
  CHECK_FALSE(acl_allows_anonymous_read(".r:*,.r:-.evil.com", "http://x.evil.com/", false));
  CHECK_FALSE(acl_allows_anonymous_read("bob,sue", "http://x/", false));                    // groups only
}

TEST_CASE("ACL: the Swift front-end stores the cleaned ACL, answers 400 for a bad one, and applies the Referer") {
  SwiftFixture f;
  f.make_container("pub");
  f.put("pub", "doc", "hello");
  auto post = f.call("POST", "/v1/AUTH_test/pub", {{"X-Container-Read", " .referer:*.example.com ,.r:-bad.example.com"}});
  REQUIRE(post.status == 204);
  CHECK(header(f.call("HEAD", "/v1/AUTH_test/pub"), "X-Container-Read") == ".r:.example.com,.r:-bad.example.com");
  CHECK(f.anon("GET", "/v1/AUTH_test/pub/doc", {{"Referer", "http://good.example.com/"}}).status == 200);
  CHECK(f.anon("GET", "/v1/AUTH_test/pub/doc", {{"Referer", "http://bad.example.com/"}}).status == 401);
  CHECK(f.anon("GET", "/v1/AUTH_test/pub/doc").status == 401);
  auto bad = f.call("POST", "/v1/AUTH_test/pub", {{"X-Container-Write", ".r:*"}});
  CHECK(bad.status == 400);
  CHECK(bad.body_string() == "Referrers not allowed in write ACL: '.r:*'");
  // A refused ACL changes nothing, the other metadata of its request neither.
  auto refused_put = f.call("PUT", "/v1/AUTH_test/other", {{"X-Container-Read", ".nope:x"}});
  CHECK(refused_put.status == 400);
  CHECK(f.call("HEAD", "/v1/AUTH_test/other").status == 404);
}
