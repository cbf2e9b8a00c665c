#include "harness/manifest.h"

#include <nlohmann/json.hpp>

#include "common/crypto.h"

namespace stalemate::harness {

std::string sha256_digest(std::string_view bytes) { return "sha256:" + sha256_hex(bytes); }

std::string build_config(std::uint64_t config_seed, const std::vector<std::string>& diff_ids) {
  const std::string created = "2024-01-01T00:00:00Z";
  nlohmann::ordered_json history = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < diff_ids.size(); ++i)
    history.push_back({{"created", created}, {"created_by", "stalemate layer " + std::to_string(i)}});
  nlohmann::ordered_json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", created},
      {"config",
       {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
        {"Cmd", {"/bin/sh"}},
        {"Labels", {{"org.stalemate.config-seed", std::to_string(config_seed)}}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
      {"history", std::move(history)},
  };
  return config.dump();
}

namespace {
nlohmann::ordered_json descriptor_json(const Descriptor& d) {
  return {{"mediaType", d.media_type}, {"size", d.size}, {"digest", d.digest}};
}
}  // namespace

std::string build_manifest(ManifestFormat format, const Descriptor& config, const std::vector<Descriptor>& layers) {
  nlohmann::ordered_json layer_list = nlohmann::ordered_json::array();
  for (const auto& l : layers) layer_list.push_back(descriptor_json(l));
  nlohmann::ordered_json manifest = {
      {"schemaVersion", 2},
      {"mediaType", format == ManifestFormat::OCI ? media_type::kOciManifest : media_type::kDockerManifest},
      {"config", descriptor_json(config)},
      {"layers", std::move(layer_list)},
  };
  return manifest.dump(3);
}

BuiltImage build_image(const ImageSpec& image) {
  const bool oci = image.format == ManifestFormat::OCI;
  BuiltImage built;
  std::vector<std::string> diff_ids;
  for (const auto& spec : image.layers) {
    built.layer_contents.emplace_back(spec.seed, spec.size);
    const auto& content = built.layer_contents.back();
    built.layers.push_back({oci ? media_type::kOciLayer : media_type::kDockerLayer, content.digest(), content.size()});
    diff_ids.push_back(content.digest());
  }
  built.config = build_config(image.config_seed, diff_ids);
  built.config_descriptor = {oci ? media_type::kOciConfig : media_type::kDockerConfig, sha256_digest(built.config),
                             built.config.size()};
  built.manifest = build_manifest(image.format, built.config_descriptor, built.layers);
  built.manifest_media_type = oci ? media_type::kOciManifest : media_type::kDockerManifest;
  built.manifest_digest = sha256_digest(built.manifest);
  return built;
}

}  // namespace stalemate::harness
