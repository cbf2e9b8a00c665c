// Importers on sample logs in their real formats (tests/data/logs/, one push
// of app/web:v1 with two layers and a config, two pulls of it, and a pull of
// base/debian, pushed before the log began), malformed lines included.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "common/json_reader.h"
#include "harness/workload/log_import.h"
#include "test_support.h"

using namespace stalemate;
using namespace stalemate::harness::workload;

namespace {

std::string sample(const std::string& name) { return std::string(STALEMATE_SOURCE_DIR) + "/tests/data/logs/" + name; }

const TraceEvent* find(const Trace& t, TraceEvent::Op op, const std::string& repo, bool setup = false) {
  for (const auto& e : t.events)
    if (e.op == op && e.image.repository == repo && e.setup == setup) return &e;
  return nullptr;
}

// What every sample describes, whatever its format.
void check_sample_trace(const ImportResult& r, bool exact_push_sizes) {
  const auto& t = r.trace;
  INFO(r.summary.dump());
  CHECK(r.summary["pushes"] == 1);
  CHECK(r.summary["pulls"] == 3);
  CHECK(r.summary["setup_pushes"] == 1);
  const auto* push = find(t, TraceEvent::Op::Push, "app/web");
  REQUIRE(push);
  CHECK(push->client == "10.0.0.5");
  CHECK(push->image.tag == "v1");
  CHECK(push->profile == "dockerd");
  REQUIRE(push->image.layers.size() == 3);
  CHECK(push->image.layers[0].size == 3670016);
  CHECK(push->image.layers[1].size == 1048576);
  CHECK(push->image.layers[2].size == 1469);
  CHECK(r.summary["sizes_inferred"] == (exact_push_sizes ? 0 : 3));
  std::size_t app_pulls = 0;
  for (const auto& e : t.events)
    if (e.op == TraceEvent::Op::Pull && e.image.repository == "app/web") {
      ++app_pulls;
      CHECK(e.image.tag == "v1");
      CHECK(e.profile == "containerd");
      CHECK(e.at_us > push->at_us);
    }
  CHECK(app_pulls == 2);
  const auto* setup = find(t, TraceEvent::Op::Push, "base/debian", true);
  REQUIRE(setup);
  CHECK(setup->image.tag == "bookworm");
  REQUIRE(setup->image.layers.size() == 1);
  CHECK(setup->image.layers[0].size == 29126484);
}

// The malformed lines reported, in order, each containing its expected "FILE:LINE: why" tail.
void check_malformed(const ImportResult& r, const std::vector<std::string>& expected) {
  const auto bad = r.summary["malformed_lines"].get<std::vector<std::string>>();
  REQUIRE(bad.size() == expected.size());
  for (std::size_t i = 0; i < bad.size(); ++i) CHECK_THAT(bad[i], Catch::Contains(expected[i]));
}

}  // namespace

TEST_CASE("import distribution: logrus text lines, with the access lines interleaved", "[harness][trace][import]") {
  const auto r = import_logs("distribution", {sample("registry-text.log")});
  check_sample_trace(r, false);
  check_malformed(r, {"registry-text.log:51: unterminated quoted value", "registry-text.log:52: no http.request.uri",
                      "registry-text.log:53: neither a logrus text nor a JSON line"});
}

TEST_CASE("import distribution: logrus JSON lines", "[harness][trace][import]") {
  const auto r = import_logs("distribution", {sample("registry-json.log")});
  check_sample_trace(r, false);
  check_malformed(r, {"registry-json.log:24: no http.request.method", "registry-json.log:25: not JSON"});
}

TEST_CASE("import nginx: combined with $request_length last", "[harness][trace][import]") {
  const auto r = import_logs("nginx", {sample("nginx-access.log")});
  check_sample_trace(r, false);
  check_malformed(r, {"nginx-access.log:27: bad status", "nginx-access.log:28: bad time"});
}

TEST_CASE("import ibm: a JSON array of FAST'18 request records", "[harness][trace][import]") {
  const auto r = import_logs("ibm", {sample("ibm-trace.json")});
  check_sample_trace(r, true);
  check_malformed(r, {"bad timestamp", "not a JSON object"});
}

