// Client profiles end to end: the real registry (Debian 2.8.2) on the
// in-process fake Swift, with targeted faults reproducing the read-side
// mechanisms of mechanisms.md (a cut DLO stream, M1, M1c) and a failed
// segment write during a push.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <map>

#include "common/json_reader.h"
#include "harness/fake_backend.h"
#include "harness/manifest.h"
#include "harness/checkers.h"
#include "harness/registry_client.h"
#include "harness/registry_process.h"
#include "sim/model/fault_rules.h"
#include "test_support.h"

using namespace stalemate;
using namespace stalemate::harness;
using stalemate::test::describe;
using stalemate::test::TempDir;

namespace {

const char* const kRegistry = "/usr/bin/docker-registry";
constexpr std::uint64_t kLayerSize = 3670016;  // 3.5 MiB: segments of 1, 1, 1 and 0.5 MiB

// The fake Swift and N registry instances on it (chunksize 1 MiB, no redirects).
struct SwiftRig {
  TempDir dir;
  FakeBackend backend{BackendSpec{}};
  std::vector<std::unique_ptr<RegistryProcess>> registries;
  std::size_t rules = 0;

  explicit SwiftRig(int instances = 1) {
    RegistrySpec spec;
    spec.chunksize = 1 << 20;
    spec.redirect = false;
    for (int i = 0; i < instances; ++i) {
      RegistryLaunch launch;
      launch.binary = kRegistry;
      launch.storage = backend.registry_storage(spec);
      launch.work_dir = dir.path() / "work";
      launch.name = "registry" + std::to_string(i);
      registries.push_back(std::make_unique<RegistryProcess>(launch));
    }
  }
  std::string url(std::size_t i = 0) const { return registries.at(i)->base_url(); }
  std::vector<std::string> urls() const {
    std::vector<std::string> out;
    for (const auto& r : registries) out.push_back(r->base_url());
    return out;
  }

  void add_rule(const std::string& text) {
    const auto json = nlohmann::json::parse(text);
    backend.store().add_rules({sim::parse_fault_rule(JsonReader(json, "test"), rules++)});
  }
  // Listings (including the commit-time HEADs' DLO listings) answered by c1.
  void listings_from_c1() {
    auto p = backend.store().params_now();
    p.listing_replica = 0;  // c1 (0-based here; "listing_replica": 1 in JSON)
    backend.store().set_consistency(p);
  }
  // The M1 setup: listings from c1, and c2 never gets the row of any segment 2.
  void c2_lacks_segment_2() {
    listings_from_c1();
    add_rule(R"({"kind":"ROW","replicas":[2],"change":"insert","match":{"method":"PUT","object_regex":"segments/.*/0000000000000002$"}})");
  }
};

ImageSpec layer_image(const std::string& repo, std::uint64_t seed) {
  ImageSpec image;
  image.repository = repo;
  image.layers = {{kLayerSize, seed}};
  image.config_seed = seed;
  return image;
}

std::string data_regex(const ImageSpec& image) {
  const auto hex = build_image(image).layers[0].digest.substr(7);
  return "blobs/sha256/../" + hex + "/data$";
}

std::map<std::string, int> by_invariant(const History& h) {
  std::map<std::string, int> m;
  for (const auto& v : violations_of(h)) ++m[v.invariant];
  return m;
}


PullOptions profile(PullProfile p) {
  PullOptions o;
  o.profile = p;
  o.segment_size_hint = 1 << 20;
  return o;
}

std::size_t count_ops(const History& h, const std::string& op) {
  std::size_t n = 0;
  for (const auto& r : h.requests()) n += r.operation == op;
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("swift e2e: a cut DLO stream; Plain reports it, Docker and containerd resume intact",
          "[harness][e2e][swift][profiles]") {
  if (::access(kRegistry, X_OK) != 0) {
    WARN("skipped: " << kRegistry << " is not installed");
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  SwiftRig rig;
  const auto image = layer_image("e2e/cut", 101);
  {
    History h;
    RegistryClient client(rig.url(), h);
    INFO(describe(h));
    REQUIRE(client.push(image, {}).ok);
  }
  for (auto p : {PullProfile::Plain, PullProfile::Docker, PullProfile::Containerd}) {
    rig.add_rule(R"({"kind":"CUT","after_bytes":"1536KiB","match":{"method":"GET","object_regex":")" +
                 data_regex(image) + R"(","nth":1}})");
    History h;
    RegistryClient client(rig.url(), h);
    const auto res = client.pull(image, PullBy::Digest, profile(p));
    INFO("profile " << static_cast<int>(p) << "\n" << describe(h));
    CHECK_FALSE(res.ok);
    CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 1}});
    const auto v = violations_of(h).at(0);
    const auto cut = h.requests().at(v.request_index);
    CHECK(cut.operation == "pull-blob");
    CHECK(cut.status == 200);
    CHECK(cut.bytes_received < kLayerSize);
    if (p == PullProfile::Plain) {
      CHECK_FALSE(res.client_ok);
      CHECK(res.resumes == 0);
    } else {
      CHECK(res.client_ok);
      CHECK(res.resumes == 1);
      const auto resume = h.requests().at(v.request_index + 1);
      CHECK(resume.operation == "pull-blob-resume");
      CHECK(resume.range == "bytes=" + std::to_string(cut.bytes_received) + "-");
      CHECK(resume.status == 206);
      CHECK(resume.bytes_received == kLayerSize - cut.bytes_received);
      CHECK(resume.verdict == "ok");
    }
    WARN("cut: profile " << static_cast<int>(p) << ": 200 delivered " << cut.bytes_received << " of " << kLayerSize
                         << " bytes; violations " << violations_of(h).size());
  }
  WARN("cut test took " << seconds_since(t0) << " s");
}

