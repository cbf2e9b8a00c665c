// Static Large Objects (sim/swift/slo*): the manifest PUT and slo.py's
// validation, assembly with Range, the manifest itself, the delete with its
// segments, listings, and segment reads through the store's fault plan.
#include "common/crypto.h"
#include "common/json_reader.h"
#include "swift_test_util.h"

using namespace swift_test;
using stalemate::md5_hex;

namespace {
stalemate::sim::FaultRule rule(const char* json) {
  return stalemate::sim::parse_fault_rule(stalemate::JsonReader(nlohmann::json::parse(json), "test"), 0);
}

struct SloFixture : SwiftFixture {
  SloFixture() {
    make_container("c");
    put("c", "seg/1", "hello", {{"Content-Type", "text/plain"}});
    put("c", "seg/2", "world!", {{"Content-Type", "text/plain"}});
  }
  HttpResponse put_manifest(const std::string& name, const std::string& manifest, Headers headers = {}) {
    return call("PUT", obj_path("c", name) + "?multipart-manifest=put", std::move(headers), manifest);
  }
  std::string manifest() const {
    return R"([{"path": "/c/seg/1", "etag": ")" + md5_hex("hello") + R"(", "size_bytes": 5}, {"path": "c/seg/2"}])";
  }
  std::string slo_etag() const { return md5_hex(md5_hex("hello") + md5_hex("world!")); }
};
}  // namespace

TEST_CASE_METHOD(SloFixture, "SLO manifest PUT stores the manifest and answers the SLO etag") {
  auto res = put_manifest("big", manifest());
  REQUIRE(res.status == 201);
  CHECK(header(res, "Etag") == "\"" + slo_etag() + "\"");

  auto g = get("c", "big");
  CHECK(g.status == 200);
  CHECK(g.body_string() == "helloworld!");
  CHECK(header(g, "Etag") == "\"" + slo_etag() + "\"");
  CHECK(header(g, "X-Static-Large-Object") == "True");
  CHECK(header(g, "Content-Type") == "application/octet-stream");  // no type, no extension: guessed
  CHECK_FALSE(has_header(g, "X-Object-Sysmeta-Slo-Etag"));  // sysmeta stays inside

  auto h = head("c", "big");
  CHECK(h.content_length() == 11);
  CHECK(h.body.empty());

  // The listing shows the total and both etags.
  auto listing = list_json("c", "prefix=big");
  REQUIRE(listing.size() == 1);
  CHECK(listing[0]["bytes"] == 11);
  CHECK(listing[0]["slo_etag"] == "\"" + slo_etag() + "\"");
  CHECK(listing[0]["content_type"] == "application/octet-stream");
}

TEST_CASE_METHOD(SloFixture, "SLO manifest PUT validates as slo.py does") {
  auto bad = put_manifest("x", "[{");
  CHECK(bad.status == 400);
  CHECK(bad.body_string() == "Manifest must be valid JSON.\n");
  CHECK(put_manifest("x", "{}").body_string() == "Manifest must be a list.\n");

  auto res = put_manifest("x", R"([{"path": "/c/seg/1", "size_bytes": 4}, {"path": "/c/seg/2", "etag": "0"}, {"path": "/c/none"}])");
  CHECK(res.status == 400);
  CHECK(header(res, "Content-Type") == "text/plain");
  CHECK(res.body_string() == "Errors:\n/c/seg/1, Size Mismatch\n/c/seg/2, Etag Mismatch\n/c/none, 404 Not Found\n");

  res = put_manifest("x", R"([{"path": "/c/x"}, {"path": "nocontainer"}, {"path": "/c/seg/1", "size_bytes": 0}, {"path": "/c/seg/2", "range": "1-2,4-5"}])");
  CHECK(res.status == 400);
  CHECK(res.body_string() == "Index 0: manifest must not include itself as a segment\n"
                             "Index 1: path does not refer to an object. Path must be of the form /container/object.\n"
                             "Index 2: too small; each segment must be at least 1 byte.\n"
                             "Index 3: multiple ranges (only one allowed)\n");
  // A client Etag that is not the SLO etag: 422.
  CHECK(put_manifest("x", manifest(), {{"Etag", "0123"}}).status == 422);
  CHECK(call("GET", obj_path("c", "x")).status == 404);  // nothing was stored
  // The header is reserved for the middleware.
  CHECK(call("PUT", obj_path("c", "y"), {{"X-Static-Large-Object", "True"}}, "x").status == 400);
}

