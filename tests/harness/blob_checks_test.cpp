#include <catch2/catch.hpp>

#include <algorithm>

#include "common/crypto.h"
#include "harness/blob_checks.h"
#include "harness/layer_content.h"

using namespace stalemate::harness;
using stalemate::Headers;

namespace {

const LayerContent kLayer(11, 3000);
const BlobExpectation kExpected{kLayer.digest(), kLayer.size()};
const std::string kUrl = "http://127.0.0.1:5000/v2/smoke/app/blobs/" + kLayer.digest();

Headers headers_for(std::uint64_t content_length, const std::string& dcd = kLayer.digest()) {
  Headers h;
  h["Content-Length"] = std::to_string(content_length);
  if (!dcd.empty()) h["Docker-Content-Digest"] = dcd;
  return h;
}

std::vector<std::string> invariants(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.invariant);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a correct blob body passes", "[harness][checks]") {
  const auto seen = observe("GET", kUrl, 200, headers_for(3000), kLayer.bytes(0, 3000), true);
  CHECK(check_blob_get(kExpected, seen).empty());
  CHECK(seen.seen_digest == kLayer.digest());
}

TEST_CASE("a flipped byte gives blob-digest (right length, wrong hash)", "[harness][checks]") {
  std::string body = kLayer.bytes(0, 3000);
  body[1234] ^= 0x01;
  const auto seen = observe("GET", kUrl, 200, headers_for(3000), body, true);
  const auto findings = check_blob_get(kExpected, seen);
  REQUIRE(invariants(findings) == std::vector<std::string>{"blob-digest"});
  const auto& msg = findings[0].message;
  CHECK(msg.find("GET /v2/smoke/app/blobs/sha256:") == 0);
  CHECK(msg.find("returned 200 with Content-Length 3000 and 3000 bytes whose sha256 is") != std::string::npos);
  CHECK(msg.find("(expected " + kLayer.digest().substr(7, 12)) != std::string::npos);
  CHECK(msg.find('\n') == std::string::npos);
}

TEST_CASE("a short body gives blob-length", "[harness][checks]") {
  SECTION("cut mid-body under a full Content-Length") {
    const auto seen = observe("GET", kUrl, 200, headers_for(3000), kLayer.bytes(0, 1000), false);
    CHECK(invariants(check_blob_get(kExpected, seen)) == std::vector<std::string>{"blob-length"});
  }
  SECTION("zero bytes") {
    const auto seen = observe("GET", kUrl, 200, headers_for(3000), "", false);
    CHECK(invariants(check_blob_get(kExpected, seen)) == std::vector<std::string>{"blob-length"});
  }
}

TEST_CASE("a wrong Content-Length gives content-length", "[harness][checks]") {
  SECTION("short header, body matching the header") {
    const auto seen = observe("GET", kUrl, 200, headers_for(2000), kLayer.bytes(0, 2000), true);
    CHECK(invariants(check_blob_get(kExpected, seen)) == std::vector<std::string>{"content-length"});
  }
  SECTION("header larger than the descriptor, body cut where the descriptor ends") {
    const auto seen = observe("GET", kUrl, 200, headers_for(4000), kLayer.bytes(0, 3000), false);
    CHECK(invariants(check_blob_get(kExpected, seen)) == std::vector<std::string>{"blob-length", "content-length"});
  }
  SECTION("no Content-Length") {
    Headers h;
    const auto seen = observe("GET", kUrl, 200, h, kLayer.bytes(0, 3000), true);
    CHECK(invariants(check_blob_get(kExpected, seen)) == std::vector<std::string>{"content-length"});
  }
}

TEST_CASE("a wrong Docker-Content-Digest is reported", "[harness][checks]") {
  const std::string other = LayerContent(12, 3000).digest();
  const auto seen = observe("GET", kUrl, 200, headers_for(3000, other), kLayer.bytes(0, 3000), true);
  CHECK(invariants(check_blob_get(kExpected, seen)) == std::vector<std::string>{"docker-content-digest"});
}

TEST_CASE("non-200 statuses are not violations", "[harness][checks]") {
  const auto seen = observe("GET", kUrl, 404, headers_for(150, ""), "{\"errors\":[]}", true);
  CHECK(check_blob_get(kExpected, seen).empty());
}

