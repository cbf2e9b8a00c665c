// S3 multipart uploads: create, parts, copy parts, list, complete (order,
// ETag and size checks, the multipart ETag), abort, and multipart state kept
// in the store (a held listing row hides a part or an upload).
#include "common/json_reader.h"
#include "s3_test_util.h"

using namespace s3_test;

namespace {
const std::string kBig(5u << 20, 'a');  // the minimum size of a non-last part

stalemate::sim::FaultRule rule(const char* json) {
  return stalemate::sim::parse_fault_rule(stalemate::JsonReader(nlohmann::json::parse(json), "test"), 0);
}

struct MultipartFixture : S3Fixture {
  MultipartFixture() { make_bucket("bkt"); }
  HttpResponse complete(const std::string& key, const std::string& id, const std::vector<std::pair<int, std::string>>& parts) {
    return call("POST", "/bkt/" + key + "?uploadId=" + id, {}, complete_doc(parts));
  }
};
}  // namespace

TEST_CASE_METHOD(MultipartFixture, "s3 multipart: upload, list, complete, with the multipart ETag") {
  const std::string id = create_upload("bkt", "big");
  REQUIRE(id.size() >= 16);
  const std::string second = std::string(5u << 20, 'b') + "tail";
  auto p1 = upload_part("bkt", "big", id, 1, kBig);
  REQUIRE(p1.status == 200);
  CHECK(header(p1, "ETag") == quoted_md5(kBig));
  REQUIRE(upload_part("bkt", "big", id, 2, second).status == 200);
  REQUIRE(upload_part("bkt", "big", id, 3, "end").status == 200);

  auto uploads = call("GET", "/bkt?uploads&prefix=big");
  CHECK(uploads.status == 200);
  CHECK(tags(uploads.body_string(), "UploadId") == std::vector<std::string>{id});
  CHECK(tag(uploads.body_string(), "Key") == "big");
  CHECK(tag(uploads.body_string(), "IsTruncated") == "false");
  CHECK(tag(uploads.body_string(), "Initiated").size() == 24);

  auto parts = call("GET", "/bkt/big?uploadId=" + id);
  CHECK(parts.status == 200);
  CHECK(tags(parts.body_string(), "PartNumber") == std::vector<std::string>{"1", "2", "3"});
  CHECK(tags(parts.body_string(), "Size") == std::vector<std::string>{std::to_string(kBig.size()),
                                                                       std::to_string(second.size()), "3"});
  CHECK(tag(parts.body_string(), "IsTruncated") == "false");
  auto page = call("GET", "/bkt/big?uploadId=" + id + "&max-parts=2");
  CHECK(tags(page.body_string(), "PartNumber") == std::vector<std::string>{"1", "2"});
  CHECK(tag(page.body_string(), "IsTruncated") == "true");
  CHECK(tag(page.body_string(), "NextPartNumberMarker") == "2");
  auto rest = call("GET", "/bkt/big?uploadId=" + id + "&part-number-marker=2");
  CHECK(tags(rest.body_string(), "PartNumber") == std::vector<std::string>{"3"});

  auto done = complete("big", id, {{1, quoted_md5(kBig)}, {2, quoted_md5(second)}, {3, quoted_md5("end")}});
  REQUIRE(done.status == 200);
  const std::string expected =
      stalemate::md5_hex(stalemate::md5_raw(kBig) + stalemate::md5_raw(second) + stalemate::md5_raw("end")) + "-3";
  CHECK(tag(done.body_string(), "ETag") == "&quot;" + expected + "&quot;");
  CHECK(tag(done.body_string(), "Key") == "big");
  CHECK(tag(done.body_string(), "Bucket") == "bkt");
  auto g = get("bkt", "big");
  CHECK(g.status == 200);
  CHECK(g.body_string() == kBig + second + "end");
  CHECK(header(g, "ETag") == "\"" + expected + "\"");
  auto listing = call("GET", "/bkt?prefix=big").body_string();
  CHECK(tag(listing, "ETag") == "&quot;" + expected + "&quot;");

  // The upload is gone: its parts and marker were deleted.
  CHECK(error_code(call("GET", "/bkt/big?uploadId=" + id)) == "NoSuchUpload");
  CHECK(tags(call("GET", "/bkt?uploads").body_string(), "Upload").empty());
  CHECK(store.debug_object_names("s3", "bkt+parts", id).empty());
}

