// Every protected path refuses a missing, wrong, expired or skewed credential
// (issue 15 item 5): one test per credential and way of being wrong, for
// TempAuth tokens, TempURL, SigV4 headers, presigned URLs and aws-chunked
// chunk signatures. The clock that decides each is pinned down too.
#include "s3_test_util.h"
#include "control_test_util.h"
#include "swift_test_util.h"

#include "common/time_format.h"
#include "sim/control/control_api.h"
#include "sim/s3/aws_chunked.h"
#include "sim/s3/sigv4.h"

using namespace stalemate;

using stalemate::test::add_rules;

namespace {
constexpr std::int64_t kNow = 1700000000;  // the pinned clients' clock, seconds
constexpr std::int64_t kSecond = 1000000;

sim::S3Config pinned_clock() {
  sim::S3Config config;
  config.wall_clock = [] { return kNow * kSecond; };
  return config;
}

std::string signature_of(const HttpRequest& r) {
  const std::string auth = r.headers.at("Authorization");
  return auth.substr(auth.find("Signature=") + 10);
}

// A STREAMING-AWS4-HMAC-SHA256-PAYLOAD body for `chunks`, signed as AWS
// documents, chained from the request's seed signature.
std::string signed_chunks(const s3_test::Signer& signer, const std::string& amz_date, const std::string& seed,
                          const std::vector<std::string>& chunks) {
  const std::string scope = amz_date.substr(0, 8) + "/" + signer.region + "/s3/aws4_request";
  std::string previous = seed, body;
  std::vector<std::string> all = chunks;
  all.emplace_back();  // the final, empty chunk is signed too
  for (const auto& chunk : all) {
    const std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" + previous + "\n" +
                            sha256_hex("") + "\n" + sha256_hex(chunk);
    previous = to_hex(hmac_sha256_raw(signer.key(amz_date.substr(0, 8)), sts));
    char size[32];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    body += std::string(size) + ";chunk-signature=" + previous + "\r\n" + chunk + "\r\n";
  }
  return body;
}

HttpRequest streaming_put(const s3_test::Signer& signer, const std::string& target, const std::string& amz_date,
                          const std::vector<std::string>& chunks) {
  auto r = s3_test::make_signed(signer, "PUT", target,
                                {{"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
                                 {"Content-Encoding", "aws-chunked"}},
                                {}, amz_date);
  const std::string body = signed_chunks(signer, amz_date, signature_of(r), chunks);
  r.body = make_payload(body);
  r.headers["Content-Length"] = std::to_string(body.size());
  return r;
}
}  // namespace

// ---- TempAuth tokens

TEST_CASE("swift token: missing", "[auth][swift]") {
  swift_test::SwiftFixture f;
  f.make_container("c");
  auto res = f.anon("GET", swift_test::obj_path("c", "o"));
  CHECK(res.status == 401);
  CHECK(swift_test::header(res, "Www-Authenticate") == "Swift realm=\"AUTH_test\"");
}

TEST_CASE("swift token: wrong", "[auth][swift]") {
  swift_test::SwiftFixture f;
  f.make_container("c");
  CHECK(f.call("GET", swift_test::obj_path("c"), {{"X-Auth-Token", "AUTH_tk00000000000000000000000000000000"}}).status ==
        401);
}

TEST_CASE("swift token: another account", "[auth][swift]") {
  swift_test::SwiftFixture f;
  CHECK(f.call("GET", "/v1/AUTH_other/c").status == 403);
  CHECK(f.call("PUT", "/v1/AUTH_other/c/o", {}, "x").status == 403);
}

TEST_CASE("swift token: expired by an EXPIRE rule", "[auth][swift]") {
  swift_test::SwiftFixture f;
  f.make_container("c");
  add_rules(f.store, R"([{"id":"e","kind":"EXPIRE","match":{"container":"c","nth":1}}])");
  CHECK(f.call("GET", swift_test::obj_path("c")).status == 401);
  CHECK(f.call("GET", swift_test::obj_path("c")).status == 401);
}

// ---- TempURL

namespace {
struct TempUrl : swift_test::SwiftFixture {
  TempUrl() {
    make_container("c");
    put("c", "o", "body");
    REQUIRE(call("POST", "/v1/AUTH_test", {{"X-Account-Meta-Temp-URL-Key", "k"}}).status == 204);
  }
  HttpResponse get_with(const std::string& key, std::int64_t expires) {
    const std::string path = "/v1/AUTH_test/c/o";
    const std::string sig = hmac_sha1_hex(key, "GET\n" + std::to_string(expires) + "\n" + path);
    return anon("GET", path + "?temp_url_sig=" + sig + "&temp_url_expires=" + std::to_string(expires));
  }
};
}  // namespace

TEST_CASE_METHOD(TempUrl, "swift TempURL: wrong signature", "[auth][swift]") {
  const auto expires = now_micros() / kSecond + 600;
  CHECK(get_with("k", expires).status == 200);
  CHECK(get_with("not-the-key", expires).status == 401);
}

TEST_CASE_METHOD(TempUrl, "swift TempURL: expired (on the model's clock)", "[auth][swift]") {
  CHECK(get_with("k", now_micros() / kSecond - 1).status == 401);
  // Store time moves the model's clock: a URL valid for 10 minutes expires after an hour of it.
  const auto expires = now_micros() / kSecond + 600;
  store.advance_clock(3600 * kSecond);
  CHECK(get_with("k", expires).status == 401);
}

// ---- SigV4, header authentication

TEST_CASE("s3 sigv4: wrong signature", "[auth][s3]") {
  s3_test::S3Fixture f;
  s3_test::Signer other = f.signer;
  other.secret = "not-the-secret";
  auto res = f.s3.handle(s3_test::make_signed(other, "GET", "/"));
  CHECK(res.status == 403);
  CHECK(s3_test::error_code(res) == "SignatureDoesNotMatch");
}

TEST_CASE("s3 sigv4: unknown access key", "[auth][s3]") {
  s3_test::S3Fixture f;
  s3_test::Signer other = f.signer;
  other.access_key = "NOSUCHKEY";
  auto res = f.s3.handle(s3_test::make_signed(other, "GET", "/"));
  CHECK(res.status == 403);
  CHECK(s3_test::error_code(res) == "InvalidAccessKeyId");
}

TEST_CASE("s3 sigv4: a date more than 15 minutes away is RequestTimeTooSkewed", "[auth][s3]") {
  s3_test::S3Fixture f(pinned_clock());
  auto at = [&](std::int64_t offset_s) {
    return f.s3.handle(s3_test::make_signed(f.signer, "GET", "/", {}, {}, s3_test::amz_date_of(kNow + offset_s)));
  };
  CHECK(at(0).status == 200);
  CHECK(at(14 * 60).status == 200);
  CHECK(at(-14 * 60).status == 200);
  for (const std::int64_t offset : {20 * 60, -20 * 60, -365 * 86400}) {
    INFO(offset);
    auto res = at(offset);
    CHECK(res.status == 403);
    CHECK(s3_test::error_code(res) == "RequestTimeTooSkewed");
  }
}

TEST_CASE("s3 sigv4: skew is measured on the clients' clock, not the model's", "[auth][s3]") {
  // A CLOCK step (or virtual time) moves store time; the registry still signs
  // with the wall clock, so its requests must still be accepted.
  s3_test::S3Fixture f(pinned_clock());
  f.store.advance_clock(3600 * kSecond);
  CHECK(f.s3.handle(s3_test::make_signed(f.signer, "GET", "/", {}, {}, s3_test::amz_date_of(kNow))).status == 200);
}

// ---- presigned URLs

TEST_CASE("s3 presigned: expired", "[auth][s3]") {
  s3_test::S3Fixture f(pinned_clock());
  f.make_bucket("bkt");
  f.put("bkt", "o", "x");
  CHECK(f.s3.handle(s3_test::make_presigned(f.signer, "GET", "/bkt/o", s3_test::amz_date_of(kNow - 100), 600)).status ==
        200);
  auto res = f.s3.handle(s3_test::make_presigned(f.signer, "GET", "/bkt/o", s3_test::amz_date_of(kNow - 700), 600));
  CHECK(res.status == 403);
  CHECK(s3_test::tag(res.body_string(), "Message") == "Request has expired");
  // Expiry follows the model's clock (as TempURL): an hour of store time ages the URL.
  f.store.advance_clock(3600 * kSecond);
  CHECK(f.s3.handle(s3_test::make_presigned(f.signer, "GET", "/bkt/o", s3_test::amz_date_of(kNow - 100), 600)).status ==
        403);
}

TEST_CASE("s3 presigned: dated in the future beyond the skew", "[auth][s3]") {
  s3_test::S3Fixture f(pinned_clock());
  f.make_bucket("bkt");
  f.put("bkt", "o", "x");
  CHECK(f.s3.handle(s3_test::make_presigned(f.signer, "GET", "/bkt/o", s3_test::amz_date_of(kNow + 600), 600)).status ==
        200);
  auto res = f.s3.handle(s3_test::make_presigned(f.signer, "GET", "/bkt/o", s3_test::amz_date_of(kNow + 3600), 600));
  CHECK(res.status == 403);
  CHECK(s3_test::error_code(res) == "AccessDenied");
  CHECK(s3_test::tag(res.body_string(), "Message") == "Request is not valid yet");
}

// ---- aws-chunked chunk signatures

TEST_CASE("s3 aws-chunked: chunk signatures are verified", "[auth][s3]") {
  s3_test::S3Fixture f(pinned_clock());
  f.make_bucket("bkt");
  const std::string date = s3_test::amz_date_of(kNow);
  auto good = streaming_put(f.signer, "/bkt/k", date, {"hello", " world"});
  CHECK(f.s3.handle(good).status == 200);
  CHECK(f.get("bkt", "k").body_string() == "hello world");

  SECTION("a bogus chunk signature") {
    auto bad = good;
    std::string body = bad.body.str();
    const auto at = body.find("chunk-signature=") + 16;
    body[at] = body[at] == '0' ? '1' : '0';
    bad.body = make_payload(body);
    auto res = f.s3.handle(bad);
    CHECK(res.status == 403);
    CHECK(s3_test::error_code(res) == "SignatureDoesNotMatch");
  }
  SECTION("a chunk changed under its signature") {
    auto bad = good;
    std::string body = bad.body.str();
    body.replace(body.find("hello"), 5, "jello");
    bad.body = make_payload(body);
    CHECK(s3_test::error_code(f.s3.handle(bad)) == "SignatureDoesNotMatch");
  }
  SECTION("chunks reordered or the final chunk's signature dropped") {
    auto bad = good;
    std::string body = bad.body.str();
    const auto last = body.rfind("0;chunk-signature=");
    bad.body = make_payload(body.substr(0, last) + "0\r\n\r\n");
    CHECK(s3_test::error_code(f.s3.handle(bad)) == "SignatureDoesNotMatch");
  }
}

TEST_CASE("s3 aws-chunked: the AWS documentation's streaming example", "[s3][sigv4]") {
  // "Example Calculations" of "Transferring Payload in Multiple Chunks":
  // 66560 bytes of 'a' in chunks of 65536 and 1024.
  sim::s3::ChunkSigner signer{sim::s3::signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524",
                                                   "us-east-1", "s3"),
                              "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                              "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"};
  const std::string first = sim::s3::chunk_signature(signer, signer.seed_signature, std::string(65536, 'a'));
  CHECK(first == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  const std::string second = sim::s3::chunk_signature(signer, first, std::string(1024, 'a'));
  CHECK(second == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
  CHECK(sim::s3::chunk_signature(signer, second, "") ==
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

TEST_CASE("s3 aws-chunked: a huge chunk size cannot wrap or multiply the body", "[s3][chunked]") {
  // size + 2 wrapped to 0: every such line re-copied the rest of the body.
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "fffffffffffffffe\r\n";
  body += "0\r\n\r\n";
  const auto decoded = sim::s3::decode_aws_chunked(body, nullptr);
  CHECK(decoded.error == sim::s3::ChunkedError::Malformed);
  CHECK(decoded.payload.size() <= body.size());
  CHECK_FALSE(sim::s3::decode_aws_chunked("ffffffffffffffff\r\nab\r\n0\r\n\r\n"));
  CHECK_FALSE(sim::s3::decode_aws_chunked("10000000000000000\r\n"));
  CHECK_FALSE(sim::s3::decode_aws_chunked("3\r\nab\r\n0\r\n\r\n"));
  CHECK(sim::s3::decode_aws_chunked("2\r\nab\r\n0\r\n\r\n") == std::string("ab"));
}
