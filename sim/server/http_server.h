// An asynchronous HTTP/1.1 server (Boost.Beast, after Beast's
// advanced_server example) that hands each complete request to an
// HttpHandler. Handles keep-alive, chunked request bodies and
// `Expect: 100-continue`, streams responses from shared payload slices
// without copying, and honours HttpResponse::cut_after / short bodies by
// closing the connection mid-body. Binds loopback addresses only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/http_types.h"

namespace stalemate::sim {

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // must be a loopback address
  unsigned short port = 0;             // 0: the kernel picks a free port
  int threads = 2;
  std::uint64_t body_limit = 6ull << 30;  // largest request body accepted (413 beyond)
  // Global bytes of request bodies in flight across all connections (503 +
  // Retry-After beyond). 0: a quarter of physical RAM.
  std::uint64_t body_budget = 0;
  // Refuses a request from its headers alone, before `100 Continue` and the body.
  HttpPrecheck precheck;
  // Renders the errors the server answers itself; empty: plain text.
  HttpErrorRenderer error_renderer;
  // Timeouts after Swift's client_timeout (60 s).
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for a request's first byte
  std::chrono::milliseconds header_timeout{60'000};  // the whole header section, however it trickles
  std::chrono::milliseconds body_timeout{60'000};    // a body read with no progress at all (408)
  std::chrono::milliseconds write_timeout{60'000};   // a response write with no progress
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stalemate::sim
