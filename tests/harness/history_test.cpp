#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <thread>

#include "harness/history.h"

using namespace stalemate::harness;

TEST_CASE("history records requests and violations, and serialises them", "[harness][history]") {
  History h;
  RequestRecord r;
  r.start_us = 10;
  r.end_us = 20;
  r.operation = "pull-blob";
  r.method = "GET";
  r.url = "http://127.0.0.1:5000/v2/a/blobs/sha256:00";
  r.status = 200;
  r.bytes_received = 3;
  CHECK(h.add_request(r) == 0);
  r.operation = "push-commit";
  CHECK(h.add_request(r) == 1);
  h.mark(1, "error", "boom");

  Violation v;
  v.invariant = "blob-digest";
  v.message = "GET … returned 200";
  v.request_index = 0;
  v.method = "GET";
  v.url = r.url;
  v.response_headers["Content-Length"] = "3";
  v.bytes_received = 3;
  v.expected_size = 3;
  v.expected_digest = "sha256:aa";
  v.seen_digest = "sha256:bb";
  h.add_violation(v);

  const auto reqs = h.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].verdict == "violation");
  CHECK(reqs[1].verdict == "error");
  CHECK(reqs[1].note == "boom");
  CHECK(h.violation_count() == 1);

  h.mark(0, "ok", "later");  // never downgrades a violation
  CHECK(h.requests()[0].verdict == "violation");

  const nlohmann::json jr = reqs[0];
  CHECK(jr["operation"] == "pull-blob");
  CHECK(jr["method"] == "GET");
  CHECK(jr["status"] == 200);
  CHECK(jr["start_us"] == 10);
  CHECK(jr["end_us"] == 20);
  CHECK(jr["bytes_received"] == 3);
  CHECK(jr["verdict"] == "violation");
  CHECK(jr.contains("range"));
  CHECK(jr.contains("note"));

  const nlohmann::json jv = h.violations()[0];
  CHECK(jv["invariant"] == "blob-digest");
  CHECK(jv["request_index"] == 0);
  CHECK(jv["response_headers"]["Content-Length"] == "3");
  CHECK(jv["expected_size"] == 3);
  CHECK(jv["expected_digest"] == "sha256:aa");
  CHECK(jv["seen_digest"] == "sha256:bb");
  CHECK(jv["message"] == "GET … returned 200");
}

TEST_CASE("history is thread-safe", "[harness][history]") {
  History h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h] {
      for (int i = 0; i < 1000; ++i) {
        RequestRecord r;
        r.operation = "x";
        const auto idx = h.add_request(r);
        if (i % 100 == 0) {
          Violation v;
          v.invariant = "blob-length";
          v.request_index = idx;
          h.add_violation(v);
        }
      }
    });
  for (auto& t : threads) t.join();
  CHECK(h.requests().size() == 4000);
  CHECK(h.violation_count() == 40);
  for (const auto& v : h.violations()) CHECK(h.requests()[v.request_index].verdict == "violation");
}
