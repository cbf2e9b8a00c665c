// The S3 differential test (issue 12): the same request sequence to a real
// Ceph radosgw 16.2 (harness/realstore/radosgw.h, started here) and to
// `stalemate serve --s3`: the registry s3-aws driver's request shapes of
// api-surface.md B.2, then the fidelity items. Compared: status, error code,
// the XML elements and headers that matter, bodies. Differences that are
// known and accepted are listed in the step with the reason; for those the
// fake must give AWS's answer (where radosgw and AWS differ, AWS wins).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>

#include "../sim/s3_test_util.h"
#include "common/crypto.h"
#include "harness/http_client.h"
#include "harness/realstore/radosgw.h"
#include "s3_cli_util.h"
#include "sim/s3/s3_service.h"

using stalemate::harness::ClientRequest;
using stalemate::harness::ClientResponse;
using stalemate::harness::HttpClient;
using s3_test::md5_b64;
using s3_test::quoted_md5;

namespace {

struct Server {
  std::string name, endpoint, access_key, secret_key;
  std::map<std::string, std::string> vars;  // captured values ({upload}, …), per server
};

struct Step {
  std::string name, method, target;
  stalemate::Headers headers;
  std::string body;
  std::vector<std::string> tags;          // XML elements whose texts must be equal
  std::vector<std::string> header_names;  // response headers that must be equal
  bool compare_body = false;
  std::string capture;                    // XML element to capture into vars[capture]
  std::string accepted;                   // a known difference: why (the fake then answers `fake_status`)
  int fake_status = 0;
  std::string fake_code;                  // and this error code, when given
  bool sigv2 = false;                     // sign with SigV2 (header "AWS key:sig")
  bool unordered = false;                 // compare element texts as sets (DeleteResult: radosgw deletes in parallel)
};

std::string substitute(std::string s, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars)
    for (auto pos = s.find("{" + k + "}"); pos != std::string::npos; pos = s.find("{" + k + "}"))
      s.replace(pos, k.size() + 2, v);
  return s;
}

ClientResponse send(Server& server, const Step& step) {
  const std::string target = substitute(step.target, server.vars);
  const std::string body = substitute(step.body, server.vars);
  ClientRequest req;
  req.method = step.method;
  req.url = server.endpoint + target;
  req.body = body;
  stalemate::Headers headers = step.headers;
  const std::string host = server.endpoint.substr(std::string("http://").size());
  const auto q = target.find('?');
  if (step.sigv2) {
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    headers["Date"] = date;
    const std::string to_sign = step.method + "\n\n\n" + date + "\n" + target.substr(0, q);
    headers["Authorization"] = "AWS " + server.access_key + ":" +
                               stalemate::base64_encode(s3_test::unhex(stalemate::hmac_sha1_hex(server.secret_key, to_sign)));
  } else {
    s3_test::Signer signer;
    signer.access_key = server.access_key;
    signer.secret = server.secret_key;
    const std::string amz_date = s3_test::amz_date_of(std::time(nullptr));
    headers["x-amz-content-sha256"] = stalemate::sha256_hex(body);
    headers["x-amz-date"] = amz_date;
    std::vector<std::pair<std::string, std::string>> signed_headers{{"host", host}};
    for (const auto& [n, v] : headers) signed_headers.emplace_back(s3_test::lower(n), v);
    std::sort(signed_headers.begin(), signed_headers.end());
    std::string names;
    const std::string sig = signer.signature(step.method, target.substr(0, q), q == std::string::npos ? "" : target.substr(q + 1),
                                             signed_headers, headers["x-amz-content-sha256"], amz_date, &names);
    headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=" + server.access_key + "/" + amz_date.substr(0, 8) +
                               "/us-east-1/s3/aws4_request, SignedHeaders=" + names + ", Signature=" + sig;
  }
  req.headers = headers;
  auto res = HttpClient(std::chrono::seconds(60)).send(req, {}, 16u << 20);
  if (!step.capture.empty()) server.vars[step.capture] = s3_test::tag(res.body, step.capture);
  return res;
}

