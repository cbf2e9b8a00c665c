// Test helpers for the S3 front-end: a tiny SigV4 signer written from the
// AWS documentation (independent of sim/s3/sigv4.cpp), hand-built requests
// (through parse_request_target, as the server builds them), a fixture with
// a store and a front-end, and XML picking.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/http_types.h"
#include "sim/model/store.h"
#include "sim/s3/s3_frontend.h"

namespace s3_test {

using stalemate::Headers;
using stalemate::HttpRequest;
using stalemate::HttpResponse;

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string amz_date_of(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The query of an already-encoded target in canonical form: items sorted,
// bare keys given "=".
inline std::string canonical_query_of(const std::string& raw) {
  std::vector<std::string> items;
  std::size_t pos = 0;
  while (pos <= raw.size() && !raw.empty()) {
    auto amp = raw.find('&', pos);
    std::string item = raw.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!item.empty()) {
      if (item.find('=') == std::string::npos) item += "=";
      items.push_back(item);
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : "&") + i;
  return out;
}

struct Signer {
  std::string access_key = "STALEMATEACCESSKEY";
  std::string secret = "stalemate/secret/key/0123456789abcdefghij";
  std::string region = "us-east-1";

  std::string key(const std::string& date) const {
    using stalemate::hmac_sha256_raw;
    return hmac_sha256_raw(hmac_sha256_raw(hmac_sha256_raw(hmac_sha256_raw("AWS4" + secret, date), region), "s3"),
                           "aws4_request");
  }
  // Signature over an already-encoded path and query with the given
  // (lower-case name -> value) headers, all signed.
  std::string signature(const std::string& method, const std::string& path, const std::string& query,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& payload,
                        const std::string& amz_date, std::string* signed_names) const {
    std::string canonical = method + "\n" + path + "\n" + canonical_query_of(query) + "\n";
    std::string names;
    for (const auto& [n, v] : headers) {
      canonical += n + ":" + v + "\n";
      names += (names.empty() ? "" : ";") + n;
    }
    canonical += "\n" + names + "\n" + payload;
    const std::string scope = amz_date.substr(0, 8) + "/" + region + "/s3/aws4_request";
    const std::string sts = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + stalemate::sha256_hex(canonical);
    if (signed_names) *signed_names = names;
    return stalemate::to_hex(stalemate::hmac_sha256_raw(key(amz_date.substr(0, 8)), sts));
  }
};

// A request as the server hands it over, signed with an Authorization header
// (every header given is signed, plus host, x-amz-content-sha256, x-amz-date).
inline HttpRequest make_signed(const Signer& signer, const std::string& method, const std::string& target,
                               Headers headers = {}, std::string body = {},
                               const std::string& amz_date = amz_date_of(std::time(nullptr)),
                               const std::string& host = "127.0.0.1:9000") {
  HttpRequest r;
  r.method = method;
  r.target = target;
  if (!headers.count("x-amz-content-sha256")) headers["x-amz-content-sha256"] = stalemate::sha256_hex(body);
  headers["x-amz-date"] = amz_date;
  headers["Host"] = host;
  if (!body.empty() || method == "PUT" || method == "POST") headers["Content-Length"] = std::to_string(body.size());
  std::vector<std::pair<std::string, std::string>> signed_headers;
  for (const auto& [n, v] : headers)
    if (lower(n) != "content-length") signed_headers.emplace_back(lower(n), v);
  std::sort(signed_headers.begin(), signed_headers.end());
  const auto q = target.find('?');
  const std::string path = target.substr(0, q), query = q == std::string::npos ? "" : target.substr(q + 1);
  std::string names;
  const std::string sig =
      signer.signature(method, path, query, signed_headers, headers["x-amz-content-sha256"], amz_date, &names);
  headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=" + signer.access_key + "/" + amz_date.substr(0, 8) + "/" +
                             signer.region + "/s3/aws4_request, SignedHeaders=" + names + ", Signature=" + sig;
  r.headers = std::move(headers);
  r.body = stalemate::make_payload(std::move(body));
  r.host = host;
  REQUIRE(stalemate::parse_request_target(r));
  return r;
}

// A presigned GET/HEAD URL's request (X-Amz-SignedHeaders=host).
inline HttpRequest make_presigned(const Signer& signer, const std::string& method, const std::string& path,
                                  const std::string& amz_date, int expires, const std::string& host = "127.0.0.1:9000") {
  const std::string cred = signer.access_key + "%2F" + amz_date.substr(0, 8) + "%2F" + signer.region + "%2Fs3%2Faws4_request";
  const std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + cred + "&X-Amz-Date=" + amz_date +
                            "&X-Amz-Expires=" + std::to_string(expires) + "&X-Amz-SignedHeaders=host";
  const std::string sig = signer.signature(method, path, query, {{"host", host}}, "UNSIGNED-PAYLOAD", amz_date, nullptr);
  HttpRequest r;
  r.method = method;
  r.target = path + "?" + query + "&X-Amz-Signature=" + sig;
  r.headers["Host"] = host;
  r.host = host;
  REQUIRE(stalemate::parse_request_target(r));
  return r;
}

inline std::string header(const HttpResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// Inner texts of every <tag>…</tag> in document order (no nesting of the same tag).
inline std::vector<std::string> tags(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  std::size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string::npos) {
    const auto end = xml.find(close, pos);
    if (end == std::string::npos) break;
    out.push_back(xml.substr(pos + open.size(), end - pos - open.size()));
    pos = end + close.size();
  }
  return out;
}
inline std::string tag(const std::string& xml, const std::string& name) {
  auto all = tags(xml, name);
  return all.empty() ? std::string("<absent>") : all.front();
}
inline std::string error_code(const HttpResponse& r) { return tag(r.body_string(), "Code"); }

// Content-MD5 and ETag values of a body, and a CompleteMultipartUpload document.
inline std::string md5_b64(const std::string& s) { return stalemate::base64_encode(stalemate::md5_raw(s)); }
inline std::string quoted_md5(const std::string& s) { return "\"" + stalemate::md5_hex(s) + "\""; }
inline std::string complete_doc(const std::vector<std::pair<int, std::string>>& parts) {
  std::string doc = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const auto& [n, etag] : parts)
    doc += "<Part><ETag>" + etag + "</ETag><PartNumber>" + std::to_string(n) + "</PartNumber></Part>";
  return doc + "</CompleteMultipartUpload>";
}
// Hex digits to the bytes they spell.
inline std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

struct S3Fixture {
  stalemate::sim::Store store;
  stalemate::sim::S3Frontend s3;
  Signer signer;

