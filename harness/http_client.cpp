// HttpClient on Boost.Beast. One of the two translation units allowed to
// include Beast (the other is the simulator's server); nothing Beast-specific
// leaks through harness/http_client.h.
#include "harness/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "common/url.h"

namespace stalemate::harness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::string ClientResponse::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

bool ClientResponse::has_header(std::string_view name) const { return headers.find(name) != headers.end(); }

HttpClient::HttpClient(std::chrono::milliseconds timeout) : timeout_(timeout) {}

namespace {

constexpr std::size_t kPiece = 256u << 10;

// Runs one asynchronous step to completion on a private io_context. Beast's
// synchronous operations ignore tcp_stream timeouts; the asynchronous ones
// honour expires_after, so each step is started async and driven here.
class Driver {
 public:
  explicit Driver(asio::io_context& ioc) : ioc_(ioc) {}

  template <class Start>
  error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    bool done = false;
    start([&](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run();
    if (!done) result = asio::error::operation_aborted;
    return result;
  }

 private:
  asio::io_context& ioc_;
};

std::string describe(const char* step, const error_code& ec) {
  return std::string(step) + ": " + ec.message();
}

void copy_headers(const http::fields& fields, Headers& out) {
  for (const auto& f : fields) {
    std::string name(f.name_string());
    std::string value(f.value());
    auto it = out.find(name);
    if (it == out.end()) out.emplace(std::move(name), std::move(value));
    else it->second += ", " + value;
  }
}

template <class Message>
void set_request_fields(Message& req, const ClientRequest& request, const ParsedUrl& url) {
  const bool default_port = url.port == "80";
  req.set(http::field::host, default_port ? url.host : url.host + ":" + url.port);
  bool has_ua = false;
  for (const auto& [name, value] : request.headers) {
    if (beast::iequals(name, "Host") || beast::iequals(name, "Content-Length") ||
        beast::iequals(name, "Transfer-Encoding"))
      continue;
    if (beast::iequals(name, "User-Agent")) has_ua = true;
    req.set(name, value);
  }
  if (!has_ua) req.set(http::field::user_agent, "stalemate-harness/" STALEMATE_VERSION);
}

// One exchange on one connection, step by step: resolve and connect, write
// the request (a streamed body or a string body), read the response. Each
// step returns "" or what went wrong.
class Connection {
 public:
  Connection(std::chrono::milliseconds timeout) : timeout_(timeout), driver_(ioc_), stream_(ioc_) {}

  // Numeric hosts resolve at once; a name lookup is bounded by a timer.
  std::string connect(const ParsedUrl& url) {
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    asio::steady_timer timer(ioc_);
    timer.expires_after(timeout_);
    timer.async_wait([&](error_code ec) {
      if (!ec) resolver.cancel();
    });
    error_code ec = driver_.run([&](auto handler) {
      resolver.async_resolve(url.host, url.port, [&, handler](error_code e, tcp::resolver::results_type r) mutable {
        endpoints = std::move(r);
        timer.cancel();
        handler(e);
      });
    });
    if (ec) return describe("resolve", ec);
    stream_.expires_after(timeout_);
    if (auto e = driver_.run([&](auto handler) { stream_.async_connect(endpoints, handler); }))
      return describe("connect", e);
    beast::error_code ignored;  // small requests must not wait for delayed ACKs
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    return {};
  }

