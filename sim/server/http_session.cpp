// One connection, in do_x/on_x steps after Beast's advanced_server example.
// Every wait has its own deadline: the first byte of a request (idle), the
// whole header section however slowly it trickles (header), and each step of
// the body and of the answer (progress-based, so multi-GiB transfers work).
// Deadlines are a timer of our own that cancels the pending operation, not
// tcp_stream's expiry: that closes the socket, and a slow client must still
// get its 408.
#include "sim/server/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "sim/server/chunk_body.h"
#include "sim/server/read_errors.h"
#include "sim/server/slice_body.h"

namespace stalemate::sim {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A body is read in large pieces; a connection that only ever sends headers
// (or nothing, idle by the thousand) keeps a small buffer.
constexpr std::size_t kBodyReadBuffer = 256 * 1024;
constexpr std::size_t kHeaderReadBuffer = 16 * 1024;

// The request as the handler sees it, without its body.
HttpRequest request_head(const http::request_header<>& msg) {
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    auto [it, inserted] = req.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  req.host = std::string(msg[http::field::host]);
  return req;
}

// A response and the serializer writing it, kept together across the steps.
struct Outgoing {
  http::response<SliceBody> msg;
  http::response_serializer<SliceBody> serializer{msg};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<ServerState> state)
      : stream_(std::move(socket)), deadline_(stream_.get_executor()), state_(std::move(state)),
        reservation_(state_->budget) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_wait_for_request(); });
  }

 private:
  const HttpServerOptions& options() const { return state_->options; }

  // Cancels whatever is pending on the socket once `timeout` has passed
  // without being re-armed; the cancelled step then sees timed_out_.
  void arm(std::chrono::milliseconds timeout) {
    timed_out_ = false;
    const auto generation = ++deadline_generation_;
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->deadline_generation_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  // ---- reading a request

  void do_wait_for_request() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(options().body_limit);
    reservation_.reset();
    phase_ = ReadPhase::idle;
    if (buffer_.size() > 0) return do_read_header();  // a pipelined request is already here
    arm(options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kHeaderReadBuffer),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_first_bytes(ec, n);
                            });
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (ec) return close();  // idle too long, or the client left
    buffer_.commit(n);
    do_read_header();
  }

  void do_read_header() {
    // One deadline for the whole header section: trickling bytes does not
    // extend it (slowloris).
    phase_ = ReadPhase::header;
    arm(options().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& msg = parser_->get();
    if (msg.target().size() > kMaxTargetBytes)
      return refuse(414, "request target longer than " + std::to_string(kMaxTargetBytes) + " bytes\n");
    if (static_cast<std::size_t>(std::distance(msg.begin(), msg.end())) > kMaxHeaderFields)
      return refuse(431, "more than " + std::to_string(kMaxHeaderFields) + " header fields\n");
    if (msg.method() == http::verb::put && !parser_->content_length() && !parser_->chunked())
      return refuse(411, "a PUT needs Content-Length or Transfer-Encoding: chunked\n");

    request_ = request_head(msg);
    if (!parse_request_target(request_)) return refuse(400, "malformed percent-encoding in request target\n");
    const bool expect_continue = beast::iequals(msg[http::field::expect], "100-continue");
    if (expect_continue && options().precheck) {
      std::optional<HttpResponse> refusal;
      try {
        refusal = options().precheck(request_);
      } catch (const std::exception& e) {
        return refuse(500, std::string("internal error: ") + e.what() + "\n");
      }
      if (refusal) return do_write(std::move(*refusal), false, msg.version(), true);
    }
    if (const auto length = parser_->content_length(); length && !reservation_.grow_to(*length))
      return refuse_over_budget();

    choose_digests();
    phase_ = ReadPhase::body;
    // Without room reserved, Beast reads 512 bytes per system call: a
    // gigabyte upload would take two million reads.
    if (!parser_->is_done()) buffer_.reserve(kBodyReadBuffer);
    if (!expect_continue || parser_->is_done()) return do_read_body();
    auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, msg.version());
    arm(options().write_timeout);
    http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec2, std::size_t) {
      if (ec2) return self->close();
      self->do_read_body();
    });
  }

  // The digests the handler will need, computed while the body arrives: MD5
  // for every body (Swift's ETag, S3's ETag and Content-MD5), SHA-256 when the
  // client declared the payload's (S3 SigV4 `x-amz-content-sha256: <hex>`).
  void choose_digests() {
    if (parser_->is_done()) return;
    auto& body = parser_->get().body();
    const auto declared = parser_->get()["x-amz-content-sha256"];
    const bool declared_sha = declared.size() == 64 && std::all_of(declared.begin(), declared.end(), [](char c) {
                                return std::isxdigit(static_cast<unsigned char>(c));
                              });
    const auto length = parser_->content_length();
    if (options().unhashed_large_bodies && (!length || *length >= ChunkBody::kBackgroundMin))
      return body.skip_digests(std::string(parser_->get()["content-md5"]),
                               declared_sha ? std::string(declared) : std::string());
    body.hash_md5();
    if (declared_sha) body.hash_sha256();
  }

  void do_read_body() {
    if (parser_->is_done()) return on_request();
    // Progress-based: each read of the body gets the full timeout again.
    arm(options().body_timeout);
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body_bytes(ec); });
  }

  void on_body_bytes(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    // A chunked body declares nothing up front: reserve its bytes as they come.
    if (parser_->chunked() && !reservation_.grow_to(parser_->get().body().size())) return refuse_over_budget();
    do_read_body();
  }

  void on_read_error(beast::error_code ec) {
    if (timed_out_) ec = beast::error::timeout;
    const auto target = parser_->get().target();
    if (auto refusal = refusal_for(ec, phase_, target, options().body_limit))
      return refuse(refusal->status, std::move(refusal->message));
    close();
  }

  // ---- answering

  void on_request() {
    auto msg = parser_->release();
    request_.body = msg.body().take();
    const bool keep_alive = msg.keep_alive();
    HttpResponse res;
    try {
      res = state_->handler(request_);
    } catch (const std::exception& e) {
      res = HttpResponse{};
      res.status = 500;
      res.set_text(std::string("internal error: ") + e.what() + "\n");
    }
    if (request_.method == "HEAD") res.head = true;
    request_ = HttpRequest{};  // the handler has what it keeps of the body
    reservation_.reset();
    ++state_->served;
    do_write(std::move(res), keep_alive, msg.version(), false);
  }

  // An error the server answers itself, in the protocol's own format; the
  // connection closes after it.
  void refuse(int status, std::string message) {
    HttpResponse res;
    if (options().error_renderer) {
      res = options().error_renderer(status, message);
      res.status = status;
    } else {
      res.status = status;
      res.set_text(std::move(message));
    }
    if (status == 503) res.headers["Retry-After"] = "1";
    const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    do_write(std::move(res), false, version, true);
  }

  void refuse_over_budget() {
    refuse(503, "request bodies in flight would exceed the server's budget of " +
                    std::to_string(state_->budget.limit()) + " bytes; retry later\n");
  }

  void do_write(HttpResponse res, bool keep_alive, unsigned version, bool refused) {
    auto out = std::make_shared<Outgoing>();
    auto& msg = out->msg;
    msg.version(version);
    msg.result(static_cast<unsigned>(res.status));
    msg.reason(reason_phrase(res.status));
    for (const auto& [name, value] : res.headers) {
      if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding") ||
          beast::iequals(name, "Connection"))
        continue;
      msg.insert(name, value);
    }
    const std::uint64_t length = res.content_length();
    const std::uint64_t deliver = res.deliverable_bytes();
    const bool short_body = !res.head && deliver < length;
    const bool no_body_status = res.status == 204 || res.status == 304 || res.status < 200;
    if (!no_body_status) msg.set(http::field::content_length, std::to_string(length));
    // A protocol that sends "Content-Length: 0" on 204/304 (Swift's swob) says so explicitly.
    else if (const auto it = res.headers.find("Content-Length"); it != res.headers.end() && it->second == "0")
      msg.set(http::field::content_length, "0");
    msg.keep_alive(keep_alive && !short_body && !refused);
    msg.body().slices = std::move(res.body);
    msg.body().limit = no_body_status ? 0 : deliver;
    out_ = std::move(out);
    refused_ = refused;
    do_write_some();
  }

  void do_write_some() {
    // Progress-based like the body: a slow reader of a large answer is fine
    // as long as it keeps reading.
    arm(options().write_timeout);
    http::async_write_some(stream_, out_->serializer,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return close();
    if (!out_->serializer.is_done()) return do_write_some();
    const bool keep = out_->msg.keep_alive();
    out_.reset();
    if (refused_) return do_linger();
    if (!keep) return close();
    do_wait_for_request();
  }

  // ---- closing

  // After an error answer, read and drop what the client still sends until it
  // closes or the linger time is over: closing with unread bytes would reset
  // the connection and could destroy the answer before the client reads it.
  void do_linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    arm(options().linger_timeout);  // one deadline for all of it
    do_drain();
  }

  void do_drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kHeaderReadBuffer), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->do_drain();
    });
  }

  void close() {
    ++deadline_generation_;
    deadline_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    reservation_.reset();
  }

  beast::tcp_stream stream_;  // never given an expiry: deadline_ times each step
  net::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<ChunkBody>> parser_;
  std::shared_ptr<ServerState> state_;
  BodyReservation reservation_;
  ReadPhase phase_ = ReadPhase::idle;
  HttpRequest request_;
  std::shared_ptr<Outgoing> out_;
  bool refused_ = false;
};

}  // namespace

void start_session(tcp::socket socket, std::shared_ptr<ServerState> state) {
  std::make_shared<Session>(std::move(socket), std::move(state))->run();
}

}  // namespace stalemate::sim
