// The wire timestamps are written by hand (common/time_format.cpp): each must
// be exactly what gmtime_r + strftime / snprintf write for the same instant,
// across leap days, year and century boundaries and the microsecond digits.
#include <catch2/catch.hpp>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "common/time_format.h"

using namespace stalemate;

namespace {

std::string strftime_utc(std::int64_t micros, const char* format) {
  const std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string library_http_date(std::int64_t micros) { return strftime_utc(micros, "%a, %d %b %Y %H:%M:%S GMT"); }

std::string library_listing_time(std::int64_t micros) {
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros % 1000000));
  return strftime_utc(micros, "%Y-%m-%dT%H:%M:%S") + frac;
}

std::string library_iso8601_millis(std::int64_t micros) {
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03lldZ", static_cast<long long>((micros % 1000000) / 1000));
  return strftime_utc(micros, "%Y-%m-%dT%H:%M:%S") + frac;
}

std::string library_swift_timestamp(std::int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%05lld", static_cast<long long>(micros / 1000000),
                static_cast<long long>((micros % 1000000) / 10));
  return buf;
}

void check_instant(std::int64_t micros) {
  INFO("micros " << micros);
  CHECK(http_date(micros) == library_http_date(micros));
  CHECK(swift_listing_time(micros) == library_listing_time(micros));
  CHECK(iso8601_millis(micros) == library_iso8601_millis(micros));
  CHECK(swift_timestamp(micros) == library_swift_timestamp(micros));
}

// Seconds since the epoch of YYYY-01-01T00:00:00Z, from the library.
std::int64_t year_start(int year) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mday = 1;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

TEST_CASE("hand-written timestamps equal strftime's at boundaries") {
  std::vector<std::int64_t> seconds = {0, 1, 59, 60, 86399, 86400, 951782400 /* 2000-02-29 */, 1704164645,
                                       4107542400 /* 2100-03-01 */, 253402300799 /* 9999-12-31T23:59:59 */};
  // Around every year start (leap and century years among them) and around
  // 28 Feb / 1 Mar of each.
  for (const int year : {1970, 1971, 1972, 1999, 2000, 2001, 2023, 2024, 2025, 2038, 2096, 2100, 2104, 2400, 9999}) {
    const std::int64_t start = year_start(year);
    for (const std::int64_t d : {-86400, -1, 0, 1, 86400}) seconds.push_back(start + d);
    for (std::int64_t day = 57; day <= 60; ++day) seconds.push_back(start + day * 86400 + 43199);
  }
  for (const std::int64_t s : seconds) {
    if (s < 0) continue;
    for (const std::int64_t us : {0, 1, 9, 10, 999, 1000, 123456, 999990, 999999}) check_instant(s * 1000000 + us);
  }
}

TEST_CASE("hand-written timestamps equal strftime's over random instants") {
  std::mt19937_64 rng(20261130);
  std::uniform_int_distribution<std::int64_t> any(0, 253402300799LL * 1000000 + 999999);
  std::uniform_int_distribution<std::int64_t> recent(1'500'000'000LL * 1000000, 2'200'000'000LL * 1000000);
  for (int i = 0; i < 20000; ++i) {
    check_instant(any(rng));
    check_instant(recent(rng));
  }
}

TEST_CASE("timestamps outside the hand-written range still take the library's form") {
  for (const std::int64_t micros : {-1LL, -1000001LL, -86400LL * 1000000 * 400, 253402300800LL * 1000000,
                                    253402300800LL * 1000000 + 123456})
    check_instant(micros);
}
