#include "sim/server/read_errors.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "sim/server/http_server.h"

namespace stalemate::sim {

namespace beast = boost::beast;
namespace http = beast::http;

std::optional<ReadRefusal> refusal_for(beast::error_code ec, ReadPhase phase, std::string_view target,
                                       std::uint64_t body_limit) {
  if (ec == beast::error::timeout) {
    if (phase == ReadPhase::idle) return std::nullopt;  // an idle keep-alive connection is just closed
    return ReadRefusal{408, phase == ReadPhase::header ? "request header not received in time\n"
                                                       : "request body made no progress in time\n"};
  }
  if (ec.category() != beast::error_code(http::error::end_of_stream).category()) return std::nullopt;  // socket errors: peer gone
  switch (static_cast<http::error>(ec.value())) {
    case http::error::end_of_stream:
    case http::error::partial_message:
      return std::nullopt;  // the client closed; nobody to answer
    case http::error::header_limit:
    case http::error::buffer_overflow:
      if (target.empty() || target.size() > kMaxTargetBytes)
        return ReadRefusal{414, "request target longer than " + std::to_string(kMaxTargetBytes) + " bytes\n"};
      return ReadRefusal{431, "request header section larger than " + std::to_string(kMaxHeaderBytes) + " bytes\n"};
    case http::error::body_limit:
      return ReadRefusal{413, "request body larger than " + std::to_string(body_limit) + " bytes\n"};
    case http::error::bad_content_length:
      return ReadRefusal{400, "bad Content-Length\n"};
    case http::error::bad_transfer_encoding:
      return ReadRefusal{400, "bad Transfer-Encoding (or Transfer-Encoding with Content-Length)\n"};
    default:
      return ReadRefusal{400, "malformed request: " + ec.message() + "\n"};
  }
}

}  // namespace stalemate::sim
