// The S3 front-end's engine behind S3Frontend's pimpl. One file per job:
// routing and the common response headers (s3_frontend.cpp), SigV4
// authentication (s3_auth.cpp over sigv4.cpp), buckets and the service
// listing (s3_buckets.cpp), ListObjects v1/v2 (s3_listing.cpp), objects,
// CopyObject and DeleteObjects (s3_objects.cpp), multipart uploads
// (s3_multipart.cpp). Only the Store's public API is used; every client
// request is bracketed with begin_request/end_request and its RequestContext
// goes with every store call made for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>

#include "common/http_types.h"
#include "sim/model/store.h"
#include "sim/protocol/serve.h"
#include "sim/s3/aws_chunked.h"
#include "sim/s3/s3_frontend.h"

namespace stalemate::sim::s3 {

inline constexpr std::uint64_t kMaxPutSize = 5ull << 30;       // single PUT / copy source / part
inline constexpr std::uint64_t kMinPartSize = 5ull << 20;      // every part but the last
inline constexpr int kMaxPartNumber = 10000;
inline constexpr std::size_t kMaxKeyLength = 1024;           // bytes of UTF-8
inline constexpr const char* kXmlType = "application/xml";
inline constexpr const char* kPartsSuffix = "+parts";
inline constexpr const char* kUploadsSuffix = "+uploads";
// What S3 stores when a write names no Content-Type.
inline constexpr const char* kDefaultContentType = "binary/octet-stream";
// Object tags live in the object's metadata under this name (the PutObject
// header's own form, "k1=v1&k2=v2", URL-encoded), never sent back as a header.
inline constexpr const char* kTaggingMetadata = "x-amz-tagging";
// Completed uploads remembered for a repeated Complete (oldest forgotten first).
inline constexpr std::size_t kCompletedUploadsKept = 10000;

// A failed operation: thrown by handlers, turned into the XML error response
// (with the request's resource and id) by S3Service::handle.
struct S3Error {
  int status = 500;
  std::string code;
  std::string message;
};
[[noreturn]] void fail(int status, std::string code, std::string message);
[[noreturn]] void malformed_xml();  // 400 MalformedXML
// The S3 error for a write the store refused (NoSuchBucket, storage full, or
// ServiceUnavailable below quorum).
S3Error write_error(const Store::WriteResult& w);
[[noreturn]] void write_failure(const Store::WriteResult& w);

// One request being served.
struct S3Ctx {
  const HttpRequest& req;  // body already de-chunked (aws-chunked)
  std::string bucket;      // "" for the service
  std::string key;         // "" for bucket requests
  std::int64_t now = 0;    // model wall clock, microseconds since the epoch
  RequestContext* model = nullptr;
  std::string request_id;
};

// What the signature check established, for the payload check after it.
struct Authenticated {
  std::string payload_hash;            // x-amz-content-sha256 (UNSIGNED-PAYLOAD for presigned)
  std::optional<ChunkSigner> chunks;   // STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: chunk signatures
};

// Uploads that completed: a repeated CompleteMultipartUpload of one of them
// answers 200 with the same result, as AWS (and radosgw) do — aws-sdk-go
// retries a Complete whose answer was lost. Bounded: the oldest are forgotten.
class CompletedUploads {
 public:
  struct Result {
    std::string bucket, key, body;  // body: the CompleteMultipartUploadResult document
  };
  void remember(const std::string& upload_id, Result result);
  std::optional<Result> find(const std::string& upload_id) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Result> results_;
  std::deque<std::string> order_;  // oldest first
};

class S3Service : public Protocol {
 public:
  S3Service(Store& store, const S3Config& config);
  HttpResponse handle(const HttpRequest& req);
  std::optional<HttpResponse> precheck(const HttpRequest& req);
  HttpResponse protocol_error(int status, const std::string& message);
  const S3Config& config() const { return config_; }

 private:
  using Ctx = S3Ctx;
  struct Target {
    std::string bucket, key;
  };

