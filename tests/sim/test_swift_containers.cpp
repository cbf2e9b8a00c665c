// Swift front-end: account and container requests and listings.
#include <regex>

#include "common/crypto.h"

#include "swift_test_util.h"

using namespace swift_test;

TEST_CASE_METHOD(SwiftFixture, "account HEAD and GET report integer stats and metadata") {
  auto res = call("HEAD", "/v1/AUTH_test");
  REQUIRE(res.status == 204);
  CHECK(header(res, "X-Account-Container-Count") == "0");
  CHECK(header(res, "X-Account-Object-Count") == "0");
  CHECK(header(res, "X-Account-Bytes-Used") == "0");
  CHECK(std::regex_match(header(res, "X-Timestamp"), std::regex("\\d{10}\\.\\d{5}")));

  // An empty plain listing is 204, an empty JSON one 200 "[]".
  CHECK(call("GET", "/v1/AUTH_test").status == 204);
  auto empty_json = call("GET", "/v1/AUTH_test?format=json");
  CHECK(empty_json.status == 200);
  CHECK(empty_json.body_string() == "[]");

  make_container("b");
  make_container("a");
  put("a", "x", "12345");
  res = call("HEAD", "/v1/AUTH_test");
  CHECK(header(res, "X-Account-Container-Count") == "2");
  CHECK(header(res, "X-Account-Object-Count") == "1");
  CHECK(header(res, "X-Account-Bytes-Used") == "5");

  auto plain = call("GET", "/v1/AUTH_test");
  CHECK(plain.status == 200);
  CHECK(plain.body_string() == "a\nb\n");
  CHECK(header(plain, "X-Account-Container-Count") == "2");
  auto json = call("GET", "/v1/AUTH_test", {{"Accept", "application/json"}});
  REQUIRE(json.status == 200);
  auto j = nlohmann::json::parse(json.body_string());
  REQUIRE(j.size() == 2);
  CHECK(j[0]["name"] == "a");
  CHECK(j[0]["count"] == 1);
  CHECK(j[0]["bytes"] == 5);
  CHECK(j[0].contains("last_modified"));
  CHECK(j[1]["name"] == "b");
  auto limited = nlohmann::json::parse(call("GET", "/v1/AUTH_test?format=json&marker=a").body_string());
  REQUIRE(limited.size() == 1);
  CHECK(limited[0]["name"] == "b");
}

TEST_CASE_METHOD(SwiftFixture, "account POST sets and removes metadata") {
  auto res = call("POST", "/v1/AUTH_test", {{"X-Account-Meta-Temp-URL-Key", "secret"}, {"X-Account-Meta-Color", "red"}});
  CHECK(res.status == 204);
  auto head = call("HEAD", "/v1/AUTH_test");
  CHECK(header(head, "X-Account-Meta-Temp-Url-Key") == "secret");
  CHECK(header(head, "X-Account-Meta-Color") == "red");
  CHECK(call("POST", "/v1/AUTH_test", {{"X-Account-Meta-Color", ""}}).status == 204);
  CHECK(call("POST", "/v1/AUTH_test", {{"X-Remove-Account-Meta-Temp-Url-Key", "x"}}).status == 204);
  head = call("HEAD", "/v1/AUTH_test");
  CHECK_FALSE(has_header(head, "X-Account-Meta-Color"));
  CHECK_FALSE(has_header(head, "X-Account-Meta-Temp-Url-Key"));
  // Swift's metadata constraints.
  CHECK(call("POST", "/v1/AUTH_test", {{"X-Account-Meta-" + std::string(129, 'k'), "v"}}).status == 400);
  CHECK(call("POST", "/v1/AUTH_test", {{"X-Account-Meta-K", std::string(257, 'v')}}).status == 400);
}

