// Fault rules under hostile input: regexes matched against client-supplied
// names, and the range checks of every number a rule or scenario carries.
#include <catch2/catch.hpp>

#include <chrono>

#include "common/json_reader.h"
#include "sim/control/control_api.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

FaultRule rule_json(const std::string& json, const StoreTopology& topology = {}) {
  return parse_fault_rule(JsonReader(nlohmann::json::parse(json), "test"), 0, topology);
}

RequestInfo get_of(std::string object) {
  RequestInfo r;
  r.method = "GET";
  r.account = "AUTH_test";
  r.container = "registry";
  r.object = std::move(object);
  return r;
}

// Matches `name` against a FAIL rule carrying `regex` through the store's
// request path (where the regex runs before authentication); returns whether
// it fired, and the time it took.
std::pair<bool, double> fire(const std::string& regex, const std::string& name) {
  Store store;
  store.add_rules({rule_json(R"({"kind":"FAIL","match":{"object_regex":)" + nlohmann::json(regex).dump() + "}}")});
  const auto t0 = std::chrono::steady_clock::now();
  const auto ctx = store.begin_request(get_of(name));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {ctx.fail_status.has_value(), s};
}

}  // namespace

TEST_CASE("rule regexes: a 30,000-character name against a shipped rule neither crashes nor stalls") {
  // std::regex recursed once per character and overflowed the stack here.
  const std::string rule = "^segments/.*/0000000000000002$";
  const auto [fired, seconds] = fire(rule, "segments/" + std::string(30'000, 'x') + "/0000000000000002");
  CHECK(fired);
  CHECK(seconds < 2.0);  // a hang guard, not a benchmark (std::regex: 1.4 s for 5,000 characters)
  CHECK_FALSE(fire(rule, "segments/" + std::string(30'000, 'x') + "/0000000000000003").first);
}

TEST_CASE("rule regexes: (a|b)*c against 20,000 characters answers") {
  std::string name(20'000, 'a');
  for (std::size_t i = 1; i < name.size(); i += 2) name[i] = 'b';
  const auto [fired, seconds] = fire("(a|b)*c", name);
  CHECK_FALSE(fired);
  CHECK(seconds < 2.0);
  CHECK(fire("(a|b)*c", name + "c").first);
}

TEST_CASE("rule regexes are searched, not anchored") {
  CHECK(fire("/0*2$", "segments/x/0002").first);
  CHECK(fire("data", "blobs/sha256/data").first);
  CHECK_FALSE(fire("^data", "blobs/sha256/data").first);
  CHECK_THROWS_WITH(rule_json(R"({"kind":"FAIL","match":{"object_regex":"("}})"), Catch::Contains("/match/object_regex"));
}

namespace {
nlohmann::json J(const char* text) { return nlohmann::json::parse(text); }
ConsistencyParams consistency_json(const char* text) { return parse_consistency(JsonReader(J(text), "s.json")); }
}  // namespace

TEST_CASE("durations are finite, >= 0 and at most a year, with the JSON path in the error") {
  // "1e30s" overflowed the int64 cast (undefined behaviour) into a negative delay.
  CHECK_THROWS_WITH(consistency_json(R"({"replication_delay":"1e30s"})"),
                    Catch::Contains("s.json: /replication_delay: duration \"1e30s\" is longer than the maximum of one year"));
  CHECK_THROWS_WITH(consistency_json(R"({"replication_delay":1e30})"), Catch::Contains("/replication_delay"));
  CHECK_THROWS_WITH(consistency_json(R"({"replication_delay":"infs"})"), Catch::Contains("/replication_delay"));
  CHECK_THROWS_WITH(consistency_json(R"({"listing_delay":"-1s"})"), Catch::Contains("/listing_delay: a duration must be"));
  CHECK_THROWS_WITH(consistency_json(R"({"listing_delay":{"lognormal":{"p50":"1s","p99":"1e30s"}}})"),
                    Catch::Contains("/listing_delay/lognormal/p99"));
  CHECK_THROWS_WITH(consistency_json(R"({"listing_delay":{"uniform":["0s","9000h"]}})"),
                    Catch::Contains("/listing_delay/uniform/1"));
  CHECK_THROWS_WITH(consistency_json(R"({"negative_cache":{"exponential":{"mean":"1e20s"}}})"),
                    Catch::Contains("/negative_cache/exponential/mean"));
  CHECK(consistency_json(R"({"replication_delay":"8760h"})").replication_delay.a_us == kMaxDurationUs);
  CHECK(consistency_json(R"({"replication_delay":"1.5s"})").replication_delay.a_us == 1'500'000);
  // rule holds and windows, phase times, clock advances use the same parser
  CHECK_THROWS_WITH(rule_json(R"({"kind":"ROW","replicas":[1],"hold":"1e30s"})"), Catch::Contains("/hold"));
  CHECK_THROWS_WITH(rule_json(R"({"kind":"CUT","after_bytes":1,"match":{"from":"1e30s"}})"), Catch::Contains("/match/from"));
  CHECK_THROWS_WITH(rule_json(R"({"kind":"CUT","after_bytes":1,"match":{"until":1e300}})"), Catch::Contains("/match/until"));
  CHECK_THROWS_WITH(parse_phases(JsonReader(J(R"([{"from":"1e30s","set":{}}])"), "s.json")), Catch::Contains("/0/from"));
  CHECK_THROWS_WITH(JsonReader(J(R"({"advance":"1e30s"})"), "body").at("advance").as_duration_us(),
                    Catch::Contains("body: /advance"));
}

TEST_CASE("replica counts and numbers in consistency knobs and rules are range-checked") {
  CHECK_THROWS_WITH(consistency_json(R"({"write_quorum":999})"), Catch::Contains("s.json: /write_quorum"));
  CHECK_THROWS_WITH(consistency_json(R"({"read_tries":17})"), Catch::Contains("/read_tries"));
  CHECK_THROWS_WITH(consistency_json(R"({"listing_replica":17})"), Catch::Contains("/listing_replica"));
  CHECK_THROWS_WITH(consistency_json(R"({"listing_replica":0})"), Catch::Contains("/listing_replica"));
  CHECK(consistency_json(R"({"write_quorum":2})").write_quorum == 2);
  CHECK_THROWS_WITH(rule_json(R"({"kind":"FULL","replicas":[17]})"), Catch::Contains("/replicas/0"));
  CHECK_THROWS_WITH(rule_json(R"({"kind":"ROUTE","target":"listing","replica":99})"), Catch::Contains("/replica"));
}

TEST_CASE("rules naming a replica beyond the topology are refused at their JSON path") {
  const StoreTopology three{3, 3}, five_two{5, 2};
  CHECK_THROWS_WITH(rule_json(R"({"kind":"ROW","replicas":[1,5]})", three),
                    Catch::Contains("test: /replicas/1: replica c5 is beyond the 3 container replicas"));
  CHECK_THROWS_WITH(rule_json(R"({"kind":"OBJ","replicas":[4]})", three), Catch::Contains("/replicas/0: replica o4"));
  CHECK(rule_json(R"({"kind":"OBJ","replicas":[4]})", five_two).as<ObjHold>()->replicas == std::vector<int>{3});
  CHECK_THROWS_WITH(rule_json(R"({"kind":"ROW","replicas":[3]})", five_two), Catch::Contains("/replicas/0"));
  CHECK_THROWS_WITH(rule_json(R"({"kind":"FULL","tier":"container","replicas":[3]})", five_two),
                    Catch::Contains("/replicas/0: replica c3"));
  CHECK(rule_json(R"({"kind":"FULL","replicas":[3]})", five_two).as<Full>()->replicas.size() == 1);
  CHECK_THROWS_WITH(rule_json(R"({"kind":"BITROT","replicas":[4]})", three), Catch::Contains("/replicas/0"));
  CHECK_THROWS_WITH(rule_json(R"({"kind":"ROUTE","target":"listing","replica":3})", five_two), Catch::Contains("/replica:"));
  CHECK_THROWS_WITH(rule_json(R"({"kind":"ROUTE","target":"object","order":[1,6]})", five_two),
                    Catch::Contains("/order/1"));
  CHECK_THROWS_WITH(parse_fault_rules(JsonReader(J(R"([{"kind":"EXPIRE"},{"kind":"ROW","replicas":[4]}])"), "f.json")),
                    Catch::Contains("f.json: /1/replicas/0"));
}

TEST_CASE("the store refuses rules and knobs that do not fit its topology; the control endpoint answers 400") {
  Store store(StoreTopology{3, 2});
  const auto too_far = rule_json(R"({"id":"hide","kind":"ROW","replicas":[3]})", StoreTopology{3, 3});
  CHECK_THROWS_WITH(store.add_rules({too_far}), Catch::Contains("rule hide: replicas: replica c3 is beyond the 2"));
  CHECK_THROWS_AS(store.replace_rules({too_far}), std::invalid_argument);
  CHECK(store.rules_json().empty());
  ConsistencyPatch quorum;
  quorum.write_quorum = 4;
  CHECK_THROWS_WITH(store.patch_consistency(quorum), Catch::Contains("write_quorum 4 exceeds the 3 object replicas"));
  ModelConfig config;
  config.topology = {3, 2};
  config.rules = {too_far};
  CHECK_THROWS_AS(Store(config), std::invalid_argument);

  auto control = [&](const std::string& method, const std::string& target, const std::string& body) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = make_payload(body);
    REQUIRE(parse_request_target(r));
    return handle_control(store, "A", r);
  };
  auto res = control("POST", "/__stalemate/rules", R"([{"kind":"ROW","replicas":[3]}])");
  CHECK(res.status == 400);
  CHECK(res.body_string().find("/0/replicas/0: replica c3 is beyond the 2 container replicas") != std::string::npos);
  res = control("PUT", "/__stalemate/consistency", R"({"write_quorum":4})");
  CHECK(res.status == 400);
  CHECK(res.body_string().find("/write_quorum: write_quorum 4 exceeds") != std::string::npos);
  res = control("PUT", "/__stalemate/phases", R"([{"set":{"listing_replica":3}}])");
  CHECK(res.status == 400);
  CHECK(res.body_string().find("/0/set/listing_replica") != std::string::npos);
  CHECK(control("PUT", "/__stalemate/consistency", R"({"write_quorum":3})").status == 200);
  CHECK(store.params_now().write_quorum == 3);
}

TEST_CASE("consistency patches: one optional per knob, applied over a base; parse_consistency is their wrapper") {
  const auto patch = parse_consistency_patch(JsonReader(J(R"({"listing_replica":2,"read_order":"fixed"})"), "t"));
  CHECK(patch.listing_replica == 1);
  CHECK(patch.shuffle_reads == false);
  CHECK_FALSE(patch.write_quorum);
  CHECK_FALSE(patch.replication_delay);
  ConsistencyParams base;
  base.write_quorum = 2;
  base.replication_delay = Delay::fixed(7);
  const auto p = apply(patch, base);
  CHECK(p.write_quorum == 2);
  CHECK(p.replication_delay.a_us == 7);
  CHECK(p.listing_replica == 1);
  CHECK_FALSE(p.shuffle_reads);
  CHECK(consistency_to_json(parse_consistency(JsonReader(J(R"({"listing_replica":2,"read_order":"fixed"})"), "t"), base)) ==
        consistency_to_json(p));
  CHECK(consistency_patch_to_json(patch) == J(R"({"listing_replica":2,"read_order":"fixed"})"));
  // a whole params object round-trips through its JSON form
  CHECK(consistency_to_json(parse_consistency(JsonReader(consistency_to_json(p), "t"))) == consistency_to_json(p));
}

TEST_CASE("phases hold typed patches, applied by store time") {
  ModelConfig config;
  config.virtual_time = true;
  config.phases = parse_phases(JsonReader(J(R"([{"from":"1s","until":"2s","set":{"always_newest":true}}])"), "t"));
  REQUIRE(config.phases.size() == 1);
  CHECK(config.phases[0].set.always_newest == true);
  Store store(config);
  CHECK_FALSE(store.params_now().always_newest);
  store.advance_clock(1'000'000);
  CHECK(store.params_now().always_newest);
  store.advance_clock(1'000'000);
  CHECK_FALSE(store.params_now().always_newest);
  CHECK(phases_to_json(config.phases) == J(R"([{"from":"1s","until":"2s","set":{"always_newest":true}}])"));
}

TEST_CASE("one type per fault kind: parse, JSON form and description round-trip") {
  const auto row = rule_json(R"({"id":"h","kind":"ROW","replicas":[2],"change":"insert","hold":"2s"})");
  CHECK(row.kind() == FaultKind::Row);
  REQUIRE(row.as<RowHold>());
  CHECK(row.as<RowHold>()->change == Change::Insert);
  CHECK(row.as<RowHold>()->hold.a_us == 2'000'000);
  CHECK_FALSE(row.as<ObjHold>());
  const auto j = fault_rule_to_json(row);
  CHECK(j["kind"] == "ROW");
  CHECK(j["change"] == "insert");
  CHECK(j["replicas"] == nlohmann::json::array({2}));
  CHECK(j["description"] == "hold insert rows from c2 for 2s");
  const auto route = rule_json(R"({"kind":"ROUTE","target":"object","order":[3,1]})");
  CHECK(route.as<Route>()->target == RouteTarget::Object);
  CHECK(fault_rule_to_json(route)["order"] == nlohmann::json::array({3, 1}));
  const auto fail = rule_json(R"({"kind":"FAIL","status":500,"applied":true})");
  CHECK(fault_rule_to_json(fail)["description"] == "answer 500 after applying");
  // every kind's JSON form parses back to the same form
  for (const char* text :
       {R"({"kind":"OBJ","replicas":[1,3],"change":"delete"})", R"({"kind":"FULL","tier":"container","replicas":[2]})",
        R"({"kind":"BITROT","replicas":[1],"offset":7})", R"({"kind":"CUT","after_bytes":"1KiB"})",
        R"({"kind":"EXPIRE"})", R"({"kind":"ROUTE","target":"listing","replica":2})"}) {
    auto once = fault_rule_to_json(rule_json(text));
    for (const char* k : {"enabled", "seen", "fired", "description", "match"}) once.erase(k);
    auto twice = fault_rule_to_json(rule_json(once.dump()));
    for (const char* k : {"enabled", "seen", "fired", "description", "match"}) twice.erase(k);
    CHECK(once == twice);
  }
}

TEST_CASE("listing_exact: a rule for the health check's listing (prefix \"files\") spares the registry's other listings") {
  const auto rule = rule_json(R"({"kind":"FAIL","match":{"method":"GET","listing_prefix":"files","listing_exact":true}})");
  const auto listing = [](std::string prefix) {
    RequestInfo r = get_of("");
    r.is_listing = true;
    r.listing_prefix = std::move(prefix);
    return r;
  };
  CHECK(rule.match.matches(listing("files")));
  CHECK_FALSE(rule.match.matches(listing("files/docker/registry/v2/repositories/r/_uploads/")));
  CHECK_FALSE(rule.match.matches(listing("")));
  CHECK(rule_json(R"({"kind":"FAIL","match":{"listing_prefix":"files"}})").match.matches(listing("files/x")));
  CHECK(fault_rule_to_json(rule)["match"]["listing_exact"] == true);
  CHECK_THROWS_WITH(rule_json(R"({"kind":"FAIL","match":{"listing_exact":true}})"),
                    Catch::Contains("/match/listing_exact") && Catch::Contains("needs a listing_prefix"));
}