TEST_CASE_METHOD(MultipartFixture, "s3 multipart: validation errors") {
  const std::string id = create_upload("bkt", "k");
  SECTION("part numbers 1..10000") {
    CHECK(error_code(upload_part("bkt", "k", id, 0, "x")) == "InvalidArgument");
    CHECK(error_code(upload_part("bkt", "k", id, 10001, "x")) == "InvalidArgument");
    CHECK(upload_part("bkt", "k", id, 10000, "x").status == 200);
  }
  SECTION("unknown upload") {
    auto r = upload_part("bkt", "k", "nosuchupload", 1, "x");
    CHECK(r.status == 404);
    CHECK(error_code(r) == "NoSuchUpload");
    CHECK(error_code(upload_part("bkt", "other-key", id, 1, "x")) == "NoSuchUpload");
    CHECK(error_code(complete("k", "nosuchupload", {{1, quoted_md5("x")}})) == "NoSuchUpload");
    CHECK(call("DELETE", "/bkt/k?uploadId=nosuchupload").status == 404);
    CHECK(call("GET", "/bkt/k?uploadId=nosuchupload").status == 404);
  }
  SECTION("EntityTooSmall") {
    upload_part("bkt", "k", id, 1, "small");
    upload_part("bkt", "k", id, 2, "last");
    auto r = complete("k", id, {{1, quoted_md5("small")}, {2, quoted_md5("last")}});
    CHECK(r.status == 400);
    CHECK(error_code(r) == "EntityTooSmall");
    // A single small part is fine: it is the last.
    auto one = complete("k", id, {{2, quoted_md5("last")}});
    CHECK(one.status == 200);
    CHECK(get("bkt", "k").body_string() == "last");
  }
  SECTION("InvalidPart") {
    upload_part("bkt", "k", id, 1, kBig);
    auto wrong = complete("k", id, {{1, quoted_md5("not the part")}});
    CHECK(wrong.status == 400);
    CHECK(error_code(wrong) == "InvalidPart");
    CHECK(error_code(complete("k", id, {{1, quoted_md5(kBig)}, {2, quoted_md5("never uploaded")}})) == "InvalidPart");
  }
  SECTION("InvalidPartOrder") {
    upload_part("bkt", "k", id, 1, kBig);
    upload_part("bkt", "k", id, 2, "x");
    auto r = complete("k", id, {{2, quoted_md5("x")}, {1, quoted_md5(kBig)}});
    CHECK(r.status == 400);
    CHECK(error_code(r) == "InvalidPartOrder");
    CHECK(error_code(call("POST", "/bkt/k?uploadId=" + id, {}, "<nonsense")) == "MalformedXML");
  }
  SECTION("abort") {
    upload_part("bkt", "k", id, 1, "x");
    CHECK(call("DELETE", "/bkt/k?uploadId=" + id).status == 204);
    CHECK(error_code(call("GET", "/bkt/k?uploadId=" + id)) == "NoSuchUpload");
    CHECK(error_code(upload_part("bkt", "k", id, 2, "y")) == "NoSuchUpload");
    CHECK(store.debug_object_names("s3", "bkt+parts", id).empty());
    CHECK(get("bkt", "k").status == 404);
  }
}

TEST_CASE_METHOD(MultipartFixture, "s3 multipart: UploadPartCopy with and without a range") {
  put("bkt", "source", "0123456789");
  const std::string id = create_upload("bkt", "dst");
  auto c1 = call("PUT", "/bkt/dst?partNumber=1&uploadId=" + id,
                 {{"x-amz-copy-source", "/bkt/source"}, {"x-amz-copy-source-range", "bytes=2-5"}});
  CHECK(c1.status == 200);
  CHECK(tag(c1.body_string(), "ETag") == "&quot;" + stalemate::md5_hex("2345") + "&quot;");
  CHECK(tag(c1.body_string(), "LastModified").size() == 24);
  auto parts = call("GET", "/bkt/dst?uploadId=" + id).body_string();
  CHECK(tags(parts, "Size") == std::vector<std::string>{"4"});

  auto bad = call("PUT", "/bkt/dst?partNumber=2&uploadId=" + id,
                  {{"x-amz-copy-source", "bkt/source"}, {"x-amz-copy-source-range", "bytes=5-20"}});
  CHECK(bad.status == 400);
  auto missing = call("PUT", "/bkt/dst?partNumber=2&uploadId=" + id, {{"x-amz-copy-source", "bkt/none"}});
  CHECK(error_code(missing) == "NoSuchKey");

  // A whole-object copy as the (last) part.
  REQUIRE(call("PUT", "/bkt/dst?partNumber=1&uploadId=" + id, {{"x-amz-copy-source", "bkt/source"}}).status == 200);
  auto done = complete("dst", id, {{1, quoted_md5("0123456789")}});
  REQUIRE(done.status == 200);
  CHECK(get("bkt", "dst").body_string() == "0123456789");
}

