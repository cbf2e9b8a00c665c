#include "sim/swift/swift_util.h"

#include <algorithm>
#include <ctime>

#include <cstdio>
#include <strings.h>

#include "common/time_format.h"

namespace stalemate::sim::swift {

std::string status_line(int status) {
  const char* reason = reason_phrase(status);
  if (status == 406) reason = "Not Acceptable";
  return std::to_string(status) + " " + reason;
}

namespace {
// swob's RESPONSE_REASONS explanations.
const char* default_explanation(int status) {
  switch (status) {
    case 400: return "The server could not comply with the request since it is either malformed or otherwise incorrect.";
    case 401: return "This server could not verify that you are authorized to access the document you requested.";
    case 403: return "Access was denied to this resource.";
    case 404: return "The resource could not be found.";
    case 405: return "The method is not allowed for this resource.";
    case 406: return "The resource is not available in a format acceptable to your browser.";
    case 409: return "There was a conflict when trying to complete your request.";
    case 411: return "Length Required.";
    case 412: return "A precondition for this request was not met.";
    case 413: return "The body of your request was too large for this server.";
    case 416: return "The Range requested is not available.";
    case 422: return "Unable to process the contained instructions";
    case 499: return "The client disconnected during request.";
    case 500: return "The server has either erred or is incapable of performing the requested operation.";
    case 501: return "The server is either unable to recognize the request method, or it lacks the ability to fulfill the request.";
    case 503: return "The server is currently unavailable. Please try again at a later time.";
    default: return "";
  }
}

const char* swob_title(int status) {
  return status == 500 ? "Internal Error" : (status == 406 ? "Not Acceptable" : reason_phrase(status));
}
}  // namespace

std::string swob_default_body(int status) {
  return std::string("<html><h1>") + swob_title(status) + "</h1><p>" + default_explanation(status) + "</p></html>";
}

std::string swob_reason_text(int status) { return std::string(swob_title(status)) + "\n" + default_explanation(status); }

std::string bulk_response_body(const std::string& format, std::vector<ResponseField> fields,
                               const std::vector<std::pair<std::string, std::string>>& errors,
                               const std::string& root_tag) {
  if (format == "application/json") {
    std::string j = "{";
    for (const auto& f : fields) j += json_quote(f.key) + ": " + (f.number ? f.value : json_quote(f.value)) + ", ";
    j += "\"Errors\": [";
    for (std::size_t i = 0; i < errors.size(); ++i)
      j += (i ? ", [" : "[") + json_quote(errors[i].first) + ", " + json_quote(errors[i].second) + "]";
    return j + "]}";
  }
  std::sort(fields.begin(), fields.end(), [](const ResponseField& a, const ResponseField& b) { return a.key < b.key; });
  if (format == "application/xml" || format == "text/xml") {
    std::string x = "<" + root_tag + ">\n";
    for (const auto& f : fields) {
      std::string tag = to_lower(f.key);
      std::replace(tag.begin(), tag.end(), ' ', '_');
      x += "<" + tag + ">" + xml_text_escape(f.value) + "</" + tag + ">\n";
    }
    x += "<errors>\n";
    for (const auto& [name, status] : errors)
      x += "<object><name>" + xml_text_escape(name) + "</name><status>" + xml_text_escape(status) + "</status></object>\n";
    return x + "</errors>\n</" + root_tag + ">\n";
  }
  std::string t;
  for (const auto& f : fields) t += f.key + ": " + f.value + "\n";
  t += "Errors:\n";
  for (const auto& [name, status] : errors) t += name + ", " + status + "\n";
  return t;
}

HttpResponse error_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  if (body.empty()) body = swob_default_body(status);
  r.set_text(std::move(body), kHtmlType);
  return r;
}

std::string_view strip_space(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n\f\v") - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || ::strncasecmp(a.data(), b.data(), a.size()) == 0);
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string title_case(std::string_view s) {
  std::string out(s);
  bool prev_cased = false;
  for (auto& c : out) {
    const bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
    if (upper || lower) {
      if (prev_cased && upper) c = static_cast<char>(c - 'A' + 'a');
      if (!prev_cased && lower) c = static_cast<char>(c - 'a' + 'A');
      prev_cased = true;
    } else {
      prev_cased = false;
    }
  }
  return out;
}

bool config_true(std::string_view value) {
  for (const char* t : {"true", "1", "yes", "on", "t", "y"})
    if (iequals(value, t)) return true;
  return false;
}

namespace {
// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i,
// or returns -1 (and advances by one byte) for an invalid sequence.
long decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int extra;
  long cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    extra = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    extra = 2;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    extra = 3;
    cp = b0 & 0x07;
  } else {
    ++i;
    return -1;
  }
  if (i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return -1;
  }
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return -1;
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}
}  // namespace

bool valid_utf8_no_nul(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const long cp = decode_utf8(s, i);
    if (cp <= 0) return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

void append_json_quoted(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  char buf[16];
  auto escape_unit = [&](unsigned unit) {
    std::snprintf(buf, sizeof buf, "\\u%04x", unit);
    out += buf;
  };
  for (std::size_t i = 0; i < s.size();) {
    // A run of printable ASCII other than '"' and '\\' (most names): as it is.
    std::size_t plain = i;
    while (plain < s.size() && s[plain] >= 0x20 && s[plain] < 0x7F && s[plain] != '"' && s[plain] != '\\') ++plain;
    if (plain > i) {
      out.append(s, i, plain - i);
      i = plain;
      continue;
    }
    const char c = s[i];
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    const long cp = decode_utf8(s, i);
    if (cp < 0) {
      escape_unit(0xFFFD);
    } else if (cp < 0x20 || cp >= 0x7F) {
      if (cp >= 0x10000) {
        const long v = cp - 0x10000;
        escape_unit(static_cast<unsigned>(0xD800 + (v >> 10)));
        escape_unit(static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      } else {
        escape_unit(static_cast<unsigned>(cp));
      }
    } else {
      out.push_back(static_cast<char>(cp));
    }
  }
  out.push_back('"');
}

std::string json_quote(std::string_view s) {
  std::string out;
  append_json_quoted(out, s);
  return out;
}

std::string last_modified_header(std::int64_t ts_micros) {
  const std::int64_t secs = (ts_micros + 999999) / 1000000;
  return http_date(secs * 1000000);
}

std::string normalize_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return to_lower(etag);
}

std::optional<std::int64_t> parse_http_date(const std::string& value) {
  if (value.empty()) return std::nullopt;
  for (const char* format : {"%a, %d %b %Y %H:%M:%S", "%A, %d-%b-%y %H:%M:%S", "%a %b %d %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(value.c_str(), format, &tm);
    if (!end) continue;
    while (*end == ' ') ++end;
    if (*end && std::string_view(end) != "GMT" && std::string_view(end) != "UTC") continue;
    return static_cast<std::int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

}  // namespace stalemate::sim::swift
