// Swift front-end: bulk delete and TempURL.
#include "common/crypto.h"
#include "common/time_format.h"
#include "common/url.h"
#include "swift_test_util.h"

using namespace swift_test;
using stalemate::sim::SwiftConfig;

namespace {
struct BulkFixture : SwiftFixture {
  explicit BulkFixture(SwiftConfig config = {}) : SwiftFixture(std::move(config)) {
    make_container("c");
    make_container("empty");
    make_container("full");
    put("c", "a/1", "x");
    put("c", "a b", "y");
    put("full", "keep", "z");
  }
  HttpResponse bulk(const std::string& body, const std::string& method = "DELETE", Headers extra = {}) {
    Headers h{{"Accept", "application/json"}, {"Content-Type", "text/plain"},
              {"Content-Length", std::to_string(body.size())}};
    for (auto& [k, v] : extra) h[k] = v;
    return call(method, "/v1/AUTH_test?bulk-delete=1", h, body);
  }
};
}  // namespace

TEST_CASE_METHOD(BulkFixture, "bulk delete removes objects and containers and reports counts as JSON") {
  auto res = bulk("/c/a/1\n/c/a%20b\n/c/missing\n/empty\n");
  REQUIRE(res.status == 200);
  CHECK(header(res, "Content-Type") == "application/json");
  auto j = nlohmann::json::parse(res.body_string());
  CHECK(j["Number Deleted"] == 3);
  CHECK(j["Number Not Found"] == 1);
  CHECK(j["Response Status"] == "200 OK");
  CHECK(j["Response Body"] == "");
  CHECK(j["Errors"].empty());
  CHECK(get("c", "a/1").status == 404);
  CHECK(get("c", "a b").status == 404);
  CHECK(call("HEAD", "/v1/AUTH_test/empty").status == 404);
  CHECK(list_json("c").empty());
}

TEST_CASE_METHOD(BulkFixture, "bulk delete deletes objects before containers and reports per-item errors") {
  // The container line comes first but is processed after the objects.
  auto res = bulk("/c\n/c/a/1\n/c/a%20b\n/full\n", "POST");
  auto j = nlohmann::json::parse(res.body_string());
  CHECK(res.status == 200);
  CHECK(j["Number Deleted"] == 3);
  CHECK(j["Response Status"] == "400 Bad Request");
  REQUIRE(j["Errors"].size() == 1);
  CHECK(j["Errors"][0] == nlohmann::json({"/full", "409 Conflict"}));
  CHECK(call("HEAD", "/v1/AUTH_test/c").status == 404);
  CHECK(get("full", "keep").status == 200);
}

TEST_CASE_METHOD(BulkFixture, "bulk delete limits and refusals are reported inside a 200") {
  SECTION("too many lines") {
    BulkFixture f([] {
      SwiftConfig c;
      c.max_deletes_per_request = 2;
      return c;
    }());
    auto j = nlohmann::json::parse(f.bulk("/c/a/1\n/c/a%20b\n/c/x\n").body_string());
    CHECK(j["Response Status"] == "413 Request Entity Too Large");
    CHECK(j["Number Deleted"] == 0);
    CHECK(f.get("c", "a/1").status == 200);  // nothing deleted
    auto ok = nlohmann::json::parse(f.bulk("/c/a/1\n/c/a%20b").body_string());
    CHECK(ok["Number Deleted"] == 2);
  }
  SECTION("an empty body is an invalid bulk delete") {
    auto j = nlohmann::json::parse(bulk("").body_string());
    CHECK(j["Response Status"] == "400 Bad Request");
    CHECK(j["Response Body"] == "Invalid bulk delete.");
  }
  SECTION("an invalid token fails every item with 401 while the HTTP status stays 200") {
    auto res = bulk("/c/a/1\n", "DELETE", {{"X-Auth-Token", "AUTH_tkbad"}});
    CHECK(res.status == 200);
    auto j = nlohmann::json::parse(res.body_string());
    CHECK(j["Response Status"] == "400 Bad Request");
    CHECK(j["Errors"][0] == nlohmann::json({"/c/a/1", "401 Unauthorized"}));
    CHECK(get("c", "a/1").status == 200);
  }
  SECTION("plain text output without Accept") {
    auto res = call("DELETE", "/v1/AUTH_test?bulk-delete", {{"Content-Type", "text/plain"}}, "/c/a/1\n/c/nope\n");
    CHECK(res.status == 200);
    CHECK(res.body_string() ==
          "Number Deleted: 1\nNumber Not Found: 1\nResponse Body: \nResponse Status: 200 OK\nErrors:\n");
  }
  SECTION("a non-text body type is not acceptable") {
    auto j = nlohmann::json::parse(bulk("/c/a/1", "DELETE", {{"Content-Type", "application/json"}}).body_string());
    CHECK(j["Response Status"] == "406 Not Acceptable");
  }
}

