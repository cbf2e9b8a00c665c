// Async HTTP/1.1 server after Beast's advanced_server example. Beast and Asio
// stay inside this translation unit.
#include "sim/server/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace stalemate::sim {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(300);
constexpr auto kBodyTimeout = std::chrono::seconds(900);
constexpr std::uint64_t kMaxPiece = 1u << 20;
constexpr std::size_t kReadBuffer = 256 * 1024;

// A response body made of shared payload slices, streamed without copying.
// `limit` is how many bytes to send; the Content-Length header is set by the
// session and may promise more (a short body then ends the connection).
struct SliceBody {
  struct value_type {
    std::vector<BodySlice> slices;
    std::uint64_t limit = 0;
  };

  class writer {
   public:
    using const_buffers_type = net::const_buffer;
    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}
    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      while (index_ < body_.slices.size() && sent_ < body_.limit) {
        const BodySlice& s = body_.slices[index_];
        if (offset_ >= s.length) {
          ++index_;
          offset_ = 0;
          continue;
        }
        const std::uint64_t n = std::min({s.length - offset_, body_.limit - sent_, kMaxPiece});
        const char* p = s.data->data() + s.offset + offset_;
        offset_ += n;
        sent_ += n;
        return std::make_pair(net::const_buffer(p, static_cast<std::size_t>(n)), sent_ < body_.limit);
      }
      return boost::none;
    }

   private:
    const value_type& body_;
    std::size_t index_ = 0;
    std::uint64_t offset_ = 0;
    std::uint64_t sent_ = 0;
  };
};

struct Shared {
  HttpHandler handler;
  HttpServerOptions options;
  std::atomic<std::uint64_t> served{0};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

 private:
  void read_header() {
    // Without room reserved, Beast reads 512 bytes per system call: a
    // gigabyte upload would take two million reads.
    buffer_.reserve(kReadBuffer);
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(shared_->options.body_limit);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    // A declared Content-Length over the limit is refused before the body.
    if (ec == http::error::body_limit) return refuse_too_large();
    if (ec) return close();
    const auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec2, std::size_t) {
        if (ec2) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(kBodyTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec == http::error::body_limit) return refuse_too_large();
    if (ec) return close();
    auto msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& field : msg) {
      std::string name(field.name_string());
      auto [it, inserted] = req.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    req.host = std::string(msg[http::field::host]);
    req.body = make_payload(std::move(msg.body()));
    const bool keep_alive = msg.keep_alive();
    const unsigned version = msg.version();
    HttpResponse res;
    if (!parse_request_target(req)) {
      res.status = 400;
      res.set_text("malformed percent-encoding in request target\n");
    } else {
      try {
        res = shared_->handler(req);
      } catch (const std::exception& e) {
        res = HttpResponse{};
        res.status = 500;
        res.set_text(std::string("internal error: ") + e.what() + "\n");
      }
    }
    if (req.method == "HEAD") res.head = true;
    ++shared_->served;
    send(std::move(res), keep_alive, version);
  }

  void refuse_too_large() {
    HttpResponse res;
    res.status = 413;
    res.set_text("request body larger than " + std::to_string(shared_->options.body_limit) + " bytes\n");
    send(std::move(res), false, 11);
  }

  void send(HttpResponse res, bool keep_alive, unsigned version) {
    auto msg = std::make_shared<http::response<SliceBody>>();
    msg->version(version);
    msg->result(static_cast<unsigned>(res.status));
    msg->reason(reason_phrase(res.status));
    for (const auto& [name, value] : res.headers) {
      if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding") ||
          beast::iequals(name, "Connection"))
        continue;
      msg->insert(name, value);
    }
    const std::uint64_t length = res.content_length();
    const std::uint64_t deliver = res.deliverable_bytes();
    const bool short_body = !res.head && deliver < length;
    const bool no_body_status = res.status == 204 || res.status == 304 || res.status < 200;
    if (!no_body_status) msg->set(http::field::content_length, std::to_string(length));
    msg->keep_alive(keep_alive && !short_body);
    msg->body().slices = std::move(res.body);
    msg->body().limit = no_body_status ? 0 : deliver;
    stream_.expires_after(kBodyTimeout);
    const bool keep = msg->keep_alive();
    http::async_write(stream_, *msg,
                      [self = shared_from_this(), msg, keep](beast::error_code ec, std::size_t) {
                        if (ec || !keep) return self->close();
                        self->read_header();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

struct HttpServer::Impl {
  net::io_context ioc;
  // The acceptor lives on its own strand: its accept handlers (re-arming
  // accept) and stop()'s close must never run on two threads at once.
  tcp::acceptor acceptor{net::make_strand(ioc)};
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::vector<std::thread> threads;
  unsigned short port = 0;
  std::string address;
  std::atomic<bool> stopped{false};

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (!acceptor.is_open()) return;
      } else {
        // Small request/response exchanges must not wait for delayed ACKs
        // (Nagle would add ~40 ms to each of the registry's small requests).
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), shared)->run();
      }
      accept();
    });
  }
};

HttpServer::HttpServer(HttpHandler handler, HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->shared->handler = std::move(handler);
  impl_->shared->options = options;
  beast::error_code ec;
  const auto address = net::ip::make_address(options.address, ec);
  if (ec || !address.is_loopback())
    throw std::runtime_error("refusing to serve on " + options.address + ": only loopback addresses are allowed");
  const tcp::endpoint endpoint{address, options.port};
  const std::string where = options.address + ":" + std::to_string(options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->address = options.address;
  impl_->accept();
  const int n = std::max(1, options.threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  // Close the acceptor on its strand and wait for that, so no accept handler
  // is running or re-arming when the io_context stops.
  std::promise<void> closed;
  net::post(impl_->acceptor.get_executor(), [this, &closed] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    closed.set_value();
  });
  closed.get_future().wait();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

unsigned short HttpServer::port() const { return impl_->port; }
std::string HttpServer::base_url() const { return "http://" + impl_->address + ":" + std::to_string(impl_->port); }
std::uint64_t HttpServer::requests_served() const { return impl_->shared->served.load(); }

}  // namespace stalemate::sim
