// Traces against the real registry: a scaled-down deploy-train replays with
// its timing and reports its fidelity; a recorded run replays to the same
// requests per client; skopeo runs as a client profile; and an incident
// rebuilt from registry and nginx log excerpts (M1: a DLO listing that lacks
// a segment) makes the stock registry serve a bad blob again.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "child_command.h"
#include "common/crypto.h"

using stalemate::testing::read_report;
using stalemate::testing::run_command;

namespace {
namespace fs = std::filesystem;
const std::string kBinary = STALEMATE_BINARY;
const std::string kSource = STALEMATE_SOURCE_DIR;

fs::path fresh_dir(const std::string& name) { return stalemate::testing::fresh_dir("stalemate-traces-", name); }

std::string write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

nlohmann::json run_scenario(const fs::path& dir, const nlohmann::json& scenario, int expected_exit,
                            const std::vector<std::string>& extra = {}) {
  fs::create_directories(dir);
  std::vector<std::string> argv = {kBinary, "run", write(dir / "scenario.json", scenario.dump(2)), "--out",
                                   (dir / "out").string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto r = run_command(argv, std::chrono::seconds(600));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == expected_exit);
  return read_report(dir / "out");
}

// Per client label: the workload's requests as method + path shape (digests,
// upload ids and queries stripped; the final re-reads left out).
std::map<std::string, std::vector<std::string>> request_shapes(const nlohmann::json& report,
                                                               const std::map<std::string, std::string>& rename) {
  std::map<int, std::string> label;
  for (const auto& c : report["clients"]) label[c["id"].get<int>()] = c["label"].get<std::string>();
  static const std::regex digest("sha256:[0-9a-f]{64}"), upload("/uploads/[^/?]+"), host("^https?://[^/]+");
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& r : report["requests"]) {
    if (r["operation"].get<std::string>().rfind("verify", 0) == 0) continue;
    std::string path = std::regex_replace(r["url"].get<std::string>(), host, "");
    path = path.substr(0, path.find('?'));
    path = std::regex_replace(std::regex_replace(path, digest, "<digest>"), upload, "/uploads/<id>");
    auto who = label[r["client"].get<int>()];
    if (rename.count(who)) who = rename.at(who);
    out[who].push_back(r["method"].get<std::string>() + " " + path + (r["range"].get<std::string>().empty() ? "" : " (range)"));
  }
  return out;
}

}  // namespace

TEST_CASE("traces: a scaled-down deploy-train replays with its timing, every invariant holds, fidelity reported") {
  const auto dir = fresh_dir("deploy-train");
  const nlohmann::json scenario = {
      {"name", "deploy-train-ci"},
      {"registry", {{"chunksize", "1MiB"}}},
      {"workload",
       {{"generator",
         {{"kind", "deploy-train"}, {"builders", 1}, {"images", 2}, {"push_concurrency", 2}, {"nodes", 3},
          {"scale", 0.002}, {"pull_after", "3s"}, {"node_spread", "100ms"}, {"push_gap", "200ms"}}}}}};
  const auto report = run_scenario(dir, scenario, 0);
  CHECK(report["violations"].empty());
  CHECK(report["errors"].empty());
  const auto& replay = report["replay"];
  INFO(replay.dump(2));
  CHECK(replay["timed_steps"] == 2 + 3 * 2);
  REQUIRE(replay.contains("start_error_us"));
  CHECK(replay["start_error_us"]["min"].get<std::int64_t>() >= 0);  // never early
  CHECK(replay["throughput"]["requests_per_s"].get<double>() > 0);
  REQUIRE(replay.contains("scheduler_error_us"));  // the first pull of each node and the first pushes found their client idle
  std::cout << "deploy-train replay: start error " << replay["start_error_us"].dump() << " us; scheduler error "
            << replay["scheduler_error_us"].dump() << " us; " << replay["throughput"].dump() << std::endl;
  // Five clients: two push lanes and three nodes, each named after its trace client.
  std::set<std::string> labels;
  for (const auto& c : report["clients"]) labels.insert(c["label"].get<std::string>());
  CHECK(labels.count("builder0-push0"));
  CHECK(labels.count("builder0-push1"));
  CHECK(labels.count("node2"));
}

