// The event log keeps each event as its JSONL line, written straight as text
// (sim/model/json_text.h): every line must be exactly what nlohmann's dump of
// the same event object writes, so logs, reports and byte-for-byte
// comparisons see what they saw when events were json objects.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>

#include "common/json_reader.h"
#include "sim/model/json_text.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

std::string dumped(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// The event object end_request built before events became lines.
nlohmann::json event_as_object(const RequestContext& ctx, int status, std::uint64_t bytes) {
  nlohmann::json e = {{"seq", ctx.seq},
                      {"t", static_cast<double>(ctx.t_us) / 1e6},
                      {"protocol", ctx.info.protocol},
                      {"method", ctx.info.method},
                      {"account", ctx.info.account},
                      {"container", ctx.info.container},
                      {"object", ctx.info.object},
                      {"identity", ctx.identity},
                      {"status", status},
                      {"bytes", bytes}};
  if (ctx.info.is_listing) e["listing_prefix"] = ctx.info.listing_prefix;
  if (!ctx.rules.empty()) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& r : ctx.rules) ids.push_back(r->id);
    e["rules"] = ids;
  }
  e["decisions"] = ctx.decisions();
  return e;
}

}  // namespace

TEST_CASE("json_text writes scalars as dump() does") {
  const std::vector<std::string> strings = {"",        "plain/name-1.txt", "quote\"d", "back\\slash", "tab\tnew\nline",
                                            "\x01\x1f", "caf\xc3\xa9",      "bad \xff utf8", "del\x7f",    "\xe2\x82"};
  for (const auto& s : strings) {
    std::string out;
    json_text::append_string(out, s);
    CHECK(out == dumped(nlohmann::json(s)));
  }
  std::vector<double> doubles = {0.0,  -0.0, 1.5, 1e-7, 0.1, 123456.78901, 1e21, 1764500000.12345, -2.5e-300,
                                 1.7976931348623157e308, 5e-324, std::nan(""), INFINITY, -INFINITY};
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> seconds(0, 1e7);
  for (int i = 0; i < 2000; ++i) doubles.push_back(static_cast<double>(static_cast<std::int64_t>(seconds(rng) * 1e6)) / 1e6);
  for (const double d : doubles) {
    std::string out;
    json_text::append_double(out, d);
    CHECK(out == dumped(nlohmann::json(d)));
  }
  std::string out;
  json_text::append_int(out, -42);
  out += ' ';
  json_text::append_uint(out, UINT64_MAX);
  CHECK(out == "-42 18446744073709551615");
  out.clear();
  {
    json_text::ObjectWriter w(out);  // keys in dump()'s sorted order
    w.field("a", std::string("x"));
    w.field("b", std::uint64_t{1});
    w.field("t", 0.25);
    w.field("u", "q\"uote");
  }
  CHECK(out == dumped(nlohmann::json{{"a", "x"}, {"b", 1}, {"t", 0.25}, {"u", "q\"uote"}}));
  const auto nested = nlohmann::json::parse(R"({"b":[1,-2,2.5,null,true,"x\"y"],"a":{"z":{},"y":[]}})");
  out.clear();
  json_text::append_json(out, nested);
  CHECK(out == dumped(nested));
}

TEST_CASE("event lines are byte for byte the dump of the event object, in memory and on file") {
  ModelConfig config;
  config.virtual_time = true;
  config.consistency.replication_delay = {Delay::Kind::Exponential, 1'000'000, 0};
  config.rules.push_back(parse_fault_rule(
      JsonReader(nlohmann::json::parse(R"({"id":"r\"1","kind":"FAIL","status":503,"applied":true,"match":{"method":"PUT"}})"), "t"),
      0));
  Store store(config);
  const auto path = std::filesystem::temp_directory_path() / ("stalemate-event-log-" + std::to_string(::getpid()) + ".jsonl");
  store.events().open_file(path.string());
  store.create_account("A");
  store.put_container("A", "c", {});

  std::string expected;
  auto request = [&](const char* method, const std::string& object, bool listing, int status) {
    RequestInfo info;
    info.method = method;
    info.account = "A";
    info.container = "c";
    info.object = listing ? "" : object;
    info.is_listing = listing;
    info.listing_prefix = listing ? object : "";
    auto ctx = store.begin_request(info);
    if (std::string(method) == "PUT") {
      ObjectVersion v;
      v.body = make_payload("body");
      store.put_object("A", "c", object, v, &ctx);
    } else if (listing) {
      ListQuery query;
      query.prefix = object;
      store.list_objects("A", "c", query, &ctx);
    } else {
      store.read_object("A", "c", object, {}, &ctx);
    }
    expected += dumped(event_as_object(ctx, status, 4)) + "\n";
    store.end_request(ctx, status, 4);
    store.advance_clock(123'457);
  };
  request("PUT", "plain", false, 201);
  request("PUT", "caf\xc3\xa9 \"quoted\"\t\\", false, 201);
  request("PUT", "bad \xff", false, 201);
  request("GET", "plain", false, 200);
  request("GET", "missing", false, 404);
  request("GET", "ca", true, 200);

  CHECK(store.events().size() == 6u);
  CHECK(store.events().jsonl() == expected);
  CHECK(store.events().jsonl_bytes() == expected.size());
  const auto parsed = store.events().since(4);
  REQUIRE(parsed.size() == 2u);
  CHECK(dumped(parsed[1]) + "\n" == expected.substr(expected.rfind('\n', expected.size() - 2) + 1));
  store.events().close_file();
  std::ifstream in(path);
  std::stringstream file;
  file << in.rdbuf();
  CHECK(file.str() == expected);
  std::filesystem::remove(path);
}
