#include "sim/swift/slo.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/url.h"
#include "sim/swift/byte_range.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {

std::string strip_slashes_front(const std::string& s) { return s.substr(std::min(s.find_first_not_of('/'), s.size())); }

// "a/b/" -> "a/b" and "/a" -> "a": Python's str.strip('/').
std::string strip_slashes(const std::string& s) {
  const auto b = s.find_first_not_of('/');
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of('/') - b + 1);
}

// Python's int() of a JSON value: integers and digit strings.
std::optional<std::int64_t> python_int(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) return static_cast<std::int64_t>(v.get<double>());
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  const auto n = parse_uint(s);
  if (!n || *n > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return negative ? -static_cast<std::int64_t>(*n) : static_cast<std::int64_t>(*n);
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string index_error(std::size_t i, const std::string& text) { return "Index " + std::to_string(i) + ": " + text; }

}  // namespace

std::optional<std::string> strict_b64decode(const std::string& in) {
  std::string s;
  for (char c : in)
    if (c != '\n' && c != '\r') s.push_back(c);  // strict_b64decode drops line breaks first
  if (s.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s[i + k];
      if (c == '=' && i + 4 == s.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad || (v[k] = b64_value(c)) < 0) return std::nullopt;
    }
    const unsigned n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

SloPutParse parse_slo_put_body(const std::string& body, const std::string& account,
                               const std::string& manifest_object_path) {
  SloPutParse out;
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(body);
  } catch (const std::exception&) {
    out.error = "Manifest must be valid JSON.\n";
    out.error_is_plain = false;
    return out;
  }
  if (!parsed.is_array()) {
    out.error = "Manifest must be a list.\n";
    out.error_is_plain = false;
    return out;
  }
  std::vector<std::string> errors;
  const std::size_t n = parsed.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& seg = parsed[i];
    if (!seg.is_object()) {
      errors.push_back(index_error(i, "not a JSON object"));
      continue;
    }
    const bool is_path = seg.contains("path");
    if (!is_path && !seg.contains("data")) {
      errors.push_back(index_error(i, "expected keys to include one of 'path' or 'data'"));
      continue;
    }
    std::vector<std::string> extraneous;
    for (auto it = seg.begin(); it != seg.end(); ++it) {
      const std::string& k = it.key();
      const bool allowed = is_path ? (k == "path" || k == "etag" || k == "size_bytes" || k == "range") : k == "data";
      if (!allowed) extraneous.push_back(json_quote(k));
    }
    if (!extraneous.empty()) {
      std::sort(extraneous.begin(), extraneous.end());
      std::string list;
      for (const auto& e : extraneous) list += (list.empty() ? "" : ", ") + e;
      errors.push_back(index_error(i, "extraneous keys " + list));
      continue;
    }
    SloPutSegment s;
    if (!is_path) {
      const auto data = seg["data"].is_string() ? strict_b64decode(seg["data"].get<std::string>()) : std::nullopt;
      if (!data) {
        errors.push_back(index_error(i, "data must be valid base64"));
        continue;
      }
      if (data->empty()) {
        errors.push_back(index_error(i, "too small; each segment must be at least 1 byte."));
        continue;
      }
      s.data = *data;
      out.segments.push_back(std::move(s));
      continue;
    }
    if (!seg["path"].is_string()) {
      errors.push_back(index_error(i, "\"path\" must be a string"));
      continue;
    }
    if (seg.contains("etag") && !seg["etag"].is_null() && !seg["etag"].is_string()) {
      errors.push_back(index_error(i, "\"etag\" must be a string or null (if provided)"));
      continue;
    }
    s.path = seg["path"].get<std::string>();
    if (strip_slashes(*s.path).find('/') == std::string::npos) {
      errors.push_back(index_error(i, "path does not refer to an object. Path must be of the form /container/object."));
      continue;
    }
    if (seg.contains("etag") && seg["etag"].is_string()) s.etag = seg["etag"].get<std::string>();
    if (seg.contains("size_bytes") && !seg["size_bytes"].is_null()) {
      const auto size = python_int(seg["size_bytes"]);
      if (!size) {
        errors.push_back(index_error(i, "invalid size_bytes"));
        continue;
      }
      if (*size < 1 && i != n - 1) {
        errors.push_back(index_error(i, "too small; each segment must be at least 1 byte."));
        continue;
      }
      s.size_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, *size));
    }
    if ("/v1/" + account + "/" + strip_slashes_front(*s.path) == manifest_object_path) {
      errors.push_back(index_error(i, "manifest must not include itself as a segment"));
      continue;
    }
    if (seg.contains("range") && seg["range"].is_string() && !seg["range"].get<std::string>().empty()) {
      const std::string range = seg["range"].get<std::string>();
      const auto specs = parse_range_header("bytes=" + range);
      if (!specs) {
        errors.push_back(index_error(i, "invalid range"));
        continue;
      }
      if (specs->size() > 1) {
        errors.push_back(index_error(i, "multiple ranges (only one allowed)"));
        continue;
      }
      if (s.size_bytes && resolve_ranges("bytes=" + range, *s.size_bytes).ranges.size() != 1) {
        errors.push_back(index_error(i, "unsatisfiable range"));
        continue;
      }
      s.range = range;
    }
    out.segments.push_back(std::move(s));
  }
  if (n > 0 && std::all_of(parsed.begin(), parsed.end(), [](const auto& d) { return d.is_object() && d.contains("data"); }))
    errors.push_back("Inline data segments require at least one object-backed segment.");
  for (const auto& e : errors) out.error += e + "\n";
  if (!errors.empty()) out.segments.clear();
  return out;
}

