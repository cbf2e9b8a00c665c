// S3 behaviours that real clients and the registry's retries meet, as AWS
// answers them (issue 12): a repeated CompleteMultipartUpload, flexible
// checksums on DeleteObjects, SigV2 refused as a SigV4-only region refuses it,
// conditional GET/HEAD and copy, HEAD with Range, the default Content-Type and
// CreateBucket on a bucket you own. Where radosgw and AWS differ, AWS wins.
#include <ctime>

#include "common/json_reader.h"
#include "common/time_format.h"
#include "s3_test_util.h"
#include "sim/s3/s3_service.h"

using namespace s3_test;

namespace {
const std::string kBig(5u << 20, 'a');

std::string b64(const std::string& raw) { return stalemate::base64_encode(raw); }

// Seconds since the epoch of an IMF-fixdate, parsed here independently of the front-end.
std::int64_t seconds_of(const std::string& http_date) {
  std::tm tm{};
  REQUIRE(strptime(http_date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) != nullptr);
  return timegm(&tm);
}
std::string date_at(std::int64_t seconds) { return stalemate::http_date(seconds * 1000000); }

// Stores `key` in a new bucket "bkt"; its Last-Modified (seconds) and ETag as GET shows them.
std::pair<std::int64_t, std::string> stored(S3Fixture& f, const std::string& key) {
  f.make_bucket("bkt");
  f.put("bkt", key, "payload");
  const auto got = f.get("bkt", key);
  return {seconds_of(header(got, "Last-Modified")), header(got, "ETag")};
}

stalemate::sim::FaultRule rule(const char* json) {
  return stalemate::sim::parse_fault_rule(stalemate::JsonReader(nlohmann::json::parse(json), "test"), 0);
}
}  // namespace

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: a repeated Complete after a success answers 200 with the same result") {
  make_bucket("bkt");
  const std::string id = create_upload("bkt", "big");
  REQUIRE(upload_part("bkt", "big", id, 1, kBig).status == 200);
  REQUIRE(upload_part("bkt", "big", id, 2, "tail").status == 200);
  const std::string doc = complete_doc({{1, quoted_md5(kBig)}, {2, quoted_md5("tail")}});
  auto first = call("POST", "/bkt/big?uploadId=" + id, {}, doc);
  REQUIRE(first.status == 200);
  // AWS and radosgw: the same 200 and ETag again (the fake used to answer 404 NoSuchUpload).
  auto again = call("POST", "/bkt/big?uploadId=" + id, {}, doc);
  CHECK(again.status == 200);
  CHECK(tag(again.body_string(), "ETag") == tag(first.body_string(), "ETag"));
  CHECK(again.body_string() == first.body_string());
  // The upload itself is gone: its parts cannot be listed nor added to, and another key does not share it.
  CHECK(error_code(call("GET", "/bkt/big?uploadId=" + id)) == "NoSuchUpload");
  CHECK(error_code(upload_part("bkt", "big", id, 3, "x")) == "NoSuchUpload");
  CHECK(error_code(call("POST", "/bkt/other?uploadId=" + id, {}, doc)) == "NoSuchUpload");
  CHECK(get("bkt", "big").body_string() == kBig + "tail");
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: a Complete retried after FAIL applied:true (scenario s7) succeeds") {
  make_bucket("bkt");
  const std::string id = create_upload("bkt", "blob");
  REQUIRE(upload_part("bkt", "blob", id, 1, "only part").status == 200);
  store.add_rules({rule(R"({"kind":"FAIL","status":500,"applied":true,"error_in_200":true,
                            "match":{"method":"POST","object":"blob","times":1}})")});
  const std::string doc = complete_doc({{1, quoted_md5("only part")}});
  auto lost = call("POST", "/bkt/blob?uploadId=" + id, {}, doc);
  CHECK(lost.status == 200);
  CHECK(error_code(lost) == "InternalError");  // the client sees a failure...
  auto retried = call("POST", "/bkt/blob?uploadId=" + id, {}, doc);  // ...and retries, as aws-sdk-go does
  CHECK(retried.status == 200);
  CHECK(tag(retried.body_string(), "ETag") ==
        "&quot;" + stalemate::md5_hex(unhex(stalemate::md5_hex("only part"))) + "-1&quot;");
  CHECK(get("bkt", "blob").body_string() == "only part");
}

