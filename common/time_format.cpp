#include "common/time_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace stalemate {

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
std::tm utc(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string http_date(std::int64_t micros) {
  std::tm tm = utc(micros);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string swift_listing_time(std::int64_t micros) {
  std::tm tm = utc(micros);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros % 1000000));
  return std::string(buf) + frac;
}

std::string iso8601_millis(std::int64_t micros) {
  std::tm tm = utc(micros);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03lldZ", static_cast<long long>((micros % 1000000) / 1000));
  return std::string(buf) + frac;
}

std::string swift_timestamp(std::int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%05lld", static_cast<long long>(micros / 1000000),
                static_cast<long long>((micros % 1000000) / 10));
  return buf;
}

}  // namespace stalemate