TEST_CASE("traces: a recorded run replays to the same requests, client by client") {
  const auto dir = fresh_dir("record");
  const nlohmann::json scenario = {
      {"name", "to-record"},
      {"registry", {{"chunksize", "1MiB"}}},
      {"workload",
       {{"images",
         {{{"repository", "rec/a"}, {"layers", {{{"size", "300KiB"}, {"seed", 1}}, {{"size", "1500KiB"}, {"seed", 2}}}}},
          {{"repository", "rec/b"}, {"format", "oci"}, {"layers", {{{"size", "300KiB"}, {"seed", 1}}, {{"size", "64KiB"}, {"seed", 3}}}}}}},
        {"steps",
         {{{"push", 0}, {"client", "dockerd"}},
          {{"push", 1}, {"client", "buildkit"}},
          {{"pull", 0}, {"client", "containerd"}},
          {{"pull", 1}, {"by", "digest"}, {"client", "slices"}, {"slice_size", "256KiB"}},
          {{"parallel", {{{"name", "p1"}, {"steps", {{{"pull", 0}, {"client", "docker"}}}}},
                         {{"name", "p2"}, {"steps", {{{"pull", 1}, {"at", "200ms"}}}}}}}}}}}}};
  const auto trace = (dir / "recorded.jsonl").string();
  const auto original = run_scenario(dir / "a", scenario, 0, {"--record", trace});
  REQUIRE(fs::exists(trace));
  const auto replayed = run_scenario(dir / "b", {{"name", "replay"}, {"registry", {{"chunksize", "1MiB"}}},
                                                 {"workload", {{"trace", trace}}}},
                                     0);
  const auto before = request_shapes(original, {{"client", "main"}});
  const auto after = request_shapes(replayed, {});
  REQUIRE(before.size() == 3);  // main, p1, p2
  for (const auto& [who, shapes] : before) {
    INFO("client " << who);
    REQUIRE(after.count(who));
    CHECK(after.at(who) == shapes);
  }
}

TEST_CASE("traces: skopeo is a client profile; its pushes and pulls check out") {
  const auto dir = fresh_dir("skopeo");
  write(dir / "skopeo.jsonl",
        R"({"stalemate_trace": 1, "id": "skopeo"}
{"op": "push", "at": "0s", "client": "ci", "profile": "skopeo", "image": {"repository": "sk/app", "tag": "v1", "layers": [{"token": "a", "size": "1500KiB"}, {"token": "b", "size": 4096}]}}
{"op": "pull", "at": "1s", "client": "node1", "profile": "skopeo", "repository": "sk/app", "tag": "v1", "by": "digest"}
{"op": "pull", "at": "1s", "client": "node2", "profile": "containerd", "repository": "sk/app", "tag": "v1"}
{"op": "push", "at": "1s", "client": "dev", "image": {"repository": "sk/other", "tag": "v2", "format": "oci", "layers": [{"token": "a", "size": "1500KiB"}]}}
{"op": "pull", "at": "2s", "client": "node1", "profile": "skopeo", "repository": "sk/other", "tag": "v2"}
)");
  const auto report = run_scenario(dir, {{"name", "skopeo"}, {"registry", {{"chunksize", "1MiB"}}},
                                         {"workload", {{"trace", "skopeo.jsonl"}}}},
                                   0);
  CHECK(report["errors"].empty());
  CHECK(report["violations"].empty());
  // The harness's own client pulled what skopeo pushed, and checked every digest.
  bool pulled_blob = false;
  for (const auto& r : report["requests"])
    pulled_blob = pulled_blob || (r["operation"] == "pull-blob" && r["url"].get<std::string>().find("/sk/app/") != std::string::npos);
  CHECK(pulled_blob);
}