TEST_CASE("s3 fidelity: the completed-upload record is bounded, oldest forgotten first") {
  stalemate::sim::s3::CompletedUploads record;
  for (std::size_t i = 0; i <= stalemate::sim::s3::kCompletedUploadsKept; ++i)
    record.remember("id" + std::to_string(i), {"b", "k", "body" + std::to_string(i)});
  CHECK_FALSE(record.find("id0"));
  REQUIRE(record.find("id1"));
  CHECK(record.find("id1")->body == "body1");
  CHECK(record.find("id" + std::to_string(stalemate::sim::s3::kCompletedUploadsKept)));
}

TEST_CASE("s3 fidelity: checksum algorithms match their published check values") {
  using stalemate::sim::s3::checksum_raw;
  const std::string check = "123456789";  // the CRC catalogue's check input
  CHECK(stalemate::to_hex(*checksum_raw("crc32", check)) == "cbf43926");
  CHECK(stalemate::to_hex(*checksum_raw("crc32c", check)) == "e3069283");
  CHECK(stalemate::to_hex(*checksum_raw("crc64nvme", check)) == "ae8b14860a799888");
  CHECK(stalemate::to_hex(*checksum_raw("sha1", "abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(stalemate::to_hex(*checksum_raw("sha256", "abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_FALSE(checksum_raw("md4", check));
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: DeleteObjects takes x-amz-checksum-* instead of Content-MD5") {
  using stalemate::sim::s3::checksum_raw;
  make_bucket("bkt");
  const std::string doc = "<Delete><Object><Key>a</Key></Object></Delete>";
  for (const char* algorithm : {"crc32", "crc32c", "crc64nvme", "sha1", "sha256"}) {
    INFO(algorithm);
    put("bkt", "a", "x");
    const std::string name = std::string("x-amz-checksum-") + algorithm;
    auto ok = call("POST", "/bkt?delete", {{name, b64(*checksum_raw(algorithm, doc))}}, doc);
    CHECK(ok.status == 200);
    CHECK(tags(ok.body_string(), "Key") == std::vector<std::string>{"a"});
    CHECK(get("bkt", "a").status == 404);
    auto bad = call("POST", "/bkt?delete", {{name, b64(*checksum_raw(algorithm, "other"))}}, doc);
    CHECK(bad.status == 400);
    CHECK(error_code(bad) == "BadDigest");
  }
  auto missing = call("POST", "/bkt?delete", {}, doc);
  CHECK(missing.status == 400);
  CHECK(error_code(missing) == "InvalidRequest");
  CHECK(tag(missing.body_string(), "Message").find("Content-MD5") != std::string::npos);
  CHECK(error_code(call("POST", "/bkt?delete", {{"x-amz-checksum-crc32", "not base64!"}}, doc)) == "InvalidRequest");
  // A PUT verifies and echoes the checksum too.
  auto put_ok = call("PUT", "/bkt/c", {{"x-amz-checksum-crc32", b64(*checksum_raw("crc32", "body"))}}, "body");
  CHECK(put_ok.status == 200);
  CHECK(header(put_ok, "x-amz-checksum-crc32") == b64(*checksum_raw("crc32", "body")));
  CHECK(error_code(call("PUT", "/bkt/c", {{"x-amz-checksum-sha256", b64(stalemate::sha256_raw("x"))}}, "body")) ==
        "BadDigest");
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: SigV2 is refused as a SigV4-only AWS region refuses it") {
  make_bucket("bkt");
  put("bkt", "obj", "data");
  const std::string message =
      "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";
  HttpRequest v2;
  v2.method = "GET";
  v2.target = "/bkt/obj";
  v2.headers = {{"Host", "127.0.0.1:9000"}, {"Date", "Mon, 30 Nov 2026 10:00:00 GMT"},
                {"Authorization", "AWS STALEMATEACCESSKEY:c2lnbmF0dXJl"}};
  REQUIRE(stalemate::parse_request_target(v2));
  auto header_v2 = s3.handle(v2);
  CHECK(header_v2.status == 400);
  CHECK(error_code(header_v2) == "InvalidRequest");
  CHECK(tag(header_v2.body_string(), "Message") == message);
  // HEAD: the same status, no body, and (as on AWS) no error-code header.
  v2.method = "HEAD";
  auto head_v2 = s3.handle(v2);
  CHECK(head_v2.status == 400);
  CHECK(head_v2.body_string().empty());
  // awscli's default `s3 presign` URL (SigV2 query).
  HttpRequest presigned;
  presigned.method = "GET";
  presigned.target = "/bkt/obj?AWSAccessKeyId=STALEMATEACCESSKEY&Signature=c2ln%3D&Expires=1999999999";
  presigned.headers = {{"Host", "127.0.0.1:9000"}};
  REQUIRE(stalemate::parse_request_target(presigned));
  auto query_v2 = s3.handle(presigned);
  CHECK(query_v2.status == 400);
  CHECK(error_code(query_v2) == "InvalidRequest");
  CHECK(tag(query_v2.body_string(), "Message") == message);
  // The precheck (before the body is read) answers the same.
  auto early = s3.precheck(presigned);
  REQUIRE(early);
  CHECK(early->status == 400);
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: If-Modified-Since and If-Unmodified-Since on GET and HEAD") {
  const auto [modified, etag] = stored(*this, "obj");
  for (const char* method : {"GET", "HEAD"}) {
    INFO(method);
    auto at = [&](Headers h) { return call(method, "/bkt/obj", std::move(h)).status; };
    CHECK(at({{"If-Modified-Since", date_at(modified)}}) == 304);
    CHECK(at({{"If-Modified-Since", date_at(modified + 3600)}}) == 304);
    CHECK(at({{"If-Modified-Since", date_at(modified - 1)}}) == 200);
    CHECK(at({{"If-Unmodified-Since", date_at(modified - 1)}}) == 412);
    CHECK(at({{"If-Unmodified-Since", date_at(modified)}}) == 200);
    CHECK(at({{"If-Modified-Since", "yesterday"}}) == 200);  // unparsable: ignored
    // An ETag condition decides over its date partner (AWS's documented pairs).
    CHECK(at({{"If-Match", etag}, {"If-Unmodified-Since", date_at(modified - 1)}}) == 200);
    CHECK(at({{"If-None-Match", "\"other\""}, {"If-Modified-Since", date_at(modified)}}) == 200);
    CHECK(at({{"If-None-Match", etag}, {"If-Modified-Since", date_at(modified - 1)}}) == 304);
  }
  auto not_modified = call("GET", "/bkt/obj", {{"If-Modified-Since", date_at(modified)}});
  CHECK(not_modified.body_string().empty());
  CHECK(header(not_modified, "ETag") == etag);
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: x-amz-copy-source-if-* on CopyObject and UploadPartCopy") {
  const auto [modified, etag] = stored(*this, "src");
  auto copy = [&](Headers h) {
    h["x-amz-copy-source"] = "/bkt/src";
    return call("PUT", "/bkt/dst", std::move(h));
  };
  auto refused = copy({{"x-amz-copy-source-if-match", "\"other\""}});
  CHECK(refused.status == 412);
  CHECK(error_code(refused) == "PreconditionFailed");
  CHECK(copy({{"x-amz-copy-source-if-none-match", etag}}).status == 412);
  CHECK(copy({{"x-amz-copy-source-if-modified-since", date_at(modified)}}).status == 412);
  CHECK(copy({{"x-amz-copy-source-if-unmodified-since", date_at(modified - 1)}}).status == 412);
  CHECK(get("bkt", "dst").status == 404);  // nothing was copied
  CHECK(copy({{"x-amz-copy-source-if-match", etag}, {"x-amz-copy-source-if-unmodified-since", date_at(modified - 1)}})
            .status == 200);
  CHECK(copy({{"x-amz-copy-source-if-modified-since", date_at(modified - 1)}}).status == 200);
  CHECK(get("bkt", "dst").body_string() == "payload");

  const std::string id = create_upload("bkt", "mp");
  auto part = call("PUT", "/bkt/mp?partNumber=1&uploadId=" + id,
                   {{"x-amz-copy-source", "/bkt/src"}, {"x-amz-copy-source-if-match", "\"other\""}});
  CHECK(part.status == 412);
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: HEAD with Range answers 206 with the range's length") {
  make_bucket("bkt");
  put("bkt", "obj", "0123456789");
  auto head = call("HEAD", "/bkt/obj", {{"Range", "bytes=2-4"}});
  CHECK(head.status == 206);
  CHECK(head.content_length() == 3);
  CHECK(head.body_string().empty());
  CHECK(header(head, "Content-Range") == "bytes 2-4/10");
  auto beyond = call("HEAD", "/bkt/obj", {{"Range", "bytes=10-"}});
  CHECK(beyond.status == 416);
  CHECK(beyond.body_string().empty());
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: a write without Content-Type stores binary/octet-stream") {
  make_bucket("bkt");
  put("bkt", "plain", "x");
  CHECK(header(get("bkt", "plain"), "Content-Type") == "binary/octet-stream");
  put("bkt", "typed", "x", {{"Content-Type", "text/plain"}});
  CHECK(header(get("bkt", "typed"), "Content-Type") == "text/plain");
  const std::string id = create_upload("bkt", "mp");
  REQUIRE(upload_part("bkt", "mp", id, 1, "x").status == 200);
  REQUIRE(call("POST", "/bkt/mp?uploadId=" + id, {}, complete_doc({{1, quoted_md5("x")}})).status == 200);
  CHECK(header(get("bkt", "mp"), "Content-Type") == "binary/octet-stream");
  REQUIRE(call("PUT", "/bkt/copy", {{"x-amz-copy-source", "/bkt/typed"}, {"x-amz-metadata-directive", "REPLACE"}})
              .status == 200);
  CHECK(header(get("bkt", "copy"), "Content-Type") == "binary/octet-stream");
}

TEST_CASE("s3 fidelity: CreateBucket on a bucket you own: 200 in us-east-1, 409 elsewhere") {
  S3Fixture east;
  east.make_bucket("mine");
  CHECK(east.call("PUT", "/mine").status == 200);
  stalemate::sim::S3Config config;
  config.region = "eu-west-1";
  S3Fixture west(config);
  west.signer.region = "eu-west-1";
  west.make_bucket("mine");
  auto again = west.call("PUT", "/mine");
  CHECK(again.status == 409);
  CHECK(error_code(again) == "BucketAlreadyOwnedByYou");
}

TEST_CASE_METHOD(S3Fixture, "s3 fidelity: a trailing x-amz-checksum-* of an aws-chunked body is verified") {
  using stalemate::sim::s3::checksum_raw;
  make_bucket("bkt");
  auto chunked = [&](const std::string& checksum) {
    const std::string body = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + checksum + "\r\n\r\n";
    return call("PUT", "/bkt/trailed",
                {{"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
                 {"Content-Encoding", "aws-chunked"},
                 {"x-amz-decoded-content-length", "5"},
                 {"x-amz-trailer", "x-amz-checksum-crc32"}},
                body);
  };
  auto ok = chunked(b64(*checksum_raw("crc32", "hello")));
  CHECK(ok.status == 200);
  CHECK(header(ok, "x-amz-checksum-crc32") == b64(*checksum_raw("crc32", "hello")));
  CHECK(get("bkt", "trailed").body_string() == "hello");
  auto bad = chunked(b64(*checksum_raw("crc32", "other")));
  CHECK(bad.status == 400);
  CHECK(error_code(bad) == "BadDigest");
}
