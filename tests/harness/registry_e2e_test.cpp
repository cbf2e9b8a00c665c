// End to end against the real registry binary with filesystem storage.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>

#include "harness/manifest.h"
#include "harness/checkers.h"
#include "harness/registry_client.h"
#include "harness/registry_process.h"
#include "test_support.h"

using namespace stalemate::harness;
using stalemate::test::TempDir;

namespace {

const char* const kRegistry = "/usr/bin/docker-registry";

RegistryLaunch filesystem_launch(const TempDir& dir) {
  RegistryLaunch launch;
  launch.binary = kRegistry;
  launch.storage = {{"filesystem", {{"rootdirectory", (dir.path() / "storage").string()}}}};
  launch.work_dir = dir.path() / "work";
  return launch;
}

std::filesystem::path blob_data_path(const TempDir& dir, const std::string& digest) {
  const std::string hex = digest.substr(7);
  return dir.path() / "storage/docker/registry/v2/blobs/sha256" / hex.substr(0, 2) / hex / "data";
}

std::size_t count_ops(const History& h, const std::string& op, int status = -1) {
  std::size_t n = 0;
  for (const auto& r : h.requests()) n += r.operation == op && (status < 0 || r.status == status);
  return n;
}

std::string describe(const History& h) {
  std::string s;
  for (const auto& v : violations_of(h)) s += v.invariant + ": " + v.message + "\n";
  for (const auto& r : h.requests())
    if (r.verdict != "ok") s += r.operation + " " + r.method + " " + r.url + " " + std::to_string(r.status) + " " + r.note + "\n";
  return s;
}

}  // namespace

TEST_CASE("push and pull against the real registry (filesystem storage)", "[harness][e2e]") {
  if (::access(kRegistry, X_OK) != 0) {
    WARN("skipped: " << kRegistry << " is not installed");
    return;
  }
  TempDir dir;
  pid_t pid = 0;
  {
    RegistryProcess registry(filesystem_launch(dir));
    pid = registry.pid();
    REQUIRE(pid > 0);
    CHECK(registry.config()["http"]["addr"] == "127.0.0.1:" + std::to_string(registry.port()));
    CHECK(std::filesystem::exists(registry.config_path()));
    CHECK(std::filesystem::exists(registry.log_path()));

    History history;
    RegistryClient client(registry.base_url(), history);

    const LayerSpec shared{64 << 10, 1000};
    ImageSpec mono;
    mono.repository = "e2e/app";
    mono.tag = "mono";
    mono.layers = {shared, {1 << 10, 1001}, {3 << 20, 1002}};
    mono.config_seed = 1;
    mono.format = ManifestFormat::DockerV2;

    ImageSpec chunked;
    chunked.repository = "e2e/app";
    chunked.tag = "chunked";
    chunked.layers = {shared, {1 << 10, 2001}, {3 << 20, 2002}};
    chunked.config_seed = 2;
    chunked.format = ManifestFormat::OCI;

    const auto p1 = client.push(mono, {PushMode::Monolithic, 8 << 20});
    INFO(describe(history));
    REQUIRE(p1.ok);
    CHECK(p1.error.empty());
    CHECK(p1.manifest_digest == build_image(mono).manifest_digest);

    const auto p2 = client.push(chunked, {PushMode::Chunked, 1 << 20});
    INFO(describe(history));
    REQUIRE(p2.ok);
    CHECK(p2.manifest_digest == build_image(chunked).manifest_digest);

    // The shared layer was found by HEAD and not uploaded again.
    CHECK(count_ops(history, "push-blob-head", 200) == 1);
    // 4 blobs per image, minus the shared one: 7 uploads; chunked 3 MiB = 3 PATCHes.
    CHECK(count_ops(history, "push-upload-start") == 7);
    CHECK(count_ops(history, "push-patch") == 4 + 1 + 1 + 3);
    CHECK(count_ops(history, "push-commit", 201) == 7);
    CHECK(count_ops(history, "push-manifest", 201) == 2);

    for (const auto* image : {&mono, &chunked})
      for (PullBy by : {PullBy::Tag, PullBy::Digest}) {
        const auto r = client.pull(*image, by);
        INFO(image->tag << (by == PullBy::Tag ? " by tag" : " by digest") << "\n" << describe(history));
        CHECK(r.ok);
        CHECK(r.error.empty());
      }
    CHECK(count_ops(history, "pull-blob", 200) == 4 * 4);
    CHECK(client.verify_acknowledged() == 0);
    CHECK(count_ops(history, "verify-blob", 200) == 7);
    CHECK(count_ops(history, "verify-manifest", 200) == 2);
    INFO(describe(history));
    CHECK(violations_of(history).size() == 0);
    for (const auto& r : history.requests()) CHECK(r.verdict == "ok");

    registry.stop();
    registry.stop();  // idempotent
  }
  CHECK(::kill(pid, 0) == -1);
  CHECK(errno == ESRCH);
}

