// nginx's error.log and the front's JSON access log read into typed records:
// the write failures of a full spool, temp or cache filesystem, an upstream
// that closed early, each with the request it belonged to, so that a report
// can say "front 500: spool full (pwrite() … No space left on device)" and
// join it to the request id through the connection number.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stalemate::harness::front {

enum class FrontLogKind {
  SpoolWriteFailed,        // client body temp file: pwrite()/pwritev() ENOSPC or short (1a, 1c)
  TempWriteFailed,         // proxy temp file "while reading upstream" (2c), also one in the cache dir
  CacheWriteFailed,        // the cross-filesystem copy into the cache directory (2d's [alert] write())
  UpstreamPrematureClose,  // "upstream prematurely closed connection" (2a, 3b)
  Other,                   // anything else at [error] or above
};
const char* to_string(FrontLogKind kind);

// Which directory is which, so a failed write is told apart by its path.
struct FrontDirs {
  std::filesystem::path spool, temp, cache;
};

struct ErrorLogRecord {
  FrontLogKind kind = FrontLogKind::Other;
  std::string time;          // "2026/11/30 04:31:02"
  std::string level;         // "crit", "error", "alert"…
  std::int64_t connection = -1;  // nginx's *N, the access log's $connection
  std::string message;       // between "*N " and ", client:"
  std::string syscall;       // "pwrite()", "pwritev()", "write()"
  std::string file;          // the file it was writing
  int err = 0;               // 28 for ENOSPC; 0 for a short write
  std::string err_text;      // "No space left on device"
  std::uint64_t written = 0, wanted = 0;  // "has written only N of M"
  std::string request;       // "PATCH /v2/… HTTP/1.1"
  std::string subrequest;    // slice subrequests: "/blob/sh2"
  std::string upstream;
  std::string line;          // the raw line
  std::string request_id;    // joined from the access log (attach_request_ids)

  bool no_space() const { return err == 28 || wanted > written; }
  // "spool full (pwrite() \"…/0000000002\" failed (28: No space left on device))"
  std::string summary() const;
};

// Lines at [warn] or below that are not one of the known kinds are skipped.
std::vector<ErrorLogRecord> parse_error_log(const std::string& text, const FrontDirs& dirs);

struct AccessRecord {
  std::string time, request_id, method, uri, range, cache_status, upstream_addr;
  std::int64_t connection = -1, connection_requests = 0;
  int status = 0;
  std::optional<int> upstream_status;  // none: nginx never asked the upstream ("-")
  std::string upstream_status_text;    // as logged ("502, 200" when it tried two)
  std::uint64_t request_length = 0, bytes_sent = 0, body_bytes_sent = 0, upstream_bytes_received = 0;
  double request_time = 0;
  std::int64_t end_us = 0;  // $msec (when the log line was written) in microseconds since the epoch
};
// One JSON object per line (the front's log_format); bad lines are skipped.
std::vector<AccessRecord> parse_access_log(const std::string& text);

// Gives each error record the request id of the access-log entry on the same
// connection with the same request line (its main request, for subrequests).
void attach_request_ids(std::vector<ErrorLogRecord>& errors, const std::vector<AccessRecord>& access);

}  // namespace stalemate::harness::front
