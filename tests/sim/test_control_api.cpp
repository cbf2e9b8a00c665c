// The control endpoint: rules, knobs, quiesce/heal, clock, state dumps, events,
// and clear 400s for bad JSON.
#include <catch2/catch.hpp>

#include "sim/control/control_api.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

HttpRequest control(const std::string& method, const std::string& target, const std::string& body = "") {
  HttpRequest r;
  r.method = method;
  r.target = target;
  r.body = make_payload(body);
  REQUIRE(parse_request_target(r));
  return r;
}

nlohmann::json call(Store& store, const std::string& method, const std::string& target, const std::string& body = "",
                    int expect = 200) {
  const auto res = handle_control(store, "A", control(method, target, body));
  INFO(res.body_string());
  REQUIRE(res.status == expect);
  return nlohmann::json::parse(res.body_string());
}

ObjectVersion version(const std::string& b) {
  ObjectVersion v;
  v.body = make_payload(b);
  return v;
}

}  // namespace

TEST_CASE("control: routes are recognised by prefix only") {
  CHECK(is_control_request(control("GET", "/__stalemate/rules")));
  CHECK_FALSE(is_control_request(control("GET", "/v1/AUTH_test/__stalemate/x")));
}

TEST_CASE("control: add, list, disable and replace rules; bad rules get 400 with the JSON path") {
  Store store;
  auto rules = call(store, "POST", "/__stalemate/rules", R"([{"id":"r1","kind":"FAIL","status":503}])");
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["id"] == "r1");
  CHECK(rules[0]["enabled"] == true);
  rules = call(store, "POST", "/__stalemate/rules/r1/disable");
  CHECK(rules[0]["enabled"] == false);
  call(store, "POST", "/__stalemate/rules/nope/disable", "", 404);
  rules = call(store, "PUT", "/__stalemate/rules", R"([{"kind":"CUT","after_bytes":10},{"kind":"EXPIRE"}])");
  CHECK(rules.size() == 2);
  const auto bad = call(store, "POST", "/__stalemate/rules", R"([{"kind":"ROW","replicas":[2, 0]}])", 400);
  CHECK(bad["error"].get<std::string>().find("request body: /0/replicas/1") != std::string::npos);
  const auto not_json = call(store, "POST", "/__stalemate/rules", "{oops", 400);
  CHECK(not_json["error"].get<std::string>().find("invalid JSON") != std::string::npos);
  // Found by fuzz_control_api: a number beyond double's range threw out_of_range past the handler.
  const auto huge = call(store, "PUT", "/__stalemate/phases", "[8888888888888888E888888888]", 400);
  CHECK(huge["error"].get<std::string>().find("invalid JSON") != std::string::npos);
}

TEST_CASE("control: consistency knobs are patched, clock advances, phases apply") {
  Store store;
  auto p = call(store, "PUT", "/__stalemate/consistency", R"({"listing_delay":"2s","read_order":"fixed"})");
  CHECK(p["listing_delay"] == "2s");
  CHECK(p["read_order"] == "fixed");
  p = call(store, "PUT", "/__stalemate/consistency", R"({"write_quorum":3})");
  CHECK(p["listing_delay"] == "2s");  // a patch keeps what it does not name
  CHECK(p["write_quorum"] == 3);
  call(store, "PUT", "/__stalemate/phases", R"([{"from":"5s","set":{"always_newest":true}}])");
  CHECK(call(store, "GET", "/__stalemate/consistency")["always_newest"] == false);
  const auto now = call(store, "POST", "/__stalemate/clock", R"({"advance":"6s"})");
  CHECK(now["now_s"].get<double>() >= 6.0);
  CHECK(call(store, "GET", "/__stalemate/consistency")["always_newest"] == true);
  call(store, "PUT", "/__stalemate/consistency", R"({"listing_delay":"soon"})", 400);
}

TEST_CASE("control: state dump shows per-replica state and pending updates; quiesce applies them") {
  ModelConfig config;
  config.consistency.listing_delay = Delay::until_healed();
  Store store(config);
  store.create_account("A");
  store.put_container("A", "c", {});
  store.put_object("A", "c", "o", version("hello"));
  auto state = call(store, "GET", "/__stalemate/state?container=c&object=o");
  CHECK(state["object_replicas"].size() == 3);
  CHECK(state["object_replicas"][0]["state"] == "present");
  CHECK(state["listing_replicas"][0]["state"] == "absent");
  CHECK(state["pending"].size() == 3);
  CHECK(state["pending"][0]["due_in_s"] == "until healed");
  const auto q = call(store, "POST", "/__stalemate/quiesce");
  CHECK(q["applied"] == 3);
  CHECK(q["converged"] == true);
  state = call(store, "GET", "/__stalemate/state?container=c&object=o");
  CHECK(state["listing_replicas"][2]["state"] == "listed");
  call(store, "GET", "/__stalemate/state?container=missing&object=o", "", 404);
  call(store, "GET", "/__stalemate/state", "", 400);
}

