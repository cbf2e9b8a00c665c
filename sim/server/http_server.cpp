// The listening side of the HttpServer: binds loopback only, accepts on a
// strand and hands each connection to a session (http_session.cpp). Beast and
// Asio stay inside sim/server.
#include "sim/server/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sim/server/http_session.h"

namespace stalemate::sim {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// After a failed accept (EMFILE, ENFILE, ENOBUFS...) the pending connection
// stays ready, so accepting again at once would spin a core; wait this long.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

}  // namespace

struct HttpServer::Impl {
  Impl(HttpHandler handler, HttpServerOptions options)
      : state(std::make_shared<ServerState>(std::move(handler), std::move(options))) {}

  net::io_context ioc;
  // The acceptor and its retry timer live on one strand: their handlers
  // (re-arming accept) and stop()'s close must never run on two threads at once.
  net::strand<net::io_context::executor_type> strand = net::make_strand(ioc);
  tcp::acceptor acceptor{strand};
  net::steady_timer accept_retry{strand};
  std::shared_ptr<ServerState> state;
  std::vector<std::thread> threads;
  unsigned short port = 0;
  std::string address;
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> accept_errors{0};

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (ec) {
      ++accept_errors;
      accept_retry.expires_after(kAcceptRetryDelay);
      accept_retry.async_wait([this](error_code wait_ec) {
        if (!wait_ec && acceptor.is_open()) do_accept();
      });
      return;
    }
    // Small request/response exchanges must not wait for delayed ACKs
    // (Nagle would add ~40 ms to each of the registry's small requests).
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    start_session(std::move(socket), state);
    do_accept();
  }
};

HttpServer::HttpServer(HttpHandler handler, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), options)) {
  error_code ec;
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
  impl_->do_accept();
  const int n = std::max(1, options.threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  // Close the acceptor on its strand and wait for that, so no accept handler
  // is running or re-arming when the io_context stops.
  std::promise<void> closed;
  net::post(impl_->strand, [this, &closed] {
    error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_retry.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

unsigned short HttpServer::port() const { return impl_->port; }
std::string HttpServer::base_url() const { return "http://" + impl_->address + ":" + std::to_string(impl_->port); }
std::uint64_t HttpServer::requests_served() const { return impl_->state->served.load(); }
std::uint64_t HttpServer::accept_errors() const { return impl_->accept_errors.load(); }
std::uint64_t HttpServer::body_bytes_in_flight() const { return impl_->state->budget.in_flight(); }

}  // namespace stalemate::sim
