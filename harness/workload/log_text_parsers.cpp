// The line-oriented sources: distribution's "response completed" lines
// (logrus text, key=value with sorted keys, values quoted without escaping;
// or logrus JSON) and nginx's combined access log (optionally followed by
// extras, the last of which may be $request_length; or an escape=json format).
#include <cctype>
#include <istream>
#include <map>

#include "harness/workload/log_import.h"

namespace stalemate::harness::workload {

namespace {

std::optional<std::uint64_t> to_uint(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::stoull(s);
}

// logrus text: key=value pairs. A quoted value ends at the quote that is
// followed by " key=" or the end of the line (logrus does not escape quotes).
std::map<std::string, std::string> logrus_fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  const auto n = line.size();
  while (pos < n) {
    while (pos < n && line[pos] == ' ') ++pos;
    const auto eq = line.find('=', pos);
    if (eq == std::string::npos) break;
    const std::string key = line.substr(pos, eq - pos);
    if (key.empty() || key.find(' ') != std::string::npos) break;
    std::size_t v = eq + 1;
    std::string value;
    if (v < n && line[v] == '"') {
      std::size_t close = v + 1;
      for (;; ++close) {
        close = line.find('"', close);
        if (close == std::string::npos) return {};  // unterminated: malformed
        const auto rest = close + 1;
        if (rest >= n || line.find_first_not_of(" \r", rest) == std::string::npos) break;
        if (line[rest] == ' ') {
          const auto next_eq = line.find('=', rest + 1), next_space = line.find(' ', rest + 1);
          if (next_eq != std::string::npos && next_eq < next_space) break;
        }
      }
      value = line.substr(v + 1, close - v - 1);
      pos = close + 1;
    } else {
      const auto end = line.find(' ', v);
      value = line.substr(v, end == std::string::npos ? std::string::npos : end - v);
      pos = end == std::string::npos ? n : end;
    }
    while (!value.empty() && value.back() == '\r') value.pop_back();
    out[key] = value;
  }
  return out;
}

// Fills the request from distribution's field names; "" or why it cannot.
std::string distribution_request(const std::map<std::string, std::string>& f, LogRequest& r) {
  auto get = [&](const char* k) { const auto it = f.find(k); return it == f.end() ? std::string() : it->second; };
  for (const char* key : {"time", "http.request.method", "http.request.uri", "http.response.status"})
    if (get(key).empty()) return std::string("no ") + key;
  const auto t = parse_rfc3339_us(get("time"));
  if (!t) return "bad time \"" + get("time") + "\"";
  const auto status = to_uint(get("http.response.status"));
  if (!status || *status > 999) return "bad http.response.status";
  r.time_us = *t;
  r.method = get("http.request.method");
  r.uri = get("http.request.uri");
  r.status = static_cast<int>(*status);
  r.client = client_address(get("http.request.remoteaddr"));
  if (r.client.empty()) r.client = "unknown";
  r.user_agent = get("http.request.useragent");
  if (const auto w = to_uint(get("http.response.written"))) r.written = *w;
  return "";
}

}  // namespace

ParsedLog parse_distribution_log(std::istream& in, const std::string& file) {
  ParsedLog out;
  for_each_log_line(in, out, [&](const std::string& line, std::size_t n) {
    const std::string where = file + ":" + std::to_string(n);
    std::map<std::string, std::string> fields;
    if (line[line.find_first_not_of(" \t")] == '{') {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error&) {
        out.malformed.push_back(where + ": not JSON");
        return;
      }
      if (!j.is_object() || !j.contains("msg")) {
        out.malformed.push_back(where + ": a JSON line without \"msg\"");
        return;
      }
      for (const auto& [k, v] : j.items()) fields[k] = v.is_string() ? v.get<std::string>() : v.dump();
    } else if (line.find("level=") != std::string::npos && line.find("msg=") != std::string::npos) {
      fields = logrus_fields(line);
      if (fields.empty()) {
        out.malformed.push_back(where + ": unterminated quoted value");
        return;
      }
    } else {
      // The registry's other output (gorilla access lines on stdout, startup banners) is not ours.
      const bool access_line = line.find("\" ") != std::string::npos && line.find(" - ") != std::string::npos;
      if (access_line)
        ++out.ignored;
      else
        out.malformed.push_back(where + ": neither a logrus text nor a JSON line");
      return;
    }
    if (fields["msg"] != "response completed") {  // other messages, "response completed with error"
      ++out.ignored;
      return;
    }
    keep_or_report(out, file, n, where, [&](LogRequest& r) { return distribution_request(fields, r); });
  });
  return out;
}

