// Which answer a failed request read gets: the status Swift or S3 would send
// before closing (400, 408, 413, 414, 431), or none when the client is gone
// or merely idle. Internal to sim/server (it names Beast's error codes).
#pragma once

#include <boost/beast/core/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stalemate::sim {

enum class ReadPhase {
  idle,    // waiting for a request's first byte
  header,  // some of the header section has arrived
  body,    // the header was accepted; reading the body
};

struct ReadRefusal {
  int status = 400;
  std::string message;
};

// `target`: the request target the parser has read, empty while the request
// line is still incomplete; when the header limit is hit it tells an
// over-long request line (414) from an over-long header section (431).
std::optional<ReadRefusal> refusal_for(boost::beast::error_code ec, ReadPhase phase, std::string_view target,
                                       std::uint64_t body_limit);

}  // namespace stalemate::sim