TEST_CASE("HEAD size must equal the descriptor size", "[harness][checks]") {
  CHECK(check_blob_head(kExpected, observe("HEAD", kUrl, 200, headers_for(3000), "", true)).empty());
  CHECK(invariants(check_blob_head(kExpected, observe("HEAD", kUrl, 200, headers_for(2999), "", true))) ==
        std::vector<std::string>{"head-size"});
}

TEST_CASE("manifest checks", "[harness][checks]") {
  const std::string manifest = R"({"schemaVersion":2})";
  const std::string digest = "sha256:" + stalemate::sha256_hex(manifest);
  const BlobExpectation expected{digest, manifest.size()};
  Headers h;
  h["Docker-Content-Digest"] = digest;
  const std::string url = "http://127.0.0.1:5000/v2/a/manifests/" + digest;
  CHECK(check_manifest_get(expected, true, observe("GET", url, 200, h, manifest, true)).empty());
  const auto bad = observe("GET", url, 200, h, R"({"schemaVersion":3})", true);
  CHECK(invariants(check_manifest_get(expected, true, bad)) ==
        std::vector<std::string>{"docker-content-digest", "manifest-digest"});
}

TEST_CASE("messages shorten digests and drop queries", "[harness][checks]") {
  CHECK(short_digest(kLayer.digest()) == "sha256:" + kLayer.digest().substr(7, 12) + "…");
  BlobObservation o;
  o.method = "GET";
  o.url = "http://127.0.0.1:1/v1/AUTH_x/c/o?temp_url_sig=abc";
  o.status = 200;
  o.content_length = 5;
  o.bytes_received = 5;
  o.complete = true;
  CHECK(describe_response(o) == "GET /v1/AUTH_x/c/o returned 200 with Content-Length 5 and 5 bytes");
}

TEST_CASE("Content-Range parsing", "[harness][checks]") {
  const auto cr = parse_content_range("bytes 1048576-1572863/3670016");
  REQUIRE(cr);
  CHECK(cr->first == 1048576);
  CHECK(cr->last == 1572863);
  CHECK(cr->total == 3670016u);
  CHECK(cr->length() == 524288);
  const auto star = parse_content_range("bytes 0-9/*");
  REQUIRE(star);
  CHECK_FALSE(star->total);
  for (const char* bad : {"", "bytes */100", "bytes 5-4/10", "items 0-1/2", "bytes 0-1", "bytes a-1/2", "bytes 0-1/x"})
    CHECK_FALSE(parse_content_range(bad));
}

TEST_CASE("a 206 is checked against the range it claims and the descriptor size", "[harness][checks]") {
  auto seen_206 = [](const std::string& content_range, std::uint64_t cl, std::uint64_t bytes, bool complete) {
    Headers h = headers_for(cl);
    h["Content-Range"] = content_range;
    auto o = observe("GET", kUrl, 206, h, kLayer.bytes(1000, bytes), complete);
    o.range = "bytes=1000-";
    o.content_range = content_range;
    o.seen_digest.clear();
    return o;
  };
  CHECK(check_blob_range(kExpected, seen_206("bytes 1000-2999/3000", 2000, 2000, true)).empty());
  {
    const auto f = check_blob_range(kExpected, seen_206("bytes 1000-2999/3000", 2000, 500, false));
    REQUIRE(invariants(f) == std::vector<std::string>{"blob-length"});
    CHECK(f[0].message.find("(Range bytes=1000-) returned 206 bytes 1000-2999/3000 with Content-Length 2000 and 500 "
                            "bytes (body cut short)") != std::string::npos);
    CHECK(f[0].message.find("stopped at offset 1500") != std::string::npos);
  }
  CHECK(invariants(check_blob_range(kExpected, seen_206("bytes 1000-2999/4000", 2000, 2000, true))) ==
        std::vector<std::string>{"content-length"});
  CHECK(invariants(check_blob_range(kExpected, seen_206("bytes 1000-2999/3000", 1999, 1999, true))) ==
        std::vector<std::string>{"content-length"});
  // Not a 206: nothing to say here.
  CHECK(check_blob_range(kExpected, observe("GET", kUrl, 200, headers_for(3000), kLayer.bytes(0, 10), false)).empty());
}
