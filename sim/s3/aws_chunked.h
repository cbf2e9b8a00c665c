// aws-chunked bodies (x-amz-content-sha256: STREAMING-…): "<hex size>[;chunk-
// signature=…]\r\n<data>\r\n" … "0[;…]\r\n[trailers]\r\n". With a ChunkSigner
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) every chunk's signature is
// checked, chained from the seed signature of the Authorization header as AWS
// documents ("Signature Calculations for the Authorization Header: Transferring
// Payload in Multiple Chunks"); the trailers are handed back (the front-end
// verifies a trailing x-amz-checksum-* like the header); a trailer signature
// is not checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stalemate::sim::s3 {

// What signs the chunks of one request.
struct ChunkSigner {
  std::string signing_key;     // raw bytes (sigv4 signing_key)
  std::string amz_date;        // the request's X-Amz-Date
  std::string scope;           // date/region/s3/aws4_request
  std::string seed_signature;  // the Authorization header's signature (lower-case hex)
};

enum class ChunkedError { None, Malformed, BadSignature };

struct ChunkedBody {
  std::string payload;
  ChunkedError error = ChunkedError::None;
  std::vector<std::pair<std::string, std::string>> trailers;  // "name:value" lines after the last chunk
};

// The payload carried by an aws-chunked body. Sizes are checked against what
// is left of the body before any arithmetic, so the payload is never larger
// than the body. Without a signer, chunk signatures are not looked at.
ChunkedBody decode_aws_chunked(std::string_view body, const ChunkSigner* signer);

// Unsigned decoding; nullopt when malformed.
std::optional<std::string> decode_aws_chunked(std::string_view body);

// hex HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous>\n<sha256("")>\n<sha256(chunk)>").
std::string chunk_signature(const ChunkSigner& signer, std::string_view previous_signature, std::string_view chunk);

}  // namespace stalemate::sim::s3
