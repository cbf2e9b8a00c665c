// A Beast request body read into shared chunks (the Bytes the handler and
// the store keep) and hashed on the way: every byte is copied once, from the
// read buffer into its chunk, never zero-filled first nor moved when a
// chunked upload grows, and its MD5 (the ETag both protocols need) and, when
// the client declared one, its SHA-256 (S3's signed payload) are computed
// while the bytes are hot in cache — or, for a large body (a known length of
// 1 MiB or more, a chunked one past 1 MiB), on a worker while the next bytes
// are read (BackgroundDigests). Internal to sim/server (pulls in Beast).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/crypto.h"
#include "sim/server/background_digests.h"

namespace stalemate::sim {

struct ChunkBody {
  // A known length is read into chunks of at most this size; a chunked
  // upload starts small and doubles up to it.
  static constexpr std::uint64_t kMaxChunk = 16u << 20;
  static constexpr std::uint64_t kFirstUnknownChunk = 256u << 10;
  // A last chunk wasting more than this is trimmed to its size.
  static constexpr std::uint64_t kMaxSlack = 256u << 10;
  // A body of known length at least this large, or a chunked one once it has
  // grown this large, is hashed on a worker, fed in stretches of about
  // kFeedStretch (fewer hand-overs than one per read).
  static constexpr std::uint64_t kBackgroundMin = 1u << 20;
  static constexpr std::size_t kFeedStretch = 1u << 20;

  class value_type {
   public:
    // Chosen from the headers before the body is read.
    void hash_md5() { md5_.emplace("md5"); }
    void hash_sha256() { sha256_.emplace("sha256"); }
    // HttpServerOptions::unhashed_large_bodies: the declared digests taken
    // as given (Content-MD5, S3's SHA-256), else a made-up MD5 unique per body
    // (S3 part ETags stay distinct).
    void skip_digests(const std::string& content_md5, std::string declared_sha256) {
      static std::atomic<std::uint64_t> counter{0};
      if (const auto raw = base64_decode(content_md5); raw && raw->size() == 16) {
        made_up_md5_ = to_hex(*raw);
      } else {
        char md5[33];
        std::snprintf(md5, sizeof md5, "%016llx%016llx", 0xce111e9ULL, static_cast<unsigned long long>(++counter));
        made_up_md5_ = md5;
      }
      made_up_sha256_ = std::move(declared_sha256);
    }
    std::uint64_t size() const { return received_; }

    // The body as Bytes with its digests; leaves this empty.
    Bytes take() {
      seal();
      std::string md5, sha;
      if (background_) {
        auto hex = background_->finish();
        md5 = std::move(hex.md5);
        sha = std::move(hex.sha256);
        background_.reset();
      } else if (made_up_md5_) {
        md5 = std::move(*made_up_md5_);
        sha = std::move(made_up_sha256_);
        made_up_md5_.reset();
      } else {
        md5 = md5_ ? md5_->hex_final() : std::string();
        sha = sha256_ ? sha256_->hex_final() : std::string();
      }
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
      feed_background();
      if (current_.capacity() - current_.size() > kMaxSlack) {
        if (background_) background_->wait();  // the worker may still read the bytes that move
        current_.shrink_to_fit();
      }
      const std::uint64_t n = current_.size();
      pieces_.push_back({make_payload(std::move(current_)), 0, n});  // the buffer moves, its bytes do not
      current_ = std::string();
      fed_ = 0;
    }
    // Hands the worker what current_ holds beyond what it was given.
    void feed_background() {
      if (!background_ || current_.size() == fed_) return;
      background_->feed(current_.data() + fed_, current_.size() - fed_);
      fed_ = current_.size();
    }
    void append(const char* p, std::size_t n) {
      if (!background_ && (md5_ || sha256_) && (received_ >= kBackgroundMin || (expected_ && *expected_ >= kBackgroundMin))) {
        // Everything before this piece was hashed inline.
        background_ = std::make_unique<BackgroundDigests>(std::move(md5_), std::move(sha256_));
        md5_.reset();
        sha256_.reset();
        fed_ = current_.size();
      }
      if (!background_) {
        if (md5_) md5_->update(p, n);
        if (sha256_) sha256_->update(p, n);
      }
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
        if (current_.size() - fed_ >= kFeedStretch) feed_background();
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
    std::optional<std::string> made_up_md5_;
    std::string made_up_sha256_;
    std::size_t fed_ = 0;  // bytes of current_ handed to background_
    // Last: destroyed first, waiting for the worker before the chunks go.
    std::unique_ptr<BackgroundDigests> background_;
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
