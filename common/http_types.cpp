#include "common/http_types.h"

#include <algorithm>
#include <strings.h>

#include "common/url.h"

namespace stalemate {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  // strncasecmp's order in the C locale, inline: header maps compare on every
  // lookup, and the library call cost more than the few bytes compared.
  auto lower = [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
  };
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;  // the usual case (same spelling): no folding
    const unsigned char x = lower(a[i]), y = lower(b[i]);
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

std::string HttpRequest::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}
bool HttpRequest::has_header(std::string_view name) const { return headers.find(name) != headers.end(); }
namespace {
// The query map is keyed by std::string without a transparent comparator:
// a short query (the usual: none at all) is scanned instead of building a
// std::string key per lookup (a front-end asks for several keys per request).
const std::string* find_query(const std::map<std::string, std::string>& query, std::string_view key) {
  if (query.size() <= 8) {
    for (const auto& [k, v] : query)
      if (k == key) return &v;
    return nullptr;
  }
  const auto it = query.find(std::string(key));
  return it == query.end() ? nullptr : &it->second;
}
}  // namespace

bool HttpRequest::has_query(std::string_view key) const { return find_query(query, key) != nullptr; }
std::string HttpRequest::query_value(std::string_view key) const {
  const std::string* v = find_query(query, key);
  return v ? *v : std::string();
}

bool parse_request_target(HttpRequest& req) {
  const auto q = req.target.find('?');
  const std::string raw_path = req.target.substr(0, q);
  req.raw_query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  auto decoded = percent_decode(raw_path, false);
  if (!decoded) return false;
  req.path = *decoded;
  auto parsed = parse_query(req.raw_query);
  if (!parsed) return false;
  req.query = std::move(*parsed);
  return true;
}

void HttpResponse::set_text(std::string text, std::string content_type) {
  body.clear();
  const auto n = text.size();
  if (n) body.push_back({make_payload(std::move(text)), 0, n});
  headers["Content-Type"] = std::move(content_type);
}

void HttpResponse::append(Payload data, std::uint64_t offset, std::uint64_t length) {
  if (length) body.push_back({std::move(data), offset, length});
}

void HttpResponse::append(const Bytes& data, std::uint64_t offset, std::uint64_t length) {
  const Bytes part = data.slice(offset, length);  // named: pieces() refers into it
  for (const auto& p : part.pieces()) body.push_back(p);
}

std::uint64_t HttpResponse::slices_size() const {
  std::uint64_t n = 0;
  for (const auto& s : body) n += s.length;
  return n;
}

std::uint64_t HttpResponse::content_length() const { return declared_length ? *declared_length : slices_size(); }

std::uint64_t HttpResponse::deliverable_bytes() const {
  if (head) return 0;
  std::uint64_t n = std::min(content_length(), slices_size());
  if (cut_after) n = std::min(n, *cut_after);
  return n;
}

std::string HttpResponse::body_string() const {
  std::string out;
  std::uint64_t left = deliverable_bytes();
  for (const auto& s : body) {
    if (!left) break;
    const auto take = std::min(left, s.length);
    out.append(*s.data, s.offset, take);
    left -= take;
  }
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 416: return "Requested Range Not Satisfiable";
    case 422: return "Unprocessable Entity";
    case 499: return "Client Disconnect";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
  }
}

}  // namespace stalemate