TEST_CASE("bulk delete off: the request is an ordinary account DELETE") {
  SwiftConfig c;
  c.bulk_delete = false;
  BulkFixture f(c);
  auto res = f.bulk("/c/a/1\n");
  CHECK(res.status == 403);
  CHECK(f.get("c", "a/1").status == 200);
}

namespace {
struct TempUrlFixture : SwiftFixture {
  explicit TempUrlFixture(SwiftConfig config = {}) : SwiftFixture(std::move(config)) {
    make_container("reg");
    put("reg", "blobs/data", "blob-bytes", {{"X-Object-Meta-Secret", "s"}, {"X-Object-Meta-Public-Info", "p"}});
    REQUIRE(call("POST", "/v1/AUTH_test", {{"X-Account-Meta-Temp-URL-Key", "acctkey"}}).status == 204);
  }
  static std::string sign(const std::string& key, const std::string& method, std::int64_t expires,
                          const std::string& path) {
    return stalemate::hmac_sha1_hex(key, method + "\n" + std::to_string(expires) + "\n" + path);
  }
  static std::int64_t in_20_minutes() { return stalemate::now_micros() / 1000000 + 1200; }
  HttpResponse temp(const std::string& method, const std::string& path, const std::string& sig, std::int64_t expires,
                    std::string body = {}) {
    return anon(method, path + "?temp_url_sig=" + sig + "&temp_url_expires=" + std::to_string(expires), {},
                std::move(body));
  }
};
const std::string kPath = "/v1/AUTH_test/reg/blobs/data";
}  // namespace

TEST_CASE_METHOD(TempUrlFixture, "TempURL: a valid GET signature serves the object without a token") {
  const auto exp = in_20_minutes();
  auto res = temp("GET", kPath, sign("acctkey", "GET", exp, kPath), exp);
  REQUIRE(res.status == 200);
  CHECK(res.body_string() == "blob-bytes");
  CHECK(header(res, "Content-Disposition").find("attachment; filename=\"data\"") == 0);
  CHECK(header(res, "Expires") == stalemate::http_date(exp * 1000000));
  CHECK_FALSE(has_header(res, "X-Object-Meta-Secret"));
  CHECK(header(res, "X-Object-Meta-Public-Info") == "p");
  // Range works through a TempURL (clients resume on redirects).
  auto ranged = anon("GET", kPath + "?temp_url_sig=" + sign("acctkey", "GET", exp, kPath) +
                                "&temp_url_expires=" + std::to_string(exp),
                     {{"Range", "bytes=5-"}});
  CHECK(ranged.status == 206);
  CHECK(ranged.body_string() == "bytes");
}

TEST_CASE_METHOD(TempUrlFixture, "TempURL: HEAD accepts a GET signature; GET does not accept a PUT one") {
  const auto exp = in_20_minutes();
  auto head = temp("HEAD", kPath, sign("acctkey", "GET", exp, kPath), exp);
  CHECK(head.status == 200);
  CHECK(head.content_length() == 10);
  CHECK(temp("GET", kPath, sign("acctkey", "PUT", exp, kPath), exp).status == 401);
}

TEST_CASE_METHOD(TempUrlFixture, "TempURL: wrong signature, other path and expiry are 401") {
  const auto exp = in_20_minutes();
  CHECK(temp("GET", kPath, sign("wrongkey", "GET", exp, kPath), exp).status == 401);
  CHECK(temp("GET", kPath, sign("acctkey", "GET", exp + 1, kPath), exp).status == 401);
  CHECK(temp("GET", kPath, sign("acctkey", "GET", exp, "/v1/AUTH_test/reg/other"), exp).status == 401);
  const auto past = stalemate::now_micros() / 1000000 - 10;
  auto expired = temp("GET", kPath, sign("acctkey", "GET", past, kPath), past);
  CHECK(expired.status == 401);
  CHECK(expired.body_string() == "401 Unauthorized: Temp URL invalid\n");
  CHECK(anon("GET", kPath + "?temp_url_sig=" + sign("acctkey", "GET", exp, kPath)).status == 401);
  CHECK(anon("GET", kPath + "?temp_url_expires=" + std::to_string(exp)).status == 401);
  // A TempURL is for objects only.
  CHECK(temp("GET", "/v1/AUTH_test/reg", sign("acctkey", "GET", exp, "/v1/AUTH_test/reg"), exp).status == 401);
}

