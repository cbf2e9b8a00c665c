// Image building for the registry client: a small valid image config that is
// unique per config_seed, and Docker schema2 / OCI manifests over it. All
// output is deterministic, so the expected bytes of any pushed image can be
// rebuilt from its ImageSpec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/layer_content.h"
#include "harness/registry_client.h"

namespace stalemate::harness {

namespace media_type {
inline constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr const char* kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* kOciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
}  // namespace media_type

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<hex>"
  std::uint64_t size = 0;
};

struct BuiltImage {
  std::string config;  // config blob bytes
  Descriptor config_descriptor;
  std::vector<LayerContent> layer_contents;  // same order as layers
  std::vector<Descriptor> layers;
  std::string manifest;  // manifest bytes as pushed
  std::string manifest_media_type;
  std::string manifest_digest;  // sha256 of manifest
};

// "sha256:<hex>" of bytes.
std::string sha256_digest(std::string_view bytes);

// Image config JSON: architecture amd64, os linux, rootfs.diff_ids = the layer
// digests, and a label carrying config_seed.
std::string build_config(std::uint64_t config_seed, const std::vector<std::string>& diff_ids);

// Manifest JSON for a config and layers, in the given format.
std::string build_manifest(ManifestFormat format, const Descriptor& config, const std::vector<Descriptor>& layers);

// Everything above for one ImageSpec (computes the layer digests).
BuiltImage build_image(const ImageSpec& image);

}  // namespace stalemate::harness