TEST_CASE("swift e2e: M1 (listing gap on the first GET, then a resume) splices a right-length wrong-hash body",
          "[harness][e2e][swift][profiles]") {
  REQUIRE(::access(kRegistry, X_OK) == 0);  // the real registry is part of the test
  const auto t0 = std::chrono::steady_clock::now();
  SwiftRig rig;
  rig.c2_lacks_segment_2();
  const auto image = layer_image("e2e/m1", 202);
  const auto digest = build_image(image).layers[0].digest;
  {
    History h;
    RegistryClient client(rig.url(), h);
    const auto pushed = client.push(image, {});
    INFO(describe(h));
    REQUIRE(pushed.ok);
  }
  for (auto p : {PullProfile::Containerd, PullProfile::Docker}) {
    const bool docker = p == PullProfile::Docker;
    rig.add_rule(R"({"kind":"ROUTE","target":"listing","replica":2,"match":{"method":"GET","object_regex":")" +
                 data_regex(image) + R"(","nth":1}})");
    History h;
    RegistryClient client(rig.url(), h);
    const auto res = client.pull_layer(image, 0, profile(p));
    INFO((docker ? "docker\n" : "containerd\n") << describe(h));
    CHECK_FALSE(res.ok);
    CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 1}, {"blob-digest", 1}});
    CHECK(res.resumes == 1);
    CHECK(res.client_ok == docker);
    CHECK(res.retries == (docker ? 1 : 0));
    const auto reqs = h.requests();
    for (const auto& v : violations_of(h)) {
      if (v.invariant == "blob-length") {
        CHECK(reqs.at(v.request_index).operation == "pull-blob");
        CHECK(reqs.at(v.request_index).bytes_received == 2621440);  // segments 1, 3, 4
        CHECK(v.response_headers.at("Content-Length") == std::to_string(kLayerSize));
      } else {
        CHECK(reqs.at(v.request_index).operation == "pull-blob-resume");
        CHECK(reqs.at(v.request_index).range == "bytes=2621440-");
        CHECK(reqs.at(v.request_index).status == 206);
        CHECK(v.bytes_received == kLayerSize);
        CHECK(v.expected_digest == digest);
        CHECK(v.seen_digest != digest);
        CHECK(v.message.find("client-assembled body (200 with 2621440 of 3670016 bytes, then 206 bytes=2621440-) "
                             "has the right length and sha256 ") == 0);
        CHECK(v.message.find("first differs from the true content at offset 1048576") != std::string::npos);
        CHECK(v.message.find("true bytes at offset 2097152 (+1048576)") != std::string::npos);
        WARN("M1 " << (docker ? "docker" : "containerd") << ": " << v.message);
      }
    }
    if (docker) {
      REQUIRE(reqs.size() == 4);
      CHECK(reqs[3].operation == "pull-blob-retry");
      CHECK(reqs[3].status == 200);
      CHECK(reqs[3].bytes_received == kLayerSize);
      CHECK(reqs[3].verdict == "ok");
    } else {
      CHECK(res.client_error.find("unexpected commit digest sha256:") == 0);
      CHECK(reqs.size() == 3);
    }
  }
  WARN("M1 test took " << seconds_since(t0) << " s");
}

