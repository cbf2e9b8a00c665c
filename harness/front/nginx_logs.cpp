#include "harness/front/nginx_logs.h"

#include <sstream>

#include <nlohmann/json.hpp>

namespace stalemate::harness::front {

namespace {

bool under(const std::string& file, const std::filesystem::path& dir) {
  if (dir.empty()) return false;
  const std::string d = dir.string();
  return file.size() > d.size() && file.compare(0, d.size(), d) == 0 && file[d.size()] == '/';
}

// The quoted value after `key: "` up to the closing quote ("" when absent).
std::string field(const std::string& line, const std::string& key) {
  const std::string open = ", " + key + ": \"";
  const auto at = line.find(open);
  if (at == std::string::npos) return "";
  const auto start = at + open.size();
  const auto end = line.find('"', start);
  return end == std::string::npos ? "" : line.substr(start, end - start);
}

std::uint64_t to_u64(const std::string& s) {
  try {
    return s.empty() || s == "-" ? 0 : std::stoull(s);
  } catch (...) {
    return 0;
  }
}

}  // namespace

const char* to_string(FrontLogKind kind) {
  switch (kind) {
    case FrontLogKind::SpoolWriteFailed: return "spool-write-failed";
    case FrontLogKind::TempWriteFailed: return "temp-write-failed";
    case FrontLogKind::CacheWriteFailed: return "cache-write-failed";
    case FrontLogKind::UpstreamPrematureClose: return "upstream-premature-close";
    case FrontLogKind::Other: return "other";
  }
  return "other";
}

std::string ErrorLogRecord::summary() const {
  std::string what;
  switch (kind) {
    case FrontLogKind::SpoolWriteFailed: what = "spool full"; break;
    case FrontLogKind::TempWriteFailed: what = "proxy temp full"; break;
    case FrontLogKind::CacheWriteFailed: what = "cache full"; break;
    case FrontLogKind::UpstreamPrematureClose: what = "upstream closed early"; break;
    case FrontLogKind::Other: what = level; break;
  }
  return what + " (" + message + ")";
}

std::vector<ErrorLogRecord> parse_error_log(const std::string& text, const FrontDirs& dirs) {
  std::vector<ErrorLogRecord> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // 2026/11/30 04:31:02 [crit] 123#0: *5 pwrite() "/…" failed (28: No space left on device), client: …
    if (line.size() < 22 || line[19] != ' ' || line[20] != '[') continue;
    const auto close = line.find(']', 21);
    if (close == std::string::npos) continue;
    ErrorLogRecord r;
    r.time = line.substr(0, 19);
    r.level = line.substr(21, close - 21);
    const bool severe = r.level == "error" || r.level == "crit" || r.level == "alert" || r.level == "emerg";
    std::size_t pos = line.find(": ", close);
    if (pos == std::string::npos) continue;
    pos += 2;
    if (line.compare(pos, 1, "*") == 0) {
      const auto sp = line.find(' ', pos);
      r.connection = static_cast<std::int64_t>(to_u64(line.substr(pos + 1, sp - pos - 1)));
      pos = sp == std::string::npos ? line.size() : sp + 1;
    }
    const auto client = line.find(", client: ", pos);
    r.message = line.substr(pos, client == std::string::npos ? std::string::npos : client - pos);
    r.request = field(line, "request");
    r.subrequest = field(line, "subrequest");
    r.upstream = field(line, "upstream");
    r.line = line;

    // syscall() "file" failed (28: text)   |   syscall() "file" has written only N of M
    const auto paren = r.message.find("() \"");
    if (paren != std::string::npos) {
      const auto name_start = r.message.rfind(' ', paren);
      r.syscall = r.message.substr(name_start == std::string::npos ? 0 : name_start + 1,
                                   paren + 2 - (name_start == std::string::npos ? 0 : name_start + 1));
      const auto fstart = paren + 4;
      const auto fend = r.message.find('"', fstart);
      if (fend != std::string::npos) {
        r.file = r.message.substr(fstart, fend - fstart);
        const std::string rest = r.message.substr(fend + 1);
        if (rest.rfind(" failed (", 0) == 0) {
          const auto colon = rest.find(": ", 9);
          r.err = static_cast<int>(to_u64(rest.substr(9, colon - 9)));
          if (colon != std::string::npos) r.err_text = rest.substr(colon + 2, rest.find(')', colon) - colon - 2);
        } else if (rest.rfind(" has written only ", 0) == 0) {
          std::istringstream nums(rest.substr(18));
          std::string of;
          nums >> r.written >> of >> r.wanted;
        }
      }
    }
    // The cross-filesystem copy's short write names its file without quotes:
    // write() has written only N of M to /…/<md5>.0000000005 while reading upstream
    const auto only = r.message.find("() has written only ");
    if (paren == std::string::npos && only != std::string::npos) {
      const auto name_start = r.message.rfind(' ', only);
      r.syscall = r.message.substr(name_start == std::string::npos ? 0 : name_start + 1,
                                   only + 2 - (name_start == std::string::npos ? 0 : name_start + 1));
      std::istringstream rest(r.message.substr(only + 20));
      std::string of, to;
      rest >> r.written >> of >> r.wanted >> to >> r.file;
      if (to != "to") r.file.clear();
    }
    const bool write_failed = !r.file.empty() && (r.err != 0 || r.wanted > 0);
    if (write_failed && under(r.file, dirs.spool))
      r.kind = FrontLogKind::SpoolWriteFailed;
    // The copy of a finished temp file into the cache (another filesystem) is
    // a write(); temp files themselves, also those kept in the cache
    // directory (use_temp_path=off), are written with pwrite()/pwritev().
    else if (write_failed && under(r.file, dirs.cache) && r.syscall == "write()")
      r.kind = FrontLogKind::CacheWriteFailed;
    else if (write_failed && (under(r.file, dirs.temp) || under(r.file, dirs.cache)))
      r.kind = FrontLogKind::TempWriteFailed;
    else if (r.message.find("upstream prematurely closed connection") != std::string::npos)
      r.kind = FrontLogKind::UpstreamPrematureClose;
    else if (!severe)
      continue;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<AccessRecord> parse_access_log(const std::string& text) {
  std::vector<AccessRecord> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    auto s = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
    AccessRecord r;
    r.time = s("time");
    r.request_id = s("request_id");
    r.method = s("method");
    r.uri = s("uri");
    r.range = s("range");
    r.cache_status = s("cache");
    r.upstream_addr = s("upstream_addr");
    r.connection = static_cast<std::int64_t>(to_u64(s("connection")));
    r.connection_requests = static_cast<std::int64_t>(to_u64(s("connection_requests")));
    r.status = static_cast<int>(to_u64(s("status")));
    r.upstream_status_text = s("upstream_status");
    // With several tries ("502, 200") the last one answered the client.
    const auto last = r.upstream_status_text.rfind(' ');
    const std::string final_status = r.upstream_status_text.substr(last == std::string::npos ? 0 : last + 1);
    if (!final_status.empty() && final_status != "-" && std::isdigit(static_cast<unsigned char>(final_status[0])))
      r.upstream_status = static_cast<int>(to_u64(final_status));
    r.request_length = to_u64(s("request_length"));
    r.bytes_sent = to_u64(s("bytes_sent"));
    r.body_bytes_sent = to_u64(s("body_bytes_sent"));
    r.upstream_bytes_received = to_u64(s("upstream_bytes_received"));
    try {
      r.request_time = std::stod(s("request_time"));
    } catch (...) {
    }
    try {
      r.end_us = static_cast<std::int64_t>(std::stod(s("msec")) * 1e6);
    } catch (...) {
    }
    out.push_back(std::move(r));
  }
  return out;
}

void attach_request_ids(std::vector<ErrorLogRecord>& errors, const std::vector<AccessRecord>& access) {
  for (auto& e : errors) {
    if (e.connection < 0) continue;
    for (const auto& a : access) {
      if (a.connection != e.connection) continue;
      // The request line is "METHOD URI HTTP/x"; keep-alive connections carry several.
      if (!e.request.empty() && e.request.rfind(a.method + " " + a.uri + " ", 0) != 0) continue;
      e.request_id = a.request_id;
      break;
    }
  }
}

}  // namespace stalemate::harness::front
