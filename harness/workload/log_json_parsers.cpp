// The JSON-shaped sources: the FAST'18 IBM traces (one JSON array of request
// records per file; JSON lines accepted too) and distribution's notification
// events (envelopes {"events": [...]}, one per line or one per file, or bare
// events). Also the time parsers every format shares.
#include <cctype>
#include <ctime>
#include <istream>
#include <sstream>

#include "harness/workload/log_import.h"

namespace stalemate::harness::workload {

namespace {

int digits(const std::string& s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<std::int64_t> utc_us(int y, int mo, int d, int h, int mi, int s, std::int64_t frac_us, int offset_s) {
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return secs * 1'000'000 + frac_us;
}

std::string strip_port(std::string addr) {
  if (!addr.empty() && addr[0] == '[') {  // [::1]:5000
    const auto close = addr.find(']');
    return close == std::string::npos ? addr : addr.substr(1, close - 1);
  }
  const auto colon = addr.rfind(':');
  if (colon != std::string::npos && addr.find(':') == colon) addr.resize(colon);  // a.b.c.d:port, not bare IPv6
  return addr;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_us(const std::string& t) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  const int y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2), h = digits(t, 11, 2),
            mi = digits(t, 14, 2), s = digits(t, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac_us = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000;
    const std::size_t start = pos;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
      frac_us += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset = 0;
  if (pos < t.size() && t[pos] == 'Z') {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    const int oh = digits(t, pos + 1, 2), om = digits(t, pos + 4, 2);
    if (oh < 0 || om < 0 || t[pos + 3] != ':') return std::nullopt;
    offset = (t[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  return utc_us(y, mo, d, h, mi, s, frac_us, offset);
}

std::optional<std::int64_t> parse_clf_time_us(const std::string& t) {
  // 23/Jun/2021:20:40:10 +0000
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[20] != ' ') return std::nullopt;
  int mo = -1;
  for (int i = 0; i < 12; ++i)
    if (t.compare(3, 3, months[i]) == 0) mo = i + 1;
  const int d = digits(t, 0, 2), y = digits(t, 7, 4), h = digits(t, 12, 2), mi = digits(t, 15, 2),
            s = digits(t, 18, 2), oh = digits(t, 22, 2), om = digits(t, 24, 2);
  if (mo < 0 || d < 0 || y < 0 || h < 0 || mi < 0 || s < 0 || oh < 0 || om < 0 || (t[21] != '+' && t[21] != '-'))
    return std::nullopt;
  return utc_us(y, mo, d, h, mi, s, 0, (t[21] == '-' ? -1 : 1) * (oh * 3600 + om * 60));
}

std::string client_address(const std::string& addr) { return strip_port(addr); }

namespace {

// One IBM record; "" when it is one, else why not.
std::string ibm_record(const nlohmann::json& j, LogRequest& r) {
  if (!j.is_object()) return "not a JSON object";
  for (const char* key : {"timestamp", "http.request.uri", "http.request.method"})
    if (!j.contains(key) || !j[key].is_string()) return std::string("no string \"") + key + "\"";
  const auto t = parse_rfc3339_us(j["timestamp"].get<std::string>());
  if (!t) return "bad timestamp \"" + j["timestamp"].get<std::string>() + "\"";
  r.time_us = *t;
  r.method = j["http.request.method"].get<std::string>();
  r.uri = j["http.request.uri"].get<std::string>();
  if (r.uri.empty() || r.uri[0] != '/') r.uri = "/" + r.uri;  // the traces drop the leading slash
  r.client = j.value("http.request.remoteaddr", std::string("unknown"));
  r.user_agent = j.value("http.request.useragent", std::string());
  const auto& status = j.contains("http.response.status") ? j["http.response.status"] : nlohmann::json();
  if (!status.is_number_integer()) return "no integer \"http.response.status\"";
  r.status = status.get<int>();
  if (j.contains("http.response.written")) {
    const auto& w = j["http.response.written"];
    if (!w.is_number_integer() || w.get<std::int64_t>() < 0) return "bad \"http.response.written\"";
    r.written = w.get<std::uint64_t>();
    if (r.method == "PUT" || r.method == "PATCH") r.request_length = r.written;  // IBM logs the uploaded size there
  }
  return "";
}

// JSON values one per line, or the whole stream as one JSON value.
template <typename Each>
void json_values(std::istream& in, const std::string& file, ParsedLog& out, Each each) {
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    try {
      const auto all = nlohmann::json::parse(text);
      for (std::size_t i = 0; i < all.size(); ++i) {
        ++out.lines;
        each(all[i], file + ": record " + std::to_string(i + 1), i + 1);
      }
      return;
    } catch (const nlohmann::json::parse_error&) {
      // not one array: read it line by line below (a truncated array names its bad lines)
    }
  }
  std::istringstream lines(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.find_first_not_of(" \t[]") == std::string::npos) continue;  // the array's own brackets on their lines
    ++out.lines;
    while (!line.empty() && (line.back() == ',' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      out.malformed.push_back(file + ":" + std::to_string(n) + ": not JSON");
      continue;
    }
    each(j, file + ":" + std::to_string(n), n);
  }
}

}  // namespace

ParsedLog parse_ibm_log(std::istream& in, const std::string& file) {
  ParsedLog out;
  json_values(in, file, out, [&](const nlohmann::json& j, const std::string& where, std::size_t line) {
    keep_or_report(out, file, line, where, [&](LogRequest& r) { return ibm_record(j, r); });
  });
  return out;
}

namespace {

bool is_manifest_type(const std::string& media_type) {
  return media_type.find("manifest") != std::string::npos || media_type.find("image.index") != std::string::npos;
}

// One notification event -> the request it stands for.
std::string notification_event(const nlohmann::json& e, LogRequest& r) {
  if (!e.is_object() || !e.contains("action") || !e["action"].is_string()) return "no \"action\"";
  if (!e.contains("target") || !e["target"].is_object()) return "no \"target\"";
  if (!e.contains("timestamp") || !e["timestamp"].is_string()) return "no \"timestamp\"";
  const auto t = parse_rfc3339_us(e["timestamp"].get<std::string>());
  if (!t) return "bad timestamp \"" + e["timestamp"].get<std::string>() + "\"";
  const auto& target = e["target"];
  const std::string action = e["action"].get<std::string>();
  const std::string repo = target.value("repository", std::string());
  const std::string digest = target.value("digest", std::string());
  const std::string tag = target.value("tag", std::string());
  if (repo.empty()) return "no target.repository";
  r.time_us = *t;
  r.media_type = target.value("mediaType", std::string());
  if (target.contains("size") && target["size"].is_number_integer() && target["size"].get<std::int64_t>() >= 0)
    r.size = target["size"].get<std::uint64_t>();
  const auto& req = e.contains("request") && e["request"].is_object() ? e["request"] : nlohmann::json::object();
  r.client = strip_port(req.value("addr", std::string("unknown")));
  r.user_agent = req.value("useragent", std::string());
  r.status = 200;
  const bool manifest = is_manifest_type(r.media_type);
  const std::string ref = manifest && !tag.empty() ? tag : digest;
  if (ref.empty()) return "no target.digest or target.tag";
  const std::string kind = manifest ? "/manifests/" : "/blobs/";
  if (action == "pull") {
    r.method = req.value("method", std::string("GET")) == "HEAD" ? "HEAD" : "GET";
    r.uri = "/v2/" + repo + kind + ref;
    if (!manifest && r.size) r.written = r.size;
  } else if (action == "push") {
    r.method = "PUT";
    r.status = 201;
    r.uri = manifest ? "/v2/" + repo + "/manifests/" + ref : "/v2/" + repo + "/blobs/uploads/n?digest=" + digest;
  } else if (action == "mount") {
    r.method = "POST";
    r.status = 201;
    r.uri = "/v2/" + repo + "/blobs/uploads/?mount=" + digest;
  } else if (action == "delete") {
    r.method = "DELETE";
    r.status = 202;
    r.uri = "/v2/" + repo + "/manifests/" + (digest.empty() ? tag : digest);
  } else {
    return "unknown action \"" + action + "\"";
  }
  return "";
}

}  // namespace

ParsedLog parse_notifications(std::istream& in, const std::string& file) {
  ParsedLog out;
  json_values(in, file, out, [&](const nlohmann::json& j, const std::string& where, std::size_t line) {
    auto one = [&](const nlohmann::json& e) {
      keep_or_report(out, file, line, where, [&](LogRequest& r) { return notification_event(e, r); });
    };
    if (j.is_object() && j.contains("events")) {
      if (!j["events"].is_array()) {
        out.malformed.push_back(where + ": \"events\" is not a list");
        return;
      }
      for (const auto& e : j["events"]) one(e);
    } else {
      one(j);
    }
  });
  return out;
}

}  // namespace stalemate::harness::workload
