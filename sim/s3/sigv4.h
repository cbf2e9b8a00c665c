// AWS Signature Version 4 as S3 applies it: the canonical request, the
// string to sign, the signing-key chain, and parsing of the Authorization
// header and of X-Amz-Date. Pure functions, no request state: s3_auth.cpp
// applies them to a received request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stalemate::sim::s3 {

inline constexpr const char* kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr const char* kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// AWS URI encoding: every byte but A-Z a-z 0-9 - . _ ~ becomes %XX (upper
// case hex); '/' is kept unless encode_slash.
std::string aws_uri_encode(std::string_view in, bool encode_slash);

// The canonical query string of a raw (undecoded) query: each key and value
// decoded ('+' as a space when plus_is_space) and re-encoded per AWS, sorted
// by key then value, "k=v" joined by '&' ("k=" for a bare key). With
// drop_signature, X-Amz-Signature is left out (presigned URLs).
std::string canonical_query_string(std::string_view raw_query, bool plus_is_space, bool drop_signature);

// A header value trimmed with inner runs of spaces collapsed to one.
std::string canonical_header_value(std::string_view value);

struct CanonicalHeader {
  std::string name;   // lower case
  std::string value;  // as received; canonicalised here
};

// METHOD \n URI \n QUERY \n (name:value\n)* \n signed;names \n payload-hash
std::string canonical_request(std::string_view method, std::string_view canonical_uri, std::string_view canonical_query,
                              const std::vector<CanonicalHeader>& headers, std::string_view payload_hash);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"), raw bytes.
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
// "AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex sha256(canonical request)>"
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
// Lower-case hex HMAC-SHA256 of the string to sign with the signing key.
std::string signature_hex(std::string_view signing_key, std::string_view string_to_sign);

// "<access key>/<yyyymmdd>/<region>/<service>/aws4_request"
struct Credential {
  std::string access_key, date, region, service, terminal;
  std::string scope() const;  // date/region/service/terminal
};
std::optional<Credential> parse_credential(std::string_view text);

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex"
struct AuthorizationHeader {
  Credential credential;
  std::vector<std::string> signed_headers;  // as listed
  std::string signature;
};
std::optional<AuthorizationHeader> parse_authorization(std::string_view value);

// "20130524T000000Z" -> seconds since the epoch.
std::optional<std::int64_t> parse_amz_date(std::string_view text);
// Seconds since the epoch -> "20130524T000000Z" (UTC); the inverse of parse_amz_date.
std::string format_amz_date(std::int64_t epoch_seconds);

}  // namespace stalemate::sim::s3
