// SigV4 authentication of a received request: the Authorization header or a
// presigned query string, checked against the configured key pair and the
// clients' clock (15 minutes of skew; presigned expiry on the model's clock),
// then the payload hash (a hex SHA-256 is verified; UNSIGNED-PAYLOAD is
// accepted; STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies are de-chunked with
// every chunk signature checked; other STREAMING-* forms are de-chunked).
// Bucket-name and key-length rules sit here too: all of it runs before the
// fault rules, so an unauthenticated or malformed request never reaches them.
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/time_format.h"
#include "sim/s3/aws_chunked.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/sigv4.h"

namespace stalemate::sim::s3 {

namespace {
bool is_hex_sha256(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

std::vector<std::string> split_semicolons(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto pos = s.find(';');
    if (pos != 0) out.emplace_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}

[[noreturn]] void query_error(const std::string& message) {
  fail(400, "AuthorizationQueryParametersError", message);
}

// What a SigV4-only region (every region opened since 2014, and every new
// bucket since June 2020) answers to SigV2, in a header ("AWS key:sig") or a
// query (AWSAccessKeyId, Signature, Expires). On HEAD the same status comes
// without a body: S3 sends no error-code header (x-minio-error-code is MinIO's).
[[noreturn]] void sigv2_refused() {
  fail(400, "InvalidRequest",
       "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
}

[[noreturn]] void signature_mismatch() {
  fail(403, "SignatureDoesNotMatch",
       "The request signature we calculated does not match the signature you provided. Check your key and signing "
       "method.");
}

constexpr const char* kSignedChunks = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
constexpr const char* kSignedChunksTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
}  // namespace

std::int64_t S3Service::clients_clock_us() const { return config_.wall_clock ? config_.wall_clock() : now_micros(); }

Authenticated S3Service::verify_signature(const HttpRequest& req, std::int64_t now) const {
  const bool presigned = req.has_query("X-Amz-Signature") || req.has_query("X-Amz-Credential") ||
                         req.has_query("X-Amz-Algorithm");
  const std::string authorization = req.header("Authorization");
  if (authorization.rfind("AWS ", 0) == 0) sigv2_refused();
  if (!presigned && authorization.empty() && req.has_query("AWSAccessKeyId") && req.has_query("Signature"))
    sigv2_refused();
  if (authorization.empty() && !presigned) fail(403, "AccessDenied", "Access Denied");
  if (!authorization.empty() && presigned)
    fail(400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
                                 "Authorization header should be specified");

  const std::int64_t clients_now_s = clients_clock_us() / 1000000;
  Credential cred;
  std::vector<std::string> signed_headers;
  std::string signature, amz_date, payload_hash;
  if (presigned) {
    if (req.query_value("X-Amz-Algorithm") != kSigV4Algorithm)
      query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    auto c = parse_credential(req.query_value("X-Amz-Credential"));
    if (!c) query_error("Error parsing the X-Amz-Credential parameter");
    cred = std::move(*c);
    amz_date = req.query_value("X-Amz-Date");
    const auto date = parse_amz_date(amz_date);
    if (!date) query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    const auto expires = parse_uint(req.query_value("X-Amz-Expires"));
    if (!expires) query_error("X-Amz-Expires should be a number");
    if (*expires > 604800) query_error("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    signed_headers = split_semicolons(req.query_value("X-Amz-SignedHeaders"));
    if (signed_headers.empty()) query_error("X-Amz-SignedHeaders is required");
    signature = req.query_value("X-Amz-Signature");
    if (cred.access_key != config_.access_key)
      fail(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    // Expiry on the model's clock (CLOCK steps and virtual time age URLs, as
    // TempURL); "not yet valid" on the clients' clock, which signed it.
    if (now / 1000000 > *date + static_cast<std::int64_t>(*expires)) fail(403, "AccessDenied", "Request has expired");
    if (*date > clients_now_s + config_.max_skew_s) fail(403, "AccessDenied", "Request is not valid yet");
    payload_hash = req.has_header("x-amz-content-sha256") ? req.header("x-amz-content-sha256") : kUnsignedPayload;
  } else {
    auto a = parse_authorization(authorization);
    if (!a) fail(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.");
    cred = std::move(a->credential);
    signed_headers = std::move(a->signed_headers);
    signature = std::move(a->signature);
    if (cred.access_key != config_.access_key)
      fail(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    amz_date = req.header("X-Amz-Date");
    const auto date = parse_amz_date(amz_date);
    if (!date) fail(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    if (*date > clients_now_s + config_.max_skew_s || *date < clients_now_s - config_.max_skew_s)
      fail(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
    if (!req.has_header("x-amz-content-sha256"))
      fail(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
    payload_hash = req.header("x-amz-content-sha256");
  }
  if (cred.service != "s3" || cred.terminal != "aws4_request")
    fail(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; incorrect service or terminal.");
  if (cred.region != config_.region)
    fail(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region '" + cred.region +
                                                  "' is wrong; expecting '" + config_.region + "'");
  if (cred.date != amz_date.substr(0, 8))
    fail(400, "AuthorizationHeaderMalformed",
         "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.");

  // The canonical request. The URI: as the client sent it, or the decoded
  // path re-encoded per AWS (clients disagree on which characters to escape).
  std::vector<CanonicalHeader> headers;
  for (const std::string& name : signed_headers) {
    const std::string lower = to_lower(name);
    std::string value = lower == "host" && !req.has_header("Host") ? req.host : req.header(lower);
    headers.push_back({lower, std::move(value)});
  }
  std::string raw_path = req.target.substr(0, req.target.find('?'));
  if (raw_path.empty()) raw_path = "/";
  std::vector<std::string> uris{raw_path};
  if (const std::string reencoded = aws_uri_encode(req.path.empty() ? "/" : req.path, false); reencoded != raw_path)
    uris.push_back(reencoded);
  std::vector<std::string> queries{canonical_query_string(req.raw_query, false, presigned)};
  if (req.raw_query.find('+') != std::string::npos) queries.push_back(canonical_query_string(req.raw_query, true, presigned));

  const std::string key = signing_key(config_.secret_key, cred.date, cred.region, cred.service);
  bool ok = false;
  for (const auto& uri : uris) {
    for (const auto& query : queries) {
      const std::string creq = canonical_request(req.method, uri, query, headers, payload_hash);
      if (signature_hex(key, string_to_sign(amz_date, cred.scope(), creq)) == to_lower(signature)) ok = true;
    }
  }
  if (!ok) signature_mismatch();

  Authenticated out;
  out.payload_hash = payload_hash;
  if (payload_hash == kSignedChunks || payload_hash == kSignedChunksTrailer)
    out.chunks = ChunkSigner{key, amz_date, cred.scope(), to_lower(signature)};
  return out;
}

void S3Service::verify_payload(HttpRequest& req, const Authenticated& auth) const {
  const std::string& payload_hash = auth.payload_hash;
  if (payload_hash == kUnsignedPayload) return;
  if (payload_hash.rfind("STREAMING-", 0) == 0) {
    auto decoded = decode_aws_chunked(req.body.str(), auth.chunks ? &*auth.chunks : nullptr);
    if (decoded.error == ChunkedError::BadSignature) signature_mismatch();
    if (decoded.error != ChunkedError::None)
      fail(400, "IncompleteBody", "The request body is not a valid aws-chunked body.");
    if (req.has_header("x-amz-decoded-content-length") &&
        parse_uint(req.header("x-amz-decoded-content-length")) != decoded.payload.size())
      fail(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header");
    req.body = Bytes::of(std::move(decoded.payload));
    // A trailing checksum (x-amz-trailer: x-amz-checksum-crc32, newer SDKs) is checked as the header would be.
    for (auto& [name, value] : decoded.trailers)
      if (istarts_with(name, "x-amz-checksum-") && !req.has_header(name)) req.headers[name] = value;
    return;
  }
  if (!is_hex_sha256(payload_hash))
    fail(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a valid sha256 value.");
  if (to_lower(payload_hash) != req.body.sha256_hex())  // computed while the body arrived
    fail(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

void S3Service::check_names(const HttpRequest& req, const Target& t) const {
  if (t.bucket.empty()) return;
  if (!valid_bucket_name(t.bucket)) {
    // The multipart containers are not buckets: absent unless one tries to create it.
    if (is_hidden_container(t.bucket) && !(req.method == "PUT" && t.key.empty()))
      fail(404, "NoSuchBucket", "The specified bucket does not exist");
    fail(400, "InvalidBucketName", "The specified bucket is not valid.");
  }
  if (t.key.size() > kMaxKeyLength) fail(400, "KeyTooLongError", "Your key is too long");
}

}  // namespace stalemate::sim::s3
