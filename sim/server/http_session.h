// One HTTP/1.1 connection of the HttpServer, after Beast's advanced_server
// example: read a header, check it, read the body, call the handler, write
// the answer, repeat. Internal to sim/server (it pulls in Asio).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/http_types.h"
#include "sim/server/body_budget.h"
#include "sim/server/http_server.h"

namespace stalemate::sim {

// What every connection of one server shares.
struct ServerState {
  ServerState(HttpHandler h, HttpServerOptions o)
      : handler(std::move(h)), options(std::move(o)),
        budget(options.body_budget ? options.body_budget : default_body_budget()) {}
  HttpHandler handler;
  HttpServerOptions options;
  BodyBudget budget;
  std::atomic<std::uint64_t> served{0};
};

// Serves the connection until it closes; the session keeps itself alive.
void start_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);

}  // namespace stalemate::sim
