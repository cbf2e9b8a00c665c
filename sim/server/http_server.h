// An asynchronous HTTP/1.1 server (Boost.Beast, after Beast's
// advanced_server example) that hands each complete request to an
// HttpHandler. Handles keep-alive, chunked request bodies and
// `Expect: 100-continue`, streams responses from shared payload slices
// without copying, and honours HttpResponse::cut_after / short bodies by
// closing the connection mid-body. Binds loopback addresses only.
// Hostile clients get what real servers give them: a status before the close
// for malformed or oversized requests, deadlines a slow client cannot extend,
// a global budget for request bodies, and an accept loop that waits when
// descriptors run out. Files: http_server.cpp (acceptor), http_session.cpp
// (one connection), read_errors.cpp (status of a failed read), body_budget.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/http_types.h"

namespace stalemate::sim {

// Protocol limits, answered before the connection is closed:
// - a request target over 8 KiB: 414 (Swift's eventlet refuses request lines
//   over 8 KiB; S3 presigned URLs stay near 2 KiB);
// - a header section over 64 KiB: 431;
// - more than 100 header fields: 431 (Python's http.client, under Swift's
//   eventlet, stops at 100);
// - a PUT with neither Content-Length nor chunked: 411 (as Swift and S3);
// - malformed syntax, a bad Content-Length, Content-Length with chunked: 400;
// - a body over body_limit: 413; a slow client: 408; over body_budget: 503.
constexpr std::size_t kMaxTargetBytes = 8 * 1024;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxHeaderFields = 100;

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // must be a loopback address
  unsigned short port = 0;             // 0: the kernel picks a free port
  int threads = 2;
  std::uint64_t body_limit = 6ull << 30;  // largest request body accepted (413 beyond)
  // Global bytes of request bodies in flight across all connections (503 +
  // Retry-After beyond). 0: a quarter of physical RAM.
  std::uint64_t body_budget = 0;
  // Asked about requests with `Expect: 100-continue` once their headers are
  // read: a response is sent (Connection: close) instead of `100 Continue`,
  // and the body is never read. Other requests go to the handler as before.
  HttpPrecheck precheck;
  // Renders the errors the server answers itself; empty: plain text.
  HttpErrorRenderer error_renderer;
  // Timeouts after Swift's client_timeout (60 s).
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for a request's first byte
  std::chrono::milliseconds header_timeout{60'000};  // the whole header section, however it trickles
  std::chrono::milliseconds body_timeout{60'000};    // a body read with no progress at all (408)
  std::chrono::milliseconds write_timeout{60'000};   // a response write with no progress
  // After an error answer the server reads and discards what the client is
  // still sending (so the answer is not lost to a reset) for at most this long.
  std::chrono::milliseconds linger_timeout{2'000};
  // Benchmark ceiling only, never set by a scenario: bodies of 1 MiB and
  // more (and chunked ones) are not hashed; their MD5 is made up and a
  // declared SHA-256 is taken as given. ETags become wrong; what remains is
  // the fake's cost without its per-byte digests (stalemate_bench --ceiling).
  bool unhashed_large_bodies = false;
};

class HttpServer {
 public:
  // Binds and starts serving at once; throws std::runtime_error naming the
  // address when it cannot bind (port in use, non-loopback address).
  HttpServer(HttpHandler handler, HttpServerOptions options = {});
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  void stop();
  std::uint64_t requests_served() const;
  // Failed accepts (descriptors exhausted...); each waits before accepting again.
  std::uint64_t accept_errors() const;
  // Request-body bytes reserved against body_budget right now.
  std::uint64_t body_bytes_in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stalemate::sim