TEST_CASE("swift e2e: M1c (listing gap on every GET) gives well-formed 206s with other bytes",
          "[harness][e2e][swift][profiles]") {
  REQUIRE(::access(kRegistry, X_OK) == 0);  // the real registry is part of the test
  const auto t0 = std::chrono::steady_clock::now();
  SwiftRig rig;
  rig.c2_lacks_segment_2();
  PullOptions slices = profile(PullProfile::Slices);
  slices.slice_size = 512 << 10;  // 7 slices

  auto check_shifted = [](const History& h) {
    std::size_t well_formed = 0;
    for (const auto& v : violations_of(h)) {
      if (v.invariant != "range-bytes") continue;
      const auto r = h.requests().at(v.request_index);
      CHECK(r.operation == "pull-blob-slice");
      CHECK(r.status == 206);
      well_formed += r.bytes_received == (512u << 10);
      CHECK(v.message.find("(+1048576)") != std::string::npos);
    }
    return well_formed;
  };

  SECTION("every GET listed from c2 (as the brief's schedule): the slices past N - s_2 come back empty") {
    const auto image = layer_image("e2e/m1c", 303);
    {
      History h;
      RegistryClient client(rig.url(), h);
      REQUIRE(client.push(image, {}).ok);
    }
    rig.add_rule(R"({"kind":"ROUTE","target":"listing","replica":2,"match":{"method":"GET","object_regex":")" +
                 data_regex(image) + R"("}})");
    History h;
    RegistryClient client(rig.url(), h);
    const auto res = client.pull_layer(image, 0, slices);
    INFO(describe(h));
    CHECK_FALSE(res.ok);
    CHECK_FALSE(res.client_ok);
    const auto counts = by_invariant(h);
    // Slices 3-5 (1 MiB to 2.5 MiB): the bytes one segment later, well-formed.
    CHECK(counts.at("range-bytes") == 3);
    CHECK(check_shifted(h) == 3);
    // Slices 6-7 start at or past the short DLO's end: Swift 416, the driver
    // reads nothing, the registry's 206 is cut at 0 bytes.
    CHECK(counts.at("blob-length") == 2);
    CHECK(counts.count("blob-digest") == 0);  // the download fails: nothing is assembled
    CHECK(res.client_error.find("2 of 7 slices failed") == 0);
    for (const auto& [k, n] : counts) WARN("M1c every GET via c2: " << k << " x" << n);
  }
  SECTION("the first five GETs listed from c2, the rest from c1: right length, wrong hash, no error") {
    const auto image = layer_image("e2e/m1c-times", 304);
    {
      History h;
      RegistryClient client(rig.url(), h);
      REQUIRE(client.push(image, {}).ok);
    }
    rig.add_rule(R"({"kind":"ROUTE","target":"listing","replica":2,"match":{"method":"GET","object_regex":")" +
                 data_regex(image) + R"(","times":5}})");
    History h;
    RegistryClient client(rig.url(), h);
    const auto res = client.pull_layer(image, 0, slices);
    INFO(describe(h));
    CHECK_FALSE(res.ok);
    CHECK_FALSE(res.client_ok);
    CHECK(by_invariant(h) == std::map<std::string, int>{{"range-bytes", 3}, {"blob-digest", 1}});
    CHECK(check_shifted(h) == 3);
    for (const auto& r : h.requests()) CHECK((r.status == 200 || r.status == 206));
    for (const auto& v : violations_of(h))
      if (v.invariant == "blob-digest") {
        CHECK(v.bytes_received == kLayerSize);
        CHECK(v.message.find("client-assembled body (7 responses: ") == 0);
        CHECK(v.message.find("has the right length and sha256") != std::string::npos);
        WARN("M1c: " << v.message);
      }
  }
  WARN("M1c section took " << seconds_since(t0) << " s");
}

