// `serve` prints its control listener; the control endpoint answers there
// (with its token) and not on the store's port.
#include <catch2/catch.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include "child_command.h"
#include "harness/http_client.h"

using namespace stalemate;

TEST_CASE("serve --control: the control endpoint has its own port and token") {
  stalemate::testing::RunningCommand serve(
      {STALEMATE_BINARY, "serve", "--swift", "127.0.0.1:0", "--control", "127.0.0.1:0", "--control-token", "tok"});
  const auto banner = serve.read_until("serving", std::chrono::seconds(30));
  REQUIRE(banner.find("serving") != std::string::npos);
  const auto info = nlohmann::json::parse(banner.substr(0, banner.find("serving")));
  const std::string control = info["control"];
  REQUIRE(control.rfind("http://127.0.0.1:", 0) == 0);
  CHECK(info["control_token_required"] == true);
  harness::HttpClient client(std::chrono::seconds(10));
  harness::ClientRequest rules;
  rules.url = control + "rules";
  CHECK(client.send(rules).status == 401);
  rules.headers["Authorization"] = "Bearer tok";
  CHECK(client.send(rules).status == 200);
  harness::ClientRequest on_store;
  on_store.url = info["endpoint"].get<std::string>() + "/__stalemate/rules";
  CHECK(client.send(on_store).status == 404);
  serve.signal(SIGTERM);
  CHECK(serve.wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("serve --control refuses a non-loopback address") {
  stalemate::testing::RunningCommand serve({STALEMATE_BINARY, "serve", "--s3", "127.0.0.1:0", "--control", "0.0.0.0:0"});
  CHECK(serve.wait(std::chrono::seconds(30)) == 2);  // bad input
}
