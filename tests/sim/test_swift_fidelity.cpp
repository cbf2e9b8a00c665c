// Issue 12's Swift items besides SLO, each as real Swift 2.30 answers it
// (tests/fidelity compares them with a real one): conditional requests,
// If-None-Match on PUT, Content-Type guessing, listings (reverse, path=,
// multi-character delimiters), Content-Length: 0 on 204/304, 416 with the
// object's headers, prefix TempURLs and container read ACLs.
#include <ctime>

#include "common/crypto.h"
#include "common/time_format.h"
#include "swift_test_util.h"

using namespace swift_test;

namespace {
struct FidelityFixture : SwiftFixture {
  FidelityFixture() {
    make_container("c");
    put("c", "o", "0123456789", {{"Content-Type", "text/plain"}, {"X-Object-Meta-Color", "blue"}});
  }
};
}  // namespace

TEST_CASE_METHOD(FidelityFixture, "If-Modified-Since and If-Unmodified-Since against Last-Modified") {
  const std::string future = "Thu, 01 Jan 2099 00:00:00 GMT", past = "Sat, 01 Jan 2000 00:00:00 GMT";
  auto r = get("c", "o", {{"If-Modified-Since", future}});
  CHECK(r.status == 304);
  CHECK(header(r, "Content-Type") == "text/plain");  // a 304 keeps the object's headers
  CHECK(header(r, "Content-Length") == "0");
  CHECK(get("c", "o", {{"If-Modified-Since", past}}).status == 200);
  r = get("c", "o", {{"If-Unmodified-Since", past}});
  CHECK(r.status == 412);
  CHECK(r.body_string().empty());
  CHECK(has_header(r, "Etag"));
  CHECK(get("c", "o", {{"If-Unmodified-Since", future}}).status == 200);
  // The exact Last-Modified second is "not modified since".
  const std::string lm = header(get("c", "o"), "Last-Modified");
  CHECK(get("c", "o", {{"If-Modified-Since", lm}}).status == 304);
  CHECK(get("c", "o", {{"If-Modified-Since", "garbage"}}).status == 200);  // unparsable: ignored
}

TEST_CASE_METHOD(FidelityFixture, "If-Match * on a missing object is 412, another etag 404") {
  CHECK(get("c", "absent", {{"If-Match", "*"}}).status == 412);
  CHECK(get("c", "absent", {{"If-Match", "\"abc\""}}).status == 404);
}

TEST_CASE_METHOD(FidelityFixture, "PUT with If-None-Match: * refuses to overwrite; an etag is a 400") {
  CHECK(call("PUT", obj_path("c", "o"), {{"If-None-Match", "*"}}, "x").status == 412);
  CHECK(get("c", "o").body_string() == "0123456789");
  auto bad = call("PUT", obj_path("c", "o"), {{"If-None-Match", "\"abc\""}}, "x");
  CHECK(bad.status == 400);
  CHECK(bad.body_string() == "If-None-Match only supports *");
  CHECK(call("PUT", obj_path("c", "fresh"), {{"If-None-Match", "*"}}, "x").status == 201);
}

TEST_CASE_METHOD(FidelityFixture, "a PUT without Content-Type gets one guessed from the name") {
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"a.json", "application/json"}, {"b.txt", "text/plain"}, {"c.HTML", "text/html"},
           {"d.tar.gz", "application/x-tar"}, {"e.json.gz", "application/json"}, {"f", "application/octet-stream"},
           {"dir.d/g", "application/octet-stream"}, {".json", "application/octet-stream"}, {"h.unknown", "application/octet-stream"}}) {
    put("c", name, "x");
    INFO(name);
    CHECK(header(head("c", name), "Content-Type") == type);
  }
  put("c", "given.json", "x", {{"Content-Type", "image/png"}});
  CHECK(header(head("c", "given.json"), "Content-Type") == "image/png");
}

