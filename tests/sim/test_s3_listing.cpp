// S3 ListObjects v1 and v2 over the store's listings: prefix, delimiter,
// marker / continuation token / start-after, max-keys, IsTruncated.
#include "s3_test_util.h"

using namespace s3_test;

namespace {
struct ListingFixture : S3Fixture {
  ListingFixture() {
    make_bucket("bkt");
    for (const char* k : {"a/1", "a/2", "b/1", "c", "d/x/1", "d/y"}) put("bkt", k, k);
  }
  std::string list(const std::string& query) {
    auto r = call("GET", "/bkt" + (query.empty() ? std::string() : "?" + query));
    REQUIRE(r.status == 200);
    return r.body_string();
  }
};
}  // namespace

TEST_CASE_METHOD(ListingFixture, "s3 listing v1: everything, prefix, delimiter") {
  auto all = list("");
  CHECK(tags(all, "Key") == std::vector<std::string>{"a/1", "a/2", "b/1", "c", "d/x/1", "d/y"});
  CHECK(tag(all, "IsTruncated") == "false");
  CHECK(tag(all, "MaxKeys") == "1000");
  CHECK(tag(all, "Name") == "bkt");
  CHECK(all.find("xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"") != std::string::npos);
  CHECK(tag(all, "StorageClass") == "STANDARD");
  CHECK(tag(all, "Size") == "3");
  CHECK(tag(all, "ETag") == "&quot;" + stalemate::md5_hex("a/1") + "&quot;");
  const std::string lm = tag(all, "LastModified");
  CHECK(lm.size() == 24);
  CHECK(lm.back() == 'Z');

  auto delim = list("delimiter=%2F");
  CHECK(tags(delim, "Key") == std::vector<std::string>{"c"});
  CHECK(tags(delim, "Prefix") == std::vector<std::string>{"", "a/", "b/", "d/"});
  auto sub = list("prefix=d%2F&delimiter=%2F");
  CHECK(tags(sub, "Key") == std::vector<std::string>{"d/y"});
  CHECK(tags(sub, "Prefix") == std::vector<std::string>{"d/", "d/x/"});
  CHECK(tags(list("prefix=zzz"), "Key").empty());
}

TEST_CASE_METHOD(ListingFixture, "s3 listing v1: max-keys, marker and NextMarker") {
  auto p1 = list("max-keys=2");
  CHECK(tags(p1, "Key") == std::vector<std::string>{"a/1", "a/2"});
  CHECK(tag(p1, "IsTruncated") == "true");
  CHECK(tag(p1, "NextMarker") == "<absent>");  // only with a delimiter
  auto p2 = list("max-keys=2&marker=a%2F2");
  CHECK(tags(p2, "Key") == std::vector<std::string>{"b/1", "c"});
  auto p3 = list("max-keys=2&marker=c");
  CHECK(tags(p3, "Key") == std::vector<std::string>{"d/x/1", "d/y"});
  CHECK(tag(p3, "IsTruncated") == "false");

  // With a delimiter, pages continue from NextMarker (a key or a prefix).
  std::vector<std::string> seen;
  std::string marker;
  for (int page = 0; page < 10; ++page) {
    auto body = list("delimiter=%2F&max-keys=1" + (marker.empty() ? "" : "&marker=" + marker));
    for (auto& k : tags(body, "Key")) seen.push_back(k);
    auto prefixes = tags(body, "Prefix");
    for (std::size_t i = 1; i < prefixes.size(); ++i) seen.push_back(prefixes[i]);
    if (tag(body, "IsTruncated") == "false") break;
    marker = tag(body, "NextMarker");
    REQUIRE(marker != "<absent>");
    if (marker.back() == '/') marker = marker.substr(0, marker.size() - 1) + "%2F";
  }
  CHECK(seen == std::vector<std::string>{"a/", "b/", "c", "d/"});
  CHECK(error_code(call("GET", "/bkt?max-keys=x")) == "InvalidArgument");
}

TEST_CASE_METHOD(ListingFixture, "s3 listing v2: continuation token, start-after, KeyCount") {
  auto p1 = list("list-type=2&max-keys=4");
  CHECK(tags(p1, "Key") == std::vector<std::string>{"a/1", "a/2", "b/1", "c"});
  CHECK(tag(p1, "KeyCount") == "4");
  CHECK(tag(p1, "IsTruncated") == "true");
  const std::string token = tag(p1, "NextContinuationToken");
  REQUIRE(token != "<absent>");
  std::string encoded;
  for (char c : token) encoded += c == '=' ? "%3D" : c == '+' ? "%2B" : c == '/' ? "%2F" : std::string(1, c);
  auto p2 = list("list-type=2&max-keys=4&continuation-token=" + encoded);
  CHECK(tags(p2, "Key") == std::vector<std::string>{"d/x/1", "d/y"});
  CHECK(tag(p2, "IsTruncated") == "false");
  CHECK(tag(p2, "ContinuationToken") == token);
  CHECK(tag(p2, "NextContinuationToken") == "<absent>");

  auto after = list("list-type=2&start-after=c");
  CHECK(tags(after, "Key") == std::vector<std::string>{"d/x/1", "d/y"});
  CHECK(tag(after, "StartAfter") == "c");

  auto delim = list("list-type=2&delimiter=%2F&max-keys=2");
  CHECK(tag(delim, "KeyCount") == "2");
  CHECK(tags(delim, "Prefix") == std::vector<std::string>{"", "a/", "b/"});
  CHECK(tag(delim, "IsTruncated") == "true");
  CHECK(tag(delim, "Owner") == "<absent>");
  CHECK(error_code(call("GET", "/bkt?list-type=2&continuation-token=%21%21")) == "InvalidArgument");
}
