// The `skopeo` client profile: the real /usr/bin/skopeo, run as a bounded
// child, copies an image between a local dir: layout and the registry. The
// harness writes the layout from the image's deterministic content before a
// push, and after a pull checks every blob skopeo wrote (size and sha256)
// and the manifest's digest against what the image is.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "harness/registry_client.h"

namespace stalemate::harness::workload {

inline constexpr const char* kSkopeoBinary = "/usr/bin/skopeo";

struct SkopeoResult {
  bool ok = false;
  std::string error;    // "" when ok: skopeo's failure (exit, output tail) or the check that broke
  std::string command;  // as run, for the report
};

// registry: "127.0.0.1:PORT" (plain HTTP). work_dir holds the layouts.
SkopeoResult skopeo_push(const ImageSpec& image, const std::string& registry, const std::filesystem::path& work_dir,
                         std::chrono::milliseconds timeout = std::chrono::minutes(10));
SkopeoResult skopeo_pull(const ImageSpec& image, PullBy by, const std::string& registry,
                         const std::filesystem::path& work_dir,
                         std::chrono::milliseconds timeout = std::chrono::minutes(10));

// "127.0.0.1:5000" of "http://127.0.0.1:5000" (the form skopeo's docker:// takes).
std::string registry_host_port(const std::string& base_url);

}  // namespace stalemate::harness::workload
