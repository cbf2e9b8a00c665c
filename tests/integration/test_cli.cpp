// End-to-end: the stalemate CLI against the real registry binary, its exit
// codes, its report, and its error messages.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "child_command.h"
#include "harness/http_client.h"

using namespace stalemate;
using stalemate::testing::run_command;

namespace {
const std::string kBinary = STALEMATE_BINARY;
const std::string kSource = STALEMATE_SOURCE_DIR;

std::filesystem::path fresh_dir(const std::string& name) { return stalemate::testing::fresh_dir("stalemate-it-", name); }
using stalemate::testing::read_report;

std::size_t count_ops(const nlohmann::json& report, const std::string& operation) {
  std::size_t n = 0;
  for (const auto& r : report["requests"]) n += r["operation"] == operation;
  return n;
}
}  // namespace

TEST_CASE("smoke scenario: push and pull through the real registry on the fake Swift hold every invariant") {
  const auto out = fresh_dir("smoke");
  const auto r = run_command({kBinary, "run", kSource + "/scenarios/smoke/swift-push-pull.json", "--out", out.string()},
                             std::chrono::seconds(600));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("VERDICT   PASS") != std::string::npos);
  const auto report = read_report(out);
  CHECK(report["violations"].empty());
  CHECK(report["errors"].empty());
  CHECK(report["registry"]["version"].get<std::string>().find("2.8") != std::string::npos);
  // 3 images × (config + layers) pulled by tag and by digest, each with a GET
  // (7 distinct blobs; the base layer appears in all three images).
  CHECK(count_ops(report, "pull-blob") >= 2 * (4 + 3 + 4));
  CHECK(count_ops(report, "push-manifest") == 3);
  CHECK(report["counts"]["backend_requests"].get<int>() > 100);
  CHECK(std::filesystem::file_size(out / "registry.log") > 0);
}

TEST_CASE("checker self-test: a flipped byte in a stored segment is reported as a violation, exit 1") {
  const auto out = fresh_dir("flip");
  const auto r = run_command({kBinary, "run", kSource + "/tests/data/flipped-segment-byte.json", "--out", out.string()},
                             std::chrono::seconds(300));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);
  CHECK(r.out.find("[blob-digest]") != std::string::npos);
  const auto report = read_report(out);
  REQUIRE_FALSE(report["violations"].empty());
  const auto& v = report["violations"][0];
  CHECK(v["invariant"] == "blob-digest");
  CHECK(v["seen_digest"] != v["expected_digest"]);
  const auto index = v["request_index"].get<std::size_t>();
  CHECK(report["requests"][index]["verdict"] == "violation");
}

TEST_CASE("a bad scenario file exits 2 naming the file and the JSON path") {
  const auto file = kSource + "/tests/data/bad-layer-size.json";
  const auto r = run_command({kBinary, "run", file}, std::chrono::seconds(30));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file) != std::string::npos);
  CHECK(r.err.find("/workload/images/0/layers/1/size") != std::string::npos);
  const auto missing = run_command({kBinary, "run", "/nonexistent/scenario.json"}, std::chrono::seconds(30));
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/nonexistent/scenario.json: cannot open") != std::string::npos);
  CHECK(run_command({kBinary, "frobnicate"}, std::chrono::seconds(30)).exit_code == 2);
}

TEST_CASE("suite over a folder leaves sweep definitions to `sweep`") {
  // A folder with only a sweep file has no scenario to run: exit 2 before any
  // registry starts, after saying the sweep was skipped (not parsed as a scenario).
  const auto dir = fresh_dir("suite-sweeps-only");
  std::filesystem::copy_file(kSource + "/scenarios/sweeps/tiny.json", dir / "tiny.json");
  const auto r = run_command({kBinary, "suite", dir.string()}, std::chrono::seconds(30));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("1 sweep file(s) skipped") != std::string::npos);
  CHECK(r.err.find("no *.json scenario files") != std::string::npos);
  CHECK(r.err.find("unknown key") == std::string::npos);
}

TEST_CASE("a registry that cannot start exits 3 and still leaves a report") {
  const auto out = fresh_dir("infra");
  const auto r = run_command({kBinary, "run", kSource + "/tests/data/tiny-push-pull.json", "--registry",
                              "/nonexistent/registry", "--out", out.string()},
                             std::chrono::seconds(60));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("/nonexistent/registry") != std::string::npos);
  const auto report = read_report(out);
  CHECK(report["verdict"].get<std::string>().rfind("ERROR: infrastructure", 0) == 0);
}

