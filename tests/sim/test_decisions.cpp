// Decisions are data (a kind and fields); reports/decision_text renders each
// kind with the wording the event log used to carry.
#include <catch2/catch.hpp>

#include "common/json_reader.h"
#include "reports/decision_text.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {
nlohmann::json J(const char* text) { return nlohmann::json::parse(text); }
}  // namespace

TEST_CASE("decision texts: each kind renders today's sentence") {
  using reports::render_decision;
  CHECK(render_decision(J(R"({"kind":"rule_fired","rule":"r1","fault":"FAIL","status":503,"applied":true})")) ==
        "rule r1 (FAIL) fired: answer 503 after applying");
  CHECK(render_decision(J(R"({"kind":"rule_fired","rule":"c","fault":"CUT","after_bytes":10})")) ==
        "rule c (CUT) fired: body cut after 10 bytes");
  CHECK(render_decision(J(R"({"kind":"rule_fired","rule":"e","fault":"EXPIRE"})")) ==
        "rule e (EXPIRE) fired: every credential issued so far expires");
  CHECK(render_decision(J(R"({"kind":"replica_held_back","name":"n","change":"put","ts":"1.00000",
      "replicas":[{"replica":"o1","fate":"applied"},{"replica":"o2","fate":"full"},
                  {"replica":"o3","fate":"pending","cause":"replication_lag","delay_us":500000}],
      "listings":[{"replica":"c1","fate":"updated"},
                  {"replica":"c2","fate":"pending","cause":"rule_hold","rule":"h","fault":"ROW","until_healed":true}],
      "unavailable":true,"quorum":2})")) ==
        "put n ts 1.00000: o1: applied; o2: full (507); o3: replication lag, +0.500s; c1: updated; "
        "c2: held back by rule h (ROW), until healed; fewer than 2 replicas stored it (503)");
  CHECK(render_decision(J(R"({"kind":"write_stored_nowhere","name":"n"})")) == "write of n stored on no replica");
  CHECK(render_decision(J(R"({"kind":"stale_read","name":"n","replica":"o1","ts":"1.00000","newest_replica":"o2",
      "newest_ts":"2.00000","newest_tombstone":true})")) ==
        "read n answered by o1 with ts 1.00000; o2 has newer tombstone ts 2.00000");
  CHECK(render_decision(J(R"({"kind":"read_missed","name":"n","replica":null,"holder":"o3","holder_ts":"2.00000"})")) ==
        "read n answered 404 although o3 holds ts 2.00000");
  CHECK(render_decision(J(R"({"kind":"negative_cache_hit","name":"n","replica":null,"remaining_us":1500000})")) ==
        "read n answered 404 from the negative cache (a 404 was read before; cached for 1.500s more)");
  CHECK(render_decision(J(R"({"kind":"listing_gap","prefix":"P/","replica":"c2","more":2,"differences":[
      {"name":"P/2","problem":"lacks","pending":{"cause":"listing_lag","since_us":1000000,"due_in_us":2000000}}]})")) ==
        "listing prefix=P/ answered by c2, which lacks P/2 (listing lag for 1.000s so far, due in 2.000s) and 2 more");
  CHECK(render_decision(J(R"({"kind":"listing_gap","prefix":"","replica":"c1","more":0,"differences":[
      {"name":"a","problem":"stale_row","bytes":1,"newest_bytes":2}]})")) ==
        "listing prefix= answered by c1, which lists a stale row for a (1 bytes, newest 2)");
  CHECK(render_decision(J(R"({"kind":"replica_held_back","name":"n","change":"put","ts":"1.00000",
      "replicas":[{"replica":"o1","fate":"full","status":507,"cause":"capacity","used":90,"capacity":100,"needed":20},
                  {"replica":"h1","fate":"handoff","for":"o1"},
                  {"replica":"o2","fate":"full","status":507,"cause":"rule","rule":"f"}],"listings":[]})")) ==
        "put n ts 1.00000: o1: full (507, 90 of 100 bytes used, 20 needed); h1: holds it for o1; o2: full (507, rule f);");
  CHECK(render_decision(J(R"({"kind":"replication_deferred","name":"n","replica":"o2","ts":"1.00000","used":60,
      "capacity":60,"needed":30,"retry_in_us":30000000})")) ==
        "replication of n ts 1.00000 to o2 deferred: full (60 of 60 bytes used, 30 needed), retried in 30.000s");
  CHECK(reports::decision_is_notable(J(R"({"kind":"replication_deferred"})")));
  CHECK(reports::decision_is_notable(J(R"({"kind":"listing_gap"})")));
  CHECK_FALSE(reports::decision_is_notable(J(R"({"kind":"listing"})")));
  CHECK_FALSE(reports::decision_is_notable(J(R"({"kind":"write"})")));
}

TEST_CASE("the store writes decisions as kinds with fields, no prose") {
  ModelConfig config;
  config.virtual_time = true;
  config.rules.push_back(parse_fault_rule(
      JsonReader(J(R"({"id":"f","kind":"FAIL","status":503,"applied":true,"match":{"method":"PUT"}})"), "t"), 0));
  Store store(config);
  store.create_account("A");
  store.put_container("A", "c", {});
  RequestInfo info;
  info.method = "PUT";
  info.account = "A";
  info.container = "c";
  info.object = "o";
  auto ctx = store.begin_request(info);
  ObjectVersion v;
  v.body = make_payload("x");
  store.put_object("A", "c", "o", v, &ctx);
  store.end_request(ctx, 503, 0);
  const auto e = store.events().since(0).back();
  REQUIRE(e["decisions"].size() == 2);
  CHECK(e["decisions"][0] == J(R"({"kind":"rule_fired","rule":"f","fault":"FAIL","status":503,"applied":true})"));
  CHECK(e["decisions"][1]["kind"] == "write");
  CHECK(e["decisions"][1]["replicas"].size() == 3);
  CHECK(e.dump().find("\"text\"") == std::string::npos);
}
