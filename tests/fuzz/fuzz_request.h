// Fuzz input as HTTP requests, in a text shape a corpus file can be written
// in by hand: "METHOD TARGET\nName: value\n...\n\nbody", several requests
// separated by a "\n----\n" line. Content-Length, when there is a body or
// a PUT/POST, is the body's size, as the Beast server guarantees; everything
// else is taken as written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_types.h"

namespace fuzz {

inline constexpr std::size_t kMaxRequests = 8;

inline std::vector<std::string_view> split_requests(std::string_view data) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < kMaxRequests) {
    const auto sep = data.find("\n----\n");
    if (sep == std::string_view::npos) break;
    out.push_back(data.substr(0, sep));
    data.remove_prefix(sep + 6);
  }
  out.push_back(data);
  return out;
}

// nullopt when the request line has no target or the target does not parse
// (the server answers 400 itself then).
inline std::optional<stalemate::HttpRequest> request_from_text(std::string_view text) {
  stalemate::HttpRequest req;
  auto eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  req.method = std::string(line.substr(0, space));
  req.target = std::string(line.substr(space + 1));
  while (!text.empty() && text.front() != '\n') {  // headers up to the empty line
    eol = text.find('\n');
    line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    auto [it, inserted] = req.headers.emplace(std::string(line.substr(0, colon)), std::string(value));
    if (!inserted) it->second += ", " + std::string(value);
  }
  if (!text.empty()) text.remove_prefix(1);
  if (req.has_header("Content-Length") || !text.empty() || req.method == "PUT" || req.method == "POST")
    req.headers["Content-Length"] = std::to_string(text.size());
  req.body = stalemate::make_payload(std::string(text));
  req.host = req.has_header("Host") ? req.header("Host") : "127.0.0.1:8080";
  if (!stalemate::parse_request_target(req)) return std::nullopt;
  return req;
}

}  // namespace fuzz
