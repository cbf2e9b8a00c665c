#include <catch2/catch.hpp>

#include <chrono>

#include "harness/http_client.h"
#include "harness/layer_content.h"
#include "test_support.h"

using namespace stalemate::harness;
using stalemate::test::RawServer;

TEST_CASE("a body cut short under Content-Length is incomplete, with headers kept", "[harness][http]") {
  RawServer server([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-Test: yes\r\nDocker-Content-Digest: sha256:ab\r\n\r\n" +
           std::string(500, 'x');
  });
  HttpClient client(std::chrono::seconds(5));
  ClientRequest req;
  req.url = server.url("/v2/x/blobs/sha256:ab");
  std::string sunk;
  const auto resp = client.send(req, [&](const char* d, std::size_t n) { sunk.append(d, n); });
  CHECK(resp.status == 200);
  CHECK_FALSE(resp.complete);
  CHECK(resp.body_bytes == 500);
  CHECK(sunk == std::string(500, 'x'));
  CHECK(resp.body == sunk);
  CHECK_FALSE(resp.error.empty());
  CHECK(resp.header("content-length") == "1000");
  CHECK(resp.header("X-Test") == "yes");
  CHECK(resp.has_header("Docker-Content-Digest"));
  const auto raw = server.requests().at(0);
  CHECK(raw.rfind("GET /v2/x/blobs/sha256:ab HTTP/1.1\r\n", 0) == 0);
  CHECK(raw.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n") != std::string::npos);
}

TEST_CASE("a complete response, keep_body limits what is kept, the sink gets it all", "[harness][http]") {
  const std::string payload = LayerContent(5, 1 << 20).bytes(0, 1 << 20);
  RawServer server([&](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload;
  });
  ClientRequest req;
  req.url = server.url("/big");
  std::string sunk;
  const auto resp = HttpClient().send(req, [&](const char* d, std::size_t n) { sunk.append(d, n); }, 100);
  CHECK(resp.status == 200);
  CHECK(resp.complete);
  CHECK(resp.error.empty());
  CHECK(resp.body_bytes == payload.size());
  CHECK(sunk == payload);
  CHECK(resp.body == payload.substr(0, 100));
}

TEST_CASE("a chunked response is read whole", "[harness][http]") {
  RawServer server([](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  });
  ClientRequest req;
  req.url = server.url("/");
  const auto resp = HttpClient().send(req);
  CHECK(resp.complete);
  CHECK(resp.body == "hello world");
}

TEST_CASE("HEAD keeps Content-Length and reads no body", "[harness][http]") {
  RawServer server([](const std::string&) { return std::string("HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n"); });
  ClientRequest req;
  req.method = "HEAD";
  req.url = server.url("/v2/x/blobs/sha256:cd");
  const auto resp = HttpClient(std::chrono::seconds(5)).send(req);
  CHECK(resp.status == 200);
  CHECK(resp.complete);
  CHECK(resp.body_bytes == 0);
  CHECK(resp.header("Content-Length") == "12345");
  CHECK(server.requests().at(0).rfind("HEAD ", 0) == 0);
}

TEST_CASE("generator bodies stream with Content-Length or chunked", "[harness][http]") {
  const LayerContent layer(9, (1 << 20) + 12345);
  RawServer server([](const std::string&) { return std::string("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"); });
  for (bool chunked : {false, true}) {
    ClientRequest req;
    req.method = "PATCH";
    req.url = server.url("/upload");
    req.headers["Content-Type"] = "application/octet-stream";
    req.generator = [&](std::uint64_t off, char* buf, std::size_t n) { layer.fill(off, buf, n); };
    req.generator_size = layer.size();
    req.chunked = chunked;
    const auto resp = HttpClient().send(req);
    CHECK(resp.status == 202);
    CHECK(resp.complete);
    const auto raw = server.requests().back();
    const auto head = raw.substr(0, raw.find("\r\n\r\n"));
    const auto body = stalemate::test::body_of(raw);
    if (chunked) {
      CHECK(head.find("Transfer-Encoding: chunked") != std::string::npos);
      CHECK(head.find("Content-Length") == std::string::npos);
      CHECK(stalemate::test::dechunk(body) == layer.bytes(0, layer.size()));
    } else {
      CHECK(head.find("Content-Length: " + std::to_string(layer.size())) != std::string::npos);
      CHECK(body == layer.bytes(0, layer.size()));
    }
  }
}

TEST_CASE("string bodies: PUT with an empty body sends Content-Length 0", "[harness][http]") {
  RawServer server([](const std::string&) { return std::string("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"); });
  ClientRequest req;
  req.method = "PUT";
  req.url = server.url("/commit?digest=sha256%3Aab");
  const auto resp = HttpClient().send(req);
  CHECK(resp.status == 201);
  const auto raw = server.requests().at(0);
  CHECK(raw.rfind("PUT /commit?digest=sha256%3Aab HTTP/1.1", 0) == 0);
  CHECK(raw.find("Content-Length: 0") != std::string::npos);
}

TEST_CASE("network errors are reported, never thrown", "[harness][http]") {
  SECTION("connection refused") {
    unsigned short port;
    { RawServer s([](const std::string&) { return std::string(); }); port = s.port(); }
    ClientRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    const auto resp = HttpClient(std::chrono::seconds(2)).send(req);
    CHECK(resp.status == 0);
    CHECK_FALSE(resp.error.empty());
  }
  SECTION("a server that never answers hits the deadline") {
    RawServer server([](const std::string&) { return std::string(RawServer::kHang); });
    ClientRequest req;
    req.url = server.url("/");
    const auto t0 = std::chrono::steady_clock::now();
    const auto resp = HttpClient(std::chrono::milliseconds(300)).send(req);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(resp.status == 0);
    CHECK_FALSE(resp.error.empty());
    CHECK(elapsed < std::chrono::seconds(3));
  }
  SECTION("unsupported URLs") {
    ClientRequest req;
    req.url = "https://127.0.0.1:1/";
    CHECK_FALSE(HttpClient().send(req).error.empty());
    req.url = "not a url";
    CHECK_FALSE(HttpClient().send(req).error.empty());
  }
}
