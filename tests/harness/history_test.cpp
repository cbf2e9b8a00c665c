#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <thread>

#include "harness/checkers.h"
#include "harness/history.h"

using namespace stalemate::harness;
using stalemate::reports::Verdict;

namespace {

RequestRecord blob_get(std::size_t op = kNoOp) {
  RequestRecord r;
  r.start_us = 10;
  r.end_us = 20;
  r.operation = "pull-blob";
  r.method = "GET";
  r.url = "http://127.0.0.1:5000/v2/a/blobs/sha256:00";
  r.status = 200;
  r.bytes_received = 3;
  r.op = op;
  return r;
}

// A 200 GET of 3 bytes whose digest is not the one asked for.
Fact wrong_digest(std::size_t request_index) {
  Fact f;
  f.kind = FactKind::BlobGet;
  f.request_index = request_index;
  f.expected = {"sha256:aa", 3};
  f.seen.method = "GET";
  f.seen.url = blob_get().url;
  f.seen.status = 200;
  f.seen.content_length = 3;
  f.seen.bytes_received = 3;
  f.seen.complete = true;
  f.seen.seen_digest = "sha256:bb";
  f.headers["Content-Length"] = "3";
  return f;
}

}  // namespace

TEST_CASE("history records requests and facts; the checkers turn facts into violations", "[harness][history]") {
  History h;
  const auto r = blob_get();
  CHECK(h.add_request(r) == 0);
  auto r2 = r;
  r2.operation = "push-commit";
  CHECK(h.add_request(r2) == 1);
  h.mark(1, "error", "boom");
  h.add_fact(wrong_digest(0));

  const auto found = violations_of(h);
  REQUIRE(found.size() == 1);
  const auto reqs = judged_requests(h.requests(), found);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].verdict == "violation");
  CHECK(reqs[1].verdict == "error");
  CHECK(reqs[1].note == "boom");

  h.mark(0, "ok", "later");  // the checkers' judgement is not undone by a later mark
  CHECK(judged_requests(h.requests(), violations_of(h))[0].verdict == "violation");

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

  const nlohmann::json jv = found[0];
  CHECK(jv["invariant"] == "blob-digest");
  CHECK(jv["checker"] == "blob-read");
  CHECK(jv["request_index"] == 0);
  CHECK(jv["response_headers"]["Content-Length"] == "3");
  CHECK(jv["expected_size"] == 3);
  CHECK(jv["expected_digest"] == "sha256:aa");
  CHECK(jv["seen_digest"] == "sha256:bb");
  CHECK(jv["message"].get<std::string>().find("returned 200") != std::string::npos);
}

TEST_CASE("verdicts merge by priority: fail over unknown over pass", "[harness][history]") {
  using stalemate::reports::merge;
  CHECK(merge(Verdict::Pass, Verdict::Pass) == Verdict::Pass);
  CHECK(merge(Verdict::Pass, Verdict::Unknown) == Verdict::Unknown);
  CHECK(merge(Verdict::Unknown, Verdict::Pass) == Verdict::Unknown);
  CHECK(merge(Verdict::Unknown, Verdict::Fail) == Verdict::Fail);
  CHECK(merge(Verdict::Fail, Verdict::Pass) == Verdict::Fail);

  History h;
  h.add_request(blob_get());
  auto check = check_history(h);
  CHECK(check.verdict == Verdict::Pass);
  CHECK(check.tallies.size() == invariant_checkers().size());
  h.add_fact(wrong_digest(0));
  check = check_history(h);
  CHECK(check.verdict == Verdict::Fail);
  for (const auto& t : check.tallies) CHECK((t.name == std::string("blob-read")) == (t.verdict == Verdict::Fail));

  const auto v = run_verdict(check_history(History()), 2, true);
  CHECK(v.verdict == Verdict::Fail);  // failed operations fail a workload that must complete
  CHECK(stalemate::reports::render_verdict_line(v) == "FAIL: the workload did not complete (2 failed operation(s))");
  CHECK(run_verdict(check_history(History()), 2, false).verdict == Verdict::Pass);
}

TEST_CASE("outcomes: integrity over availability over clean; infrastructure when there is no verdict",
          "[harness][history]") {
  using stalemate::reports::Outcome;
  using stalemate::reports::outcome_of;
  History clean;
  clean.add_request(blob_get());
  CHECK(outcome_of(run_verdict(check_history(clean), 0, true)) == Outcome::Clean);
  // A failed push with every invariant held is availability, whatever fail_on_errors says.
  CHECK(outcome_of(run_verdict(check_history(clean), 1, true)) == Outcome::Availability);
  CHECK(outcome_of(run_verdict(check_history(clean), 1, false)) == Outcome::Availability);
  History broken;
  broken.add_request(blob_get());
  broken.add_fact(wrong_digest(0));
  CHECK(outcome_of(run_verdict(check_history(broken), 0, true)) == Outcome::Integrity);
  CHECK(outcome_of(run_verdict(check_history(broken), 3, true)) == Outcome::Integrity);
  auto aborted = run_verdict(check_history(broken), 0, true);
  aborted.aborted = true;
  CHECK(outcome_of(aborted) == Outcome::Infrastructure);
  CHECK(stalemate::reports::verdict_json(run_verdict(check_history(clean), 1, true))["outcome"] == "availability");
}

TEST_CASE("operations: invoked and completed by a client; acknowledged writes must read back", "[harness][history]") {
  History h;
  const ClientId c0 = h.new_client(), c1 = h.new_client();
  CHECK(c0 != c1);
  const auto push = h.invoke(c0, "push-blob", "a", "sha256:aa", 3);
  h.add_request(blob_get(push));
  h.complete(push, OpOutcome::Ok, "");
  const auto read = h.invoke(c0, "verify-blob", "a", "sha256:aa", 3);
  const auto idx = h.add_request(blob_get(read));
  h.complete(read, OpOutcome::Fail, "GET … returned 404", idx);
  const auto other = h.invoke(c1, "verify-blob", "a", "sha256:cc", 3);  // never acknowledged
  h.complete(other, OpOutcome::Unknown, "cut");

  const auto ops = h.operations();
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].client == c0);
  CHECK(ops[2].client == c1);
  CHECK(ops[1].outcome == OpOutcome::Fail);
  const nlohmann::json j = ops[2];
  CHECK(j["outcome"] == "unknown");
  CHECK(j["f"] == "verify-blob");

  const auto found = check_acknowledged(view_of(h));
  CHECK(found.verdict == Verdict::Fail);
  REQUIRE(found.findings.size() == 1);
  CHECK(found.findings[0].invariant == "acknowledged-readable");
  CHECK(found.findings[0].request_index == idx);
  CHECK(found.findings[0].message.find("was acknowledged with 201 but does not read back intact: GET … returned 404") !=
        std::string::npos);
}

TEST_CASE("history is thread-safe", "[harness][history]") {
  History h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h] {
      for (int i = 0; i < 1000; ++i) {
        const auto op = h.invoke(h.new_client(), "pull-blob", "a", "sha256:aa", 3);
        const auto idx = h.add_request(blob_get(op));
        if (i % 100 == 0) h.add_fact(wrong_digest(idx));
        h.complete(op, OpOutcome::Ok, "");
      }
    });
  for (auto& t : threads) t.join();
  CHECK(h.requests().size() == 4000);
  CHECK(h.operations().size() == 4000);
  const auto found = violations_of(h);
  CHECK(found.size() == 40);
  const auto judged = judged_requests(h.requests(), found);
  for (const auto& v : found) CHECK(judged[v.request_index].verdict == "violation");
}