TEST_CASE("swift e2e: a failed segment PUT during a push: dockerd retries, buildkit fails",
          "[harness][e2e][swift][profiles]") {
  REQUIRE(::access(kRegistry, X_OK) == 0);  // the real registry is part of the test
  const auto t0 = std::chrono::steady_clock::now();
  SwiftRig rig;
  const auto fail_second_segment = R"({"kind":"FAIL","status":503,"match":{"method":"PUT","object_regex":"segments/","nth":2}})";
  {
    rig.add_rule(fail_second_segment);
    History h;
    RegistryClient client(rig.url(), h);
    PushOptions o;
    o.profile = PushProfile::Dockerd;
    const auto image = layer_image("e2e/dockerd", 404);
    const auto res = client.push(image, o);
    INFO(describe(h));
    CHECK(res.ok);
    CHECK(res.attempts >= 1);
    CHECK(count_ops(h, "push-retry") == static_cast<std::size_t>(res.attempts));
    CHECK(client.pull(image, PullBy::Digest).ok);
    CHECK(violations_of(h).size() == 0);
    WARN("dockerd: attempts beyond the first " << res.attempts);
  }
  {
    rig.add_rule(fail_second_segment);
    History h;
    RegistryClient client(rig.url(), h);
    PushOptions o;
    o.profile = PushProfile::Buildkit;
    const auto res = client.push(layer_image("e2e/buildkit", 405), o);
    INFO(describe(h));
    CHECK_FALSE(res.ok);
    CHECK(res.attempts == 0);
    CHECK(count_ops(h, "push-retry") == 0);
    WARN("buildkit: " << res.error);
  }
  WARN("push retry test took " << seconds_since(t0) << " s");
}

TEST_CASE("swift e2e: two registry instances on one store behind a round-robin or active/passive front",
          "[harness][e2e][swift][profiles]") {
  REQUIRE(::access(kRegistry, X_OK) == 0);  // the real registry is part of the test
  SwiftRig rig(2);
  const auto image = layer_image("e2e/lb", 505);
  {
    History h;
    RegistryClient client(rig.urls(), h, Routing::RoundRobin);
    PushOptions o;
    o.mode = PushMode::Chunked;
    o.chunk_size = 1 << 20;
    const auto pushed = client.push(image, o);
    INFO(describe(h));
    REQUIRE(pushed.ok);
    CHECK(client.pull(image, PullBy::Tag, profile(PullProfile::Slices)).ok);
    CHECK(violations_of(h).size() == 0);
    std::size_t on[2] = {0, 0};
    const auto reqs = h.requests();
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      const std::size_t k = reqs[i].url.rfind(rig.url(0), 0) == 0 ? 0 : 1;
      CHECK(k == i % 2);
      ++on[k];
    }
    CHECK(on[0] > 5);
    CHECK(on[1] > 5);
  }
  {
    rig.registries[0]->stop();
    History h;
    RegistryClient client(rig.urls(), h, Routing::ActivePassive);
    const auto res = client.pull(image, PullBy::Digest, profile(PullProfile::Docker));
    INFO(describe(h));
    CHECK(res.ok);
    std::size_t failovers = 0;
    for (const auto& r : h.requests()) failovers += r.status == 0 && r.note.find("failing over") != std::string::npos;
    CHECK(failovers > 0);
  }
}