namespace {

// A quoted field of a combined line starting at pos (at the quote); nginx and
// gorilla escape '"' as \x22 or \". Returns the end (after the closing quote).
std::optional<std::size_t> quoted(const std::string& line, std::size_t pos, std::string& value) {
  if (pos >= line.size() || line[pos] != '"') return std::nullopt;
  value.clear();
  for (std::size_t i = pos + 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      value += line[i];
      value += line[++i];
    } else if (line[i] == '"') {
      return i + 1;
    } else {
      value += line[i];
    }
  }
  return std::nullopt;
}

std::string combined_request(const std::string& line, LogRequest& r) {
  // $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"...
  const auto sp = line.find(' ');
  const auto open = line.find(" [");
  const auto close = line.find("] \"");
  if (sp == std::string::npos || open == std::string::npos || close == std::string::npos || close < open)
    return "not a combined log line";
  r.client = client_address(line.substr(0, sp));
  const auto t = parse_clf_time_us(line.substr(open + 2, close - open - 2));
  if (!t) return "bad time \"" + line.substr(open + 2, close - open - 2) + "\"";
  r.time_us = *t;
  std::string request;
  auto pos = quoted(line, close + 2, request);
  if (!pos) return "unterminated request";
  const auto s1 = request.find(' '), s2 = request.rfind(' ');
  if (s1 == std::string::npos || s1 == s2) return "request \"" + request + "\" is not METHOD URI PROTOCOL";
  r.method = request.substr(0, s1);
  r.uri = request.substr(s1 + 1, s2 - s1 - 1);
  // status, bytes
  std::size_t p = *pos;
  auto word = [&]() {
    while (p < line.size() && line[p] == ' ') ++p;
    const auto end = line.find(' ', p);
    std::string w = line.substr(p, end == std::string::npos ? std::string::npos : end - p);
    p = end == std::string::npos ? line.size() : end;
    return w;
  };
  const auto status = to_uint(word());
  if (!status || *status > 999) return "bad status";
  r.status = static_cast<int>(*status);
  const auto bytes = word();
  if (bytes != "-") {
    const auto b = to_uint(bytes);
    if (!b) return "bad body bytes \"" + bytes + "\"";
    r.written = *b;
  }
  while (p < line.size() && line[p] == ' ') ++p;
  std::string referer, ua;
  auto q = quoted(line, p, referer);
  if (!q) return "no referer field";
  q = quoted(line, *q + 1, ua);
  if (!q) return "no user-agent field";
  r.user_agent = ua;
  // Extras: the last one may be $request_length (the upload's size, headers included).
  std::string rest = line.substr(*q);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) rest.pop_back();
  const auto last_space = rest.rfind(' ');
  if (!rest.empty() && last_space != std::string::npos) {
    if (const auto len = to_uint(rest.substr(last_space + 1))) r.request_length = *len;
  }
  return "";
}

// nginx escape=json formats with the usual variable names as keys.
std::string json_access_request(const nlohmann::json& j, LogRequest& r) {
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  const std::string method = !str("method").empty() ? str("method") : str("request_method");
  const std::string uri = !str("uri").empty() ? str("uri") : str("request_uri");
  if (method.empty() || uri.empty()) return "a JSON line without method and uri";
  std::optional<std::int64_t> t;
  for (const char* k : {"time", "time_iso8601", "time_local", "access_time"}) {
    const auto v = str(k);
    if (v.empty()) continue;
    t = parse_rfc3339_us(v);
    if (!t) t = parse_clf_time_us(v);
    if (t) break;
  }
  if (!t) return "no parseable time";
  const auto status = to_uint(str("status"));
  if (!status || *status > 999) return "bad status";
  r.time_us = *t;
  r.method = method;
  r.uri = uri;
  r.status = static_cast<int>(*status);
  r.client = client_address(!str("remote_addr").empty() ? str("remote_addr") : str("client_ip"));
  if (r.client.empty()) r.client = "unknown";
  r.user_agent = str("http_user_agent");
  if (const auto b = to_uint(str("body_bytes_sent"))) r.written = *b;
  if (const auto l = to_uint(str("request_length"))) r.request_length = *l;
  return "";
}

}  // namespace

ParsedLog parse_nginx_log(std::istream& in, const std::string& file) {
  ParsedLog out;
  for_each_log_line(in, out, [&](const std::string& line, std::size_t n) {
    keep_or_report(out, file, n, file + ":" + std::to_string(n), [&](LogRequest& r) -> std::string {
      if (line[line.find_first_not_of(" \t")] != '{') return combined_request(line, r);
      try {
        return json_access_request(nlohmann::json::parse(line), r);
      } catch (const nlohmann::json::exception&) {
        return "not JSON";
      }
    });
  });
  return out;
}

}  // namespace stalemate::harness::workload
