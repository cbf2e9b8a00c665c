// Swift front-end on the eventually consistent model: request bracketing and
// the event log, request-level faults (FAIL, CUT, EXPIRE), quorum failures,
// stale reads, and DLOs over lagging listings and object replicas.
#include "common/json_reader.h"
#include "swift_test_util.h"

using namespace swift_test;
using stalemate::sim::FaultRule;

namespace {
FaultRule rule(const char* json) {
  return stalemate::sim::parse_fault_rule(stalemate::JsonReader(nlohmann::json::parse(json), "test"), 0);
}

struct ModelFixture : SwiftFixture {
  ModelFixture() {
    make_container("reg");
    put("reg", "segments/P/1", "AAAA");
    put("reg", "segments/P/2", "BBBBB");
    put("reg", "segments/P/3", "CC");
    put("reg", "blob", "", {{"X-Object-Manifest", "reg/segments/P"}});
  }
};
}  // namespace

TEST_CASE_METHOD(ModelFixture, "every request is recorded in the event log with its status and bytes") {
  const auto before = store.events().size();
  auto g = get("reg", "blob");
  REQUIRE(g.status == 200);
  call("GET", "/v1/AUTH_test/reg?format=json&prefix=segments/");
  anon("GET", "/info");
  auto events = store.events().since(before);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["method"] == "GET");
  CHECK(events[0]["container"] == "reg");
  CHECK(events[0]["object"] == "blob");
  CHECK(events[0]["status"] == 200);
  CHECK(events[0]["bytes"] == 11);
  // The DLO's listing and segment reads are the request's decisions.
  CHECK(events[0]["decisions"].size() >= 4);
  CHECK(events[1]["listing_prefix"] == "segments/");
  CHECK(events[2]["account"] == "");
}

TEST_CASE_METHOD(ModelFixture, "FAIL answers the status, with or without the store changing") {
  store.add_rules({rule(R"({"kind":"FAIL","status":503,"match":{"method":"PUT","object":"a"}})"),
                   rule(R"({"kind":"FAIL","status":500,"applied":true,"match":{"method":"PUT","object":"b"}})")});
  CHECK(call("PUT", obj_path("reg", "a"), {}, "x").status == 503);
  CHECK(get("reg", "a").status == 404);
  CHECK(call("PUT", obj_path("reg", "b"), {}, "y").status == 500);
  CHECK(get("reg", "b").body_string() == "y");
}

TEST_CASE_METHOD(ModelFixture, "CUT closes the body after N bytes") {
  store.add_rules({rule(R"({"kind":"CUT","after_bytes":6,"match":{"method":"GET","object":"blob","times":1}})")});
  auto cut = get("reg", "blob");
  CHECK(cut.status == 200);
  CHECK(cut.content_length() == 11);
  CHECK(cut.deliverable_bytes() == 6);
  CHECK(cut.body_string() == "AAAABB");
  CHECK(get("reg", "blob").body_string() == "AAAABBBBBCC");  // fired once
}

TEST_CASE_METHOD(ModelFixture, "EXPIRE and expire_credentials void every token issued so far") {
  store.add_rules({rule(R"({"kind":"EXPIRE","match":{"method":"HEAD","object":"blob","times":1}})")});
  CHECK(head("reg", "blob").status == 401);  // the request that fired it
  CHECK(get("reg", "blob").status == 401);   // and the old token from then on
  token = login();
  CHECK(get("reg", "blob").status == 200);
  CHECK(head("reg", "blob").status == 200);

  store.expire_credentials();
  CHECK(head("reg", "blob").status == 401);
  token = login();
  CHECK(head("reg", "blob").status == 200);
  // Bulk delete reports the expired token per item.
  store.expire_credentials();
  auto res = call("DELETE", "/v1/AUTH_test?bulk-delete", {{"Accept", "application/json"}, {"Content-Length", "8"}},
                  "/reg/x\n");
  CHECK(nlohmann::json::parse(res.body_string())["Errors"][0][1] == "401 Unauthorized");
}

