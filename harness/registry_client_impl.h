// Internals of RegistryClient shared by its translation units:
// registry_client.cpp (requests, routing, plain pulls, verification),
// registry_push.cpp (pushes and their retries) and blob_fetch.cpp (the pull
// profiles). Not part of the harness API.
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
#include "harness/history.h"
#include "harness/http_client.h"
#include "harness/layer_content.h"
#include "harness/manifest.h"
#include "harness/registry_client.h"

namespace stalemate::harness {

namespace client_detail {

inline constexpr int kMaxRedirects = 5;
inline constexpr std::size_t kKeepErrorBody = 4096;  // kept from blob bodies, for error messages

// Where a blob's bytes come from when pushing or checking.
struct BlobSource {
  Descriptor descriptor;
  std::optional<LayerContent> layer;  // a layer
  std::string bytes;                  // the config (small)

  void fill(std::uint64_t offset, char* buf, std::size_t n) const {
    if (layer) layer->fill(offset, buf, n);
    else std::copy_n(bytes.data() + offset, n, buf);
  }
};

// Where the counted bytes of one response belong in the blob.
struct Hypothesis {
  std::uint64_t start = 0;  // blob offset of the first counted body byte
  std::uint64_t skip = 0;   // body bytes discarded before it
};

// How one blob fetched by a pull profile ended.
struct BlobFetch {
  std::string error;  // first error or violation, "" when the blob read back intact everywhere
  bool client_ok = false;
  std::string client_error;
  int resumes = 0;
  int retries = 0;
};

bool is_redirect(int status);
// scheme://host[:port] of an absolute URL.
std::string origin_of(const std::string& url);
// Resolves a Location header against the URL of the request that returned it.
std::string resolve_location(const std::string& request_url, const std::string& location);
std::string path_of(const std::string& url);
std::string with_query(const std::string& url, const std::string& key, const std::string& value);
std::string snippet(const std::string& body);
std::string status_list(std::initializer_list<int> statuses);

}  // namespace client_detail

struct RegistryClient::Impl {
  using BlobSource = client_detail::BlobSource;

  std::vector<std::string> base_urls;  // without trailing '/'
  std::vector<std::string> origins;    // scheme://host:port of each
  Routing routing = Routing::ActivePassive;
  std::atomic<std::size_t> next_instance{0};  // RoundRobin
  std::string base_url;                       // base_urls[0]: URLs are built on it, perform() routes them
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

  std::mutex mu;  // guards the maps below
  std::map<std::string, std::shared_ptr<const BuiltImage>> built;
  struct AckedBlob {
    std::string repository;
    BlobSource source;
  };
  struct AckedManifest {
    std::string repository;
    std::string digest;
    std::string bytes;
  };
  std::vector<AckedBlob> acked_blobs;
  std::set<std::pair<std::string, std::string>> acked_blob_keys;
  std::vector<AckedManifest> acked_manifests;
  std::set<std::pair<std::string, std::string>> acked_manifest_keys;

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
  // The URL a request to `url` is sent to first, and the instances to fall
  // back to (ActivePassive) when it cannot connect.
  std::vector<std::string> route(const std::string& url);

  // Records what was observed, for the checkers (harness/checkers.h).
  void record_fact(FactKind kind, std::size_t index, const BlobObservation& seen, const Headers& headers,
                   const BlobExpectation& expected, std::string text = {}, std::string detail = {},
                   bool by_digest = false);

  // ---- push (registry_push.cpp)
  struct BlobPushError {
    std::string error;       // "" on success
    bool retryable = false;  // a non-2xx status or a transport error (what dockerd retries)
  };
  BlobPushError push_blob(const std::string& repo, const BlobSource& src, const PushOptions& options, int attempt,
                          int max_attempts, const std::string& previous_error);
  void remember_blob(const std::string& repo, const BlobSource& src);
  void remember_manifest(const std::string& repo, const std::string& digest, const std::string& bytes);
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

  // ---- pull profiles (blob_fetch.cpp)
  using BlobFetch = client_detail::BlobFetch;
  // HEAD (already made by the caller; head_size is its Content-Length) then
  // the GETs of one blob as the profile makes them.
  BlobFetch fetch_blob(const std::string& repo, const BlobSource& src, const PullOptions& options,
                       std::optional<std::uint64_t> head_size);
  struct Assembly;
  struct Hop;
  using Hypothesis = client_detail::Hypothesis;
  Hop fetch_hop(const std::string& operation, const std::string& repo, const BlobSource& src, const std::string& range,
                const Assembly& assembly, const std::vector<Hypothesis>& hypotheses, const std::string& note);
  BlobFetch fetch_resuming(const std::string& repo, const BlobSource& src, const PullOptions& options);
  BlobFetch fetch_slices(const std::string& repo, const BlobSource& src, const PullOptions& options,
                         std::optional<std::uint64_t> head_size);
};

}  // namespace stalemate::harness