  explicit S3Fixture(stalemate::sim::S3Config config = {}) : s3(store, std::move(config)) {}
  explicit S3Fixture(stalemate::sim::StoreTopology topology) : store(topology), s3(store, {}) {}

  HttpResponse call(const std::string& method, const std::string& target, Headers headers = {},
                    std::string body = {}) {
    return s3.handle(make_signed(signer, method, target, std::move(headers), std::move(body), date_now()));
  }
  // The X-Amz-Date of now on the front-end's clients' clock (pinned by some tests).
  std::string date_now() const {
    const auto& clock = s3.config().wall_clock;
    return amz_date_of(clock ? static_cast<std::time_t>(clock() / 1000000) : std::time(nullptr));
  }
  void make_bucket(const std::string& b) { REQUIRE(call("PUT", "/" + b).status == 200); }
  HttpResponse put(const std::string& b, const std::string& k, std::string body, Headers headers = {}) {
    auto r = call("PUT", "/" + b + "/" + k, std::move(headers), std::move(body));
    REQUIRE(r.status == 200);
    return r;
  }
  HttpResponse get(const std::string& b, const std::string& k, Headers headers = {}) {
    return call("GET", "/" + b + "/" + k, std::move(headers));
  }
  std::string create_upload(const std::string& b, const std::string& k) {
    auto r = call("POST", "/" + b + "/" + k + "?uploads");
    REQUIRE(r.status == 200);
    return tag(r.body_string(), "UploadId");
  }
  HttpResponse upload_part(const std::string& b, const std::string& k, const std::string& id, int n, std::string body) {
    return call("PUT", "/" + b + "/" + k + "?partNumber=" + std::to_string(n) + "&uploadId=" + id, {}, std::move(body));
  }
};

}  // namespace s3_test
