// A registry API v2 client that pushes and pulls the way real clients do and
// checks the digest invariants on every response it gets:
//  - a 200 blob GET has Content-Length == descriptor size, delivers exactly
//    that many bytes, and they hash to the requested digest;
//  - Docker-Content-Digest equals the requested digest;
//  - HEAD size equals the GET length (and the descriptor size);
//  - a manifest fetched by digest hashes to that digest;
//  - whatever was acknowledged with 201 reads back correctly later.
// Bodies stream through SHA-256; no whole layer is ever held in memory.
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

struct PushOptions {
  PushMode mode = PushMode::Monolithic;
  std::uint64_t chunk_size = 8ull << 20;  // PATCH size in Chunked mode
};

struct PushResult {
  bool ok = false;
  std::string manifest_digest;  // "sha256:…" of the manifest bytes pushed
  std::string error;            // first failure, "" when ok
};

struct PullResult {
  bool ok = false;  // every request succeeded and no invariant broke
  std::string error;
};

class RegistryClient {
 public:
  // base_url: "http://127.0.0.1:PORT". Requests and violations go to history.
  RegistryClient(std::string base_url, History& history, HttpClient http = HttpClient());
  ~RegistryClient();

  PushResult push(const ImageSpec& image, const PushOptions& options);
  // Pulls by tag or by the digest push() returned: manifest, then HEAD and GET
  // of the config and every layer, each checked.
  PullResult pull(const ImageSpec& image, PullBy by);
  // Re-reads every blob and manifest this client saw acknowledged with 201 and
  // records an "acknowledged-readable" violation for each that does not read
  // back intact. Returns the number of such violations.
  std::size_t verify_acknowledged();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stalemate::harness
