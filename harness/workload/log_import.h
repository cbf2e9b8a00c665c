// Importers: registry logs in their real formats -> a trace. Each format's
// parser turns lines into LogRequests (one HTTP request, or one notification
// event); the sessions step groups them per client and repository into
// pushes (blob uploads ... manifest PUT) and pulls (manifest GET, blob GETs).
// Malformed lines are counted and named by line, never fatal; a file that is
// not the format at all is an InputError (exit 2).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/workload/trace.h"

namespace stalemate::harness::workload {

struct LogRequest {
  std::string file;
  std::size_t line = 0;
  std::int64_t time_us = 0;  // since the epoch
  std::string client;        // remote address (port stripped) or anonymised host token
  std::string method;
  std::string uri;           // "/v2/<name>/blobs/<digest>" ... (a leading slash is added when missing)
  int status = 0;
  std::optional<std::uint64_t> written;         // response body bytes
  std::optional<std::uint64_t> request_length;  // nginx $request_length: the upload's size, headers included
  std::optional<std::uint64_t> size;            // the blob's exact size (notifications)
  std::string user_agent;
  std::string media_type;  // notifications: target.mediaType
};

struct ParsedLog {
  std::vector<LogRequest> requests;
  std::size_t lines = 0;    // non-blank lines (IBM: records)
  std::size_t ignored = 0;  // well-formed but not a request record (other log messages)
  std::vector<std::string> malformed;  // "file:line: why"
};

// Shared by the parsers: calls f(text, line number) for each non-blank line
// (counted in out.lines); keeps the request `fill` completes, or records the
// reason it returns as a malformed line "WHERE: why".
void for_each_log_line(std::istream& in, ParsedLog& out, const std::function<void(const std::string&, std::size_t)>& f);
void keep_or_report(ParsedLog& out, const std::string& file, std::size_t line, const std::string& where,
                    const std::function<std::string(LogRequest&)>& fill);

// The formats `stalemate import` takes.
const std::vector<std::string>& import_formats();  // ibm, distribution, nginx, notifications

ParsedLog parse_ibm_log(std::istream& in, const std::string& file);
ParsedLog parse_distribution_log(std::istream& in, const std::string& file);  // logrus text and JSON
ParsedLog parse_nginx_log(std::istream& in, const std::string& file);         // combined (+ extras), or escape=json
ParsedLog parse_notifications(std::istream& in, const std::string& file);

struct ImportResult {
  Trace trace;
  nlohmann::json summary;  // counts: requests, pushes, pulls, sizes_inferred, malformed (+ lines) ...
};

// Groups requests into push and pull events (see the header comment).
ImportResult requests_to_trace(std::vector<LogRequest> requests, const std::string& source);

// Reads every file in the format; throws InputError when a file holds no
// line of that format (or cannot be read).
ImportResult import_logs(const std::string& format, const std::vector<std::string>& files);

// Time helpers (exposed for tests): microseconds since the epoch.
std::optional<std::int64_t> parse_rfc3339_us(const std::string& text);    // 2021-06-23T20:40:10.550816892Z, ±hh:mm
std::optional<std::int64_t> parse_clf_time_us(const std::string& text);  // 23/Jun/2021:20:40:10 +0000
std::string client_address(const std::string& addr);                     // "1.2.3.4:5678" -> "1.2.3.4"

}  // namespace stalemate::harness::workload
