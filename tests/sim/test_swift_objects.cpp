// Swift front-end: object PUT/GET/HEAD/POST/DELETE, Range, copy.
#include <regex>

#include "common/crypto.h"
#include "common/time_format.h"
#include "swift_test_util.h"

using namespace swift_test;
using stalemate::md5_hex;

namespace {
struct ObjectFixture : SwiftFixture {
  ObjectFixture() { make_container("c"); }
};
}  // namespace

TEST_CASE_METHOD(ObjectFixture, "object PUT answers 201 with the md5 etag and stores the bytes") {
  auto res = call("PUT", obj_path("c", "dir/sub/file"), {{"Content-Type", "text/plain"}, {"X-Object-Meta-Color", "blue"}},
                  "hello world");
  REQUIRE(res.status == 201);
  CHECK(header(res, "Etag") == md5_hex("hello world"));
  CHECK(std::regex_match(header(res, "Last-Modified"), std::regex("[A-Z][a-z]{2}, .* GMT")));
  CHECK(res.content_length() == 0);

  auto get = this->get("c", "dir/sub/file");
  REQUIRE(get.status == 200);
  CHECK(get.body_string() == "hello world");
  CHECK(get.content_length() == 11);
  CHECK(header(get, "Etag") == md5_hex("hello world"));
  CHECK(header(get, "Content-Type") == "text/plain");
  CHECK(header(get, "X-Object-Meta-Color") == "blue");
  CHECK(header(get, "Accept-Ranges") == "bytes");
  CHECK(std::regex_match(header(get, "X-Timestamp"), std::regex("\\d{10}\\.\\d{5}")));
  // The body is a view onto the stored payload, not a copy.
  auto read = store.read_object("AUTH_test", "c", "dir/sub/file");
  REQUIRE(read.version);
  REQUIRE(get.body.size() == 1);
  CHECK(get.body[0].data.get() == read.version->body.pieces()[0].data.get());
}

TEST_CASE_METHOD(ObjectFixture, "Last-Modified is the X-Timestamp rounded up to the next second") {
  put("c", "o", "x");
  auto read = store.read_object("AUTH_test", "c", "o");
  REQUIRE(read.version);
  const std::int64_t ts = read.version->ts;
  auto head = this->head("c", "o");
  const std::int64_t ceil_secs = (ts + 999999) / 1000000;
  CHECK(header(head, "Last-Modified") == stalemate::http_date(ceil_secs * 1000000));
  CHECK(header(head, "X-Timestamp") == stalemate::swift_timestamp(ts));
}

TEST_CASE_METHOD(ObjectFixture, "object HEAD gives headers and the length without a body") {
  put("c", "o", std::string(1000, 'z'), {{"X-Object-Meta-A", "1"}});
  auto res = head("c", "o");
  REQUIRE(res.status == 200);
  CHECK(res.head);
  CHECK(res.content_length() == 1000);
  CHECK(res.deliverable_bytes() == 0);
  CHECK(header(res, "Etag") == md5_hex(std::string(1000, 'z')));
  CHECK(header(res, "X-Object-Meta-A") == "1");
  CHECK(head("c", "missing").status == 404);
  auto missing = get("c", "missing");
  CHECK(missing.status == 404);
  CHECK(missing.body_string() == "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>");
}

TEST_CASE_METHOD(ObjectFixture, "object PUT checks: ETag, length, container, name length") {
  CHECK(call("PUT", obj_path("c", "o"), {{"ETag", md5_hex("abc")}}, "abc").status == 201);
  CHECK(call("PUT", obj_path("c", "o"), {{"ETag", "\"" + md5_hex("abc") + "\""}}, "abc").status == 201);
  auto bad = call("PUT", obj_path("c", "o2"), {{"ETag", md5_hex("abd")}}, "abc");
  CHECK(bad.status == 422);
  CHECK(get("c", "o2").status == 404);

  // Neither Content-Length nor chunked: 411. Chunked: fine.
  CHECK(call("PUT", obj_path("c", "o3"), {{"Content-Length", "3"}}, "abc").status == 201);
  auto req = make_request("PUT", obj_path("c", "o4"), {{"X-Auth-Token", token}}, "");
  req.headers.erase("Content-Length");
  CHECK(swift.handle(req).status == 411);
  CHECK(call("PUT", obj_path("c", "o5"), {{"Transfer-Encoding", "chunked"}}, "chunky").status == 201);
  CHECK(get("c", "o5").body_string() == "chunky");
  CHECK(call("PUT", obj_path("c", "o6"), {{"Content-Length", "nope"}}, "").status == 400);

  CHECK(call("PUT", obj_path("nocontainer", "o"), {}, "abc").status == 404);

  const std::string longest(1024, 'n');
  CHECK(call("PUT", obj_path("c", longest), {}, "x").status == 201);
  CHECK(get("c", longest).body_string() == "x");
  auto too_long = call("PUT", obj_path("c", longest + "n"), {}, "x");
  CHECK(too_long.status == 400);
  CHECK(too_long.body_string() == "Object name length of 1025 longer than 1024");
}