TEST_CASE_METHOD(MultipartFixture, "s3 multipart: Complete and UploadPartCopy share the parts' buffers, no copy") {
  const std::string id = create_upload("bkt", "big");
  REQUIRE(upload_part("bkt", "big", id, 1, kBig).status == 200);
  REQUIRE(upload_part("bkt", "big", id, 2, "tail").status == 200);
  const auto part1 = store.read_object("s3", "bkt+parts", id + "/00001").version;
  const auto part2 = store.read_object("s3", "bkt+parts", id + "/00002").version;
  REQUIRE(part1);
  REQUIRE(part2);
  REQUIRE(complete("big", id, {{1, quoted_md5(kBig)}, {2, quoted_md5("tail")}}).status == 200);
  const auto obj = store.read_object("s3", "bkt", "big").version;
  REQUIRE(obj);
  REQUIRE(obj->body.pieces().size() == 2);
  CHECK(obj->body.pieces()[0].data == part1->body.pieces()[0].data);
  CHECK(obj->body.pieces()[1].data == part2->body.pieces()[0].data);
  CHECK(obj->body.str() == kBig + "tail");

  // A ranged UploadPartCopy (the registry's Move) is a view of the source.
  const std::string id2 = create_upload("bkt", "moved");
  auto c = call("PUT", "/bkt/moved?partNumber=1&uploadId=" + id2,
                {{"x-amz-copy-source", "/bkt/big"}, {"x-amz-copy-source-range", "bytes=5-" + std::to_string(kBig.size() + 1)}});
  REQUIRE(c.status == 200);
  CHECK(tag(c.body_string(), "ETag") == "&quot;" + stalemate::md5_hex(kBig.substr(5) + "ta") + "&quot;");
  const auto copied = store.read_object("s3", "bkt+parts", id2 + "/00001").version;
  REQUIRE(copied);
  REQUIRE(copied->body.pieces().size() == 2);
  CHECK(copied->body.pieces()[0].data == part1->body.pieces()[0].data);
  CHECK(copied->body.pieces()[0].offset == 5);
  CHECK(copied->body.pieces()[1].length == 2);
}

TEST_CASE_METHOD(MultipartFixture, "s3 multipart: a ROW rule on the parts' listing hides a part from ListParts") {
  const std::string id = create_upload("bkt", "blob");
  // The second UploadPart of "blob": its row in bkt+parts is held back from
  // every listing replica until healed.
  store.add_rules({rule(R"({"kind":"ROW","replicas":[1,2,3],"change":"insert","match":{"method":"PUT","object":"blob","nth":2}})")});
  REQUIRE(upload_part("bkt", "blob", id, 1, kBig).status == 200);
  REQUIRE(upload_part("bkt", "blob", id, 2, "tail").status == 200);
  auto parts = call("GET", "/bkt/blob?uploadId=" + id).body_string();
  CHECK(tags(parts, "PartNumber") == std::vector<std::string>{"1"});  // the lagging listing hides part 2
  CHECK(tag(parts, "IsTruncated") == "false");
  // The part itself is stored: Complete reads it through the object path.
  store.heal();
  CHECK(tags(call("GET", "/bkt/blob?uploadId=" + id).body_string(), "PartNumber") ==
        std::vector<std::string>{"1", "2"});
  CHECK(complete("blob", id, {{1, quoted_md5(kBig)}, {2, quoted_md5("tail")}}).status == 200);
}

TEST_CASE_METHOD(MultipartFixture, "s3 multipart: a held row hides a new upload from ListMultipartUploads") {
  store.add_rules({rule(R"({"kind":"ROW","replicas":[1,2,3],"change":"insert","match":{"method":"POST","object":"hidden"}})")});
  const std::string id = create_upload("bkt", "hidden");
  CHECK(tags(call("GET", "/bkt?uploads&prefix=hidden").body_string(), "Upload").empty());
  // The upload exists: parts go in.
  CHECK(upload_part("bkt", "hidden", id, 1, "x").status == 200);
  store.heal();
  CHECK(tags(call("GET", "/bkt?uploads&prefix=hidden").body_string(), "UploadId") == std::vector<std::string>{id});
}
