// Plain HTTP request/response values shared by the protocol front-ends, the
// Beast server that carries them and the tests. Deliberately free of Beast so
// that front-end logic compiles fast and can be unit-tested without sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace stalemate {

struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  std::string method;                      // upper case, e.g. "GET", "COPY"
  std::string target;                      // raw request target
  std::string path;                        // percent-decoded path, no query
  std::string raw_query;                   // undecoded query string, no '?'
  std::map<std::string, std::string> query;  // decoded; a bare key maps to ""
  Headers headers;
  Bytes body;  // as received: chunks, with its MD5 (and SHA-256 when declared) computed on the way
  std::string host;                        // the Host header as sent (may be empty)

  std::string header(std::string_view name) const;  // "" when absent
  bool has_header(std::string_view name) const;
  bool has_query(std::string_view key) const;
  std::string query_value(std::string_view key) const;  // "" when absent
};

// Builds path/raw_query/query from target; returns false on bad percent-escapes.
bool parse_request_target(HttpRequest& req);

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::vector<BodySlice> body;  // streamed in order
  // The Content-Length announced. Unset: the sum of the body slices. A value
  // larger than what the slices hold models a server that promised more than
  // it could deliver: the connection is closed after the last slice.
  std::optional<std::uint64_t> declared_length;
  // Close the connection after this many body bytes (a mid-stream cut).
  std::optional<std::uint64_t> cut_after;
  bool head = false;  // response to HEAD: headers only, Content-Length kept

  void set_text(std::string text, std::string content_type = "text/plain; charset=utf-8");
  void append(Payload data, std::uint64_t offset, std::uint64_t length);
  void append(const Bytes& data, std::uint64_t offset, std::uint64_t length);  // shares its chunks
  std::uint64_t slices_size() const;
  std::uint64_t content_length() const;  // declared_length or slices_size()
  // The bytes actually delivered: min(content length, slices, cut).
  std::uint64_t deliverable_bytes() const;
  // Test helper: the delivered body flattened into one string.
  std::string body_string() const;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Called once a request's headers are read and before `100 Continue` is sent; a response refuses the
// request without reading its body (authentication, name limits). std::nullopt lets it proceed.
// The request has method/target/path/query/headers/host set and an empty body.
using HttpPrecheck = std::function<std::optional<HttpResponse>(const HttpRequest&)>;
// The protocol's own error document for errors the server answers itself (400, 408, 411, 413, 414, 431,
// 503 over the body budget): Swift answers plain text, S3 an XML <Error> (503 -> SlowDown).
using HttpErrorRenderer = std::function<HttpResponse(int status, const std::string& message)>;

const char* reason_phrase(int status);

}  // namespace stalemate