namespace {

// Log excerpts of an M1 burst: 10.0.0.5 (dockerd) pushes incident/m1:v1, a
// 3.5 MiB layer and its config; 1.4 s later 10.0.1.7 (containerd) pulls it
// (nginx logs whole seconds: a pull in the push's second would replay at once with it).
struct Burst {
  std::string layer, config, manifest;
  std::uint64_t layer_size = 3670016, config_size = 1469;
};

std::string logrus(const std::string& time, const std::string& client, const std::string& method,
                   const std::string& uri, int status, std::uint64_t written, const std::string& ua) {
  return "time=\"2026-11-30T03:12:" + time + "Z\" level=info msg=\"response completed\" go.version=go1.19.8 "
         "http.request.host=\"registry.internal:5000\" http.request.id=8d4c-" + time + " http.request.method=" + method +
         " http.request.remoteaddr=\"" + client + ":51234\" http.request.uri=\"" + uri + "\" http.request.useragent=\"" +
         ua + "\" http.response.duration=2.1ms http.response.status=" + std::to_string(status) +
         " http.response.written=" + std::to_string(written) + " \n";
}

std::string nginx(const std::string& time, const std::string& client, const std::string& method, const std::string& uri,
                  int status, std::uint64_t written, std::uint64_t request_length, const std::string& ua) {
  return client + " - - [30/Nov/2026:03:12:" + time.substr(0, 2) + " +0000] \"" + method + " " + uri + " HTTP/1.1\" " +
         std::to_string(status) + " " + std::to_string(written) + " \"-\" \"" + ua + "\" 0.004 \"0.004\" - " +
         std::to_string(request_length) + "\n";
}

void write_burst_logs(const fs::path& dir, const Burst& b) {
  const std::string push_ua = "docker/20.10.24+dfsg1 go/go1.19.8 os/linux arch/amd64", pull_ua = "containerd/1.6.20~ds1";
  struct Line {
    std::string time, client, method, uri;
    int status;
    std::uint64_t written, length;
  };
  const std::string repo = "/v2/incident/m1";
  std::vector<Line> lines = {
      {"01.100", "10.0.0.5", "HEAD", repo + "/blobs/" + b.layer, 404, 157, 300},
      {"01.110", "10.0.0.5", "POST", repo + "/blobs/uploads/", 202, 0, 350},
      {"01.300", "10.0.0.5", "PATCH", repo + "/blobs/uploads/5e1f?_state=a", 202, 0, b.layer_size + 400},
      {"01.320", "10.0.0.5", "PUT", repo + "/blobs/uploads/5e1f?_state=b&digest=" + b.layer.substr(0, 6) + "%3A" + b.layer.substr(7), 201, 0, 420},
      {"01.330", "10.0.0.5", "HEAD", repo + "/blobs/" + b.config, 404, 157, 300},
      {"01.340", "10.0.0.5", "POST", repo + "/blobs/uploads/", 202, 0, 350},
      {"01.350", "10.0.0.5", "PUT", repo + "/blobs/uploads/77aa?_state=c&digest=" + b.config.substr(0, 6) + "%3A" + b.config.substr(7), 201, 0, b.config_size + 420},
      {"01.360", "10.0.0.5", "PUT", repo + "/manifests/v1", 201, 0, 900},
      {"02.760", "10.0.1.7", "HEAD", repo + "/manifests/v1", 200, 0, 250},
      {"02.770", "10.0.1.7", "GET", repo + "/manifests/" + b.manifest, 200, 528, 250},
      {"02.780", "10.0.1.7", "GET", repo + "/blobs/" + b.config, 200, b.config_size, 250},
      {"02.790", "10.0.1.7", "GET", repo + "/blobs/" + b.layer, 200, b.layer_size, 250},
  };
  std::ofstream reg(dir / "registry.log"), ngx(dir / "access.log");
  for (const auto& l : lines) {
    const auto& ua = l.client == "10.0.0.5" ? push_ua : pull_ua;
    if (l.status < 400) reg << logrus(l.time + "000000", l.client, l.method, l.uri, l.status, l.written, ua);
    ngx << nginx(l.time, l.client, l.method, l.uri, l.status, l.written, l.length, ua);
  }
  reg << "time=\"2026-11-30T03:12:03.000000000Z\" level=info msg=\"response completed\" http.request.uri=\"/v2/cut\n";
  ngx << "10.0.0.5 - - [30/Nov/2026:03:12:03 +0000] \"GET /v2/ HTTP/1.1\" 200\n";
}

}  // namespace