TEST_CASE("serve runs the fake Swift alone, answers TempAuth, and stops on SIGTERM") {
  stalemate::testing::RunningCommand serve({kBinary, "serve", "--swift", "127.0.0.1:0"});
  const auto banner = serve.read_until("serving", std::chrono::seconds(30));
  REQUIRE(banner.find("serving") != std::string::npos);
  const auto info = nlohmann::json::parse(banner.substr(0, banner.find("serving")));
  const std::string auth_url = info["auth_url"];
  REQUIRE(auth_url.rfind("http://127.0.0.1:", 0) == 0);
  harness::HttpClient client(std::chrono::seconds(10));
  harness::ClientRequest good;
  good.url = auth_url;
  good.headers["X-Auth-User"] = info["user"];
  good.headers["X-Auth-Key"] = info["key"];
  const auto ok = client.send(good);
  CHECK(ok.status == 200);
  CHECK(ok.header("X-Storage-Url") == info["storage_url"]);
  harness::ClientRequest bad = good;
  bad.headers["X-Auth-Key"] = "wrong";
  CHECK(client.send(bad).status == 401);
  serve.signal(SIGTERM);
  CHECK(serve.wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("random lag without X-Newest: the run completes, reports what broke, and logs every decision") {
  const auto out = fresh_dir("lag");
  const auto r = run_command({kBinary, "run", kSource + "/scenarios/smoke/swift-random-lag.json", "--seed", "2",
                              "--out", out.string()},
                             std::chrono::seconds(600));
  INFO(r.out << r.err);
  REQUIRE(!r.timed_out);
  CHECK((r.exit_code == 0 || r.exit_code == 1));  // a verdict, not a crash (3) or bad input (2)
  const auto report = read_report(out);
  CHECK(report["counts"]["violations"].get<std::size_t>() == report["violations"].size());
  CHECK(report["convergence"]["converged"] == true);
  // The event log has a line per storage request, with lag decisions in it.
  std::ifstream events(out / "events.jsonl");
  std::string line;
  std::size_t lines = 0, lagged = 0;
  while (std::getline(events, line)) {
    ++lines;
    const auto e = nlohmann::json::parse(line);
    for (const auto& d : e["decisions"])
      if (d.contains("listings") && d.dump().find("\"listing_lag\"") != std::string::npos) ++lagged;
  }
  CHECK(lines == report["counts"]["backend_requests"].get<std::size_t>());
  CHECK(lagged > 0);
}

TEST_CASE("S3 smoke: the registry's s3-aws driver pushes and pulls through the fake S3 with every invariant held") {
  const auto out = fresh_dir("s3smoke");
  const auto r = run_command({kBinary, "run", kSource + "/scenarios/smoke/s3-push-pull.json", "--out", out.string()},
                             std::chrono::seconds(600));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto report = read_report(out);
  CHECK(report["backend"]["protocol"] == "s3");
  CHECK(report["violations"].empty());
  CHECK(count_ops(report, "push-manifest") == 3);
  // The driver really used multipart uploads on the fake: part 1 of some upload was written.
  std::ifstream events(out / "events.jsonl");
  std::string line;
  bool multipart = false;
  while (std::getline(events, line)) {
    for (const auto& d : nlohmann::json::parse(line).value("decisions", nlohmann::json::array()))
      multipart = multipart || (d.value("kind", "") == "write" && d.value("name", "").ends_with("/00001"));
  }
  CHECK(multipart);
}

TEST_CASE("serve --s3 prints S3 credentials and refuses unsigned requests") {
  stalemate::testing::RunningCommand serve({kBinary, "serve", "--s3", "127.0.0.1:0"});
  const auto banner = serve.read_until("serving", std::chrono::seconds(30));
  REQUIRE(banner.find("serving") != std::string::npos);
  const auto info = nlohmann::json::parse(banner.substr(0, banner.find("serving")));
  CHECK(info["protocol"] == "s3");
  CHECK_FALSE(info["access_key"].get<std::string>().empty());
  harness::HttpClient client(std::chrono::seconds(10));
  harness::ClientRequest get;
  get.url = info["endpoint"].get<std::string>() + "/registry/some-key";
  const auto res = client.send(get);
  CHECK(res.status == 403);
  CHECK(res.body.find("<Code>AccessDenied</Code>") != std::string::npos);
  serve.signal(SIGINT);
  CHECK(serve.wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("S3 legacy and multisite consistency modes run to completion and report what broke") {
  for (const char* mode : {"legacy", "multisite"}) {
    DYNAMIC_SECTION(mode) {
      const auto out = fresh_dir(std::string("s3") + mode);
      const auto r = run_command({kBinary, "run", kSource + "/scenarios/smoke/s3-" + mode + ".json", "--out", out.string()},
                                 std::chrono::seconds(300));
      INFO(r.out << r.err);
      REQUIRE_FALSE(r.timed_out);
      CHECK((r.exit_code == 0 || r.exit_code == 1));
      const auto report = read_report(out);
      CHECK(report["backend"]["consistency"]["listing_delay"] != "0s");
      // With these lags the stock s3 driver loses uploads from ListMultipartUploads (S1): pushes fail.
      CHECK_FALSE(report["errors"].empty());
      CHECK(report["convergence"]["converged"] == true);
    }
  }
}

TEST_CASE("S3 with redirects: blob GETs follow 307s to presigned URLs the fake verifies") {
  const auto out = fresh_dir("s3redirect");
  const auto r = run_command({kBinary, "run", kSource + "/scenarios/smoke/s3-push-pull-redirect.json", "--out",
                              out.string()},
                             std::chrono::seconds(600));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto report = read_report(out);
  std::size_t redirects = 0, presigned = 0;
  for (const auto& q : report["requests"]) {
    redirects += q["status"] == 307;
    presigned += q["url"].get<std::string>().find("X-Amz-Signature=") != std::string::npos && q["status"] == 200;
  }
  CHECK(redirects > 0);
  CHECK(presigned > 0);
  CHECK(report["violations"].empty());
}
