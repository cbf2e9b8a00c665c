// The eventually consistent behaviour of the store: quorum, replication and
// listing lag, targeted rules, X-Newest, quiesce/heal, determinism.
#include <catch2/catch.hpp>

#include "common/json_reader.h"
#include "reports/decision_text.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

ObjectVersion body(std::string b) {
  ObjectVersion v;
  v.body = make_payload(std::move(b));
  return v;
}

FaultRule rule_from(const char* json) {
  return parse_fault_rule(JsonReader(nlohmann::json::parse(json), "test"), 0);
}

RequestInfo info(const std::string& method, const std::string& object) {
  RequestInfo r;
  r.method = method;
  r.account = "A";
  r.container = "c";
  r.object = object;
  return r;
}

struct Cluster {
  Store store;
  explicit Cluster(ModelConfig config = {}) : store(config) {
    store.create_account("A");
    store.put_container("A", "c", {});
  }
  Store::WriteResult put(const std::string& name, const std::string& b) {
    auto ctx = store.begin_request(info("PUT", name));
    auto w = store.put_object("A", "c", name, body(b), &ctx);
    store.end_request(ctx, 201, 0);
    return w;
  }
  std::optional<std::string> get(const std::string& name, bool newest = false) {
    auto ctx = store.begin_request(info("GET", name));
    auto r = store.read_object("A", "c", name, {.newest = newest}, &ctx);
    store.end_request(ctx, r.version ? 200 : 404, 0);
    if (!r.version) return std::nullopt;
    return r.version->body.str();
  }
  std::vector<std::string> list(const std::string& prefix, int* replica = nullptr) {
    RequestInfo i = info("GET", "");
    i.is_listing = true;
    i.listing_prefix = prefix;
    auto ctx = store.begin_request(i);
    auto items = store.list_objects("A", "c", {.prefix = prefix}, &ctx);
    store.end_request(ctx, 200, 0);
    std::vector<std::string> names;
    for (const auto& it : *items) names.push_back(it.name);
    if (replica) *replica = std::stoi(ctx.decisions().back()["replica"].get<std::string>().substr(1));
    return names;
  }
};

ModelConfig lagged(Delay replication, Delay listing, std::uint64_t seed = 1) {
  ModelConfig c;
  c.seed = seed;
  c.consistency.replication_delay = replication;
  c.consistency.listing_delay = listing;
  return c;
}

}  // namespace

TEST_CASE("with a long replication lag, a quorum of 2 of 3 replicas holds a new write and one lags") {
  Cluster cl(lagged(Delay::until_healed(), Delay::zero()));
  cl.put("o", "v1");
  auto dump = cl.store.dump_object("A", "c", "o");
  int present = 0;
  for (const auto& r : dump["object_replicas"]) present += r["state"] == "present";
  CHECK(present == 2);
  CHECK(dump["pending"].size() == 1);
  CHECK(cl.store.pending_count() == 1);
  CHECK_FALSE(cl.store.converged());
  CHECK(cl.store.quiesce() == 1);
  CHECK(cl.store.converged());
}

TEST_CASE("an overwrite that has not replicated is served stale by some reads, never by X-Newest") {
  ModelConfig config = lagged(Delay::until_healed(), Delay::zero());
  config.consistency.write_quorum = 1;
  Cluster cl(config);
  cl.put("o", "old");
  cl.store.quiesce();
  cl.put("o", "new");  // one replica has it, two still have "old"
  int stale = 0, fresh = 0;
  for (int i = 0; i < 40; ++i) {
    const auto v = cl.get("o");
    REQUIRE(v);
    (*v == "old" ? stale : fresh)++;
    CHECK(cl.get("o", true) == std::optional<std::string>("new"));
  }
  CHECK(stale > 0);
  CHECK(fresh > 0);
  // The event log names the stale read.
  bool noted = false;
  for (const auto& e : cl.store.events().since(0))
    for (const auto& d : e["decisions"]) noted = noted || d.value("stale", false);
  CHECK(noted);
}

TEST_CASE("listing lag: a new row appears on listing replicas one by one") {
  Cluster cl(lagged(Delay::zero(), Delay::fixed(3600'000'000)));
  cl.put("seg/1", "x");
  CHECK(cl.get("seg/1"));  // the object itself is readable
  CHECK(cl.list("seg/").empty());  // no listing replica has the row yet
  cl.store.advance_clock(3601'000'000);
  CHECK(cl.list("seg/") == std::vector<std::string>{"seg/1"});
}

