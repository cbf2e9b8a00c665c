// The run's history, Jepsen-style. Each client operation is an invocation and
// a completion (ok / fail / unknown) by a client with an id; each HTTP request
// it made is recorded under it; what the client observed (streamed digests,
// headers, the bytes it assembled) is recorded as facts. Nothing here judges:
// the checkers (harness/checkers.h) run over the finished history.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/http_types.h"
#include "harness/blob_checks.h"

namespace stalemate::harness {

using ClientId = int;
inline constexpr std::size_t kNoOp = std::numeric_limits<std::size_t>::max();

struct RequestRecord {
  std::int64_t start_us = 0;  // wall clock, microseconds since the epoch
  std::int64_t end_us = 0;
  std::string operation;      // what the client was doing: "push-blob", "pull-manifest", "pull-blob",
                              // "pull-blob-resume", "pull-blob-slice", "pull-blob-retry", "push-retry", ...
  std::string method;
  std::string url;            // as sent (absolute)
  std::string range;          // Range header sent, "" when none
  int status = 0;             // 0: no response
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::string verdict = "ok";  // "ok", "violation", "error" (a failed request that broke no invariant)
  std::string note;            // transport error or a short explanation
  ClientId client = 0;
  std::size_t op = kNoOp;      // the operation it belongs to (index into History::operations())
  // Storage event log positions when the request started and ended (see
  // History::set_storage_cursor): the storage requests it caused are among
  // events [storage_from, storage_to). Both 0 when no cursor is set.
  std::size_t storage_from = 0;
  std::size_t storage_to = 0;
  // Through an nginx front: the request id nginx echoed (X-Request-Id, its
  // $request_id) and its cache status (X-Cache-Status: "HIT", "MISS"…), "" otherwise.
  std::string request_id;
  std::string cache;
  // "front" when nginx answered the failure itself (no upstream status in its
  // access log), "registry" for a failure the registry answered; "" when ok or direct.
  std::string failed_at;
};

// How an operation completed (jepsen :ok / :fail / :info).
enum class OpOutcome {
  Pending,  // invoked, not completed yet
  Ok,       // it happened
  Fail,     // it did not happen: a definite refusal (4xx, nothing could connect)
  Unknown,  // not sure: a 5xx (the store may have applied it, e.g. a FAIL rule with applied:true),
            // a cut connection, a timeout
};
const char* outcome_name(OpOutcome o);

struct OperationRecord {
  std::size_t id = 0;
  ClientId client = 0;
  std::string f;           // "push-blob", "push-manifest", "pull-manifest", "pull-blob-head", "pull-blob",
                           // "verify-blob", "verify-manifest"
  std::string repository;
  std::string key;         // the blob or manifest digest (or "tag:<tag>")
  std::uint64_t size = 0;  // expected size of the blob or manifest
  std::int64_t invoke_us = 0;
  std::int64_t complete_us = 0;
  OpOutcome outcome = OpOutcome::Pending;
  std::string error;                   // "" when ok
  std::size_t last_request = kNoOp;    // the last request it made
  Headers last_headers;                // that request's response headers
  std::uint64_t seq = 0;               // history order of the completion (facts share the counter)
};

// What the client observed that a checker judges.
enum class FactKind {
  BlobGet,      // a 200 (or non-redirect) GET of a blob; seen_digest empty when the assembly is judged instead
  BlobRange,    // a 206 to a Range GET of a blob
  BlobHead,     // a 200 HEAD of a blob
  ManifestGet,  // a 200 manifest GET (by_digest says how it was asked for)
  Redirect,     // a redirect answer to a blob GET (its Docker-Content-Digest)
  BlobCommit,   // the 201 to an upload's PUT ?digest=
  ManifestPut,  // the 201 to a manifest PUT
  Assembled,    // the body a resuming or slicing client assembled (text: "client-assembled body (…)",
                // detail: where it first differs from the true content)
  RangeBytes,   // a 206 whose bytes are not the true bytes at the offsets it claims (detail: where from)
};

struct Fact {
  FactKind kind = FactKind::BlobGet;
  std::size_t request_index = 0;
  std::size_t op = kNoOp;
  BlobExpectation expected;
  BlobObservation seen;
  Headers headers;
  bool by_digest = false;  // ManifestGet
  std::string text;
  std::string detail;
  std::uint64_t seq = 0;
};

struct Violation {
  std::string invariant;  // "blob-digest", "blob-length", "content-length", "docker-content-digest",
                          // "head-size", "manifest-digest", "acknowledged-readable", "range-bytes"
                          // (a 206 whose bytes are not the true bytes at the offsets it claims)
  std::string message;    // one line a person can read
  std::size_t request_index = 0;  // index into History::requests()
  std::string method;
  std::string url;
  Headers response_headers;
  std::uint64_t bytes_received = 0;
  std::uint64_t expected_size = 0;
  std::string expected_digest;
  std::string seen_digest;  // "" when not computed (e.g. no body)
  std::string checker;      // which checker found it
  std::uint64_t order = 0;  // history order (the fact or completion behind it), for merging
};

class History {
 public:
  // A new client id (there may be several clients on one history).
  ClientId new_client();

  std::size_t invoke(ClientId client, std::string f, std::string repository, std::string key, std::uint64_t size);
  void complete(std::size_t op, OpOutcome outcome, std::string error, std::size_t last_request = kNoOp,
                Headers last_headers = {});

  // Returns the index of the new record.
  std::size_t add_request(RequestRecord record);
  void mark(std::size_t index, const std::string& verdict, const std::string& note);
  void add_fact(Fact fact);

  // The storage event log's current length, read at the start and end of
  // each request (the fake backend's; unset when there is none).
  void set_storage_cursor(std::function<std::size_t()> cursor);
  std::size_t storage_cursor() const;

  std::vector<RequestRecord> requests() const;
  std::vector<OperationRecord> operations() const;
  std::vector<Fact> facts() const;

 private:
  mutable std::mutex mu_;
  std::atomic<ClientId> next_client_{0};
  std::uint64_t seq_ = 0;
  std::vector<RequestRecord> requests_;
  std::vector<OperationRecord> operations_;
  std::vector<Fact> facts_;
  std::function<std::size_t()> cursor_;
};

// A request's verdict and note with the findings about it folded in
// ("violation", the invariant appended to the note).
std::vector<RequestRecord> judged_requests(std::vector<RequestRecord> requests, const std::vector<Violation>& found);

void to_json(nlohmann::json& j, const RequestRecord& r);
void to_json(nlohmann::json& j, const OperationRecord& o);
void to_json(nlohmann::json& j, const Violation& v);

}  // namespace stalemate::harness