TEST_CASE("the real registry serving corrupted storage is caught", "[harness][e2e]") {
  if (::access(kRegistry, X_OK) != 0) {
    WARN("skipped: " << kRegistry << " is not installed");
    return;
  }
  TempDir dir;
  RegistryProcess registry(filesystem_launch(dir));
  History history;
  RegistryClient client(registry.base_url(), history);
  ImageSpec image;
  image.repository = "e2e/bad";
  image.layers = {{1 << 20, 31}, {3 << 20, 32}};
  image.config_seed = 3;
  REQUIRE(client.push(image, {}).ok);
  const auto built = build_image(image);

  // Right length, wrong bytes: one flipped byte in the stored blob.
  {
    std::fstream f(blob_data_path(dir, built.layers[1].digest), std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    f.seekg(1234567);
    char c = 0;
    f.get(c);
    f.seekp(1234567);
    f.put(static_cast<char>(c ^ 0x40));
  }
  // Short blob: the size is still cached from the push, so Content-Length is
  // the full size and the body ends early.
  std::filesystem::resize_file(blob_data_path(dir, built.layers[0].digest), 1000);

  const auto r = client.pull(image, PullBy::Tag);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.error.empty());
  std::map<std::string, int> by_invariant;
  for (const auto& v : violations_of(history)) ++by_invariant[v.invariant];
  INFO(describe(history));
  CHECK(by_invariant["blob-digest"] == 1);
  CHECK(by_invariant["blob-length"] == 1);
  for (const auto& v : violations_of(history)) {
    if (v.invariant != "blob-digest") continue;
    CHECK(v.expected_digest == built.layers[1].digest);
    CHECK(v.expected_size == 3u << 20);
    CHECK(v.bytes_received == 3u << 20);
    CHECK(v.seen_digest != v.expected_digest);
    CHECK(v.seen_digest.rfind("sha256:", 0) == 0);
    CHECK(v.response_headers.count("Content-Length") == 1);
    CHECK(judged_requests(history.requests(), violations_of(history)).at(v.request_index).verdict == "violation");
    CHECK(v.message.find("returned 200 with Content-Length 3145728 and 3145728 bytes whose sha256 is") !=
          std::string::npos);
  }

  CHECK(client.verify_acknowledged() == 2);
  std::size_t unreadable = 0;
  for (const auto& v : violations_of(history)) unreadable += v.invariant == "acknowledged-readable";
  CHECK(unreadable == 2);
}

TEST_CASE("relative Location headers (http.relativeurls) are resolved", "[harness][e2e]") {
  REQUIRE(::access(kRegistry, X_OK) == 0);  // the real registry is part of the test
  TempDir dir;
  auto launch = filesystem_launch(dir);
  launch.overrides = {{"http", {{"relativeurls", true}}}};
  RegistryProcess registry(launch);
  CHECK(registry.config()["http"]["relativeurls"] == true);
  History history;
  RegistryClient client(registry.base_url(), history);
  ImageSpec image;
  image.repository = "e2e/relative";
  image.layers = {{100000, 41}};
  for (PushMode mode : {PushMode::Monolithic, PushMode::Chunked}) {
    image.tag = mode == PushMode::Chunked ? "chunked" : "mono";
    image.layers[0].seed = mode == PushMode::Chunked ? 42 : 41;
    INFO(describe(history));
    REQUIRE(client.push(image, {mode, 30000}).ok);
    CHECK(client.pull(image, PullBy::Tag).ok);
  }
  CHECK(client.verify_acknowledged() == 0);
  CHECK(violations_of(history).size() == 0);
}

TEST_CASE("push/pull throughput against the real registry", "[harness][e2e][.bench]") {
  REQUIRE(::access(kRegistry, X_OK) == 0);  // the real registry is part of the test
  TempDir dir;
  RegistryProcess registry(filesystem_launch(dir));
  History history;
  RegistryClient client(registry.base_url(), history);
  ImageSpec image;
  image.repository = "bench/app";
  image.layers = {{512ull << 20, 77}};
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  build_image(image);  // layer digest (cached process-wide)
  const auto t1 = Clock::now();
  REQUIRE(client.push(image, {}).ok);
  const auto t2 = Clock::now();
  REQUIRE(client.pull(image, PullBy::Digest).ok);
  const auto t3 = Clock::now();
  auto rate = [](std::chrono::steady_clock::duration d) {
    return (512.0 * 1048576) / std::chrono::duration<double>(d).count() / 1e6;
  };
  WARN("512 MiB layer: digest " << rate(t1 - t0) << " MB/s, push " << rate(t2 - t1) << " MB/s, pull "
                                << rate(t3 - t2) << " MB/s");
}