// The texts of every <tag> in order, joined; an ETag's quotes dropped: AWS
// writes <ETag>&quot;…&quot;</ETag> in Complete/Copy results and radosgw a
// bare value (both clients unquote it; an accepted difference of form).
std::string element_texts(const std::string& xml, const std::string& tag, bool unordered) {
  auto texts = s3_test::tags(xml, tag);
  if (unordered) std::sort(texts.begin(), texts.end());
  std::string out;
  for (std::string text : texts) {
    if (tag == "ETag") {
      for (auto pos = text.find("&quot;"); pos != std::string::npos; pos = text.find("&quot;")) text.erase(pos, 6);
      text.erase(std::remove(text.begin(), text.end(), '"'), text.end());
    }
    out += (out.empty() ? "" : "|") + text;
  }
  return out;
}


// A known difference: radosgw answers otherwise, the fake gives AWS's answer.
Step accept(Step step, std::string why, int fake_status, std::string fake_code = {}) {
  step.accepted = std::move(why);
  step.fake_status = fake_status;
  step.fake_code = std::move(fake_code);
  return step;
}

Step unordered(Step step) {
  step.unordered = true;
  return step;
}

std::vector<Step> steps() {
  using H = stalemate::Headers;
  const std::string blob(1000, 'b'), part1(5u << 20, '1'), part2 = "the tail part", small = "small";
  const std::string complete = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + quoted_md5(part1) +
                               "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" + quoted_md5(part2) +
                               "</ETag></Part></CompleteMultipartUpload>";
  const std::string del = "<Delete><Object><Key>c/one</Key></Object><Object><Key>c/two</Key></Object>"
                          "<Quiet>false</Quiet></Delete>";
  const std::string del2 = "<Delete><Object><Key>c/three</Key></Object></Delete>";
  const std::string tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet></Tagging>";
  const std::string octet = "application/octet-stream";
  const std::string kCopyConditions =
      "radosgw 16.2 reads x-amz-copy-if-* (not x-amz-copy-source-if-*) and copies; AWS answers 412";
  Step sigv2_get{"SigV2 header", "GET", "/diffbkt/a/b/blob"};
  sigv2_get.sigv2 = true;
  return {
      // --- the registry driver's shapes (api-surface.md B.2)
      {"create bucket", "PUT", "/diffbkt"},
      {"head bucket", "HEAD", "/diffbkt"},
      {"PutObject with Content-MD5", "PUT", "/diffbkt/a/b/blob", H{{"Content-MD5", md5_b64(blob)}, {"Content-Type", octet}}, blob, {}, {"ETag"}},
      {"PutObject, wrong Content-MD5", "PUT", "/diffbkt/a/b/bad", H{{"Content-MD5", md5_b64("other")}}, blob},
      {"GetObject Range bytes=0-", "GET", "/diffbkt/a/b/blob", H{{"Range", "bytes=0-"}}, {}, {}, {"Content-Range", "ETag", "Content-Type"}, true},
      {"GetObject Range bytes=10-19", "GET", "/diffbkt/a/b/blob", H{{"Range", "bytes=10-19"}}, {}, {}, {"Content-Range"}, true},
      {"GetObject Range past the end", "GET", "/diffbkt/a/b/blob", H{{"Range", "bytes=1000-"}}},
      {"PutObject empty", "PUT", "/diffbkt/a/empty", H{{"Content-Type", octet}}, {}, {}, {"ETag"}},
      {"GetObject empty Range bytes=0-", "GET", "/diffbkt/a/empty", H{{"Range", "bytes=0-"}}},
      {"GetObject missing", "GET", "/diffbkt/a/missing"},
      {"HeadObject missing", "HEAD", "/diffbkt/a/missing"},
      {"ListObjects Stat shape", "GET", "/diffbkt?max-keys=1&prefix=a%2Fb%2Fblob", {}, {}, {"Key", "Size", "ETag", "IsTruncated"}},
      {"ListObjects List shape", "GET", "/diffbkt?delimiter=%2F&max-keys=1000&prefix=a%2F", {}, {}, {"Key", "Prefix", "IsTruncated"}},
      {"ListObjects page", "GET", "/diffbkt?delimiter=%2F&max-keys=1&prefix=a%2F", {}, {}, {"Key", "Prefix", "IsTruncated", "NextMarker"}},
      {"ListObjectsV2 Walk shape", "GET", "/diffbkt?list-type=2&prefix=a%2F&delimiter=%2F&max-keys=1000", {}, {}, {"Key", "Prefix", "IsTruncated", "KeyCount"}},
      {"CreateMultipartUpload", "POST", "/diffbkt/mp?uploads", H{{"Content-Type", octet}}, {}, {"Key", "Bucket"}, {}, false, "UploadId"},
      {"UploadPart 1", "PUT", "/diffbkt/mp?partNumber=1&uploadId={UploadId}", H{{"Content-MD5", md5_b64(part1)}}, part1, {}, {"ETag"}},
      {"UploadPart 2", "PUT", "/diffbkt/mp?partNumber=2&uploadId={UploadId}", H{{"Content-MD5", md5_b64(part2)}}, part2, {}, {"ETag"}},
      {"ListParts", "GET", "/diffbkt/mp?uploadId={UploadId}", {}, {}, {"PartNumber", "ETag", "Size", "IsTruncated", "NextPartNumberMarker"}},
      {"ListMultipartUploads prefix", "GET", "/diffbkt?uploads&prefix=mp", {}, {}, {"Key", "IsTruncated"}},
      accept({"CompleteMultipartUpload", "POST", "/diffbkt/mp?uploadId={UploadId}", {}, complete, {"Key", "Bucket", "ETag"}},
             "radosgw 16.2's first answer carries an empty <ETag> (the object's ETag is right: see the GET below, and "
             "the repeated Complete); AWS sends the multipart ETag",
             200),
      {"Complete repeated after success", "POST", "/diffbkt/mp?uploadId={UploadId}", {}, complete, {"Key", "ETag"}},
      {"GetObject multipart", "GET", "/diffbkt/mp", {}, {}, {}, {"ETag", "Content-Length"}, true},
      accept({"ListParts after Complete", "GET", "/diffbkt/mp?uploadId={UploadId}"},
             "radosgw says NoSuchKey; AWS documents NoSuchUpload for an upload that was completed or aborted", 404,
             "NoSuchUpload"),
      {"CreateMultipartUpload (order)", "POST", "/diffbkt/order?uploads", {}, {}, {}, {}, false, "UploadId"},
      {"UploadPart order 1", "PUT", "/diffbkt/order?partNumber=1&uploadId={UploadId}", {}, part1},
      {"UploadPart order 2", "PUT", "/diffbkt/order?partNumber=2&uploadId={UploadId}", {}, part2},
      {"Complete, wrong ETag", "POST", "/diffbkt/order?uploadId={UploadId}", {},
       "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"0123\"</ETag></Part></CompleteMultipartUpload>"},
      accept({"Complete, parts out of order", "POST", "/diffbkt/order?uploadId={UploadId}", {},
              "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>" + quoted_md5(part2) +
                  "</ETag></Part><Part><PartNumber>1</PartNumber><ETag>" + quoted_md5(part1) +
                  "</ETag></Part></CompleteMultipartUpload>"},
             "radosgw 16.2 completes it (200, an empty ETag); AWS refuses with 400 InvalidPartOrder", 400,
             "InvalidPartOrder"),
      {"CreateMultipartUpload (small)", "POST", "/diffbkt/small?uploads", {}, {}, {}, {}, false, "UploadId"},
      {"UploadPart small 1", "PUT", "/diffbkt/small?partNumber=1&uploadId={UploadId}", {}, small},
      {"UploadPart small 2", "PUT", "/diffbkt/small?partNumber=2&uploadId={UploadId}", {}, small},
      {"Complete with a small first part", "POST", "/diffbkt/small?uploadId={UploadId}", {},
       "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + quoted_md5(small) +
           "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" + quoted_md5(small) + "</ETag></Part></CompleteMultipartUpload>"},
      {"UploadPartCopy with range", "PUT", "/diffbkt/small?partNumber=3&uploadId={UploadId}",
       H{{"x-amz-copy-source", "diffbkt/a/b/blob"}, {"x-amz-copy-source-range", "bytes=0-99"}}, {}, {"ETag"}},
      {"AbortMultipartUpload", "DELETE", "/diffbkt/small?uploadId={UploadId}"},
      accept({"ListParts after Abort", "GET", "/diffbkt/small?uploadId={UploadId}"},
             "radosgw says NoSuchKey; AWS documents NoSuchUpload for an upload that was completed or aborted", 404,
             "NoSuchUpload"),
      {"CopyObject", "PUT", "/diffbkt/a/copy", H{{"x-amz-copy-source", "diffbkt/a/b/blob"}, {"Content-Type", octet}}, {}, {"ETag"}},
      {"CopyObject missing source", "PUT", "/diffbkt/a/copy2", H{{"x-amz-copy-source", "diffbkt/a/none"}}},
      {"PutObject c/one", "PUT", "/diffbkt/c/one", {}, "1"},
      {"PutObject c/two", "PUT", "/diffbkt/c/two", {}, "2"},
      unordered({"DeleteObjects with Content-MD5", "POST", "/diffbkt?delete", H{{"Content-MD5", md5_b64(del)}}, del, {"Key"}}),
      {"DeleteObject", "DELETE", "/diffbkt/a/copy"},
      {"DeleteObject missing", "DELETE", "/diffbkt/a/copy"},
      // --- the fidelity items of issue 12
      {"HeadObject Range", "HEAD", "/diffbkt/a/b/blob", H{{"Range", "bytes=0-9"}}, {}, {}, {"Content-Length", "Content-Range"}},
      {"If-None-Match current ETag", "GET", "/diffbkt/a/b/blob", H{{"If-None-Match", quoted_md5(blob)}}},
      {"If-Match other ETag", "GET", "/diffbkt/a/b/blob", H{{"If-Match", "\"0123\""}}},
      {"If-Modified-Since the future", "GET", "/diffbkt/a/b/blob", H{{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}}},
      {"If-Unmodified-Since 1990", "GET", "/diffbkt/a/b/blob", H{{"If-Unmodified-Since", "Mon, 01 Jan 1990 00:00:00 GMT"}}},
      {"If-Modified-Since 1990", "HEAD", "/diffbkt/a/b/blob", H{{"If-Modified-Since", "Mon, 01 Jan 1990 00:00:00 GMT"}}},
      accept({"copy-source-if-match other", "PUT", "/diffbkt/a/copy3",
              H{{"x-amz-copy-source", "diffbkt/a/b/blob"}, {"x-amz-copy-source-if-match", "\"0123\""}}},
             kCopyConditions, 412, "PreconditionFailed"),
      accept({"copy-source-if-none-match current", "PUT", "/diffbkt/a/copy3",
              H{{"x-amz-copy-source", "diffbkt/a/b/blob"}, {"x-amz-copy-source-if-none-match", quoted_md5(blob)}}},
             kCopyConditions, 412, "PreconditionFailed"),
      {"PutObject without Content-Type", "PUT", "/diffbkt/a/untyped", {}, "x"},
      {"default Content-Type", "HEAD", "/diffbkt/a/untyped", {}, {}, {}, {"Content-Type"}},
      {"CreateBucket again (us-east-1)", "PUT", "/diffbkt"},
      {"ListMultipartUploads delimiter", "POST", "/diffbkt/d/x/1?uploads", {}, {}, {}, {}, false, "UploadId"},
      accept({"ListMultipartUploads delimiter: list", "GET", "/diffbkt?uploads&delimiter=%2F", {}, {}, {"Key", "Prefix"}},
             "radosgw 16.2 ignores the delimiter of ListMultipartUploads; AWS rolls keys up into CommonPrefixes", 200),
      {"GetBucketVersioning", "GET", "/diffbkt?versioning", {}, {}, {"Status"}},
      {"GetBucketAcl", "GET", "/diffbkt?acl", {}, {}, {"Permission"}},
      {"PutObjectTagging", "PUT", "/diffbkt/a/b/blob?tagging", {}, tagging},
      {"GetObjectTagging", "GET", "/diffbkt/a/b/blob?tagging", {}, {}, {"Key", "Value"}},
      {"ListObjectVersions", "GET", "/diffbkt?versions&prefix=a%2Fb%2F", {}, {}, {"Key", "VersionId", "IsLatest", "Size"}},
      {"GetObject versionId=null", "GET", "/diffbkt/a/b/blob?versionId=null", {}, {}, {}, {}, true},
      {"DeleteObjects with x-amz-checksum-crc32", "POST", "/diffbkt?delete",
       H{{"x-amz-checksum-crc32", stalemate::base64_encode(*stalemate::sim::s3::checksum_raw("crc32", del2))}}, del2,
       {"Key"}},
      accept(sigv2_get,
             "radosgw accepts SigV2; a SigV4-only AWS region (the fake's model) refuses it with 400 InvalidRequest", 400,
             "InvalidRequest"),
      {"DeleteBucket not empty", "DELETE", "/diffbkt"},
  };
}

}  // namespace