TEST_CASE_METHOD(FidelityFixture, "listings: reverse, path= and multi-character delimiters") {
  for (const char* n : {"l/a/b/1", "l/a/b/2", "l/a/c", "l/ab::1", "l/ab::2"}) put("c", n, "x");
  CHECK(names_of(list_json("c", "prefix=l/&reverse=true")) ==
        std::vector<std::string>{"l/ab::2", "l/ab::1", "l/a/c", "l/a/b/2", "l/a/b/1"});
  // Reversed, marker bounds from above and end_marker from below.
  CHECK(names_of(list_json("c", "reverse=true&marker=l/ab::2&end_marker=l/a/b/1")) ==
        std::vector<std::string>{"l/ab::1", "l/a/c", "l/a/b/2"});
  CHECK(names_of(list_json("c", "prefix=l/&reverse=true&delimiter=/&limit=2")) == std::vector<std::string>{"l/ab::2", "l/ab::1"});
  CHECK(names_of(list_json("c", "prefix=l/&reverse=true&delimiter=/")) ==
        std::vector<std::string>{"l/ab::2", "l/ab::1", "l/a/"});
  // path=: the direct children only, no rollups.
  CHECK(names_of(list_json("c", "path=l/a")) == std::vector<std::string>{"l/a/c"});
  CHECK(names_of(list_json("c", "path=l/a/")) == std::vector<std::string>{"l/a/c"});
  CHECK(names_of(list_json("c", "prefix=l/&delimiter=::")) ==
        std::vector<std::string>{"l/a/b/1", "l/a/b/2", "l/a/c", "l/ab::"});
}

TEST_CASE_METHOD(FidelityFixture, "204 and 304 say Content-Length: 0; 416 keeps the object's headers") {
  auto d = call("DELETE", obj_path("c", "o"));
  CHECK(d.status == 204);
  CHECK(header(d, "Content-Length") == "0");
  put("c", "o", "0123456789", {{"Content-Type", "text/plain"}});
  auto r = get("c", "o", {{"Range", "bytes=50-60"}});
  CHECK(r.status == 416);
  CHECK(header(r, "Content-Type") == "text/plain");
  CHECK(header(r, "Etag") == stalemate::md5_hex("0123456789"));
  CHECK(header(r, "Content-Range") == "bytes */10");
  CHECK(r.body_string().find("Requested Range Not Satisfiable") != std::string::npos);
}

TEST_CASE_METHOD(FidelityFixture, "prefix TempURLs cover the objects under their prefix") {
  REQUIRE(call("POST", obj_path("c"), {{"X-Container-Meta-Temp-Url-Key", "k"}}).status == 204);
  put("c", "pub/doc", "public");
  const std::int64_t exp = std::time(nullptr) + 600;
  const std::string sig =
      stalemate::to_hex(stalemate::hmac_sha256_raw("k", "GET\n" + std::to_string(exp) + "\nprefix:/v1/AUTH_test/c/pub/"));
  const std::string query = "?temp_url_sig=" + sig + "&temp_url_expires=" + std::to_string(exp) + "&temp_url_prefix=pub/";
  auto r = anon("GET", obj_path("c", "pub/doc") + query);
  CHECK(r.status == 200);
  CHECK(r.body_string() == "public");
  CHECK(anon("GET", obj_path("c", "o") + query).status == 401);  // outside the prefix
  CHECK(anon("GET", obj_path("c", "pub/doc") + "?temp_url_sig=" + sig + "&temp_url_expires=" + std::to_string(exp)).status == 401);
}

TEST_CASE_METHOD(FidelityFixture, "container read ACLs: .r:* opens objects, .rlistings the listing") {
  CHECK(anon("GET", obj_path("c", "o")).status == 401);
  REQUIRE(call("POST", obj_path("c"), {{"X-Container-Read", ".r:*"}}).status == 204);
  auto r = anon("GET", obj_path("c", "o"));
  CHECK(r.status == 200);
  CHECK(r.body_string() == "0123456789");
  CHECK(anon("GET", obj_path("c") + "?format=json").status == 401);
  CHECK(anon("PUT", obj_path("c", "evil"), {}, "x").status == 401);
  REQUIRE(call("POST", obj_path("c"), {{"X-Container-Read", ".r:*,.rlistings"}, {"X-Container-Meta-Temp-Url-Key", "k"}}).status == 204);
  r = anon("GET", obj_path("c") + "?format=json");
  CHECK(r.status == 200);
  CHECK_FALSE(has_header(r, "X-Container-Read"));  // owner-only headers are not shown
  CHECK_FALSE(has_header(r, "X-Container-Meta-Temp-Url-Key"));
  CHECK(has_header(call("HEAD", obj_path("c")), "X-Container-Read"));
}
