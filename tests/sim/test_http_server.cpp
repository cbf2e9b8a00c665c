// The Beast server carrying front-ends: framing, Expect: 100-continue,
// chunked bodies, HEAD, mid-body cuts, loopback-only binding. Driven with raw
// sockets so the bytes on the wire are what is asserted.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "sim/server/http_server.h"
#include "tests/sim/raw_connection.h"

using namespace stalemate;
using namespace stalemate::sim;
using stalemate::test::RawConnection;

namespace {

HttpResponse echo(const HttpRequest& req) {
  HttpResponse res;
  res.status = 200;
  res.headers["X-Method"] = req.method;
  res.headers["X-Path"] = req.path;
  res.headers["X-Query-A"] = req.query_value("a");
  res.headers["X-Body-Size"] = std::to_string(req.body.size());
  res.set_text(req.body.str());
  return res;
}

}  // namespace

TEST_CASE("server echoes a request with Content-Length and decodes the target") {
  HttpServer server(echo);
  RawConnection c(server.port());
  c.send("PUT /v1/a%20b/c?a=x%2Fy HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  const auto out = c.read_to_eof();
  CHECK(out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(out.find("X-Path: /v1/a b/c\r\n") != std::string::npos);
  CHECK(out.find("X-Query-A: x/y\r\n") != std::string::npos);
  CHECK(out.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(out.substr(out.size() - 5) == "hello");
  CHECK(server.requests_served() == 1);
}

TEST_CASE("server answers Expect: 100-continue before reading a chunked body") {
  HttpServer server(echo);
  RawConnection c(server.port());
  c.send("PUT /o HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  const auto interim = c.read_until("\r\n\r\n");
  CHECK(interim.rfind("HTTP/1.1 100 Continue\r\n", 0) == 0);
  c.send("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  const auto out = c.read_to_eof();
  CHECK(out.find("X-Body-Size: 7\r\n") != std::string::npos);
  CHECK(out.substr(out.size() - 7) == "abcdefg");
}

TEST_CASE("server hashes the body on the way in: MD5 always, SHA-256 when declared") {
  std::mutex mu;  // the handler runs on the server's threads
  Bytes seen;
  HttpServer server([&](const HttpRequest& req) {
    std::lock_guard lock(mu);
    seen = req.body;
    return echo(req);
  });
  auto last = [&] {
    std::lock_guard lock(mu);
    return seen;
  };
  const std::string body(300 * 1024, 'z');  // several reads, more than one chunk when chunked
  {
    RawConnection c(server.port());
    c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nx-amz-content-sha256: " + sha256_hex(body) + "\r\nConnection: close\r\n\r\n" + body);
    c.read_to_eof();
  }
  const Bytes declared = last();
  CHECK(declared.str() == body);
  CHECK(declared.pieces().size() == 1);  // a known length: one chunk of exactly that size
  CHECK(declared.has_md5());
  CHECK(declared.md5_hex() == md5_hex(body));
  CHECK(declared.has_sha256());
  CHECK(declared.sha256_hex() == sha256_hex(body));
  {
    RawConnection c(server.port());
    c.send("PUT /o HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    for (std::size_t at = 0; at < body.size(); at += 100 * 1024) {
      const std::string piece = body.substr(at, 100 * 1024);
      char len[32];
      std::snprintf(len, sizeof len, "%zx\r\n", piece.size());
      c.send(len + piece + "\r\n");
    }
    c.send("0\r\n\r\n");
    c.read_to_eof();
  }
  const Bytes chunked = last();
  CHECK(chunked.str() == body);
  CHECK(chunked.pieces().size() == 2);  // 256 KiB, then the rest: grown by chunks, never moved
  CHECK(chunked.has_md5());
  CHECK(chunked.md5_hex() == md5_hex(body));
  CHECK_FALSE(chunked.has_sha256());  // not declared
}

TEST_CASE("server keeps the connection alive across requests") {
  HttpServer server(echo);
  RawConnection c(server.port());
  c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto out = c.read_to_eof();
  CHECK(out.find("X-Path: /one") != std::string::npos);
  CHECK(out.find("X-Path: /two") != std::string::npos);
}

TEST_CASE("HEAD keeps the declared Content-Length and sends no body") {
  HttpServer server([](const HttpRequest&) {
    HttpResponse res;
    res.declared_length = 12345;
    return res;
  });
  RawConnection c(server.port());
  c.send("HEAD /o HTTP/1.1\r\nHost: x\r\n\r\nGET /o HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto out = c.read_to_eof();
  // The HEAD answer carries the length without a body; the next response follows at once.
  const auto first = out.find("Content-Length: 12345\r\n\r\nHTTP/1.1 ");
  CHECK(first != std::string::npos);
}

TEST_CASE("a response promising more than its slices is cut and the connection closed") {
  auto payload = make_payload("0123456789");
  HttpServer server([payload](const HttpRequest&) {
    HttpResponse res;
    res.append(payload, 2, 4);  // "2345"
    res.append(payload, 0, 2);  // "01"
    res.declared_length = 100;
    return res;
  });
  RawConnection c(server.port());
  c.send("GET /o HTTP/1.1\r\nHost: x\r\n\r\n");  // keep-alive requested, still closed
  const auto out = c.read_to_eof();
  CHECK(out.find("Content-Length: 100\r\n") != std::string::npos);
  CHECK(out.substr(out.size() - 6) == "234501");
}

TEST_CASE("cut_after stops the body after N bytes") {
  auto payload = make_payload(std::string(100000, 'z'));
  HttpServer server([payload](const HttpRequest&) {
    HttpResponse res;
    res.append(payload, 0, payload->size());
    res.cut_after = 777;
    return res;
  });
  RawConnection c(server.port());
  c.send("GET /o HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto out = c.read_to_eof();
  const auto body = out.substr(out.find("\r\n\r\n") + 4);
  CHECK(out.find("Content-Length: 100000\r\n") != std::string::npos);
  CHECK(body.size() == 777);
}

TEST_CASE("a handler exception becomes a 500, malformed targets a 400, and the server survives") {
  HttpServer server([](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/throw") throw std::runtime_error("boom");
    return HttpResponse{};
  });
  {
    RawConnection c(server.port());
    c.send("GET /throw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto out = c.read_to_eof();
    CHECK(out.rfind("HTTP/1.1 500", 0) == 0);
    CHECK(out.find("boom") != std::string::npos);
  }
  {
    RawConnection c(server.port());
    c.send("GET /bad%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(c.read_to_eof().rfind("HTTP/1.1 400", 0) == 0);
  }
  {
    RawConnection c(server.port());
    c.send("this is not http\r\n\r\n");
    CHECK(c.read_to_eof().rfind("HTTP/1.1 400", 0) == 0);  // answered, then closed
  }
  RawConnection c(server.port());
  c.send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(c.read_to_eof().rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("a body over the limit gets 413") {
  HttpServerOptions options;
  options.body_limit = 10;
  HttpServer server(echo, options);
  RawConnection c(server.port());
  c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890");
  CHECK(c.read_to_eof().rfind("HTTP/1.1 413", 0) == 0);
}

TEST_CASE("the server refuses non-loopback addresses and reports a taken port") {
  HttpServerOptions options;
  options.address = "0.0.0.0";
  CHECK_THROWS_WITH(HttpServer(echo, options), Catch::Contains("only loopback"));
  HttpServer first(echo);
  HttpServerOptions same;
  same.port = first.port();
  // SO_REUSEADDR does not allow two listeners on one port
  CHECK_THROWS_WITH(HttpServer(echo, same), Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(first.port())));
}

TEST_CASE("a large body is hashed on a worker while it is read: the same digests, also for bodies in parallel") {
  std::mutex mu;
  std::vector<Bytes> seen;
  HttpServer server([&](const HttpRequest& req) {
    std::lock_guard lock(mu);
    seen.push_back(req.body);
    return echo(req);
  });
  // Bodies past one 16 MiB chunk, different per connection, sent in uneven pieces.
  auto body_of = [](int k) {
    std::string b((16u << 20) + 3 * 1024 * 1024 + 17u * static_cast<unsigned>(k), '\0');
    std::uint32_t x = 0x9E3779B9u * static_cast<std::uint32_t>(k + 1);
    for (auto& c : b) c = static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
    return b;
  };
  std::vector<std::thread> clients;
  std::vector<std::string> bodies, answers(3);
  std::vector<std::unique_ptr<RawConnection>> connections;  // connected here: Catch asserts on this thread only
  for (int k = 0; k < 3; ++k) {
    bodies.push_back(body_of(k));
    connections.push_back(std::make_unique<RawConnection>(server.port()));
  }
  for (int k = 0; k < 3; ++k)
    clients.emplace_back([&, k] {
      const std::string& body = bodies[static_cast<std::size_t>(k)];
      RawConnection& c = *connections[static_cast<std::size_t>(k)];
      const bool chunked = k == 2;  // as ncw/swift sends the registry's segments: the worker takes over after 1 MiB
      c.try_send("PUT /o HTTP/1.1\r\nHost: x\r\n" +
             (chunked ? std::string("Transfer-Encoding: chunked") : "Content-Length: " + std::to_string(body.size())) +
             "\r\nx-amz-content-sha256: " + sha256_hex(body) + "\r\nConnection: close\r\n\r\n");
      for (std::size_t at = 0, step = 77 * 1024; at < body.size(); at += step, step = step * 3 % (900 * 1024) + 4096) {
        const std::string piece = body.substr(at, step);
        if (!chunked) {
          c.try_send(piece);
          continue;
        }
        char len[32];
        std::snprintf(len, sizeof len, "%zx\r\n", piece.size());
        c.try_send(len + piece + "\r\n");
      }
      if (chunked) c.try_send("0\r\n\r\n");
      answers[static_cast<std::size_t>(k)] = c.read_to_eof();
    });
  for (auto& t : clients) t.join();
  for (const auto& answer : answers) CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  std::lock_guard lock(mu);
  REQUIRE(seen.size() == 3);
  for (const Bytes& got : seen) {
    const auto it = std::find_if(bodies.begin(), bodies.end(), [&](const std::string& b) { return b.size() == got.size(); });
    REQUIRE(it != bodies.end());
    // A known length: 16 MiB, then the rest; chunked: 256 KiB doubling to 8 MiB, then a trimmed 16 MiB one
    CHECK(got.pieces().size() == (got.size() == bodies[2].size() ? 7u : 2u));
    CHECK(got.md5_hex() == md5_hex(*it));
    CHECK(got.sha256_hex() == sha256_hex(*it));
    CHECK(got.str() == *it);
  }
}

TEST_CASE("a connection dropped in the middle of a worker-hashed body leaves the server serving") {
  HttpServer server(echo);
  {
    RawConnection c(server.port());
    c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(8u << 20) + "\r\n\r\n" +
           std::string(3u << 20, 'q'));
  }  // closed with 5 MiB still owed: the body and its pending digests are dropped
  RawConnection c(server.port());
  c.send("PUT /after HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  const auto out = c.read_to_eof();
  CHECK(out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(out.find("X-Path: /after\r\n") != std::string::npos);
}