TEST_CASE_METHOD(SloFixture, "SLO GET serves ranges across segments, several ranges as multipart") {
  REQUIRE(put_manifest("big", manifest()).status == 201);
  auto r = get("c", "big", {{"Range", "bytes=3-7"}});
  CHECK(r.status == 206);
  CHECK(header(r, "Content-Range") == "bytes 3-7/11");
  CHECK(r.body_string() == "lowor");
  CHECK(get("c", "big", {{"Range", "bytes=-4"}}).body_string() == "rld!");
  CHECK(get("c", "big", {{"Range", "bytes=20-"}}).status == 416);

  r = get("c", "big", {{"Range", "bytes=0-1,8-10"}});
  CHECK(r.status == 206);
  const std::string type = header(r, "Content-Type");
  REQUIRE(type.rfind("multipart/byteranges;boundary=", 0) == 0);
  const std::string b = type.substr(type.find('=') + 1);
  CHECK(r.body_string() == "--" + b + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/11\r\n\r\nhe\r\n--" +
                               b + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 8-10/11\r\n\r\nld!\r\n--" + b + "--");
  // HEAD ignores Range; conditions compare against the SLO etag.
  CHECK(head("c", "big", {{"Range", "bytes=3-7"}}).status == 200);
  CHECK(get("c", "big", {{"If-None-Match", "\"" + slo_etag() + "\""}}).status == 304);
  CHECK(get("c", "big", {{"If-Match", "\"nope\""}}).status == 412);
}

TEST_CASE_METHOD(SloFixture, "SLO segments with ranges and inline data") {
  const std::string m = R"([{"path": "/c/seg/1", "range": "1-3"}, {"data": "LS0t"}, {"path": "/c/seg/2", "range": "-2"}])";
  REQUIRE(put_manifest("mixed", m).status == 201);
  CHECK(get("c", "mixed").body_string() == "ell---d!");
  CHECK(head("c", "mixed").content_length() == 8);
  CHECK(put_manifest("bad", R"([{"data": "LS0t"}])").body_string() ==
        "Inline data segments require at least one object-backed segment.\n");
  CHECK(put_manifest("bad", R"([{"path": "/c/seg/1"}, {"data": "not base64!"}])").body_string() ==
        "Index 1: data must be valid base64\n");
}

TEST_CASE_METHOD(SloFixture, "COPY of an SLO writes the assembled bytes; with multipart-manifest=get the manifest") {
  REQUIRE(put_manifest("big", manifest()).status == 201);
  REQUIRE(call("COPY", obj_path("c", "big"), {{"Destination", "c/flat"}}).status == 201);
  auto flat = get("c", "flat");
  CHECK(flat.body_string() == "helloworld!");
  CHECK(header(flat, "Etag") == md5_hex("helloworld!"));
  CHECK_FALSE(has_header(flat, "X-Static-Large-Object"));
  REQUIRE(call("COPY", obj_path("c", "big") + "?multipart-manifest=get", {{"Destination", "c/big2"}}).status == 201);
  CHECK(get("c", "big2").body_string() == "helloworld!");  // another manifest of the same segments
  CHECK(header(get("c", "big2"), "X-Static-Large-Object") == "True");
}

TEST_CASE_METHOD(SloFixture, "multipart-manifest=get serves the manifest, format=raw the PUT form") {
  REQUIRE(put_manifest("big", manifest()).status == 201);
  auto m = call("GET", obj_path("c", "big") + "?multipart-manifest=get");
  CHECK(m.status == 200);
  CHECK(header(m, "Content-Type") == "application/json; charset=utf-8");
  CHECK(header(m, "Etag") == md5_hex(m.body_string()));
  const auto j = nlohmann::json::parse(m.body_string());
  REQUIRE(j.size() == 2);
  CHECK(j[0]["name"] == "/c/seg/1");
  CHECK(j[0]["bytes"] == 5);
  CHECK(j[1]["hash"] == md5_hex("world!"));
  CHECK(j[1]["content_type"] == "text/plain");
  auto raw = call("GET", obj_path("c", "big") + "?multipart-manifest=get&format=raw");
  CHECK(raw.body_string() == R"([{"etag": ")" + md5_hex("hello") + R"(", "path": "/c/seg/1", "size_bytes": 5}, {"etag": ")" +
                                 md5_hex("world!") + R"(", "path": "/c/seg/2", "size_bytes": 6}])");
}

