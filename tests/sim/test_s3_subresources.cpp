// S3 sub-resources clients ask about (rclone purge, awscli, s3cmd), answered as
// an AWS bucket that never enabled versioning and has ACLs disabled:
// ?versioning, ?acl, object ?tagging, ?versions, versionId=null; plus
// ListMultipartUploads with a delimiter and `serve --domain`'s virtual hosts.
#include "common/url.h"
#include "s3_test_util.h"

using namespace s3_test;

TEST_CASE_METHOD(S3Fixture, "s3 subresources: versioning is an empty configuration") {
  make_bucket("bkt");
  auto v = call("GET", "/bkt?versioning");
  CHECK(v.status == 200);
  CHECK(v.body_string().find("<VersioningConfiguration") != std::string::npos);
  CHECK(tag(v.body_string(), "Status") == "<absent>");
  CHECK(error_code(call("GET", "/nosuch?versioning")) == "NoSuchBucket");
  auto enable = call("PUT", "/bkt?versioning", {},
                     "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>");
  CHECK(enable.status == 501);
  CHECK(error_code(enable) == "NotImplemented");
}

TEST_CASE_METHOD(S3Fixture, "s3 subresources: ACLs show the owner with FULL_CONTROL and refuse other grants") {
  make_bucket("bkt");
  put("bkt", "obj", "x");
  for (const char* target : {"/bkt?acl", "/bkt/obj?acl"}) {
    INFO(target);
    auto acl = call("GET", target);
    CHECK(acl.status == 200);
    CHECK(tag(acl.body_string(), "Permission") == "FULL_CONTROL");
    CHECK(tags(acl.body_string(), "ID") == std::vector<std::string>{"s3", "s3"});  // owner, grantee
    CHECK(call("PUT", target, {{"x-amz-acl", "private"}}).status == 200);
    auto refused = call("PUT", target, {{"x-amz-acl", "public-read"}});
    CHECK(refused.status == 400);
    CHECK(error_code(refused) == "AccessControlListNotSupported");
  }
  CHECK(error_code(call("GET", "/bkt/missing?acl")) == "NoSuchKey");
  const std::string owner_only =
      "<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>s3</ID></Grantee><Permission>FULL_CONTROL"
      "</Permission></Grant></AccessControlList></AccessControlPolicy>";
  CHECK(call("PUT", "/bkt?acl", {}, owner_only).status == 200);
  CHECK(error_code(call("PUT", "/bkt?acl", {{"x-amz-grant-read", "uri=http://acs.amazonaws.com/groups/global/AllUsers"}})) ==
        "AccessControlListNotSupported");
}

TEST_CASE_METHOD(S3Fixture, "s3 subresources: object tagging is stored with the object") {
  make_bucket("bkt");
  put("bkt", "obj", "data");
  auto none = call("GET", "/bkt/obj?tagging");
  CHECK(none.status == 200);
  CHECK(none.body_string().find("<TagSet></TagSet>") != std::string::npos);
  const std::string doc =
      "<Tagging><TagSet><Tag><Key>team</Key><Value>blue &amp; green</Value></Tag>"
      "<Tag><Key>tier</Key><Value>1</Value></Tag></TagSet></Tagging>";
  CHECK(call("PUT", "/bkt/obj?tagging", {}, doc).status == 200);
  auto got = call("GET", "/bkt/obj?tagging").body_string();
  CHECK(tags(got, "Key") == std::vector<std::string>{"team", "tier"});
  CHECK(tags(got, "Value") == std::vector<std::string>{"blue &amp; green", "1"});
  auto obj = get("bkt", "obj");
  CHECK(obj.body_string() == "data");
  CHECK(header(obj, "x-amz-tagging-count") == "2");
  CHECK(header(obj, "x-amz-tagging").empty());
  CHECK(call("DELETE", "/bkt/obj?tagging").status == 204);
  CHECK(tags(call("GET", "/bkt/obj?tagging").body_string(), "Key").empty());
  CHECK(get("bkt", "obj").body_string() == "data");  // the object survives its tags

  std::string eleven = "<Tagging><TagSet>";
  for (int i = 0; i < 11; ++i) eleven += "<Tag><Key>k" + std::to_string(i) + "</Key><Value>v</Value></Tag>";
  CHECK(error_code(call("PUT", "/bkt/obj?tagging", {}, eleven + "</TagSet></Tagging>")) == "BadRequest");
  CHECK(error_code(call("PUT", "/bkt/obj?tagging", {},
                        "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value>"
                        "</Tag></TagSet></Tagging>")) == "InvalidTag");
  CHECK(error_code(call("PUT", "/bkt/missing?tagging", {}, doc)) == "NoSuchKey");
  // Tags given at upload (x-amz-tagging) and copied with the object.
  put("bkt", "tagged", "x", {{"x-amz-tagging", "a=1&b=2"}});
  CHECK(header(get("bkt", "tagged"), "x-amz-tagging-count") == "2");
  REQUIRE(call("PUT", "/bkt/copied", {{"x-amz-copy-source", "/bkt/tagged"}}).status == 200);
  CHECK(tags(call("GET", "/bkt/copied?tagging").body_string(), "Key") == std::vector<std::string>{"a", "b"});
  REQUIRE(call("PUT", "/bkt/replaced", {{"x-amz-copy-source", "/bkt/tagged"}, {"x-amz-tagging-directive", "REPLACE"}})
              .status == 200);
  CHECK(tags(call("GET", "/bkt/replaced?tagging").body_string(), "Key").empty());
  // A bucket has no tag set.
  CHECK(error_code(call("GET", "/bkt?tagging")) == "NoSuchTagSet");
}

