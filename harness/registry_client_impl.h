// Internals of RegistryClient shared by its translation units:
// registry_client.cpp (operations, requests, facts), registry_pull.cpp (plain
// pulls, verification), registry_push.cpp (pushes and their retries) and
// blob_fetch*.cpp (the pull profiles: one loop over a FetchPolicy). Routing
// (Router) and the acknowledgement ledger (AckLedger) have their own files;
// the checks are in blob_checks.cpp and the checkers (check_*.cpp). Not part
// of the harness API.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness/blob_checks.h"
#include "harness/blob_fetch.h"
#include "harness/blob_source.h"
#include "harness/history.h"
#include "harness/http_client.h"
#include "harness/layer_content.h"
#include "harness/manifest.h"
#include "harness/registry_client.h"
#include "harness/registry_client_ledger.h"
#include "harness/registry_client_routing.h"

namespace stalemate::harness {

namespace client_detail {

inline constexpr int kMaxRedirects = 5;
inline constexpr std::size_t kKeepErrorBody = 4096;  // kept from blob bodies, for error messages

using harness::BlobSource;

// How one blob fetched by a pull profile ended.
struct BlobFetch {
  std::string error;  // first error or violation, "" when the blob read back intact everywhere
  bool client_ok = false;
  std::string client_error;
  int resumes = 0;
  int retries = 0;
};

bool is_redirect(int status);
using harness::origin_of;
// Resolves a Location header against the URL of the request that returned it.
std::string resolve_location(const std::string& request_url, const std::string& location);
std::string path_of(const std::string& url);
std::string with_query(const std::string& url, const std::string& key, const std::string& value);
std::string snippet(const std::string& body);
std::string status_list(std::initializer_list<int> statuses);

}  // namespace client_detail

struct RegistryClient::Impl {
  using BlobSource = client_detail::BlobSource;

  Router router;
  std::string base_url;  // the first instance's: URLs are built on it, perform() routes them
  History& history;
  HttpClient http;
  ClientId client_id = 0;          // this client's id in the history
  std::size_t current_op = kNoOp;  // the operation requests are recorded under

  // The last request sent, for classifying how an operation ended.
  struct LastExchange {
    bool valid = false;
    std::size_t index = 0;
    int status = 0;
    bool connect_failed = false;
    bool complete = false;
    Headers headers;
  } last;

  // One client operation: invoked when constructed, completed by finish()
  // (ok when the error is "", else fail or unknown by how the last request
  // ended); an operation left unfinished (an exception) completes unknown.
  class OpScope {
   public:
    OpScope(Impl& impl, std::string f, const std::string& repository, std::string key, std::uint64_t size);
    OpScope(const OpScope&) = delete;
    OpScope& operator=(const OpScope&) = delete;
    ~OpScope();
    void finish(const std::string& error);

   private:
    Impl& impl_;
    std::size_t id_;
    std::size_t outer_;
    bool done_ = false;
  };

  std::mutex mu;  // guards built
  std::map<std::string, std::shared_ptr<const BuiltImage>> built;
  AckLedger acked;  // what the registry acknowledged with 201

  Impl(std::vector<std::string> bases, History& h, Routing r, HttpClient c);

  std::shared_ptr<const BuiltImage> image_of(const ImageSpec& image);
  static std::vector<BlobSource> sources_of(const BuiltImage& b);
  std::string blob_url(const std::string& repo, const std::string& digest) const;

  // How a read ended: "" error when intact; the last request made.
  struct Outcome {
    std::string error;
    std::size_t index = 0;
    std::string method;
    std::string url;
    Headers headers;
    std::uint64_t bytes_received = 0;
  };
  static Outcome outcome_of(std::string error, std::size_t index, const ClientRequest& req, const ClientResponse& r);

  struct Exchange {
    std::size_t index = 0;
    ClientResponse response;
    std::string url;    // as sent (after routing)
    bool ok = false;    // expected status and no transport error
    std::string error;  // why not ok
  };