TEST_CASE_METHOD(SloFixture, "multipart-manifest=delete removes the segments and the manifest") {
  REQUIRE(put_manifest("big", manifest()).status == 201);
  auto d = call("DELETE", obj_path("c", "big") + "?multipart-manifest=delete", {{"Accept", "application/json"}});
  CHECK(d.status == 200);
  const auto j = nlohmann::json::parse(d.body_string());
  CHECK(j["Number Deleted"] == 3);
  CHECK(j["Response Status"] == "200 OK");
  CHECK(get("c", "seg/1").status == 404);
  CHECK(get("c", "big").status == 404);
  // Gone already: one not found; a plain object: an error line.
  d = call("DELETE", obj_path("c", "big") + "?multipart-manifest=delete");
  CHECK(d.body_string().find("Number Not Found: 1\n") != std::string::npos);
  put("c", "plain", "p");
  d = call("DELETE", obj_path("c", "plain") + "?multipart-manifest=delete");
  CHECK(d.body_string().find("Response Status: 400 Bad Request\nErrors:\n/c/plain, Not an SLO manifest\n") !=
        std::string::npos);
}

TEST_CASE_METHOD(SloFixture, "SLO segments are read through the model: a stale segment cuts the body, a missing first one is 409") {
  REQUIRE(put_manifest("big", manifest()).status == 201);
  // seg/2 is overwritten while replicas 1 and 2 miss it, and every request's
  // reads (its segment reads too) go 1, 2, 3: they find the old copy.
  store.add_rules({rule(R"({"kind":"OBJ","replicas":[1,2],"change":"put","match":{"object":"seg/2"}})"),
                   rule(R"({"kind":"ROUTE","target":"object","order":[1,2,3],"match":{"container":"c"}})")});
  put("c", "seg/2", "WORLD!");
  REQUIRE(put_manifest("new", R"([{"path": "/c/seg/1"}, {"path": "/c/seg/2"}])").status == 201);
  CHECK(put_manifest("new", R"([{"path": "/c/seg/2", "etag": ")" + md5_hex("WORLD!") + R"("}])").status == 400);  // HEAD saw the old copy
  auto g = get("c", "big");
  CHECK(g.content_length() == 11);
  CHECK(g.body_string() == "helloworld!");  // the old copy matches the old manifest
  store.heal();
  g = get("c", "big");
  CHECK(g.content_length() == 11);
  CHECK(g.deliverable_bytes() == 5);  // the new seg/2 is not the manifest's segment any more: cut
  CHECK(store.delete_object("AUTH_test", "c", "seg/1").status == stalemate::sim::Store::WriteStatus::Ok);
  CHECK(get("c", "big").status == 409);  // SegmentedIterable.validate_first_segment
}

TEST_CASE_METHOD(SloFixture, "SLO heartbeat=on answers 202 and writes the outcome into the body, in the format asked for") {
  auto text = call("PUT", obj_path("c", "hb") + "?multipart-manifest=put&heartbeat=on", {}, manifest());
  REQUIRE(text.status == 202);
  CHECK(header(text, "Content-Type") == "text/plain");
  const auto stored = get("c", "hb");
  REQUIRE(stored.status == 200);
  CHECK(stored.body_string() == "helloworld!");
  const std::string last_modified = header(stored, "Last-Modified");
  CHECK(text.body_string() == " \r\n\r\nEtag: \"" + slo_etag() + "\"\nLast Modified: " + last_modified +
                                  "\nResponse Body: \nResponse Status: 201 Created\nErrors:\n");

  auto json = call("PUT", obj_path("c", "hb") + "?multipart-manifest=put&heartbeat=on", {{"Accept", "application/json"}},
                   manifest());
  REQUIRE(json.status == 202);
  const std::string body = json.body_string();
  REQUIRE(body.compare(0, 5, " \r\n\r\n") == 0);
  const auto doc = nlohmann::json::parse(body.substr(5));
  CHECK(doc["Response Status"] == "201 Created");
  CHECK(doc["Etag"] == "\"" + slo_etag() + "\"");
  CHECK(doc["Errors"].empty());
  CHECK(body.find("{\"Response Status\": \"201 Created\", \"Etag\": ") == 5);  // json.dumps keeps slo.py's order

  auto xml = call("PUT", obj_path("c", "bad") + "?multipart-manifest=put&heartbeat=on", {{"Accept", "application/xml"}},
                  R"([{"path": "/c/nope"}])");
  REQUIRE(xml.status == 202);
  CHECK(xml.body_string() ==
        " \r\n\r\n<upload>\n<response_body>Bad Request\nThe server could not comply with the request since it is either "
        "malformed or otherwise incorrect.</response_body>\n<response_status>400 Bad Request</response_status>\n"
        "<errors>\n<object><name>/c/nope</name><status>404 Not Found</status></object>\n</errors>\n</upload>\n");
  CHECK(get("c", "bad").status == 404);
  // Without heartbeat the same problems are a plain 400.
  CHECK(put_manifest("bad", R"([{"path": "/c/nope"}])").status == 400);
}
