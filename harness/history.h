// The run's history, Jepsen-style: every client request in order, and every
// invariant violation pointing back at the request that exposed it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/http_types.h"

namespace stalemate::harness {

struct RequestRecord {
  std::int64_t start_us = 0;  // wall clock, microseconds since the epoch
  std::int64_t end_us = 0;
  std::string operation;      // what the client was doing: "push-blob", "pull-manifest", "pull-blob",
                              // "pull-blob-resume", "pull-blob-slice", "pull-blob-retry", "push-retry", ...
  std::string method;
  std::string url;            // as sent (absolute)
  std::string range;          // Range header sent, "" when none
  int status = 0;             // 0: no response
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::string verdict = "ok";  // "ok", "violation", "error" (a failed request that broke no invariant)
  std::string note;            // transport error or a short explanation
};

struct Violation {
  std::string invariant;  // "blob-digest", "blob-length", "content-length", "docker-content-digest",
                          // "head-size", "manifest-digest", "acknowledged-readable", "range-bytes"
                          // (a 206 whose bytes are not the true bytes at the offsets it claims)
  std::string message;    // one line a person can read
  std::size_t request_index = 0;  // index into History::requests()
  std::string method;
  std::string url;
  Headers response_headers;
  std::uint64_t bytes_received = 0;
  std::uint64_t expected_size = 0;
  std::string expected_digest;
  std::string seen_digest;  // "" when not computed (e.g. no body)
};

class History {
 public:
  // Returns the index of the new record.
  std::size_t add_request(RequestRecord record);
  void mark(std::size_t index, const std::string& verdict, const std::string& note);
  void add_violation(Violation violation);  // also marks its request "violation"

  std::vector<RequestRecord> requests() const;
  std::vector<Violation> violations() const;
  std::size_t violation_count() const;

 private:
  mutable std::mutex mu_;
  std::vector<RequestRecord> requests_;
  std::vector<Violation> violations_;
};

void to_json(nlohmann::json& j, const RequestRecord& r);
void to_json(nlohmann::json& j, const Violation& v);

}  // namespace stalemate::harness