TEST_CASE_METHOD(ModelFixture, "a write below quorum is a 503") {
  store.add_rules({rule(R"({"kind":"FULL","replicas":[1,2],"match":{"object_prefix":"full/"}})")});
  CHECK(call("PUT", obj_path("reg", "full/x"), {}, "x").status == 503);
  CHECK(call("PUT", obj_path("reg", "fine"), {}, "x").status == 201);
}

TEST_CASE_METHOD(ModelFixture, "a replica that missed an overwrite serves it stale; X-Newest does not") {
  put("reg", "o", "v1");
  store.add_rules({rule(R"({"kind":"OBJ","replicas":[1,2],"change":"put","match":{"object":"o"}})"),
                   rule(R"({"kind":"ROUTE","target":"object","order":[1,2,3],"match":{"object":"o"}})")});
  put("reg", "o", "v2");
  CHECK(get("reg", "o").body_string() == "v1");
  CHECK(get("reg", "o", {{"X-Newest", "true"}}).body_string() == "v2");
  // A copy reads its source with X-Newest.
  CHECK(call("COPY", obj_path("reg", "o"), {{"Destination", "reg/o-copy"}}).status == 201);
  store.heal();
  CHECK(get("reg", "o-copy").body_string() == "v2");
}

TEST_CASE_METHOD(ModelFixture, "DLO over a listing that lacks a segment row: short length, spliced body (M2)") {
  store.add_rules({rule(R"({"kind":"ROW","replicas":[1,2,3],"change":"insert","match":{"object":"segments/Q/2"}})")});
  put("reg", "segments/Q/1", "1111");
  put("reg", "segments/Q/2", "2222");  // its row reaches no listing replica yet
  put("reg", "segments/Q/3", "3333");
  put("reg", "q", "", {{"X-Object-Manifest", "reg/segments/Q"}});
  auto g = get("reg", "q");
  CHECK(g.status == 200);
  CHECK(g.content_length() == 8);
  CHECK(g.body_string() == "11113333");
  CHECK(get("reg", "q", {{"Range", "bytes=8-"}}).status == 416);
  store.heal();
  g = get("reg", "q");
  CHECK(g.content_length() == 12);
  CHECK(g.body_string() == "111122223333");
}

TEST_CASE_METHOD(ModelFixture, "DLO segment whose listed size is stale: listed length announced, real bytes spliced") {
  // Segment 2 is rewritten with 7 bytes; the listing keeps its 5-byte row.
  store.add_rules({rule(R"({"kind":"ROW","replicas":[1,2,3],"match":{"object":"segments/P/2"}})")});
  put("reg", "segments/P/2", "bbbbbbb");
  auto g = get("reg", "blob");
  CHECK(g.status == 200);
  CHECK(g.content_length() == 11);
  CHECK(g.declared_length == std::optional<std::uint64_t>(11));
  // Swift streams the real 7 bytes and truncates at the listed 11.
  CHECK(g.deliverable_bytes() == 11);
  CHECK(g.body_string() == "AAAAbbbbbbb");
  CHECK(head("reg", "blob").content_length() == 11);
  // A resume past the bad segment is served from the listing as it is.
  auto resume = get("reg", "blob", {{"Range", "bytes=9-"}});
  CHECK(resume.status == 206);
  CHECK(resume.body_string() == "CC");
}

TEST_CASE_METHOD(ModelFixture, "DLO segment listed but not readable: cut after the segments before it; 409 if first") {
  // The PUT of segment 4 reaches no object replica (it sits on a handoff)
  // while its listing row is written.
  store.add_rules({rule(R"({"kind":"OBJ","replicas":[1,2,3],"change":"put","match":{"object_prefix":"segments/P/4"}})")});
  put("reg", "segments/P/4", "DDD");
  auto g = get("reg", "blob");
  CHECK(g.status == 200);
  CHECK(g.content_length() == 14);
  CHECK(g.deliverable_bytes() == 11);
  CHECK(g.body_string() == "AAAABBBBBCC");
  // Starting at the missing segment: Swift's validate_first_segment gives 409.
  CHECK(get("reg", "blob", {{"Range", "bytes=11-"}}).status == 409);
  store.heal();
  CHECK(get("reg", "blob").body_string() == "AAAABBBBBCCDDD");
}
