// Digests of a large request body computed on a worker thread while the
// connection's thread goes on reading: MD5 runs at ~0.75 GB/s on one core,
// so hashing inline makes the fake's read loop pay recv + MD5 in series. Here
// they overlap, and finish() waits only for the hashing still behind. (A body
// that arrives faster than MD5, as a registry's segment PUT does, still waits
// for most of its MD5: the response carries it.)
//
// The fed bytes must stay where they are until finish() or the destructor
// returns (ChunkBody feeds stretches of chunks it has already sized).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "common/crypto.h"

namespace stalemate::sim {

class BackgroundDigests {
 public:
  // Takes over digests that may already have hashed the body's first bytes.
  BackgroundDigests(std::optional<StreamingDigest> md5, std::optional<StreamingDigest> sha256);
  ~BackgroundDigests();  // waits for the worker: it may still read fed bytes
  BackgroundDigests(const BackgroundDigests&) = delete;
  BackgroundDigests& operator=(const BackgroundDigests&) = delete;

  void feed(const char* data, std::size_t n);
  void wait();  // until every fed byte is hashed: then they may move

  struct Hex {
    std::string md5, sha256;  // empty when not asked for
  };
  Hex finish();  // waits for every fed byte; call once

 private:
  struct Job;
  std::shared_ptr<Job> job_;
};

}  // namespace stalemate::sim