TEST_CASE_METHOD(TempUrlFixture, "TempURL: account key 2 and container keys work; HP-style sig prefix") {
  const auto exp = in_20_minutes();
  REQUIRE(call("POST", "/v1/AUTH_test", {{"X-Account-Meta-Temp-URL-Key-2", "acctkey2"}}).status == 204);
  CHECK(temp("GET", kPath, sign("acctkey2", "GET", exp, kPath), exp).status == 200);
  REQUIRE(call("POST", "/v1/AUTH_test/reg", {{"X-Container-Meta-Temp-URL-Key", "contkey"}}).status == 204);
  CHECK(temp("GET", kPath, sign("contkey", "GET", exp, kPath), exp).status == 200);
  REQUIRE(call("POST", "/v1/AUTH_test/reg", {{"X-Container-Meta-Temp-URL-Key-2", "contkey2"}}).status == 204);
  CHECK(temp("GET", kPath, sign("contkey2", "GET", exp, kPath), exp).status == 200);
  CHECK(temp("GET", kPath, "tenant:access:" + sign("acctkey", "GET", exp, kPath), exp).status == 200);
  // Without any key nothing validates.
  REQUIRE(call("POST", "/v1/AUTH_test", {{"X-Remove-Account-Meta-Temp-URL-Key", "x"}, {"X-Remove-Account-Meta-Temp-URL-Key-2", "x"}}).status == 204);
  CHECK(temp("GET", kPath, sign("acctkey", "GET", exp, kPath), exp).status == 401);
  CHECK(temp("GET", kPath, sign("contkey", "GET", exp, kPath), exp).status == 200);
}

TEST_CASE_METHOD(TempUrlFixture, "TempURL: PUT with a PUT signature; methods and toggle from the config") {
  const auto exp = in_20_minutes();
  const std::string path = "/v1/AUTH_test/reg/uploaded";
  CHECK(temp("PUT", path, sign("acctkey", "PUT", exp, path), exp, "new").status == 201);
  CHECK(get("reg", "uploaded").body_string() == "new");

  SwiftConfig c;
  c.tempurl_methods = {"GET", "HEAD"};
  TempUrlFixture limited(c);
  CHECK(limited.temp("PUT", path, sign("acctkey", "PUT", exp, path), exp, "x").status == 401);
  CHECK(limited.temp("GET", kPath, sign("acctkey", "GET", exp, kPath), exp).status == 200);

  SwiftConfig off;
  off.tempurl = false;
  TempUrlFixture disabled(off);
  CHECK(disabled.temp("GET", kPath, sign("acctkey", "GET", exp, kPath), exp).status == 401);
}

TEST_CASE_METHOD(TempUrlFixture, "TempURL: an expiry far in the future caps the Expires header (found by fuzz_tempurl)") {
  // 999999999999999 s times 10^6 overflowed int64 when the Expires header was written.
  const std::int64_t exp = 999999999999999;
  auto res = temp("HEAD", kPath, sign("acctkey", "HEAD", exp, kPath), exp);
  CHECK(res.status == 200);
  CHECK(res.headers["Expires"] == "Fri, 31 Dec 9999 23:59:59 GMT");
}

TEST_CASE_METHOD(TempUrlFixture, "TempURL: sha256 and sha512 signatures, hex or <algorithm>:<base64> as Swift 2.30 reads them") {
  const auto exp = in_20_minutes();
  const std::string message = "GET\n" + std::to_string(exp) + "\n" + kPath;
  const std::string raw256 = stalemate::hmac_sha256_raw("acctkey", message);
  const std::string raw512 = stalemate::hmac_sha512_raw("acctkey", message);
  REQUIRE(raw512.size() == 64);
  CHECK(temp("GET", kPath, stalemate::to_hex(raw256), exp).status == 200);
  CHECK(temp("GET", kPath, stalemate::to_hex(raw512), exp).status == 200);
  // "<algorithm>:<base64>", standard alphabet (percent-encoded in the query) or URL-safe, padding optional.
  auto url_safe = [](std::string b64, bool keep_padding) {
    for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
    if (!keep_padding) b64.erase(b64.find_last_not_of('=') + 1);
    return b64;
  };
  const std::string b64 = stalemate::base64_encode(raw512);
  CHECK(temp("GET", kPath, "sha512:" + stalemate::percent_encode_except(b64, ""), exp).status == 200);
  CHECK(temp("GET", kPath, "sha512:" + url_safe(b64, false), exp).status == 200);
  CHECK(temp("GET", kPath, "sha256:" + url_safe(stalemate::base64_encode(raw256), true), exp).status == 200);
  CHECK(temp("GET", kPath, "sha1:" + url_safe(stalemate::base64_encode(stalemate::hmac_sha256_raw("acctkey", message)), false), exp).status == 401);
  // The digest named must be the one signed; other lengths, non-hex and bad base64 are invalid.
  CHECK(temp("GET", kPath, "sha256:" + url_safe(b64, false), exp).status == 401);
  CHECK(temp("GET", kPath, stalemate::to_hex(raw512).substr(0, 100), exp).status == 401);
  CHECK(temp("GET", kPath, std::string(128, 'g'), exp).status == 401);
  CHECK(temp("GET", kPath, "sha512:" + url_safe(b64, false) + "!", exp).status == 401);
  CHECK(temp("GET", kPath, "md5:" + url_safe(b64, false), exp).status == 401);
  // The TempURL's sha512 key works for HEAD as for GET.
  CHECK(temp("HEAD", kPath, stalemate::to_hex(raw512), exp).status == 200);
}
