#include "fidelity_support.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "harness/realstore/swift_aio.h"

namespace stalemate::fidelity {

namespace {
bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "false" && std::string(ci) != "0";
}

bool available(const std::string& missing) {
  if (missing.empty()) return true;
  if (in_ci()) FAIL("CI is set and " << missing << " is missing: scripts/install-deps.sh installs it");
  WARN("skipped: " << missing << " is missing (scripts/install-deps.sh installs it)");
  return false;
}
}  // namespace

bool real_swift_available() { return available(harness::RealSwift::missing_binaries()); }

bool swift_cli_available() {
  return available(::access("/usr/bin/swift", X_OK) == 0 ? "" : "/usr/bin/swift (apt-get install python3-swiftclient)");
}

harness::ClientResponse http(const std::string& method, const std::string& url, const std::string& token,
                             const Headers& headers, const std::string& body) {
  harness::ClientRequest req;
  req.method = method;
  req.url = url;
  req.headers = headers;
  if (!token.empty()) req.headers["X-Auth-Token"] = token;
  req.body = body;
  return harness::HttpClient(std::chrono::seconds(30)).send(req);
}

std::pair<std::string, std::string> swift_login(const std::string& auth_url, const std::string& user,
                                                const std::string& key) {
  const auto res = http("GET", auth_url, "", {{"X-Auth-User", user}, {"X-Auth-Key", key}});
  INFO("login at " << auth_url << ": " << res.status << " " << res.error);
  REQUIRE(res.status == 200);
  return {res.header("X-Storage-Url"), res.header("X-Auth-Token")};
}

}  // namespace stalemate::fidelity
