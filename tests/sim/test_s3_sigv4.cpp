// S3 SigV4: AWS's published examples (signing key, S3 GET Object), and the
// front-end's acceptance and rejection of header-signed and presigned
// requests, payload hashes and aws-chunked bodies.
#include "s3_test_util.h"
#include "sim/s3/aws_chunked.h"
#include "sim/s3/sigv4.h"

using namespace s3_test;
namespace s3 = stalemate::sim::s3;

TEST_CASE("s3 sigv4: signing key derivation matches the AWS General Reference example") {
  const std::string key = s3::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  CHECK(stalemate::to_hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("s3 sigv4: the S3 GET Object example (canonical request, string to sign, signature)") {
  const std::vector<s3::CanonicalHeader> headers = {
      {"host", "examplebucket.s3.amazonaws.com"},
      {"range", "bytes=0-9"},
      {"x-amz-content-sha256", s3::kEmptySha256},
      {"x-amz-date", "20130524T000000Z"}};
  const std::string creq = s3::canonical_request("GET", "/test.txt", "", headers, s3::kEmptySha256);
  CHECK(creq ==
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string sts = s3::string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", creq);
  CHECK(sts ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  const std::string key = s3::signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
  CHECK(s3::signature_hex(key, sts) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("s3 sigv4: the front-end accepts the AWS GET Object example verbatim (virtual-host style)") {
  stalemate::sim::S3Config config;
  config.access_key = "AKIAIOSFODNN7EXAMPLE";
  config.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  config.domain = "s3.amazonaws.com";
  config.wall_clock = [] { return std::int64_t{1369353600} * 1000000; };  // the example's 20130524T000000Z
  S3Fixture f(config);
  f.signer.access_key = config.access_key;
  f.signer.secret = config.secret_key;
  const std::string host = "examplebucket.s3.amazonaws.com";
  REQUIRE(f.s3.handle(make_signed(f.signer, "PUT", "/", {}, {}, "20130524T000000Z", host)).status == 200);
  REQUIRE(f.s3.handle(make_signed(f.signer, "PUT", "/test.txt", {}, "0123456789abcdef", "20130524T000000Z", host))
              .status == 200);

  HttpRequest r;
  r.method = "GET";
  r.target = "/test.txt";
  r.host = host;
  r.headers = {{"Host", host},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
               {"x-amz-date", "20130524T000000Z"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}};
  REQUIRE(stalemate::parse_request_target(r));
  auto res = f.s3.handle(r);
  CHECK(res.status == 206);
  CHECK(res.body_string() == "0123456789");
  CHECK(header(res, "Content-Range") == "bytes 0-9/16");
  // Path style still works alongside.
  CHECK(f.s3.handle(make_signed(f.signer, "GET", "/examplebucket/test.txt", {}, {}, "20130524T000100Z")).status == 200);
}

TEST_CASE("s3 sigv4: canonical query and URI encoding follow AWS rules") {
  CHECK(s3::aws_uri_encode("a b/c~d+e*", false) == "a%20b/c~d%2Be%2A");
  CHECK(s3::aws_uri_encode("a/b", true) == "a%2Fb");
  CHECK(s3::canonical_query_string("uploads&prefix=a%2Fb&max-keys=2", false, false) == "max-keys=2&prefix=a%2Fb&uploads=");
  CHECK(s3::canonical_query_string("X-Amz-Signature=ab&b=1&a=x%20y", false, true) == "a=x%20y&b=1");
  CHECK(s3::canonical_header_value("  a   b  c ") == "a b c");
  auto a = s3::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=ff");
  REQUIRE(a);
  CHECK(a->credential.access_key == "AK");
  CHECK(a->signed_headers == std::vector<std::string>{"host", "x-amz-date"});
  CHECK(s3::parse_amz_date("19700101T000100Z") == 60);
  // Found by fuzz_sigv4: a year before 1970 printed back as "224…", not what was read.
  CHECK_FALSE(s3::parse_amz_date("02240102T030405Z"));
  CHECK_FALSE(s3::parse_amz_date("19691231T235959Z"));
}

TEST_CASE_METHOD(S3Fixture, "s3 sigv4: signed requests are accepted, bad credentials refused") {
  make_bucket("bkt");
  put("bkt", "obj", "hello");
  CHECK(get("bkt", "obj").body_string() == "hello");

  SECTION("wrong access key") {
    Signer other = signer;
    other.access_key = "NOTMYKEY";
    auto r = s3.handle(make_signed(other, "GET", "/bkt/obj"));
    CHECK(r.status == 403);
    CHECK(error_code(r) == "InvalidAccessKeyId");
    CHECK(header(r, "Server") == "AmazonS3");
    CHECK(!header(r, "x-amz-request-id").empty());
  }
  SECTION("wrong secret") {
    Signer other = signer;
    other.secret = "not-the-secret";
    auto r = s3.handle(make_signed(other, "GET", "/bkt/obj"));
    CHECK(r.status == 403);
    CHECK(error_code(r) == "SignatureDoesNotMatch");
  }
  SECTION("tampered signature") {
    auto req = make_signed(signer, "GET", "/bkt/obj");
    std::string& auth = req.headers["Authorization"];
    auth.back() = auth.back() == '0' ? '1' : '0';
    auto r = s3.handle(req);
    CHECK(r.status == 403);
    CHECK(error_code(r) == "SignatureDoesNotMatch");
  }
  SECTION("tampered request (a signed header changed)") {
    auto req = make_signed(signer, "GET", "/bkt/obj", {{"Range", "bytes=0-1"}});
    req.headers["Range"] = "bytes=0-3";
    CHECK(error_code(s3.handle(req)) == "SignatureDoesNotMatch");
  }
  SECTION("no authentication") {
    HttpRequest req;
    req.method = "GET";
    req.target = "/bkt/obj";
    REQUIRE(stalemate::parse_request_target(req));
    auto r = s3.handle(req);
    CHECK(r.status == 403);
    CHECK(error_code(r) == "AccessDenied");
    CHECK(tag(r.body_string(), "Resource") == "/bkt/obj");
  }
  SECTION("HEAD errors have no body") {
    Signer other = signer;
    other.access_key = "NOTMYKEY";
    auto r = s3.handle(make_signed(other, "HEAD", "/bkt/obj"));
    CHECK(r.status == 403);
    CHECK(r.body_string().empty());
  }
}

TEST_CASE_METHOD(S3Fixture, "s3 sigv4: payload hashes") {
  make_bucket("bkt");
  SECTION("a wrong hex sha256 is a mismatch") {
    auto r = call("PUT", "/bkt/a", {{"x-amz-content-sha256", stalemate::sha256_hex("other")}}, "body");
    CHECK(r.status == 400);
    CHECK(error_code(r) == "XAmzContentSHA256Mismatch");
  }
  SECTION("UNSIGNED-PAYLOAD is accepted") {
    CHECK(call("PUT", "/bkt/a", {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}, "body").status == 200);
    CHECK(get("bkt", "a").body_string() == "body");
  }
  SECTION("unsigned aws-chunked bodies are de-chunked (signed ones: test_auth_refusals.cpp)") {
    // The trailing checksum is verified (test_s3_fidelity.cpp): crc32("hello abc").
    const std::string chunked = "5\r\nhello\r\n4\r\n abc\r\n0\r\nx-amz-checksum-crc32:26ynDw==\r\n\r\n";
    auto r = call("PUT", "/bkt/c",
                  {{"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
                   {"Content-Encoding", "aws-chunked"},
                   {"x-amz-decoded-content-length", "9"}},
                  chunked);
    CHECK(r.status == 200);
    CHECK(get("bkt", "c").body_string() == "hello abc");
    CHECK(!s3::decode_aws_chunked("zz\r\n"));
  }
  SECTION("missing x-amz-content-sha256") {
    auto req = make_signed(signer, "GET", "/bkt");
    req.headers.erase("x-amz-content-sha256");
    CHECK(s3.handle(req).status == 400);
  }
}

TEST_CASE_METHOD(S3Fixture, "s3 sigv4: a path the client encoded its own way is accepted") {
  make_bucket("bkt");
  // Go's url.EscapedPath leaves '=' and ':' alone, AWS's rules escape them;
  // both spellings verify.
  CHECK(call("PUT", "/bkt/a=b:c", {}, "x").status == 200);
  CHECK(call("GET", "/bkt/a%3Db%3Ac").body_string() == "x");
  CHECK(call("GET", "/bkt/a%20space").status == 404);
}

TEST_CASE_METHOD(S3Fixture, "s3 sigv4: presigned URLs") {
  make_bucket("bkt");
  put("bkt", "obj", "presigned body");
  const std::string now = amz_date_of(std::time(nullptr));
  auto ok = s3.handle(make_presigned(signer, "GET", "/bkt/obj", now, 1200));
  CHECK(ok.status == 200);
  CHECK(ok.body_string() == "presigned body");
  CHECK(s3.handle(make_presigned(signer, "HEAD", "/bkt/obj", now, 1200)).status == 200);

  auto expired = s3.handle(make_presigned(signer, "GET", "/bkt/obj", "20130524T000000Z", 86400));
  CHECK(expired.status == 403);
  CHECK(error_code(expired) == "AccessDenied");
  CHECK(tag(expired.body_string(), "Message") == "Request has expired");

  auto tampered = make_presigned(signer, "GET", "/bkt/obj", now, 1200);
  tampered.target.back() = tampered.target.back() == '0' ? '1' : '0';
  REQUIRE(stalemate::parse_request_target(tampered));
  CHECK(error_code(s3.handle(tampered)) == "SignatureDoesNotMatch");

  Signer other = signer;
  other.access_key = "NOPE";
  CHECK(error_code(s3.handle(make_presigned(other, "GET", "/bkt/obj", now, 1200))) == "InvalidAccessKeyId");
}
