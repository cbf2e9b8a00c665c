// A Beast request body read into shared chunks (the Bytes the handler and
// the store keep) and hashed on the way: every byte is copied once, from the
// read buffer into its chunk, never zero-filled first nor moved when a
// chunked upload grows, and its MD5 (the ETag both protocols need) and, when
// the client declared one, its SHA-256 (S3's signed payload) are computed
// while the bytes are hot in cache. Internal to sim/server (pulls in Beast).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/crypto.h"

namespace stalemate::sim {

struct ChunkBody {
  // A known length is read into chunks of at most this size; a chunked
  // upload starts small and doubles up to it.
  static constexpr std::uint64_t kMaxChunk = 16u << 20;
  static constexpr std::uint64_t kFirstUnknownChunk = 256u << 10;
  // A last chunk wasting more than this is trimmed to its size.
  static constexpr std::uint64_t kMaxSlack = 256u << 10;

  class value_type {
   public:
    // Chosen from the headers before the body is read.
    void hash_md5() { md5_.emplace("md5"); }
    void hash_sha256() { sha256_.emplace("sha256"); }
    std::uint64_t size() const { return received_; }

    // The body as Bytes with its digests; leaves this empty.
    Bytes take() {
      seal();
      std::string md5 = md5_ ? md5_->hex_final() : std::string();
      std::string sha = sha256_ ? sha256_->hex_final() : std::string();
      md5_.reset();
      sha256_.reset();
      received_ = 0;
      return Bytes::from_pieces(std::move(pieces_), std::move(md5), std::move(sha));
    }

   private:
    friend struct ChunkBody;
    void seal() {
      open_ = false;
      if (current_.empty()) return;
      if (current_.capacity() - current_.size() > kMaxSlack) current_.shrink_to_fit();
      const std::uint64_t n = current_.size();
      pieces_.push_back({make_payload(std::move(current_)), 0, n});
      current_ = std::string();
    }
    void append(const char* p, std::size_t n) {
      if (md5_) md5_->update(p, n);
      if (sha256_) sha256_->update(p, n);
      while (n > 0) {
        if (!open_ || current_.size() == current_.capacity()) {
          seal();
          current_.reserve(static_cast<std::size_t>(next_chunk()));
          open_ = true;
        }
        const std::size_t take = std::min(n, current_.capacity() - current_.size());
        current_.append(p, take);
        p += take;
        n -= take;
        received_ += take;
      }
    }
    std::uint64_t next_chunk() {
      if (expected_) return std::clamp<std::uint64_t>(*expected_ - received_, 1, kMaxChunk);
      const std::uint64_t size = pieces_.empty() ? kFirstUnknownChunk : std::min(pieces_.back().length * 2, kMaxChunk);
      return std::max(size, kFirstUnknownChunk);
    }

    std::vector<BodySlice> pieces_;
    std::string current_;
    bool open_ = false;  // current_ has its chunk's room reserved (an empty string has some too)
    std::uint64_t received_ = 0;
    std::optional<std::uint64_t> expected_;
    std::optional<StreamingDigest> md5_, sha256_;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    explicit reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      ec = {};
      if (length) body_.expected_ = *length;
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      ec = {};
      std::size_t total = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(b.data()), b.size());
        total += b.size();
      }
      return total;
    }
    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace stalemate::sim