TEST_CASE("ROW rule: one container replica lacks a segment row; listings from it say so and why") {
  ModelConfig config;
  config.rules.push_back(rule_from(R"({"id":"hide-2","kind":"ROW","replicas":[2],"change":"insert",
                                       "match":{"method":"PUT","object_regex":"/0*2$"}})"));
  config.rules.push_back(rule_from(R"({"id":"via-c2","kind":"ROUTE","target":"listing","replica":2,
                                       "match":{"listing_prefix":"P/"}})"));
  Cluster cl(config);
  for (const char* n : {"P/0001", "P/0002", "P/0003"}) cl.put(n, "data");
  int replica = 0;
  CHECK(cl.list("P/", &replica) == std::vector<std::string>{"P/0001", "P/0003"});
  CHECK(replica == 2);
  const auto events = cl.store.events().since(0);
  const auto& listing = events.back()["decisions"].back();
  CHECK(listing["kind"] == "listing_gap");
  CHECK(listing["differences"][0]["name"] == "P/0002");
  CHECK(listing["differences"][0]["problem"] == "lacks");
  CHECK(listing["differences"][0]["pending"]["rule"] == "hide-2");
  const std::string text = reports::render_decision(listing);
  CHECK(text.find("listing prefix=P/ answered by c2, which lacks P/0002 (held back by rule hide-2 (ROW) for ") == 0);
  CHECK(text.find("so far, until healed)") != std::string::npos);
  // other replicas list it
  cl.store.set_rule_enabled("via-c2", false);
  cl.store.heal();
  CHECK(cl.list("P/").size() == 3);
}

TEST_CASE("OBJ rule holding a delete back from one replica resurrects the object for some readers") {
  ModelConfig config;
  config.rules.push_back(rule_from(R"({"kind":"OBJ","replicas":[3],"change":"delete","match":{"object":"U/data"}})"));
  config.rules.push_back(rule_from(R"({"kind":"ROUTE","target":"object","order":[1,2,3],"match":{"method":"HEAD"}})"));
  Cluster cl(config);
  cl.put("U/data", "manifest");
  auto del = cl.store.begin_request(info("DELETE", "U/data"));
  CHECK(cl.store.delete_object("A", "c", "U/data", &del).status == Store::WriteStatus::Ok);
  auto head = cl.store.begin_request(info("HEAD", "U/data"));
  auto r = cl.store.read_object("A", "c", "U/data", {}, &head);
  REQUIRE(r.version);
  CHECK(r.replica == 2);
  CHECK(head.decisions().back()["tried"].size() == 2);
  CHECK_FALSE(cl.get("U/data", true));
}

TEST_CASE("FAIL, CUT and EXPIRE rules fire on the nth matching request only") {
  ModelConfig config;
  config.rules.push_back(rule_from(R"({"kind":"FAIL","status":503,"applied":true,"match":{"method":"DELETE","nth":2}})"));
  config.rules.push_back(rule_from(R"({"kind":"CUT","after_bytes":"1KiB","match":{"method":"GET","times":1}})"));
  config.rules.push_back(rule_from(R"({"kind":"EXPIRE","match":{"method":"PATCH"}})"));
  Store store(config);
  auto d1 = store.begin_request(info("DELETE", "a"));
  auto d2 = store.begin_request(info("DELETE", "b"));
  auto d3 = store.begin_request(info("DELETE", "c"));
  CHECK_FALSE(d1.fail_status);
  REQUIRE(d2.fail_status);
  CHECK(*d2.fail_status == 503);
  CHECK(d2.fail_applied);
  CHECK_FALSE(d3.fail_status);
  auto g1 = store.begin_request(info("GET", "a"));
  auto g2 = store.begin_request(info("GET", "a"));
  CHECK(g1.cut_after == std::optional<std::uint64_t>(1024));
  CHECK_FALSE(g2.cut_after);
  CHECK(store.auth_epoch_us() < 0);
  auto p = store.begin_request(info("PATCH", "x"));
  CHECK(p.credentials_expired);
  CHECK(store.auth_epoch_us() >= 0);
}

TEST_CASE("FULL replicas refuse writes: below quorum the write is unavailable but stays where it landed") {
  ModelConfig config;
  config.rules.push_back(rule_from(R"({"kind":"FULL","replicas":[1,2],"match":{"object_prefix":"seg"}})"));
  Cluster cl(config);
  const auto w = cl.put("seg/9", "bytes");
  CHECK(w.status == Store::WriteStatus::Unavailable);
  const auto dump = cl.store.dump_object("A", "c", "seg/9");
  CHECK(dump["object_replicas"][2]["state"] == "present");
  CHECK(dump["object_replicas"][0]["state"] == "absent");
  CHECK(cl.put("other", "x").status == Store::WriteStatus::Ok);
}

