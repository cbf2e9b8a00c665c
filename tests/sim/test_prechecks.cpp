// The front-ends' HttpPrecheck (run on the headers, before 100 Continue and
// the body) and HttpErrorRenderer (the server's own errors in the protocol's
// format). The precheck refuses exactly what handle() would refuse before the
// rules, and never touches the rules or the event log.
#include "s3_test_util.h"
#include "swift_test_util.h"

using namespace stalemate;

namespace {
// A request as the server hands it to the precheck: headers only, no body yet.
HttpRequest headers_only(HttpRequest r) {
  r.body = empty_payload();
  return r;
}
}  // namespace

TEST_CASE("swift precheck: refuses a PUT without a valid token before its body", "[precheck][swift]") {
  swift_test::SwiftFixture f;
  f.make_container("c");
  const auto events = f.store.events().size();
  auto anon = headers_only(swift_test::make_request("PUT", swift_test::obj_path("c", "o"), {}, "body"));
  auto res = f.swift.precheck(anon);
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(swift_test::has_header(*res, "X-Trans-Id"));
  auto wrong = anon;
  wrong.headers["X-Auth-Token"] = "AUTH_tkwrong";
  CHECK(f.swift.precheck(wrong)->status == 401);
  auto foreign = headers_only(swift_test::make_request("PUT", "/v1/AUTH_other/c/o", {{"X-Auth-Token", f.token}}, "b"));
  CHECK(f.swift.precheck(foreign)->status == 403);
  auto too_long = headers_only(
      swift_test::make_request("PUT", swift_test::obj_path("c", std::string(1025, 'o')), {{"X-Auth-Token", f.token}}, "b"));
  CHECK(f.swift.precheck(too_long)->status == 400);
  CHECK(f.store.events().size() == events);

  auto ok = anon;
  ok.headers["X-Auth-Token"] = f.token;
  CHECK_FALSE(f.swift.precheck(ok));
  CHECK_FALSE(f.swift.precheck(headers_only(swift_test::make_request("GET", "/info"))));
  CHECK_FALSE(f.swift.precheck(headers_only(swift_test::make_request("OPTIONS", swift_test::obj_path("c", "o")))));
  // Bulk delete reports a bad token per name, inside a 200: it needs its body.
  CHECK_FALSE(f.swift.precheck(
      headers_only(swift_test::make_request("POST", "/v1/AUTH_test?bulk-delete", {{"Accept", "application/json"}}, "/c/o\n"))));
}

TEST_CASE("swift protocol errors are Swift's plain bodies", "[precheck][swift]") {
  swift_test::SwiftFixture f;
  auto res = f.swift.protocol_error(413, "Your request is too large.");
  CHECK(res.status == 413);
  CHECK(res.body_string() == "Your request is too large.\n");
  CHECK(swift_test::header(res, "Content-Type") == "text/plain; charset=utf-8");
  CHECK(swift_test::has_header(res, "X-Trans-Id"));
  CHECK(f.swift.protocol_error(503, "").status == 503);
}

TEST_CASE("s3 precheck: SigV4 over the headers; the payload waits for the body", "[precheck][s3]") {
  s3_test::S3Fixture f;
  f.make_bucket("bkt");
  const auto events = f.store.events().size();
  HttpRequest anon;
  anon.method = "PUT";
  anon.target = "/bkt/k";
  REQUIRE(parse_request_target(anon));
  auto res = f.s3.precheck(anon);
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(s3_test::error_code(*res) == "AccessDenied");
  CHECK(s3_test::header(*res, "x-amz-request-id").size() == 16);

  s3_test::Signer other = f.signer;
  other.secret = "wrong";
  CHECK(s3_test::error_code(*f.s3.precheck(headers_only(s3_test::make_signed(other, "PUT", "/bkt/k", {}, "b")))) ==
        "SignatureDoesNotMatch");
  CHECK(s3_test::error_code(*f.s3.precheck(headers_only(
            s3_test::make_signed(f.signer, "PUT", "/bkt/k", {}, "b", s3_test::amz_date_of(std::time(nullptr) - 3600))))) ==
        "RequestTimeTooSkewed");
  CHECK(s3_test::error_code(*f.s3.precheck(headers_only(s3_test::make_signed(f.signer, "PUT", "/Bad_Bucket", {}, {})))) ==
        "InvalidBucketName");
  CHECK(s3_test::error_code(*f.s3.precheck(
            headers_only(s3_test::make_signed(f.signer, "PUT", "/bkt/" + std::string(1025, 'k'), {}, "b")))) ==
        "KeyTooLongError");
  CHECK(f.store.events().size() == events);

  // A valid signature passes; its payload hash is checked once the body is there.
  auto good = s3_test::make_signed(f.signer, "PUT", "/bkt/k", {}, "body");
  CHECK_FALSE(f.s3.precheck(headers_only(good)));
  auto tampered = good;
  tampered.body = make_payload("other");
  CHECK(s3_test::error_code(f.s3.handle(tampered)) == "XAmzContentSHA256Mismatch");
}

TEST_CASE("s3 protocol errors are <Error> documents; 503 is SlowDown", "[precheck][s3]") {
  s3_test::S3Fixture f;
  auto res = f.s3.protocol_error(503, "");
  CHECK(res.status == 503);
  CHECK(s3_test::error_code(res) == "SlowDown");
  CHECK(s3_test::header(res, "Content-Type") == "application/xml");
  res = f.s3.protocol_error(400, "bad header");
  CHECK(s3_test::error_code(res) == "BadRequest");
  CHECK(s3_test::tag(res.body_string(), "Message") == "bad header");
  CHECK(s3_test::error_code(f.s3.protocol_error(431, "too many headers")) == "RequestHeaderSectionTooLarge");
  CHECK(s3_test::error_code(f.s3.protocol_error(408, "slow")) == "RequestTimeout");
}