  // Routes (see Routing), sends one request, records it and judges its
  // status. Transport errors after a good status line count as errors only
  // when require_complete.
  Exchange perform(const std::string& operation, const ClientRequest& request, std::initializer_list<int> expected,
                   const BodySink& sink = {}, std::size_t keep_body = 1u << 20, bool require_complete = true,
                   const std::string& note = {});

  // Records what was observed, for the checkers (harness/checkers.h).
  void record_fact(FactKind kind, std::size_t index, const BlobObservation& seen, const Headers& headers,
                   const BlobExpectation& expected, std::string text = {}, std::string detail = {},
                   bool by_digest = false);

  // ---- push (registry_push.cpp)
  struct BlobPushError {
    std::string error;       // "" on success
    bool retryable = false;  // a non-2xx status or a transport error (what dockerd retries)
  };
  BlobPushError patch_upload(std::string& location, const BlobSource& src, std::uint64_t start, std::uint64_t n,
                             bool chunked_te);
  BlobPushError commit_upload(const std::string& repo, const BlobSource& src, const std::string& location);
  // The whole-layer PATCH with a second writer on the same upload URL
  // (registry_push_writers.cpp, PushOptions::second_writer).
  BlobPushError patch_two_writers(std::string& location, const BlobSource& src, SecondWriter how);
  // DELETE of an upload URL after a failed upload (PushOptions::cancel_failed_uploads).
  void cancel_upload(const std::string& location);
  BlobPushError push_blob(const std::string& repo, const BlobSource& src, const PushOptions& options, int attempt,
                          int max_attempts, const std::string& previous_error);
  PushResult push(const ImageSpec& image, const PushOptions& options);

  // ---- pull / verify (registry_client.cpp)
  Outcome get_blob(const std::string& operation, const std::string& repo, const Descriptor& d);
  struct HeadOutcome {
    std::string error;
    std::optional<std::uint64_t> size;  // Content-Length of a 200
  };
  HeadOutcome head_blob(const std::string& operation, const std::string& repo, const Descriptor& d);
  Outcome get_manifest(const std::string& operation, const std::string& repo, const std::string& reference,
                       bool by_digest, const std::string& expected_digest, std::uint64_t expected_size);
  PullResult pull(const ImageSpec& image, PullBy by, const PullOptions& options);
  PullResult pull_layer(const ImageSpec& image, std::size_t layer, const PullOptions& options);
  std::size_t verify_acknowledged();
  std::string delete_manifest(const ImageSpec& image);

  // ---- pull profiles (blob_fetch.cpp)
  using BlobFetch = client_detail::BlobFetch;
  // HEAD (already made by the caller; head_size is its Content-Length) then
  // the GETs of one blob as the profile makes them.
  BlobFetch fetch_blob(const std::string& repo, const BlobSource& src, const PullOptions& options,
                       std::optional<std::uint64_t> head_size);
  using Hop = client_detail::Hop;
  using HopPlan = client_detail::HopPlan;
  using Assembly = client_detail::Assembly;
  using FetchPolicy = client_detail::FetchPolicy;
  using ShiftTexts = client_detail::ShiftTexts;
  // One request of a blob fetch, redirects followed, its bytes judged against
  // each of the plan's hypotheses as they stream.
  Hop fetch_hop(const HopPlan& plan, const std::string& repo, const BlobSource& src, const Assembly& assembly);
  // Every attempt the policy makes, then the client's check of what it assembled.
  BlobFetch fetch_with(FetchPolicy& policy, const std::string& repo, const BlobSource& src, const PullOptions& options);
  bool take_hop(FetchPolicy& policy, const HopPlan& plan, const Hop& hop, Assembly& a, const BlobExpectation& expected,
                const ShiftTexts& shifts, BlobFetch& out);
};

}  // namespace stalemate::harness
