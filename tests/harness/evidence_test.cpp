// Evidence joins storage requests to client operations by keys (digest,
// upload id) and event-log positions; the clock window is a labelled
// fallback. Over a hand-made history and event log, no registry.
#include <catch2/catch.hpp>

#include <set>

#include "harness/evidence.h"
#include "harness/storage_keys.h"

using namespace stalemate::harness;

namespace {

const std::string kHexA(64, 'a'), kHexB(64, 'b');
const std::string kUploadA = "11111111-1111-4111-8111-111111111111", kUploadB = "22222222-2222-4222-8222-222222222222";
const std::string kBase = "http://127.0.0.1:5000/v2/r";

std::string to_hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// The Swift driver's segment prefix for an upload: segments/<3>/<rest>, the
// hex of the upload path, random bytes and sha1("").
std::string segment_prefix(const std::string& upload) {
  const std::string hex = to_hex("/docker/registry/v2/repositories/r/_uploads/" + upload + "/data") + "00ff17" +
                          "da39a3ee5e6b4b0d3255bfef95601890afd80709";
  return "segments/" + hex.substr(0, 3) + "/" + hex.substr(3);
}

std::string blob_path(const std::string& hex) {
  return "files/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
}

nlohmann::json event(std::uint64_t seq, const std::string& method, const std::string& object,
                     const std::string& listing_prefix = {}) {
  nlohmann::json e = {{"seq", seq}, {"t", 0.001 * static_cast<double>(seq)}, {"method", method}, {"object", object},
                      {"status", 200}, {"bytes", 0}, {"decisions", nlohmann::json::array()}};
  if (!listing_prefix.empty()) e["listing_prefix"] = listing_prefix;
  return e;
}

RequestRecord request(std::size_t op, ClientId client, const std::string& method, const std::string& url,
                      std::size_t from, std::size_t to) {
  RequestRecord r;
  r.op = op;
  r.client = client;
  r.method = method;
  r.url = url;
  r.start_us = 1'000'000;  // every request overlaps every other
  r.end_us = 1'100'000;
  r.storage_from = from;
  r.storage_to = to;
  return r;
}

Violation violation_on(std::size_t index, const RequestRecord& r, const std::string& hex) {
  Violation v;
  v.invariant = "blob-digest";
  v.request_index = index;
  v.method = r.method;
  v.url = r.url;
  v.expected_digest = "sha256:" + hex;
  return v;
}

std::set<std::string> objects_of(const nlohmann::json& evidence) {
  std::set<std::string> out;
  for (const auto& s : evidence["storage_requests"]) out.insert(s["object"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("storage keys: digests and upload ids from storage paths and client URLs", "[harness][evidence]") {
  auto k = keys_of_storage_path(blob_path(kHexA));
  CHECK(k.digests == std::set<std::string>{kHexA});
  k = keys_of_storage_path("docker/registry/v2/repositories/r/_uploads/" + kUploadA + "/data");  // S3 key
  CHECK(k.uploads == std::set<std::string>{kUploadA});
  k = keys_of_storage_path(segment_prefix(kUploadB) + "/0000000000000002");
  CHECK(k.uploads == std::set<std::string>{kUploadB});
  CHECK(k.digests.empty());
  k = keys_of_request_url(kBase + "/blobs/uploads/" + kUploadA + "?_state=x&digest=sha256%3A" + kHexA);
  CHECK(k.uploads == std::set<std::string>{kUploadA});
  k = keys_of_request_url(kBase + "/blobs/uploads/" + kUploadA + "?digest=sha256:" + kHexA);
  CHECK(k.digests == std::set<std::string>{kHexA});
  CHECK(keys_of_request_url(kBase + "/blobs/sha256:" + kHexB).digests == std::set<std::string>{kHexB});
  k = keys_of_storage_path("files/docker/registry/v2/repositories/r/_manifests/tags/latest/current/link");
  CHECK(k.digests.empty());
  CHECK(k.uploads.empty());
  CHECK(k.tags == std::set<std::string>{"r:latest"});
}

TEST_CASE("storage keys: a manifest URL by tag and the tag's link share a key; by digest it is no tag",
          "[harness][evidence]") {
  const auto link = keys_of_storage_path("files/docker/registry/v2/repositories/a/b/_manifests/tags/v1/index/x/link");
  CHECK(keys_of_request_url("http://127.0.0.1:5000/v2/a/b/manifests/v1").intersects(link));
  CHECK_FALSE(keys_of_request_url("http://127.0.0.1:5000/v2/a/b/manifests/v2").intersects(link));
  CHECK(keys_of_request_url("http://127.0.0.1:5000/v2/a/b/manifests/sha256:" + kHexA).tags.empty());
  CHECK(keys_of_storage_path("files/docker/registry/v2/repositories/r/_layers/sha256/" + kHexA + "/link").tags.empty());
}

TEST_CASE("evidence: two overlapping operations on different blobs each get only their own storage requests",
          "[harness][evidence]") {
  // Two clients read blobs A and B at the same time; their storage requests interleave.
  const std::vector<nlohmann::json> events{
      event(1, "GET", blob_path(kHexA)),
      event(2, "GET", blob_path(kHexB)),
      event(3, "GET", "", segment_prefix(kUploadA)),
      event(4, "GET", segment_prefix(kUploadB) + "/0000000000000001"),
      event(5, "GET", segment_prefix(kUploadA) + "/0000000000000001"),
      event(6, "GET", "files/docker/registry/v2/repositories/r/_manifests/tags/latest/current/link"),
      event(7, "GET", segment_prefix(kUploadB) + "/0000000000000002"),
      // Two pushes at the same time: their upload writes interleave.
      event(8, "PUT", "files/docker/registry/v2/repositories/r/_uploads/" + kUploadA + "/data"),
      event(9, "PUT", "files/docker/registry/v2/repositories/r/_uploads/" + kUploadB + "/data"),
      event(10, "PUT", segment_prefix(kUploadA) + "/0000000000000001"),
      event(11, "PUT", blob_path(kHexB)),
  };
  std::vector<RequestRecord> requests{
      request(0, 0, "GET", kBase + "/blobs/sha256:" + kHexA, 0, 6),
      request(1, 1, "GET", kBase + "/blobs/sha256:" + kHexB, 1, 7),
      request(2, 0, "PUT", kBase + "/blobs/uploads/" + kUploadA + "?digest=sha256:" + kHexA, 7, 11),
      request(3, 1, "PUT", kBase + "/blobs/uploads/" + kUploadB + "?digest=sha256:" + kHexB, 7, 11),
  };
  EvidenceSources sources;
  sources.events = &events;
  sources.segment_prefix = [](const std::string& path) {
    if (path == blob_path(kHexA)) return segment_prefix(kUploadA);
    if (path == blob_path(kHexB)) return segment_prefix(kUploadB);
    return std::string();
  };

  SECTION("reads") {
    const auto a = build_evidence(violation_on(0, requests[0], kHexA), requests, sources);
    CHECK(a["join"] == "keys");
    CHECK(objects_of(a) == std::set<std::string>{blob_path(kHexA), "", segment_prefix(kUploadA) + "/0000000000000001"});
    const auto b = build_evidence(violation_on(1, requests[1], kHexB), requests, sources);
    CHECK(objects_of(b) == std::set<std::string>{blob_path(kHexB), segment_prefix(kUploadB) + "/0000000000000001",
                                                 segment_prefix(kUploadB) + "/0000000000000002"});
  }
  SECTION("writes: joined by the upload id of the commit URL") {
    const auto a = build_evidence(violation_on(2, requests[2], kHexA), requests, sources);
    CHECK(objects_of(a) == std::set<std::string>{"files/docker/registry/v2/repositories/r/_uploads/" + kUploadA + "/data",
                                                 segment_prefix(kUploadA) + "/0000000000000001"});
    const auto b = build_evidence(violation_on(3, requests[3], kHexB), requests, sources);
    CHECK(objects_of(b) == std::set<std::string>{"files/docker/registry/v2/repositories/r/_uploads/" + kUploadB + "/data",
                                                 blob_path(kHexB)});
  }
  SECTION("without recorded log positions the clock window is the fallback, and says so") {
    for (auto& r : requests) r.storage_from = r.storage_to = 0;
    sources.store_wall_start_us = 1'000'000;
    const auto a = build_evidence(violation_on(0, requests[0], kHexA), requests, sources);
    CHECK(a["join"] == "clock-window (fallback)");
    CHECK(objects_of(a).count(blob_path(kHexA)) == 1);
    CHECK(objects_of(a).count(blob_path(kHexB)) == 0);
  }
}

TEST_CASE("evidence: a failed operation whose storage request a FAIL rule applied anyway is unknown",
          "[harness][evidence]") {
  auto applied = event(1, "PUT", "files/docker/registry/v2/repositories/r/_uploads/" + kUploadA + "/data");
  applied["rules"] = {"complete-applied"};
  auto refused = event(2, "PUT", "files/docker/registry/v2/repositories/r/_uploads/" + kUploadB + "/data");
  refused["rules"] = {"refuse"};
  const std::vector<nlohmann::json> events{applied, refused};
  const auto rules = nlohmann::json::parse(R"([{"id": "complete-applied", "kind": "FAIL", "applied": true},
                                                {"id": "refuse", "kind": "FAIL", "applied": false}])");
  // Two concurrent commits, both answered 500; their storage requests interleave.
  const std::vector<RequestRecord> requests{
      request(0, 0, "PUT", kBase + "/blobs/uploads/" + kUploadA + "?digest=sha256:" + kHexA, 0, 2),
      request(1, 1, "PUT", kBase + "/blobs/uploads/" + kUploadB + "?digest=sha256:" + kHexB, 0, 2),
  };
  std::vector<OperationRecord> ops(3);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    ops[i].id = i;
    ops[i].outcome = OpOutcome::Fail;
    ops[i].error = "push-commit: PUT returned 500";
  }
  ops[2].outcome = OpOutcome::Ok;
  const auto refined = refine_outcomes(ops, requests, events, rules);
  CHECK(refined[0].outcome == OpOutcome::Unknown);
  CHECK(refined[0].error.find("storage rule complete-applied") != std::string::npos);
  CHECK(refined[1].outcome == OpOutcome::Fail);  // its rule refused without applying
  CHECK(refined[2].outcome == OpOutcome::Ok);
}
