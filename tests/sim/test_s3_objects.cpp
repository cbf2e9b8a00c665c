// S3 buckets and objects: service listing, bucket PUT/HEAD/DELETE, object
// PUT/GET/HEAD/DELETE with ranges and metadata, CopyObject, DeleteObjects,
// errors and the common headers.
#include "common/json_reader.h"
#include "s3_test_util.h"

using namespace s3_test;


TEST_CASE_METHOD(S3Fixture, "s3 buckets: create, head, list, delete") {
  make_bucket("alpha");
  make_bucket("beta");
  // us-east-1 (the default region) answers 200 to a bucket you already own; the other regions 409 (test_s3_fidelity).
  CHECK(call("PUT", "/alpha").status == 200);
  CHECK(error_code(call("PUT", "/Bad_Name")) == "InvalidBucketName");
  CHECK(call("HEAD", "/alpha").status == 200);
  auto missing = call("HEAD", "/nosuch");
  CHECK(missing.status == 404);
  CHECK(missing.body_string().empty());
  CHECK(error_code(call("GET", "/nosuch")) == "NoSuchBucket");

  // Multipart containers never show as buckets.
  auto id = create_upload("alpha", "k");
  CHECK(!id.empty());
  auto service = call("GET", "/");
  CHECK(service.status == 200);
  CHECK(tags(service.body_string(), "Name") == std::vector<std::string>{"alpha", "beta"});
  CHECK(call("GET", "/alpha+uploads").status == 404);

  put("beta", "x", "1");
  auto not_empty = call("DELETE", "/beta");
  CHECK(not_empty.status == 409);
  CHECK(error_code(not_empty) == "BucketNotEmpty");
  CHECK(call("DELETE", "/beta/x").status == 204);
  CHECK(call("DELETE", "/beta").status == 204);
  CHECK(error_code(call("DELETE", "/beta")) == "NoSuchBucket");
  auto r = call("GET", "/");
  CHECK(header(r, "Server") == "AmazonS3");
  CHECK(!header(r, "x-amz-id-2").empty());
  CHECK(!header(r, "Date").empty());
}

