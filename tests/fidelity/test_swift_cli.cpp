// A real Swift client (python3-swiftclient's `swift` CLI) against
// `stalemate serve --swift`: segmented DLO and SLO uploads, an upload from
// stdin (swiftclient makes that an SLO), downloads checked by sha256 (and by
// swiftclient's own md5 checks), a TempURL and deletes that take the segments
// along. Every client run is bounded and must exit 0.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "child_command.h"
#include "common/crypto.h"
#include "fidelity_support.h"

using stalemate::testing::CommandResult;
using stalemate::testing::run_command;
using namespace stalemate::fidelity;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct SwiftCli {
  std::string auth_url;
  std::vector<std::string> base() const {
    return {"/usr/bin/swift", "-A", auth_url, "-U", "test:tester", "-K", "testing"};
  }
  // Runs `swift <args…>`; a test failure when it does not exit 0 within 120 s.
  std::string run(const std::vector<std::string>& args) const {
    auto argv = base();
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = run_command(argv, std::chrono::seconds(120));
    std::string line;
    for (const auto& a : args) line += a + " ";
    INFO("swift " << line << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  // The names in a container ("" lines dropped); an absent container is empty.
  std::vector<std::string> list(const std::string& container) const {
    auto argv = base();
    argv.insert(argv.end(), {"list", container});
    const CommandResult r = run_command(argv, std::chrono::seconds(60));
    std::vector<std::string> names;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) names.push_back(l);
    return names;
  }
};

}  // namespace

TEST_CASE("the swift CLI uploads (DLO, SLO, stdin), downloads, signs a TempURL and deletes through serve --swift",
          "[fidelity][swiftcli]") {
  if (!swift_cli_available()) return;
  stalemate::testing::RunningCommand serve({STALEMATE_BINARY, "serve", "--swift", "127.0.0.1:0"});
  const auto banner = serve.read_until("serving", std::chrono::seconds(30));
  REQUIRE(banner.find("serving") != std::string::npos);
  const auto info = nlohmann::json::parse(banner.substr(0, banner.find("serving")));
  SwiftCli swift{info["auth_url"]};
  const std::string base_url = swift.auth_url.substr(0, swift.auth_url.find("/auth/"));

  const auto dir = stalemate::testing::fresh_dir("stalemate-swiftcli", "roundtrip");
  const std::string content = random_bytes(300 * 1024 + 17, 12);  // 4 segments of 100 KiB (the last short)
  const std::string sha = stalemate::sha256_hex(content);
  const auto src = dir / "blob.bin";
  std::ofstream(src, std::ios::binary) << content;

  const auto download = [&](const std::string& object) {
    const auto out = dir / ("got-" + std::to_string(std::hash<std::string>{}(object)));
    swift.run({"download", "c", object, "-o", out.string()});
    return stalemate::sha256_hex(slurp(out));
  };

  SECTION("segmented DLO upload") {
    swift.run({"upload", "c", src.string(), "--object-name", "dlo.bin", "-S", "102400"});
    CHECK(swift.list("c_segments").size() == 4);
    CHECK(download("dlo.bin") == sha);
    swift.run({"delete", "c", "dlo.bin"});
    CHECK(swift.list("c_segments").empty());  // the segments go with it
  }
  SECTION("SLO upload") {
    swift.run({"upload", "c", src.string(), "--object-name", "slo.bin", "-S", "102400", "--use-slo"});
    CHECK(swift.list("c_segments").size() == 4);
    const std::string stat = swift.run({"stat", "c", "slo.bin"});
    CHECK(stat.find("Content Length: " + std::to_string(content.size())) != std::string::npos);
    CHECK(download("slo.bin") == sha);
    swift.run({"delete", "c", "slo.bin"});
    CHECK(swift.list("c_segments").empty());
    CHECK(swift.list("c").empty());
  }
  SECTION("upload from stdin (swiftclient stores it as an SLO)") {
    const CommandResult r = run_command(
        {"/bin/sh", "-c",
         "exec /usr/bin/swift -A \"$0\" -U test:tester -K testing upload c - --object-name piped.bin -S 102400 < \"$1\"",
         swift.auth_url, src.string()},
        std::chrono::seconds(120));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(download("piped.bin") == sha);
    swift.run({"delete", "c", "piped.bin"});
    CHECK(swift.list("c_segments").empty());
  }
  SECTION("TempURL") {
    swift.run({"upload", "c", src.string(), "--object-name", "shared.bin"});
    swift.run({"post", "c", "-m", "Temp-URL-Key:sekrit"});
    const std::string path = swift.run({"tempurl", "GET", "3600", "/v1/AUTH_test/c/shared.bin", "sekrit"});
    const std::string url = base_url + path.substr(0, path.find_last_not_of("\r\n") + 1);
    const auto got = http("GET", url, "");
    CHECK(got.status == 200);
    CHECK(stalemate::sha256_hex(got.body) == sha);
    swift.run({"delete", "c", "shared.bin"});
    CHECK(http("GET", url, "").status == 404);
  }
  serve.signal(SIGTERM);
  CHECK(serve.wait(std::chrono::seconds(10)) == 0);
}
