// The text summary of one run: what a user reads in the terminal.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "reports/run_report.h"

using namespace stalemate;

namespace {
nlohmann::json base_report() {
  return {{"scenario", {{"name", "s"}}},
          {"scenario_file", "s.json"},
          {"seed", 1},
          {"registry", {{"binary", "r"}, {"version", "v"}}},
          {"backend", {{"protocol", "swift"}, {"endpoint", "e"}}},
          {"counts", {{"requests", 3}}},
          {"verdict", "FAIL"}};
}
}  // namespace

TEST_CASE("summary: the nginx front's failures, cache hits and tmpfs peaks", "[reports][summary]") {
  auto report = base_report();
  CHECK(reports::render_summary(report).find("front ") == std::string::npos);  // no front, no line
  report["front"] = {{"nginx_version", "1.22.1"},
                     {"requests", {{"failed_at_front", 7}, {"failed_at_registry", 1}, {"cache_hits", 2}}},
                     {"filesystems",
                      {{"spool", {{"size_bytes", 4 << 20}, {"peak_bytes", 3 << 20}}},
                       {"temp", {{"size_bytes", 8 << 20}, {"peak_bytes", 0}}}}}};
  const auto text = reports::render_summary(report);
  CHECK_THAT(text, Catch::Contains("front     nginx 1.22.1: 7 requests failed at the front, 1 at the registry; 2 cache hits"));
  CHECK_THAT(text, Catch::Contains("spool peak 3.0 of 4.0 MiB, temp peak 0.0 of 8.0 MiB"));
}

TEST_CASE("summary: a violation served from nginx's cache names the request that filled the entry",
          "[reports][summary]") {
  auto report = base_report();
  report["violations"] = {{{"invariant", "blob-digest"},
                           {"message", "wrong bytes"},
                           {"request_index", 5},
                           {"method", "GET"},
                           {"url", "/v2/x/blobs/sha256:1"},
                           {"evidence",
                            {{"cache",
                              {{"status", "HIT"},
                               {"request_id", "abc"},
                               {"filled_by", {{"request_index", 2}, {"method", "GET"}, {"status", 206}, {"cache", "MISS"}}}}}}}}};
  auto text = reports::render_summary(report);
  CHECK_THAT(text, Catch::Contains("nginx cache HIT (request id abc), entry filled by request #2 GET (206, cache MISS)"));
  report["violations"][0]["evidence"]["cache"]["filled_by"] = nullptr;
  text = reports::render_summary(report);
  CHECK_THAT(text, Catch::Contains("no request of this run filled the entry"));
}