TEST_CASE_METHOD(SwiftFixture, "container PUT, HEAD, POST and DELETE") {
  CHECK(call("HEAD", "/v1/AUTH_test/reg").status == 404);
  auto created = call("PUT", "/v1/AUTH_test/reg", {{"X-Container-Meta-Owner", "me"}});
  CHECK(created.status == 201);
  CHECK(call("PUT", "/v1/AUTH_test/reg").status == 202);

  auto head = call("HEAD", "/v1/AUTH_test/reg");
  REQUIRE(head.status == 204);
  CHECK(header(head, "X-Container-Object-Count") == "0");
  CHECK(header(head, "X-Container-Bytes-Used") == "0");
  CHECK(header(head, "X-Container-Meta-Owner") == "me");
  CHECK(std::regex_match(header(head, "X-Timestamp"), std::regex("\\d{10}\\.\\d{5}")));

  CHECK(call("POST", "/v1/AUTH_test/reg", {{"X-Container-Meta-Temp-Url-Key", "k1"}, {"X-Container-Meta-Temp-Url-Key-2", "k2"}}).status == 204);
  head = call("HEAD", "/v1/AUTH_test/reg");
  CHECK(header(head, "X-Container-Meta-Temp-Url-Key") == "k1");
  CHECK(header(head, "X-Container-Meta-Temp-Url-Key-2") == "k2");
  CHECK(call("POST", "/v1/AUTH_test/reg", {{"X-Remove-Container-Meta-Temp-Url-Key", "1"}}).status == 204);
  head = call("HEAD", "/v1/AUTH_test/reg");
  CHECK_FALSE(has_header(head, "X-Container-Meta-Temp-Url-Key"));
  CHECK(header(head, "X-Container-Meta-Temp-Url-Key-2") == "k2");
  CHECK(call("POST", "/v1/AUTH_test/missing", {{"X-Container-Meta-A", "b"}}).status == 404);

  put("reg", "obj", "abc");
  head = call("HEAD", "/v1/AUTH_test/reg");
  CHECK(header(head, "X-Container-Object-Count") == "1");
  CHECK(header(head, "X-Container-Bytes-Used") == "3");
  CHECK(call("DELETE", "/v1/AUTH_test/reg").status == 409);
  CHECK(call("DELETE", "/v1/AUTH_test/reg/obj").status == 204);
  CHECK(call("DELETE", "/v1/AUTH_test/reg").status == 204);
  CHECK(call("DELETE", "/v1/AUTH_test/reg").status == 404);
  CHECK(call("HEAD", "/v1/AUTH_test/reg").status == 404);
}

TEST_CASE_METHOD(SwiftFixture, "container names longer than 256 bytes are refused") {
  CHECK(call("PUT", "/v1/AUTH_test/" + std::string(257, 'c')).status == 400);
  CHECK(call("PUT", "/v1/AUTH_test/" + std::string(256, 'c')).status == 201);
}

struct ListingFixture : SwiftFixture {
  ListingFixture() {
    make_container("c");
    for (const char* n : {"a/1", "a/2", "a/b/3", "b", "c/1", "d"}) put("c", n, std::string(n));
  }
};

TEST_CASE_METHOD(ListingFixture, "container listing: JSON fields, byte order and headers") {
  auto res = call("GET", "/v1/AUTH_test/c?format=json");
  REQUIRE(res.status == 200);
  CHECK(header(res, "Content-Type").find("application/json") == 0);
  CHECK(header(res, "X-Container-Object-Count") == "6");
  CHECK(header(res, "X-Container-Bytes-Used") == std::to_string(3 + 3 + 5 + 1 + 3 + 1));
  auto j = nlohmann::json::parse(res.body_string());
  CHECK(names_of(j) == std::vector<std::string>{"a/1", "a/2", "a/b/3", "b", "c/1", "d"});
  const auto& e = j[2];
  CHECK(e["hash"] == stalemate::md5_hex("a/b/3"));
  CHECK(e["bytes"] == 5);
  CHECK(e["content_type"] == "application/octet-stream");
  // ncw parses last_modified as 2006-01-02T15:04:05 after cutting the fraction.
  CHECK(std::regex_match(e["last_modified"].get<std::string>(),
                         std::regex("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}")));
}

