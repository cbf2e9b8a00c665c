// The digest invariants of harness/registry_client.h as pure functions over
// what one response looked like, so they can be tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_types.h"

namespace stalemate::harness {

struct BlobExpectation {
  std::string digest;  // "sha256:<hex>" requested
  std::uint64_t size = 0;  // descriptor size
};

// What a blob (or manifest) response looked like.
struct BlobObservation {
  std::string method = "GET";
  std::string url;
  int status = 0;
  std::optional<std::uint64_t> content_length;  // the header; nullopt when absent or unparsable
  std::string docker_content_digest;            // the header; "" when absent
  std::uint64_t bytes_received = 0;
  bool complete = false;    // the body ended where the framing said
  std::string seen_digest;  // "sha256:<hex>" of the bytes received; "" when not computed
  std::string range;          // the Range header sent ("" for a plain GET)
  std::string content_range;  // the Content-Range header received ("" when absent)
};

struct Finding {
  std::string invariant;  // see Violation::invariant
  std::string message;
};

// A Content-Length header value, nullopt when absent or not a plain number.
std::optional<std::uint64_t> content_length_of(const Headers& headers);

// An observation from response headers plus a body seen whole (tests and
// small bodies; the client streams large bodies through SHA-256 instead).
BlobObservation observe(std::string method, std::string url, int status, const Headers& headers,
                        std::string_view body, bool complete);

// A 200 GET of a blob:
//  - content-length: Content-Length missing or != descriptor size;
//  - blob-length: body incomplete, or bytes != Content-Length (or != size when
//    there is no Content-Length);
//  - blob-digest: the right number of bytes (== size) that hash to something
//    else. With a wrong byte count the digest mismatch is implied by the
//    length finding and not reported again;
//  - docker-content-digest: the header is present and != the requested digest.
// Other statuses are errors, not violations: no findings.
std::vector<Finding> check_blob_get(const BlobExpectation& expected, const BlobObservation& seen);

// A 200 HEAD of a blob: head-size when Content-Length != descriptor size (or
// missing); docker-content-digest as for GET.
std::vector<Finding> check_blob_head(const BlobExpectation& expected, const BlobObservation& seen);

// A 200 manifest GET. by_digest: the reference was expected.digest, and the
// body must hash to it; by tag the body must be the pushed manifest (same
// digest). Either mismatch is "manifest-digest". A Docker-Content-Digest that
// is not the body's digest is "docker-content-digest".
std::vector<Finding> check_manifest_get(const BlobExpectation& expected, bool by_digest, const BlobObservation& seen);

// A Content-Range value "bytes first-last/total" (total "*" = unknown).
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> total;  // nullopt for "*"
  std::uint64_t length() const { return last - first + 1; }
};
// nullopt when absent or malformed (also when last < first).
std::optional<ContentRange> parse_content_range(std::string_view value);

// A 206 answer to a Range GET of a blob (I2, I4):
//  - content-length: the Content-Range total is not the descriptor size, or
//    Content-Length is not the length of the Content-Range;
//  - blob-length: the body is incomplete, or bytes != Content-Length (or !=
//    the Content-Range length when there is no Content-Length);
//  - docker-content-digest as for GET.
// Whether the bytes are the true bytes at those offsets (range-bytes, I3) is
// judged while streaming, not here. Other statuses: no findings.
std::vector<Finding> check_blob_range(const BlobExpectation& expected, const BlobObservation& seen);

// "sha256:0123456789ab…" for messages.
std::string short_digest(std::string_view digest);
// "0123456789ab…": the hex part only, shortened.
std::string short_hex_of(std::string_view digest);
// "GET /v2/x/blobs/sha256:0123456789ab… returned 200 with Content-Length 10 and 10 bytes whose sha256 is …"
std::string describe_response(const BlobObservation& seen);

}  // namespace stalemate::harness
