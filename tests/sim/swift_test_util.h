// Test helpers for the Swift front-end: hand-built requests (through
// parse_request_target, as the server builds them) and a logged-in fixture.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/http_types.h"
#include "common/url.h"
#include "sim/model/store.h"
#include "sim/swift/swift_frontend.h"

namespace swift_test {

using stalemate::Headers;
using stalemate::HttpRequest;
using stalemate::HttpResponse;

// A request as the server hands it over. PUT/POST/DELETE bodies get a
// Content-Length unless the headers already carry one or Transfer-Encoding.
inline HttpRequest make_request(const std::string& method, const std::string& target, Headers headers = {},
                                std::string body = {}) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  const bool framed = headers.count("Content-Length") || headers.count("Transfer-Encoding");
  if (!framed && (!body.empty() || method == "PUT" || method == "POST")) headers["Content-Length"] = std::to_string(body.size());
  r.headers = std::move(headers);
  r.body = stalemate::make_payload(std::move(body));
  r.host = "127.0.0.1:8080";
  REQUIRE(stalemate::parse_request_target(r));
  return r;
}

inline std::string header(const HttpResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}
inline bool has_header(const HttpResponse& r, const std::string& name) { return r.headers.count(name) > 0; }

// "/v1/AUTH_test/<c>[/<o>]" with the names percent-encoded ('/' kept in objects).
inline std::string obj_path(const std::string& container, const std::string& object = {},
                            const std::string& account = "AUTH_test") {
  std::string p = "/v1/" + account + "/" + stalemate::percent_encode(container, false);
  if (!object.empty()) p += "/" + stalemate::percent_encode(object, true);
  return p;
}

struct SwiftFixture {
  stalemate::sim::Store store;
  stalemate::sim::SwiftFrontend swift;
  std::string token;

  explicit SwiftFixture(stalemate::sim::SwiftConfig config = {}) : SwiftFixture(stalemate::sim::StoreTopology{}, std::move(config)) {}
  // A store of that topology (replica counts, handoffs, capacities).
  explicit SwiftFixture(stalemate::sim::StoreTopology topology, stalemate::sim::SwiftConfig config = {})
      : store(topology), swift(store, std::move(config)) {
    swift.set_base_url("http://127.0.0.1:8080");
    token = login();
  }

  std::string login() {
    auto res = swift.handle(make_request("GET", "/auth/v1.0",
                                         {{"X-Auth-User", swift.config().user}, {"X-Auth-Key", swift.config().key}}));
    REQUIRE(res.status == 200);
    return header(res, "X-Auth-Token");
  }

  // A request carrying the fixture's token.
  HttpResponse call(const std::string& method, const std::string& target, Headers headers = {},
                    std::string body = {}) {
    if (!headers.count("X-Auth-Token")) headers["X-Auth-Token"] = token;
    return swift.handle(make_request(method, target, std::move(headers), std::move(body)));
  }
  // A request without a token.
  HttpResponse anon(const std::string& method, const std::string& target, Headers headers = {},
                    std::string body = {}) {
    return swift.handle(make_request(method, target, std::move(headers), std::move(body)));
  }

  void make_container(const std::string& c) {
    auto res = call("PUT", obj_path(c));
    REQUIRE((res.status == 201 || res.status == 202));
  }
  HttpResponse put(const std::string& c, const std::string& o, std::string body, Headers headers = {}) {
    auto res = call("PUT", obj_path(c, o), std::move(headers), std::move(body));
    REQUIRE(res.status == 201);
    return res;
  }
  HttpResponse get(const std::string& c, const std::string& o, Headers headers = {}) {
    return call("GET", obj_path(c, o), std::move(headers));
  }
  HttpResponse head(const std::string& c, const std::string& o, Headers headers = {}) {
    return call("HEAD", obj_path(c, o), std::move(headers));
  }
  nlohmann::json list_json(const std::string& c, const std::string& query = {}) {
    auto res = call("GET", obj_path(c) + "?format=json" + (query.empty() ? "" : "&" + query));
    REQUIRE(res.status == 200);
    return nlohmann::json::parse(res.body_string());
  }
};

// The names in a JSON listing ("subdir" entries shown as their subdir).
inline std::vector<std::string> names_of(const nlohmann::json& listing) {
  std::vector<std::string> out;
  for (const auto& e : listing) out.push_back(e.contains("subdir") ? e["subdir"].get<std::string>() : e["name"].get<std::string>());
  return out;
}

}  // namespace swift_test
