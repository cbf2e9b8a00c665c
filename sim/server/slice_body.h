// A Beast response body made of shared payload slices, streamed without
// copying. Internal to sim/server (it pulls in Beast).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/http_types.h"

namespace stalemate::sim {

// `limit` is how many bytes to send; the Content-Length header is set by the
// session and may promise more (a short body then ends the connection).
struct SliceBody {
  static constexpr std::uint64_t kMaxPiece = 1u << 20;

  struct value_type {
    std::vector<BodySlice> slices;
    std::uint64_t limit = 0;
  };

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}
    void init(boost::beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
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
        return std::make_pair(boost::asio::const_buffer(p, static_cast<std::size_t>(n)), sent_ < body_.limit);
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

}  // namespace stalemate::sim