  // ---- the Protocol the shared request path (sim/protocol/serve.h) drives
  std::int64_t now_wall() const override;
  // Signature, names and payload: a refusal here never reaches the rules.
  std::optional<HttpResponse> answer_before_rules(HttpRequest& req, std::int64_t now) override;
  RequestInfo request_info(const HttpRequest& req) const override;
  // EXPIRE, then the operation; S3Errors become <Error> documents.
  HttpResponse route(const HttpRequest& req, std::int64_t now, RequestContext& model) override;
  HttpResponse failure_response(const HttpRequest& req, int status, const std::string& detail,
                                const RequestContext* model) override;
  void finalize(const HttpRequest& req, HttpResponse& res, std::int64_t now, const RequestContext* model) override;

  std::int64_t clients_clock_us() const;  // what X-Amz-Date is compared with
  Target parse_target(const HttpRequest& req) const;
  RequestInfo request_info(const HttpRequest& req, const Target& t) const;
  HttpResponse route(Ctx& ctx);
  // x-amz-request-id: from the model's request number (replayable).
  std::string request_id(const RequestContext* model) const;
  // The <Error> document of `e` for this request; a FAIL rule's status may travel in a 200.
  HttpResponse error_document_response(const HttpRequest& req, const S3Error& e, const RequestContext* model) const;
  void finalize_with_id(const HttpRequest& req, HttpResponse& res, const std::string& request_id, std::int64_t now) const;

  // An error response of this request outside the model (no RequestContext).
  HttpResponse refusal(const HttpRequest& req, const S3Error& e);

  // s3_auth.cpp. Everything here runs before any fault rule is matched.
  // The SigV4 signature over method, URI, query and signed headers, the
  // access key, the date and its skew; throws S3Error. `now` is the model's
  // clock (presigned expiry).
  Authenticated verify_signature(const HttpRequest& req, std::int64_t now) const;
  // The payload against the signed hash; aws-chunked bodies are decoded into
  // `req.body` and their chunk signatures checked. Throws S3Error.
  void verify_payload(HttpRequest& req, const Authenticated& auth) const;
  // Bucket name and key length rules: InvalidBucketName, KeyTooLongError.
  void check_names(const HttpRequest& req, const Target& t) const;

  // s3_buckets.cpp
  HttpResponse list_buckets(const Ctx& ctx);
  HttpResponse put_bucket(const Ctx& ctx);
  HttpResponse head_bucket(const Ctx& ctx);
  HttpResponse delete_bucket(const Ctx& ctx);
  HttpResponse bucket_location(const Ctx& ctx);
  // s3_subresources.cpp: versioning (never enabled), ACLs (owner FULL_CONTROL
  // only, as a bucket with ACLs disabled), object tagging, ListObjectVersions
  // (every object as its null version).
  // The request's sub-resource operation (versioning, acl, tagging, versions), or nullopt for none.
  std::optional<HttpResponse> bucket_subresource(const Ctx& ctx);
  std::optional<HttpResponse> object_subresource(const Ctx& ctx);
  HttpResponse get_acl(const Ctx& ctx);
  HttpResponse put_acl(const Ctx& ctx);
  HttpResponse get_object_tagging(const Ctx& ctx);
  HttpResponse put_object_tagging(const Ctx& ctx, bool remove);
  HttpResponse list_versions(const Ctx& ctx);
  void require_bucket(const Ctx& ctx) const;  // NoSuchBucket

  // s3_listing.cpp
  HttpResponse list_objects(const Ctx& ctx);

  // s3_objects.cpp
  HttpResponse get_object(const Ctx& ctx);
  HttpResponse put_object(const Ctx& ctx);
  HttpResponse delete_object(const Ctx& ctx);
  HttpResponse copy_object(const Ctx& ctx);
  // The source of CopyObject / UploadPartCopy; NoSuchBucket, NoSuchKey.
  ObjectVersion read_copy_source(const Ctx& ctx, const std::string& bucket, const std::string& key);
  HttpResponse delete_objects(const Ctx& ctx);

