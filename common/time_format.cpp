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

// Every response carries a Date and most an X-Timestamp: gmtime_r + strftime
// and snprintf were a tenth of a request's cost in the property tests. Years
// 1970..9999 are written by hand (days → civil date, Howard Hinnant's
// algorithm); anything else takes the library path, so the output never
// differs from strftime's (tests/sim/test_time_format.cpp compares them).
constexpr std::int64_t kFastLimitSecs = 253402300800;  // 10000-01-01T00:00:00Z

struct Civil {
  int year, month, day, hour, minute, second, weekday;  // month 1..12, weekday 0 = Sunday
};

bool fast_path(std::int64_t micros) { return micros >= 0 && micros / 1000000 < kFastLimitSecs; }

Civil civil(std::int64_t secs) {
  const std::int64_t days = secs / 86400;
  const std::int64_t rem = secs % 86400;
  Civil c{};
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.second = static_cast<int>(rem % 60);
  c.weekday = static_cast<int>((days + 4) % 7);  // 1970-01-01 was a Thursday
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(yoe + era * 400 + (c.month <= 2 ? 1 : 0));
  return c;
}

// `width` decimal digits of v (v < 10^width), zero-padded, at p.
char* digits(char* p, std::int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

// "YYYY-MM-DDTHH:MM:SS" (19 characters) at p.
char* iso_seconds(char* p, const Civil& c) {
  p = digits(p, c.year, 4);
  *p++ = '-';
  p = digits(p, c.month, 2);
  *p++ = '-';
  p = digits(p, c.day, 2);
  *p++ = 'T';
  p = digits(p, c.hour, 2);
  *p++ = ':';
  p = digits(p, c.minute, 2);
  *p++ = ':';
  return digits(p, c.second, 2);
}

std::tm utc(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

std::string http_date(std::int64_t micros) {
  if (fast_path(micros)) {
    static constexpr const char* kDays = "SunMonTueWedThuFriSat";
    static constexpr const char* kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const Civil c = civil(micros / 1000000);
    char buf[29];  // "Tue, 02 Jan 2024 03:04:05 GMT"
    char* p = buf;
    for (int i = 0; i < 3; ++i) *p++ = kDays[c.weekday * 3 + i];
    *p++ = ',';
    *p++ = ' ';
    p = digits(p, c.day, 2);
    *p++ = ' ';
    for (int i = 0; i < 3; ++i) *p++ = kMonths[(c.month - 1) * 3 + i];
    *p++ = ' ';
    p = digits(p, c.year, 4);
    *p++ = ' ';
    p = digits(p, c.hour, 2);
    *p++ = ':';
    p = digits(p, c.minute, 2);
    *p++ = ':';
    p = digits(p, c.second, 2);
    for (const char ch : {' ', 'G', 'M', 'T'}) *p++ = ch;
    return std::string(buf, p);
  }
  std::tm tm = utc(micros);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string swift_listing_time(std::int64_t micros) {
  if (fast_path(micros)) {
    char buf[26];
    char* p = iso_seconds(buf, civil(micros / 1000000));
    *p++ = '.';
    p = digits(p, micros % 1000000, 6);
    return std::string(buf, p);
  }
  std::tm tm = utc(micros);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros % 1000000));
  return std::string(buf) + frac;
}

std::string iso8601_millis(std::int64_t micros) {
  if (fast_path(micros)) {
    char buf[24];
    char* p = iso_seconds(buf, civil(micros / 1000000));
    *p++ = '.';
    p = digits(p, micros % 1000000 / 1000, 3);
    *p++ = 'Z';
    return std::string(buf, p);
  }
  std::tm tm = utc(micros);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03lldZ", static_cast<long long>((micros % 1000000) / 1000));
  return std::string(buf) + frac;
}

std::string swift_timestamp(std::int64_t micros) {
  if (micros >= 0) {
    char buf[32];
    char* end = buf + sizeof buf;
    digits(end - 5, micros % 1000000 / 10, 5);  // the 5 decimals, right-aligned
    char* p = end - 6;
    *p = '.';
    std::int64_t secs = micros / 1000000;
    do {
      *--p = static_cast<char>('0' + secs % 10);
      secs /= 10;
    } while (secs);
    return std::string(p, end);
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%05lld", static_cast<long long>(micros / 1000000),
                static_cast<long long>((micros % 1000000) / 10));
  return buf;
}

}  // namespace stalemate