TEST_CASE("BITROT corrupts one replica's copy") {
  ModelConfig config;
  config.consistency.shuffle_reads = false;
  config.rules.push_back(rule_from(R"({"kind":"BITROT","replicas":[1],"offset":0,"match":{"object":"o"}})"));
  Cluster cl(config);
  cl.put("o", "abc");
  CHECK(cl.get("o") == std::optional<std::string>(std::string(1, static_cast<char>('a' ^ 0xff)) + "bc"));
  CHECK_FALSE(cl.store.converged());
}

TEST_CASE("phases change the parameters over a time window") {
  ModelConfig config;
  config.phases = parse_phases(JsonReader(nlohmann::json::parse(
      R"([{"from":"10s","until":"40s","set":{"listing_delay":{"lognormal":{"p50":"1s","p99":"8s"}}}}])"), "test"));
  Store store(config);
  CHECK(store.params_now().listing_delay.is_zero());
  store.advance_clock(11'000'000);
  CHECK(store.params_now().listing_delay.kind == Delay::Kind::LogNormal);
  store.advance_clock(30'000'000);
  CHECK(store.params_now().listing_delay.is_zero());
}

TEST_CASE("the same seed and request sequence give the same decisions; another seed differs") {
  auto run = [](std::uint64_t seed) {
    Cluster cl(lagged({Delay::Kind::Exponential, 500'000'000, 0}, {Delay::Kind::Uniform, 0, 900'000'000}, seed));
    for (int i = 0; i < 20; ++i) cl.put("k" + std::to_string(i % 5), std::to_string(i));
    for (int i = 0; i < 20; ++i) {
      cl.get("k" + std::to_string(i % 5));
      cl.list("k");
    }
    nlohmann::json decisions = nlohmann::json::array();
    for (auto e : cl.store.events().since(0)) {
      // timing-dependent fields aside, the decisions must match
      for (auto& d : e["decisions"]) {
        d.erase("ts");
        d.erase("newest_ts");
        d.erase("holder_ts");
        if (d.contains("replicas"))
          for (auto& r : d["replicas"]) r.erase("delay_us");
        if (d.contains("listings"))
          for (auto& r : d["listings"]) r.erase("delay_us");
        d.erase("differences");
      }
      decisions.push_back(e["decisions"]);
    }
    return decisions;
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("delay distributions: fixed, uniform bounds, lognormal quantiles") {
  CHECK(Delay::fixed(5).sample(0.3) == 5);
  CHECK(Delay::until_healed().sample(0.1) == kForever);
  const Delay u{Delay::Kind::Uniform, 100, 200};
  CHECK(u.sample(0.0) == 100);
  CHECK(u.sample(0.999) <= 200);
  const Delay ln{Delay::Kind::LogNormal, 1'000'000, 8'000'000};
  CHECK(ln.sample(0.5) == Approx(1'000'000).epsilon(0.01));
  CHECK(ln.sample(0.99) == Approx(8'000'000).epsilon(0.01));
  CHECK(parse_delay(JsonReader(nlohmann::json("150ms"), "t")).sample(0) == 150'000);
  CHECK_THROWS_WITH(parse_delay(JsonReader(nlohmann::json::parse(R"({"lognormal":{"p50":"2s","p99":"1s"}})"), "f.json")),
                    Catch::Contains("f.json: /lognormal/p99: p99 is below p50"));
}

TEST_CASE("bad rules are refused with the JSON path") {
  CHECK_THROWS_WITH(rule_from(R"({"kind":"ROW","replicas":[0]})"), Catch::Contains("/replicas/0"));
  CHECK_THROWS_WITH(rule_from(R"({"kind":"NOPE"})"), Catch::Contains("/kind"));
  CHECK_THROWS_WITH(rule_from(R"({"kind":"FAIL","status":200})"), Catch::Contains("/status"));
  CHECK_THROWS_WITH(rule_from(R"({"kind":"CUT","after_bytes":1,"match":{"object_regex":"("}})"),
                    Catch::Contains("/match/object_regex"));
}

TEST_CASE("negative caching: a 404 read before the write keeps answering 404 for a while (legacy S3)") {
  ModelConfig config;
  config.virtual_time = true;
  config.consistency.negative_cache = Delay::fixed(2'000'000);
  Cluster cl(config);
  CHECK_FALSE(cl.get("k"));  // read before creation: cached
  cl.put("k", "v");
  CHECK_FALSE(cl.get("k"));  // still 404 although every replica holds it
  CHECK(cl.get("k", true) == std::nullopt);  // X-Newest does not bypass a proxy's cache either
  const auto events = cl.store.events().since(0);
  CHECK(events.back()["decisions"].back()["kind"] == "negative_cache_hit");
  CHECK(reports::render_decision(events.back()["decisions"].back()).find("from the negative cache") != std::string::npos);
  cl.store.advance_clock(2'000'001);
  CHECK(cl.get("k") == std::optional<std::string>("v"));
  // a key never read before its write is read-after-write
  cl.put("fresh", "x");
  CHECK(cl.get("fresh") == std::optional<std::string>("x"));
}

TEST_CASE("S3 consistency presets: strong has no lag, legacy lags listings and caches 404s, multisite acks on one zone") {
  const auto strong = s3_consistency_preset("strong");
  CHECK(strong.listing_delay.is_zero());
  CHECK(strong.replication_delay.is_zero());
  CHECK(strong.negative_cache.is_zero());
  const auto legacy = s3_consistency_preset("legacy");
  CHECK_FALSE(legacy.listing_delay.is_zero());
  CHECK_FALSE(legacy.negative_cache.is_zero());
  const auto multisite = s3_consistency_preset("multisite");
  CHECK(multisite.write_quorum == 1);
  CHECK_FALSE(multisite.replication_delay.is_zero());
  CHECK(multisite.negative_cache.is_zero());
}

TEST_CASE("the swift-degraded preset lands within what a real Swift showed with one object server down and back") {
  // Measured on a real Swift 2.30 (sim/README.md, "swift-degraded"): right after
  // the restart about one read in three met the stale copy (32 % in the first
  // 5 s), the last stale read came 12.8 s after the restart (the replicator's
  // 30 s pass), and one listing in three missed the new rows for 26-70 s.
  ModelConfig config;
  config.seed = 7;
  config.consistency = swift_consistency_preset("degraded");
  Cluster cl(config);
  constexpr int kObjects = 60;
  for (int i = 0; i < kObjects; ++i) cl.put("o" + std::to_string(i), "old");
  cl.store.advance_clock(80'000'000);  // the old versions everywhere
  for (int i = 0; i < kObjects; ++i) cl.put("o" + std::to_string(i), "new");
  for (int i = 0; i < 30; ++i) cl.put("fresh" + std::to_string(i), "row");  // new rows

  int stale = 0, reads = 0;
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < kObjects; ++i, ++reads) stale += cl.get("o" + std::to_string(i)) == "old";
  INFO(stale << " stale of " << reads);
  CHECK(stale >= reads * 20 / 100);  // about one in three, as measured
  CHECK(stale <= reads * 45 / 100);
  int missing = 0;  // rows a listing lacks, over 30 listings of 30 new rows
  for (int k = 0; k < 30; ++k) missing += 30 - static_cast<int>(cl.list("fresh").size());
  INFO(missing << " rows missing of 900 listed");
  CHECK(missing >= 900 * 20 / 100);  // one replica in three lags, listings pick one at random
  CHECK(missing <= 900 * 45 / 100);
  CHECK(cl.get("o0", /*newest=*/true) == "new");  // X-Newest is the cure, as on the real one

  cl.store.advance_clock(31'000'000);  // past the replicator's pass: reads repaired, listings still lag
  for (int i = 0; i < kObjects; ++i) CHECK(cl.get("o" + std::to_string(i)) == "new");
  cl.store.advance_clock(40'000'000);  // past the container replicator's 70 s
  for (int k = 0; k < 9; ++k) CHECK(cl.list("fresh").size() == 30);
}

TEST_CASE("listing_lag_probability: 0 lets no container replica lag, 1 makes every one lag") {
  const Delay late{Delay::Kind::Uniform, 1'000'000, 2'000'000};
  ModelConfig none = lagged(Delay::zero(), late, 3);
  none.consistency.listing_lag_probability = 0.0;
  Cluster cn(none);
  cn.put("y", "v");
  for (int k = 0; k < 6; ++k) CHECK(cn.list("y") == std::vector<std::string>{"y"});
  ModelConfig all = lagged(Delay::zero(), late, 3);  // 1.0, the default
  Cluster ca(all);
  ca.put("y", "v");
  for (int k = 0; k < 6; ++k) CHECK(ca.list("y").empty());
  ca.store.advance_clock(2'000'001);
  CHECK(ca.list("y") == std::vector<std::string>{"y"});
}