TEST_CASE("S3 differential: radosgw and the fake answer the driver's requests and the fidelity items alike",
          "[fidelity][s3][radosgw]") {
  if (const auto missing = stalemate::harness::RealRadosgw::missing_binaries(); !missing.empty()) {
    INFO("radosgw is not installed: " << missing << " (scripts/install-deps.sh)");
    if (std::getenv("CI")) FAIL("CI is set and radosgw is missing");
    WARN("skipped: radosgw is not installed");
    return;
  }
  s3_cli::TempDir tmp("stalemate-radosgw");
  stalemate::harness::RealRadosgw rgw(tmp.path / "ceph");
  rgw.start();
  std::cout << "radosgw started in " << rgw.startup_time().count() << " ms" << std::endl;
  s3_cli::ServedS3 fake;

  Server real{"radosgw", rgw.endpoint(), stalemate::harness::RealRadosgw::kAccessKey,
              stalemate::harness::RealRadosgw::kSecretKey, {}};
  Server ours{"fake", fake.endpoint(), fake.info["access_key"], fake.info["secret_key"], {}};
  int accepted = 0;
  for (const Step& step : steps()) {
    INFO("step: " << step.name << " (" << step.method << " " << step.target << ")");
    const auto r = send(real, step);
    const auto f = send(ours, step);
    INFO("radosgw: " << r.status << " " << r.body.substr(0, 600));
    INFO("fake:    " << f.status << " " << f.body.substr(0, 600));
    REQUIRE(r.error.empty());
    REQUIRE(f.error.empty());
    if (!step.accepted.empty()) {
      ++accepted;
      std::cout << "accepted difference: " << step.name << ": radosgw " << r.status << " "
                << s3_test::tag(r.body, "Code") << ", fake " << f.status << " " << s3_test::tag(f.body, "Code")
                << " — " << step.accepted << std::endl;
      CHECK(f.status == step.fake_status);
      if (!step.fake_code.empty()) CHECK(s3_test::tag(f.body, "Code") == step.fake_code);
      continue;
    }
    // One line per difference, so a failing run reads as a list.
    auto same = [&](const std::string& aspect, const std::string& fake_value, const std::string& real_value) {
      if (fake_value != real_value)
        std::cout << "DIFF " << step.name << ": " << aspect << ": fake [" << fake_value << "] radosgw [" << real_value
                  << "]" << std::endl;
      CHECK(fake_value == real_value);
    };
    same("status", std::to_string(f.status), std::to_string(r.status));
    if (r.status >= 300 && !r.body.empty()) same("error code", s3_test::tag(f.body, "Code"), s3_test::tag(r.body, "Code"));
    for (const auto& t : step.tags) same("<" + t + ">", element_texts(f.body, t, step.unordered), element_texts(r.body, t, step.unordered));
    for (const auto& h : step.header_names) same("header " + h, f.header(h), r.header(h));
    if (step.compare_body) same("body sha256", stalemate::sha256_hex(f.body), stalemate::sha256_hex(r.body));
  }
  std::cout << steps().size() << " steps, " << accepted << " accepted differences" << std::endl;
  fake.stop();
  rgw.stop();
}