TEST_CASE_METHOD(S3Fixture, "s3 objects: put, get, head, ranges, delete") {
  make_bucket("bkt");
  auto p = put("bkt", "dir/file", "0123456789",
               {{"Content-Type", "text/plain"}, {"x-amz-meta-color", "blue"}, {"Content-MD5", md5_b64("0123456789")}});
  CHECK(header(p, "ETag") == "\"" + stalemate::md5_hex("0123456789") + "\"");

  auto g = get("bkt", "dir/file");
  CHECK(g.status == 200);
  CHECK(g.body_string() == "0123456789");
  CHECK(header(g, "Content-Type") == "text/plain");
  CHECK(header(g, "x-amz-meta-color") == "blue");
  CHECK(header(g, "ETag") == header(p, "ETag"));

  auto h = call("HEAD", "/bkt/dir/file");
  CHECK(h.status == 200);
  CHECK(h.body_string().empty());
  CHECK(h.content_length() == 10);

  auto r = get("bkt", "dir/file", {{"Range", "bytes=2-4"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "234");
  CHECK(header(r, "Content-Range") == "bytes 2-4/10");
  CHECK(get("bkt", "dir/file", {{"Range", "bytes=7-"}}).body_string() == "789");
  CHECK(get("bkt", "dir/file", {{"Range", "bytes=-2"}}).body_string() == "89");
  auto bad = get("bkt", "dir/file", {{"Range", "bytes=10-"}});
  CHECK(bad.status == 416);
  CHECK(error_code(bad) == "InvalidRange");
  CHECK(header(bad, "Content-Range") == "bytes */10");

  put("bkt", "empty", "");
  CHECK(get("bkt", "empty", {{"Range", "bytes=0-"}}).status == 416);  // as the driver expects for 0-byte objects

  auto digest = call("PUT", "/bkt/x", {{"Content-MD5", md5_b64("other")}}, "data");
  CHECK(digest.status == 400);
  CHECK(error_code(digest) == "BadDigest");

  auto missing = get("bkt", "nope");
  CHECK(missing.status == 404);
  CHECK(error_code(missing) == "NoSuchKey");
  auto missing_head = call("HEAD", "/bkt/nope");
  CHECK(missing_head.status == 404);
  CHECK(missing_head.body_string().empty());

  CHECK(call("DELETE", "/bkt/dir/file").status == 204);
  CHECK(call("DELETE", "/bkt/dir/file").status == 204);
  CHECK(get("bkt", "dir/file").status == 404);
  CHECK(call("PUT", "/nobucket/k", {}, "x").status == 404);
}

TEST_CASE_METHOD(S3Fixture, "s3 objects: CopyObject") {
  make_bucket("src");
  make_bucket("dst");
  put("src", "a b", "copied bytes", {{"x-amz-meta-k", "v"}, {"Content-Type", "text/x"}});
  auto c = call("PUT", "/dst/copy", {{"x-amz-copy-source", "/src/a%20b"}});
  CHECK(c.status == 200);
  const std::string body = c.body_string();
  CHECK(tag(body, "ETag") == "&quot;" + stalemate::md5_hex("copied bytes") + "&quot;");
  CHECK(tag(body, "LastModified").size() == 24);
  auto g = get("dst", "copy");
  CHECK(g.body_string() == "copied bytes");
  CHECK(header(g, "x-amz-meta-k") == "v");
  CHECK(header(g, "Content-Type") == "text/x");

  auto replaced = call("PUT", "/dst/copy2",
                       {{"x-amz-copy-source", "src/a%20b"}, {"x-amz-metadata-directive", "REPLACE"}, {"x-amz-meta-n", "1"}});
  CHECK(replaced.status == 200);
  CHECK(header(get("dst", "copy2"), "x-amz-meta-k").empty());

  auto missing = call("PUT", "/dst/c3", {{"x-amz-copy-source", "/src/none"}});
  CHECK(missing.status == 404);
  CHECK(error_code(missing) == "NoSuchKey");
  CHECK(error_code(call("PUT", "/dst/c3", {{"x-amz-copy-source", "nobucket"}})) == "InvalidArgument");
}

TEST_CASE_METHOD(S3Fixture, "s3 objects: DeleteObjects") {
  make_bucket("bkt");
  put("bkt", "a", "1");
  put("bkt", "b&c", "2");
  const std::string doc =
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a</Key></Object>"
      "<Object><Key>b&amp;c</Key></Object><Object><Key>never</Key></Object><Quiet>false</Quiet></Delete>";
  auto no_md5 = call("POST", "/bkt?delete", {}, doc);
  CHECK(no_md5.status == 400);
  CHECK(error_code(no_md5) == "InvalidRequest");
  auto r = call("POST", "/bkt?delete", {{"Content-MD5", md5_b64(doc)}}, doc);
  CHECK(r.status == 200);
  CHECK(tags(r.body_string(), "Key") == std::vector<std::string>{"a", "b&amp;c", "never"});
  CHECK(get("bkt", "a").status == 404);
  CHECK(get("bkt", "b&c").status == 404);

  put("bkt", "q", "1");
  const std::string quiet = "<Delete><Object><Key>q</Key></Object><Quiet>true</Quiet></Delete>";
  auto rq = call("POST", "/bkt?delete", {{"Content-MD5", md5_b64(quiet)}}, quiet);
  CHECK(rq.status == 200);
  CHECK(tags(rq.body_string(), "Deleted").empty());
  CHECK(get("bkt", "q").status == 404);
  const std::string bad = "<Delete><Quiet>true</Quiet></Delete>";
  CHECK(error_code(call("POST", "/bkt?delete", {{"Content-MD5", md5_b64(bad)}}, bad)) == "MalformedXML");
}

TEST_CASE_METHOD(S3Fixture, "s3 front-end: unsupported operations, request bracketing and FAIL/CUT faults") {
  make_bucket("bkt");
  put("bkt", "obj", "0123456789");
  auto policy = call("GET", "/bkt?policy");
  CHECK(policy.status == 501);
  CHECK(error_code(policy) == "NotImplemented");
  CHECK(call("POST", "/bkt/obj").status == 501);

  const auto before = store.events().size();
  get("bkt", "obj");
  auto events = store.events().since(before);
  REQUIRE(events.size() == 1);
  CHECK(events[0]["container"] == "bkt");
  CHECK(events[0]["object"] == "obj");
  CHECK(events[0]["status"] == 200);

  auto rule = [](const char* json) {
    return stalemate::sim::parse_fault_rule(stalemate::JsonReader(nlohmann::json::parse(json), "test"), 0);
  };
  store.add_rules({rule(R"({"kind":"FAIL","status":503,"match":{"method":"PUT","object":"f"}})"),
                   rule(R"({"kind":"CUT","after_bytes":4,"match":{"method":"GET","object":"obj","times":1}})")});
  auto failed = call("PUT", "/bkt/f", {}, "x");
  CHECK(failed.status == 503);
  CHECK(error_code(failed) == "SlowDown");
  CHECK(get("bkt", "f").status == 404);
  auto cut = get("bkt", "obj");
  CHECK(cut.status == 200);
  CHECK(cut.deliverable_bytes() == 4);
}

TEST_CASE_METHOD(S3Fixture, "s3 front-end: FAIL with error_in_200 answers 200 carrying the <Error> document") {
  make_bucket("bkt");
  put("bkt", "src", "payload");
  store.add_rules({stalemate::sim::parse_fault_rule(
      stalemate::JsonReader(nlohmann::json::parse(
                                R"({"kind":"FAIL","status":500,"applied":true,"error_in_200":true,"match":{"method":"PUT","object":"dst","times":1}})"),
                            "test"),
      0)});
  auto copy = call("PUT", "/bkt/dst", {{"x-amz-copy-source", "/bkt/src"}});
  CHECK(copy.status == 200);
  CHECK(error_code(copy) == "InternalError");
  CHECK(copy.body_string().find("<CopyObjectResult") == std::string::npos);
  // applied: the copy happened although the client was told it failed
  CHECK(get("bkt", "dst").body_string() == "payload");
  // the rule fired once; the next copy succeeds normally
  auto again = call("PUT", "/bkt/dst", {{"x-amz-copy-source", "/bkt/src"}});
  CHECK(again.status == 200);
  CHECK(again.body_string().find("<CopyObjectResult") != std::string::npos);
}
