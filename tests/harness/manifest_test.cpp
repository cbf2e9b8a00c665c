#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "harness/manifest.h"

using namespace stalemate::harness;

namespace {
ImageSpec spec(ManifestFormat format) {
  ImageSpec s;
  s.repository = "test/app";
  s.layers = {{1024, 1}, {5000, 2}};
  s.config_seed = 77;
  s.format = format;
  return s;
}
}  // namespace

TEST_CASE("docker schema2 manifest: digest, media types, descriptors", "[harness][manifest]") {
  const auto b = build_image(spec(ManifestFormat::DockerV2));
  CHECK(b.manifest_digest == "sha256:" + stalemate::sha256_hex(b.manifest));
  CHECK(b.manifest_media_type == "application/vnd.docker.distribution.manifest.v2+json");
  const auto m = nlohmann::json::parse(b.manifest);
  CHECK(m["schemaVersion"] == 2);
  CHECK(m["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json");
  CHECK(m["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json");
  CHECK(m["config"]["digest"] == "sha256:" + stalemate::sha256_hex(b.config));
  CHECK(m["config"]["size"] == b.config.size());
  REQUIRE(m["layers"].size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(m["layers"][i]["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar.gzip");
    CHECK(m["layers"][i]["digest"] == LayerContent(spec(ManifestFormat::DockerV2).layers[i].seed,
                                                   spec(ManifestFormat::DockerV2).layers[i].size)
                                          .digest());
    CHECK(m["layers"][i]["size"] == spec(ManifestFormat::DockerV2).layers[i].size);
  }
}

TEST_CASE("OCI manifest media types", "[harness][manifest]") {
  const auto b = build_image(spec(ManifestFormat::OCI));
  CHECK(b.manifest_media_type == "application/vnd.oci.image.manifest.v1+json");
  CHECK(b.manifest_digest == "sha256:" + stalemate::sha256_hex(b.manifest));
  const auto m = nlohmann::json::parse(b.manifest);
  CHECK(m["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
  CHECK(m["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json");
  for (const auto& l : m["layers"]) CHECK(l["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip");
}

TEST_CASE("image config is valid, deterministic and unique per config_seed", "[harness][manifest]") {
  const auto a = build_image(spec(ManifestFormat::DockerV2));
  const auto again = build_image(spec(ManifestFormat::DockerV2));
  CHECK(a.manifest == again.manifest);
  CHECK(a.config == again.config);
  auto other_spec = spec(ManifestFormat::DockerV2);
  other_spec.config_seed = 78;
  const auto other = build_image(other_spec);
  CHECK(other.config != a.config);
  CHECK(other.manifest_digest != a.manifest_digest);

  const auto c = nlohmann::json::parse(a.config);
  CHECK(c["architecture"] == "amd64");
  CHECK(c["os"] == "linux");
  CHECK(c["rootfs"]["type"] == "layers");
  REQUIRE(c["rootfs"]["diff_ids"].size() == 2);
  CHECK(c["rootfs"]["diff_ids"][0] == a.layers[0].digest);
  CHECK(c["rootfs"]["diff_ids"][1] == a.layers[1].digest);
}