TEST_CASE("control: capacity and use per replica, in its own route and in the state dump", "[capacity]") {
  StoreTopology t;
  t.handoffs = 1;
  t.capacity.objects = {100, 100, 100};
  t.capacity.container_rows = {5, 5, 5};
  Store store(t);
  store.create_account("A");
  store.put_container("A", "c", {});
  store.put_object("A", "c", "o", version("12345"));
  const auto cap = call(store, "GET", "/__stalemate/capacity");
  CHECK(cap["objects"][0] == nlohmann::json({{"replica", "o1"}, {"used", 5}, {"capacity", 100}, {"full", false}}));
  CHECK(cap["handoffs"][0]["capacity"] == "unlimited");
  CHECK(cap["containers"][2]["rows"] == 1);
  CHECK(cap["containers"][2]["row_capacity"] == 5);
  CHECK(cap["containers"][2]["used"] == 101);  // kRowBytes + the name
  CHECK(call(store, "GET", "/__stalemate/state?container=c&object=o")["capacity"] == cap);
}

TEST_CASE("control: heal turns rules off; expire moves the credential epoch; events page by index") {
  Store store;
  store.create_account("A");
  call(store, "POST", "/__stalemate/rules", R"([{"id":"f","kind":"FAIL","status":500}])");
  RequestInfo info;
  info.method = "GET";
  info.account = "A";
  auto ctx = store.begin_request(info);
  CHECK(ctx.fail_status == std::optional<int>(500));
  store.end_request(ctx, 500, 0);
  call(store, "POST", "/__stalemate/heal");
  auto after = store.begin_request(info);
  CHECK_FALSE(after.fail_status);
  store.end_request(after, 200, 0);
  CHECK(store.auth_epoch_us() < 0);
  call(store, "POST", "/__stalemate/expire");
  CHECK(store.auth_epoch_us() >= 0);
  const auto all = call(store, "GET", "/__stalemate/events");
  REQUIRE(all.size() == 2);
  CHECK(all[0]["rules"][0] == "f");
  CHECK(call(store, "GET", "/__stalemate/events?since=1").size() == 1);
  call(store, "GET", "/__stalemate/events?since=x", "", 400);
  call(store, "DELETE", "/__stalemate/rules", "", 404);
}

TEST_CASE("control: events and state with non-UTF-8 names still serialise (U+FFFD)") {
  Store store;
  store.create_account("A");
  store.put_container("A", "c", {});
  RequestInfo info;
  info.protocol = "swift";
  info.method = "GET";
  info.account = "A";
  info.container = "c";
  info.object = "\xff\xfe";  // GET /v1/A/c/%FF%FE
  const auto ctx = store.begin_request(info);
  store.end_request(ctx, 404, 0);
  for (int i = 0; i < 2; ++i) {  // and again: one bad name must not break every later dump
    const auto res = handle_control(store, "A", control("GET", "/__stalemate/events"));
    REQUIRE(res.status == 200);
    const auto events = nlohmann::json::parse(res.body_string());
    REQUIRE(events.size() == 1);
    CHECK(events[0]["object"] == "\xEF\xBF\xBD\xEF\xBF\xBD");
  }
}

TEST_CASE("control: a rules body with invalid UTF-8 is a 400") {
  Store store;
  auto res = handle_control(store, "A", control("POST", "/__stalemate/rules", "[{\"id\":\"\xff\",\"kind\":\"FAIL\"}]"));
  CHECK(res.status == 400);
  CHECK(nlohmann::json::parse(res.body_string())["error"].get<std::string>().find("invalid JSON") != std::string::npos);
}

TEST_CASE("control: the listener's token (bearer or X-Stalemate-Token) and prefix") {
  Store store;
  auto with = [](Headers headers, const std::string& target = "/__stalemate/rules") {
    auto r = control("GET", target);
    r.headers = std::move(headers);
    return r;
  };
  CHECK(serve_control(store, "A", "", with({})).status == 200);
  CHECK(serve_control(store, "A", "s3cret", with({})).status == 401);
  CHECK(serve_control(store, "A", "s3cret", with({{"Authorization", "Bearer wrong"}})).status == 401);
  CHECK(serve_control(store, "A", "s3cret", with({{"X-Stalemate-Token", "s3cre"}})).status == 401);
  CHECK(serve_control(store, "A", "s3cret", with({{"Authorization", "Bearer s3cret"}})).status == 200);
  CHECK(serve_control(store, "A", "s3cret", with({{"X-Stalemate-Token", "s3cret"}})).status == 200);
  CHECK(serve_control(store, "A", "", with({}, "/v1/AUTH_test")).status == 404);
}
