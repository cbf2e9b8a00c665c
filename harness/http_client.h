// A small blocking HTTP/1.1 client (Boost.Beast underneath, hidden here) for
// the harness: streams request bodies from a generator and response bodies
// into a sink, so gigabyte layers never sit in memory. Every operation has a
// deadline. One connection per request keeps failure handling simple.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/http_types.h"

namespace stalemate::harness {

// Fills buf with the n body bytes that start at offset.
using BodyGenerator = std::function<void(std::uint64_t offset, char* buf, std::size_t n)>;
// Receives response body bytes in order.
using BodySink = std::function<void(const char* data, std::size_t n)>;

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: http://127.0.0.1:PORT/path?query
  Headers headers;  // Host, Content-Length and Transfer-Encoding are set by the client
  std::string body;  // used when generator is empty
  BodyGenerator generator;
  std::uint64_t generator_size = 0;
  bool chunked = false;  // send the body with Transfer-Encoding: chunked
};

struct ClientResponse {
  int status = 0;        // 0: no response header was received
  Headers headers;
  std::uint64_t body_bytes = 0;  // bytes received (and passed to the sink)
  bool complete = false;         // the body ended where the framing said it would
  std::string error;             // transport error text ("" when none)
  std::string body;              // the body, when kept (see keep_body)
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // Sends one request on a fresh connection. The body goes to sink when given;
  // the first keep_body bytes are also kept in ClientResponse::body.
  // Never throws for network errors: they are reported in `error`.
  ClientResponse send(const ClientRequest& request, const BodySink& sink = {},
                      std::size_t keep_body = 4u << 20) const;

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace stalemate::harness