TEST_CASE("traces: an M1 incident rebuilt from registry and nginx logs serves the bad blob again") {
  const auto dir = fresh_dir("incident");
  Burst b;
  b.layer = "sha256:" + stalemate::sha256_hex("the layer as it was in production");
  b.config = "sha256:" + stalemate::sha256_hex("its config");
  b.manifest = "sha256:" + stalemate::sha256_hex("its manifest");
  write_burst_logs(dir, b);
  // The M1 store: container replica c2 never lists segment 2 of the layer, and
  // the listing Swift's DLO middleware makes for the first blob GET goes to c2.
  const auto m1 = nlohmann::json::parse(std::ifstream(kSource + "/scenarios/incidents/m1-dlo-splice.json"));
  nlohmann::json faults = m1["backend"]["faults"];
  faults.push_back(m1["workload"]["steps"][1]["faults"][0]);
  for (const std::string format : {"distribution", "nginx"}) {
    INFO(format);
    const auto log = (dir / (format == "nginx" ? "access.log" : "registry.log")).string();
    const auto trace = (dir / (format + ".jsonl")).string();
    const auto imported = run_command({kBinary, "import", format, log, "-o", trace}, std::chrono::seconds(60));
    INFO(imported.out << imported.err);
    REQUIRE(imported.exit_code == 0);
    CHECK_THAT(imported.out, Catch::Contains("1 pushes, 1 pulls"));
    CHECK_THAT(imported.out, Catch::Contains("malformed lines: 1"));
    nlohmann::json scenario = {{"name", "m1-from-" + format},
                               {"backend", {{"consistency", m1["backend"]["consistency"]}, {"faults", faults}}},
                               {"registry", m1["registry"]},
                               {"workload", {{"trace", trace}}}};
    const auto report = run_scenario(dir / format, scenario, 1);
    std::set<std::string> seen;
    for (const auto& v : report["violations"]) seen.insert(v["invariant"].get<std::string>());
    CHECK(seen.count("blob-digest"));
    CHECK(seen.count("blob-length"));
  }
}

TEST_CASE("traces: import and generate on the command line; a log of another format is exit 2") {
  const auto dir = fresh_dir("cli");
  const auto logs = kSource + "/tests/data/logs/";
  const auto ok = run_command({kBinary, "import", "nginx", logs + "nginx-access.log", "-o", (dir / "n.jsonl").string()},
                              std::chrono::seconds(60));
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("malformed lines: 2") && Catch::Contains("nginx-access.log:27: bad status"));
  const auto wrong = run_command({kBinary, "import", "ibm", logs + "nginx-access.log", "-o", (dir / "x.jsonl").string()},
                                 std::chrono::seconds(60));
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("nginx-access.log: not an IBM registry trace"));
  CHECK_FALSE(fs::exists(dir / "x.jsonl"));
  const auto gen = run_command({kBinary, "generate", "random", "seed=3", "events=12", "-o", (dir / "r.jsonl").string()},
                               std::chrono::seconds(60));
  CHECK(gen.exit_code == 0);
  CHECK_THAT(gen.out, Catch::Contains("wrote 12 events"));
  const auto bad = run_command({kBinary, "generate", "deploy-train", "nodes=zero", "-o", (dir / "d.jsonl").string()},
                               std::chrono::seconds(60));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("nodes"));
}