std::uint64_t SloEntry::length() const {
  if (data) return data->size();
  if (range) return range->second - range->first + 1;
  return bytes;
}

std::string stored_manifest_json(const std::vector<SloEntry>& entries) {
  std::string j = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const SloEntry& e = entries[i];
    j += i ? ", {" : "{";
    if (e.data) {
      j += "\"data\": " + json_quote(base64_encode(*e.data)) + "}";
      continue;
    }
    j += "\"name\": " + json_quote(e.name) + ", \"bytes\": " + std::to_string(e.bytes) +
         ", \"hash\": " + json_quote(e.hash) + ", \"content_type\": " + json_quote(e.content_type) +
         ", \"last_modified\": " + json_quote(e.last_modified);
    if (e.range) j += ", \"range\": \"" + std::to_string(e.range->first) + "-" + std::to_string(e.range->second) + "\"";
    if (e.sub_slo) j += ", \"sub_slo\": true";
    j += "}";
  }
  return j + "]";
}

std::optional<std::vector<SloEntry>> parse_stored_manifest(const std::string& json) {
  try {
    const auto parsed = nlohmann::json::parse(json);
    if (!parsed.is_array()) return std::nullopt;
    std::vector<SloEntry> out;
    for (const auto& d : parsed) {
      SloEntry e;
      if (d.contains("data")) {
        const auto data = strict_b64decode(d.at("data").get<std::string>());
        if (!data) return std::nullopt;
        e.data = *data;
      } else {
        e.name = d.at("name").get<std::string>();
        e.bytes = d.at("bytes").get<std::uint64_t>();
        e.hash = d.value("hash", "");
        e.content_type = d.value("content_type", "");
        e.last_modified = d.value("last_modified", "");
        e.sub_slo = d.value("sub_slo", false);
        if (d.contains("range")) {
          const std::string r = d.at("range").get<std::string>();
          const auto dash = r.find('-');
          const auto a = parse_uint(r.substr(0, dash)), b = parse_uint(r.substr(dash + 1));
          if (dash == std::string::npos || !a || !b) return std::nullopt;
          e.range = std::make_pair(*a, *b);
        }
      }
      out.push_back(std::move(e));
    }
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string raw_manifest_json(const std::vector<SloEntry>& entries) {
  std::string j = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const SloEntry& e = entries[i];
    j += i ? ", {" : "{";
    if (e.data) {
      j += "\"data\": " + json_quote(base64_encode(*e.data)) + "}";
      continue;
    }
    j += "\"etag\": " + json_quote(e.hash) + ", \"path\": " + json_quote(e.name);
    if (e.range) j += ", \"range\": \"" + std::to_string(e.range->first) + "-" + std::to_string(e.range->second) + "\"";
    j += ", \"size_bytes\": " + std::to_string(e.bytes) + "}";
  }
  return j + "]";
}

std::string slo_etag(const std::vector<SloEntry>& entries) {
  StreamingDigest md5("md5");
  for (const auto& e : entries) {
    if (e.data) md5.update(md5_hex(*e.data));
    else if (e.range) md5.update(e.hash + ":" + std::to_string(e.range->first) + "-" + std::to_string(e.range->second) + ";");
    else md5.update(e.hash);
  }
  return md5.hex_final();
}

std::string display_content_type(const std::string& stored) {
  const auto p = stored.find(";swift_bytes=");
  return p == std::string::npos ? stored : stored.substr(0, p);
}

std::optional<std::uint64_t> swift_bytes(const std::string& stored_content_type) {
  const auto p = stored_content_type.find(";swift_bytes=");
  if (p == std::string::npos) return std::nullopt;
  return parse_uint(stored_content_type.substr(p + 13));
}

std::pair<std::string, std::string> split_slo_etag(const std::string& stored_etag) {
  const auto p = stored_etag.find("; slo_etag=");
  if (p == std::string::npos) return {stored_etag, ""};
  return {stored_etag.substr(0, p), stored_etag.substr(p + 11)};
}

}  // namespace stalemate::sim::swift
