// SigV4 (Authorization header) signing of a harness ClientRequest for the
// fake S3 (or any S3): a thin layer over sim/s3/sigv4.h, no second
// implementation of the algorithm.
#pragma once

#include <cstdint>
#include <string>

#include "harness/http_client.h"

namespace stalemate::harness {

// Adds X-Amz-Date, X-Amz-Content-Sha256 and Authorization to req. The caller
// never sets Host: HttpClient derives it from req.url, and the signature
// covers that same value (host[:port], port omitted when 80), so nothing
// here depends on a Host header in req.headers (one there is ignored).
// Signed headers: host, x-amz-content-sha256, x-amz-date, plus any
// Content-Type, Content-MD5 and x-amz-* headers already on req.
// payload_sha256_hex_or_unsigned: the lower-case hex SHA-256 of the body, or
// "UNSIGNED-PAYLOAD" (e.g. for a body streamed from a generator).
// req.url must be absolute and already percent-encoded; it is signed as sent
// (path as is, query canonicalised). Throws std::invalid_argument on a bad URL.
void sign_s3_request(ClientRequest& req, const std::string& access_key, const std::string& secret_key,
                     const std::string& region, std::int64_t now_micros,
                     const std::string& payload_sha256_hex_or_unsigned);

}  // namespace stalemate::harness