TEST_CASE("import notifications: event envelopes give exact push sizes", "[harness][trace][import]") {
  const auto r = import_logs("notifications", {sample("notifications.jsonl")});
  INFO(r.summary.dump());
  CHECK(r.summary["pushes"] == 1);
  CHECK(r.summary["pulls"] == 2);
  CHECK(r.summary["sizes_inferred"] == 0);
  check_malformed(r, {"notifications.jsonl:4: no \"target\"", "notifications.jsonl:5: not JSON"});
}

TEST_CASE("a file that is not the named format at all is an input error", "[harness][trace][import]") {
  CHECK_THROWS_WITH(import_logs("ibm", {sample("nginx-access.log")}), Catch::Contains("nginx-access.log: not an IBM registry trace"));
  CHECK_THROWS_WITH(import_logs("nginx", {sample("notifications.jsonl")}), Catch::Contains("not an nginx access log"));
  CHECK_THROWS_WITH(import_logs("notifications", {sample("registry-text.log")}), Catch::Contains("not registry notification events"));
  CHECK_THROWS_WITH(import_logs("distribution", {sample("ibm-trace.json")}), Catch::Contains("not a distribution registry log"));
  CHECK_THROWS_WITH(import_logs("apache", {sample("nginx-access.log")}), Catch::Contains("unknown log format"));
  CHECK_THROWS_WITH(import_logs("nginx", {sample("missing.log")}), Catch::Contains("cannot open"));
}

TEST_CASE("log time stamps parse to microseconds since the epoch", "[harness][trace][import]") {
  CHECK(parse_rfc3339_us("1970-01-01T00:00:01.5Z") == 1'500'000);
  CHECK(parse_rfc3339_us("2021-06-23T20:40:10.550816892Z") == 1624480810550816);
  CHECK(parse_rfc3339_us("2016-03-09T14:44:26.402973972-08:00") == 1457563466402973);
  CHECK_FALSE(parse_rfc3339_us("2016-03-09 garbage"));
  CHECK(parse_clf_time_us("23/Jun/2021:20:40:10 +0000") == 1624480810000000);
  CHECK(parse_clf_time_us("23/Jun/2021:22:40:10 +0200") == 1624480810000000);
  CHECK_FALSE(parse_clf_time_us("23/Foo/2021:22:40:10 +0200"));
  CHECK(client_address("10.0.0.5:40000") == "10.0.0.5");
  CHECK(client_address("[::1]:5000") == "::1");
  CHECK(client_address("::1") == "::1");
}

TEST_CASE("import: overlapping sessions of one address replay as concurrent lanes", "[harness][trace][import]") {
  // 10.0.0.5 pushes app/a and app/b at once (dockerd pushes images in parallel), then app/c after both.
  stalemate::test::TempDir dir;
  const auto line = [](const std::string& t, const std::string& method, const std::string& uri, int status) {
    return nlohmann::json{{"time", "2026-11-30T07:00:" + t + "Z"}, {"level", "info"}, {"msg", "response completed"},
                          {"http.request.method", method}, {"http.request.uri", uri}, {"http.request.remoteaddr", "10.0.0.5:1"},
                          {"http.request.useragent", "docker/20.10"}, {"http.response.status", status}, {"http.response.written", 0}}
        .dump() + "\n";
  };
  const std::string d1 = "sha256:" + std::string(64, '1'), d2 = "sha256:" + std::string(64, '2');
  std::ofstream(dir.path() / "r.log") << line("01.0", "PUT", "/v2/app/a/blobs/uploads/u1?digest=" + d1, 201)
                                      << line("01.5", "PUT", "/v2/app/b/blobs/uploads/u2?digest=" + d2, 201)
                                      << line("02.0", "PUT", "/v2/app/a/manifests/v1", 201)
                                      << line("02.5", "PUT", "/v2/app/b/manifests/v1", 201)
                                      << line("03.0", "HEAD", "/v2/app/c/blobs/" + d1, 200)
                                      << line("03.5", "PUT", "/v2/app/c/manifests/v1", 201);
  const auto r = import_logs("distribution", {(dir.path() / "r.log").string()});
  INFO(r.summary.dump());
  REQUIRE(r.trace.events.size() == 3);
  CHECK(r.trace.events[0].client == "10.0.0.5");
  CHECK(r.trace.events[1].client == "10.0.0.5#2");
  CHECK(r.trace.events[2].client == "10.0.0.5");  // the first lane is free again
  CHECK(r.summary["concurrent_lanes"] == 1);
  CHECK(r.summary["sizes_defaulted"] == 2);  // nothing in this log says how big the blobs are
}
