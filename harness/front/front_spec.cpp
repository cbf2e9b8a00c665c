#include "harness/front/front_spec.h"

#include <algorithm>
#include <cctype>

namespace stalemate::harness::front {

namespace {

std::uint64_t size_in(const JsonReader& in, std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t v = in.as_size();
  if (v < lo || v > hi)
    in.fail("size " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

// nginx times: the project's durations plus days ("365d"), whole seconds or ms.
std::int64_t nginx_seconds(const JsonReader& in) {
  if (in.value().is_string()) {
    const std::string s = in.value().get<std::string>();
    if (!s.empty() && s.back() == 'd') {
      const std::string digits = s.substr(0, s.size() - 1);
      if (digits.empty() || digits.size() > 6 ||
          !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
        in.fail("expected a whole number of days such as \"365d\", got \"" + s + "\"");
      return std::stoll(digits) * 86400;
    }
  }
  const std::int64_t us = in.as_duration_us();
  if (us % 1'000'000 != 0) in.fail("nginx cache times are whole seconds");
  return us / 1'000'000;
}

std::int64_t millis_in(const JsonReader& in, std::int64_t lo_ms, std::int64_t hi_ms) {
  const std::int64_t us = in.as_duration_us();
  if (us % 1000 != 0) in.fail("nginx times are whole milliseconds");
  const std::int64_t ms = us / 1000;
  if (ms < lo_ms || ms > hi_ms)
    in.fail("duration " + std::to_string(ms) + " ms is out of range [" + std::to_string(lo_ms) + " ms, " +
            std::to_string(hi_ms) + " ms]");
  return ms;
}

// Text that goes verbatim into nginx.conf must not close the block it sits in.
std::string nginx_block_text(const JsonReader& in) {
  const std::string s = in.as_string();
  int depth = 0;
  for (char c : s) {
    if (c == '{') ++depth;
    if (c == '}' && --depth < 0) in.fail("unbalanced '}' (the text would close the enclosing nginx block)");
  }
  if (depth != 0) in.fail("unbalanced '{'");
  return s;
}

// A header name nginx's proxy_ignore_headers accepts.
const char* const kIgnorable[] = {"X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering",
                                  "X-Accel-Charset",  "Expires",         "Cache-Control",      "Set-Cookie",
                                  "Vary"};

CacheValidity parse_validity(const JsonReader& in) {
  in.expect_object({"codes", "time"});
  CacheValidity v;
  if (in.has("codes")) {
    const auto codes = in.at("codes");
    for (std::size_t i = 0; i < codes.size(); ++i) {
      const auto c = codes.at(i);
      const std::uint64_t code = c.as_uint();
      if (code < 200 || code > 599) c.fail("expected an HTTP status between 200 and 599");
      v.codes.push_back(static_cast<int>(code));
    }
  }
  v.seconds = nginx_seconds(in.at("time"));
  if (v.seconds <= 0) in.at("time").fail("a validity must be at least one second");
  return v;
}

CacheSpec parse_cache(const JsonReader& in) {
  in.expect_object({"filesystem", "keys_zone", "max_size", "min_free", "use_temp_path", "inactive", "valid", "key",
                    "slice", "ignore_headers", "location_regex"});
  CacheSpec c;
  if (in.has("filesystem")) c.fs_size = size_in(in.at("filesystem"), kMinFsSize, kMaxFsSize);
  if (in.has("keys_zone")) c.keys_zone_size = size_in(in.at("keys_zone"), 64ull << 10, 1ull << 30);
  if (in.has("max_size")) c.max_size = size_in(in.at("max_size"), 1, kMaxFsSize);
  if (in.has("min_free")) c.min_free = size_in(in.at("min_free"), 1, kMaxFsSize);
  c.use_temp_path = in.get_bool("use_temp_path", c.use_temp_path);
  if (in.has("inactive")) {
    c.inactive_seconds = nginx_seconds(in.at("inactive"));
    if (c.inactive_seconds <= 0) in.at("inactive").fail("must be at least one second");
  }
  if (in.has("valid")) {
    const auto list = in.at("valid");
    for (std::size_t i = 0; i < list.size(); ++i) c.valid.push_back(parse_validity(list.at(i)));
  }
  if (in.has("slice")) {
    c.slice = size_in(in.at("slice"), 4096, 1ull << 30);
    c.key = "$scheme$proxy_host$request_uri$slice_range";
  }
  if (in.has("key")) {
    const auto k = in.at("key");
    c.key = k.as_string();
    if (c.key.empty() || c.key.find_first_of(";{}\"'\n") != std::string::npos)
      k.fail("a cache key is nginx variables and text without ; { } quotes or newlines");
    if (c.slice && c.key.find("$slice_range") == std::string::npos)
      k.fail("with \"slice\" the key must contain $slice_range (or every slice would share one entry)");
  }
  if (in.has("ignore_headers")) {
    const auto list = in.at("ignore_headers");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto h = list.at(i);
      const std::string name = h.as_string();
      bool known = false;
      for (const char* k : kIgnorable) known = known || name == k;
      if (!known) h.fail("nginx cannot ignore \"" + name + "\" (one of X-Accel-*, Expires, Cache-Control, Set-Cookie, Vary)");
      c.ignore_headers.push_back(name);
    }
  }
  if (in.has("location_regex")) {
    const auto r = in.at("location_regex");
    c.location_regex = r.as_string();
    if (c.location_regex.empty() || c.location_regex.find_first_of(";{}\"'\n ") != std::string::npos)
      r.fail("a location regex without spaces, ; { } quotes or newlines");
  }
  if (c.max_size && *c.max_size > c.fs_size)
    in.at("max_size").fail("max_size is larger than the cache filesystem (" + std::to_string(c.fs_size) + " bytes)");
  if (c.min_free && *c.min_free >= c.fs_size)
    in.at("min_free").fail("min_free must be below the cache filesystem's size (" + std::to_string(c.fs_size) + " bytes)");
  return c;
}

}  // namespace

FrontSpec parse_front_spec(const JsonReader& in) {
  in.expect_object({"client_body_buffer_size", "client_max_body_size", "proxy_request_buffering", "proxy_http_version",
                    "proxy_buffering", "keepalive_timeout", "proxy_read_timeout", "filesystems", "cache", "extra"});
  FrontSpec s;
  if (in.has("client_body_buffer_size"))
    s.client_body_buffer_size = size_in(in.at("client_body_buffer_size"), 1024, 1ull << 30);
  if (in.has("client_max_body_size")) s.client_max_body_size = size_in(in.at("client_max_body_size"), 0, 1ull << 40);
  s.proxy_request_buffering = in.get_bool("proxy_request_buffering", s.proxy_request_buffering);
  if (in.has("proxy_http_version")) s.proxy_http_version = in.at("proxy_http_version").as_enum({"1.0", "1.1"});
  s.proxy_buffering = in.get_bool("proxy_buffering", s.proxy_buffering);
  if (in.has("keepalive_timeout")) s.keepalive_timeout_ms = millis_in(in.at("keepalive_timeout"), 0, 3'600'000);
  if (in.has("proxy_read_timeout")) s.proxy_read_timeout_ms = millis_in(in.at("proxy_read_timeout"), 1, 3'600'000);
  if (in.has("filesystems")) {
    const auto fsr = in.at("filesystems");
    fsr.expect_object({"spool", "temp"});
    if (fsr.has("spool")) s.spool_fs_size = size_in(fsr.at("spool"), kMinFsSize, kMaxFsSize);
    if (fsr.has("temp")) {
      const auto t = fsr.at("temp");
      if (t.value().is_string() && t.value().get<std::string>() == "cache")
        s.temp_placement = TempPlacement::CacheFs;
      else
        s.temp_fs_size = size_in(t, kMinFsSize, kMaxFsSize);
    }
  }
  if (in.has("cache")) s.cache = parse_cache(in.at("cache"));
  if (s.temp_placement == TempPlacement::CacheFs && !s.cache)
    in.at("filesystems").at("temp").fail("\"cache\" needs a cache section");
  if (in.has("extra")) {
    const auto e = in.at("extra");
    e.expect_object({"http", "server", "location"});
    if (e.has("http")) s.extra.http = nginx_block_text(e.at("http"));
    if (e.has("server")) s.extra.server = nginx_block_text(e.at("server"));
    if (e.has("location")) s.extra.location = nginx_block_text(e.at("location"));
  }
  return s;
}

nlohmann::json to_json(const FrontSpec& s) {
  nlohmann::json j = {{"client_body_buffer_size", s.client_body_buffer_size},
                      {"client_max_body_size", s.client_max_body_size},
                      {"proxy_request_buffering", s.proxy_request_buffering},
                      {"proxy_http_version", s.proxy_http_version},
                      {"proxy_buffering", s.proxy_buffering},
                      {"keepalive_timeout_ms", s.keepalive_timeout_ms},
                      {"proxy_read_timeout_ms", s.proxy_read_timeout_ms},
                      {"filesystems",
                       {{"spool", s.spool_fs_size},
                        {"temp", s.temp_placement == TempPlacement::CacheFs ? nlohmann::json("cache")
                                                                             : nlohmann::json(s.temp_fs_size)}}}};
  if (s.cache) {
    const CacheSpec& c = *s.cache;
    nlohmann::json valid = nlohmann::json::array();
    for (const auto& v : c.valid) valid.push_back({{"codes", v.codes}, {"seconds", v.seconds}});
    j["cache"] = {{"filesystem", c.fs_size},       {"keys_zone", c.keys_zone_size},
                  {"use_temp_path", c.use_temp_path}, {"inactive_seconds", c.inactive_seconds},
                  {"valid", valid},                {"key", c.key},
                  {"ignore_headers", c.ignore_headers}, {"location_regex", c.location_regex}};
    if (c.max_size) j["cache"]["max_size"] = *c.max_size;
    if (c.min_free) j["cache"]["min_free"] = *c.min_free;
    if (c.slice) j["cache"]["slice"] = *c.slice;
  }
  if (!s.extra.http.empty() || !s.extra.server.empty() || !s.extra.location.empty())
    j["extra"] = {{"http", s.extra.http}, {"server", s.extra.server}, {"location", s.extra.location}};
  return j;
}

}  // namespace stalemate::harness::front
