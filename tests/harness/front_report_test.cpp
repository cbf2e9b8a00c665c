// The front as a scenario and a report see it, without nginx: the `front`
// section and its control patch, the join of client requests to nginx's
// access log (front 500 vs. registry failure, cache status), the request that
// filled a cache entry, and the cache files found by key.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/front/front_report.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"
#include "scenario_errors.h"

using namespace stalemate;
using namespace stalemate::harness;
using namespace stalemate::harness::front;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json with_front(const json& front) {
  json j = json::parse(R"({"name": "f", "workload": {"images": [{"repository": "a/b", "layers": [{"size": "1KiB"}]}]}})");
  j["front"] = front;
  return j;
}

std::string parse_error(const json& j) { return test::scenario_parse_error(j, "front.json"); }

fs::path scratch(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("stalemate-front-report-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

RequestRecord request(const std::string& method, const std::string& url, int status, const std::string& verdict) {
  RequestRecord r;
  r.method = method;
  r.url = url;
  r.status = status;
  r.verdict = verdict;
  r.start_us = 1'000'000;
  r.end_us = 2'000'000;
  return r;
}

}  // namespace

TEST_CASE("scenario front: parsed strictly, in the plan, and its control patch replaces it under --control",
          "[front][scenario]") {
  const auto j = with_front(json::parse(
      R"({"filesystems": {"spool": "4MiB"}, "control": {"filesystems": {"spool": "64MiB"}, "proxy_http_version": "1.1"}})"));
  const auto s = parse_scenario(j, "front.json");
  REQUIRE(s.front);
  CHECK(s.front->spool_fs_size == 4ull << 20);
  CHECK(s.front->proxy_http_version == "1.0");
  REQUIRE(s.front_control);
  CHECK(s.front_control->spool_fs_size == 64ull << 20);
  CHECK(s.front_control->proxy_http_version == "1.1");

  RunOptions plain;
  CHECK(plan_to_json(make_run_plan(s, plain))["front"]["filesystems"]["spool"] == 4ull << 20);
  RunOptions control;
  control.control = true;
  CHECK(make_run_plan(s, control).scenario.front->spool_fs_size == 64ull << 20);

  // Without a control patch the control run keeps the front as it is.
  const auto same = parse_scenario(with_front(json::parse(R"({"filesystems": {"spool": "4MiB"}})")), "front.json");
  CHECK(make_run_plan(same, control).scenario.front->spool_fs_size == 4ull << 20);
  // No front: none in the plan.
  json none = j;
  none.erase("front");
  CHECK_FALSE(plan_to_json(make_run_plan(parse_scenario(none, "front.json"), plain)).contains("front"));
}

TEST_CASE("scenario front: bad knobs name the file and the JSON pointer, in the control patch too", "[front][scenario]") {
  CHECK_THAT(parse_error(with_front(json::parse(R"({"spool": "4MiB"})"))),
             Catch::Contains("front.json") && Catch::Contains("/front"));
  CHECK_THAT(parse_error(with_front(json::parse(R"({"filesystems": {"spool": "1KiB"}})"))),
             Catch::Contains("/front/filesystems/spool") && Catch::Contains("out of range"));
  CHECK_THAT(parse_error(with_front(json::parse(R"({"control": {"filesystems": {"spool": "1KiB"}}})"))),
             Catch::Contains("/front/control/filesystems/spool"));
  CHECK_THAT(parse_error(with_front(json::parse(R"({"control": 3})"))), Catch::Contains("/front/control"));
}

TEST_CASE("join_requests: a 500 nginx answered itself is the front's, with the error.log line and the spool's use",
          "[front][report]") {
  const auto dir = scratch("join");
  FsSampler sampler({{"spool", dir}});
  sampler.stop();
  const std::string base = "http://127.0.0.1:8080";
  std::vector<RequestRecord> requests{
      request("PATCH", base + "/v2/a/blobs/uploads/1", 500, "error"),  // the front's 500, id echoed
      request("PATCH", base + "/v2/a/blobs/uploads/2", 0, "error"),    // no answer seen: joined by method, URI, time
      request("PUT", base + "/v2/a/blobs/uploads/3", 400, "error"),    // the registry's refusal
      request("GET", base + "/v2/a/blobs/sha256:ab", 200, "ok"),       // from the cache
      request("GET", "http://127.0.0.1:9000/v2/a/blobs/sha256:ab", 200, "ok"),  // "via": not through the front
  };
  requests[0].request_id = "id1";
  requests[0].note = "push-patch: PATCH … returned 500";
  requests[3].request_id = "id4";
  std::vector<AccessRecord> access(4);
  access[0].request_id = "id1", access[0].method = "PATCH", access[0].uri = "/v2/a/blobs/uploads/1", access[0].status = 500;
  access[0].connection = 7;
  access[1].request_id = "id2", access[1].method = "PATCH", access[1].uri = "/v2/a/blobs/uploads/2", access[1].status = 500;
  access[1].connection = 8, access[1].end_us = 3'000'000;  // logged after the lingering close
  access[2].request_id = "id3", access[2].method = "PUT", access[2].uri = "/v2/a/blobs/uploads/3", access[2].status = 400;
  access[2].upstream_status = 400, access[2].end_us = 1'500'000;
  access[3].request_id = "id4", access[3].method = "GET", access[3].uri = "/v2/a/blobs/sha256:ab", access[3].status = 200;
  access[3].cache_status = "HIT";
  ErrorLogRecord spool_full;
  spool_full.kind = FrontLogKind::SpoolWriteFailed;
  spool_full.message = "pwrite() \"/x/spool/body/0000000001\" failed (28: No space left on device)";
  spool_full.request_id = "id1";
  spool_full.connection = 7;

  const auto counts = join_requests(requests, base, access, {spool_full}, sampler);
  CHECK(counts.joined == 4);
  CHECK(counts.front_failures == 2);
  CHECK(counts.registry_failures == 1);
  CHECK(counts.cache_hits == 1);
  CHECK(requests[0].failed_at == "front");
  CHECK_THAT(requests[0].note, Catch::StartsWith("front 500: spool full (pwrite() \"/x/spool/body/0000000001\" failed "
                                                 "(28: No space left on device)); spool ") &&
                                   Catch::Contains("; push-patch: PATCH … returned 500"));
  CHECK(counts.front_notes.at(0).find("in use") != std::string::npos);
  CHECK(requests[1].request_id == "id2");
  CHECK(requests[1].failed_at == "front");
  CHECK_THAT(requests[1].note, Catch::Contains("no error.log line"));
  CHECK(requests[2].failed_at == "registry");
  CHECK(requests[3].cache == "HIT");
  CHECK(requests[4].request_id.empty());
  fs::remove_all(dir);
}

TEST_CASE("cache_filler: the latest earlier answer from upstream for the same URL", "[front][report]") {
  std::vector<RequestRecord> r{request("GET", "u", 200, "ok"), request("GET", "v", 200, "ok"),
                               request("GET", "u", 200, "ok"), request("GET", "u", 200, "ok")};
  r[0].cache = "MISS";
  r[1].cache = "MISS";
  r[2].cache = "HIT";
  r[3].cache = "HIT";
  CHECK(cache_filler(r, 3) == std::optional<std::size_t>(0));
  CHECK_FALSE(cache_filler(r, 0));
  r[0].status = 404;  // an error page filled nothing
  CHECK_FALSE(cache_filler(r, 3));
}

TEST_CASE("cache_entries_for: nginx cache files found by their KEY line; partial copies counted", "[front][report]") {
  const auto dir = scratch("cache");
  fs::create_directories(dir / "b" / "2a");
  const std::int64_t valid_sec = 1'900'000'000;
  {
    std::ofstream f(dir / "b" / "2a" / "0123456789abcdef0123456789abc2ab", std::ios::binary);
    std::string header(64, '\0');
    std::memcpy(header.data() + 8, &valid_sec, sizeof valid_sec);
    f << header << "\nKEY: httpregistry/v2/a/blobs/sha256:abbytes=0-1023\nHTTP/1.1 206\r\n";
  }
  std::ofstream(dir / "b" / "2a" / "0123456789abcdef0123456789abc2ab.0000000006") << "partial";
  std::ofstream(dir / "other") << "not an entry";
  const auto entries = cache_entries_for(dir, "/v2/a/blobs/sha256:ab");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["key"] == "httpregistry/v2/a/blobs/sha256:abbytes=0-1023");
  CHECK(entries[0]["valid_sec"] == valid_sec);
  CHECK(cache_entries_for(dir, "/v2/a/blobs/sha256:cd").empty());
  CHECK(orphaned_partials(dir) == 1);
  fs::remove_all(dir);
}