TEST_CASE_METHOD(S3Fixture, "s3 subresources: ListObjectVersions lists every object as its null version") {
  make_bucket("bkt");
  put("bkt", "a", "1");
  put("bkt", "dir/b", "22");
  put("bkt", "dir/c", "333");
  auto all = call("GET", "/bkt?versions").body_string();
  CHECK(all.find("<ListVersionsResult") != std::string::npos);
  CHECK(tags(all, "Key") == std::vector<std::string>{"a", "dir/b", "dir/c"});
  CHECK(tags(all, "VersionId") == std::vector<std::string>{"null", "null", "null"});
  CHECK(tags(all, "IsLatest") == std::vector<std::string>{"true", "true", "true"});
  CHECK(tags(all, "Size") == std::vector<std::string>{"1", "2", "3"});
  auto rolled = call("GET", "/bkt?versions&delimiter=%2F").body_string();
  CHECK(tags(rolled, "Key") == std::vector<std::string>{"a"});
  CHECK(tags(rolled, "Prefix") == std::vector<std::string>{"", "dir/"});  // the request's, then the common prefix
  auto page = call("GET", "/bkt?versions&max-keys=2").body_string();
  CHECK(tag(page, "IsTruncated") == "true");
  CHECK(tag(page, "NextKeyMarker") == "dir/b");
  CHECK(tag(page, "NextVersionIdMarker") == "null");
  CHECK(tags(call("GET", "/bkt?versions&key-marker=dir%2Fb").body_string(), "Key") == std::vector<std::string>{"dir/c"});
  CHECK(error_code(call("GET", "/nosuch?versions")) == "NoSuchBucket");
  // The null version is the object; another version id does not exist.
  CHECK(call("GET", "/bkt/a?versionId=null").body_string() == "1");
  auto other = call("GET", "/bkt/a?versionId=3HL4kqtJlcpXroDTDmJ");
  CHECK(other.status == 400);
  CHECK(error_code(other) == "InvalidArgument");
  CHECK(call("DELETE", "/bkt/a?versionId=null").status == 204);
  CHECK(get("bkt", "a").status == 404);
}

TEST_CASE_METHOD(S3Fixture, "s3 subresources: ListMultipartUploads rolls keys up at the delimiter") {
  make_bucket("bkt");
  for (const char* key : {"a/1", "a/2", "b", "c/x/y"}) create_upload("bkt", key);
  auto rolled = call("GET", "/bkt?uploads&delimiter=%2F").body_string();
  CHECK(tags(rolled, "Key") == std::vector<std::string>{"b"});
  CHECK(tags(rolled, "Prefix") == std::vector<std::string>{"a/", "c/"});
  CHECK(tag(rolled, "Delimiter") == "/");
  CHECK(tag(rolled, "IsTruncated") == "false");
  // Paging one entry at a time: a common prefix counts as one.
  std::vector<std::string> seen;
  std::string marker;
  for (int i = 0; i < 10; ++i) {
    auto page = call("GET", "/bkt?uploads&delimiter=%2F&max-uploads=1" +
                                (marker.empty() ? std::string() : "&key-marker=" + marker))
                    .body_string();
    for (const auto& p : tags(page, "CommonPrefixes")) seen.push_back(tag(p, "Prefix"));
    for (const auto& u : tags(page, "Upload")) seen.push_back(tag(u, "Key"));
    if (tag(page, "IsTruncated") != "true") break;
    marker = stalemate::percent_encode(tag(page, "NextKeyMarker"), false);
  }
  CHECK(seen == std::vector<std::string>{"a/", "b", "c/"});
  // With a prefix, the roll-up starts after it; a delimiter the upload ids contain ("a") only cuts keys.
  auto under = call("GET", "/bkt?uploads&prefix=c%2F&delimiter=%2F").body_string();
  CHECK(tags(under, "Prefix") == std::vector<std::string>{"c/", "c/x/"});
  auto hex = call("GET", "/bkt?uploads&delimiter=a").body_string();
  CHECK(tags(hex, "Key") == std::vector<std::string>{"b", "c/x/y"});
  CHECK(tags(hex, "Prefix") == std::vector<std::string>{"a"});
}

TEST_CASE("s3 subresources: virtual-host addressing with a domain, path style beside it") {
  stalemate::sim::S3Config config;
  config.domain = "s3.stalemate.test";
  S3Fixture f(config);
  const std::string host = "vbkt.s3.stalemate.test:9000";
  REQUIRE(f.s3.handle(make_signed(f.signer, "PUT", "/", {}, {}, f.date_now(), host)).status == 200);
  REQUIRE(f.s3.handle(make_signed(f.signer, "PUT", "/k", {}, "hosted", f.date_now(), host)).status == 200);
  CHECK(f.get("vbkt", "k").body_string() == "hosted");  // path style
  auto listed = f.s3.handle(make_signed(f.signer, "GET", "/?list-type=2", {}, {}, f.date_now(), host));
  CHECK(tags(listed.body_string(), "Key") == std::vector<std::string>{"k"});
  auto id_res = f.s3.handle(make_signed(f.signer, "POST", "/mp?uploads", {}, {}, f.date_now(), host));
  const std::string id = tag(id_res.body_string(), "UploadId");
  REQUIRE(f.s3.handle(make_signed(f.signer, "PUT", "/mp?partNumber=1&uploadId=" + id, {}, "x", f.date_now(), host))
              .status == 200);
  auto done = f.s3.handle(make_signed(f.signer, "POST", "/mp?uploadId=" + id, {},
                                      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                                          stalemate::md5_hex("x") + "</ETag></Part></CompleteMultipartUpload>",
                                      f.date_now(), host));
  CHECK(done.status == 200);
  CHECK(tag(done.body_string(), "Location") == "http://" + host + "/mp");
}
