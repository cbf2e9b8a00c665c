// Timestamps as the wire formats want them.
#pragma once

#include <cstdint>
#include <string>

namespace stalemate {

// Microseconds since the Unix epoch (wall clock).
std::int64_t now_micros();
// "Tue, 02 Jan 2024 03:04:05 GMT" (RFC 1123; Last-Modified, Date).
std::string http_date(std::int64_t micros);
// "2024-01-02T03:04:05.123456" (Swift listing last_modified, no zone).
std::string swift_listing_time(std::int64_t micros);
// "2024-01-02T03:04:05.123Z" (S3 LastModified).
std::string iso8601_millis(std::int64_t micros);
// "1704164645.12345" (Swift X-Timestamp: seconds with 5 decimals).
std::string swift_timestamp(std::int64_t micros);

}  // namespace stalemate
