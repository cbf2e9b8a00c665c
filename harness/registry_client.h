// A registry API v2 client that pushes and pulls the way real clients do and
// checks the digest invariants on every response it gets:
//  - a 200 blob GET has Content-Length == descriptor size, delivers exactly
//    that many bytes, and they hash to the requested digest;
//  - Docker-Content-Digest equals the requested digest;
//  - HEAD size equals the GET length (and the descriptor size);
//  - a manifest fetched by digest hashes to that digest;
//  - whatever was acknowledged with 201 reads back correctly later.
// Bodies stream through SHA-256; no whole layer is ever held in memory.
//
// Client profiles model what real clients do when a response goes wrong
// (mechanisms.md "0. Assumptions / Clients"): Docker and containerd resume a
// cut blob body with Range requests, slicing downloaders fetch bounded
// ranges, dockerd retries failed pushes. The checks then apply to every hop
// and to the body the client assembles (range-bytes, blob-digest, blob-length).
// Several registry instances behind one front are modelled by Routing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/history.h"
#include "harness/http_client.h"
#include "harness/layer_content.h"

namespace stalemate::harness {

enum class ManifestFormat { DockerV2, OCI };
enum class PushMode {
  Monolithic,  // Docker: POST, one streamed PATCH with the whole layer, PUT ?digest=
  Chunked,     // several PATCHes with Content-Range, then PUT ?digest=
};
enum class PullBy { Tag, Digest };

struct LayerSpec {
  std::uint64_t size = 0;
  std::uint64_t seed = 0;  // same seed and size = same layer (shared base layers)
};

struct ImageSpec {
  std::string repository;  // e.g. "smoke/app1"
  std::string tag = "latest";
  std::vector<LayerSpec> layers;
  std::uint64_t config_seed = 0;  // makes the config blob unique per image
  ManifestFormat format = ManifestFormat::DockerV2;
};

// How a failed push is retried.
enum class PushProfile {
  Single,    // no retry (the harness's historical behaviour)
  Dockerd,   // a failed blob upload (non-2xx or transport error in HEAD/POST/PATCH/PUT) is redone
             // from a new POST, and a failed manifest PUT is repeated: 5 attempts in all, with
             // back-off 200 ms, 400 ms, 800 ms, 1.6 s between them
  Buildkit,  // no retry: the first failure fails the push
};

// A second writer on one upload (mechanisms.md M16): the upload URL the POST
// returned (its `_state`, offset 0) is used by two PATCHes at once.
enum class SecondWriter {
  None,
  OtherBytes,  // the second writer sends other bytes of the same length (every byte XOR 0xFF)
  SameBytes,   // a replay of the same body (harmless: identical segments)
};

struct PushOptions {
  PushMode mode = PushMode::Monolithic;
  std::uint64_t chunk_size = 8ull << 20;  // PATCH size in Chunked mode
  PushProfile profile = PushProfile::Single;
  // Monolithic blob uploads only: the client's PATCH sends its headers and
  // holds its body until a second PATCH on the same upload URL has been
  // answered; then it sends its body and commits with its own Location.
  SecondWriter second_writer = SecondWriter::None;
  // When a blob upload fails after its POST, DELETE the last upload URL the
  // registry gave (distribution's own client, httpBlobUpload.Cancel), before
  // any retry.
  bool cancel_failed_uploads = false;
};

struct PushResult {
  bool ok = false;
  std::string manifest_digest;  // "sha256:…" of the manifest bytes pushed
  std::string error;            // first failure, "" when ok
  int attempts = 0;             // blob and manifest attempts beyond the first (= retries made)
};

// How blob bodies are fetched (every blob GET of a pull).
enum class PullProfile {
  Plain,       // one GET, checked
  Docker,      // moby pull_v2 + distribution http_reader: resume a cut body with Range: bytes=N-
               // (a 206 "bytes N-(size-1)/size" is required), verify; a verification failure after
               // a resume is retried once from scratch, one without a resume is final
  Containerd,  // remotes/docker/httpreadseeker: reopen at the offset on unexpected EOF inside the
               // same fetch; at commit the size is checked first, then the digest; no retry
  Slices,      // nginx slice / parallel downloader: HEAD for the size, then bounded
               // Range: bytes=a-b requests of slice_size, in order, each a full 206
};

struct PullOptions {
  PullProfile profile = PullProfile::Plain;
  std::uint64_t slice_size = 1 << 20;  // Slices
  int max_resumes = 5;                 // Docker, Containerd: Range resumes per blob attempt
  // Storage segment size, when known (the registry's Swift chunksize): tried
  // first when looking for the true offset that misplaced bytes come from.
  std::uint64_t segment_size_hint = 0;
};

struct PullResult {
  bool ok = false;  // every request succeeded and no invariant broke
  std::string error;
  // What the modelled client itself would conclude: every blob ended up
  // verified (Docker may get there through its from-scratch retry although
  // invariants broke on the way). For Plain, the same as a clean read.
  bool client_ok = false;
  std::string client_error;  // the client's own words, e.g. "unexpected commit digest sha256:…"
  int resumes = 0;           // Range resumes made (Docker, Containerd)
  int retries = 0;           // from-scratch blob retries (Docker)
};

// Where requests go when the client is given several registry instances
// (one storage, e.g. two registries behind a load balancer).
enum class Routing {
  RoundRobin,     // successive requests go to successive instances; upload Location URLs of one
                  // instance are rewritten to the next instance, as a balancer would route them
  ActivePassive,  // the first instance unless it cannot be connected to, then the next, ...
};

class RegistryClient {
 public:
  // base_url: "http://127.0.0.1:PORT". Requests and violations go to history.
  RegistryClient(std::string base_url, History& history, HttpClient http = HttpClient());
  // Several instances sharing one storage, reached according to routing.
  RegistryClient(std::vector<std::string> base_urls, History& history, Routing routing,
                 HttpClient http = HttpClient());
  RegistryClient(RegistryClient&&) noexcept;
  RegistryClient& operator=(RegistryClient&&) noexcept;
  ~RegistryClient();

  PushResult push(const ImageSpec& image, const PushOptions& options);
  // Pulls by tag or by the digest push() returned: manifest, then HEAD and GET
  // of the config and every layer, each checked. The same as PullProfile::Plain.
  PullResult pull(const ImageSpec& image, PullBy by);
  // The same, with every blob GET made the way options.profile says.
  PullResult pull(const ImageSpec& image, PullBy by, const PullOptions& options);
  // HEAD and GET of one layer of the image (no manifest), as options say.
  PullResult pull_layer(const ImageSpec& image, std::size_t layer, const PullOptions& options);
  // DELETE of the image's manifest by digest (distribution answers 202); the
  // error is "" when it was deleted.
  std::string delete_manifest(const ImageSpec& image);
  // Stops expecting the image's manifest to read back (someone deleted it).
  void forget_manifest(const ImageSpec& image);
  // Re-reads every blob and manifest this client saw acknowledged with 201 and
  // records an "acknowledged-readable" violation for each that does not read
  // back intact. Returns the number of such violations.
  std::size_t verify_acknowledged();
  // This client's id in the history (its requests and operations carry it).
  ClientId id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stalemate::harness