  // A body produced piece by piece by request.generator (never held whole).
  std::string write_streamed(const ClientRequest& request, const ParsedUrl& url) {
    http::request<http::buffer_body> req;
    start_message(req, request, url);
    if (request.chunked) req.chunked(true);
    else req.content_length(request.generator_size);
    req.body().data = nullptr;
    req.body().size = 0;
    req.body().more = true;
    http::request_serializer<http::buffer_body> sr{req};

    stream_.expires_after(timeout_);
    error_code ec = driver_.run([&](auto handler) { http::async_write_header(stream_, sr, handler); });
    std::vector<char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, request.generator_size)) + 1);
    for (std::uint64_t offset = 0; !ec && offset < request.generator_size;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, request.generator_size - offset));
      request.generator(offset, buf.data(), n);
      ec = write_piece(req, sr, buf.data(), n, true);
      offset += n;
    }
    if (!ec) ec = write_piece(req, sr, nullptr, 0, false);
    return ec ? describe("write", ec) : std::string();
  }

  std::string write_string(const ClientRequest& request, const ParsedUrl& url) {
    http::request<http::string_body> req;
    const auto verb = start_message(req, request, url);
    req.body() = request.body;
    if (request.chunked) {
      req.chunked(true);
    } else if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put ||
               verb == http::verb::patch) {
      req.content_length(request.body.size());
    }
    stream_.expires_after(timeout_);
    if (auto ec = driver_.run([&](auto handler) { http::async_write(stream_, req, handler); }))
      return describe("write", ec);
    return {};
  }

  // Reads the response even after a failed write: a server that refuses a
  // body often answers (e.g. 413 or 401) before closing.
  void read(ClientResponse& response, bool head, const std::string& write_error, const BodySink& sink,
            std::size_t keep_body) {
    http::response_parser<http::buffer_body> parser;
    // Unlimited. (Not boost::none: Boost 1.74 compares the length against the
    // optional and then rejects every body when it is empty.)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64u << 10);
    if (head) parser.skip(true);
    // Beast reads min(capacity - size, 64 KiB) per receive: without a reserve
    // the buffer stays at 512 bytes and a gigabyte takes two million reads.
    beast::flat_buffer buffer;
    buffer.reserve(kPiece);

    stream_.expires_after(write_error.empty() ? timeout_ : std::min(timeout_, std::chrono::milliseconds(5000)));
    error_code ec = driver_.run([&](auto handler) { http::async_read_header(stream_, buffer, parser, handler); });
    if (ec) {
      response.error = write_error.empty() ? describe("read header", ec) : write_error + "; read header: " + ec.message();
      return;
    }
    response.status = static_cast<int>(parser.get().result_int());
    copy_headers(parser.get().base(), response.headers);

    std::vector<char> body(kPiece);
    while (!parser.is_done()) {
      parser.get().body().data = body.data();
      parser.get().body().size = body.size();
      stream_.expires_after(timeout_);
      ec = driver_.run([&](auto handler) { http::async_read(stream_, buffer, parser, handler); });
      if (ec == http::error::need_buffer) ec = {};
      const std::size_t n = body.size() - parser.get().body().size;
      if (n) {
        response.body_bytes += n;
        if (response.body.size() < keep_body)
          response.body.append(body.data(), std::min(n, keep_body - response.body.size()));
        if (sink) sink(body.data(), n);
      }
      if (ec) break;
    }
    response.complete = !ec && parser.is_done();
    if (ec) response.error = describe("read body", ec);
    if (!write_error.empty()) response.error = response.error.empty() ? write_error : write_error + "; " + response.error;
  }

  ~Connection() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  template <class Message>
  http::verb start_message(Message& req, const ClientRequest& request, const ParsedUrl& url) {
    const auto verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) req.method_string(request.method);
    else req.method(verb);
    req.target(url.target);
    req.version(11);
    set_request_fields(req, request, url);
    return verb;
  }

  template <class Message, class Serializer>
  error_code write_piece(Message& req, Serializer& sr, char* data, std::size_t n, bool more) {
    req.body().data = data;
    req.body().size = n;
    req.body().more = more;
    stream_.expires_after(timeout_);
    error_code ec = driver_.run([&](auto handler) { http::async_write(stream_, sr, handler); });
    return ec == http::error::need_buffer ? error_code{} : ec;
  }

  std::chrono::milliseconds timeout_;
  asio::io_context ioc_;
  Driver driver_;
  beast::tcp_stream stream_;
};

}  // namespace

ClientResponse HttpClient::send(const ClientRequest& request, const BodySink& sink, std::size_t keep_body) const {
  ClientResponse response;
  const auto url = parse_url(request.url);
  if (!url || url->scheme != "http") {
    response.error = "unsupported URL (only http:// is supported): " + request.url;
    return response;
  }
  try {
    Connection connection(timeout_);
    response.error = connection.connect(*url);
    if (!response.error.empty()) return response;
    const std::string write_error =
        request.generator ? connection.write_streamed(request, *url) : connection.write_string(request, *url);
    connection.read(response, request.method == "HEAD", write_error, sink, keep_body);
  } catch (const std::exception& e) {
    if (response.error.empty()) response.error = std::string("exception: ") + e.what();
  }
  return response;
}

}  // namespace stalemate::harness