TEST_CASE_METHOD(ObjectFixture, "object names are taken verbatim after the container") {
  put("c", "a//b/./c/", "weird");
  put("c", "sp ace%25", "pct");
  CHECK(get("c", "a//b/./c/").body_string() == "weird");
  CHECK(call("GET", "/v1/AUTH_test/c/sp%20ace%2525").body_string() == "pct");
  CHECK(names_of(list_json("c")) == std::vector<std::string>{"a//b/./c/", "sp ace%25"});
}

TEST_CASE_METHOD(ObjectFixture, "Range requests") {
  put("c", "o", "0123456789");
  auto r = get("c", "o", {{"Range", "bytes=2-5"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "2345");
  CHECK(header(r, "Content-Range") == "bytes 2-5/10");
  CHECK(r.content_length() == 4);

  r = get("c", "o", {{"Range", "bytes=7-"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "789");
  CHECK(header(r, "Content-Range") == "bytes 7-9/10");

  r = get("c", "o", {{"Range", "bytes=-3"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "789");
  CHECK(header(r, "Content-Range") == "bytes 7-9/10");

  r = get("c", "o", {{"Range", "bytes=0-"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "0123456789");

  r = get("c", "o", {{"Range", "bytes=5-100"}});
  CHECK(r.status == 206);
  CHECK(header(r, "Content-Range") == "bytes 5-9/10");

  r = get("c", "o", {{"Range", "bytes=-100"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "0123456789");

  r = get("c", "o", {{"Range", "bytes=10-"}});
  CHECK(r.status == 416);
  CHECK(header(r, "Content-Range") == "bytes */10");
  CHECK(get("c", "o", {{"Range", "bytes=-0"}}).status == 416);

  // Several ranges: 206 multipart/byteranges as swob frames it; malformed: ignored.
  r = get("c", "o", {{"Range", "bytes=0-1,4-5"}});
  CHECK(r.status == 206);
  const std::string type = header(r, "Content-Type");
  REQUIRE(type.rfind("multipart/byteranges;boundary=", 0) == 0);
  const std::string b = type.substr(type.find('=') + 1);
  CHECK(r.body_string() == "--" + b + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/10\r\n\r\n01\r\n--" +
                               b + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 4-5/10\r\n\r\n45\r\n--" + b + "--");
  CHECK(r.content_length() == r.body_string().size());
  // One of two satisfiable: a plain 206.
  r = get("c", "o", {{"Range", "bytes=0-1,40-50"}});
  CHECK(r.status == 206);
  CHECK(header(r, "Content-Range") == "bytes 0-1/10");
  CHECK(get("c", "o", {{"Range", "bytes=5-2"}}).status == 200);
  CHECK(get("c", "o", {{"Range", "items=0-1"}}).status == 200);

  // HEAD ignores Range, as swob does.
  auto h = head("c", "o", {{"Range", "bytes=2-5"}});
  CHECK(h.status == 200);
  CHECK(h.content_length() == 10);

  // An empty object: "bytes=0-" is unsatisfiable.
  put("c", "empty", "");
  CHECK(get("c", "empty", {{"Range", "bytes=0-"}}).status == 416);
  CHECK(get("c", "empty").status == 200);
}

TEST_CASE_METHOD(ObjectFixture, "X-Newest is accepted and reads the newest version") {
  put("c", "o", "v1");
  put("c", "o", "v2");
  auto r = get("c", "o", {{"X-Newest", "true"}});
  CHECK(r.status == 200);
  CHECK(r.body_string() == "v2");
  CHECK(head("c", "o", {{"X-Newest", "True"}}).status == 200);
  CHECK(get("c", "nope", {{"X-Newest", "true"}}).status == 404);
}

TEST_CASE_METHOD(ObjectFixture, "conditional GET with If-None-Match and If-Match") {
  put("c", "o", "data");
  const std::string etag = md5_hex("data");
  CHECK(get("c", "o", {{"If-None-Match", etag}}).status == 304);
  CHECK(get("c", "o", {{"If-None-Match", "\"other\""}}).status == 200);
  CHECK(get("c", "o", {{"If-Match", "\"" + etag + "\""}}).status == 200);
  CHECK(get("c", "o", {{"If-Match", "other"}}).status == 412);
}

TEST_CASE_METHOD(ObjectFixture, "object DELETE") {
  put("c", "o", "x");
  CHECK(call("DELETE", obj_path("c", "o")).status == 204);
  CHECK(get("c", "o").status == 404);
  CHECK(call("DELETE", obj_path("c", "o")).status == 404);
  CHECK(call("DELETE", obj_path("nocontainer", "o")).status == 404);
  CHECK(list_json("c").empty());
}

TEST_CASE_METHOD(ObjectFixture, "object POST replaces user metadata and keeps the body") {
  put("c", "o", "body", {{"X-Object-Meta-Old", "1"}, {"Content-Type", "text/x"}});
  auto res = call("POST", obj_path("c", "o"), {{"X-Object-Meta-New", "2"}});
  CHECK(res.status == 202);
  auto g = get("c", "o");
  CHECK(g.body_string() == "body");
  CHECK(header(g, "X-Object-Meta-New") == "2");
  CHECK_FALSE(has_header(g, "X-Object-Meta-Old"));
  CHECK(header(g, "Content-Type") == "text/x");
  CHECK(header(g, "Etag") == md5_hex("body"));
  CHECK(call("POST", obj_path("c", "o"), {{"Content-Type", "text/y"}}).status == 202);
  CHECK(header(get("c", "o"), "Content-Type") == "text/y");
  CHECK(call("POST", obj_path("c", "missing"), {{"X-Object-Meta-A", "1"}}).status == 404);
}

TEST_CASE_METHOD(ObjectFixture, "PUT stores Content-Disposition, Content-Encoding and X-Delete-At") {
  put("c", "o", "x", {{"Content-Disposition", "attachment"}, {"Content-Encoding", "gzip"}});
  auto g = get("c", "o");
  CHECK(header(g, "Content-Disposition") == "attachment");
  CHECK(header(g, "Content-Encoding") == "gzip");
  put("c", "later", "x", {{"X-Delete-After", "3600"}});
  CHECK_FALSE(header(get("c", "later"), "X-Delete-At").empty());
  CHECK(call("PUT", obj_path("c", "past"), {{"X-Delete-At", "1"}}, "x").status == 400);
  CHECK(call("PUT", obj_path("c", "nan"), {{"X-Delete-At", "soon"}}, "x").status == 400);
}

TEST_CASE_METHOD(ObjectFixture, "COPY with Destination makes a server-side copy") {
  put("c", "src", "payload", {{"X-Object-Meta-Keep", "yes"}, {"Content-Type", "text/a"}});
  make_container("d");
  auto res = call("COPY", obj_path("c", "src"), {{"Destination", "d/dst/x"}});
  REQUIRE(res.status == 201);
  CHECK(header(res, "Etag") == md5_hex("payload"));
  CHECK(header(res, "X-Copied-From") == "c/src");
  auto g = get("d", "dst/x");
  CHECK(g.body_string() == "payload");
  CHECK(header(g, "X-Object-Meta-Keep") == "yes");
  CHECK(header(g, "Content-Type") == "text/a");
  // The copy shares the stored bytes.
  CHECK(store.read_object("AUTH_test", "d", "dst/x").version->body.same_buffers(
      store.read_object("AUTH_test", "c", "src").version->body));

  // Leading slash, URL-encoding, request metadata added.
  CHECK(call("COPY", obj_path("c", "src"), {{"Destination", "/c/copy%20two"}, {"X-Object-Meta-Extra", "e"}}).status == 201);
  g = get("c", "copy two");
  CHECK(g.body_string() == "payload");
  CHECK(header(g, "X-Object-Meta-Extra") == "e");
  CHECK(header(g, "X-Object-Meta-Keep") == "yes");

  CHECK(call("COPY", obj_path("c", "missing"), {{"Destination", "c/x"}}).status == 404);
  CHECK(call("COPY", obj_path("c", "src"), {{"Destination", "nocontainer/x"}}).status == 404);
  CHECK(call("COPY", obj_path("c", "src")).status == 412);
  CHECK(call("COPY", obj_path("c", "src"), {{"Destination", "justcontainer"}}).status == 412);
}

TEST_CASE_METHOD(ObjectFixture, "PUT with X-Copy-From copies") {
  put("c", "src", "abc");
  auto res = call("PUT", obj_path("c", "dst"), {{"X-Copy-From", "/c/src"}}, "");
  REQUIRE(res.status == 201);
  CHECK(header(res, "Etag") == md5_hex("abc"));
  CHECK(get("c", "dst").body_string() == "abc");
  CHECK(call("PUT", obj_path("c", "dst2"), {{"X-Copy-From", "c/src"}}, "").status == 201);
  CHECK(get("c", "dst2").body_string() == "abc");
  CHECK(call("PUT", obj_path("c", "dst3"), {{"X-Copy-From", "c/missing"}}, "").status == 404);
  CHECK(call("PUT", obj_path("c", "dst4"), {{"X-Copy-From", "c/src"}}, "body").status == 400);
  CHECK(call("PUT", obj_path("c", "dst5"), {{"X-Copy-From", "nocontainer"}}, "").status == 412);
}

TEST_CASE_METHOD(ObjectFixture, "copy of a bit-rotten source fails with 422") {
  put("c", "src", "abcdef");
  REQUIRE(store.debug_flip_byte("AUTH_test", "c", "src", 2));
  CHECK(call("COPY", obj_path("c", "src"), {{"Destination", "c/dst"}}).status == 422);
  CHECK(get("c", "dst").status == 404);
}