  // s3_multipart.cpp
  HttpResponse create_upload(const Ctx& ctx);
  HttpResponse upload_part(const Ctx& ctx);
  HttpResponse complete_upload(const Ctx& ctx);
  HttpResponse abort_upload(const Ctx& ctx);
  HttpResponse list_parts(const Ctx& ctx);
  HttpResponse list_uploads(const Ctx& ctx);
  // One page of at most `max` rows of a hidden container, and whether more follow.
  std::pair<std::vector<ListItem>, bool> list_page(const Ctx& ctx, const std::string& container, ListQuery query,
                                                   std::uint64_t max) const;
  // The upload's marker object (its metadata: Initiated, Content-Type, x-amz-meta-*); NoSuchUpload.
  ObjectVersion require_upload(const Ctx& ctx, const std::string& upload_id) const;
  void delete_upload_state(const Ctx& ctx, const std::string& upload_id, const std::vector<std::string>& part_names);

  Store& store_;
  const S3Config config_;
  CompletedUploads completed_;
  std::int64_t wall_at_store_start_us_ = 0;
  std::atomic<std::uint64_t> refused_{0};  // requests refused before the model saw them (their ids)
};

// ---- helpers (s3_util.cpp)

// Store-backed bucket names: the hidden containers of a bucket.
inline std::string parts_container(const std::string& bucket) { return bucket + kPartsSuffix; }
inline std::string uploads_container(const std::string& bucket) { return bucket + kUploadsSuffix; }
bool is_hidden_container(std::string_view name);
bool valid_bucket_name(std::string_view name);

std::string quote_etag(std::string_view etag);          // abc -> "abc"
std::string unquote_etag(std::string_view etag);        // "abc" / abc -> abc
std::optional<std::uint64_t> parse_uint(std::string_view s);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);

// Content-MD5 check of a body: 400 InvalidDigest / BadDigest.
void check_content_md5(const HttpRequest& req);
// s3_checksums.cpp. The raw digest of `algorithm` (crc32, crc32c, crc64nvme,
// sha1, sha256; CRCs big-endian) over `data`; nullopt for another name.
std::optional<std::string> checksum_raw(std::string_view algorithm, std::string_view data);
// The same over a body's shared chunks, without flattening it.
std::optional<std::string> checksum_raw(std::string_view algorithm, const Bytes& data);
// Content-MD5 and the one x-amz-checksum-<algorithm> header, if any, checked
// against the body (400 BadDigest / InvalidRequest). Returns that header
// (lower-case name, value), which a PUT echoes.
std::optional<std::pair<std::string, std::string>> check_body_checksums(const HttpRequest& req);

// s3_preconditions.cpp
std::optional<std::int64_t> parse_http_date_seconds(const std::string& text);
enum class Precondition { Pass, NotModified, Failed };
// `prefix` "" for GET/HEAD, "x-amz-copy-source-" for a copy's source.
Precondition evaluate_preconditions(const HttpRequest& req, const ObjectVersion& v, const std::string& prefix);
// 412 PreconditionFailed unless every x-amz-copy-source-if-* holds.
void check_copy_source_preconditions(const HttpRequest& req, const ObjectVersion& source);
// <Owner> (or another element) naming the account as ID and DisplayName.
std::string owner_xml(const std::string& account, const char* element = "Owner");
// A successful XML response.
HttpResponse xml_response(std::string body, int status = 200);
// x-amz-meta-*, Content-Type and the other stored headers of a write.
Headers object_metadata(const HttpRequest& req);
// x-amz-copy-source: "/bucket/key" or "bucket/key", URL-encoded; 400 InvalidArgument.
std::pair<std::string, std::string> parse_copy_source(const std::string& value);

// A single "bytes=a-b" / "bytes=a-" / "bytes=-n" range over `length` bytes.
struct ByteRange {
  enum Kind { Full, Partial, Unsatisfiable } kind = Full;
  std::uint64_t start = 0, end = 0;  // Partial: [start, end)
};
ByteRange resolve_range(std::string_view header, std::uint64_t length);

}  // namespace stalemate::sim::s3
