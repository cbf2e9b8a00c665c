// Driven by the scenario files themselves: every targeted incident scenario
// under scenarios/incidents/ must reproduce what its "expect" says with the
// stock registry at seeds 1-3 (the invariants it names break, or operations
// fail with its "error_text"), with evidence, and its negative control (no
// faults, no lag, X-Newest reads) must hold every invariant; every "check"
// scenario must complete cleanly and show the request operations its
// "expect" names (e.g. dockerd's push-retry).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

#include "child_command.h"

using stalemate::testing::run_command;

namespace {
const std::string kBinary = STALEMATE_BINARY;
const std::string kSource = STALEMATE_SOURCE_DIR;
const std::filesystem::path kIncidents = kSource + "/scenarios/incidents";

// name: the path under scenarios/incidents/ without ".json", e.g. "s3/s1-upload-not-listed".
nlohmann::json run_incident(const std::string& name, const std::string& seed, bool control) {
  std::string flat = name;
  std::replace(flat.begin(), flat.end(), '/', '-');
  const auto out = std::filesystem::temp_directory_path() /
                   ("stalemate-incident-" + flat + "-" + seed + (control ? "-control" : "") + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(out);
  std::vector<std::string> argv{kBinary, "run", (kIncidents / (name + ".json")).string(), "--seed", seed,
                                "--out", out.string()};
  if (control) argv.push_back("--control");
  const auto r = run_command(argv, std::chrono::seconds(180));
  INFO(r.out << r.err);
  REQUIRE_FALSE(r.timed_out);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  std::ifstream in(out / "report.json");
  REQUIRE(in);
  auto report = nlohmann::json::parse(in);
  report["exit_code"] = r.exit_code;
  report["stdout"] = r.out;
  return report;
}

struct IncidentFile {
  std::string name;      // relative to scenarios/incidents, without ".json"
  nlohmann::json scenario;
};

// The scenario files directly in scenarios/incidents/<folder> ("" = the
// folder itself) whose kind is `kind`. The full-size tier (real layer sizes)
// is run by hand, not here.
std::vector<IncidentFile> incidents(const std::string& folder, const std::string& kind) {
  std::vector<IncidentFile> out;
  for (const auto& e : std::filesystem::directory_iterator(kIncidents / folder)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    auto j = nlohmann::json::parse(in);
    if (j.value("kind", "check") != kind) continue;
    const auto rel = std::filesystem::relative(e.path(), kIncidents);
    out.push_back({(rel.parent_path() / rel.stem()).string(), std::move(j)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

bool expects_violations(const nlohmann::json& s) {
  return !s.value("expect", nlohmann::json::object()).value("violations", nlohmann::json::array()).empty();
}

// Every violation of a targeted run points at the storage decision behind it.
bool explained(const nlohmann::json& report) {
  for (const auto& v : report["violations"])
    if (!v["evidence"].value("decisions", nlohmann::json::array()).empty() ||
        !v["evidence"].value("storage_requests", nlohmann::json::array()).empty())
      return true;
  return false;
}

// One targeted scenario at seeds 1-3, then its negative control.
void check_targeted(const IncidentFile& f) {
  const auto expect = f.scenario.value("expect", nlohmann::json::object());
  const bool violations = expects_violations(f.scenario);
  const bool must_complete = f.scenario.value("fail_on_errors", true);
  for (const char* seed : {"1", "2", "3"}) {
    DYNAMIC_SECTION(f.name << " seed " << seed) {
      const auto report = run_incident(f.name, seed, false);
      CHECK(report["expectation"]["reproduced"] == true);
      if (violations) {
        CHECK(report["exit_code"] == 1);
        CHECK(explained(report));
      } else {
        CHECK(report["exit_code"] == (must_complete ? 1 : 0));
        CHECK(report["violations"].empty());  // a failed operation breaks no read invariant
      }
      if (expect.value("errors", false)) {
        REQUIRE(report["errors"].size() >= 1);
        const std::string first = report["errors"][0];
        CHECK(first.find(expect.value("error_text", "")) != std::string::npos);
      }
    }
  }
  DYNAMIC_SECTION(f.name << " negative control") {
    const auto report = run_incident(f.name, "1", true);
    CHECK(report["exit_code"] == 0);
    CHECK(report["violations"].empty());
    CHECK(report["errors"].empty());
    CHECK(report["negative_control"] == true);
  }
}

void check_targeted(const std::string& folder, bool with_violations) {
  const auto files = incidents(folder, "targeted");
  std::size_t n = 0;
  for (const auto& f : files) {
    if (expects_violations(f.scenario) != with_violations) continue;
    ++n;
    check_targeted(f);
  }
  CHECK(n > 0);
}

}  // namespace

TEST_CASE("targeted Swift incidents that break invariants reproduce at every seed, with evidence, and controls hold") {
  check_targeted("", true);
}

TEST_CASE("targeted Swift incidents that fail operations reproduce at every seed with their error, and controls hold") {
  check_targeted("", false);
}

TEST_CASE("targeted S3 incidents that break invariants reproduce at every seed, with evidence, and controls hold") {
  check_targeted("s3", true);
}

TEST_CASE("targeted S3 incidents that fail operations reproduce at every seed with their error, and controls hold") {
  check_targeted("s3", false);
}

TEST_CASE("check incidents complete cleanly and show the operations their expect names (dockerd retries through)") {
  std::size_t n = 0;
  for (const char* folder : {"", "s3"}) {
    for (const auto& f : incidents(folder, "check")) {
      ++n;
      DYNAMIC_SECTION(f.name) {
        const auto report = run_incident(f.name, "1", false);
        CHECK(report["exit_code"] == 0);
        CHECK(report["errors"].empty());
        CHECK(report["violations"].empty());
        for (const auto& op : f.scenario.value("expect", nlohmann::json::object())
                                  .value("operations", nlohmann::json::array())) {
          std::size_t seen = 0;
          for (const auto& r : report["requests"]) seen += r["operation"] == op;
          CHECK(seen >= 1);
        }
      }
    }
  }
  CHECK(n > 0);
}

TEST_CASE("M1's summary names the listing replica that lacked the segment") {
  const auto report = run_incident("m1-dlo-splice", "1", false);
  const std::string out = report["stdout"];
  CHECK(out.find("[blob-digest] client-assembled body") != std::string::npos);
  CHECK(out.find("answered by c2, which lacks") != std::string::npos);
  CHECK(out.find("— reproduced") != std::string::npos);
}

TEST_CASE("M12: a store that fills during an upload: PATCH 202 then BLOB_UPLOAD_INVALID, retries 500, space held") {
  const auto report = run_incident("m12-store-full-during-upload", "1", false);
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& r : report["requests"]) seen.emplace_back(r["operation"], r["status"]);
  auto saw = [&](const char* op, int status) {
    return std::find(seen.begin(), seen.end(), std::make_pair(std::string(op), status)) != seen.end();
  };
  CHECK(saw("push-patch", 202));   // M12b: the last segment's 503 is swallowed in Close
  CHECK(saw("push-commit", 404));  // BLOB_UPLOAD_INVALID: resumed at the wrong offset
  CHECK(saw("push-patch", 500));   // M12a: a retry's first segment finds no room
  // The failed upload's segments stay referenced by its manifest: no orphan,
  // but 3 MiB held until the purge; the control (roomy disks) holds nothing.
  const auto& orphans = report["convergence"]["orphans"];
  CHECK(orphans["segments"] == 0);
  CHECK(orphans["held_by_uploads"]["segments"] == 3);
  CHECK(orphans["held_by_uploads"]["bytes"] == 3u << 20);
  const auto control = run_incident("m12-store-full-during-upload", "1", true);
  CHECK(control["errors"].empty());
  CHECK(control["convergence"]["orphans"]["held_by_uploads"]["segments"] == 0);
}

TEST_CASE("M12 (e): the client's cancel after a failed commit leaves the upload's segments orphaned") {
  const auto report = run_incident("m12e-cancel-leaks-segments", "1", false);
  bool cancelled = false;
  for (const auto& r : report["requests"]) cancelled = cancelled || (r["operation"] == "push-cancel" && r["status"] == 204);
  CHECK(cancelled);  // the registry accepted the DELETE of the upload
  // Its Cancel deleted the DLO manifest only: four segments (3.5 MiB) that nothing references.
  const auto& orphans = report["convergence"]["orphans"];
  CHECK(orphans["segments"] == 4);
  CHECK(orphans["bytes"] == 3584u << 10);
  CHECK(orphans["held_by_uploads"]["segments"] == 0);
}

TEST_CASE("S3: the cold registry's blob GET is 404 BLOB_UNKNOWN") {
  const auto report = run_incident("s3/s3-stat-blob-unknown-cold", "1", false);
  bool blob_unknown = false;
  for (const auto& r : report["requests"])
    blob_unknown = blob_unknown || (r["operation"] == "pull-blob" && r["status"] == 404 &&
                                    r["note"].get<std::string>().find("BLOB_UNKNOWN") != std::string::npos);
  CHECK(blob_unknown);
}

TEST_CASE("S7 re-checked: aws-sdk-go's retried Complete after a 200-with-Error gets 200, as on AWS; the push succeeds") {
  const auto report = run_incident("s3/s7-complete-error-in-200", "1", false);
  CHECK(report["errors"].empty());
  // The store's log: the Complete the rule answered with an <Error>, then the SDK's retry of it, answered 200.
  std::ifstream events(std::filesystem::path(report["report_path"].get<std::string>()).parent_path() / "events.jsonl");
  REQUIRE(events);
  std::string line, failed_object;
  bool retried_ok = false;
  while (std::getline(events, line)) {
    const auto e = nlohmann::json::parse(line);
    if (e.value("method", "") != "POST") continue;
    bool fired = false;
    for (const auto& d : e.value("decisions", nlohmann::json::array())) fired = fired || d["kind"] == "rule_fired";
    if (fired) failed_object = e.value("object", "");
    else if (!failed_object.empty() && e.value("object", "") == failed_object) retried_ok = e["status"] == 200;
  }
  CHECK_FALSE(failed_object.empty());
  CHECK(retried_ok);
}

TEST_CASE("suite: candidate and baseline binaries, comparison table, JUnit, negative controls, two cases at once") {
  const auto dir = std::filesystem::temp_directory_path() / ("stalemate-suite-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // A second "build" of the registry: same binary behind a wrapper script.
  const auto candidate = dir / "candidate-registry";
  {
    std::ofstream script(candidate);
    script << "#!/bin/sh\nexec /usr/bin/docker-registry \"$@\"\n";
  }
  std::filesystem::permissions(candidate, std::filesystem::perms::owner_all);
  const auto junit = dir / "junit.xml";
  const auto r = run_command({kBinary, "suite", kSource + "/scenarios/incidents/m2-short-body.json",
                              kSource + "/tests/data/tiny-push-pull.json", "--registry", candidate.string(),
                              "--baseline", "/usr/bin/docker-registry", "--junit", junit.string(), "--out",
                              (dir / "out").string(), "--controls", "--jobs", "2"},
                             std::chrono::seconds(300));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);  // the candidate breaks an invariant in m2
  // --jobs 2: every case ran (8 = 2 scenarios x 2 binaries x with/without control), each in its own dir.
  std::size_t case_lines = 0;
  for (std::size_t at = 0; (at = r.out.find("  seed ", at)) != std::string::npos; ++at) ++case_lines;
  CHECK(case_lines == 8);
  CHECK(std::filesystem::exists(dir / "out" / "candidate" / "m2-short-body-control-seed1" / "report.json"));
  CHECK(std::filesystem::exists(dir / "out" / "baseline" / "tiny-push-pull-control-seed3" / "report.json"));
  CHECK(r.out.find("SUITE     FAIL: the candidate broke an invariant") != std::string::npos);
  CHECK(r.out.find("m2-short-body [control]") != std::string::npos);
  // The outcomes a patch author reads: m2 still there with both binaries, the rest clean.
  CHECK(r.out.find("integrity: reproduced FAIL") != std::string::npos);
  CHECK(r.out.find("incidents 1: 0 fixed, 1 still present (0 fixed that the baseline shows); newly failing: 0") !=
        std::string::npos);
  std::ifstream in(junit);
  REQUIRE(in);
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(xml.find("<testsuite name=\"stalemate candidate") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"stalemate baseline") != std::string::npos);
  CHECK(xml.find("tests=\"4\" failures=\"1\"") != std::string::npos);  // per binary: 2 scenarios + 2 controls
  CHECK(xml.find("replay: stalemate run") != std::string::npos);
  CHECK(xml.find("integrity, incident reproduced") != std::string::npos);
  CHECK(xml.find("--seed 1") != std::string::npos);
}


// ---- The nginx front (issue 8): what the report says beyond "reproduced" ----

TEST_CASE("tmpfs-concurrent-pushes: front 500s are counted apart from registry failures, with the spool's figures",
          "[front][incident]") {
  const auto report = run_incident("tmpfs-concurrent-pushes", "1", false);
  const auto& f = report["front"];
  CHECK(f["failed_operations"]["front"] >= 1);
  CHECK(f["failed_operations"]["registry"] == 0);
  const auto& spool = f["filesystems"]["spool"];
  CHECK(spool["size_bytes"] == 4u << 20);
  CHECK(spool["peak_bytes"] <= spool["size_bytes"]);
  CHECK_FALSE(spool["series"].empty());
  std::size_t at_front = 0;
  for (const auto& r : report["requests"]) {
    if (r.value("failed_at", "") != "front") continue;
    ++at_front;
    CHECK_THAT(r["note"].get<std::string>(), Catch::StartsWith("front 500: spool full (pw"));
  }
  CHECK(at_front >= 1);
  bool logged = false;
  for (const auto& e : f["errors"]) logged = logged || e["kind"] == "spool-write-failed";
  CHECK(logged);
  CHECK(f["nginx_version"].get<std::string>().rfind("nginx/", 0) == 0);
}

TEST_CASE("tmpfs-concurrent-pushes-streaming: request buffering off with HTTP/1.1 leaves the spool unused",
          "[front][incident]") {
  const auto report = run_incident("tmpfs-concurrent-pushes-streaming", "1", false);
  CHECK(report["exit_code"] == 0);
  CHECK(report["front"]["filesystems"]["spool"]["peak_bytes"] == 0);
  CHECK(report["front"]["failed_operations"]["front"] == 0);
}

TEST_CASE("tmpfs-concurrent-pushes-dockerd: a client that got a front 500 pushes its image through its retries",
          "[front][incident]") {
  const auto report = run_incident("tmpfs-concurrent-pushes-dockerd", "1", false);
  std::set<int> hit;
  for (const auto& r : report["requests"])
    if (r.value("failed_at", "") == "front") hit.insert(r["client"].get<int>());
  REQUIRE_FALSE(hit.empty());
  std::size_t recovered = 0;
  for (const auto& c : report["clients"]) {
    if (!hit.count(c["id"].get<int>())) continue;
    const std::string label = c["label"].get<std::string>() + ":";
    bool gave_up = false;
    for (const auto& e : report["errors"]) gave_up = gave_up || e.get<std::string>().rfind(label, 0) == 0;
    recovered += !gave_up;
  }
  CHECK(recovered >= 1);
}

TEST_CASE("slice-cache-bad-blob: after the heal a cache HIT still gives the wrong sha256, traced to the MISS that filled it",
          "[front][incident]") {
  const auto report = run_incident("slice-cache-bad-blob", "1", false);
  std::size_t traced = 0;
  for (const auto& v : report["violations"]) {
    if (v["invariant"] != "blob-digest" || !v["evidence"].contains("cache")) continue;
    const auto& c = v["evidence"]["cache"];
    CHECK(c["status"] == "HIT");
    CHECK(v["bytes_received"] == v["expected_size"]);  // the right length, the wrong bytes
    CHECK_FALSE(c["entries"].empty());
    REQUIRE(c["filled_by"].is_object());
    CHECK(c["filled_by"]["cache"] == "MISS");
    CHECK(c["filled_by"]["request_index"] < v["request_index"]);
    CHECK_FALSE(c["filled_by"]["evidence"]["decisions"].empty());  // the listing that lacked a segment
    ++traced;
  }
  CHECK(traced >= 1);
}

TEST_CASE("cache-fs-full-truncates: the truncated blob's evidence carries nginx's short temp-file write",
          "[front][incident]") {
  const auto report = run_incident("cache-fs-full-truncates", "1", false);
  bool logged = false;
  for (const auto& v : report["violations"])
    for (const auto& e : v["evidence"].value("front_log", nlohmann::json::array()))
      logged = logged || e["kind"] == "temp-write-failed";
  CHECK(logged);
  CHECK(report["front"]["cache"]["orphaned_partials"] == 0);  // temp files on the cache filesystem (q2d)
}

TEST_CASE("a front without the right to mount stops the run with exit 3 and says so, nothing stays mounted",
          "[front][incident]") {
  if (!std::filesystem::exists("/usr/sbin/capsh")) return;  // capsh drops CAP_SYS_ADMIN for the child
  const auto out = std::filesystem::temp_directory_path() / ("stalemate-front-nocap-" + std::to_string(::getpid()));
  std::filesystem::remove_all(out);
  const auto r = run_command({"/usr/sbin/capsh", "--drop=cap_sys_admin", "--", "-c",
                              kBinary + " run " + (kIncidents / "tmpfs-serialised-pushes.json").string() + " --out " +
                                  out.string()},
                             std::chrono::seconds(120));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("needs root (CAP_SYS_ADMIN)"));
  std::ifstream mounts("/proc/self/mountinfo");
  const std::string all((std::istreambuf_iterator<char>(mounts)), std::istreambuf_iterator<char>());
  CHECK(all.find(out.string()) == std::string::npos);
  std::filesystem::remove_all(out);
}

TEST_CASE("cache-fs-full-orphans: whole blobs reach the client, partial cache copies stay behind and are counted",
          "[front][incident]") {
  const auto report = run_incident("cache-fs-full-orphans", "1", false);
  CHECK(report["exit_code"] == 0);
  CHECK(report["front"]["cache"]["orphaned_partials"] >= 1);
  bool logged = false;
  for (const auto& e : report["front"]["errors"]) logged = logged || e["kind"] == "cache-write-failed";
  CHECK(logged);
}
