// The control endpoint has its own loopback listener: the store's port (which
// the registry reaches) no longer changes faults under any spelling of the
// prefix, and the listener asks for its token when one is set.
#include <catch2/catch.hpp>

#include <chrono>

#include "harness/fake_backend.h"
#include "harness/http_client.h"

using namespace stalemate;
using namespace stalemate::harness;

namespace {
ClientResponse send(const std::string& method, const std::string& url, Headers headers = {}, std::string body = {}) {
  HttpClient http{std::chrono::seconds(30)};
  ClientRequest r;
  r.method = method;
  r.url = url;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return http.send(r);
}
const std::string kRule = R"([{"id":"x","kind":"FAIL","status":503}])";
}  // namespace

TEST_CASE("fake backend: the store's port does not serve the control endpoint", "[harness][control]") {
  for (const std::string type : {"swift", "s3"}) {
    INFO(type);
    BackendSpec spec;
    spec.type = type;
    FakeBackend backend(spec);
    for (const std::string prefix : {"/__stalemate/", "/%5F_stalemate/", "/%5f%5fstalemate/"}) {
      INFO(prefix);
      const auto res = send("POST", backend.base_url() + prefix + "rules", {}, kRule);
      CHECK(res.status != 200);
      CHECK(backend.store().rules_json().empty());
    }
    CHECK(backend.control_url().empty());
    CHECK_FALSE(backend.describe().contains("control"));
  }
}

TEST_CASE("fake backend: the control listener, with and without its token", "[harness][control]") {
  BackendSpec spec;
  ControlListener control;
  control.enabled = true;
  control.token = "t0ken";
  FakeBackend backend(spec, "127.0.0.1", 0, "", control);
  REQUIRE(backend.control_url().rfind("http://127.0.0.1:", 0) == 0);
  CHECK(backend.control_url() != backend.base_url() + "/__stalemate/");
  CHECK(backend.describe()["control"] == backend.control_url());
  CHECK(send("POST", backend.control_url() + "rules", {}, kRule).status == 401);
  CHECK(send("POST", backend.control_url() + "rules", {{"Authorization", "Bearer nope"}}, kRule).status == 401);
  CHECK(backend.store().rules_json().empty());
  CHECK(send("POST", backend.control_url() + "rules", {{"Authorization", "Bearer t0ken"}}, kRule).status == 200);
  CHECK(backend.store().rules_json().size() == 1);
  CHECK(send("GET", backend.control_url() + "rules", {{"X-Stalemate-Token", "t0ken"}}).status == 200);
}

TEST_CASE("fake backend: the control listener binds loopback only", "[harness][control]") {
  BackendSpec spec;
  ControlListener control;
  control.enabled = true;
  control.address = "0.0.0.0";
  CHECK_THROWS(FakeBackend(spec, "127.0.0.1", 0, "", control));
}