TEST_CASE_METHOD(ListingFixture, "container listing: prefix, delimiter, marker, end_marker, limit") {
  CHECK(names_of(list_json("c", "prefix=a/")) == std::vector<std::string>{"a/1", "a/2", "a/b/3"});
  CHECK(names_of(list_json("c", "delimiter=/")) == std::vector<std::string>{"a/", "b", "c/", "d"});
  auto sub = list_json("c", "prefix=a/&delimiter=/");
  CHECK(names_of(sub) == std::vector<std::string>{"a/1", "a/2", "a/b/"});
  CHECK(sub[2].size() == 1);  // a subdir entry holds only "subdir"
  CHECK(sub[2]["subdir"] == "a/b/");
  CHECK(names_of(list_json("c", "marker=a/2")) == std::vector<std::string>{"a/b/3", "b", "c/1", "d"});
  CHECK(names_of(list_json("c", "end_marker=b")) == std::vector<std::string>{"a/1", "a/2", "a/b/3"});
  CHECK(names_of(list_json("c", "marker=a/1&end_marker=c")) == std::vector<std::string>{"a/2", "a/b/3", "b"});
  CHECK(names_of(list_json("c", "limit=2")) == std::vector<std::string>{"a/1", "a/2"});
  CHECK(list_json("c", "limit=0").empty());
  // A marker at or past the last entry gives an empty page, with or without a prefix.
  CHECK(list_json("c", "marker=d").empty());
  CHECK(list_json("c", "prefix=a/&marker=a/b/3").empty());
  CHECK(list_json("c", "prefix=a/&marker=zzz").empty());
  CHECK(names_of(list_json("c", "prefix=a%2F&delimiter=%2F")) == std::vector<std::string>{"a/1", "a/2", "a/b/"});
}

TEST_CASE_METHOD(ListingFixture, "container listing: paging with limit and marker visits everything once") {
  std::vector<std::string> all;
  std::string marker;
  int pages = 0;
  while (true) {
    auto page = list_json("c", "limit=4" + (marker.empty() ? std::string() : "&marker=" + stalemate::percent_encode(marker, false)));
    ++pages;
    for (const auto& n : names_of(page)) all.push_back(n);
    if (page.size() < 4) break;
    marker = all.back();
  }
  CHECK(pages == 2);
  CHECK(all == std::vector<std::string>{"a/1", "a/2", "a/b/3", "b", "c/1", "d"});
}

TEST_CASE_METHOD(ListingFixture, "container listing: limits, formats and empty results") {
  CHECK(call("GET", "/v1/AUTH_test/c?limit=10000&format=json").status == 200);
  auto too_many = call("GET", "/v1/AUTH_test/c?limit=10001&format=json");
  CHECK(too_many.status == 412);
  CHECK(too_many.body_string() == "Maximum limit is 10000");

  auto empty = call("GET", "/v1/AUTH_test/c?format=json&prefix=zzz");
  CHECK(empty.status == 200);  // ncw fails on 204 here
  CHECK(empty.body_string() == "[]");
  CHECK(header(empty, "X-Container-Object-Count") == "6");
  auto empty_accept = call("GET", "/v1/AUTH_test/c?prefix=zzz", {{"Accept", "application/json"}});
  CHECK(empty_accept.status == 200);
  CHECK(empty_accept.body_string() == "[]");
  auto empty_plain = call("GET", "/v1/AUTH_test/c?prefix=zzz");
  CHECK(empty_plain.status == 204);
  CHECK(empty_plain.body_string().empty());

  auto plain = call("GET", "/v1/AUTH_test/c?delimiter=/");
  CHECK(plain.status == 200);
  CHECK(header(plain, "Content-Type").find("text/plain") == 0);
  CHECK(plain.body_string() == "a/\nb\nc/\nd\n");
  CHECK(call("GET", "/v1/AUTH_test/c?format=plain&prefix=c").body_string() == "c/1\n");

  auto xml = call("GET", "/v1/AUTH_test/c?format=xml&prefix=b");
  CHECK(xml.status == 200);
  CHECK(xml.body_string().find("<name>b</name>") != std::string::npos);

  CHECK(call("GET", "/v1/AUTH_test/nope?format=json").status == 404);
}

TEST_CASE_METHOD(SwiftFixture, "listing with non-ASCII names is valid JSON with the same names") {
  make_container("c");
  put("c", "caf\xc3\xa9/\xe2\x98\x83", "x");
  auto j = list_json("c");
  REQUIRE(j.size() == 1);
  CHECK(j[0]["name"] == "caf\xc3\xa9/\xe2\x98\x83");
}
