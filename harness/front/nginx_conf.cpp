#include "harness/front/nginx_conf.h"

#include <unistd.h>

#include <sstream>
#include <stdexcept>

namespace stalemate::harness::front {

namespace fs = std::filesystem;

FrontLayout front_layout(const fs::path& prefix_in, const FrontSpec& spec) {
  FrontLayout l;
  l.prefix = fs::absolute(prefix_in);
  l.conf = l.prefix / "nginx.conf";
  l.error_log = l.prefix / "error.log";
  l.access_log = l.prefix / "access.log";
  l.pid_file = l.prefix / "nginx.pid";
  l.spool_mount = l.prefix / "spool";
  l.temp_mount = l.prefix / "temp";
  l.cache_mount = l.prefix / "cache";
  l.spool_dir = l.spool_mount / "body";
  l.cache_dir = l.cache_mount / "entries";
  l.workers_as_root = ::geteuid() == 0;
  l.temp_dir = spec.temp_placement == TempPlacement::CacheFs ? l.cache_mount / "tmp" : l.temp_mount / "proxy";
  return l;
}

namespace {

// nginx takes plain byte counts and milliseconds.
std::string bytes(std::uint64_t n) { return std::to_string(n); }
std::string ms(std::int64_t n) { return std::to_string(n) + "ms"; }
std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

// One JSON object per request; escape=json keeps it parseable whatever the client sent.
const char* const kLogFormat =
    "'{\"time\":\"$time_iso8601\",\"msec\":\"$msec\",\"request_id\":\"$request_id\","
    "\"connection\":\"$connection\",\"connection_requests\":\"$connection_requests\","
    "\"method\":\"$request_method\",\"uri\":\"$request_uri\",\"status\":\"$status\","
    "\"request_length\":\"$request_length\",\"bytes_sent\":\"$bytes_sent\",\"body_bytes_sent\":\"$body_bytes_sent\","
    "\"request_time\":\"$request_time\",\"upstream_addr\":\"$upstream_addr\",\"upstream_status\":\"$upstream_status\","
    "\"upstream_bytes_received\":\"$upstream_bytes_received\",\"cache\":\"$upstream_cache_status\","
    "\"range\":\"$http_range\"}'";

void proxy_common(std::ostringstream& o, const FrontSpec& s, const std::string& indent) {
  o << indent << "proxy_pass http://registry;\n"
    << indent << "proxy_set_header Host $http_host;\n"
    << indent << "proxy_set_header X-Request-Id $request_id;\n"
    << indent << "proxy_set_header X-Forwarded-For $remote_addr;\n"
    << indent << "proxy_http_version " << s.proxy_http_version << ";\n";
  if (s.proxy_http_version == "1.1") o << indent << "proxy_set_header Connection \"\";\n";
  o << indent << "proxy_request_buffering " << (s.proxy_request_buffering ? "on" : "off") << ";\n"
    << indent << "proxy_buffering " << (s.proxy_buffering ? "on" : "off") << ";\n"
    << indent << "proxy_read_timeout " << ms(s.proxy_read_timeout_ms) << ";\n"
    << indent << "add_header X-Request-Id $request_id always;\n";
}

void extra(std::ostringstream& o, const std::string& text, const std::string& indent) {
  if (text.empty()) return;
  o << indent << "# extra (verbatim from the scenario)\n";
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) o << indent << line << "\n";
}

}  // namespace

std::string nginx_conf(const FrontSpec& s, const FrontLayout& l, unsigned short port,
                       const std::vector<std::string>& upstreams) {
  if (upstreams.empty()) throw std::invalid_argument("nginx_conf: no upstream");
  std::ostringstream o;
  o << "# Written by stalemate from the scenario's front section; one process group, reaped by the harness.\n"
    << "daemon off;\n"
    << "worker_processes 1;\n";
  if (l.workers_as_root) o << "user root;\n";
  o
    << "pid " << quoted(l.pid_file) << ";\n"
    << "error_log " << quoted(l.error_log) << " info;\n"
    << "events {\n  worker_connections 1024;\n}\n"
    << "http {\n"
    << "  log_format stalemate escape=json " << kLogFormat << ";\n"
    << "  access_log " << quoted(l.access_log) << " stalemate;\n"
    << "  default_type application/octet-stream;\n"
    << "  server_tokens off;\n"
    << "  keepalive_timeout " << ms(s.keepalive_timeout_ms) << ";\n"
    << "  client_body_buffer_size " << bytes(s.client_body_buffer_size) << ";\n"
    << "  client_max_body_size " << bytes(s.client_max_body_size) << ";\n"
    << "  client_body_temp_path " << quoted(l.spool_dir) << ";\n"
    << "  proxy_temp_path " << quoted(l.temp_dir) << ";\n"
    // Not used by the front, but nginx would create them under its compiled-in /var/lib/nginx.
    << "  fastcgi_temp_path " << quoted(l.prefix / "fastcgi_temp") << ";\n"
    << "  uwsgi_temp_path " << quoted(l.prefix / "uwsgi_temp") << ";\n"
    << "  scgi_temp_path " << quoted(l.prefix / "scgi_temp") << ";\n";
  if (s.cache) {
    const CacheSpec& c = *s.cache;
    o << "  proxy_cache_path " << quoted(l.cache_dir) << " levels=1:2 keys_zone=" << kCacheZone << ":"
      << bytes(c.keys_zone_size) << " inactive=" << c.inactive_seconds << "s";
    if (c.max_size) o << " max_size=" << bytes(*c.max_size);
    if (c.min_free) o << " min_free=" << bytes(*c.min_free);
    o << " use_temp_path=" << (c.use_temp_path ? "on" : "off") << ";\n";
  }
  extra(o, s.extra.http, "  ");
  o << "  upstream registry {\n";
  for (const auto& u : upstreams) o << "    server " << u << ";\n";
  if (s.proxy_http_version == "1.1") o << "    keepalive 16;\n";
  o << "  }\n"
    << "  server {\n"
    << "    listen 127.0.0.1:" << port << ";\n"
    << "    location = " << kHealthPath << " {\n      access_log off;\n      return 200 \"ok\\n\";\n    }\n";
  extra(o, s.extra.server, "    ");
  if (s.cache) {
    const CacheSpec& c = *s.cache;
    o << "    location ~ " << c.location_regex << " {\n";
    if (c.slice) {
      o << "      slice " << bytes(*c.slice) << ";\n"
        << "      proxy_set_header Range $slice_range;\n";
    }
    proxy_common(o, s, "      ");
    o << "      proxy_cache " << kCacheZone << ";\n"
      << "      proxy_cache_key " << c.key << ";\n";
    for (const auto& v : c.valid) {
      o << "      proxy_cache_valid";
      for (int code : v.codes) o << " " << code;
      o << " " << v.seconds << "s;\n";
    }
    if (!c.ignore_headers.empty()) {
      o << "      proxy_ignore_headers";
      for (const auto& h : c.ignore_headers) o << " " << h;
      o << ";\n";
    }
    o << "      add_header X-Cache-Status $upstream_cache_status always;\n";
    extra(o, s.extra.location, "      ");
    o << "    }\n";
  }
  o << "    location / {\n";
  proxy_common(o, s, "      ");
  extra(o, s.extra.location, "      ");
  o << "    }\n  }\n}\n";
  return o.str();
}

}  // namespace stalemate::harness::front
