// sign_s3_request against the in-process fake S3 (SigV4 verified by
// sim/s3/s3_auth.cpp): signed PUT/GET round trip, UNSIGNED-PAYLOAD with a
// streamed body, query strings, and a wrong secret refused with 403.
#include <catch2/catch.hpp>

#include <chrono>

#include "common/crypto.h"
#include "common/time_format.h"
#include "harness/fake_backend.h"
#include "harness/http_client.h"
#include "harness/layer_content.h"
#include "harness/s3_signer.h"
#include "sim/s3/sigv4.h"

using namespace stalemate;
using namespace stalemate::harness;

namespace {

struct S3Env {
  BackendSpec spec = [] {
    BackendSpec s;
    s.type = "s3";
    return s;
  }();
  FakeBackend backend{spec};
  HttpClient http{std::chrono::seconds(30)};

  ClientResponse send(ClientRequest req, const std::string& payload_hash, const std::string& secret = "") {
    sign_s3_request(req, spec.s3.access_key, secret.empty() ? spec.s3.secret_key : secret, spec.s3.region,
                    now_micros(), payload_hash);
    return http.send(req);
  }
  ClientRequest request(const std::string& method, const std::string& path, std::string body = {}) {
    ClientRequest r;
    r.method = method;
    r.url = backend.base_url() + path;
    r.body = std::move(body);
    return r;
  }
};

}  // namespace

TEST_CASE("format_amz_date is the inverse of parse_amz_date", "[harness][s3][sigv4]") {
  CHECK(sim::s3::format_amz_date(0) == "19700101T000000Z");
  CHECK(sim::s3::format_amz_date(1369353600) == "20130524T000000Z");
  CHECK(sim::s3::parse_amz_date(sim::s3::format_amz_date(1700000123)) == 1700000123);
}

TEST_CASE("sign_s3_request sets the SigV4 headers and no Host", "[harness][s3][sigv4]") {
  ClientRequest r;
  r.method = "GET";
  r.url = "http://127.0.0.1:9000/bucket/key?list-type=2&prefix=a%2Fb";
  r.headers["Host"] = "elsewhere";  // ignored: HttpClient sets Host from the URL
  sign_s3_request(r, "AK", "SK", "us-east-1", 1369353600LL * 1000000 + 123, sim::s3::kEmptySha256);
  CHECK(r.headers.count("Host") == 0);
  CHECK(r.headers.at("X-Amz-Date") == "20130524T000000Z");
  CHECK(r.headers.at("x-amz-content-sha256") == sim::s3::kEmptySha256);
  const auto a = sim::s3::parse_authorization(r.headers.at("Authorization"));
  REQUIRE(a);
  CHECK(a->credential.scope() == "20130524/us-east-1/s3/aws4_request");
  CHECK(a->credential.access_key == "AK");
  CHECK(a->signed_headers == std::vector<std::string>{"host", "x-amz-content-sha256", "x-amz-date"});
  CHECK(a->signature.size() == 64);
}

TEST_CASE("signed requests round-trip an object through the fake S3", "[harness][s3][sigv4]") {
  S3Env env;
  const std::string body = "hello, signed world\n";

  REQUIRE(env.send(env.request("PUT", "/signer-bucket"), sim::s3::kEmptySha256).status == 200);

  auto put = env.request("PUT", "/signer-bucket/dir/obj%20one", body);
  put.headers["Content-Type"] = "text/plain";
  put.headers["x-amz-meta-note"] = "signed too";
  const auto pr = env.send(put, sha256_hex(body));
  INFO(pr.body);
  REQUIRE(pr.status == 200);

  const auto gr = env.send(env.request("GET", "/signer-bucket/dir/obj%20one"), sim::s3::kEmptySha256);
  REQUIRE(gr.status == 200);
  CHECK(gr.body == body);
  CHECK(gr.header("x-amz-meta-note") == "signed too");

  // A query string is canonicalised (sorted, re-encoded) by the signer.
  const auto lr = env.send(env.request("GET", "/signer-bucket?prefix=dir%2F&list-type=2"), sim::s3::kEmptySha256);
  INFO(lr.body);
  REQUIRE(lr.status == 200);
  CHECK(lr.body.find("<Key>dir/obj one</Key>") != std::string::npos);
}

TEST_CASE("UNSIGNED-PAYLOAD signs a body streamed from a generator", "[harness][s3][sigv4]") {
  S3Env env;
  REQUIRE(env.send(env.request("PUT", "/stream"), sim::s3::kEmptySha256).status == 200);
  const LayerContent content(42, 3u << 20);
  auto put = env.request("PUT", "/stream/blob");
  put.generator = [&](std::uint64_t off, char* buf, std::size_t n) { content.fill(off, buf, n); };
  put.generator_size = content.size();
  REQUIRE(env.send(put, sim::s3::kUnsignedPayload).status == 200);

  StreamingDigest sha("sha256");
  auto get = env.request("GET", "/stream/blob");
  sign_s3_request(get, env.spec.s3.access_key, env.spec.s3.secret_key, env.spec.s3.region, now_micros(),
                  sim::s3::kEmptySha256);
  const auto gr = env.http.send(get, [&](const char* p, std::size_t n) { sha.update(p, n); }, 0);
  REQUIRE(gr.status == 200);
  CHECK(gr.body_bytes == content.size());
  CHECK("sha256:" + sha.hex_final() == content.digest());
}

TEST_CASE("a wrong secret key is refused with 403 SignatureDoesNotMatch", "[harness][s3][sigv4]") {
  S3Env env;
  REQUIRE(env.send(env.request("PUT", "/wrong-secret"), sim::s3::kEmptySha256).status == 200);
  const auto bad = env.send(env.request("PUT", "/wrong-secret/k", "x"), sha256_hex("x"), "not-the-secret");
  CHECK(bad.status == 403);
  CHECK(bad.body.find("<Code>SignatureDoesNotMatch</Code>") != std::string::npos);
  // Nothing was stored.
  CHECK(env.send(env.request("GET", "/wrong-secret/k"), sim::s3::kEmptySha256).status == 404);
  // A body that does not match its signed hash is refused too.
  CHECK(env.send(env.request("PUT", "/wrong-secret/k", "x"), sha256_hex("y")).status == 400);
}
