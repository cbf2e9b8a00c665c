// `100 Continue` only after authentication, end to end: the fake backend's
// server asks the protocol's precheck before inviting the body, so a client
// with a bad credential is refused without uploading anything.
#include <catch2/catch.hpp>

#include <chrono>

#include "harness/fake_backend.h"
#include "harness/http_client.h"
#include "tests/sim/raw_connection.h"

using namespace stalemate;
using namespace stalemate::harness;
using stalemate::test::RawConnection;
using stalemate::test::status_of;

namespace {

unsigned short port_of(const FakeBackend& backend) {
  const std::string url = backend.base_url();
  return static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
}

std::string swift_token(const FakeBackend& backend) {
  HttpClient http{std::chrono::seconds(30)};
  ClientRequest r;
  r.url = backend.base_url() + "/auth/v1.0";
  r.headers = {{"X-Auth-User", "test:tester"}, {"X-Auth-Key", "testing"}};
  const auto res = http.send(r);
  REQUIRE(res.status == 200);
  return res.headers.at("X-Auth-Token");
}

std::string put_with_expect(const std::string& path, const std::string& auth_header) {
  return "PUT " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth_header +
         "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n";
}

}  // namespace

TEST_CASE("fake backend: Swift answers a bad token before 100 Continue", "[harness][continue]") {
  BackendSpec spec;
  FakeBackend backend(spec);
  const std::string container = "/v1/" + backend.account() + "/c";

  RawConnection refused(port_of(backend));
  refused.send(put_with_expect(container + "/o", "X-Auth-Token: AUTH_tk_wrong\r\n"));
  const std::string out = refused.read_until("\r\n\r\n");
  CHECK(status_of(out) == 401);  // not 100: the body was never invited

  const std::string token = swift_token(backend);
  HttpClient http{std::chrono::seconds(30)};
  ClientRequest mk;
  mk.method = "PUT";
  mk.url = backend.base_url() + container;
  mk.headers = {{"X-Auth-Token", token}};
  REQUIRE(http.send(mk).status / 100 == 2);

  RawConnection accepted(port_of(backend));
  accepted.send(put_with_expect(container + "/o", "X-Auth-Token: " + token + "\r\n"));
  CHECK(status_of(accepted.read_until("\r\n\r\n")) == 100);
  accepted.send("hello");
  const std::string done = accepted.read_until("HTTP/1.1 201");
  CHECK(done.find("HTTP/1.1 201") != std::string::npos);
}

TEST_CASE("fake backend: S3 answers an unsigned PUT before 100 Continue", "[harness][continue]") {
  BackendSpec spec;
  spec.type = "s3";
  FakeBackend backend(spec);
  RawConnection refused(port_of(backend));
  refused.send(put_with_expect("/bucket/key", "Authorization: AWS4-HMAC-SHA256 Credential=nobody/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\n"));
  const std::string out = refused.read_until("\r\n\r\n");
  CHECK(status_of(out) == 403);
}

TEST_CASE("fake backend: a body over the scenario's body_budget gets 503 before it is read", "[harness][continue]") {
  BackendSpec spec;
  spec.body_budget = 1 << 20;
  FakeBackend backend(spec);
  const std::string token = swift_token(backend);
  const std::string object = "/v1/" + backend.account() + "/c/big";
  RawConnection over(port_of(backend));
  over.send("PUT " + object + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + token +
            "\r\nContent-Length: 2097152\r\nExpect: 100-continue\r\n\r\n");
  const std::string out = over.read_until("\r\n\r\n");
  CHECK(status_of(out) == 503);
  CHECK(out.find("Retry-After") != std::string::npos);
}
